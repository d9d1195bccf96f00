//! How a pattern is reduced to anchors: comparisons the index can look up, chosen so
//! that any observation on which the pattern could be true sets off at least one of
//! them. The rules follow the logic of the pattern:
//! - an `OR` is true only when a branch is, so every branch needs anchors;
//! - an `AND` (or `FOLLOWEDBY`) is true only when all operands are, so the anchors of
//!   one operand suffice: the cheapest, judged by [`cost`];
//! - a comparison anchors when it is positive (no `NOT`) and asks for a value
//!   (`=`, `IN`), an address range (`ISSUBSET`, `=` with a CIDR), a text pattern
//!   (`LIKE`, `MATCHES`); `!=`, orderings, `EXISTS` and negations anchor nothing.
//!
//! Binary properties (`*_bin`, `*_hex`) are compared as bytes, so they anchor nothing.
//! Qualifiers only narrow when a pattern is true, so they do not change the anchors.
//! A pattern with no anchors is not lost: the index checks it on every observation.

use super::prefix::Cidr;
use super::regexes::{RegexProblem, check_regex, like_literal, like_to_regex};
use super::scalar::{OwnedScalar, constant_scalar};
use crate::ast::{
    Comparison, ComparisonExpression, Constant, ObjectPath, PathStep, Pattern, Predicate,
};

/// One lookup the index will do for a pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AnchorSpec<'p> {
    /// The value at `path` equals `scalar`.
    Value {
        path: &'p ObjectPath,
        scalar: OwnedScalar,
    },
    /// The address at `path` lies in `cidr`. `proves` is false for `= '10.0.0.0/8'`,
    /// which the matcher compares as text: the range only finds candidates.
    Prefix {
        path: &'p ObjectPath,
        cidr: Cidr,
        proves: bool,
    },
    /// The text at `path` ends with `suffix`, which begins with a dot.
    Suffix {
        path: &'p ObjectPath,
        suffix: String,
    },
    /// The text at `path` matches `source`; every match contains `literal`, if known.
    Regex {
        path: &'p ObjectPath,
        source: String,
        literal: Option<String>,
    },
}

/// A pattern, reduced.
#[derive(Debug)]
pub(crate) struct Decomposition<'p> {
    /// `None` when no set of anchors covers the pattern; an empty list when the pattern
    /// can never be true (`IN ()`).
    pub(crate) anchors: Option<Vec<AnchorSpec<'p>>>,
    /// The pattern is one comparison in one observation without qualifiers, so a hit
    /// on its anchor (of a kind that proves) is the truth, not a candidate.
    pub(crate) single_comparison: bool,
    /// A `MATCHES` operand the `regex` crate does not accept, which left a comparison
    /// without an anchor.
    pub(crate) unsupported_regex: Option<String>,
}

/// Why a pattern cannot go into the index at all.
#[derive(Debug)]
pub(crate) struct RegexTooLarge {
    pub(crate) path: String,
}

/// Reduces `pattern` to anchors.
pub(crate) fn decompose(pattern: &Pattern) -> Result<Decomposition<'_>, RegexTooLarge> {
    let mut decomposer = Decomposer {
        unsupported_regex: None,
    };
    let anchors = decomposer.pattern(pattern)?;
    Ok(Decomposition {
        anchors,
        single_comparison: single_comparison(pattern),
        unsupported_regex: decomposer.unsupported_regex,
    })
}

fn single_comparison(pattern: &Pattern) -> bool {
    match pattern {
        Pattern::Grouped {
            pattern,
            qualifiers,
        } => qualifiers.is_empty() && single_comparison(pattern),
        Pattern::Observation {
            comparison,
            qualifiers,
        } => {
            let mut expression = comparison;
            while let ComparisonExpression::Grouped(inner) = expression {
                expression = inner;
            }
            qualifiers.is_empty() && matches!(expression, ComparisonExpression::Comparison(_))
        }
        Pattern::And(_) | Pattern::Or(_) | Pattern::FollowedBy(_) => false,
    }
}

/// What a list of anchors costs at lookup time, roughly: a hash probe is cheap, a
/// range lookup a little more, a suffix several probes, an expression a scan.
pub(crate) fn cost(anchors: &[AnchorSpec<'_>]) -> u32 {
    anchors
        .iter()
        .map(|anchor| match anchor {
            AnchorSpec::Value { .. } => 1,
            AnchorSpec::Prefix { .. } => 2,
            AnchorSpec::Suffix { .. } => 3,
            AnchorSpec::Regex { .. } => 20,
        })
        .sum()
}

struct Decomposer {
    unsupported_regex: Option<String>,
}

type Anchors<'p> = Option<Vec<AnchorSpec<'p>>>;

impl Decomposer {
    fn pattern<'p>(&mut self, pattern: &'p Pattern) -> Result<Anchors<'p>, RegexTooLarge> {
        match pattern {
            Pattern::Observation { comparison, .. } => self.expression(comparison),
            Pattern::Grouped { pattern, .. } => self.pattern(pattern),
            Pattern::Or(branches) => every_branch(branches.iter().map(|b| self.pattern(b))),
            Pattern::And(operands) | Pattern::FollowedBy(operands) => {
                cheapest_operand(operands.iter().map(|operand| self.pattern(operand)))
            }
        }
    }

    fn expression<'p>(
        &mut self,
        expression: &'p ComparisonExpression,
    ) -> Result<Anchors<'p>, RegexTooLarge> {
        match expression {
            ComparisonExpression::Comparison(comparison) => self.comparison(comparison),
            ComparisonExpression::Grouped(inner) => self.expression(inner),
            ComparisonExpression::Or(branches) => {
                every_branch(branches.iter().map(|branch| self.expression(branch)))
            }
            ComparisonExpression::And(operands) => {
                cheapest_operand(operands.iter().map(|operand| self.expression(operand)))
            }
        }
    }

    fn comparison<'p>(&mut self, comparison: &'p Comparison) -> Result<Anchors<'p>, RegexTooLarge> {
        let path = &comparison.object_path;
        if comparison.negated || is_binary(path) {
            return Ok(None);
        }
        Ok(match &comparison.predicate {
            Predicate::Equal(constant) => equal_anchor(path, constant).map(|anchor| vec![anchor]),
            Predicate::In(constants) => constants
                .iter()
                .map(|constant| equal_anchor(path, constant))
                .collect(),
            Predicate::IsSubset(text) => Cidr::parse(text).map(|cidr| {
                vec![AnchorSpec::Prefix {
                    path,
                    cidr,
                    proves: true,
                }]
            }),
            Predicate::Like(like) => self.like_anchor(path, like)?.map(|anchor| vec![anchor]),
            Predicate::Matches(source) => self
                .regex_anchor(path, source.clone(), None)?
                .map(|anchor| vec![anchor]),
            Predicate::NotEqual(_)
            | Predicate::LessThan(_)
            | Predicate::LessThanOrEqual(_)
            | Predicate::GreaterThan(_)
            | Predicate::GreaterThanOrEqual(_)
            | Predicate::IsSuperset(_)
            | Predicate::Exists => None,
        })
    }

    fn like_anchor<'p>(
        &mut self,
        path: &'p ObjectPath,
        like: &str,
    ) -> Result<Option<AnchorSpec<'p>>, RegexTooLarge> {
        let is_wildcard = |character: char| character == '%' || character == '_';
        if !like.contains(is_wildcard) {
            return Ok(Some(AnchorSpec::Value {
                path,
                scalar: OwnedScalar::Text(like.to_owned()),
            }));
        }
        if let Some(suffix) = like.strip_prefix('%') {
            if suffix.starts_with('.') && !suffix.contains(is_wildcard) {
                return Ok(Some(AnchorSpec::Suffix {
                    path,
                    suffix: suffix.to_owned(),
                }));
            }
        }
        let literal = like_literal(like).map(str::to_owned);
        self.regex_anchor(path, like_to_regex(like), literal)
    }

    fn regex_anchor<'p>(
        &mut self,
        path: &'p ObjectPath,
        source: String,
        literal: Option<String>,
    ) -> Result<Option<AnchorSpec<'p>>, RegexTooLarge> {
        match check_regex(&source) {
            Ok(()) => Ok(Some(AnchorSpec::Regex {
                path,
                source,
                literal,
            })),
            Err(RegexProblem::TooLarge) => Err(RegexTooLarge {
                path: super::scalar::path_text(path),
            }),
            Err(RegexProblem::Unsupported(reason)) => {
                self.unsupported_regex = Some(reason);
                Ok(None)
            }
        }
    }
}

/// Whether the path ends at a binary property (`*_bin` base64, `*_hex` hex), whose
/// values the matcher compares as bytes, not as the text the index keys on.
fn is_binary(path: &ObjectPath) -> bool {
    let last = path
        .steps
        .iter()
        .rev()
        .find_map(|step| match step {
            PathStep::Key(key) => Some(key.as_str()),
            PathStep::Index(_) | PathStep::AnyIndex => None,
        })
        .unwrap_or(&path.property);
    last.ends_with("_bin") || last.ends_with("_hex")
}

fn equal_anchor<'p>(path: &'p ObjectPath, constant: &Constant) -> Option<AnchorSpec<'p>> {
    if let Constant::String(text) = constant {
        if text.contains('/') {
            if let Some(cidr) = Cidr::parse(text) {
                return Some(AnchorSpec::Prefix {
                    path,
                    cidr,
                    proves: false,
                });
            }
        }
    }
    constant_scalar(constant).map(|scalar| AnchorSpec::Value { path, scalar })
}

/// The anchors of an `OR`: those of every branch, or none if a branch has none.
fn every_branch<'p>(
    branches: impl Iterator<Item = Result<Anchors<'p>, RegexTooLarge>>,
) -> Result<Anchors<'p>, RegexTooLarge> {
    let mut all = Vec::new();
    for branch in branches {
        match branch? {
            Some(anchors) => all.extend(anchors),
            None => return Ok(None),
        }
    }
    Ok(Some(all))
}

/// The anchors of an `AND`: those of its cheapest anchored operand.
fn cheapest_operand<'p>(
    operands: impl Iterator<Item = Result<Anchors<'p>, RegexTooLarge>>,
) -> Result<Anchors<'p>, RegexTooLarge> {
    let mut cheapest = None;
    for operand in operands {
        cheapest = cheaper(cheapest, operand?);
    }
    Ok(cheapest)
}

fn cheaper<'p>(current: Anchors<'p>, candidate: Anchors<'p>) -> Anchors<'p> {
    match (current, candidate) {
        (None, other) | (other, None) => other,
        (Some(current), Some(candidate)) => {
            if cost(&candidate) < cost(&current) {
                Some(candidate)
            } else {
                Some(current)
            }
        }
    }
}
