//! What only a store in a file can show about alerts: everything acknowledged is there
//! after reopening (profiles, alerts and their verdicts, the matcher's cursor, webhooks,
//! preferences, the outbox), the cursor committed together with the alerts it
//! produced, and a profile of 100,000 entries stored, replaced and paged through.

use dijkwacht_store::alerts::{
    AlertQuery, AlertStatus, Alerts, DeliveryOutcome, DeliveryState, MatcherCursor,
    NotificationMode, ProfileEntry, Severity, StatusChange, alert_id,
};

use super::stories::alerts::{ANNA, WATER, by_email, finding, members, webhook_of};

const MATCHER: &str = "matcher:objects";

#[tokio::test]
async fn everything_acknowledged_is_there_after_reopening() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("store.sqlite");
    let (alert, deliveries, profile, hook) = {
        let store = dijkwacht_store_sqlite::SqliteStore::open(&path).expect("a new store");
        members(&store).await;
        store
            .add_assets(
                WATER,
                vec![
                    ProfileEntry::new("domain", "waterbedrijf.nl"),
                    ProfileEntry::new("asn", "64500"),
                ],
                10,
            )
            .await
            .expect("added");
        let hook = webhook_of(&store, WATER, 20).await;
        store
            .set_notification(ANNA, NotificationMode::Daily)
            .await
            .expect("set");
        let mut new = finding(WATER, "cve:CVE-2024-6387", Severity::Critical, 100);
        new.deliveries = vec![by_email(ANNA, 100), by_email(ANNA, 5_000)];
        let recorded = store
            .record_alerts(
                vec![new],
                Some(MatcherCursor {
                    name: MATCHER.to_owned(),
                    value: 4_242,
                }),
            )
            .await
            .expect("recorded")
            .remove(0);
        store
            .finish_delivery(
                recorded.deliveries[0],
                DeliveryOutcome::Delivered { at: 110 },
            )
            .await
            .expect("delivered");
        store
            .set_alert_status(
                &recorded.alert.id,
                StatusChange {
                    status: AlertStatus::Acknowledged,
                    by: Some(ANNA.to_owned()),
                    note: Some("patch gepland".to_owned()),
                    at: 200,
                },
            )
            .await
            .expect("acknowledged");
        let alert = store
            .alert(&recorded.alert.id)
            .await
            .expect("read")
            .expect("kept");
        let deliveries = store.deliveries(&alert.id).await.expect("listed");
        let profile = store.asset_profile(WATER).await.expect("read");
        (alert, deliveries, profile, hook)
    };

    let store = dijkwacht_store_sqlite::SqliteStore::open(&path).expect("the store reopens");
    assert_eq!(
        store.alert(&alert.id).await.expect("read"),
        Some(alert.clone())
    );
    assert_eq!(alert.status, AlertStatus::Acknowledged);
    assert_eq!(
        store.alert_history(&alert.id).await.expect("history").len(),
        1
    );
    assert_eq!(
        store.deliveries(&alert.id).await.expect("listed"),
        deliveries
    );
    assert_eq!(deliveries[0].state, DeliveryState::Delivered);
    assert!(
        store
            .due_deliveries(4_999, 10)
            .await
            .expect("due")
            .is_empty(),
        "the delivered one is not handed out again"
    );
    assert_eq!(store.due_deliveries(5_000, 10).await.expect("due").len(), 1);
    assert_eq!(store.asset_profile(WATER).await.expect("read"), profile);
    assert_eq!(store.webhooks(WATER).await.expect("listed"), [hook]);
    assert_eq!(
        store.notification(ANNA).await.expect("read"),
        Some(NotificationMode::Daily)
    );
    assert_eq!(
        store.alert_cursor(MATCHER).await.expect("cursor"),
        Some(4_242)
    );

    // Recorded again after the restart: still one alert, nothing enqueued.
    let again = store
        .record_alerts(
            vec![finding(
                WATER,
                "cve:CVE-2024-6387",
                Severity::Critical,
                9_000,
            )],
            None,
        )
        .await
        .expect("recorded");
    assert!(again[0].deliveries.is_empty());
    assert_eq!(store.deliveries(&alert.id).await.expect("listed").len(), 2);
}

#[tokio::test]
async fn the_cursor_is_committed_with_its_alerts_or_not_at_all() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("store.sqlite");
    {
        let store = dijkwacht_store_sqlite::SqliteStore::open(&path).expect("a new store");
        members(&store).await;
        let cursor = |value| {
            Some(MatcherCursor {
                name: MATCHER.to_owned(),
                value,
            })
        };
        store
            .record_alerts(
                vec![finding(WATER, "first", Severity::High, 1)],
                cursor(1_000),
            )
            .await
            .expect("recorded");
        // Refused as a whole (a delivery to an unknown user): the cursor must not move
        // past objects whose alerts were not stored.
        let mut broken = finding(WATER, "second", Severity::High, 2);
        broken.deliveries = vec![by_email("nobody@example.nl", 2)];
        store
            .record_alerts(
                vec![finding(WATER, "kept?", Severity::Low, 2), broken],
                cursor(2_000),
            )
            .await
            .expect_err("refused");
    }
    let store = dijkwacht_store_sqlite::SqliteStore::open(&path).expect("the store reopens");
    assert_eq!(
        store.alert_cursor(MATCHER).await.expect("cursor"),
        Some(1_000)
    );
    let page = store.alerts(AlertQuery::default()).await.expect("listed");
    assert_eq!(
        page.alerts
            .iter()
            .map(|each| each.key.as_str())
            .collect::<Vec<_>>(),
        ["first"]
    );
    assert_eq!(
        store.alert(&alert_id(WATER, "kept?")).await.expect("read"),
        None
    );
}

#[tokio::test]
async fn a_profile_of_a_hundred_thousand_entries() {
    const ENTRIES: usize = 100_000;
    let folder = tempfile::tempdir().expect("a temporary folder");
    let store = dijkwacht_store_sqlite::SqliteStore::open(&folder.path().join("store.sqlite"))
        .expect("a new store");
    members(&store).await;
    let entry = |number: usize| {
        ProfileEntry::new(
            "cpe",
            format!(
                "cpe:2.3:a:vendor{}:product{number:06}:1.0:*:*:*:*:*:*:*",
                number % 97
            ),
        )
    };
    let added = store
        .add_assets(WATER, (0..ENTRIES).map(entry).collect(), 1)
        .await
        .expect("added");
    assert_eq!((added.added, added.revision), (ENTRIES, 1));

    // Swap a tenth of it in one transaction.
    let replaced = store
        .replace_assets(
            WATER,
            (ENTRIES / 10..ENTRIES + ENTRIES / 10).map(entry).collect(),
            2,
        )
        .await
        .expect("replaced");
    assert_eq!(
        (replaced.added, replaced.removed, replaced.unchanged),
        (ENTRIES / 10, ENTRIES / 10, ENTRIES - ENTRIES / 10)
    );
    assert_eq!(
        store.asset_profile(WATER).await.expect("read").assets.len(),
        ENTRIES
    );

    let mut after = None;
    let mut read = 0;
    loop {
        let page = store.assets_page(after, 10_000).await.expect("a page");
        read += page.len();
        match page.last() {
            Some(last) if page.len() == 10_000 => after = Some(last.position()),
            _ => break,
        }
    }
    assert_eq!(read, ENTRIES);
}
