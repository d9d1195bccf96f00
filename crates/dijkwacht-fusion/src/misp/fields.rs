//! Reading MISP's JSON as MISP writes it, not as its schema hopes: numbers and flags come
//! as JSON strings (`"1455373240"`, `"0"`) from most instances and as JSON numbers and
//! booleans from others, `first_seen` carries a UTC offset, `date` is a bare day. Every
//! reader here accepts all the spellings met in real feeds and says `None` for anything
//! else, so that the callers decide what a missing or malformed field means.
//!
//! Ids are decided here too: a MISP uuid that is a valid RFC 4122 UUID becomes the STIX
//! id's UUID as it is; anything else gets a [`derived_id`] from the key the caller gives.

use std::borrow::Cow;

use dijkwacht_stix::Timestamp;
use serde_json::{Map, Value};
use uuid::{Uuid, Variant};

use crate::mapped::derived_id;

/// The feed kind passed to [`derived_id`] for every id this module derives.
pub(crate) const FEED_KIND: &str = "misp";

/// A string field, or a number written as text (MISP exports ids and timestamps both ways).
pub(crate) fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Option<Cow<'a, str>> {
    match object.get(key)? {
        Value::String(text) => Some(Cow::Borrowed(text.as_str())),
        Value::Number(number) => Some(Cow::Owned(number.to_string())),
        _ => None,
    }
}

/// A string field with surrounding white space removed, `None` when empty.
pub(crate) fn non_empty_text(object: &Map<String, Value>, key: &str) -> Option<String> {
    let value = text(object, key)?;
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// An integer field given as a JSON number or as decimal text.
pub(crate) fn integer(object: &Map<String, Value>, key: &str) -> Option<i64> {
    match object.get(key)? {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A flag given as a boolean, `0`/`1` (number or text) or `"true"`/`"false"`.
pub(crate) fn flag(object: &Map<String, Value>, key: &str) -> Option<bool> {
    match object.get(key)? {
        Value::Bool(flag) => Some(*flag),
        Value::Number(number) => number.as_i64().map(|number| number != 0),
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "1" | "true" => Some(true),
            "0" | "false" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The elements of an array field; nothing when the field is absent or not an array.
pub(crate) fn list<'a>(object: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    object
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// What a JSON value is, for error messages.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The UUID of `text` when it is an RFC 4122 UUID, in the lower-case hyphenated form STIX
/// ids use.
pub(crate) fn rfc4122_uuid(text: &str) -> Option<String> {
    let uuid = Uuid::try_parse(text.trim()).ok()?;
    (uuid.get_variant() == Variant::RFC4122 && !uuid.is_nil())
        .then(|| uuid.hyphenated().to_string())
}

/// The STIX id of an object of `object_type` made from the MISP element with `uuid`:
/// `<type>--<uuid>` when the uuid is a valid RFC 4122 UUID, else an id derived from
/// `fallback_key` (which must name the element uniquely within the feed).
pub(crate) fn id_from_uuid(object_type: &str, uuid: &str, fallback_key: &str) -> String {
    match rfc4122_uuid(uuid) {
        Some(uuid) => format!("{object_type}--{uuid}"),
        None => derived_id(object_type, FEED_KIND, fallback_key),
    }
}

/// The instant `seconds` after the Unix epoch.
pub(crate) fn from_unix_seconds(seconds: i64) -> Timestamp {
    Timestamp::from_unix_micros(seconds.saturating_mul(1_000_000))
}

/// A MISP day (`2015-12-18`) as its midnight in UTC.
pub(crate) fn parse_day(text: &str) -> Option<Timestamp> {
    let day = text.trim();
    if day.len() != 10 {
        return None;
    }
    Timestamp::parse(&format!("{day}T00:00:00Z")).ok()
}

/// A MISP date-time (`first_seen`, `last_seen`, object `datetime` values): RFC 3339 with
/// `Z`, a `±HH:MM` or `±HHMM` offset, or no zone at all (read as UTC); a space instead
/// of the `T` is accepted as well.
pub(crate) fn parse_datetime(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.len() < 19 || !text.is_char_boundary(19) {
        return None;
    }
    let (clock, rest) = text.split_at(19);
    let clock = clock.replacen(' ', "T", 1);
    let fraction_length = rest.strip_prefix('.').map_or(0, |digits| {
        1 + digits.bytes().take_while(u8::is_ascii_digit).count()
    });
    let (fraction, zone) = rest.split_at(fraction_length.min(rest.len()));
    let offset_seconds: i64 = match zone {
        "" | "Z" | "z" => 0,
        _ => zone_offset_seconds(zone)?,
    };
    let utc = Timestamp::parse(&format!("{clock}{fraction}Z")).ok()?;
    Some(Timestamp::from_unix_micros(
        utc.unix_micros()
            .saturating_sub(offset_seconds.saturating_mul(1_000_000)),
    ))
}

/// `+02:00`, `-0530`, `+01` as seconds east of UTC.
fn zone_offset_seconds(zone: &str) -> Option<i64> {
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, zone.get(1..)?),
        b'-' => (-1, zone.get(1..)?),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    if !(digits.len() == 2 || digits.len() == 4) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i64 = digits.get(0..2)?.parse().ok()?;
    let minutes: i64 = digits
        .get(2..)
        .filter(|m| !m.is_empty())
        .map_or(Some(0), |m| m.parse().ok())?;
    (hours <= 23 && minutes <= 59).then_some(sign * (hours * 3_600 + minutes * 60))
}

/// A timestamp as `created` and `modified` are written: milliseconds and a `Z`.
pub(crate) fn stix_millis(timestamp: Timestamp) -> String {
    timestamp.to_stix_millis()
}

/// A timestamp as the observation and validity times are written: microseconds, which
/// is MISP's own precision for `first_seen` and `last_seen`.
pub(crate) fn stix_micros(timestamp: Timestamp) -> String {
    timestamp.to_taxii_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn numbers_and_flags_are_read_in_every_spelling() {
        let fields = object(json!({"a": "12", "b": 12, "c": "x", "t": "1", "f": 0, "g": true}));
        assert_eq!(integer(&fields, "a"), Some(12));
        assert_eq!(integer(&fields, "b"), Some(12));
        assert_eq!(integer(&fields, "c"), None);
        assert_eq!(flag(&fields, "t"), Some(true));
        assert_eq!(flag(&fields, "f"), Some(false));
        assert_eq!(flag(&fields, "g"), Some(true));
        assert_eq!(flag(&fields, "c"), None);
    }

    #[test]
    fn misp_datetimes_are_read_with_their_offset() {
        let utc = parse_datetime("2019-06-12T09:35:11.123456+00:00").map(stix_micros);
        assert_eq!(utc.as_deref(), Some("2019-06-12T09:35:11.123456Z"));
        let east = parse_datetime("2019-06-12T11:35:11+02:00").map(stix_micros);
        assert_eq!(east.as_deref(), Some("2019-06-12T09:35:11.000000Z"));
        let bare = parse_datetime("2019-06-12 09:35:11").map(stix_micros);
        assert_eq!(bare.as_deref(), Some("2019-06-12T09:35:11.000000Z"));
        assert!(parse_datetime("yesterday").is_none());
        assert!(parse_datetime("2019-06-12T09:35:11+2").is_none());
        assert_eq!(
            parse_day("2015-12-18").map(stix_millis).as_deref(),
            Some("2015-12-18T00:00:00.000Z")
        );
    }

    #[test]
    fn only_rfc4122_uuids_become_ids_directly() {
        assert_eq!(
            id_from_uuid("indicator", "56BF39C9-C078-4368-9555-6CF802DE0B81", "k"),
            "indicator--56bf39c9-c078-4368-9555-6cf802de0b81"
        );
        let derived = id_from_uuid("indicator", "not-a-uuid", "event/attribute");
        assert_eq!(
            derived,
            derived_id("indicator", FEED_KIND, "event/attribute")
        );
        // The Microsoft variant (`c` in the variant nibble) is not RFC 4122.
        assert!(rfc4122_uuid("56bf39c9-c078-4368-c555-6cf802de0b81").is_none());
    }
}
