//! The search shared by the detectors: candidates from a detector's regular expression,
//! each judged by the detector's own checks, and the tests of what stands next to a
//! candidate that decide whether it stands alone (not inside a longer number, a word, a
//! hash, a version or an address).

use std::ops::Range;

use regex::Regex;

use super::{Detector, Finding};

/// A detector's judgement of one candidate.
pub(super) enum Verdict {
    /// Personal data, at this range (the candidate or a part of it).
    Accept(Range<usize>),
    /// Not personal data.
    Reject,
}

/// Where the search goes on after a rejected candidate.
#[derive(Clone, Copy)]
pub(super) enum AfterReject {
    /// After the candidate: nothing inside it can start another one.
    CandidateEnd,
    /// At the next character: a candidate that swallowed its neighbours may hide one.
    /// Only for detectors whose candidates are short, so the search stays linear.
    NextCharacter,
}

/// Searches `text` for `candidates` and pushes those `judge` accepts.
pub(super) fn search(
    candidates: &Regex,
    text: &str,
    detector: Detector,
    after_reject: AfterReject,
    findings: &mut Vec<Finding>,
    mut judge: impl FnMut(&str, Range<usize>) -> Verdict,
) {
    let mut position = 0;
    while position < text.len() {
        let Some(candidate) = candidates.find_at(text, position) else {
            break;
        };
        let range = candidate.range();
        match judge(text, range.clone()) {
            Verdict::Accept(found) if found.end > found.start => {
                position = found.end;
                findings.push(Finding {
                    detector,
                    start: found.start,
                    end: found.end,
                });
            }
            Verdict::Accept(_) | Verdict::Reject => {
                position = match after_reject {
                    AfterReject::CandidateEnd => range.end.max(next_boundary(text, range.start)),
                    AfterReject::NextCharacter => next_boundary(text, range.start),
                };
            }
        }
    }
}

/// The byte offset of the character after the one at `position`.
pub(super) fn next_boundary(text: &str, position: usize) -> usize {
    text.get(position..)
        .and_then(|rest| rest.chars().next())
        .map_or(text.len(), |character| position + character.len_utf8())
}

pub(super) fn char_before(text: &str, position: usize) -> Option<char> {
    text.get(..position)?.chars().next_back()
}

pub(super) fn char_after(text: &str, position: usize) -> Option<char> {
    text.get(position..)?.chars().next()
}

/// Whether a number starting at `start` is not the continuation of something else: a
/// word, a decimal or dotted number, a path, an id like `CVE-2024-…`, a time (`10:…`) or a
/// thousands-separated number (`1,…`).
pub(super) fn stands_alone_before(text: &str, start: usize) -> bool {
    let Some(previous) = char_before(text, start) else {
        return true;
    };
    if previous.is_alphanumeric()
        || matches!(
            previous,
            '_' | '.' | '-' | '/' | '\\' | '+' | '#' | '@' | '%' | '$' | '&' | '*' | '^' | '~'
        )
    {
        return false;
    }
    if matches!(previous, ':' | ',') {
        let before_previous = char_before(text, start - previous.len_utf8());
        return !before_previous.is_some_and(|character| character.is_ascii_digit());
    }
    true
}

/// Whether a number ending at `end` is not continued: by a word or digit, or by a
/// separator and more (`…-9`, `….5`, `…:8080`, `…/24`, `…@host`).
pub(super) fn stands_alone_after(text: &str, end: usize) -> bool {
    let Some(next) = char_after(text, end) else {
        return true;
    };
    if next.is_alphanumeric() || next == '_' {
        return false;
    }
    if matches!(next, '.' | '-' | '/' | ':' | ',' | '@' | '+' | '\\') {
        let after_next = char_after(text, end + next.len_utf8());
        return !after_next.is_some_and(char::is_alphanumeric);
    }
    true
}
