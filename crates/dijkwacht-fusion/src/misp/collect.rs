//! Gathers the units of one event into its objects: each unit is validated with our own
//! STIX validator before it is kept, so a mapping never hands on an invalid object
//! (a MISP value that STIX refuses, such as a malformed hash, becomes a problem).
//!
//! Decisions: an object met twice with the same content is kept once. An SCO met twice
//! with different content (one file seen with and without its content) is merged:
//! properties are united and the stricter TLP marking kept, so that sharing an SCO
//! never widens it. Two different SDOs with one id (a uuid used twice in the event)
//! cannot both be right: the first is kept and the second reported.

use std::collections::{BTreeMap, HashMap};

use dijkwacht_stix::tlp::level_of_marking;
use dijkwacht_stix::validate_object;
use serde_json::{Map, Value};

use super::scope::Handling;
use super::unit::{ClusterUse, Unit};
use crate::mapped::MappingProblem;

/// What the event's units have given so far.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    pub objects: Vec<Value>,
    index: HashMap<String, usize>,
    pub problems: Vec<MappingProblem>,
    pub accounted: BTreeMap<String, Vec<String>>,
    handlings: HashMap<String, Handling>,
    pub represents: HashMap<String, String>,
    pub indicators: Vec<String>,
    pub cluster_uses: Vec<ClusterUse>,
    pub report_references: Vec<Value>,
    pub sightings: Vec<(String, Map<String, Value>)>,
}

impl Collector {
    pub(crate) fn problem(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.problems.push(MappingProblem {
            location: location.into(),
            message: message.into(),
        });
    }

    /// The handling of a kept object.
    pub(crate) fn handling_of(&self, id: &str) -> Option<Handling> {
        self.handlings.get(id).cloned()
    }

    /// The ids of the kept objects, in order.
    pub(crate) fn ids(&self) -> Vec<String> {
        self.objects
            .iter()
            .filter_map(|object| object.get("id").and_then(Value::as_str))
            .map(str::to_owned)
            .collect()
    }

    /// Every kept object's handling.
    pub(crate) fn handlings(&self) -> &HashMap<String, Handling> {
        &self.handlings
    }

    /// Validates the unit and keeps it, or reports at `location` why it was dropped.
    pub(crate) fn keep(&mut self, unit: Unit, location: &str) -> bool {
        let mut errors = Vec::new();
        for object in &unit.objects {
            let report = validate_object(object);
            errors.extend(report.errors().map(ToString::to_string));
        }
        if !errors.is_empty() {
            self.problem(
                location,
                format!(
                    "not mapped: the STIX made from it would be invalid: {}",
                    errors.join("; ")
                ),
            );
            return false;
        }
        for object in &unit.objects {
            let Some(id) = object.get("id").and_then(Value::as_str) else {
                continue;
            };
            let handling = unit.handling_of(id).clone();
            match self.index.get(id).copied() {
                None => {
                    self.index.insert(id.to_owned(), self.objects.len());
                    self.objects.push(object.clone());
                    self.handlings.insert(id.to_owned(), handling);
                }
                Some(position) => {
                    let Some(existing) = self.objects.get_mut(position) else {
                        continue;
                    };
                    if existing == object {
                        continue;
                    }
                    if existing.get("created").is_none() && object.get("created").is_none() {
                        merge_observable(existing, object);
                        let merged = self
                            .handlings
                            .get(id)
                            .map_or_else(|| handling.clone(), |known| known.combine(&handling));
                        self.handlings.insert(id.to_owned(), merged);
                    } else {
                        self.problem(
                            location,
                            format!("another element of the event already gave the id {id}; this one was left out"),
                        );
                    }
                }
            }
        }
        for note in unit.notes {
            self.problem(location, note);
        }
        for (uuid, ids) in unit.accounted {
            self.accounted.entry(uuid).or_default().extend(ids);
        }
        for (uuid, id) in unit.represents {
            self.represents.entry(uuid).or_insert(id);
        }
        self.indicators.extend(unit.indicators);
        self.cluster_uses.extend(unit.cluster_uses);
        self.report_references.extend(unit.report_references);
        self.sightings.extend(unit.sightings);
        true
    }
}

/// Unites two versions of one SCO: missing properties are added, and the stricter TLP
/// marking is kept.
fn merge_observable(existing: &mut Value, other: &Value) {
    let (Some(existing), Some(other)) = (existing.as_object_mut(), other.as_object()) else {
        return;
    };
    let level = |object: &Map<String, Value>| {
        object
            .get("object_marking_refs")
            .and_then(Value::as_array)
            .and_then(|refs| {
                refs.iter()
                    .filter_map(Value::as_str)
                    .filter_map(level_of_marking)
                    .max()
            })
    };
    let stricter = level(existing).max(level(other));
    for (key, value) in other {
        if !existing.contains_key(key) {
            existing.insert(key.clone(), value.clone());
        }
    }
    if let Some(stricter) = stricter {
        existing.insert(
            "object_marking_refs".to_owned(),
            Value::Array(vec![Value::from(stricter.marking_id())]),
        );
    }
}
