//! Warning lists built into Dijkwacht, so that the obvious non-indicators are caught
//! without any list files: addresses that cannot be anyone's attacker on the Internet
//! (private, shared, loopback, link-local, multicast, reserved and documentation
//! ranges) and names that the IETF reserved for special use.
//!
//! Each list cites the RFCs its entries come from. The address lists also apply to URLs
//! whose host is an address literal (`http://192.168.1.1/`), and the name list to the
//! host of URLs and the domain of e-mail addresses. `.onion` (RFC 7686) is deliberately
//! absent: onion services are real, and often malicious, destinations.

use super::kind::{ValueKind, ValueKinds};
use super::list::{ListType, WarningList, WarningListInfo};

/// The version of the built-in lists; raised whenever their entries change.
pub const BUILTIN_VERSION: u64 = 1;

struct BuiltinList {
    key: &'static str,
    title: &'static str,
    description: &'static str,
    list_type: ListType,
    entries: &'static [&'static str],
}

const BUILTIN_LISTS: &[BuiltinList] = &[
    BuiltinList {
        key: "dijkwacht-private-ranges",
        title: "Private and shared address ranges",
        description: "Private IPv4 networks (RFC 1918), shared address space for carrier-grade \
                      NAT (RFC 6598) and IPv6 unique local addresses (RFC 4193)",
        list_type: ListType::Cidr,
        entries: &[
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",
            "fc00::/7",
        ],
    },
    BuiltinList {
        key: "dijkwacht-loopback-and-link-local",
        title: "Loopback and link-local addresses",
        description: "IPv4 loopback (RFC 1122 §3.2.1.3), IPv4 link-local (RFC 3927), IPv6 \
                      loopback and link-local unicast (RFC 4291 §2.5.3, §2.5.6)",
        list_type: ListType::Cidr,
        entries: &["127.0.0.0/8", "169.254.0.0/16", "::1/128", "fe80::/10"],
    },
    BuiltinList {
        key: "dijkwacht-multicast",
        title: "Multicast addresses",
        description: "IPv4 multicast (RFC 5771) and IPv6 multicast (RFC 4291 §2.7)",
        list_type: ListType::Cidr,
        entries: &["224.0.0.0/4", "ff00::/8"],
    },
    BuiltinList {
        key: "dijkwacht-reserved-ranges",
        title: "This-network, reserved, benchmarking and unspecified addresses",
        description: "\"This network\" 0.0.0.0/8 (RFC 1122 §3.2.1.3, RFC 6890), IETF protocol \
                      assignments 192.0.0.0/24 (RFC 6890), benchmarking 198.18.0.0/15 \
                      (RFC 2544), reserved 240.0.0.0/4 with the limited broadcast address \
                      (RFC 1112, RFC 919), the IPv6 unspecified address (RFC 4291 §2.5.2)",
        list_type: ListType::Cidr,
        entries: &[
            "0.0.0.0/8",
            "192.0.0.0/24",
            "198.18.0.0/15",
            "240.0.0.0/4",
            "::/128",
        ],
    },
    BuiltinList {
        key: "dijkwacht-documentation-ranges",
        title: "Documentation address ranges",
        description: "IPv4 TEST-NET-1, -2 and -3 (RFC 5737) and the IPv6 documentation prefix \
                      (RFC 3849)",
        list_type: ListType::Cidr,
        entries: &[
            "192.0.2.0/24",
            "198.51.100.0/24",
            "203.0.113.0/24",
            "2001:db8::/32",
        ],
    },
    BuiltinList {
        key: "dijkwacht-special-use-names",
        title: "Special-use and reserved domain names",
        description: "localhost and its subdomains, .test, .example, .invalid and the example \
                      second-level domains (RFC 2606, RFC 6761), .local (RFC 6762), \
                      .home.arpa (RFC 8375) and .internal (reserved for private use by ICANN \
                      in 2024)",
        list_type: ListType::Hostname,
        entries: &[
            "localhost",
            "local",
            "test",
            "example",
            "invalid",
            "internal",
            "home.arpa",
            "example.com",
            "example.net",
            "example.org",
        ],
    },
];

/// The built-in lists, in a fixed order.
pub fn builtin_lists() -> Vec<WarningList> {
    BUILTIN_LISTS
        .iter()
        .map(|builtin| {
            let value_kinds = match builtin.list_type {
                ListType::Cidr => ValueKinds::from_kinds(&[
                    ValueKind::Ipv4,
                    ValueKind::Ipv6,
                    ValueKind::Cidr,
                    ValueKind::Url,
                ]),
                other => other.default_value_kinds(),
            };
            let info = WarningListInfo {
                key: builtin.key.to_owned(),
                name: builtin.title.to_owned(),
                description: builtin.description.to_owned(),
                version: BUILTIN_VERSION,
                list_type: builtin.list_type,
                category: Some("false-positive".to_owned()),
                matching_attributes: Vec::new(),
                value_kinds,
                entry_count: builtin.entries.len(),
            };
            // The entries are constants of this file; the test below reads every one.
            WarningList::new(info, builtin.entries)
                .expect("the built-in warning lists' entries are valid")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_entry_is_understood_and_every_list_cites_an_rfc() {
        let lists = builtin_lists();
        assert_eq!(lists.len(), BUILTIN_LISTS.len());
        for list in &lists {
            assert!(list.info.key.starts_with("dijkwacht-"), "{}", list.info.key);
            assert!(list.info.description.contains("RFC "), "{}", list.info.key);
            assert!(list.info.entry_count > 0);
        }
    }
}
