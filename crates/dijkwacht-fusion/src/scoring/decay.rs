//! How a score fades with age: the polynomial decay of MISP's decaying models
//! (`lifetime` τ, `decay_speed` δ, `threshold` θ), one set of parameters per
//! observable kind. The decayed score is `⌊B · max(0, 1 − (t/τ)^(1/δ))⌋` for a base
//! `B` and an age `t` in days; it is rounded *down*, so that "at or above the
//! threshold" means the same for the whole number as for the exact value, and an
//! indicator is never trusted more than the formula says (up to a slack of 10⁻⁹ that
//! keeps whole-number results whole).
//!
//! This module also answers when a score falls below its threshold, so that exports
//! can filter by time without rescoring. The closed form `τ · (1 − θ/B)^δ` is the
//! starting guess; the answer is then settled, to the microsecond, against the very
//! function that computes the decayed score, so the two can never disagree by a
//! rounding error: for every age, `decayed(B, age) ≥ θ` exactly when
//! `age < below_threshold_from(B)`.

use serde::{Deserialize, Serialize};

/// Microseconds in a day: ages are counted in microseconds, lifetimes in days.
pub const MICROS_PER_DAY: f64 = 86_400_000_000.0;

/// The longest lifetime a model may set, in days (about a century): long enough for
/// anything that should decay at all, short enough that every instant stays in range.
pub const MAX_LIFETIME_DAYS: f64 = 36_500.0;

/// How far on either side of the closed-form crossing the exact one is searched
/// first, in microseconds (one second); the whole lifetime is searched when the
/// crossing is not there, which floating-point error alone cannot cause.
const CROSSING_SEARCH_WINDOW_MICROS: i64 = 1_000_000;

/// Added before rounding down, so that a score that is a whole number on paper
/// (`90 · (1 − 1/30) = 87`) is not lost to floating-point representation error
/// (`86.999…`). Far below a point of score; it moves a threshold crossing by
/// microseconds.
const ROUNDING_SLACK: f64 = 1e-9;

/// The decay of one observable kind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecayParameters {
    /// τ: the age in days at which the score has decayed to 0.
    pub lifetime: f64,
    /// δ: the shape of the decay. 1 is a straight line from the base to 0 at the
    /// lifetime; above 1 the score drops fast at first and then slowly; below 1 it
    /// holds and then drops near the end of the lifetime.
    pub decay_speed: f64,
    /// θ: the least decayed score at which an indicator is still used (1..=100).
    pub threshold: u8,
}

impl DecayParameters {
    /// The share of the base left at `age_micros`: `max(0, 1 − (t/τ)^(1/δ))`. A negative
    /// age (a last sighting in the future, from a skewed clock) counts as 0.
    pub fn remaining_share(&self, age_micros: i64) -> f64 {
        let age_days = age_micros.max(0) as f64 / MICROS_PER_DAY;
        let elapsed = age_days / self.lifetime;
        (1.0 - elapsed.powf(self.decay_speed.recip())).max(0.0)
    }

    /// The decayed score of `base` at `age_micros`, rounded down.
    pub fn decayed(&self, base: u8, age_micros: i64) -> u8 {
        let decayed = (f64::from(base) * self.remaining_share(age_micros) + ROUNDING_SLACK).floor();
        // `decayed` is a whole number in 0..=base (the share is in 0..=1), so the
        // conversion is exact.
        decayed.clamp(0.0, f64::from(base)) as u8
    }

    /// The first age, in microseconds, at which the decayed score of `base` is below
    /// the threshold; `None` when `base` is below it from the start (the indicator is
    /// never to be used). Always at least 1 otherwise: at age 0 the score is `base`.
    pub fn below_threshold_from(&self, base: u8) -> Option<i64> {
        if base < self.threshold {
            return None;
        }
        let is_below = |age_micros: i64| self.decayed(base, age_micros) < self.threshold;
        let lifetime_micros = self.lifetime * MICROS_PER_DAY;
        let closed_form = lifetime_micros
            * (1.0 - f64::from(self.threshold) / f64::from(base)).powf(self.decay_speed);
        // Float to integer conversions saturate; the lifetime is bounded, so this is
        // within range.
        let guess = (closed_form.floor() as i64).saturating_add(1);
        let mut still_above = guess.saturating_sub(CROSSING_SEARCH_WINDOW_MICROS).max(0);
        let mut below = guess.saturating_add(CROSSING_SEARCH_WINDOW_MICROS);
        if is_below(still_above) || !is_below(below) {
            // At age 0 the score is `base` (not below); past the lifetime it is 0,
            // which is below any threshold of 1 or more.
            still_above = 0;
            below = (lifetime_micros.ceil() as i64).saturating_add(1);
        }
        while below - still_above > 1 {
            let middle = still_above + (below - still_above) / 2;
            if is_below(middle) {
                below = middle;
            } else {
                still_above = middle;
            }
        }
        Some(below)
    }

    /// How long a full score (100) stays at or above the threshold, in microseconds:
    /// what "slowest-decaying" compares between kinds.
    pub fn full_score_lasts_micros(&self) -> i64 {
        self.below_threshold_from(100).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000_000;

    fn linear_thirty_days() -> DecayParameters {
        DecayParameters {
            lifetime: 30.0,
            decay_speed: 1.0,
            threshold: 30,
        }
    }

    #[test]
    fn a_linear_decay_loses_the_same_share_each_day() {
        let decay = linear_thirty_days();
        // 1 − t/30 of 90: 90 at 0, 87 after a day, 45 after 15 days, 0 at 30 and later.
        assert_eq!(decay.decayed(90, 0), 90);
        assert_eq!(decay.decayed(90, DAY), 87);
        assert_eq!(decay.decayed(90, 15 * DAY), 45);
        // 90·(1 − 9/30) is 63 on paper and 62.99999999999999 in floating point.
        assert_eq!(decay.decayed(90, 9 * DAY), 63);
        assert_eq!(decay.decayed(90, 30 * DAY), 0);
        assert_eq!(decay.decayed(90, 400 * DAY), 0);
        assert_eq!(decay.decayed(90, -5 * DAY), 90);
    }

    #[test]
    fn the_shape_follows_the_decay_speed() {
        // After a quarter of the lifetime: δ = 2 leaves 1 − √¼ = ½, δ = ½ leaves
        // 1 − (¼)² = 15/16.
        let fast = DecayParameters {
            decay_speed: 2.0,
            ..linear_thirty_days()
        };
        let slow = DecayParameters {
            decay_speed: 0.5,
            ..linear_thirty_days()
        };
        let quarter = 30 * DAY / 4;
        assert_eq!(fast.decayed(80, quarter), 40);
        assert_eq!(slow.decayed(80, quarter), 75);
    }

    /// Whether `crossing` is just after `expected_micros`, within the slack's effect.
    fn just_after(crossing: Option<i64>, expected_micros: i64) -> bool {
        crossing.is_some_and(|crossing| (1..=1_000).contains(&(crossing - expected_micros)))
    }

    #[test]
    fn the_crossing_agrees_with_the_decayed_score_to_the_microsecond() {
        // Linear, 90 → 30 after two thirds of 30 days: day 20, when the score is
        // exactly 30, so it is below from just after.
        let decay = linear_thirty_days();
        assert!(just_after(decay.below_threshold_from(90), 20 * DAY));
        for base in [30u8, 31, 47, 64, 99, 100] {
            let from = decay
                .below_threshold_from(base)
                .unwrap_or_else(|| panic!("{base} starts above the threshold"));
            assert!(decay.decayed(base, from - 1) >= 30, "{base}");
            assert!(decay.decayed(base, from) < 30, "{base}");
        }
        assert_eq!(decay.below_threshold_from(29), None);
        assert!(just_after(decay.below_threshold_from(30), 0));
    }

    #[test]
    fn a_full_score_lasts_longer_with_a_longer_lifetime() {
        let short = linear_thirty_days();
        let long = DecayParameters {
            lifetime: 300.0,
            ..short
        };
        // 100 → 30 after 70 % of the lifetime.
        assert!(just_after(Some(short.full_score_lasts_micros()), 21 * DAY));
        assert!(just_after(Some(long.full_score_lasts_micros()), 210 * DAY));
    }
}
