//! Which members an advisory touches: its products looked up in the [`ProductIndex`],
//! each holder's asset checked against the product's identity and versions, and per
//! vulnerability a verdict from the CSAF status of the products that fit.
//!
//! What it decides:
//! - identity: a member's package URL meets a product's package URL (type, namespace and
//!   name equal; a qualifier both give must agree); a member's CPE meets a product's CPE
//!   when no attribute but the version is DISJOINT or UNDEFINED (NIST IR 7696, the
//!   advisory the source) and the member leaving an attribute ANY counts as "may be";
//!   otherwise normalised vendor and product names must be equal (the product's CPE
//!   vendor and product count as names, and a CPE pattern for them is matched against
//!   the members' names);
//! - versions: the member's exact version must be one the product names or in its range
//!   (compared as versions, not strings: `1.2` is `1.2.0`); a member range must overlap;
//!   a member without a version fits every version of the product, with the version
//!   marked unknown;
//! - when the member's exact version is known and products of several statuses fit it
//!   (`AdminerEvo 4.8.3` affected, `4.8.4` fixed), the most specific fit decides: an
//!   exact version over a range, a range over a product without versions; among equally
//!   specific fits affected wins, then under investigation. Without a known version any
//!   affected product makes the member possibly affected;
//! - a relationship product ("X installed on Y") fits only a member that holds both;
//! - a KEV entry fits every version, and its matches never count the version as known;
//! - output is sorted by organisation, entry and rule, so one advisory and one index
//!   always give the same list.

use std::collections::BTreeMap;

use super::alert::{AffectingVulnerability, build_match};
use super::{
    Advisory, AdvisoryKind, AdvisoryMatch, AdvisoryProduct, ProductStatus, ProductVersions,
};
use crate::cpe::{AttributeRelation, CpeAttribute, CpeName, CpeValue};
use crate::matched::MatchRule;
use crate::product::{
    AssetVersion, Holding, ProductAsset, ProductIdentity, ProductIndex, PurlIdentity,
    normalise_name,
};

/// How closely a product's versions pin the member's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Specificity {
    /// The product's range could not be read.
    Unreadable,
    /// The product names no version.
    AllVersions,
    Range,
    Exact,
}

/// A member's asset fits one product of the advisory.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fit {
    pub(super) product: usize,
    pub(super) specificity: Specificity,
    /// The member's exact version was compared and is in.
    pub(super) version_known: bool,
}

impl Advisory {
    /// The members whose products this advisory affects or is investigating.
    pub fn match_products(&self, index: &ProductIndex) -> Vec<AdvisoryMatch> {
        let mut fits_by_holding: BTreeMap<(u32, u32), Vec<Fit>> = BTreeMap::new();
        for (position, product) in self.products.iter().enumerate() {
            let looked_up = self.identity_product(position);
            for holding in candidates(looked_up, index) {
                let Some(asset) = index.asset(holding.asset) else {
                    continue;
                };
                let Some(mut fit) = fit(asset, looked_up, position) else {
                    continue;
                };
                if let Some((_, platform)) = product.relationship {
                    if !holds_fitting(
                        index,
                        holding.organisation,
                        &self.products[platform],
                        platform,
                    ) {
                        continue;
                    }
                }
                if self.kind == AdvisoryKind::Kev {
                    fit.version_known = false;
                }
                fits_by_holding
                    .entry((holding.organisation, holding.asset))
                    .or_default()
                    .push(fit);
            }
        }
        let mut matches = Vec::new();
        for ((organisation, asset_id), fits) in fits_by_holding {
            let Some(asset) = index.asset(asset_id) else {
                continue;
            };
            let mut by_rule: BTreeMap<MatchRule, Vec<AffectingVulnerability>> = BTreeMap::new();
            for vulnerability in &self.vulnerabilities {
                if let Some((rule, affecting)) = self.verdict(vulnerability, asset, &fits) {
                    by_rule.entry(rule).or_default().push(affecting);
                }
            }
            for (rule, affecting) in by_rule {
                matches.push(build_match(
                    self,
                    index.organisation_name(organisation),
                    asset,
                    rule,
                    &affecting,
                ));
            }
        }
        matches.sort_by(|left, right| {
            (
                &left.matched.organisation,
                &left.matched.asset,
                left.matched.rule,
            )
                .cmp(&(
                    &right.matched.organisation,
                    &right.matched.asset,
                    right.matched.rule,
                ))
        });
        matches
    }

    /// The product whose identity a member's asset is checked against: a relationship's
    /// component, else the product itself.
    fn identity_product(&self, position: usize) -> &AdvisoryProduct {
        let product = &self.products[position];
        match product.relationship {
            Some((component, _)) => &self.products[component],
            None => product,
        }
    }

    /// What one vulnerability says of a member's asset, given the products it fits.
    fn verdict<'a>(
        &'a self,
        vulnerability: &'a super::AdvisoryVulnerability,
        asset: &ProductAsset,
        fits: &[Fit],
    ) -> Option<(MatchRule, AffectingVulnerability<'a>)> {
        let classed: Vec<(Fit, ProductStatus, &'static str)> = fits
            .iter()
            .filter_map(|fit| {
                let product_id = &self.products[fit.product].product_id;
                vulnerability
                    .status
                    .iter()
                    .find(|(id, _, _)| id == product_id)
                    .map(|&(_, status, group)| (*fit, status, group))
            })
            .collect();
        let considered: Vec<&(Fit, ProductStatus, &'static str)> =
            if asset.exact_version().is_some() {
                let most_specific = classed.iter().map(|(fit, _, _)| fit.specificity).max()?;
                classed
                    .iter()
                    .filter(|(fit, _, _)| fit.specificity == most_specific)
                    .collect()
            } else {
                classed.iter().collect()
            };
        let status = [ProductStatus::Affected, ProductStatus::UnderInvestigation]
            .into_iter()
            .find(|wanted| considered.iter().any(|(_, status, _)| status == wanted))?;
        let deciding: Vec<&(Fit, ProductStatus, &'static str)> = considered
            .into_iter()
            .filter(|(_, found, _)| *found == status)
            .collect();
        let rule = match (self.kind, status) {
            (AdvisoryKind::Kev, _) => MatchRule::KevProduct,
            (AdvisoryKind::VulnerabilityCpe, _) => MatchRule::VulnerabilityCpe,
            (AdvisoryKind::Csaf, ProductStatus::UnderInvestigation) => {
                MatchRule::CsafProductUnderInvestigation
            }
            (AdvisoryKind::Csaf, _) => MatchRule::CsafProductAffected,
        };
        Some((
            rule,
            AffectingVulnerability {
                vulnerability,
                products: deciding
                    .iter()
                    .map(|(fit, _, group)| (fit.product, *group))
                    .collect(),
                version_known: deciding.iter().all(|(fit, _, _)| fit.version_known),
            },
        ))
    }
}

/// The holders an advisory product may concern: by its names, its CPE's name patterns
/// and its package URL.
fn candidates(product: &AdvisoryProduct, index: &ProductIndex) -> Vec<Holding> {
    let mut found: Vec<Holding> = Vec::new();
    for (vendor, name) in &product.name_keys {
        found.extend_from_slice(index.holders_of_name(vendor, name));
    }
    if let Some(cpe) = &product.cpe {
        let (vendor, name) = (cpe.vendor(), cpe.product());
        let named = vendor.literal().is_some() && name.literal().is_some();
        let everything = matches!((vendor, name), (CpeValue::Any, CpeValue::Any));
        if !named && !everything {
            for (key_vendor, key_product, holders) in index.name_keys() {
                if name_fits(vendor, key_vendor) && name_fits(name, key_product) {
                    found.extend_from_slice(holders);
                }
            }
        }
    }
    if let Some(purl) = &product.purl {
        found.extend_from_slice(index.holders_of_package(
            &purl.package_type,
            purl.namespace.as_deref(),
            &purl.name,
        ));
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// Whether a CPE vendor or product value takes in a normalised name.
fn name_fits(value: &CpeValue, normalised: &str) -> bool {
    match value {
        CpeValue::Any => true,
        CpeValue::Na => false,
        CpeValue::Text(text) => {
            let pattern = crate::cpe::CpeText {
                literal: normalise_name(&text.literal),
                ..text.clone()
            };
            pattern.has_wildcards() && crate::cpe::text_matches(&pattern, normalised)
                || !pattern.has_wildcards() && pattern.literal == normalised
        }
    }
}

/// Whether the organisation holds some asset that fits `product`.
fn holds_fitting(
    index: &ProductIndex,
    organisation: u32,
    product: &AdvisoryProduct,
    position: usize,
) -> bool {
    index
        .assets_of(organisation)
        .filter_map(|asset| index.asset(asset))
        .any(|asset| fit(asset, product, position).is_some())
}

/// Whether a member's asset is this product, at a version the product speaks of.
pub(super) fn fit(asset: &ProductAsset, product: &AdvisoryProduct, position: usize) -> Option<Fit> {
    let identity_fits = match (asset.identity(), &product.cpe, &product.purl) {
        (ProductIdentity::Purl(member), _, Some(advisory)) => purl_fits(member, advisory),
        (ProductIdentity::Purl(_), _, None) => false,
        (ProductIdentity::Cpe(member), Some(advisory), _) => cpe_fits(advisory, member),
        (ProductIdentity::Cpe(_) | ProductIdentity::Named { .. }, advisory_cpe, _) => {
            asset.name_key().is_some_and(|(vendor, name)| {
                product
                    .name_keys
                    .iter()
                    .any(|(key_vendor, key_name)| *key_vendor == vendor && *key_name == name)
                    || advisory_cpe.as_ref().is_some_and(|cpe| {
                        name_fits(cpe.vendor(), &vendor) && name_fits(cpe.product(), &name)
                    })
            })
        }
    };
    if !identity_fits {
        return None;
    }
    versions_fit(asset.version(), &product.versions).map(|(specificity, version_known)| Fit {
        product: position,
        specificity,
        version_known,
    })
}

fn purl_fits(member: &PurlIdentity, advisory: &PurlIdentity) -> bool {
    member.package_type == advisory.package_type
        && member.namespace == advisory.namespace
        && member.name == advisory.name
        && member.qualifiers.iter().all(|(key, value)| {
            advisory
                .qualifiers
                .iter()
                .find(|(other_key, _)| other_key == key)
                .is_none_or(|(_, other_value)| other_value == value)
        })
}

/// NIST IR 7696 on every attribute but the version, which is compared as a version.
fn cpe_fits(advisory: &CpeName, member: &CpeName) -> bool {
    CpeAttribute::ALL
        .into_iter()
        .filter(|attribute| *attribute != CpeAttribute::Version)
        .all(
            |attribute| match advisory.compare_attribute(member, attribute) {
                AttributeRelation::Equal | AttributeRelation::Superset => true,
                AttributeRelation::Subset => *member.get(attribute) == CpeValue::Any,
                AttributeRelation::Disjoint | AttributeRelation::Undefined => false,
            },
        )
}

/// How the member's version meets the product's: `None` when it is outside.
fn versions_fit(member: &AssetVersion, product: &ProductVersions) -> Option<(Specificity, bool)> {
    let exact_member = matches!(member, AssetVersion::Exact(_));
    match (member, product) {
        (_, ProductVersions::All) => Some((Specificity::AllVersions, exact_member)),
        (_, ProductVersions::Unreadable(_)) => Some((Specificity::Unreadable, false)),
        (AssetVersion::Unknown, product) => Some((specificity_of(product), false)),
        (AssetVersion::Exact(version), ProductVersions::Exact(versions)) => versions
            .contains(version)
            .then_some((Specificity::Exact, true)),
        (AssetVersion::Exact(version), ProductVersions::Range(range)) => range
            .contains(version)
            .then_some((Specificity::Range, true)),
        (AssetVersion::Exact(version), ProductVersions::Pattern(pattern)) => {
            crate::cpe::text_matches(pattern, &version.as_str().to_lowercase())
                .then_some((Specificity::Range, true))
        }
        (AssetVersion::Range(range), ProductVersions::Exact(versions)) => versions
            .iter()
            .any(|version| range.contains(version))
            .then_some((Specificity::Exact, false)),
        (AssetVersion::Range(range), ProductVersions::Range(other)) => {
            range.overlaps(other).then_some((Specificity::Range, false))
        }
        (AssetVersion::Range(_), ProductVersions::Pattern(_)) => Some((Specificity::Range, false)),
    }
}

fn specificity_of(product: &ProductVersions) -> Specificity {
    match product {
        ProductVersions::All => Specificity::AllVersions,
        ProductVersions::Exact(_) => Specificity::Exact,
        ProductVersions::Range(_) | ProductVersions::Pattern(_) => Specificity::Range,
        ProductVersions::Unreadable(_) => Specificity::Unreadable,
    }
}
