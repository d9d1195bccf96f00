//! One MISP attribute, read and mapped on its own (attributes of MISP objects are read
//! here too; [`super::object`] decides how they combine).
//!
//! Decisions: an attribute's handling is its own TLP tag, or its parent's (the event,
//! or for object members the object's) when it has none, and its distribution
//! narrowed by its parent's. An attribute without `timestamp` takes the event's (MISP
//! sets the event's on every change, so it is never too early) and the gap is
//! reported. `deleted` attributes are mapped with `revoked: true`, as STIX says a
//! withdrawn object is.

use dijkwacht_stix::Timestamp;
use serde_json::{Map, Value, json};

use super::attribute_types::{Form, Observation, form_of, observe};
use super::distribution::{Distribution, DistributionField, read_distribution};
use super::fields::{
    flag, from_unix_seconds, id_from_uuid, integer, json_kind, list, non_empty_text,
    parse_datetime, text,
};
use super::observable::render_pattern;
use super::scope::{
    EventScope, Handling, indicator_types_of, observation_window, set_labels, set_text,
    validity_window,
};
use super::tags::{Tags, read_tags};
use super::unit::{ClusterUse, Unit, relationship};

/// An attribute as the mapping needs it.
#[derive(Debug, Clone)]
pub(crate) struct Attribute {
    /// The uuid as given (possibly not a valid UUID, possibly empty).
    pub uuid: String,
    /// A key that names the attribute uniquely in the feed, for derived ids.
    pub key: String,
    pub misp_type: String,
    pub category: Option<String>,
    pub value: String,
    pub to_ids: bool,
    pub modified: Timestamp,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub comment: Option<String>,
    pub deleted: bool,
    /// Base64 content of `attachment` and `malware-sample`.
    pub data: Option<String>,
    pub relation: Option<String>,
    pub tags: Tags,
    pub handling: Handling,
    pub sightings: Vec<Map<String, Value>>,
}

impl Attribute {
    /// `misp:type="…"` and `misp:category="…"`, then the attribute's own tags.
    pub(crate) fn labels(&self) -> Vec<String> {
        let mut labels = vec![format!("misp:type=\"{}\"", self.misp_type)];
        if let Some(category) = &self.category {
            labels.push(format!("misp:category=\"{category}\""));
        }
        labels.extend(self.tags.labels.iter().cloned());
        labels
    }

    /// The location of this attribute's problems.
    pub(crate) fn location(&self, scope: &EventScope) -> String {
        scope.attribute_location(&self.uuid)
    }
}

/// Reads one attribute. `parent` is the handling it inherits; `position` (`#3`) names it when
/// it has no uuid. Problems that do not stop the mapping go to `notes`; the error says
/// why the attribute cannot be mapped at all.
pub(crate) fn read_attribute(
    raw: &Value,
    scope: &EventScope,
    parent: &Handling,
    known_group: Option<(&str, &Distribution)>,
    position: &str,
    notes: &mut Vec<String>,
) -> Result<Attribute, String> {
    let Value::Object(fields) = raw else {
        return Err(format!(
            "attribute {position} is {}, not an object; it was skipped",
            json_kind(raw)
        ));
    };
    let uuid = non_empty_text(fields, "uuid").unwrap_or_default();
    if uuid.is_empty() {
        notes.push(format!(
            "attribute {position} has no uuid; its ids depend on its position"
        ));
    }
    let key = if uuid.is_empty() {
        format!("{}/{position}", scope.event_uuid)
    } else {
        format!("{}/{uuid}", scope.event_uuid)
    };
    let misp_type = non_empty_text(fields, "type")
        .ok_or_else(|| "the attribute has no type; it was skipped".to_owned())?;
    let value = match fields.get("value") {
        Some(Value::String(value)) if !value.trim().is_empty() => value.clone(),
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::String(_)) => {
            return Err("the attribute's value is empty; it was skipped".to_owned());
        }
        Some(other) => {
            return Err(format!(
                "the attribute's value is {}, not text; it was skipped",
                json_kind(other)
            ));
        }
        None => return Err("the attribute has no value; it was skipped".to_owned()),
    };
    let modified = match integer(fields, "timestamp") {
        Some(seconds) => from_unix_seconds(seconds),
        None => {
            notes.push("the attribute has no timestamp; the event's is used".to_owned());
            scope.event_modified
        }
    };
    let seen = |key: &str, notes: &mut Vec<String>| {
        let text = non_empty_text(fields, key)?;
        let parsed = parse_datetime(&text);
        if parsed.is_none() {
            notes.push(format!(
                "{key} '{text}' is not a date-time; it was left out"
            ));
        }
        parsed
    };
    let first_seen = seen("first_seen", notes);
    let last_seen = seen("last_seen", notes);
    let tags = read_tags(fields);
    if !tags.tlp_conflict.is_empty() {
        notes.push(format!(
            "the attribute has several TLP tags ({}); the strictest is used",
            tags.tlp_conflict.join(", ")
        ));
    }
    let distribution = match read_distribution(fields, known_group) {
        DistributionField::Absent | DistributionField::Inherit => parent.distribution.clone(),
        DistributionField::Level(level) => level.narrower(&parent.distribution),
        DistributionField::Invalid(reason) => {
            notes.push(format!("{reason}; read as your organisation only"));
            Distribution::YourOrganisationOnly
        }
    };
    let handling = Handling {
        tlp: tags.tlp.or(parent.tlp),
        distribution,
    };
    let sightings = list(fields, "Sighting")
        .iter()
        .filter_map(Value::as_object)
        .cloned()
        .collect();
    Ok(Attribute {
        uuid,
        key,
        misp_type,
        category: non_empty_text(fields, "category"),
        value,
        to_ids: flag(fields, "to_ids").unwrap_or(false),
        modified,
        first_seen,
        last_seen,
        comment: non_empty_text(fields, "comment"),
        deleted: flag(fields, "deleted").unwrap_or(false),
        data: text(fields, "data")
            .map(|data| data.trim().to_owned())
            .filter(|data| !data.is_empty()),
        relation: non_empty_text(fields, "object_relation"),
        tags,
        handling,
        sightings,
    })
}

/// Maps an attribute that stands alone (not in a MISP object).
pub(crate) fn map_attribute(attribute: &Attribute, scope: &EventScope) -> Result<Unit, String> {
    let form = form_of(&attribute.misp_type).ok_or_else(|| {
        format!(
            "attribute type '{}' is not known to the mapping; the attribute was not mapped",
            attribute.misp_type
        )
    })?;
    let mut unit = Unit::new(attribute.handling.clone());
    match form {
        Form::Observable | Form::DetectionOnly if attribute.to_ids || form == Form::Observable => {
            let observation = observe(
                &attribute.misp_type,
                &attribute.value,
                attribute.data.as_deref(),
            )?;
            if attribute.to_ids || !observation.graph.is_empty() {
                map_observable(attribute, observation, scope, &mut unit);
            } else {
                let id = unit.push(note(attribute, scope));
                unit.account(&attribute.uuid, vec![id]);
            }
        }
        Form::Observable | Form::DetectionOnly | Form::Note => {
            let id = unit.push(note(attribute, scope));
            unit.account(&attribute.uuid, vec![id]);
        }
        Form::Rule(pattern_type) => {
            let mut indicator = indicator_base(attribute, scope, &mut unit.notes);
            indicator.insert("pattern".to_owned(), json!(attribute.value.trim()));
            indicator.insert("pattern_type".to_owned(), json!(pattern_type));
            if pattern_type == "stix" {
                indicator.insert("pattern_version".to_owned(), json!("2.1"));
            }
            let id = unit.push(indicator);
            unit.account(&attribute.uuid, vec![id]);
        }
        Form::Link => map_link(attribute, scope, &mut unit),
        Form::Vulnerability => {
            let id = id_from_uuid("vulnerability", &attribute.uuid, &attribute.key);
            let mut vulnerability = named_sdo(attribute, scope, "vulnerability", &id);
            if let Some(cve) = cve_id(&attribute.value) {
                vulnerability.insert(
                    "external_references".to_owned(),
                    json!([{"source_name": "cve", "external_id": cve}]),
                );
            }
            unit.push(vulnerability);
            unit.account(&attribute.uuid, vec![id]);
        }
        Form::ThreatActor | Form::Campaign => {
            let object_type = if form == Form::ThreatActor {
                "threat-actor"
            } else {
                "campaign"
            };
            let id = id_from_uuid(object_type, &attribute.uuid, &attribute.key);
            unit.push(named_sdo(attribute, scope, object_type, &id));
            unit.account(&attribute.uuid, vec![id]);
        }
    }
    let representative = unit
        .objects
        .first()
        .and_then(|object| object.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| (!unit.report_references.is_empty()).then(|| scope.report_id.clone()));
    if let Some(representative) = representative {
        unit.represents
            .push((attribute.uuid.clone(), representative));
    }
    for sighting in &attribute.sightings {
        unit.sightings
            .push((attribute.uuid.clone(), sighting.clone()));
    }
    let sources = unit.cluster_sources();
    for cluster in &attribute.tags.clusters {
        unit.cluster_uses.push(ClusterUse {
            cluster: cluster.clone(),
            sources: sources.clone(),
            handling: attribute.handling.clone(),
            times: scope.times(attribute.modified),
            from_event: false,
        });
    }
    Ok(unit)
}

/// An indicator when `to_ids`, observed-data otherwise (the caller makes a note when
/// the value has no SCOs); an attribute that carries a sample or attachment gets the
/// observed-data (with the artifact) in both cases, so that the content is not lost.
fn map_observable(
    attribute: &Attribute,
    observation: Observation,
    scope: &EventScope,
    unit: &mut Unit,
) {
    let marking = attribute.handling.tlp.map(|level| level.marking_id());
    let mut ids = Vec::new();
    let indicator_id = if attribute.to_ids {
        let mut indicator = indicator_base(attribute, scope, &mut unit.notes);
        indicator.insert(
            "pattern".to_owned(),
            json!(render_pattern(&observation.comparisons)),
        );
        indicator.insert("pattern_type".to_owned(), json!("stix"));
        indicator.insert("pattern_version".to_owned(), json!("2.1"));
        let id = unit.push(indicator);
        ids.push(id.clone());
        Some(id)
    } else {
        None
    };
    let wants_observation = !attribute.to_ids || attribute.data.is_some();
    if wants_observation && !observation.graph.is_empty() {
        let observed_id = id_from_uuid("observed-data", &attribute.uuid, &attribute.key);
        let times = scope.times(attribute.modified);
        let mut observed = scope.sdo("observed-data", &observed_id, times, attribute.handling.tlp);
        observation_window(
            &mut observed,
            attribute.first_seen,
            attribute.last_seen,
            attribute.modified,
        );
        let sco_ids = observation.graph.ids();
        observed.insert("object_refs".to_owned(), json!(sco_ids));
        set_labels(&mut observed, &attribute.labels());
        if attribute.deleted {
            observed.insert("revoked".to_owned(), json!(true));
        }
        unit.push(observed);
        ids.push(observed_id.clone());
        ids.extend(sco_ids);
        for sco in observation.graph.into_objects(marking) {
            unit.objects.push(sco);
        }
        if let Some(indicator_id) = indicator_id {
            let handling = attribute.handling.clone();
            unit.push(relationship(
                scope,
                &indicator_id,
                "based-on",
                &observed_id,
                times,
                &handling,
            ));
        }
    }
    unit.account(&attribute.uuid, ids);
}

/// The properties every indicator of an attribute has, except its pattern.
fn indicator_base(
    attribute: &Attribute,
    scope: &EventScope,
    notes: &mut Vec<String>,
) -> Map<String, Value> {
    let id = id_from_uuid("indicator", &attribute.uuid, &attribute.key);
    let mut indicator = scope.sdo(
        "indicator",
        &id,
        scope.times(attribute.modified),
        attribute.handling.tlp,
    );
    indicator.insert(
        "name".to_owned(),
        json!(indicator_name(&attribute.misp_type, &attribute.value)),
    );
    set_text(&mut indicator, "description", attribute.comment.as_deref());
    if !validity_window(
        &mut indicator,
        attribute.first_seen,
        attribute.last_seen,
        attribute.modified,
    ) {
        notes.push(
            "last_seen is not after the start of validity; valid_until was left out".to_owned(),
        );
    }
    if let Some(kind) = indicator_types_of(attribute.category.as_deref()) {
        indicator.insert("indicator_types".to_owned(), json!([kind]));
    }
    let mut labels = attribute.labels();
    if !attribute.to_ids {
        labels.push("misp:to_ids=\"false\"".to_owned());
    }
    set_labels(&mut indicator, &labels);
    if attribute.deleted {
        indicator.insert("revoked".to_owned(), json!(true));
    }
    indicator
}

/// `<type>: <first line of the value>`, at most 200 characters.
pub(crate) fn indicator_name(misp_type: &str, value: &str) -> String {
    let first_line = value.trim().lines().next().unwrap_or_default();
    let name = format!("{misp_type}: {first_line}");
    match name.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", name.get(..cut).unwrap_or_default()),
        None => name,
    }
}

/// A note holding a value STIX has no object for.
fn note(attribute: &Attribute, scope: &EventScope) -> Map<String, Value> {
    let id = id_from_uuid("note", &attribute.uuid, &attribute.key);
    let mut note = scope.sdo(
        "note",
        &id,
        scope.times(attribute.modified),
        attribute.handling.tlp,
    );
    note.insert(
        "abstract".to_owned(),
        json!(
            attribute
                .comment
                .clone()
                .unwrap_or_else(|| attribute.misp_type.clone())
        ),
    );
    note.insert("content".to_owned(), json!(attribute.value));
    note.insert("object_refs".to_owned(), json!([scope.report_id]));
    let mut labels = attribute.labels();
    if attribute.to_ids {
        labels.push("misp:to_ids=\"true\"".to_owned());
    }
    set_labels(&mut note, &labels);
    if attribute.deleted {
        note.insert("revoked".to_owned(), json!(true));
    }
    note
}

/// A `link` is an external reference of the report, unless it is handled differently
/// from the event (its own TLP or a narrower distribution) or withdrawn: then it is a
/// note of its own that carries its own marking.
fn map_link(attribute: &Attribute, scope: &EventScope, unit: &mut Unit) {
    let reference = link_reference(attribute.value.trim(), attribute.comment.as_deref());
    if !attribute.deleted && attribute.handling == scope.handling() {
        unit.report_references.push(reference);
        unit.account(&attribute.uuid, vec![scope.report_id.clone()]);
        return;
    }
    let mut note = note(attribute, scope);
    note.insert("external_references".to_owned(), json!([reference]));
    let id = unit.push(note);
    unit.account(&attribute.uuid, vec![id]);
}

/// An external reference to `url`, named after its host.
pub(crate) fn link_reference(url: &str, description: Option<&str>) -> Value {
    let host = url
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(url)
        .split(['/', '?', '#'])
        .next()
        .filter(|host| !host.is_empty())
        .unwrap_or("link");
    let mut reference = Map::new();
    reference.insert("source_name".to_owned(), json!(host));
    reference.insert("url".to_owned(), json!(url));
    set_text(&mut reference, "description", description);
    Value::Object(reference)
}

/// An SDO whose `name` is the value (vulnerability, threat-actor, campaign).
fn named_sdo(
    attribute: &Attribute,
    scope: &EventScope,
    object_type: &str,
    id: &str,
) -> Map<String, Value> {
    let mut object = scope.sdo(
        object_type,
        id,
        scope.times(attribute.modified),
        attribute.handling.tlp,
    );
    let name = match object_type {
        "vulnerability" => {
            cve_id(&attribute.value).unwrap_or_else(|| attribute.value.trim().to_owned())
        }
        _ => attribute.value.trim().to_owned(),
    };
    object.insert("name".to_owned(), json!(name));
    set_text(&mut object, "description", attribute.comment.as_deref());
    set_labels(&mut object, &attribute.labels());
    if attribute.deleted {
        object.insert("revoked".to_owned(), json!(true));
    }
    object
}

/// `CVE-YYYY-NNNN…` in upper case, when the value is a CVE id.
pub(crate) fn cve_id(value: &str) -> Option<String> {
    let upper = value.trim().to_ascii_uppercase();
    let rest = upper.strip_prefix("CVE-")?;
    let (year, number) = rest.split_once('-')?;
    let digits = |text: &str| text.bytes().all(|byte| byte.is_ascii_digit());
    (year.len() == 4 && digits(year) && number.len() >= 4 && digits(number)).then_some(upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids_are_recognised() {
        assert_eq!(cve_id(" cve-2017-0199 ").as_deref(), Some("CVE-2017-0199"));
        assert_eq!(cve_id("CVE-2021-44228").as_deref(), Some("CVE-2021-44228"));
        assert!(cve_id("CVE-21-1").is_none());
        assert!(cve_id("MS17-010").is_none());
    }

    #[test]
    fn names_are_one_short_line() {
        assert_eq!(
            indicator_name("yara", "rule x {\n condition: true\n}"),
            "yara: rule x {"
        );
        let long = "a".repeat(500);
        assert_eq!(indicator_name("url", &long).chars().count(), 201);
    }

    #[test]
    fn links_are_named_after_their_host() {
        let reference = link_reference("https://blog.example.com/post?id=1", Some("the post"));
        assert_eq!(reference["source_name"], "blog.example.com");
        assert_eq!(reference["description"], "the post");
        assert_eq!(
            link_reference("not a url", None)["source_name"],
            "not a url"
        );
    }
}
