//! Alerts: one per organisation and key, so a finding recorded again is not sent again;
//! raised in place when it comes back worse; listed newest first in pages that hold
//! still; members' verdicts kept with their history and added up per source; and the
//! matcher's cursor saved with the alerts it produced, or not at all.

use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::StoreError;
use dijkwacht_store::alerts::{
    AlertPosition, AlertQuery, AlertStatus, Alerts, DeliveryChannel, DeliveryOutcome,
    MatcherCursor, NewDelivery, RecordOutcome, Severity, SourceFeedback, StatusChange, alert_id,
};
use dijkwacht_store::directory::Directory;

use super::{ANNA, BRAM, CEES, DAIRY, WATER, by_email, finding, members, record, webhook_of};

pub async fn a_finding_recorded_twice_is_one_alert_delivered_once(
    directory: &dyn Directory,
    alerts: &dyn Alerts,
) {
    members(directory).await;
    let hook = webhook_of(alerts, WATER, 10).await;
    let mut first = finding(WATER, "cve:CVE-2024-3094", Severity::High, 1_000);
    first.deliveries = vec![
        by_email(ANNA, 1_000),
        NewDelivery {
            channel: DeliveryChannel::Webhook(hook.id),
            not_before: 1_000,
        },
    ];
    let recorded = record(alerts, vec![first.clone()]).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].outcome, RecordOutcome::New);
    assert_eq!(recorded[0].deliveries.len(), 2);
    let id = recorded[0].alert.id.clone();
    assert_eq!(id, alert_id(WATER, "cve:CVE-2024-3094"));

    // The matcher finds it again (a rerun, a restart): same key, same severity.
    let mut again = first.clone();
    again.created_at = 9_000;
    let repeated = record(alerts, vec![again.clone(), again]).await;
    assert!(
        repeated
            .iter()
            .all(|each| each.outcome == RecordOutcome::Unchanged && each.deliveries.is_empty())
    );
    assert_eq!(
        repeated[0].alert, recorded[0].alert,
        "nothing about it changed"
    );

    let page = alerts.alerts(AlertQuery::default()).await.expect("listed");
    assert_eq!(page.alerts.len(), 1);
    assert_eq!(alerts.deliveries(&id).await.expect("deliveries").len(), 2);
    assert_eq!(
        alerts
            .due_deliveries(i64::MAX, 100)
            .await
            .expect("due")
            .len(),
        2,
        "no second delivery"
    );
    let stored = alerts.alert(&id).await.expect("read").expect("kept");
    assert_eq!(stored, recorded[0].alert);
    assert_eq!(stored.body, first.body);
    assert_eq!(stored.status, AlertStatus::New);

    // The same key at another member is another alert.
    let elsewhere = record(
        alerts,
        vec![finding(DAIRY, "cve:CVE-2024-3094", Severity::High, 1_000)],
    )
    .await;
    assert_eq!(elsewhere[0].outcome, RecordOutcome::New);
    assert_ne!(elsewhere[0].alert.id, id);
}

pub async fn a_worse_finding_raises_the_alert_and_adds_only_new_or_earlier_deliveries(
    directory: &dyn Directory,
    alerts: &dyn Alerts,
) {
    members(directory).await;
    let mut first = finding(WATER, "kev:citrix", Severity::Medium, 1_000);
    first.deliveries = vec![by_email(ANNA, 1_000)];
    let id = record(alerts, vec![first.clone()]).await[0]
        .alert
        .id
        .clone();

    let mut worse = finding(WATER, "kev:citrix", Severity::Critical, 5_000);
    worse.object_ids = vec![
        "vulnerability--kev:citrix".to_owned(),
        "indicator--x".to_owned(),
    ];
    worse.sources = vec!["cisa-kev".to_owned()];
    // The raise makes Anna's pending e-mail urgent and gives Bram one he had not.
    worse.deliveries = vec![by_email(ANNA, 500), by_email(BRAM, 5_000)];
    let raised = record(alerts, vec![worse.clone()]).await.remove(0);
    assert_eq!(raised.outcome, RecordOutcome::Raised);
    assert_eq!(
        raised.deliveries.len(),
        2,
        "Anna's brought forward, Bram's added"
    );
    let planned = alerts.deliveries(&id).await.expect("deliveries");
    assert_eq!(planned.len(), 2, "one delivery per channel: {planned:?}");
    let anna = planned
        .iter()
        .find(|delivery| delivery.channel == DeliveryChannel::Email(ANNA.to_owned()))
        .expect("Anna's delivery");
    assert_eq!(anna.not_before, 500);
    assert!(
        raised.deliveries.contains(&anna.id),
        "the same delivery, moved"
    );
    let stored = alerts.alert(&id).await.expect("read").expect("kept");
    assert_eq!(stored, raised.alert);
    assert_eq!(stored.severity, Severity::Critical);
    assert_eq!((stored.created_at, stored.updated_at), (1_000, 5_000));
    assert_eq!(stored.object_ids, worse.object_ids);
    assert_eq!(stored.sources, ["ncsc-advisories", "cisa-kev"]);
    assert_eq!(stored.body, worse.body);

    // Once delivered, a channel is never used again, whatever a later raise plans.
    alerts
        .finish_delivery(anna.id, DeliveryOutcome::Delivered { at: 600 })
        .await
        .expect("delivered");
    let mut worst = finding(WATER, "kev:citrix", Severity::Critical, 6_000);
    worst.object_ids = vec!["indicator--z".to_owned()];
    worst.deliveries = vec![by_email(ANNA, 100), by_email(BRAM, 9_000)];
    let again = record(alerts, vec![worst]).await.remove(0);
    assert_eq!(again.outcome, RecordOutcome::Raised);
    assert!(
        again.deliveries.is_empty(),
        "Anna's was delivered and Bram's is planned earlier already"
    );
    assert_eq!(alerts.deliveries(&id).await.expect("deliveries").len(), 2);

    // Linking one more object at a lower severity raises too, keeping the severity.
    let mut more = finding(WATER, "kev:citrix", Severity::Low, 7_000);
    more.object_ids = vec!["report--y".to_owned()];
    let linked = record(alerts, vec![more]).await.remove(0);
    assert_eq!(linked.outcome, RecordOutcome::Raised);
    assert_eq!(linked.alert.severity, Severity::Critical);
    assert_eq!(linked.alert.object_ids.len(), 4);
    assert_eq!(linked.alert.updated_at, 7_000);
    assert!(linked.deliveries.is_empty());

    let lower = record(
        alerts,
        vec![finding(WATER, "kev:citrix", Severity::High, 9_000)],
    )
    .await;
    assert_eq!(lower[0].outcome, RecordOutcome::Unchanged);
    assert_eq!(
        alerts
            .alert(&id)
            .await
            .expect("read")
            .expect("kept")
            .updated_at,
        7_000
    );
}

pub async fn pages_of_alerts_run_newest_first_and_hold_still(
    directory: &dyn Directory,
    alerts: &dyn Alerts,
) {
    members(directory).await;
    // Seven alerts; two share a creation time, so the id decides between them.
    let times = [100, 200, 300, 300, 400, 500, 600];
    let batch = times
        .iter()
        .enumerate()
        .map(|(number, at)| finding(WATER, &format!("key-{number}"), Severity::Medium, *at))
        .collect();
    record(alerts, batch).await;
    let everything = alerts.alerts(AlertQuery::default()).await.expect("all");
    assert!(!everything.more);
    assert_eq!(everything.alerts.len(), 7);
    let positions: Vec<AlertPosition> = everything
        .alerts
        .iter()
        .map(|each| each.position())
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] > pair[1]),
        "newest first"
    );

    let page = |before, after| AlertQuery {
        organisation: Some(WATER.to_owned()),
        before,
        after,
        limit: 3,
        ..AlertQuery::default()
    };
    let first = alerts.alerts(page(None, None)).await.expect("page 1");
    assert!(first.more);
    let cursor = first.alerts.last().map(|last| last.position());
    // A raise in between changes neither the order nor the pages.
    record(
        alerts,
        vec![finding(WATER, "key-0", Severity::Critical, 900)],
    )
    .await;
    let second = alerts.alerts(page(cursor, None)).await.expect("page 2");
    assert!(second.more);
    let third = alerts
        .alerts(page(second.alerts.last().map(|last| last.position()), None))
        .await
        .expect("page 3");
    assert!(!third.more);
    let walked: Vec<AlertPosition> = [first.alerts, second.alerts.clone(), third.alerts]
        .concat()
        .iter()
        .map(|each| each.position())
        .collect();
    assert_eq!(walked, positions, "every alert once, in order");

    // Back towards the newest: the page just newer than the second page's first.
    let back = alerts
        .alerts(page(
            None,
            second.alerts.first().map(|first| first.position()),
        ))
        .await
        .expect("the page before");
    assert!(!back.more);
    assert_eq!(
        back.alerts
            .iter()
            .map(|each| each.position())
            .collect::<Vec<_>>(),
        positions[..3],
        "newest first in the answer too"
    );
    let narrow = alerts
        .alerts(AlertQuery {
            after: Some(positions[4].clone()),
            limit: 2,
            ..AlertQuery::default()
        })
        .await
        .expect("the two just newer");
    assert!(narrow.more);
    assert_eq!(
        narrow
            .alerts
            .iter()
            .map(|each| each.position())
            .collect::<Vec<_>>(),
        positions[2..4]
    );

    assert!(matches!(
        alerts
            .alerts(AlertQuery {
                before: Some(positions[1].clone()),
                after: Some(positions[4].clone()),
                ..AlertQuery::default()
            })
            .await,
        Err(StoreError::Invalid(_))
    ));
}

pub async fn filters_choose_alerts_and_red_ones_show_only_to_recipients(
    directory: &dyn Directory,
    alerts: &dyn Alerts,
) {
    members(directory).await;
    let mut red = finding(WATER, "red", Severity::Critical, 400);
    red.tlp = TlpLevel::Red;
    red.recipients = vec![ANNA.to_owned()];
    record(
        alerts,
        vec![
            finding(WATER, "low", Severity::Low, 100),
            finding(WATER, "high", Severity::High, 200),
            finding(DAIRY, "dairy", Severity::Critical, 300),
            red,
        ],
    )
    .await;
    alerts
        .set_alert_status(
            &alert_id(WATER, "high"),
            StatusChange {
                status: AlertStatus::Resolved,
                by: Some(BRAM.to_owned()),
                note: None,
                at: 500,
            },
        )
        .await
        .expect("resolved");
    // Counts tell a reader of no RED alert that does not name them.
    let counted = |reader: Option<&'static str>| async move {
        alerts
            .alert_counts(Some(WATER), reader)
            .await
            .expect("counts")
            .total()
    };
    assert_eq!(counted(None).await, 3, "the operator counts everything");
    assert_eq!(
        counted(Some(ANNA)).await,
        3,
        "Anna is named by the RED alert"
    );
    assert_eq!(counted(Some(BRAM)).await, 2, "Bram is not");
    let keys = |query: AlertQuery| async move {
        let page = alerts.alerts(query).await.expect("listed");
        page.alerts
            .into_iter()
            .map(|each| each.key)
            .collect::<Vec<_>>()
    };
    let water = |query: AlertQuery| AlertQuery {
        organisation: Some(WATER.to_owned()),
        ..query
    };
    assert_eq!(
        keys(water(AlertQuery::default())).await,
        ["red", "high", "low"]
    );
    assert_eq!(
        keys(water(AlertQuery {
            min_severity: Some(Severity::High),
            ..AlertQuery::default()
        }))
        .await,
        ["red", "high"]
    );
    assert_eq!(
        keys(water(AlertQuery {
            statuses: vec![AlertStatus::New, AlertStatus::Acknowledged],
            ..AlertQuery::default()
        }))
        .await,
        ["red", "low"]
    );
    assert_eq!(
        keys(AlertQuery {
            since: Some(200),
            ..AlertQuery::default()
        })
        .await,
        ["red", "dairy", "high"]
    );
    for (reader, expected) in [
        (ANNA, vec!["red", "high", "low"]),
        (BRAM, vec!["high", "low"]),
    ] {
        assert_eq!(
            keys(water(AlertQuery {
                reader: Some(reader.to_owned()),
                ..AlertQuery::default()
            }))
            .await,
            expected,
            "as {reader}"
        );
    }
}

pub async fn status_changes_keep_their_history(directory: &dyn Directory, alerts: &dyn Alerts) {
    members(directory).await;
    let id = record(alerts, vec![finding(WATER, "k", Severity::High, 100)]).await[0]
        .alert
        .id
        .clone();
    assert!(alerts.alert_history(&id).await.expect("history").is_empty());
    let changes = [
        StatusChange {
            status: AlertStatus::Acknowledged,
            by: Some(ANNA.to_owned()),
            note: Some("we kijken ernaar".to_owned()),
            at: 200,
        },
        StatusChange {
            status: AlertStatus::FalsePositive,
            by: Some(BRAM.to_owned()),
            note: Some("we draaien dit product niet".to_owned()),
            at: 300,
        },
    ];
    for change in &changes {
        let changed = alerts
            .set_alert_status(&id, change.clone())
            .await
            .expect("the status changes");
        assert_eq!(changed.status, change.status);
        assert_eq!(changed.status_by, change.by);
        assert_eq!(changed.status_note, change.note);
        assert_eq!(changed.status_at, Some(change.at));
        assert_eq!(changed.updated_at, 100, "a verdict is not a raise");
    }
    assert_eq!(alerts.alert_history(&id).await.expect("history"), changes);
    // A raise afterwards keeps the member's verdict.
    let raised = record(alerts, vec![finding(WATER, "k", Severity::Critical, 400)]).await;
    assert_eq!(raised[0].alert.status, AlertStatus::FalsePositive);
}

pub async fn feedback_and_counts_add_up_by_source_status_and_severity(
    directory: &dyn Directory,
    alerts: &dyn Alerts,
) {
    members(directory).await;
    let mut shared = finding(WATER, "both", Severity::High, 100);
    shared.sources = vec![
        "blocklist".to_owned(),
        "ncsc-advisories".to_owned(),
        "blocklist".to_owned(),
    ];
    let mut listed = finding(DAIRY, "blocklisted", Severity::Low, 200);
    listed.sources = vec!["blocklist".to_owned()];
    record(
        alerts,
        vec![
            shared,
            listed,
            finding(WATER, "advisory", Severity::High, 300),
        ],
    )
    .await;
    for (organisation, key, status) in [
        (WATER, "both", AlertStatus::FalsePositive),
        (DAIRY, "blocklisted", AlertStatus::NotRelevant),
        (WATER, "advisory", AlertStatus::Resolved),
    ] {
        alerts
            .set_alert_status(
                &alert_id(organisation, key),
                StatusChange {
                    status,
                    by: None,
                    note: None,
                    at: 400,
                },
            )
            .await
            .expect("status set");
    }
    assert_eq!(
        alerts.feedback_by_source().await.expect("feedback"),
        [
            SourceFeedback {
                source: "blocklist".to_owned(),
                alerts: 2,
                not_relevant: 1,
                false_positive: 1,
                ..SourceFeedback::default()
            },
            SourceFeedback {
                source: "ncsc-advisories".to_owned(),
                alerts: 2,
                resolved: 1,
                false_positive: 1,
                ..SourceFeedback::default()
            },
        ],
        "a source named twice by one alert counts it once"
    );

    let all = alerts.alert_counts(None, None).await.expect("counts");
    assert_eq!(all.total(), 3);
    assert_eq!(all.with_severity(Severity::High), 2);
    assert_eq!(all.with_status(AlertStatus::NotRelevant), 1);
    let water = alerts
        .alert_counts(Some(WATER), None)
        .await
        .expect("counts");
    assert_eq!(water.total(), 2);
    assert_eq!(water.with_status(AlertStatus::Resolved), 1);
    assert_eq!(water.with_severity(Severity::Low), 0);
    assert!(
        water
            .cells
            .windows(2)
            .all(|pair| (pair[0].status, pair[0].severity) < (pair[1].status, pair[1].severity))
    );
}

pub async fn the_cursor_moves_with_the_alerts_or_not_at_all(
    directory: &dyn Directory,
    alerts: &dyn Alerts,
) {
    members(directory).await;
    const MATCHER: &str = "matcher:objects";
    assert_eq!(alerts.alert_cursor(MATCHER).await.expect("cursor"), None);
    let cursor = |value| {
        Some(MatcherCursor {
            name: MATCHER.to_owned(),
            value,
        })
    };
    alerts
        .record_alerts(vec![finding(WATER, "a", Severity::Low, 1)], cursor(1_000))
        .await
        .expect("recorded");
    assert_eq!(
        alerts.alert_cursor(MATCHER).await.expect("cursor"),
        Some(1_000)
    );

    // A batch with one bad delivery: nothing of it is kept, the cursor stays.
    let mut crossing = finding(WATER, "b", Severity::High, 2);
    crossing.deliveries = vec![by_email(CEES, 2)];
    let refused = alerts
        .record_alerts(
            vec![finding(WATER, "c", Severity::Low, 2), crossing],
            cursor(2_000),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Invalid(_))),
        "{refused:?}"
    );
    assert_eq!(
        alerts.alert_cursor(MATCHER).await.expect("cursor"),
        Some(1_000)
    );
    assert_eq!(
        alerts.alert(&alert_id(WATER, "c")).await.expect("read"),
        None
    );

    // Even an empty batch moves it: the matcher read objects that matched nothing.
    alerts
        .record_alerts(Vec::new(), cursor(3_000))
        .await
        .expect("recorded");
    assert_eq!(
        alerts.alert_cursor(MATCHER).await.expect("cursor"),
        Some(3_000)
    );
    alerts.set_alert_cursor(MATCHER, 0).await.expect("reset");
    alerts.set_alert_cursor("other", 7).await.expect("set");
    assert_eq!(alerts.alert_cursor(MATCHER).await.expect("cursor"), Some(0));
    assert_eq!(alerts.alert_cursor("other").await.expect("cursor"), Some(7));
}

pub async fn unknown_organisations_and_alerts_are_not_found(
    directory: &dyn Directory,
    alerts: &dyn Alerts,
) {
    members(directory).await;
    let not_found = |result: Result<(), StoreError>| {
        assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    };
    not_found(
        alerts
            .record_alerts(vec![finding("nobody", "k", Severity::Low, 1)], None)
            .await
            .map(|_| ()),
    );
    not_found(
        alerts
            .alerts(AlertQuery {
                organisation: Some("nobody".to_owned()),
                ..AlertQuery::default()
            })
            .await
            .map(|_| ()),
    );
    not_found(alerts.alert_counts(Some("nobody"), None).await.map(|_| ()));
    let unknown = alert_id(WATER, "never recorded");
    assert_eq!(alerts.alert(&unknown).await.expect("read"), None);
    not_found(
        alerts
            .set_alert_status(
                &unknown,
                StatusChange {
                    status: AlertStatus::Resolved,
                    by: None,
                    note: None,
                    at: 1,
                },
            )
            .await
            .map(|_| ()),
    );
    not_found(alerts.alert_history(&unknown).await.map(|_| ()));
    not_found(alerts.deliveries(&unknown).await.map(|_| ()));
    assert!(matches!(
        alerts
            .record_alerts(vec![finding(WATER, " ", Severity::Low, 1)], None)
            .await,
        Err(StoreError::Invalid(_))
    ));
}
