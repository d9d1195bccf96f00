//! E-mail addresses in free text. A candidate is a local part, `@` and a domain whose
//! last label is alphabetic (`lodash@4.17.21` is a package version, not an address).
//!
//! Inside a URL, `scheme://user@host` names a host, not a mailbox: it is left alone. But
//! a userinfo that is itself an address is personal data: `https://jan@example.nl@host/`
//! and the percent-encoded `https://jan%40example.nl@host/` give `jan@example.nl` and
//! `jan%40example.nl`. An address in a URL's path or query is an address.

use std::ops::Range;

use regex::Regex;

use super::scan::{self, AfterReject, Verdict};
use super::{Detector, Finding};

pub(super) const CANDIDATES: &str =
    r"[\p{L}\p{N}_.%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.(?:xn--[\p{L}\p{N}\-]+|\p{L}{2,})";

/// The longest local part RFC 5321 allows.
const LOCAL_PART_MAX: usize = 64;
/// The longest domain label DNS allows.
const LABEL_MAX: usize = 63;
/// How far around an address a URL's scheme and the end of its authority are looked for.
const URL_REACH: usize = 512;

pub(super) fn find(candidates: &Regex, text: &str, findings: &mut Vec<Finding>) {
    scan::search(
        candidates,
        text,
        Detector::Email,
        AfterReject::CandidateEnd,
        findings,
        judge,
    );
}

fn judge(text: &str, candidate: Range<usize>) -> Verdict {
    let Some(raw) = text.get(candidate.clone()) else {
        return Verdict::Reject;
    };
    let Some(at_offset) = raw.find('@') else {
        return Verdict::Reject;
    };
    // A local part has no two dots in a row and does not start with a dot or an
    // operator: `see...jan@…`, `-jan@…` give `jan@…`.
    let after_double_dot = raw
        .get(..at_offset)
        .and_then(|local| local.rfind(".."))
        .map_or(0, |offset| offset + 2);
    let leading = after_double_dot
        + raw
            .get(after_double_dot..)
            .unwrap_or_default()
            .bytes()
            .take_while(|byte| matches!(byte, b'.' | b'%' | b'+' | b'-'))
            .count();
    let start = candidate.start + leading;
    let at = candidate.start + at_offset;
    let end = candidate.end;
    let local_part = text.get(start..at).unwrap_or_default();
    let domain = text.get(at + 1..end).unwrap_or_default();
    if local_part.is_empty()
        || local_part.len() > LOCAL_PART_MAX
        || !local_part.chars().any(char::is_alphanumeric)
        || !is_domain(domain)
        || !continues_no_further(text, end)
    {
        return Verdict::Reject;
    }
    match url_authority_around(text, start) {
        None => Verdict::Accept(start..end),
        Some(authority) => judge_in_url_authority(text, start..end, at, authority),
    }
}

/// Labels neither start nor end with a hyphen and are not too long.
fn is_domain(domain: &str) -> bool {
    domain.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= LABEL_MAX
            && !label.starts_with('-')
            && !label.ends_with('-')
    })
}

/// The domain is not cut out of a longer word (`jan@example.nl2`, `…@example.nl-foo`).
fn continues_no_further(text: &str, end: usize) -> bool {
    match scan::char_after(text, end) {
        None => true,
        Some(next) if next.is_alphanumeric() || next == '_' => false,
        Some('-') => !scan::char_after(text, end + 1).is_some_and(char::is_alphanumeric),
        Some(_) => true,
    }
}

/// The byte range of the authority (`userinfo@host:port`) of the URL whose authority
/// contains `position`, if any: a `scheme://` earlier in the same run of non-blank
/// characters, with no `/`, `?` or `#` in between.
fn url_authority_around(text: &str, position: usize) -> Option<Range<usize>> {
    let mut window_start = position.saturating_sub(URL_REACH);
    while !text.is_char_boundary(window_start) {
        window_start -= 1;
    }
    let before = text.get(window_start..position)?;
    let token_start = before
        .rfind(|character: char| character.is_whitespace() || is_url_delimiter(character))
        .map_or(window_start, |offset| {
            window_start + offset + before[offset..].chars().next().map_or(1, char::len_utf8)
        });
    let token_before = text.get(token_start..position)?;
    let authority_start = token_start + token_before.rfind("://")? + 3;
    if text
        .get(authority_start..position)?
        .contains(['/', '?', '#'])
    {
        return None;
    }
    let mut window_end = (position + URL_REACH).min(text.len());
    while !text.is_char_boundary(window_end) {
        window_end += 1;
    }
    let after = text.get(authority_start..window_end)?;
    let authority_length = after
        .find(|character: char| {
            character.is_whitespace() || is_url_delimiter(character) || "/?#".contains(character)
        })
        .unwrap_or(after.len());
    Some(authority_start..authority_start + authority_length)
}

fn is_url_delimiter(character: char) -> bool {
    matches!(
        character,
        '"' | '\'' | '<' | '>' | '(' | ')' | '[' | ']' | '{' | '}' | '`' | '|'
    )
}

/// In `scheme://…@host`, the last `@` ends the userinfo. A candidate whose `@` is that
/// one is `userinfo@host`: only a percent-encoded address in the userinfo is personal
/// data. A candidate before it lies inside the userinfo, and is an address.
fn judge_in_url_authority(
    text: &str,
    candidate: Range<usize>,
    at: usize,
    authority: Range<usize>,
) -> Verdict {
    let Some(authority_text) = text.get(authority.clone()) else {
        return Verdict::Reject;
    };
    let Some(last_at) = authority_text
        .rfind('@')
        .map(|offset| authority.start + offset)
    else {
        return Verdict::Reject;
    };
    if at != last_at {
        return Verdict::Accept(candidate);
    }
    let userinfo = text.get(candidate.start..at).unwrap_or_default();
    let Some(encoded_at) = userinfo
        .to_ascii_lowercase()
        .find("%40")
        .filter(|&offset| offset > 0)
    else {
        return Verdict::Reject;
    };
    let encoded_domain = userinfo.get(encoded_at + 3..).unwrap_or_default();
    let domain_like = encoded_domain.contains('.') && is_domain(encoded_domain);
    if domain_like {
        Verdict::Accept(candidate.start..at)
    } else {
        Verdict::Reject
    }
}
