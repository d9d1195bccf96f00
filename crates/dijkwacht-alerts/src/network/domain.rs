//! Domain names in the one form matching compares: lower-case ASCII, internationalised
//! labels in punycode (`münchen.de` → `xn--mnchen-3ya.de`), no trailing dot.
//!
//! Two strictnesses, for two kinds of text. A profile's domain is a claim that the
//! organisation owns the name, so it must be a real host name (letters, digits and
//! hyphens, DNS lengths) and at least two labels: nobody claims a whole top-level
//! domain. A domain in intelligence is whatever the feed wrote; it is only brought into
//! the same form so that a lookup can find it, and a name that can not be brought there
//! simply matches nothing.

use std::borrow::Cow;

use idna::AsciiDenyList;

/// The longest domain name DNS carries, in ASCII form, without the trailing dot.
const MAX_DOMAIN_LENGTH: usize = 253;
/// The longest label DNS carries.
const MAX_LABEL_LENGTH: usize = 63;

/// Why a text is not a domain a profile may hold; each names the rule to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainProblem {
    #[error("the domain is empty")]
    Empty,
    #[error("this looks like a URL; write only its host name, such as example.nl")]
    LooksLikeUrl,
    #[error("this looks like an e-mail address; write only the part after the @")]
    LooksLikeEmailAddress,
    #[error("this is an IP address; list addresses with kind cidr")]
    IpAddress,
    #[error("this is not a valid internationalised domain name (IDNA); check for stray characters")]
    NotIdna,
    #[error("a label is empty (two dots in a row, or a leading dot)")]
    EmptyLabel,
    #[error("label '{label}' is {length} characters long; a label has at most 63")]
    LabelTooLong { label: String, length: usize },
    #[error("the name is {0} characters long in ASCII form; a domain has at most 253")]
    TooLong(usize),
    #[error("label '{0}' holds a character other than letters, digits and hyphens")]
    BadCharacter(String),
    #[error("label '{0}' begins or ends with a hyphen")]
    HyphenAtEdge(String),
    #[error(
        "a single label names a whole top-level domain; name the organisation's own domain, such as example.nl"
    )]
    SingleLabel,
    #[error("top-level domain '{0}' is all digits; no such top-level domain exists")]
    NumericTopLevel(String),
}

/// The normal form of a domain a profile claims, or the rule it breaks.
pub(crate) fn profile_domain(text: &str) -> Result<String, DomainProblem> {
    let trimmed = text.trim();
    let without_root = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if without_root.is_empty() {
        return Err(DomainProblem::Empty);
    }
    if without_root.contains("://") || without_root.contains('/') {
        return Err(DomainProblem::LooksLikeUrl);
    }
    if without_root.contains('@') {
        return Err(DomainProblem::LooksLikeEmailAddress);
    }
    if without_root.parse::<std::net::IpAddr>().is_ok() {
        return Err(DomainProblem::IpAddress);
    }
    if without_root.split('.').any(str::is_empty) {
        return Err(DomainProblem::EmptyLabel);
    }
    let ascii = if without_root.is_ascii() {
        without_root.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii_cow(without_root.as_bytes(), AsciiDenyList::STD3)
            .map_err(|_| DomainProblem::NotIdna)?
            .into_owned()
    };
    check_labels(&ascii)?;
    if ascii.contains("xn--") {
        // A punycode label written by hand must decode to a valid name.
        idna::domain_to_ascii_cow(ascii.as_bytes(), AsciiDenyList::STD3)
            .map_err(|_| DomainProblem::NotIdna)?;
    }
    Ok(ascii)
}

/// The DNS rules on an ASCII name: lengths, letters-digits-hyphens, two labels or more,
/// a top-level domain that is not a number.
fn check_labels(ascii: &str) -> Result<(), DomainProblem> {
    if ascii.len() > MAX_DOMAIN_LENGTH {
        return Err(DomainProblem::TooLong(ascii.len()));
    }
    let mut label_count = 0;
    let mut last_label = "";
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(DomainProblem::EmptyLabel);
        }
        if label.len() > MAX_LABEL_LENGTH {
            return Err(DomainProblem::LabelTooLong {
                label: label.to_owned(),
                length: label.len(),
            });
        }
        if !label
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
        {
            return Err(DomainProblem::BadCharacter(label.to_owned()));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(DomainProblem::HyphenAtEdge(label.to_owned()));
        }
        label_count += 1;
        last_label = label;
    }
    if label_count < 2 {
        return Err(DomainProblem::SingleLabel);
    }
    if last_label.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(DomainProblem::NumericTopLevel(last_label.to_owned()));
    }
    Ok(())
}

/// A domain as intelligence wrote it, in the form a lookup compares; `None` when it can
/// not be brought there (it then matches nothing). ASCII names, nearly all of them,
/// are only folded to lower case.
pub(crate) fn observed_domain(text: &str) -> Option<Cow<'_, str>> {
    let trimmed = text.trim();
    let without_root = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if without_root.is_empty() {
        return None;
    }
    if without_root.is_ascii() {
        if without_root.bytes().any(|byte| byte.is_ascii_uppercase()) {
            return Some(Cow::Owned(without_root.to_ascii_lowercase()));
        }
        return Some(Cow::Borrowed(without_root));
    }
    idna::domain_to_ascii_cow(without_root.as_bytes(), AsciiDenyList::EMPTY)
        .ok()
        .map(|ascii| Cow::Owned(ascii.into_owned()))
}

/// `name` and each parent of it at a label boundary, longest first, down to (not
/// including) the top-level label: `a.b.example.nl`, `b.example.nl`, `example.nl`.
/// `evilexample.nl` is never a parent of `example.nl`'s names: the cut is at a dot.
pub(crate) fn name_and_parents(name: &str) -> impl Iterator<Item = &str> {
    let starts = std::iter::once(0).chain(
        name.match_indices('.')
            .map(|(position, _)| position + 1)
            .filter(|start| *start < name.len()),
    );
    starts
        .map(move |start| &name[start..])
        .filter(|suffix| suffix.contains('.'))
}
