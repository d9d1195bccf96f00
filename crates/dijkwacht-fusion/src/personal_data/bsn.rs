//! Dutch citizen service numbers (burgerservicenummer): nine digits standing alone that
//! pass the eleven-test, 9·d1 + 8·d2 + … + 2·d8 − 1·d9 ≡ 0 (mod 11), and are not all
//! zeros. Digits inside a longer number, a word, a hash, a dotted or hyphenated id, or
//! after a country code (`+31 612345678`, the subscriber part of a phone number) are not
//! a BSN. Eight-digit numbers whose leading zero was left off are out of scope.

use std::ops::Range;

use regex::Regex;

use super::scan::{self, AfterReject, Verdict};
use super::{Detector, Finding};

pub(super) const CANDIDATES: &str = r"(?-u:\b)[0-9]{9}(?-u:\b)";

pub(super) fn find(candidates: &Regex, text: &str, findings: &mut Vec<Finding>) {
    scan::search(
        candidates,
        text,
        Detector::Bsn,
        AfterReject::NextCharacter,
        findings,
        judge,
    );
}

fn judge(text: &str, candidate: Range<usize>) -> Verdict {
    let Some(digits) = text.get(candidate.clone()) else {
        return Verdict::Reject;
    };
    let stands_alone = scan::stands_alone_before(text, candidate.start)
        && scan::stands_alone_after(text, candidate.end)
        && !follows_country_code(text, candidate.start);
    if stands_alone && passes_eleven_test(digits) {
        Verdict::Accept(candidate)
    } else {
        Verdict::Reject
    }
}

/// The eleven-test of nine digits; all zeros fail.
pub(super) fn passes_eleven_test(digits: &str) -> bool {
    if digits.len() != 9 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return false;
    }
    if digits.bytes().all(|byte| byte == b'0') {
        return false;
    }
    let sum: i32 = digits
        .bytes()
        .zip([9, 8, 7, 6, 5, 4, 3, 2, -1])
        .map(|(byte, weight)| i32::from(byte - b'0') * weight)
        .sum();
    sum.rem_euclid(11) == 0
}

/// `+31 612345678`, `0031-612345678`, `+31 (0)612345678`: the nine digits are a phone
/// number's subscriber part.
fn follows_country_code(text: &str, start: usize) -> bool {
    let before = text.get(..start).unwrap_or_default();
    let before = before.strip_suffix([' ', '-', '\u{a0}']).unwrap_or(before);
    let before = before.strip_suffix("(0)").unwrap_or(before);
    let before = before.trim_end_matches([' ', '\u{a0}']);
    let digits_length = before.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits_length == 0 || digits_length > 4 {
        return false;
    }
    let country_code = before
        .get(before.len() - digits_length..)
        .unwrap_or_default();
    let plus_before = before
        .get(..before.len() - digits_length)
        .is_some_and(|rest| rest.ends_with('+'));
    (plus_before && digits_length <= 3) || (country_code.starts_with("00") && digits_length >= 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleven_test_by_hand() {
        // 9·1 + 8·1 + 7·1 + 6·2 + 5·2 + 4·2 + 3·3 + 2·3 − 3 = 66 = 6·11
        assert!(passes_eleven_test("111222333"));
        // 9·1 + 8·2 + 7·3 + 6·4 + 5·5 + 4·6 + 3·7 + 2·8 − 9 = 147 = 13·11 + 4
        assert!(!passes_eleven_test("123456789"));
        assert!(!passes_eleven_test("000000000"));
        assert!(!passes_eleven_test("11122233"));
    }

    #[test]
    fn subscriber_parts_of_phone_numbers() {
        assert!(follows_country_code("+31 612345678", 4));
        assert!(follows_country_code("0031-612345678", 5));
        assert!(follows_country_code("+31 (0)612345678", 7));
        assert!(!follows_country_code("BSN 111222333", 4));
        assert!(!follows_country_code("in 2024 111222333", 8));
    }
}
