use super::*;
use crate::profile::{AssetEntry, AssetKind};

fn product_match(organisation: &str, value: &str) -> Match {
    Match {
        organisation: organisation.to_owned(),
        asset: AssetEntry {
            kind: AssetKind::Product,
            value: value.to_owned(),
        },
        rule: MatchRule::CsafProductAffected,
        observed: "Example Router 1.2".to_owned(),
        evidence: "CSAF product CSAFPID-0001 is known_affected".to_owned(),
    }
}

fn network_match(rule: MatchRule, kind: AssetKind, value: &str, observed: &str) -> Match {
    Match {
        organisation: "bakkerij".to_owned(),
        asset: AssetEntry {
            kind,
            value: value.to_owned(),
        },
        rule,
        observed: observed.to_owned(),
        evidence: format!("{observed} is inside {value}"),
    }
}

fn context(ids: &[&str]) -> Context {
    Context {
        object_ids: ids.iter().map(|id| (*id).to_owned()).collect(),
        tlp: TlpLevel::Green,
        sighted_nearby: false,
        courses_of_action: Vec::new(),
    }
}

#[test]
fn cvss_bands_follow_cvss_v3() {
    assert_eq!(Severity::of_cvss(9.8), Severity::Critical);
    assert_eq!(Severity::of_cvss(9.0), Severity::Critical);
    assert_eq!(Severity::of_cvss(8.9), Severity::High);
    assert_eq!(Severity::of_cvss(7.0), Severity::High);
    assert_eq!(Severity::of_cvss(6.9), Severity::Medium);
    assert_eq!(Severity::of_cvss(4.0), Severity::Medium);
    assert_eq!(Severity::of_cvss(3.9), Severity::Low);
    assert_eq!(Severity::of_word("Important"), Some(Severity::High));
    assert_eq!(Severity::of_word("unheard"), None);
}

#[test]
fn an_advisory_alert_carries_the_vendor_fix_before_the_template() {
    let facts = AdvisoryFacts {
        title: "Example Router buffer overflow".to_owned(),
        cves: vec!["CVE-2024-0001".to_owned()],
        cvss_base_score: Some(7.5),
        remediations: vec![
            Remediation {
                category: "mitigation".to_owned(),
                details: Some("Block port 8443".to_owned()),
                url: None,
            },
            Remediation {
                category: "vendor_fix".to_owned(),
                details: Some("Update to version 1.3 or later".to_owned()),
                url: Some("https://example.com/fix".to_owned()),
            },
        ],
        version_known: true,
        ..AdvisoryFacts::default()
    };
    let matches = [product_match("bakkerij", "example:router:1.2")];
    let alert = advisory_alert(
        &matches,
        &facts,
        &context(&["report--1", "vulnerability--2"]),
    )
    .expect("an alert for one match");
    assert_eq!(alert.organisation, "bakkerij");
    assert_eq!(alert.kind, AlertKind::VulnerableProduct);
    assert_eq!(alert.severity, Severity::High);
    assert_eq!(alert.key, "vulnerable-product:report--1");
    assert_eq!(alert.body.steps[0].source, StepSource::CsafRemediation);
    assert!(alert.body.steps[0].nl.contains("Update to version 1.3"));
    assert_eq!(
        alert.body.steps[0].url.as_deref(),
        Some("https://example.com/fix")
    );
    assert!(
        alert.body.summary.nl.contains("example router 1.2"),
        "{}",
        alert.body.summary.nl
    );
    assert!(alert.body.summary.en.contains("CVE-2024-0001"));
    assert!(alert.body.severity_reason.en.contains("CVSS score 7.5"));
    assert!(
        alert
            .body
            .steps
            .iter()
            .all(|step| !step.nl.is_empty() && !step.en.is_empty()),
        "every step in both languages"
    );
}

#[test]
fn kev_membership_raises_and_ransomware_makes_critical() {
    let mut facts = AdvisoryFacts {
        title: "Exchange".to_owned(),
        cvss_base_score: Some(5.0),
        kev: Some(KevFacts {
            vulnerability_name: None,
            required_action: Some("Apply mitigations per vendor instructions.".to_owned()),
            due_date: Some("2024-05-01".to_owned()),
            known_ransomware_campaign_use: Some(false),
        }),
        ..AdvisoryFacts::default()
    };
    let matches = [product_match("bakkerij", "microsoft:exchange_server")];
    let alert = advisory_alert(&matches, &facts, &context(&["vulnerability--k"])).expect("alert");
    assert_eq!(alert.kind, AlertKind::ExploitedVulnerability);
    assert_eq!(alert.severity, Severity::High);
    assert_eq!(alert.body.kev_due_date.as_deref(), Some("2024-05-01"));
    let kev_step = alert
        .body
        .steps
        .iter()
        .find(|step| step.source == StepSource::KevRequiredAction)
        .expect("the required action is a step");
    assert!(kev_step.nl.contains("2024-05-01"));
    assert!(
        alert.body.steps[0].en.contains("Find out which version"),
        "without a known version the first step is to check it"
    );
    if let Some(kev) = facts.kev.as_mut() {
        kev.known_ransomware_campaign_use = Some(true);
    }
    let alert = advisory_alert(&matches, &facts, &context(&["vulnerability--k"])).expect("alert");
    assert_eq!(alert.severity, Severity::Critical);
}

#[test]
fn under_investigation_stays_at_most_medium_and_sightings_raise_a_step() {
    let facts = AdvisoryFacts {
        title: "Maybe".to_owned(),
        cvss_base_score: Some(9.8),
        under_investigation: true,
        version_known: true,
        ..AdvisoryFacts::default()
    };
    let matches = [product_match("bakkerij", "example:router:1.2")];
    let mut nearby = context(&["report--x"]);
    let alert = advisory_alert(&matches, &facts, &nearby).expect("alert");
    assert_eq!(alert.kind, AlertKind::ProductUnderInvestigation);
    assert_eq!(alert.severity, Severity::Medium);
    nearby.sighted_nearby = true;
    let alert = advisory_alert(&matches, &facts, &nearby).expect("alert");
    assert_eq!(alert.severity, Severity::High);
    assert!(alert.body.severity_reason.nl.contains("sector"));
}

#[test]
fn no_matches_no_alert() {
    assert!(advisory_alert(&[], &AdvisoryFacts::default(), &context(&["report--1"])).is_none());
    assert!(
        indicator_alerts(&[], &IndicatorFacts::default(), &context(&["indicator--1"])).is_empty()
    );
}

#[test]
fn an_indicator_naming_an_address_and_a_domain_gives_two_alerts() {
    let matches = [
        network_match(
            MatchRule::AddressInRange,
            AssetKind::Cidr,
            "198.51.100.0/24",
            "198.51.100.7",
        ),
        network_match(
            MatchRule::DomainOrSubdomain,
            AssetKind::Domain,
            "bakkerij.example",
            "login.bakkerij.example",
        ),
    ];
    let facts = IndicatorFacts {
        name: "Phishing kit".to_owned(),
        confidence: Some(50),
        labels: vec!["phishing".to_owned()],
    };
    let alerts = indicator_alerts(&matches, &facts, &context(&["indicator--1"]));
    let kinds: Vec<AlertKind> = alerts.iter().map(|alert| alert.kind).collect();
    assert_eq!(kinds, [AlertKind::ListedAddress, AlertKind::AbusedDomain]);
    assert!(alerts.iter().all(|alert| alert.severity == Severity::High));
    assert_eq!(alerts[0].key, "listed-address:198.51.100.7");
    assert_eq!(alerts[1].body.evidence.len(), 1);
    assert!(
        alerts[1].body.steps[0]
            .nl
            .contains("login.bakkerij.example")
    );
}

#[test]
fn low_confidence_is_low_unless_seen_nearby() {
    let matches = [network_match(
        MatchRule::EmailOnDomain,
        AssetKind::EmailDomain,
        "bakkerij.example",
        "jan@bakkerij.example",
    )];
    let facts = IndicatorFacts {
        name: "Combo list".to_owned(),
        confidence: Some(10),
        labels: vec!["credential-leak".to_owned()],
    };
    let alerts = indicator_alerts(&matches, &facts, &context(&["indicator--2"]));
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind, AlertKind::ExposedEmailAddresses);
    assert_eq!(
        alerts[0].severity,
        Severity::Medium,
        "exposed staff addresses are at least medium"
    );
    let facts = IndicatorFacts {
        confidence: Some(10),
        ..IndicatorFacts::default()
    };
    let address = [network_match(
        MatchRule::AddressInRange,
        AssetKind::Cidr,
        "198.51.100.0/24",
        "198.51.100.9",
    )];
    let alerts = indicator_alerts(&address, &facts, &context(&["indicator--3"]));
    assert_eq!(alerts[0].severity, Severity::Low);
    let mut nearby = context(&["indicator--3"]);
    nearby.sighted_nearby = true;
    let alerts = indicator_alerts(&address, &facts, &nearby);
    assert_eq!(alerts[0].severity, Severity::Medium);
}

#[test]
fn courses_of_action_become_steps_and_long_lists_are_cut() {
    let matches: Vec<Match> = (1..=7)
        .map(|host| {
            network_match(
                MatchRule::AddressInRange,
                AssetKind::Cidr,
                "198.51.100.0/24",
                &format!("198.51.100.{host}"),
            )
        })
        .collect();
    let mut with_course = context(&["indicator--4"]);
    with_course.courses_of_action.push(CourseOfAction {
        id: "course-of-action--1".to_owned(),
        name: "Block outbound SMB".to_owned(),
        description: None,
    });
    let alerts = indicator_alerts(&matches, &IndicatorFacts::default(), &with_course);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].body.steps[0].source, StepSource::CourseOfAction);
    assert!(alerts[0].body.steps[0].en.contains("Block outbound SMB"));
    assert!(
        alerts[0].body.title.en.ends_with("(+2)"),
        "{}",
        alerts[0].body.title.en
    );
    assert_eq!(alerts[0].body.evidence.len(), 7);
}
