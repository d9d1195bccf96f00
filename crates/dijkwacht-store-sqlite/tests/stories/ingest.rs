//! Stories about storing batches: what each object's outcome is, what a rejected batch
//! leaves behind, how `date_added` grows and how the latest and first versions are kept.

use dijkwacht_store::{
    IngestMode, IngestOutcome, ObjectQuery, Provenance, Store, VersionSelection,
};

use super::objects::{indicator, indicator_id, ipv4, ipv4_id, malware};
use super::{all_versions, ingest_ok, latest_version};

const NOON: &str = "2024-03-01T12:00:00.000Z";
const ONE: &str = "2024-03-01T13:00:00.000Z";
const TWO: &str = "2024-03-01T14:00:00.000Z";

pub async fn new_objects_new_versions_duplicates_and_conflicts(store: &dyn Store) {
    let first = ingest_ok(
        store,
        vec![
            indicator(1, NOON, "first", "the first indicator"),
            malware(1, NOON, "Plugworm"),
        ],
    )
    .await;
    assert_eq!(
        first.outcomes,
        [IngestOutcome::NewObject, IngestOutcome::NewObject]
    );
    assert!(first.committed);
    assert!(first.rejections.is_empty());
    assert!(first.dates_added.iter().all(Option::is_some));

    let second = ingest_ok(
        store,
        vec![
            indicator(1, ONE, "first", "the first indicator, revised"),
            indicator(1, NOON, "first", "the first indicator"),
            indicator(1, NOON, "changed", "the first indicator, changed in place"),
        ],
    )
    .await;
    assert_eq!(
        second.outcomes,
        [
            IngestOutcome::NewVersion,
            IngestOutcome::Duplicate,
            IngestOutcome::Rejected
        ]
    );
    assert!(second.committed, "skip-rejected batches are committed");
    assert_eq!(
        second.dates_added[1], None,
        "a duplicate gets no new date_added"
    );
    assert_eq!(second.dates_added[2], None);
    let [rejection] = second.rejections.as_slice() else {
        panic!("expected one rejection, got {:?}", second.rejections);
    };
    assert_eq!(rejection.index, 2);
    assert_eq!(rejection.id, indicator_id(1));
    assert_eq!(rejection.version.as_deref(), Some(NOON));
    assert!(
        rejection.reason.contains("already stored") && rejection.reason.contains("modified"),
        "{}",
        rejection.reason
    );

    let versions = store.versions(&indicator_id(1)).await.expect("stored");
    assert_eq!(versions.len(), 2);
    assert!(
        versions[0].json.contains("\"the first indicator\""),
        "the conflicting copy must not replace the stored version"
    );
}

pub async fn the_same_version_twice_in_one_batch(store: &dyn Store) {
    let report = ingest_ok(
        store,
        vec![
            indicator(1, NOON, "one", "as first sent"),
            indicator(1, NOON, "one", "as first sent"),
            indicator(1, NOON, "one", "sent again, but different"),
        ],
    )
    .await;
    assert_eq!(
        report.outcomes,
        [
            IngestOutcome::NewObject,
            IngestOutcome::Duplicate,
            IngestOutcome::Rejected
        ]
    );
    assert!(
        report.rejections[0].reason.contains("this batch"),
        "{}",
        report.rejections[0].reason
    );
}

pub async fn all_or_nothing_rolls_back_the_whole_batch(store: &dyn Store) {
    ingest_ok(store, vec![indicator(1, NOON, "kept", "stored before")]).await;
    let before = store.count_by_type().await.expect("counts");

    let report = store
        .ingest(
            vec![
                malware(7, NOON, "would be new"),
                indicator(1, ONE, "kept", "would be a new version"),
                indicator(1, NOON, "kept", "stored before"),
                indicator(1, NOON, "conflict", "differs from what is stored"),
            ],
            IngestMode::AllOrNothing,
            Provenance::new("test:all-or-nothing"),
        )
        .await
        .expect("a rejected batch is an answer, not an error");
    assert!(!report.committed);
    assert_eq!(
        report.outcomes,
        [
            IngestOutcome::NewObject,
            IngestOutcome::NewVersion,
            IngestOutcome::Duplicate,
            IngestOutcome::Rejected
        ],
        "the other outcomes say what would have happened"
    );
    assert_eq!(report.dates_added, [None, None, None, None]);
    assert_eq!(report.rejections.len(), 1);
    assert_eq!(report.rejections[0].index, 3);

    assert_eq!(store.count_by_type().await.expect("counts"), before);
    let malware_left = store
        .query(ObjectQuery {
            types: vec!["malware".to_owned()],
            versions: VersionSelection::All,
            ..ObjectQuery::default()
        })
        .await
        .expect("query");
    assert!(malware_left.objects.is_empty());
    assert_eq!(
        store.versions(&indicator_id(1)).await.expect("kept").len(),
        1
    );
}

pub async fn all_or_nothing_on_an_empty_store_leaves_it_empty(store: &dyn Store) {
    let report = store
        .ingest(
            vec![
                indicator(1, NOON, "a", "first copy"),
                indicator(1, NOON, "a", "second, different copy"),
            ],
            IngestMode::AllOrNothing,
            Provenance::new("test:all-or-nothing"),
        )
        .await
        .expect("answer");
    assert!(!report.committed);
    let everything = store
        .query(ObjectQuery {
            versions: VersionSelection::All,
            ..ObjectQuery::default()
        })
        .await
        .expect("query");
    assert!(everything.objects.is_empty());
    assert!(!everything.more);
    assert!(store.count_by_type().await.expect("counts").is_empty());
    assert!(
        store
            .search("copy", 10, None)
            .await
            .expect("search")
            .is_empty()
    );
}

pub async fn skip_rejected_keeps_the_rest(store: &dyn Store) {
    ingest_ok(store, vec![indicator(1, NOON, "one", "stored")]).await;
    let report = ingest_ok(
        store,
        vec![
            indicator(2, NOON, "two", "new"),
            indicator(1, NOON, "one", "conflicting"),
            indicator(3, NOON, "three", "new"),
        ],
    )
    .await;
    assert!(report.committed);
    assert_eq!(report.count(IngestOutcome::NewObject), 2);
    assert_eq!(report.count(IngestOutcome::Rejected), 1);
    assert!(report.dates_added[0].is_some() && report.dates_added[2].is_some());
    for number in [2, 3] {
        assert_eq!(
            store
                .versions(&indicator_id(number))
                .await
                .expect("kept")
                .len(),
            1
        );
    }
}

pub async fn an_empty_batch_is_committed_and_stores_nothing(store: &dyn Store) {
    let report = ingest_ok(store, Vec::new()).await;
    assert!(report.committed);
    assert!(report.outcomes.is_empty());
    assert!(store.count_by_type().await.expect("counts").is_empty());
}

pub async fn date_added_strictly_increases_across_batches(store: &dyn Store) {
    let mut dates = Vec::new();
    for batch in 0..5u32 {
        let objects = (0..20)
            .map(|number| indicator(batch * 100 + number, NOON, "x", "y"))
            .collect();
        let report = ingest_ok(store, objects).await;
        dates.extend(report.dates_added.into_iter().flatten());
    }
    assert_eq!(dates.len(), 100);
    assert!(
        dates.windows(2).all(|pair| pair[0] < pair[1]),
        "date_added must be unique and strictly increasing: {dates:?}"
    );
    let stored = all_versions(store).await;
    let stored_dates: Vec<i64> = stored.iter().map(|object| object.date_added).collect();
    assert_eq!(
        stored_dates, dates,
        "queries return objects in date_added order"
    );
}

pub async fn an_older_version_arriving_later_does_not_become_latest(store: &dyn Store) {
    ingest_ok(store, vec![indicator(1, ONE, "one", "middle version")]).await;
    ingest_ok(store, vec![indicator(1, NOON, "one", "oldest version")]).await;
    let latest = latest_version(store, &indicator_id(1)).await;
    assert_eq!(latest.version, ONE);

    let first = store
        .query(ObjectQuery {
            ids: vec![indicator_id(1)],
            versions: VersionSelection::First,
            ..ObjectQuery::default()
        })
        .await
        .expect("query");
    assert_eq!(first.objects.len(), 1);
    assert_eq!(
        first.objects[0].version, NOON,
        "the late old version is the first"
    );

    ingest_ok(store, vec![indicator(1, TWO, "one", "newest version")]).await;
    let latest = latest_version(store, &indicator_id(1)).await;
    assert_eq!(latest.version, TWO, "a newer version takes over as latest");
    let everything = all_versions(store).await;
    assert_eq!(everything.len(), 3);
}

pub async fn unversioned_objects_are_stored_once_per_content(store: &dyn Store) {
    let first = ingest_ok(store, vec![ipv4(1, "198.51.100.7", None)]).await;
    assert_eq!(first.outcomes, [IngestOutcome::NewObject]);
    let again = ingest_ok(
        store,
        vec![
            ipv4(1, "198.51.100.7", None),
            ipv4(1, "198.51.100.7", Some("seen in a phishing run")),
            ipv4(1, "198.51.100.7", Some("seen in a phishing run")),
        ],
    )
    .await;
    assert_eq!(
        again.outcomes,
        [
            IngestOutcome::Duplicate,
            IngestOutcome::NewVersion,
            IngestOutcome::Duplicate
        ]
    );
    let versions = store.versions(&ipv4_id(1)).await.expect("stored");
    assert_eq!(versions.len(), 2);
    for version in &versions {
        let date_added = dijkwacht_stix::Timestamp::from_unix_micros(version.date_added);
        assert_eq!(
            version.version,
            date_added.to_taxii_string(),
            "an unversioned object's version is its date_added"
        );
    }
    assert!(versions[1].json.contains("phishing"), "the newest is last");
    let latest = latest_version(store, &ipv4_id(1)).await;
    assert!(latest.json.contains("phishing"));
}

/// A streamed batch commits when the sender closes and keeps nothing after an abort.
pub async fn streamed_batches_commit_on_close_and_keep_nothing_on_abort(store: &dyn Store) {
    use dijkwacht_store::IngestItem;

    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    let producer = tokio::spawn(async move {
        let first_two = (1..=2)
            .map(|number| indicator(number, NOON, "streamed", "sent in a batch"))
            .collect();
        sender
            .send(IngestItem::Objects(first_two))
            .await
            .expect("the store receives");
        let third = indicator(3, NOON, "streamed", "sent alone");
        sender
            .send(IngestItem::Object(Box::new(third)))
            .await
            .expect("the store receives");
    });
    let report = store
        .ingest_stream(
            receiver,
            IngestMode::AllOrNothing,
            Provenance::new("test:stream"),
        )
        .await
        .expect("the store accepts the stream");
    producer.await.expect("the producer finishes");
    assert!(report.committed);
    assert_eq!(report.outcomes, [IngestOutcome::NewObject; 3]);
    assert_eq!(all_versions(store).await.len(), 3);

    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    let producer = tokio::spawn(async move {
        for number in 4..=5 {
            let object = indicator(number, NOON, "doomed", "the input turns out bad");
            sender
                .send(IngestItem::Object(Box::new(object)))
                .await
                .expect("the store receives");
        }
        sender
            .send(IngestItem::Abort)
            .await
            .expect("the store receives");
    });
    let report = store
        .ingest_stream(
            receiver,
            IngestMode::SkipRejected,
            Provenance::new("test:stream"),
        )
        .await
        .expect("the store accepts the stream");
    producer.await.expect("the producer finishes");
    assert!(!report.committed);
    assert!(report.dates_added.iter().all(Option::is_none));
    assert_eq!(
        all_versions(store).await.len(),
        3,
        "an aborted stream left objects behind"
    );
}

/// Only an object's owner publishes new versions of it; others get a clear refusal.
pub async fn only_the_owner_publishes_new_versions(store: &dyn Store) {
    let mut first = indicator(9, NOON, "owned", "by the water company");
    first.handling.owner = Some("waterbedrijf".to_owned());
    ingest_ok(store, vec![first]).await;
    let mut foreign = indicator(9, ONE, "changed", "by someone else");
    foreign.handling.owner = Some("havenbedrijf".to_owned());
    let report = ingest_ok(store, vec![foreign]).await;
    assert_eq!(report.outcomes, [IngestOutcome::Rejected]);
    assert!(
        report.rejections[0]
            .reason
            .contains("only the object's owner"),
        "{}",
        report.rejections[0].reason
    );
    let mut own = indicator(9, ONE, "changed", "by the owner");
    own.handling.owner = Some("waterbedrijf".to_owned());
    let report = ingest_ok(store, vec![own]).await;
    assert_eq!(report.outcomes, [IngestOutcome::NewVersion]);
}
