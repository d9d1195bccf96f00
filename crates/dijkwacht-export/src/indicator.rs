//! What every format needs to know about an object before it looks inside: the stored
//! JSON read back as a [`StixObject`], an indicator's pattern parsed, and whether an
//! indicator passes the export's confidence and validity filter. One place, so that the
//! CSV, the blocklists and the MISP feed agree on which indicators count.

use dijkwacht_stix::pattern::{self, Pattern};
use dijkwacht_stix::{ObjectCategory, StixObject, Timestamp};
use dijkwacht_store::StoredObject;

use crate::SkipReason;
use crate::values::{NamedValue, observable_values, pattern_values};

/// Which indicators an export keeps. Other objects are not filtered: only indicators
/// carry `confidence`, `valid_from` and `valid_until` with this meaning.
///
/// An indicator without `confidence` is kept when no minimum is asked for, and skipped
/// as [`SkipReason::UnknownConfidence`] when one is: STIX 2.1 §3.2 says an absent
/// confidence is unknown, and a firewall rule should not rest on an unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndicatorFilter {
    /// Only indicators whose `confidence` is at least this (0–100).
    pub min_confidence: Option<u8>,
    /// Only indicators valid at this instant: not revoked, `valid_from` not after it,
    /// `valid_until` (exclusive) after it.
    pub only_valid_at: Option<Timestamp>,
}

impl IndicatorFilter {
    /// Whether `indicator` passes, and if not, why.
    pub fn judge(&self, indicator: &StixObject) -> Result<(), SkipReason> {
        if let Some(instant) = self.only_valid_at {
            if indicator.revoked() {
                return Err(SkipReason::Revoked);
            }
            if let Some(valid_until) = timestamp_property(indicator, "valid_until")? {
                if valid_until <= instant {
                    return Err(SkipReason::Expired);
                }
            }
            if let Some(valid_from) = timestamp_property(indicator, "valid_from")? {
                if valid_from > instant {
                    return Err(SkipReason::NotYetValid);
                }
            }
        }
        if let Some(minimum) = self.min_confidence {
            match confidence(indicator) {
                None => return Err(SkipReason::UnknownConfidence),
                Some(value) if value < u64::from(minimum) => {
                    return Err(SkipReason::BelowMinConfidence);
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

/// The object's `confidence` (STIX: an integer from 0 to 100), when it has one.
pub(crate) fn confidence(object: &StixObject) -> Option<u64> {
    object.get("confidence").and_then(serde_json::Value::as_u64)
}

fn timestamp_property(
    object: &StixObject,
    property: &str,
) -> Result<Option<Timestamp>, SkipReason> {
    match object.str_property(property) {
        None => Ok(None),
        Some(text) => Timestamp::parse(text)
            .map(Some)
            .map_err(|_| SkipReason::Malformed),
    }
}

/// Reads a stored object's JSON back; the store only holds validated objects, so a
/// failure here means a damaged row and the object is skipped as malformed.
pub(crate) fn read_stored(stored: &StoredObject) -> Result<StixObject, SkipReason> {
    let value: serde_json::Value =
        serde_json::from_str(&stored.json).map_err(|_| SkipReason::Malformed)?;
    StixObject::from_value(value).map_err(|_| SkipReason::Malformed)
}

/// The parsed pattern of an indicator whose `pattern_type` is `stix`; indicators in
/// other pattern languages (Snort, YARA, Sigma …) have nothing these formats can read.
pub(crate) fn stix_pattern(indicator: &StixObject) -> Result<Pattern, SkipReason> {
    if indicator.str_property("pattern_type") != Some("stix") {
        return Err(SkipReason::NotApplicable);
    }
    let text = indicator
        .str_property("pattern")
        .ok_or(SkipReason::Malformed)?;
    pattern::parse(text).map_err(|_| SkipReason::Malformed)
}

/// The values one object offers an export.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OfferedValues {
    pub values: Vec<NamedValue>,
    /// True for an indicator's pattern values, false for an observable's properties.
    pub from_indicator: bool,
    /// For indicators: whether the pattern is no more than its values
    /// ([`crate::values::PatternValues::simple`]); always true for observables.
    pub simple: bool,
}

/// The values of an indicator that passes `filter`, or of an observable; other objects
/// have none ([`SkipReason::NotApplicable`]), nor do objects without any.
pub(crate) fn offered_values(
    object: &StixObject,
    filter: &IndicatorFilter,
) -> Result<OfferedValues, SkipReason> {
    let offered = if object.object_type() == "indicator" {
        filter.judge(object)?;
        let found = pattern_values(&stix_pattern(object)?);
        OfferedValues {
            values: found.values,
            from_indicator: true,
            simple: found.simple,
        }
    } else if object.category() == ObjectCategory::Observable {
        OfferedValues {
            values: observable_values(object),
            from_indicator: false,
            simple: true,
        }
    } else {
        return Err(SkipReason::NotApplicable);
    };
    if offered.values.is_empty() {
        return Err(SkipReason::NotApplicable);
    }
    Ok(offered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn indicator(extra: serde_json::Value) -> StixObject {
        let mut value = json!({
            "type": "indicator", "spec_version": "2.1",
            "id": "indicator--0b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b",
            "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z",
            "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
            "valid_from": "2026-01-05T10:00:00Z"
        });
        if let (Some(target), Some(source)) = (value.as_object_mut(), extra.as_object()) {
            target.extend(source.clone());
        }
        StixObject::from_value(value).expect("a STIX object")
    }

    fn at(text: &str) -> Option<Timestamp> {
        Timestamp::parse(text).ok()
    }

    #[test]
    fn validity_window_is_checked_at_the_given_instant() {
        let filter = IndicatorFilter {
            only_valid_at: at("2026-02-01T00:00:00Z"),
            ..IndicatorFilter::default()
        };
        assert_eq!(filter.judge(&indicator(json!({}))), Ok(()));
        assert_eq!(
            filter.judge(&indicator(json!({"valid_until": "2026-02-01T00:00:00Z"}))),
            Err(SkipReason::Expired),
            "valid_until is exclusive"
        );
        assert_eq!(
            filter.judge(&indicator(json!({"valid_until": "2026-03-01T00:00:00Z"}))),
            Ok(())
        );
        assert_eq!(
            filter.judge(&indicator(json!({"valid_from": "2026-02-01T00:00:01Z"}))),
            Err(SkipReason::NotYetValid)
        );
        assert_eq!(
            filter.judge(&indicator(json!({"revoked": true}))),
            Err(SkipReason::Revoked)
        );
        assert_eq!(
            IndicatorFilter::default().judge(&indicator(json!({"revoked": true}))),
            Ok(()),
            "without a validity instant, revocation is left to the format"
        );
    }

    #[test]
    fn confidence_threshold_treats_absent_confidence_as_unknown() {
        let filter = IndicatorFilter {
            min_confidence: Some(50),
            ..IndicatorFilter::default()
        };
        assert_eq!(filter.judge(&indicator(json!({"confidence": 50}))), Ok(()));
        assert_eq!(
            filter.judge(&indicator(json!({"confidence": 49}))),
            Err(SkipReason::BelowMinConfidence)
        );
        assert_eq!(
            filter.judge(&indicator(json!({}))),
            Err(SkipReason::UnknownConfidence)
        );
        assert_eq!(
            IndicatorFilter::default().judge(&indicator(json!({}))),
            Ok(())
        );
    }

    #[test]
    fn only_stix_patterns_are_read() {
        assert!(stix_pattern(&indicator(json!({}))).is_ok());
        assert_eq!(
            stix_pattern(&indicator(json!({"pattern_type": "snort"}))).err(),
            Some(SkipReason::NotApplicable)
        );
        assert_eq!(
            stix_pattern(&indicator(json!({"pattern": "[ipv4-addr:value = "}))).err(),
            Some(SkipReason::Malformed)
        );
    }
}
