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

/// An indicator id that looks random, as UUIDv4s do (so that, as in real data, new ids
/// land all over the id index rather than at its end), yet is the same in every run.
pub fn scattered_indicator_id(number: u32) -> String {
    let mut state = u64::from(number).wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut next = || {
        // splitmix64
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    };
    let (high, low) = (next(), next());
    format!(
        "indicator--{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xFFFF,
        high & 0xFFF,
        0x8000 | ((low >> 48) & 0x3FFF),
        low & 0xFFFF_FFFF_FFFF
    )
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
