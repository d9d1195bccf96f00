//! The entries of an asset profile: what an organisation runs (products) and owns
//! (address ranges, autonomous systems, domains, e-mail domains).
//!
//! A profile says what a member runs, which is sensitive: only that organisation and
//! platform administrators see it (the server's concern). Here each entry is checked
//! and brought into one normal form, so that the same asset written twice is one entry
//! and matching compares like with like.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kinds of profile entry, by the names the CSV and the API use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssetKind {
    /// A CPE 2.3 name (formatted string `cpe:2.3:…`, or the 2.2 URI `cpe:/…`).
    Cpe,
    /// A package URL (`pkg:npm/lodash@4.17.20`).
    Purl,
    /// `vendor:product`, `vendor:product:version` or `vendor:product:range`.
    Product,
    /// An IPv4 or IPv6 network or address.
    Cidr,
    /// An autonomous system number (`64500` or `AS64500`).
    Asn,
    /// A domain, with all its subdomains.
    Domain,
    /// The domain of the organisation's e-mail addresses.
    EmailDomain,
}

impl AssetKind {
    pub const ALL: [AssetKind; 7] = [
        AssetKind::Cpe,
        AssetKind::Purl,
        AssetKind::Product,
        AssetKind::Cidr,
        AssetKind::Asn,
        AssetKind::Domain,
        AssetKind::EmailDomain,
    ];

    /// The name the CSV and the API use.
    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Cpe => "cpe",
            AssetKind::Purl => "purl",
            AssetKind::Product => "product",
            AssetKind::Cidr => "cidr",
            AssetKind::Asn => "asn",
            AssetKind::Domain => "domain",
            AssetKind::EmailDomain => "email-domain",
        }
    }

    /// Whether the entry names something the organisation runs (rather than owns).
    pub fn is_product(self) -> bool {
        matches!(self, AssetKind::Cpe | AssetKind::Purl | AssetKind::Product)
    }
}

impl fmt::Display for AssetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name that is not one of [`AssetKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a kind of asset; the kinds are cpe, purl, product, cidr, asn, domain, email-domain"
)]
pub struct UnknownAssetKind(pub String);

impl FromStr for AssetKind {
    type Err = UnknownAssetKind;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim();
        AssetKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownAssetKind(text.to_owned()))
    }
}

/// One entry of a profile in its normal form: what is stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AssetEntry {
    pub kind: AssetKind,
    pub value: String,
}

impl fmt::Display for AssetEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.value)
    }
}

/// Why a profile entry can not be taken, naming the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssetError {
    #[error(transparent)]
    Product(#[from] crate::product::ProductAssetError),
    #[error(transparent)]
    Network(#[from] crate::network::NetworkAssetError),
}

/// Checks one entry and brings it into its normal form: the one place the command
/// line and the REST API take entries through.
pub fn parse_entry(kind: AssetKind, value: &str) -> Result<AssetEntry, AssetError> {
    if kind.is_product() {
        Ok(crate::product::ProductAsset::parse(kind, value)?.entry())
    } else {
        Ok(crate::network::NetworkAsset::parse(kind, value)?.entry())
    }
}
