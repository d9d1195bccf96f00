//! Turns a parsed [`Pattern`] into the form the matcher evaluates: every regular
//! expression, `LIKE` operand, CIDR block, timestamp and binary constant is decoded and
//! compiled once here, so that matching a compiled pattern against millions of
//! observations never parses text again, and so that a pattern the matcher can not
//! evaluate faithfully is refused once, with a [`CompileError`] that names the
//! comparison and the constant, instead of failing silently at every observation.

use std::collections::HashSet;

use ipnet::IpNet;
use unicode_normalization::UnicodeNormalization as _;

use super::CompileError;
use super::regex_translate::{RegexMode, translate_like, translate_pcre};
use crate::ast::{
    Comparison, ComparisonExpression, Constant, Number, ObjectPath, PathStep, Pattern, Predicate,
    Qualifier,
};
use crate::observation::parse_timestamp_micros;

/// A number as JSON and pattern constants hold it, compared by exact value (an integer
/// and a float are equal only when the float has no fraction, STIX 2.1 §9.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum ExactNumber {
    Integer(i128),
    Float(f64),
}

/// The right-hand side of `=`, `!=`, `<`, `<=`, `>`, `>=`, decoded.
#[derive(Debug, Clone)]
pub(super) enum Operand {
    /// A string, with its octets when every code point is below U+0100 (STIX 2.1
    /// §9.2: such a string may be compared with binary values).
    Text {
        text: String,
        octets: Option<Vec<u8>>,
    },
    Number(ExactNumber),
    Boolean(bool),
    /// A `b'…'` or `h'…'` constant.
    Octets(Vec<u8>),
    /// A `t'…'` constant, in Unix microseconds.
    Timestamp(i64),
}

/// The set of `IN (…)`, of one type as the reference matcher requires.
#[derive(Debug, Clone)]
pub(super) enum ConstantSet {
    Empty,
    Texts(HashSet<String>),
    /// Integers, floats, or booleans (as 0 and 1, which is how the reference matcher's
    /// Python sets compare them with numbers).
    Numbers(Vec<ExactNumber>),
    Octets(Vec<Vec<u8>>),
    Timestamps(Vec<i64>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Order {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// A compiled `LIKE` operand: the common shapes (`abc`, `abc%`, `%abc`, `%abc%`,
/// `abc%xyz`) as plain string tests, anything else as an anchored regular expression.
#[derive(Debug, Clone)]
pub(super) enum LikeExpression {
    Exactly(String),
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    StartsAndEndsWith(String, String),
    Expression(regex::Regex),
}

impl LikeExpression {
    fn new(operand: &str, described: &dyn Fn() -> String) -> Result<LikeExpression, CompileError> {
        let literal = |text: &str| !text.contains(['%', '_']);
        Ok(match operand.split_once('%') {
            None if literal(operand) => LikeExpression::Exactly(operand.to_owned()),
            Some(("", rest)) if literal(rest.trim_end_matches('%')) && rest.ends_with('%') => {
                LikeExpression::Contains(rest.trim_end_matches('%').to_owned())
            }
            Some(("", rest)) if literal(rest) => LikeExpression::EndsWith(rest.to_owned()),
            Some((start, rest))
                if literal(start) && !rest.is_empty() && rest.chars().all(|c| c == '%') =>
            {
                LikeExpression::StartsWith(start.to_owned())
            }
            Some((start, "")) if literal(start) => LikeExpression::StartsWith(start.to_owned()),
            Some((start, end)) if literal(start) && literal(end) => {
                LikeExpression::StartsAndEndsWith(start.to_owned(), end.to_owned())
            }
            _ => {
                LikeExpression::Expression(compile_text_regex(&translate_like(operand), described)?)
            }
        })
    }

    pub(super) fn is_match(&self, value: &str) -> bool {
        match self {
            LikeExpression::Exactly(text) => value == text,
            LikeExpression::StartsWith(start) => value.starts_with(start.as_str()),
            LikeExpression::EndsWith(end) => value.ends_with(end.as_str()),
            LikeExpression::Contains(part) => value.contains(part.as_str()),
            LikeExpression::StartsAndEndsWith(start, end) => {
                value.len() >= start.len() + end.len()
                    && value.starts_with(start.as_str())
                    && value.ends_with(end.as_str())
            }
            LikeExpression::Expression(expression) => expression.is_match(value),
        }
    }
}

/// What a comparison tests about each value its object path reaches.
#[derive(Debug, Clone)]
pub(super) enum Test {
    Equal(Operand),
    NotEqual(Operand),
    Order(Order, Operand),
    In(ConstantSet),
    Like {
        expression: LikeExpression,
        /// Whether binary values may be read as UTF-8 text and matched (every code
        /// point of the operand is below U+0100, as in the reference matcher).
        applies_to_octets: bool,
    },
    Matches {
        text: regex::Regex,
        /// The same expression for binary values, without Unicode; `None` when it
        /// holds characters above U+00FF or constructs only text has.
        octets: Option<regex::bytes::Regex>,
    },
    IsSubset(IpNet),
    IsSuperset(IpNet),
    Exists,
}

/// An object path with the object type split off.
#[derive(Debug, Clone)]
pub(super) struct CompiledPath {
    pub first_property: String,
    pub steps: Vec<PathStep>,
    /// Only plain keys: no list index and no property whose name makes it a
    /// reference (`_ref`, `_refs`) or binary (`_hex`, `_bin`); resolved without
    /// allocating.
    pub is_plain: bool,
}

#[derive(Debug, Clone)]
pub(super) struct CompiledComparison {
    pub object_type: String,
    /// STIX domain, relationship and meta object types, which the reference matcher
    /// never matches as the root of a path: patterns are about cyber observables.
    pub type_is_never_observed: bool,
    pub path: CompiledPath,
    pub negated: bool,
    pub test: Test,
}

/// The inside of one `[ … ]`, with parentheses dropped.
#[derive(Debug, Clone)]
pub(super) enum ComparisonNode {
    Comparison(CompiledComparison),
    And(Vec<ComparisonNode>),
    Or(Vec<ComparisonNode>),
}

/// The observation expression tree, qualifiers as nodes in the order they apply.
#[derive(Debug, Clone)]
pub(super) enum ObservationNode {
    /// One `[ … ]`: the index of its comparison expression in the compiled pattern.
    Leaf(usize),
    And(Vec<ObservationNode>),
    Or(Vec<ObservationNode>),
    FollowedBy(Vec<ObservationNode>),
    Repeats {
        inner: Box<ObservationNode>,
        times: u64,
    },
    Within {
        inner: Box<ObservationNode>,
        window_micros: i64,
    },
    StartStop {
        inner: Box<ObservationNode>,
        start: i64,
        stop: i64,
    },
}

/// The object types stix2-matcher 3.0.0 never matches (its `TYPES_V21`).
const NON_OBSERVABLE_TYPES: &[&str] = &[
    "attack-pattern",
    "bundle",
    "campaign",
    "course-of-action",
    "extension-definition",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "language-content",
    "location",
    "malware",
    "malware-analysis",
    "marking-definition",
    "note",
    "observed-data",
    "opinion",
    "relationship",
    "report",
    "threat-actor",
    "tool",
    "sighting",
    "vulnerability",
];

/// The observation tree of `pattern`, pushing each `[ … ]` onto `leaves`.
pub(super) fn compile_observation(
    pattern: &Pattern,
    leaves: &mut Vec<ComparisonNode>,
) -> Result<ObservationNode, CompileError> {
    let mut compile_all = |operands: &[Pattern]| {
        operands
            .iter()
            .map(|operand| compile_observation(operand, leaves))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(match pattern {
        Pattern::Observation {
            comparison,
            qualifiers,
        } => {
            leaves.push(compile_comparison_expression(comparison)?);
            apply_qualifiers(ObservationNode::Leaf(leaves.len() - 1), qualifiers)?
        }
        Pattern::Grouped {
            pattern,
            qualifiers,
        } => apply_qualifiers(compile_observation(pattern, leaves)?, qualifiers)?,
        Pattern::And(operands) => ObservationNode::And(compile_all(operands)?),
        Pattern::Or(operands) => ObservationNode::Or(compile_all(operands)?),
        Pattern::FollowedBy(operands) => ObservationNode::FollowedBy(compile_all(operands)?),
    })
}

fn apply_qualifiers(
    mut node: ObservationNode,
    qualifiers: &[Qualifier],
) -> Result<ObservationNode, CompileError> {
    for qualifier in qualifiers {
        let inner = Box::new(node);
        node = match qualifier {
            Qualifier::Repeats { times } => ObservationNode::Repeats {
                inner,
                times: *times,
            },
            Qualifier::Within { seconds } => ObservationNode::Within {
                inner,
                window_micros: window_micros(*seconds),
            },
            Qualifier::StartStop { start, stop } => ObservationNode::StartStop {
                inner,
                start: timestamp_constant(start, &qualifier.to_string())?,
                stop: timestamp_constant(stop, &qualifier.to_string())?,
            },
        };
    }
    Ok(node)
}

/// Seconds as microseconds, rounded to the nearest (as Python's `timedelta` does),
/// saturating for windows longer than any timestamp range.
fn window_micros(seconds: Number) -> i64 {
    match seconds {
        Number::Integer(whole) => i64::try_from(whole)
            .unwrap_or(i64::MAX)
            .saturating_mul(1_000_000),
        // `as` saturates for floats beyond the range of i64, which is what we want.
        Number::Float(fraction) => (fraction * 1_000_000.0).round() as i64,
    }
}

/// Unix microseconds of a `t'…'` constant, which must be written in upper case as in
/// the STIX timestamp format (the reference matcher refuses lower case too).
fn timestamp_constant(text: &str, context: &str) -> Result<i64, CompileError> {
    parse_upper_case_timestamp(text).ok_or_else(|| CompileError::InvalidTimestamp {
        context: context.to_owned(),
        constant: text.to_owned(),
    })
}

pub(super) fn parse_upper_case_timestamp(text: &str) -> Option<i64> {
    if text.bytes().any(|byte| byte.is_ascii_lowercase()) {
        return None;
    }
    parse_timestamp_micros(text)
}

fn compile_comparison_expression(
    expression: &ComparisonExpression,
) -> Result<ComparisonNode, CompileError> {
    let compile_all = |operands: &[ComparisonExpression]| {
        operands
            .iter()
            .map(compile_comparison_expression)
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(match expression {
        ComparisonExpression::Comparison(comparison) => {
            ComparisonNode::Comparison(compile_comparison(comparison)?)
        }
        ComparisonExpression::And(operands) => ComparisonNode::And(compile_all(operands)?),
        ComparisonExpression::Or(operands) => ComparisonNode::Or(compile_all(operands)?),
        ComparisonExpression::Grouped(inner) => compile_comparison_expression(inner)?,
    })
}

fn compile_comparison(comparison: &Comparison) -> Result<CompiledComparison, CompileError> {
    let described = || comparison.to_string();
    let test = match &comparison.predicate {
        Predicate::Equal(constant) => Test::Equal(operand(constant, &described)?),
        Predicate::NotEqual(constant) => Test::NotEqual(operand(constant, &described)?),
        Predicate::LessThan(constant) => Test::Order(Order::Less, operand(constant, &described)?),
        Predicate::LessThanOrEqual(constant) => {
            Test::Order(Order::LessOrEqual, operand(constant, &described)?)
        }
        Predicate::GreaterThan(constant) => {
            Test::Order(Order::Greater, operand(constant, &described)?)
        }
        Predicate::GreaterThanOrEqual(constant) => {
            Test::Order(Order::GreaterOrEqual, operand(constant, &described)?)
        }
        Predicate::In(constants) => Test::In(constant_set(constants, &described)?),
        Predicate::Like(operand) => {
            let operand: String = operand.nfc().collect();
            Test::Like {
                expression: LikeExpression::new(&operand, &described)?,
                applies_to_octets: operand.chars().all(|c| u32::from(c) < 0x100),
            }
        }
        Predicate::Matches(expression) => compile_matches(expression, &described)?,
        Predicate::IsSubset(network) => Test::IsSubset(network_constant(network, &described)?),
        Predicate::IsSuperset(network) => Test::IsSuperset(network_constant(network, &described)?),
        Predicate::Exists => Test::Exists,
    };
    let ObjectPath {
        object_type,
        property,
        steps,
    } = &comparison.object_path;
    let is_special = |key: &str| {
        ["_ref", "_refs", "_hex", "_bin"]
            .iter()
            .any(|suffix| key.ends_with(suffix))
    };
    let is_plain = !is_special(property)
        && steps
            .iter()
            .all(|step| matches!(step, PathStep::Key(key) if !is_special(key)));
    Ok(CompiledComparison {
        object_type: object_type.clone(),
        type_is_never_observed: NON_OBSERVABLE_TYPES.contains(&object_type.as_str()),
        path: CompiledPath {
            first_property: property.clone(),
            steps: steps.clone(),
            is_plain,
        },
        negated: comparison.negated,
        test,
    })
}

fn operand(constant: &Constant, described: &dyn Fn() -> String) -> Result<Operand, CompileError> {
    Ok(match constant {
        Constant::String(text) => Operand::Text {
            octets: latin1_octets(text),
            text: text.clone(),
        },
        Constant::Integer(value) => Operand::Number(ExactNumber::Integer(i128::from(*value))),
        Constant::Float(value) => Operand::Number(ExactNumber::Float(*value)),
        Constant::Boolean(value) => Operand::Boolean(*value),
        Constant::Binary(_) | Constant::Hex(_) => {
            Operand::Octets(constant.binary_bytes().unwrap_or_default())
        }
        Constant::Timestamp(text) => Operand::Timestamp(timestamp_constant(text, &described())?),
    })
}

/// The octets of a string whose code points are all below U+0100 (U+0000 → 00 …
/// U+00FF → ff, STIX 2.1 §9.2).
pub(super) fn latin1_octets(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

fn constant_kind(constant: &Constant) -> &'static str {
    match constant {
        Constant::String(_) => "string",
        Constant::Integer(_) | Constant::Float(_) => "number",
        Constant::Boolean(_) => "boolean",
        Constant::Binary(_) | Constant::Hex(_) => "binary",
        Constant::Timestamp(_) => "timestamp",
    }
}

fn constant_set(
    constants: &[Constant],
    described: &dyn Fn() -> String,
) -> Result<ConstantSet, CompileError> {
    let Some(first) = constants.first() else {
        return Ok(ConstantSet::Empty);
    };
    let first_kind = constant_kind(first);
    if let Some(other) = constants.iter().find(|c| constant_kind(c) != first_kind) {
        return Err(CompileError::MixedSet {
            comparison: described(),
            first: first_kind,
            other: constant_kind(other),
        });
    }
    let mut set = match first_kind {
        "string" => ConstantSet::Texts(HashSet::new()),
        "binary" => ConstantSet::Octets(Vec::new()),
        "timestamp" => ConstantSet::Timestamps(Vec::new()),
        _ => ConstantSet::Numbers(Vec::new()),
    };
    for constant in constants {
        match (&mut set, operand(constant, described)?) {
            (ConstantSet::Texts(texts), Operand::Text { text, .. }) => {
                texts.insert(text);
            }
            (ConstantSet::Numbers(numbers), Operand::Number(number)) => numbers.push(number),
            (ConstantSet::Numbers(numbers), Operand::Boolean(truth)) => {
                numbers.push(ExactNumber::Integer(i128::from(truth)));
            }
            (ConstantSet::Octets(octets), Operand::Octets(bytes)) => octets.push(bytes),
            (ConstantSet::Timestamps(times), Operand::Timestamp(time)) => times.push(time),
            _ => {}
        }
    }
    Ok(set)
}

fn compile_text_regex(
    expression: &str,
    described: &dyn Fn() -> String,
) -> Result<regex::Regex, CompileError> {
    regex::Regex::new(expression).map_err(|error| CompileError::InvalidRegex {
        comparison: described(),
        message: error.to_string(),
    })
}

fn compile_matches(expression: &str, described: &dyn Fn() -> String) -> Result<Test, CompileError> {
    let expression: String = expression.nfc().collect();
    let text = translate_pcre(&expression, RegexMode::Text).map_err(|error| {
        CompileError::UnsupportedRegex {
            comparison: described(),
            offset: error.offset,
            feature: error.problem,
        }
    })?;
    let text = compile_text_regex(&text, described)?;
    let octets = translate_pcre(&expression, RegexMode::Bytes)
        .ok()
        .and_then(|translated| regex::bytes::Regex::new(&translated).ok());
    Ok(Test::Matches { text, octets })
}

/// An address or CIDR block; an address alone is the block of just that address.
pub(super) fn parse_network(text: &str) -> Option<IpNet> {
    if text.contains('/') {
        text.parse().ok()
    } else {
        text.parse::<std::net::IpAddr>().ok().map(IpNet::from)
    }
}

fn network_constant(text: &str, described: &dyn Fn() -> String) -> Result<IpNet, CompileError> {
    parse_network(text).ok_or_else(|| CompileError::InvalidNetwork {
        comparison: described(),
        constant: text.to_owned(),
    })
}
