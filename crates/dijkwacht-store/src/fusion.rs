//! The fusion center's ledger beside the objects: which source stated which object and
//! when (*statements*), and which observables each object carries (*observable
//! links*, keyed as `dijkwacht-fusion`'s `correlation` module writes them). From it the
//! fusion center deduplicates across sources (an indicator pattern already held for
//! the same audience), and readers learn how many sources stated an object, when it
//! was first and last seen, and which objects share an observable with it.
//!
//! The ledger is derived data: recording it again changes nothing, and it never
//! changes a stored object (a restated indicator is not a new version). It names
//! sources, which are the operator's; what a member is shown of it is counts and times
//! (the server's concern), and related objects only through the sharing policy.

use std::collections::BTreeSet;

/// One source stating one object once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub object_id: String,
    /// The source's name in `dijkwacht.toml`.
    pub source: String,
    /// The source's Admiralty reliability letter, `A` to `F`, at the time.
    pub reliability: char,
    /// When the source saw it (Unix microseconds): the record's own time, or the run's
    /// for sources that restate what they still list.
    pub seen_at: i64,
}

/// An object carrying an observable key (or an indicator's pattern key).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObservableLink {
    pub key: String,
    pub object_id: String,
}

/// What one delivery adds to the ledger, recorded in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FusionRecord {
    pub statements: Vec<Statement>,
    pub observables: Vec<ObservableLink>,
}

impl FusionRecord {
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty() && self.observables.is_empty()
    }
}

/// What one source has said of one object, over all its statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatements {
    pub source: String,
    /// The reliability letter of its latest statement.
    pub reliability: char,
    /// Unix microseconds.
    pub first_seen: i64,
    pub last_seen: i64,
    /// How many deliveries stated it.
    pub times: u64,
}

/// The ledger's view of one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FusionProvenance {
    pub object_id: String,
    /// The sources that stated this object itself, by name.
    pub statements: Vec<SourceStatements>,
    /// Other objects sharing an observable key with it (at most
    /// [`MAX_RELATED`]), by id; the caller decides through the sharing policy which of
    /// them a reader may learn of.
    pub related: Vec<String>,
    /// The distinct sources that stated this object or one sharing an observable key
    /// with it: how many independent sources corroborate it.
    pub corroborating_sources: BTreeSet<String>,
    /// The latest `last_seen` over those sources' statements (Unix microseconds).
    pub corroborated_last_seen: Option<i64>,
    /// Whether any stored sighting names it, whoever may read that sighting: a reader
    /// asks [`crate::Store::sighting_summary`] through its own filter only then.
    pub sighted: bool,
}

/// The most related objects a provenance lists.
pub const MAX_RELATED: usize = 100;

impl FusionProvenance {
    /// The first time any source stated this object (Unix microseconds).
    pub fn first_seen(&self) -> Option<i64> {
        self.statements.iter().map(|each| each.first_seen).min()
    }

    /// The last time any source stated this object (Unix microseconds).
    pub fn last_seen(&self) -> Option<i64> {
        self.statements.iter().map(|each| each.last_seen).max()
    }

    /// The best (earliest) reliability letter among the sources stating it.
    pub fn best_reliability(&self) -> Option<char> {
        self.statements.iter().map(|each| each.reliability).min()
    }
}
