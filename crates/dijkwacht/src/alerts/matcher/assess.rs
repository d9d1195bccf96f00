//! What one page of stored intelligence means for the profiles: each advisory (a CSAF
//! report with its vulnerabilities, a KEV entry, a vulnerability naming CPEs) matched
//! against the products, each indicator and observable against the ranges, domains and
//! e-mail domains — grouped per organisation with what its alert needs.

use std::collections::BTreeMap;

use dijkwacht_alerts::advisory::{Advisory, AdvisoryMatch, KevFacts};
use dijkwacht_alerts::alert::{AdvisoryFacts, Context, IndicatorFacts};
use dijkwacht_alerts::matched::{Match, MatchRule};
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::{ObjectQuery, Store, StoreError, StoredObject};
use dijkwacht_store_sqlite::SqliteStore;
use serde_json::Value;

use super::Profiles;

/// The types the matcher reads.
pub const INTELLIGENCE_TYPES: [&str; 10] = [
    "report",
    "vulnerability",
    "indicator",
    "ipv4-addr",
    "ipv6-addr",
    "domain-name",
    "url",
    "email-addr",
    "autonomous-system",
    "observed-data",
];

/// Read besides the intelligence: a sighting makes the matcher look again at what it
/// sighted, so that a sighting by an organisation nearby raises the alerts already made.
pub const SIGHTING_TYPE: &str = "sighting";

/// The intelligence of a page to assess: its objects other than sightings, then, once
/// each, the latest versions of the intelligence its sightings are of.
pub async fn with_sighted(
    store: &SqliteStore,
    objects: Vec<StoredObject>,
) -> Result<Vec<StoredObject>, StoreError> {
    let mut sighted: Vec<String> = Vec::new();
    let mut intelligence = Vec::with_capacity(objects.len());
    for object in objects {
        if object.object_type != SIGHTING_TYPE {
            intelligence.push(object);
            continue;
        }
        let Ok(value) = serde_json::from_str::<Value>(&object.json) else {
            continue;
        };
        if let Some(target) = value.get("sighting_of_ref").and_then(Value::as_str) {
            if !sighted.iter().any(|known| known == target) {
                sighted.push(target.to_owned());
            }
        }
    }
    sighted.retain(|id| !intelligence.iter().any(|object| object.id == *id));
    for chunk in sighted.chunks(500) {
        let page = store
            .query(ObjectQuery {
                types: INTELLIGENCE_TYPES
                    .iter()
                    .map(|kind| (*kind).to_owned())
                    .collect(),
                ids: chunk.to_vec(),
                limit: chunk.len(),
                ..ObjectQuery::default()
            })
            .await?;
        intelligence.extend(page.objects);
    }
    Ok(intelligence)
}

/// What one organisation's matches against one piece of intelligence are.
#[derive(Debug, Clone)]
pub enum Assessment {
    Advisory {
        matches: Vec<Match>,
        facts: AdvisoryFacts,
    },
    Indicator {
        matches: Vec<Match>,
        facts: IndicatorFacts,
    },
}

/// One piece of intelligence that touches some profiles.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The object the alerts are about (an advisory's report, the indicator).
    pub subject: String,
    /// Its links and TLP; sightings are the caller's to add.
    pub context: Context,
    pub assessments: BTreeMap<String, Assessment>,
    /// KEV entries about the advisory's CVEs (id, facts, their CVEs): an organisation
    /// that may read one learns that the vulnerability is exploited now.
    pub exploited: Vec<(String, KevFacts, Vec<String>)>,
}

/// The findings of `objects` (one page, in `date_added` order).
pub async fn findings(
    store: &SqliteStore,
    profiles: &Profiles,
    objects: &[StoredObject],
) -> Result<Vec<Finding>, StoreError> {
    let mut findings = Vec::new();
    for object in objects {
        let Ok(value) = serde_json::from_str::<Value>(&object.json) else {
            continue;
        };
        if value.get("revoked").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let tlp = object.tlp.unwrap_or(TlpLevel::Red);
        let finding = match object.object_type.as_str() {
            "report" => match csaf_vulnerabilities(store, &value).await? {
                Some(vulnerabilities) => {
                    let objects: Vec<Value> = vulnerabilities
                        .iter()
                        .map(|(value, _)| value.clone())
                        .collect();
                    let Ok(advisory) = Advisory::from_csaf(&value, &objects) else {
                        continue;
                    };
                    let tlp = vulnerabilities
                        .iter()
                        .map(|(_, tlp)| *tlp)
                        .fold(tlp, TlpLevel::max);
                    let mut ids = vec![object.id.clone()];
                    ids.extend(
                        objects
                            .iter()
                            .filter_map(|vulnerability| vulnerability.get("id"))
                            .filter_map(Value::as_str)
                            .map(str::to_owned),
                    );
                    let finding = advisory_finding(
                        advisory.title(),
                        &object.id,
                        ids,
                        tlp,
                        advisory.match_products(&profiles.products),
                    );
                    match finding {
                        Some(mut finding) => {
                            finding.exploited = kev_entries_about(store, &finding).await?;
                            Some(finding)
                        }
                        None => None,
                    }
                }
                None => None,
            },
            "vulnerability" => match Advisory::from_vulnerability(&value) {
                Some(advisory) => advisory_finding(
                    advisory.title(),
                    &object.id,
                    vec![object.id.clone()],
                    tlp,
                    advisory.match_products(&profiles.products),
                ),
                None => None,
            },
            _ => indicator_finding(object, &value, tlp, profiles.networks.match_object(&value)),
        };
        findings.extend(finding);
    }
    Ok(findings)
}

/// The stored KEV entries about the CVEs `finding` matched, found through the fusion
/// ledger's `cve:` keys.
async fn kev_entries_about(
    store: &SqliteStore,
    finding: &Finding,
) -> Result<Vec<(String, KevFacts, Vec<String>)>, StoreError> {
    let mut keys: Vec<String> = finding
        .assessments
        .values()
        .filter_map(|assessment| match assessment {
            Assessment::Advisory { facts, .. } => Some(facts.cves.iter()),
            Assessment::Indicator { .. } => None,
        })
        .flatten()
        .map(|cve| format!("cve:{cve}"))
        .collect();
    keys.sort();
    keys.dedup();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<String> = store
        .objects_with_keys(keys)
        .await?
        .into_iter()
        .map(|link| link.object_id)
        .filter(|id| id.starts_with("vulnerability--") && !finding.context.object_ids.contains(id))
        .collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let page = store
        .query(ObjectQuery {
            limit: ids.len(),
            ids,
            ..ObjectQuery::default()
        })
        .await?;
    Ok(page
        .objects
        .iter()
        .filter_map(|object| {
            let value = serde_json::from_str::<Value>(&object.json).ok()?;
            let (facts, cves) = KevFacts::of_kev_entry(&value)?;
            Some((object.id.clone(), facts, cves))
        })
        .collect())
}

/// The latest versions of the vulnerabilities a CSAF report refers to, with their TLP;
/// `None` when the report is not a CSAF advisory.
async fn csaf_vulnerabilities(
    store: &SqliteStore,
    report: &Value,
) -> Result<Option<Vec<(Value, TlpLevel)>>, StoreError> {
    if report.get("x_csaf_products").is_none() {
        return Ok(None);
    }
    let ids: Vec<String> = report
        .get("object_refs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|id| id.starts_with("vulnerability--"))
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let page = store
        .query(ObjectQuery {
            limit: ids.len(),
            ids,
            ..ObjectQuery::default()
        })
        .await?;
    Ok(Some(
        page.objects
            .into_iter()
            .filter_map(|object| {
                let value = serde_json::from_str::<Value>(&object.json).ok()?;
                Some((value, object.tlp.unwrap_or(TlpLevel::Red)))
            })
            .collect(),
    ))
}

fn context(object_ids: Vec<String>, tlp: TlpLevel) -> Context {
    Context {
        object_ids,
        tlp,
        sighted_nearby: false,
        courses_of_action: Vec::new(),
    }
}

fn advisory_finding(
    title: &str,
    subject: &str,
    object_ids: Vec<String>,
    tlp: TlpLevel,
    matches: Vec<AdvisoryMatch>,
) -> Option<Finding> {
    if matches.is_empty() {
        return None;
    }
    let mut per_organisation: BTreeMap<String, Vec<AdvisoryMatch>> = BTreeMap::new();
    for matched in matches {
        per_organisation
            .entry(matched.matched.organisation.clone())
            .or_default()
            .push(matched);
    }
    let assessments = per_organisation
        .into_iter()
        .map(|(organisation, matches)| {
            let facts = advisory_facts(title, &matches);
            let matches = matches.into_iter().map(|matched| matched.matched).collect();
            (organisation, Assessment::Advisory { matches, facts })
        })
        .collect();
    Some(Finding {
        subject: subject.to_owned(),
        context: context(object_ids, tlp),
        assessments,
        exploited: Vec::new(),
    })
}

/// One organisation's facts over its matches against one advisory titled `title`.
fn advisory_facts(title: &str, matches: &[AdvisoryMatch]) -> AdvisoryFacts {
    let mut facts = AdvisoryFacts {
        title: title.to_owned(),
        version_known: matches.iter().all(|matched| matched.version_known),
        under_investigation: matches
            .iter()
            .all(|matched| matched.matched.rule == MatchRule::CsafProductUnderInvestigation),
        ..AdvisoryFacts::default()
    };
    for matched in matches {
        for cve in &matched.cves {
            if !facts.cves.contains(cve) {
                facts.cves.push(cve.clone());
            }
        }
        if let Some(cvss) = &matched.cvss {
            if facts
                .cvss_base_score
                .is_none_or(|known| cvss.base_score > known)
            {
                facts.cvss_base_score = Some(cvss.base_score);
                facts.source_severity = Some(cvss.severity.clone());
            }
        }
        if let Some(kev) = &matched.kev {
            facts.kev = Some(kev.clone());
        }
        for remediation in &matched.remediations {
            if !facts.remediations.contains(remediation) {
                facts.remediations.push(remediation.clone());
            }
        }
    }
    facts
}

fn indicator_finding(
    object: &StoredObject,
    value: &Value,
    tlp: TlpLevel,
    matches: Vec<Match>,
) -> Option<Finding> {
    if matches.is_empty() {
        return None;
    }
    let facts = indicator_facts(value);
    let mut per_organisation: BTreeMap<String, Vec<Match>> = BTreeMap::new();
    for matched in matches {
        per_organisation
            .entry(matched.organisation.clone())
            .or_default()
            .push(matched);
    }
    Some(Finding {
        subject: object.id.clone(),
        context: context(vec![object.id.clone()], tlp),
        assessments: per_organisation
            .into_iter()
            .map(|(organisation, matches)| {
                (
                    organisation,
                    Assessment::Indicator {
                        matches,
                        facts: facts.clone(),
                    },
                )
            })
            .collect(),
        exploited: Vec::new(),
    })
}

/// What an alert says of an indicator or observable: its name (or pattern, or value),
/// its confidence and its labels.
fn indicator_facts(value: &Value) -> IndicatorFacts {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let name = text("name")
        .or_else(|| text("pattern"))
        .or_else(|| text("value"))
        .unwrap_or_default();
    let labels = ["indicator_types", "labels"]
        .iter()
        .filter_map(|key| value.get(*key).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    IndicatorFacts {
        name,
        confidence: value
            .get("confidence")
            .and_then(Value::as_u64)
            .and_then(|confidence| u8::try_from(confidence.min(100)).ok()),
        labels,
    }
}
