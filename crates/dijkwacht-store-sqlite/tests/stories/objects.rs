//! Test objects for the stories: small, valid STIX 2.1 objects built from a number, so a
//! story reads as "indicator 1 at noon" rather than as a page of JSON.

use dijkwacht_stix::{StixObject, Timestamp};
use dijkwacht_store::PreparedObject;
use serde_json::{Value, json};

/// An object ready for the store, as the pipeline would hand it over.
pub fn prepared(value: Value) -> PreparedObject {
    let object = StixObject::from_value(value).expect("test objects have a type and an id");
    PreparedObject::from_object(&object)
}

pub fn indicator_id(number: u32) -> String {
    format!("indicator--00000000-0000-4000-8000-{number:012}")
}

/// Indicator `number` in the version `modified`.
pub fn indicator(number: u32, modified: &str, name: &str, description: &str) -> PreparedObject {
    indicator_with_id(&indicator_id(number), number, modified, name, description)
}

/// An indicator with the given id; `number` picks its pattern.
pub fn indicator_with_id(
    id: &str,
    number: u32,
    modified: &str,
    name: &str,
    description: &str,
) -> PreparedObject {
    prepared(json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": "2024-01-01T00:00:00.000Z",
        "modified": modified,
        "name": name,
        "description": description,
        "indicator_types": ["malicious-activity"],
        "pattern": format!("[ipv4-addr:value = '198.51.100.{}']", number % 256),
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }))
}

pub fn malware_id(number: u32) -> String {
    format!("malware--00000000-0000-4000-8000-{number:012}")
}

pub fn malware(number: u32, modified: &str, name: &str) -> PreparedObject {
    prepared(json!({
        "type": "malware",
        "spec_version": "2.1",
        "id": malware_id(number),
        "created": "2024-01-01T00:00:00.000Z",
        "modified": modified,
        "name": name,
        "is_family": true,
    }))
}

pub fn ipv4_id(number: u32) -> String {
    format!("ipv4-addr--00000000-0000-5000-8000-{number:012}")
}

/// An unversioned object (an SCO); `note` stands for content that may change.
pub fn ipv4(number: u32, value: &str, note: Option<&str>) -> PreparedObject {
    let mut object = json!({
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": ipv4_id(number),
        "value": value,
    });
    if let Some(note) = note {
        object["x_note"] = Value::String(note.to_owned());
    }
    prepared(object)
}

/// The version key under which a timestamp's version is stored and selected.
pub fn version_key(timestamp: &str) -> String {
    Timestamp::parse(timestamp)
        .expect("test timestamps are valid")
        .sort_key()
}
