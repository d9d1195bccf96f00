//! Vulnerabilities that name products themselves: every entry of the CISA KEV
//! catalogue (mapped by the KEV mapping) against members of the named products, a
//! vulnerability with CPE references and wildcards, and stored objects of odd shapes.

use dijkwacht_alerts::advisory::{Advisory, AdvisoryKind};
use dijkwacht_alerts::matched::MatchRule;
use dijkwacht_alerts::profile::AssetKind;
use dijkwacht_fusion::kev::map_catalog;
use serde_json::json;

use super::support::{index_of, shared_data};
use super::{cves, summary};

#[test]
fn kev_entries_match_the_named_product_with_the_version_unknown() {
    let Some(data) = shared_data() else { return };
    let path = data.join("cisa-kev/known_exploited_vulnerabilities.json");
    let catalogue = map_catalog(&std::fs::read(&path).unwrap_or_else(|error| panic!("{error}")))
        .unwrap_or_else(|error| panic!("{error}"));
    let advisories: Vec<Advisory> = catalogue
        .mapped
        .objects
        .iter()
        .filter_map(Advisory::from_vulnerability)
        .collect();
    assert_eq!(
        advisories.len(),
        catalogue.mapped.objects.len() - 1,
        "every entry but the identity"
    );
    assert!(
        advisories
            .iter()
            .all(|advisory| advisory.kind() == AdvisoryKind::Kev)
    );
    let index = index_of(&[
        ("log4j-user", AssetKind::Product, "Apache:Log4j2:2.14.1"),
        (
            "log4j-cpe",
            AssetKind::Cpe,
            "cpe:2.3:a:apache:log4j2:2.17.1:*:*:*:*:*:*:*",
        ),
        ("log4net-user", AssetKind::Product, "apache:log4net:2.0"),
        (
            "windows-user",
            AssetKind::Product,
            "microsoft:windows:10.0.19045.3803",
        ),
        ("ipad-user", AssetKind::Product, "apple:ipados:17.1"),
    ]);
    let log4shell = advisories
        .iter()
        .find(|advisory| advisory.title().starts_with("CVE-2021-44228 "))
        .expect("Log4Shell is in the catalogue");
    let matches = log4shell.match_products(&index);
    let organisations: Vec<&str> = matches
        .iter()
        .map(|found| found.matched.organisation.as_str())
        .collect();
    assert_eq!(organisations, ["log4j-cpe", "log4j-user"]);
    for found in &matches {
        assert_eq!(found.matched.rule, MatchRule::KevProduct);
        assert!(!found.version_known, "KEV names no versions");
        assert_eq!(found.cves, ["CVE-2021-44228"]);
        let kev = found.kev.as_ref().expect("KEV facts");
        assert_eq!(kev.due_date.as_deref(), Some("2021-12-24"));
        assert_eq!(kev.known_ransomware_campaign_use, Some(true));
        assert!(
            kev.required_action
                .as_deref()
                .is_some_and(|action| action.contains("Apply updates"))
        );
        assert!(found.matched.evidence.contains("KEV names no versions"));
    }
    // Windows: at least every entry whose product is exactly "Windows" (152 in this
    // release), and only entries that name Windows.
    let windows: Vec<&Advisory> = advisories
        .iter()
        .filter(|advisory| {
            advisory
                .match_products(&index)
                .iter()
                .any(|found| found.matched.organisation == "windows-user")
        })
        .collect();
    assert!(windows.len() >= 152, "{}", windows.len());
    assert!(
        windows
            .iter()
            .all(|advisory| advisory.title().contains("Microsoft")
                && advisory.title().contains("Windows"))
    );
    // "iOS, iPadOS, and macOS" and "iOS and iPadOS" name iPadOS.
    let ipad = advisories
        .iter()
        .filter(|advisory| {
            advisory
                .match_products(&index)
                .iter()
                .any(|found| found.matched.organisation == "ipad-user")
        })
        .count();
    assert!(ipad >= 10, "{ipad}");
}

#[test]
fn vulnerabilities_naming_cpes_match_with_wildcards() {
    let vulnerability = json!({
        "type": "vulnerability",
        "spec_version": "2.1",
        "id": "vulnerability--0b0b7e0e-7d5f-4f0a-9d84-5f3f4c1f6a01",
        "created": "2021-12-10T00:00:00.000Z",
        "modified": "2021-12-10T00:00:00.000Z",
        "name": "CVE-2021-44228",
        "external_references": [
            {"source_name": "cve", "external_id": "CVE-2021-44228"},
            {"source_name": "cpe", "external_id": "cpe:2.3:a:apache:log4j:2.*:*:*:*:*:*:*:*"},
            {"source_name": "CPE", "external_id": "cpe:2.3:a:*:openssl:1.0.2?:*:*:*:*:*:*:*"},
            {"source_name": "cpe", "external_id": "not a cpe"}
        ]
    });
    let advisory = Advisory::from_vulnerability(&vulnerability).expect("names CPEs");
    assert_eq!(advisory.kind(), AdvisoryKind::VulnerabilityCpe);
    assert_eq!(advisory.product_count(), 2);
    assert_eq!(advisory.problems().len(), 1, "{:?}", advisory.problems());
    let index = index_of(&[
        ("log4j-2", AssetKind::Product, "apache:log4j:2.14.1"),
        ("log4j-1", AssetKind::Product, "apache:log4j:1.2.17"),
        (
            "log4j-cpe-pattern",
            AssetKind::Cpe,
            "cpe:2.3:a:apache:log4j:2.1*:*:*:*:*:*:*:*",
        ),
        (
            "openssl-debian",
            AssetKind::Product,
            "debian:openssl:1.0.2k",
        ),
        ("openssl-new", AssetKind::Product, "openssl:openssl:1.0.20"),
        (
            "openssl-3",
            AssetKind::Cpe,
            "cpe:2.3:a:openssl:openssl:3.0.1:*:*:*:*:*:*:*",
        ),
    ]);
    let matches = advisory.match_products(&index);
    assert_eq!(
        summary(&matches),
        vec![
            (
                "log4j-2".to_owned(),
                MatchRule::VulnerabilityCpe,
                cves(&["CVE-2021-44228"]),
                true
            ),
            (
                "log4j-cpe-pattern".to_owned(),
                MatchRule::VulnerabilityCpe,
                cves(&["CVE-2021-44228"]),
                false
            ),
            (
                "openssl-debian".to_owned(),
                MatchRule::VulnerabilityCpe,
                cves(&["CVE-2021-44228"]),
                true
            ),
            (
                "openssl-new".to_owned(),
                MatchRule::VulnerabilityCpe,
                cves(&["CVE-2021-44228"]),
                true
            ),
        ]
    );
    let no_products = json!({"type": "vulnerability", "id": "vulnerability--1", "name": "x"});
    assert!(Advisory::from_vulnerability(&no_products).is_none());
    assert!(
        Advisory::from_vulnerability(&json!({"type": "indicator", "id": "indicator--1"})).is_none()
    );
}

#[test]
fn odd_stored_objects_give_errors_or_problems_never_panics() {
    let not_report = json!({"type": "vulnerability", "id": "vulnerability--1"});
    let error = Advisory::from_csaf(&not_report, &[]).expect_err("not a report");
    assert!(
        error
            .to_string()
            .contains("is a vulnerability, not a report"),
        "{error}"
    );
    let broken_products = json!({"type": "report", "id": "report--1", "x_csaf_products": {"a": 1}});
    assert!(Advisory::from_csaf(&broken_products, &[]).is_err());
    let odd = json!({
        "type": "report",
        "id": "report--2",
        "object_refs": ["vulnerability--a"],
        "x_csaf_products": [
            7,
            {"name": "no id"},
            {"product_id": "P1", "vendor": "V", "product_name": "P", "version_range": "sometimes"},
            {"product_id": "P2", "vendor": "V", "product_name": "P", "cpe": "cpe:2.3:broken"},
            {"product_id": "P3", "relationship": {"product_reference": "P9", "relates_to_product_reference": "P1"}}
        ]
    });
    let vulnerabilities = [
        json!({"type": "vulnerability", "id": "vulnerability--a",
               "x_csaf_product_status": {"P1": ["known_affected"], "P2": "fixed", "P3": [1]},
               "x_csaf_cvss": [{"base_score": "high"}, {"base_score": 11.0}],
               "x_csaf_remediations": [{"details": "no category"}]}),
        json!({"type": "vulnerability", "id": "vulnerability--not-referenced"}),
        json!("just a string"),
    ];
    let advisory = Advisory::from_csaf(&odd, &vulnerabilities).expect("odd but a report");
    assert_eq!(advisory.problems().len(), 7, "{:#?}", advisory.problems());
    let index = index_of(&[("member", AssetKind::Product, "v:p:1.0")]);
    let matches = advisory.match_products(&index);
    assert_eq!(
        matches.len(),
        1,
        "the unreadable range still reaches the member"
    );
    assert!(!matches[0].version_known);
    assert!(
        matches[0].cvss.is_none(),
        "scores outside 0–10 are not scores"
    );
    assert!(
        matches[0].matched.evidence.contains("could not be checked"),
        "{}",
        matches[0].matched.evidence
    );
}
