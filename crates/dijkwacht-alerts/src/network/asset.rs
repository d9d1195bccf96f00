//! The network entries of a profile — address ranges, autonomous systems, domains and
//! e-mail domains — parsed from what a member wrote and kept in one normal form.
//!
//! The normal form is what is stored and shown back ([`NetworkAsset::entry`]), so it
//! says what Dijkwacht understood: `198.51.100.7` becomes `198.51.100.7/32`, a range
//! written with host bits (`198.51.100.7/24`) becomes `198.51.100.0/24`, `as64500`
//! becomes `AS64500`, `Example.NL.` becomes `example.nl` and `münchen.de`
//! `xn--mnchen-3ya.de`. Every refusal names the rule, so that a member can fix the line
//! of their CSV file.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::domain::{DomainProblem, profile_domain};
use crate::profile::{AssetEntry, AssetKind};

/// The broadest IPv4 range a profile may hold. No organisation holds more than a /8,
/// and a broader range would make every listed address somewhere in it an alert.
pub const BROADEST_PROFILE_IPV4_PREFIX: u8 = 8;
/// The broadest IPv6 range a profile may hold; the largest allocations to network
/// operators are far narrower.
pub const BROADEST_PROFILE_IPV6_PREFIX: u8 = 16;

/// One network entry of a profile, checked and in normal form. The fields are private
/// so that every value went through [`NetworkAsset::parse`] (or the constructors that
/// check as it does).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NetworkAsset(Asset);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Asset {
    Range(IpNet),
    AutonomousSystem(u32),
    // Shared with the index's tables, which key on the same text.
    Domain(Arc<str>),
    EmailDomain(Arc<str>),
}

/// Where an entry lives in the index's tables: the bits and length of a range, an AS
/// number, or a name (shared with the entry) of either domain kind.
#[derive(Debug)]
pub(crate) enum AssetKey<'a> {
    Ipv4(u32, u8),
    Ipv6(u128, u8),
    AutonomousSystem(u32),
    Name(AssetKind, &'a Arc<str>),
}

/// Which of the two domain kinds an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DomainKind {
    Domain,
    EmailDomain,
}

/// Why a profile value is not a network asset; the message names the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkAssetError {
    #[error("kind {0} is not a network kind; network kinds are cidr, asn, domain, email-domain")]
    NotNetworkKind(AssetKind),
    #[error("the value is empty")]
    Empty,
    #[error(
        "'{0}' is not an IPv4 or IPv6 address or network; write an address (198.51.100.7) or a network (198.51.100.0/24, 2001:db8::/48)"
    )]
    NotAnAddress(String),
    #[error(
        "'{value}' has prefix length {length}, but an {family} network has at most {maximum} bits"
    )]
    PrefixTooLong {
        value: String,
        family: &'static str,
        length: u32,
        maximum: u8,
    },
    #[error(
        "'{value}' is broader than /{broadest}, the broadest {family} range a profile may hold; list the ranges the organisation holds"
    )]
    RangeTooBroad {
        value: String,
        family: &'static str,
        broadest: u8,
    },
    #[error("'{0}' is not an AS number; write 64500 or AS64500")]
    NotAnAsNumber(String),
    #[error("'{0}' is out of range; AS numbers run from 1 to 4294967295 (AS0 is reserved)")]
    AsNumberOutOfRange(String),
    #[error("'{value}' is not a domain a profile may hold: {problem}")]
    Domain {
        value: String,
        #[source]
        problem: DomainProblem,
    },
}

impl NetworkAsset {
    /// Parses `value` as an entry of `kind` (`cidr`, `asn`, `domain`, `email-domain`).
    pub fn parse(kind: AssetKind, value: &str) -> Result<NetworkAsset, NetworkAssetError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(NetworkAssetError::Empty);
        }
        let asset = match kind {
            AssetKind::Cidr => Asset::Range(parse_range(value)?),
            AssetKind::Asn => Asset::AutonomousSystem(parse_as_number(value)?),
            AssetKind::Domain => Asset::Domain(parse_domain(value)?.into()),
            AssetKind::EmailDomain => Asset::EmailDomain(parse_domain(value)?.into()),
            AssetKind::Cpe | AssetKind::Purl | AssetKind::Product => {
                return Err(NetworkAssetError::NotNetworkKind(kind));
            }
        };
        Ok(NetworkAsset(asset))
    }

    /// The range as an entry, refused like [`NetworkAsset::parse`] when it is broader
    /// than a profile may hold. Host bits are cleared.
    pub fn from_range(range: IpNet) -> Result<NetworkAsset, NetworkAssetError> {
        check_breadth(range, &range.to_string())?;
        Ok(NetworkAsset(Asset::Range(range.trunc())))
    }

    /// The kind of profile entry this is.
    pub fn kind(&self) -> AssetKind {
        match &self.0 {
            Asset::Range(_) => AssetKind::Cidr,
            Asset::AutonomousSystem(_) => AssetKind::Asn,
            Asset::Domain(_) => AssetKind::Domain,
            Asset::EmailDomain(_) => AssetKind::EmailDomain,
        }
    }

    /// The entry in its normal form, as stored and shown.
    pub fn entry(&self) -> AssetEntry {
        AssetEntry {
            kind: self.kind(),
            value: self.normal_value(),
        }
    }

    /// The address range, for a `cidr` entry.
    pub fn range(&self) -> Option<IpNet> {
        match &self.0 {
            Asset::Range(range) => Some(*range),
            _ => None,
        }
    }

    /// The AS number, for an `asn` entry.
    pub fn autonomous_system(&self) -> Option<u32> {
        match &self.0 {
            Asset::AutonomousSystem(number) => Some(*number),
            _ => None,
        }
    }

    /// The domain (lower-case ASCII, punycode), for a `domain` or `email-domain` entry.
    pub fn domain(&self) -> Option<&str> {
        match &self.0 {
            Asset::Domain(name) | Asset::EmailDomain(name) => Some(name),
            _ => None,
        }
    }

    /// Where the entry lives in the index's tables.
    pub(crate) fn key(&self) -> AssetKey<'_> {
        match &self.0 {
            Asset::Range(IpNet::V4(range)) => {
                AssetKey::Ipv4(range.network().to_bits(), range.prefix_len())
            }
            Asset::Range(IpNet::V6(range)) => {
                AssetKey::Ipv6(range.network().to_bits(), range.prefix_len())
            }
            Asset::AutonomousSystem(number) => AssetKey::AutonomousSystem(*number),
            Asset::Domain(name) => AssetKey::Name(AssetKind::Domain, name),
            Asset::EmailDomain(name) => AssetKey::Name(AssetKind::EmailDomain, name),
        }
    }

    /// An entry the index found: a range it holds (checked when it was inserted) or a
    /// domain of either kind.
    pub(crate) fn known_range(range: IpNet) -> NetworkAsset {
        NetworkAsset(Asset::Range(range))
    }

    pub(crate) fn known_domain(kind: DomainKind, name: Arc<str>) -> NetworkAsset {
        NetworkAsset(match kind {
            DomainKind::Domain => Asset::Domain(name),
            DomainKind::EmailDomain => Asset::EmailDomain(name),
        })
    }

    pub(crate) fn known_autonomous_system(number: u32) -> NetworkAsset {
        NetworkAsset(Asset::AutonomousSystem(number))
    }

    fn normal_value(&self) -> String {
        match &self.0 {
            Asset::Range(range) => range.to_string(),
            Asset::AutonomousSystem(number) => format!("AS{number}"),
            Asset::Domain(name) | Asset::EmailDomain(name) => name.to_string(),
        }
    }
}

impl fmt::Display for NetworkAsset {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} {}", self.kind(), self.normal_value())
    }
}

/// `198.51.100.7`, `198.51.100.0/24`, `2001:db8::/48`; host bits are cleared.
fn parse_range(value: &str) -> Result<IpNet, NetworkAssetError> {
    let not_an_address = || NetworkAssetError::NotAnAddress(value.to_owned());
    let (address_text, length_text) = match value.split_once('/') {
        Some((address, length)) => (address.trim(), Some(length.trim())),
        None => (value, None),
    };
    let address: IpAddr = address_text.parse().map_err(|_| not_an_address())?;
    let (family, maximum) = match address {
        IpAddr::V4(_) => ("IPv4", 32),
        IpAddr::V6(_) => ("IPv6", 128),
    };
    let length = match length_text {
        None => u32::from(maximum),
        Some(text) if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) => {
            text.parse::<u32>().unwrap_or(u32::MAX)
        }
        Some(_) => return Err(not_an_address()),
    };
    let bits = u8::try_from(length).unwrap_or(u8::MAX);
    let range = IpNet::new(address, bits).map_err(|_| NetworkAssetError::PrefixTooLong {
        value: value.to_owned(),
        family,
        length,
        maximum,
    })?;
    check_breadth(range, value)?;
    Ok(range.trunc())
}

fn check_breadth(range: IpNet, written: &str) -> Result<(), NetworkAssetError> {
    let (family, broadest) = match range {
        IpNet::V4(_) => ("IPv4", BROADEST_PROFILE_IPV4_PREFIX),
        IpNet::V6(_) => ("IPv6", BROADEST_PROFILE_IPV6_PREFIX),
    };
    if range.prefix_len() < broadest {
        return Err(NetworkAssetError::RangeTooBroad {
            value: written.to_owned(),
            family,
            broadest,
        });
    }
    Ok(())
}

/// `64500`, `AS64500` (any case), or the dotted form `0.64500` of RFC 5396.
pub(crate) fn parse_as_number(value: &str) -> Result<u32, NetworkAssetError> {
    let not_a_number = || NetworkAssetError::NotAnAsNumber(value.to_owned());
    let digits = match value.get(..2) {
        Some(prefix) if prefix.eq_ignore_ascii_case("as") => value[2..].trim_start(),
        _ => value,
    };
    // Digits only; a number too large for u64 saturates and is refused as out of range.
    let decimal = |text: &str| -> Option<u64> {
        let digits_only = !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
        digits_only.then(|| text.parse::<u64>().unwrap_or(u64::MAX))
    };
    let number = match digits.split_once('.') {
        Some((high, low)) => {
            let (high, low) = (
                decimal(high).ok_or_else(not_a_number)?,
                decimal(low).ok_or_else(not_a_number)?,
            );
            if high > 0xffff || low > 0xffff {
                return Err(not_a_number());
            }
            (high << 16) | low
        }
        None => decimal(digits).ok_or_else(not_a_number)?,
    };
    match u32::try_from(number) {
        Ok(number) if number > 0 => Ok(number),
        _ => Err(NetworkAssetError::AsNumberOutOfRange(value.to_owned())),
    }
}

fn parse_domain(value: &str) -> Result<String, NetworkAssetError> {
    profile_domain(value).map_err(|problem| NetworkAssetError::Domain {
        value: value.to_owned(),
        problem,
    })
}
