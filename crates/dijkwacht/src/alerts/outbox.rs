//! The outbox: the deliveries the store holds for alerts, sent when due. Each is
//! claimed for a while before it is attempted (so two deliverers never send one twice),
//! sent by [`crate::alerts::delivery`], and its outcome recorded: delivered, tried again
//! later on the backoff schedule, or given up. E-mail due for one user at one moment
//! goes as one message — a single alert, or a digest. Without `[smtp]` in
//! `dijkwacht.toml` e-mail deliveries wait, untouched, until it is configured.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dijkwacht_stix::Timestamp;
use dijkwacht_store::StoreError;
use dijkwacht_store::alerts::{
    AlertRecord, Alerts, DeliveryChannel, DeliveryOutcome as StoredOutcome, DeliveryRecord,
    NotificationMode, Severity as StoredSeverity,
};
use dijkwacht_store::directory::Directory;
use dijkwacht_store_sqlite::SqliteStore;

use crate::alerts::delivery::alert::{Evidence, OutgoingAlert, Severity, Step};
use crate::alerts::delivery::mail::{MailRecipient, MailSender, SmtpSettings};
use crate::alerts::delivery::mail_text::{Digest, DigestPeriod, MailContent};
use crate::alerts::delivery::outcome::{DeliveryOutcome, NextStep};
use crate::alerts::delivery::signature::WebhookSecret;
use crate::alerts::delivery::webhook::{WebhookEndpoint, WebhookLimits, WebhookSender, WebhookUrl};

/// How many deliveries one pass claims.
const BATCH: usize = 200;
/// How long a claim holds: a deliverer that dies mid-way gives them back after this.
const CLAIM: i64 = 10 * 60 * 1_000_000;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub retrying: usize,
    pub given_up: usize,
    /// E-mail deliveries waiting for `[smtp]`.
    pub waiting_for_smtp: usize,
}

impl fmt::Display for DeliveryReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{} delivered, {} to try again, {} given up",
            self.delivered, self.retrying, self.given_up
        )?;
        if self.waiting_for_smtp > 0 {
            write!(
                formatter,
                "; {} e-mail(s) wait until dijkwacht.toml has an [smtp] table",
                self.waiting_for_smtp
            )?;
        }
        Ok(())
    }
}

/// Why a pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the [smtp] settings can not be used: {0}")]
    Smtp(String),
    #[error("the webhook client can not be built: {0}")]
    Webhook(String),
}

/// The clock of one pass: `now` when the pass began, moving on with real time. Attempts
/// are recorded, and retries scheduled, by it — so a pass told another time (`alerts
/// deliver --at`) keeps to that time throughout.
struct PassClock {
    start: SystemTime,
    started: Instant,
}

impl PassClock {
    fn starting_at(now: i64) -> PassClock {
        PassClock {
            start: UNIX_EPOCH + Duration::from_micros(u64::try_from(now).unwrap_or(0)),
            started: Instant::now(),
        }
    }

    fn now(&self) -> SystemTime {
        self.start + self.started.elapsed()
    }
}

/// Sends every delivery due at `now`, in passes of [`BATCH`]; attempts are recorded at
/// `now` plus the time the pass has taken.
pub async fn deliver_due(
    store: &SqliteStore,
    smtp: Option<&SmtpSettings>,
    now: i64,
) -> Result<DeliveryReport, OutboxError> {
    let mail = match smtp {
        Some(settings) => {
            let config = settings
                .check()
                .map_err(|error| OutboxError::Smtp(error.to_string()))?;
            Some(MailSender::new(&config).map_err(|error| OutboxError::Smtp(error.to_string()))?)
        }
        None => None,
    };
    let webhooks = WebhookSender::new(WebhookLimits::default())
        .map_err(|error| OutboxError::Webhook(error.to_string()))?;
    let clock = PassClock::starting_at(now);
    let mut report = DeliveryReport::default();
    let mut users: Option<BTreeMap<String, String>> = None;
    loop {
        let claimed = store.claim_due_deliveries(now, BATCH, now + CLAIM).await?;
        let claimed_count = claimed.len();
        let mut mail_by_user: BTreeMap<String, Vec<DeliveryRecord>> = BTreeMap::new();
        for delivery in claimed {
            match &delivery.channel {
                DeliveryChannel::Webhook(webhook) => {
                    let outcome = send_webhook(store, &webhooks, *webhook, &delivery).await?;
                    finish(store, &delivery, outcome, clock.now(), &mut report).await?;
                }
                DeliveryChannel::Email(user) => {
                    mail_by_user.entry(user.clone()).or_default().push(delivery);
                }
            }
        }
        for (user, deliveries) in mail_by_user {
            let Some(sender) = &mail else {
                report.waiting_for_smtp += deliveries.len();
                continue;
            };
            if users.is_none() {
                users = Some(
                    store
                        .users()
                        .await?
                        .into_iter()
                        .map(|known| (known.email, known.organisation))
                        .collect(),
                );
            }
            let organisation = users
                .as_ref()
                .and_then(|known| known.get(&user))
                .cloned()
                .unwrap_or_default();
            let outcome = send_mail(store, sender, &user, &organisation, &deliveries).await?;
            for delivery in &deliveries {
                finish(store, delivery, outcome.clone(), clock.now(), &mut report).await?;
            }
        }
        if claimed_count < BATCH {
            return Ok(report);
        }
    }
}

async fn send_webhook(
    store: &SqliteStore,
    sender: &WebhookSender,
    webhook_id: i64,
    delivery: &DeliveryRecord,
) -> Result<DeliveryOutcome, OutboxError> {
    let Some(webhook) = store.webhook(webhook_id).await? else {
        return Ok(give_up(format!("webhook {webhook_id} no longer exists")));
    };
    if !webhook.is_enabled() {
        return Ok(give_up(format!("webhook {webhook_id} was removed")));
    }
    let Some(alert) = store.alert(&delivery.alert_id).await? else {
        return Ok(give_up(format!(
            "alert {} no longer exists",
            delivery.alert_id
        )));
    };
    let url = match WebhookUrl::parse(&webhook.url) {
        Ok(url) => url,
        Err(error) => return Ok(give_up(format!("the webhook's URL is refused: {error}"))),
    };
    let secret = match WebhookSecret::new(webhook.secret.expose().as_bytes().to_vec()) {
        Ok(secret) => secret,
        Err(error) => return Ok(give_up(format!("the webhook's secret is refused: {error}"))),
    };
    let endpoint = WebhookEndpoint {
        organisation: webhook.organisation.clone(),
        url,
        secret,
    };
    Ok(sender
        .deliver(&endpoint, &delivery_id(delivery), &outgoing(&alert))
        .await)
}

async fn send_mail(
    store: &SqliteStore,
    sender: &MailSender,
    user: &str,
    organisation: &str,
    deliveries: &[DeliveryRecord],
) -> Result<DeliveryOutcome, OutboxError> {
    let mut alerts = Vec::new();
    for delivery in deliveries {
        if let Some(alert) = store.alert(&delivery.alert_id).await? {
            alerts.push(outgoing(&alert));
        }
    }
    let recipient = MailRecipient {
        address: user.to_owned(),
        organisation: organisation.to_owned(),
    };
    let first = deliveries.first().map(delivery_id).unwrap_or_default();
    let outcome = match alerts.as_slice() {
        [] => give_up("the alerts no longer exist".to_owned()),
        [alert] => {
            sender
                .send(&recipient, &first, &MailContent::Alert(alert))
                .await
        }
        _ => {
            let period = match store.notification(user).await? {
                Some(NotificationMode::Weekly) => DigestPeriod::Weekly,
                _ => DigestPeriod::Daily,
            };
            match Digest::new(period, &alerts) {
                Some(digest) => {
                    sender
                        .send(&recipient, &first, &MailContent::Digest(digest))
                        .await
                }
                None => give_up("an empty digest".to_owned()),
            }
        }
    };
    Ok(outcome)
}

fn give_up(reason: String) -> DeliveryOutcome {
    DeliveryOutcome::GiveUp { reason }
}

/// The id receivers deduplicate by: the same across attempts.
fn delivery_id(delivery: &DeliveryRecord) -> String {
    format!("dijkwacht-delivery-{}", delivery.id)
}

async fn finish(
    store: &SqliteStore,
    delivery: &DeliveryRecord,
    outcome: DeliveryOutcome,
    now: SystemTime,
    report: &mut DeliveryReport,
) -> Result<(), OutboxError> {
    let at = micros(now);
    // The store counts this attempt when it records it; the schedule wants it counted.
    let attempts_so_far = delivery.attempts.saturating_add(1);
    let stored = match outcome.next_step(attempts_so_far, now) {
        NextStep::Done => {
            report.delivered += 1;
            StoredOutcome::Delivered { at }
        }
        NextStep::TryAgainAt(when) => {
            report.retrying += 1;
            StoredOutcome::Retry {
                at,
                error: describe(&outcome),
                next_attempt_at: micros(when),
            }
        }
        NextStep::Stop { reason } => {
            report.given_up += 1;
            StoredOutcome::GaveUp { at, error: reason }
        }
    };
    store.finish_delivery(delivery.id, stored).await?;
    Ok(())
}

fn describe(outcome: &DeliveryOutcome) -> String {
    match outcome {
        DeliveryOutcome::Delivered { receipt } => receipt.clone(),
        DeliveryOutcome::Retry { reason, .. } | DeliveryOutcome::GiveUp { reason } => {
            reason.clone()
        }
        DeliveryOutcome::Refused(refused) => refused.to_string(),
    }
}

fn micros(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_micros()
        .try_into()
        .unwrap_or(i64::MAX)
}

/// A stored alert as the channels send it.
pub fn outgoing(alert: &AlertRecord) -> OutgoingAlert {
    let text = |path: &[&str]| crate::alerts::body_text(&alert.body, path).to_owned();
    let steps = alert.body["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|step| Step {
            nl: step["nl"].as_str().unwrap_or_default().to_owned(),
            en: step["en"].as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    let evidence = alert.body["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|matched| Evidence {
            asset: format!(
                "{} {}",
                matched["asset"]["kind"].as_str().unwrap_or_default(),
                matched["asset"]["value"].as_str().unwrap_or_default()
            ),
            observed: matched["observed"].as_str().unwrap_or_default().to_owned(),
            explanation: matched["evidence"].as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    OutgoingAlert {
        id: alert.id.clone(),
        organisation: alert.organisation.clone(),
        kind: alert.kind.clone(),
        severity: match alert.severity {
            StoredSeverity::Low => Severity::Low,
            StoredSeverity::Medium => Severity::Medium,
            StoredSeverity::High => Severity::High,
            StoredSeverity::Critical => Severity::Critical,
        },
        tlp: alert.tlp,
        title_nl: text(&["title", "nl"]),
        title_en: text(&["title", "en"]),
        summary_nl: text(&["summary", "nl"]),
        summary_en: text(&["summary", "en"]),
        steps,
        evidence,
        links: alert.object_ids.clone(),
        created_at: Timestamp::from_unix_micros(alert.created_at).to_taxii_string(),
    }
}

/// The `[smtp]` table of `dijkwacht.toml`, when there is one.
pub fn smtp_settings(
    config: &dijkwacht_fusion::config::FusionConfig,
) -> anyhow::Result<Option<SmtpSettings>> {
    config
        .smtp
        .clone()
        .map(|table| {
            toml::Value::Table(table)
                .try_into::<SmtpSettings>()
                .map_err(|error| anyhow::anyhow!("dijkwacht.toml, [smtp]: {error}"))
        })
        .transpose()
}

/// A new webhook signing secret: 256 random bits, base64url.
pub fn draw_secret() -> anyhow::Result<String> {
    use base64::Engine as _;
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}
