//! A MISP feed of the export, so that a MISP instance can subscribe to Dijkwacht as it
//! subscribes to CIRCL's OSINT feed: a folder with `manifest.json`, one
//! `<event-uuid>.json` per event and `hashes.csv`, laid out as PyMISP's feed generator
//! and MISP's own feed export write them (MISP core format RFC, "Manifest").
//!
//! How STIX becomes MISP here, and why:
//! - every STIX `report` and `grouping` becomes one event whose attributes are mapped
//!   from the objects it references; objects that no exported report or grouping
//!   references go into one extra event per feed, "Dijkwacht indicators outside
//!   reports", so that nothing a subscriber may have is left out;
//! - uuids are UUIDv5 in a Dijkwacht namespace, of the STIX id for events and of the
//!   event, the STIX id and the value for attributes: stable across exports (MISP
//!   updates an event when its `timestamp` grows) and unique in a MISP instance even
//!   when one indicator sits in several reports;
//! - indicators become attributes with `to_ids: true` only when their pattern is simple
//!   (equalities joined by AND and OR inside observations joined by OR, no qualifiers):
//!   anything else cannot be said with attributes and is counted as a complex pattern;
//!   each compared value becomes one attribute (a file name and a hash ANDed become two
//!   attributes, not a `filename|sha256` pair);
//! - observables referenced directly become attributes with `to_ids: false` (an
//!   observation is not a detection rule); vulnerabilities become `vulnerability`
//!   attributes named by their CVE;
//! - malware, threat actors, attack patterns and the other SDOs are left out: MISP
//!   expresses them as galaxies, which this feed does not write, and a `text` attribute
//!   would only correlate on common words;
//! - revoked indicators and observables become attributes with `deleted: true`
//!   (MISP's revocation); revoked reports and groupings are left out;
//! - the creator (`Orgc`) is the identity in `created_by_ref` when it is exported (its
//!   STIX uuid, global as MISP's organisation uuids are), else the feed's producer;
//! - an event carries the `tlp:` tag of the strictest TLP level among the report and
//!   its attributes, and each attribute the tag of its own object, so that no event is
//!   labelled looser than what it holds;
//! - `distribution` is a hint from the TLP level (CLEAR 3, GREEN 1, AMBER and stricter
//!   or unknown 0): MISP replaces it with the feed's configured distribution on pull;
//! - `threat_level_id` is 4 (undefined: STIX has no threat level); `analysis` is 2
//!   (complete) for reports, which are published, and 1 (ongoing) for groupings and
//!   the outside event.
//!
//! Building the feed is a pure function over objects in memory ([`build_misp_feed`]);
//! [`write_misp_feed`] lays it out in a folder.

mod layout;
mod mapping;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_stix::{StixObject, Timestamp};
use dijkwacht_store::StoredObject;
use serde::Serialize;

pub use layout::{md5_hex, value_parts, write_misp_feed};
use mapping::{AttributeDraft, attribute_drafts, distribution_of, tlp_tag};

use crate::indicator::read_stored;
use crate::{ExportReport, IndicatorFilter, SkipReason};

/// The namespace of every uuid this feed derives (UUIDv5).
pub const DIJKWACHT_MISP_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6d1f_4c2a_8b3e_4f50_9a61_d7e8_c9b0_a1f2);

/// The `info` of the event that holds what no report or grouping references.
pub const OUTSIDE_REPORTS_INFO: &str = "Dijkwacht indicators outside reports";

/// How a feed is named and who produces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MispFeedOptions {
    /// The feed's name; it fixes the uuid of the outside-reports event.
    pub feed_name: String,
    /// The creator of events whose author is not exported.
    pub producer: MispOrg,
    /// Which indicators the feed keeps.
    pub filter: IndicatorFilter,
}

impl MispFeedOptions {
    /// Options for a feed called `feed_name`, produced by "Dijkwacht" with a uuid derived
    /// from the feed name.
    pub fn new(feed_name: &str) -> MispFeedOptions {
        MispFeedOptions {
            feed_name: feed_name.to_owned(),
            producer: MispOrg {
                name: "Dijkwacht".to_owned(),
                uuid: derived_uuid(&format!("producer:{feed_name}")),
            },
            filter: IndicatorFilter::default(),
        }
    }
}

/// An organisation as MISP names one: `Orgc` in events and the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MispOrg {
    pub name: String,
    pub uuid: String,
}

/// A tag; only TLP tags are written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MispTag {
    pub name: String,
    pub colour: String,
}

/// One attribute of an event, with MISP's types: numbers as strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MispAttribute {
    pub uuid: String,
    #[serde(rename = "type")]
    pub attribute_type: String,
    pub category: String,
    pub value: String,
    pub to_ids: bool,
    pub deleted: bool,
    pub disable_correlation: bool,
    pub timestamp: String,
    pub comment: String,
    #[serde(rename = "Tag", skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<MispTag>,
}

/// One event, as its `<uuid>.json` holds it under `"Event"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MispEvent {
    pub uuid: String,
    pub info: String,
    pub date: String,
    pub timestamp: String,
    pub publish_timestamp: String,
    pub published: bool,
    pub analysis: String,
    pub threat_level_id: String,
    pub distribution: String,
    #[serde(rename = "Orgc")]
    pub orgc: MispOrg,
    #[serde(rename = "Tag")]
    pub tags: Vec<MispTag>,
    #[serde(rename = "Attribute")]
    pub attributes: Vec<MispAttribute>,
}

/// One entry of `manifest.json`; here numbers are JSON numbers, as MISP writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestEntry {
    pub info: String,
    #[serde(rename = "Orgc")]
    pub orgc: MispOrg,
    #[serde(rename = "Tag")]
    pub tags: Vec<MispTag>,
    pub date: String,
    pub analysis: u8,
    pub threat_level_id: u8,
    pub timestamp: i64,
}

/// One line of `hashes.csv`: the MD5 of an attribute value and its event.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FeedHash {
    pub md5: String,
    pub event_uuid: String,
}

/// A whole feed in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MispFeed {
    /// Event uuid → manifest entry.
    pub manifest: BTreeMap<String, ManifestEntry>,
    /// Event uuid → event.
    pub events: BTreeMap<String, MispEvent>,
    /// Sorted, without duplicates.
    pub hashes: Vec<FeedHash>,
}

/// What a feed export did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MispFeedReport {
    pub export: ExportReport,
    pub events: usize,
    pub attributes: usize,
}

/// An object admitted to the feed, read back.
struct Admitted<'a> {
    stored: &'a StoredObject,
    object: StixObject,
}

/// Builds the feed of `objects` (latest versions, read through the sharing policy).
pub fn build_misp_feed<'a>(
    objects: impl IntoIterator<Item = &'a StoredObject>,
    options: &MispFeedOptions,
) -> (MispFeed, MispFeedReport) {
    let mut report = ExportReport::default();
    let mut admitted: Vec<Admitted<'a>> = Vec::new();
    for stored in objects {
        if !report.admit(stored) {
            continue;
        }
        match read_stored(stored) {
            Ok(object) => admitted.push(Admitted { stored, object }),
            Err(reason) => report.skip(reason),
        }
    }
    admitted.sort_by(|left, right| left.stored.id.cmp(&right.stored.id));
    let identities: BTreeMap<&str, &StixObject> = admitted
        .iter()
        .filter(|each| each.object.object_type() == "identity")
        .map(|each| (each.stored.id.as_str(), &each.object))
        .collect();

    let mut containers = Vec::new();
    let mut drafts: BTreeMap<&str, (&Admitted<'a>, Vec<AttributeDraft>)> = BTreeMap::new();
    for each in &admitted {
        match each.object.object_type() {
            "report" | "grouping" if each.object.revoked() => report.skip(SkipReason::Revoked),
            "report" | "grouping" => containers.push(each),
            _ => match attribute_drafts(&each.object, each.stored.tlp, &options.filter) {
                Ok(found) => {
                    drafts.insert(each.stored.id.as_str(), (each, found));
                }
                Err(reason) => report.skip(reason),
            },
        }
    }

    let mut feed = MispFeed::default();
    let mut referenced: BTreeSet<&str> = BTreeSet::new();
    for container in &containers {
        let refs: Vec<&str> = container
            .object
            .get("object_refs")
            .and_then(serde_json::Value::as_array)
            .map(|refs| refs.iter().filter_map(serde_json::Value::as_str).collect())
            .unwrap_or_default();
        let members: Vec<&(&Admitted<'a>, Vec<AttributeDraft>)> =
            refs.iter().filter_map(|id| drafts.get(id)).collect();
        referenced.extend(members.iter().map(|(member, _)| member.stored.id.as_str()));
        let orgc = container
            .object
            .created_by_ref()
            .and_then(|id| identities.get(id).map(|identity| (id, *identity)))
            .and_then(|(id, identity)| organisation_of(id, identity))
            .unwrap_or_else(|| options.producer.clone());
        let shape = EventShape {
            uuid: derived_uuid(&container.stored.id),
            info: container
                .object
                .display_name()
                .map_or_else(|| container.stored.id.clone(), str::to_owned),
            orgc,
            analysis: if container.object.object_type() == "report" {
                2
            } else {
                1
            },
            own_tlp: container.stored.tlp,
            own_change: change_of(&container.object),
            published: timestamp_of(&container.object, "published"),
        };
        add_event(&mut feed, shape, &members);
        report.wrote(container.stored);
    }

    let outside: Vec<&(&Admitted<'a>, Vec<AttributeDraft>)> = drafts
        .iter()
        .filter(|(id, _)| !referenced.contains(**id))
        .map(|(_, entry)| entry)
        .collect();
    if !outside.is_empty() {
        let shape = EventShape {
            uuid: derived_uuid(&format!("outside-reports:{}", options.feed_name)),
            info: OUTSIDE_REPORTS_INFO.to_owned(),
            orgc: options.producer.clone(),
            analysis: 1,
            own_tlp: None,
            own_change: None,
            published: None,
        };
        add_event(&mut feed, shape, &outside);
    }
    for (member, _) in drafts.values() {
        report.wrote(member.stored);
    }
    feed.hashes = layout::hashes_of(&feed.events);
    let feed_report = MispFeedReport {
        export: report,
        events: feed.events.len(),
        attributes: feed
            .events
            .values()
            .map(|event| event.attributes.len())
            .sum(),
    };
    (feed, feed_report)
}

/// What an event takes from its report, grouping or the outside-reports rule.
struct EventShape {
    uuid: String,
    info: String,
    orgc: MispOrg,
    analysis: u8,
    own_tlp: Option<TlpLevel>,
    own_change: Option<Timestamp>,
    published: Option<Timestamp>,
}

fn add_event(
    feed: &mut MispFeed,
    shape: EventShape,
    members: &[&(&Admitted<'_>, Vec<AttributeDraft>)],
) {
    let mut attributes = Vec::new();
    let mut seen = BTreeSet::new();
    let mut strictest = shape.own_tlp;
    let mut latest = shape.own_change;
    for (member, member_drafts) in members {
        strictest = strictest.max(member.stored.tlp);
        latest = latest.max(change_of(&member.object));
        for draft in member_drafts {
            if seen.insert((draft.attribute_type, draft.value.clone())) {
                attributes.push(draft.to_attribute(&shape.uuid, &member.stored.id));
            }
        }
    }
    let timestamp = latest.map_or(0, |instant| instant.unix_micros().div_euclid(1_000_000));
    let date = shape
        .published
        .or(latest)
        .map(date_of)
        .unwrap_or_else(|| "1970-01-01".to_owned());
    let publish_timestamp = shape.published.map_or(timestamp, |instant| {
        instant.unix_micros().div_euclid(1_000_000)
    });
    let tags: Vec<MispTag> = strictest.and_then(tlp_tag).into_iter().collect();
    feed.manifest.insert(
        shape.uuid.clone(),
        ManifestEntry {
            info: shape.info.clone(),
            orgc: shape.orgc.clone(),
            tags: tags.clone(),
            date: date.clone(),
            analysis: shape.analysis,
            threat_level_id: 4,
            timestamp,
        },
    );
    feed.events.insert(
        shape.uuid.clone(),
        MispEvent {
            uuid: shape.uuid,
            info: shape.info,
            date,
            timestamp: timestamp.to_string(),
            publish_timestamp: publish_timestamp.to_string(),
            published: true,
            analysis: shape.analysis.to_string(),
            threat_level_id: "4".to_owned(),
            distribution: distribution_of(strictest).to_owned(),
            orgc: shape.orgc,
            tags,
            attributes,
        },
    );
}

fn organisation_of(id: &str, identity: &StixObject) -> Option<MispOrg> {
    Some(MispOrg {
        name: identity.display_name()?.to_owned(),
        uuid: id.split_once("--")?.1.to_owned(),
    })
}

/// The instant an object last changed: `modified`, else `created`.
pub(crate) fn change_of(object: &StixObject) -> Option<Timestamp> {
    object.modified().or_else(|| object.created())
}

fn timestamp_of(object: &StixObject, property: &str) -> Option<Timestamp> {
    object
        .str_property(property)
        .and_then(|text| Timestamp::parse(text).ok())
}

/// `YYYY-MM-DD` of an instant, in UTC.
fn date_of(instant: Timestamp) -> String {
    let text = instant.to_taxii_string();
    text.get(..10).unwrap_or("1970-01-01").to_owned()
}

/// A UUIDv5 in the Dijkwacht MISP namespace.
pub(crate) fn derived_uuid(name: &str) -> String {
    uuid::Uuid::new_v5(&DIJKWACHT_MISP_NAMESPACE, name.as_bytes()).to_string()
}
