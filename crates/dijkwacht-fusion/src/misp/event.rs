//! One MISP event, mapped whole: the event's own facts (uuid, last change, creator,
//! TLP, PAP, distribution), then its attributes, objects, galaxy clusters, object
//! references, sightings and event reports, and last the report that refers to all of
//! them.
//!
//! Decisions: an event without `uuid` or `timestamp` cannot be mapped (ids and
//! versions come from them) and is an error; anything else that is missing or wrong is
//! a problem and the rest is mapped. An event without a TLP tag takes the context's
//! default TLP; an event without `distribution` (feed exports strip it) takes the
//! context's default distribution.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::attribute::{map_attribute, read_attribute};
use super::collect::Collector;
use super::distribution::{Distribution, DistributionField, read_distribution};
use super::fields::{
    from_unix_seconds, id_from_uuid, integer, json_kind, list, non_empty_text, parse_day,
    rfc4122_uuid, stix_micros, text,
};
use super::galaxy::map_clusters;
use super::manifest::{Analysis, ThreatLevel};
use super::object::map_object;
use super::relations::{
    map_event_reports, map_object_references, map_sightings, organisation_identity,
};
use super::scope::{EventScope, set_labels};
use super::tags::read_tags;
use super::unit::{ClusterUse, Unit};
use super::{MappedEvent, MispContext, MispError};
use crate::mapped::Mapped;

/// Maps the event object (the value of `"Event"`, or a bare event).
pub(crate) fn map_event_fields(
    event: &Map<String, Value>,
    context: &MispContext,
) -> Result<MappedEvent, MispError> {
    let raw_uuid = non_empty_text(event, "uuid").ok_or_else(|| {
        MispError::invalid(
            "event",
            "the event has no uuid; MISP events always carry one (check that this is a MISP event file)",
        )
    })?;
    let event_uuid = rfc4122_uuid(&raw_uuid).unwrap_or_else(|| raw_uuid.clone());
    let timestamp = integer(event, "timestamp").ok_or_else(|| {
        MispError::invalid(
            format!("event {event_uuid}"),
            "the event has no timestamp (its last change), which every object's version comes from",
        )
    })?;
    let mut collector = Collector::default();
    let location = format!("event {event_uuid}");
    let tags = read_tags(event);
    if !tags.tlp_conflict.is_empty() {
        collector.problem(
            &location,
            format!(
                "the event has several TLP tags ({}); the strictest is used",
                tags.tlp_conflict.join(", ")
            ),
        );
    }
    let distribution = match read_distribution(event, None) {
        DistributionField::Absent => context.default_distribution.clone(),
        DistributionField::Level(level) => level,
        DistributionField::Inherit => {
            collector.problem(
                &location,
                "an event cannot inherit its distribution (5); read as your organisation only",
            );
            Distribution::YourOrganisationOnly
        }
        DistributionField::Invalid(reason) => {
            collector.problem(
                &location,
                format!("{reason}; read as your organisation only"),
            );
            Distribution::YourOrganisationOnly
        }
    };
    let group_id = text(event, "sharing_group_id").map(|id| id.trim().to_owned());
    let known_group = match (&distribution, &group_id) {
        (Distribution::SharingGroup { .. }, Some(id)) => Some((id.as_str(), &distribution)),
        _ => None,
    };
    let identity = event
        .get("Orgc")
        .and_then(Value::as_object)
        .and_then(organisation_identity);
    if identity.is_none() {
        collector.problem(
            &location,
            "the event has no creator organisation (Orgc); objects have no created_by_ref",
        );
    }
    let event_day = non_empty_text(event, "date").and_then(|date| {
        let day = parse_day(&date);
        if day.is_none() {
            collector.problem(
                &location,
                format!("date '{date}' is not YYYY-MM-DD; it was ignored"),
            );
        }
        day
    });
    let scope = EventScope {
        report_id: id_from_uuid("report", &raw_uuid, &format!("event:{raw_uuid}")),
        event_uuid: event_uuid.clone(),
        identity_id: identity.as_ref().map(|(id, _)| id.clone()),
        event_modified: from_unix_seconds(timestamp),
        event_day,
        tlp: tags.tlp.or(context.default_tlp),
        distribution: distribution.clone(),
    };
    if let Some((_, identity)) = identity {
        let mut unit = Unit::new(scope.handling());
        unit.push(identity);
        collector.keep(unit, &location);
    }
    map_children(event, &scope, known_group, &mut collector);
    let event_uses: Vec<ClusterUse> = tags
        .clusters
        .iter()
        .map(|cluster| ClusterUse {
            cluster: cluster.clone(),
            sources: collector
                .indicators
                .iter()
                .map(|id| (id.clone(), "indicates"))
                .collect(),
            handling: scope.handling(),
            times: scope.times(scope.event_modified),
            from_event: true,
        })
        .collect();
    let mut uses = event_uses;
    uses.extend(std::mem::take(&mut collector.cluster_uses));
    let handlings = collector.handlings().clone();
    for unit in map_clusters(&uses, &scope, |id| handlings.get(id).cloned()) {
        collector.keep(unit, &format!("{location}, galaxy cluster"));
    }
    map_object_references(event, &scope, &mut collector);
    map_sightings(event, &scope, &mut collector);
    map_event_reports(event, &scope, &mut collector);
    let report = report(event, &scope, &tags.labels, &mut collector);
    finish(collector, report, &scope, timestamp, tags.pap)
}

/// Maps the event's attributes and objects.
fn map_children(
    event: &Map<String, Value>,
    scope: &EventScope,
    known_group: Option<(&str, &Distribution)>,
    collector: &mut Collector,
) {
    for key in ["Attribute", "Object"] {
        if let Some(other) = event.get(key).filter(|value| !value.is_array()) {
            collector.problem(
                scope.event_location(),
                format!(
                    "`{key}` is {}, not a list; it was ignored",
                    json_kind(other)
                ),
            );
        }
    }
    for (index, raw) in list(event, "Attribute").iter().enumerate() {
        let position = format!("#{index}");
        let mut notes = Vec::new();
        let attribute = read_attribute(
            raw,
            scope,
            &scope.handling(),
            known_group,
            &position,
            &mut notes,
        );
        let uuid = raw
            .get("uuid")
            .and_then(Value::as_str)
            .filter(|uuid| !uuid.trim().is_empty())
            .unwrap_or(&position);
        let location = scope.attribute_location(uuid);
        for note in notes {
            collector.problem(&location, note);
        }
        let mapped = attribute.and_then(|attribute| map_attribute(&attribute, scope));
        match mapped {
            Ok(unit) => {
                collector.keep(unit, &location);
            }
            Err(reason) => collector.problem(&location, reason),
        }
    }
    for (index, raw) in list(event, "Object").iter().enumerate() {
        let mut problems = Vec::new();
        let unit = map_object(raw, index, scope, known_group, &mut problems);
        for (location, message) in problems {
            collector.problem(location, message);
        }
        if let Some(unit) = unit {
            let uuid = raw.get("uuid").and_then(Value::as_str).unwrap_or_default();
            let members: Vec<String> = unit
                .accounted
                .iter()
                .map(|(member, _)| member.clone())
                .collect();
            if !collector.keep(unit, &scope.object_location(uuid)) {
                for member in members {
                    collector.problem(
                        scope.attribute_location(&member),
                        format!("not mapped: its object {uuid} could not be mapped (see the object's problem)"),
                    );
                }
            }
        }
    }
}

/// The report of the event, referring to every object made from it; `None` (and a
/// problem) when nothing was made, since a report must refer to something.
fn report(
    event: &Map<String, Value>,
    scope: &EventScope,
    tag_labels: &[String],
    collector: &mut Collector,
) -> Option<Value> {
    let location = scope.event_location();
    let object_refs = collector.ids();
    if object_refs.is_empty() {
        collector.problem(
            &location,
            "nothing was mapped from the event, so no report was made",
        );
        return None;
    }
    let info = non_empty_text(event, "info").unwrap_or_else(|| {
        collector.problem(
            &location,
            "the event has no info; the report is named after its uuid",
        );
        format!("MISP event {}", scope.event_uuid)
    });
    let mut report = scope.sdo(
        "report",
        &scope.report_id,
        scope.times(scope.event_modified),
        scope.tlp,
    );
    report.insert("name".to_owned(), json!(info));
    let published = integer(event, "publish_timestamp")
        .filter(|seconds| *seconds > 0)
        .map(from_unix_seconds)
        .or(scope.event_day)
        .unwrap_or(scope.event_modified);
    report.insert("published".to_owned(), json!(stix_micros(published)));
    report.insert("report_types".to_owned(), json!(["threat-report"]));
    let mut labels: Vec<String> = Vec::new();
    if let Some(level) = integer(event, "threat_level_id").and_then(ThreatLevel::from_id) {
        labels.push(format!("misp:threat-level=\"{}\"", level.name()));
    }
    if let Some(analysis) = integer(event, "analysis").and_then(Analysis::from_id) {
        labels.push(format!("misp:analysis=\"{}\"", analysis.name()));
    }
    labels.extend(tag_labels.iter().cloned());
    set_labels(&mut report, &labels);
    let mut references = vec![json!({"source_name": "misp", "external_id": scope.event_uuid})];
    references.extend(collector.report_references.iter().cloned());
    report.insert("external_references".to_owned(), json!(references));
    report.insert("object_refs".to_owned(), json!(object_refs));
    let report = Value::Object(report);
    let errors: Vec<String> = dijkwacht_stix::validate_object(&report)
        .errors()
        .map(ToString::to_string)
        .collect();
    if !errors.is_empty() {
        collector.problem(
            &location,
            format!(
                "the report would be invalid, so none was made: {}",
                errors.join("; ")
            ),
        );
        return None;
    }
    Some(report)
}

fn finish(
    collector: Collector,
    report: Option<Value>,
    scope: &EventScope,
    timestamp: i64,
    pap: Option<String>,
) -> Result<MappedEvent, MispError> {
    let mut object_distributions = BTreeMap::new();
    for (id, handling) in collector.handlings() {
        if handling.distribution != scope.distribution {
            object_distributions.insert(id.clone(), handling.distribution.clone());
        }
    }
    let mut objects = collector.objects;
    if let Some(report) = report {
        // The report comes right after the creator's identity.
        let identity_first = objects
            .first()
            .and_then(|object| object.get("id"))
            .and_then(Value::as_str)
            .is_some_and(|id| scope.identity_id.as_deref() == Some(id));
        let position = usize::from(identity_first);
        objects.insert(position, report);
    }
    Ok(MappedEvent {
        mapped: Mapped {
            objects,
            problems: collector.problems,
        },
        event_uuid: scope.event_uuid.clone(),
        event_timestamp: timestamp,
        distribution: scope.distribution.clone(),
        tlp: scope.tlp,
        pap,
        object_distributions,
        objects_by_attribute: collector.accounted,
    })
}
