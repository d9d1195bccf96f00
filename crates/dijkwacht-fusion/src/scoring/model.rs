//! The scoring model's constants as an operator writes them (a TOML table,
//! [`ScoringModelConfig`]) and as scoring uses them ([`ScoringModel`]), with the
//! defaults and the reasons for them. Every constant of the formula in [`super`] is
//! here; nothing is fixed in code. A table may leave out anything: what it leaves out
//! keeps its default, per field and per kind. Values are checked once, when the
//! table becomes a model, and a bad one is named with its place and what to write.
//!
//! ```toml
//! [scoring]
//! stated_confidence_weight = 0.5     # share of the indicator's own confidence in the base
//! corroboration_doubt_removed = 0.25 # per further independent source
//! corroboration_cap = 90
//! sighting_doubt_removed = 0.2       # per sighting organisation (as the store's rule)
//! sighting_cap = 95
//!
//! [scoring.reliability]              # base score per Admiralty letter
//! A = 90
//! B = 75
//! C = 60
//! D = 40
//! E = 20
//! F = 45
//!
//! [scoring.decay.ip-address]         # also cidr, domain, url, file-hash, email-address, other
//! lifetime = 30                      # days until the score is 0
//! decay_speed = 2.0                  # 1 linear; > 1 drops early; < 1 holds, then drops
//! threshold = 30                     # below this, not in blocklists
//!
//! [scoring.feedback]                 # members' feedback on alerts moves letters
//! enabled = true                     # false: the letters as rated
//! minimum_judged = 10                # resolved or false-positive alerts before any move
//! lower_one_step_at = 0.3            # share of false positives: one step down
//! lower_two_steps_at = 0.6           # two steps down (never below E)
//! raise_one_step_at_most = 0.05      # at most this share: one step up (never to A)
//! minimum_judged_to_raise = 20
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::decay::{DecayParameters, MAX_LIFETIME_DAYS};
use super::feedback::{EffectiveReliability, FeedbackCounts, FeedbackRule, FeedbackRuleError};
use super::kind::ObservableKind;
use crate::config::Reliability;

/// The base score of a source of each Admiralty reliability letter.
///
/// Defaults A 90, B 75, C 60, D 40, E 20, F 45: the steps of MISP's admiralty-scale
/// taxonomy (A 100 … E 0, 25 apart), pulled in from the ends, because no single source
/// makes an indicator certain (corroboration and sightings supply the rest) and none
/// makes it worthless (many members' sightings can still carry an E source's
/// indicator). C, the reliability a new source gets, lands in STIX's "Medium"
/// (Appendix A: 30–69); F ("cannot be judged") sits just below the middle, 50, that
/// STIX gives to "no information": an unknown source is not evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReliabilityScores {
    #[serde(rename = "A", alias = "a")]
    pub a: u8,
    #[serde(rename = "B", alias = "b")]
    pub b: u8,
    #[serde(rename = "C", alias = "c")]
    pub c: u8,
    #[serde(rename = "D", alias = "d")]
    pub d: u8,
    #[serde(rename = "E", alias = "e")]
    pub e: u8,
    #[serde(rename = "F", alias = "f")]
    pub f: u8,
}

impl Default for ReliabilityScores {
    fn default() -> ReliabilityScores {
        ReliabilityScores {
            a: 90,
            b: 75,
            c: 60,
            d: 40,
            e: 20,
            f: 45,
        }
    }
}

impl ReliabilityScores {
    pub fn score(&self, reliability: Reliability) -> u8 {
        match reliability {
            Reliability::A => self.a,
            Reliability::B => self.b,
            Reliability::C => self.c,
            Reliability::D => self.d,
            Reliability::E => self.e,
            Reliability::F => self.f,
        }
    }
}

/// Some or all of one kind's decay parameters, as written; the rest keep the kind's
/// defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecayOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decay_speed: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u8>,
}

/// The scoring model as written in TOML, before it is checked. Every field may be
/// left out; `Default` is the documented default model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoringModelConfig {
    pub reliability: ReliabilityScores,
    /// w: the share of the indicator's own `confidence` in the base, beside the
    /// source's reliability (0..=1). Default ½: the Admiralty code rates the source and
    /// the information on two equal axes, and MISP's base score likewise averages the
    /// reliability and credibility tags.
    pub stated_confidence_weight: f64,
    /// The share of the remaining doubt each further independent source stating the
    /// indicator removes (0..=1). Default ¼: a second source takes 60 to 70, a third
    /// to 77.5 — less than a sighting, because feeds copy each other more often than
    /// they admit.
    pub corroboration_doubt_removed: f64,
    /// How far corroboration alone may raise the score (0..=100). Default 90, the
    /// score of an A source: agreeing feeds never make us surer than a completely
    /// reliable one.
    pub corroboration_cap: u8,
    /// The share of the remaining doubt each organisation that sighted the indicator
    /// removes (0..=1). Default ⅕, the store's rule for effective confidence.
    pub sighting_doubt_removed: f64,
    /// How far sightings may raise the score (0..=100). Default 95, the store's cap.
    pub sighting_cap: u8,
    /// Decay parameters per kind that differ from the defaults.
    pub decay: BTreeMap<ObservableKind, DecayOverride>,
    /// How members' feedback on alerts moves a source's letter
    /// ([`super::feedback`]).
    pub feedback: FeedbackRule,
}

impl Default for ScoringModelConfig {
    fn default() -> ScoringModelConfig {
        ScoringModelConfig {
            reliability: ReliabilityScores::default(),
            stated_confidence_weight: 0.5,
            corroboration_doubt_removed: 0.25,
            corroboration_cap: 90,
            sighting_doubt_removed: 0.2,
            sighting_cap: 95,
            decay: BTreeMap::new(),
            feedback: FeedbackRule::default(),
        }
    }
}

/// The default decay of `kind`. Every threshold is 30, the lower bound of STIX's
/// "Medium" confidence (Appendix A): an indicator no longer at least of medium
/// confidence leaves blocklists. The crossings quoted are for a base of 60 (a C source
/// alone) and a base of 90.
pub fn default_decay(kind: ObservableKind) -> DecayParameters {
    let (lifetime, decay_speed) = match kind {
        // Addresses are reassigned, cleaned and rotated within days: 30 days, dropping
        // early. Below 30 after 7.5 days (base 60), 13.3 days (base 90).
        ObservableKind::IpAddress => (30.0, 2.0),
        // A range (a hosting block, a bad network) stays bad longer than one of its
        // addresses: 21 days, 33 days.
        ObservableKind::Cidr => (60.0, 1.5),
        // Malicious domains are registered for campaigns of months: 90 days, 120 days.
        ObservableKind::Domain => (180.0, 1.0),
        // Phishing and payload URLs die within days to weeks: 16 days, 25 days.
        ObservableKind::Url => (45.0, 1.5),
        // A file's hash stays true of that file for ever; what fades is the chance
        // of meeting it. Three years, holding high: 774 days, 894 days.
        ObservableKind::FileHash => (1_095.0, 0.5),
        // Sender addresses of phishing and fraud live for months: 60 days, 80 days.
        ObservableKind::EmailAddress => (120.0, 1.0),
        // Unknown ground: a quarter of a year: 45 days, 60 days.
        ObservableKind::Other => (90.0, 1.0),
    };
    DecayParameters {
        lifetime,
        decay_speed,
        threshold: 30,
    }
}

/// Why a scoring table cannot be used. The messages name the field as written in the
/// table (`decay.ip-address.lifetime`) and say what to write instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoringModelError {
    #[error("`reliability.{letter}` is {value}; a base score is 0 to 100")]
    ReliabilityOutOfRange { letter: char, value: u8 },
    #[error(
        "`reliability.{more_reliable}` ({more_reliable_score}) is below `reliability.{less_reliable}` ({less_reliable_score}); from A to E the base scores must not rise"
    )]
    ReliabilityOutOfOrder {
        more_reliable: char,
        more_reliable_score: u8,
        less_reliable: char,
        less_reliable_score: u8,
    },
    #[error("`{field}` is {value}; write a fraction from 0 to 1")]
    FractionOutOfRange { field: &'static str, value: f64 },
    #[error("`{field}` is {value}; a cap is 0 to 100")]
    CapOutOfRange { field: &'static str, value: u8 },
    #[error(
        "`decay.{kind}.lifetime` is {value}; write the number of days after which the score is 0, more than 0 and at most {MAX_LIFETIME_DAYS}"
    )]
    Lifetime { kind: ObservableKind, value: f64 },
    #[error(
        "`decay.{kind}.decay_speed` is {value}; write a number above 0 (1 decays linearly, above 1 drops early, below 1 holds and then drops)"
    )]
    DecaySpeed { kind: ObservableKind, value: f64 },
    #[error(
        "`decay.{kind}.threshold` is {value}; write 1 to 100 (a threshold of 0 would keep an indicator for ever: give it a long lifetime instead)"
    )]
    Threshold { kind: ObservableKind, value: u8 },
    #[error(transparent)]
    Feedback(#[from] FeedbackRuleError),
}

/// The checked scoring model: build it from a [`ScoringModelConfig`] (or deserialize it
/// straight from a TOML table); [`ScoringModel::default`] is the documented default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ScoringModelConfig", into = "ScoringModelConfig")]
pub struct ScoringModel {
    pub(super) reliability: ReliabilityScores,
    pub(super) stated_confidence_weight: f64,
    pub(super) corroboration_doubt_removed: f64,
    pub(super) corroboration_cap: u8,
    pub(super) sighting_doubt_removed: f64,
    pub(super) sighting_cap: u8,
    decay: BTreeMap<ObservableKind, DecayParameters>,
    feedback: FeedbackRule,
}

impl Default for ScoringModel {
    fn default() -> ScoringModel {
        ScoringModelConfig::default().assemble()
    }
}

impl ScoringModel {
    /// The base score of a source of this reliability.
    pub fn reliability_score(&self, reliability: Reliability) -> u8 {
        self.reliability.score(reliability)
    }

    /// The decay parameters of `kind`.
    pub fn decay(&self, kind: ObservableKind) -> DecayParameters {
        self.decay
            .get(&kind)
            .copied()
            .unwrap_or_else(|| default_decay(kind))
    }

    /// The least decayed score at which an indicator of `kind` is still used.
    pub fn threshold(&self, kind: ObservableKind) -> u8 {
        self.decay(kind).threshold
    }

    /// How members' feedback moves letters.
    pub fn feedback_rule(&self) -> &FeedbackRule {
        &self.feedback
    }

    /// Whether members' feedback moves letters at all; when not, there is no need to
    /// read it.
    pub fn weighs_feedback(&self) -> bool {
        self.feedback.enabled
    }

    /// The letter scoring uses for a source rated `stated` whose alerts got `counts`.
    pub fn effective_reliability(
        &self,
        stated: Reliability,
        counts: &FeedbackCounts,
    ) -> EffectiveReliability {
        self.feedback.effective_reliability(stated, counts)
    }
}

impl ScoringModelConfig {
    /// Checks every value and fills in the defaults.
    pub fn build(&self) -> Result<ScoringModel, ScoringModelError> {
        let model = self.assemble();
        check_reliability(&model.reliability)?;
        for (field, value) in [
            ("stated_confidence_weight", model.stated_confidence_weight),
            (
                "corroboration_doubt_removed",
                model.corroboration_doubt_removed,
            ),
            ("sighting_doubt_removed", model.sighting_doubt_removed),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(ScoringModelError::FractionOutOfRange { field, value });
            }
        }
        for (field, value) in [
            ("corroboration_cap", model.corroboration_cap),
            ("sighting_cap", model.sighting_cap),
        ] {
            if value > 100 {
                return Err(ScoringModelError::CapOutOfRange { field, value });
            }
        }
        for (kind, parameters) in &model.decay {
            check_decay(*kind, parameters)?;
        }
        model.feedback.check()?;
        Ok(model)
    }

    /// The model these values give, with every kind's decay filled in from the
    /// defaults, unchecked.
    fn assemble(&self) -> ScoringModel {
        let decay = ObservableKind::ALL
            .into_iter()
            .map(|kind| {
                let default = default_decay(kind);
                let written = self.decay.get(&kind).copied().unwrap_or_default();
                let parameters = DecayParameters {
                    lifetime: written.lifetime.unwrap_or(default.lifetime),
                    decay_speed: written.decay_speed.unwrap_or(default.decay_speed),
                    threshold: written.threshold.unwrap_or(default.threshold),
                };
                (kind, parameters)
            })
            .collect();
        ScoringModel {
            reliability: self.reliability,
            stated_confidence_weight: self.stated_confidence_weight,
            corroboration_doubt_removed: self.corroboration_doubt_removed,
            corroboration_cap: self.corroboration_cap,
            sighting_doubt_removed: self.sighting_doubt_removed,
            sighting_cap: self.sighting_cap,
            decay,
            feedback: self.feedback,
        }
    }
}

fn check_reliability(scores: &ReliabilityScores) -> Result<(), ScoringModelError> {
    let letters = [
        ('A', scores.a),
        ('B', scores.b),
        ('C', scores.c),
        ('D', scores.d),
        ('E', scores.e),
        ('F', scores.f),
    ];
    for (letter, value) in letters {
        if value > 100 {
            return Err(ScoringModelError::ReliabilityOutOfRange { letter, value });
        }
    }
    // A to E are ordered; F ("cannot be judged") stands apart.
    for pair in letters[..5].windows(2) {
        if let [
            (more_reliable, more_reliable_score),
            (less_reliable, less_reliable_score),
        ] = *pair
        {
            if more_reliable_score < less_reliable_score {
                return Err(ScoringModelError::ReliabilityOutOfOrder {
                    more_reliable,
                    more_reliable_score,
                    less_reliable,
                    less_reliable_score,
                });
            }
        }
    }
    Ok(())
}

fn check_decay(
    kind: ObservableKind,
    parameters: &DecayParameters,
) -> Result<(), ScoringModelError> {
    let lifetime = parameters.lifetime;
    if !(lifetime > 0.0 && lifetime <= MAX_LIFETIME_DAYS) {
        return Err(ScoringModelError::Lifetime {
            kind,
            value: lifetime,
        });
    }
    let decay_speed = parameters.decay_speed;
    if !(decay_speed > 0.0 && decay_speed.is_finite()) {
        return Err(ScoringModelError::DecaySpeed {
            kind,
            value: decay_speed,
        });
    }
    if !(1..=100).contains(&parameters.threshold) {
        return Err(ScoringModelError::Threshold {
            kind,
            value: parameters.threshold,
        });
    }
    Ok(())
}

impl TryFrom<ScoringModelConfig> for ScoringModel {
    type Error = ScoringModelError;

    fn try_from(config: ScoringModelConfig) -> Result<ScoringModel, ScoringModelError> {
        config.build()
    }
}

impl From<ScoringModel> for ScoringModelConfig {
    fn from(model: ScoringModel) -> ScoringModelConfig {
        ScoringModelConfig {
            reliability: model.reliability,
            stated_confidence_weight: model.stated_confidence_weight,
            corroboration_doubt_removed: model.corroboration_doubt_removed,
            corroboration_cap: model.corroboration_cap,
            sighting_doubt_removed: model.sighting_doubt_removed,
            sighting_cap: model.sighting_cap,
            decay: model
                .decay
                .iter()
                .map(|(kind, parameters)| {
                    let written = DecayOverride {
                        lifetime: Some(parameters.lifetime),
                        decay_speed: Some(parameters.decay_speed),
                        threshold: Some(parameters.threshold),
                    };
                    (*kind, written)
                })
                .collect(),
            feedback: model.feedback,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_config_builds_the_default_model() {
        assert_eq!(
            ScoringModelConfig::default().build(),
            Ok(ScoringModel::default())
        );
    }

    #[test]
    fn a_model_written_out_reads_back_the_same() {
        let model = ScoringModelConfig {
            sighting_cap: 80,
            decay: BTreeMap::from([(
                ObservableKind::Url,
                DecayOverride {
                    lifetime: Some(7.5),
                    ..DecayOverride::default()
                },
            )]),
            ..ScoringModelConfig::default()
        }
        .build()
        .unwrap_or_else(|error| panic!("{error}"));
        let text = toml::to_string(&model).unwrap_or_else(|error| panic!("{error}"));
        let read: ScoringModel =
            toml::from_str(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));
        assert_eq!(read, model);
        assert_eq!(read.decay(ObservableKind::Url).lifetime, 7.5);
    }

    #[test]
    fn feedback_weighting_is_on_by_default_and_a_switch_turns_it_off() {
        let counts = FeedbackCounts {
            false_positive: 10,
            ..FeedbackCounts::default()
        };
        let default = ScoringModel::default();
        assert!(default.weighs_feedback());
        assert_eq!(
            default
                .effective_reliability(Reliability::C, &counts)
                .effective,
            Reliability::E
        );
        let off: ScoringModel =
            toml::from_str("[feedback]\nenabled = false").unwrap_or_else(|error| panic!("{error}"));
        assert!(!off.weighs_feedback());
        assert_eq!(
            off.effective_reliability(Reliability::C, &counts).effective,
            Reliability::C
        );
        let text = toml::to_string(&off).unwrap_or_else(|error| panic!("{error}"));
        let read: ScoringModel =
            toml::from_str(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));
        assert_eq!(read, off);
    }

    #[test]
    fn reliability_must_not_rise_from_a_to_e() {
        let config = ScoringModelConfig {
            reliability: ReliabilityScores {
                c: 80,
                ..ReliabilityScores::default()
            },
            ..ScoringModelConfig::default()
        };
        assert_eq!(
            config.build(),
            Err(ScoringModelError::ReliabilityOutOfOrder {
                more_reliable: 'B',
                more_reliable_score: 75,
                less_reliable: 'C',
                less_reliable_score: 80,
            })
        );
        let f_apart = ScoringModelConfig {
            reliability: ReliabilityScores {
                f: 100,
                ..ReliabilityScores::default()
            },
            ..ScoringModelConfig::default()
        };
        assert!(f_apart.build().is_ok());
    }

    #[test]
    fn mistakes_in_the_table_are_named() {
        let cases = [
            (
                "[decay.ipv7]\nlifetime = 3",
                vec!["ipv7", "ip-address", "file-hash"],
            ),
            (
                "[decay.domain]\nlifetime = -3",
                vec!["decay.domain.lifetime", "-3", "number of days"],
            ),
            ("[decay.url]\nlifetime = 0", vec!["decay.url.lifetime"]),
            ("[decay.url]\nlifetime = 40000", vec!["at most 36500"]),
            ("[decay.url]\nlifetime = nan", vec!["decay.url.lifetime"]),
            (
                "[decay.url]\ndecay_speed = inf",
                vec!["decay.url.decay_speed"],
            ),
            (
                "[decay.url]\ndecay_speed = 0.0",
                vec!["decay.url.decay_speed", "above 0"],
            ),
            (
                "[decay.url]\nthreshold = 0",
                vec!["decay.url.threshold", "1 to 100"],
            ),
            ("[decay.url]\nhalf_life = 3", vec!["half_life"]),
            ("[reliability]\nG = 10", vec!["G"]),
            ("[reliability]\nA = 101", vec!["reliability.A", "0 to 100"]),
            (
                "[reliability]\nD = 70",
                vec!["reliability.C", "reliability.D", "must not rise"],
            ),
            (
                "sighting_doubt_removed = -0.1",
                vec!["sighting_doubt_removed", "fraction"],
            ),
            (
                "corroboration_cap = 120",
                vec!["corroboration_cap", "0 to 100"],
            ),
            ("corroboration_bonus = 5", vec!["corroboration_bonus"]),
            (
                "[feedback]\nminimum_judged = 0",
                vec!["feedback.minimum_judged", "at least 1"],
            ),
            (
                "[feedback]\nlower_one_step_at = 30",
                vec!["feedback.lower_one_step_at", "is 30", "0.3 is 30 %"],
            ),
            (
                "[feedback]\nlower_one_step_at = 0.7",
                vec!["feedback.lower_two_steps_at", "(0.6)", "(0.7)"],
            ),
            (
                "[feedback]\nraise_one_step_at_most = 0.5",
                vec!["feedback.raise_one_step_at_most", "0.5"],
            ),
            (
                "[feedback]\nminimum_judged_to_raise = 3",
                vec!["feedback.minimum_judged_to_raise"],
            ),
            ("[feedback]\nenabled = \"no\"", vec!["enabled", "bool"]),
            (
                "[feedback]\nfalse_positive_weight = 2",
                vec!["false_positive_weight", "minimum_judged"],
            ),
        ];
        for (text, expected) in cases {
            let message = toml::from_str::<ScoringModel>(text)
                .err()
                .map(|error| error.to_string())
                .unwrap_or_else(|| panic!("accepted: {text}"));
            for part in expected {
                assert!(message.contains(part), "{text}: `{part}` not in: {message}");
            }
        }
    }
}
