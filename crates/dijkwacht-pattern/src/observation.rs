//! What patterns are matched against: observations. One [`Observation`] is what one
//! STIX `observed-data` says: a time window, how many times it was seen, and the cyber
//! observables (SCOs) seen, by the key other SCOs use to refer to them (`*_ref`,
//! `*_refs`). Sensor readers (Suricata EVE, Zeek, JSON lines) build the same shape, so
//! that one matcher serves STIX input and raw logs alike.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// One observation: the objects seen between `first_observed` and `last_observed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The `observed-data` id, when the observation came from STIX.
    pub id: Option<String>,
    /// Unix microseconds.
    pub first_observed: i64,
    /// Unix microseconds; not before `first_observed`.
    pub last_observed: i64,
    /// How many times this was observed (at least 1).
    pub number_observed: u64,
    /// The SCOs, by the key references use: `"0"`, `"1"`… for the deprecated embedded
    /// `objects` dictionary, or the SCO's `id` for `object_refs`.
    pub objects: BTreeMap<String, Map<String, Value>>,
}

/// Why an `observed-data` object cannot be turned into an observation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObservationError {
    #[error("`{property}` is missing or not {expected}")]
    Property {
        property: &'static str,
        expected: &'static str,
    },
    #[error("`object_refs` names {0}, which is not among the objects given")]
    UnknownReference(String),
    #[error("`last_observed` is before `first_observed`")]
    WindowReversed,
}

impl Observation {
    /// The observation an `observed-data` object describes. Its SCOs come from its
    /// embedded `objects` dictionary or, in STIX 2.1 style, from `object_refs`, looked
    /// up in `referenced` (the other objects of the same bundle, by id).
    pub fn from_observed_data(
        observed_data: &Value,
        referenced: &BTreeMap<String, Value>,
    ) -> Result<Observation, ObservationError> {
        let timestamp = |property: &'static str| {
            observed_data
                .get(property)
                .and_then(Value::as_str)
                .and_then(parse_timestamp_micros)
                .ok_or(ObservationError::Property {
                    property,
                    expected: "a timestamp",
                })
        };
        let first_observed = timestamp("first_observed")?;
        let last_observed = timestamp("last_observed")?;
        if last_observed < first_observed {
            return Err(ObservationError::WindowReversed);
        }
        let number_observed = observed_data
            .get("number_observed")
            .and_then(Value::as_u64)
            .filter(|count| *count >= 1)
            .ok_or(ObservationError::Property {
                property: "number_observed",
                expected: "a whole number of at least 1",
            })?;
        let mut objects = BTreeMap::new();
        if let Some(embedded) = observed_data.get("objects").and_then(Value::as_object) {
            for (key, object) in embedded {
                if let Some(object) = object.as_object() {
                    objects.insert(key.clone(), object.clone());
                }
            }
        }
        if let Some(references) = observed_data.get("object_refs").and_then(Value::as_array) {
            for reference in references.iter().filter_map(Value::as_str) {
                let object = referenced
                    .get(reference)
                    .and_then(Value::as_object)
                    .ok_or_else(|| ObservationError::UnknownReference(reference.to_owned()))?;
                objects.insert(reference.to_owned(), object.clone());
            }
        }
        Ok(Observation {
            id: observed_data
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            first_observed,
            last_observed,
            number_observed,
            objects,
        })
    }
}

/// Unix microseconds of an RFC 3339 timestamp in UTC (`2026-01-31T12:00:00.123Z`), as
/// STIX writes them; `None` for anything else.
pub fn parse_timestamp_micros(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z').or_else(|| text.strip_suffix('z'))?;
    let (date, time) = text.split_once(['T', 't'])?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: u32 = date_parts.next()?.parse().ok()?;
    let day: u32 = date_parts.next()?.parse().ok()?;
    let (clock, fraction) = match time.split_once('.') {
        Some((clock, fraction)) => (clock, fraction),
        None => (time, ""),
    };
    let mut clock_parts = clock.splitn(3, ':');
    let hour: i64 = clock_parts.next()?.parse().ok()?;
    let minute: i64 = clock_parts.next()?.parse().ok()?;
    let second: i64 = clock_parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let micros: i64 = format!("{fraction:0<6}").get(..6)?.parse().ok()?;
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000_000 + second * 1_000_000 + micros)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn timestamps_are_read_to_the_microsecond() {
        assert_eq!(parse_timestamp_micros("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp_micros("2016-04-06T20:03:48.123456Z"),
            Some(1_459_973_028_123_456)
        );
        assert_eq!(
            parse_timestamp_micros("2016-04-06T20:03:48.1Z"),
            Some(1_459_973_028_100_000)
        );
        assert_eq!(
            parse_timestamp_micros("2024-02-29T00:00:00Z").map(|t| t > 0),
            Some(true)
        );
        for bad in [
            "2023-02-29T00:00:00Z",
            "2016-04-06 20:03:48Z",
            "2016-04-06T20:03:48",
            "x",
        ] {
            assert_eq!(parse_timestamp_micros(bad), None, "{bad}");
        }
    }

    #[test]
    fn observed_data_with_embedded_and_referenced_objects() {
        let embedded = json!({
            "type": "observed-data", "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
            "first_observed": "2015-12-21T19:00:00Z", "last_observed": "2015-12-21T19:00:00Z",
            "number_observed": 50,
            "objects": {"0": {"type": "ipv4-addr", "value": "198.51.100.3"}}
        });
        let observation = Observation::from_observed_data(&embedded, &BTreeMap::new())
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(observation.number_observed, 50);
        assert_eq!(observation.objects["0"]["value"], "198.51.100.3");

        let referenced_id = "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd";
        let by_reference = json!({
            "type": "observed-data", "first_observed": "2015-12-21T19:00:00Z",
            "last_observed": "2015-12-21T19:01:00Z", "number_observed": 1,
            "object_refs": [referenced_id]
        });
        let others = BTreeMap::from([(
            referenced_id.to_owned(),
            json!({"type": "ipv4-addr", "id": referenced_id, "value": "198.51.100.3"}),
        )]);
        let observation = Observation::from_observed_data(&by_reference, &others)
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(observation.objects[referenced_id]["value"], "198.51.100.3");
        assert_eq!(
            Observation::from_observed_data(&by_reference, &BTreeMap::new()),
            Err(ObservationError::UnknownReference(referenced_id.to_owned()))
        );
    }
}
