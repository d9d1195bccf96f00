//! What a feed's mapping to STIX 2.1 gives: the objects, and the problems met on the way,
//! each located (a line, an event and attribute, a CVE) so that an operator can find it
//! in the feed. A problem never stops a mapping: the rest of the feed is still mapped.
//!
//! Objects derived from a feed's records get ids that depend only on the record
//! ([`derived_id`]), and timestamps from the record itself, so that mapping the same
//! feed twice gives the same objects and storing them again changes nothing.

use serde_json::Value;
use uuid::Uuid;

/// The namespace of the UUIDv5 ids of objects the fusion center derives from feeds.
pub const FUSION_NAMESPACE: Uuid = Uuid::from_u128(0x5d1f_3c2a_8e47_4b0d_9a61_2f7c_0e9b_d4a3);

/// The STIX objects of one feed input, and what could not be mapped.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Mapped {
    pub objects: Vec<Value>,
    pub problems: Vec<MappingProblem>,
}

impl Mapped {
    pub fn problem(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.problems.push(MappingProblem {
            location: location.into(),
            message: message.into(),
        });
    }

    /// Adds another input's objects and problems.
    pub fn extend(&mut self, other: Mapped) {
        self.objects.extend(other.objects);
        self.problems.extend(other.problems);
    }
}

/// Something in a feed that could not be mapped, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingProblem {
    /// Where in the input: `line 12`, `event 5a4f…, attribute 91c2…`, `CVE-2024-1234`.
    pub location: String,
    /// What is wrong, and what was done (the record skipped, a field ignored).
    pub message: String,
}

impl std::fmt::Display for MappingProblem {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.location, self.message)
    }
}

/// The id of an object of `object_type` derived from the record `key` of a feed of
/// `feed_kind` (`kev`, `misp`, `csv`…): the same record always gives the same id.
pub fn derived_id(object_type: &str, feed_kind: &str, key: &str) -> String {
    let name = format!("{feed_kind}:{object_type}:{key}");
    format!(
        "{object_type}--{}",
        Uuid::new_v5(&FUSION_NAMESPACE, name.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_depend_on_the_record_alone() {
        let first = derived_id("vulnerability", "kev", "CVE-2024-1234");
        assert_eq!(first, derived_id("vulnerability", "kev", "CVE-2024-1234"));
        assert_ne!(first, derived_id("vulnerability", "kev", "CVE-2024-1235"));
        assert_ne!(first, derived_id("vulnerability", "csaf", "CVE-2024-1234"));
        assert!(first.starts_with("vulnerability--"));
    }
}
