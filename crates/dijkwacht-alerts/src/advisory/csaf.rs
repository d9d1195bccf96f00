//! A CSAF advisory read back from its stored `report` and `vulnerability` objects: the
//! flattened product tree (`x_csaf_products`) and, per vulnerability, the product
//! status, CVSS scores and remediations the fusion center's CSAF mapping keeps.
//!
//! The objects were written by our own mapping, but they come back from a store that
//! other versions of it and peers may have filled: nothing here trusts their shape.
//! What cannot be read is a problem, and the rest of the advisory still counts.

use serde_json::Value;

use super::{
    Advisory, AdvisoryError, AdvisoryKind, AdvisoryProduct, AdvisoryVulnerability, CvssScore,
    ProductStatus, ProductVersions, Remediation,
};
use crate::cpe::CpeName;
use crate::product::{ProductAsset, ProductIdentity, normalise_name};
use crate::profile::AssetKind;
use crate::version::{Version, VersionRange};

/// A string property without surrounding spaces; `None` when absent, not text or blank.
pub(super) fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

pub(super) fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The strings of a list property.
fn texts(value: &Value, key: &str) -> Vec<String> {
    list(value, key)
        .iter()
        .filter_map(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The CVE ids in a vulnerability's external references.
pub(super) fn cves(vulnerability: &Value) -> Vec<String> {
    let mut cves: Vec<String> = list(vulnerability, "external_references")
        .iter()
        .filter(|reference| {
            text(reference, "source_name").is_some_and(|name| name.eq_ignore_ascii_case("cve"))
        })
        .filter_map(|reference| text(reference, "external_id"))
        .map(str::to_ascii_uppercase)
        .collect();
    cves.sort();
    cves.dedup();
    cves
}

pub(super) fn read(report: &Value, vulnerabilities: &[Value]) -> Result<Advisory, AdvisoryError> {
    let id = text(report, "id").unwrap_or("(no id)").to_owned();
    let found = text(report, "type").unwrap_or("object without a type");
    if found != "report" {
        return Err(AdvisoryError::NotAReport {
            id,
            found: found.to_owned(),
        });
    }
    let entries = match report.get("x_csaf_products") {
        None => &[][..],
        Some(Value::Array(entries)) => entries.as_slice(),
        Some(_) => return Err(AdvisoryError::MalformedProducts { id }),
    };
    let mut problems = Vec::new();
    let mut products: Vec<AdvisoryProduct> = Vec::with_capacity(entries.len());
    let mut references: Vec<Option<(String, String)>> = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let Some(product_id) = text(entry, "product_id") else {
            problems.push(format!(
                "x_csaf_products[{index}] has no product_id; it was left out"
            ));
            continue;
        };
        let location = format!("product {product_id}");
        products.push(product(entry, product_id, &location, &mut problems));
        references.push(entry.get("relationship").and_then(|relationship| {
            Some((
                text(relationship, "product_reference")?.to_owned(),
                text(relationship, "relates_to_product_reference")?.to_owned(),
            ))
        }));
    }
    resolve_relationships(&mut products, references, &mut problems);
    let referenced: Vec<&str> = list(report, "object_refs")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut advisory_vulnerabilities = Vec::new();
    for vulnerability in vulnerabilities {
        let vulnerability_id = text(vulnerability, "id").unwrap_or("(no id)");
        if text(vulnerability, "type") != Some("vulnerability")
            || !referenced.contains(&vulnerability_id)
        {
            problems.push(format!(
                "'{vulnerability_id}' is not a vulnerability the report refers to; it was left out"
            ));
            continue;
        }
        advisory_vulnerabilities.push(read_vulnerability(vulnerability, vulnerability_id));
    }
    advisory_vulnerabilities.sort_by(|left, right| left.id.cmp(&right.id));
    Ok(Advisory {
        kind: AdvisoryKind::Csaf,
        report_id: Some(id),
        title: text(report, "name").unwrap_or("CSAF advisory").to_owned(),
        products,
        vulnerabilities: advisory_vulnerabilities,
        problems,
    })
}

/// One entry of `x_csaf_products`.
fn product(
    entry: &Value,
    product_id: &str,
    location: &str,
    problems: &mut Vec<String>,
) -> AdvisoryProduct {
    let vendor = text(entry, "vendor");
    let product_name = text(entry, "product_name");
    let name = text(entry, "name").unwrap_or(product_id).to_owned();
    let cpe = text(entry, "cpe").and_then(|cpe| match CpeName::parse(cpe) {
        Ok(name) => Some(name),
        Err(error) => {
            problems.push(format!("{location}: its CPE is not read ({error})"));
            None
        }
    });
    let (purl, purl_version) =
        match text(entry, "purl").map(|purl| ProductAsset::parse(AssetKind::Purl, purl)) {
            Some(Ok(asset)) => match asset.identity() {
                ProductIdentity::Purl(identity) => {
                    (Some(identity.clone()), asset.exact_version().cloned())
                }
                _ => (None, None),
            },
            Some(Err(error)) => {
                problems.push(format!("{location}: its package URL is not read ({error})"));
                (None, None)
            }
            None => (None, None),
        };
    let mut name_keys = Vec::new();
    if let (Some(vendor), Some(product_name)) = (vendor, product_name) {
        add_name_keys(&mut name_keys, vendor, product_name);
    }
    if let Some(cpe) = &cpe {
        if let (Some(vendor), Some(product)) = (cpe.vendor().literal(), cpe.product().literal()) {
            add_name_keys(&mut name_keys, vendor, product);
        }
    }
    let versions = versions(
        entry,
        &name,
        vendor,
        product_name,
        cpe.as_ref(),
        purl_version,
        location,
        problems,
    );
    AdvisoryProduct {
        product_id: product_id.to_owned(),
        name,
        name_keys,
        versions,
        cpe,
        purl,
        relationship: None,
    }
}

/// Adds (vendor, product) normalised, and again without a trailing parenthesis on
/// either, keeping each key once.
pub(super) fn add_name_keys(keys: &mut Vec<(String, String)>, vendor: &str, product: &str) {
    for vendor in [vendor, without_parenthesis(vendor)] {
        for product in [product, without_parenthesis(product)] {
            let key = (normalise_name(vendor), normalise_name(product));
            if !key.0.is_empty() && !key.1.is_empty() && !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
}

/// `M800VW (BND-2051W000-**)` without its parenthesis; the text itself when it has none
/// or is nothing else.
fn without_parenthesis(text: &str) -> &str {
    match text
        .trim_end()
        .strip_suffix(')')
        .and_then(|inner| inner.rfind('('))
    {
        Some(open) if !text[..open].trim().is_empty() => text[..open].trim_end(),
        _ => text,
    }
}

#[allow(clippy::too_many_arguments)] // one product's fields, each a source of versions
fn versions(
    entry: &Value,
    name: &str,
    vendor: Option<&str>,
    product_name: Option<&str>,
    cpe: Option<&CpeName>,
    purl_version: Option<Version>,
    location: &str,
    problems: &mut Vec<String>,
) -> ProductVersions {
    if let Some(range) = text(entry, "version_range") {
        return match VersionRange::parse(range) {
            Ok(range) if range.is_any() => ProductVersions::All,
            Ok(range) => ProductVersions::Range(range),
            Err(error) => {
                problems.push(format!(
                    "{location}: {error}; members who run it are told with their version unchecked"
                ));
                ProductVersions::Unreadable(format!("{range} ({error})"))
            }
        };
    }
    if let Some(written) = text(entry, "version") {
        let Ok(version) = Version::parse(written) else {
            problems.push(format!("{location}: the version '{written}' has no digit; members who run it are told with their version unchecked"));
            return ProductVersions::Unreadable(written.to_owned());
        };
        let mut exact = vec![version];
        let prefixes = [
            vendor
                .zip(product_name)
                .map(|(vendor, product_name)| format!("{vendor} {product_name} {written} ")),
            product_name.map(|product_name| format!("{product_name} {written} ")),
        ];
        let more_exact = prefixes
            .iter()
            .flatten()
            .find_map(|prefix| name.strip_prefix(prefix.as_str()))
            .and_then(|rest| Version::parse(rest).ok());
        exact.extend(more_exact);
        return ProductVersions::Exact(exact);
    }
    if let Some(version) = purl_version {
        return ProductVersions::Exact(vec![version]);
    }
    cpe.map_or(ProductVersions::All, ProductVersions::of_cpe)
}

/// Points each relationship product at its component and platform; one whose products
/// are not in the tree cannot be matched and is a problem.
fn resolve_relationships(
    products: &mut [AdvisoryProduct],
    references: Vec<Option<(String, String)>>,
    problems: &mut Vec<String>,
) {
    let position = |products: &[AdvisoryProduct], id: &str| {
        products.iter().position(|product| product.product_id == id)
    };
    for (index, reference) in references.into_iter().enumerate() {
        let Some((component, platform)) = reference else {
            continue;
        };
        match (
            position(products, &component),
            position(products, &platform),
        ) {
            (Some(component), Some(platform)) if component != index && platform != index => {
                products[index].relationship = Some((component, platform));
            }
            _ => {
                problems.push(format!(
                    "product {}: its relationship names '{component}' and '{platform}', which are not both other products of the tree; it is not matched",
                    products[index].product_id
                ));
                products[index].name_keys.clear();
                products[index].cpe = None;
                products[index].purl = None;
            }
        }
    }
}

fn read_vulnerability(vulnerability: &Value, id: &str) -> AdvisoryVulnerability {
    let mut status = Vec::new();
    if let Some(Value::Object(by_product)) = vulnerability.get("x_csaf_product_status") {
        for (product_id, groups) in by_product {
            let groups: Vec<&str> = groups
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if let Some((status_of_product, group)) = status_of(&groups) {
                status.push((product_id.clone(), status_of_product, group));
            }
        }
    }
    let scores = list(vulnerability, "x_csaf_cvss")
        .iter()
        .filter_map(|score| {
            Some(CvssScore {
                base_score: score
                    .get("base_score")?
                    .as_f64()
                    .filter(|score| (0.0..=10.0).contains(score))?,
                severity: text(score, "base_severity").map(str::to_owned),
                vector: text(score, "vector_string").map(str::to_owned),
                products: texts(score, "products"),
            })
        })
        .collect();
    let remediations = list(vulnerability, "x_csaf_remediations")
        .iter()
        .filter_map(|remediation| {
            Some((
                Remediation {
                    category: text(remediation, "category")?.to_owned(),
                    details: text(remediation, "details").map(str::to_owned),
                    url: text(remediation, "url").map(str::to_owned),
                },
                texts(remediation, "product_ids"),
            ))
        })
        .collect();
    AdvisoryVulnerability {
        id: id.to_owned(),
        cves: cves(vulnerability),
        status,
        scores,
        remediations,
        kev: None,
    }
}

/// The status the CSAF groups of one product give it, and the group that says so.
fn status_of(groups: &[&str]) -> Option<(ProductStatus, &'static str)> {
    const BY_PRECEDENCE: [(&str, ProductStatus); 7] = [
        ("known_affected", ProductStatus::Affected),
        ("first_affected", ProductStatus::Affected),
        ("last_affected", ProductStatus::Affected),
        ("under_investigation", ProductStatus::UnderInvestigation),
        ("fixed", ProductStatus::NotAffected),
        ("first_fixed", ProductStatus::NotAffected),
        ("known_not_affected", ProductStatus::NotAffected),
    ];
    BY_PRECEDENCE
        .into_iter()
        .find(|(group, _)| groups.contains(group))
        .map(|(group, status)| (status, group))
}
