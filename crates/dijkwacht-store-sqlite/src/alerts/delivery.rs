//! Webhooks, e-mail preferences and the delivery outbox. A delivery names exactly one
//! channel (a webhook or a user, both of the alert's organisation: a delivery never
//! crosses organisations) and stays `pending` until an attempt is reported delivered
//! or given up; the partial index `deliveries_due` holds only pending rows, so finding
//! what is due costs the same however many deliveries are on record.

use dijkwacht_store::StoreError;
use dijkwacht_store::alerts::{
    AlertRecord, DeliveryChannel, DeliveryOutcome, DeliveryRecord, DeliveryState, NewDelivery,
    NewWebhook, NotificationMode, NotificationPreference, Severity, Webhook, WebhookSecret,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::records::require_alert;
use super::{
    Doing, immediate, named, organisation_of_user, require_organisation, sql_count, unreadable,
};

const WEBHOOK_COLUMNS: &str =
    "id, organisation, url, secret, min_severity, created_at, disabled_at";

fn webhook_row(row: &Row<'_>) -> rusqlite::Result<Webhook> {
    Ok(Webhook {
        id: row.get(0)?,
        organisation: row.get(1)?,
        url: row.get(2)?,
        secret: WebhookSecret::new(row.get::<_, String>(3)?),
        min_severity: named(row, 4, Severity::parse)?,
        created_at: row.get(5)?,
        disabled_at: row.get(6)?,
    })
}

const DELIVERY_COLUMNS: &str = "id, alert_id, webhook_id, email, state, attempts, not_before, \
     last_error, last_attempt_at, finished_at";

fn delivery_row(row: &Row<'_>) -> rusqlite::Result<DeliveryRecord> {
    let channel = match (row.get(2)?, row.get(3)?) {
        (Some(webhook), None) => DeliveryChannel::Webhook(webhook),
        (None, Some(email)) => DeliveryChannel::Email(email),
        _ => return Err(unreadable(2, "a delivery names exactly one channel")),
    };
    let attempts: i64 = row.get(5)?;
    Ok(DeliveryRecord {
        id: row.get(0)?,
        alert_id: row.get(1)?,
        channel,
        state: named(row, 4, DeliveryState::parse)?,
        attempts: u32::try_from(attempts).map_err(|error| unreadable(5, error))?,
        not_before: row.get(6)?,
        last_error: row.get(7)?,
        last_attempt_at: row.get(8)?,
        finished_at: row.get(9)?,
    })
}

pub(crate) fn add_webhook(
    connection: &mut Connection,
    webhook: NewWebhook,
) -> Result<Webhook, StoreError> {
    let what = "adding a webhook";
    webhook.check()?;
    let transaction = immediate(connection, what)?;
    require_organisation(&transaction, &webhook.organisation)?;
    transaction
        .execute(
            "INSERT INTO webhooks (organisation, url, secret, min_severity, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                webhook.organisation,
                webhook.url,
                webhook.secret.expose(),
                webhook.min_severity.as_str(),
                webhook.created_at
            ],
        )
        .doing(what)?;
    let id = transaction.last_insert_rowid();
    transaction.commit().doing(what)?;
    Ok(Webhook {
        id,
        organisation: webhook.organisation,
        url: webhook.url,
        secret: webhook.secret,
        min_severity: webhook.min_severity,
        created_at: webhook.created_at,
        disabled_at: None,
    })
}

pub(crate) fn webhook(connection: &Connection, id: i64) -> Result<Option<Webhook>, StoreError> {
    connection
        .prepare_cached(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?1"
        ))
        .and_then(|mut statement| statement.query_row([id], webhook_row).optional())
        .doing("reading a webhook")
}

fn require_webhook(connection: &Connection, id: i64) -> Result<Webhook, StoreError> {
    webhook(connection, id)?.ok_or_else(|| StoreError::NotFound(format!("webhook {id}")))
}

pub(crate) fn webhooks(
    connection: &Connection,
    organisation: &str,
) -> Result<Vec<Webhook>, StoreError> {
    require_organisation(connection, organisation)?;
    connection
        .prepare_cached(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE organisation = ?1 ORDER BY id"
        ))
        .and_then(|mut statement| statement.query_map([organisation], webhook_row)?.collect())
        .doing("listing webhooks")
}

pub(crate) fn disable_webhook(
    connection: &mut Connection,
    id: i64,
    at: i64,
) -> Result<Webhook, StoreError> {
    let what = "disabling a webhook";
    let transaction = immediate(connection, what)?;
    require_webhook(&transaction, id)?;
    transaction
        .execute(
            "UPDATE webhooks SET disabled_at = coalesce(disabled_at, ?2) WHERE id = ?1",
            params![id, at],
        )
        .and_then(|_| {
            transaction.execute(
                "UPDATE deliveries SET state = 'gave-up', finished_at = ?2,
                     last_error = 'the webhook was disabled'
                 WHERE webhook_id = ?1 AND state = 'pending'",
                params![id, at],
            )
        })
        .doing(what)?;
    let disabled = require_webhook(&transaction, id)?;
    transaction.commit().doing(what)?;
    Ok(disabled)
}

pub(crate) fn set_notification(
    connection: &mut Connection,
    user: &str,
    mode: NotificationMode,
) -> Result<(), StoreError> {
    let what = "setting a notification preference";
    let transaction = immediate(connection, what)?;
    organisation_of_user(&transaction, user)?;
    transaction
        .execute(
            "INSERT INTO notification_preferences (user, mode) VALUES (?1, ?2)
             ON CONFLICT (user) DO UPDATE SET mode = excluded.mode",
            params![user, mode.as_str()],
        )
        .doing(what)?;
    transaction.commit().doing(what)
}

pub(crate) fn notification(
    connection: &Connection,
    user: &str,
) -> Result<Option<NotificationMode>, StoreError> {
    organisation_of_user(connection, user)?;
    connection
        .prepare_cached("SELECT mode FROM notification_preferences WHERE user = ?1")
        .and_then(|mut statement| {
            statement
                .query_row([user], |row| named(row, 0, NotificationMode::parse))
                .optional()
        })
        .doing("reading a notification preference")
}

pub(crate) fn notifications(
    connection: &Connection,
) -> Result<Vec<NotificationPreference>, StoreError> {
    connection
        .prepare_cached(
            "SELECT preference.user, users.organisation, preference.mode
             FROM notification_preferences AS preference
             JOIN users ON users.email = preference.user
             ORDER BY preference.user",
        )
        .and_then(|mut statement| {
            statement
                .query_map([], |row| {
                    Ok(NotificationPreference {
                        user: row.get(0)?,
                        organisation: row.get(1)?,
                        mode: named(row, 2, NotificationMode::parse)?,
                    })
                })?
                .collect()
        })
        .doing("listing notification preferences")
}

/// Enqueues a new alert's deliveries (inside the transaction that stores it) and
/// returns their ids. Each channel must belong to the alert's organisation, and a
/// webhook must be enabled.
pub(super) fn enqueue(
    connection: &Connection,
    alert: &AlertRecord,
    deliveries: &[NewDelivery],
) -> Result<Vec<i64>, StoreError> {
    let what = "enqueueing deliveries";
    let mut ids = Vec::with_capacity(deliveries.len());
    for delivery in deliveries {
        let (owner, webhook_id, email) = match &delivery.channel {
            DeliveryChannel::Webhook(id) => {
                let webhook = require_webhook(connection, *id)?;
                if !webhook.is_enabled() {
                    return Err(StoreError::Invalid(format!(
                        "webhook {id} is disabled and takes no deliveries"
                    )));
                }
                (webhook.organisation, Some(*id), None)
            }
            DeliveryChannel::Email(user) => {
                (organisation_of_user(connection, user)?, None, Some(user))
            }
        };
        if owner != alert.organisation {
            return Err(StoreError::Invalid(format!(
                "an alert of '{}' cannot be delivered to {:?}, which belongs to '{owner}'",
                alert.organisation, delivery.channel
            )));
        }
        connection
            .prepare_cached(
                "INSERT INTO deliveries (alert_id, webhook_id, email, state, attempts, not_before)
                 VALUES (?1, ?2, ?3, 'pending', 0, ?4)",
            )
            .and_then(|mut statement| {
                statement.execute(params![alert.id, webhook_id, email, delivery.not_before])
            })
            .doing(what)?;
        ids.push(connection.last_insert_rowid());
    }
    Ok(ids)
}

/// Enqueues what a raised alert's deliveries add (inside the transaction that raises
/// it) and returns the ids of the deliveries added or brought forward: a channel the
/// alert had no delivery on is added (a webhook whose minimum severity the raise now
/// reaches), a pending one planned later is brought forward (an e-mail waiting for the
/// digest when the raise makes it urgent), and a channel already delivered or given up
/// is left alone — the alert is never sent twice on one channel.
pub(super) fn enqueue_raised(
    connection: &Connection,
    alert: &AlertRecord,
    deliveries: &[NewDelivery],
) -> Result<Vec<i64>, StoreError> {
    let what = "enqueueing a raised alert's deliveries";
    let mut ids = Vec::new();
    for delivery in deliveries {
        let (webhook_id, email) = match &delivery.channel {
            DeliveryChannel::Webhook(id) => (Some(*id), None),
            DeliveryChannel::Email(user) => (None, Some(user.as_str())),
        };
        let held: Option<(i64, String, i64)> = connection
            .prepare_cached(
                "SELECT id, state, not_before FROM deliveries
                 WHERE alert_id = ?1 AND webhook_id IS ?2 AND email IS ?3
                 ORDER BY id DESC LIMIT 1",
            )
            .and_then(|mut statement| {
                statement
                    .query_row(params![alert.id, webhook_id, email], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })
                    .optional()
            })
            .doing(what)?;
        match held {
            None => ids.extend(enqueue(connection, alert, std::slice::from_ref(delivery))?),
            Some((id, state, not_before))
                if state == "pending" && not_before > delivery.not_before =>
            {
                connection
                    .prepare_cached("UPDATE deliveries SET not_before = ?2 WHERE id = ?1")
                    .and_then(|mut statement| statement.execute(params![id, delivery.not_before]))
                    .doing(what)?;
                ids.push(id);
            }
            Some(_) => {}
        }
    }
    Ok(ids)
}

pub(crate) fn due(
    connection: &Connection,
    now: i64,
    limit: usize,
) -> Result<Vec<DeliveryRecord>, StoreError> {
    connection
        .prepare_cached(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries
             WHERE state = 'pending' AND not_before <= ?1
             ORDER BY not_before, id LIMIT ?2"
        ))
        .and_then(|mut statement| {
            statement
                .query_map(params![now, sql_count(limit)], delivery_row)?
                .collect()
        })
        .doing("finding the deliveries due")
}

pub(crate) fn claim_due(
    connection: &mut Connection,
    now: i64,
    limit: usize,
    hold_until: i64,
) -> Result<Vec<DeliveryRecord>, StoreError> {
    if hold_until <= now {
        return Err(StoreError::Invalid(format!(
            "claimed deliveries must be held until after now ({hold_until} <= {now})"
        )));
    }
    let what = "claiming the deliveries due";
    let transaction = immediate(connection, what)?;
    let mut claimed = due(&transaction, now, limit)?;
    for delivery in &mut claimed {
        transaction
            .prepare_cached("UPDATE deliveries SET not_before = ?2 WHERE id = ?1")
            .and_then(|mut statement| statement.execute(params![delivery.id, hold_until]))
            .doing(what)?;
        delivery.not_before = hold_until;
    }
    transaction.commit().doing(what)?;
    Ok(claimed)
}

fn one_delivery(connection: &Connection, id: i64) -> Result<DeliveryRecord, StoreError> {
    connection
        .prepare_cached(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = ?1"
        ))
        .and_then(|mut statement| statement.query_row([id], delivery_row).optional())
        .doing("reading a delivery")?
        .ok_or_else(|| StoreError::NotFound(format!("delivery {id}")))
}

pub(crate) fn finish(
    connection: &mut Connection,
    id: i64,
    outcome: &DeliveryOutcome,
) -> Result<DeliveryRecord, StoreError> {
    let what = "reporting a delivery attempt";
    let transaction = immediate(connection, what)?;
    let held = one_delivery(&transaction, id)?;
    if held.state != DeliveryState::Pending {
        return Err(StoreError::Invalid(format!(
            "delivery {id} is {} already; it must not be attempted again",
            held.state
        )));
    }
    let at = outcome.attempted_at();
    // state, error, next attempt, finished at
    let (state, error, next_attempt_at, finished_at) = match outcome {
        DeliveryOutcome::Delivered { .. } => (DeliveryState::Delivered, None, None, Some(at)),
        DeliveryOutcome::Retry {
            error,
            next_attempt_at,
            ..
        } => (
            DeliveryState::Pending,
            Some(error),
            Some(*next_attempt_at),
            None,
        ),
        DeliveryOutcome::GaveUp { error, .. } => {
            (DeliveryState::GaveUp, Some(error), None, Some(at))
        }
    };
    transaction
        .execute(
            "UPDATE deliveries SET state = ?2, attempts = attempts + 1, last_attempt_at = ?3,
                 last_error = coalesce(?4, last_error), not_before = coalesce(?5, not_before),
                 finished_at = ?6
             WHERE id = ?1",
            params![id, state.as_str(), at, error, next_attempt_at, finished_at],
        )
        .doing(what)?;
    let finished = one_delivery(&transaction, id)?;
    transaction.commit().doing(what)?;
    Ok(finished)
}

pub(crate) fn deliveries_of(
    connection: &Connection,
    alert_id: &str,
) -> Result<Vec<DeliveryRecord>, StoreError> {
    require_alert(connection, alert_id)?;
    connection
        .prepare_cached(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE alert_id = ?1 ORDER BY id"
        ))
        .and_then(|mut statement| statement.query_map([alert_id], delivery_row)?.collect())
        .doing("listing an alert's deliveries")
}
