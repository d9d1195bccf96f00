//! One comparison against one value (STIX 2.1 §9.6): the type rules of the
//! specification's constants table as the reference matcher applies them. Values of
//! types a constant can not be compared with make the comparison false, so `!=` is
//! true for them (and `NOT` inverts either); this file decides only the comparison
//! itself, before `NOT`.
//!
//! - Numbers compare by exact value: the integer 1 equals the float 1.0 but not 1.5.
//! - Strings compare by code point, without normalisation; a string and a binary value
//!   compare as octets when every code point of the string is below U+0100.
//! - `t'…'` constants compare with string values read as STIX timestamps.
//! - `IN` compares as the reference matcher's Python sets do: a string set never holds
//!   a binary value, and booleans count as 0 and 1 among numbers.
//! - `LIKE` and `MATCHES` see string values in Unicode normalisation form C.

use std::borrow::Cow;
use std::cmp::Ordering;

use ipnet::IpNet;
use serde_json::{Number, Value};
use unicode_normalization::{IsNormalized, UnicodeNormalization as _, is_nfc_quick};

use super::compile::{
    ConstantSet, ExactNumber, Operand, Order, Test, latin1_octets, parse_network,
    parse_upper_case_timestamp,
};
use super::path::Reached;

/// Whether `value` passes `test` (before any `NOT`). `Exists` is decided by the
/// caller, which knows whether anything was reached at all.
pub(super) fn passes(test: &Test, value: &Reached<'_>) -> bool {
    match test {
        Test::Equal(operand) => compare(operand, value) == Some(Ordering::Equal),
        Test::NotEqual(operand) => compare(operand, value) != Some(Ordering::Equal),
        Test::Order(order, operand) => {
            compare(operand, value).is_some_and(|ordering| match order {
                Order::Less => ordering.is_lt(),
                Order::LessOrEqual => ordering.is_le(),
                Order::Greater => ordering.is_gt(),
                Order::GreaterOrEqual => ordering.is_ge(),
            })
        }
        Test::In(set) => is_in(set, value),
        Test::Like {
            expression,
            applies_to_octets,
        } => match value {
            Reached::Json(Value::String(text)) => expression.is_match(&normalized(text)),
            Reached::Octets(octets) if *applies_to_octets => {
                std::str::from_utf8(octets).is_ok_and(|text| expression.is_match(&normalized(text)))
            }
            _ => false,
        },
        Test::Matches { text, octets } => match value {
            Reached::Json(Value::String(value)) => text.is_match(&normalized(value)),
            Reached::Octets(value) => octets
                .as_ref()
                .is_some_and(|expression| expression.is_match(value)),
            _ => false,
        },
        Test::IsSubset(network) => {
            reached_network(value).is_some_and(|value| contains(network, &value))
        }
        Test::IsSuperset(network) => {
            reached_network(value).is_some_and(|value| contains(&value, network))
        }
        Test::Exists => true,
    }
}

/// How `value` orders against the constant, or `None` when the two can not be
/// compared.
fn compare(operand: &Operand, value: &Reached<'_>) -> Option<Ordering> {
    match (operand, value) {
        (Operand::Text { text, .. }, Reached::Json(Value::String(value))) => {
            Some(value.as_str().cmp(text.as_str()))
        }
        (Operand::Text { octets, .. }, Reached::Octets(value)) => {
            Some(value.as_slice().cmp(octets.as_deref()?))
        }
        (Operand::Number(number), Reached::Json(Value::Number(value))) => {
            compare_numbers(exact_number(value)?, *number)
        }
        (Operand::Boolean(truth), Reached::Json(Value::Bool(value))) => Some(value.cmp(truth)),
        (Operand::Octets(octets), Reached::Octets(value)) => Some(value.as_slice().cmp(octets)),
        (Operand::Octets(octets), Reached::Json(Value::String(value))) => {
            Some(latin1_octets(value)?.as_slice().cmp(octets))
        }
        (Operand::Timestamp(time), Reached::Json(Value::String(value))) => {
            Some(parse_upper_case_timestamp(value)?.cmp(time))
        }
        _ => None,
    }
}

fn is_in(set: &ConstantSet, value: &Reached<'_>) -> bool {
    match (set, value) {
        (ConstantSet::Texts(texts), Reached::Json(Value::String(value))) => {
            texts.contains(value.as_str())
        }
        (ConstantSet::Numbers(numbers), Reached::Json(Value::Number(value))) => exact_number(value)
            .is_some_and(|value| {
                numbers
                    .iter()
                    .any(|number| compare_numbers(value, *number) == Some(Ordering::Equal))
            }),
        (ConstantSet::Numbers(numbers), Reached::Json(Value::Bool(truth))) => {
            numbers.iter().any(|number| {
                compare_numbers(ExactNumber::Integer(i128::from(*truth)), *number)
                    == Some(Ordering::Equal)
            })
        }
        (ConstantSet::Octets(octets), Reached::Octets(value)) => {
            octets.iter().any(|constant| constant == value)
        }
        (ConstantSet::Timestamps(times), Reached::Json(Value::String(value))) => {
            parse_upper_case_timestamp(value).is_some_and(|time| times.contains(&time))
        }
        _ => false,
    }
}

fn exact_number(number: &Number) -> Option<ExactNumber> {
    if let Some(integer) = number.as_i64() {
        Some(ExactNumber::Integer(i128::from(integer)))
    } else if let Some(integer) = number.as_u64() {
        Some(ExactNumber::Integer(i128::from(integer)))
    } else {
        number.as_f64().map(ExactNumber::Float)
    }
}

/// Orders two numbers by their exact values, as Python does for int and float.
pub(super) fn compare_numbers(left: ExactNumber, right: ExactNumber) -> Option<Ordering> {
    match (left, right) {
        (ExactNumber::Integer(left), ExactNumber::Integer(right)) => Some(left.cmp(&right)),
        (ExactNumber::Float(left), ExactNumber::Float(right)) => left.partial_cmp(&right),
        (ExactNumber::Integer(left), ExactNumber::Float(right)) => {
            compare_integer_with_float(left, right)
        }
        (ExactNumber::Float(left), ExactNumber::Integer(right)) => {
            compare_integer_with_float(right, left).map(Ordering::reverse)
        }
    }
}

fn compare_integer_with_float(integer: i128, float: f64) -> Option<Ordering> {
    // 2^100 is far beyond any i128 a JSON number or a constant can give, and exact.
    const BEYOND: f64 = 1_267_650_600_228_229_401_496_703_205_376.0;
    if float.is_nan() {
        return None;
    }
    if float >= BEYOND {
        return Some(Ordering::Less);
    }
    if float <= -BEYOND {
        return Some(Ordering::Greater);
    }
    let whole = float.trunc();
    // Exact: `whole` is an integer of magnitude below 2^100.
    let whole_integer = whole as i128;
    match integer.cmp(&whole_integer) {
        Ordering::Equal => (whole).partial_cmp(&float),
        unequal => Some(unequal),
    }
}

fn normalized(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

fn reached_network(value: &Reached<'_>) -> Option<IpNet> {
    match value {
        Reached::Json(Value::String(text)) => parse_network(text),
        _ => None,
    }
}

/// Whether `outer` holds every address of `inner` (same address family only).
fn contains(outer: &IpNet, inner: &IpNet) -> bool {
    outer.prefix_len() <= inner.prefix_len() && outer.contains(&inner.network())
}
