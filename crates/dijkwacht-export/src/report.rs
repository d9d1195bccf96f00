//! The account every export gives of itself: how many objects it saw, how many went
//! out, and why the rest did not. The binary writes it to the audit log and the server
//! can return it, so that "why is my indicator not in the blocklist?" has an answer.

use std::collections::BTreeMap;

use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::StoredObject;
use serde::Serialize;

/// Why one object did not go into an export. Each object seen is either written or
/// counted under exactly one reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// TLP:RED never goes into a bulk export, whatever the caller's query allowed.
    TlpRed,
    /// The stored JSON or the indicator's pattern could not be read.
    Malformed,
    /// The object is revoked and the export asks for what is valid, or is a blocklist.
    Revoked,
    /// An indicator whose `valid_until` has passed at the export's instant.
    Expired,
    /// An indicator whose `valid_from` lies after the export's instant.
    NotYetValid,
    /// An indicator whose score (the fusion center's, from its sources' reliability,
    /// corroboration and sightings, decaying with age) is below its kind's threshold.
    Decayed,
    /// An indicator whose `confidence` is below the export's minimum.
    BelowMinConfidence,
    /// An indicator without `confidence` when the export asks for a minimum: STIX
    /// says an absent confidence is unknown, and unknown does not meet a threshold.
    UnknownConfidence,
    /// An indicator pattern too complex for the format (MISP attributes need
    /// equality comparisons inside observations joined by OR).
    ComplexPattern,
    /// Every value the object offered failed the format's checks (a blocklist line
    /// that is not an address, a network, a domain name or a URL).
    InvalidValues,
    /// The format has no place for this object (a malware in a blocklist, an
    /// indicator without values a CSV row can carry).
    NotApplicable,
}

impl SkipReason {
    /// The name used in reports and the audit log, e.g. `tlp-red`.
    pub fn name(self) -> &'static str {
        match self {
            SkipReason::TlpRed => "tlp-red",
            SkipReason::Malformed => "malformed",
            SkipReason::Revoked => "revoked",
            SkipReason::Expired => "expired",
            SkipReason::NotYetValid => "not-yet-valid",
            SkipReason::Decayed => "decayed",
            SkipReason::BelowMinConfidence => "below-min-confidence",
            SkipReason::UnknownConfidence => "unknown-confidence",
            SkipReason::ComplexPattern => "complex-pattern",
            SkipReason::InvalidValues => "invalid-values",
            SkipReason::NotApplicable => "not-applicable",
        }
    }
}

/// What one export did with the objects it was given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    /// Every object handed to the export, RED ones included.
    pub objects_seen: usize,
    /// Objects whose content went out (as a bundle member, a row, an event, an attribute
    /// or a blocklist line).
    pub objects_written: usize,
    /// Objects that did not go out, by reason.
    pub skipped: BTreeMap<SkipReason, usize>,
    /// The ids of the written objects at TLP:AMBER or stricter: every read of them is
    /// audited with the reader.
    pub amber_or_stricter: Vec<String>,
}

impl ExportReport {
    /// How many objects were skipped for `reason`.
    pub fn skipped_for(&self, reason: SkipReason) -> usize {
        self.skipped.get(&reason).copied().unwrap_or(0)
    }

    /// How many objects were skipped for any reason.
    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }

    pub(crate) fn skip(&mut self, reason: SkipReason) {
        *self.skipped.entry(reason).or_insert(0) += 1;
    }

    pub(crate) fn wrote(&mut self, object: &StoredObject) {
        self.objects_written += 1;
        if object.tlp.is_some_and(|level| level >= TlpLevel::Amber) {
            self.amber_or_stricter.push(object.id.clone());
        }
    }

    /// Counts one more object seen and says whether it may go out at all: TLP:RED is
    /// counted as skipped and refused here, for every format.
    pub(crate) fn admit(&mut self, object: &StoredObject) -> bool {
        self.objects_seen += 1;
        if object.tlp == Some(TlpLevel::Red) {
            self.skip(SkipReason::TlpRed);
            return false;
        }
        true
    }
}
