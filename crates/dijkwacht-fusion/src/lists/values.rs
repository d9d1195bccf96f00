//! What one value of a list is, and the STIX pattern that detects it.
//!
//! Lists rarely say what their values are, and analysts defang what they publish
//! (`hxxp://evil[.]example`). Here a value is refanged, recognised (or checked against
//! the type a list's format names) and normalised, so that the same indicator always
//! gets the same text and id: domains and hashes lower-cased and without a trailing dot,
//! IPv6 in its canonical form (RFC 5952), CIDR blocks reduced to their network address,
//! URLs with the scheme and host lower-cased and the rest as given.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::IpNet;
use serde::Deserialize;

/// The kind of values a list holds, as a list's format names it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    /// Recognise each value by its shape.
    #[default]
    Auto,
    Ipv4,
    Ipv6,
    /// Address blocks (`192.0.2.0/24`); a bare address is read as a block of one.
    Cidr,
    Domain,
    Url,
    Md5,
    Sha1,
    Sha256,
    Email,
}

/// A recognised, normalised value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListValue {
    pub(crate) kind: ValueKind,
    pub(crate) normalised: String,
}

/// What a recognised value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    Ipv4,
    Ipv6,
    Ipv4Block,
    Ipv6Block,
    Domain,
    Url,
    Md5,
    Sha1,
    Sha256,
    Email,
}

impl ValueKind {
    /// The name that goes into the indicator's derived id (`cidr` for either family).
    pub(crate) fn id_name(self) -> &'static str {
        match self {
            ValueKind::Ipv4 => "ipv4",
            ValueKind::Ipv6 => "ipv6",
            ValueKind::Ipv4Block | ValueKind::Ipv6Block => "cidr",
            ValueKind::Domain => "domain",
            ValueKind::Url => "url",
            ValueKind::Md5 => "md5",
            ValueKind::Sha1 => "sha1",
            ValueKind::Sha256 => "sha256",
            ValueKind::Email => "email",
        }
    }
}

impl ListValue {
    /// The STIX pattern that matches this value.
    pub(crate) fn pattern(&self) -> String {
        let constant = quote_constant(&self.normalised);
        match self.kind {
            ValueKind::Ipv4 => format!("[ipv4-addr:value = {constant}]"),
            ValueKind::Ipv6 => format!("[ipv6-addr:value = {constant}]"),
            ValueKind::Ipv4Block => format!("[ipv4-addr:value ISSUBSET {constant}]"),
            ValueKind::Ipv6Block => format!("[ipv6-addr:value ISSUBSET {constant}]"),
            ValueKind::Domain => format!("[domain-name:value = {constant}]"),
            ValueKind::Url => format!("[url:value = {constant}]"),
            ValueKind::Md5 => format!("[file:hashes.MD5 = {constant}]"),
            ValueKind::Sha1 => format!("[file:hashes.'SHA-1' = {constant}]"),
            ValueKind::Sha256 => format!("[file:hashes.'SHA-256' = {constant}]"),
            ValueKind::Email => format!("[email-addr:value = {constant}]"),
        }
    }
}

/// A STIX pattern string constant: quoted, with `\` and `'` escaped (STIX 2.1 §9.2).
pub(crate) fn quote_constant(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('\'');
    for character in text.chars() {
        if matches!(character, '\\' | '\'') {
            quoted.push('\\');
        }
        quoted.push(character);
    }
    quoted.push('\'');
    quoted
}

/// Undoes the common defanging: `hxxp`/`hxxps` (any case) and `fxp` as a scheme,
/// `[.]`, `(.)`, `{.}`, `[dot]`, `(dot)`, `[:]`, `[://]`, `[@]` and `[at]`.
pub(crate) fn refang(text: &str) -> String {
    let mut value = text.trim().to_owned();
    for (defanged, plain) in [
        ("[://]", "://"),
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("(dot)", "."),
        ("[:]", ":"),
        ("[@]", "@"),
        ("[at]", "@"),
    ] {
        if value.contains(defanged) {
            value = value.replace(defanged, plain);
        }
    }
    let lower_start: String = value.chars().take(4).flat_map(char::to_lowercase).collect();
    if lower_start == "hxxp" {
        value.replace_range(..4, "http");
    } else if lower_start.starts_with("fxp:") {
        value.replace_range(..3, "ftp");
    }
    value
}

/// Recognises `text` (already refanged) as a value of `expected`, or says why it is not
/// one.
pub(crate) fn recognise(text: &str, expected: ValueType) -> Result<ListValue, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the value is empty".to_owned());
    }
    let recognised = match expected {
        ValueType::Auto => recognise_any(text),
        ValueType::Ipv4 => ipv4(text),
        ValueType::Ipv6 => ipv6(text),
        ValueType::Cidr => block(text).or_else(|| single_address_block(text)),
        ValueType::Domain => domain(text),
        ValueType::Url => url(text),
        ValueType::Md5 => hash(text, 32, ValueKind::Md5),
        ValueType::Sha1 => hash(text, 40, ValueKind::Sha1),
        ValueType::Sha256 => hash(text, 64, ValueKind::Sha256),
        ValueType::Email => email(text),
    };
    recognised.ok_or_else(|| {
        let expected = match expected {
            ValueType::Auto => {
                "an IP address, CIDR block, domain, URL, e-mail address or MD5/SHA-1/SHA-256 hash"
            }
            ValueType::Ipv4 => "an IPv4 address",
            ValueType::Ipv6 => "an IPv6 address",
            ValueType::Cidr => "a CIDR block or an IP address",
            ValueType::Domain => "a domain name",
            ValueType::Url => "a URL with a scheme (http://…)",
            ValueType::Md5 => "an MD5 hash (32 hex digits)",
            ValueType::Sha1 => "a SHA-1 hash (40 hex digits)",
            ValueType::Sha256 => "a SHA-256 hash (64 hex digits)",
            ValueType::Email => "an e-mail address",
        };
        format!("'{}' is not {expected}", shorten(text))
    })
}

/// At most 100 characters of a value, for messages.
fn shorten(text: &str) -> String {
    let mut characters = text.chars();
    let short: String = characters.by_ref().take(100).collect();
    if characters.next().is_some() {
        format!("{short}…")
    } else {
        short
    }
}

fn recognise_any(text: &str) -> Option<ListValue> {
    if text.contains("://") {
        return url(text);
    }
    if text.contains('/') {
        return block(text);
    }
    if let Some(value) = ipv4(text).or_else(|| ipv6(text)) {
        return Some(value);
    }
    if let Some(value) = hash(text, 32, ValueKind::Md5)
        .or_else(|| hash(text, 40, ValueKind::Sha1))
        .or_else(|| hash(text, 64, ValueKind::Sha256))
    {
        return Some(value);
    }
    if text.contains('@') {
        return email(text);
    }
    domain(text)
}

fn ipv4(text: &str) -> Option<ListValue> {
    let address = Ipv4Addr::from_str(text).ok()?;
    Some(ListValue {
        kind: ValueKind::Ipv4,
        normalised: address.to_string(),
    })
}

fn ipv6(text: &str) -> Option<ListValue> {
    let address = Ipv6Addr::from_str(text.trim_start_matches('[').trim_end_matches(']')).ok()?;
    Some(ListValue {
        kind: ValueKind::Ipv6,
        normalised: address.to_string(),
    })
}

fn block(text: &str) -> Option<ListValue> {
    let network = IpNet::from_str(text).ok()?.trunc();
    let kind = match network {
        IpNet::V4(_) => ValueKind::Ipv4Block,
        IpNet::V6(_) => ValueKind::Ipv6Block,
    };
    Some(ListValue {
        kind,
        normalised: network.to_string(),
    })
}

fn single_address_block(text: &str) -> Option<ListValue> {
    if let Some(address) = ipv4(text) {
        return block(&format!("{}/32", address.normalised));
    }
    let address = ipv6(text)?;
    block(&format!("{}/128", address.normalised))
}

fn hash(text: &str, length: usize, kind: ValueKind) -> Option<ListValue> {
    (text.len() == length && text.bytes().all(|byte| byte.is_ascii_hexdigit())).then(|| ListValue {
        kind,
        normalised: text.to_ascii_lowercase(),
    })
}

fn domain(text: &str) -> Option<ListValue> {
    normalise_domain(text).map(|normalised| ListValue {
        kind: ValueKind::Domain,
        normalised,
    })
}

/// A host name in lower case without its trailing dot: at least two labels of letters,
/// digits, `-` and `_` (not starting or ending with `-`), at most 63 characters each
/// and 253 in all, the last not all digits (that would be an address).
fn normalise_domain(text: &str) -> Option<String> {
    let name = text.strip_suffix('.').unwrap_or(text).to_lowercase();
    if name.is_empty() || name.len() > 253 {
        return None;
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return None;
    }
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|character| character.is_alphanumeric() || matches!(character, '-' | '_'))
    };
    if !labels.iter().all(label_ok) {
        return None;
    }
    let top = labels.last()?;
    if top.chars().all(|character| character.is_ascii_digit()) {
        return None;
    }
    Some(name)
}

fn email(text: &str) -> Option<ListValue> {
    let (local, host) = text.rsplit_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.chars().any(|character| {
            character.is_whitespace() || character.is_control() || character == '@'
        });
    if !local_ok {
        return None;
    }
    let host = normalise_domain(host)?;
    Some(ListValue {
        kind: ValueKind::Email,
        normalised: format!("{}@{host}", local.to_lowercase()),
    })
}

/// A URL `scheme://authority[/…]`: the scheme and the host are lower-cased, user
/// information, port, path, query and fragment are kept as given.
fn url(text: &str) -> Option<ListValue> {
    if text
        .chars()
        .any(|character| character.is_whitespace() || character.is_control())
    {
        return None;
    }
    let (scheme, rest) = text.split_once("://")?;
    let mut scheme_characters = scheme.chars();
    let scheme_ok = scheme_characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && scheme_characters.all(|character| {
            character.is_ascii_alphanumeric() || matches!(character, '+' | '-' | '.')
        });
    if !scheme_ok {
        return None;
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (user_information, host_and_port) = match authority.rsplit_once('@') {
        Some((user, host)) => (Some(user), host),
        None => (None, authority),
    };
    if host_and_port.is_empty() {
        return None;
    }
    let mut normalised = scheme.to_ascii_lowercase();
    normalised.push_str("://");
    if let Some(user) = user_information {
        normalised.push_str(user);
        normalised.push('@');
    }
    normalised.push_str(&host_and_port.to_lowercase());
    normalised.push_str(tail);
    Some(ListValue {
        kind: ValueKind::Url,
        normalised,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto(text: &str) -> Option<(ValueKind, String)> {
        recognise(&refang(text), ValueType::Auto)
            .ok()
            .map(|value| (value.kind, value.normalised))
    }

    #[test]
    fn shapes_are_recognised_and_normalised() {
        let cases: &[(&str, ValueKind, &str)] = &[
            ("192.0.2.7", ValueKind::Ipv4, "192.0.2.7"),
            ("2001:DB8:0:0::1", ValueKind::Ipv6, "2001:db8::1"),
            ("[2001:db8::1]", ValueKind::Ipv6, "2001:db8::1"),
            ("198.51.100.77/24", ValueKind::Ipv4Block, "198.51.100.0/24"),
            ("2001:db8:ffff::/32", ValueKind::Ipv6Block, "2001:db8::/32"),
            ("Evil.Example.COM.", ValueKind::Domain, "evil.example.com"),
            (
                "xn--80ak6aa92e.com",
                ValueKind::Domain,
                "xn--80ak6aa92e.com",
            ),
            (
                "HTTP://Evil.Example:8080/Path?Q=1",
                ValueKind::Url,
                "http://evil.example:8080/Path?Q=1",
            ),
            (
                "D41D8CD98F00B204E9800998ECF8427E",
                ValueKind::Md5,
                "d41d8cd98f00b204e9800998ecf8427e",
            ),
            (
                "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                ValueKind::Sha1,
                "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            ),
            ("Phish@Bad.Example", ValueKind::Email, "phish@bad.example"),
        ];
        for (text, kind, normalised) in cases {
            assert_eq!(
                auto(text),
                Some((*kind, (*normalised).to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn defanged_values_are_refanged() {
        assert_eq!(
            refang("hxxps://evil[.]example[:]8443/x"),
            "https://evil.example:8443/x"
        );
        assert_eq!(refang("hXXp://a(.)b{.}c"), "http://a.b.c");
        assert_eq!(refang("fxp://files[dot]example"), "ftp://files.example");
        assert_eq!(refang("user[@]mail(dot)example"), "user@mail.example");
        assert_eq!(refang("plain.example"), "plain.example");
    }

    #[test]
    fn non_values_are_refused_with_the_reason() {
        for text in [
            "",
            "localhost",
            "1.2.3.4.5.6",
            "999.1.1.1/8",
            "-bad.example",
            "a..example",
            "12345",
            "not a value",
            "http://",
            "http:// spaced.example/",
        ] {
            assert!(auto(text).is_none(), "{text:?} was accepted");
        }
        let message = recognise("abc", ValueType::Md5).err();
        assert_eq!(
            message.as_deref(),
            Some("'abc' is not an MD5 hash (32 hex digits)")
        );
    }

    #[test]
    fn a_named_type_is_checked_and_a_bare_address_is_a_block_of_one() {
        assert!(recognise("192.0.2.7", ValueType::Domain).is_err());
        assert!(recognise("evil.example", ValueType::Ipv4).is_err());
        let single = recognise("192.0.2.7", ValueType::Cidr).ok();
        assert_eq!(
            single.map(|value| value.normalised),
            Some("192.0.2.7/32".to_owned())
        );
        let sha256 = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        let value = recognise(sha256, ValueType::Sha256).ok();
        assert_eq!(value.map(|value| value.kind), Some(ValueKind::Sha256));
    }

    #[test]
    fn constants_escape_quotes_and_backslashes() {
        assert_eq!(quote_constant(r"a'b\c"), r"'a\'b\\c'");
    }
}
