//! A MISP feed's `manifest.json`: one entry per event, keyed by the event's uuid, with
//! what a consumer needs to decide what to fetch (standards digest §5.7). The pipeline
//! compares each entry's `timestamp` with the one it stored and fetches only the events
//! that changed.
//!
//! Decisions: the keys become file names (`<uuid>.json`), so a key that is not a UUID
//! rejects the whole manifest rather than letting a name such as `../x` through; an
//! entry without `timestamp` is rejected too, since the pipeline cannot schedule it.
//! The other fields are read leniently (numbers as text or JSON numbers).

use serde_json::{Map, Value};

use super::MispError;
use super::fields::{integer, json_kind, list, non_empty_text, rfc4122_uuid};

/// MISP's threat level of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ThreatLevel {
    High,
    Medium,
    Low,
    Undefined,
}

impl ThreatLevel {
    /// Reads MISP's `threat_level_id` (1 to 4).
    pub fn from_id(id: i64) -> Option<ThreatLevel> {
        Some(match id {
            1 => ThreatLevel::High,
            2 => ThreatLevel::Medium,
            3 => ThreatLevel::Low,
            4 => ThreatLevel::Undefined,
            _ => return None,
        })
    }

    /// The lower-case name, as the mapping's labels write it.
    pub fn name(self) -> &'static str {
        match self {
            ThreatLevel::High => "high",
            ThreatLevel::Medium => "medium",
            ThreatLevel::Low => "low",
            ThreatLevel::Undefined => "undefined",
        }
    }
}

/// How far MISP's analysis of an event has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Analysis {
    Initial,
    Ongoing,
    Complete,
}

impl Analysis {
    /// Reads MISP's `analysis` (0 to 2).
    pub fn from_id(id: i64) -> Option<Analysis> {
        Some(match id {
            0 => Analysis::Initial,
            1 => Analysis::Ongoing,
            2 => Analysis::Complete,
            _ => return None,
        })
    }

    /// The lower-case name, as the mapping's labels write it.
    pub fn name(self) -> &'static str {
        match self {
            Analysis::Initial => "initial",
            Analysis::Ongoing => "ongoing",
            Analysis::Complete => "complete",
        }
    }
}

/// One event as a feed's manifest describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// The event's uuid, lower case: its file is `<event_uuid>.json`.
    pub event_uuid: String,
    pub info: String,
    /// The creator organisation (`Orgc`).
    pub orgc_name: Option<String>,
    pub orgc_uuid: Option<String>,
    /// The day the event happened, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// The event's last change, in Unix seconds.
    pub timestamp: i64,
    pub threat_level: Option<ThreatLevel>,
    pub analysis: Option<Analysis>,
    /// The event's tag names.
    pub tags: Vec<String>,
}

/// Reads a feed's `manifest.json`. The entries come in the order of their uuids.
pub fn parse_manifest(bytes: &[u8]) -> Result<Vec<ManifestEntry>, MispError> {
    let document: Value = serde_json::from_slice(bytes).map_err(|source| MispError::Json {
        what: "manifest",
        source,
    })?;
    let Value::Object(entries) = document else {
        return Err(MispError::invalid(
            "manifest",
            format!(
                "the manifest is {}, not an object keyed by event uuid",
                json_kind(&document)
            ),
        ));
    };
    let mut parsed: Vec<ManifestEntry> = entries
        .iter()
        .map(|(key, entry)| parse_entry(key, entry))
        .collect::<Result<_, _>>()?;
    parsed.sort_by(|first, second| first.event_uuid.cmp(&second.event_uuid));
    Ok(parsed)
}

fn parse_entry(key: &str, entry: &Value) -> Result<ManifestEntry, MispError> {
    let location = format!("manifest entry {key}");
    let event_uuid = rfc4122_uuid(key).ok_or_else(|| {
        MispError::invalid(
            &location,
            "the key is not an event uuid; a feed names each event file <uuid>.json",
        )
    })?;
    let Value::Object(fields) = entry else {
        return Err(MispError::invalid(
            &location,
            format!("the entry is {}, not an object", json_kind(entry)),
        ));
    };
    let timestamp = integer(fields, "timestamp").ok_or_else(|| {
        MispError::invalid(
            &location,
            "`timestamp` is missing or not a number; it says when the event last changed",
        )
    })?;
    let orgc = fields.get("Orgc").and_then(Value::as_object);
    Ok(ManifestEntry {
        event_uuid,
        info: non_empty_text(fields, "info").unwrap_or_default(),
        orgc_name: orgc.and_then(|orgc| non_empty_text(orgc, "name")),
        orgc_uuid: orgc.and_then(|orgc| non_empty_text(orgc, "uuid")),
        date: non_empty_text(fields, "date"),
        timestamp,
        threat_level: integer(fields, "threat_level_id").and_then(ThreatLevel::from_id),
        analysis: integer(fields, "analysis").and_then(Analysis::from_id),
        tags: tag_names(fields),
    })
}

/// The names in a `Tag` list (objects with `name`, or plain strings).
fn tag_names(fields: &Map<String, Value>) -> Vec<String> {
    list(fields, "Tag")
        .iter()
        .filter_map(|tag| match tag {
            Value::String(name) => Some(name.trim().to_owned()),
            Value::Object(tag) => non_empty_text(tag, "name"),
            _ => None,
        })
        .filter(|name| !name.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_read_with_numbers_in_either_spelling() {
        let manifest = br#"{
            "5a0a9aa9-23a4-4607-b6df-41a9950d210f": {"info": "B", "timestamp": "1510653432", "threat_level_id": "2", "analysis": 1, "Tag": [{"name": "tlp:white"}]},
            "56bf399d-c46c-4fdb-a9cf-d9bb02de0b81": {"info": "A", "Orgc": {"name": "CIRCL", "uuid": "55f6ea5e-2c60-40e5-964f-47a8950d210f"}, "timestamp": 1455373240, "date": "2015-12-18"}
        }"#;
        let entries = parse_manifest(manifest).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(entries.len(), 2);
        let first = entries
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("no entry"));
        assert_eq!(first.event_uuid, "56bf399d-c46c-4fdb-a9cf-d9bb02de0b81");
        assert_eq!(first.timestamp, 1_455_373_240);
        assert_eq!(first.orgc_name.as_deref(), Some("CIRCL"));
        let second = entries
            .get(1)
            .cloned()
            .unwrap_or_else(|| panic!("no entry"));
        assert_eq!(second.timestamp, 1_510_653_432);
        assert_eq!(second.threat_level, Some(ThreatLevel::Medium));
        assert_eq!(second.analysis, Some(Analysis::Ongoing));
        assert_eq!(second.tags, vec!["tlp:white"]);
    }

    #[test]
    fn unsafe_keys_and_missing_timestamps_are_refused() {
        let traversal = parse_manifest(br#"{"../etc/passwd": {"timestamp": 1}}"#);
        assert!(
            matches!(traversal, Err(MispError::Invalid { .. })),
            "{traversal:?}"
        );
        let undated = parse_manifest(br#"{"56bf399d-c46c-4fdb-a9cf-d9bb02de0b81": {"info": "A"}}"#);
        let message = undated
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(message.contains("timestamp"), "{message}");
        assert!(matches!(
            parse_manifest(b"[1, 2"),
            Err(MispError::Json { .. })
        ));
        assert!(matches!(
            parse_manifest(b"[]"),
            Err(MispError::Invalid { .. })
        ));
    }
}
