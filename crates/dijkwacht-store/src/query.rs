//! Queries and answers: what callers ask a store and what they get back.

use dijkwacht_stix::tlp::TlpLevel;

/// How a batch is stored when part of it cannot be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestMode {
    /// Any rejection (such as a conflicting version) rolls the whole batch back.
    AllOrNothing,
    /// Rejected objects are skipped and reported; the rest is stored.
    SkipRejected,
}

/// What happened to one object of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestOutcome {
    /// The first version of an id this store has seen.
    NewObject,
    /// Another version of an id the store already holds.
    NewVersion,
    /// This exact version was already stored.
    Duplicate,
    /// Not stored; see the batch's rejections.
    Rejected,
}

/// Why one object of a batch was not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The object's position in the batch.
    pub index: usize,
    pub id: String,
    pub version: Option<String>,
    pub reason: String,
}

/// The result of storing a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// One outcome per object, in batch order.
    pub outcomes: Vec<IngestOutcome>,
    /// The `date_added` (Unix microseconds) of each stored object, `None` for the rest.
    pub dates_added: Vec<Option<i64>>,
    pub rejections: Vec<Rejection>,
    /// False when an all-or-nothing batch was rolled back.
    pub committed: bool,
}

impl IngestReport {
    pub fn count(&self, outcome: IngestOutcome) -> usize {
        self.outcomes
            .iter()
            .filter(|each| **each == outcome)
            .count()
    }
}

/// Which versions of each object a query returns (TAXII `match[version]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSelection {
    /// The newest version of each object (the TAXII default).
    Last,
    /// The oldest version of each object.
    First,
    /// Every version.
    All,
    /// Any combination of the newest, the oldest, and versions at exact instants (given
    /// as [`dijkwacht_stix::Timestamp::sort_key`] strings).
    Some {
        last: bool,
        first: bool,
        at: Vec<String>,
    },
}

/// A query over stored objects; empty lists mean "no restriction".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectQuery {
    pub types: Vec<String>,
    pub ids: Vec<String>,
    pub spec_versions: Vec<String>,
    pub versions: VersionSelection,
    /// Only objects added strictly after this instant (Unix microseconds).
    pub added_after: Option<i64>,
    /// Only objects added at or before this instant (Unix microseconds).
    pub added_until: Option<i64>,
    /// At most this many objects (at least 1).
    pub limit: usize,
    /// Only relationships whose `target_ref` is one of these (any, when empty): what
    /// points at an object, such as the `course-of-action` that `mitigates` it.
    pub target_refs: Vec<String>,
    /// Only objects this filter of the sharing policy lets through
    /// ([`dijkwacht_policy::visibility_filter`]); `None` for the operator's own tools.
    pub visibility: Option<dijkwacht_policy::Filter>,
}

impl Default for ObjectQuery {
    fn default() -> Self {
        ObjectQuery {
            types: Vec::new(),
            ids: Vec::new(),
            spec_versions: Vec::new(),
            versions: VersionSelection::Last,
            added_after: None,
            added_until: None,
            target_refs: Vec::new(),
            limit: 1_000,
            visibility: None,
        }
    }
}

/// One page of a query, in ascending `date_added` order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub objects: Vec<StoredObject>,
    /// Whether more objects match beyond this page; continue with `added_after` set to
    /// the last object's `date_added`.
    pub more: bool,
}

/// One stored version of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredObject {
    pub id: String,
    pub object_type: String,
    pub spec_version: String,
    /// The version as TAXII reports it: `modified`, else `created`, else the
    /// `date_added` of this version.
    pub version: String,
    /// Unix microseconds; unique and strictly increasing.
    pub date_added: i64,
    pub json: String,
    pub tlp: Option<TlpLevel>,
    pub owner: Option<String>,
}

/// How many objects and versions of one type are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeCount {
    pub object_type: String,
    pub objects: u64,
    pub versions: u64,
}

/// How many objects (latest versions) of one type have one TLP level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeTlpCount {
    pub object_type: String,
    /// `None` for objects stored without a TLP level.
    pub tlp: Option<TlpLevel>,
    pub objects: u64,
}
