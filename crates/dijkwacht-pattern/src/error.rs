//! What a refused pattern is told: where parsing stopped, what was found there and
//! what would have been accepted ([`PatternError`]), shared by the lexer and the parser.

use super::parser::MAX_NESTING_DEPTH;

/// Why a pattern was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternErrorKind {
    /// A token that can not come at that place in the grammar.
    UnexpectedToken,
    /// A malformed literal: a bad string escape, an unterminated string or comment, odd
    /// hex digits, bad base64, a timestamp outside the grammar's format, a number with
    /// leading zeros.
    InvalidLiteral,
    /// A number outside what can be represented (integers beyond 64 bits, infinite
    /// floats) or outside what a qualifier allows (zero seconds, zero repeats).
    NumberOutOfRange,
    /// A second qualifier of the same kind directly on a `[...]` observation.
    DuplicateQualifier,
    /// A value compared to a `hashes` entry that is not a hash of that algorithm.
    InvalidHashValue,
    /// Comparisons on different object types joined by AND inside one observation
    /// expression; only reported with
    /// [`ParseOptions::require_same_object_type_in_and`].
    MixedObjectTypesInAnd,
    /// More than [`MAX_NESTING_DEPTH`] levels of parentheses and brackets.
    TooDeeplyNested,
}

/// Where and why a pattern failed to parse.
///
/// `found` describes what was at `offset`: a quoted piece of the pattern (`'foo'`, cut
/// short with `...` when long) or `end of input`. `expected` says what would have been
/// accepted there, phrased to follow the word "expected".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// Byte offset in the pattern where the problem starts.
    pub offset: usize,
    /// 1-based line of `offset`; patterns are usually one line.
    pub line: usize,
    /// 1-based column of `offset` within its line, counted in characters.
    pub column: usize,
    /// What was at `offset`: `'foo'`, a literal as written, or `end of input`.
    pub found: String,
    /// What would have been accepted at `offset`, e.g. `a comparison operator (...)`.
    pub expected: String,
    pub kind: PatternErrorKind,
}

impl PatternError {
    pub(crate) fn at(
        input: &str,
        offset: usize,
        kind: PatternErrorKind,
        expected: &str,
        found: String,
    ) -> PatternError {
        let (line, column) = line_and_column(input, offset);
        PatternError {
            offset,
            line,
            column,
            found,
            expected: expected.to_string(),
            kind,
        }
    }
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 1 {
            write!(formatter, "at column {}: ", self.column)?;
        } else {
            write!(formatter, "at line {}, column {}: ", self.line, self.column)?;
        }
        match self.kind {
            PatternErrorKind::TooDeeplyNested => write!(
                formatter,
                "pattern nests more than {MAX_NESTING_DEPTH} levels"
            ),
            _ => write!(
                formatter,
                "expected {}, found {}",
                self.expected, self.found
            ),
        }
    }
}

impl std::error::Error for PatternError {}

/// The 1-based line and character column of a byte offset in `input`.
pub(crate) fn line_and_column(input: &str, offset: usize) -> (usize, usize) {
    let mut boundary = offset.min(input.len());
    while !input.is_char_boundary(boundary) {
        boundary -= 1;
    }
    let before = input.get(..boundary).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before.get(line_start..).unwrap_or("").chars().count() + 1;
    (line, column)
}
