//! Writes a [`Pattern`] tree back as pattern text, so that Dijkwacht can store and
//! share patterns in one canonical spelling: single spaces around operators, `=` and
//! `!=` rather than `==` and `<>`, property names quoted only when they must be, and
//! numbers written so they read back to the same value.
//!
//! For every tree the parser produces, parsing the printed text gives an equal tree.
//! A tree built by hand that puts an operator directly under an operator of the same
//! or higher precedence (an `Or` as an operand of an `And`, say) is printed with
//! parentheses so that its meaning is kept; reading it back then gives `Grouped`
//! nodes there. Names, timestamps, hex and base64 text are written as stored, so a
//! hand-built tree holding text the grammar does not accept prints as text that does
//! not parse, and so does a non-finite float.

use std::fmt::{self, Display, Formatter, Write as _};

use super::ast::{
    Comparison, ComparisonExpression, Constant, Number, ObjectPath, PathStep, Pattern, Predicate,
    Qualifier,
};
use super::lexer::{is_identifier_without_hyphen, is_reserved_word};

/// How tightly an observation operator binds: FOLLOWEDBY < OR < AND < an observation.
fn pattern_precedence(pattern: &Pattern) -> u8 {
    match pattern {
        Pattern::FollowedBy(_) => 1,
        Pattern::Or(_) => 2,
        Pattern::And(_) => 3,
        Pattern::Observation { .. } | Pattern::Grouped { .. } => 4,
    }
}

fn write_pattern_operands(
    formatter: &mut Formatter<'_>,
    operands: &[Pattern],
    operator: &str,
    operator_precedence: u8,
) -> fmt::Result {
    for (position, operand) in operands.iter().enumerate() {
        if position > 0 {
            write!(formatter, " {operator} ")?;
        }
        if pattern_precedence(operand) <= operator_precedence {
            write!(formatter, "({operand})")?;
        } else {
            write!(formatter, "{operand}")?;
        }
    }
    Ok(())
}

fn write_qualifiers(formatter: &mut Formatter<'_>, qualifiers: &[Qualifier]) -> fmt::Result {
    for qualifier in qualifiers {
        write!(formatter, " {qualifier}")?;
    }
    Ok(())
}

impl Display for Pattern {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::Observation {
                comparison,
                qualifiers,
            } => {
                write!(formatter, "[{comparison}]")?;
                write_qualifiers(formatter, qualifiers)
            }
            Pattern::Grouped {
                pattern,
                qualifiers,
            } => {
                write!(formatter, "({pattern})")?;
                write_qualifiers(formatter, qualifiers)
            }
            Pattern::And(operands) => write_pattern_operands(formatter, operands, "AND", 3),
            Pattern::Or(operands) => write_pattern_operands(formatter, operands, "OR", 2),
            Pattern::FollowedBy(operands) => {
                write_pattern_operands(formatter, operands, "FOLLOWEDBY", 1)
            }
        }
    }
}

impl Display for Qualifier {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Within { seconds } => write!(formatter, "WITHIN {seconds} SECONDS"),
            Qualifier::Repeats { times } => write!(formatter, "REPEATS {times} TIMES"),
            Qualifier::StartStop { start, stop } => {
                write!(formatter, "START t'{start}' STOP t'{stop}'")
            }
        }
    }
}

impl Display for Number {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Number::Integer(value) => write!(formatter, "{value}"),
            Number::Float(value) => write_float(formatter, *value),
        }
    }
}

/// Writes a float in plain decimal notation (the grammar has no exponents) with at
/// least one digit after the point, in the shortest form that reads back to the same
/// value.
fn write_float(formatter: &mut Formatter<'_>, value: f64) -> fmt::Result {
    let text = value.to_string();
    formatter.write_str(&text)?;
    if value.is_finite() && !text.contains('.') {
        formatter.write_str(".0")?;
    }
    Ok(())
}

/// How tightly a comparison operator binds: OR < AND < a comparison.
fn comparison_precedence(expression: &ComparisonExpression) -> u8 {
    match expression {
        ComparisonExpression::Or(_) => 1,
        ComparisonExpression::And(_) => 2,
        ComparisonExpression::Comparison(_) | ComparisonExpression::Grouped(_) => 3,
    }
}

fn write_comparison_operands(
    formatter: &mut Formatter<'_>,
    operands: &[ComparisonExpression],
    operator: &str,
    operator_precedence: u8,
) -> fmt::Result {
    for (position, operand) in operands.iter().enumerate() {
        if position > 0 {
            write!(formatter, " {operator} ")?;
        }
        if comparison_precedence(operand) <= operator_precedence {
            write!(formatter, "({operand})")?;
        } else {
            write!(formatter, "{operand}")?;
        }
    }
    Ok(())
}

impl Display for ComparisonExpression {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ComparisonExpression::Comparison(comparison) => write!(formatter, "{comparison}"),
            ComparisonExpression::And(operands) => {
                write_comparison_operands(formatter, operands, "AND", 2)
            }
            ComparisonExpression::Or(operands) => {
                write_comparison_operands(formatter, operands, "OR", 1)
            }
            ComparisonExpression::Grouped(inner) => write!(formatter, "({inner})"),
        }
    }
}

impl Display for Comparison {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        let not = if self.negated { "NOT " } else { "" };
        let path = &self.object_path;
        let (operator, constant) = match &self.predicate {
            Predicate::Exists => return write!(formatter, "{not}EXISTS {path}"),
            Predicate::In(constants) => {
                write!(formatter, "{path} {not}IN (")?;
                for (position, constant) in constants.iter().enumerate() {
                    if position > 0 {
                        formatter.write_str(", ")?;
                    }
                    write!(formatter, "{constant}")?;
                }
                return formatter.write_str(")");
            }
            Predicate::Like(text) => return write_string_test(formatter, self, "LIKE", text),
            Predicate::Matches(text) => {
                return write_string_test(formatter, self, "MATCHES", text);
            }
            Predicate::IsSubset(text) => {
                return write_string_test(formatter, self, "ISSUBSET", text);
            }
            Predicate::IsSuperset(text) => {
                return write_string_test(formatter, self, "ISSUPERSET", text);
            }
            Predicate::Equal(constant) => ("=", constant),
            Predicate::NotEqual(constant) => ("!=", constant),
            Predicate::LessThan(constant) => ("<", constant),
            Predicate::LessThanOrEqual(constant) => ("<=", constant),
            Predicate::GreaterThan(constant) => (">", constant),
            Predicate::GreaterThanOrEqual(constant) => (">=", constant),
        };
        write!(formatter, "{path} {not}{operator} {constant}")
    }
}

fn write_string_test(
    formatter: &mut Formatter<'_>,
    comparison: &Comparison,
    operator: &str,
    text: &str,
) -> fmt::Result {
    let not = if comparison.negated { "NOT " } else { "" };
    write!(formatter, "{} {not}{operator} ", comparison.object_path)?;
    write_quoted(formatter, text)
}

/// Writes `text` as a string literal: in single quotes, with `'` and `\` escaped.
fn write_quoted(formatter: &mut Formatter<'_>, text: &str) -> fmt::Result {
    formatter.write_char('\'')?;
    for character in text.chars() {
        if matches!(character, '\'' | '\\') {
            formatter.write_char('\\')?;
        }
        formatter.write_char(character)?;
    }
    formatter.write_char('\'')
}

impl Display for Constant {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Constant::String(text) => write_quoted(formatter, text),
            Constant::Integer(value) => write!(formatter, "{value}"),
            Constant::Float(value) => write_float(formatter, *value),
            Constant::Boolean(value) => write!(formatter, "{value}"),
            Constant::Binary(text) => write!(formatter, "b'{text}'"),
            Constant::Hex(text) => write!(formatter, "h'{text}'"),
            Constant::Timestamp(text) => write!(formatter, "t'{text}'"),
        }
    }
}

/// Writes a property name bare when the grammar reads it back as one, else quoted.
fn write_path_name(formatter: &mut Formatter<'_>, name: &str) -> fmt::Result {
    if is_identifier_without_hyphen(name) && !is_reserved_word(name) {
        formatter.write_str(name)
    } else {
        write_quoted(formatter, name)
    }
}

impl Display for ObjectPath {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:", self.object_type)?;
        write_path_name(formatter, &self.property)?;
        for step in &self.steps {
            write!(formatter, "{step}")?;
        }
        Ok(())
    }
}

impl Display for PathStep {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            PathStep::Key(name) => {
                formatter.write_char('.')?;
                write_path_name(formatter, name)
            }
            PathStep::Index(index) => write!(formatter, "[{index}]"),
            PathStep::AnyIndex => formatter.write_str("[*]"),
        }
    }
}
