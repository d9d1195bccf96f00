//! What every STIX object made from one MISP event shares: the event's identity, its
//! markings and distribution, and how MISP timestamps become `created` and `modified`.
//!
//! Decisions: `modified` is the MISP `timestamp` of the element (its last change), so
//! an edited attribute gets a new version and an untouched one stays byte-identical.
//! MISP keeps no creation time, so `created` is the event's `date` (midnight UTC),
//! which does not move when an element is edited, or `modified` when that is earlier.
//! Nothing ever reads the clock.

use dijkwacht_stix::Timestamp;
use dijkwacht_stix::tlp::TlpLevel;
use serde_json::{Map, Value, json};

use super::distribution::Distribution;
use super::fields::{stix_micros, stix_millis};

/// The facts of one event that its objects inherit.
#[derive(Debug, Clone)]
pub(crate) struct EventScope {
    pub event_uuid: String,
    pub report_id: String,
    /// The creator organisation's identity, used as `created_by_ref` on everything.
    pub identity_id: Option<String>,
    pub event_modified: Timestamp,
    /// The event's `date`, the earliest `created` of its objects.
    pub event_day: Option<Timestamp>,
    pub tlp: Option<TlpLevel>,
    pub distribution: Distribution,
}

/// The `created` and `modified` of one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Times {
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// The handling of one object: its TLP and how far it may travel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Handling {
    pub tlp: Option<TlpLevel>,
    pub distribution: Distribution,
}

impl Handling {
    /// What may be done with something made of both: the stricter TLP, the narrower
    /// distribution.
    pub(crate) fn combine(&self, other: &Handling) -> Handling {
        Handling {
            tlp: self.tlp.max(other.tlp),
            distribution: self.distribution.narrower(&other.distribution),
        }
    }
}

impl EventScope {
    /// The times of an element last changed at `modified`.
    pub(crate) fn times(&self, modified: Timestamp) -> Times {
        let created = match self.event_day {
            Some(day) if day <= modified => day,
            _ => modified,
        };
        Times { created, modified }
    }

    /// The event's own handling.
    pub(crate) fn handling(&self) -> Handling {
        Handling {
            tlp: self.tlp,
            distribution: self.distribution.clone(),
        }
    }

    /// `event <uuid>, attribute <uuid>`: where an attribute's problem is.
    pub(crate) fn attribute_location(&self, attribute_uuid: &str) -> String {
        format!("event {}, attribute {}", self.event_uuid, attribute_uuid)
    }

    /// `event <uuid>, object <uuid>`: where a MISP object's problem is.
    pub(crate) fn object_location(&self, object_uuid: &str) -> String {
        format!("event {}, object {}", self.event_uuid, object_uuid)
    }

    /// `event <uuid>`.
    pub(crate) fn event_location(&self) -> String {
        format!("event {}", self.event_uuid)
    }

    /// The common properties of an SDO or SRO: type, spec_version, id, created,
    /// modified, created_by_ref and the TLP marking.
    pub(crate) fn sdo(
        &self,
        object_type: &str,
        id: &str,
        times: Times,
        tlp: Option<TlpLevel>,
    ) -> Map<String, Value> {
        let mut object = Map::new();
        object.insert("type".to_owned(), json!(object_type));
        object.insert("spec_version".to_owned(), json!("2.1"));
        object.insert("id".to_owned(), json!(id));
        object.insert("created".to_owned(), json!(stix_millis(times.created)));
        object.insert("modified".to_owned(), json!(stix_millis(times.modified)));
        if let Some(identity) = &self.identity_id {
            object.insert("created_by_ref".to_owned(), json!(identity));
        }
        if let Some(level) = tlp {
            object.insert(
                "object_marking_refs".to_owned(),
                json!([level.marking_id()]),
            );
        }
        object
    }
}

/// Sets `labels` when there are any.
pub(crate) fn set_labels(object: &mut Map<String, Value>, labels: &[String]) {
    if !labels.is_empty() {
        object.insert("labels".to_owned(), json!(labels));
    }
}

/// Sets a text property when it is present and not blank.
pub(crate) fn set_text(object: &mut Map<String, Value>, key: &str, text: Option<&str>) {
    if let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) {
        object.insert(key.to_owned(), json!(text));
    }
}

/// The observation window of observed-data: `first_seen` (or the fallback) to
/// `last_seen`, never ending before it starts.
pub(crate) fn observation_window(
    object: &mut Map<String, Value>,
    first_seen: Option<Timestamp>,
    last_seen: Option<Timestamp>,
    fallback: Timestamp,
) {
    let first = first_seen.unwrap_or(fallback);
    let last = last_seen.filter(|last| *last >= first).unwrap_or(first);
    object.insert("first_observed".to_owned(), json!(stix_micros(first)));
    object.insert("last_observed".to_owned(), json!(stix_micros(last)));
    object.insert("number_observed".to_owned(), json!(1));
}

/// The validity of an indicator: from `first_seen` (or the fallback), until
/// `last_seen` when that is later. Returns false when a `last_seen` had to be left out.
pub(crate) fn validity_window(
    object: &mut Map<String, Value>,
    first_seen: Option<Timestamp>,
    last_seen: Option<Timestamp>,
    fallback: Timestamp,
) -> bool {
    let from = first_seen.unwrap_or(fallback);
    object.insert("valid_from".to_owned(), json!(stix_micros(from)));
    match last_seen {
        Some(until) if until > from => {
            object.insert("valid_until".to_owned(), json!(stix_micros(until)));
            true
        }
        Some(_) => false,
        None => true,
    }
}

/// The indicator types a MISP category makes clear: attribution data points at an
/// actor; payload, artefact, persistence and network categories describe malicious
/// activity. Other categories say nothing certain, so no type is claimed.
pub(crate) fn indicator_types_of(category: Option<&str>) -> Option<&'static str> {
    match category? {
        "Attribution" => Some("attribution"),
        "Payload delivery"
        | "Artifacts dropped"
        | "Payload installation"
        | "Persistence mechanism"
        | "Network activity"
        | "Payload type" => Some("malicious-activity"),
        _ => None,
    }
}
