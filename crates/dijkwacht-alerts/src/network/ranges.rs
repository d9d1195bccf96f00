//! The address ranges of every profile, one table per address family, answering the
//! two questions matching asks: which ranges hold an address or network, and which
//! ranges lie inside a listed network.
//!
//! Ranges are CIDR blocks, so two of them are either nested or disjoint. The table is
//! a `BTreeMap` keyed by (first address, prefix length) with a count of ranges per
//! prefix length:
//! - the ranges holding `a/n` are found by one exact probe per prefix length `≤ n` that
//!   some range has (profiles use a handful: /22–/29, /32, /48), with `a` cut to that
//!   length — no walk down a trie of 32 or 128 levels;
//! - the ranges inside `a/n` are one ordered scan of the keys from `a` to the last
//!   address of `a/n`, which is why the map is ordered.
//!
//! IPv4 keys are `u32`, so the 250,000 ranges of 100,000 profiles cost about 40 bytes
//! each with their owners.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::owners::{OrgId, Owners};

/// The bits of an address of one family.
pub(crate) trait AddressBits: Copy + Ord + std::fmt::Debug {
    const WIDTH: u8;
    /// The first address of the `length`-bit prefix holding `self`.
    fn first_of(self, length: u8) -> Self;
    /// The last address of the `length`-bit prefix holding `self`.
    fn last_of(self, length: u8) -> Self;
    fn to_network(self, length: u8) -> IpNet;
}

/// `AddressBits` for the bits of one family's address type.
macro_rules! address_bits {
    ($bits:ty, $width:literal, $address:ty, $network:ident, $variant:ident) => {
        impl AddressBits for $bits {
            const WIDTH: u8 = $width;
            fn first_of(self, length: u8) -> $bits {
                // The host bits: none for a full-length prefix.
                let host = <$bits>::MAX.checked_shr(u32::from(length)).unwrap_or(0);
                self & !host
            }
            fn last_of(self, length: u8) -> $bits {
                let host = <$bits>::MAX.checked_shr(u32::from(length)).unwrap_or(0);
                self | host
            }
            fn to_network(self, length: u8) -> IpNet {
                // The length came from a valid range of this family.
                IpNet::$variant($network::new_assert(<$address>::from(self), length))
            }
        }
    };
}

address_bits!(u32, 32, Ipv4Addr, Ipv4Net, V4);
address_bits!(u128, 128, Ipv6Addr, Ipv6Net, V6);

/// One range an organisation holds, as found by a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FoundRange<A> {
    pub(crate) first: A,
    pub(crate) length: u8,
    pub(crate) organisation: OrgId,
}

/// The ranges of one address family.
#[derive(Debug)]
pub(crate) struct RangeTable<A> {
    ranges: BTreeMap<(A, u8), Owners>,
    /// How many keys have each prefix length, so lookups probe only lengths in use.
    keys_by_length: Vec<u32>,
}

impl<A: AddressBits> RangeTable<A> {
    pub(crate) fn new() -> RangeTable<A> {
        RangeTable {
            ranges: BTreeMap::new(),
            keys_by_length: vec![0; usize::from(A::WIDTH) + 1],
        }
    }

    /// Adds a range (host bits already cleared); false when the organisation held it.
    pub(crate) fn insert(&mut self, first: A, length: u8, organisation: OrgId) -> bool {
        match self.ranges.entry((first, length)) {
            std::collections::btree_map::Entry::Occupied(mut owners) => {
                owners.get_mut().add(organisation)
            }
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(Owners::One(organisation));
                self.keys_by_length[usize::from(length)] += 1;
                true
            }
        }
    }

    pub(crate) fn remove(&mut self, first: A, length: u8, organisation: OrgId) {
        let key = (first, length);
        let now_empty = self
            .ranges
            .get_mut(&key)
            .is_some_and(|owners| owners.remove(organisation));
        if now_empty {
            self.ranges.remove(&key);
            self.keys_by_length[usize::from(length)] -= 1;
        }
    }

    /// Every range holding `first/length` (an equal range included), appended to
    /// `found`.
    pub(crate) fn holding(&self, first: A, length: u8, found: &mut Vec<FoundRange<A>>) {
        for (probe_length, count) in self.keys_by_length.iter().enumerate() {
            let Ok(probe_length) = u8::try_from(probe_length) else {
                break;
            };
            if probe_length > length {
                break;
            }
            if *count == 0 {
                continue;
            }
            let probe_first = first.first_of(probe_length);
            if let Some(owners) = self.ranges.get(&(probe_first, probe_length)) {
                found.extend(owners.as_slice().iter().map(|organisation| FoundRange {
                    first: probe_first,
                    length: probe_length,
                    organisation: *organisation,
                }));
            }
        }
    }

    /// Every range strictly inside `first/length`, appended to `found` in address order.
    pub(crate) fn inside(&self, first: A, length: u8, found: &mut Vec<FoundRange<A>>) {
        if length >= A::WIDTH {
            return;
        }
        let last = first.last_of(length);
        for ((range_first, range_length), owners) in
            self.ranges.range((first, length + 1)..=(last, A::WIDTH))
        {
            found.extend(owners.as_slice().iter().map(|organisation| FoundRange {
                first: *range_first,
                length: *range_length,
                organisation: *organisation,
            }));
        }
    }
}
