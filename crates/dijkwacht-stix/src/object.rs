//! A STIX object as Dijkwacht holds it: the JSON object itself, untouched, with typed
//! access to the properties everything else needs.
//!
//! Keeping the JSON rather than a struct per type is what makes custom properties,
//! custom objects and extensions lossless: whatever came in goes out with the same
//! meaning. The typed knowledge of each type lives in [`crate::registry`] and is applied
//! by [`crate::validate`].

use serde_json::{Map, Value};

use crate::registry;
use crate::timestamp::Timestamp;

/// The kinds of STIX object (§2.1–2.3), which decide the common properties that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectCategory {
    /// STIX Domain Object, standard or custom (`x-…` with versioning properties).
    Domain,
    /// STIX Relationship Object: relationship and sighting (and custom `new-sro`).
    Relationship,
    /// STIX Cyber-observable Object, standard or custom (`new-sco`).
    Observable,
    /// marking-definition, language-content, extension-definition.
    Meta,
}

impl ObjectCategory {
    /// The category of an object of `object_type` with the given properties. Standard
    /// types are looked up; custom ones are told by their extension declaration
    /// (`new-sdo`, `new-sco`, `new-sro`) or, lacking one, by whether they carry `created`.
    pub fn of(object_type: &str, object: &Map<String, Value>) -> ObjectCategory {
        if let Some(spec) = registry::lookup(object_type) {
            return spec.category;
        }
        if let Some(Value::Object(extensions)) = object.get("extensions") {
            for extension in extensions.values() {
                match extension.get("extension_type").and_then(Value::as_str) {
                    Some("new-sco") => return ObjectCategory::Observable,
                    Some("new-sro") => return ObjectCategory::Relationship,
                    Some("new-sdo") => return ObjectCategory::Domain,
                    _ => {}
                }
            }
        }
        if object.contains_key("created") {
            ObjectCategory::Domain
        } else {
            ObjectCategory::Observable
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ObjectCategory::Domain => "SDO",
            ObjectCategory::Relationship => "SRO",
            ObjectCategory::Observable => "SCO",
            ObjectCategory::Meta => "meta object",
        }
    }
}

/// Why a JSON value cannot even be held as a STIX object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectShapeError {
    #[error("expected a JSON object, found {0}")]
    NotAnObject(&'static str),
    #[error("the object has no string `type`")]
    NoType,
    #[error("the object has no string `id`")]
    NoId,
}

/// A JSON object with a string `type` and `id`. Holding one says nothing about
/// validity; [`crate::validate_object`] decides that.
#[derive(Debug, Clone, PartialEq)]
pub struct StixObject {
    properties: Map<String, Value>,
}

impl StixObject {
    /// Wraps a JSON value that is an object with string `type` and `id`.
    pub fn from_value(value: Value) -> Result<StixObject, ObjectShapeError> {
        let Value::Object(properties) = value else {
            return Err(ObjectShapeError::NotAnObject(json_kind(&value)));
        };
        if !matches!(properties.get("type"), Some(Value::String(_))) {
            return Err(ObjectShapeError::NoType);
        }
        if !matches!(properties.get("id"), Some(Value::String(_))) {
            return Err(ObjectShapeError::NoId);
        }
        Ok(StixObject { properties })
    }

    pub fn object_type(&self) -> &str {
        self.str_property("type").unwrap_or_default()
    }

    pub fn id(&self) -> &str {
        self.str_property("id").unwrap_or_default()
    }

    pub fn category(&self) -> ObjectCategory {
        ObjectCategory::of(self.object_type(), &self.properties)
    }

    /// `spec_version`, which SCOs may omit (it then defaults to 2.1).
    pub fn spec_version(&self) -> &str {
        self.str_property("spec_version").unwrap_or("2.1")
    }

    pub fn created(&self) -> Option<Timestamp> {
        self.str_property("created")
            .and_then(|text| Timestamp::parse(text).ok())
    }

    pub fn modified(&self) -> Option<Timestamp> {
        self.str_property("modified")
            .and_then(|text| Timestamp::parse(text).ok())
    }

    /// The string that names this version as TAXII reports it: `modified`, else
    /// `created`, else `None` (an unversioned object such as an SCO).
    pub fn version_text(&self) -> Option<&str> {
        self.str_property("modified")
            .or_else(|| self.str_property("created"))
    }

    /// The instant of this version (see [`StixObject::version_text`]).
    pub fn version(&self) -> Option<Timestamp> {
        self.version_text()
            .and_then(|text| Timestamp::parse(text).ok())
    }

    pub fn revoked(&self) -> bool {
        matches!(self.properties.get("revoked"), Some(Value::Bool(true)))
    }

    pub fn created_by_ref(&self) -> Option<&str> {
        self.str_property("created_by_ref")
    }

    /// The ids in `object_marking_refs`.
    pub fn object_marking_refs(&self) -> impl Iterator<Item = &str> {
        self.properties
            .get("object_marking_refs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// The human name, for listings and full-text search: `name`, or for objects
    /// without one the `value`, `path` or `key` that identifies them.
    pub fn display_name(&self) -> Option<&str> {
        ["name", "value", "path", "key", "subject"]
            .iter()
            .find_map(|key| self.str_property(key))
    }

    pub fn description(&self) -> Option<&str> {
        self.str_property("description")
    }

    pub fn get(&self, property: &str) -> Option<&Value> {
        self.properties.get(property)
    }

    pub fn str_property(&self, property: &str) -> Option<&str> {
        self.properties.get(property).and_then(Value::as_str)
    }

    pub fn properties(&self) -> &Map<String, Value> {
        &self.properties
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.properties)
    }

    /// Compact JSON with keys in sorted order: equal objects serialise equally.
    pub fn to_canonical_json(&self) -> String {
        // Serialising a map of JSON values cannot fail.
        serde_json::to_string(&self.properties).unwrap_or_default()
    }
}

/// The JSON type of a value, in words, for messages.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
