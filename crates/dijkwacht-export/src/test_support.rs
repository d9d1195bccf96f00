//! Small hand-written STIX objects for the unit tests of every format.

use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::StoredObject;
use serde_json::{Value, json};

/// A stored object made from JSON, with the given TLP level.
pub(crate) fn stored(object: Value, tlp: Option<TlpLevel>) -> StoredObject {
    let text = |key: &str| object[key].as_str().unwrap_or_default().to_owned();
    StoredObject {
        id: text("id"),
        object_type: text("type"),
        spec_version: "2.1".to_owned(),
        version: text("modified"),
        date_added: 0,
        json: object.to_string(),
        tlp,
        owner: None,
    }
}

/// An indicator `indicator--<suffix>` with `pattern`, and `extra` properties merged in.
pub(crate) fn indicator(suffix: &str, pattern: &str, extra: Value) -> Value {
    let mut object = json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{suffix}"),
        "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z",
        "name": format!("indicator {}", &suffix[..4]),
        "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-01-05T10:00:00Z"
    });
    merge(&mut object, extra);
    object
}

/// Merges the properties of `extra` into `object`.
pub(crate) fn merge(object: &mut Value, extra: Value) {
    if let (Some(target), Value::Object(source)) = (object.as_object_mut(), extra) {
        target.extend(source);
    }
}

/// A UUID-shaped id suffix whose first characters are `prefix` (up to eight hex digits).
pub(crate) fn suffix(prefix: &str) -> String {
    format!("{prefix:0<8}-3f40-4a51-8b62-7c8d9e0f1a2b")
}

/// A domain object `<object_type>--<suffix(prefix)>` created on 2026-01-01, with
/// `extra` properties merged in.
pub(crate) fn domain_object(object_type: &str, prefix: &str, extra: Value) -> Value {
    let mut object = json!({
        "type": object_type, "spec_version": "2.1", "id": format!("{object_type}--{}", suffix(prefix)),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
    });
    merge(&mut object, extra);
    object
}
