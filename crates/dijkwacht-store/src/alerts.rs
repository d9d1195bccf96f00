//! Actionable alerts as a storage contract of their own, beside [`crate::Store`] and
//! [`crate::directory::Directory`]: each member's asset profile, the alerts the matcher
//! records from it, the members' feedback on them, the matcher's position, and the
//! outbox that delivers alerts by webhook and e-mail.
//!
//! The store does not know `dijkwacht-alerts` (which matches): profile kinds and values
//! are strings, an alert's body is the caller's JSON. It has no clock either: every time
//! is given by the caller in Unix microseconds, so what is stored is exactly what was
//! asked, and tests can say so. Every write is one transaction; nothing is half stored.
//! The promises that matter most:
//! - an organisation holds one alert per key, so a finding recorded again is never
//!   delivered again ([`Alerts::record_alerts`]);
//! - a new alert's deliveries, and the matcher's cursor, are stored in the same
//!   transaction as the alert, so a crash neither skips objects nor repeats alerts;
//! - a delivery reported delivered is never handed out again.

mod delivery;
mod profiles;
mod records;
mod vocabulary;

pub use delivery::{
    DeliveryChannel, DeliveryOutcome, DeliveryRecord, DeliveryState, NewDelivery, NewWebhook,
    NotificationMode, NotificationPreference, Webhook, WebhookSecret,
};
pub use profiles::{
    AssetChange, AssetPosition, AssetProfile, AssetRecord, ProfileEntry, ProfileRevision,
    distinct_entries,
};
pub use records::{
    ALERT_NAMESPACE, AlertCount, AlertCounts, AlertPage, AlertPosition, AlertQuery, AlertRecord,
    AlertStatus, DEFAULT_ALERT_PAGE, MatcherCursor, NewAlert, RecordOutcome, RecordedAlert,
    Severity, SourceFeedback, StatusChange, alert_id,
};

use async_trait::async_trait;

use crate::StoreError;

/// Everything Dijkwacht asks of a backend for actionable alerts.
///
/// Organisations and users are the directory's: a call naming an organisation, user,
/// alert, webhook or delivery that does not exist fails with [`StoreError::NotFound`].
#[async_trait]
pub trait Alerts: Send + Sync + std::fmt::Debug {
    /// Adds entries to an organisation's profile; entries it holds already keep their
    /// `added_at`. The revision moves when anything was added.
    async fn add_assets(
        &self,
        organisation: &str,
        entries: Vec<ProfileEntry>,
        at: i64,
    ) -> Result<AssetChange, StoreError>;

    /// Makes `entries` the organisation's whole profile in one transaction: what is not
    /// among them is removed, what is new is added at `at`, the rest keeps its
    /// `added_at`.
    async fn replace_assets(
        &self,
        organisation: &str,
        entries: Vec<ProfileEntry>,
        at: i64,
    ) -> Result<AssetChange, StoreError>;

    /// Removes entries from an organisation's profile; entries it does not hold count
    /// as unchanged.
    async fn remove_assets(
        &self,
        organisation: &str,
        entries: Vec<ProfileEntry>,
    ) -> Result<AssetChange, StoreError>;

    /// One organisation's whole profile and its revision, read at one moment.
    async fn asset_profile(&self, organisation: &str) -> Result<AssetProfile, StoreError>;

    /// Up to `limit` entries of all profiles after `after` (from the start when
    /// `None`), by organisation, kind and value: for building the matcher's index a
    /// page at a time. The next page starts after the last entry's
    /// [`AssetRecord::position`]; a page shorter than `limit` is the last.
    async fn assets_page(
        &self,
        after: Option<AssetPosition>,
        limit: usize,
    ) -> Result<Vec<AssetRecord>, StoreError>;

    /// The profiles whose revision is above `revision`, lowest revision first. A
    /// profile emptied of all entries is listed too (its alerts may need rethinking).
    async fn profiles_changed_since(
        &self,
        revision: i64,
    ) -> Result<Vec<ProfileRevision>, StoreError>;

    /// Records alerts in one transaction, in order: a new key is stored with its
    /// deliveries; a key already held is raised when the alert is worse
    /// ([`AlertRecord::raised_by`]) and left alone otherwise. A raise takes of the
    /// deliveries given only what they add: a channel the alert had none on (a webhook
    /// whose minimum severity it now reaches), or an earlier time for a pending one (an
    /// e-mail waiting for the digest that the raise makes urgent); a channel already
    /// delivered or given up is never used again, and an unchanged alert gets
    /// nothing. With a `cursor`, the matcher's position is saved in the same
    /// transaction. A delivery to a webhook or user of another organisation, or to a
    /// disabled webhook, is [`StoreError::Invalid`], and nothing of the batch is kept.
    async fn record_alerts(
        &self,
        alerts: Vec<NewAlert>,
        cursor: Option<MatcherCursor>,
    ) -> Result<Vec<RecordedAlert>, StoreError>;

    /// A page of alerts, newest first (by `created_at`, then id).
    async fn alerts(&self, query: AlertQuery) -> Result<AlertPage, StoreError>;

    /// One alert by id.
    async fn alert(&self, id: &str) -> Result<Option<AlertRecord>, StoreError>;

    /// Sets an alert's status and adds the change to its history, in one transaction.
    async fn set_alert_status(
        &self,
        id: &str,
        change: StatusChange,
    ) -> Result<AlertRecord, StoreError>;

    /// Every status change of an alert, oldest first.
    async fn alert_history(&self, id: &str) -> Result<Vec<StatusChange>, StoreError>;

    /// For each source named by any alert, how many alerts name it, by current status.
    async fn feedback_by_source(&self) -> Result<Vec<SourceFeedback>, StoreError>;

    /// Alert counts by status and severity, of one organisation or of all. With a
    /// `reader`, a TLP:RED alert counts only when it names the reader, as
    /// [`AlertQuery::reader`] lists them: a count must not tell of what one may not see.
    async fn alert_counts(
        &self,
        organisation: Option<&str>,
        reader: Option<&str>,
    ) -> Result<AlertCounts, StoreError>;

    /// The matcher's saved position under `name`, if any.
    async fn alert_cursor(&self, name: &str) -> Result<Option<i64>, StoreError>;

    /// Saves the matcher's position under `name`.
    async fn set_alert_cursor(&self, name: &str, value: i64) -> Result<(), StoreError>;

    /// Adds a webhook to an organisation.
    async fn add_webhook(&self, webhook: NewWebhook) -> Result<Webhook, StoreError>;

    /// One webhook by id, disabled or not.
    async fn webhook(&self, id: i64) -> Result<Option<Webhook>, StoreError>;

    /// An organisation's webhooks, disabled ones included, oldest first.
    async fn webhooks(&self, organisation: &str) -> Result<Vec<Webhook>, StoreError>;

    /// Disables a webhook (its deliveries stay on record): it takes no new deliveries,
    /// and those still pending are given up in the same transaction. Disabling it
    /// again keeps the first time.
    async fn disable_webhook(&self, id: i64, at: i64) -> Result<Webhook, StoreError>;

    /// Sets how a user hears of alerts by e-mail.
    async fn set_notification(&self, user: &str, mode: NotificationMode) -> Result<(), StoreError>;

    /// A user's e-mail preference; `None` when never set (the caller's default holds).
    async fn notification(&self, user: &str) -> Result<Option<NotificationMode>, StoreError>;

    /// Every preference set, by user.
    async fn notifications(&self) -> Result<Vec<NotificationPreference>, StoreError>;

    /// Up to `limit` pending deliveries due at `now` (`not_before <= now`), oldest
    /// `not_before` first. Only reads: a deliverer that works on several at once takes
    /// them with [`Alerts::claim_due_deliveries`].
    async fn due_deliveries(
        &self,
        now: i64,
        limit: usize,
    ) -> Result<Vec<DeliveryRecord>, StoreError>;

    /// As [`Alerts::due_deliveries`], and moves the deliveries it returns to
    /// `hold_until` in the same transaction, so no other call hands them out while
    /// they are being sent; if the deliverer stops before it reports, they are due
    /// again then.
    async fn claim_due_deliveries(
        &self,
        now: i64,
        limit: usize,
        hold_until: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError>;

    /// Reports an attempt at a pending delivery, counting it; a delivery no longer
    /// pending is [`StoreError::Invalid`] (it must not have been sent again).
    async fn finish_delivery(
        &self,
        id: i64,
        outcome: DeliveryOutcome,
    ) -> Result<DeliveryRecord, StoreError>;

    /// An alert's deliveries, oldest first.
    async fn deliveries(&self, alert_id: &str) -> Result<Vec<DeliveryRecord>, StoreError>;
}
