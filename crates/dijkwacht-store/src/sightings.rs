//! What sightings add up to. Every stored STIX `sighting` ("we saw this") is tallied
//! against the object it sights, by the store itself while it stores the sighting, so
//! that no path — the REST API, a TAXII POST, an import — can store one without counting
//! it. This module holds the tally's question and answer ([`SightingSummaryQuery`],
//! [`SightingSummary`]) and the one rule that turns a tally into the *effective
//! confidence* the server reports for an indicator ([`effective_confidence`]).
//!
//! A summary counts only the latest, unrevoked version of each sighting, and only the
//! sightings the caller may read (the sharing policy's filter is part of the query): a
//! count of sightings someone may not see would itself tell that they exist. The stored
//! STIX objects are never changed; the summary and the effective confidence are what the
//! server *says* about an object, beside it.

use dijkwacht_policy::Filter;

/// Which sightings to add up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SightingSummaryQuery {
    /// The id of the sighted object (`sighting_of_ref`).
    pub sighting_of: String,
    /// The sharing policy's filter for the caller; every sighting when `None` (the
    /// operator's own tools).
    pub visibility: Option<Filter>,
    /// Only the sightings owned (reported) by this organisation, for "yours".
    pub reported_by: Option<String>,
}

/// The tally of the sightings of one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SightingSummary {
    /// How many sighting objects there are.
    pub sightings: u64,
    /// The sum of their `count`s (a sighting without `count` counts once).
    pub total_count: u64,
    /// How many distinct organisations reported them (their owners in this store; an
    /// anonymous sighting still has its real owner here, so it counts once, without
    /// being named to anyone).
    pub organisations: u64,
    /// The earliest `first_seen` (else `last_seen`, else `created`), Unix microseconds.
    pub first_seen: Option<i64>,
    /// The latest `last_seen` (else `first_seen`, else `created`), Unix microseconds.
    pub last_seen: Option<i64>,
}

/// The confidence assumed for an indicator that states none (STIX 2.1 Appendix A puts
/// 50 in the middle of every scale).
pub const DEFAULT_CONFIDENCE: u8 = 50;

/// How far sightings alone may raise a confidence: corroboration by many members makes
/// an indicator likely, never certain.
pub const SIGHTING_CONFIDENCE_CAP: u8 = 95;

/// What each further independent organisation leaves of the remaining doubt.
const DOUBT_KEPT_PER_ORGANISATION: f64 = 0.8;

/// The confidence the server reports for an indicator: its own `confidence` (or
/// [`DEFAULT_CONFIDENCE`] when it states none), raised by each independent organisation
/// that sighted it with diminishing returns — each removes a fifth of the remaining
/// doubt, `100 - (100 - c) × 0.8^organisations` — and never above
/// [`SIGHTING_CONFIDENCE_CAP`] unless the indicator itself said more. Rounded to the
/// nearest whole number; an out-of-range stated confidence is taken as 100.
pub fn effective_confidence(stated: Option<u64>, organisations: u64) -> u8 {
    let stated = stated.map_or(DEFAULT_CONFIDENCE, |value| {
        u8::try_from(value.min(100)).unwrap_or(100)
    });
    let exponent = i32::try_from(organisations).unwrap_or(i32::MAX);
    let doubt = f64::from(100 - stated) * DOUBT_KEPT_PER_ORGANISATION.powi(exponent);
    let raised = (100.0 - doubt).round().clamp(0.0, 100.0);
    // `raised` is a whole number in 0..=100, so the conversion is exact.
    let raised = raised as u8;
    raised.min(SIGHTING_CONFIDENCE_CAP.max(stated)).max(stated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_confidence_rises_with_diminishing_returns_and_a_cap() {
        // (stated, organisations, effective)
        let cases = [
            (None, 0, 50),
            (None, 1, 60),
            (None, 2, 68),
            (None, 3, 74),
            (None, 10, 95),
            (None, 1000, 95),
            (Some(80), 0, 80),
            (Some(80), 1, 84),
            (Some(0), 1, 20),
            (Some(94), 5, 95),
            (Some(97), 0, 97),
            (Some(97), 50, 97),
            (Some(100), 3, 100),
            (Some(250), 0, 100),
            (Some(50), u64::MAX, 95),
        ];
        for (stated, organisations, expected) in cases {
            assert_eq!(
                effective_confidence(stated, organisations),
                expected,
                "stated {stated:?}, {organisations} organisations"
            );
        }
    }

    #[test]
    fn more_organisations_never_lower_the_confidence() {
        for stated in (0..=100).step_by(5) {
            let mut previous = 0;
            for organisations in 0..40 {
                let effective = effective_confidence(Some(stated), organisations);
                assert!(effective >= previous, "{stated} with {organisations}");
                assert!(u64::from(effective) >= stated);
                previous = effective;
            }
        }
    }
}
