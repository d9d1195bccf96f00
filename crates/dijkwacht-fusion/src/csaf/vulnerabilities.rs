//! The `vulnerabilities` of a CSAF advisory as STIX `vulnerability` objects.
//!
//! A vulnerability with a CVE gets the id of that CVE (`derived_id("vulnerability",
//! "cve", …)`), shared with the KEV mapping. One that only has other ids (`ids`, such as
//! a vendor's bug number) gets an id from the first of those; one with neither (CSAF
//! allows it) gets an id from the advisory and its position in it, and is named by its
//! title. A CVE field that is not a CVE id is a problem, and that vulnerability is left
//! out rather than given an id that would not meet other sources. What matters for deciding whether an asset is affected stays with it:
//! the product status by product id, CVSS scores, the CWE and the remediations, as
//! `x_csaf_*` properties.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value, json};

use super::{AdvisoryContext, text_at};
use crate::kev::is_cve_id;
use crate::mapped::{Mapped, derived_id};

/// The product status groups of CSAF 2.0 (§3.2.3.9), in the order they are listed.
const PRODUCT_STATUSES: [&str; 8] = [
    "first_affected",
    "known_affected",
    "last_affected",
    "known_not_affected",
    "first_fixed",
    "fixed",
    "under_investigation",
    "recommended",
];

/// The note categories whose text describes a vulnerability, best first.
const DESCRIBING_NOTES: [&str; 4] = ["description", "summary", "details", "general"];

/// Maps `vulnerabilities`; problems go to `mapped`.
pub(crate) fn map_vulnerabilities(
    vulnerabilities: Option<&Value>,
    context: &AdvisoryContext,
    mapped: &mut Mapped,
) -> Vec<Value> {
    let mut objects = Vec::new();
    let mut seen = HashSet::new();
    let entries = vulnerabilities
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for (index, vulnerability) in entries.iter().enumerate() {
        let cve = text_at(vulnerability, "cve").map(str::to_ascii_uppercase);
        let location = match &cve {
            Some(cve) => format!("vulnerabilities[{index}] ({cve})"),
            None => format!("vulnerabilities[{index}]"),
        };
        let Some((id, name)) = identify(
            vulnerability,
            index,
            cve.as_deref(),
            context,
            &location,
            mapped,
        ) else {
            continue;
        };
        if !seen.insert(id.clone()) {
            mapped.problem(
                location,
                "this vulnerability appears twice; the first was kept",
            );
            continue;
        }
        objects.push(vulnerability_object(
            vulnerability,
            &id,
            &name,
            cve.as_deref(),
            context,
        ));
    }
    objects
}

/// The id and name of a vulnerability, from its CVE, else its other ids, else the
/// advisory and its position.
fn identify(
    vulnerability: &Value,
    index: usize,
    cve: Option<&str>,
    context: &AdvisoryContext,
    location: &str,
    mapped: &mut Mapped,
) -> Option<(String, String)> {
    if let Some(cve) = cve {
        if is_cve_id(cve) {
            let key = format!("{}|{cve}", context.advisory_key);
            return Some((derived_id("vulnerability", "csaf", &key), cve.to_owned()));
        }
        mapped.problem(
            location,
            format!("'{cve}' is not a CVE id; the vulnerability was left out"),
        );
        return None;
    }
    let first_id = vulnerability
        .get("ids")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|id| Some((text_at(id, "system_name")?, text_at(id, "text")?)));
    if let Some((system, text)) = first_id {
        return Some((
            derived_id("vulnerability", "csaf-ids", &format!("{system}|{text}")),
            text.to_owned(),
        ));
    }
    let name = text_at(vulnerability, "title")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{} vulnerability {}", context.tracking_id, index + 1));
    Some((
        derived_id(
            "vulnerability",
            "csaf",
            &format!("{}|{index}", context.advisory_key),
        ),
        name,
    ))
}

fn vulnerability_object(
    vulnerability: &Value,
    id: &str,
    name: &str,
    cve: Option<&str>,
    context: &AdvisoryContext,
) -> Value {
    let mut object = Map::new();
    object.insert("type".into(), json!("vulnerability"));
    object.insert("spec_version".into(), json!("2.1"));
    object.insert("id".into(), json!(id));
    object.insert("created".into(), json!(context.created));
    object.insert("modified".into(), json!(context.modified));
    object.insert("created_by_ref".into(), json!(context.identity_id));
    object.insert("name".into(), json!(name));
    if let Some(description) = description(vulnerability) {
        object.insert("description".into(), json!(description));
    }
    object.insert(
        "external_references".into(),
        json!(references(vulnerability, cve, context)),
    );
    if let Some(marking) = context.marking {
        object.insert("object_marking_refs".into(), json!([marking]));
    }
    if let Some(title) = text_at(vulnerability, "title") {
        object.insert("x_csaf_title".into(), json!(title));
    }
    if let Some(cwe) = vulnerability.get("cwe").and_then(|cwe| text_at(cwe, "id")) {
        let mut entry = Map::new();
        entry.insert("id".into(), json!(cwe));
        if let Some(cwe_name) = vulnerability
            .get("cwe")
            .and_then(|cwe| text_at(cwe, "name"))
        {
            entry.insert("name".into(), json!(cwe_name));
        }
        object.insert("x_csaf_cwe".into(), Value::Object(entry));
    }
    let ids: Vec<Value> = list(vulnerability, "ids")
        .iter()
        .filter_map(|id| {
            Some(json!({"system_name": text_at(id, "system_name")?, "text": text_at(id, "text")?}))
        })
        .collect();
    if !ids.is_empty() {
        object.insert("x_csaf_ids".into(), json!(ids));
    }
    let scores = cvss_scores(vulnerability);
    if !scores.is_empty() {
        object.insert("x_csaf_cvss".into(), json!(scores));
    }
    let status = product_status(vulnerability);
    if !status.is_empty() {
        object.insert("x_csaf_product_status".into(), json!(status));
    }
    let remediations = remediations(vulnerability);
    if !remediations.is_empty() {
        object.insert("x_csaf_remediations".into(), json!(remediations));
    }
    Value::Object(object)
}

fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The strings of a list property, trimmed, blanks dropped.
fn texts<'a>(value: &'a Value, key: &str) -> Vec<&'a str> {
    list(value, key)
        .iter()
        .filter_map(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .collect()
}

/// The notes of the best describing category, joined by blank lines; else the title.
fn description(vulnerability: &Value) -> Option<String> {
    let notes = list(vulnerability, "notes");
    for category in DESCRIBING_NOTES {
        let found: Vec<&str> = notes
            .iter()
            .filter(|note| text_at(note, "category") == Some(category))
            .filter_map(|note| text_at(note, "text"))
            .collect();
        if !found.is_empty() {
            return Some(found.join("\n\n"));
        }
    }
    text_at(vulnerability, "title").map(str::to_owned)
}

fn references(vulnerability: &Value, cve: Option<&str>, context: &AdvisoryContext) -> Vec<Value> {
    let mut references = Vec::new();
    if let Some(cve) = cve {
        references.push(json!({"source_name": "cve", "external_id": cve}));
    }
    if let Some(cwe) = vulnerability.get("cwe").and_then(|cwe| text_at(cwe, "id")) {
        references.push(json!({"source_name": "cwe", "external_id": cwe}));
    }
    references.push(match &context.self_url {
        Some(url) => json!({"source_name": "csaf", "external_id": context.tracking_id, "url": url}),
        None => json!({"source_name": "csaf", "external_id": context.tracking_id}),
    });
    references
}

/// Each CVSS score as `{version, vector_string, base_score, base_severity, products}`.
fn cvss_scores(vulnerability: &Value) -> Vec<Value> {
    let mut scores = Vec::new();
    for score in list(vulnerability, "scores") {
        let products = texts(score, "products");
        for key in ["cvss_v3", "cvss_v2"] {
            let Some(cvss) = score.get(key) else {
                continue;
            };
            let mut entry = Map::new();
            if let Some(version) = text_at(cvss, "version") {
                entry.insert("version".into(), json!(version));
            }
            if let Some(vector) = text_at(cvss, "vectorString") {
                entry.insert("vector_string".into(), json!(vector));
            }
            if let Some(base_score) = cvss.get("baseScore").filter(|score| score.is_number()) {
                entry.insert("base_score".into(), base_score.clone());
            }
            if let Some(severity) = text_at(cvss, "baseSeverity") {
                entry.insert("base_severity".into(), json!(severity));
            }
            if entry.contains_key("vector_string") || entry.contains_key("base_score") {
                if !products.is_empty() {
                    entry.insert("products".into(), json!(products));
                }
                scores.push(Value::Object(entry));
            }
        }
    }
    scores
}

/// Product id → the status groups that list it, in CSAF's order.
fn product_status(vulnerability: &Value) -> BTreeMap<&str, Vec<&'static str>> {
    let mut by_product: BTreeMap<&str, Vec<&'static str>> = BTreeMap::new();
    let Some(status) = vulnerability.get("product_status") else {
        return by_product;
    };
    for group in PRODUCT_STATUSES {
        for product_id in texts(status, group) {
            let groups = by_product.entry(product_id).or_default();
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
    }
    by_product
}

/// Each remediation as `{category, details, url, product_ids, group_ids}` as given.
fn remediations(vulnerability: &Value) -> Vec<Value> {
    let mut remediations = Vec::new();
    for remediation in list(vulnerability, "remediations") {
        let mut entry = Map::new();
        for key in ["category", "details", "url", "date"] {
            if let Some(text) = text_at(remediation, key) {
                entry.insert(key.into(), json!(text));
            }
        }
        for key in ["product_ids", "group_ids"] {
            let ids = texts(remediation, key);
            if !ids.is_empty() {
                entry.insert(key.into(), json!(ids));
            }
        }
        if !entry.is_empty() {
            remediations.push(Value::Object(entry));
        }
    }
    remediations
}
