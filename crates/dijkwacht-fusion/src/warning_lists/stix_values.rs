//! The values of a STIX object that warning lists can judge: the value of an address,
//! domain, URL or e-mail SCO and the hashes of a file, or the constants an indicator's
//! STIX pattern compares those properties with.
//!
//! From a pattern, only positive tests of one value are read: `=` and `IN` with string
//! constants, and `ISSUBSET` with a range on an address. Everything else an indicator
//! tests (`LIKE`, `MATCHES`, `!=`, `NOT`, other properties, other pattern languages) is
//! not a value a list can clear, and is remembered as such: an indicator that also
//! tests something else is never wholly benign because its listed values are.

use dijkwacht_stix::pattern::{
    self, Comparison, ComparisonExpression, Constant, ObjectPath, PathStep, Pattern, Predicate,
};
use serde_json::Value;

use super::kind::{ObservedValue, ValueKind};

/// The values of `object` the warning lists can judge, each once, in the order found.
pub fn values_of_object(object: &Value) -> Vec<ObservedValue> {
    tested_values(object).values
}

/// The values an object tests, and whether it tests anything else besides.
#[derive(Debug, Default)]
pub(crate) struct TestedValues {
    pub(crate) values: Vec<ObservedValue>,
    /// Something no list can judge: a `LIKE`, another property, an unknown hash, a
    /// pattern that does not parse.
    pub(crate) tests_other_things: bool,
}

impl TestedValues {
    fn push(&mut self, kind: ValueKind, text: &str) {
        if !self
            .values
            .iter()
            .any(|value| value.kind == kind && value.text == text)
        {
            self.values.push(ObservedValue::new(kind, text));
        }
    }
}

pub(crate) fn tested_values(object: &Value) -> TestedValues {
    tested_values_with(object, None)
}

/// [`tested_values`] of an indicator whose pattern the caller has parsed already
/// (`parsed`, `None` for anything but an indicator with a STIX pattern that parses),
/// so that a pattern is parsed once per object.
pub(crate) fn tested_values_with(object: &Value, parsed: Option<&Pattern>) -> TestedValues {
    let mut tested = TestedValues::default();
    let object_type = object.get("type").and_then(Value::as_str).unwrap_or("");
    let value_text = object.get("value").and_then(Value::as_str);
    match (object_type, value_text) {
        ("ipv4-addr", Some(text)) => tested.push(address_kind(text, ValueKind::Ipv4), text),
        ("ipv6-addr", Some(text)) => tested.push(address_kind(text, ValueKind::Ipv6), text),
        ("domain-name", Some(text)) => tested.push(ValueKind::Domain, text),
        ("url", Some(text)) => tested.push(ValueKind::Url, text),
        ("email-addr", Some(text)) => tested.push(ValueKind::Email, text),
        ("file", _) => read_file_hashes(object, &mut tested),
        ("indicator", _) => match parsed {
            Some(parsed) => read_pattern(parsed, &mut tested),
            None => read_indicator(object, &mut tested),
        },
        _ => {}
    }
    tested
}

fn read_file_hashes(object: &Value, tested: &mut TestedValues) {
    let Some(hashes) = object.get("hashes").and_then(Value::as_object) else {
        return;
    };
    for (algorithm, digest) in hashes {
        match (hash_kind(algorithm), digest.as_str()) {
            (Some(kind), Some(digest)) => tested.push(kind, digest),
            _ => tested.tests_other_things = true,
        }
    }
}

fn read_indicator(object: &Value, tested: &mut TestedValues) {
    let pattern_type = object.get("pattern_type").and_then(Value::as_str);
    let text = object.get("pattern").and_then(Value::as_str);
    let (Some("stix"), Some(text)) = (pattern_type, text) else {
        tested.tests_other_things = true;
        return;
    };
    match pattern::parse(text) {
        Ok(parsed) => read_pattern(&parsed, tested),
        Err(_) => tested.tests_other_things = true,
    }
}

fn read_pattern(parsed: &Pattern, tested: &mut TestedValues) {
    match parsed {
        Pattern::Observation { comparison, .. } => read_comparisons(comparison, tested),
        Pattern::Grouped { pattern, .. } => read_pattern(pattern, tested),
        Pattern::And(operands) | Pattern::Or(operands) | Pattern::FollowedBy(operands) => {
            for operand in operands {
                read_pattern(operand, tested);
            }
        }
    }
}

fn read_comparisons(expression: &ComparisonExpression, tested: &mut TestedValues) {
    match expression {
        ComparisonExpression::Comparison(comparison) => read_comparison(comparison, tested),
        ComparisonExpression::And(operands) | ComparisonExpression::Or(operands) => {
            for operand in operands {
                read_comparisons(operand, tested);
            }
        }
        ComparisonExpression::Grouped(inner) => read_comparisons(inner, tested),
    }
}

/// What kind of value an object path holds, for the paths lists can judge.
#[derive(Debug, Clone, Copy)]
enum PathValue {
    /// An address or range of the given family's kind.
    Address(ValueKind),
    /// The value of an object a reference points to that is an address or a name
    /// (`network-traffic:dst_ref.value`).
    AddressOrName,
    Of(ValueKind),
}

fn read_comparison(comparison: &Comparison, tested: &mut TestedValues) {
    let path_value = path_value(&comparison.object_path);
    let (Some(path_value), false) = (path_value, comparison.negated) else {
        tested.tests_other_things = true;
        return;
    };
    match &comparison.predicate {
        Predicate::Equal(Constant::String(text)) => {
            tested.push(kind_of_constant(path_value, text), text)
        }
        Predicate::In(constants) => {
            for constant in constants {
                match constant {
                    Constant::String(text) => tested.push(kind_of_constant(path_value, text), text),
                    _ => tested.tests_other_things = true,
                }
            }
        }
        Predicate::IsSubset(text)
            if matches!(path_value, PathValue::Address(_) | PathValue::AddressOrName) =>
        {
            tested.push(kind_of_constant(path_value, text), text)
        }
        _ => tested.tests_other_things = true,
    }
}

fn path_value(path: &ObjectPath) -> Option<PathValue> {
    let steps = path.steps.as_slice();
    let is_value_step = |step: &PathStep| matches!(step, PathStep::Key(key) if key == "value");
    match (path.object_type.as_str(), path.property.as_str(), steps) {
        ("ipv4-addr", "value", []) => Some(PathValue::Address(ValueKind::Ipv4)),
        ("ipv6-addr", "value", []) => Some(PathValue::Address(ValueKind::Ipv6)),
        ("domain-name", "value", []) => Some(PathValue::Of(ValueKind::Domain)),
        ("url", "value", []) => Some(PathValue::Of(ValueKind::Url)),
        ("email-addr", "value", []) => Some(PathValue::Of(ValueKind::Email)),
        ("file", "hashes", [PathStep::Key(algorithm)]) => hash_kind(algorithm).map(PathValue::Of),
        ("network-traffic", "src_ref" | "dst_ref", [step]) if is_value_step(step) => {
            Some(PathValue::AddressOrName)
        }
        ("email-message", "from_ref" | "sender_ref", [step]) if is_value_step(step) => {
            Some(PathValue::Of(ValueKind::Email))
        }
        (
            "email-message",
            "to_refs" | "cc_refs" | "bcc_refs",
            [PathStep::AnyIndex | PathStep::Index(_), step],
        ) if is_value_step(step) => Some(PathValue::Of(ValueKind::Email)),
        _ => None,
    }
}

fn kind_of_constant(path_value: PathValue, text: &str) -> ValueKind {
    match path_value {
        PathValue::Address(kind) => address_kind(text, kind),
        PathValue::AddressOrName => match ObservedValue::classify(text).kind {
            kind @ (ValueKind::Ipv4 | ValueKind::Ipv6 | ValueKind::Cidr) => kind,
            _ => ValueKind::Domain,
        },
        PathValue::Of(kind) => kind,
    }
}

/// An address SCO's value is a range when it has a prefix length (STIX 2.1 §6.4.1).
fn address_kind(text: &str, address_kind: ValueKind) -> ValueKind {
    if text.contains('/') {
        ValueKind::Cidr
    } else {
        address_kind
    }
}

/// The kind of a STIX hash algorithm name (`MD5`, `SHA-1`, `SHA-256`, `SHA-512`,
/// `SSDEEP`), also as some producers write them (`sha256`, `SHA_1`).
fn hash_kind(algorithm: &str) -> Option<ValueKind> {
    let mut compact = algorithm.to_ascii_uppercase();
    compact.retain(|character| character != '-' && character != '_');
    match compact.as_str() {
        "MD5" => Some(ValueKind::Md5),
        "SHA1" => Some(ValueKind::Sha1),
        "SHA256" => Some(ValueKind::Sha256),
        "SHA512" => Some(ValueKind::Sha512),
        "SSDEEP" => Some(ValueKind::Ssdeep),
        _ => None,
    }
}
