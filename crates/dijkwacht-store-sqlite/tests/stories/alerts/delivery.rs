//! Delivery: the outbox hands out what is due, oldest first; each attempt is counted;
//! a retry waits, a delivery given up or delivered is never handed out again; a
//! deliverer may claim what it sends; nothing is delivered to another organisation or
//! to a disabled webhook; and each user's e-mail preference is kept.

use dijkwacht_store::StoreError;
use dijkwacht_store::alerts::{
    Alerts, DeliveryChannel, DeliveryOutcome, DeliveryRecord, DeliveryState, NewDelivery,
    NotificationMode, NotificationPreference, Severity,
};
use dijkwacht_store::directory::Directory;

use super::{ANNA, BRAM, CEES, DAIRY, WATER, by_email, finding, members, record, webhook_of};

fn ids(deliveries: &[DeliveryRecord]) -> Vec<i64> {
    deliveries.iter().map(|each| each.id).collect()
}

/// The ids of the deliveries due at `now`, at most ten.
async fn due_at(alerts: &dyn Alerts, now: i64) -> Vec<i64> {
    ids(&alerts.due_deliveries(now, 10).await.expect("due"))
}

pub async fn deliveries_are_due_retried_given_up_and_delivered_once(
    directory: &dyn Directory,
    alerts: &dyn Alerts,
) {
    members(directory).await;
    let hook = webhook_of(alerts, WATER, 1).await;
    let mut urgent = finding(WATER, "urgent", Severity::Critical, 100);
    urgent.deliveries = vec![
        NewDelivery {
            channel: DeliveryChannel::Webhook(hook.id),
            not_before: 100,
        },
        by_email(ANNA, 100),
    ];
    let mut digest = finding(WATER, "digest", Severity::Low, 100);
    // The daily digest goes out at 1,000.
    digest.deliveries = vec![by_email(BRAM, 1_000)];
    let recorded = record(alerts, vec![urgent, digest]).await;
    let [webhook_delivery, anna_delivery] = recorded[0].deliveries[..] else {
        panic!(
            "two deliveries for the urgent alert: {:?}",
            recorded[0].deliveries
        );
    };
    let bram_delivery = recorded[1].deliveries[0];

    assert!(due_at(alerts, 99).await.is_empty());
    let due = alerts.due_deliveries(100, 10).await.expect("due");
    assert_eq!(ids(&due), [webhook_delivery, anna_delivery]);
    assert_eq!(due[0].channel, DeliveryChannel::Webhook(hook.id));
    assert_eq!(due[0].alert_id, recorded[0].alert.id);
    assert_eq!((due[0].state, due[0].attempts), (DeliveryState::Pending, 0));
    assert_eq!(
        ids(&alerts.due_deliveries(100, 1).await.expect("due")),
        [webhook_delivery]
    );

    // The webhook fails and is retried later; the e-mail goes out.
    let retried = alerts
        .finish_delivery(
            webhook_delivery,
            DeliveryOutcome::Retry {
                at: 110,
                error: "503 Service Unavailable".to_owned(),
                next_attempt_at: 500,
            },
        )
        .await
        .expect("retry");
    assert_eq!(
        (retried.state, retried.attempts, retried.not_before),
        (DeliveryState::Pending, 1, 500)
    );
    assert_eq!(
        retried.last_error.as_deref(),
        Some("503 Service Unavailable")
    );
    let delivered = alerts
        .finish_delivery(anna_delivery, DeliveryOutcome::Delivered { at: 120 })
        .await
        .expect("delivered");
    assert_eq!(
        (delivered.state, delivered.attempts, delivered.finished_at),
        (DeliveryState::Delivered, 1, Some(120))
    );
    assert!(due_at(alerts, 499).await.is_empty());

    // At 1,000 the retry and the digest are due, oldest not_before first.
    assert_eq!(
        due_at(alerts, 1_000).await,
        [webhook_delivery, bram_delivery]
    );
    let gave_up = alerts
        .finish_delivery(
            webhook_delivery,
            DeliveryOutcome::GaveUp {
                at: 1_010,
                error: "connection refused".to_owned(),
            },
        )
        .await
        .expect("given up");
    assert_eq!(
        (
            gave_up.state,
            gave_up.attempts,
            gave_up.finished_at,
            gave_up.last_attempt_at
        ),
        (DeliveryState::GaveUp, 2, Some(1_010), Some(1_010))
    );
    let digested = alerts
        .finish_delivery(bram_delivery, DeliveryOutcome::Delivered { at: 1_020 })
        .await
        .expect("delivered");
    assert_eq!(digested.last_error, None);

    // Nothing finished is handed out again, or may be reported again.
    assert!(due_at(alerts, i64::MAX).await.is_empty());
    for finished in [anna_delivery, webhook_delivery] {
        let again = alerts
            .finish_delivery(finished, DeliveryOutcome::Delivered { at: 2_000 })
            .await;
        assert!(matches!(again, Err(StoreError::Invalid(_))), "{again:?}");
    }
    let history = alerts
        .deliveries(&recorded[0].alert.id)
        .await
        .expect("listed");
    assert_eq!(history, [gave_up, delivered]);
    assert!(matches!(
        alerts
            .finish_delivery(999_999, DeliveryOutcome::Delivered { at: 1 })
            .await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn claimed_deliveries_are_held_until_reported(
    directory: &dyn Directory,
    alerts: &dyn Alerts,
) {
    members(directory).await;
    let batch = (0..3)
        .map(|number| {
            let mut alert = finding(WATER, &format!("k{number}"), Severity::High, 100);
            alert.deliveries = vec![by_email(ANNA, 100 + number)];
            alert
        })
        .collect();
    record(alerts, batch).await;
    let claimed = alerts
        .claim_due_deliveries(200, 2, 800)
        .await
        .expect("claimed");
    assert_eq!(claimed.len(), 2);
    assert!(
        claimed
            .iter()
            .all(|each| each.not_before == 800 && each.attempts == 0)
    );
    let rest = alerts
        .claim_due_deliveries(200, 10, 800)
        .await
        .expect("claimed");
    assert_eq!(rest.len(), 1, "a second deliverer gets only the one left");
    assert!(due_at(alerts, 799).await.is_empty());

    // One is reported; the deliverer stops before reporting the others, which are due
    // again when their hold ends.
    alerts
        .finish_delivery(claimed[0].id, DeliveryOutcome::Delivered { at: 300 })
        .await
        .expect("delivered");
    assert_eq!(due_at(alerts, 800).await, [claimed[1].id, rest[0].id]);
    assert!(matches!(
        alerts.claim_due_deliveries(200, 10, 200).await,
        Err(StoreError::Invalid(_))
    ));
}

pub async fn deliveries_never_cross_organisations(directory: &dyn Directory, alerts: &dyn Alerts) {
    members(directory).await;
    let dairy_hook = webhook_of(alerts, DAIRY, 1).await;
    let attempts = [
        NewDelivery {
            channel: DeliveryChannel::Webhook(dairy_hook.id),
            not_before: 1,
        },
        by_email(CEES, 1),
    ];
    for delivery in attempts {
        let mut alert = finding(WATER, "k", Severity::High, 1);
        alert.deliveries = vec![delivery];
        let refused = alerts.record_alerts(vec![alert], None).await;
        assert!(
            matches!(refused, Err(StoreError::Invalid(_))),
            "{refused:?}"
        );
    }
    for (channel, what) in [
        (DeliveryChannel::Webhook(424_242), "webhook 424242"),
        (
            DeliveryChannel::Email("nobody@example.nl".to_owned()),
            "nobody@example.nl",
        ),
    ] {
        let mut alert = finding(WATER, "k", Severity::High, 1);
        alert.deliveries = vec![NewDelivery {
            channel,
            not_before: 1,
        }];
        let refused = alerts.record_alerts(vec![alert], None).await;
        assert!(
            matches!(&refused, Err(StoreError::NotFound(message)) if message.contains(what)),
            "{refused:?}"
        );
    }
    assert!(due_at(alerts, i64::MAX).await.is_empty());
    assert_eq!(
        alerts
            .alert_counts(None, None)
            .await
            .expect("counts")
            .total(),
        0,
        "no alert is stored without its deliveries"
    );
}

pub async fn webhooks_are_listed_and_disabled_with_their_pending_deliveries(
    directory: &dyn Directory,
    alerts: &dyn Alerts,
) {
    members(directory).await;
    let first = webhook_of(alerts, WATER, 10).await;
    let second = webhook_of(alerts, WATER, 20).await;
    webhook_of(alerts, DAIRY, 30).await;
    assert_eq!(
        alerts.webhooks(WATER).await.expect("listed"),
        [first.clone(), second.clone()]
    );
    assert_eq!(
        alerts.webhook(first.id).await.expect("read"),
        Some(first.clone())
    );
    assert_eq!(
        alerts
            .webhook(first.id)
            .await
            .expect("read")
            .map(|hook| hook.secret),
        Some(first.secret.clone()),
        "the secret is kept to sign with"
    );

    let mut alert = finding(WATER, "k", Severity::High, 100);
    alert.deliveries = [first.id, second.id]
        .into_iter()
        .map(|id| NewDelivery {
            channel: DeliveryChannel::Webhook(id),
            not_before: 100,
        })
        .collect();
    let recorded = record(alerts, vec![alert]).await.remove(0);

    let disabled = alerts
        .disable_webhook(first.id, 150)
        .await
        .expect("disabled");
    assert_eq!(disabled.disabled_at, Some(150));
    assert!(!disabled.is_enabled());
    let twice = alerts.disable_webhook(first.id, 160).await.expect("again");
    assert_eq!(twice.disabled_at, Some(150), "the first time is kept");

    let due = alerts.due_deliveries(200, 10).await.expect("due");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].channel, DeliveryChannel::Webhook(second.id));
    let deliveries = alerts.deliveries(&recorded.alert.id).await.expect("listed");
    assert_eq!(deliveries[0].state, DeliveryState::GaveUp);
    assert_eq!(deliveries[0].finished_at, Some(150));
    assert_eq!(deliveries[0].attempts, 0, "given up without an attempt");

    let mut later = finding(WATER, "later", Severity::High, 300);
    later.deliveries = vec![NewDelivery {
        channel: DeliveryChannel::Webhook(first.id),
        not_before: 300,
    }];
    assert!(matches!(
        alerts.record_alerts(vec![later], None).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        alerts.disable_webhook(424_242, 1).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(alerts.webhook(424_242).await.expect("read"), None);
    assert!(matches!(
        alerts.webhooks("nobody").await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn notification_preferences_are_kept_per_user(
    directory: &dyn Directory,
    alerts: &dyn Alerts,
) {
    members(directory).await;
    assert_eq!(alerts.notification(ANNA).await.expect("read"), None);
    alerts
        .set_notification(ANNA, NotificationMode::Weekly)
        .await
        .expect("set");
    alerts
        .set_notification(ANNA, NotificationMode::Immediate)
        .await
        .expect("changed");
    alerts
        .set_notification(CEES, NotificationMode::Off)
        .await
        .expect("set");
    assert_eq!(
        alerts.notification(ANNA).await.expect("read"),
        Some(NotificationMode::Immediate)
    );
    assert_eq!(
        alerts.notifications().await.expect("listed"),
        [
            NotificationPreference {
                user: ANNA.to_owned(),
                organisation: WATER.to_owned(),
                mode: NotificationMode::Immediate,
            },
            NotificationPreference {
                user: CEES.to_owned(),
                organisation: DAIRY.to_owned(),
                mode: NotificationMode::Off,
            },
        ]
    );
    assert!(matches!(
        alerts
            .set_notification("nobody@example.nl", NotificationMode::Daily)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        alerts.notification("nobody@example.nl").await,
        Err(StoreError::NotFound(_))
    ));
}
