//! One warning list as MISP writes it (`list.json` in MISP/misp-warninglists), read and
//! checked entry by entry before anything is compiled.
//!
//! Every entry is understood at load time: CIDR entries are parsed (a bare address is a
//! /32 or /128), host names are normalised, regular expressions are translated from
//! MISP's PCRE form (`/body/flags`) to the `regex` crate and compiled once alone. An
//! entry that cannot be used refuses the whole list with an error naming the list and
//! the entry, rather than leaving a list that silently matches less than it says. An
//! empty entry is refused too: as a substring or an expression it would match every
//! value.

use ipnet::IpNet;
use serde::Deserialize;

use super::error::WarningListError;
use super::kind::{ValueKind, ValueKinds, lowercase};

/// The largest compiled size of one regular expression of a list (1 MiB): the `regex`
/// crate never backtracks, and this bounds the memory one expression can take.
pub(crate) const EXPRESSION_SIZE_LIMIT: usize = 1 << 20;

/// How a list's entries are compared with a value (MISP's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListType {
    /// The whole value equals an entry (case-insensitively for names and digests).
    String,
    /// An entry occurs anywhere in the value (ASCII case-insensitively).
    Substring,
    /// The value's name is an entry or below one: `www.example.com` is on a list
    /// holding `example.com`; a URL's host and an e-mail address's domain count.
    Hostname,
    /// The address, or the whole observed range, is inside an entry's range.
    Cidr,
    /// A regular expression of the entry finds a match in the value.
    Regex,
}

impl ListType {
    /// The kinds a list of this type applies to when it has no `matching_attributes`.
    pub fn default_value_kinds(self) -> ValueKinds {
        match self {
            ListType::Cidr => {
                ValueKinds::from_kinds(&[ValueKind::Ipv4, ValueKind::Ipv6, ValueKind::Cidr])
            }
            ListType::Hostname => {
                ValueKinds::from_kinds(&[ValueKind::Domain, ValueKind::Url, ValueKind::Email])
            }
            ListType::String | ListType::Substring | ListType::Regex => ValueKinds::all(),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ListType::String => "string",
            ListType::Substring => "substring",
            ListType::Hostname => "hostname",
            ListType::Cidr => "cidr",
            ListType::Regex => "regex",
        }
    }
}

/// What is known of a list besides its entries; what a check reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningListInfo {
    /// The short name used in policies and in `x_dijkwacht_warning_lists`: the folder
    /// name for lists read from a folder (`rfc1918`), else the list's `name`.
    pub key: String,
    /// MISP's `name`, a title: `List of RFC 1918 CIDR blocks`.
    pub name: String,
    pub description: String,
    pub version: u64,
    pub list_type: ListType,
    /// MISP's optional `category` (`false-positive`, `known`).
    pub category: Option<String>,
    /// MISP's `matching_attributes`, as written.
    pub matching_attributes: Vec<String>,
    /// The kinds of values the list applies to.
    pub value_kinds: ValueKinds,
    pub entry_count: usize,
}

/// One warning list with its entries checked.
#[derive(Debug, Clone)]
pub struct WarningList {
    pub info: WarningListInfo,
    pub(crate) entries: ListEntries,
}

/// A list's entries, in the form its type compares.
#[derive(Debug, Clone)]
pub(crate) enum ListEntries {
    /// `string` entries, trimmed.
    Exact(Vec<String>),
    /// `substring` entries, trimmed.
    Substrings(Vec<String>),
    /// `hostname` entries, lower-cased, without a leading `*.` or `.` and a trailing dot.
    HostNames(Vec<String>),
    /// `cidr` entries, with host bits cleared.
    Networks(Vec<IpNet>),
    /// `regex` entries in the `regex` crate's syntax, inline flags in front.
    Expressions(Vec<String>),
}

/// The fields of a `list.json`.
#[derive(Debug, Deserialize)]
struct ListFile {
    name: String,
    version: u64,
    description: String,
    #[serde(rename = "type")]
    list_type: ListType,
    list: Vec<String>,
    #[serde(default)]
    matching_attributes: Vec<String>,
    #[serde(default)]
    category: Option<String>,
}

impl WarningList {
    /// Reads one list in MISP's `list.json` format.
    pub fn from_json(bytes: &[u8]) -> Result<WarningList, WarningListError> {
        let file: ListFile =
            serde_json::from_slice(bytes).map_err(|error| WarningListError::Format {
                line: error.line(),
                column: error.column(),
                message: error.to_string(),
            })?;
        let value_kinds = if file.matching_attributes.is_empty() {
            file.list_type.default_value_kinds()
        } else {
            file.matching_attributes
                .iter()
                .map(|attribute_type| kinds_of_attribute_type(attribute_type, file.list_type))
                .fold(ValueKinds::EMPTY, ValueKinds::union)
        };
        let info = WarningListInfo {
            key: file.name.clone(),
            name: file.name,
            description: file.description,
            version: file.version,
            list_type: file.list_type,
            category: file.category,
            matching_attributes: file.matching_attributes,
            value_kinds,
            entry_count: file.list.len(),
        };
        WarningList::new(info, &file.list)
    }

    /// A list made from its description and entries; `info.entry_count` is set from
    /// the entries.
    pub fn new<S: AsRef<str>>(
        mut info: WarningListInfo,
        entries: &[S],
    ) -> Result<WarningList, WarningListError> {
        info.entry_count = entries.len();
        let entries = read_entries(&info, entries)?;
        Ok(WarningList { info, entries })
    }

    /// The same list under another key (see [`WarningListInfo::key`]).
    pub fn with_key(mut self, key: impl Into<String>) -> WarningList {
        self.info.key = key.into();
        self
    }
}

/// The kinds a MISP attribute type stands for in a list of `list_type`. A composite
/// `domain|ip` attribute is matched by its address against `cidr` lists and by its
/// name against the others, as MISP does, so that a list of top sites is not consulted
/// for addresses.
fn kinds_of_attribute_type(attribute_type: &str, list_type: ListType) -> ValueKinds {
    match (attribute_type, list_type) {
        ("domain|ip", ListType::Cidr) => ValueKind::of_misp_attribute_type("ip-dst"),
        ("domain|ip", _) => ValueKind::of_misp_attribute_type("domain"),
        _ => ValueKind::of_misp_attribute_type(attribute_type),
    }
}

fn read_entries<S: AsRef<str>>(
    info: &WarningListInfo,
    entries: &[S],
) -> Result<ListEntries, WarningListError> {
    let refuse = |index: usize, entry: &str, reason: String| WarningListError::BadEntry {
        list: info.name.clone(),
        index,
        entry: entry.to_owned(),
        reason,
    };
    let mut texts = Vec::with_capacity(entries.len());
    let mut networks = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let entry = entry.as_ref();
        let trimmed = entry.trim();
        if trimmed.is_empty() {
            return Err(refuse(
                index,
                entry,
                "an empty entry would match every value or none; remove it".to_owned(),
            ));
        }
        match info.list_type {
            ListType::String | ListType::Substring => texts.push(trimmed.to_owned()),
            ListType::Hostname => texts.push(normalise_host_name_entry(trimmed)),
            ListType::Cidr => networks
                .push(parse_network(trimmed).map_err(|reason| refuse(index, entry, reason))?),
            ListType::Regex => texts.push(
                translate_expression(trimmed).map_err(|reason| refuse(index, entry, reason))?,
            ),
        }
    }
    Ok(match info.list_type {
        ListType::String => ListEntries::Exact(texts),
        ListType::Substring => ListEntries::Substrings(texts),
        ListType::Hostname => ListEntries::HostNames(texts),
        ListType::Cidr => ListEntries::Networks(networks),
        ListType::Regex => ListEntries::Expressions(texts),
    })
}

fn normalise_host_name_entry(entry: &str) -> String {
    let name = entry
        .strip_prefix("*.")
        .or_else(|| entry.strip_prefix('.'))
        .unwrap_or(entry);
    let name = name.strip_suffix('.').unwrap_or(name);
    lowercase(name).into_owned()
}

/// A CIDR entry, or a bare address as a one-address range; host bits are cleared.
fn parse_network(entry: &str) -> Result<IpNet, String> {
    if let Ok(address) = entry.parse::<std::net::IpAddr>() {
        return Ok(IpNet::from(address));
    }
    entry
        .parse::<IpNet>()
        .map(|network| network.trunc())
        .map_err(|_| {
            "not an IPv4 or IPv6 address or CIDR range (write `192.0.2.0/24`, \
             `2001:db8::/32` or a single address)"
                .to_owned()
        })
}

/// Turns MISP's PCRE form `/body/flags` into the `regex` crate's syntax, the flags
/// becoming an inline group, and compiles it once to refuse what the crate cannot run
/// (backreferences, look-around) or what is too large. An entry without delimiters is
/// taken as the expression itself.
fn translate_expression(entry: &str) -> Result<String, String> {
    let (body, flags) = split_delimited_expression(entry).unwrap_or((entry, ""));
    let mut inline_flags = String::new();
    for flag in flags.chars() {
        match flag {
            'i' | 'm' | 's' | 'x' | 'U' => inline_flags.push(flag),
            // `g` (global) means nothing for a yes-or-no match; `u` is the crate's
            // default; `D` (dollar at the very end) is what `$` means without `m`.
            'g' | 'u' | 'D' => {}
            other => {
                return Err(format!(
                    "the flag `{other}` is not supported (use only i, m, s, x, U, u, g, D)"
                ));
            }
        }
    }
    let expression = if inline_flags.is_empty() {
        body.to_owned()
    } else {
        format!("(?{inline_flags}){body}")
    };
    regex::RegexBuilder::new(&expression)
        .size_limit(EXPRESSION_SIZE_LIMIT)
        .build()
        .map_err(|error| {
            format!(
                "the expression cannot be used (only expressions without backreferences \
                 and look-around, which run in linear time, are accepted): {error}"
            )
        })?;
    Ok(expression)
}

/// `Some((body, flags))` for `/body/flags` where the flags are letters.
fn split_delimited_expression(entry: &str) -> Option<(&str, &str)> {
    let inner = entry.strip_prefix('/')?;
    let closing = inner.rfind('/')?;
    let body = inner.get(..closing)?;
    let flags = inner.get(closing + 1..)?;
    flags
        .chars()
        .all(|flag| flag.is_ascii_alphabetic())
        .then_some((body, flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcre_delimiters_and_flags_become_inline_flags() {
        let translated = translate_expression(r"/^(security|abuse)\@.*\..*$/i")
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(translated, r"(?i)^(security|abuse)\@.*\..*$");
        let global =
            translate_expression("/0491570(006|156)/g").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(global, "0491570(006|156)");
        assert_eq!(
            translate_expression("^plain$").unwrap_or_else(|error| panic!("{error}")),
            "^plain$"
        );
    }

    #[test]
    fn unsupported_flags_and_constructs_are_refused() {
        let flag = translate_expression("/abc/A").err().unwrap_or_default();
        assert!(flag.contains("flag `A`"), "{flag}");
        let backreference = translate_expression(r"/(a)\1/").err().unwrap_or_default();
        assert!(
            backreference.contains("backreferences are not supported"),
            "{backreference}"
        );
        let lookahead = translate_expression("/a(?=b)/").err().unwrap_or_default();
        assert!(lookahead.contains("look-ahead"), "{lookahead}");
    }

    #[test]
    fn bare_addresses_are_single_address_ranges_and_host_bits_are_cleared() {
        let single = parse_network("192.0.2.7").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(single.to_string(), "192.0.2.7/32");
        let truncated = parse_network("10.1.2.3/8").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(truncated.to_string(), "10.0.0.0/8");
        assert!(parse_network("10.0.0.0/33").is_err());
        assert!(parse_network("example.com").is_err());
    }
}
