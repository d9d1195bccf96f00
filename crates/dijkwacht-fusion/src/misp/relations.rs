//! What MISP says about its elements once they are mapped: object references (a file
//! `dropped-by` another), sightings, and the event's free-text reports.
//!
//! Decisions: an `ObjectReference` becomes a relationship between the objects that
//! stand for its two ends, with MISP's relationship type (lower-cased, other characters
//! turned into `-`, as STIX allows only `a-z`, `0-9` and `-`). A sighting of type 0
//! ("seen", also 3 "true positive") becomes a `sighting` of the attribute's object,
//! sighted where its organisation is; type 1 ("false positive") becomes an `opinion`
//! that strongly disagrees with it; type 2 ("expiration") is not mapped and reported,
//! since STIX would need a new version of the indicator rather than a new object. An
//! `EventReport` becomes a note about the report.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::collect::Collector;
use super::distribution::{DistributionField, read_distribution};
use super::fields::{
    flag, from_unix_seconds, id_from_uuid, integer, list, non_empty_text, rfc4122_uuid, stix_micros,
};
use super::scope::{EventScope, Handling, set_text};
use super::unit::Unit;

/// The identity of an organisation named by MISP (`Orgc`, a sighting's `Organisation`).
/// It is the same object in every event: no marking, and the epoch as its time, since
/// MISP keeps none for organisations.
pub(crate) fn organisation_identity(
    organisation: &Map<String, Value>,
) -> Option<(String, Map<String, Value>)> {
    let name = non_empty_text(organisation, "name");
    let uuid = non_empty_text(organisation, "uuid");
    let label = name.clone().or_else(|| uuid.clone())?;
    let id = id_from_uuid(
        "identity",
        uuid.as_deref().unwrap_or_default(),
        &format!("organisation:{label}"),
    );
    let mut identity = Map::new();
    identity.insert("type".to_owned(), json!("identity"));
    identity.insert("spec_version".to_owned(), json!("2.1"));
    identity.insert("id".to_owned(), json!(id));
    identity.insert("created".to_owned(), json!("1970-01-01T00:00:00.000Z"));
    identity.insert("modified".to_owned(), json!("1970-01-01T00:00:00.000Z"));
    identity.insert("name".to_owned(), json!(label));
    identity.insert("identity_class".to_owned(), json!("organization"));
    Some((id, identity))
}

/// A STIX relationship type made of a MISP one.
fn relationship_type(misp: &str) -> Option<String> {
    let mut kind: String = misp
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    while kind.contains("--") {
        kind = kind.replace("--", "-");
    }
    let kind = kind.trim_matches('-').to_owned();
    (!kind.is_empty()).then_some(kind)
}

/// The relationships of every object's `ObjectReference`s.
pub(crate) fn map_object_references(
    event: &Map<String, Value>,
    scope: &EventScope,
    collector: &mut Collector,
) {
    for object in list(event, "Object").iter().filter_map(Value::as_object) {
        let object_uuid = non_empty_text(object, "uuid").unwrap_or_default();
        for (index, reference) in list(object, "ObjectReference")
            .iter()
            .filter_map(Value::as_object)
            .enumerate()
        {
            if flag(reference, "deleted").unwrap_or(false) {
                continue;
            }
            let reference_uuid =
                non_empty_text(reference, "uuid").unwrap_or_else(|| format!("#{index}"));
            let location = format!(
                "{}, object reference {reference_uuid}",
                scope.object_location(&object_uuid)
            );
            let source_uuid = non_empty_text(reference, "source_uuid")
                .or_else(|| non_empty_text(reference, "object_uuid"))
                .unwrap_or_else(|| object_uuid.clone());
            let target_uuid = non_empty_text(reference, "referenced_uuid").unwrap_or_default();
            let ends = (
                collector.represents.get(&source_uuid),
                collector.represents.get(&target_uuid),
            );
            let (Some(source), Some(target)) = ends else {
                collector.problem(location, format!("the reference from {source_uuid} to {target_uuid} names an element that was not mapped; it was left out"));
                continue;
            };
            let (source, target) = (source.clone(), target.clone());
            let Some(kind) = non_empty_text(reference, "relationship_type")
                .as_deref()
                .and_then(relationship_type)
            else {
                collector.problem(
                    location,
                    "the reference has no relationship type; it was left out",
                );
                continue;
            };
            let handling = match (
                collector.handling_of(&source),
                collector.handling_of(&target),
            ) {
                (Some(first), Some(second)) => first.combine(&second),
                _ => scope.handling(),
            };
            let key = format!("{}/{object_uuid}/{reference_uuid}", scope.event_uuid);
            let id = id_from_uuid("relationship", &reference_uuid, &key);
            let modified =
                integer(reference, "timestamp").map_or(scope.event_modified, from_unix_seconds);
            let mut link = scope.sdo("relationship", &id, scope.times(modified), handling.tlp);
            link.insert("relationship_type".to_owned(), json!(kind));
            link.insert("source_ref".to_owned(), json!(source));
            link.insert("target_ref".to_owned(), json!(target));
            set_text(
                &mut link,
                "description",
                non_empty_text(reference, "comment").as_deref(),
            );
            let mut unit = Unit::new(handling);
            unit.push(link);
            collector.keep(unit, &location);
        }
    }
}

/// The sightings gathered from the kept attributes and the event's own `Sighting` list.
pub(crate) fn map_sightings(
    event: &Map<String, Value>,
    scope: &EventScope,
    collector: &mut Collector,
) {
    let mut sightings = std::mem::take(&mut collector.sightings);
    for sighting in list(event, "Sighting").iter().filter_map(Value::as_object) {
        if let Some(attribute_uuid) = non_empty_text(sighting, "attribute_uuid") {
            sightings.push((attribute_uuid, sighting.clone()));
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (attribute_uuid, sighting) in sightings {
        let count = seen.entry(attribute_uuid.clone()).or_insert(0);
        *count += 1;
        let location = format!(
            "{}, sighting #{count}",
            scope.attribute_location(&attribute_uuid)
        );
        let Some(target) = collector.represents.get(&attribute_uuid).cloned() else {
            collector.problem(
                location,
                "the sighted attribute was not mapped; the sighting was left out",
            );
            continue;
        };
        let Some(seconds) = integer(&sighting, "date_sighting") else {
            collector.problem(
                location,
                "the sighting has no date_sighting; it was left out",
            );
            continue;
        };
        let handling = collector
            .handling_of(&target)
            .unwrap_or_else(|| scope.handling());
        match map_sighting(
            &attribute_uuid,
            &sighting,
            seconds,
            &target,
            scope,
            handling,
        ) {
            Ok(units) => {
                for unit in units {
                    collector.keep(unit, &location);
                }
            }
            Err(reason) => collector.problem(location, reason),
        }
    }
}

fn map_sighting(
    attribute_uuid: &str,
    sighting: &Map<String, Value>,
    seconds: i64,
    target: &str,
    scope: &EventScope,
    handling: Handling,
) -> Result<Vec<Unit>, String> {
    let organisation = sighting
        .get("Organisation")
        .and_then(Value::as_object)
        .and_then(organisation_identity);
    let own_uuid = non_empty_text(sighting, "uuid")
        .filter(|uuid| rfc4122_uuid(uuid) != rfc4122_uuid(attribute_uuid));
    let key = format!(
        "{}/{attribute_uuid}/{}/{seconds}/{}",
        scope.event_uuid,
        own_uuid.as_deref().unwrap_or_default(),
        organisation
            .as_ref()
            .map(|(id, _)| id.as_str())
            .unwrap_or_default()
    );
    let when = from_unix_seconds(seconds);
    let times = scope.times(when);
    let source = non_empty_text(sighting, "source");
    let mut units = Vec::new();
    let object = match integer(sighting, "type").unwrap_or(0) {
        0 | 3 => {
            let id = id_from_uuid("sighting", own_uuid.as_deref().unwrap_or_default(), &key);
            let mut object = scope.sdo("sighting", &id, times, handling.tlp);
            object.insert("sighting_of_ref".to_owned(), json!(target));
            object.insert("count".to_owned(), json!(1));
            object.insert("first_seen".to_owned(), json!(stix_micros(when)));
            object.insert("last_seen".to_owned(), json!(stix_micros(when)));
            if let Some((identity_id, _)) = &organisation {
                object.insert("where_sighted_refs".to_owned(), json!([identity_id]));
            }
            set_text(&mut object, "description", source.as_deref());
            object
        }
        1 => {
            let id = id_from_uuid("opinion", own_uuid.as_deref().unwrap_or_default(), &key);
            let mut object = scope.sdo("opinion", &id, times, handling.tlp);
            object.insert("opinion".to_owned(), json!("strongly-disagree"));
            let explanation = match &source {
                Some(source) => format!("Reported as a false positive in MISP (source: {source})."),
                None => "Reported as a false positive in MISP.".to_owned(),
            };
            object.insert("explanation".to_owned(), json!(explanation));
            object.insert("object_refs".to_owned(), json!([target]));
            if let Some((_, identity)) = &organisation {
                if let Some(name) = identity.get("name") {
                    object.insert("authors".to_owned(), json!([name]));
                }
            }
            object
        }
        2 => return Err(
            "expiration sightings are not mapped (STIX would need a new version of the indicator)"
                .to_owned(),
        ),
        other => {
            return Err(format!(
                "sighting type {other} is not a MISP sighting type; it was left out"
            ));
        }
    };
    if let Some((_, identity)) = organisation {
        let mut identity_unit = Unit::new(handling.clone());
        identity_unit.push(identity);
        units.push(identity_unit);
    }
    let mut unit = Unit::new(handling);
    unit.push(object);
    units.push(unit);
    Ok(units)
}

/// The event's `EventReport`s (free-text analyses) as notes about the report.
pub(crate) fn map_event_reports(
    event: &Map<String, Value>,
    scope: &EventScope,
    collector: &mut Collector,
) {
    for (index, report) in list(event, "EventReport")
        .iter()
        .filter_map(Value::as_object)
        .enumerate()
    {
        if flag(report, "deleted").unwrap_or(false) {
            continue;
        }
        let uuid = non_empty_text(report, "uuid").unwrap_or_else(|| format!("#{index}"));
        let location = format!("{}, event report {uuid}", scope.event_location());
        let Some(content) = non_empty_text(report, "content") else {
            collector.problem(location, "the event report is empty; it was left out");
            continue;
        };
        let distribution = match read_distribution(report, None) {
            DistributionField::Level(level) => level.narrower(&scope.distribution),
            DistributionField::Absent | DistributionField::Inherit => scope.distribution.clone(),
            DistributionField::Invalid(_) => {
                super::distribution::Distribution::YourOrganisationOnly
            }
        };
        let handling = Handling {
            tlp: scope.tlp,
            distribution,
        };
        let modified = integer(report, "timestamp").map_or(scope.event_modified, from_unix_seconds);
        let id = id_from_uuid(
            "note",
            &uuid,
            &format!("{}/report/{uuid}", scope.event_uuid),
        );
        let mut note = scope.sdo("note", &id, scope.times(modified), handling.tlp);
        set_text(
            &mut note,
            "abstract",
            non_empty_text(report, "name").as_deref(),
        );
        note.insert("content".to_owned(), json!(content));
        note.insert("object_refs".to_owned(), json!([scope.report_id]));
        let mut unit = Unit::new(handling);
        unit.push(note);
        collector.keep(unit, &location);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misp_relationship_types_become_stix_ones() {
        assert_eq!(
            relationship_type("analysed-with").as_deref(),
            Some("analysed-with")
        );
        assert_eq!(
            relationship_type("Included In").as_deref(),
            Some("included-in")
        );
        assert_eq!(
            relationship_type("drops__file").as_deref(),
            Some("drops-file")
        );
        assert_eq!(relationship_type("--").as_deref(), None);
    }
}
