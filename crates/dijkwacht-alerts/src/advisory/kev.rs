//! Vulnerabilities that name products on their own: CISA KEV entries (by vendor and
//! product in free text, no versions) and vulnerabilities with CPE names in their
//! external references (`source_name` `cpe`, the name in `external_id`).
//!
//! A KEV entry says a product is exploited in the wild, not which versions: it matches
//! every member that runs the product, with the version marked unknown, and the alert
//! carries CISA's required action and due date.

use serde_json::Value;

use super::csaf::{add_name_keys, cves, list, text};
use super::{
    Advisory, AdvisoryKind, AdvisoryProduct, AdvisoryVulnerability, KevFacts, ProductStatus,
    ProductVersions,
};
use crate::cpe::CpeName;
use crate::product::normalise_name;

/// The `source_name` of an external reference that carries a CPE name.
pub const CPE_SOURCE_NAME: &str = "cpe";

/// What a stored KEV entry says must be done, whatever else it is matched with.
fn kev_facts(vulnerability: &Value) -> KevFacts {
    KevFacts {
        vulnerability_name: text(vulnerability, "x_kev_vulnerability_name").map(str::to_owned),
        required_action: text(vulnerability, "x_kev_required_action").map(str::to_owned),
        due_date: text(vulnerability, "x_kev_due_date").map(str::to_owned),
        known_ransomware_campaign_use: vulnerability
            .get("x_kev_known_ransomware_campaign_use")
            .and_then(Value::as_bool),
    }
}

impl KevFacts {
    /// The facts of a stored KEV entry (a `vulnerability` with `x_kev_vendor_project`),
    /// with the CVEs it is about: so that an advisory from another source about the
    /// same CVE can say the vulnerability is exploited now.
    pub fn of_kev_entry(vulnerability: &Value) -> Option<(KevFacts, Vec<String>)> {
        if text(vulnerability, "type") != Some("vulnerability")
            || text(vulnerability, "x_kev_vendor_project").is_none()
        {
            return None;
        }
        Some((kev_facts(vulnerability), cves(vulnerability)))
    }
}

pub(super) fn read(vulnerability: &Value) -> Option<Advisory> {
    if text(vulnerability, "type") != Some("vulnerability") {
        return None;
    }
    let id = text(vulnerability, "id")?.to_owned();
    if let (Some(vendor), Some(product)) = (
        text(vulnerability, "x_kev_vendor_project"),
        text(vulnerability, "x_kev_product"),
    ) {
        return Some(kev_advisory(vulnerability, id, vendor, product));
    }
    cpe_advisory(vulnerability, id)
}

fn kev_advisory(vulnerability: &Value, id: String, vendor: &str, product: &str) -> Advisory {
    let mut name_keys = Vec::new();
    for named in product_names(product) {
        add_name_keys(&mut name_keys, vendor, named);
    }
    let product_id = format!("{vendor} {product}");
    let kev = kev_facts(vulnerability);
    let cves = cves(vulnerability);
    let title = match cves.first() {
        Some(cve) => format!("{cve} in {vendor} {product}"),
        None => format!("{vendor} {product}"),
    };
    Advisory {
        kind: AdvisoryKind::Kev,
        report_id: None,
        title,
        products: vec![AdvisoryProduct {
            product_id: product_id.clone(),
            name: product_id.clone(),
            name_keys,
            versions: ProductVersions::All,
            cpe: None,
            purl: None,
            relationship: None,
        }],
        vulnerabilities: vec![AdvisoryVulnerability {
            id,
            cves,
            status: vec![(product_id, ProductStatus::Affected, "known_exploited")],
            scores: Vec::new(),
            remediations: Vec::new(),
            kev: Some(kev),
        }],
        problems: Vec::new(),
    }
}

/// The products a KEV product text names: the whole, and each of a list (`iOS, iPadOS,
/// and macOS`, `Firefox and Thunderbird`).
fn product_names(product: &str) -> Vec<&str> {
    let mut names = vec![product];
    if product.contains(',') || product.contains(" and ") {
        for part in product.split(',').flat_map(|part| part.split(" and ")) {
            let part = part.trim();
            let part = part.strip_prefix("and ").unwrap_or(part).trim();
            if !part.is_empty() && !names.contains(&part) {
                names.push(part);
            }
        }
    }
    names
}

fn cpe_advisory(vulnerability: &Value, id: String) -> Option<Advisory> {
    let mut problems = Vec::new();
    let mut products = Vec::new();
    for reference in list(vulnerability, "external_references") {
        if !text(reference, "source_name")
            .is_some_and(|name| name.eq_ignore_ascii_case(CPE_SOURCE_NAME))
        {
            continue;
        }
        let Some(written) = text(reference, "external_id") else {
            continue;
        };
        match CpeName::parse(written) {
            Ok(cpe) => products.push(cpe_product(written, cpe, &mut problems)),
            Err(error) => problems.push(format!("the CPE '{written}' is not read ({error})")),
        }
    }
    if products.is_empty() {
        return None;
    }
    let status = products
        .iter()
        .map(|product: &AdvisoryProduct| {
            (product.product_id.clone(), ProductStatus::Affected, "named")
        })
        .collect();
    let cves = cves(vulnerability);
    let title = text(vulnerability, "name").unwrap_or(&id).to_owned();
    Some(Advisory {
        kind: AdvisoryKind::VulnerabilityCpe,
        report_id: None,
        title,
        products,
        vulnerabilities: vec![AdvisoryVulnerability {
            id,
            cves,
            status,
            scores: Vec::new(),
            remediations: Vec::new(),
            kev: None,
        }],
        problems,
    })
}

fn cpe_product(written: &str, cpe: CpeName, problems: &mut Vec<String>) -> AdvisoryProduct {
    let mut name_keys = Vec::new();
    if let (Some(vendor), Some(product)) = (cpe.vendor().literal(), cpe.product().literal()) {
        name_keys.push((normalise_name(vendor), normalise_name(product)));
    }
    let versions = ProductVersions::of_cpe(&cpe);
    if let ProductVersions::Unreadable(reason) = &versions {
        problems.push(format!("the CPE '{written}': {reason}"));
    }
    AdvisoryProduct {
        product_id: cpe.to_string(),
        name: written.to_owned(),
        name_keys,
        versions,
        cpe: Some(cpe),
        purl: None,
        relationship: None,
    }
}

#[cfg(test)]
mod tests {
    use super::product_names;

    #[test]
    fn kev_product_lists_name_each_product() {
        assert_eq!(
            product_names("iOS, iPadOS, and macOS"),
            ["iOS, iPadOS, and macOS", "iOS", "iPadOS", "macOS"]
        );
        assert_eq!(
            product_names("Firefox and Thunderbird"),
            ["Firefox and Thunderbird", "Firefox", "Thunderbird"]
        );
        assert_eq!(product_names("Windows"), ["Windows"]);
    }
}
