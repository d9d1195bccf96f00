//! Stories about removing versions (TAXII's DELETE): what remains keeps one latest and
//! one first version, stays searchable and counted, and a removed `date_added` is never
//! handed out again.

use dijkwacht_store::{ObjectQuery, Store, StoreError, TypeCount, VersionSelection};

use super::objects::{indicator, indicator_id, malware, malware_id};
use super::{ingest_ok, latest_version};

const V1: &str = "2024-05-01T08:00:00.000Z";
const V2: &str = "2024-05-02T08:00:00.000Z";
const V3: &str = "2024-05-03T08:00:00.000Z";

fn count_of<'a>(counts: &'a [TypeCount], object_type: &str) -> Option<&'a TypeCount> {
    counts.iter().find(|count| count.object_type == object_type)
}

pub async fn deleting_the_latest_version_brings_back_the_one_before(store: &dyn Store) {
    let report = ingest_ok(
        store,
        vec![
            indicator(1, V1, "harbour crane", "first"),
            indicator(1, V2, "harbour crane", "second"),
            indicator(1, V3, "lock keeper", "third"),
        ],
    )
    .await;
    let dates: Vec<i64> = report.dates_added.into_iter().flatten().collect();
    assert_eq!(dates.len(), 3);
    let removed = store.delete_versions(vec![dates[2]]).await.expect("delete");
    assert_eq!(removed, 1);
    let latest = latest_version(store, &indicator_id(1)).await;
    assert_eq!(
        latest.version, V2,
        "the version before the removed one is the latest"
    );
    let first = store
        .query(ObjectQuery {
            ids: vec![indicator_id(1)],
            versions: VersionSelection::First,
            ..ObjectQuery::default()
        })
        .await
        .expect("query");
    assert_eq!(first.objects.len(), 1);
    assert_eq!(first.objects[0].version, V1);
    let found = store.search("harbour", 10, None).await.expect("search");
    assert_eq!(found.len(), 1, "the new latest version is searchable");
    assert_eq!(found[0].version, V2);
    assert!(
        store
            .search("keeper", 10, None)
            .await
            .expect("search")
            .is_empty(),
        "the removed version is not found any more"
    );
    let counts = store.count_by_type().await.expect("counts");
    let indicators = count_of(&counts, "indicator").expect("indicators counted");
    assert_eq!((indicators.objects, indicators.versions), (1, 2));
}

pub async fn deleting_every_version_removes_the_object(store: &dyn Store) {
    let report = ingest_ok(
        store,
        vec![
            indicator(1, V1, "one", "first"),
            indicator(1, V2, "one", "second"),
            malware(1, V1, "Plugworm"),
        ],
    )
    .await;
    let dates: Vec<i64> = report.dates_added.into_iter().flatten().collect();
    // An unknown date_added is ignored.
    let removed = store
        .delete_versions(vec![dates[0], dates[1], 1])
        .await
        .expect("delete");
    assert_eq!(removed, 2);
    assert!(matches!(
        store.versions(&indicator_id(1)).await,
        Err(StoreError::NotFound(_))
    ));
    let counts = store.count_by_type().await.expect("counts");
    assert!(count_of(&counts, "indicator").is_none(), "{counts:?}");
    assert_eq!(
        store.versions(&malware_id(1)).await.expect("malware").len(),
        1
    );
    // The object can be stored anew, as a new object.
    let again = ingest_ok(store, vec![indicator(1, V1, "one", "first")]).await;
    assert_eq!(
        again.outcomes,
        [dijkwacht_store::IngestOutcome::NewObject],
        "a removed object comes back as new"
    );
}

pub async fn a_removed_date_added_is_never_handed_out_again(store: &dyn Store) {
    let report = ingest_ok(store, vec![indicator(1, V1, "one", "first")]).await;
    let removed_date = report.dates_added[0].expect("stored");
    store
        .delete_versions(vec![removed_date])
        .await
        .expect("delete");
    let next = ingest_ok(store, vec![indicator(2, V1, "two", "only")]).await;
    assert!(
        next.dates_added[0].expect("stored") > removed_date,
        "date_added keeps increasing past removed versions"
    );
}
