//! The gate on every core, and beside the store: [`IntakeBuilder::push_many`] checks a
//! run of objects on several threads and then decides about them in input order, so
//! its findings, counts and accepted objects are exactly those of pushing the objects
//! one by one; [`store_validated`] validates an input on other threads while the store
//! writes what has passed, in one batch.
//!
//! What an object is found to be on its own (validation, its canonical JSON and keys)
//! is independent of the other objects and is what costs; what depends on the input
//! so far (duplicates, conflicts, counts) is cheap and stays on one thread.

use std::num::NonZeroUsize;

use serde_json::Value;

use super::{Checked, Intake, IntakeBuilder, IntakePolicy};
use crate::{IngestItem, IngestMode, IngestReport, PreparedObject, Provenance, Store, StoreError};

/// Below this many objects per thread, starting a thread costs more than it saves.
const MIN_OBJECTS_PER_THREAD: usize = 64;

/// Objects validated per message to the store by [`store_validated`].
const OBJECTS_PER_MESSAGE: usize = 1_024;

/// Messages that may wait for the store: enough to keep it busy, few enough that a
/// large input is not held twice in memory.
const MESSAGES_IN_FLIGHT: usize = 4;

impl IntakeBuilder {
    /// [`IntakeBuilder::push`] for the objects found at `first_index`, `first_index +
    /// 1`, … of the input, checked on all cores. Returns, in order, what `push` would
    /// have returned for each (accepted objects when streaming, else nothing).
    pub fn push_many(&mut self, first_index: usize, objects: Vec<Value>) -> Vec<PreparedObject> {
        let checked = self.check_all(objects);
        checked
            .into_iter()
            .enumerate()
            .filter_map(|(offset, checked)| self.admit(first_index + offset, checked))
            .collect()
    }

    /// Checks `objects`, split into one contiguous part per thread; results in order.
    fn check_all(&self, mut objects: Vec<Value>) -> Vec<Checked> {
        let threads = std::thread::available_parallelism()
            .map_or(1, NonZeroUsize::get)
            .min(objects.len() / MIN_OBJECTS_PER_THREAD)
            .max(1);
        if threads == 1 {
            return objects.into_iter().map(|value| self.check(value)).collect();
        }
        let per_thread = objects.len().div_ceil(threads);
        let mut parts = Vec::with_capacity(threads);
        while objects.len() > per_thread {
            let rest = objects.split_off(per_thread);
            parts.push(std::mem::replace(&mut objects, rest));
        }
        parts.push(objects);
        std::thread::scope(|scope| {
            let workers: Vec<_> = parts
                .into_iter()
                .map(|part| {
                    scope.spawn(move || {
                        part.into_iter()
                            .map(|value| self.check(value))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut checked = Vec::new();
            for worker in workers {
                match worker.join() {
                    Ok(part) => checked.extend(part),
                    // A panic while checking is a bug; let it go on as a panic.
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            checked
        })
    }
}

/// Validates `objects` (input positions 0, 1, …) through `builder` on other threads
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
    let mut objects = objects.into_iter();
    let mut first_index = 0;
    // Once nothing more is sent (aborted, or the store stopped), the rest is still
    // validated so that the intake reports every finding.
    let mut sending = true;
    loop {
        let part: Vec<Value> = objects.by_ref().take(OBJECTS_PER_MESSAGE).collect();
        if part.is_empty() {
            break;
        }
        let count = part.len();
        let accepted = builder.push_many(first_index, part);
        first_index += count;
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use dijkwacht_policy::Scope;
    use dijkwacht_stix::diagnostic::Rule;
    use dijkwacht_stix::tlp::TlpLevel;
    use serde_json::json;

    use super::*;
    use crate::intake::HandlingDefaults;

    const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

    fn indicator(number: usize, modified: &str, name: &str) -> Value {
        json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": format!("indicator--00000000-0000-4000-8000-{number:012}"),
            "created": "2024-01-01T00:00:00.000Z",
            "modified": modified,
            "name": name,
            "pattern": format!("[ipv4-addr:value = '198.51.100.{}']", number % 256),
            "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z",
        })
    }

    /// An input with every kind of object the gate tells apart, spread so that each
    /// thread gets some: valid, invalid, repeated, conflicting, unversioned, TLP:RED.
    fn mixed_input() -> Vec<Value> {
        let mut input = Vec::new();
        for number in 0..700_usize {
            let value = match number % 7 {
                0 => json!({"type": "indicator", "id": "not-an-id"}),
                1 => indicator(
                    number.saturating_sub(2),
                    "2024-03-01T12:00:00.000Z",
                    "plain",
                ),
                2 => indicator(number % 50, "2024-03-01T12:00:00.000Z", "conflict?"),
                3 => json!({
                    "type": "ipv4-addr",
                    "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
                    "value": format!("198.51.100.{}", number % 3),
                }),
                4 => {
                    let mut red = indicator(number, "2024-03-01T12:00:00.000Z", "red");
                    red["object_marking_refs"] = json!([RED]);
                    red
                }
                5 => json!(["not", "an", "object"]),
                _ => indicator(number, "2024-03-01T12:00:00.000Z", "plain"),
            };
            input.push(value);
        }
        input
    }

    fn builder(streaming: bool) -> IntakeBuilder {
        let builder =
            IntakeBuilder::new()
                .keep_warnings(true)
                .with_handling(Some(HandlingDefaults {
                    owner: "identity--00000000-0000-4000-8000-000000000001".to_owned(),
                    scope: Scope::Organisation,
                    tlp: TlpLevel::Amber,
                    recipients: BTreeSet::new(),
                    attribute_to: None,
                }));
        if streaming {
            builder.streaming()
        } else {
            builder
        }
    }

    fn assert_same(one_by_one: &Intake, many: &Intake) {
        assert_eq!(one_by_one.accepted, many.accepted);
        assert_eq!(one_by_one.valid, many.valid);
        assert_eq!(one_by_one.streamed, many.streamed);
        assert_eq!(one_by_one.invalid, many.invalid);
        assert_eq!(one_by_one.warnings, many.warnings);
        assert_eq!(one_by_one.total, many.total);
    }

    #[test]
    fn many_at_once_decides_as_one_by_one() {
        let input = mixed_input();
        let mut single = builder(false);
        for (index, value) in input.iter().cloned().enumerate() {
            assert!(single.push(index, value).is_none());
        }
        let single = single.finish();
        let mut many = builder(false);
        let (front, back) = input.split_at(300);
        assert!(many.push_many(0, front.to_vec()).is_empty());
        assert!(many.push_many(300, back.to_vec()).is_empty());
        let many = many.finish();
        assert_same(&single, &many);
        // The input holds each kind of outcome, so the comparison means something.
        assert!(single.accepted.len() > 100, "{}", single.accepted.len());
        for rule in [
            Rule::IdFormat,
            Rule::NotAnObject,
            Rule::DuplicateInBundle,
            Rule::SharingRule,
        ] {
            assert!(
                single
                    .invalid
                    .iter()
                    .any(|invalid| invalid.errors[0].rule == rule),
                "no finding of rule {rule}"
            );
        }
        assert!(!single.warnings.is_empty());
    }

    #[test]
    fn many_at_once_streams_as_one_by_one() {
        let input = mixed_input();
        let mut single = builder(true);
        let handed_out: Vec<PreparedObject> = input
            .iter()
            .cloned()
            .enumerate()
            .filter_map(|(index, value)| single.push(index, value))
            .collect();
        let mut many = builder(true);
        assert_eq!(many.push_many(0, input), handed_out);
        assert_same(&single.finish(), &many.finish());
    }
}
