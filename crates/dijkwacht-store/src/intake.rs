//! The gate in front of every store: raw JSON objects in, a validated batch out.
//!
//! Each object is validated; an input that carries the same id and version twice with
//! different content is refused; what passes is prepared for storage. Whether one bad
//! object spoils the batch is the caller's choice ([`IntakePolicy`]), so that "a bundle
//! is stored all-or-nothing unless the caller asks to skip invalid objects" holds for
//! every path that stores objects (CLI import, TAXII, the pipeline).

use std::collections::HashMap;

use dijkwacht_stix::diagnostic::{Diagnostic, Rule, Severity};
use dijkwacht_stix::{StixObject, validate_object};
use serde_json::Value;

use crate::PreparedObject;

/// What to do with a batch that holds invalid objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakePolicy {
    /// One invalid object rejects the batch.
    AllOrNothing,
    /// Invalid objects are left out and reported; the rest goes on.
    SkipInvalid,
}

/// One object that did not pass, with every finding about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidObject {
    /// The position in the input (0-based).
    pub index: usize,
    pub id: Option<String>,
    pub errors: Vec<Diagnostic>,
}

/// The result of passing one input through the gate.
#[derive(Debug, Default)]
pub struct Intake {
    /// Objects ready to store, with their input positions.
    pub accepted: Vec<(usize, PreparedObject)>,
    /// Objects that broke a MUST rule.
    pub invalid: Vec<InvalidObject>,
    /// SHOULD findings on objects that were accepted or rejected alike.
    pub warnings: Vec<Diagnostic>,
    /// How many objects the input held.
    pub total: usize,
}

impl Intake {
    /// Whether the batch may go to the store under `policy`.
    pub fn may_store(&self, policy: IntakePolicy) -> bool {
        policy == IntakePolicy::SkipInvalid || self.invalid.is_empty()
    }
}

/// Validates and prepares objects one by one; call [`IntakeBuilder::finish`] at the end.
#[derive(Debug, Default)]
pub struct IntakeBuilder {
    intake: Intake,
    /// (id, version key or content) → position in `accepted`, for in-input duplicates.
    seen: HashMap<(String, String), usize>,
    keep_warnings: bool,
}

impl IntakeBuilder {
    pub fn new() -> IntakeBuilder {
        IntakeBuilder::default()
    }

    /// Keep SHOULD findings (they cost memory on large inputs).
    pub fn keep_warnings(mut self, keep: bool) -> IntakeBuilder {
        self.keep_warnings = keep;
        self
    }

    /// Validates one object found at `index` of the input.
    pub fn push(&mut self, index: usize, value: Value) {
        self.intake.total += 1;
        let report = validate_object(&value);
        let id = value.get("id").and_then(Value::as_str).map(str::to_owned);
        let (errors, warnings): (Vec<_>, Vec<_>) = report
            .diagnostics
            .into_iter()
            .partition(|finding| finding.severity == Severity::Error);
        if self.keep_warnings {
            self.intake.warnings.extend(warnings);
        }
        if !errors.is_empty() {
            self.intake.invalid.push(InvalidObject { index, id, errors });
            return;
        }
        let object = match StixObject::from_value(value) {
            Ok(object) => object,
            Err(problem) => {
                // validate_object reports these too; kept as a guard.
                self.intake.invalid.push(InvalidObject {
                    index,
                    id,
                    errors: vec![Diagnostic {
                        severity: Severity::Error,
                        rule: Rule::NotAnObject,
                        object_id: None,
                        path: "$".to_owned(),
                        message: problem.to_string(),
                    }],
                });
                return;
            }
        };
        let prepared = PreparedObject::from_object(&object);
        let key = (
            prepared.id.clone(),
            prepared
                .version_key
                .clone()
                .unwrap_or_else(|| prepared.json.clone()),
        );
        if let Some(&earlier) = self.seen.get(&key) {
            let (earlier_index, earlier_object) = &self.intake.accepted[earlier];
            if earlier_object.json != prepared.json {
                let version = prepared.version_text.clone().unwrap_or_default();
                self.intake.invalid.push(InvalidObject {
                    index,
                    id: Some(prepared.id.clone()),
                    errors: vec![Diagnostic {
                        severity: Severity::Error,
                        rule: Rule::DuplicateInBundle,
                        object_id: Some(prepared.id.clone()),
                        path: "$".to_owned(),
                        message: format!(
                            "object {earlier_index} of this input has the same id and version ({version}) with different content; give the change a new `modified`"
                        ),
                    }],
                });
                return;
            }
        } else {
            self.seen.insert(key, self.intake.accepted.len());
        }
        self.intake.accepted.push((index, prepared));
    }

    pub fn finish(self) -> Intake {
        self.intake
    }
}

/// Checks the envelope of a bundle (not its objects): `type`, `id`, no `spec_version`.
pub fn check_bundle_envelope(id: Option<&str>) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    match id {
        None => findings.push(envelope_error("$.id", "a bundle needs an `id` of the form bundle--<UUID>")),
        Some(id) => match dijkwacht_stix::validate::parse_identifier(id) {
            Ok(("bundle", _)) => {}
            _ => findings.push(envelope_error("$.id", &format!("'{id}' is not of the form bundle--<UUID>"))),
        },
    }
    findings
}

fn envelope_error(path: &str, message: &str) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        rule: Rule::Bundle,
        object_id: None,
        path: path.to_owned(),
        message: message.to_owned(),
    }
}
