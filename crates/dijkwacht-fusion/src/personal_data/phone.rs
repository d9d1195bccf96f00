//! Telephone numbers: Dutch ones in their national and international forms, and any
//! international number written with `+` (E.164).
//!
//! A candidate starts with `+`, `0` or `(0` at a word boundary and runs over digits,
//! separators and parentheses. It is a number when it stands alone and, read as
//! - `+` and 8–15 digits (a trunk `(0)` after the country code left out), or `00` and
//!   the same: an international number, its length checked for the country codes 1, 7,
//!   31, 32, 33 and 44 (for the others only E.164's bounds);
//! - `0` and nine more digits, the second not a zero: a Dutch national number;
//!
//! and its groups are separated by single spaces, hyphens or slashes, or by ` - ` and
//! ` / ` (dots only after `+`, as WHOIS records write `+1.2025550143`), with at most one
//! parenthesised group.
//! A candidate that runs on into another number written differently
//! (`020-1234567 06-12345678`) is cut back at a group boundary; one that runs on in its
//! own writing (`|01 00 00 01 00 00 00|` in a Snort rule) is not a number. Dates,
//! times, IP addresses, versions, ports, CVE and ATT&CK ids and digits in hashes fail
//! these rules: they do not start with `+`/`0` at a boundary, are too short, use `.` or
//! `:`, or are continued by letters or digits.

use std::ops::Range;

use regex::Regex;

use super::scan::{self, Verdict};
use super::{Detector, Finding};

pub(super) const CANDIDATES: &str = r"(?:\+[1-9]|\(0|(?-u:\b)0)[0-9() ./\-\x{A0}]{0,62}[0-9]";

/// Enough room for the digits of the longest candidate.
const DIGITS_MAX: usize = 32;

/// The most characters a candidate has (the pattern's bounded repetition and two more).
const CANDIDATE_MAX_CHARACTERS: usize = 64;
/// The longest writing of a number, in bytes: `+31 (0)6 12 34 56 78` is 21.
const NUMBER_MAX_BYTES: usize = 40;

/// Like [`scan::search`] with a retry at every later start inside a rejected candidate
/// (`0 0612345678`, `CVE-2024-0101 0612345678`), but without asking the regular
/// expression again for starts whose number would fit in the candidate: a hex dump of
/// `01 00 00 01 …` stays a fast scan.
pub(super) fn find(candidates: &Regex, text: &str, findings: &mut Vec<Finding>) {
    let mut position = 0;
    while position < text.len() {
        let Some(candidate) = candidates.find_at(text, position) else {
            break;
        };
        let range = candidate.range();
        let cut_at_maximum = candidate.as_str().chars().count() >= CANDIDATE_MAX_CHARACTERS;
        let mut resume_at = range.end;
        let mut accepted = None;
        for start in starts_within(text, range.clone()) {
            if cut_at_maximum && range.end - start < NUMBER_MAX_BYTES && start > range.start {
                // A number from here could run past the candidate: search again.
                resume_at = start;
                break;
            }
            if let Verdict::Accept(found) = judge(text, start..range.end) {
                accepted = Some(found);
                break;
            }
        }
        position = match accepted {
            Some(found) => {
                findings.push(Finding {
                    detector: Detector::Phone,
                    start: found.start,
                    end: found.end,
                });
                found.end
            }
            None => resume_at,
        };
    }
}

/// The positions in a candidate where the pattern could start a candidate too: `(0`, or
/// `0` at a word boundary. The candidate's own start comes first.
fn starts_within(text: &str, candidate: Range<usize>) -> impl Iterator<Item = usize> + '_ {
    let body = text.get(candidate.clone()).unwrap_or_default();
    body.char_indices().filter_map(move |(offset, character)| {
        let start = candidate.start + offset;
        let opens = character == '('
            && body
                .get(offset + 1..)
                .is_some_and(|rest| rest.starts_with('0'));
        let zero_at_boundary = character == '0'
            && !scan::char_before(text, start)
                .is_some_and(|previous| previous.is_ascii_alphanumeric() || previous == '_');
        (offset == 0 || opens || zero_at_boundary).then_some(start)
    })
}

fn judge(text: &str, candidate: Range<usize>) -> Verdict {
    if !scan::stands_alone_before(text, candidate.start) {
        return Verdict::Reject;
    }
    let Some(raw) = text.get(candidate.clone()) else {
        return Verdict::Reject;
    };
    if !starts_with_a_plausible_group(raw) {
        return Verdict::Reject;
    }
    // The whole candidate first, then shorter at each end of a digit group; only ends
    // with as many digits as a number of its form can have are read.
    let possible_digits = if raw.starts_with('+') {
        8..=16
    } else if raw.starts_with("00") {
        10..=18
    } else {
        10..=10
    };
    let mut ends: Vec<usize> = Vec::new();
    let mut digits_so_far = 0;
    let mut previous_was_digit = false;
    for (offset, character) in raw.char_indices() {
        if previous_was_digit && is_separator(character) && possible_digits.contains(&digits_so_far)
        {
            ends.push(offset);
        }
        previous_was_digit = character.is_ascii_digit();
        digits_so_far += usize::from(previous_was_digit);
    }
    if possible_digits.contains(&digits_so_far) {
        ends.push(raw.len());
    }
    for &end in ends.iter().rev() {
        let Some(piece) = raw.get(..end) else {
            continue;
        };
        let piece_end = candidate.start + end;
        if is_phone_number(piece)
            && scan::stands_alone_after(text, piece_end)
            && !continues_in_the_same_writing(piece, text.get(piece_end..).unwrap_or_default())
        {
            return Verdict::Accept(candidate.start..piece_end);
        }
    }
    Verdict::Reject
}

/// Whether more digit groups follow, joined by a separator the piece itself uses: then
/// the piece is a cut out of a longer run (`|01 00 00 01 00 00 00 00|` in a Snort rule),
/// not a number. `020-1234567 06-12345678` is two numbers; `06 12345678 2` is not cut.
fn continues_in_the_same_writing(piece: &str, rest: &str) -> bool {
    let mut following = rest.chars();
    let (Some(separator), Some(next)) = (following.next(), following.next()) else {
        return false;
    };
    is_separator(separator) && next.is_ascii_digit() && piece.contains(separator)
}

/// A national number opens with its area code, two to four digits (`06`, `020`,
/// `0591`); `0 0 0 …` and `0.5` are not numbers. International numbers open with `+`
/// and a country code of one to three digits, or `00`.
fn starts_with_a_plausible_group(raw: &str) -> bool {
    if raw.starts_with('+') || raw.starts_with("00") {
        return true;
    }
    let body = raw.strip_prefix('(').unwrap_or(raw);
    let first_group = body.bytes().take_while(u8::is_ascii_digit).count();
    first_group >= 2
}

fn is_separator(character: char) -> bool {
    matches!(character, ' ' | '\u{a0}' | '-' | '/' | '.' | '(')
}

/// How a number begins, which decides what follows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NumberForm {
    /// `+31 6 …`
    Plus,
    /// `0031 6 …`
    DoubleZero,
    /// `06-…`, `(020) …`
    National,
}

fn is_phone_number(piece: &str) -> bool {
    if piece.len() > NUMBER_MAX_BYTES {
        return false;
    }
    let form = if piece.starts_with('+') {
        NumberForm::Plus
    } else if piece.starts_with("00") {
        NumberForm::DoubleZero
    } else {
        NumberForm::National
    };
    if looks_like_date(piece) {
        return false;
    }
    let body = piece.strip_prefix('+').unwrap_or(piece);
    let Some(digits) = number_digits(body, form) else {
        return false;
    };
    let digits = digits.as_str();
    match form {
        NumberForm::Plus => is_international(digits),
        NumberForm::DoubleZero => digits.strip_prefix("00").is_some_and(is_international),
        NumberForm::National => {
            digits.len() == 10 && digits.starts_with('0') && digits.as_bytes().get(1) != Some(&b'0')
        }
    }
}

/// The digits of a number written with single separators and at most one parenthesised
/// group; `None` when the writing is not a number's.
fn number_digits(body: &str, form: NumberForm) -> Option<DigitBuffer> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Previous {
        Start,
        Digit,
        /// A space between groups, which may open ` - ` or ` / `.
        Blank,
        /// A hyphen, slash or dot between groups.
        Mark,
        /// The ` -` of ` - `, which needs its closing space.
        BlankMark,
        /// A complete ` - ` or ` / `.
        SpacedMark,
        Open,
        Close,
    }
    let mut digits = DigitBuffer::default();
    let mut parenthesised = DigitBuffer::default();
    let mut previous = Previous::Start;
    let mut inside_parentheses = false;
    let mut seen_parentheses = false;
    for character in body.chars() {
        if inside_parentheses && !matches!(character, '0'..='9' | ')') {
            return None;
        }
        previous = match character {
            '0'..='9' => {
                if previous == Previous::BlankMark {
                    return None;
                }
                let buffer = if inside_parentheses {
                    &mut parenthesised
                } else {
                    &mut digits
                };
                buffer.push(character)?;
                Previous::Digit
            }
            ' ' | '\u{a0}' => match previous {
                Previous::Digit | Previous::Close => Previous::Blank,
                Previous::BlankMark => Previous::SpacedMark,
                _ => return None,
            },
            '-' | '/' | '.' => {
                if character == '.' && form != NumberForm::Plus {
                    return None;
                }
                match previous {
                    Previous::Digit | Previous::Close => Previous::Mark,
                    Previous::Blank if character != '.' => Previous::BlankMark,
                    _ => return None,
                }
            }
            '(' => {
                // `(020) …` opens the number; `+31 (0)6`, `+31(0)6` follow the country code.
                let opens_number = previous == Previous::Start && form == NumberForm::National;
                let after_country_code = form != NumberForm::National
                    && matches!(previous, Previous::Digit | Previous::Blank);
                if seen_parentheses || !(opens_number || after_country_code) {
                    return None;
                }
                seen_parentheses = true;
                inside_parentheses = true;
                Previous::Open
            }
            ')' => {
                if !inside_parentheses || previous != Previous::Digit {
                    return None;
                }
                inside_parentheses = false;
                let trunk_prefix = form != NumberForm::National && parenthesised.as_str() == "0";
                if !trunk_prefix {
                    if parenthesised.len() > 4 {
                        return None;
                    }
                    for digit in parenthesised.as_str().chars() {
                        digits.push(digit)?;
                    }
                }
                Previous::Close
            }
            _ => return None,
        };
    }
    (!inside_parentheses && previous == Previous::Digit).then_some(digits)
}

/// `+` or `00` numbers: E.164 allows at most 15 digits; fewer than 8 are not a
/// subscriber's number. Where the country is known, its length is checked.
fn is_international(digits: &str) -> bool {
    if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
        return false;
    }
    let length = digits.len();
    let with_country_code = |code: &str, national_lengths: &[usize]| {
        digits.starts_with(code) && national_lengths.contains(&(length - code.len()))
    };
    if digits.starts_with('1') {
        return with_country_code("1", &[10]);
    }
    if digits.starts_with('7') {
        return with_country_code("7", &[10]);
    }
    match digits.get(..2) {
        Some("31") => with_country_code("31", &[9]),
        Some("32") => with_country_code("32", &[8, 9]),
        Some("33") => with_country_code("33", &[9]),
        Some("44") => with_country_code("44", &[9, 10]),
        _ => true,
    }
}

/// `2026-11-28`, `28-11-2026`, `2026/11/28`, `28.11.2026`: three groups joined by one
/// kind of separator, a four-digit year first or last.
fn looks_like_date(piece: &str) -> bool {
    let body = piece.strip_prefix('+').unwrap_or(piece);
    let Some(separator) = body
        .chars()
        .find(|character| matches!(character, '-' | '/' | '.'))
    else {
        return false;
    };
    let mut lengths = [0usize; 3];
    for (index, group) in body.split(separator).enumerate() {
        let Some(length) = lengths.get_mut(index) else {
            return false;
        };
        if group.is_empty() || !group.bytes().all(|byte| byte.is_ascii_digit()) {
            return false;
        }
        *length = group.len();
    }
    matches!(
        lengths,
        [4, 1..=2, 1..=2] | [1..=2, 1..=2, 4] | [1..=2, 1..=2, 2]
    )
}

/// The digits of a number, without allocating.
#[derive(Default)]
struct DigitBuffer {
    bytes: [u8; DIGITS_MAX],
    length: usize,
}

impl DigitBuffer {
    fn push(&mut self, digit: char) -> Option<()> {
        let slot = self.bytes.get_mut(self.length)?;
        *slot = u8::try_from(digit).ok()?;
        self.length += 1;
        Some(())
    }

    fn len(&self) -> usize {
        self.length
    }

    fn as_str(&self) -> &str {
        self.bytes
            .get(..self.length)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writings_of_numbers() {
        for number in [
            "020-1234567",
            "06-12345678",
            "(020) 123 45 67",
            "+31 6 12345678",
            "+31 (0)6 12345678",
            "+31(0)20 123 4567",
            "0031 20 123 4567",
            "+44 20 7946 0958",
            "+1 202-555-0143",
            "+1.2025550143",
            "020 - 123 45 67",
            "+31 (0)20 - 123 45 67",
        ] {
            assert!(is_phone_number(number), "{number}");
        }
        for not_a_number in [
            "06--12345678",
            "06 -12345678",
            "06 - - 12345678",
            "(06)) 12345678",
            "020.123.4567",
            "+1 202-555-014",
            "+31 6 1234567",
            "0012345678",
            "+2026-11-28",
            "+12 (34) (56) 789012",
        ] {
            assert!(!is_phone_number(not_a_number), "{not_a_number}");
        }
    }
}
