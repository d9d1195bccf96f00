//! Splits pattern text into tokens, one at a time, as the parser asks for them. It
//! exists to keep the character-level rules of the STIX 2.1 grammar (STIXPattern.g4:
//! literals, keywords, identifiers, whitespace and comments) apart from the rules of
//! how tokens combine, and to check each literal completely (string escapes, hex digit
//! pairs, base64, timestamp field ranges) where its position is known.
//!
//! Tokens are produced lazily so that errors are reported in the order they occur in
//! the text, as the reference ANTLR parser does.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::error::{PatternError, PatternErrorKind, line_and_column};

/// The keywords of the grammar. They are case-sensitive and can not be used as object
/// types or unquoted property names. `LAST` is reserved by the grammar but not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    And,
    Or,
    Not,
    FollowedBy,
    Like,
    Matches,
    IsSuperset,
    IsSubset,
    Exists,
    Last,
    In,
    Start,
    Stop,
    Seconds,
    Within,
    Repeats,
    Times,
}

impl Keyword {
    fn from_text(text: &str) -> Option<Keyword> {
        let keyword = match text {
            "AND" => Keyword::And,
            "OR" => Keyword::Or,
            "NOT" => Keyword::Not,
            "FOLLOWEDBY" => Keyword::FollowedBy,
            "LIKE" => Keyword::Like,
            "MATCHES" => Keyword::Matches,
            "ISSUPERSET" => Keyword::IsSuperset,
            "ISSUBSET" => Keyword::IsSubset,
            "EXISTS" => Keyword::Exists,
            "LAST" => Keyword::Last,
            "IN" => Keyword::In,
            "START" => Keyword::Start,
            "STOP" => Keyword::Stop,
            "SECONDS" => Keyword::Seconds,
            "WITHIN" => Keyword::Within,
            "REPEATS" => Keyword::Repeats,
            "TIMES" => Keyword::Times,
            _ => return None,
        };
        Some(keyword)
    }
}

/// Whether `text` would be read back as a keyword or a boolean rather than as an
/// identifier; the printer quotes such property names.
pub(crate) fn is_reserved_word(text: &str) -> bool {
    Keyword::from_text(text).is_some() || text == "true" || text == "false"
}

/// Whether `text` is an identifier without hyphens (`[a-zA-Z_][a-zA-Z0-9_]*`), the
/// only form a property name may take without quotes.
pub(crate) fn is_identifier_without_hyphen(text: &str) -> bool {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) if first.is_ascii_alphabetic() || first == '_' => {}
        _ => return false,
    }
    characters.all(|character| character.is_ascii_alphanumeric() || character == '_')
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    LeftBracket,
    RightBracket,
    LeftParenthesis,
    RightParenthesis,
    Colon,
    Dot,
    Comma,
    Asterisk,
    Equal,
    NotEqual,
    LessThan,
    LessThanOrEqual,
    GreaterThan,
    GreaterThanOrEqual,
    Keyword(Keyword),
    Boolean(bool),
    /// `[a-zA-Z_][a-zA-Z0-9_-]*` that is not a keyword or boolean; the text is the
    /// token's span.
    Identifier {
        has_hyphen: bool,
    },
    /// `[+-]?(0|[1-9][0-9]*)`; the text (sign included) is the token's span.
    Integer,
    /// `[+-]?[0-9]*\.[0-9]+`; the text (sign included) is the token's span.
    Float,
    /// A string literal, unescaped.
    String(String),
    /// The base64 text between the quotes of `b'...'`, already checked.
    Binary(String),
    /// The hex digits between the quotes of `h'...'`, already checked.
    Hex(String),
    /// The text between the quotes of `t'...'`, already checked.
    Timestamp(String),
    /// A character that starts no token of the grammar, or one (like `+`, `-`, `/`)
    /// that only appears inside other tokens.
    Unexpected,
    EndOfInput,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    /// Byte offset of the first character of the token.
    pub(crate) start: usize,
    /// Byte offset just after the token.
    pub(crate) end: usize,
}

/// The longest token text quoted in an error message before it is cut short.
const LONGEST_QUOTED_TEXT: usize = 40;

/// How a piece of pattern text is described in an error message: `'text'`, cut short
/// with `...` when long.
pub(crate) fn quote_for_message(text: &str) -> String {
    format!("'{}'", describe_literal(text))
}

/// How a literal that carries its own quotes (`'text'`, `t'...'`) is described in an
/// error message: as written, with control characters escaped (`\n`), cut short with
/// `...` when long.
pub(crate) fn describe_literal(text: &str) -> String {
    let mut characters = text.chars();
    let mut described = String::new();
    for character in characters.by_ref().take(LONGEST_QUOTED_TEXT) {
        if character.is_control() {
            described.extend(character.escape_debug());
        } else {
            described.push(character);
        }
    }
    if characters.next().is_some() {
        described.push_str("...");
    }
    described
}

/// `column C`, or `line L, column C` past the first line.
fn describe_position(input: &str, offset: usize) -> String {
    let (line, column) = line_and_column(input, offset);
    if line == 1 {
        format!("column {column}")
    } else {
        format!("line {line}, column {column}")
    }
}

/// The whitespace characters the grammar skips between tokens.
fn is_pattern_whitespace(character: char) -> bool {
    const SINGLE_WHITESPACE_CHARACTERS: [char; 14] = [
        ' ', '\t', '\r', '\n', '\u{000B}', '\u{000C}', '\u{0085}', '\u{00A0}', '\u{1680}',
        '\u{2028}', '\u{2029}', '\u{202F}', '\u{205F}', '\u{3000}',
    ];
    SINGLE_WHITESPACE_CHARACTERS.contains(&character)
        || ('\u{2000}'..='\u{200A}').contains(&character)
}

fn is_identifier_start(character: char) -> bool {
    character.is_ascii_alphabetic() || character == '_'
}

fn is_identifier_continuation(character: char) -> bool {
    character.is_ascii_alphanumeric() || character == '_' || character == '-'
}

pub(crate) struct Lexer<'input> {
    input: &'input str,
    position: usize,
}

impl<'input> Lexer<'input> {
    pub(crate) fn new(input: &'input str) -> Lexer<'input> {
        Lexer { input, position: 0 }
    }

    pub(crate) fn input(&self) -> &'input str {
        self.input
    }

    fn rest(&self) -> &'input str {
        self.input.get(self.position..).unwrap_or("")
    }

    fn peek_character(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_second_character(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn error(
        &self,
        offset: usize,
        kind: PatternErrorKind,
        expected: &str,
        found: String,
    ) -> PatternError {
        PatternError::at(self.input, offset, kind, expected, found)
    }

    /// Skips whitespace and comments. An unterminated `/*` comment is an error.
    fn skip_whitespace_and_comments(&mut self) -> Result<(), PatternError> {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start_matches(is_pattern_whitespace);
            self.position += rest.len() - trimmed.len();
            if trimmed.starts_with("/*") {
                match trimmed.get(2..).and_then(|body| body.find("*/")) {
                    Some(end_of_body) => self.position += 2 + end_of_body + 2,
                    None => {
                        let comment_start = self.position;
                        return Err(self.error(
                            self.input.len(),
                            PatternErrorKind::InvalidLiteral,
                            &format!(
                                "'*/' closing the comment that starts at {}",
                                describe_position(self.input, comment_start)
                            ),
                            "end of input".to_string(),
                        ));
                    }
                }
            } else if trimmed.starts_with("//") {
                let line_length = trimmed.find(['\r', '\n']).unwrap_or(trimmed.len());
                self.position += line_length;
            } else {
                return Ok(());
            }
        }
    }

    /// Reads the next token, or reports the first malformed literal or comment.
    pub(crate) fn next_token(&mut self) -> Result<Token, PatternError> {
        self.skip_whitespace_and_comments()?;
        let start = self.position;
        let Some(first) = self.peek_character() else {
            return Ok(Token {
                kind: TokenKind::EndOfInput,
                start,
                end: start,
            });
        };
        let second = self.peek_second_character();

        let kind = match first {
            '\'' => return self.lex_string(start),
            't' | 'h' | 'b' if second == Some('\'') => return self.lex_prefixed_literal(start),
            character if is_identifier_start(character) => {
                return Ok(self.lex_identifier_or_keyword(start));
            }
            '0'..='9' | '+' | '-' | '.' => return self.lex_number_or_punctuation(start),
            '[' => TokenKind::LeftBracket,
            ']' => TokenKind::RightBracket,
            '(' => TokenKind::LeftParenthesis,
            ')' => TokenKind::RightParenthesis,
            ':' => TokenKind::Colon,
            ',' => TokenKind::Comma,
            '*' => TokenKind::Asterisk,
            '=' => {
                if second == Some('=') {
                    return Ok(self.take_token(start, 2, TokenKind::Equal));
                }
                TokenKind::Equal
            }
            '!' if second == Some('=') => {
                return Ok(self.take_token(start, 2, TokenKind::NotEqual));
            }
            '<' => match second {
                Some('=') => return Ok(self.take_token(start, 2, TokenKind::LessThanOrEqual)),
                Some('>') => return Ok(self.take_token(start, 2, TokenKind::NotEqual)),
                _ => TokenKind::LessThan,
            },
            '>' => {
                if second == Some('=') {
                    return Ok(self.take_token(start, 2, TokenKind::GreaterThanOrEqual));
                }
                TokenKind::GreaterThan
            }
            _ => TokenKind::Unexpected,
        };
        Ok(self.take_token(start, first.len_utf8(), kind))
    }

    fn take_token(&mut self, start: usize, length: usize, kind: TokenKind) -> Token {
        self.position = start + length;
        Token {
            kind,
            start,
            end: self.position,
        }
    }

    fn lex_identifier_or_keyword(&mut self, start: usize) -> Token {
        let rest = self.rest();
        let length = rest
            .find(|character: char| !is_identifier_continuation(character))
            .unwrap_or(rest.len());
        let text = rest.get(..length).unwrap_or("");
        let kind = match text {
            "true" => TokenKind::Boolean(true),
            "false" => TokenKind::Boolean(false),
            _ => match Keyword::from_text(text) {
                Some(keyword) => TokenKind::Keyword(keyword),
                None => TokenKind::Identifier {
                    has_hyphen: text.contains('-'),
                },
            },
        };
        self.take_token(start, length, kind)
    }

    /// Numbers follow the grammar's longest-match rules: `1.5` is a float, `1.` is the
    /// integer `1` followed by a dot, `.5` is a float, and a sign is part of the number
    /// after it.
    fn lex_number_or_punctuation(&mut self, start: usize) -> Result<Token, PatternError> {
        let rest = self.rest();
        let bytes = rest.as_bytes();
        let mut length = 0;
        if matches!(bytes.first(), Some(b'+' | b'-')) {
            length += 1;
        }
        let digits_start = length;
        while bytes.get(length).is_some_and(u8::is_ascii_digit) {
            length += 1;
        }
        let integer_digits = digits_start..length;
        if bytes.get(length) == Some(&b'.') && bytes.get(length + 1).is_some_and(u8::is_ascii_digit)
        {
            length += 1;
            while bytes.get(length).is_some_and(u8::is_ascii_digit) {
                length += 1;
            }
            return Ok(self.take_token(start, length, TokenKind::Float));
        }
        if integer_digits.is_empty() {
            // A lone sign, or a dot not followed by a digit.
            let kind = if bytes.first() == Some(&b'.') {
                TokenKind::Dot
            } else {
                TokenKind::Unexpected
            };
            return Ok(self.take_token(start, 1, kind));
        }
        if integer_digits.len() > 1 && bytes.get(digits_start) == Some(&b'0') {
            return Err(self.error(
                start,
                PatternErrorKind::InvalidLiteral,
                "a number without leading zeros",
                quote_for_message(rest.get(..length).unwrap_or("")),
            ));
        }
        Ok(self.take_token(start, length, TokenKind::Integer))
    }

    /// A string literal: single quotes, where a backslash may only escape a quote or a
    /// backslash.
    fn lex_string(&mut self, start: usize) -> Result<Token, PatternError> {
        let mut value = String::new();
        let mut characters = self.rest().char_indices().skip(1);
        while let Some((index, character)) = characters.next() {
            match character {
                '\'' => {
                    return Ok(self.take_token(start, index + 1, TokenKind::String(value)));
                }
                '\\' => match characters.next() {
                    Some((_, escaped @ ('\'' | '\\'))) => value.push(escaped),
                    Some((escaped_index, escaped)) => {
                        let escape_end = escaped_index + escaped.len_utf8();
                        let escape_text = self
                            .input
                            .get(start + index..start + escape_end)
                            .unwrap_or("\\");
                        return Err(self.error(
                            start + index,
                            PatternErrorKind::InvalidLiteral,
                            "\\' or \\\\ (the only escapes allowed in a string)",
                            quote_for_message(escape_text),
                        ));
                    }
                    None => break,
                },
                other => value.push(other),
            }
        }
        let expected = format!(
            "a quote closing the string that starts at {}",
            describe_position(self.input, start)
        );
        Err(self.error(
            self.input.len(),
            PatternErrorKind::InvalidLiteral,
            &expected,
            "end of input".to_string(),
        ))
    }

    /// `t'...'`, `h'...'` and `b'...'`: the text up to the next quote is checked as a
    /// timestamp, hex digits or base64.
    fn lex_prefixed_literal(&mut self, start: usize) -> Result<Token, PatternError> {
        let rest = self.rest();
        let prefix = rest.as_bytes().first().copied().unwrap_or(b't');
        let body_and_after = rest.get(2..).unwrap_or("");
        let Some(body_length) = body_and_after.find('\'') else {
            return Err(self.error(
                self.input.len(),
                PatternErrorKind::InvalidLiteral,
                &format!(
                    "a quote closing the literal that starts at {}",
                    describe_position(self.input, start)
                ),
                "end of input".to_string(),
            ));
        };
        let body = body_and_after.get(..body_length).unwrap_or("");
        let literal_text = rest.get(..body_length + 3).unwrap_or(rest);
        let kind = match prefix {
            b't' => {
                if !is_valid_timestamp(body) {
                    return Err(self.error(
                        start,
                        PatternErrorKind::InvalidLiteral,
                        "a timestamp t'YYYY-MM-DDTHH:MM:SS[.fraction]Z' (month 01-12, day 01-31, \
                         hour 00-23, minute 00-59, second 00-60)",
                        describe_literal(literal_text),
                    ));
                }
                TokenKind::Timestamp(body.to_string())
            }
            b'h' => {
                if decode_hex(body).is_none() {
                    return Err(self.error(
                        start,
                        PatternErrorKind::InvalidLiteral,
                        "a hex constant h'...' with an even number of hex digits",
                        describe_literal(literal_text),
                    ));
                }
                TokenKind::Hex(body.to_string())
            }
            _ => {
                if body.is_empty() || decode_base64(body).is_none() {
                    return Err(self.error(
                        start,
                        PatternErrorKind::InvalidLiteral,
                        "a binary constant b'...' holding non-empty, padded base64",
                        describe_literal(literal_text),
                    ));
                }
                TokenKind::Binary(body.to_string())
            }
        };
        Ok(self.take_token(start, literal_text.len(), kind))
    }
}

/// Base64 as the grammar accepts it: the standard alphabet, padded to a multiple of
/// four characters, with any value in the unused low bits of the last character.
const PATTERN_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// Decodes the text of a binary constant; `None` when it is not base64 as the grammar
/// accepts it.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    PATTERN_BASE64.decode(text).ok()
}

/// Decodes the digits of a hex constant; `None` unless they are an even number of hex
/// digits.
pub(crate) fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let high = (pair.first()?).to_ascii_lowercase();
            let low = (pair.get(1)?).to_ascii_lowercase();
            let value = |digit: u8| match digit {
                b'0'..=b'9' => Some(digit - b'0'),
                b'a'..=b'f' => Some(digit - b'a' + 10),
                _ => None,
            };
            Some(value(high)? * 16 + value(low)?)
        })
        .collect()
}

/// Whether `text` is a timestamp as the grammar's TimestampLiteral accepts it:
/// `YYYY-MM-DDTHH:MM:SS(.fraction)?Z` with month 01-12, day 01-31, hour 00-23, minute
/// 00-59 and second 00-60. As in the grammar, the day is not checked against the
/// month, so `2024-02-30` is accepted.
pub(crate) fn is_valid_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 20 {
        return false;
    }
    let two_digits = |index: usize| -> Option<u32> {
        let tens = *bytes.get(index)?;
        let units = *bytes.get(index + 1)?;
        if tens.is_ascii_digit() && units.is_ascii_digit() {
            Some(u32::from(tens - b'0') * 10 + u32::from(units - b'0'))
        } else {
            None
        }
    };
    let year_is_digits = bytes.iter().take(4).all(u8::is_ascii_digit);
    let separators_are_right = bytes.get(4) == Some(&b'-')
        && bytes.get(7) == Some(&b'-')
        && bytes.get(10) == Some(&b'T')
        && bytes.get(13) == Some(&b':')
        && bytes.get(16) == Some(&b':');
    if !year_is_digits || !separators_are_right {
        return false;
    }
    let fields_in_range = [
        (5, 1..=12),
        (8, 1..=31),
        (11, 0..=23),
        (14, 0..=59),
        (17, 0..=60),
    ]
    .into_iter()
    .all(|(index, range)| two_digits(index).is_some_and(|value| range.contains(&value)));
    if !fields_in_range {
        return false;
    }
    match bytes.get(19..) {
        Some([b'Z']) => true,
        Some([b'.', fraction @ .., b'Z']) => {
            !fraction.is_empty() && fraction.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}
