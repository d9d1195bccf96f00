//! STIX input: a bundle, or JSON lines of STIX objects. Each `observed-data` becomes
//! one observation through [`Observation::from_observed_data`], its `object_refs`
//! resolved against the objects of the same bundle or, in JSON lines, the SCOs of
//! earlier lines (kept, up to a bound, for that purpose). Other objects give no event
//! and are not problems: a bundle of sightings or indicators around the observed data
//! is normal.

use std::collections::BTreeMap;

use dijkwacht_pattern::{Observation, ObservationError};
use serde_json::Value;

use crate::ProblemKind;

/// How many SCOs from earlier lines are kept for `object_refs` to name.
const MAX_REMEMBERED_OBJECTS: usize = 100_000;

/// The SCOs seen so far in a stream of JSON lines.
#[derive(Debug, Default)]
pub(crate) struct StixContext {
    remembered: BTreeMap<String, Value>,
}

impl StixContext {
    /// The observations of one JSON value: a bundle, an `observed-data` or another
    /// object (remembered if it has an id, for later `object_refs`).
    pub(crate) fn read_value(
        &mut self,
        value: Value,
        emit: &mut dyn FnMut(Observation),
    ) -> Result<(), ProblemKind> {
        match value.get("type").and_then(Value::as_str) {
            Some("bundle") => {
                let objects = match value.get("objects") {
                    Some(Value::Array(objects)) => objects.as_slice(),
                    None => &[],
                    Some(_) => {
                        return Err(ProblemKind::InvalidStix(
                            "`objects` is not a list".to_owned(),
                        ));
                    }
                };
                let by_id: BTreeMap<String, Value> = objects
                    .iter()
                    .filter_map(|object| {
                        Some((object.get("id")?.as_str()?.to_owned(), object.clone()))
                    })
                    .collect();
                let mut first_error = None;
                for object in objects {
                    if object.get("type").and_then(Value::as_str) == Some("observed-data") {
                        match observation_of(object, &by_id) {
                            Ok(observation) => emit(observation),
                            Err(problem) => {
                                first_error.get_or_insert(problem);
                            }
                        }
                    }
                }
                first_error.map_or(Ok(()), Err)
            }
            Some("observed-data") => {
                emit(observation_of(&value, &self.remembered)?);
                Ok(())
            }
            Some(_) => {
                if let Some(id) = value.get("id").and_then(Value::as_str) {
                    if self.remembered.len() < MAX_REMEMBERED_OBJECTS {
                        self.remembered.insert(id.to_owned(), value);
                    }
                }
                Ok(())
            }
            None => Err(ProblemKind::InvalidStix("no `type`".to_owned())),
        }
    }
}

fn observation_of(
    object: &Value,
    referenced: &BTreeMap<String, Value>,
) -> Result<Observation, ProblemKind> {
    Observation::from_observed_data(object, referenced).map_err(|error: ObservationError| {
        let id = object
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("observed-data");
        ProblemKind::InvalidStix(format!("{id}: {error}"))
    })
}
