//! Checks a property's value against its [`Kind`]: JSON type, ranges, vocabularies,
//! reference targets, and the structure of the common nested types (external
//! references, kill chain phases, hashes, extensions).

use base64::Engine as _;
use serde_json::Value;

use super::{Checker, Location, is_valid_property_name, parse_identifier};
use crate::diagnostic::Rule;
use crate::object::json_kind;
use crate::registry::{self, Kind, PropertySpec, Target, vocab};
use crate::timestamp::Timestamp;

pub(super) fn check_value(checker: &mut Checker, kind: &Kind, value: &Value, at: &Location<'_>) {
    match kind {
        Kind::String => expect_string(checker, value, at).map_or((), |_| ()),
        Kind::Boolean => {
            if !value.is_boolean() {
                wrong_type(checker, "a boolean", value, at);
            }
        }
        Kind::Timestamp => check_timestamp(checker, value, at),
        Kind::Integer { min, max } => check_integer(checker, value, *min, *max, at),
        Kind::Float { min, max } => match value.as_f64() {
            Some(number) if number < *min || number > *max => checker.report(
                Rule::IntegerRange,
                at,
                format!("{number} is outside the allowed range {min} to {max}"),
            ),
            Some(_) => {}
            None => wrong_type(checker, "a number", value, at),
        },
        Kind::Ref(target) => check_reference(checker, *target, value, at),
        Kind::Refs(target) => {
            if let Some(items) = expect_list(checker, value, at) {
                for (index, item) in items.iter().enumerate() {
                    check_reference(checker, *target, item, &at.index(index));
                }
            }
        }
        Kind::Enum(allowed) => {
            if let Some(text) = expect_string(checker, value, at) {
                check_enum(checker, allowed, text, at);
            }
        }
        Kind::OpenVocab(suggested) => {
            if let Some(text) = expect_string(checker, value, at) {
                check_open_vocab(checker, suggested, text, at);
            }
        }
        Kind::StringList => {
            if let Some(items) = expect_list(checker, value, at) {
                for (index, item) in items.iter().enumerate() {
                    expect_string(checker, item, &at.index(index));
                }
            }
        }
        Kind::OpenVocabList(suggested) => {
            if let Some(items) = expect_list(checker, value, at) {
                for (index, item) in items.iter().enumerate() {
                    let item_at = at.index(index);
                    if let Some(text) = expect_string(checker, item, &item_at) {
                        check_open_vocab(checker, suggested, text, &item_at);
                    }
                }
            }
        }
        Kind::EnumList(allowed) => {
            if let Some(items) = expect_list(checker, value, at) {
                for (index, item) in items.iter().enumerate() {
                    let item_at = at.index(index);
                    if let Some(text) = expect_string(checker, item, &item_at) {
                        check_enum(checker, allowed, text, &item_at);
                    }
                }
            }
        }
        Kind::Dictionary => check_dictionary(checker, value, at),
        Kind::Hashes => check_hashes(checker, value, at),
        Kind::Binary => {
            if let Some(text) = expect_string(checker, value, at) {
                if base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .is_err()
                {
                    checker.report(Rule::Binary, at, "the value is not valid base64");
                }
            }
        }
        Kind::Hex => {
            if let Some(text) = expect_string(checker, value, at) {
                if text.len() % 2 != 0 || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                    checker.report(
                        Rule::Hex,
                        at,
                        "the value must be an even number of hex digits",
                    );
                }
            }
        }
        Kind::Object(properties) => check_nested(checker, properties, value, at),
        Kind::ObjectList(properties) => {
            if let Some(items) = expect_list(checker, value, at) {
                for (index, item) in items.iter().enumerate() {
                    check_nested(checker, properties, item, &at.index(index));
                }
            }
        }
        Kind::KillChainPhases => {
            if let Some(items) = expect_list(checker, value, at) {
                for (index, item) in items.iter().enumerate() {
                    check_kill_chain_phase(checker, item, &at.index(index));
                }
            }
        }
        Kind::ExternalReferences => {
            if let Some(items) = expect_list(checker, value, at) {
                for (index, item) in items.iter().enumerate() {
                    check_external_reference(checker, item, &at.index(index));
                }
            }
        }
        // Checked as a whole in `markings`, which needs the object.
        Kind::GranularMarkings => {
            expect_list(checker, value, at);
        }
        Kind::Extensions => {}
        Kind::Any => {}
    }
}

fn wrong_type(checker: &mut Checker, expected: &str, value: &Value, at: &Location<'_>) {
    checker.report(
        Rule::PropertyType,
        at,
        format!("expected {expected}, found {}", json_kind(value)),
    );
}

pub(super) fn expect_string<'v>(
    checker: &mut Checker,
    value: &'v Value,
    at: &Location<'_>,
) -> Option<&'v str> {
    match value {
        Value::String(text) => Some(text),
        other => {
            wrong_type(checker, "a string", other, at);
            None
        }
    }
}

/// A non-empty list, or a finding.
pub(super) fn expect_list<'v>(
    checker: &mut Checker,
    value: &'v Value,
    at: &Location<'_>,
) -> Option<&'v [Value]> {
    match value {
        Value::Array(items) if items.is_empty() => {
            checker.report(
                Rule::EmptyList,
                at,
                "lists must not be empty; omit the property instead",
            );
            None
        }
        Value::Array(items) => Some(items),
        other => {
            wrong_type(checker, "a list", other, at);
            None
        }
    }
}

pub(super) fn check_timestamp(checker: &mut Checker, value: &Value, at: &Location<'_>) {
    if let Some(text) = expect_string(checker, value, at) {
        if let Err(problem) = Timestamp::parse(text) {
            checker.report(
                Rule::Timestamp,
                at,
                format!("'{text}' is not a STIX timestamp: {problem}"),
            );
        }
    }
}

fn check_integer(checker: &mut Checker, value: &Value, min: i64, max: i64, at: &Location<'_>) {
    let Value::Number(number) = value else {
        return wrong_type(checker, "an integer", value, at);
    };
    let Some(integer) = number.as_i64() else {
        if number.as_u64().is_some() {
            return checker.report(
                Rule::IntegerRange,
                at,
                format!("{number} is larger than {max}"),
            );
        }
        return wrong_type(checker, "an integer", value, at);
    };
    if integer < min || integer > max {
        checker.report(
            Rule::IntegerRange,
            at,
            format!("{integer} is outside the allowed range {min} to {max}"),
        );
    }
}

fn check_enum(checker: &mut Checker, allowed: &[&str], text: &str, at: &Location<'_>) {
    if !allowed.contains(&text) {
        checker.report(
            Rule::EnumValue,
            at,
            format!("'{text}' is not one of: {}", allowed.join(", ")),
        );
    }
}

fn check_open_vocab(checker: &mut Checker, suggested: &[&str], text: &str, at: &Location<'_>) {
    if !suggested.contains(&text) {
        checker.report(
            Rule::OpenVocabulary,
            at,
            format!(
                "'{text}' is not a suggested value ({})",
                suggested.join(", ")
            ),
        );
    }
}

fn check_reference(checker: &mut Checker, target: Target, value: &Value, at: &Location<'_>) {
    let Some(reference) = expect_string(checker, value, at) else {
        return;
    };
    let referenced_type = match parse_identifier(reference) {
        Ok((referenced_type, _)) => referenced_type,
        Err(problem) => {
            checker.report(
                Rule::ReferenceFormat,
                at,
                format!("'{reference}' {problem}"),
            );
            return;
        }
    };
    if !target_allows(target, referenced_type) {
        checker.report(
            Rule::ReferenceType,
            at,
            format!(
                "may not point at a {referenced_type}: it must point at {}",
                describe_target(target)
            ),
        );
    }
}

/// Whether a reference to `referenced_type` is allowed. Custom types are taken to be of
/// whatever category the position needs, since a reference alone does not tell.
pub(crate) fn target_allows(target: Target, referenced_type: &str) -> bool {
    use crate::object::ObjectCategory::{Domain, Observable};
    if referenced_type == "bundle" {
        return false;
    }
    let category = registry::lookup(referenced_type).map(|spec| spec.category);
    match target {
        Target::Types(allowed) => allowed.contains(&referenced_type),
        Target::Domain => matches!(category, None | Some(Domain)),
        Target::Observable => matches!(category, None | Some(Observable)),
        Target::DomainOrObservable => matches!(category, None | Some(Domain | Observable)),
        Target::ObservableOrRelationship => {
            matches!(category, None | Some(Observable)) || referenced_type == "relationship"
        }
        Target::AnyObject => true,
    }
}

fn describe_target(target: Target) -> String {
    match target {
        Target::Types(allowed) => allowed.join(" or "),
        Target::Domain => "an SDO".to_owned(),
        Target::Observable => "an SCO".to_owned(),
        Target::DomainOrObservable => "an SDO or an SCO".to_owned(),
        Target::ObservableOrRelationship => "an SCO or a relationship".to_owned(),
        Target::AnyObject => "a STIX object".to_owned(),
    }
}

pub(super) fn check_dictionary(checker: &mut Checker, value: &Value, at: &Location<'_>) {
    let Value::Object(entries) = value else {
        return wrong_type(checker, "a dictionary", value, at);
    };
    if entries.is_empty() {
        checker.report(
            Rule::EmptyDictionary,
            at,
            "dictionaries must not be empty; omit the property instead",
        );
    }
    for key in entries.keys() {
        check_dictionary_key(checker, key, &at.key(key));
    }
}

fn check_dictionary_key(checker: &mut Checker, key: &str, at: &Location<'_>) {
    let valid = !key.is_empty()
        && key.len() <= 250
        && key
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    if !valid {
        checker.report(
            Rule::DictionaryKey,
            at,
            format!("'{key}' is not a valid dictionary key: use at most 250 ASCII letters, digits, '-' or '_'"),
        );
    } else if key.bytes().any(|byte| byte.is_ascii_uppercase()) {
        checker.report(
            Rule::LowercaseKey,
            at,
            format!("dictionary key '{key}' should be lowercase"),
        );
    }
}

fn check_hashes(checker: &mut Checker, value: &Value, at: &Location<'_>) {
    let Value::Object(entries) = value else {
        return wrong_type(checker, "a hashes dictionary", value, at);
    };
    if entries.is_empty() {
        checker.report(
            Rule::EmptyDictionary,
            at,
            "hashes must not be empty; omit the property instead",
        );
    }
    for (algorithm, digest) in entries {
        let entry_at = at.key(algorithm);
        if !(3..=250).contains(&algorithm.len()) {
            checker.report(
                Rule::DictionaryKey,
                &entry_at,
                format!("hash name '{algorithm}' must be 3-250 characters"),
            );
        } else if !vocab::HASH_ALGORITHM.contains(&algorithm.as_str())
            && !algorithm.starts_with("x_")
        {
            checker.report(
                Rule::HashAlgorithm,
                &entry_at,
                format!(
                    "'{algorithm}' is not in hash-algorithm-ov ({})",
                    vocab::HASH_ALGORITHM.join(", ")
                ),
            );
        }
        expect_string(checker, digest, &entry_at);
    }
}

fn check_nested(
    checker: &mut Checker,
    properties: &[PropertySpec],
    value: &Value,
    at: &Location<'_>,
) {
    let Value::Object(entries) = value else {
        return wrong_type(checker, "an object", value, at);
    };
    for property in properties {
        match entries.get(property.name) {
            Some(item) => check_value(checker, &property.kind, item, &at.key(property.name)),
            None if property.required => checker.report(
                Rule::RequiredProperty,
                &at.key(property.name),
                format!("`{}` is required here", property.name),
            ),
            None => {}
        }
    }
}

fn check_kill_chain_phase(checker: &mut Checker, value: &Value, at: &Location<'_>) {
    let Value::Object(entries) = value else {
        return wrong_type(checker, "a kill-chain-phase object", value, at);
    };
    for name in ["kill_chain_name", "phase_name"] {
        match entries.get(name) {
            Some(item) => {
                expect_string(checker, item, &at.key(name));
            }
            None => checker.report(
                Rule::KillChainPhase,
                &at.key(name),
                format!("a kill chain phase needs `{name}`"),
            ),
        }
    }
}

fn check_external_reference(checker: &mut Checker, value: &Value, at: &Location<'_>) {
    let Value::Object(entries) = value else {
        return wrong_type(checker, "an external-reference object", value, at);
    };
    match entries.get("source_name") {
        Some(name) => {
            expect_string(checker, name, &at.key("source_name"));
        }
        None => checker.report(
            Rule::ExternalReference,
            &at.key("source_name"),
            "an external reference needs `source_name`",
        ),
    }
    for name in ["description", "url", "external_id"] {
        if let Some(item) = entries.get(name) {
            expect_string(checker, item, &at.key(name));
        }
    }
    if !["description", "url", "external_id"]
        .iter()
        .any(|name| entries.contains_key(*name))
    {
        checker.report(
            Rule::ExternalReference,
            at,
            "an external reference needs at least one of `description`, `url` or `external_id`",
        );
    }
    if let Some(hashes) = entries.get("hashes") {
        check_hashes(checker, hashes, &at.key("hashes"));
    }
}

/// Empty lists and dictionaries are forbidden everywhere, custom content included.
pub(super) fn check_no_empty_collections(checker: &mut Checker, value: &Value, at: &Location<'_>) {
    match value {
        Value::Array(items) if items.is_empty() => {
            checker.report(
                Rule::EmptyList,
                at,
                "lists must not be empty; omit the property instead",
            );
        }
        Value::Object(entries) if entries.is_empty() => {
            checker.report(
                Rule::EmptyDictionary,
                at,
                "dictionaries must not be empty; omit the property instead",
            );
        }
        _ => {}
    }
}

/// Checks an extension's own properties: a predefined extension against its definition,
/// an extension-definition one for `extension_type` and valid property names.
pub(super) fn check_extension_properties(
    checker: &mut Checker,
    properties: &[PropertySpec],
    value: &Value,
    at: &Location<'_>,
) {
    check_nested(checker, properties, value, at);
    if let Value::Object(entries) = value {
        for name in entries.keys() {
            if !properties.iter().any(|property| property.name == name)
                && !is_valid_property_name(name)
                && name != "extension_type"
            {
                checker.report(
                    Rule::PropertyName,
                    &at.key(name),
                    format!("'{name}' is not a valid property name: use 3-250 characters of a-z, 0-9 and '_'"),
                );
            }
        }
    }
}
