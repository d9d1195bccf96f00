//! International bank account numbers (ISO 13616): a country code from the IBAN registry,
//! two check digits (02–98), and a BBAN that makes the whole exactly the country's
//! length; the mod-97 check of ISO 7064 must give 1. Written contiguously
//! (`NL91ABNA0417164300`) or in groups of four (`GB82 WEST 1234 5698 7654 32`), in upper
//! case. A spaced candidate that runs on into a following word is cut back to the
//! country's length, at a group boundary.

use std::ops::Range;

use regex::Regex;

use super::scan::{self, AfterReject, Verdict};
use super::{Detector, Finding};

pub(super) const CANDIDATES: &str =
    r"(?-u:\b)[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)";

pub(super) fn find(candidates: &Regex, text: &str, findings: &mut Vec<Finding>) {
    scan::search(
        candidates,
        text,
        Detector::Iban,
        AfterReject::NextCharacter,
        findings,
        judge,
    );
}

fn judge(text: &str, candidate: Range<usize>) -> Verdict {
    let Some(raw) = text.get(candidate.clone()) else {
        return Verdict::Reject;
    };
    let Some(length) = raw.get(..2).and_then(iban_length) else {
        return Verdict::Reject;
    };
    let check_digits = raw.get(2..4).unwrap_or_default();
    if !("02"..="98").contains(&check_digits) {
        return Verdict::Reject;
    }
    let Some(end) = end_at_country_length(raw, length) else {
        return Verdict::Reject;
    };
    let iban = raw.get(..end).unwrap_or_default();
    let iban_end = candidate.start + end;
    let continued =
        scan::char_after(text, iban_end).is_some_and(|next| next.is_alphanumeric() || next == '_');
    if continued || !passes_mod_97(iban) {
        return Verdict::Reject;
    }
    Verdict::Accept(candidate.start..iban_end)
}

/// The byte length of the candidate's prefix that holds exactly `length` characters of
/// IBAN, ending at the end of a group.
fn end_at_country_length(raw: &str, length: usize) -> Option<usize> {
    if !raw.contains(' ') {
        return (raw.len() == length).then_some(length);
    }
    let mut characters = 0;
    let mut end = 0;
    for group in raw.split(' ') {
        if end > 0 {
            end += 1;
        }
        characters += group.len();
        end += group.len();
        if characters == length {
            return Some(end);
        }
        if characters > length {
            return None;
        }
    }
    None
}

/// ISO 7064 MOD 97-10: the first four characters moved to the end, letters read as
/// 10–35, the number modulo 97 must be 1.
fn passes_mod_97(iban: &str) -> bool {
    let compact: Vec<u8> = iban.bytes().filter(|byte| *byte != b' ').collect();
    let (head, tail) = compact.split_at(compact.len().min(4));
    let mut remainder: u32 = 0;
    for byte in tail.iter().chain(head) {
        remainder = match byte {
            b'0'..=b'9' => (remainder * 10 + u32::from(byte - b'0')) % 97,
            b'A'..=b'Z' => (remainder * 100 + u32::from(byte - b'A') + 10) % 97,
            _ => return false,
        };
    }
    remainder == 1
}

/// The IBAN length of each country in the SWIFT IBAN registry.
fn iban_length(country: &str) -> Option<usize> {
    let length = match country {
        "NO" => 15,
        "BE" => 16,
        "DK" | "FI" | "FK" | "FO" | "GL" | "NL" | "SD" => 18,
        "MK" | "SI" => 19,
        "AT" | "BA" | "EE" | "KZ" | "LT" | "LU" | "MN" | "XK" => 20,
        "CH" | "HR" | "LI" | "LV" => 21,
        "BG" | "BH" | "CR" | "DE" | "GB" | "GE" | "IE" | "ME" | "RS" | "VA" => 22,
        "AE" | "GI" | "IL" | "IQ" | "OM" | "SO" | "TL" => 23,
        "AD" | "CZ" | "ES" | "MD" | "PK" | "RO" | "SA" | "SE" | "SK" | "TN" | "VG" => 24,
        "LY" | "PT" | "ST" => 25,
        "IS" | "TR" => 26,
        "BI" | "DJ" | "FR" | "GR" | "IT" | "MC" | "MR" | "SM" => 27,
        "AL" | "AZ" | "BY" | "CY" | "DO" | "GT" | "HN" | "HU" | "LB" | "NI" | "PL" | "SV" => 28,
        "BR" | "EG" | "PS" | "QA" | "UA" => 29,
        "JO" | "KW" | "MU" | "YE" => 30,
        "MT" | "SC" => 31,
        "LC" => 32,
        "RU" => 33,
        _ => return None,
    };
    Some(length)
}
