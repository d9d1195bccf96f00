//! The common properties of §3.2, per object category.

use super::{Kind, PropertySpec, Target, optional, required};
use crate::object::ObjectCategory;

const IDENTITY: Target = Target::Types(&["identity"]);
const MARKING: Target = Target::Types(&["marking-definition"]);

const DOMAIN_AND_RELATIONSHIP: &[PropertySpec] = &[
    required("type", Kind::String),
    required("spec_version", Kind::String),
    required("id", Kind::String),
    optional("created_by_ref", Kind::Ref(IDENTITY)),
    required("created", Kind::Timestamp),
    required("modified", Kind::Timestamp),
    optional("revoked", Kind::Boolean),
    optional("labels", Kind::StringList),
    optional("confidence", Kind::Integer { min: 0, max: 100 }),
    optional("lang", Kind::String),
    optional("external_references", Kind::ExternalReferences),
    optional("object_marking_refs", Kind::Refs(MARKING)),
    optional("granular_markings", Kind::GranularMarkings),
    optional("extensions", Kind::Extensions),
];

const OBSERVABLE: &[PropertySpec] = &[
    required("type", Kind::String),
    optional("spec_version", Kind::String),
    required("id", Kind::String),
    optional("object_marking_refs", Kind::Refs(MARKING)),
    optional("granular_markings", Kind::GranularMarkings),
    optional("defanged", Kind::Boolean),
    optional("extensions", Kind::Extensions),
];

/// The common properties of an object of `category`. Meta objects differ per type, so
/// their types list every property themselves and get only `type` and `id` here.
pub fn common_properties(category: ObjectCategory) -> &'static [PropertySpec] {
    match category {
        ObjectCategory::Domain | ObjectCategory::Relationship => DOMAIN_AND_RELATIONSHIP,
        ObjectCategory::Observable => OBSERVABLE,
        ObjectCategory::Meta => META_BASE,
    }
}

const META_BASE: &[PropertySpec] = &[required("type", Kind::String), required("id", Kind::String)];
