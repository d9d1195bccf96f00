//! What an alert needs from a match: the advisory's ids and CVEs, the worst CVSS score
//! for the matched products, CISA's KEV facts, the remediations that name those
//! products, and one sentence of evidence saying what the advisory says and what the
//! profile says.
//!
//! A score or remediation listed for other products of the advisory is left out: a
//! member running `AdminerEvo 4.8.3` is not told the fix meant for `Adminer`. A score
//! that names no products applies to all of them. Severity is the advisory's own word
//! (`CRITICAL`), else the CVSS v3 rating of the score.

use std::collections::BTreeSet;

use super::{
    Advisory, AdvisoryKind, AdvisoryMatch, AdvisoryVulnerability, CvssSummary, Remediation,
};
use crate::matched::{Match, MatchRule};
use crate::product::{AssetVersion, ProductAsset};

/// How many product names an evidence sentence lists before it says "and N more".
const NAMED_IN_EVIDENCE: usize = 3;

/// One vulnerability that touches a member's asset, with the products that decided it.
#[derive(Debug)]
pub(super) struct AffectingVulnerability<'a> {
    pub(super) vulnerability: &'a AdvisoryVulnerability,
    /// (product position, the CSAF group that classes it).
    pub(super) products: Vec<(usize, &'static str)>,
    pub(super) version_known: bool,
}

pub(super) fn build_match(
    advisory: &Advisory,
    organisation: &str,
    asset: &ProductAsset,
    rule: MatchRule,
    affecting: &[AffectingVulnerability<'_>],
) -> AdvisoryMatch {
    let mut positions: Vec<usize> = affecting
        .iter()
        .flat_map(|affecting| affecting.products.iter().map(|&(position, _)| position))
        .collect();
    positions.sort_unstable();
    positions.dedup();
    let product_ids: Vec<String> = sorted_unique(
        positions
            .iter()
            .map(|&position| advisory.products[position].product_id.clone()),
    );
    let vulnerability_ids = sorted_unique(
        affecting
            .iter()
            .map(|affecting| affecting.vulnerability.id.clone()),
    );
    let cves = sorted_unique(
        affecting
            .iter()
            .flat_map(|affecting| affecting.vulnerability.cves.iter().cloned()),
    );
    let version_known = affecting.iter().all(|affecting| affecting.version_known);
    let observed = positions
        .iter()
        .map(|&position| advisory.products[position].name.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let evidence = evidence(advisory, asset, affecting, &positions, &cves, version_known);
    AdvisoryMatch {
        matched: Match {
            organisation: organisation.to_owned(),
            asset: asset.entry(),
            rule,
            observed,
            evidence,
        },
        report_id: advisory.report_id.clone(),
        vulnerability_ids,
        cves,
        cvss: highest_score(affecting, &product_ids),
        kev: affecting
            .iter()
            .find_map(|affecting| affecting.vulnerability.kev.clone()),
        remediations: remediations(affecting, &product_ids),
        product_ids,
        version_known,
    }
}

fn sorted_unique(items: impl Iterator<Item = String>) -> Vec<String> {
    items.collect::<BTreeSet<String>>().into_iter().collect()
}

fn highest_score(
    affecting: &[AffectingVulnerability<'_>],
    product_ids: &[String],
) -> Option<CvssSummary> {
    affecting
        .iter()
        .flat_map(|affecting| affecting.vulnerability.scores.iter())
        .filter(|score| {
            score.products.is_empty()
                || score
                    .products
                    .iter()
                    .any(|product| product_ids.contains(product))
        })
        .max_by(|left, right| left.base_score.total_cmp(&right.base_score))
        .map(|score| CvssSummary {
            base_score: score.base_score,
            severity: score
                .severity
                .clone()
                .unwrap_or_else(|| rating(score.base_score).to_owned()),
            vector: score.vector.clone(),
        })
}

/// The CVSS v3 qualitative rating of a base score.
fn rating(score: f64) -> &'static str {
    match score {
        score if score <= 0.0 => "NONE",
        score if score < 4.0 => "LOW",
        score if score < 7.0 => "MEDIUM",
        score if score < 9.0 => "HIGH",
        _ => "CRITICAL",
    }
}

fn remediations(
    affecting: &[AffectingVulnerability<'_>],
    product_ids: &[String],
) -> Vec<Remediation> {
    affecting
        .iter()
        .flat_map(|affecting| affecting.vulnerability.remediations.iter())
        .filter(|(_, products)| products.iter().any(|product| product_ids.contains(product)))
        .map(|(remediation, _)| remediation.clone())
        .collect::<BTreeSet<Remediation>>()
        .into_iter()
        .collect()
}

/// One sentence: what the advisory says, then what the profile says.
fn evidence(
    advisory: &Advisory,
    asset: &ProductAsset,
    affecting: &[AffectingVulnerability<'_>],
    positions: &[usize],
    cves: &[String],
    version_known: bool,
) -> String {
    let mut named: Vec<String> = positions
        .iter()
        .take(NAMED_IN_EVIDENCE)
        .map(|&position| {
            let product = &advisory.products[position];
            match advisory.kind {
                AdvisoryKind::Csaf => format!("{} \"{}\"", product.product_id, product.name),
                _ => format!("\"{}\"", product.name),
            }
        })
        .collect();
    if positions.len() > NAMED_IN_EVIDENCE {
        named.push(format!("{} more", positions.len() - NAMED_IN_EVIDENCE));
    }
    let products = join_words(&named);
    let groups = sorted_unique(affecting.iter().flat_map(|affecting| {
        affecting
            .products
            .iter()
            .map(|(_, group)| (*group).to_owned())
    }))
    .join(" and ");
    let about = if cves.is_empty() {
        String::new()
    } else {
        format!(" for {}", cves.join(", "))
    };
    let says = match advisory.kind {
        AdvisoryKind::Csaf => format!(
            "CSAF advisory \"{}\" lists product {products} as {groups}{about}",
            advisory.title
        ),
        AdvisoryKind::Kev => {
            format!("CISA's KEV catalogue lists {products} as exploited in the wild{about}")
        }
        AdvisoryKind::VulnerabilityCpe => format!(
            "vulnerability \"{}\" names {products}{about}",
            advisory.title
        ),
    };
    let entry = asset.entry();
    let runs = match (asset.version(), advisory.kind, version_known) {
        (_, AdvisoryKind::Kev, _) => format!(
            "the profile runs {} {} (KEV names no versions)",
            entry.kind, entry.value
        ),
        (AssetVersion::Unknown, _, _) => {
            format!(
                "the profile runs {} {} without a version, so it may be affected",
                entry.kind, entry.value
            )
        }
        (AssetVersion::Range(_), _, _) => {
            format!(
                "the profile runs {} {}, a range that includes versions it names",
                entry.kind, entry.value
            )
        }
        (AssetVersion::Exact(_), _, false) => format!(
            "the profile runs {} {}, whose version could not be checked against the advisory's",
            entry.kind, entry.value
        ),
        (AssetVersion::Exact(_), _, true) => {
            format!("the profile runs {} {}", entry.kind, entry.value)
        }
    };
    format!("{says}; {runs}")
}

/// `a`, `a and b`, `a, b and c`.
fn join_words(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
