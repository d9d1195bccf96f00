//! What a member runs: the `cpe`, `purl` and `product` entries of its profile, read into
//! [`ProductAsset`]s, and the [`ProductIndex`] that holds those of every organisation so
//! that one advisory finds the members it touches without looking at the rest.
//!
//! A member writes its products the way it knows them — a CPE from a scanner, a package
//! URL from an SBOM, or just `Siemens:SIMATIC S7-1500:V2.9.4` — and an advisory names
//! them its own way. Each entry is checked (an error says which rule the CSV line
//! breaks) and brought into one normal form ([`ProductAsset::entry`]): the CPE 2.3
//! formatted string, the canonical package URL, or `vendor:product[:version]` with the
//! names normalised (see [`normalise_name`]), so that the same asset written two ways is
//! one entry. An entry without a version means "we run this product, version unknown".
//!
//! What it decides:
//! - a CPE in a profile names its vendor and product (no ANY, NA or wildcards there):
//!   a member runs a product, not a pattern; its version attribute, when it is a value
//!   with a digit, is the member's version;
//! - a `product` entry is `vendor:product`, then optionally `:` and a version or a
//!   range: `vendor:product:1.2.3`, `vendor:product:>=1.0,<2.0`,
//!   `vendor:product:vers:generic/>=1.0|<2.0` (a range is kept in its `vers` form; `*`
//!   is the same as no version);
//! - package URLs are read and made canonical by the `packageurl` crate (per-type case
//!   rules, sorted qualifiers); a package URL's version must have a digit to be compared.

mod index;

use std::fmt;

use packageurl::PackageUrl;

use crate::cpe::{CpeAttribute, CpeError, CpeName, CpeValue};
use crate::profile::{AssetEntry, AssetKind};
use crate::version::{Version, VersionError, VersionRange};

pub(crate) use index::Holding;
pub use index::ProductIndex;

/// One product a member runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProductAsset {
    identity: ProductIdentity,
    version: AssetVersion,
}

/// What names the product.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProductIdentity {
    /// A CPE name whose vendor and product are plain values (boxed: eleven attributes).
    Cpe(Box<CpeName>),
    Purl(PurlIdentity),
    /// Normalised vendor and product names.
    Named {
        vendor: String,
        product: String,
    },
}

/// A package URL without its version, in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PurlIdentity {
    pub package_type: String,
    pub namespace: Option<String>,
    pub name: String,
    /// Sorted by key.
    pub qualifiers: Vec<(String, String)>,
}

/// What the member says about the version it runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AssetVersion {
    /// No version given: the member runs the product, version unknown.
    Unknown,
    Exact(Version),
    /// The member runs some version in this range.
    Range(VersionRange),
}

/// Why a profile entry is not a product the member runs, for the user to fix their line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProductAssetError {
    #[error(
        "a {0} entry names what an organisation owns, not a product it runs; products are cpe, purl or product entries"
    )]
    NotAProductKind(AssetKind),
    #[error(transparent)]
    Cpe(#[from] CpeError),
    #[error(
        "a profile's CPE must name its vendor and product; {attribute} is {found} (write the product's own name there)"
    )]
    CpeWithoutProduct {
        attribute: CpeAttribute,
        found: &'static str,
    },
    #[error(
        "'{value}' is not a package URL: {reason} (write pkg:type/namespace/name@version, e.g. pkg:npm/lodash@4.17.21)"
    )]
    Purl { value: String, reason: String },
    #[error("'{value}' is not vendor:product[:version]: {reason}")]
    ProductShape { value: String, reason: &'static str },
    #[error(transparent)]
    Version(#[from] VersionError),
}

impl ProductAsset {
    /// Reads a profile entry of kind `cpe`, `purl` or `product`.
    pub fn parse(kind: AssetKind, value: &str) -> Result<ProductAsset, ProductAssetError> {
        let value = value.trim();
        match kind {
            AssetKind::Cpe => Self::from_cpe(CpeName::parse(value)?),
            AssetKind::Purl => Self::from_purl(value),
            AssetKind::Product => Self::from_product(value),
            other => Err(ProductAssetError::NotAProductKind(other)),
        }
    }

    /// A member's CPE: its vendor and product must be plain values.
    pub fn from_cpe(name: CpeName) -> Result<ProductAsset, ProductAssetError> {
        for attribute in [CpeAttribute::Vendor, CpeAttribute::Product] {
            let found = match name.get(attribute) {
                CpeValue::Any => "ANY (*)",
                CpeValue::Na => "NA (-)",
                CpeValue::Text(text) if text.has_wildcards() => "a pattern with wildcards",
                CpeValue::Text(_) => continue,
            };
            return Err(ProductAssetError::CpeWithoutProduct { attribute, found });
        }
        let version = name
            .version()
            .literal()
            .and_then(|literal| Version::parse(literal).ok())
            .map_or(AssetVersion::Unknown, AssetVersion::Exact);
        Ok(ProductAsset {
            identity: ProductIdentity::Cpe(Box::new(name)),
            version,
        })
    }

    fn from_purl(value: &str) -> Result<ProductAsset, ProductAssetError> {
        let refuse = |reason: String| ProductAssetError::Purl {
            value: value.to_owned(),
            reason,
        };
        if !value
            .get(..4)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("pkg:"))
        {
            return Err(refuse("it does not start with pkg:".to_owned()));
        }
        let purl: PackageUrl<'static> = value
            .parse()
            .map_err(|error: packageurl::Error| refuse(error.to_string()))?;
        let version = match purl.version() {
            None => AssetVersion::Unknown,
            Some(version) => AssetVersion::Exact(Version::parse(version).map_err(|_| {
                refuse(format!(
                    "the version '{version}' has no digit to compare by"
                ))
            })?),
        };
        let mut qualifiers: Vec<(String, String)> = purl
            .qualifiers()
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect();
        qualifiers.sort();
        Ok(ProductAsset {
            identity: ProductIdentity::Purl(PurlIdentity {
                package_type: purl.ty().to_owned(),
                namespace: purl.namespace().map(str::to_owned),
                name: purl.name().to_owned(),
                qualifiers,
            }),
            version,
        })
    }

    fn from_product(value: &str) -> Result<ProductAsset, ProductAssetError> {
        let refuse = |reason| ProductAssetError::ProductShape {
            value: value.to_owned(),
            reason,
        };
        let Some((vendor, rest)) = value.split_once(':') else {
            return Err(refuse("it has no ':' between vendor and product"));
        };
        let (product, version_text) = match rest.split_once(':') {
            Some((product, version)) => (product, Some(version.trim())),
            None => (rest, None),
        };
        let (vendor, product) = (normalise_name(vendor), normalise_name(product));
        if vendor.is_empty() {
            return Err(refuse("the vendor is empty"));
        }
        if product.is_empty() {
            return Err(refuse("the product is empty"));
        }
        let version = match version_text {
            None | Some("") => AssetVersion::Unknown,
            Some(text) if VersionRange::looks_like_range(text) => {
                let range = VersionRange::parse(text)?;
                if range.is_any() {
                    AssetVersion::Unknown
                } else {
                    AssetVersion::Range(range)
                }
            }
            Some(text) => AssetVersion::Exact(Version::parse(text)?),
        };
        Ok(ProductAsset {
            identity: ProductIdentity::Named { vendor, product },
            version,
        })
    }

    pub fn identity(&self) -> &ProductIdentity {
        &self.identity
    }

    pub fn version(&self) -> &AssetVersion {
        &self.version
    }

    /// The exact version, when the member gave one.
    pub fn exact_version(&self) -> Option<&Version> {
        match &self.version {
            AssetVersion::Exact(version) => Some(version),
            _ => None,
        }
    }

    /// Normalised (vendor, product) for CPE and named products.
    pub fn name_key(&self) -> Option<(String, String)> {
        match &self.identity {
            ProductIdentity::Cpe(name) => Some((
                normalise_name(name.vendor().literal()?),
                normalise_name(name.product().literal()?),
            )),
            ProductIdentity::Named { vendor, product } => Some((vendor.clone(), product.clone())),
            ProductIdentity::Purl(_) => None,
        }
    }

    /// The entry in its normal form: what is stored and shown.
    pub fn entry(&self) -> AssetEntry {
        let (kind, value) = match &self.identity {
            ProductIdentity::Cpe(name) => (AssetKind::Cpe, name.to_string()),
            ProductIdentity::Purl(purl) => (AssetKind::Purl, self.canonical_purl(purl)),
            ProductIdentity::Named { vendor, product } => {
                let value = match &self.version {
                    AssetVersion::Unknown => format!("{vendor}:{product}"),
                    AssetVersion::Exact(version) => format!("{vendor}:{product}:{version}"),
                    AssetVersion::Range(range) => format!("{vendor}:{product}:{range}"),
                };
                (AssetKind::Product, value)
            }
        };
        AssetEntry { kind, value }
    }

    fn canonical_purl(&self, purl: &PurlIdentity) -> String {
        let rebuilt = PackageUrl::new(purl.package_type.as_str(), purl.name.as_str()).and_then(
            |mut rebuilt| {
                if let Some(namespace) = &purl.namespace {
                    rebuilt.with_namespace(namespace.as_str())?;
                }
                if let AssetVersion::Exact(version) = &self.version {
                    rebuilt.with_version(version.as_str())?;
                }
                for (key, value) in &purl.qualifiers {
                    rebuilt.add_qualifier(key.as_str(), value.as_str())?;
                }
                Ok(rebuilt.to_string())
            },
        );
        // Every part was accepted by the same crate when the URL was read, so rebuilding
        // it cannot fail; the fallback keeps the entry readable all the same.
        rebuilt.unwrap_or_else(|_| format!("pkg:{}/{}", purl.package_type, purl.name))
    }
}

impl fmt::Display for ProductAsset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.entry().value)
    }
}

/// A vendor or product name in the form names are compared in: lower case, `™`, `®` and
/// `©` dropped, spaces, `-` and `_` folded to one `_`, none at the ends. So `Schneider
/// Electric`, `schneider-electric` and the CPE's `schneider_electric` are one name.
pub fn normalise_name(name: &str) -> String {
    let mut normal = String::with_capacity(name.len());
    let mut pending_separator = false;
    for character in name.chars() {
        if matches!(character, '™' | '®' | '©') {
            continue;
        }
        if character.is_whitespace() || matches!(character, '-' | '_') {
            pending_separator = !normal.is_empty();
            continue;
        }
        if pending_separator {
            normal.push('_');
            pending_separator = false;
        }
        normal.extend(character.to_lowercase());
    }
    normal
}

#[cfg(test)]
mod tests;
