//! The values the bulk index keys on, and how they are read out of an observation.
//!
//! A comparison constant and an observed property value meet in the index only as a
//! [`Scalar`]: text, a whole number, a non-whole number or a boolean, tagged so that
//! the text `'443'` and the number `443` never collide (STIX compares them as unequal).
//! Text of a few properties whose case carries no meaning (domain names, e-mail
//! addresses, IPv6 addresses, hashes) is lower-cased before it is keyed, so that an
//! indicator written in capitals still finds a log written in lower case; because the
//! matcher compares text exactly, a hit found only thanks to that folding is reported
//! as a candidate, never as an exact hit (see [`Folded`]).

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::Observation;
use crate::ast::{Constant, ObjectPath, PathStep};

/// A value as the index keys it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scalar<'a> {
    Text(&'a str),
    Integer(i64),
    /// A finite number that is not whole, by its bits.
    Float(u64),
    Boolean(bool),
}

impl Scalar<'_> {
    /// The tag and bytes the value tables store and hash.
    pub(crate) fn encode(&self, scratch: &mut [u8; 8]) -> (u8, usize) {
        match self {
            Scalar::Text(_) => (0, 0),
            Scalar::Integer(number) => {
                *scratch = number.to_le_bytes();
                (1, 8)
            }
            Scalar::Float(bits) => {
                *scratch = bits.to_le_bytes();
                (2, 8)
            }
            Scalar::Boolean(value) => {
                scratch[0] = u8::from(*value);
                (3, 1)
            }
        }
    }

    /// Whole numbers key as integers, so that `5` and `5.0` meet, as STIX compares them.
    pub(crate) fn of_float(float: f64) -> Option<Scalar<'static>> {
        if !float.is_finite() {
            return None;
        }
        if float.fract() == 0.0 && float.abs() < 9.0e18 {
            // Whole and within i64: the cast is exact.
            #[allow(clippy::cast_possible_truncation)]
            return Some(Scalar::Integer(float as i64));
        }
        Some(Scalar::Float(float.to_bits()))
    }
}

/// A constant of a pattern as an owned key, or `None` when the constant cannot be keyed
/// (binary, hex and timestamp constants are compared by meaning, not by text).
pub(crate) fn constant_scalar(constant: &Constant) -> Option<OwnedScalar> {
    match constant {
        Constant::String(text) => Some(OwnedScalar::Text(text.clone())),
        Constant::Integer(number) => Some(OwnedScalar::Other(Scalar::Integer(*number))),
        Constant::Float(number) => Scalar::of_float(*number).map(OwnedScalar::Other),
        Constant::Boolean(value) => Some(OwnedScalar::Other(Scalar::Boolean(*value))),
        Constant::Binary(_) | Constant::Hex(_) | Constant::Timestamp(_) => None,
    }
}

/// A [`Scalar`] that owns its text, as decomposition hands it to the index.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OwnedScalar {
    Text(String),
    /// Never `Scalar::Text`.
    Other(Scalar<'static>),
}

impl OwnedScalar {
    pub(crate) fn as_scalar(&self) -> Scalar<'_> {
        match self {
            OwnedScalar::Text(text) => Scalar::Text(text),
            OwnedScalar::Other(other) => *other,
        }
    }
}

/// Whether text keyed under a path is lower-cased first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Folding {
    Exact,
    AsciiLowercase,
}

impl Folding {
    /// Domain names, e-mail addresses and IPv6 addresses are case-insensitive, and so
    /// are hex hashes wherever they sit (`file:hashes.MD5`, `x509-certificate:hashes.*`).
    pub(crate) fn for_path(path: &ObjectPath) -> Folding {
        let case_free_value = matches!(
            path.object_type.as_str(),
            "domain-name" | "email-addr" | "ipv6-addr"
        ) && path.property == "value"
            && path.steps.is_empty();
        if case_free_value || path.property == "hashes" {
            Folding::AsciiLowercase
        } else {
            Folding::Exact
        }
    }

    /// The text as keyed, and whether it was already in that form.
    pub(crate) fn fold<'t>(self, text: &'t str) -> Folded<'t> {
        match self {
            Folding::AsciiLowercase if text.bytes().any(|byte| byte.is_ascii_uppercase()) => {
                Folded {
                    text: Cow::Owned(text.to_ascii_lowercase()),
                    unchanged: false,
                }
            }
            _ => Folded {
                text: Cow::Borrowed(text),
                unchanged: true,
            },
        }
    }
}

/// Folded text. When both the constant and the observed value were `unchanged`, equal
/// folded texts mean equal original texts, so a hit may be exact; otherwise it is a
/// candidate for the matcher to judge.
#[derive(Debug)]
pub(crate) struct Folded<'t> {
    pub(crate) text: Cow<'t, str>,
    pub(crate) unchanged: bool,
}

/// Calls `visit` with every value found at `property` and `steps` in `object`, following
/// `*_ref` and `*_refs` properties to the objects of `observation` they name, as STIX
/// object paths do (§9.5): `network-traffic:dst_ref.value`, `email-message:to_refs[*].value`.
pub(crate) fn visit_path_values<'o>(
    observation: &'o Observation,
    object: &'o Map<String, Value>,
    property: &str,
    steps: &[PathStep],
    visit: &mut dyn FnMut(&'o Value),
) {
    if let Some(value) = object.get(property) {
        walk(observation, value, is_reference(property), steps, visit);
    }
}

fn is_reference(key: &str) -> bool {
    key.ends_with("_ref") || key.ends_with("_refs")
}

fn walk<'o>(
    observation: &'o Observation,
    value: &'o Value,
    is_reference_value: bool,
    steps: &[PathStep],
    visit: &mut dyn FnMut(&'o Value),
) {
    let Some((step, rest)) = steps.split_first() else {
        visit(value);
        return;
    };
    match step {
        PathStep::Key(key) => {
            let object = match value {
                Value::Object(object) => Some(object),
                Value::String(reference) if is_reference_value => {
                    observation.objects.get(reference.as_str())
                }
                _ => None,
            };
            if let Some(next) = object.and_then(|object| object.get(key.as_str())) {
                walk(observation, next, is_reference(key), rest, visit);
            }
        }
        PathStep::Index(index) => {
            let element = value.as_array().and_then(|list| {
                let position = if *index < 0 {
                    usize::try_from(index.unsigned_abs())
                        .ok()
                        .and_then(|back| list.len().checked_sub(back))
                } else {
                    usize::try_from(*index).ok()
                };
                position.and_then(|position| list.get(position))
            });
            if let Some(element) = element {
                walk(observation, element, is_reference_value, rest, visit);
            }
        }
        PathStep::AnyIndex => {
            if let Some(list) = value.as_array() {
                for element in list {
                    walk(observation, element, is_reference_value, rest, visit);
                }
            }
        }
    }
}

/// The text an object path is interned under: `type:property` and its steps, written so
/// that different paths never share a text.
pub(crate) fn path_text(path: &ObjectPath) -> String {
    let mut text = format!("{}:{}", path.object_type, path.property);
    for step in &path.steps {
        match step {
            PathStep::Key(key) => {
                text.push_str(".'");
                text.push_str(&key.replace('\\', "\\\\").replace('\'', "\\'"));
                text.push('\'');
            }
            PathStep::Index(index) => text.push_str(&format!("[{index}]")),
            PathStep::AnyIndex => text.push_str("[*]"),
        }
    }
    text
}
