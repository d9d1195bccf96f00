//! What every request handler can reach: the backend (objects, directory, submissions,
//! alerts), the audit log, the authenticator and the limits ([`Limits`]), the two
//! signals long-lived answers (the live stream) listen to: "objects were stored" and
//! "the server stops", and the one the binary's alert matcher listens to beside the
//! first: "an asset profile changed".

use std::sync::Arc;

use dijkwacht_audit::AuditLog;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::alerts::Alerts;
use dijkwacht_store::directory::Directory;
use dijkwacht_store::submissions::Submissions;
use dijkwacht_store::{Store, StoredObject};
use serde_json::{Map, Value};

use crate::auth::Authenticator;
use crate::error::ApiError;
use crate::limits::Limits;

/// Everything the server asks of storage, in one object.
pub trait Backend: Store + Directory + Submissions + Alerts {}

impl<T: Store + Directory + Submissions + Alerts> Backend for T {}

/// How live streams follow the store.
#[derive(Debug, Clone)]
pub struct StreamTiming {
    /// How often a stream looks for new objects when nothing nudges it.
    pub poll: std::time::Duration,
    /// How old the last check of a stream's caller (token revoked? password changed?
    /// membership ended?) may be before objects are delivered; idle streams check this
    /// often too. Zero checks before every delivery.
    pub recheck: std::time::Duration,
    /// How often an idle stream sends a keep-alive comment.
    pub keep_alive: std::time::Duration,
}

impl Default for StreamTiming {
    fn default() -> StreamTiming {
        StreamTiming {
            poll: std::time::Duration::from_secs(1),
            recheck: std::time::Duration::from_secs(30),
            keep_alive: std::time::Duration::from_secs(15),
        }
    }
}

/// The shared state of the server; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub backend: Arc<dyn Backend>,
    /// `None` only in tests that do not look at the audit trail.
    pub audit: Option<Arc<AuditLog>>,
    /// A title for this instance, shown to people and machines.
    pub title: String,
    pub auth: Arc<Authenticator>,
    /// Page sizes and envelope sizes (the body and rate limits are layers).
    pub limits: Limits,
    /// Nudged when this process stores objects, so that live streams look at once
    /// rather than at their next poll (they still poll: other processes write too).
    pub objects_stored: Arc<tokio::sync::Notify>,
    /// Nudged when this process changes an organisation's asset profile, so that the
    /// binary's alert matcher (its one listener) rematches that profile at once rather
    /// than at its next poll; it asks the store what changed
    /// (`Alerts::profiles_changed_since`). A nudge given while the matcher is busy is
    /// kept as one permit ([`tokio::sync::Notify::notify_one`]), so a change made during
    /// a run is matched right after it. The matcher listens to this and to
    /// `objects_stored` (new intelligence), and still polls: other processes (the
    /// command line) change profiles and store objects too.
    pub alerts_changed: Arc<tokio::sync::Notify>,
    /// Becomes `true` when the server begins to stop, so that streams end and the
    /// graceful shutdown does not wait for them forever.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    pub stream_timing: StreamTiming,
    /// What `/metrics` shows besides the server's own figures.
    pub metrics: Option<Arc<dyn crate::metrics::MetricsSource>>,
    /// How indicators the fusion center stated are scored when read
    /// ([`crate::fusion_view`]); the default model unless `dijkwacht.toml` says more.
    pub scoring: Arc<dijkwacht_fusion::scoring::ScoringModel>,
    /// The operator's letter per fusion source as configured now, for reporting each
    /// source's letter after members' feedback (alert statistics, `/metrics`); `None`
    /// when no configuration is at hand, and those reports then give counts only.
    pub source_ratings: Option<Arc<dyn crate::source_feedback::SourceRatings>>,
    /// Members' feedback per source, reused for half a minute
    /// ([`crate::source_feedback::FeedbackTally`]).
    pub feedback: Arc<crate::source_feedback::FeedbackTally>,
    stop_sender: Arc<tokio::sync::watch::Sender<bool>>,
}

impl AppState {
    /// State for `backend`, with a fresh authenticator allowing as many argon2 checks at
    /// once as there are cores.
    pub fn new(
        backend: Arc<dyn Backend>,
        audit: Option<Arc<AuditLog>>,
        title: impl Into<String>,
    ) -> Result<AppState, getrandom::Error> {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let (stop_sender, stopping) = tokio::sync::watch::channel(false);
        Ok(AppState {
            backend,
            audit,
            title: title.into(),
            auth: Arc::new(Authenticator::new(cores)?),
            limits: Limits::default(),
            objects_stored: Arc::new(tokio::sync::Notify::new()),
            alerts_changed: Arc::new(tokio::sync::Notify::new()),
            stopping,
            stream_timing: StreamTiming::default(),
            metrics: None,
            scoring: Arc::default(),
            source_ratings: None,
            feedback: Arc::default(),
            stop_sender: Arc::new(stop_sender),
        })
    }

    /// Tells live streams that objects were stored.
    pub fn nudge_streams(&self) {
        self.objects_stored.notify_waiters();
    }

    /// Tells the alert matcher that an asset profile changed.
    pub fn nudge_alert_matcher(&self) {
        self.alerts_changed.notify_one();
    }

    /// Tells long-lived answers that the server is stopping.
    pub fn begin_stopping(&self) {
        self.stop_sender.send_replace(true);
    }

    pub fn store(&self) -> &dyn Store {
        self.backend.as_ref()
    }

    pub fn directory(&self) -> &dyn Directory {
        self.backend.as_ref()
    }

    pub fn submissions(&self) -> &dyn Submissions {
        self.backend.as_ref()
    }

    pub fn alerts(&self) -> &dyn Alerts {
        self.backend.as_ref()
    }

    /// Records who read which objects of TLP:AMBER or stricter (as `id@version` under
    /// `objects`, beside `details`); nothing is written when there are none. A read
    /// that cannot be recorded is not served.
    pub async fn audit_sensitive_reads<'a>(
        &self,
        actor: &str,
        action: &str,
        mut details: Map<String, Value>,
        objects: impl IntoIterator<Item = &'a StoredObject>,
    ) -> Result<(), ApiError> {
        let sensitive: Vec<Value> = objects
            .into_iter()
            .filter(|object| object.tlp.is_some_and(|level| level >= TlpLevel::Amber))
            .map(|object| format!("{}@{}", object.id, object.version).into())
            .collect();
        if sensitive.is_empty() {
            return Ok(());
        }
        details.insert("objects".to_owned(), sensitive.into());
        self.audit(actor, action, None, details).await
    }

    /// Appends to the audit log off the async threads. A read of AMBER or stricter that
    /// cannot be recorded is not served, so the error is for the caller to pass on.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        subject: Option<&str>,
        details: Map<String, Value>,
    ) -> Result<(), ApiError> {
        let Some(log) = self.audit.clone() else {
            return Ok(());
        };
        let (actor, action, subject) = (
            actor.to_owned(),
            action.to_owned(),
            subject.map(str::to_owned),
        );
        let appended = tokio::task::spawn_blocking(move || {
            log.append(&actor, &action, subject.as_deref(), details)
                .map(|_| ())
                .map_err(|error| error.to_string())
        })
        .await
        .map_err(|error| error.to_string())
        .and_then(|result| result);
        appended.map_err(|error| ApiError::internal("writing the audit log failed", &error))
    }
}
