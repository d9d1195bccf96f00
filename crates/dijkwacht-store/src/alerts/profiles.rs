//! Asset profiles as stored: an organisation's entries (what it runs and owns), each a
//! kind and a value already in its normal form, and a *revision* per profile that moves
//! whenever the profile changes, so that the matcher rematches only the profiles that
//! changed since it last looked instead of every profile on every run.
//!
//! Kinds are strings here: the store does not know `dijkwacht-alerts`, which decides
//! what kinds exist and how a value is normalised. What the store promises is that one
//! (organisation, kind, value) is one entry, however often it is added.

use std::collections::BTreeSet;

use crate::StoreError;

/// One entry of a profile as a caller gives it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProfileEntry {
    /// The entry's kind (`cpe`, `cidr`, `domain`, …), as `dijkwacht-alerts` names it.
    pub kind: String,
    /// The value in its normal form.
    pub value: String,
}

impl ProfileEntry {
    pub fn new(kind: impl Into<String>, value: impl Into<String>) -> ProfileEntry {
        ProfileEntry {
            kind: kind.into(),
            value: value.into(),
        }
    }
}

/// One stored entry of a profile.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AssetRecord {
    pub organisation: String,
    pub kind: String,
    pub value: String,
    /// When it was first added (Unix microseconds); adding it again keeps this.
    pub added_at: i64,
}

impl AssetRecord {
    /// Where a page of all entries that ends with this one continues
    /// ([`crate::alerts::Alerts::assets_page`]).
    pub fn position(&self) -> AssetPosition {
        AssetPosition {
            organisation: self.organisation.clone(),
            kind: self.kind.clone(),
            value: self.value.clone(),
        }
    }
}

/// A place in the order of all entries of all profiles: by organisation, kind, value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AssetPosition {
    pub organisation: String,
    pub kind: String,
    pub value: String,
}

/// One organisation's whole profile, read at one moment: its entries and the revision
/// they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetProfile {
    pub organisation: String,
    /// 0 for a profile that has never held an entry.
    pub revision: i64,
    /// Sorted by kind, then value.
    pub assets: Vec<AssetRecord>,
}

/// What a change did to a profile. Entries given twice in one call count once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AssetChange {
    /// Entries that were not in the profile and are now.
    pub added: usize,
    /// Entries that were in the profile and are no more.
    pub removed: usize,
    /// Entries the call named that stay as they were: already there when adding or
    /// replacing, not there when removing.
    pub unchanged: usize,
    /// The profile's revision after the change; the same as before when nothing was
    /// added or removed.
    pub revision: i64,
}

impl AssetChange {
    /// Whether the profile changed.
    pub fn changed(&self) -> bool {
        self.added > 0 || self.removed > 0
    }
}

/// A profile and the revision it reached.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProfileRevision {
    pub organisation: String,
    /// Revisions come from one counter for all profiles, so a caller that remembers the
    /// highest it has seen asks for everything after it
    /// ([`crate::alerts::Alerts::profiles_changed_since`]).
    pub revision: i64,
}

/// The distinct entries of a call, refusing an empty kind or value: the rule every
/// backend applies before it touches a profile.
pub fn distinct_entries(entries: Vec<ProfileEntry>) -> Result<BTreeSet<ProfileEntry>, StoreError> {
    if let Some(empty) = entries
        .iter()
        .find(|entry| entry.kind.trim().is_empty() || entry.value.trim().is_empty())
    {
        return Err(StoreError::Invalid(format!(
            "a profile entry needs a kind and a value (got kind '{}', value '{}'); \
             normalise entries before storing them",
            empty.kind, empty.value
        )));
    }
    Ok(entries.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_deduplicated_and_empty_ones_refused() {
        let distinct = distinct_entries(vec![
            ProfileEntry::new("domain", "example.nl"),
            ProfileEntry::new("cidr", "192.0.2.0/24"),
            ProfileEntry::new("domain", "example.nl"),
        ])
        .expect("valid entries");
        assert_eq!(
            distinct.into_iter().collect::<Vec<_>>(),
            [
                ProfileEntry::new("cidr", "192.0.2.0/24"),
                ProfileEntry::new("domain", "example.nl")
            ]
        );
        for bad in [ProfileEntry::new("", "x"), ProfileEntry::new("domain", " ")] {
            assert!(matches!(
                distinct_entries(vec![bad]),
                Err(StoreError::Invalid(_))
            ));
        }
    }
}
