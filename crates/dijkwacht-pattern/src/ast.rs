//! The syntax tree of a STIX 2.1 pattern (STIX 2.1 §9), as the parser builds it and
//! the printer writes it back. It exists so that the rest of Dijkwacht can look inside
//! an indicator's pattern (which object types and properties it tests, with which
//! constants and qualifiers) without touching text.
//!
//! Chains of the same operator (`a AND b AND c`) are kept as one node with a list of
//! two or more operands, in source order, rather than as nested binary nodes: the
//! operators are associative and evaluated left to right, and a flat list keeps the
//! depth of the tree bounded by the nesting of parentheses and brackets, so dropping,
//! comparing or printing a tree never recurses deeper than the parser allowed.
//! Parentheses written in the pattern are kept as `Grouped` nodes, because qualifiers
//! attached to a group mean something different from qualifiers on its members.

/// A whole pattern: one observation expression tree.
///
/// The parser produces `And`, `Or` and `FollowedBy` nodes with at least two operands,
/// and never an operand of the same or a weaker operator without a `Grouped` node in
/// between (AND binds tighter than OR, which binds tighter than FOLLOWEDBY).
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// One bracketed observation expression, `[ ... ]`, with the qualifiers written
    /// directly after it, in source order.
    Observation {
        comparison: ComparisonExpression,
        qualifiers: Vec<Qualifier>,
    },
    /// A parenthesised observation expression, `( ... )`, with the qualifiers written
    /// directly after the closing parenthesis, in source order.
    Grouped {
        pattern: Box<Pattern>,
        qualifiers: Vec<Qualifier>,
    },
    /// Observation expressions joined by `AND`.
    And(Vec<Pattern>),
    /// Observation expressions joined by `OR`.
    Or(Vec<Pattern>),
    /// Observation expressions joined by `FOLLOWEDBY`.
    FollowedBy(Vec<Pattern>),
}

/// A qualifier written after an observation expression or a parenthesised group.
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN <seconds> SECONDS`; the parser only accepts a number greater than zero.
    Within { seconds: Number },
    /// `REPEATS <times> TIMES`; the parser only accepts a count greater than zero.
    Repeats { times: u64 },
    /// `START t'<start>' STOP t'<stop>'`, both timestamps kept as written between the
    /// quotes. Whether `start` is before `stop` is not checked, as in the reference
    /// validator.
    StartStop { start: String, stop: String },
}

impl Qualifier {
    /// The name of this kind of qualifier as written in a pattern: `WITHIN`, `REPEATS`
    /// or `START/STOP`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Qualifier::Within { .. } => "WITHIN",
            Qualifier::Repeats { .. } => "REPEATS",
            Qualifier::StartStop { .. } => "START/STOP",
        }
    }
}

/// A non-negative number as used by the `WITHIN` qualifier, which accepts both
/// integers and floating point numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Integer(u64),
    Float(f64),
}

/// The inside of one `[ ... ]` observation expression: comparisons joined by AND and
/// OR, where AND binds tighter than OR.
///
/// As with [`Pattern`], the parser produces `And` and `Or` with at least two operands
/// and puts a `Grouped` node between an operator and an operand of the same or a
/// weaker operator.
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonExpression {
    Comparison(Comparison),
    And(Vec<ComparisonExpression>),
    Or(Vec<ComparisonExpression>),
    /// A parenthesised comparison expression, `( ... )`.
    Grouped(Box<ComparisonExpression>),
}

/// One comparison: an object path, tested by a predicate, possibly negated.
///
/// `negated` is the `NOT` of `file:size NOT IN (1, 2)` and of `NOT EXISTS file:size`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub object_path: ObjectPath,
    pub negated: bool,
    pub predicate: Predicate,
}

/// What a comparison tests about the value at its object path.
///
/// The grammar restricts the constants: the ordering operators take any constant but a
/// boolean, and `LIKE`, `MATCHES`, `ISSUBSET` and `ISSUPERSET` take a string, kept here
/// unescaped.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// `=` (also written `==`).
    Equal(Constant),
    /// `!=` (also written `<>`).
    NotEqual(Constant),
    /// `<`
    LessThan(Constant),
    /// `<=`
    LessThanOrEqual(Constant),
    /// `>`
    GreaterThan(Constant),
    /// `>=`
    GreaterThanOrEqual(Constant),
    /// `IN (c1, c2, ...)`; the set may be empty and may mix constant types, as the
    /// grammar allows.
    In(Vec<Constant>),
    /// `LIKE '<SQL LIKE pattern>'`
    Like(String),
    /// `MATCHES '<PCRE regular expression>'`
    Matches(String),
    /// `ISSUBSET '<CIDR>'`
    IsSubset(String),
    /// `ISSUPERSET '<CIDR>'`
    IsSuperset(String),
    /// `EXISTS <object path>`, written before the path.
    Exists,
}

/// A constant on the right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    /// A string, unescaped: the pattern `'it\'s'` gives `it's`.
    String(String),
    Integer(i64),
    /// A floating point number; always finite.
    Float(f64),
    Boolean(bool),
    /// A binary constant `b'...'`, kept as the base64 text between the quotes. The
    /// parser has checked that it decodes; [`Constant::binary_bytes`] decodes it.
    Binary(String),
    /// A hex constant `h'...'`, kept as the (even number of) hex digits between the
    /// quotes, in the case they were written.
    Hex(String),
    /// A timestamp constant `t'...'`, kept as the text between the quotes.
    Timestamp(String),
}

impl Constant {
    /// The bytes of a `Binary` or `Hex` constant, or `None` for any other constant
    /// or for text that does not decode (which the parser never produces).
    pub fn binary_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Constant::Binary(text) => super::lexer::decode_base64(text),
            Constant::Hex(text) => super::lexer::decode_hex(text),
            _ => None,
        }
    }
}

/// An object path such as `file:hashes.'SHA-256'` or
/// `email-message:body_multipart[*].body_raw_ref.name`.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectPath {
    /// The object type before the colon, e.g. `network-traffic`.
    pub object_type: String,
    /// The first property after the colon, unquoted.
    pub property: String,
    /// The steps after the first property, in order.
    pub steps: Vec<PathStep>,
}

/// One step of an object path after its first property.
#[derive(Debug, Clone, PartialEq)]
pub enum PathStep {
    /// `.name` or `.'quoted-name'`; kept unquoted and unescaped.
    Key(String),
    /// `[n]`; the grammar accepts negative indexes too.
    Index(i64),
    /// `[*]`: any element of a list.
    AnyIndex,
}

impl Pattern {
    /// Every comparison of the pattern, in source order, whatever the observation
    /// operators, groups and qualifiers around it. For readers that only ask which
    /// values a pattern names (the alert matcher, exports): they judge each comparison
    /// on its own (`negated`, the predicate), so they need no walk of their own.
    pub fn comparisons(&self) -> Comparisons<'_> {
        Comparisons {
            pending: vec![Node::Pattern(self)],
        }
    }
}

/// The iterator of [`Pattern::comparisons`]. It keeps its own stack, so a pattern of
/// any depth the parser allowed is walked without recursion.
#[derive(Debug, Clone)]
pub struct Comparisons<'p> {
    pending: Vec<Node<'p>>,
}

#[derive(Debug, Clone, Copy)]
enum Node<'p> {
    Pattern(&'p Pattern),
    Expression(&'p ComparisonExpression),
}

impl<'p> Iterator for Comparisons<'p> {
    type Item = &'p Comparison;

    fn next(&mut self) -> Option<&'p Comparison> {
        while let Some(node) = self.pending.pop() {
            match node {
                Node::Pattern(Pattern::Observation { comparison, .. }) => {
                    self.pending.push(Node::Expression(comparison));
                }
                Node::Pattern(Pattern::Grouped { pattern, .. }) => {
                    self.pending.push(Node::Pattern(pattern));
                }
                Node::Pattern(
                    Pattern::And(operands) | Pattern::Or(operands) | Pattern::FollowedBy(operands),
                ) => self
                    .pending
                    .extend(operands.iter().rev().map(Node::Pattern)),
                Node::Expression(ComparisonExpression::Comparison(comparison)) => {
                    return Some(comparison);
                }
                Node::Expression(
                    ComparisonExpression::And(operands) | ComparisonExpression::Or(operands),
                ) => self
                    .pending
                    .extend(operands.iter().rev().map(Node::Expression)),
                Node::Expression(ComparisonExpression::Grouped(inner)) => {
                    self.pending.push(Node::Expression(inner));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use crate::parse;

    #[test]
    fn comparisons_come_in_source_order_from_every_depth() {
        let pattern = parse(
            "([a:x = '1' AND (a:y = '2' OR a:z != '3')] OR [b:x = '4']) FOLLOWEDBY [c:x = '5'] WITHIN 5 SECONDS",
        )
        .expect("the test pattern parses");
        let paths: Vec<String> = pattern
            .comparisons()
            .map(|comparison| {
                format!(
                    "{}:{}",
                    comparison.object_path.object_type, comparison.object_path.property
                )
            })
            .collect();
        assert_eq!(paths, ["a:x", "a:y", "a:z", "b:x", "c:x"]);
    }
}
