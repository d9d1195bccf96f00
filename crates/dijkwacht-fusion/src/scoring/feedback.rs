//! Members' feedback on alerts as evidence about the sources behind them. The operator
//! rates each source with an Admiralty letter; the members who receive alerts learn,
//! alert by alert, whether its intelligence held. This module turns what they said
//! into the *effective* letter scoring uses, by one rule that an operator can read and
//! a member can check, and says in words why the letter moved or stayed.
//!
//! # The rule
//!
//! Only verdicts on the intelligence count. An alert *resolved* was true and dealt
//! with; a *false positive* was wrong. Those two are the *judged* alerts. `new` and
//! `acknowledged` carry no verdict yet. *Not relevant* says the member does not run
//! or own what the alert is about: that is the asset profile's fault (or the matcher's
//! reading of it), not the source's, and the intelligence may be perfectly true for
//! others, so it counts neither for nor against the source (shown, never weighed).
//!
//! With `j` judged alerts of which `f` are false positives (`f/j` the share):
//!
//! | condition (defaults)                                          | effective letter              |
//! |---------------------------------------------------------------|-------------------------------|
//! | weighting off (`enabled = false`)                             | as rated                      |
//! | rated F (reliability cannot be judged)                        | F: feedback does not place it |
//! | `j < minimum_judged` (10)                                     | as rated: too little to judge |
//! | `f/j ≥ lower_two_steps_at` (60 %)                             | two steps down, at most to E  |
//! | `f/j ≥ lower_one_step_at` (30 %)                              | one step down, at most to E   |
//! | `f/j ≤ raise_one_step_at_most` (5 %), `j ≥ minimum_judged_to_raise` (20) | one step up, never to A |
//! | otherwise                                                     | as rated                      |
//!
//! It is conservative on purpose. Lowering asks for less evidence than raising,
//! because a source that misleads puts members' blocklists at stake, while one that
//! is better than its letter loses only a little weight. A raise is one step, to the
//! rated letter's better neighbour, and never to A: "completely reliable" is a
//! judgement only the operator makes. F stands apart from the A–E order, so the rule
//! leaves it alone and says how to let feedback count (rate the source A to E).
//!
//! An alert names every source that stated its intelligence, so a false positive
//! counts against each of them: a source that repeats another's mistake shares it.
//! An indicator matched at many members gives as many alerts, each a verdict.
//! Pure: the caller supplies the counts (the store's `feedback_by_source`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::Reliability;

/// What members said of the alerts one source's intelligence raised: how many have
/// each status now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedbackCounts {
    pub new: u64,
    pub acknowledged: u64,
    pub resolved: u64,
    pub not_relevant: u64,
    pub false_positive: u64,
}

impl FeedbackCounts {
    /// Every alert counted, whatever its status.
    pub fn alerts(&self) -> u64 {
        [
            self.new,
            self.acknowledged,
            self.resolved,
            self.not_relevant,
            self.false_positive,
        ]
        .into_iter()
        .fold(0, u64::saturating_add)
    }

    /// The alerts with a verdict on the intelligence: resolved or false positive.
    pub fn judged(&self) -> u64 {
        self.resolved.saturating_add(self.false_positive)
    }
}

/// The feedback rule as `[scoring.feedback]` writes it; every field may be left out.
/// Checked by [`FeedbackRule::check`] when the scoring model is built.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedbackRule {
    /// Whether feedback moves letters at all. Default on; off scores with the
    /// operator's letters as written, as before feedback existed.
    pub enabled: bool,
    /// How many judged alerts (resolved or false positive) a source needs before its
    /// letter moves. Default 10: below that, two or three unlucky alerts would decide.
    pub minimum_judged: u64,
    /// The share of false positives among judged alerts (0 < share ≤ 1) that lowers
    /// the letter one step. Default 0.3: nearly one alert in three wrong.
    pub lower_one_step_at: f64,
    /// The share that lowers it two steps. Default 0.6: most alerts wrong.
    pub lower_two_steps_at: f64,
    /// The share of false positives at or below which the letter rises one step
    /// (0 ≤ share < `lower_one_step_at`). Default 0.05: almost none wrong.
    pub raise_one_step_at_most: f64,
    /// How many judged alerts a raise needs; at least `minimum_judged`. Default 20:
    /// trust is earned more slowly than it is lost.
    pub minimum_judged_to_raise: u64,
}

impl Default for FeedbackRule {
    fn default() -> FeedbackRule {
        FeedbackRule {
            enabled: true,
            minimum_judged: 10,
            lower_one_step_at: 0.3,
            lower_two_steps_at: 0.6,
            raise_one_step_at_most: 0.05,
            minimum_judged_to_raise: 20,
        }
    }
}

/// Why a `[scoring.feedback]` table cannot be used; the field as written, and what to
/// write instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FeedbackRuleError {
    #[error(
        "`feedback.minimum_judged` is 0; write at least 1 (a letter should move on evidence, not on none)"
    )]
    NoMinimum,
    #[error(
        "`feedback.{field}` is {value}; write a share of judged alerts above 0 and at most 1 (0.3 is 30 %)"
    )]
    LoweringShare { field: &'static str, value: f64 },
    #[error(
        "`feedback.lower_two_steps_at` ({two_steps}) is below `feedback.lower_one_step_at` ({one_step}); two steps down need at least the share of one"
    )]
    LoweringOutOfOrder { one_step: f64, two_steps: f64 },
    #[error(
        "`feedback.raise_one_step_at_most` is {value}; write a share from 0 to below `feedback.lower_one_step_at` ({lower_one_step_at}), or a share that lowers a source would also raise it"
    )]
    RaisingShare { value: f64, lower_one_step_at: f64 },
    #[error(
        "`feedback.minimum_judged_to_raise` ({to_raise}) is below `feedback.minimum_judged` ({minimum}); raising asks for at least the evidence lowering does"
    )]
    RaisingMinimum { to_raise: u64, minimum: u64 },
}

impl FeedbackRule {
    /// Checks the values; the first mistake is named.
    pub fn check(&self) -> Result<(), FeedbackRuleError> {
        if self.minimum_judged == 0 {
            return Err(FeedbackRuleError::NoMinimum);
        }
        for (field, value) in [
            ("lower_one_step_at", self.lower_one_step_at),
            ("lower_two_steps_at", self.lower_two_steps_at),
        ] {
            if !(value > 0.0 && value <= 1.0) {
                return Err(FeedbackRuleError::LoweringShare { field, value });
            }
        }
        if self.lower_two_steps_at < self.lower_one_step_at {
            return Err(FeedbackRuleError::LoweringOutOfOrder {
                one_step: self.lower_one_step_at,
                two_steps: self.lower_two_steps_at,
            });
        }
        let raising = self.raise_one_step_at_most;
        if !(raising >= 0.0 && raising < self.lower_one_step_at) {
            return Err(FeedbackRuleError::RaisingShare {
                value: raising,
                lower_one_step_at: self.lower_one_step_at,
            });
        }
        if self.minimum_judged_to_raise < self.minimum_judged {
            return Err(FeedbackRuleError::RaisingMinimum {
                to_raise: self.minimum_judged_to_raise,
                minimum: self.minimum_judged,
            });
        }
        Ok(())
    }

    /// The letter scoring uses for a source rated `stated` whose alerts got `counts`
    /// (see the module documentation), with the reason.
    pub fn effective_reliability(
        &self,
        stated: Reliability,
        counts: &FeedbackCounts,
    ) -> EffectiveReliability {
        let (effective, reason) = self.decide(stated, counts);
        EffectiveReliability {
            stated,
            effective,
            counts: *counts,
            reason,
        }
    }

    fn decide(
        &self,
        stated: Reliability,
        counts: &FeedbackCounts,
    ) -> (Reliability, FeedbackReason) {
        if !self.enabled {
            return (stated, FeedbackReason::WeightingOff);
        }
        if stated == Reliability::F {
            return (stated, FeedbackReason::CannotBeJudged);
        }
        let judged = counts.judged();
        if judged < self.minimum_judged {
            let minimum = self.minimum_judged;
            return (stated, FeedbackReason::TooFewJudged { minimum });
        }
        let share = false_positive_share(counts);
        for (at_least, steps) in [(self.lower_two_steps_at, 2), (self.lower_one_step_at, 1)] {
            if share >= at_least {
                let reason = FeedbackReason::ManyFalsePositives { at_least, steps };
                return (lowered(stated, steps), reason);
            }
        }
        let at_most = self.raise_one_step_at_most;
        if share > at_most {
            let lower_at = self.lower_one_step_at;
            return (
                stated,
                FeedbackReason::Steady {
                    lower_at,
                    raise_at_most: at_most,
                },
            );
        }
        if judged < self.minimum_judged_to_raise {
            let minimum = self.minimum_judged_to_raise;
            return (stated, FeedbackReason::TooFewToRaise { at_most, minimum });
        }
        (
            raised(stated),
            FeedbackReason::FewFalsePositives { at_most },
        )
    }
}

/// `f / j`; asked only once `j` has reached the minimum, which is at least 1.
fn false_positive_share(counts: &FeedbackCounts) -> f64 {
    // Counts near 2⁵³ alerts do not occur; the share stays exact enough.
    #[allow(clippy::cast_precision_loss)]
    let share = counts.false_positive as f64 / counts.judged().max(1) as f64;
    share
}

/// A to E, best first; F stands apart.
const ORDERED: [Reliability; 5] = [
    Reliability::A,
    Reliability::B,
    Reliability::C,
    Reliability::D,
    Reliability::E,
];

fn position(letter: Reliability) -> Option<usize> {
    ORDERED.iter().position(|each| *each == letter)
}

/// `steps` towards E, stopping there.
fn lowered(stated: Reliability, steps: u8) -> Reliability {
    match position(stated) {
        Some(index) => ORDERED[(index + usize::from(steps)).min(ORDERED.len() - 1)],
        None => stated,
    }
}

/// One step towards A, never onto it: only the operator rates a source A.
fn raised(stated: Reliability) -> Reliability {
    match position(stated) {
        Some(index) if index >= 2 => ORDERED[index - 1],
        _ => stated,
    }
}

/// Which cell of the rule decided, with the thresholds it compared against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FeedbackReason {
    /// `[scoring.feedback] enabled = false`.
    WeightingOff,
    /// Rated F, which is not on the A–E scale feedback moves along.
    CannotBeJudged,
    /// Fewer judged alerts than `minimum`.
    TooFewJudged { minimum: u64 },
    /// A share of false positives of at least `at_least`: `steps` down.
    ManyFalsePositives { at_least: f64, steps: u8 },
    /// A share of at most `at_most`, with enough judged alerts: one step up (none
    /// for A and B).
    FewFalsePositives { at_most: f64 },
    /// A share of at most `at_most`, but fewer judged alerts than a raise needs.
    TooFewToRaise { at_most: f64, minimum: u64 },
    /// A share between raising and lowering.
    Steady { lower_at: f64, raise_at_most: f64 },
}

/// The letter scoring uses for one source, and why; `Display` gives the reason in
/// words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EffectiveReliability {
    /// The operator's letter.
    pub stated: Reliability,
    /// The letter after members' feedback.
    pub effective: Reliability,
    /// The counts it was decided on.
    pub counts: FeedbackCounts,
    pub reason: FeedbackReason,
}

impl EffectiveReliability {
    /// Whether feedback moved the letter.
    pub fn differs(&self) -> bool {
        self.effective != self.stated
    }

    /// How far feedback moved the letter: negative lowered (towards E), positive
    /// raised, 0 unchanged.
    pub fn steps(&self) -> i8 {
        let rank = |letter| position(letter).and_then(|index| i8::try_from(index).ok());
        match (rank(self.stated), rank(self.effective)) {
            (Some(stated), Some(effective)) => stated - effective,
            _ => 0,
        }
    }

    /// What the share of false positives did, after "…, at least 30%: ".
    fn lowering_outcome(&self, steps: u8) -> String {
        let (stated, effective) = (self.stated.letter(), self.effective.letter());
        let how_far = if steps == 1 { "one step" } else { "two steps" };
        if !self.differs() {
            format!("{how_far} down, but {stated} is the lowest letter already")
        } else if self.steps() > -i8::try_from(steps).unwrap_or(i8::MAX) {
            format!("{how_far} down, {stated} to {effective}, the lowest letter")
        } else {
            format!("{how_far} down, {stated} to {effective}")
        }
    }

    /// What a low share of false positives did, after "…, at most 5%: ".
    fn raising_outcome(&self) -> String {
        let (stated, effective) = (self.stated.letter(), self.effective.letter());
        match self.stated {
            _ if self.differs() => format!("one step up, {stated} to {effective}"),
            Reliability::A => "A is the best letter already".to_owned(),
            _ => format!(
                "{stated} stays, as feedback never raises a source to A (only the operator rates a source A)"
            ),
        }
    }
}

/// A share as a percentage with at most one decimal: `30%`, `4.8%`.
fn percent(share: f64) -> String {
    let text = format!("{:.1}", share * 100.0);
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}%")
}

/// The reason in words: lower case, no final full stop, counts first.
impl fmt::Display for EffectiveReliability {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts = &self.counts;
        let judged = counts.judged();
        let false_positives = format!(
            "{} of {judged} judged alerts ({}) were false positives",
            counts.false_positive,
            percent(false_positive_share(counts))
        );
        match self.reason {
            FeedbackReason::WeightingOff => write!(
                formatter,
                "feedback weighting is off ([scoring.feedback] enabled = false): the letter stands as rated"
            )?,
            FeedbackReason::CannotBeJudged => write!(
                formatter,
                "rated F (reliability cannot be judged), which feedback does not move; rate the source A to E to let members' feedback count"
            )?,
            FeedbackReason::TooFewJudged { minimum } => write!(
                formatter,
                "{judged} judged alert(s) (resolved or false positive); feedback counts from {minimum}"
            )?,
            FeedbackReason::ManyFalsePositives { at_least, steps } => write!(
                formatter,
                "{false_positives}, at least {}: {}",
                percent(at_least),
                self.lowering_outcome(steps)
            )?,
            FeedbackReason::FewFalsePositives { at_most } => write!(
                formatter,
                "{false_positives}, at most {}: {}",
                percent(at_most),
                self.raising_outcome()
            )?,
            FeedbackReason::TooFewToRaise { at_most, minimum } => write!(
                formatter,
                "{false_positives}, at most {}, but a raise needs {minimum} judged alerts",
                percent(at_most)
            )?,
            FeedbackReason::Steady {
                lower_at,
                raise_at_most,
            } => write!(
                formatter,
                "{false_positives}, above {} and below {}: unchanged",
                percent(raise_at_most),
                percent(lower_at)
            )?,
        }
        if counts.not_relevant > 0 {
            write!(
                formatter,
                "; {} not relevant, not counted: they say the member does not run or own it, not that the source was wrong",
                counts.not_relevant
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Reliability::{A, B, C, D, E, F};

    /// `resolved` and `false_positive` judged, `not_relevant` beside them.
    fn counts(resolved: u64, false_positive: u64, not_relevant: u64) -> FeedbackCounts {
        FeedbackCounts {
            resolved,
            false_positive,
            not_relevant,
            ..FeedbackCounts::default()
        }
    }

    fn decide(stated: Reliability, counts: FeedbackCounts) -> EffectiveReliability {
        FeedbackRule::default().effective_reliability(stated, &counts)
    }

    /// The letter rated, (resolved, false positives, not relevant), the letter scoring
    /// uses, words of the reason.
    type Cell = (Reliability, (u64, u64, u64), Reliability, &'static str);

    /// One row per cell of the rule with the defaults: the letter rated, then
    /// (resolved, false positives, not relevant); the letter scoring uses and words
    /// of the reason.
    #[test]
    fn every_cell_of_the_rule() {
        #[rustfmt::skip]
        let cases: &[Cell] = &[
            // Too little to judge: nothing moves.
            (C, (0, 9, 0), C, "9 judged alert(s) (resolved or false positive); feedback counts from 10"),
            (C, (0, 0, 0), C, "0 judged alert(s)"),
            // Not relevant counts neither towards the minimum nor for or against.
            (C, (0, 5, 50), C, "5 judged alert(s)"),
            (C, (7, 3, 100), D, "3 of 10 judged alerts (30%) were false positives, at least 30%: one step down, C to D; 100 not relevant, not counted"),
            // One step down from 30 %, two from 60 %.
            (C, (71, 29, 0), C, "29 of 100 judged alerts (29%) were false positives, above 5% and below 30%: unchanged"),
            (C, (4, 6, 0), E, "6 of 10 judged alerts (60%) were false positives, at least 60%: two steps down, C to E"),
            (C, (41, 59, 0), D, "(59%) were false positives, at least 30%: one step down, C to D"),
            (A, (4, 6, 0), C, "two steps down, A to C"),
            (B, (7, 3, 0), C, "one step down, B to C"),
            (A, (0, 10, 0), C, "(100%)"),
            // Never below E.
            (D, (4, 6, 0), E, "two steps down, D to E, the lowest letter"),
            (E, (0, 10, 0), E, "two steps down, but E is the lowest letter already"),
            (E, (7, 3, 0), E, "one step down, but E is the lowest letter already"),
            // One step up with almost no false positives and enough judged alerts.
            (C, (20, 0, 0), B, "0 of 20 judged alerts (0%) were false positives, at most 5%: one step up, C to B"),
            (D, (19, 1, 0), C, "1 of 20 judged alerts (5%) were false positives, at most 5%: one step up, D to C"),
            (E, (20, 0, 3), D, "one step up, E to D; 3 not relevant"),
            (C, (20, 1, 0), B, "(4.8%)"),
            (C, (18, 2, 0), C, "2 of 20 judged alerts (10%) were false positives, above 5% and below 30%: unchanged"),
            (C, (19, 0, 0), C, "0 of 19 judged alerts (0%) were false positives, at most 5%, but a raise needs 20 judged alerts"),
            // Never to A, and A stays A.
            (B, (500, 0, 0), B, "B stays, as feedback never raises a source to A"),
            (A, (500, 0, 0), A, "A is the best letter already"),
            // F stands apart from the scale.
            (F, (0, 50, 0), F, "rated F (reliability cannot be judged), which feedback does not move; rate the source A to E"),
            (F, (50, 0, 0), F, "rated F"),
        ];
        for (stated, (resolved, false_positive, not_relevant), expected, words) in cases {
            let decided = decide(*stated, counts(*resolved, *false_positive, *not_relevant));
            let reason = decided.to_string();
            assert_eq!(
                decided.effective, *expected,
                "{stated:?} with {resolved} resolved, {false_positive} false positive(s): {reason}"
            );
            assert!(reason.contains(words), "`{words}` not in: {reason}");
            assert_eq!(decided.stated, *stated);
            assert_eq!(decided.differs(), expected != stated, "{reason}");
        }
    }

    #[test]
    fn alerts_without_a_verdict_do_not_count() {
        let waiting = FeedbackCounts {
            new: 500,
            acknowledged: 500,
            false_positive: 9,
            ..FeedbackCounts::default()
        };
        assert_eq!(waiting.judged(), 9);
        let decided = decide(B, waiting);
        assert_eq!(decided.effective, B);
        assert_eq!(decided.reason, FeedbackReason::TooFewJudged { minimum: 10 });
    }

    #[test]
    fn weighting_off_keeps_every_letter() {
        let off = FeedbackRule {
            enabled: false,
            ..FeedbackRule::default()
        };
        for stated in [A, B, C, D, E, F] {
            for (resolved, false_positive) in [(0, 100), (100, 0), (50, 50)] {
                let decided =
                    off.effective_reliability(stated, &counts(resolved, false_positive, 0));
                assert_eq!(decided.effective, stated);
                assert_eq!(decided.reason, FeedbackReason::WeightingOff);
                assert!(decided.to_string().contains("enabled = false"), "{decided}");
            }
        }
    }

    #[test]
    fn steps_count_down_as_negative_and_up_as_positive() {
        assert_eq!(decide(C, counts(4, 6, 0)).steps(), -2);
        assert_eq!(decide(D, counts(4, 6, 0)).steps(), -1);
        assert_eq!(decide(E, counts(4, 6, 0)).steps(), 0);
        assert_eq!(decide(D, counts(20, 0, 0)).steps(), 1);
        assert_eq!(decide(F, counts(0, 20, 0)).steps(), 0);
    }

    #[test]
    fn the_operators_thresholds_are_used() {
        let strict = FeedbackRule {
            minimum_judged: 4,
            lower_one_step_at: 0.25,
            lower_two_steps_at: 0.5,
            raise_one_step_at_most: 0.0,
            minimum_judged_to_raise: 4,
            ..FeedbackRule::default()
        };
        let moved = |stated, resolved, false_positive| {
            strict
                .effective_reliability(stated, &counts(resolved, false_positive, 0))
                .effective
        };
        assert_eq!(moved(C, 3, 1), D);
        assert_eq!(moved(C, 2, 2), E);
        assert_eq!(moved(C, 4, 0), B);
        assert_eq!(moved(C, 2, 1), C, "three judged is below the minimum");
    }

    #[test]
    fn mistakes_in_the_rule_are_named() {
        let rule = |change: fn(&mut FeedbackRule)| {
            let mut rule = FeedbackRule::default();
            change(&mut rule);
            rule
        };
        let cases: [(FeedbackRule, &[&str]); 8] = [
            (
                rule(|rule| rule.minimum_judged = 0),
                &["feedback.minimum_judged", "at least 1"],
            ),
            (
                rule(|rule| rule.lower_one_step_at = 0.0),
                &["feedback.lower_one_step_at", "above 0 and at most 1"],
            ),
            (
                rule(|rule| rule.lower_two_steps_at = 1.5),
                &["feedback.lower_two_steps_at", "is 1.5"],
            ),
            (
                rule(|rule| rule.lower_one_step_at = f64::NAN),
                &["feedback.lower_one_step_at", "NaN"],
            ),
            (
                rule(|rule| rule.lower_two_steps_at = 0.2),
                &[
                    "`feedback.lower_two_steps_at` (0.2)",
                    "at least the share of one",
                ],
            ),
            (
                rule(|rule| rule.raise_one_step_at_most = 0.3),
                &[
                    "feedback.raise_one_step_at_most",
                    "below `feedback.lower_one_step_at` (0.3)",
                ],
            ),
            (
                rule(|rule| rule.raise_one_step_at_most = -0.1),
                &["feedback.raise_one_step_at_most", "-0.1"],
            ),
            (
                rule(|rule| rule.minimum_judged_to_raise = 5),
                &["feedback.minimum_judged_to_raise", "(5)", "(10)"],
            ),
        ];
        for (rule, expected) in cases {
            let message = rule
                .check()
                .err()
                .map(|error| error.to_string())
                .unwrap_or_else(|| panic!("accepted: {rule:?}"));
            for part in expected {
                assert!(message.contains(part), "`{part}` not in: {message}");
            }
        }
        assert_eq!(FeedbackRule::default().check(), Ok(()));
    }
}
