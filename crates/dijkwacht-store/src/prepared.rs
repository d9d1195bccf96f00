//! An object made ready for storage: its keys extracted once, its JSON serialised once,
//! so that a backend only writes rows.

use std::collections::BTreeSet;

use dijkwacht_policy::{Scope, UserId};
use dijkwacht_stix::StixObject;
use dijkwacht_stix::tlp::{self, TlpLevel};

/// A validated object with the columns a backend indexes.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedObject {
    pub id: String,
    pub object_type: String,
    pub spec_version: String,
    /// The version as the object spells it (`modified`, else `created`); `None` for
    /// unversioned objects such as SCOs, whose versions the store tells apart by content.
    pub version_text: Option<String>,
    /// [`dijkwacht_stix::Timestamp::sort_key`] of the version: equal for equal instants.
    pub version_key: Option<String>,
    pub revoked: bool,
    /// Compact JSON with sorted keys: equal content, equal text.
    pub json: String,
    /// For full-text search.
    pub name: Option<String>,
    pub description: Option<String>,
    pub handling: Handling,
}

/// The sharing attributes of a stored object. Read from the object where it says them
/// (TLP markings, creator); the sharing-rules layer fills in the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handling {
    /// The organisation that owns the object (a STIX identity id), when known.
    pub owner: Option<String>,
    /// The strictest TLP marking on the object, TLP 1.0 and 2.0 alike.
    pub tlp: Option<TlpLevel>,
    /// Where it may go; `None` until the sharing-rules layer sets it (such objects are
    /// visible to no caller whose queries carry a visibility filter).
    pub scope: Option<Scope>,
    /// For TLP:RED, the users it was given to.
    pub recipients: BTreeSet<UserId>,
}

/// Where a batch came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    /// A short description of the source: `import:path/to/file.json`, `taxii:…`.
    pub source: String,
}

impl Provenance {
    pub fn new(source: impl Into<String>) -> Provenance {
        Provenance {
            source: source.into(),
        }
    }
}

impl PreparedObject {
    /// Extracts the storage columns of an object that has passed validation.
    pub fn from_object(object: &StixObject) -> PreparedObject {
        let version = object.version();
        PreparedObject {
            id: object.id().to_owned(),
            object_type: object.object_type().to_owned(),
            spec_version: object.spec_version().to_owned(),
            version_text: version.and(object.version_text().map(str::to_owned)),
            version_key: version.map(|stamp| stamp.sort_key()),
            revoked: object.revoked(),
            json: object.to_canonical_json(),
            name: object.display_name().map(str::to_owned),
            description: object.description().map(str::to_owned),
            handling: Handling {
                owner: object.created_by_ref().map(str::to_owned),
                tlp: tlp::strictest_level(object.object_marking_refs()),
                scope: None,
                recipients: BTreeSet::new(),
            },
        }
    }
}
