//! Version strings as vendors write them, compared the way a person reading an advisory
//! would, and the ranges advisories and profiles give ([`VersionRange`]).
//!
//! Whether a member is affected often turns on one comparison: is `1.10` below the fixed
//! `1.9.3`? (No.) Advisories come from every kind of vendor, so one comparison has to
//! serve semantic versions (`2.0.0-rc1`), four-part Windows builds (`10.0.19045.3803`),
//! Cisco trains (`15.2(4)M3`, `7.2(1)SU3`), Check Point (`R81.20`) and Siemens
//! (`V3.1 SP2`, `V2.3.1`).
//!
//! The maintained `versions` crate (8.0.1) was tried first and set aside: it does not read
//! `15.2(4)M3` or `V3.1 SP2` at all, orders `v1.2` above `V1.3` (it compares the prefix
//! letters by case), and puts `1.2` below `1.2.0` and `V2.3.1` below `2.3.1`. The rules
//! here, written by hand:
//!
//! 1. The text is lower-cased and cut into *tokens*: runs of digits (numbers, compared as
//!    numbers of any length, so `1.10` > `1.9` and `0016` = `16`) and runs of letters;
//!    everything else (`.`, `-`, `_`, `+`, `(`, `)`, spaces) only separates tokens.
//! 2. A leading word that only says "version" is dropped when a number follows: `v`, `r`,
//!    `ver`, `version`, `rev`, `release`, `rel`, `build`, `firmware`, `fw` — so `V2.3.1`,
//!    `v2.3.1` and `2.3.1` are one version, and `R81.20` is `81.20`.
//! 3. Pre-release words rank below the release: `dev` < `alpha` < `beta` < `pre`/`preview`
//!    < `rc`/`cr` (`a` and `b` count as alpha and beta only when a number follows at
//!    once, as in `1.0a1`; `1.0.2a` is OpenSSL's later letter release).
//! 4. Any other word (`sp`, `su`, `m`, `patch`, `update`, OpenSSL's `a`) ranks above the
//!    release it follows, below any further number: `V3.1` < `V3.1 SP2` < `V3.1 SP10` <
//!    `V3.1.1`.
//! 5. A zero that ends the version or stands before a word is dropped, so `1.2` = `1.2.0`
//!    and `1.0-rc1` = `1.0.0-rc1`.
//! 6. Two versions compare token by token; where one has run out, the missing token ranks
//!    above a pre-release word and below anything else.
//!
//! These rules give a total order. A version needs at least one digit; `latest` or
//! `all` are not versions.

mod range;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

pub use range::{Comparator, Constraint, VersionRange};

/// Words that only announce a version and are dropped before the first number.
const VERSION_WORDS: [&str; 10] = [
    "v", "r", "ver", "version", "rev", "release", "rel", "build", "firmware", "fw",
];

/// A version as written, with the tokens it compares by.
#[derive(Debug, Clone)]
pub struct Version {
    text: Box<str>,
    tokens: Box<[Token]>,
}

/// One comparable piece of a version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Token {
    /// A pre-release word, by rank (0 dev … 4 rc).
    PreRelease(u8),
    /// A number's digits without leading zeros (`0` is the empty string).
    Number(Box<str>),
    /// Any other word, lower case.
    Word(Box<str>),
}

/// Why a text is not a version or not a range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error(
        "'{0}' is not a version: a version has at least one digit (write 1.2.3, V2.3.1, 15.2(4)M3)"
    )]
    NotAVersion(String),
    #[error("version range '{text}': {problem}")]
    Range { text: String, problem: String },
}

impl Version {
    /// Reads a version; the text is kept as written (without surrounding spaces).
    pub fn parse(text: &str) -> Result<Version, VersionError> {
        let text = text.trim();
        if !text.bytes().any(|byte| byte.is_ascii_digit()) {
            return Err(VersionError::NotAVersion(text.to_owned()));
        }
        Ok(Version {
            text: text.into(),
            tokens: tokenise(text).into_boxed_slice(),
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first number of the version (`33` for `V33.017`), for release lines.
    fn leading_number(&self) -> Option<&str> {
        self.tokens.iter().find_map(|token| match token {
            Token::Number(digits) => Some(&**digits),
            _ => None,
        })
    }

    /// How many numbers the version has.
    fn number_count(&self) -> usize {
        self.tokens
            .iter()
            .filter(|token| matches!(token, Token::Number(_)))
            .count()
    }
}

/// Cuts lower-cased text into tokens by the rules in the module documentation.
fn tokenise(text: &str) -> Vec<Token> {
    let lower = text.to_lowercase();
    let characters: Vec<char> = lower.chars().collect();
    let mut raw: Vec<Token> = Vec::new();
    let mut position = 0;
    while position < characters.len() {
        let start = position;
        if characters[position].is_ascii_digit() {
            while position < characters.len() && characters[position].is_ascii_digit() {
                position += 1;
            }
            let digits: String = characters[start..position].iter().collect();
            raw.push(Token::Number(digits.trim_start_matches('0').into()));
        } else if characters[position].is_alphabetic() {
            while position < characters.len() && characters[position].is_alphabetic() {
                position += 1;
            }
            let word: String = characters[start..position].iter().collect();
            let digit_follows = characters
                .get(position)
                .is_some_and(|next| next.is_ascii_digit());
            raw.push(word_token(word, digit_follows));
        } else {
            position += 1;
        }
    }
    if let [Token::Word(word), Token::Number(_), ..] = raw.as_slice() {
        if VERSION_WORDS.contains(&&**word) {
            raw.remove(0);
        }
    }
    drop_insignificant_zeros(raw)
}

fn word_token(word: String, digit_follows: bool) -> Token {
    let rank = match word.as_str() {
        "dev" => Some(0),
        "alpha" => Some(1),
        "a" if digit_follows => Some(1),
        "beta" => Some(2),
        "b" if digit_follows => Some(2),
        "pre" | "preview" => Some(3),
        "rc" | "cr" => Some(4),
        _ => None,
    };
    match rank {
        Some(rank) => Token::PreRelease(rank),
        None => Token::Word(word.into()),
    }
}

/// Drops zeros that end the version or stand before a word (rule 5).
fn drop_insignificant_zeros(raw: Vec<Token>) -> Vec<Token> {
    let is_zero = |token: &Token| matches!(token, Token::Number(digits) if digits.is_empty());
    let mut tokens: Vec<Token> = Vec::with_capacity(raw.len());
    for token in raw {
        if !matches!(token, Token::Number(_)) {
            while tokens.last().is_some_and(is_zero) {
                tokens.pop();
            }
        }
        tokens.push(token);
    }
    while tokens.last().is_some_and(is_zero) {
        tokens.pop();
    }
    tokens
}

/// Where a token (or its absence) ranks among the kinds at one position.
fn kind_rank(token: Option<&Token>) -> u8 {
    match token {
        Some(Token::PreRelease(_)) => 0,
        None => 1,
        Some(Token::Word(_)) => 2,
        Some(Token::Number(_)) => 3,
    }
}

fn compare_tokens(left: Option<&Token>, right: Option<&Token>) -> Ordering {
    match (left, right) {
        (Some(Token::PreRelease(left)), Some(Token::PreRelease(right))) => left.cmp(right),
        (Some(Token::Number(left)), Some(Token::Number(right))) => {
            left.len().cmp(&right.len()).then_with(|| left.cmp(right))
        }
        (Some(Token::Word(left)), Some(Token::Word(right))) => left.cmp(right),
        _ => kind_rank(left).cmp(&kind_rank(right)),
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let longest = self.tokens.len().max(other.tokens.len());
        for index in 0..longest {
            let ordering = compare_tokens(self.tokens.get(index), other.tokens.get(index));
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.tokens == other.tokens
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.tokens.hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> Version {
        Version::parse(text).unwrap_or_else(|error| panic!("{error}"))
    }

    /// Each pair is (lower, higher).
    #[test]
    fn versions_order_as_people_read_them() {
        let ordered = [
            ("1.9", "1.10"),
            ("1.9.9", "1.10.0"),
            ("2.0.0-rc1", "2.0.0"),
            ("2.0.0-alpha", "2.0.0-beta"),
            ("2.0.0-beta", "2.0.0-rc1"),
            ("2.0.0-dev1", "2.0.0-alpha"),
            ("1.0.0-rc1", "1.0.0-rc2"),
            ("1.0a1", "1.0b1"),
            ("1.0b2", "1.0"),
            ("1.0.2", "1.0.2a"),
            ("1.0.2a", "1.0.3"),
            ("2.0.0-rc1", "2.0.1"),
            ("15.2(4)M3", "15.2(4)M10"),
            ("15.2(4)M10", "15.2(5)M1"),
            ("7.2(1)SU3", "7.2(1)SU10"),
            ("12.2(55)SE3", "12.2(55)SE10"),
            ("10.0.19045.3803", "10.0.19045.4000"),
            ("10.0.19044.9999", "10.0.19045.1"),
            ("R81.10", "R81.20"),
            ("R80.40", "R81"),
            ("v1.2", "V1.3"),
            ("V3.1", "V3.1 SP2"),
            ("V3.1 SP2", "V3.1 SP10"),
            ("V3.1 SP10", "V3.1.1"),
            ("V2.3.1", "V2.10"),
            ("5.4.2.2", "5.4.2.10"),
            ("1.0.3", "1.0.26"),
            ("9.8.2", "9.8.12"),
            ("V2302.0015", "V2302.0016"),
            ("v33.011", "v33.015"),
            ("8.0.1", "8.0.1.1"),
            ("1.9", "2.0.0-rc1"),
        ];
        for (lower, higher) in ordered {
            assert!(version(lower) < version(higher), "{lower} < {higher}");
            assert!(version(higher) > version(lower), "{higher} > {lower}");
        }
    }

    #[test]
    fn one_version_written_several_ways_is_equal() {
        let same = [
            ("1.2", "1.2.0"),
            ("V2.3.1", "2.3.1"),
            ("v2.3.1", "V2.3.1"),
            ("R81.20", "81.20"),
            ("1.0-rc1", "1.0.0-rc1"),
            ("1.0alpha1", "1.0a1"),
            ("Firmware__14.2s0", "14.2s"),
            ("V2302.0016", "2302.16"),
            (" 1.2.3 ", "1.2.3"),
        ];
        for (left, right) in same {
            assert_eq!(version(left), version(right), "{left} = {right}");
        }
        assert_eq!(version(" 1.2.3 ").as_str(), "1.2.3");
    }

    #[test]
    fn text_without_a_digit_is_not_a_version() {
        for text in ["", "latest", "all versions", "*"] {
            assert_eq!(
                Version::parse(text),
                Err(VersionError::NotAVersion(text.trim().to_owned()))
            );
        }
        let message = VersionError::NotAVersion("latest".into()).to_string();
        assert!(message.contains("'latest'") && message.contains("at least one digit"));
    }

    #[test]
    fn very_long_numbers_compare_without_overflow() {
        let huge = "1.123456789012345678901234567890";
        let huger = "1.123456789012345678901234567891";
        assert!(version(huge) < version(huger));
    }
}
