//! Object path resolution (STIX 2.1 §9.7): from one root SCO to every value a path
//! reaches, following references to other SCOs of the same observation. It exists
//! apart from the comparisons because what a path reaches is where the matchers of
//! the world differ most, and here every rule of the reference matcher is in one
//! place:
//! - a property whose name ends in `_ref` holds the key of another SCO of the same
//!   observation, and the path goes on in that SCO; a key that names no SCO of the
//!   observation reaches nothing;
//! - a property ending in `_refs` holds a list of such keys; it becomes the list of
//!   the SCOs found (keys that name none are left out), which `[n]` and `[*]` index;
//! - a property ending in `_hex` or `_bin` is read as octets (hex or base64), the
//!   native format of binary properties (§9.6.4); one that does not decode reaches
//!   nothing;
//! - `[n]` reaches element n of a list (n from 0; out of range or negative: nothing),
//!   `[*]` every element; a key on anything but an object, or an index on anything but
//!   a list, reaches nothing.

use base64::Engine as _;
use serde_json::{Map, Value};

use super::compile::CompiledPath;
use crate::ast::PathStep;
use crate::observation::Observation;

/// A value reached by a path.
#[derive(Debug, Clone)]
pub(super) enum Reached<'a> {
    Json(&'a Value),
    /// An SCO reached through a `_ref` property.
    Object(&'a Map<String, Value>),
    /// The decoded octets of a `_hex` or `_bin` property.
    Octets(Vec<u8>),
    /// The SCOs reached through a `_refs` property, in the order of its keys.
    Objects(Vec<&'a Map<String, Value>>),
}

/// Calls `visit` on each value `path` reaches from `root` until it returns true;
/// returns whether it did.
pub(super) fn any_reached<'a>(
    root: &'a Map<String, Value>,
    path: &CompiledPath,
    observation: &'a Observation,
    mut visit: impl FnMut(&Reached<'a>) -> bool,
) -> bool {
    if path.is_plain {
        let mut value = root.get(&path.first_property);
        for step in &path.steps {
            value = match (value, step) {
                (Some(Value::Object(map)), PathStep::Key(key)) => map.get(key),
                _ => None,
            };
        }
        return value.is_some_and(|value| visit(&Reached::Json(value)));
    }
    let mut frontier = Vec::new();
    step_into_key(
        &Reached::Object(root),
        &path.first_property,
        observation,
        &mut frontier,
    );
    let mut next = Vec::new();
    for step in &path.steps {
        if frontier.is_empty() {
            return false;
        }
        for reached in &frontier {
            match step {
                PathStep::Key(key) => step_into_key(reached, key, observation, &mut next),
                PathStep::Index(index) => step_into_index(reached, *index, &mut next),
                PathStep::AnyIndex => step_into_every_element(reached, &mut next),
            }
        }
        std::mem::swap(&mut frontier, &mut next);
        next.clear();
    }
    frontier.iter().any(visit)
}

fn step_into_key<'a>(
    reached: &Reached<'a>,
    key: &str,
    observation: &'a Observation,
    into: &mut Vec<Reached<'a>>,
) {
    let map = match reached {
        Reached::Json(Value::Object(map)) => map,
        Reached::Object(map) => *map,
        _ => return,
    };
    let Some(value) = map.get(key) else {
        return;
    };
    if key.ends_with("_hex") {
        if let Some(octets) = value.as_str().and_then(decode_hex) {
            into.push(Reached::Octets(octets));
        }
    } else if key.ends_with("_bin") {
        if let Some(octets) = value.as_str().and_then(decode_base64_leniently) {
            into.push(Reached::Octets(octets));
        }
    } else if key.ends_with("_ref") {
        if let Some(object) = value.as_str().and_then(|id| observation.objects.get(id)) {
            into.push(Reached::Object(object));
        }
    } else if key.ends_with("_refs") {
        let Some(keys) = value.as_array() else {
            return;
        };
        let objects: Vec<_> = keys
            .iter()
            .filter_map(|id| observation.objects.get(id.as_str()?))
            .collect();
        if !objects.is_empty() {
            into.push(Reached::Objects(objects));
        }
    } else {
        into.push(Reached::Json(value));
    }
}

fn step_into_index<'a>(reached: &Reached<'a>, index: i64, into: &mut Vec<Reached<'a>>) {
    let Ok(index) = usize::try_from(index) else {
        return;
    };
    match reached {
        Reached::Json(Value::Array(elements)) => {
            into.extend(elements.get(index).map(Reached::Json));
        }
        Reached::Objects(objects) => into.extend(objects.get(index).map(|o| Reached::Object(o))),
        _ => {}
    }
}

fn step_into_every_element<'a>(reached: &Reached<'a>, into: &mut Vec<Reached<'a>>) {
    match reached {
        Reached::Json(Value::Array(elements)) => into.extend(elements.iter().map(Reached::Json)),
        Reached::Objects(objects) => into.extend(objects.iter().map(|o| Reached::Object(o))),
        _ => {}
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            let digits = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(digits, 16).ok()
        })
        .collect()
}

/// Base64 as Python's `base64.standard_b64decode` reads it: characters outside the
/// alphabet (line feeds, say) are skipped, padding must be right.
fn decode_base64_leniently(text: &str) -> Option<Vec<u8>> {
    let kept: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(kept).ok()
}
