//! The gate in front of every store: raw JSON objects in, a validated batch out.
//!
//! Each object is validated; an input that carries the same id and version twice with
//! different content is refused; what passes is prepared for storage. Whether one bad
//! object spoils the batch is the caller's choice ([`IntakePolicy`]), so that "a bundle
//! is stored all-or-nothing unless the caller asks to skip invalid objects" holds for
//! every path that stores objects (CLI import, TAXII, the pipeline).

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};

use dijkwacht_policy::{Scope, UserId};
use dijkwacht_stix::tlp::TlpLevel;

use rustc_hash::{FxHashMap, FxHasher};

use dijkwacht_stix::diagnostic::{Diagnostic, Rule, Severity};
use dijkwacht_stix::{StixObject, validate_object};
use serde_json::Value;

use crate::PreparedObject;

mod stream;
pub use stream::store_validated;

/// The sharing attributes given to every object of an input (`import --as …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlingDefaults {
    /// The owning organisation.
    pub owner: String,
    /// Where the objects may go.
    pub scope: Scope,
    /// The TLP level of objects that carry no TLP marking.
    pub tlp: TlpLevel,
    /// For TLP:RED objects, who may see them.
    pub recipients: BTreeSet<UserId>,
    /// Publishing through a community: the identity that SDOs and SROs are attributed
    /// to (`created_by_ref`) instead of the real author, who is kept in the audit log.
    pub attribute_to: Option<String>,
}

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
    /// Objects ready to store, with their input positions (empty when the builder only
    /// validates).
    pub accepted: Vec<(usize, PreparedObject)>,
    /// How many objects passed validation.
    pub valid: usize,
    /// With [`IntakeBuilder::streaming`]: the input position of each object handed on,
    /// in order.
    pub streamed: Vec<usize>,
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
    /// (id, version key) → the input position and a hash of the content of the first
    /// object with that key, for telling in-input duplicates from conflicts.
    seen: FxHashMap<(String, String), (usize, u64)>,
    keep_warnings: bool,
    validate_only: bool,
    streaming: bool,
    handling: Option<HandlingDefaults>,
}

impl IntakeBuilder {
    pub fn new() -> IntakeBuilder {
        IntakeBuilder::default()
    }

    /// Validate without preparing objects for storage (for `validate`): nothing is kept
    /// but findings and counts.
    pub fn validate_only(mut self) -> IntakeBuilder {
        self.validate_only = true;
        self
    }

    /// Hand each accepted object back from [`IntakeBuilder::push`] instead of keeping
    /// it, so that it can be stored while the rest is read.
    pub fn streaming(mut self) -> IntakeBuilder {
        self.streaming = true;
        self
    }

    /// Give every accepted object these sharing attributes (its own TLP marking, when
    /// it has one, wins over the default level).
    pub fn with_handling(mut self, handling: Option<HandlingDefaults>) -> IntakeBuilder {
        self.handling = handling;
        self
    }

    /// Keep SHOULD findings (they cost memory on large inputs).
    pub fn keep_warnings(mut self, keep: bool) -> IntakeBuilder {
        self.keep_warnings = keep;
        self
    }

    /// Validates one object found at `index` of the input. When streaming, an accepted
    /// object is returned for the caller to store; otherwise it is kept (or, when only
    /// validating, counted).
    pub fn push(&mut self, index: usize, mut value: Value) -> Option<PreparedObject> {
        self.intake.total += 1;
        if let Some(identity) = self
            .handling
            .as_ref()
            .and_then(|handling| handling.attribute_to.as_ref())
        {
            attribute(&mut value, identity);
        }
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
            self.intake
                .invalid
                .push(InvalidObject { index, id, errors });
            return None;
        }
        let object = self.shape_checked(index, id, value)?;
        // When storing, the object is serialised anyway; hashing that text is cheaper
        // than walking the tree again.
        let prepared = (!self.validate_only).then(|| PreparedObject::from_object(&object));
        let content_hash = match &prepared {
            Some(prepared) => hash_text(&prepared.json),
            None => hash_content(object.properties()),
        };
        // Objects without a version (SCOs) are told apart by content: the same content
        // twice is one object, different content two versions.
        let version_key = match (&prepared, object.version()) {
            (
                Some(PreparedObject {
                    version_key: Some(key),
                    ..
                }),
                _,
            ) => key.clone(),
            (_, Some(stamp)) => stamp.sort_key(),
            (_, None) => format!("content:{content_hash:016x}"),
        };
        let key = (object.id().to_owned(), version_key);
        if let Some(&(earlier_index, earlier_hash)) = self.seen.get(&key) {
            if earlier_hash != content_hash {
                let version = object.version_text().unwrap_or_default();
                let message = format!(
                    "object {earlier_index} of this input has the same id and version ({version}) with different content; give the change a new `modified`"
                );
                self.refuse(
                    index,
                    Some(object.id()),
                    Rule::DuplicateInBundle,
                    "$",
                    message,
                );
                return None;
            }
        } else {
            self.seen.insert(key, (index, content_hash));
        }
        let mut prepared = prepared;
        if let (Some(defaults), Some(prepared)) = (&self.handling, prepared.as_mut()) {
            prepared.handling.owner = Some(defaults.owner.clone());
            prepared.handling.scope = Some(defaults.scope.clone());
            let tlp = *prepared.handling.tlp.get_or_insert(defaults.tlp);
            if tlp == TlpLevel::Red {
                if defaults.recipients.is_empty() {
                    self.refuse(
                        index,
                        Some(object.id()),
                        Rule::SharingRule,
                        "$.object_marking_refs",
                        "TLP:RED goes to named people only; name them with --recipient".to_owned(),
                    );
                    return None;
                }
                prepared.handling.recipients = defaults.recipients.clone();
            }
        }
        self.intake.valid += 1;
        let prepared = prepared?;
        if self.streaming {
            self.intake.streamed.push(index);
            return Some(prepared);
        }
        self.intake.accepted.push((index, prepared));
        None
    }

    /// Records one finding that refuses the object at `index`.
    fn refuse(&mut self, index: usize, id: Option<&str>, rule: Rule, path: &str, message: String) {
        self.intake.invalid.push(InvalidObject {
            index,
            id: id.map(str::to_owned),
            errors: vec![Diagnostic {
                severity: Severity::Error,
                rule,
                object_id: id.map(str::to_owned),
                path: path.to_owned(),
                message,
            }],
        });
    }

    fn shape_checked(
        &mut self,
        index: usize,
        id: Option<String>,
        value: Value,
    ) -> Option<StixObject> {
        match StixObject::from_value(value) {
            Ok(object) => Some(object),
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
                None
            }
        }
    }

    /// Whether any object so far broke a MUST rule.
    pub fn has_invalid(&self) -> bool {
        !self.intake.invalid.is_empty()
    }

    pub fn finish(self) -> Intake {
        self.intake
    }
}

/// Attributes an SDO or SRO (an object with `created`, other than the meta objects) to
/// `identity`, replacing its `created_by_ref`.
fn attribute(value: &mut Value, identity: &str) {
    let Some(object) = value.as_object_mut() else {
        return;
    };
    let meta = matches!(
        object.get("type").and_then(Value::as_str),
        Some("marking-definition" | "extension-definition" | "language-content" | "identity")
    );
    if !meta && object.contains_key("created") {
        object.insert(
            "created_by_ref".to_owned(),
            Value::String(identity.to_owned()),
        );
    }
}

/// A 64-bit hash of a JSON object's content, independent of key order (maps are
/// sorted). Used only to tell duplicates inside one input from conflicts.
fn hash_content(properties: &serde_json::Map<String, Value>) -> u64 {
    let mut hasher = FxHasher::default();
    hash_map(properties, &mut hasher);
    hasher.finish()
}

/// A 64-bit hash of canonical JSON text (sorted keys, so equal content, equal text).
fn hash_text(text: &str) -> u64 {
    let mut hasher = FxHasher::default();
    text.hash(&mut hasher);
    hasher.finish()
}

fn hash_map(properties: &serde_json::Map<String, Value>, hasher: &mut FxHasher) {
    properties.len().hash(hasher);
    for (key, value) in properties {
        key.hash(hasher);
        hash_value(value, hasher);
    }
}

fn hash_value(value: &Value, hasher: &mut FxHasher) {
    match value {
        Value::Null => 0u8.hash(hasher),
        Value::Bool(flag) => (1u8, *flag).hash(hasher),
        Value::Number(number) => {
            2u8.hash(hasher);
            number.to_string().hash(hasher);
        }
        Value::String(text) => (3u8, text).hash(hasher),
        Value::Array(items) => {
            (4u8, items.len()).hash(hasher);
            for item in items {
                hash_value(item, hasher);
            }
        }
        Value::Object(entries) => {
            5u8.hash(hasher);
            hash_map(entries, hasher);
        }
    }
}

/// Checks the envelope of a bundle (not its objects): `type`, `id`, no `spec_version`.
pub fn check_bundle_envelope(id: Option<&str>) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    match id {
        None => findings.push(envelope_error(
            "$.id",
            "a bundle needs an `id` of the form bundle--<UUID>",
        )),
        Some(id) => match dijkwacht_stix::validate::parse_identifier(id) {
            Ok(("bundle", _)) => {}
            _ => findings.push(envelope_error(
                "$.id",
                &format!("'{id}' is not of the form bundle--<UUID>"),
            )),
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
