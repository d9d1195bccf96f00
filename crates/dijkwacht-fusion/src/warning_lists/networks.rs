//! The address ranges of all `cidr` lists, arranged so that finding the ranges holding
//! an address costs one hash probe per prefix length in use.
//!
//! For each prefix length that some entry has, a hash map holds the entries' network
//! addresses, masked to that length. An address (or an observed range of length n) is
//! inside an entry of length l ≤ n exactly when the address masked to l is a key of the
//! map of length l. The real lists use a few dozen lengths at most, public resolvers
//! being single addresses, so a lookup is a handful of probes and never a scan.
//! An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is looked up as the IPv4 address
//! it carries, so that a private address cannot pass by being written in IPv6.

use std::net::IpAddr;

use ipnet::IpNet;
use rustc_hash::FxHashMap;

use super::compiled::ListIds;

#[derive(Debug, Default)]
pub(crate) struct NetworkTable {
    ipv4: Vec<PrefixLengthMap<u32>>,
    ipv6: Vec<PrefixLengthMap<u128>>,
}

#[derive(Debug)]
struct PrefixLengthMap<Address> {
    prefix_length: u8,
    networks: FxHashMap<Address, ListIds>,
}

impl NetworkTable {
    pub(crate) fn insert(&mut self, network: IpNet, list: u32) {
        match network {
            IpNet::V4(network) => insert_masked(
                &mut self.ipv4,
                mask_ipv4(network.network().to_bits(), network.prefix_len()),
                network.prefix_len(),
                list,
            ),
            IpNet::V6(network) => insert_masked(
                &mut self.ipv6,
                mask_ipv6(network.network().to_bits(), network.prefix_len()),
                network.prefix_len(),
                list,
            ),
        }
    }

    /// Calls `found` with the lists of every entry that holds the whole of `observed`.
    pub(crate) fn lists_containing(&self, observed: IpNet, found: &mut impl FnMut(&ListIds)) {
        match observed {
            IpNet::V4(network) => {
                let address = network.network().to_bits();
                for map in &self.ipv4 {
                    if map.prefix_length <= network.prefix_len() {
                        if let Some(lists) =
                            map.networks.get(&mask_ipv4(address, map.prefix_length))
                        {
                            found(lists);
                        }
                    }
                }
            }
            IpNet::V6(network) => {
                let address = network.network();
                if network.prefix_len() == 128 {
                    if let Some(mapped) = address.to_ipv4_mapped() {
                        self.lists_containing(IpNet::from(IpAddr::V4(mapped)), found);
                    }
                }
                let address = address.to_bits();
                for map in &self.ipv6 {
                    if map.prefix_length <= network.prefix_len() {
                        if let Some(lists) =
                            map.networks.get(&mask_ipv6(address, map.prefix_length))
                        {
                            found(lists);
                        }
                    }
                }
            }
        }
    }
}

fn insert_masked<Address: std::hash::Hash + Eq>(
    maps: &mut Vec<PrefixLengthMap<Address>>,
    masked: Address,
    prefix_length: u8,
    list: u32,
) {
    let position = match maps.binary_search_by_key(&prefix_length, |map| map.prefix_length) {
        Ok(position) => position,
        Err(position) => {
            maps.insert(
                position,
                PrefixLengthMap {
                    prefix_length,
                    networks: FxHashMap::default(),
                },
            );
            position
        }
    };
    if let Some(map) = maps.get_mut(position) {
        map.networks.entry(masked).or_default().push(list);
    }
}

fn mask_ipv4(address: u32, prefix_length: u8) -> u32 {
    match prefix_length {
        0 => 0,
        length => address & (u32::MAX << (32 - u32::from(length.min(32)))),
    }
}

fn mask_ipv6(address: u128, prefix_length: u8) -> u128 {
    match prefix_length {
        0 => 0,
        length => address & (u128::MAX << (128 - u32::from(length.min(128)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network(text: &str) -> IpNet {
        text.parse::<IpNet>()
            .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
            .unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    fn lists_holding(table: &NetworkTable, observed: &str) -> Vec<u32> {
        let mut lists = Vec::new();
        table.lists_containing(network(observed), &mut |found| lists.extend(found.iter()));
        lists.sort_unstable();
        lists
    }

    #[test]
    fn addresses_and_ranges_are_found_inside_entries_only() {
        let mut table = NetworkTable::default();
        table.insert(network("10.0.0.0/8"), 0);
        table.insert(network("10.20.0.0/16"), 1);
        table.insert(network("2001:db8::/32"), 2);
        table.insert(network("0.0.0.0/0"), 3);
        assert_eq!(lists_holding(&table, "10.20.1.1"), vec![0, 1, 3]);
        assert_eq!(lists_holding(&table, "10.0.0.0/9"), vec![0, 3]);
        assert_eq!(lists_holding(&table, "10.0.0.0/7"), vec![3]);
        assert_eq!(lists_holding(&table, "11.0.0.1"), vec![3]);
        assert_eq!(lists_holding(&table, "2001:db8:1::/48"), vec![2]);
        assert_eq!(lists_holding(&table, "2001:db9::1"), Vec::<u32>::new());
        assert_eq!(lists_holding(&table, "::ffff:10.20.3.4"), vec![0, 1, 3]);
    }
}
