//! How far to trust an indicator before blocking on it: a score from 0 to 100 built
//! from the source's reliability (Admiralty A–F), corroboration by other independent
//! sources, and sightings by member organisations, decaying with age at a rate set per
//! kind of observable, as MISP's polynomial decaying model does. Expired and decayed
//! indicators leave blocklists ([`is_actionable`], [`ScoringModel::decays_below_threshold_at`]).
//! Pure functions: the caller supplies the counts and the clock.
//!
//! The reliability that goes in is the operator's letter as members' feedback on the
//! source's alerts moves it ([`feedback`]: too many false positives lower it, almost
//! none may raise it one step); `[scoring.feedback]` sets the thresholds or turns it
//! off.
//!
//! # The formula
//!
//! Symbols: `R(ρ)` the base score of reliability letter `ρ`; `s` the indicator's own
//! `confidence`; `w` `stated_confidence_weight`; `n ≥ 1` the independent sources
//! stating it; `k_c = 1 − corroboration_doubt_removed`, `C_c` `corroboration_cap`;
//! `m` the organisations that sighted it; `k_s = 1 − sighting_doubt_removed`, `C_s`
//! `sighting_cap`; `τ` (days), `δ`, `θ` the kind's `lifetime`, `decay_speed` and
//! `threshold`; `t = max(0, now − last_seen)` in days.
//!
//! ```text
//! c₀ = R(ρ)                                  when the indicator states no confidence
//! c₀ = (1 − w)·R(ρ) + w·min(s, 100)          when it does
//! raise(c, k, e, C) = max(c, min(100 − (100 − c)·kᵉ, max(C, c)))
//! c₁ = raise(c₀, k_c, n − 1, C_c)            corroboration
//! c₂ = raise(c₁, k_s, m, C_s)                sightings
//! B  = round(c₂)                             Score::base
//! D(t) = ⌊B · max(0, 1 − (t/τ)^(1/δ))⌋       Score::after_decay
//! expired    ⇔ valid_until ≤ now
//! actionable ⇔ ¬expired ∧ D(t) ≥ θ
//! D(t) ≥ θ   ⇔ t ≤ τ·(1 − θ/B)^δ             (never when B < θ)
//! ```
//!
//! Each further source or sighting organisation removes a fixed share of the
//! remaining doubt `100 − c`, so each adds less than the one before, and neither
//! raises the score past its cap (nor lowers one that starts above it). The sighting
//! step is the store's `effective_confidence` rule (`dijkwacht-store`, `sightings.rs`:
//! a fifth of the doubt per organisation, cap 95) with its defaults, so the fusion
//! center and the server agree on what sightings add. The decay is MISP's polynomial
//! `score = base · (1 − (t/τ)^(1/δ))`, rounded down after adding 10⁻⁹ so that whole
//! numbers on paper stay whole in floating point (see [`decay`]); the crossing instant
//! is settled against that very computation, to the microsecond.
//!
//! # A worked example
//!
//! A B source (75) states an indicator with `confidence` 80; two more independent
//! sources state it (`n = 3`) and two member organisations sighted it (`m = 2`). Its
//! pattern is `[ipv4-addr:value = '198.51.100.7']` (kind `ip-address`: τ 30, δ 2, θ 30),
//! last seen five days ago. With the default model:
//!
//! ```text
//! c₀ = 0.5·75 + 0.5·80           = 77.5
//! c₁ = 100 − 22.5·0.75²          = 87.34375   (below the cap 90)
//! c₂ = 100 − 12.65625·0.8²       = 91.9       (below the cap 95)
//! B  = round(91.9)               = 92
//! D  = ⌊92·(1 − (5/30)^(1/2))⌋   = ⌊54.44⌋ = 54
//! below θ after 30·(1 − 30/92)² = 13.62 days (13 days 14 h 59 min 39.6 s) after last seen
//! ```
//!
//! # The kind of an indicator
//!
//! [`kind::comparison_kind`] names the kind each comparison of the STIX pattern tests.
//! A pattern whose comparisons test one kind has that kind. A pattern testing several
//! takes the *slowest-decaying* of them — the one whose full score (100) stays at or
//! above its threshold longest under the model, ties going to the later kind in
//! [`ObservableKind::ALL`] — because it is at least as long-lived as its most durable
//! part: `[file:hashes.MD5 = '…' AND file:name = 'x.exe']` is a file hash,
//! `[ipv4-addr:value = '…'] AND [file:name = 'x']` is `other`. A pattern that does not
//! parse, and a pattern in another language (`pattern_type` not `stix`), is `other`.

pub mod decay;
pub mod feedback;
pub mod kind;
pub mod model;

use dijkwacht_stix::pattern::Pattern;
use dijkwacht_stix::timestamp::Timestamp;
use serde_json::{Map, Value, json};

use crate::config::Reliability;
pub use decay::DecayParameters;
pub use feedback::{
    EffectiveReliability, FeedbackCounts, FeedbackReason, FeedbackRule, FeedbackRuleError,
};
pub use kind::{ObservableKind, kinds_in_pattern};
pub use model::{
    DecayOverride, ReliabilityScores, ScoringModel, ScoringModelConfig, ScoringModelError,
    default_decay,
};

/// The custom property that records how an indicator's `confidence` was reached.
pub const SCORE_PROPERTY: &str = "x_dijkwacht_score";

/// What is known about one indicator when it is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreInputs {
    /// The reliability of the (most reliable) source stating it.
    pub reliability: Reliability,
    /// How many independent sources state the same indicator or observable; 0 is taken
    /// as 1.
    pub sources: u32,
    /// How many member organisations reported sighting it (the store's
    /// `SightingSummary::organisations`).
    pub sighting_organisations: u64,
    /// The indicator's own `confidence`, if it states one (see [`stated_confidence_of`]);
    /// above 100 is taken as 100.
    pub stated_confidence: Option<u8>,
    /// The newest statement or sighting: decay counts from here.
    pub last_seen: Timestamp,
    /// The indicator's `valid_until`, if any.
    pub valid_until: Option<Timestamp>,
}

/// An indicator's score at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    /// The kind whose decay applied.
    pub kind: ObservableKind,
    /// `B`: reliability, corroboration and sightings, before decay.
    pub base: u8,
    /// `D(t)`: the base decayed to the moment of scoring; what `confidence` is set to.
    pub after_decay: u8,
    /// Whether the moment of scoring is at or past `valid_until`.
    pub expired: bool,
    /// The kind's threshold.
    pub threshold: u8,
    /// The first instant at which the decayed score is below the threshold; `None`
    /// when the base is below it already (never to be used). Independent of
    /// `valid_until`.
    pub decays_below_threshold_at: Option<Timestamp>,
}

impl Score {
    /// Whether the indicator is still to be used, by its own kind's threshold.
    pub fn is_actionable(&self) -> bool {
        is_actionable(self, self.threshold)
    }
}

/// Whether an indicator with this score belongs in a blocklist: not past its
/// `valid_until`, and its decayed score at or above `threshold`.
pub fn is_actionable(score: &Score, threshold: u8) -> bool {
    !score.expired && score.after_decay >= threshold
}

impl ScoringModel {
    /// The score of an indicator of `kind` at `now`.
    pub fn score(&self, kind: ObservableKind, inputs: &ScoreInputs, now: Timestamp) -> Score {
        let base = self.base_score(inputs);
        let decay = self.decay(kind);
        let age_micros = now
            .unix_micros()
            .saturating_sub(inputs.last_seen.unix_micros());
        Score {
            kind,
            base,
            after_decay: decay.decayed(base, age_micros),
            expired: inputs
                .valid_until
                .is_some_and(|valid_until| now.unix_micros() >= valid_until.unix_micros()),
            threshold: decay.threshold,
            decays_below_threshold_at: self.decays_below_threshold_at(kind, base, inputs.last_seen),
        }
    }

    /// `B`: the score before decay (see the module documentation).
    pub fn base_score(&self, inputs: &ScoreInputs) -> u8 {
        let reliability = f64::from(self.reliability_score(inputs.reliability));
        let stated_or_reliability = match inputs.stated_confidence {
            Some(stated) => {
                let weight = self.stated_confidence_weight;
                (1.0 - weight) * reliability + weight * f64::from(stated.min(100))
            }
            None => reliability,
        };
        let corroborated = raise(
            stated_or_reliability,
            1.0 - self.corroboration_doubt_removed,
            u64::from(inputs.sources.saturating_sub(1)),
            self.corroboration_cap,
        );
        let sighted = raise(
            corroborated,
            1.0 - self.sighting_doubt_removed,
            inputs.sighting_organisations,
            self.sighting_cap,
        );
        // A whole number in 0..=100 after rounding and clamping: the conversion is exact.
        sighted.round().clamp(0.0, 100.0) as u8
    }

    /// When a score of `base` for an indicator of `kind` last seen at `last_seen` falls
    /// below the kind's threshold: the first instant (to the microsecond) at which
    /// [`ScoringModel::score`] gives an `after_decay` below it. `None` when `base` is
    /// below the threshold from the start. An export keeps an indicator while `now` is
    /// before this instant (compare [`Timestamp::unix_micros`]) and before its
    /// `valid_until`.
    pub fn decays_below_threshold_at(
        &self,
        kind: ObservableKind,
        base: u8,
        last_seen: Timestamp,
    ) -> Option<Timestamp> {
        let below_from = self.decay(kind).below_threshold_from(base)?;
        Some(Timestamp::from_unix_micros(
            last_seen.unix_micros().saturating_add(below_from),
        ))
    }

    /// The kind of a parsed pattern: the one kind its comparisons test, or the
    /// slowest-decaying of several (see the module documentation).
    pub fn kind_of_parsed_pattern(&self, pattern: &Pattern) -> ObservableKind {
        kinds_in_pattern(pattern)
            .into_iter()
            .max_by_key(|kind| self.decay(*kind).full_score_lasts_micros())
            .unwrap_or(ObservableKind::Other)
    }

    /// The kind of a STIX pattern's text; `other` when it does not parse.
    pub fn kind_of_pattern(&self, pattern: &str) -> ObservableKind {
        dijkwacht_stix::pattern::parse(pattern)
            .map(|parsed| self.kind_of_parsed_pattern(&parsed))
            .unwrap_or(ObservableKind::Other)
    }

    /// The kind of an indicator object, from its `pattern` when `pattern_type` is
    /// `stix` (or absent); `other` for anything else.
    pub fn kind_of_indicator(&self, indicator: &Value) -> ObservableKind {
        let pattern_type = indicator.get("pattern_type").and_then(Value::as_str);
        match (
            pattern_type,
            indicator.get("pattern").and_then(Value::as_str),
        ) {
            (None | Some("stix"), Some(pattern)) => self.kind_of_pattern(pattern),
            _ => ObservableKind::Other,
        }
    }

    /// Scores an indicator object and writes the result into it: `confidence` becomes
    /// the decayed score and [`SCORE_PROPERTY`] records the parts (`base`, `sources`,
    /// `sightings`, `reliability`, `stated_confidence`, `kind`,
    /// `decays_below_threshold_at` as RFC 3339 or null). `None`, and nothing changed,
    /// for anything but an indicator. The object's `modified` is left alone: whether a
    /// new score is a new version is the caller's decision.
    pub fn apply(
        &self,
        indicator: &mut Value,
        inputs: &ScoreInputs,
        now: Timestamp,
    ) -> Option<Score> {
        if indicator.get("type").and_then(Value::as_str) != Some("indicator") {
            return None;
        }
        let kind = self.kind_of_indicator(indicator);
        let score = self.score(kind, inputs, now);
        let object = indicator.as_object_mut()?;
        object.insert("confidence".to_owned(), json!(score.after_decay));
        object.insert(SCORE_PROPERTY.to_owned(), score_record(&score, inputs));
        Some(score)
    }
}

fn score_record(score: &Score, inputs: &ScoreInputs) -> Value {
    let mut record = Map::new();
    record.insert("base".to_owned(), json!(score.base));
    record.insert("sources".to_owned(), json!(inputs.sources.max(1)));
    record.insert("sightings".to_owned(), json!(inputs.sighting_organisations));
    record.insert(
        "reliability".to_owned(),
        json!(inputs.reliability.letter().to_string()),
    );
    record.insert(
        "stated_confidence".to_owned(),
        json!(inputs.stated_confidence.map(|stated| stated.min(100))),
    );
    record.insert("kind".to_owned(), json!(score.kind.name()));
    record.insert(
        "decays_below_threshold_at".to_owned(),
        json!(
            score
                .decays_below_threshold_at
                .map(|instant| instant.to_taxii_string())
        ),
    );
    Value::Object(record)
}

/// The confidence an indicator itself states, for [`ScoreInputs::stated_confidence`].
/// Once [`ScoringModel::apply`] has set `confidence` to a score, the indicator's own
/// statement is the one kept in [`SCORE_PROPERTY`]; reading `confidence` then would
/// feed the score back into itself. `None` when neither says (or says something that
/// is not a whole number); above 100 is taken as 100.
pub fn stated_confidence_of(indicator: &Value) -> Option<u8> {
    let recorded = indicator
        .get(SCORE_PROPERTY)
        .and_then(|record| record.get("stated_confidence"));
    let stated = match recorded {
        Some(recorded) => recorded,
        None => indicator.get("confidence")?,
    };
    stated
        .as_u64()
        .map(|value| u8::try_from(value.min(100)).unwrap_or(100))
}

/// Removes a share of the remaining doubt `times` times, `100 − (100 − c)·kᵉ`, up to
/// `cap` (or `c`, when `c` starts above the cap).
fn raise(confidence: f64, doubt_kept: f64, times: u64, cap: u8) -> f64 {
    let exponent = i32::try_from(times).unwrap_or(i32::MAX);
    let raised = 100.0 - (100.0 - confidence) * doubt_kept.powi(exponent);
    raised.min(f64::from(cap).max(confidence)).max(confidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raising_removes_a_share_of_the_doubt_each_time() {
        // 60 with a quarter removed twice: 100 − 40·0.75² = 77.5.
        assert_eq!(raise(60.0, 0.75, 2, 90), 77.5);
        assert_eq!(raise(60.0, 0.75, 0, 90), 60.0);
        assert_eq!(raise(60.0, 0.75, 100, 90), 90.0);
        // Above the cap from the start: kept, not lowered.
        assert_eq!(raise(93.0, 0.75, 3, 90), 93.0);
        assert_eq!(raise(60.0, 0.75, u64::MAX, 90), 90.0);
    }

    #[test]
    fn the_stated_confidence_is_read_once_and_kept() {
        assert_eq!(stated_confidence_of(&json!({"confidence": 80})), Some(80));
        assert_eq!(stated_confidence_of(&json!({"confidence": 250})), Some(100));
        assert_eq!(stated_confidence_of(&json!({"confidence": "high"})), None);
        assert_eq!(stated_confidence_of(&json!({})), None);
        let scored = json!({
            "confidence": 54,
            SCORE_PROPERTY: {"stated_confidence": 80},
        });
        assert_eq!(stated_confidence_of(&scored), Some(80));
        let scored_without = json!({
            "confidence": 54,
            SCORE_PROPERTY: {"stated_confidence": null},
        });
        assert_eq!(stated_confidence_of(&scored_without), None);
    }
}
