//! The bulk index: every active indicator in one structure, so that one sensor event is
//! checked against a million patterns in about a microsecond instead of a million
//! matcher runs.
//!
//! Each pattern is reduced to *anchors* ([`decompose`]): comparisons that can be looked
//! up — a value in a hash table (`ipv4-addr:value = '…'`, `file:hashes.MD5 = '…'`, any
//! `type:path = constant` or `IN`), an address range (`ISSUBSET '10.0.0.0/8'`), a domain
//! suffix (`LIKE '%.example.com'`) or a regular expression (`LIKE`, `MATCHES`) — chosen so
//! that every observation on which the pattern could be true sets one off. An
//! observation's values are looked up under the paths some indicator asks about, and
//! the indicators found are [`Hit`]s: *exact* when the pattern is that one comparison
//! and the lookup proves it, otherwise *candidates* that the caller evaluates in full
//! with the matcher (several comparisons, several observations, `NOT`, qualifiers).
//! Patterns without any anchor (only `!=`, `NOT`, orderings) are checked on every
//! observation, and counted in [`IndexStats::always_check`] so that an operator sees
//! what they cost.
//!
//! The index changes one indicator at a time — [`IndicatorIndex::insert`],
//! [`IndicatorIndex::remove`] and [`IndicatorIndex::expire`] never rebuild it — so a
//! feed that revokes one indicator costs one removal. Expiry keeps the indicators in
//! order of `valid_until`, so a call reads only those whose time has passed.

mod decompose;
mod observed;
mod paths;
mod prefix;
mod regexes;
mod scalar;
mod value_table;

#[cfg(test)]
mod tests;

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use self::decompose::{AnchorSpec, decompose};
pub use self::observed::{ObservedValue, ObservedValues};
use self::paths::{AnchorKind, PathInfo, PathTable};
use self::prefix::{Cidr, PrefixIndex};
pub use self::regexes::REGEX_SIZE_LIMIT;
use self::regexes::RegexIndex;
use self::scalar::{Scalar, visit_path_values};
use self::value_table::{PathId, Posting, ValueTable};
use crate::{Observation, Pattern};
use rustc_hash::FxHashMap;
use serde_json::Value;

/// An indicator's STIX id, shared cheaply between the index and its hits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndicatorKey(Arc<str>);

impl IndicatorKey {
    pub fn new(id: &str) -> IndicatorKey {
        IndicatorKey(Arc::from(id))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for IndicatorKey {
    fn from(id: &str) -> IndicatorKey {
        IndicatorKey::new(id)
    }
}

impl From<String> for IndicatorKey {
    fn from(id: String) -> IndicatorKey {
        IndicatorKey(Arc::from(id))
    }
}

impl Borrow<str> for IndicatorKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IndicatorKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// When an indicator is valid, in Unix microseconds (its `valid_from` and `valid_until`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub valid_from: i64,
    /// `None`: valid until revoked.
    pub valid_until: Option<i64>,
}

/// An indicator whose pattern an observation may satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub key: IndicatorKey,
    /// True: the pattern is true for the observation, no need to evaluate it. False:
    /// a candidate; evaluate the pattern (with the state of earlier observations, for
    /// patterns over several) to know.
    pub exact: bool,
}

/// Why an indicator cannot be indexed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BulkError {
    #[error(
        "indicator {key}: the regular expression compared with `{path}` compiles to more than {limit} bytes; shorten it or split it into several indicators"
    )]
    RegexTooLarge {
        key: String,
        path: String,
        limit: usize,
    },
    #[error(
        "the index is full (at most 2^31 indicators and 4 GiB of anchor values); split the indicators over several indexes"
    )]
    IndexFull,
}

/// What the index holds, for operators and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexStats {
    pub indicators: usize,
    /// Anchors on exact values (`=`, `IN`, `LIKE` without wildcards).
    pub value_anchors: usize,
    /// Distinct (path, value) keys among them.
    pub distinct_values: usize,
    /// Anchors on address ranges (`ISSUBSET`, `=` with a CIDR).
    pub prefix_anchors: usize,
    /// Anchors on suffixes (`LIKE '%.example.com'`).
    pub suffix_anchors: usize,
    /// Anchors on regular expressions (other `LIKE`, `MATCHES`).
    pub regex_anchors: usize,
    /// Indicators without anchors, reported as candidates for every observation.
    pub always_check: usize,
    /// Indicators whose pattern can never be true (`IN ()`), never reported.
    pub never_match: usize,
    /// Indicators with a `MATCHES` expression the `regex` crate does not accept (they
    /// are indexed by their other comparisons or checked always).
    pub unsupported_regexes: usize,
    /// Interned object paths.
    pub paths: usize,
    /// Approximate bytes on the heap.
    pub heap_bytes: usize,
}

/// Where one indicator's anchors sit, to take them out again.
#[derive(Debug)]
enum StoredAnchor {
    Value { entry: u32 },
    Suffix { entry: u32 },
    Prefix { path: PathId, cidr: Cidr },
    Regex { path: PathId, entry: u32 },
}

#[derive(Debug)]
struct Slot {
    key: IndicatorKey,
    validity: Validity,
    anchors: Box<[(PathId, StoredAnchor)]>,
    kind: SlotKind,
    unsupported_regex: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotKind {
    Anchored,
    AlwaysCheck,
    NeverMatch,
}

/// Every active indicator, for matching observations in bulk. See the module docs.
#[derive(Debug, Default)]
pub struct IndicatorIndex {
    slots: Vec<Option<Slot>>,
    free_slots: Vec<u32>,
    slot_by_key: FxHashMap<IndicatorKey, u32>,
    paths: PathTable,
    values: ValueTable,
    suffixes: ValueTable,
    prefixes: FxHashMap<PathId, PrefixIndex>,
    regexes: FxHashMap<PathId, RegexIndex>,
    always_check: BTreeSet<u32>,
    /// (valid_until, slot) of the indicators that expire.
    expiry: BTreeSet<(i64, u32)>,
    anchor_counts: [usize; 4],
    never_match: usize,
    unsupported_regexes: usize,
}

/// The most indicators one index holds (slot numbers keep a bit for exactness).
const MAX_SLOTS: u32 = 1 << 31;

fn kind_index(kind: AnchorKind) -> usize {
    match kind {
        AnchorKind::Value => 0,
        AnchorKind::Prefix => 1,
        AnchorKind::Suffix => 2,
        AnchorKind::Regex => 3,
    }
}

impl IndicatorIndex {
    pub fn new() -> IndicatorIndex {
        IndicatorIndex::default()
    }

    /// Indexes (or re-indexes) the indicator `key` with its parsed `pattern`.
    pub fn insert(
        &mut self,
        key: IndicatorKey,
        pattern: &Pattern,
        validity: Validity,
    ) -> Result<(), BulkError> {
        let decomposition = decompose(pattern).map_err(|too_large| BulkError::RegexTooLarge {
            key: key.to_string(),
            path: too_large.path,
            limit: REGEX_SIZE_LIMIT,
        })?;
        self.remove(&key);
        let slot = match self.free_slots.pop() {
            Some(slot) => slot,
            None => {
                let next = u32::try_from(self.slots.len()).map_err(|_| BulkError::IndexFull)?;
                if next >= MAX_SLOTS {
                    return Err(BulkError::IndexFull);
                }
                self.slots.push(None);
                next
            }
        };
        let single = decomposition.single_comparison;
        let mut stored = Vec::new();
        let kind = match decomposition.anchors {
            None => SlotKind::AlwaysCheck,
            Some(anchors) if anchors.is_empty() => SlotKind::NeverMatch,
            Some(anchors) => {
                for anchor in anchors {
                    match self.store_anchor(slot, single, anchor) {
                        Ok(placed) => stored.push(placed),
                        Err(error) => {
                            self.unstore(slot, &stored);
                            self.free_slots.push(slot);
                            return Err(error);
                        }
                    }
                }
                SlotKind::Anchored
            }
        };
        match kind {
            SlotKind::AlwaysCheck => {
                self.always_check.insert(slot);
            }
            SlotKind::NeverMatch => self.never_match += 1,
            SlotKind::Anchored => {}
        }
        let unsupported_regex = decomposition.unsupported_regex.is_some();
        self.unsupported_regexes += usize::from(unsupported_regex);
        if let Some(until) = validity.valid_until {
            self.expiry.insert((until, slot));
        }
        self.slot_by_key.insert(key.clone(), slot);
        self.slots[slot as usize] = Some(Slot {
            key,
            validity,
            anchors: stored.into_boxed_slice(),
            kind,
            unsupported_regex,
        });
        Ok(())
    }

    fn store_anchor(
        &mut self,
        slot: u32,
        single: bool,
        anchor: AnchorSpec<'_>,
    ) -> Result<(PathId, StoredAnchor), BulkError> {
        let (path, kind, placed) = match anchor {
            AnchorSpec::Value { path, scalar } => {
                let path_id = self.paths.intern(path);
                let folding = self.folding(path_id);
                let entry = match scalar.as_scalar() {
                    Scalar::Text(text) => {
                        let folded = folding.fold(text);
                        let posting = Posting::new(slot, single && folded.unchanged);
                        self.values
                            .insert(path_id, Scalar::Text(&folded.text), posting)?
                    }
                    other => self
                        .values
                        .insert(path_id, other, Posting::new(slot, single))?,
                };
                (path_id, AnchorKind::Value, StoredAnchor::Value { entry })
            }
            AnchorSpec::Suffix { path, suffix } => {
                let path_id = self.paths.intern(path);
                let folded = self.folding(path_id).fold(&suffix);
                let posting = Posting::new(slot, single && folded.unchanged);
                let entry = self
                    .suffixes
                    .insert(path_id, Scalar::Text(&folded.text), posting)?;
                (path_id, AnchorKind::Suffix, StoredAnchor::Suffix { entry })
            }
            AnchorSpec::Prefix { path, cidr, proves } => {
                let path_id = self.paths.intern(path);
                let posting = Posting::new(slot, single && proves);
                self.prefixes
                    .entry(path_id)
                    .or_default()
                    .insert(cidr, posting);
                let placed = StoredAnchor::Prefix {
                    path: path_id,
                    cidr,
                };
                (path_id, AnchorKind::Prefix, placed)
            }
            AnchorSpec::Regex {
                path,
                source,
                literal,
            } => {
                let path_id = self.paths.intern(path);
                let posting = Posting::new(slot, single);
                let entry = self.regexes.entry(path_id).or_default().insert(
                    &source,
                    literal.as_deref(),
                    posting,
                );
                let placed = StoredAnchor::Regex {
                    path: path_id,
                    entry,
                };
                (path_id, AnchorKind::Regex, placed)
            }
        };
        self.paths.add_use(path, kind);
        self.anchor_counts[kind_index(kind)] += 1;
        Ok((path, placed))
    }

    fn folding(&self, path: PathId) -> scalar::Folding {
        self.paths
            .info(path)
            .map_or(scalar::Folding::Exact, |info| info.folding)
    }

    fn unstore(&mut self, slot: u32, anchors: &[(PathId, StoredAnchor)]) {
        for (path, anchor) in anchors {
            let kind = match anchor {
                StoredAnchor::Value { entry } => {
                    self.values.remove(*entry, slot);
                    AnchorKind::Value
                }
                StoredAnchor::Suffix { entry } => {
                    self.suffixes.remove(*entry, slot);
                    AnchorKind::Suffix
                }
                StoredAnchor::Prefix { path, cidr } => {
                    if let Some(prefixes) = self.prefixes.get_mut(path) {
                        prefixes.remove(cidr, slot);
                    }
                    AnchorKind::Prefix
                }
                StoredAnchor::Regex { path, entry } => {
                    if let Some(regexes) = self.regexes.get_mut(path) {
                        regexes.remove(*entry);
                    }
                    AnchorKind::Regex
                }
            };
            self.paths.remove_use(*path, kind);
            self.anchor_counts[kind_index(kind)] -= 1;
        }
    }

    /// Takes an indicator out (revoked, deleted or replaced); false if it was not in.
    pub fn remove(&mut self, key: &IndicatorKey) -> bool {
        let Some(slot) = self.slot_by_key.remove(key.as_str()) else {
            return false;
        };
        let Some(removed) = self.slots.get_mut(slot as usize).and_then(Option::take) else {
            return false;
        };
        self.unstore(slot, &removed.anchors);
        match removed.kind {
            SlotKind::AlwaysCheck => {
                self.always_check.remove(&slot);
            }
            SlotKind::NeverMatch => self.never_match -= 1,
            SlotKind::Anchored => {}
        }
        self.unsupported_regexes -= usize::from(removed.unsupported_regex);
        if let Some(until) = removed.validity.valid_until {
            self.expiry.remove(&(until, slot));
        }
        self.free_slots.push(slot);
        true
    }

    /// Removes the indicators whose `valid_until` is at or before `now` (Unix µs) and
    /// returns their keys, earliest first.
    pub fn expire(&mut self, now: i64) -> Vec<IndicatorKey> {
        let mut expired = Vec::new();
        while let Some(&(until, slot)) = self.expiry.first() {
            if until > now {
                break;
            }
            self.expiry.pop_first();
            if let Some(key) = self.slots[slot as usize].as_ref().map(|s| s.key.clone()) {
                self.remove(&key);
                expired.push(key);
            }
        }
        expired
    }

    /// The validity an indicator was inserted with.
    pub fn validity(&self, key: &IndicatorKey) -> Option<Validity> {
        let slot = *self.slot_by_key.get(key.as_str())?;
        self.slots[slot as usize].as_ref().map(|slot| slot.validity)
    }

    /// Indicators in the index.
    pub fn len(&self) -> usize {
        self.slot_by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_by_key.is_empty()
    }

    /// Builds what lookups build lazily (the regular expression sets changed since the
    /// last lookup), so that the first observation after a batch of changes is not slow.
    pub fn prepare(&self) {
        for regexes in self.regexes.values() {
            regexes.prepare();
        }
    }

    /// Appends to `out` every indicator whose pattern `observation` may satisfy, each
    /// once; every indicator whose pattern it does satisfy is among them (and those
    /// reported `exact` are satisfied). Indicators without anchors are always appended.
    pub fn candidates(&self, observation: &Observation, out: &mut Vec<Hit>) {
        // Object by object: each JSON object's type is read once, and only the paths
        // on its type are walked.
        let mut found = Vec::new();
        for object in observation.objects.values() {
            let Some(object_type) = object.get("type").and_then(Value::as_str) else {
                continue;
            };
            for &path_id in self.paths.in_use_for(object_type) {
                let Some(info) = self.paths.info(path_id) else {
                    continue;
                };
                let (property, steps) = (&info.path.property, &info.path.steps);
                visit_path_values(observation, object, property, steps, &mut |value| {
                    if let Some(observed) = ObservedValue::of_json(value) {
                        self.probe(path_id, info, observed, &mut found);
                    }
                });
            }
        }
        self.report_with_always_checked(found, out);
    }

    /// [`IndicatorIndex::candidates`] for values read from any [`ObservedValues`], such
    /// as a sensor's compact form of a log line.
    pub fn candidates_in<V: ObservedValues + ?Sized>(&self, values: &V, out: &mut Vec<Hit>) {
        if let Some(observation) = values.as_observation() {
            self.candidates(observation, out);
            return;
        }
        let mut found = Vec::new();
        for &path_id in self.paths.in_use() {
            let Some(info) = self.paths.info(path_id) else {
                continue;
            };
            values.visit_path(&info.path, &mut |value| {
                self.probe(path_id, info, value, &mut found);
            });
        }
        self.report_with_always_checked(found, out);
    }

    fn report_with_always_checked(&self, mut found: Vec<Posting>, out: &mut Vec<Hit>) {
        found.extend(
            self.always_check
                .iter()
                .map(|&slot| Posting::new(slot, false)),
        );
        self.report(found, out);
    }

    fn probe(
        &self,
        path_id: PathId,
        info: &PathInfo,
        value: ObservedValue<'_>,
        found: &mut Vec<Posting>,
    ) {
        if info.value_anchors > 0 {
            match value.scalar() {
                Some(Scalar::Text(text)) => {
                    let folded = info.folding.fold(text);
                    let postings = self.values.lookup_text(path_id, &folded.text);
                    push_postings(postings, folded.unchanged, found);
                }
                Some(other) => found.extend_from_slice(self.values.lookup(path_id, other)),
                None => {}
            }
        }
        let ObservedValue::Text(text) = value else {
            return;
        };
        if info.suffix_anchors > 0 {
            let folded = info.folding.fold(text);
            for (position, _) in folded.text.match_indices('.') {
                let postings = self.suffixes.lookup_text(path_id, &folded.text[position..]);
                push_postings(postings, folded.unchanged, found);
            }
        }
        if info.prefix_anchors > 0 {
            if let (Some(prefixes), Some(observed)) =
                (self.prefixes.get(&path_id), Cidr::parse(text))
            {
                prefixes.lookup(&observed, found);
            }
        }
        if info.regex_anchors > 0 {
            if let Some(regexes) = self.regexes.get(&path_id) {
                regexes.lookup(text, found);
            }
        }
    }

    /// One hit per indicator found: exact if any of its postings proved it.
    fn report(&self, mut found: Vec<Posting>, out: &mut Vec<Hit>) {
        if found.is_empty() {
            return;
        }
        // Sorted by slot, and within a slot the exact posting (bit 1) last.
        found.sort_unstable_by_key(|posting| (posting.slot(), posting.exact()));
        let mut index = 0;
        while index < found.len() {
            let slot = found[index].slot();
            let mut exact = false;
            while index < found.len() && found[index].slot() == slot {
                exact |= found[index].exact();
                index += 1;
            }
            if let Some(Some(indicator)) = self.slots.get(slot as usize) {
                out.push(Hit {
                    key: indicator.key.clone(),
                    exact,
                });
            }
        }
    }

    /// Counts and sizes, computed now.
    pub fn stats(&self) -> IndexStats {
        let key_bytes: usize = self
            .slots
            .iter()
            .flatten()
            .map(|slot| slot.key.as_str().len() + 16 + slot.anchors.len() * 48)
            .sum();
        let heap_bytes = self.slots.capacity() * size_of::<Option<Slot>>()
            + key_bytes
            + self.slot_by_key.capacity() * (size_of::<(IndicatorKey, u32)>() + 1)
            + self.values.heap_bytes()
            + self.suffixes.heap_bytes()
            + self
                .prefixes
                .values()
                .map(PrefixIndex::heap_bytes)
                .sum::<usize>()
            + self
                .regexes
                .values()
                .map(RegexIndex::heap_bytes)
                .sum::<usize>()
            + (self.expiry.len() + self.always_check.len()) * 32
            + self.free_slots.capacity() * 4;
        IndexStats {
            indicators: self.len(),
            value_anchors: self.anchor_counts[0],
            distinct_values: self.values.len(),
            prefix_anchors: self.anchor_counts[1],
            suffix_anchors: self.anchor_counts[2],
            regex_anchors: self.anchor_counts[3],
            always_check: self.always_check.len(),
            never_match: self.never_match,
            unsupported_regexes: self.unsupported_regexes,
            paths: self.paths.len(),
            heap_bytes,
        }
    }

    /// The number of anchors per object path, for diagnostics.
    pub fn anchors_by_path(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for slot in self.slots.iter().flatten() {
            for (path, _) in slot.anchors.iter() {
                if let Some(info) = self.paths.info(*path) {
                    *counts.entry(scalar::path_text(&info.path)).or_default() += 1;
                }
            }
        }
        counts
    }
}

/// Adds postings, demoted to candidates when the observed text had to be folded.
fn push_postings(postings: &[Posting], observed_unchanged: bool, found: &mut Vec<Posting>) {
    if observed_unchanged {
        found.extend_from_slice(postings);
    } else {
        found.extend(
            postings
                .iter()
                .map(|posting| Posting::new(posting.slot(), false)),
        );
    }
}
