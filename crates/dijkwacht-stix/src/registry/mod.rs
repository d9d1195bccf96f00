//! What STIX 2.1 says about each object type: its category, its properties with their
//! kinds and whether they are required, and for SCOs the properties that contribute to
//! the deterministic id.
//!
//! The tables are data so that the validator stays one small engine and the spec can be
//! checked against them line by line. Common properties are listed once per category in
//! [`common`]; [`types`] holds what each type adds.

mod common;
mod types;
pub mod vocab;

pub use common::common_properties;

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

use crate::object::ObjectCategory;

/// The definition of one standard object type.
#[derive(Debug)]
pub struct TypeSpec {
    pub name: &'static str,
    pub category: ObjectCategory,
    /// Properties of this type beyond the common ones of its category.
    pub properties: &'static [PropertySpec],
    /// For SCOs: the properties from which the UUIDv5 id is computed (§2.9). Empty for
    /// SCOs whose id is always a UUIDv4 (process) and for non-SCOs.
    pub id_contributing: &'static [&'static str],
    /// The predefined extensions this type may carry (`ntfs-ext`, …).
    pub extensions: &'static [ExtensionSpec],
}

/// A predefined (non extension-definition) extension such as `ntfs-ext`.
#[derive(Debug)]
pub struct ExtensionSpec {
    pub name: &'static str,
    pub properties: &'static [PropertySpec],
}

/// One property of a type or of a nested structure.
#[derive(Debug)]
pub struct PropertySpec {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

/// The kinds of value STIX properties take (§3.1 and the per-type definitions).
#[derive(Debug)]
pub enum Kind {
    String,
    Boolean,
    Timestamp,
    /// An integer in an inclusive range.
    Integer {
        min: i64,
        max: i64,
    },
    /// A number in an inclusive range.
    Float {
        min: f64,
        max: f64,
    },
    /// A single identifier pointing at one of the allowed targets.
    Ref(Target),
    /// A non-empty list of identifiers pointing at allowed targets.
    Refs(Target),
    /// One value of a closed list.
    Enum(&'static [&'static str]),
    /// A string that SHOULD come from the suggested values.
    OpenVocab(&'static [&'static str]),
    /// A non-empty list of strings.
    StringList,
    /// A non-empty list of open-vocabulary values.
    OpenVocabList(&'static [&'static str]),
    /// A non-empty list of closed-vocabulary values.
    EnumList(&'static [&'static str]),
    /// A non-empty dictionary with free values.
    Dictionary,
    /// A hashes dictionary (§3.1 hashes).
    Hashes,
    /// base64 (`_bin`).
    Binary,
    /// hex (`_hex`).
    Hex,
    /// A nested object with its own properties.
    Object(&'static [PropertySpec]),
    /// A non-empty list of nested objects.
    ObjectList(&'static [PropertySpec]),
    KillChainPhases,
    ExternalReferences,
    GranularMarkings,
    Extensions,
    /// Anything (checked elsewhere or not at all).
    Any,
}

/// What a reference property may point at.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// Exactly these types.
    Types(&'static [&'static str]),
    /// Any SDO (standard or custom).
    Domain,
    /// Any SCO (standard or custom).
    Observable,
    /// An SDO or an SCO (relationship ends).
    DomainOrObservable,
    /// An SCO or an SRO (observed-data `object_refs`).
    ObservableOrRelationship,
    /// Any STIX object but a bundle.
    AnyObject,
}

/// Type names to their definitions, built once: lookups happen several times per object.
static TYPES_BY_NAME: LazyLock<FxHashMap<&'static str, &'static TypeSpec>> =
    LazyLock::new(|| types::ALL.iter().map(|spec| (spec.name, spec)).collect());

/// The definition of each property of each type (standard types by name, custom ones
/// by category), common ones included, built once.
static DEFINED_PROPERTIES: LazyLock<
    FxHashMap<(&'static str, &'static str), &'static PropertySpec>,
> = LazyLock::new(|| {
    let mut defined = FxHashMap::default();
    for spec in types::ALL {
        for property in common_properties(spec.category)
            .iter()
            .chain(spec.properties)
        {
            defined.insert((spec.name, property.name), property);
        }
    }
    for category in [
        ObjectCategory::Domain,
        ObjectCategory::Relationship,
        ObjectCategory::Observable,
        ObjectCategory::Meta,
    ] {
        for property in common_properties(category) {
            defined.insert((custom_key(category), property.name), property);
        }
    }
    defined
});

fn custom_key(category: ObjectCategory) -> &'static str {
    match category {
        ObjectCategory::Domain => "@custom-sdo",
        ObjectCategory::Relationship => "@custom-sro",
        ObjectCategory::Observable => "@custom-sco",
        ObjectCategory::Meta => "@custom-meta",
    }
}

/// The key under which the properties of an object are defined: the standard type's
/// name, or a marker for custom types of `category`. Compute it once per object.
pub fn owner_key(spec: Option<&'static TypeSpec>, category: ObjectCategory) -> &'static str {
    match spec {
        Some(spec) => spec.name,
        None => custom_key(category),
    }
}

/// How STIX defines `property` for objects whose [`owner_key`] is `owner`; `None` means
/// it is a custom property.
pub fn property(owner: &'static str, property: &str) -> Option<&'static PropertySpec> {
    DEFINED_PROPERTIES.get(&(owner, property)).copied()
}

/// Looks up a standard type; `None` for custom types.
pub fn lookup(object_type: &str) -> Option<&'static TypeSpec> {
    TYPES_BY_NAME.get(object_type).copied()
}

/// All standard types.
pub fn all_types() -> &'static [TypeSpec] {
    types::ALL
}

/// Standard types of one category.
pub fn types_of(category: ObjectCategory) -> impl Iterator<Item = &'static TypeSpec> {
    types::ALL
        .iter()
        .filter(move |spec| spec.category == category)
}

/// Whether `object_type` is one of the STIX 2.1 standard types.
pub fn is_standard_type(object_type: &str) -> bool {
    lookup(object_type).is_some()
}

pub(crate) const fn required(name: &'static str, kind: Kind) -> PropertySpec {
    PropertySpec {
        name,
        kind,
        required: true,
    }
}

pub(crate) const fn optional(name: &'static str, kind: Kind) -> PropertySpec {
    PropertySpec {
        name,
        kind,
        required: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_of_the_specification_is_defined_once() {
        let expected = [
            "attack-pattern",
            "campaign",
            "course-of-action",
            "grouping",
            "identity",
            "incident",
            "indicator",
            "infrastructure",
            "intrusion-set",
            "location",
            "malware",
            "malware-analysis",
            "note",
            "observed-data",
            "opinion",
            "report",
            "threat-actor",
            "tool",
            "vulnerability",
            "relationship",
            "sighting",
            "artifact",
            "autonomous-system",
            "directory",
            "domain-name",
            "email-addr",
            "email-message",
            "file",
            "ipv4-addr",
            "ipv6-addr",
            "mac-addr",
            "mutex",
            "network-traffic",
            "process",
            "software",
            "url",
            "user-account",
            "windows-registry-key",
            "x509-certificate",
            "marking-definition",
            "language-content",
            "extension-definition",
        ];
        assert_eq!(all_types().len(), expected.len());
        for name in expected {
            assert!(lookup(name).is_some(), "{name} missing");
        }
    }

    #[test]
    fn id_contributing_properties_are_properties_of_the_type() {
        for spec in types_of(ObjectCategory::Observable) {
            for name in spec.id_contributing {
                let known = spec
                    .properties
                    .iter()
                    .any(|property| property.name == *name)
                    || *name == "extensions";
                assert!(known, "{}: {name} is not a property", spec.name);
            }
        }
    }
}
