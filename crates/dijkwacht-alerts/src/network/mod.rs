//! The network side of matching: which organisations own the addresses, networks,
//! domains, e-mail domains and autonomous systems that intelligence names.
//!
//! A member lists what it owns ([`NetworkAsset`], parsed from profile entries of kinds
//! `cidr`, `asn`, `domain`, `email-domain`); [`NetworkIndex`] holds those of every
//! member (100,000 organisations in tens of megabytes) and answers, for each value an
//! object names, who is touched and how. "Your address is on a botnet list", "your
//! domain is used in phishing": the rules are [`crate::matched::MatchRule`]'s
//! `AddressInRange`, `AutonomousSystem`, `DomainOrSubdomain`, `UrlOnDomain` and
//! `EmailOnDomain`.
//!
//! - [`asset`]: the entries, checked and in normal form;
//! - `domain`: domain names in one form (punycode, lower case), parents at dots;
//! - `ranges`, `owners`: the tables behind the index;
//! - [`index`]: [`NetworkIndex`] and its lookups;
//! - `matching`: STIX objects against the index, one or a batch.

pub mod asset;
pub(crate) mod domain;
pub mod index;
mod matching;
mod owners;
mod ranges;

#[cfg(test)]
mod tests;

pub use asset::{
    BROADEST_PROFILE_IPV4_PREFIX, BROADEST_PROFILE_IPV6_PREFIX, NetworkAsset, NetworkAssetError,
};
pub use domain::DomainProblem;
pub use index::{
    AssetHit, BROADEST_LISTED_IPV4_PREFIX, BROADEST_LISTED_IPV6_PREFIX, NetworkIndex, Relation,
};
