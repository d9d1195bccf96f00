//! [`NetworkIndex`]: the ranges, AS numbers, domains and e-mail domains of every
//! organisation's profile, held so that each value intelligence names is looked up in a
//! few hash or tree probes.
//!
//! Organisation names are interned (an [`OrgId`] per organisation, its slot reused
//! after [`NetworkIndex::remove_organisation`]); the tables hold ids, and domain texts
//! are shared between an organisation's own list (kept for removal) and the table keys.
//! The lookups:
//! - an address: every range holding it ([`super::ranges`]); of nested ranges of one
//!   organisation, the narrowest, so one organisation gets one hit per address;
//! - a network: the ranges holding it (the narrowest per organisation), or else the
//!   ranges inside it (of nested ones, the broadest). Networks broader than
//!   [`BROADEST_LISTED_IPV4_PREFIX`] or [`BROADEST_LISTED_IPV6_PREFIX`] are skipped:
//!   a listed /4 says nothing about anyone;
//! - a domain: the name and each parent at a dot, one hash probe each, so
//!   `evilexample.nl` never meets `example.nl`; the most specific entry per
//!   organisation;
//! - a URL: its host, as an address or as a domain;
//! - an e-mail address: its domain against e-mail domains, then, as the weaker rule,
//!   against domains for organisations the first did not find;
//! - an AS number: one hash probe.

use std::cmp::Reverse;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use rustc_hash::FxHashMap;

use super::asset::{AssetKey, DomainKind, NetworkAsset};
use super::domain::{name_and_parents, observed_domain};
use super::owners::{OrgId, Owners};
use super::ranges::{AddressBits, FoundRange, RangeTable};
use crate::matched::MatchRule;
use crate::observables::{UrlHost, email_domain, url_host};
use crate::profile::AssetKind;

/// Listed IPv4 networks broader than this are skipped: too broad to tell anyone
/// anything.
pub const BROADEST_LISTED_IPV4_PREFIX: u8 = 8;
/// Listed IPv6 networks broader than this are skipped.
pub const BROADEST_LISTED_IPV6_PREFIX: u8 = 32;

/// How the value intelligence names stands to the profile entry it met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Relation {
    /// The value is the entry: the address of a /32, the domain itself, the AS number.
    Same,
    /// The value lies inside the entry: an address in a range, a subdomain.
    Inside,
    /// The value (a listed network) holds the entry.
    Holds,
}

/// A profile entry a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetHit<'index> {
    pub organisation: &'index str,
    pub asset: NetworkAsset,
    pub rule: MatchRule,
    pub relation: Relation,
}

/// What the lookups find before names are attached.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub(crate) organisation: OrgId,
    pub(crate) asset: NetworkAsset,
    pub(crate) rule: MatchRule,
    pub(crate) relation: Relation,
}

#[derive(Debug)]
struct Organisation {
    name: Arc<str>,
    assets: Vec<NetworkAsset>,
}

/// The network side of every profile (see the module documentation).
#[derive(Debug)]
pub struct NetworkIndex {
    organisations: Vec<Option<Organisation>>,
    free_slots: Vec<OrgId>,
    by_name: FxHashMap<Arc<str>, OrgId>,
    ipv4: RangeTable<u32>,
    ipv6: RangeTable<u128>,
    autonomous_systems: FxHashMap<u32, Owners>,
    domains: FxHashMap<Arc<str>, Owners>,
    email_domains: FxHashMap<Arc<str>, Owners>,
    entry_count: usize,
}

impl Default for NetworkIndex {
    fn default() -> NetworkIndex {
        NetworkIndex::new()
    }
}

impl NetworkIndex {
    pub fn new() -> NetworkIndex {
        NetworkIndex {
            organisations: Vec::new(),
            free_slots: Vec::new(),
            by_name: FxHashMap::default(),
            ipv4: RangeTable::new(),
            ipv6: RangeTable::new(),
            autonomous_systems: FxHashMap::default(),
            domains: FxHashMap::default(),
            email_domains: FxHashMap::default(),
            entry_count: 0,
        }
    }

    /// Adds an entry to `organisation`'s profile; false when it held it already.
    pub fn insert(&mut self, organisation: &str, asset: &NetworkAsset) -> bool {
        let id = self.intern(organisation);
        let added = match asset.key() {
            AssetKey::Ipv4(first, length) => self.ipv4.insert(first, length, id),
            AssetKey::Ipv6(first, length) => self.ipv6.insert(first, length, id),
            AssetKey::AutonomousSystem(number) => {
                add_owner(&mut self.autonomous_systems, number, id)
            }
            AssetKey::Name(kind, name) => add_owner(self.names_mut(kind), Arc::clone(name), id),
        };
        if added {
            if let Some(Some(slot)) = self.organisations.get_mut(id.0 as usize) {
                slot.assets.push(asset.clone());
            }
            self.entry_count += 1;
        } else {
            self.release_if_empty(id);
        }
        added
    }

    /// The table of domains or of e-mail domains.
    fn names_mut(&mut self, kind: AssetKind) -> &mut FxHashMap<Arc<str>, Owners> {
        match kind {
            AssetKind::EmailDomain => &mut self.email_domains,
            _ => &mut self.domains,
        }
    }

    /// Removes every entry of `organisation`; returns how many there were.
    pub fn remove_organisation(&mut self, organisation: &str) -> usize {
        let Some(id) = self.by_name.remove(organisation) else {
            return 0;
        };
        let Some(slot) = self
            .organisations
            .get_mut(id.0 as usize)
            .and_then(Option::take)
        else {
            return 0;
        };
        for asset in &slot.assets {
            self.remove_key(id, asset);
        }
        self.free_slots.push(id);
        self.entry_count -= slot.assets.len();
        slot.assets.len()
    }

    /// How many (organisation, entry) pairs the index holds.
    pub fn len(&self) -> usize {
        self.entry_count
    }

    pub fn is_empty(&self) -> bool {
        self.entry_count == 0
    }

    /// How many organisations have at least one entry.
    pub fn organisation_count(&self) -> usize {
        self.by_name.len()
    }

    /// The entries of `organisation`, in the order inserted.
    pub fn entries_of(&self, organisation: &str) -> &[NetworkAsset] {
        self.by_name
            .get(organisation)
            .and_then(|id| self.organisations.get(id.0 as usize))
            .and_then(Option::as_ref)
            .map_or(&[], |slot| slot.assets.as_slice())
    }

    fn intern(&mut self, organisation: &str) -> OrgId {
        if let Some(id) = self.by_name.get(organisation) {
            return *id;
        }
        let name: Arc<str> = Arc::from(organisation);
        let slot = Organisation {
            name: Arc::clone(&name),
            assets: Vec::new(),
        };
        let id = match self.free_slots.pop() {
            Some(id) => {
                self.organisations[id.0 as usize] = Some(slot);
                id
            }
            None => {
                let next = u32::try_from(self.organisations.len())
                    .expect("fewer than 2^32 organisations: each needs memory of its own");
                self.organisations.push(Some(slot));
                OrgId(next)
            }
        };
        self.by_name.insert(name, id);
        id
    }

    /// An organisation interned for an insert that added nothing is let go again.
    fn release_if_empty(&mut self, id: OrgId) {
        let empty = self
            .organisations
            .get(id.0 as usize)
            .and_then(Option::as_ref)
            .is_some_and(|slot| slot.assets.is_empty());
        if empty {
            if let Some(slot) = self.organisations[id.0 as usize].take() {
                self.by_name.remove(slot.name.as_ref());
                self.free_slots.push(id);
            }
        }
    }

    fn remove_key(&mut self, id: OrgId, asset: &NetworkAsset) {
        match asset.key() {
            AssetKey::Ipv4(first, length) => self.ipv4.remove(first, length, id),
            AssetKey::Ipv6(first, length) => self.ipv6.remove(first, length, id),
            AssetKey::AutonomousSystem(number) => {
                remove_owner(&mut self.autonomous_systems, &number, id)
            }
            AssetKey::Name(kind, name) => remove_owner(self.names_mut(kind), name.as_ref(), id),
        }
    }

    pub(crate) fn organisation_name(&self, id: OrgId) -> &str {
        self.organisations
            .get(id.0 as usize)
            .and_then(Option::as_ref)
            .map_or("", |slot| &slot.name)
    }

    /// Names the organisations of `hits` and orders them by organisation and entry.
    fn named(&self, hits: Vec<Hit>) -> Vec<AssetHit<'_>> {
        let mut named: Vec<AssetHit<'_>> = hits
            .into_iter()
            .map(|hit| AssetHit {
                organisation: self.organisation_name(hit.organisation),
                asset: hit.asset,
                rule: hit.rule,
                relation: hit.relation,
            })
            .collect();
        named.sort_by(|left, right| {
            (left.organisation, &left.asset).cmp(&(right.organisation, &right.asset))
        });
        named
    }

    /// Every organisation whose range holds `address`.
    pub fn lookup_address(&self, address: IpAddr) -> Vec<AssetHit<'_>> {
        self.named(self.address_hits(address, MatchRule::AddressInRange))
    }

    /// Every organisation whose ranges overlap `network` (host bits are ignored); none
    /// for networks broader than the `BROADEST_LISTED_*` prefixes.
    pub fn lookup_network(&self, network: IpNet) -> Vec<AssetHit<'_>> {
        self.named(self.network_hits(network))
    }

    /// Every organisation owning `domain` or a parent of it.
    pub fn lookup_domain(&self, domain: &str) -> Vec<AssetHit<'_>> {
        match observed_domain(domain) {
            Some(name) => self.named(self.domain_hits(&name, MatchRule::DomainOrSubdomain)),
            None => Vec::new(),
        }
    }

    /// Every organisation owning the host of `url` (a domain, or an address in a range).
    pub fn lookup_url(&self, url: &str) -> Vec<AssetHit<'_>> {
        match url_host(url) {
            Some(host) => self.named(self.url_hits(&host)),
            None => Vec::new(),
        }
    }

    /// Every organisation whose e-mail domain (or, weaker, domain) holds `address`.
    pub fn lookup_email(&self, address: &str) -> Vec<AssetHit<'_>> {
        match email_domain(address) {
            Some(domain) => self.named(self.email_hits(&domain)),
            None => Vec::new(),
        }
    }

    /// Every organisation listing autonomous system `number`.
    pub fn lookup_autonomous_system(&self, number: u32) -> Vec<AssetHit<'_>> {
        self.named(self.autonomous_system_hits(number))
    }

    pub(crate) fn address_hits(&self, address: IpAddr, rule: MatchRule) -> Vec<Hit> {
        match address {
            IpAddr::V4(address) => holding_hits(&self.ipv4, address.to_bits(), 32, rule),
            IpAddr::V6(address) => holding_hits(&self.ipv6, address.to_bits(), 128, rule),
        }
    }

    pub(crate) fn network_hits(&self, network: IpNet) -> Vec<Hit> {
        let network = network.trunc();
        match network {
            IpNet::V4(network) if network.prefix_len() >= BROADEST_LISTED_IPV4_PREFIX => {
                overlap_hits(
                    &self.ipv4,
                    network.network().to_bits(),
                    network.prefix_len(),
                )
            }
            IpNet::V6(network) if network.prefix_len() >= BROADEST_LISTED_IPV6_PREFIX => {
                overlap_hits(
                    &self.ipv6,
                    network.network().to_bits(),
                    network.prefix_len(),
                )
            }
            _ => Vec::new(),
        }
    }

    /// `name` must be in the form of [`observed_domain`].
    pub(crate) fn domain_hits(&self, name: &str, rule: MatchRule) -> Vec<Hit> {
        name_hits(&self.domains, DomainKind::Domain, name, rule)
    }

    pub(crate) fn url_hits(&self, host: &UrlHost) -> Vec<Hit> {
        match host {
            UrlHost::Address(address) => self.address_hits(*address, MatchRule::AddressInRange),
            UrlHost::Domain(name) => self.domain_hits(name, MatchRule::UrlOnDomain),
        }
    }

    /// `domain` must be in the form of [`observed_domain`].
    pub(crate) fn email_hits(&self, domain: &str) -> Vec<Hit> {
        let mut hits = name_hits(
            &self.email_domains,
            DomainKind::EmailDomain,
            domain,
            MatchRule::EmailOnDomain,
        );
        let strong = hits.len();
        for weaker in self.domain_hits(domain, MatchRule::DomainOrSubdomain) {
            if !hits[..strong]
                .iter()
                .any(|hit| hit.organisation == weaker.organisation)
            {
                hits.push(weaker);
            }
        }
        hits
    }

    pub(crate) fn autonomous_system_hits(&self, number: u32) -> Vec<Hit> {
        let Some(owners) = self.autonomous_systems.get(&number) else {
            return Vec::new();
        };
        owners
            .as_slice()
            .iter()
            .map(|organisation| Hit {
                organisation: *organisation,
                asset: NetworkAsset::known_autonomous_system(number),
                rule: MatchRule::AutonomousSystem,
                relation: Relation::Same,
            })
            .collect()
    }
}

fn add_owner<K: std::hash::Hash + Eq>(table: &mut FxHashMap<K, Owners>, key: K, id: OrgId) -> bool {
    match table.entry(key) {
        std::collections::hash_map::Entry::Occupied(mut owners) => owners.get_mut().add(id),
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert(Owners::One(id));
            true
        }
    }
}

fn remove_owner<K, Q>(table: &mut FxHashMap<K, Owners>, key: &Q, id: OrgId)
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ?Sized,
{
    if table.get_mut(key).is_some_and(|owners| owners.remove(id)) {
        table.remove(key);
    }
}

/// The ranges holding `first/length`: of one organisation's nested ranges, the
/// narrowest.
fn holding_hits<A: AddressBits>(
    table: &RangeTable<A>,
    first: A,
    length: u8,
    rule: MatchRule,
) -> Vec<Hit> {
    let mut found = Vec::new();
    table.holding(first, length, &mut found);
    found.sort_by_key(|range| (range.organisation, Reverse(range.length)));
    found.dedup_by_key(|range| range.organisation);
    found
        .into_iter()
        .map(|range| range_hit(range, rule, length))
        .collect()
}

/// The ranges overlapping `first/length`: those holding it, and for organisations with
/// none, the outermost of their ranges inside it.
fn overlap_hits<A: AddressBits>(table: &RangeTable<A>, first: A, length: u8) -> Vec<Hit> {
    let mut hits = holding_hits(table, first, length, MatchRule::AddressInRange);
    let mut inside = Vec::new();
    table.inside(first, length, &mut inside);
    inside.retain(|range| {
        !hits
            .iter()
            .any(|hit| hit.organisation == range.organisation)
    });
    inside.sort_by_key(|range| (range.organisation, range.first, range.length));
    let mut covered_until: Option<(OrgId, A)> = None;
    for range in inside {
        if let Some((organisation, last)) = covered_until {
            if organisation == range.organisation && range.first <= last {
                continue;
            }
        }
        covered_until = Some((range.organisation, range.first.last_of(range.length)));
        hits.push(range_hit(range, MatchRule::AddressInRange, length));
    }
    hits
}

fn range_hit<A: AddressBits>(range: FoundRange<A>, rule: MatchRule, observed_length: u8) -> Hit {
    let relation = match range.length.cmp(&observed_length) {
        std::cmp::Ordering::Equal => Relation::Same,
        std::cmp::Ordering::Less => Relation::Inside,
        std::cmp::Ordering::Greater => Relation::Holds,
    };
    Hit {
        organisation: range.organisation,
        asset: NetworkAsset::known_range(range.first.to_network(range.length)),
        rule,
        relation,
    }
}

/// The owners of `name` and of each parent of it; the most specific entry per
/// organisation.
fn name_hits(
    table: &FxHashMap<Arc<str>, Owners>,
    kind: DomainKind,
    name: &str,
    rule: MatchRule,
) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    if table.is_empty() {
        return hits;
    }
    for candidate in name_and_parents(name) {
        let Some((key, owners)) = table.get_key_value(candidate) else {
            continue;
        };
        let relation = if candidate.len() == name.len() {
            Relation::Same
        } else {
            Relation::Inside
        };
        for organisation in owners.as_slice() {
            if hits.iter().any(|hit| hit.organisation == *organisation) {
                continue;
            }
            hits.push(Hit {
                organisation: *organisation,
                asset: NetworkAsset::known_domain(kind, Arc::clone(key)),
                rule,
                relation,
            });
        }
    }
    hits
}
