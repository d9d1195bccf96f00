//! Real advisories against hand-built profiles with known answers: CISA's CSAF
//! advisories and the OASIS examples in `shared/data`, mapped by the fusion center's own
//! CSAF mapping so that the test reads exactly what the store would hold, and the CISA
//! KEV catalogue mapped by the KEV mapping.
//!
//! Each profile below was written from the advisory's product tree by hand: the version
//! just inside and just outside each range edge, a fixed version, a member without a
//! version, another vendor's product of the same name. The product entries themselves,
//! and an index of 100,000 of them, are tested in `products`.

mod products;
mod properties;
mod support;
mod vulnerabilities;

use std::path::Path;

use dijkwacht_alerts::advisory::AdvisoryMatch;
use dijkwacht_alerts::matched::MatchRule;
use dijkwacht_alerts::product::{ProductAsset, ProductIndex};
use dijkwacht_alerts::profile::AssetKind;
use dijkwacht_fusion::csaf::map_advisory;
use serde_json::Value;
use support::{csaf_advisory, index_of, shared_data};

/// (organisation, rule, CVEs, version known) of each match.
fn summary(matches: &[AdvisoryMatch]) -> Vec<(String, MatchRule, Vec<String>, bool)> {
    matches
        .iter()
        .map(|found| {
            (
                found.matched.organisation.clone(),
                found.matched.rule,
                found.cves.clone(),
                found.version_known,
            )
        })
        .collect()
}

fn cves(list: &[&str]) -> Vec<String> {
    list.iter().map(|cve| (*cve).to_owned()).collect()
}

const AFFECTED: MatchRule = MatchRule::CsafProductAffected;

#[test]
fn adminer_evo_is_decided_by_the_members_version() {
    let Some(data) = shared_data() else { return };
    // AdminerEvo 4.8.2 and 4.8.3 are known_affected by CVE-2023-45195 and -45196, 4.8.4
    // is fixed; for CVE-2023-45197 only 4.8.2 is affected and 4.8.3 is fixed. Adminer is
    // affected in all versions.
    let advisory = csaf_advisory(&data, "cisa-csaf/IT/white/2024/va-24-201-01.json");
    let index = index_of(&[
        ("evo-482", AssetKind::Product, "AdminerEvo:AdminerEvo:4.8.2"),
        ("evo-483", AssetKind::Product, "adminerevo:adminerevo:4.8.3"),
        ("evo-484", AssetKind::Product, "adminerevo:adminerevo:4.8.4"),
        ("evo-481", AssetKind::Product, "adminerevo:adminerevo:4.8.1"),
        ("evo-unknown", AssetKind::Product, "adminerevo:adminerevo"),
        ("adminer-401", AssetKind::Product, "Adminer:Adminer:4.0.1"),
        (
            "other-vendor",
            AssetKind::Product,
            "othervendor:adminer:4.8.1",
        ),
    ]);
    let matches = advisory.match_products(&index);
    let all_three = cves(&["CVE-2023-45195", "CVE-2023-45196", "CVE-2023-45197"]);
    assert_eq!(
        summary(&matches),
        vec![
            ("adminer-401".to_owned(), AFFECTED, all_three.clone(), true),
            ("evo-482".to_owned(), AFFECTED, all_three.clone(), true),
            (
                "evo-483".to_owned(),
                AFFECTED,
                cves(&["CVE-2023-45195", "CVE-2023-45196"]),
                true
            ),
            ("evo-unknown".to_owned(), AFFECTED, all_three, false),
        ]
    );
    let evo_483 = &matches[2];
    assert_eq!(evo_483.product_ids, ["CSAFPID-0007"]);
    assert_eq!(evo_483.report_id.as_deref(), advisory.report_id());
    assert_eq!(evo_483.vulnerability_ids.len(), 2);
    assert!(
        evo_483
            .remediations
            .iter()
            .all(|remediation| remediation.category == "vendor_fix")
    );
    assert!(!evo_483.remediations.is_empty());
    assert!(
        evo_483
            .matched
            .evidence
            .contains("CSAFPID-0007 \"AdminerEvo 4.8.3\"")
            && evo_483.matched.evidence.contains("known_affected")
            && evo_483
                .matched
                .evidence
                .contains("the profile runs product adminerevo:adminerevo:4.8.3"),
        "{}",
        evo_483.matched.evidence
    );
    let adminer = &matches[0];
    assert_eq!(adminer.product_ids, ["CSAFPID-0006"]);
    assert!(
        adminer
            .remediations
            .iter()
            .any(|remediation| remediation.category == "none_available")
    );
    assert!(
        matches[3]
            .matched
            .evidence
            .contains("without a version, so it may be affected")
    );
}

#[test]
fn rockwell_bounds_per_release_line() {
    let Some(data) = shared_data() else { return };
    // ControlLogix 5580: <V33.017_V34.014_V35.013_V36.011 ("prior to V33.017, V34.014,
    // V35.013, V36.011").
    let advisory = csaf_advisory(&data, "cisa-csaf/OT/white/2024/icsa-24-284-20.json");
    assert!(advisory.problems().is_empty(), "{:?}", advisory.problems());
    let index = index_of(&[
        (
            "v32",
            AssetKind::Product,
            "Rockwell Automation:ControlLogix 5580:V32.011",
        ),
        (
            "v33-below",
            AssetKind::Product,
            "rockwell_automation:controllogix_5580:V33.016",
        ),
        (
            "v33-fixed",
            AssetKind::Product,
            "rockwell_automation:controllogix_5580:V33.017",
        ),
        (
            "v34-below",
            AssetKind::Product,
            "rockwell_automation:controllogix_5580:34.013",
        ),
        (
            "v36-fixed",
            AssetKind::Product,
            "rockwell_automation:controllogix_5580:V36.011",
        ),
        (
            "v37",
            AssetKind::Product,
            "rockwell_automation:controllogix_5580:V37.001",
        ),
        (
            "process-below",
            AssetKind::Product,
            "rockwell automation:controllogix 5580 process:V35.012",
        ),
        (
            "other-vendor",
            AssetKind::Product,
            "acme:controllogix_5580:V33.001",
        ),
    ]);
    let organisations: Vec<String> = advisory
        .match_products(&index)
        .into_iter()
        .map(|found| found.matched.organisation)
        .collect();
    assert_eq!(
        organisations,
        ["process-below", "v32", "v33-below", "v34-below"]
    );
}

#[test]
fn rockwell_open_interval_and_exact_firmware() {
    let Some(data) = shared_data() else { return };
    // CompactLogix 5380: >v33.011|<v33.015; 1756-EN4TR: v3.002.
    let advisory = csaf_advisory(&data, "cisa-csaf/OT/white/2024/icsa-24-284-18.json");
    let index = index_of(&[
        (
            "edge-low",
            AssetKind::Product,
            "rockwell_automation:compactlogix_5380:v33.011",
        ),
        (
            "inside",
            AssetKind::Product,
            "rockwell_automation:compactlogix_5380:V33.012",
        ),
        (
            "edge-high",
            AssetKind::Product,
            "rockwell_automation:compactlogix_5380:v33.015",
        ),
        (
            "en4tr",
            AssetKind::Product,
            "rockwell_automation:1756-EN4TR:3.2",
        ),
        (
            "en4tr-next",
            AssetKind::Product,
            "rockwell_automation:1756-en4tr:v3.003",
        ),
    ]);
    let organisations: Vec<String> = advisory
        .match_products(&index)
        .into_iter()
        .map(|found| found.matched.organisation)
        .collect();
    assert_eq!(organisations, ["en4tr", "inside"]);
}

#[test]
fn schneider_range_edge_fixed_version_and_severity() {
    let Some(data) = shared_data() else { return };
    // Data Center Expert: <=8.1.1.3 known_affected, 8.2 fixed.
    let advisory = csaf_advisory(&data, "cisa-csaf/OT/white/2024/icsa-24-289-02.json");
    let index = index_of(&[
        (
            "at-edge",
            AssetKind::Product,
            "Schneider Electric:Data Center Expert:8.1.1.3",
        ),
        (
            "past-edge",
            AssetKind::Product,
            "schneider_electric:data_center_expert:8.1.1.4",
        ),
        (
            "fixed",
            AssetKind::Product,
            "schneider_electric:data_center_expert:8.2",
        ),
        (
            "unknown",
            AssetKind::Product,
            "schneider-electric:data-center-expert",
        ),
        (
            "range-below",
            AssetKind::Product,
            "schneider_electric:data_center_expert:>=7.0,<8.0",
        ),
        (
            "range-above",
            AssetKind::Product,
            "schneider_electric:data_center_expert:vers:generic/>=8.2",
        ),
    ]);
    let matches = advisory.match_products(&index);
    let found: Vec<(&str, bool)> = matches
        .iter()
        .map(|found| (found.matched.organisation.as_str(), found.version_known))
        .collect();
    assert_eq!(
        found,
        [
            ("at-edge", true),
            ("range-below", false),
            ("unknown", false)
        ]
    );
    let cvss = matches[0]
        .cvss
        .as_ref()
        .expect("the advisory scores its vulnerabilities");
    assert!((0.0..=10.0).contains(&cvss.base_score) && cvss.base_score > 0.0);
    assert!(
        ["LOW", "MEDIUM", "HIGH", "CRITICAL"].contains(&cvss.severity.as_str()),
        "{}",
        cvss.severity
    );
    assert!(
        matches[1]
            .matched
            .evidence
            .contains("a range that includes versions it names")
    );
}

#[test]
fn topbraid_edg_exact_and_from_zero_range() {
    let Some(data) = shared_data() else { return };
    // 7.1.3 known_affected by CVE-2024-45744; "0 < 8.0.1" known_affected by CVE-2024-45745,
    // 8.0.1 fixed.
    let advisory = csaf_advisory(&data, "cisa-csaf/IT/white/2024/va-24-254-02.json");
    let index = index_of(&[
        (
            "on-7.1.3",
            AssetKind::Product,
            "TopQuadrant:TopBraid EDG:7.1.3",
        ),
        (
            "on-8.0.0",
            AssetKind::Product,
            "topquadrant:topbraid_edg:8.0.0",
        ),
        (
            "on-8.0.1",
            AssetKind::Product,
            "topquadrant:topbraid_edg:8.0.1",
        ),
        (
            "on-8.0.2",
            AssetKind::Product,
            "topquadrant:topbraid_edg:8.0.2",
        ),
    ]);
    assert_eq!(
        summary(&advisory.match_products(&index)),
        vec![
            (
                "on-7.1.3".to_owned(),
                AFFECTED,
                cves(&["CVE-2024-45744", "CVE-2024-45745"]),
                true
            ),
            (
                "on-8.0.0".to_owned(),
                AFFECTED,
                cves(&["CVE-2024-45745"]),
                true
            ),
        ]
    );
}

#[test]
fn cpe_identified_products_of_the_bsi_example() {
    let Some(data) = shared_data() else { return };
    // CVRF-CSAF-Converter 1.0.0-alpha … 1.0.0-rc1 known_affected, 1.0.0-rc2 fixed; each
    // with a CPE 2.2 URI.
    let advisory = csaf_advisory(&data, "oasis-csaf-2.0/examples/csaf/bsi-2022-0001.json");
    let index = index_of(&[
        (
            "cpe-rc1",
            AssetKind::Cpe,
            "cpe:2.3:a:csaf-tools:cvrf-csaf-converter:1.0.0-rc1:*:*:*:*:*:*:*",
        ),
        (
            "cpe-rc2",
            AssetKind::Cpe,
            "cpe:2.3:a:csaf-tools:cvrf-csaf-converter:1.0.0-rc2:*:*:*:*:*:*:*",
        ),
        (
            "cpe-release",
            AssetKind::Cpe,
            "cpe:/a:csaf-tools:cvrf-csaf-converter:1.0.0",
        ),
        (
            "cpe-any",
            AssetKind::Cpe,
            "cpe:2.3:a:csaf-tools:cvrf-csaf-converter:*:*:*:*:*:*:*:*",
        ),
        (
            "cpe-linux",
            AssetKind::Cpe,
            "cpe:2.3:a:csaf-tools:cvrf-csaf-converter:1.0.0-alpha:*:*:*:*:linux:*:*",
        ),
        (
            "cpe-as-os",
            AssetKind::Cpe,
            "cpe:2.3:o:csaf-tools:cvrf-csaf-converter:1.0.0-rc1:*:*:*:*:*:*:*",
        ),
        (
            "named-dev2",
            AssetKind::Product,
            "CSAF Tools:CVRF-CSAF-Converter:1.0.0-dev2",
        ),
        (
            "named-dev9",
            AssetKind::Product,
            "csaf_tools:cvrf_csaf_converter:1.0.0-dev9",
        ),
    ]);
    let matches = advisory.match_products(&index);
    assert_eq!(
        summary(&matches),
        vec![
            (
                "cpe-any".to_owned(),
                AFFECTED,
                cves(&["CVE-2022-27193"]),
                false
            ),
            (
                "cpe-linux".to_owned(),
                AFFECTED,
                cves(&["CVE-2022-27193"]),
                true
            ),
            (
                "cpe-rc1".to_owned(),
                AFFECTED,
                cves(&["CVE-2022-27193"]),
                true
            ),
            (
                "named-dev2".to_owned(),
                AFFECTED,
                cves(&["CVE-2022-27193"]),
                true
            ),
        ]
    );
    let score = matches[2].cvss.as_ref().expect("scored");
    assert_eq!(score.base_score, 6.1);
    assert_eq!(score.severity, "MEDIUM");
    assert_eq!(
        matches[0].product_ids.len(),
        5,
        "all affected products, version unknown"
    );
    assert!(
        matches[0].matched.evidence.contains("and 2 more"),
        "{}",
        matches[0].matched.evidence
    );
}

#[test]
fn cisco_service_packs_below_the_train() {
    let Some(data) = shared_data() else { return };
    // The flattened tree keeps the train (12.2SE) as the version; the full name carries
    // the release (12.2(55)SE3), which is what members run.
    let advisory = csaf_advisory(
        &data,
        "oasis-csaf-2.0/examples/csaf/cisco-sa-20180328-smi2.json",
    );
    let index = index_of(&[
        ("se3", AssetKind::Product, "cisco:ios:12.2(55)SE3"),
        ("se-unlisted", AssetKind::Product, "cisco:ios:12.2(55)SE99"),
        (
            "ios-xe",
            AssetKind::Product,
            "Cisco:Cisco IOS XE Software:16.3.1a",
        ),
        ("juniper", AssetKind::Product, "juniper:ios:12.2(55)SE3"),
    ]);
    let matches = advisory.match_products(&index);
    let organisations: Vec<&str> = matches
        .iter()
        .map(|found| found.matched.organisation.as_str())
        .collect();
    assert_eq!(organisations, ["ios-xe", "se3"]);
    assert_eq!(matches[1].cves, ["CVE-2018-0171"]);
    assert_eq!(matches[1].product_ids, ["CVRFPID-105394"]);
    assert!(
        matches[1]
            .remediations
            .iter()
            .any(|remediation| remediation.category == "workaround")
    );
    assert_eq!(
        matches[1].cvss.as_ref().map(|score| score.base_score),
        Some(9.8)
    );
}

#[test]
fn vex_statuses_fixed_not_affected_and_under_investigation() {
    let Some(data) = shared_data() else { return };
    let cases = [
        (
            "2022-evd-uc-01-a-001.json",
            "example_company:def:1.0",
            Some(AFFECTED),
        ),
        ("2022-evd-uc-01-f-001.json", "example_company:def:1.1", None),
        (
            "2022-evd-uc-01-na-001.json",
            "example_company:abc:4.2",
            None,
        ),
        ("2022-evd-uc-01-na-001.json", "example_company:abc", None),
        (
            "2022-evd-uc-01-ui-001.json",
            "example_company:ghi:17.4",
            Some(MatchRule::CsafProductUnderInvestigation),
        ),
    ];
    for (file, entry, expected) in cases {
        let advisory = csaf_advisory(
            &data,
            &format!("oasis-csaf-2.0/examples/csaf/csaf_vex/{file}"),
        );
        let index = index_of(&[("member", AssetKind::Product, entry)]);
        let rules: Vec<MatchRule> = advisory
            .match_products(&index)
            .iter()
            .map(|found| found.matched.rule)
            .collect();
        assert_eq!(
            rules,
            expected.into_iter().collect::<Vec<_>>(),
            "{file} {entry}"
        );
    }
}

/// Every CSAF advisory in the shared data, with the objects the mapping stores.
fn every_csaf_file(data: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for folder in [
        "cisa-csaf/OT/white/2024",
        "cisa-csaf/IT/white/2024",
        "oasis-csaf-2.0/examples/csaf",
        "oasis-csaf-2.0/examples/csaf/csaf_vex",
    ] {
        let entries = std::fs::read_dir(data.join("csaf").join(folder))
            .unwrap_or_else(|error| panic!("{folder}: {error}"));
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                files.push(format!("{folder}/{name}"));
            }
        }
    }
    files.sort();
    files
}

/// For every advisory: one member per vendor and product of its tree, without a version.
/// Exactly the members whose product some vulnerability lists as affected (in any
/// version) must be matched as affected — read here straight from the stored objects,
/// not through the matcher.
#[test]
fn every_real_advisory_matches_exactly_its_affected_products() {
    let Some(data) = shared_data() else { return };
    let files = every_csaf_file(&data);
    assert!(files.len() >= 40, "{} advisories", files.len());
    let mut affected_members_seen = 0;
    for relative in files {
        let bytes = std::fs::read(data.join("csaf").join(&relative))
            .unwrap_or_else(|error| panic!("{error}"));
        let mapped = map_advisory(&bytes).unwrap_or_else(|error| panic!("{relative}: {error}"));
        let report = mapped
            .mapped
            .objects
            .iter()
            .find(|object| object["type"] == "report")
            .expect("report");
        let vulnerabilities: Vec<&Value> = mapped
            .mapped
            .objects
            .iter()
            .filter(|object| object["type"] == "vulnerability")
            .collect();
        let is_affected = |product_id: &str| {
            vulnerabilities.iter().any(|vulnerability| {
                vulnerability["x_csaf_product_status"][product_id]
                    .as_array()
                    .is_some_and(|groups| {
                        groups.iter().any(|group| {
                            group.as_str().is_some_and(|group| {
                                group.ends_with("_affected") && group != "known_not_affected"
                            })
                        })
                    })
            })
        };
        let mut index = ProductIndex::new();
        let mut expected = std::collections::BTreeSet::new();
        for product in report["x_csaf_products"].as_array().into_iter().flatten() {
            let (Some(vendor), Some(name), Some(id)) = (
                product["vendor"].as_str(),
                product["product_name"].as_str(),
                product["product_id"].as_str(),
            ) else {
                continue;
            };
            if product.get("relationship").is_some() || vendor.contains(':') || name.contains(':') {
                continue;
            }
            let asset = ProductAsset::parse(AssetKind::Product, &format!("{vendor}:{name}"))
                .unwrap_or_else(|error| panic!("{relative}: {error}"));
            let member = asset.entry().value;
            index.insert(&member, &asset);
            if is_affected(id) {
                expected.insert(member);
            }
        }
        let advisory = csaf_advisory(&data, &relative);
        let matched: std::collections::BTreeSet<String> = advisory
            .match_products(&index)
            .into_iter()
            .filter(|found| found.matched.rule == AFFECTED)
            .inspect(|found| assert!(!found.version_known, "{relative}: no member gave a version"))
            .map(|found| found.matched.organisation)
            .collect();
        assert_eq!(matched, expected, "{relative}");
        affected_members_seen += expected.len();
    }
    assert!(affected_members_seen >= 60, "{affected_members_seen}");
}
