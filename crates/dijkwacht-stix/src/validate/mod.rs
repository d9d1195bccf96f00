//! Validation of STIX 2.1 objects against the specification's MUST rules (errors) and
//! the SHOULD rules worth telling a producer about (warnings).
//!
//! The engine walks an object once: the common properties of its category and the
//! properties of its type come from [`crate::registry`]; rules that tie properties
//! together live in [`rules`], markings in [`markings`]. Paths are built lazily so that
//! a valid object costs no allocation for them.

mod kinds;
mod location;
mod markings;
mod rules;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Rule};
use crate::object::{ObjectCategory, json_kind};
use crate::registry::{self, PropertySpec};
pub(crate) use location::Location;

/// The findings about one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// True when no MUST rule is broken (warnings allowed).
    pub fn is_valid(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|finding| finding.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|finding| !finding.is_error())
    }
}

/// Reserved property names (§3.1) that no object may use.
const RESERVED_PROPERTIES: [&str; 4] = ["severity", "username", "phone_number", "action"];

/// Validates one STIX object (not a bundle) and reports what is wrong with it.
pub fn validate_object(value: &Value) -> Report {
    let mut checker = Checker {
        object_id: None,
        diagnostics: Vec::new(),
    };
    checker.check_object(value);
    Report {
        diagnostics: checker.diagnostics,
    }
}

/// Collects findings for one object.
pub(crate) struct Checker {
    object_id: Option<String>,
    diagnostics: Vec<Diagnostic>,
}

impl Checker {
    pub(crate) fn report(
        &mut self,
        rule: Rule,
        location: &Location<'_>,
        message: impl Into<String>,
    ) {
        self.diagnostics.push(Diagnostic {
            severity: rule.severity(),
            rule,
            object_id: self.object_id.clone(),
            path: location.render(),
            message: message.into(),
        });
    }

    fn check_object(&mut self, value: &Value) {
        let root = Location::Root;
        let Value::Object(object) = value else {
            self.report(
                Rule::NotAnObject,
                &root,
                format!("expected a JSON object, found {}", json_kind(value)),
            );
            return;
        };
        self.object_id = object.get("id").and_then(Value::as_str).map(str::to_owned);
        let Some(object_type) = object.get("type").and_then(Value::as_str) else {
            let location = root.key("type");
            match object.get("type") {
                None => self.report(Rule::TypeMissing, &location, "the object has no `type`"),
                Some(other) => self.report(
                    Rule::TypeMissing,
                    &location,
                    format!("`type` must be a string, found {}", json_kind(other)),
                ),
            }
            return;
        };
        if object_type == "bundle" {
            self.report(
                Rule::Bundle,
                &root.key("type"),
                "a bundle is not a STIX object; give its objects one by one or validate it as a bundle",
            );
            return;
        }
        if !is_valid_type_name(object_type) {
            self.report(
                Rule::TypeName,
                &root.key("type"),
                format!("'{object_type}' is not a valid type name: use 3-250 characters of a-z, 0-9 and '-', starting with a letter, without '--'"),
            );
        }
        self.check_id(object, object_type);

        let category = ObjectCategory::of(object_type, object);
        let spec = registry::lookup(object_type);
        let common = registry::common_properties(category);
        let specific: &[PropertySpec] = spec.map_or(&[], |spec| spec.properties);

        if spec.is_none() {
            rules::check_custom_object(self, object, object_type, category);
        }

        // One pass over the object: each property is looked up in the type's
        // definition (a hash lookup), checked, and counted if required.
        let owner = registry::owner_key(spec, category);
        let mut required_present = 0usize;
        for (name, value) in object {
            let location = root.key(name);
            match registry::property(owner, name) {
                Some(property) => {
                    required_present += usize::from(property.required);
                    if name != "type" && name != "id" {
                        kinds::check_value(self, &property.kind, value, &location);
                    }
                }
                // Reserved names are never defined, so only unknown names can be one.
                None if RESERVED_PROPERTIES.contains(&name.as_str()) => self.report(
                    Rule::ReservedProperty,
                    &location,
                    format!(
                        "`{name}` is a reserved property name in STIX 2.1 and must not be used"
                    ),
                ),
                None => self.check_custom_property(name, value, &location, spec.is_some()),
            }
        }
        let required_total = common
            .iter()
            .chain(specific)
            .filter(|property| property.required)
            .count();
        if required_present < required_total {
            for property in common.iter().chain(specific) {
                if property.required && !object.contains_key(property.name) {
                    self.report(
                        Rule::RequiredProperty,
                        &root.key(property.name),
                        format!("`{}` is required on {object_type}", property.name),
                    );
                }
            }
        }

        rules::check_common_rules(self, object, category);
        if let Some(spec) = spec {
            rules::check_type_rules(self, object, spec);
        }
        markings::check_granular_markings(self, object);
    }

    fn check_id(&mut self, object: &Map<String, Value>, object_type: &str) {
        let location = Location::Root.key("id");
        let Some(id_value) = object.get("id") else {
            self.report(
                Rule::RequiredProperty,
                &location,
                format!("`id` is required on {object_type}"),
            );
            return;
        };
        let Some(id) = id_value.as_str() else {
            self.report(
                Rule::PropertyType,
                &location,
                format!("`id` must be a string, found {}", json_kind(id_value)),
            );
            return;
        };
        match parse_identifier(id) {
            Err(problem) => self.report(Rule::IdFormat, &location, format!("'{id}' {problem}")),
            Ok((prefix, _)) if prefix != object_type => self.report(
                Rule::IdTypeMismatch,
                &location,
                format!("the id's type '{prefix}' differs from `type` '{object_type}'"),
            ),
            Ok(_) => {}
        }
    }

    fn check_custom_property(
        &mut self,
        name: &str,
        value: &Value,
        location: &Location<'_>,
        standard_type: bool,
    ) {
        if !is_valid_property_name(name) {
            self.report(
                Rule::PropertyName,
                location,
                format!("'{name}' is not a valid property name: use 3-250 characters of a-z, 0-9 and '_'"),
            );
        } else if standard_type && !name.starts_with("x_") && !name.starts_with("x-") {
            self.report(
                Rule::CustomPropertyPrefix,
                location,
                format!("custom property '{name}' should be named x_<source>_<name> or moved into an extension"),
            );
        }
        kinds::check_no_empty_collections(self, value, location);
    }
}

/// Splits `type--uuid`, checking both parts.
pub fn parse_identifier(id: &str) -> Result<(&str, uuid::Uuid), &'static str> {
    let Some((prefix, uuid_text)) = id.split_once("--") else {
        return Err("is not of the form <type>--<UUID>");
    };
    if prefix.is_empty() {
        return Err("has no type before '--'");
    }
    if uuid_text.len() != 36 {
        return Err("does not end in a UUID of the form 8-4-4-4-12 hex digits");
    }
    let Ok(uuid) = uuid::Uuid::try_parse(uuid_text) else {
        return Err("does not end in a UUID of the form 8-4-4-4-12 hex digits");
    };
    if uuid.get_variant() != uuid::Variant::RFC4122 {
        return Err("does not end in an RFC 4122 UUID (its variant bits are wrong)");
    }
    Ok((prefix, uuid))
}

/// §3.1: 3-250 characters of a-z, 0-9 and '-', starting with a letter; no `--`.
pub fn is_valid_type_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (3..=250).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'-')
        && !name.contains("--")
}

/// §3.1: property names are 3-250 characters of a-z, 0-9 and '_' (§11.1 for custom
/// ones); a leading `x_` is counted in.
pub fn is_valid_property_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (3..=250).contains(&bytes.len())
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'_')
}
