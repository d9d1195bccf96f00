//! MISP objects: a group of attributes that describe one thing (a file, a connection).
//!
//! Decisions: for the templates of [`super::templates`], the members marked `to_ids`
//! become one indicator whose comparisons share one observation expression, so that
//! they must all hold for the same observed thing; the members that are not `to_ids`
//! but describe the thing make the object's observed-data (with all the SCOs, the
//! `to_ids` members' values included), linked to the indicator by `based-on`. Any other
//! template is mapped attribute by attribute, as if its members stood alone. In both
//! cases the members STIX has no place for (entropy, a state, a free text, a link) are
//! kept in one note about the object, `relation (type): value` per line, so that
//! nothing is lost and the object's members stay together. A withdrawn (`deleted`)
//! member is left out and reported; a withdrawn object is mapped as revoked.

use dijkwacht_stix::Timestamp;
use serde_json::{Map, Value, json};

use super::attribute::{Attribute, indicator_name, link_reference, map_attribute, read_attribute};
use super::attribute_types::{Form, form_of, observe};
use super::distribution::{Distribution, DistributionField, read_distribution};
use super::fields::{
    flag, from_unix_seconds, id_from_uuid, integer, json_kind, list, non_empty_text, parse_datetime,
};
use super::observable::{ScoGraph, render_pattern};
use super::scope::{
    EventScope, Handling, indicator_types_of, observation_window, set_labels, set_text,
    validity_window,
};
use super::templates::{Member, build, is_supported};
use super::unit::{ClusterUse, Unit, relationship};

/// A problem found while mapping: where, and what.
pub(crate) type Problem = (String, String);

/// The fields of a MISP object the mapping uses.
struct ObjectHead {
    uuid: String,
    key: String,
    template: String,
    meta_category: Option<String>,
    comment: Option<String>,
    modified: Timestamp,
    first_seen: Option<Timestamp>,
    last_seen: Option<Timestamp>,
    deleted: bool,
    handling: Handling,
}

/// Maps one MISP object, or reports why it cannot be.
pub(crate) fn map_object(
    raw: &Value,
    position: usize,
    scope: &EventScope,
    known_group: Option<(&str, &Distribution)>,
    problems: &mut Vec<Problem>,
) -> Option<Unit> {
    let Value::Object(fields) = raw else {
        problems.push((
            format!("{}, object #{position}", scope.event_location()),
            format!(
                "the object is {}, not an object; it was skipped",
                json_kind(raw)
            ),
        ));
        return None;
    };
    let head = read_head(fields, position, scope, known_group, problems);
    let location = scope.object_location(&head.uuid);
    let mut members = Vec::new();
    for (index, raw_member) in list(fields, "Attribute").iter().enumerate() {
        let mut notes = Vec::new();
        let position = format!("#{index} of object {}", head.uuid);
        match read_attribute(
            raw_member,
            scope,
            &head.handling,
            known_group,
            &position,
            &mut notes,
        ) {
            Ok(attribute) => {
                let member_location = attribute.location(scope);
                problems.extend(
                    notes
                        .into_iter()
                        .map(|note| (member_location.clone(), note)),
                );
                if attribute.deleted {
                    problems.push((
                        member_location,
                        "the attribute is withdrawn (deleted); it was left out of its object"
                            .to_owned(),
                    ));
                } else {
                    members.push(attribute);
                }
            }
            Err(reason) => {
                let uuid = raw_member
                    .get("uuid")
                    .and_then(Value::as_str)
                    .unwrap_or(&position);
                problems.push((scope.attribute_location(uuid), reason));
            }
        }
    }
    if members.is_empty() {
        problems.push((
            location,
            "the object has no attribute that could be mapped".to_owned(),
        ));
        return None;
    }
    let mut unit = Unit::new(head.handling.clone());
    let leftovers = if is_supported(&head.template) {
        map_template(&head, members, scope, &mut unit, problems)
    } else {
        map_members(members, scope, &mut unit, problems)
    };
    if !leftovers.is_empty() {
        add_note(&head, &leftovers, scope, &mut unit);
    }
    if head.deleted {
        for object in &mut unit.objects {
            if let Some(object) = object
                .as_object_mut()
                .filter(|object| object.contains_key("created"))
            {
                object.insert("revoked".to_owned(), json!(true));
            }
        }
    }
    if let Some(main) = main_object(&unit) {
        unit.represents.push((head.uuid.clone(), main));
    }
    Some(unit)
}

fn read_head(
    fields: &Map<String, Value>,
    position: usize,
    scope: &EventScope,
    known_group: Option<(&str, &Distribution)>,
    problems: &mut Vec<Problem>,
) -> ObjectHead {
    let uuid = non_empty_text(fields, "uuid").unwrap_or_else(|| format!("#{position}"));
    let location = scope.object_location(&uuid);
    let template = non_empty_text(fields, "name").unwrap_or_else(|| {
        problems.push((
            location.clone(),
            "the object has no template name; its attributes are mapped one by one".to_owned(),
        ));
        "unnamed".to_owned()
    });
    let distribution = match read_distribution(fields, known_group) {
        DistributionField::Absent | DistributionField::Inherit => scope.distribution.clone(),
        DistributionField::Level(level) => level.narrower(&scope.distribution),
        DistributionField::Invalid(reason) => {
            problems.push((
                location.clone(),
                format!("{reason}; read as your organisation only"),
            ));
            Distribution::YourOrganisationOnly
        }
    };
    let mut modified = integer(fields, "timestamp").map(from_unix_seconds);
    for member in list(fields, "Attribute")
        .iter()
        .filter_map(Value::as_object)
    {
        if let Some(seconds) = integer(member, "timestamp") {
            modified = modified.max(Some(from_unix_seconds(seconds)));
        }
    }
    let mut seen = |key: &str| {
        let text = non_empty_text(fields, key)?;
        let parsed = parse_datetime(&text);
        if parsed.is_none() {
            problems.push((
                location.clone(),
                format!("{key} '{text}' is not a date-time; it was left out"),
            ));
        }
        parsed
    };
    let (first_seen, last_seen) = (seen("first_seen"), seen("last_seen"));
    ObjectHead {
        key: format!("{}/{uuid}", scope.event_uuid),
        uuid,
        template,
        meta_category: non_empty_text(fields, "meta-category"),
        comment: non_empty_text(fields, "comment"),
        modified: modified.unwrap_or(scope.event_modified),
        first_seen,
        last_seen,
        deleted: flag(fields, "deleted").unwrap_or(false),
        handling: Handling {
            tlp: scope.tlp,
            distribution,
        },
    }
}

/// The combined handling of some members: the strictest TLP, the narrowest distribution.
fn combined<'a>(
    handlings: impl IntoIterator<Item = &'a Handling>,
    fallback: &Handling,
) -> Handling {
    handlings
        .into_iter()
        .fold(None, |known: Option<Handling>, next| {
            Some(known.map_or_else(|| next.clone(), |known| known.combine(next)))
        })
        .unwrap_or_else(|| fallback.clone())
}

/// A template with a STIX shape: one indicator and/or one observed-data. Returns the
/// members left for the note.
fn map_template(
    head: &ObjectHead,
    attributes: Vec<Attribute>,
    scope: &EventScope,
    unit: &mut Unit,
    problems: &mut Vec<Problem>,
) -> Vec<Attribute> {
    let mut leftovers = Vec::new();
    let mut members: Vec<Member> = Vec::new();
    for attribute in attributes {
        match screen(&attribute) {
            Ok(()) => members.push(Member::new(attribute)),
            Err(problem) => {
                problems.push((
                    attribute.location(scope),
                    format!("{problem}; kept in the object's note"),
                ));
                leftovers.push(attribute);
            }
        }
    }
    let mut graph = ScoGraph::default();
    build(&head.template, &mut members, &mut graph);
    for member in &members {
        if let Some(problem) = &member.problem {
            problems.push((
                member.attribute.location(scope),
                format!("{problem}; kept in the object's note"),
            ));
        }
    }
    let times = scope.times(head.modified);
    let in_indicator = |member: &Member| member.attribute.to_ids && !member.comparisons.is_empty();
    let indicator_members: Vec<&Member> = members.iter().filter(|m| in_indicator(m)).collect();
    let sco_members: Vec<&Member> = members.iter().filter(|m| m.in_sco).collect();
    let wants_observation = members.iter().any(|m| m.in_sco && !in_indicator(m));
    let mut labels = vec![format!("misp:name=\"{}\"", head.template)];
    if let Some(meta_category) = &head.meta_category {
        labels.push(format!("misp:meta-category=\"{meta_category}\""));
    }
    for member in &members {
        for label in &member.attribute.tags.labels {
            if !labels.contains(label) {
                labels.push(label.clone());
            }
        }
    }
    let mut indicator_id: Option<String> = None;
    if !indicator_members.is_empty() {
        let handling = combined(
            indicator_members.iter().map(|m| &m.attribute.handling),
            &head.handling,
        );
        let id = id_from_uuid("indicator", &head.uuid, &head.key);
        let mut indicator = scope.sdo("indicator", &id, times, handling.tlp);
        let first_value = indicator_members
            .first()
            .map(|m| m.attribute.value.as_str())
            .unwrap_or_default();
        indicator.insert(
            "name".to_owned(),
            json!(indicator_name(&head.template, first_value)),
        );
        set_text(&mut indicator, "description", head.comment.as_deref());
        let comparisons: Vec<_> = indicator_members
            .iter()
            .flat_map(|m| m.comparisons.iter().cloned())
            .collect();
        indicator.insert("pattern".to_owned(), json!(render_pattern(&comparisons)));
        indicator.insert("pattern_type".to_owned(), json!("stix"));
        indicator.insert("pattern_version".to_owned(), json!("2.1"));
        if !validity_window(
            &mut indicator,
            head.first_seen,
            head.last_seen,
            head.modified,
        ) {
            problems.push((
                scope.object_location(&head.uuid),
                "last_seen is not after first_seen; valid_until was left out".to_owned(),
            ));
        }
        let kinds: Vec<_> = indicator_members
            .iter()
            .map(|m| indicator_types_of(m.attribute.category.as_deref()))
            .collect();
        if let Some(Some(kind)) = kinds
            .first()
            .filter(|first| kinds.iter().all(|kind| kind == *first))
        {
            indicator.insert("indicator_types".to_owned(), json!([kind]));
        }
        set_labels(&mut indicator, &labels);
        unit.push(indicator);
        if handling != unit.handling {
            unit.exceptions.push((id.clone(), handling));
        }
        indicator_id = Some(id);
    }
    let mut observed_ids: Vec<String> = Vec::new();
    if (wants_observation || indicator_id.is_none()) && !graph.is_empty() {
        let handling = combined(
            sco_members.iter().map(|m| &m.attribute.handling),
            &head.handling,
        );
        let id = id_from_uuid("observed-data", &head.uuid, &head.key);
        let mut observed = scope.sdo("observed-data", &id, times, handling.tlp);
        observation_window(
            &mut observed,
            head.first_seen,
            head.last_seen,
            head.modified,
        );
        observed.insert("object_refs".to_owned(), json!(graph.ids()));
        set_labels(&mut observed, &labels);
        unit.push(observed);
        let sco_ids = graph.ids();
        for sco in graph.into_objects(handling.tlp.map(|level| level.marking_id())) {
            unit.objects.push(sco);
        }
        if handling != unit.handling {
            unit.exceptions.push((id.clone(), handling.clone()));
            unit.exceptions
                .extend(sco_ids.iter().map(|sco| (sco.clone(), handling.clone())));
        }
        if let Some(indicator_id) = &indicator_id {
            let both = combined(
                members.iter().map(|m| &m.attribute.handling),
                &head.handling,
            );
            let link = relationship(scope, indicator_id, "based-on", &id, times, &both);
            let link_id = unit.push(link);
            if both != unit.handling {
                unit.exceptions.push((link_id, both));
            }
        }
        observed_ids.push(id);
        observed_ids.extend(sco_ids);
    }
    let mut accounted = Vec::new();
    for member in members {
        let mut ids = Vec::new();
        if in_indicator(&member) {
            ids.extend(indicator_id.clone());
        }
        if member.in_sco {
            ids.extend(observed_ids.iter().cloned());
        }
        if ids.is_empty() {
            leftovers.push(member.attribute);
            continue;
        }
        let representative = ids.first().cloned().unwrap_or_default();
        accounted.push((member.attribute.uuid.clone(), ids));
        unit.represents
            .push((member.attribute.uuid.clone(), representative));
        add_member_facts(unit, &member.attribute, scope, &[]);
    }
    unit.accounted.extend(accounted);
    leftovers
}

/// Checks a member's value the way it would stand alone: an observable value must give
/// a pattern that parses (a malformed hash would make the whole indicator invalid).
fn screen(attribute: &Attribute) -> Result<(), String> {
    if !matches!(
        form_of(&attribute.misp_type),
        Some(Form::Observable | Form::DetectionOnly)
    ) {
        return Ok(());
    }
    let observation = observe(&attribute.misp_type, &attribute.value, None)?;
    if observation.comparisons.is_empty() {
        return Ok(());
    }
    let pattern = render_pattern(&observation.comparisons);
    dijkwacht_stix::pattern::parse(&pattern)
        .map(|_| ())
        .map_err(|error| format!("the value does not fit STIX ({error})"))
}

/// Sightings and galaxy clusters of a member, related from the object's indicators (or
/// from `sources` when given).
fn add_member_facts(
    unit: &mut Unit,
    attribute: &Attribute,
    scope: &EventScope,
    sources: &[(String, &'static str)],
) {
    for sighting in &attribute.sightings {
        unit.sightings
            .push((attribute.uuid.clone(), sighting.clone()));
    }
    if attribute.tags.clusters.is_empty() {
        return;
    }
    let sources = if sources.is_empty() {
        unit.cluster_sources()
    } else {
        sources.to_vec()
    };
    for cluster in &attribute.tags.clusters {
        unit.cluster_uses.push(ClusterUse {
            cluster: cluster.clone(),
            sources: sources.clone(),
            handling: attribute.handling.clone(),
            times: scope.times(attribute.modified),
            from_event: false,
        });
    }
}

/// A template without a STIX shape: each member as if it stood alone. Returns the
/// members left for the note.
fn map_members(
    members: Vec<Attribute>,
    scope: &EventScope,
    unit: &mut Unit,
    problems: &mut Vec<Problem>,
) -> Vec<Attribute> {
    let mut leftovers = Vec::new();
    for member in members {
        let stands_alone = match form_of(&member.misp_type) {
            None => {
                problems.push((
                    member.location(scope),
                    format!("attribute type '{}' is not known to the mapping; kept in the object's note", member.misp_type),
                ));
                false
            }
            Some(Form::Note | Form::Link) => false,
            Some(Form::DetectionOnly) => member.to_ids,
            Some(_) => true,
        };
        if !stands_alone {
            leftovers.push(member);
            continue;
        }
        match map_attribute(&member, scope) {
            Ok(member_unit) => unit.absorb(member_unit),
            Err(reason) => {
                problems.push((
                    member.location(scope),
                    format!("{reason}; kept in the object's note"),
                ));
                leftovers.push(member);
            }
        }
    }
    leftovers
}

/// The note that keeps an object's members STIX has no place for.
fn add_note(head: &ObjectHead, leftovers: &[Attribute], scope: &EventScope, unit: &mut Unit) {
    let id = id_from_uuid("note", &head.uuid, &head.key);
    let handling = combined(leftovers.iter().map(|a| &a.handling), &head.handling);
    let mut note = scope.sdo("note", &id, scope.times(head.modified), handling.tlp);
    let mut abstract_text = format!("MISP {} object", head.template);
    if let Some(comment) = &head.comment {
        abstract_text.push_str(": ");
        abstract_text.push_str(comment);
    }
    note.insert("abstract".to_owned(), json!(abstract_text));
    let lines: Vec<String> = leftovers
        .iter()
        .map(|attribute| {
            let relation = attribute
                .relation
                .as_deref()
                .unwrap_or(&attribute.misp_type);
            format!("{relation} ({}): {}", attribute.misp_type, attribute.value)
        })
        .collect();
    note.insert("content".to_owned(), json!(lines.join("\n")));
    let mut refs: Vec<String> = Vec::new();
    for object in &unit.objects {
        let is_main = matches!(
            object.get("type").and_then(Value::as_str),
            Some(
                "indicator"
                    | "observed-data"
                    | "vulnerability"
                    | "threat-actor"
                    | "campaign"
                    | "note"
            )
        );
        if let (true, Some(object_id)) = (is_main, object.get("id").and_then(Value::as_str)) {
            refs.push(object_id.to_owned());
        }
    }
    if refs.is_empty() {
        refs.push(scope.report_id.clone());
    }
    note.insert("object_refs".to_owned(), json!(refs));
    let references: Vec<Value> = leftovers
        .iter()
        .filter(|attribute| attribute.misp_type == "link")
        .map(|attribute| link_reference(attribute.value.trim(), attribute.relation.as_deref()))
        .collect();
    if !references.is_empty() {
        note.insert("external_references".to_owned(), json!(references));
    }
    let mut labels = vec![format!("misp:name=\"{}\"", head.template)];
    if let Some(meta_category) = &head.meta_category {
        labels.push(format!("misp:meta-category=\"{meta_category}\""));
    }
    set_labels(&mut note, &labels);
    let had_main = !unit.represents.is_empty() || !unit.indicators.is_empty();
    unit.push(note);
    if handling != unit.handling {
        unit.exceptions.push((id.clone(), handling));
    }
    let sources = if had_main {
        Vec::new()
    } else {
        vec![(id.clone(), "related-to")]
    };
    for attribute in leftovers {
        unit.account(&attribute.uuid, vec![id.clone()]);
        unit.represents.push((attribute.uuid.clone(), id.clone()));
        add_member_facts(unit, attribute, scope, &sources);
    }
}

/// The object that stands for a MISP object: its indicator, its observed-data, the
/// first object made from a member, or its note.
fn main_object(unit: &Unit) -> Option<String> {
    let of_type = |wanted: &str| {
        unit.objects.iter().find_map(|object| {
            (object.get("type").and_then(Value::as_str) == Some(wanted))
                .then(|| object.get("id").and_then(Value::as_str).map(str::to_owned))
                .flatten()
        })
    };
    of_type("indicator")
        .or_else(|| of_type("observed-data"))
        .or_else(|| unit.represents.first().map(|(_, id)| id.clone()))
        .or_else(|| of_type("note"))
}
