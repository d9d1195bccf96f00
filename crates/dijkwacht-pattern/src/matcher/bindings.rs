//! Observation operators and qualifiers (STIX 2.1 §9.5): whether some choice of
//! observations satisfies the observation expression tree, given which observations
//! each `[ … ]` matches.
//!
//! As in the reference matcher, an observation with `number_observed` n counts as n
//! observations with the same time window: `[a] AND [b]` and `[a] REPEATS 2 TIMES`
//! can be satisfied by one `observed-data` seen twice. Operands of AND, FOLLOWEDBY and
//! REPEATS must use distinct observations. Times are chosen as favourably as the
//! windows allow: `a FOLLOWEDBY b` holds when the latest `first_observed` on a's side
//! is not after the earliest `last_observed` on b's; `WITHIN d` when the latest
//! `first_observed` minus the earliest `last_observed` of all observations used is at
//! most d; `START s STOP t` when every observation used has `first_observed < t` and
//! `last_observed ≥ s` (and s < t).
//!
//! One observation is decided by counting: the fewest of its instances the tree needs
//! ([`fewest_instances`]). Several observations are decided by building the possible
//! bindings (which observations a subtree uses, how many times each, and the time
//! summary the qualifiers above need), keeping only those no other binding beats.

use std::collections::HashSet;

use super::compile::ObservationNode;
use crate::observation::Observation;

/// The most bindings kept for one subtree; beyond it the rest are dropped (a pattern
/// would need combinatorially many partial matches over the given observations to
/// reach it, which the reference matcher would take exponential time to explore).
pub const MAX_BINDINGS_PER_SUBTREE: usize = 20_000;

/// The fewest instances of one observation (first and last observed as given) that
/// satisfy `node`, or `None` if no number does. `leaf_matches(i)` says whether the
/// observation matches the i-th `[ … ]`; it is asked only about leaves the answer
/// depends on.
pub(super) fn fewest_instances(
    node: &ObservationNode,
    leaf_matches: &mut dyn FnMut(usize) -> bool,
    first_observed: i64,
    last_observed: i64,
) -> Option<u64> {
    let mut recurse = |inner: &ObservationNode| {
        fewest_instances(inner, leaf_matches, first_observed, last_observed)
    };
    match node {
        ObservationNode::Leaf(index) => leaf_matches(*index).then_some(1),
        ObservationNode::And(operands) => sum_of(operands.iter().map(recurse)),
        ObservationNode::FollowedBy(operands) => {
            if first_observed > last_observed {
                return None;
            }
            sum_of(operands.iter().map(recurse))
        }
        ObservationNode::Or(operands) => operands.iter().filter_map(recurse).min(),
        ObservationNode::Repeats { inner, times } => recurse(inner)?.checked_mul(*times),
        ObservationNode::Within {
            inner,
            window_micros,
        } => {
            if first_observed.saturating_sub(last_observed) > *window_micros {
                return None;
            }
            recurse(inner)
        }
        ObservationNode::StartStop { inner, start, stop } => {
            if !(start < stop && first_observed < *stop && last_observed >= *start) {
                return None;
            }
            recurse(inner)
        }
    }
}

fn sum_of(mut counts: impl Iterator<Item = Option<u64>>) -> Option<u64> {
    counts.try_fold(0u64, |total, count| total.checked_add(count?))
}

/// One way a subtree can be satisfied: how many instances of which observations it
/// uses (sorted by observation index), and the latest `first_observed` and earliest
/// `last_observed` among them (neutral when no qualifier above needs times).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Binding {
    uses: Vec<(u32, u64)>,
    latest_first: i64,
    earliest_last: i64,
}

impl Binding {
    /// Whether `self` is at least as good as `other` for every purpose above: it uses
    /// no more of any observation and its times are no less favourable.
    fn beats(&self, other: &Binding) -> bool {
        self.latest_first <= other.latest_first
            && self.earliest_last >= other.earliest_last
            && self.uses.iter().all(|(observation, count)| {
                other.uses.iter().any(|(other_observation, other_count)| {
                    other_observation == observation && other_count >= count
                })
            })
    }
}

/// Whether some choice of `observations` satisfies `node`; `leaf_matches[i][j]` says
/// whether observation j matches the i-th `[ … ]`.
pub(super) fn satisfiable(
    node: &ObservationNode,
    observations: &[Observation],
    leaf_matches: &[Vec<bool>],
) -> bool {
    let context = Context {
        observations,
        leaf_matches,
    };
    !context.bindings(node, false).is_empty()
}

struct Context<'a> {
    observations: &'a [Observation],
    leaf_matches: &'a [Vec<bool>],
}

impl Context<'_> {
    fn bindings(&self, node: &ObservationNode, times_matter: bool) -> Vec<Binding> {
        match node {
            ObservationNode::Leaf(index) => self.leaf_bindings(*index, times_matter),
            ObservationNode::Or(operands) => {
                let mut all = Vec::new();
                for operand in operands {
                    all.extend(self.bindings(operand, times_matter));
                }
                prune(all)
            }
            ObservationNode::And(operands) => {
                self.fold(operands, times_matter, |_: &Binding, _: &Binding| true)
            }
            ObservationNode::FollowedBy(operands) => {
                self.fold(operands, true, |earlier: &Binding, later: &Binding| {
                    earlier.latest_first <= later.earliest_last
                })
            }
            ObservationNode::Repeats { inner, times } => {
                let once = self.bindings(inner, times_matter);
                self.repeated(once, *times)
            }
            ObservationNode::Within {
                inner,
                window_micros,
            } => {
                let mut bindings = self.bindings(inner, true);
                bindings.retain(|binding| {
                    binding.latest_first.saturating_sub(binding.earliest_last) < *window_micros
                });
                bindings
            }
            ObservationNode::StartStop { inner, start, stop } => {
                if start >= stop {
                    return Vec::new();
                }
                let mut bindings = self.bindings(inner, times_matter);
                bindings.retain(|binding| {
                    binding.uses.iter().all(|(index, _)| {
                        self.observations.get(*index as usize).is_some_and(|used| {
                            used.first_observed < *stop && used.last_observed >= *start
                        })
                    })
                });
                bindings
            }
        }
    }

    fn leaf_bindings(&self, index: usize, times_matter: bool) -> Vec<Binding> {
        let Some(matches) = self.leaf_matches.get(index) else {
            return Vec::new();
        };
        self.observations
            .iter()
            .zip(matches)
            .enumerate()
            .filter(|(_, (_, matched))| **matched)
            .filter_map(|(position, (observation, _))| {
                let (latest_first, earliest_last) = if times_matter {
                    (observation.first_observed, observation.last_observed)
                } else {
                    (i64::MIN, i64::MAX)
                };
                Some(Binding {
                    uses: vec![(u32::try_from(position).ok()?, 1)],
                    latest_first,
                    earliest_last,
                })
            })
            .collect()
    }

    /// Left to right, as the operators associate: `((a op b) op c)`.
    fn fold(
        &self,
        operands: &[ObservationNode],
        times_matter: bool,
        allowed: impl Fn(&Binding, &Binding) -> bool,
    ) -> Vec<Binding> {
        let mut operands = operands.iter();
        let Some(first) = operands.next() else {
            return Vec::new();
        };
        let mut combined = self.bindings(first, times_matter);
        for operand in operands {
            if combined.is_empty() {
                return combined;
            }
            let next = self.bindings(operand, times_matter);
            combined = self.join(&combined, &next, &allowed);
        }
        combined
    }

    /// `times` disjoint bindings out of `once`, by repeated doubling.
    fn repeated(&self, once: Vec<Binding>, times: u64) -> Vec<Binding> {
        let available: u64 = self
            .observations
            .iter()
            .map(|observation| observation.number_observed)
            .fold(0, u64::saturating_add);
        if once.is_empty() || times == 0 || times > available {
            return Vec::new();
        }
        let mut result: Option<Vec<Binding>> = None;
        let mut power = once;
        let mut remaining = times;
        loop {
            if remaining & 1 == 1 {
                result = Some(match result {
                    None => power.clone(),
                    Some(partial) => self.join(&partial, &power, &|_, _| true),
                });
                if result.as_ref().is_some_and(Vec::is_empty) {
                    return Vec::new();
                }
            }
            remaining >>= 1;
            if remaining == 0 {
                return result.unwrap_or_default();
            }
            power = self.join(&power, &power, &|_, _| true);
            if power.is_empty() {
                return Vec::new();
            }
        }
    }

    /// Every pair that uses no observation more often than it was observed.
    fn join(
        &self,
        left: &[Binding],
        right: &[Binding],
        allowed: &dyn Fn(&Binding, &Binding) -> bool,
    ) -> Vec<Binding> {
        let mut joined = Vec::new();
        for first in left {
            for second in right {
                if !allowed(first, second) {
                    continue;
                }
                if let Some(uses) = self.merged_uses(&first.uses, &second.uses) {
                    joined.push(Binding {
                        uses,
                        latest_first: first.latest_first.max(second.latest_first),
                        earliest_last: first.earliest_last.min(second.earliest_last),
                    });
                }
            }
            if joined.len() > MAX_BINDINGS_PER_SUBTREE * 4 {
                joined = prune(joined);
            }
        }
        prune(joined)
    }

    fn merged_uses(&self, left: &[(u32, u64)], right: &[(u32, u64)]) -> Option<Vec<(u32, u64)>> {
        let mut merged = Vec::with_capacity(left.len() + right.len());
        let (mut i, mut j) = (0, 0);
        while i < left.len() || j < right.len() {
            let next = match (left.get(i), right.get(j)) {
                (Some(a), Some(b)) if a.0 == b.0 => {
                    i += 1;
                    j += 1;
                    (a.0, a.1.checked_add(b.1)?)
                }
                (Some(a), Some(b)) if a.0 < b.0 => {
                    i += 1;
                    *a
                }
                (Some(a), None) => {
                    i += 1;
                    *a
                }
                (_, Some(b)) => {
                    j += 1;
                    *b
                }
                (None, None) => break,
            };
            let observed = self.observations.get(next.0 as usize)?.number_observed;
            if next.1 > observed {
                return None;
            }
            merged.push(next);
        }
        Some(merged)
    }
}

/// Drops duplicates and, while the list is small enough to compare every pair,
/// bindings that another beats; keeps at most [`MAX_BINDINGS_PER_SUBTREE`].
fn prune(bindings: Vec<Binding>) -> Vec<Binding> {
    let mut seen = HashSet::with_capacity(bindings.len());
    let mut unique: Vec<Binding> = bindings
        .into_iter()
        .filter(|binding| seen.insert(binding.clone()))
        .collect();
    if unique.len() <= 512 {
        unique.sort_by_key(|binding| binding.uses.iter().map(|(_, count)| *count).sum::<u64>());
        let mut kept: Vec<Binding> = Vec::with_capacity(unique.len());
        for candidate in unique {
            if !kept.iter().any(|better| better.beats(&candidate)) {
                kept.push(candidate);
            }
        }
        return kept;
    }
    unique.truncate(MAX_BINDINGS_PER_SUBTREE);
    unique
}
