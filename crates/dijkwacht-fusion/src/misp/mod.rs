//! MISP feeds and event files as STIX 2.1. MISP is the most common sharing platform;
//! ISAO members and OSINT feeds publish MISP feeds (`manifest.json`, one
//! `<event uuid>.json` per event, `hashes.csv`) or hand over event files. The fusion
//! center takes them in as faithful STIX 2.1: nothing of meaning is dropped without a
//! reported problem, and no handling restriction (TLP, distribution) is ever widened.
//! These are pure functions over bytes; fetching and remembering what was fetched are
//! the pipeline's.
//!
//! Entry points: [`parse_manifest`], [`parse_hashes_csv`], [`map_event`] (one event
//! file: `{"Event": {…}}`, a bare event, or an API `{"response": [ … ]}` holding one
//! event), [`map_events`] (the same, for any number of events) and
//! [`map_event_value`] and [`map_events_value`] for a document already parsed.
//!
//! # The event
//!
//! | MISP | STIX 2.1 |
//! |---|---|
//! | event | `report`: `name` = `info`; `published` = `publish_timestamp` (else `date`); `report_types` = `threat-report` (MISP's threat level and analysis have no `report_types` counterpart, so they are labels `misp:threat-level="high"`, `misp:analysis="complete"`); `labels` = every tag but the TLP ones; `external_references` = `misp`/event uuid and the `link` attributes; `object_refs` = every object made from the event |
//! | `Orgc` | `identity` (`organization`), id from the Orgc uuid, the `created_by_ref` of every SDO and SRO; it is the same object in every event, so it has no marking and the epoch as its time |
//! | `uuid` of an element | the STIX id's UUID when it is an RFC 4122 UUID, else [`crate::mapped::derived_id`] |
//! | `timestamp` of an element | `modified`; `created` is the event's `date` (stable across edits) or `modified` when earlier; the clock is never read |
//! | `tlp:*` tag on the event | the TLP 2.0 marking in `object_marking_refs` of every object (`tlp:white` is CLEAR); reported in [`MappedEvent::tlp`]; without one, [`MispContext::default_tlp`] |
//! | `tlp:*` tag on an attribute | overrides the event's for the objects made from it; a MISP object takes the strictest of its members |
//! | `PAP:*` tag | a label; the event's is reported in [`MappedEvent::pap`] |
//! | `distribution` | [`MappedEvent::distribution`] (the event's; without one, [`MispContext::default_distribution`]); 5 (inherit) is the parent's; a child narrower than the event is listed in [`MappedEvent::object_distributions`] |
//! | `misp-galaxy:` tag or `Galaxy` cluster | see the galaxy table; always also a label |
//! | other tags | `labels` of the objects made from the tagged element |
//! | `Sighting` (type 0, 3) | `sighting` of the attribute's object, `where_sighted_refs` = the sighting organisation's identity |
//! | `Sighting` (type 1, false positive) | `opinion` `strongly-disagree` about the attribute's object |
//! | `ObjectReference` | `relationship` between the objects standing for both ends, MISP's type as `relationship_type` |
//! | `EventReport` | `note` about the report |
//!
//! # Attributes
//!
//! An attribute with `to_ids` becomes an `indicator` (`pattern_type` `stix`,
//! `valid_from` = `first_seen` or the attribute's timestamp, `valid_until` =
//! `last_seen` when later, `indicator_types` `malicious-activity` for payload,
//! artefact, persistence and network categories and `attribution` for attribution,
//! `description` = comment); one without becomes `observed-data` (first and last
//! observed from `first_seen`/`last_seen`, else the timestamp; `number_observed` 1)
//! over SCOs with deterministic ids (an SCO without id-contributing properties, such as
//! an email known only by its recipients, gets a UUIDv4 drawn from its content, so it
//! too is the same on every mapping). Hash values lose white space pasted into them.
//! Both are labelled `misp:type="…"` and
//! `misp:category="…"`. An attribute that carries a sample or attachment (`data`) also
//! gets the observed-data with the `artifact`, linked `based-on` from its indicator.
//!
//! | MISP type | pattern (`to_ids`) | SCOs (otherwise) |
//! |---|---|---|
//! | `ip-src`, `ip-dst` | `network-traffic:src_ref.value` / `dst_ref.value` (`ISSUBSET` for a CIDR) | `ipv4-addr`/`ipv6-addr` + `network-traffic` (`protocols` `ipv4`/`ipv6`) |
//! | `ip-src\|port`, `ip-dst\|port` | the same `AND network-traffic:src_port`/`dst_port` | the same with the port |
//! | `domain`, `hostname` | `domain-name:value` | `domain-name` |
//! | `domain\|ip` | `domain-name:value AND domain-name:resolves_to_refs[*].value` | `domain-name` resolving to the address |
//! | `url` | `url:value` | `url`; a URL without a scheme (`evil.example.com/x`) has no STIX `url` object, so a `note` |
//! | `uri` | `url:value` with a scheme; a path (`/gate.php`) is the HTTP request's: `network-traffic:extensions.'http-request-ext'.request_value` | `url` with a scheme, else a `note` |
//! | `email` | `email-addr:value` | `email-addr` |
//! | `email-src`, `email-dst` | `email-message:from_ref.value` / `to_refs[*].value` | `email-addr` + `email-message` |
//! | `email-subject` | `email-message:subject` | `email-message` |
//! | `email-attachment` | `email-message:body_multipart[*].body_raw_ref.name` | `file` + multipart `email-message` |
//! | `filename` | `file:name` | `file` |
//! | `md5`, `sha1`, `sha256`, `sha512`, `sha3-256`, `sha3-512`, `ssdeep`, `tlsh` | `file:hashes.MD5` (`'SHA-1'`, …) | `file` with `hashes` |
//! | `filename\|md5`, `\|sha1`, `\|sha256`, `\|sha512`, `\|ssdeep` | `file:name AND file:hashes.…` | `file` |
//! | `malware-sample` | `file:name AND file:hashes.MD5` | `file` + `artifact` (zip, password `infected`) |
//! | `attachment` | `file:name` | `file` + `artifact` |
//! | `mutex` | `mutex:name` | `mutex` |
//! | `regkey`, `regkey\|value` | `windows-registry-key:key` (`AND …values[*].data`), the hive written out (`HKLM` is `HKEY_LOCAL_MACHINE`, as STIX requires) | `windows-registry-key` |
//! | `AS` | `autonomous-system:number` | `autonomous-system` |
//! | `mac-address` | `mac-addr:value` (lower case, colons) | `mac-addr` |
//! | `x509-fingerprint-md5`, `-sha1`, `-sha256` | `x509-certificate:hashes.…` (colons removed) | `x509-certificate` |
//! | `port` | `network-traffic:dst_port` | none: a `note` |
//! | `user-agent` | `network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'` | none: a `note` |
//! | `ja3-fingerprint-md5` | `network-traffic:extensions.'x-misp-ja3'.fingerprint_md5` (STIX has no JA3 property) | none: a `note` |
//! | `imphash` | `file:extensions.'windows-pebinary-ext'.imphash` | none: a `note` |
//! | `yara`, `snort`, `sigma`, `stix2-pattern` | always an indicator, `pattern_type` `yara`/`snort`/`sigma`/`stix`, the rule as pattern (labelled `misp:to_ids="false"` when not `to_ids`) | — |
//! | `text`, `comment`, `other` | — | `note` (content = value, about the report) |
//! | `btc`, `pdb`, `pehash`, `float`, `counter`, `datetime`, `size-in-bytes`, `mime-type`, `hex` | — | `note`, labelled with the type (STIX 2.1 has no object for them) |
//! | `link` | — | an external reference of the report; a `note` with the reference when the link has its own TLP, a narrower distribution, or is withdrawn |
//! | `vulnerability` | — | `vulnerability` (`name` and `cve` external reference for a CVE id) |
//! | `threat-actor`, `campaign-name` | — | `threat-actor`, `campaign` |
//! | any other type | — | a [`MappingProblem`](crate::mapped::MappingProblem) at `event <uuid>, attribute <uuid>` naming the type |
//!
//! # MISP objects
//!
//! | template | STIX |
//! |---|---|
//! | `file`, `domain-ip`, `url`, `ip-port`, `network-connection`, `email`, `x509` | one `indicator` whose pattern joins the `to_ids` members with `AND` in one observation expression (same-property members with `OR`); when some members are not `to_ids`, also one `observed-data` with all the SCOs, linked `based-on`; no `to_ids` member: only the observed-data |
//! | any other template | each member as if it stood alone |
//! | members with no place in STIX (entropy, state, text, links…) | one `note` per object: `relation (type): value` lines, referring to the object's other STIX objects |
//!
//! # Galaxies
//!
//! | galaxy | STIX |
//! |---|---|
//! | `mitre-attack-pattern` (and the other `*-attack-pattern`) | `attack-pattern`, the ATT&CK id (`T1234`, `T1234.001`) as `mitre-attack` external reference |
//! | `mitre-intrusion-set` | `intrusion-set` (with the `G` id) |
//! | `threat-actor` | `threat-actor` |
//! | `mitre-malware`, `malpedia`, `ransomware`, `rat`, `banker`, `stealer`, `botnet`, `backdoor`, `android`, `exploit-kit`, `cryptominers` | `malware` (`is_family`, `malware_types` where the galaxy says) |
//! | `tool`, `mitre-tool` | `tool` |
//! | `mitre-course-of-action` | `course-of-action` |
//! | other galaxies | labels only |
//!
//! Each cluster SDO is made per event and related from indicators with `indicates`
//! (from those of the tagged attribute, or for an event tag from every indicator of the
//! event, saying so in the relationship's description); course-of-actions and
//! non-indicator sources use `related-to`.
//!
//! # Deliberately not mapped
//!
//! `ShadowAttribute` (proposals not accepted by the creator), `RelatedEvent` (an
//! instance's correlations), `Org` (the local owner), local ids (`id`, `event_id`,
//! `org_id`), `disable_correlation`, expiration sightings (reported), withdrawn
//! members of MISP objects (reported). The TLP 2.0 `marking-definition` objects are
//! not emitted: they are the standard ones every Dijkwacht store holds.

mod attribute;
mod attribute_types;
mod collect;
mod distribution;
mod event;
mod fields;
mod galaxy;
mod hashes;
mod manifest;
mod object;
mod observable;
mod relations;
mod scope;
mod tags;
mod templates;
mod unit;

use std::collections::BTreeMap;

use dijkwacht_stix::tlp::TlpLevel;
use serde_json::Value;

pub use distribution::Distribution;
pub use hashes::parse_hashes_csv;
pub use manifest::{Analysis, ManifestEntry, ThreatLevel, parse_manifest};

use crate::mapped::Mapped;
use fields::json_kind;

/// Why a MISP input could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum MispError {
    #[error("the {what} is not valid JSON: {source}; check that the whole file was fetched")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("{location}: {message}")]
    Invalid { location: String, message: String },
}

impl MispError {
    pub(crate) fn invalid(location: impl Into<String>, message: impl Into<String>) -> MispError {
        MispError::Invalid {
            location: location.into(),
            message: message.into(),
        }
    }
}

/// What the pipeline knows about a source that MISP's files may not say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MispContext {
    /// The distribution of events that carry none (feed exports strip it): the level
    /// configured for the feed.
    pub default_distribution: Distribution,
    /// The TLP of events that carry no TLP tag, if the feed has one.
    pub default_tlp: Option<TlpLevel>,
}

impl Default for MispContext {
    /// The narrowest assumptions: your organisation only, no TLP.
    fn default() -> MispContext {
        MispContext {
            default_distribution: Distribution::YourOrganisationOnly,
            default_tlp: None,
        }
    }
}

/// One event as STIX 2.1, with the handling the pipeline needs to route it.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedEvent {
    pub mapped: Mapped,
    /// The event's uuid (lower case when it is a UUID).
    pub event_uuid: String,
    /// The event's last change, Unix seconds, as the manifest gives it.
    pub event_timestamp: i64,
    /// The event's distribution, resolved.
    pub distribution: Distribution,
    /// The event's TLP (or the context's default).
    pub tlp: Option<TlpLevel>,
    /// The event's PAP, `PAP:<LEVEL>` in upper case.
    pub pap: Option<String>,
    /// The objects that may travel less far than the event (an attribute at
    /// distribution 0 in a distribution-3 event), by STIX id.
    pub object_distributions: BTreeMap<String, Distribution>,
    /// Every mapped MISP attribute's uuid → the ids of the STIX objects it went into.
    /// An attribute not listed here was reported as a problem.
    pub objects_by_attribute: BTreeMap<String, Vec<String>>,
}

/// Maps one event file: `{"Event": {…}}`, a bare event object, or an API response
/// holding exactly one event.
pub fn map_event(bytes: &[u8], context: &MispContext) -> Result<MappedEvent, MispError> {
    let document: Value = serde_json::from_slice(bytes).map_err(|source| MispError::Json {
        what: "event file",
        source,
    })?;
    map_event_value(&document, context)
}

/// [`map_event`] for an already parsed document.
pub fn map_event_value(document: &Value, context: &MispContext) -> Result<MappedEvent, MispError> {
    let mut events = events_of(document)?;
    match (events.pop(), events.is_empty()) {
        (Some(event), true) => map_one(event, context),
        (Some(_), false) => Err(MispError::invalid(
            "event file",
            format!(
                "the file holds {} events; use map_events for it",
                events.len() + 1
            ),
        )),
        (None, _) => Err(MispError::invalid("event file", "the file holds no event")),
    }
}

/// Maps every event of a file (`{"response": [ … ]}`, a list of events, or one event).
pub fn map_events(bytes: &[u8], context: &MispContext) -> Result<Vec<MappedEvent>, MispError> {
    let document: Value = serde_json::from_slice(bytes).map_err(|source| MispError::Json {
        what: "event file",
        source,
    })?;
    map_events_value(&document, context)
}

/// [`map_events`] for an already parsed document.
pub fn map_events_value(
    document: &Value,
    context: &MispContext,
) -> Result<Vec<MappedEvent>, MispError> {
    events_of(document)?
        .into_iter()
        .map(|event| map_one(event, context))
        .collect()
}

fn map_one(event: &Value, context: &MispContext) -> Result<MappedEvent, MispError> {
    match event {
        Value::Object(fields) => event::map_event_fields(fields, context),
        other => Err(MispError::invalid(
            "event file",
            format!("`Event` is {}, not an object", json_kind(other)),
        )),
    }
}

/// The event object inside one item of a list: `{"Event": {…}}` or a bare event.
fn unwrap_event(item: &Value) -> Result<&Value, MispError> {
    match item {
        Value::Object(fields) => Ok(fields.get("Event").unwrap_or(item)),
        other => Err(MispError::invalid(
            "event file",
            format!("an event is {}, not an object", json_kind(other)),
        )),
    }
}

/// The event objects of a document, in order.
fn events_of(document: &Value) -> Result<Vec<&Value>, MispError> {
    match document {
        Value::Object(fields) => match fields.get("response") {
            Some(Value::Array(items)) => items.iter().map(unwrap_event).collect(),
            Some(response @ Value::Object(_)) => Ok(vec![unwrap_event(response)?]),
            Some(other) => Err(MispError::invalid(
                "event file",
                format!("`response` is {}, not a list of events", json_kind(other)),
            )),
            None => Ok(vec![fields.get("Event").unwrap_or(document)]),
        },
        Value::Array(items) => items.iter().map(unwrap_event).collect(),
        other => Err(MispError::invalid(
            "event file",
            format!(
                "the file is {}, not a MISP event (expected {{\"Event\": {{…}}}})",
                json_kind(other)
            ),
        )),
    }
}
