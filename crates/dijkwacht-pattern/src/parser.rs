//! Turns the tokens of a STIX 2.1 pattern into a [`Pattern`] tree, or into a
//! [`PatternError`] that says where parsing stopped, what was found there and what
//! would have been accepted. It exists so that Dijkwacht accepts the patterns the
//! reference tooling accepts (the ANTLR grammar STIXPattern.g4 plus the checks of the
//! `stix2-patterns` validator), apart from the few deliberate differences below, and
//! explains the ones it refuses.
//!
//! It is a recursive-descent parser. Chains of the same operator are read in loops,
//! so only parentheses and brackets make it recurse, and those are limited to
//! [`MAX_NESTING_DEPTH`] levels: no input can exhaust the stack.
//!
//! Besides the grammar, it applies these checks of the reference validator:
//! - the pattern starts with `[` after any opening parentheses and whitespace, so a
//!   comment may not come first;
//! - a `[...]` observation expression may carry at most one qualifier of each kind
//!   directly (a parenthesised group may carry several, as the reference allows);
//! - a string compared with `=`, `!=`, `<`, `<=`, `>`, `>=` or `IN` to a `hashes`
//!   entry of a known algorithm must be a well-formed hash of that algorithm.
//!
//! and these, which the reference validator does not apply:
//! - `WITHIN` seconds and `REPEATS` counts must be greater than zero (a zero window or
//!   count means nothing, and the reference matcher refuses `WITHIN 0 SECONDS` too);
//! - integers (constants, list indexes, counts) must fit in 64 bits and floats must
//!   be finite.
//!
//! With [`ParseOptions::require_same_object_type_in_and`] it also refuses comparisons
//! on different object types joined by AND inside one observation expression.

use super::ast::{
    Comparison, ComparisonExpression, Constant, Number, ObjectPath, PathStep, Pattern, Predicate,
    Qualifier,
};
use super::error::{PatternError, PatternErrorKind};
use super::hashes::{HashFormat, hash_format_for};
use super::lexer::{Keyword, Lexer, Token, TokenKind, describe_literal, quote_for_message};

/// The deepest nesting of parentheses and brackets a pattern may have. Each `[`, each
/// `(` around observation expressions and each `(` around comparisons is one level.
pub const MAX_NESTING_DEPTH: usize = 64;

/// Choices that make the parser stricter than the reference validator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Refuse an observation expression whose comparisons joined by AND test
    /// different object types, such as
    /// `[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'x']`: no single object
    /// can match it. The python `stix2` library refuses to build such expressions,
    /// but the `stix2-patterns` validator accepts them (one of its own test cases is
    /// `[network-traffic:src_port = 37020 AND user-account:user_id = 'root']`), so
    /// this is off by default. An operand whose comparisons are ORed across several
    /// types is not held against any type.
    pub require_same_object_type_in_and: bool,
}

/// Parses a STIX 2.1 pattern, applying the checks of the reference validator (with
/// the deliberate differences listed in this module's documentation).
pub fn parse(input: &str) -> Result<Pattern, PatternError> {
    parse_with_options(input, ParseOptions::default())
}

/// Parses a STIX 2.1 pattern, with the extra checks chosen in `options`.
pub fn parse_with_options(input: &str, options: ParseOptions) -> Result<Pattern, PatternError> {
    refuse_leading_comment(input)?;
    let mut parser = Parser {
        lexer: Lexer::new(input),
        lookahead: None,
        options,
    };
    let pattern = parser.parse_observation_expressions(0)?;
    let token = parser.advance()?;
    if token.kind != TokenKind::EndOfInput {
        return Err(parser.unexpected(
            &token,
            "'AND', 'OR', 'FOLLOWEDBY', a qualifier (WITHIN, REPEATS, START) or end of input",
        ));
    }
    Ok(pattern)
}

/// The reference validator refuses a pattern whose first character after any opening
/// parentheses and whitespace is not `[`, so a comment there is refused although the
/// grammar would skip it. Every other such pattern fails the grammar anyway.
fn refuse_leading_comment(input: &str) -> Result<(), PatternError> {
    let start =
        input.trim_start_matches(|character: char| character == '(' || character.is_whitespace());
    if start.starts_with("/*") || start.starts_with("//") {
        return Err(PatternError::at(
            input,
            input.len() - start.len(),
            PatternErrorKind::UnexpectedToken,
            "'[' or '(' before any comment (the reference validator requires a pattern to \
             start with '[' after its opening parentheses)",
            quote_for_message(start.get(..2).unwrap_or(start)),
        ));
    }
    Ok(())
}

/// The object type a comparison expression tests: `Some` when all its comparisons test
/// one type, `None` when they test several (through OR).
type RootObjectType = Option<String>;

/// A comparison expression with its root object type.
struct ParsedComparisonExpression {
    expression: ComparisonExpression,
    root_object_type: RootObjectType,
}

struct Parser<'input> {
    lexer: Lexer<'input>,
    lookahead: Option<Token>,
    options: ParseOptions,
}

impl<'input> Parser<'input> {
    fn peek(&mut self) -> Result<&Token, PatternError> {
        let token = match self.lookahead.take() {
            Some(token) => token,
            None => self.lexer.next_token()?,
        };
        Ok(self.lookahead.insert(token))
    }

    fn peek_is(&mut self, kind: &TokenKind) -> Result<bool, PatternError> {
        Ok(&self.peek()?.kind == kind)
    }

    fn advance(&mut self) -> Result<Token, PatternError> {
        match self.lookahead.take() {
            Some(token) => Ok(token),
            None => self.lexer.next_token(),
        }
    }

    fn text(&self, token: &Token) -> &'input str {
        self.lexer.input().get(token.start..token.end).unwrap_or("")
    }

    fn describe(&self, token: &Token) -> String {
        match token.kind {
            TokenKind::EndOfInput => "end of input".to_string(),
            TokenKind::String(_)
            | TokenKind::Binary(_)
            | TokenKind::Hex(_)
            | TokenKind::Timestamp(_) => describe_literal(self.text(token)),
            _ => quote_for_message(self.text(token)),
        }
    }

    fn error_at(&self, token: &Token, kind: PatternErrorKind, expected: &str) -> PatternError {
        PatternError::at(
            self.lexer.input(),
            token.start,
            kind,
            expected,
            self.describe(token),
        )
    }

    fn unexpected(&self, token: &Token, expected: &str) -> PatternError {
        self.error_at(token, PatternErrorKind::UnexpectedToken, expected)
    }

    fn expect(&mut self, kind: TokenKind, expected: &str) -> Result<Token, PatternError> {
        let token = self.advance()?;
        if token.kind == kind {
            Ok(token)
        } else {
            Err(self.unexpected(&token, expected))
        }
    }

    /// The depth inside the bracket or parenthesis `opening`, which must not exceed
    /// [`MAX_NESTING_DEPTH`].
    fn enter(&self, depth: usize, opening: &Token) -> Result<usize, PatternError> {
        let inner_depth = depth + 1;
        if inner_depth > MAX_NESTING_DEPTH {
            return Err(self.error_at(
                opening,
                PatternErrorKind::TooDeeplyNested,
                &format!("at most {MAX_NESTING_DEPTH} levels of parentheses and brackets"),
            ));
        }
        Ok(inner_depth)
    }

    // Observation expressions: FOLLOWEDBY < OR < AND < qualified observation.

    /// Reads observation expressions joined by AND, OR and FOLLOWEDBY, where AND binds
    /// tighter than OR and OR tighter than FOLLOWEDBY; each chain of one operator
    /// becomes one node. One loop serves all three operators, rather than one function
    /// each, so that a level of parentheses costs fewer stack frames.
    fn parse_observation_expressions(&mut self, depth: usize) -> Result<Pattern, PatternError> {
        let mut followed_by_operands = Vec::new();
        let mut or_operands = Vec::new();
        let mut and_operands = vec![self.parse_qualified_observation(depth)?];
        while let TokenKind::Keyword(
            operator @ (Keyword::And | Keyword::Or | Keyword::FollowedBy),
        ) = self.peek()?.kind
        {
            self.advance()?;
            if operator != Keyword::And {
                let and_chain = std::mem::take(&mut and_operands);
                or_operands.push(join_patterns(and_chain, Pattern::And));
            }
            if operator == Keyword::FollowedBy {
                let or_chain = std::mem::take(&mut or_operands);
                followed_by_operands.push(join_patterns(or_chain, Pattern::Or));
            }
            and_operands.push(self.parse_qualified_observation(depth)?);
        }
        or_operands.push(join_patterns(and_operands, Pattern::And));
        followed_by_operands.push(join_patterns(or_operands, Pattern::Or));
        Ok(join_patterns(followed_by_operands, Pattern::FollowedBy))
    }

    fn parse_qualified_observation(&mut self, depth: usize) -> Result<Pattern, PatternError> {
        let opening = self.advance()?;
        match opening.kind {
            TokenKind::LeftBracket => {
                let inner_depth = self.enter(depth, &opening)?;
                self.parse_bracketed_observation(inner_depth)
            }
            TokenKind::LeftParenthesis => {
                let inner_depth = self.enter(depth, &opening)?;
                let pattern = self.parse_observation_expressions(inner_depth)?;
                self.expect(
                    TokenKind::RightParenthesis,
                    "'AND', 'OR', 'FOLLOWEDBY', a qualifier (WITHIN, REPEATS, START) or ')'",
                )?;
                let qualifiers = self.parse_qualifiers(false)?;
                Ok(Pattern::Grouped {
                    pattern: Box::new(pattern),
                    qualifiers,
                })
            }
            _ => Err(self.unexpected(
                &opening,
                "'[' starting an observation expression or '(' starting a group",
            )),
        }
    }

    /// Reads the rest of a `[...]` observation expression after its `[`, and its
    /// qualifiers. It is a function of its own so that its locals stay off the stack
    /// of the functions that recurse into parenthesised groups.
    fn parse_bracketed_observation(&mut self, depth: usize) -> Result<Pattern, PatternError> {
        let comparison = self.parse_comparison_expression(depth)?.expression;
        self.expect(
            TokenKind::RightBracket,
            "'AND', 'OR' or ']' closing the observation expression",
        )?;
        let qualifiers = self.parse_qualifiers(true)?;
        Ok(Pattern::Observation {
            comparison,
            qualifiers,
        })
    }

    /// Reads the qualifiers after an observation expression or group. The reference
    /// validator refuses a repeated kind only directly on a `[...]` observation.
    fn parse_qualifiers(
        &mut self,
        refuse_repeated_kinds: bool,
    ) -> Result<Vec<Qualifier>, PatternError> {
        let mut qualifiers: Vec<Qualifier> = Vec::new();
        loop {
            let keyword_token = self.peek()?.clone();
            let kind_name = match keyword_token.kind {
                TokenKind::Keyword(Keyword::Within) => "WITHIN",
                TokenKind::Keyword(Keyword::Repeats) => "REPEATS",
                TokenKind::Keyword(Keyword::Start) => "START/STOP",
                _ => return Ok(qualifiers),
            };
            if refuse_repeated_kinds
                && qualifiers
                    .iter()
                    .any(|qualifier| qualifier.kind_name() == kind_name)
            {
                return Err(self.error_at(
                    &keyword_token,
                    PatternErrorKind::DuplicateQualifier,
                    &format!(
                        "at most one {kind_name} qualifier directly on a '[...]' observation \
                         expression (put it in parentheses to qualify it again)"
                    ),
                ));
            }
            self.advance()?;
            let qualifier = match keyword_token.kind {
                TokenKind::Keyword(Keyword::Within) => self.parse_within()?,
                TokenKind::Keyword(Keyword::Repeats) => self.parse_repeats()?,
                _ => self.parse_start_stop()?,
            };
            qualifiers.push(qualifier);
        }
    }

    fn parse_within(&mut self) -> Result<Qualifier, PatternError> {
        const EXPECTED: &str = "a positive number of seconds after WITHIN";
        let token = self.advance()?;
        let text = self.text(&token);
        let seconds = match token.kind {
            TokenKind::Integer if !text.starts_with('-') => {
                let Ok(seconds) = text.trim_start_matches('+').parse::<u64>() else {
                    return Err(self.error_at(
                        &token,
                        PatternErrorKind::NumberOutOfRange,
                        "a whole number of seconds no larger than 18446744073709551615",
                    ));
                };
                if seconds == 0 {
                    return Err(self.error_at(
                        &token,
                        PatternErrorKind::NumberOutOfRange,
                        "a number of seconds greater than 0",
                    ));
                }
                Number::Integer(seconds)
            }
            TokenKind::Float if !text.starts_with('-') => {
                let seconds = self.float_value(&token)?;
                if seconds <= 0.0 {
                    return Err(self.error_at(
                        &token,
                        PatternErrorKind::NumberOutOfRange,
                        "a number of seconds greater than 0",
                    ));
                }
                Number::Float(seconds)
            }
            _ => return Err(self.unexpected(&token, EXPECTED)),
        };
        self.expect(
            TokenKind::Keyword(Keyword::Seconds),
            "'SECONDS' after the number of seconds",
        )?;
        Ok(Qualifier::Within { seconds })
    }

    fn parse_repeats(&mut self) -> Result<Qualifier, PatternError> {
        let token = self.advance()?;
        let text = self.text(&token);
        if token.kind != TokenKind::Integer || text.starts_with('-') {
            return Err(self.unexpected(&token, "a positive whole number after REPEATS"));
        }
        let Ok(times) = text.trim_start_matches('+').parse::<u64>() else {
            return Err(self.error_at(
                &token,
                PatternErrorKind::NumberOutOfRange,
                "a repeat count no larger than 18446744073709551615",
            ));
        };
        if times == 0 {
            return Err(self.error_at(
                &token,
                PatternErrorKind::NumberOutOfRange,
                "a repeat count greater than 0",
            ));
        }
        self.expect(
            TokenKind::Keyword(Keyword::Times),
            "'TIMES' after the repeat count",
        )?;
        Ok(Qualifier::Repeats { times })
    }

    fn parse_start_stop(&mut self) -> Result<Qualifier, PatternError> {
        let start_token = self.advance()?;
        let TokenKind::Timestamp(start) = start_token.kind else {
            return Err(self.unexpected(&start_token, "a timestamp constant t'...' after START"));
        };
        self.expect(
            TokenKind::Keyword(Keyword::Stop),
            "'STOP' after the START timestamp",
        )?;
        let stop_token = self.advance()?;
        let TokenKind::Timestamp(stop) = stop_token.kind else {
            return Err(self.unexpected(&stop_token, "a timestamp constant t'...' after STOP"));
        };
        Ok(Qualifier::StartStop { start, stop })
    }

    // Comparison expressions, inside brackets: OR < AND < comparison or group.

    /// Reads comparisons joined by AND and OR, where AND binds tighter; each chain of
    /// one operator becomes one node. One loop serves both operators, rather than one
    /// function each, so that a level of parentheses costs fewer stack frames.
    fn parse_comparison_expression(
        &mut self,
        depth: usize,
    ) -> Result<ParsedComparisonExpression, PatternError> {
        let first = self.parse_comparison_primary(depth)?;
        let mut and_operands = vec![first.expression];
        let mut and_root_object_type = first.root_object_type;
        let mut or_operands = Vec::new();
        // None until the first AND chain is complete.
        let mut or_root_object_type: Option<RootObjectType> = None;
        while let TokenKind::Keyword(operator @ (Keyword::And | Keyword::Or)) = self.peek()?.kind {
            self.advance()?;
            let operand_start = self.peek()?.start;
            let next = self.parse_comparison_primary(depth)?;
            if operator == Keyword::And {
                and_root_object_type = self.and_root_object_type(
                    and_root_object_type,
                    next.root_object_type,
                    operand_start,
                )?;
                and_operands.push(next.expression);
            } else {
                let and_chain = std::mem::replace(&mut and_operands, vec![next.expression]);
                or_operands.push(join_comparisons(and_chain, ComparisonExpression::And));
                let and_chain_type =
                    std::mem::replace(&mut and_root_object_type, next.root_object_type);
                or_root_object_type =
                    Some(or_root_object_type_of(or_root_object_type, and_chain_type));
            }
        }
        or_operands.push(join_comparisons(and_operands, ComparisonExpression::And));
        Ok(ParsedComparisonExpression {
            expression: join_comparisons(or_operands, ComparisonExpression::Or),
            root_object_type: or_root_object_type_of(or_root_object_type, and_root_object_type),
        })
    }

    /// The root object type of an AND chain after one more operand: the type of the
    /// operands that have one. Under [`ParseOptions::require_same_object_type_in_and`],
    /// an operand of another type is refused; `operand_start` is where it starts.
    fn and_root_object_type(
        &self,
        chain_type: RootObjectType,
        operand_type: RootObjectType,
        operand_start: usize,
    ) -> Result<RootObjectType, PatternError> {
        match (chain_type, operand_type) {
            (Some(expected), Some(found))
                if expected != found && self.options.require_same_object_type_in_and =>
            {
                Err(self.mixed_object_types_error(operand_start, &expected, &found))
            }
            (None, operand_type) => Ok(operand_type),
            (chain_type, _) => Ok(chain_type),
        }
    }

    #[cold]
    fn mixed_object_types_error(&self, offset: usize, expected: &str, found: &str) -> PatternError {
        PatternError::at(
            self.lexer.input(),
            offset,
            PatternErrorKind::MixedObjectTypesInAnd,
            &format!(
                "a comparison on object type '{expected}' (comparisons joined by AND inside \
                 one observation expression must have the same root object type)"
            ),
            quote_for_message(found),
        )
    }

    /// Reads a parenthesised comparison expression or a single comparison.
    fn parse_comparison_primary(
        &mut self,
        depth: usize,
    ) -> Result<ParsedComparisonExpression, PatternError> {
        if !self.peek_is(&TokenKind::LeftParenthesis)? {
            let comparison = self.parse_comparison()?;
            let root_object_type = Some(comparison.object_path.object_type.clone());
            return Ok(ParsedComparisonExpression {
                expression: ComparisonExpression::Comparison(comparison),
                root_object_type,
            });
        }
        let opening = self.advance()?;
        let inner_depth = self.enter(depth, &opening)?;
        let inner = self.parse_comparison_expression(inner_depth)?;
        self.expect(TokenKind::RightParenthesis, "'AND', 'OR' or ')'")?;
        Ok(ParsedComparisonExpression {
            expression: ComparisonExpression::Grouped(Box::new(inner.expression)),
            root_object_type: inner.root_object_type,
        })
    }

    /// Reads one comparison: `[NOT] EXISTS path`, or `path [NOT] operator constant`.
    fn parse_comparison(&mut self) -> Result<Comparison, PatternError> {
        let token = self.advance()?;
        match token.kind {
            TokenKind::Keyword(Keyword::Not) => {
                self.expect(
                    TokenKind::Keyword(Keyword::Exists),
                    "'EXISTS' after a leading NOT (other comparisons put NOT after the \
                     object path)",
                )?;
                let first_path_token = self.advance()?;
                Ok(Comparison {
                    object_path: self.parse_object_path(first_path_token)?,
                    negated: true,
                    predicate: Predicate::Exists,
                })
            }
            TokenKind::Keyword(Keyword::Exists) => {
                let first_path_token = self.advance()?;
                Ok(Comparison {
                    object_path: self.parse_object_path(first_path_token)?,
                    negated: false,
                    predicate: Predicate::Exists,
                })
            }
            TokenKind::Identifier { .. } => {
                let object_path = self.parse_object_path(token)?;
                self.parse_predicate(object_path)
            }
            _ => Err(self.unexpected(&token, "an object path, 'EXISTS', 'NOT EXISTS' or '('")),
        }
    }

    /// Reads an object path whose first token, the object type, has been read.
    fn parse_object_path(&mut self, type_token: Token) -> Result<ObjectPath, PatternError> {
        if !matches!(type_token.kind, TokenKind::Identifier { .. }) {
            return Err(self.unexpected(
                &type_token,
                "an object type such as 'file' or 'network-traffic'",
            ));
        }
        let object_type = self.text(&type_token).to_string();
        self.expect(
            TokenKind::Colon,
            "':' between the object type and the property name",
        )?;
        let property_token = self.advance()?;
        let property = self.path_key(
            property_token,
            "a property name, or a quoted one such as 'SHA-256'",
        )?;
        let mut steps = Vec::new();
        loop {
            let next = self.peek()?;
            match next.kind {
                TokenKind::Dot => {
                    self.advance()?;
                    let key_token = self.advance()?;
                    let key = self.path_key(
                        key_token,
                        "a property name after '.', or a quoted one such as 'SHA-256'",
                    )?;
                    steps.push(PathStep::Key(key));
                }
                TokenKind::LeftBracket => {
                    self.advance()?;
                    let index_token = self.advance()?;
                    let step = match index_token.kind {
                        TokenKind::Asterisk => PathStep::AnyIndex,
                        TokenKind::Integer => {
                            let text = self.text(&index_token);
                            let Ok(index) = text.parse::<i64>() else {
                                return Err(self.error_at(
                                    &index_token,
                                    PatternErrorKind::NumberOutOfRange,
                                    "a list index that fits in 64 bits",
                                ));
                            };
                            PathStep::Index(index)
                        }
                        _ => return Err(self.unexpected(&index_token, "a list index or '*'")),
                    };
                    self.expect(TokenKind::RightBracket, "']' closing the list index")?;
                    steps.push(step);
                }
                _ => break,
            }
        }
        Ok(ObjectPath {
            object_type,
            property,
            steps,
        })
    }

    /// A property name in an object path: an identifier without hyphens, or a string.
    fn path_key(&self, token: Token, expected: &str) -> Result<String, PatternError> {
        match token.kind {
            TokenKind::Identifier { has_hyphen: false } => Ok(self.text(&token).to_string()),
            TokenKind::String(key) => Ok(key),
            TokenKind::Identifier { has_hyphen: true } => Err(self.unexpected(
                &token,
                "a property name without '-' (quote names with '-' or '.', e.g. 'SHA-256')",
            )),
            _ => Err(self.unexpected(&token, expected)),
        }
    }

    /// Reads `[NOT] operator constant` after an object path.
    fn parse_predicate(&mut self, object_path: ObjectPath) -> Result<Comparison, PatternError> {
        let mut negated = false;
        let mut operator = self.advance()?;
        if operator.kind == TokenKind::Keyword(Keyword::Not) {
            negated = true;
            operator = self.advance()?;
        }
        let hash_format = hash_format_for(&object_path);
        let predicate = match operator.kind {
            TokenKind::Equal => Predicate::Equal(self.parse_constant(true, hash_format)?),
            TokenKind::NotEqual => Predicate::NotEqual(self.parse_constant(true, hash_format)?),
            TokenKind::LessThan => Predicate::LessThan(self.parse_constant(false, hash_format)?),
            TokenKind::LessThanOrEqual => {
                Predicate::LessThanOrEqual(self.parse_constant(false, hash_format)?)
            }
            TokenKind::GreaterThan => {
                Predicate::GreaterThan(self.parse_constant(false, hash_format)?)
            }
            TokenKind::GreaterThanOrEqual => {
                Predicate::GreaterThanOrEqual(self.parse_constant(false, hash_format)?)
            }
            TokenKind::Keyword(Keyword::In) => Predicate::In(self.parse_set(hash_format)?),
            TokenKind::Keyword(Keyword::Like) => Predicate::Like(self.parse_string("LIKE")?),
            TokenKind::Keyword(Keyword::Matches) => {
                Predicate::Matches(self.parse_string("MATCHES")?)
            }
            TokenKind::Keyword(Keyword::IsSubset) => {
                Predicate::IsSubset(self.parse_string("ISSUBSET")?)
            }
            TokenKind::Keyword(Keyword::IsSuperset) => {
                Predicate::IsSuperset(self.parse_string("ISSUPERSET")?)
            }
            _ => {
                let expected = if negated {
                    "a comparison operator after NOT (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, \
                     ISSUBSET or ISSUPERSET)"
                } else {
                    "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET \
                     or ISSUPERSET)"
                };
                return Err(self.unexpected(&operator, expected));
            }
        };
        Ok(Comparison {
            object_path,
            negated,
            predicate,
        })
    }

    /// Reads one constant. Ordering operators do not take booleans. When the object
    /// path names a hash, the constant must be a string holding such a hash.
    fn parse_constant(
        &mut self,
        allow_boolean: bool,
        hash_format: Option<&HashFormat>,
    ) -> Result<Constant, PatternError> {
        let token = self.advance()?;
        let constant = match &token.kind {
            TokenKind::String(value) => Constant::String(value.clone()),
            TokenKind::Integer => {
                let Ok(value) = self.text(&token).parse::<i64>() else {
                    return Err(self.error_at(
                        &token,
                        PatternErrorKind::NumberOutOfRange,
                        "an integer between -9223372036854775808 and 9223372036854775807",
                    ));
                };
                Constant::Integer(value)
            }
            TokenKind::Float => Constant::Float(self.float_value(&token)?),
            TokenKind::Boolean(value) if allow_boolean => Constant::Boolean(*value),
            TokenKind::Binary(text) => Constant::Binary(text.clone()),
            TokenKind::Hex(text) => Constant::Hex(text.clone()),
            TokenKind::Timestamp(text) => Constant::Timestamp(text.clone()),
            _ => {
                let expected = if allow_boolean {
                    "a constant (string, number, boolean, b'...', h'...' or t'...')"
                } else {
                    "an orderable constant (string, number, b'...', h'...' or t'...'; not a \
                     boolean)"
                };
                return Err(self.unexpected(&token, expected));
            }
        };
        if let Some(format) = hash_format {
            let is_valid_hash = match &constant {
                Constant::String(value) => format.accepts(value),
                _ => false,
            };
            if !is_valid_hash {
                return Err(self.error_at(
                    &token,
                    PatternErrorKind::InvalidHashValue,
                    &format!(
                        "a valid {} hash in a string ({})",
                        format.name, format.shape
                    ),
                ));
            }
        }
        Ok(constant)
    }

    fn parse_set(
        &mut self,
        hash_format: Option<&HashFormat>,
    ) -> Result<Vec<Constant>, PatternError> {
        self.expect(
            TokenKind::LeftParenthesis,
            "'(' starting the set of constants after IN",
        )?;
        let mut constants = Vec::new();
        if self.peek_is(&TokenKind::RightParenthesis)? {
            self.advance()?;
            return Ok(constants);
        }
        loop {
            constants.push(self.parse_constant(true, hash_format)?);
            let separator = self.advance()?;
            match separator.kind {
                TokenKind::Comma => {}
                TokenKind::RightParenthesis => return Ok(constants),
                _ => {
                    return Err(self.unexpected(&separator, "',' or ')' closing the set"));
                }
            }
        }
    }

    fn parse_string(&mut self, operator_name: &str) -> Result<String, PatternError> {
        let token = self.advance()?;
        match token.kind {
            TokenKind::String(value) => Ok(value),
            _ => Err(self.unexpected(&token, &format!("a string constant after {operator_name}"))),
        }
    }

    fn float_value(&self, token: &Token) -> Result<f64, PatternError> {
        match self.text(token).parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(value),
            _ => Err(self.error_at(
                token,
                PatternErrorKind::NumberOutOfRange,
                "a floating point number within the range of 64-bit floats",
            )),
        }
    }
}

/// The root object type of an OR chain after one more operand (`so_far` is `None`
/// before the first): one type only if every operand has that same type.
fn or_root_object_type_of(
    so_far: Option<RootObjectType>,
    operand_type: RootObjectType,
) -> RootObjectType {
    match so_far {
        None => operand_type,
        Some(chain_type) if chain_type == operand_type => chain_type,
        Some(_) => None,
    }
}

fn join_patterns(mut operands: Vec<Pattern>, join: fn(Vec<Pattern>) -> Pattern) -> Pattern {
    if operands.len() == 1
        && let Some(only) = operands.pop()
    {
        return only;
    }
    join(operands)
}

fn join_comparisons(
    mut operands: Vec<ComparisonExpression>,
    join: fn(Vec<ComparisonExpression>) -> ComparisonExpression,
) -> ComparisonExpression {
    if operands.len() == 1
        && let Some(only) = operands.pop()
    {
        return only;
    }
    join(operands)
}
