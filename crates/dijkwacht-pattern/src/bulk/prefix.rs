//! CIDR anchors: `ipv4-addr:value ISSUBSET '10.0.0.0/8'` and `= '10.0.0.0/8'`.
//!
//! A lookup must find every indexed prefix that contains an observed address, with
//! insertion and removal one at a time. Prefixes are split by length at a bucket width
//! (16 bits for IPv4, 32 for IPv6, where nearly all published prefixes are longer):
//! - a longer prefix lies inside exactly one bucket, so buckets (keyed by the address's
//!   first bits) hold short lists that a lookup scans;
//! - a prefix up to 8 bits shorter is copied into each of the (at most 256) buckets it
//!   covers — such prefixes are rare, so the copies cost little;
//! - a prefix shorter still is kept in a map for its length, keyed by its network
//!   address; a lookup probes one map per such length present (a bitmask says which).
//!
//! So a lookup usually costs one hash probe, instead of a walk down a trie of up to 32
//! or 128 dependent memory reads.

use std::net::{Ipv4Addr, Ipv6Addr};

use rustc_hash::FxHashMap;

use super::value_table::Posting;

/// An address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    V4,
    V6,
}

impl Family {
    fn width(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
    fn bucket_bits(self) -> u8 {
        match self {
            Family::V4 => 16,
            Family::V6 => 32,
        }
    }
}

/// An address range written as an address or a CIDR, host bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    pub(crate) family: Family,
    pub(crate) first: u128,
    pub(crate) length: u8,
}

impl Cidr {
    /// `10.1.2.3`, `10.0.0.0/8`, `2001:db8::/32`; `None` for anything else.
    pub(crate) fn parse(text: &str) -> Option<Cidr> {
        let (address, length) = match text.split_once('/') {
            Some((address, length)) => {
                if length.is_empty() || !length.bytes().all(|byte| byte.is_ascii_digit()) {
                    return None;
                }
                (address, Some(length.parse::<u8>().ok()?))
            }
            None => (text, None),
        };
        let (family, bits) = if let Ok(v4) = address.parse::<Ipv4Addr>() {
            (Family::V4, u128::from(u32::from(v4)))
        } else if let Ok(v6) = address.parse::<Ipv6Addr>() {
            (Family::V6, u128::from(v6))
        } else {
            return None;
        };
        let length = length.unwrap_or(family.width());
        if length > family.width() {
            return None;
        }
        Some(Cidr {
            family,
            first: bits & network_mask(family, length),
            length,
        })
    }

    /// Whether `other` lies wholly inside this range.
    pub(crate) fn contains(&self, other: &Cidr) -> bool {
        self.family == other.family
            && self.length <= other.length
            && other.first & network_mask(self.family, self.length) == self.first
    }
}

fn full_mask(family: Family) -> u128 {
    match family {
        Family::V4 => u128::from(u32::MAX),
        Family::V6 => u128::MAX,
    }
}

fn network_mask(family: Family, length: u8) -> u128 {
    let width = family.width();
    if length == 0 {
        0
    } else {
        (full_mask(family) >> (width - length) << (width - length)) & full_mask(family)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PrefixEntry {
    cidr: Cidr,
    posting: Posting,
}

/// The prefixes of one address family under one path.
#[derive(Debug)]
struct FamilyPrefixes {
    family: Family,
    /// Bit `n` is set when `short[n]` is not empty.
    short_lengths_present: u64,
    short: Vec<FxHashMap<u128, Vec<PrefixEntry>>>,
    buckets: FxHashMap<u64, Vec<PrefixEntry>>,
}

impl FamilyPrefixes {
    fn new(family: Family) -> FamilyPrefixes {
        FamilyPrefixes {
            family,
            short_lengths_present: 0,
            short: (0..family.bucket_bits())
                .map(|_| FxHashMap::default())
                .collect(),
            buckets: FxHashMap::default(),
        }
    }

    fn bucket_of(&self, address: u128) -> u64 {
        // The first bucket_bits (at most 32) bits of the address.
        u64::try_from(address >> (self.family.width() - self.family.bucket_bits())).unwrap_or(0)
    }

    /// The buckets a prefix is kept in: one for a long prefix, every covered one for
    /// a prefix up to 8 bits shorter than the bucket width; `None` for a shorter one,
    /// which goes to the map of its length.
    fn buckets_of(&self, cidr: &Cidr) -> Option<std::ops::RangeInclusive<u64>> {
        let bucket_bits = self.family.bucket_bits();
        let first = self.bucket_of(cidr.first);
        if cidr.length >= bucket_bits {
            Some(first..=first)
        } else if bucket_bits - cidr.length <= 8 {
            Some(first..=first + (1u64 << (bucket_bits - cidr.length)) - 1)
        } else {
            None
        }
    }

    fn insert(&mut self, cidr: Cidr, posting: Posting) {
        let entry = PrefixEntry { cidr, posting };
        let buckets = self.buckets_of(&cidr);
        if buckets.is_none() {
            self.short_lengths_present |= 1 << cidr.length;
            self.short[usize::from(cidr.length)]
                .entry(cidr.first)
                .or_default()
                .push(entry);
        }
        for bucket in buckets.into_iter().flatten() {
            self.buckets.entry(bucket).or_default().push(entry);
        }
    }

    fn remove(&mut self, cidr: &Cidr, slot: u32) {
        let is_removed = |entry: &PrefixEntry| entry.cidr == *cidr && entry.posting.slot() == slot;
        let buckets = self.buckets_of(cidr);
        if buckets.is_none() {
            let map = &mut self.short[usize::from(cidr.length)];
            if let Some(list) = map.get_mut(&cidr.first) {
                list.retain(|entry| !is_removed(entry));
                if list.is_empty() {
                    map.remove(&cidr.first);
                }
            }
            if map.is_empty() {
                self.short_lengths_present &= !(1 << cidr.length);
            }
        }
        for bucket in buckets.into_iter().flatten() {
            if let Some(list) = self.buckets.get_mut(&bucket) {
                list.retain(|entry| !is_removed(entry));
                if list.is_empty() {
                    self.buckets.remove(&bucket);
                }
            }
        }
    }

    fn lookup(&self, observed: &Cidr, found: &mut Vec<Posting>) {
        let mut lengths = self.short_lengths_present;
        while lengths != 0 {
            let length = lengths.trailing_zeros() as u8;
            lengths &= lengths - 1;
            let key = observed.first & network_mask(self.family, length);
            if let Some(list) = self.short[usize::from(length)].get(&key) {
                collect(list, observed, found);
            }
        }
        if let Some(list) = self.buckets.get(&self.bucket_of(observed.first)) {
            collect(list, observed, found);
        }
    }

    fn heap_bytes(&self) -> usize {
        let entry = size_of::<PrefixEntry>();
        let list_overhead = size_of::<Vec<PrefixEntry>>() + 16;
        let short: usize = self
            .short
            .iter()
            .map(|map| {
                map.capacity() * (list_overhead + 8)
                    + map
                        .values()
                        .map(|list| list.capacity() * entry)
                        .sum::<usize>()
            })
            .sum();
        short
            + self.buckets.capacity() * (list_overhead + 8)
            + self
                .buckets
                .values()
                .map(|list| list.capacity() * entry)
                .sum::<usize>()
    }
}

fn collect(list: &[PrefixEntry], observed: &Cidr, found: &mut Vec<Posting>) {
    for entry in list {
        if entry.cidr.contains(observed) {
            found.push(entry.posting);
        }
    }
}

/// The CIDR anchors under one path, both families.
#[derive(Debug)]
pub(crate) struct PrefixIndex {
    v4: FamilyPrefixes,
    v6: FamilyPrefixes,
}

impl Default for PrefixIndex {
    fn default() -> PrefixIndex {
        PrefixIndex {
            v4: FamilyPrefixes::new(Family::V4),
            v6: FamilyPrefixes::new(Family::V6),
        }
    }
}

impl PrefixIndex {
    fn family_mut(&mut self, family: Family) -> &mut FamilyPrefixes {
        match family {
            Family::V4 => &mut self.v4,
            Family::V6 => &mut self.v6,
        }
    }

    pub(crate) fn insert(&mut self, cidr: Cidr, posting: Posting) {
        self.family_mut(cidr.family).insert(cidr, posting);
    }

    pub(crate) fn remove(&mut self, cidr: &Cidr, slot: u32) {
        self.family_mut(cidr.family).remove(cidr, slot);
    }

    /// Adds the postings of every prefix that contains the whole of `observed`.
    pub(crate) fn lookup(&self, observed: &Cidr, found: &mut Vec<Posting>) {
        match observed.family {
            Family::V4 => self.v4.lookup(observed, found),
            Family::V6 => self.v6.lookup(observed, found),
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.v4.heap_bytes() + self.v6.heap_bytes()
    }
}
