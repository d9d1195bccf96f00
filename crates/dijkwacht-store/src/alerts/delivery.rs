//! How alerts reach people: an organisation's webhooks, each user's e-mail preference,
//! and a durable outbox of deliveries. A delivery is enqueued in the same transaction as
//! the alert it carries, so an alert is never stored without its deliveries nor
//! delivered without being stored; the deliverer takes what is due, reports each
//! attempt, and a delivery once delivered is never handed out again.
//!
//! A webhook's secret is stored as given, not hashed: the deliverer needs it to sign
//! every request (an HMAC over the body), so it must be readable. It is the operator's
//! to protect with the data folder, and it never appears in `Debug` output.

use std::fmt;

use super::records::Severity;
use super::vocabulary::vocabulary;
use crate::StoreError;

vocabulary!(
    /// How a user wants to hear of alerts by e-mail.
    NotificationMode, "notification mode", {
        /// No e-mail.
        Off => "off",
        /// High and critical alerts at once, the rest in the daily digest.
        Immediate => "immediate",
        /// One digest a day.
        Daily => "daily",
        /// One digest a week.
        Weekly => "weekly",
    }
);

vocabulary!(
    /// Where a delivery stands.
    DeliveryState, "delivery state", {
        /// Still to be delivered, at or after its `not_before`.
        Pending => "pending",
        /// Delivered; never handed out again.
        Delivered => "delivered",
        /// Given up after failed attempts.
        GaveUp => "gave-up",
    }
);

/// The key a webhook's requests are signed with. Its `Debug` shows `<redacted>`, so
/// no log or error message carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    pub fn new(secret: impl Into<String>) -> WebhookSecret {
        WebhookSecret(secret.into())
    }

    /// The secret itself, for signing and for storing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("<redacted>")
    }
}

/// A webhook to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub organisation: String,
    pub url: String,
    /// The key its requests are signed with.
    pub secret: WebhookSecret,
    /// Alerts less severe than this are not sent to it.
    pub min_severity: Severity,
    /// Unix microseconds.
    pub created_at: i64,
}

impl NewWebhook {
    /// The checks every backend makes before it stores the webhook.
    pub fn check(&self) -> Result<(), StoreError> {
        if self.url.trim().is_empty() || self.secret.expose().is_empty() {
            return Err(StoreError::Invalid(format!(
                "a webhook of '{}' needs a URL and a secret to sign with",
                self.organisation
            )));
        }
        Ok(())
    }
}

/// A webhook as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Never used again for another webhook.
    pub id: i64,
    pub organisation: String,
    pub url: String,
    /// Stored as given: needed to sign (see the module's documentation).
    pub secret: WebhookSecret,
    pub min_severity: Severity,
    /// Unix microseconds.
    pub created_at: i64,
    /// When it was disabled; a disabled webhook takes no new deliveries.
    pub disabled_at: Option<i64>,
}

impl Webhook {
    pub fn is_enabled(&self) -> bool {
        self.disabled_at.is_none()
    }
}

/// A user's e-mail preference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationPreference {
    /// The user's login (e-mail address).
    pub user: String,
    /// The user's organisation, so digests can be put together per organisation.
    pub organisation: String,
    pub mode: NotificationMode,
}

/// Where a delivery goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DeliveryChannel {
    /// A webhook of the alert's organisation, by id.
    Webhook(i64),
    /// A user of the alert's organisation, by login (e-mail address).
    Email(String),
}

/// A delivery to enqueue with an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub channel: DeliveryChannel,
    /// Not before this time (Unix microseconds): now for immediate deliveries, the next
    /// digest's time for the rest.
    pub not_before: i64,
}

/// A delivery as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// Never used again for another delivery, so a receiver can use it to recognise a
    /// request it has seen.
    pub id: i64,
    pub alert_id: String,
    pub channel: DeliveryChannel,
    pub state: DeliveryState,
    /// How many attempts have been reported ([`crate::alerts::Alerts::finish_delivery`]).
    pub attempts: u32,
    /// While pending: not before this time (Unix microseconds).
    pub not_before: i64,
    /// The error of the latest failed attempt, kept after a later success.
    pub last_error: Option<String>,
    pub last_attempt_at: Option<i64>,
    /// When it was delivered or given up.
    pub finished_at: Option<i64>,
}

/// What one attempt at a delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Delivered at this time.
    Delivered { at: i64 },
    /// Failed at `at`; try again at `next_attempt_at`.
    Retry {
        at: i64,
        error: String,
        next_attempt_at: i64,
    },
    /// Failed at `at`, for the last time.
    GaveUp { at: i64, error: String },
}

impl DeliveryOutcome {
    /// When the attempt was made.
    pub fn attempted_at(&self) -> i64 {
        match self {
            DeliveryOutcome::Delivered { at }
            | DeliveryOutcome::Retry { at, .. }
            | DeliveryOutcome::GaveUp { at, .. } => *at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_never_shows_its_secret() {
        let webhook = Webhook {
            id: 3,
            organisation: "waterbedrijf".to_owned(),
            url: "https://soc.example.nl/hook".to_owned(),
            secret: WebhookSecret::new("s3cr3t-signing-key"),
            min_severity: Severity::High,
            created_at: 1,
            disabled_at: None,
        };
        let shown = format!("{webhook:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(
            shown.contains("<redacted>") && shown.contains("soc.example.nl"),
            "{shown}"
        );
        let new = NewWebhook {
            organisation: webhook.organisation.clone(),
            url: webhook.url.clone(),
            secret: webhook.secret.clone(),
            min_severity: Severity::Low,
            created_at: 1,
        };
        assert!(!format!("{new:?}").contains("s3cr3t"));
    }

    #[test]
    fn a_webhook_needs_a_url_and_a_secret() {
        let webhook = |url: &str, secret: &str| NewWebhook {
            organisation: "waterbedrijf".to_owned(),
            url: url.to_owned(),
            secret: WebhookSecret::new(secret),
            min_severity: Severity::Low,
            created_at: 1,
        };
        assert!(webhook("https://x.example/hook", "key").check().is_ok());
        assert!(matches!(
            webhook(" ", "key").check(),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            webhook("https://x.example/hook", "").check(),
            Err(StoreError::Invalid(_))
        ));
    }
}
