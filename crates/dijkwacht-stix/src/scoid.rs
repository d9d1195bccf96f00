//! Deterministic identifiers of cyber-observable objects (§2.9).
//!
//! Two producers who see the same IP address should mint the same `ipv4-addr` id, so
//! that sightings of it meet. The id is a UUIDv5 in the STIX namespace over the JCS
//! (RFC 8785) serialisation of the type's id-contributing properties that are present.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::registry;

/// The STIX namespace for UUIDv5 SCO ids.
pub const STIX_NAMESPACE: Uuid = Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);

/// The preference order for the one hash that contributes to an id.
const HASH_PREFERENCE: [&str; 4] = ["MD5", "SHA-1", "SHA-256", "SHA-512"];

/// The id an SCO of `object_type` with `properties` should carry, or `None` when the
/// type is not a standard SCO or none of its id-contributing properties is present (the
/// id is then a UUIDv4).
pub fn deterministic_id(object_type: &str, properties: &Map<String, Value>) -> Option<String> {
    let spec = registry::lookup(object_type)?;
    let mut contributing = Map::new();
    for name in spec.id_contributing {
        let Some(value) = properties.get(*name) else {
            continue;
        };
        if *name == "hashes" {
            if let Some(chosen) = choose_one_hash(value) {
                contributing.insert((*name).to_owned(), chosen);
            }
        } else {
            contributing.insert((*name).to_owned(), value.clone());
        }
    }
    if contributing.is_empty() {
        return None;
    }
    let canonical = serde_jcs::to_string(&Value::Object(contributing)).ok()?;
    let uuid = Uuid::new_v5(&STIX_NAMESPACE, canonical.as_bytes());
    Some(format!("{object_type}--{uuid}"))
}

fn choose_one_hash(hashes: &Value) -> Option<Value> {
    let hashes = hashes.as_object()?;
    let key = HASH_PREFERENCE
        .iter()
        .copied()
        .find(|preferred| hashes.contains_key(*preferred))
        .or_else(|| hashes.keys().next().map(String::as_str))?;
    let mut chosen = Map::new();
    chosen.insert(key.to_owned(), hashes.get(key)?.clone());
    Some(Value::Object(chosen))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn id_of(value: Value) -> Option<String> {
        let object = value.as_object().cloned().unwrap_or_default();
        let object_type = object
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        deterministic_id(&object_type, &object)
    }

    #[test]
    fn matches_the_specification_examples() {
        assert_eq!(
            id_of(json!({"type": "ipv4-addr", "value": "198.51.100.3"})).as_deref(),
            Some("ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4")
        );
        assert_eq!(
            id_of(json!({"type": "domain-name", "value": "example.com"})).as_deref(),
            Some("domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7")
        );
    }

    #[test]
    fn one_hash_contributes_preferring_md5() {
        let both = id_of(json!({"type": "file", "hashes": {"SHA-256": "aa", "MD5": "bb"}}));
        let md5_only = id_of(json!({"type": "file", "hashes": {"MD5": "bb"}}));
        assert_eq!(both, md5_only);
        assert!(both.is_some());
    }

    #[test]
    fn process_and_empty_objects_have_no_deterministic_id() {
        assert_eq!(id_of(json!({"type": "process", "pid": 4})), None);
        assert_eq!(id_of(json!({"type": "file", "size": 3})), None);
        assert_eq!(id_of(json!({"type": "x-custom", "value": "a"})), None);
    }
}
