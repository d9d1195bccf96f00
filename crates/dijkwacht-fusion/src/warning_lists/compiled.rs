//! All loaded warning lists compiled into one structure per way of matching, so that a
//! check costs about the same for two lists as for two hundred.
//!
//! - `string` entries: one hash map from the lower-cased entry to the lists holding
//!   it; names and digests compare case-insensitively, URLs and free text compare
//!   with the entry as written.
//! - `hostname` entries: one hash map of names; an observed name is probed as itself
//!   and as each suffix after a dot (`a.b.example.com`, `b.example.com`,
//!   `example.com`, `com`), so the cost follows the name's labels, not the lists.
//! - `cidr` entries: per-prefix-length hash maps of masked addresses (`networks.rs`).
//! - `substring` entries: one Aho-Corasick automaton over every entry.
//! - `regex` entries: one `RegexSet` over every expression; the `regex` crate runs in
//!   time linear in the value, whatever the expression.
//!
//! Each hit is kept only when the list applies to the value's kind, and each matcher is
//! skipped for kinds none of its lists apply to.

use std::net::IpAddr;

use aho_corasick::AhoCorasick;
use ipnet::IpNet;
use regex::{RegexSet, RegexSetBuilder};
use rustc_hash::FxHashMap;

use super::error::WarningListError;
use super::kind::{
    ObservedValue, ValueKind, ValueKinds, email_domain, lowercase, normalise_name, url_host,
};
use super::list::{ListEntries, WarningList, WarningListInfo};
use super::networks::NetworkTable;

/// The most memory all regular expressions together may take once compiled (64 MiB).
const EXPRESSION_SET_SIZE_LIMIT: usize = 64 << 20;

/// The lists holding one entry: usually one, so the first is kept inline.
#[derive(Debug)]
pub(crate) struct ListIds {
    first: u32,
    more: Vec<u32>,
}

impl Default for ListIds {
    fn default() -> ListIds {
        ListIds {
            first: u32::MAX,
            more: Vec::new(),
        }
    }
}

impl ListIds {
    pub(crate) fn push(&mut self, list: u32) {
        if self.first == u32::MAX {
            self.first = list;
        } else if self.first != list && !self.more.contains(&list) {
            self.more.push(list);
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(self.first)
            .filter(|first| *first != u32::MAX)
            .chain(self.more.iter().copied())
    }
}

/// A `string` entry: its list, and the entry as written when that differs from the
/// lower-cased key (compared for case-sensitive kinds).
#[derive(Debug)]
struct ExactEntry {
    list: u32,
    as_written: Option<Box<str>>,
}

/// Every loaded list, compiled for fast checks.
#[derive(Debug)]
pub struct WarningLists {
    infos: Vec<WarningListInfo>,
    exact: FxHashMap<Box<str>, Vec<ExactEntry>>,
    host_names: FxHashMap<Box<str>, ListIds>,
    networks: NetworkTable,
    substrings: Option<(AhoCorasick, Vec<u32>)>,
    expressions: Option<(RegexSet, Vec<u32>)>,
    exact_kinds: ValueKinds,
    host_name_kinds: ValueKinds,
    network_kinds: ValueKinds,
    substring_kinds: ValueKinds,
    expression_kinds: ValueKinds,
}

impl WarningLists {
    /// Compiles the lists; fails only when the substrings or the regular expressions of
    /// all lists together are too large to compile.
    pub fn build(
        lists: impl IntoIterator<Item = WarningList>,
    ) -> Result<WarningLists, WarningListError> {
        let mut compiled = WarningLists {
            infos: Vec::new(),
            exact: FxHashMap::default(),
            host_names: FxHashMap::default(),
            networks: NetworkTable::default(),
            substrings: None,
            expressions: None,
            exact_kinds: ValueKinds::EMPTY,
            host_name_kinds: ValueKinds::EMPTY,
            network_kinds: ValueKinds::EMPTY,
            substring_kinds: ValueKinds::EMPTY,
            expression_kinds: ValueKinds::EMPTY,
        };
        let mut substrings: Vec<(String, u32)> = Vec::new();
        let mut expressions: Vec<(String, u32)> = Vec::new();
        for list in lists {
            // List numbers are u32 to keep the tables small; four billion lists are
            // beyond any folder, and the last number would only merge their hits.
            let index = u32::try_from(compiled.infos.len()).unwrap_or(u32::MAX - 1);
            let kinds = list.info.value_kinds;
            match list.entries {
                ListEntries::Substrings(texts) => {
                    compiled.substring_kinds = compiled.substring_kinds.union(kinds);
                    substrings.extend(texts.into_iter().map(|text| (text, index)));
                }
                ListEntries::Exact(texts) => {
                    compiled.exact_kinds = compiled.exact_kinds.union(kinds);
                    for text in texts {
                        compiled.insert_exact(text, index);
                    }
                }
                ListEntries::HostNames(names) => {
                    compiled.host_name_kinds = compiled.host_name_kinds.union(kinds);
                    for name in names {
                        compiled
                            .host_names
                            .entry(name.into_boxed_str())
                            .or_default()
                            .push(index);
                    }
                }
                ListEntries::Networks(networks) => {
                    compiled.network_kinds = compiled.network_kinds.union(kinds);
                    for network in networks {
                        compiled.networks.insert(network, index);
                    }
                }
                ListEntries::Expressions(texts) => {
                    compiled.expression_kinds = compiled.expression_kinds.union(kinds);
                    expressions.extend(texts.into_iter().map(|text| (text, index)));
                }
            }
            compiled.infos.push(list.info);
        }
        compiled.substrings = build_substrings(substrings)?;
        compiled.expressions = build_expressions(expressions)?;
        Ok(compiled)
    }

    fn insert_exact(&mut self, text: String, list: u32) {
        let key = match text.parse::<IpAddr>() {
            Ok(address) => address.to_string(),
            Err(_) => lowercase(&text).into_owned(),
        };
        let as_written = (key != text).then(|| text.into_boxed_str());
        let entries = self.exact.entry(key.into_boxed_str()).or_default();
        if !entries.iter().any(|entry| entry.list == list) {
            entries.push(ExactEntry { list, as_written });
        }
    }

    /// The lists `value` is on, in the order the lists were given, each once.
    pub fn check(&self, value: &ObservedValue) -> Vec<&WarningListInfo> {
        self.check_text(value.kind, &value.text)
    }

    /// [`WarningLists::check`] for a value given as its kind and text.
    pub fn check_text(&self, kind: ValueKind, text: &str) -> Vec<&WarningListInfo> {
        let mut hits = Vec::new();
        self.collect_hits(kind, text, &mut hits);
        hits.iter()
            .filter_map(|list| self.infos.get(*list as usize))
            .collect()
    }

    /// Whether `value` is on any list.
    pub fn is_listed(&self, value: &ObservedValue) -> bool {
        let mut hits = Vec::new();
        self.collect_hits(value.kind, &value.text, &mut hits);
        !hits.is_empty()
    }

    /// The lists, in the order they were given.
    pub fn lists(&self) -> &[WarningListInfo] {
        &self.infos
    }

    pub fn len(&self) -> usize {
        self.infos.len()
    }

    pub fn is_empty(&self) -> bool {
        self.infos.is_empty()
    }

    /// The number of entries of all lists together.
    pub fn entry_count(&self) -> usize {
        self.infos.iter().map(|info| info.entry_count).sum()
    }

    /// Replaces `hits` with the indexes of the lists holding the value, sorted and
    /// without repeats.
    pub(crate) fn collect_hits(&self, kind: ValueKind, text: &str, hits: &mut Vec<u32>) {
        hits.clear();
        let text = text.trim();
        let mut found = |list: u32| {
            if self.applies(list, kind) {
                hits.push(list);
            }
        };
        match kind {
            ValueKind::Ipv4 | ValueKind::Ipv6 | ValueKind::Cidr => {
                if self.network_kinds.contains(kind) {
                    if let Some(network) = parse_observed_network(text) {
                        self.networks.lists_containing(network, &mut |lists| {
                            lists.iter().for_each(&mut found)
                        });
                    }
                }
                if self.exact_kinds.contains(kind) {
                    let canonical = text.parse::<IpAddr>().map(|address| address.to_string());
                    let key = canonical.as_deref().unwrap_or(text);
                    self.probe_exact(key, None, &mut found);
                }
            }
            ValueKind::Domain => {
                let name = normalise_name(text);
                self.probe_exact(&name, None, &mut found);
                self.probe_host_name(kind, &name, &mut found);
            }
            ValueKind::Url => {
                self.probe_exact(text, Some(text), &mut found);
                if let Some(host) = url_host(text) {
                    match host.parse::<IpAddr>() {
                        Ok(address) if self.network_kinds.contains(kind) => self
                            .networks
                            .lists_containing(IpNet::from(address), &mut |lists| {
                                lists.iter().for_each(&mut found)
                            }),
                        Ok(_) => {}
                        Err(_) => {
                            let name = normalise_name(host);
                            self.probe_exact(&name, None, &mut found);
                            self.probe_host_name(kind, &name, &mut found);
                        }
                    }
                }
            }
            ValueKind::Email => {
                self.probe_exact(text, None, &mut found);
                if let Some(domain) = email_domain(text) {
                    self.probe_host_name(kind, &normalise_name(domain), &mut found);
                }
            }
            ValueKind::Md5
            | ValueKind::Sha1
            | ValueKind::Sha256
            | ValueKind::Sha512
            | ValueKind::Ssdeep => self.probe_exact(text, None, &mut found),
            ValueKind::Other => self.probe_exact(text, Some(text), &mut found),
        }
        if self.substring_kinds.contains(kind) {
            if let Some((automaton, lists)) = &self.substrings {
                for found_match in automaton.find_overlapping_iter(text) {
                    if let Some(list) = lists.get(found_match.pattern().as_usize()) {
                        found(*list);
                    }
                }
            }
        }
        if self.expression_kinds.contains(kind) {
            if let Some((set, lists)) = &self.expressions {
                for expression in set.matches(text).iter() {
                    if let Some(list) = lists.get(expression) {
                        found(*list);
                    }
                }
            }
        }
        hits.sort_unstable();
        hits.dedup();
    }

    fn applies(&self, list: u32, kind: ValueKind) -> bool {
        self.infos
            .get(list as usize)
            .is_some_and(|info| info.value_kinds.contains(kind))
    }

    /// Looks `text` up among the `string` entries: case-insensitively, or, when
    /// `case_sensitive` is given, against the entry as written.
    fn probe_exact(&self, text: &str, case_sensitive: Option<&str>, found: &mut impl FnMut(u32)) {
        if self.exact.is_empty() {
            return;
        }
        let key = lowercase(text);
        let Some(entries) = self.exact.get(key.as_ref()) else {
            return;
        };
        for entry in entries {
            if let Some(observed) = case_sensitive {
                let written = entry.as_written.as_deref().unwrap_or(key.as_ref());
                if written != observed {
                    continue;
                }
            }
            found(entry.list);
        }
    }

    /// Looks the name and each of its parent names up among the `hostname` entries.
    fn probe_host_name(&self, kind: ValueKind, name: &str, found: &mut impl FnMut(u32)) {
        if !self.host_name_kinds.contains(kind) || name.is_empty() {
            return;
        }
        let mut suffix = name;
        loop {
            if let Some(lists) = self.host_names.get(suffix) {
                lists.iter().for_each(&mut *found);
            }
            match suffix.split_once('.') {
                Some((_, parent)) if !parent.is_empty() => suffix = parent,
                _ => break,
            }
        }
    }
}

/// An observed address or range; a range's host bits are cleared.
fn parse_observed_network(text: &str) -> Option<IpNet> {
    if let Ok(address) = text.parse::<IpAddr>() {
        return Some(IpNet::from(address));
    }
    text.parse::<IpNet>().ok().map(|network| network.trunc())
}

fn build_substrings(
    entries: Vec<(String, u32)>,
) -> Result<Option<(AhoCorasick, Vec<u32>)>, WarningListError> {
    if entries.is_empty() {
        return Ok(None);
    }
    let (patterns, lists): (Vec<String>, Vec<u32>) = entries.into_iter().unzip();
    let automaton = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(&patterns)
        .map_err(|error| WarningListError::TooLarge {
            matcher: "substring entries",
            reason: error.to_string(),
        })?;
    Ok(Some((automaton, lists)))
}

fn build_expressions(
    entries: Vec<(String, u32)>,
) -> Result<Option<(RegexSet, Vec<u32>)>, WarningListError> {
    if entries.is_empty() {
        return Ok(None);
    }
    let (patterns, lists): (Vec<String>, Vec<u32>) = entries.into_iter().unzip();
    let set = RegexSetBuilder::new(&patterns)
        .size_limit(EXPRESSION_SET_SIZE_LIMIT)
        .build()
        .map_err(|error| WarningListError::TooLarge {
            matcher: "regular expressions",
            reason: error.to_string(),
        })?;
    Ok(Some((set, lists)))
}
