//! A unit is the STIX made from one MISP element (an attribute, an object, a galaxy
//! cluster, a reference, a sighting): its objects are validated together and kept or
//! dropped together, so that a bad value never leaves half an observation or an
//! indicator without the objects it refers to.
//!
//! A unit also says what it accounts for (which MISP attribute went into which STIX
//! objects), which object stands for each MISP element (for references and sightings),
//! how each object is handled, and which galaxy clusters its element names.

use serde_json::{Map, Value, json};

use super::fields::FEED_KIND;
use super::scope::{EventScope, Handling, Times};
use super::tags::Cluster;
use crate::mapped::derived_id;

/// A galaxy cluster named on an attribute or object, and the objects made from it.
#[derive(Debug, Clone)]
pub(crate) struct ClusterUse {
    pub cluster: Cluster,
    /// `(object id, relationship type)`: indicators `indicates`, others `related-to`.
    pub sources: Vec<(String, &'static str)>,
    pub handling: Handling,
    pub times: Times,
    /// The cluster is named on the event, not on this element alone.
    pub from_event: bool,
}

/// The STIX made from one MISP element.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub objects: Vec<Value>,
    /// MISP attribute uuid → the ids of the STIX objects it went into.
    pub accounted: Vec<(String, Vec<String>)>,
    /// The indicators among `objects`.
    pub indicators: Vec<String>,
    /// MISP uuid (attribute or object) → the STIX object that stands for it.
    pub represents: Vec<(String, String)>,
    /// How the objects are handled, unless `exceptions` says otherwise for one.
    pub handling: Handling,
    pub exceptions: Vec<(String, Handling)>,
    pub cluster_uses: Vec<ClusterUse>,
    /// External references the element adds to the report (`link` attributes).
    pub report_references: Vec<Value>,
    /// MISP sightings, with the uuid of the attribute they sight.
    pub sightings: Vec<(String, Map<String, Value>)>,
    /// Problems of the element that did not stop its mapping.
    pub notes: Vec<String>,
}

impl Unit {
    pub(crate) fn new(handling: Handling) -> Unit {
        Unit {
            objects: Vec::new(),
            accounted: Vec::new(),
            indicators: Vec::new(),
            represents: Vec::new(),
            handling,
            exceptions: Vec::new(),
            cluster_uses: Vec::new(),
            report_references: Vec::new(),
            sightings: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds an object; indicators are remembered for galaxy relationships.
    pub(crate) fn push(&mut self, object: Map<String, Value>) -> String {
        let id = object
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if object.get("type").and_then(Value::as_str) == Some("indicator") {
            self.indicators.push(id.clone());
        }
        self.objects.push(Value::Object(object));
        id
    }

    /// Records that the attribute `uuid` went into `ids`.
    pub(crate) fn account(&mut self, uuid: &str, ids: Vec<String>) {
        self.accounted.push((uuid.to_owned(), ids));
    }

    /// The handling of the object `id` of this unit.
    pub(crate) fn handling_of(&self, id: &str) -> &Handling {
        self.exceptions
            .iter()
            .find(|(known, _)| known == id)
            .map_or(&self.handling, |(_, handling)| handling)
    }

    /// Takes in another unit's objects and facts (an object member mapped on its own).
    pub(crate) fn absorb(&mut self, other: Unit) {
        for object in &other.objects {
            if let Some(id) = object.get("id").and_then(Value::as_str) {
                let handling = other.handling_of(id);
                if *handling != self.handling {
                    self.exceptions.push((id.to_owned(), handling.clone()));
                }
            }
        }
        self.objects.extend(other.objects);
        self.accounted.extend(other.accounted);
        self.indicators.extend(other.indicators);
        self.represents.extend(other.represents);
        self.cluster_uses.extend(other.cluster_uses);
        self.report_references.extend(other.report_references);
        self.sightings.extend(other.sightings);
        self.notes.extend(other.notes);
    }

    /// The objects that can be the source of a galaxy relationship: the indicators
    /// (`indicates`), or when there are none the objects standing for the element
    /// (`related-to`).
    pub(crate) fn cluster_sources(&self) -> Vec<(String, &'static str)> {
        if !self.indicators.is_empty() {
            return self
                .indicators
                .iter()
                .map(|id| (id.clone(), "indicates"))
                .collect();
        }
        let mut sources: Vec<(String, &'static str)> = Vec::new();
        for (_, id) in &self.represents {
            if !sources.iter().any(|(known, _)| known == id) {
                sources.push((id.clone(), "related-to"));
            }
        }
        sources
    }
}

/// A relationship made from MISP facts, with an id derived from its ends and type so
/// that the same facts always give the same relationship.
pub(crate) fn relationship(
    scope: &EventScope,
    source: &str,
    relationship_type: &str,
    target: &str,
    times: Times,
    handling: &Handling,
) -> Map<String, Value> {
    let id = derived_id(
        "relationship",
        FEED_KIND,
        &format!("{source} {relationship_type} {target}"),
    );
    let mut object = scope.sdo("relationship", &id, times, handling.tlp);
    object.insert("relationship_type".to_owned(), json!(relationship_type));
    object.insert("source_ref".to_owned(), json!(source));
    object.insert("target_ref".to_owned(), json!(target));
    object
}
