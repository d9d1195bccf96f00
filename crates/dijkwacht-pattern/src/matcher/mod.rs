//! The STIX 2.1 pattern matcher: does a pattern match these observations?
//!
//! A pattern is compiled once ([`CompiledPattern::compile`]) and then matched against
//! many observations, because that is how Dijkwacht uses it: every active indicator
//! against every sensor event. Compiling decodes and compiles every constant (regular
//! expressions for the linear-time `regex` crate, `LIKE` operands, CIDR blocks,
//! timestamps, binary constants), so matching never parses text, never backtracks and
//! never fails: a value the pattern can not be compared with is a comparison that is
//! false, as the specification says, not an error.
//!
//! The semantics are those of STIX 2.1 §9, and where the specification leaves room,
//! those of the OASIS reference matcher `stix2-matcher` 3.0.0:
//! - One `[ … ]` matches one observation, and all its comparisons start from the same
//!   SCO of it (§9.5): `AND` needs one object that satisfies both sides, so comparisons
//!   on different object types can only be joined by `OR`. Object paths follow
//!   `_ref`/`_refs` properties to other SCOs of the same observation (`path.rs`).
//! - A path that reaches nothing makes the comparison false whatever the operator;
//!   `NOT` negates the comparison on each value reached (`predicate.rs` for the types).
//! - Observation operators, qualifiers and `number_observed` as in `bindings.rs`.
//!   `WITHIN d SECONDS` needs a spread of less than d: §9.5.1 says the latest
//!   timestamp "MUST NOT be equal to" the earliest plus d.
//!
//! Deliberate differences from `stix2-matcher` (each also listed, with the cases that
//! show it, in `tests/reference/known-differences.txt`):
//! - Where it raises an exception (a string that is no timestamp compared with a
//!   `t'…'` constant, a non-IPv4 value under `ISSUBSET`, `EXISTS` joined with another
//!   comparison, a `_ref` that is not a string, …) the comparison here is simply false
//!   for that value, so a pattern still matches through its other values and objects.
//! - `NOT EXISTS` is the negation of `EXISTS` (the reference ignores the `NOT`).
//! - `WITHIN d SECONDS` is not satisfied by a spread of exactly d (§9.5.1); the
//!   reference accepts it, and its own tests assert so.
//! - `ISSUBSET` and `ISSUPERSET` take IPv6 as well as IPv4, `/0` blocks, and plain
//!   addresses on either side (an address is the block of just itself); the reference
//!   takes IPv4 only, requires a CIDR block as the container and raises otherwise.
//!   Addresses are read strictly (dotted quads), not as `inet_aton` reads them.
//! - `MATCHES` runs with DOTALL, as §9.6.1 requires (the reference omits it), and
//!   with PCRE's syntax where PCRE and Python's `re` differ; backreferences,
//!   lookaround, atomic groups, possessive quantifiers, conditionals, recursion and the
//!   `x` flag are refused at compile time ([`CompileError::UnsupportedRegex`]).
//! - `LIKE`'s `%` and `_` match line feeds too, and the whole value must match (the
//!   reference builds `^…$` without DOTALL, so it stops at line feeds and tolerates a
//!   trailing one).
//! - `MATCHES` expressions are read as PCRE (§9.6.1), not as Python's `re`: `$` and `\Z`
//!   also match before a final line feed, `\z`, `\Q…\E`, `\e`, `(?'name'…)` and `\p{…}`
//!   are understood; `\d`, `\w`, `\s` and `\b` are Unicode-aware on text as in the
//!   reference, with the `regex` crate's (slightly larger) Unicode classes.
//! - A pattern with two qualifiers of one kind on one expression is refused by the
//!   parser (§9.5.1: MUST NOT); the reference accepts it.
//! - Timestamps in values are read as STIX writes them (upper-case `T` and `Z`, at most
//!   microseconds kept), not with Python `strptime`'s leniency (one-digit months).
//! - A pattern whose subtrees have more than [`MAX_BINDINGS_PER_SUBTREE`] partial
//!   matches over the given observations is decided on that many.

mod bindings;
mod compile;
mod path;
mod predicate;
mod regex_translate;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

pub use bindings::MAX_BINDINGS_PER_SUBTREE;
use compile::{ComparisonNode, CompiledComparison, ObservationNode, Test};

use crate::ast::Pattern;
use crate::observation::Observation;

/// Why a parsed pattern can not be matched. The pattern is then matched by nothing
/// (STIX 2.1 §9.4: an invalid pattern MUST NOT match any observation).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error(
        "`{comparison}`: the regular expression uses {feature} at character {offset}, which a linear-time matcher can not run; rewrite the expression without it"
    )]
    UnsupportedRegex {
        comparison: String,
        offset: usize,
        feature: String,
    },
    #[error("`{comparison}`: the regular expression does not compile: {message}")]
    InvalidRegex { comparison: String, message: String },
    #[error(
        "`{comparison}`: '{constant}' is neither an IP address nor a CIDR block; write it like '198.51.100.0/24' or '2001:db8::/32'"
    )]
    InvalidNetwork {
        comparison: String,
        constant: String,
    },
    #[error(
        "`{context}`: t'{constant}' is not a STIX timestamp; write it like t'2016-01-01T00:00:00Z'"
    )]
    InvalidTimestamp { context: String, constant: String },
    #[error(
        "`{comparison}`: the set mixes {first} and {other} constants; the constants of IN must be of one type (integers and floats may mix)"
    )]
    MixedSet {
        comparison: String,
        first: &'static str,
        other: &'static str,
    },
}

/// A pattern ready to be matched.
#[derive(Debug, Clone)]
pub struct CompiledPattern {
    observation: ObservationNode,
    /// The comparison expression of each `[ … ]`, in source order.
    leaves: Vec<Leaf>,
}

/// One `[ … ]` and the object types its comparisons can start from: an SCO of any
/// other type can satisfy none of them, and is passed over after one look at its type.
#[derive(Debug, Clone)]
struct Leaf {
    comparisons: ComparisonNode,
    root_types: Vec<String>,
}

impl Leaf {
    fn new(comparisons: ComparisonNode) -> Leaf {
        fn collect(node: &ComparisonNode, into: &mut Vec<String>) {
            match node {
                ComparisonNode::Comparison(comparison) => {
                    if !comparison.type_is_never_observed && !into.contains(&comparison.object_type)
                    {
                        into.push(comparison.object_type.clone());
                    }
                }
                ComparisonNode::And(operands) | ComparisonNode::Or(operands) => {
                    operands.iter().for_each(|operand| collect(operand, into));
                }
            }
        }
        let mut root_types = Vec::new();
        collect(&comparisons, &mut root_types);
        Leaf {
            comparisons,
            root_types,
        }
    }
}

impl CompiledPattern {
    /// Compiles a parsed pattern.
    pub fn compile(pattern: &Pattern) -> Result<CompiledPattern, CompileError> {
        let mut leaves = Vec::new();
        let observation = compile::compile_observation(pattern, &mut leaves)?;
        Ok(CompiledPattern {
            observation,
            leaves: leaves.into_iter().map(Leaf::new).collect(),
        })
    }

    /// Whether the pattern matches some choice among `observations` (STIX 2.1 §9.4).
    pub fn matches(&self, observations: &[Observation]) -> bool {
        match observations {
            [] => false,
            [observation] => self.matches_one(observation),
            _ => {
                let leaf_matches: Vec<Vec<bool>> = self
                    .leaves
                    .iter()
                    .map(|leaf| {
                        observations
                            .iter()
                            .map(|observation| leaf_matches(leaf, observation))
                            .collect()
                    })
                    .collect();
                bindings::satisfiable(&self.observation, observations, &leaf_matches)
            }
        }
    }

    /// Whether the pattern matches this one observation (seen `number_observed`
    /// times).
    pub fn matches_one(&self, observation: &Observation) -> bool {
        if let ObservationNode::Leaf(index) = self.observation {
            return self
                .leaves
                .get(index)
                .is_some_and(|leaf| leaf_matches(leaf, observation));
        }
        // Leaves are decided when the tree first needs them, at most once each (on the
        // stack for the usual few leaves).
        let mut on_stack = [None; 8];
        let mut on_heap = Vec::new();
        let decided: &mut [Option<bool>] = if self.leaves.len() <= on_stack.len() {
            &mut on_stack
        } else {
            on_heap.resize(self.leaves.len(), None);
            &mut on_heap
        };
        let mut leaf_matches_observation = |index: usize| -> bool {
            if let Some(known) = decided.get(index).copied().flatten() {
                return known;
            }
            let matched = self
                .leaves
                .get(index)
                .is_some_and(|leaf| leaf_matches(leaf, observation));
            if let Some(slot) = decided.get_mut(index) {
                *slot = Some(matched);
            }
            matched
        };
        bindings::fewest_instances(
            &self.observation,
            &mut leaf_matches_observation,
            observation.first_observed,
            observation.last_observed,
        )
        .is_some_and(|needed| needed <= observation.number_observed)
    }
}

/// Whether some SCO of `observation` satisfies the comparison expression as its root.
fn leaf_matches(leaf: &Leaf, observation: &Observation) -> bool {
    observation.objects.values().any(|root| {
        let Some(root_type) = object_type(root) else {
            return false;
        };
        leaf.root_types
            .iter()
            .any(|candidate| candidate == root_type)
            && holds_for_root(&leaf.comparisons, root, root_type, observation)
    })
}

/// The `type` of an SCO. Keys are sorted, and few SCO properties sort after `type`
/// (`value`, `values`, `x_…`), so the search runs from the end.
fn object_type(object: &Map<String, Value>) -> Option<&str> {
    for (key, value) in object.iter().rev() {
        // The first byte decides most keys without a call to compare whole strings.
        match key.as_bytes().first() {
            Some(first) if *first > b't' => continue,
            Some(b't') => match key.as_str().cmp("type") {
                std::cmp::Ordering::Greater => continue,
                std::cmp::Ordering::Equal => return value.as_str(),
                std::cmp::Ordering::Less => return None,
            },
            _ => return None,
        }
    }
    None
}

fn holds_for_root(
    node: &ComparisonNode,
    root: &Map<String, Value>,
    root_type: &str,
    observation: &Observation,
) -> bool {
    match node {
        ComparisonNode::Comparison(comparison) => {
            comparison.object_type == root_type
                && !comparison.type_is_never_observed
                && comparison_holds(comparison, root, observation)
        }
        ComparisonNode::And(operands) => operands
            .iter()
            .all(|operand| holds_for_root(operand, root, root_type, observation)),
        ComparisonNode::Or(operands) => operands
            .iter()
            .any(|operand| holds_for_root(operand, root, root_type, observation)),
    }
}

fn comparison_holds(
    comparison: &CompiledComparison,
    root: &Map<String, Value>,
    observation: &Observation,
) -> bool {
    if let Test::Exists = comparison.test {
        let exists = path::any_reached(root, &comparison.path, observation, |_| true);
        return exists != comparison.negated;
    }
    path::any_reached(root, &comparison.path, observation, |value| {
        predicate::passes(&comparison.test, value) != comparison.negated
    })
}
