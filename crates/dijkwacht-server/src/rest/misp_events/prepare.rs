//! The work of an upload that needs no store: the body read as MISP events, mapped to
//! STIX 2.1 by `dijkwacht-fusion`, each object given its route (the communities, or
//! the owner alone for what MISP keeps to "your organisation only") and passed through
//! the intake gate. Pure and synchronous, so that the handler runs it off the async
//! threads; every refusal names the event, attribute or object and the field.
//!
//! Decisions:
//! - An event at distribution 0 goes to the owner alone, whatever the communities
//!   asked; in a wider event, an attribute or object at 0 does too. Every other level
//!   (1-3, and a sharing group, which Dijkwacht does not know) follows the communities
//!   the uploader named: they chose them.
//! - Objects without a TLP marking of their own (no `tlp:` tag on the event or the
//!   attribute) take the default level of the destination; the mapping adds no marking.
//! - The same object (same id, same content) in several events is stored once, with
//!   the widest route it was given: its content is shared that far anyway.
//! - An upload is stored all-or-nothing: one object the intake refuses refuses the
//!   upload, and the answer lists every refusal.

use std::collections::{BTreeMap, HashSet};

use axum::http::StatusCode;
use dijkwacht_fusion::mapped::MappingProblem;
use dijkwacht_fusion::misp::{Distribution, MappedEvent, MispContext, MispError, map_events_value};
use dijkwacht_stix::diagnostic::Rule;
use dijkwacht_store::PreparedObject;
use dijkwacht_store::intake::{HandlingDefaults, IntakeBuilder, InvalidObject};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::ApiError;

/// Where the objects of an upload go.
#[derive(Debug, Clone)]
pub struct Destination {
    /// Into the communities named, owned by the uploader's organisation.
    pub shared: HandlingDefaults,
    /// For what MISP keeps to "your organisation only".
    pub owner_only: HandlingDefaults,
    /// Where the default TLP level came from: `parameter` or `community`.
    pub tlp_from: &'static str,
}

/// One event of an upload, as the answer tells it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventSummary {
    /// The MISP event's uuid.
    pub uuid: String,
    /// The STIX `report` made of the event.
    pub reports: Vec<String>,
    /// The event's MISP distribution (0-4); 1 when the event gives none.
    pub distribution: u8,
    /// Whether the whole event stays with your organisation (distribution 0).
    pub kept_to_organisation: bool,
    /// The TLP level of the event's objects without a TLP tag of their own.
    pub tlp: String,
    /// Where that level came from: `event` (its `tlp:` tag), `parameter` (`?tlp=`)
    /// or `community` (the community's default).
    pub tlp_from: String,
    /// STIX objects made of the event.
    pub objects: usize,
}

/// Something of an event that could not be mapped to STIX, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotMapped {
    /// The event's uuid.
    pub event: Option<String>,
    /// The MISP attribute's uuid, when the problem is an attribute's.
    pub attribute: Option<String>,
    /// The MISP object's uuid, when the problem is a MISP object's.
    pub object: Option<String>,
    /// The attribute's MISP type, when the problem is an attribute's.
    #[serde(rename = "type")]
    pub misp_type: Option<String>,
    /// Where the problem is, as the mapping names it.
    pub location: String,
    /// What is wrong, and what was done.
    pub problem: String,
}

/// An upload ready to store.
#[derive(Debug)]
pub struct Upload {
    /// The objects to store, in one batch (the shared ones first).
    pub prepared: Vec<PreparedObject>,
    pub events: Vec<EventSummary>,
    pub not_mapped: Vec<NotMapped>,
    /// STIX objects the events were mapped to (before repeats were stored once).
    pub objects: usize,
    /// How many of `prepared` stay with the owner alone.
    pub kept_to_organisation: usize,
    /// Where each object came from (`event …, attribute …`), by STIX id, for
    /// naming objects the store refuses.
    pub origins: BTreeMap<String, String>,
}

/// How events without a distribution travel: as far as the communities named (MISP's
/// default for new events is "this community only").
fn context() -> MispContext {
    MispContext {
        default_distribution: Distribution::ThisCommunityOnly,
        default_tlp: None,
    }
}

/// Reads, maps, routes and checks the body of an upload.
pub fn prepare(body: &[u8], destination: &Destination) -> Result<Upload, ApiError> {
    let document: Value = serde_json::from_slice(body).map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "The body is not JSON",
        )
        .with_description(format!(
            "{error}; send the whole MISP event file (an upload cut short ends early)"
        ))
    })?;
    let events = map_events_value(&document, &context()).map_err(not_a_misp_event)?;
    if events.is_empty() {
        return Err(not_a_misp_event(MispError::Invalid {
            location: "body".to_owned(),
            message: "the body holds no event; send {\"Event\": {…}}, a list of them or \
                      {\"response\": […]}"
                .to_owned(),
        }));
    }
    let attribute_types = attribute_types(&document);
    drop(document);
    let mut shared = Vec::new();
    let mut owner_only = Vec::new();
    let mut summaries = Vec::new();
    let mut not_mapped = Vec::new();
    let mut origins = BTreeMap::new();
    let mut objects = 0;
    for event in events {
        objects += event.mapped.objects.len();
        summaries.push(summary_of(&event, destination));
        not_mapped.extend(
            event
                .mapped
                .problems
                .iter()
                .map(|problem| not_mapped_of(problem, &attribute_types)),
        );
        for (attribute, ids) in &event.objects_by_attribute {
            for id in ids {
                origins.insert(
                    id.clone(),
                    format!("event {}, attribute {attribute}", event.event_uuid),
                );
            }
        }
        let everything_owner_only = event.distribution == Distribution::YourOrganisationOnly;
        for object in event.mapped.objects {
            let id = object.get("id").and_then(Value::as_str).unwrap_or_default();
            origins
                .entry(id.to_owned())
                .or_insert_with(|| format!("event {}", event.event_uuid));
            let narrow = everything_owner_only
                || event.object_distributions.get(id) == Some(&Distribution::YourOrganisationOnly);
            if narrow {
                owner_only.push(object);
            } else {
                shared.push(object);
            }
        }
    }
    let (shared, mut invalid) = pass_intake(shared, &destination.shared);
    let (owner_only, invalid_owner_only) = pass_intake(owner_only, &destination.owner_only);
    invalid.extend(invalid_owner_only);
    if !invalid.is_empty() {
        return Err(refused_by_intake(&invalid, &origins));
    }
    let mut seen = HashSet::new();
    let mut prepared = Vec::with_capacity(shared.len() + owner_only.len());
    for object in shared {
        if seen.insert((object.id.clone(), object.json.clone())) {
            prepared.push(object);
        }
    }
    let mut kept_to_organisation = 0;
    for object in owner_only {
        if seen.insert((object.id.clone(), object.json.clone())) {
            kept_to_organisation += 1;
            prepared.push(object);
        }
    }
    Ok(Upload {
        prepared,
        events: summaries,
        not_mapped,
        objects,
        kept_to_organisation,
        origins,
    })
}

fn not_a_misp_event(error: MispError) -> ApiError {
    let (status, code, title) = match error {
        MispError::Json { .. } => (
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "The body is not JSON",
        ),
        MispError::Invalid { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_misp_event",
            "The body is not a MISP event",
        ),
    };
    ApiError::new(status, code, title).with_description(error.to_string())
}

fn summary_of(event: &MappedEvent, destination: &Destination) -> EventSummary {
    let (tlp, tlp_from) = match event.tlp {
        Some(level) => (level, "event"),
        None => (destination.shared.tlp, destination.tlp_from),
    };
    EventSummary {
        uuid: event.event_uuid.clone(),
        reports: event
            .mapped
            .objects
            .iter()
            .filter(|object| object.get("type").and_then(Value::as_str) == Some("report"))
            .filter_map(|object| object.get("id").and_then(Value::as_str))
            .map(str::to_owned)
            .collect(),
        distribution: event.distribution.level(),
        kept_to_organisation: event.distribution == Distribution::YourOrganisationOnly,
        tlp: tlp.name().to_owned(),
        tlp_from: tlp_from.to_owned(),
        objects: event.mapped.objects.len(),
    }
}

/// A mapping problem with the MISP elements its location names (`event <uuid>,
/// attribute <uuid>`, `event <uuid>, object <uuid>`, as the mapping writes them).
fn not_mapped_of(
    problem: &MappingProblem,
    attribute_types: &BTreeMap<String, String>,
) -> NotMapped {
    let named = |kind: &str| {
        problem
            .location
            .split(", ")
            .find_map(|part| part.strip_prefix(kind)?.strip_prefix(' '))
            .map(str::to_owned)
    };
    let attribute = named("attribute");
    NotMapped {
        event: named("event"),
        misp_type: attribute
            .as_ref()
            .and_then(|uuid| attribute_types.get(uuid))
            .cloned(),
        attribute,
        object: named("object"),
        location: problem.location.clone(),
        problem: problem.message.clone(),
    }
}

/// Every attribute's type by uuid, wherever it is in the document (an event's
/// `Attribute`s and those of its `Object`s), lower-cased uuids as the mapping reports
/// them.
fn attribute_types(document: &Value) -> BTreeMap<String, String> {
    let mut types = BTreeMap::new();
    let mut pending = vec![document];
    while let Some(value) = pending.pop() {
        match value {
            Value::Object(fields) => {
                if let Some(Value::Array(attributes)) = fields.get("Attribute") {
                    for attribute in attributes {
                        let text = |key: &str| attribute.get(key).and_then(Value::as_str);
                        if let (Some(uuid), Some(kind)) = (text("uuid"), text("type")) {
                            types.insert(uuid.trim().to_ascii_lowercase(), kind.to_owned());
                            types.insert(uuid.to_owned(), kind.to_owned());
                        }
                    }
                }
                pending.extend(fields.values());
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    types
}

/// Passes `objects` through the intake gate with `handling`: the objects ready to
/// store, and those refused.
fn pass_intake(
    objects: Vec<Value>,
    handling: &HandlingDefaults,
) -> (Vec<PreparedObject>, Vec<InvalidObject>) {
    if objects.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut intake = IntakeBuilder::new().with_handling(Some(handling.clone()));
    for (index, object) in objects.into_iter().enumerate() {
        intake.push(index, object);
    }
    let intake = intake.finish();
    let accepted = intake
        .accepted
        .into_iter()
        .map(|(_, object)| object)
        .collect();
    (accepted, intake.invalid)
}

/// The answer to an upload the intake refused, naming every object, path and rule.
fn refused_by_intake(invalid: &[InvalidObject], origins: &BTreeMap<String, String>) -> ApiError {
    let red_only = invalid.iter().all(|object| {
        object
            .errors
            .iter()
            .all(|finding| finding.rule == Rule::SharingRule)
    });
    let problems: Vec<String> = invalid
        .iter()
        .flat_map(|object| {
            let id = object.id.as_deref().unwrap_or("(object without id)");
            let origin = origins
                .get(id)
                .map(|origin| format!(" ({origin})"))
                .unwrap_or_default();
            object.errors.iter().map(move |finding| {
                let message = if finding.rule == Rule::SharingRule {
                    "TLP:RED goes to named people only, and an upload is shared with \
                     communities, which name no one"
                } else {
                    finding.message.as_str()
                };
                format!(
                    "object {id}{origin}: {} at {}: {message}",
                    finding.rule, finding.path
                )
            })
        })
        .collect();
    let listed = problems.join("; ");
    if red_only {
        return ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "tlp_red_refused",
            "TLP:RED cannot be uploaded into a community",
        )
        .with_description(format!(
            "nothing was stored: {listed}; tag the event or attribute tlp:amber+strict at \
             most, or leave the TLP:RED parts out"
        ));
    }
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_objects",
        "The events map to objects that break STIX rules",
    )
    .with_description(format!("nothing was stored: {listed}"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use dijkwacht_policy::{CommunityId, Scope};
    use dijkwacht_stix::tlp::TlpLevel;
    use serde_json::json;

    use super::*;

    fn destination() -> Destination {
        let shared = HandlingDefaults {
            owner: "waterbedrijf".to_owned(),
            scope: Scope::Communities(BTreeSet::from([CommunityId::new("water")])),
            tlp: TlpLevel::Green,
            recipients: BTreeSet::new(),
            attribute_to: None,
        };
        Destination {
            owner_only: HandlingDefaults {
                scope: Scope::Organisation,
                ..shared.clone()
            },
            shared,
            tlp_from: "community",
        }
    }

    fn event(distribution: &str, tags: Value, attributes: Value) -> Value {
        json!({"Event": {
            "uuid": "5f0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b",
            "timestamp": "1767600000",
            "date": "2026-01-05",
            "info": "beacons at the sluice",
            "distribution": distribution,
            "Orgc": {"uuid": "6a0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b", "name": "CERT-W"},
            "Tag": tags,
            "Attribute": attributes,
        }})
    }

    fn attribute(uuid: &str, misp_type: &str, value: &str, distribution: &str) -> Value {
        json!({
            "uuid": uuid, "type": misp_type, "category": "Network activity",
            "value": value, "to_ids": true, "timestamp": "1767600000",
            "distribution": distribution,
        })
    }

    fn prepared(body: &Value) -> Result<Upload, ApiError> {
        prepare(body.to_string().as_bytes(), &destination())
    }

    fn refusal(body: &[u8]) -> ApiError {
        match prepare(body, &destination()) {
            Ok(upload) => panic!("refused, not {} objects", upload.prepared.len()),
            Err(error) => error,
        }
    }

    #[test]
    fn an_event_goes_into_the_communities_and_distribution_0_parts_stay_with_the_owner() {
        let body = event(
            "1",
            json!([]),
            json!([
                attribute(
                    "7a0c1d2e-3f40-4a51-8b62-7c8d9e0f1a01",
                    "ip-dst",
                    "198.51.100.7",
                    "5"
                ),
                attribute(
                    "7a0c1d2e-3f40-4a51-8b62-7c8d9e0f1a02",
                    "domain",
                    "sluice.example",
                    "0"
                ),
            ]),
        );
        let upload = prepared(&body).unwrap_or_else(|error| panic!("{error:?}"));
        let scopes: Vec<(&str, &Scope)> = upload
            .prepared
            .iter()
            .filter_map(|object| {
                Some((object.object_type.as_str(), object.handling.scope.as_ref()?))
            })
            .collect();
        assert!(
            scopes.contains(&("report", &destination().shared.scope)),
            "{scopes:?}"
        );
        assert!(
            scopes
                .iter()
                .any(|(kind, scope)| *kind == "indicator" && **scope == Scope::Organisation)
        );
        assert_eq!(upload.kept_to_organisation, 1);
        assert_eq!(upload.events[0].tlp, "green");
        assert_eq!(upload.events[0].tlp_from, "community");
        assert_eq!(upload.events[0].reports.len(), 1);

        let whole = prepared(&event("0", json!([{"name": "tlp:amber"}]), json!([])))
            .unwrap_or_else(|error| panic!("{error:?}"));
        assert!(
            whole
                .prepared
                .iter()
                .all(|object| object.handling.scope == Some(Scope::Organisation))
        );
        assert!(whole.events[0].kept_to_organisation);
        assert_eq!(
            (
                whole.events[0].tlp.as_str(),
                whole.events[0].tlp_from.as_str()
            ),
            ("amber", "event")
        );
    }

    #[test]
    fn unknown_attribute_types_are_reported_with_uuid_and_type() {
        let body = event(
            "3",
            json!([]),
            json!([attribute(
                "7a0c1d2e-3f40-4a51-8b62-7c8d9e0f1a03",
                "x-sluice-gate",
                "7",
                "5"
            )]),
        );
        let upload = prepared(&body).unwrap_or_else(|error| panic!("{error:?}"));
        let problem = upload
            .not_mapped
            .iter()
            .find(|problem| problem.attribute.is_some())
            .unwrap_or_else(|| panic!("a problem in {:?}", upload.not_mapped));
        assert_eq!(
            problem.attribute.as_deref(),
            Some("7a0c1d2e-3f40-4a51-8b62-7c8d9e0f1a03")
        );
        assert_eq!(problem.misp_type.as_deref(), Some("x-sluice-gate"));
        assert_eq!(
            problem.event.as_deref(),
            Some("5f0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b")
        );
        assert!(
            problem.problem.contains("x-sluice-gate"),
            "{}",
            problem.problem
        );
    }

    #[test]
    fn bodies_that_are_not_events_are_refused_naming_the_problem() {
        let cut = event("1", json!([]), json!([])).to_string();
        let error = refusal(&cut.as_bytes()[..cut.len() / 2]);
        assert_eq!(
            (error.status, error.code),
            (StatusCode::BAD_REQUEST, "malformed_json")
        );
        assert!(
            error
                .description
                .unwrap_or_default()
                .contains("EOF while parsing")
        );

        let error = refusal(br#"{"Event": {"info": "no uuid"}}"#);
        assert_eq!(
            (error.status, error.code),
            (StatusCode::UNPROCESSABLE_ENTITY, "not_a_misp_event")
        );
        assert!(error.description.unwrap_or_default().contains("uuid"));

        for body in [&b"[]"[..], b"\"text\"", br#"{"response": 7}"#] {
            let error = refusal(body);
            assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY, "{error:?}");
        }
    }

    #[test]
    fn tlp_red_is_refused_as_nothing_can_name_its_recipients() {
        let error = refusal(
            event("1", json!([{"name": "tlp:red"}]), json!([]))
                .to_string()
                .as_bytes(),
        );
        assert_eq!(
            (error.status, error.code),
            (StatusCode::UNPROCESSABLE_ENTITY, "tlp_red_refused")
        );
        let details = error.description.unwrap_or_default();
        assert!(
            details.contains("report--") && details.contains("object_marking_refs"),
            "{details}"
        );
    }
}
