//! Where the bulk index reads an event's values from. An [`Observation`] is one source;
//! a caller with a compact form of its own (a sensor reader, which sees a million log
//! lines a second) is another: building JSON maps for every line only to read five
//! values back out of them costs more than the lookups. [`ObservedValues`] asks only
//! for the values at one object path, which either form answers cheaply.

use serde_json::Value;

use super::scalar::{Scalar, visit_path_values};
use crate::Observation;
use crate::ast::ObjectPath;

/// A value found at an object path, as the index compares it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ObservedValue<'a> {
    Text(&'a str),
    Integer(i64),
    Float(f64),
    Boolean(bool),
}

impl<'a> ObservedValue<'a> {
    /// The value of a JSON scalar; `None` for null, lists and objects, which no
    /// constant equals.
    pub fn of_json(value: &'a Value) -> Option<ObservedValue<'a>> {
        match value {
            Value::String(text) => Some(ObservedValue::Text(text)),
            Value::Number(number) => match number.as_i64() {
                Some(integer) => Some(ObservedValue::Integer(integer)),
                None => number.as_f64().map(ObservedValue::Float),
            },
            Value::Bool(flag) => Some(ObservedValue::Boolean(*flag)),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }

    /// The value as the index keys it; `None` for a number no constant can equal.
    pub(crate) fn scalar(self) -> Option<Scalar<'a>> {
        match self {
            ObservedValue::Text(text) => Some(Scalar::Text(text)),
            ObservedValue::Integer(integer) => Some(Scalar::Integer(integer)),
            ObservedValue::Float(float) => Scalar::of_float(float),
            ObservedValue::Boolean(flag) => Some(Scalar::Boolean(flag)),
        }
    }
}

/// The values of one observation, by object path.
///
/// Contract: `visit_path` calls `visit` once for every scalar value that the STIX
/// object path `path` (§9.5: following `*_ref`/`*_refs` to the objects they name,
/// list indexes, `[*]`) reaches from every object of type `path.object_type`, exactly as
/// it would on the [`Observation`] the implementor stands for.
pub trait ObservedValues {
    fn visit_path(&self, path: &ObjectPath, visit: &mut dyn FnMut(ObservedValue<'_>));

    /// The JSON observation the values come from, when they do: the index then reads
    /// it object by object, which is faster for JSON maps than path by path.
    fn as_observation(&self) -> Option<&Observation> {
        None
    }
}

impl ObservedValues for Observation {
    fn as_observation(&self) -> Option<&Observation> {
        Some(self)
    }

    fn visit_path(&self, path: &ObjectPath, visit: &mut dyn FnMut(ObservedValue<'_>)) {
        for object in self.objects.values() {
            if object.get("type").and_then(Value::as_str) != Some(path.object_type.as_str()) {
                continue;
            }
            visit_path_values(self, object, &path.property, &path.steps, &mut |value| {
                if let Some(observed) = ObservedValue::of_json(value) {
                    visit(observed);
                }
            });
        }
    }
}
