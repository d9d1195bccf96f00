//! The gate beside the store: [`store_validated`] validates an input on a thread of
//! its own while the store writes what has passed, in one batch, so that validation
//! and SQLite's work share the machine's cores instead of taking turns. (Validation
//! and the writes cost about the same per object, so one validating thread keeps the
//! store busy; splitting validation further only adds waiting when cores are shared.)

use serde_json::Value;

use super::{Intake, IntakeBuilder, IntakePolicy};
use crate::{IngestItem, IngestMode, IngestReport, PreparedObject, Provenance, Store, StoreError};

/// Objects validated per message to the store by [`store_validated`].
const OBJECTS_PER_MESSAGE: usize = 1_024;

/// Messages that may wait for the store: enough to keep it busy, few enough that a
/// large input is not held twice in memory.
const MESSAGES_IN_FLIGHT: usize = 4;

/// Validates `objects` (input positions 0, 1, …) through `builder` on another thread
/// and stores what passes in one batch while the rest is being validated: the same
/// objects in the same order as finishing the intake first and then calling
/// [`Store::ingest`]. Under [`IntakePolicy::AllOrNothing`] the first invalid object
/// aborts the batch and nothing is stored; under [`IntakePolicy::SkipInvalid`] invalid
/// objects are left out. Returns the intake (its `streamed` maps the report's
/// positions to input positions) and the store's report.
pub async fn store_validated(
    store: &dyn Store,
    builder: IntakeBuilder,
    objects: Vec<Value>,
    policy: IntakePolicy,
    provenance: Provenance,
) -> Result<(Intake, IngestReport), StoreError> {
    let mode = match policy {
        IntakePolicy::AllOrNothing => IngestMode::AllOrNothing,
        IntakePolicy::SkipInvalid => IngestMode::SkipRejected,
    };
    let (sender, receiver) = tokio::sync::mpsc::channel(MESSAGES_IN_FLIGHT);
    let (finished, intake) = tokio::sync::oneshot::channel();
    let validator = std::thread::Builder::new()
        .name("intake".to_owned())
        .spawn(move || {
            let intake = validate_into(builder.streaming(), objects, policy, &sender);
            drop(sender);
            // The caller is gone only when the store failed; it reports that.
            let _ = finished.send(intake);
        })
        .map_err(|error| StoreError::backend("starting to validate a batch", error))?;
    let report = store.ingest_stream(receiver, mode, provenance).await;
    let intake = match intake.await {
        Ok(intake) => intake,
        Err(_) => match validator.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => Intake::default(),
        },
    };
    Ok((intake, report?))
}

/// The validating end of [`store_validated`]: sends what passes, in messages, until
/// the input ends, the policy says to abort or the store stops receiving.
fn validate_into(
    mut builder: IntakeBuilder,
    objects: Vec<Value>,
    policy: IntakePolicy,
    sender: &tokio::sync::mpsc::Sender<IngestItem>,
) -> Intake {
    let mut objects = objects.into_iter().enumerate().peekable();
    // Once nothing more is sent (aborted, or the store stopped), the rest is still
    // validated so that the intake reports every finding.
    let mut sending = true;
    while objects.peek().is_some() {
        let accepted: Vec<PreparedObject> = objects
            .by_ref()
            .take(OBJECTS_PER_MESSAGE)
            .filter_map(|(index, value)| builder.push(index, value))
            .collect();
        if !sending {
            continue;
        }
        if policy == IntakePolicy::AllOrNothing && builder.has_invalid() {
            // The store may have stopped already; either way nothing is kept.
            let _ = sender.blocking_send(IngestItem::Abort);
            sending = false;
        } else if !accepted.is_empty() {
            sending = sender.blocking_send(IngestItem::Objects(accepted)).is_ok();
        }
    }
    builder.finish()
}
