//! Rules that tie properties together or depend on the type: version order and
//! precision, time ranges, required-one-of and mutually exclusive properties,
//! extensions, marking definitions, patterns, and the deterministic SCO id.

use serde_json::{Map, Value};

use super::kinds::check_extension_properties;
use super::{Checker, Location, is_valid_type_name, parse_identifier};
use crate::diagnostic::Rule;
use crate::object::ObjectCategory;
use crate::registry::TypeSpec;
use crate::scoid;
use crate::timestamp::Timestamp;
use crate::tlp;

fn timestamp_of(object: &Map<String, Value>, name: &str) -> Option<Timestamp> {
    object
        .get(name)
        .and_then(Value::as_str)
        .and_then(|text| Timestamp::parse(text).ok())
}

/// Rules every object of a category follows.
pub(super) fn check_common_rules(
    checker: &mut Checker,
    object: &Map<String, Value>,
    category: ObjectCategory,
) {
    let root = Location::Root;
    if let Some(version) = object.get("spec_version") {
        if version.as_str() != Some("2.1") {
            checker.report(
                Rule::SpecVersion,
                &root.key("spec_version"),
                format!("`spec_version` must be \"2.1\", found {version}"),
            );
        }
    }
    let created = timestamp_of(object, "created");
    let modified = timestamp_of(object, "modified");
    for (name, stamp) in [("created", created), ("modified", modified)] {
        if let Some(stamp) = stamp {
            if stamp.fraction_digits() < 3 {
                checker.report(
                    Rule::TimestampPrecision,
                    &root.key(name),
                    format!("`{name}` must carry at least millisecond precision (e.g. 2024-01-31T12:00:00.000Z)"),
                );
            }
        }
    }
    if let (Some(created), Some(modified)) = (created, modified) {
        if modified < created {
            checker.report(
                Rule::ModifiedBeforeCreated,
                &root.key("modified"),
                "`modified` is earlier than `created`",
            );
        }
    }
    if let Some(Value::String(language)) = object.get("lang") {
        if !is_language_tag(language) {
            checker.report(
                Rule::PropertyType,
                &root.key("lang"),
                format!("'{language}' is not an RFC 5646 language tag"),
            );
        }
    }
    if let Some(Value::Array(markings)) = object.get("object_marking_refs") {
        if let Some(own_id) = object.get("id").and_then(Value::as_str) {
            if markings
                .iter()
                .any(|marking| marking.as_str() == Some(own_id))
            {
                checker.report(
                    Rule::ReferenceType,
                    &root.key("object_marking_refs"),
                    "a marking definition must not mark itself",
                );
            }
        }
    }
    check_encoding_companions(checker, object);
    check_extensions(checker, object, category);
}

/// Rules of one standard type.
pub(super) fn check_type_rules(
    checker: &mut Checker,
    object: &Map<String, Value>,
    spec: &TypeSpec,
) {
    let root = Location::Root;
    let later_not_before = |checker: &mut Checker, earlier: &str, later: &str, strictly: bool| {
        if let (Some(first), Some(last)) =
            (timestamp_of(object, earlier), timestamp_of(object, later))
        {
            let wrong = if strictly {
                last <= first
            } else {
                last < first
            };
            if wrong {
                let relation = if strictly {
                    "later than"
                } else {
                    "at or after"
                };
                checker.report(
                    Rule::TimeOrder,
                    &root.key(later),
                    format!("`{later}` must be {relation} `{earlier}`"),
                );
            }
        }
    };
    let exactly_one_of = |checker: &mut Checker, names: &[&str], why: &str| {
        let present = names
            .iter()
            .filter(|name| object.contains_key(**name))
            .count();
        if present != 1 {
            let list = names
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(" or ");
            checker.report(
                Rule::ConditionalProperty,
                &root,
                format!("exactly one of {list} must be present{why}"),
            );
        }
    };
    let at_least_one_of = |checker: &mut Checker, names: &[&str]| {
        if !names.iter().any(|name| object.contains_key(*name)) {
            let list = names
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ");
            checker.report(
                Rule::ConditionalProperty,
                &root,
                format!("at least one of {list} is required"),
            );
        }
    };
    let requires = |checker: &mut Checker, present: &str, needed: &str| {
        if object.contains_key(present) && !object.contains_key(needed) {
            checker.report(
                Rule::ConditionalProperty,
                &root.key(present),
                format!("`{present}` may only be given with `{needed}`"),
            );
        }
    };
    match spec.name {
        "campaign" | "infrastructure" | "intrusion-set" | "threat-actor" | "malware" => {
            later_not_before(checker, "first_seen", "last_seen", false);
        }
        "indicator" => {
            later_not_before(checker, "valid_from", "valid_until", true);
            check_indicator_pattern(checker, object);
        }
        "location" => {
            if object.contains_key("latitude") != object.contains_key("longitude") {
                checker.report(
                    Rule::ConditionalProperty,
                    &root,
                    "`latitude` and `longitude` go together",
                );
            }
            requires(checker, "precision", "latitude");
            at_least_one_of(checker, &["region", "country", "latitude"]);
        }
        "malware-analysis" => at_least_one_of(checker, &["result", "analysis_sco_refs"]),
        "observed-data" => {
            later_not_before(checker, "first_observed", "last_observed", false);
            exactly_one_of(
                checker,
                &["objects", "object_refs"],
                " (`objects` is deprecated)",
            );
            if object.contains_key("objects") {
                checker.report(
                    Rule::Deprecated,
                    &root.key("objects"),
                    "`objects` is deprecated in STIX 2.1; use `object_refs`",
                );
            }
        }
        "relationship" => {
            later_not_before(checker, "start_time", "stop_time", true);
            if let Some(Value::String(kind)) = object.get("relationship_type") {
                let valid = !kind.is_empty()
                    && kind.bytes().all(|byte| {
                        byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-'
                    });
                if !valid {
                    checker.report(
                        Rule::PropertyType,
                        &root.key("relationship_type"),
                        format!("'{kind}' must use only a-z, 0-9 and '-'"),
                    );
                }
            }
        }
        "sighting" => later_not_before(checker, "first_seen", "last_seen", false),
        "artifact" => {
            if object.contains_key("payload_bin") && object.contains_key("url") {
                checker.report(
                    Rule::ConditionalProperty,
                    &root,
                    "`payload_bin` and `url` must not both be present",
                );
            }
            requires(checker, "url", "hashes");
            requires(checker, "decryption_key", "encryption_algorithm");
        }
        "email-message" => {
            let multipart = object.get("is_multipart").and_then(Value::as_bool);
            if multipart == Some(true) && object.contains_key("body") {
                checker.report(
                    Rule::ConditionalProperty,
                    &root.key("body"),
                    "`body` must not be present when `is_multipart` is true; use `body_multipart`",
                );
            }
            if multipart == Some(false) && object.contains_key("body_multipart") {
                checker.report(
                    Rule::ConditionalProperty,
                    &root.key("body_multipart"),
                    "`body_multipart` must not be present when `is_multipart` is false",
                );
            }
        }
        "file" => at_least_one_of(checker, &["hashes", "name"]),
        "network-traffic" => {
            at_least_one_of(checker, &["src_ref", "dst_ref"]);
            later_not_before(checker, "start", "end", false);
            if object.get("is_active") == Some(&Value::Bool(true)) && object.contains_key("end") {
                checker.report(
                    Rule::ConditionalProperty,
                    &root.key("end"),
                    "`end` must not be present when `is_active` is true",
                );
            }
        }
        "process" | "windows-registry-key" => {
            if !object.keys().any(|key| {
                !matches!(
                    key.as_str(),
                    "type"
                        | "id"
                        | "spec_version"
                        | "object_marking_refs"
                        | "granular_markings"
                        | "defanged"
                )
            }) {
                checker.report(
                    Rule::ConditionalProperty,
                    &root,
                    format!(
                        "a {} must have at least one property beyond the common ones",
                        spec.name
                    ),
                );
            }
        }
        "x509-certificate" => {
            if !object.keys().any(|key| {
                !matches!(
                    key.as_str(),
                    "type"
                        | "id"
                        | "spec_version"
                        | "object_marking_refs"
                        | "granular_markings"
                        | "defanged"
                        | "extensions"
                )
            }) {
                checker.report(
                    Rule::ConditionalProperty,
                    &root,
                    "an x509-certificate must have at least one of its specific properties",
                );
            }
            later_not_before(checker, "validity_not_before", "validity_not_after", false);
        }
        "marking-definition" => check_marking_definition(checker, object),
        "extension-definition" => {
            let toplevel = object
                .get("extension_types")
                .and_then(Value::as_array)
                .is_some_and(|kinds| {
                    kinds
                        .iter()
                        .any(|kind| kind == "toplevel-property-extension")
                });
            if object.contains_key("extension_properties") && !toplevel {
                checker.report(
                    Rule::ExtensionDefinition,
                    &root.key("extension_properties"),
                    "`extension_properties` is only allowed with a toplevel-property-extension",
                );
            }
        }
        "language-content" => {}
        _ => {}
    }
    if spec.name == "malware"
        && object.get("is_family") == Some(&Value::Bool(true))
        && !object.contains_key("name")
    {
        checker.report(
            Rule::RequiredProperty,
            &root.key("name"),
            "`name` is required on a malware family (`is_family` is true)",
        );
    }
    if spec.category == ObjectCategory::Observable {
        check_observable_id(checker, object, spec);
    } else {
        check_uuid_version(checker, object);
    }
}

/// Custom (non-standard) object types: naming and the extension declaration.
pub(super) fn check_custom_object(
    checker: &mut Checker,
    object: &Map<String, Value>,
    object_type: &str,
    category: ObjectCategory,
) {
    if !is_valid_type_name(object_type) {
        return;
    }
    let declared = object
        .get("extensions")
        .and_then(Value::as_object)
        .is_some_and(|extensions| {
            extensions.iter().any(|(key, value)| {
                key.starts_with("extension-definition--")
                    && matches!(
                        value.get("extension_type").and_then(Value::as_str),
                        Some("new-sdo" | "new-sco" | "new-sro")
                    )
            })
        });
    if !declared && !object_type.starts_with("x-") {
        checker.report(
            Rule::CustomObjectPrefix,
            &Location::Root.key("type"),
            format!("custom type '{object_type}' should start with x- or be declared by an extension-definition (new-sdo, new-sco or new-sro)"),
        );
    }
    let _ = category;
}

fn check_indicator_pattern(checker: &mut Checker, object: &Map<String, Value>) {
    if object.get("pattern_type").and_then(Value::as_str) != Some("stix") {
        return;
    }
    if let Some(Value::String(pattern)) = object.get("pattern") {
        if let Err(problem) = crate::pattern::parse(pattern) {
            checker.report(
                Rule::Pattern,
                &Location::Root.key("pattern"),
                format!("not a valid STIX pattern: {problem}"),
            );
        }
    }
}

fn check_marking_definition(checker: &mut Checker, object: &Map<String, Value>) {
    let root = Location::Root;
    let has_extensions = object
        .get("extensions")
        .and_then(Value::as_object)
        .is_some_and(|map| !map.is_empty());
    let definition_type = object.get("definition_type").and_then(Value::as_str);
    let definition = object.get("definition");
    match (definition_type, definition) {
        (Some(_), None) => checker.report(Rule::MarkingDefinition, &root.key("definition"), "`definition` is required with `definition_type`"),
        (None, Some(_)) => checker.report(Rule::MarkingDefinition, &root.key("definition_type"), "`definition_type` is required with `definition`"),
        (None, None) if !has_extensions => checker.report(
            Rule::MarkingDefinition,
            &root,
            "a marking definition needs `definition_type` and `definition`, or an extension such as TLP 2.0",
        ),
        _ => {}
    }
    let tlp2_value = object
        .get("extensions")
        .and_then(|extensions| extensions.get(tlp::TLP2_EXTENSION))
        .map(|extension| extension.get("tlp_2_0").and_then(Value::as_str));
    if let Some(value) = tlp2_value {
        let id = object.get("id").and_then(Value::as_str).unwrap_or_default();
        let expected = tlp::tlp2_level_of_marking(id);
        if expected.is_none() || expected.map(tlp::TlpLevel::name) != value {
            checker.report(
                Rule::MarkingDefinition,
                &root.key("extensions").key(tlp::TLP2_EXTENSION),
                "a TLP 2.0 marking must use the canonical id of its level with the matching tlp_2_0 value; refer to the five FIRST marking-definitions instead of minting new ones",
            );
        }
    }
    if let (Some(kind), Some(definition)) = (definition_type, definition) {
        let definition_at = root.key("definition");
        match kind {
            "statement" => {
                if !definition.get("statement").is_some_and(Value::is_string) {
                    checker.report(
                        Rule::MarkingDefinition,
                        &definition_at,
                        "a statement marking's definition is {\"statement\": \"…\"}",
                    );
                }
            }
            "tlp" => {
                let id = object.get("id").and_then(Value::as_str).unwrap_or_default();
                match tlp::tlp1_canonical_object(id) {
                    Some(canonical) if Value::Object(object.clone()) == canonical => {}
                    Some(_) => checker.report(
                        Rule::MarkingDefinition,
                        &root,
                        "a TLP 1.0 marking must be exactly the object STIX 2.1 §7.2.1.4 defines for its id (same name, created and definition, nothing added)",
                    ),
                    None => checker.report(
                        Rule::MarkingDefinition,
                        &root.key("id"),
                        "TLP 1.0 markings must be one of the four fixed marking-definitions of STIX 2.1 §7.2.1.4; refer to those ids instead of minting new ones",
                    ),
                }
            }
            _ => {
                if !definition.is_object() {
                    checker.report(
                        Rule::PropertyType,
                        &definition_at,
                        "`definition` must be an object",
                    );
                }
            }
        }
    }
}

/// `_enc` companions need the property they describe (§3.1 observed encoding).
fn check_encoding_companions(checker: &mut Checker, object: &Map<String, Value>) {
    for key in object.keys() {
        if let Some(base) = key.strip_suffix("_enc") {
            if !object.contains_key(base) {
                checker.report(
                    Rule::ConditionalProperty,
                    &Location::Root.key(key),
                    format!("`{key}` may only be given together with `{base}`"),
                );
            }
        }
    }
}

fn check_extensions(checker: &mut Checker, object: &Map<String, Value>, category: ObjectCategory) {
    let Some(value) = object.get("extensions") else {
        return;
    };
    let at = Location::Root.key("extensions");
    let Value::Object(extensions) = value else {
        checker.report(Rule::Extension, &at, "`extensions` must be a dictionary");
        return;
    };
    if extensions.is_empty() {
        checker.report(
            Rule::EmptyDictionary,
            &at,
            "`extensions` must not be empty; omit it instead",
        );
    }
    let object_type = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let spec = crate::registry::lookup(object_type);
    for (name, content) in extensions {
        let entry_at = at.key(name);
        if !content.is_object() {
            checker.report(Rule::Extension, &entry_at, "an extension must be an object");
            continue;
        }
        if let Some(definition) = name.strip_prefix("extension-definition--") {
            if uuid::Uuid::try_parse(definition).is_err() {
                checker.report(
                    Rule::Extension,
                    &entry_at,
                    format!("'{name}' is not a valid extension-definition id"),
                );
            }
            match content.get("extension_type") {
                None => checker.report(
                    Rule::Extension,
                    &entry_at.key("extension_type"),
                    "an extension keyed by an extension-definition id needs `extension_type`",
                ),
                Some(Value::String(kind)) if !crate::registry::vocab::EXTENSION_TYPE.contains(&kind.as_str()) => checker.report(
                    Rule::EnumValue,
                    &entry_at.key("extension_type"),
                    format!("'{kind}' is not one of: {}", crate::registry::vocab::EXTENSION_TYPE.join(", ")),
                ),
                Some(Value::String(kind)) if kind == "toplevel-property-extension" && content.as_object().is_some_and(|map| map.len() > 1) => checker.report(
                    Rule::Extension,
                    &entry_at,
                    "a toplevel-property-extension puts its properties at the top level of the object, not inside the extension",
                ),
                Some(Value::String(_)) => {}
                Some(_) => checker.report(Rule::PropertyType, &entry_at.key("extension_type"), "`extension_type` must be a string"),
            }
            continue;
        }
        let predefined = spec.and_then(|spec| {
            spec.extensions
                .iter()
                .find(|extension| extension.name == name)
        });
        match predefined {
            Some(extension) => check_extension_properties(checker, extension.properties, content, &entry_at),
            None if name.ends_with("-ext") && is_valid_type_name(name) => {
                // A custom extension of the deprecated §11 kind: accepted and kept.
                if category == ObjectCategory::Observable && spec.is_some() && !name.starts_with("x-") {
                    checker.report(Rule::Deprecated, &entry_at, format!("custom extension '{name}' should be defined by an extension-definition"));
                }
            }
            None => checker.report(
                Rule::Extension,
                &entry_at,
                format!("'{name}' is neither an extension-definition id nor a predefined extension of {object_type}"),
            ),
        }
    }
}

fn check_observable_id(checker: &mut Checker, object: &Map<String, Value>, spec: &TypeSpec) {
    let Some(id) = object.get("id").and_then(Value::as_str) else {
        return;
    };
    let Ok((_, uuid)) = parse_identifier(id) else {
        return;
    };
    if let Some(expected) = scoid::deterministic_id(spec.name, object) {
        if expected != id {
            checker.report(
                Rule::ScoIdNotDeterministic,
                &Location::Root.key("id"),
                format!("the id computed from the id-contributing properties is {expected}"),
            );
        }
    } else if uuid.get_version_num() != 4 {
        checker.report(
            Rule::UuidVersion,
            &Location::Root.key("id"),
            "an SCO without id-contributing properties should have a UUIDv4 id",
        );
    }
}

fn check_uuid_version(checker: &mut Checker, object: &Map<String, Value>) {
    let Some(id) = object.get("id").and_then(Value::as_str) else {
        return;
    };
    if let Ok((_, uuid)) = parse_identifier(id) {
        if uuid.get_version_num() != 4 {
            checker.report(
                Rule::UuidVersion,
                &Location::Root.key("id"),
                format!(
                    "the id should be a UUIDv4, it is a UUIDv{}",
                    uuid.get_version_num()
                ),
            );
        }
    }
}

/// A loose RFC 5646 check: subtags of 1-8 letters or digits separated by '-'.
fn is_language_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.split('-').all(|subtag| {
            (1..=8).contains(&subtag.len())
                && subtag.bytes().all(|byte| byte.is_ascii_alphanumeric())
        })
        && tag
            .split('-')
            .next()
            .is_some_and(|first| first.bytes().all(|byte| byte.is_ascii_alphabetic()))
}
