//! What kind of value is being checked, and the views of it that the lists compare.
//!
//! A warning list only applies to some kinds of values: a list of empty-file hashes must
//! never match a domain, a list of top sites must not match an e-mail address's local
//! part. MISP says this with `matching_attributes`, a list of MISP attribute types; this
//! module maps those types onto [`ValueKind`]s, and decides which kinds a list applies to
//! when it does not say. It also decides how a value is normalised before it is compared
//! (names lower-cased, one trailing dot dropped) and which name a URL or an e-mail
//! address is *on* (the URL's host, the address's domain), so that every matcher sees
//! the same text.

use std::borrow::Cow;
use std::net::IpAddr;

/// The kind of an observed value, which decides the lists that apply to it and how it
/// is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueKind {
    Ipv4,
    Ipv6,
    /// An address range, `10.0.0.0/8` or `2001:db8::/32`.
    Cidr,
    /// A domain or host name.
    Domain,
    Url,
    Email,
    Md5,
    Sha1,
    Sha256,
    Sha512,
    Ssdeep,
    /// Any other string: a file name, a user agent, a free-text value.
    Other,
}

impl ValueKind {
    /// Every kind, in declaration order.
    pub const ALL: [ValueKind; 12] = [
        ValueKind::Ipv4,
        ValueKind::Ipv6,
        ValueKind::Cidr,
        ValueKind::Domain,
        ValueKind::Url,
        ValueKind::Email,
        ValueKind::Md5,
        ValueKind::Sha1,
        ValueKind::Sha256,
        ValueKind::Sha512,
        ValueKind::Ssdeep,
        ValueKind::Other,
    ];

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// The kinds a MISP attribute type stands for; empty for types no kind covers
    /// (`phone-number`, `sha224`, `btc`…), so that a list limited to those never
    /// matches a value read from STIX. `domain|ip` stands for both parts; a list read
    /// by [`WarningList::from_json`](super::WarningList::from_json) keeps only the part
    /// its type compares.
    pub fn of_misp_attribute_type(attribute_type: &str) -> ValueKinds {
        use ValueKind::*;
        let kinds: &[ValueKind] = match attribute_type {
            "ip-src" | "ip-dst" | "ip-src|port" | "ip-dst|port" => &[Ipv4, Ipv6, Cidr],
            "domain|ip" => &[Domain, Ipv4, Ipv6, Cidr],
            "domain" | "hostname" | "hostname|port" => &[Domain],
            "url" | "uri" | "link" => &[Url],
            "email"
            | "email-src"
            | "email-dst"
            | "target-email"
            | "email-reply-to"
            | "whois-registrant-email" => &[Email],
            "md5" | "filename|md5" => &[Md5],
            "sha1" | "filename|sha1" => &[Sha1],
            "sha256" | "filename|sha256" => &[Sha256],
            "sha512" | "filename|sha512" => &[Sha512],
            "ssdeep" | "filename|ssdeep" => &[Ssdeep],
            "text" | "other" | "comment" | "filename" | "user-agent" => &[Other],
            _ => &[],
        };
        ValueKinds::from_kinds(kinds)
    }

    /// Whether names of this kind compare without regard to ASCII case: host names,
    /// addresses and hex digests do, URLs (their paths) and free text do not.
    pub fn is_case_insensitive(self) -> bool {
        !matches!(self, ValueKind::Url | ValueKind::Other)
    }
}

/// A set of [`ValueKind`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ValueKinds(u16);

impl ValueKinds {
    pub const EMPTY: ValueKinds = ValueKinds(0);

    pub fn all() -> ValueKinds {
        ValueKinds::from_kinds(&ValueKind::ALL)
    }

    pub fn from_kinds(kinds: &[ValueKind]) -> ValueKinds {
        ValueKinds(kinds.iter().fold(0, |bits, kind| bits | kind.bit()))
    }

    pub fn contains(self, kind: ValueKind) -> bool {
        self.0 & kind.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: ValueKinds) -> ValueKinds {
        ValueKinds(self.0 | other.0)
    }

    pub fn iter(self) -> impl Iterator<Item = ValueKind> {
        ValueKind::ALL
            .into_iter()
            .filter(move |kind| self.contains(*kind))
    }
}

/// A value to check against the warning lists, with its kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObservedValue {
    pub kind: ValueKind,
    pub text: String,
}

impl ObservedValue {
    pub fn new(kind: ValueKind, text: impl Into<String>) -> ObservedValue {
        ObservedValue {
            kind,
            text: text.into(),
        }
    }

    /// A value whose kind is guessed from its text, for feeds that do not say: an
    /// address or a range, a URL (it has `://`), an e-mail address (one `@` with a dot
    /// after it), a hex digest by its length, a name of dotted labels; anything else is
    /// [`ValueKind::Other`].
    pub fn classify(text: &str) -> ObservedValue {
        ObservedValue::new(guess_kind(text.trim()), text.trim())
    }
}

fn guess_kind(text: &str) -> ValueKind {
    match text.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => return ValueKind::Ipv4,
        Ok(IpAddr::V6(_)) => return ValueKind::Ipv6,
        Err(_) => {}
    }
    if text.parse::<ipnet::IpNet>().is_ok() {
        return ValueKind::Cidr;
    }
    if text.contains("://") {
        return ValueKind::Url;
    }
    if let Some((local, domain)) = text.split_once('@') {
        if !local.is_empty() && looks_like_host_name(domain) {
            return ValueKind::Email;
        }
    }
    if text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        match text.len() {
            32 => return ValueKind::Md5,
            40 => return ValueKind::Sha1,
            64 => return ValueKind::Sha256,
            128 => return ValueKind::Sha512,
            _ => {}
        }
    }
    if looks_like_host_name(text) {
        return ValueKind::Domain;
    }
    ValueKind::Other
}

/// Dotted labels of letters, digits, hyphens and underscores, with at least one dot and
/// a last label that is not all digits.
fn looks_like_host_name(text: &str) -> bool {
    let name = text.strip_suffix('.').unwrap_or(text);
    let mut labels = 0;
    let mut last_label_is_numeric = false;
    for label in name.split('.') {
        if label.is_empty()
            || !label
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        {
            return false;
        }
        labels += 1;
        last_label_is_numeric = label.bytes().all(|byte| byte.is_ascii_digit());
    }
    labels >= 2 && !last_label_is_numeric
}

/// A host name as the lists compare it: trimmed, without one trailing dot, ASCII
/// lower-cased (borrowed when it already is).
pub(crate) fn normalise_name(name: &str) -> Cow<'_, str> {
    let name = name.trim();
    let name = name.strip_suffix('.').unwrap_or(name);
    lowercase(name)
}

/// The text ASCII lower-cased, borrowed when it has no upper-case letter.
pub(crate) fn lowercase(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|byte| byte.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// The host of a URL, without scheme, user information, port, path, query or fragment,
/// and without the brackets of an IPv6 literal. A URL written without a scheme
/// (`evil.example/path`) has its host up to the first `/`. `None` when there is no host.
pub(crate) fn url_host(url: &str) -> Option<&str> {
    let url = url.trim();
    let after_scheme = match url.find("://") {
        Some(position) => url.get(position + 3..)?,
        None => url,
    };
    let authority_end = after_scheme
        .find(['/', '?', '#', '\\'])
        .unwrap_or(after_scheme.len());
    let authority = after_scheme.get(..authority_end)?;
    let host_and_port = match authority.rfind('@') {
        Some(position) => authority.get(position + 1..)?,
        None => authority,
    };
    let host = if let Some(bracketed) = host_and_port.strip_prefix('[') {
        bracketed.split(']').next()?
    } else {
        host_and_port.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// The domain of an e-mail address: what follows its last `@`.
pub(crate) fn email_domain(address: &str) -> Option<&str> {
    let (_, domain) = address.trim().rsplit_once('@')?;
    (!domain.is_empty()).then_some(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_hosts_lose_scheme_user_port_and_path() {
        let cases = [
            ("https://www.Example.com/path?q=1", Some("www.Example.com")),
            ("http://user:secret@host.test:8080/x", Some("host.test")),
            ("http://[2001:db8::1]:443/", Some("2001:db8::1")),
            ("evil.test/download.exe", Some("evil.test")),
            ("http://10.0.0.1#frag", Some("10.0.0.1")),
            ("https:///nothing", None),
        ];
        for (url, expected) in cases {
            assert_eq!(url_host(url), expected, "{url}");
        }
    }

    #[test]
    fn kinds_are_guessed_from_the_text() {
        let cases = [
            ("192.0.2.1", ValueKind::Ipv4),
            ("2001:db8::1", ValueKind::Ipv6),
            ("10.0.0.0/8", ValueKind::Cidr),
            ("https://a.test/", ValueKind::Url),
            ("abuse@a.test", ValueKind::Email),
            ("d41d8cd98f00b204e9800998ecf8427e", ValueKind::Md5),
            ("da39a3ee5e6b4b0d3255bfef95601890afd80709", ValueKind::Sha1),
            ("www.example.com", ValueKind::Domain),
            ("1.2.3", ValueKind::Other),
            ("just words", ValueKind::Other),
        ];
        for (text, expected) in cases {
            assert_eq!(ObservedValue::classify(text).kind, expected, "{text}");
        }
    }

    #[test]
    fn misp_types_map_onto_kinds() {
        let ip = ValueKind::of_misp_attribute_type("ip-dst|port");
        assert!(ip.contains(ValueKind::Ipv4) && ip.contains(ValueKind::Cidr));
        assert!(!ip.contains(ValueKind::Domain));
        let hash = ValueKind::of_misp_attribute_type("filename|sha256");
        assert_eq!(hash.iter().collect::<Vec<_>>(), vec![ValueKind::Sha256]);
        assert!(ValueKind::of_misp_attribute_type("phone-number").is_empty());
    }
}
