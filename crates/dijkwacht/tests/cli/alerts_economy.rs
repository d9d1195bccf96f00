//! A synthetic economy end to end: 504 organisations across the nine top sectors, each
//! with an asset profile, and a feed of CSAF advisories, a KEV catalogue and indicators
//! for which the affected organisations are known. The feed goes in as a user would
//! bring it (a CSAF folder source, a KEV source, `import` of STIX bundles), alerts are
//! read back with `alerts list`, and their precision and recall are measured against
//! the generator's truth: recall must be 100% and precision at least 95%.
//!
//! The truth is computed here from the generator's own knowledge — each product's
//! versions are listed in their real order and an advisory affects a span of that
//! list —, never by the matcher under test. The versions are chosen to be awkward
//! (`1.10` after `1.9`, `2.0.0-rc1` before `2.0.0`, `V2.10`, `15.2(4)M10`, Windows
//! builds). Some intelligence must give no alert: look-alike domains, addresses next
//! to a member's range, a `!=` pattern, and TLP:AMBER indicators shared into one
//! sector's community that name organisations outside it (nothing leaks). One
//! advisory's CVE is in the KEV catalogue, which arrives first: its alerts must say the
//! vulnerability is exploited and carry CISA's required action.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use crate::{add_fusion_source, run_ok, share_last_source_publicly};

const SECTORS: [&str; 9] = [
    "agri-food",
    "chemie",
    "creatieve-industrie",
    "energie",
    "hightech",
    "life-sciences",
    "logistiek",
    "tuinbouw",
    "water",
];
const ORGANISATIONS_PER_SECTOR: usize = 56;

/// A product and its versions in their true order, oldest first.
struct ProductLine {
    vendor: &'static str,
    product: &'static str,
    versions: &'static [&'static str],
}

const PRODUCT_LINES: [ProductLine; 7] = [
    ProductLine {
        vendor: "Acme",
        product: "Router",
        versions: &["1.2", "1.9", "1.10", "1.10.1", "2.0.0-rc1", "2.0.0", "2.1"],
    },
    ProductLine {
        vendor: "Globex",
        product: "SCADA Server",
        versions: &["V2.3.1", "V2.9", "V2.10", "V3.0", "V3.0.1"],
    },
    ProductLine {
        vendor: "Initech",
        product: "Patient Record",
        versions: &["2023.1", "2023.2", "2024.1", "2024.2", "2024.10"],
    },
    ProductLine {
        vendor: "Umbrella",
        product: "PLC Firmware",
        versions: &["4.0", "4.0.1", "4.1", "4.9", "4.10", "5.0"],
    },
    ProductLine {
        vendor: "Netcorp",
        product: "IOS",
        versions: &["15.2(4)M3", "15.2(4)M10", "15.2(7)E2", "16.9.1"],
    },
    ProductLine {
        vendor: "Softcorp",
        product: "Server",
        versions: &[
            "10.0.17763.1000",
            "10.0.17763.5000",
            "10.0.20348.100",
            "10.0.20348.2000",
        ],
    },
    // The same product name as Acme's from another vendor: never affected.
    ProductLine {
        vendor: "Othervendor",
        product: "Router",
        versions: &["1.0", "1.9", "1.10"],
    },
];

/// A fixed seed gives the same economy on every machine.
struct Generator(fastrand::Rng);

impl Generator {
    fn new(seed: u64) -> Generator {
        Generator(fastrand::Rng::with_seed(seed))
    }

    fn below(&mut self, bound: usize) -> usize {
        self.0.usize(..bound)
    }
}

struct Organisation {
    name: String,
    sector: &'static str,
    /// (product line, version index)
    products: Vec<(usize, usize)>,
    /// The third and fourth octet of its /24 under 45.0.0.0/8: `45.{a}.{b}.0/24`.
    network: (usize, usize),
}

impl Organisation {
    fn domain(&self) -> String {
        format!("{}.example", self.name)
    }

    fn address(&self, host: u8) -> String {
        format!("45.{}.{}.{host}", self.network.0, self.network.1)
    }
}

fn economy() -> Vec<Organisation> {
    let mut generator = Generator::new(0x00D1_3C0A_2026);
    let mut organisations = Vec::new();
    for (sector_index, sector) in SECTORS.iter().enumerate() {
        for number in 0..ORGANISATIONS_PER_SECTOR {
            let index = sector_index * ORGANISATIONS_PER_SECTOR + number;
            let mut products = Vec::new();
            for _ in 0..1 + generator.below(3) {
                let line = generator.below(PRODUCT_LINES.len());
                if products.iter().any(|(taken, _)| *taken == line) {
                    continue;
                }
                products.push((line, generator.below(PRODUCT_LINES[line].versions.len())));
            }
            organisations.push(Organisation {
                name: format!("{sector}-{number:02}"),
                sector,
                products,
                network: (index / 200, index % 200),
            });
        }
    }
    organisations
}

/// The profile CSV of one organisation: products as `product` or as CPE, its range,
/// its domain and its e-mail domain.
fn profile_csv(organisation: &Organisation, number: usize) -> String {
    let mut csv = String::from("kind,value\n");
    for (entry, (line, version)) in organisation.products.iter().enumerate() {
        let line = &PRODUCT_LINES[*line];
        let version = line.versions[*version];
        let vendor = line.vendor.to_ascii_lowercase();
        let product = line.product.to_ascii_lowercase().replace(' ', "_");
        if (number + entry).is_multiple_of(3) && !version.contains('(') {
            let _ = writeln!(
                csv,
                "cpe,cpe:2.3:a:{vendor}:{product}:{version}:*:*:*:*:*:*:*"
            );
        } else {
            let _ = writeln!(csv, "product,{vendor}:{product}:{version}");
        }
    }
    let _ = writeln!(
        csv,
        "cidr,45.{}.{}.0/24\ndomain,{}\nemail-domain,{}",
        organisation.network.0,
        organisation.network.1,
        organisation.domain(),
        organisation.domain()
    );
    csv
}

/// An advisory over one product line: the versions `affected` (a span of its list)
/// are known_affected, as a `vers` range or as versions one by one; the version after
/// the span, when there is one, is fixed.
struct AdvisoryCase {
    token: String,
    line: usize,
    affected: std::ops::Range<usize>,
    as_range: bool,
}

fn advisories() -> Vec<AdvisoryCase> {
    let mut generator = Generator::new(0xAD_7150);
    let mut cases = Vec::new();
    for number in 0..18 {
        let line = number % (PRODUCT_LINES.len() - 1);
        let count = PRODUCT_LINES[line].versions.len();
        let start = generator.below(count - 1);
        let end = start + 1 + generator.below(count - start - 1);
        cases.push(AdvisoryCase {
            token: format!("ECON-ADV-{number:03}"),
            line,
            affected: start..end,
            as_range: number % 2 == 0 && !PRODUCT_LINES[line].versions[0].contains('('),
        });
    }
    cases
}

fn csaf_document(case: &AdvisoryCase) -> Value {
    let line = &PRODUCT_LINES[case.line];
    let mut version_branches = Vec::new();
    let mut affected_ids = Vec::new();
    if case.as_range {
        let lower = line.versions[case.affected.start];
        let constraint = match line.versions.get(case.affected.end) {
            Some(upper) => format!("vers:generic/>={lower}|<{upper}"),
            None => format!("vers:generic/>={lower}"),
        };
        version_branches.push(json!({
            "category": "product_version_range",
            "name": constraint,
            "product": {"name": format!("{} {} {constraint}", line.vendor, line.product), "product_id": "CSAFPID-0001"}
        }));
        affected_ids.push("CSAFPID-0001".to_owned());
    } else {
        for index in case.affected.clone() {
            let id = format!("CSAFPID-{:04}", index + 1);
            version_branches.push(json!({
                "category": "product_version",
                "name": line.versions[index],
                "product": {"name": format!("{} {} {}", line.vendor, line.product, line.versions[index]), "product_id": id}
            }));
            affected_ids.push(id);
        }
    }
    let mut status = json!({"known_affected": affected_ids.clone()});
    if let Some(fixed) = line.versions.get(case.affected.end) {
        version_branches.push(json!({
            "category": "product_version",
            "name": fixed,
            "product": {"name": format!("{} {} {fixed}", line.vendor, line.product), "product_id": "CSAFPID-0900"}
        }));
        status["fixed"] = json!(["CSAFPID-0900"]);
    }
    let number: usize = case.token[9..].parse().unwrap_or_default();
    json!({
        "document": {
            "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "title": format!("{}: {} {} flaw", case.token, line.vendor, line.product),
            "publisher": {"category": "coordinator", "name": "Economy CERT", "namespace": "https://cert.economy.example"},
            "distribution": {"tlp": {"label": "WHITE"}},
            "tracking": {
                "id": case.token,
                "status": "final",
                "version": "1",
                "initial_release_date": "2026-11-01T10:00:00.000Z",
                "current_release_date": "2026-11-01T10:00:00.000Z",
                "revision_history": [{"date": "2026-11-01T10:00:00.000Z", "number": "1", "summary": "First release"}]
            }
        },
        "product_tree": {"branches": [{
            "category": "vendor",
            "name": line.vendor,
            "branches": [{"category": "product_name", "name": line.product, "branches": version_branches}]
        }]},
        "vulnerabilities": [{
            "cve": format!("CVE-2026-{:05}", 20_000 + number),
            "title": format!("{} flaw", line.product),
            "product_status": status,
            "scores": [{"products": affected_ids.clone(), "cvss_v3": {
                "version": "3.1",
                "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "baseScore": 9.8,
                "baseSeverity": "CRITICAL"
            }}],
            "remediations": [{"category": "vendor_fix", "details": "Update to the fixed version.", "product_ids": affected_ids}]
        }]
    })
}

/// A KEV catalogue naming the Umbrella PLC firmware: every organisation running it is
/// affected, whatever its version.
fn kev_catalogue() -> Value {
    json!({
        "title": "CISA Catalog of Known Exploited Vulnerabilities",
        "catalogVersion": "2026.11.28",
        "dateReleased": "2026-11-28T12:00:00.000Z",
        "count": 1,
        "vulnerabilities": [{
            "cveID": "CVE-2026-20003",
            "vendorProject": "Umbrella",
            "product": "PLC Firmware",
            "vulnerabilityName": "ECON-KEV-001: Umbrella PLC Firmware Authentication Bypass",
            "dateAdded": "2026-11-27",
            "shortDescription": "Umbrella PLC firmware lets anyone log in.",
            "requiredAction": "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.",
            "dueDate": "2026-12-18",
            "knownRansomwareCampaignUse": "Known",
            "notes": "",
            "cwes": ["CWE-287"]
        }]
    })
}

fn indicator(id_number: usize, token: &str, pattern: &str, labels: &[&str]) -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{id_number:012}"),
        "created": "2026-11-20T08:00:00.000Z",
        "modified": "2026-11-20T08:00:00.000Z",
        "name": token,
        "indicator_types": labels,
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2026-11-20T08:00:00Z",
        "confidence": 80
    })
}

/// What the indicators are and must do.
struct IndicatorFeed {
    public: Vec<Value>,
    /// TLP:AMBER, shared into the energy sector's community.
    amber: Vec<Value>,
    /// The pairs (organisation, indicator id) that must be alerted.
    truth: BTreeSet<(String, String)>,
    /// The pairs that must never be: AMBER indicators naming organisations outside the
    /// community.
    forbidden: BTreeSet<(String, String)>,
}

fn indicators(organisations: &[Organisation]) -> IndicatorFeed {
    let mut public = Vec::new();
    let mut amber = Vec::new();
    let mut truth = BTreeSet::new();
    let mut forbidden = BTreeSet::new();
    let mut number = 0;
    let mut add =
        |bucket: &mut Vec<Value>, pattern: String, labels: &[&str], named: Option<(&str, bool)>| {
            number += 1;
            let object = indicator(number, &format!("ECON-IND-{number:04}"), &pattern, labels);
            if let Some((organisation, may_read)) = named {
                let pair = (
                    organisation.to_owned(),
                    object["id"].as_str().unwrap_or_default().to_owned(),
                );
                if may_read {
                    truth.insert(pair);
                } else {
                    forbidden.insert(pair);
                }
            }
            bucket.push(object);
        };
    for (index, organisation) in organisations.iter().enumerate() {
        let name = organisation.name.as_str();
        match index % 9 {
            0 => add(
                &mut public,
                format!("[ipv4-addr:value = '{}']", organisation.address(77)),
                &["malicious-activity"],
                Some((name, true)),
            ),
            1 => add(
                &mut public,
                format!("[domain-name:value = 'login.{}']", organisation.domain()),
                &["phishing"],
                Some((name, true)),
            ),
            2 => add(
                &mut public,
                format!(
                    "[email-addr:value = 'jan{index}@{}']",
                    organisation.domain()
                ),
                &["compromised"],
                Some((name, true)),
            ),
            3 => add(
                &mut public,
                format!(
                    "[url:value = 'http://{}/wp-login.php']",
                    organisation.domain()
                ),
                &["malicious-activity"],
                Some((name, true)),
            ),
            // Look-alikes that are not the member's.
            4 => add(
                &mut public,
                format!("[domain-name:value = 'evil{}']", organisation.domain()),
                &["phishing"],
                None,
            ),
            5 => add(
                &mut public,
                format!(
                    "[domain-name:value = '{}.attacker.test']",
                    organisation.name
                ),
                &["phishing"],
                None,
            ),
            // An address in no member's range, and a pattern that names the member's
            // address only to exclude it.
            6 => add(
                &mut public,
                format!(
                    "[ipv4-addr:value = '46.{}.{}.77']",
                    organisation.network.0, organisation.network.1
                ),
                &["malicious-activity"],
                None,
            ),
            7 => add(
                &mut public,
                format!("[ipv4-addr:value != '{}']", organisation.address(5)),
                &["malicious-activity"],
                None,
            ),
            _ => {
                // AMBER in the energy community: only its members may be told.
                let inside = organisation.sector == "energie";
                add(
                    &mut amber,
                    format!("[ipv4-addr:value = '{}']", organisation.address(99)),
                    &["malicious-activity"],
                    Some((name, inside)),
                );
            }
        }
    }
    IndicatorFeed {
        public,
        amber,
        truth,
        forbidden,
    }
}

fn bundle(objects: Vec<Value>) -> String {
    json!({"type": "bundle", "id": "bundle--5d7a2ef0-6b4a-4a53-9b8b-5a4e6a0b0c01", "objects": objects}).to_string()
}

fn advisory_truth(organisations: &[Organisation]) -> BTreeSet<(String, String)> {
    let mut truth = BTreeSet::new();
    for case in advisories() {
        for organisation in organisations {
            if organisation
                .products
                .iter()
                .any(|(line, version)| *line == case.line && case.affected.contains(version))
            {
                truth.insert((organisation.name.clone(), case.token.clone()));
            }
        }
    }
    let umbrella = PRODUCT_LINES
        .iter()
        .position(|line| line.vendor == "Umbrella")
        .unwrap_or_default();
    for organisation in organisations {
        if organisation
            .products
            .iter()
            .any(|(line, _)| *line == umbrella)
        {
            truth.insert((organisation.name.clone(), "ECON-KEV-001".to_owned()));
        }
    }
    truth
}

fn write(folder: &Path, name: &str, content: &str) -> String {
    let path = folder.join(name);
    std::fs::write(&path, content).expect("the test writes its feed");
    path.display().to_string()
}

#[test]
fn a_synthetic_economy_gets_every_alert_it_should_and_few_it_should_not() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let data = folder.path().join("data");
    let feeds = folder.path().join("feeds");
    let csaf = feeds.join("csaf");
    std::fs::create_dir_all(&csaf).expect("feed folders");
    run_ok(&data, &["init"]);
    let organisations = economy();
    assert!(organisations.len() >= 500);

    run_ok(&data, &["org", "add", "fusion", "--sector", "other"]);
    run_ok(
        &data,
        &["community", "add", "energie", "--kind", "top-sector"],
    );
    run_ok(&data, &["community", "join", "energie", "fusion"]);
    for (number, organisation) in organisations.iter().enumerate() {
        run_ok(
            &data,
            &[
                "org",
                "add",
                &organisation.name,
                "--sector",
                organisation.sector,
            ],
        );
        if organisation.sector == "energie" {
            run_ok(&data, &["community", "join", "energie", &organisation.name]);
        }
        let profile = write(
            &feeds,
            &format!("{}.csv", organisation.name),
            &profile_csv(organisation, number),
        );
        run_ok(
            &data,
            &["assets", "import", "--org", &organisation.name, &profile],
        );
    }

    for case in advisories() {
        write(
            &csaf,
            &format!("{}.json", case.token.to_ascii_lowercase()),
            &csaf_document(&case).to_string(),
        );
    }
    let kev = write(&feeds, "kev.json", &kev_catalogue().to_string());
    // Each source shares with everyone, by a route rule after its own table.
    for (name, kind, path) in [
        ("economy-csaf", "csaf", csaf.as_path()),
        ("economy-kev", "kev", Path::new(&kev)),
    ] {
        add_fusion_source(&data, name, kind, path, "B", &[]);
        share_last_source_publicly(&data);
    }
    // The KEV catalogue first: an advisory that comes later about a CVE in it says
    // the vulnerability is exploited.
    run_ok(&data, &["source", "run", "economy-kev"]);
    run_ok(&data, &["source", "run", "economy-csaf"]);

    let IndicatorFeed {
        public,
        amber,
        truth: indicator_truth,
        forbidden,
    } = indicators(&organisations);
    assert!(!forbidden.is_empty());
    let public_path = write(&feeds, "public.json", &bundle(public));
    let amber_path = write(&feeds, "amber.json", &bundle(amber));
    run_ok(
        &data,
        &[
            "import",
            "--as",
            "fusion",
            "--public",
            "--tlp",
            "clear",
            &public_path,
        ],
    );
    run_ok(
        &data,
        &[
            "import",
            "--as",
            "fusion",
            "--community",
            "energie",
            "--tlp",
            "amber",
            &amber_path,
        ],
    );

    let listed = run_ok(&data, &["alerts", "list", "--format", "json"]);
    let alerts: Vec<Value> = serde_json::from_str(&listed).expect("alerts list gives JSON");
    let mut predicted = BTreeSet::new();
    let mut exploited_advisory_alerts = 0;
    for alert in &alerts {
        let organisation = alert["organisation"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let title = alert["body"]["title"]["en"].as_str().unwrap_or_default();
        let kev_cve = alert["body"]["cves"]
            .as_array()
            .is_some_and(|cves| cves.iter().any(|cve| cve == "CVE-2026-20003"));
        let about = match title.find("ECON-") {
            Some(at) => title[at..at + 12].to_owned(),
            None if alert["kind"] == "exploited-vulnerability" && kev_cve => {
                "ECON-KEV-001".to_owned()
            }
            None => alert["object_ids"][0]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        };
        if about == "ECON-ADV-003" {
            exploited_advisory_alerts += 1;
            assert_eq!(
                alert["kind"], "exploited-vulnerability",
                "ECON-ADV-003's CVE is in the KEV catalogue: {alert}"
            );
            assert!(
                alert["body"]["steps"].as_array().is_some_and(|steps| steps
                    .iter()
                    .any(|step| step["source"] == "kev-required-action")),
                "CISA's required action is a step: {alert}"
            );
        }
        predicted.insert((organisation, about));
        assert!(
            alert["body"]["steps"]
                .as_array()
                .is_some_and(|steps| !steps.is_empty()),
            "every alert has steps: {alert}"
        );
    }
    let mut truth = advisory_truth(&organisations);
    truth.extend(indicator_truth);
    let found = predicted.intersection(&truth).count();
    let missed: Vec<_> = truth.difference(&predicted).take(10).collect();
    let wrong: Vec<_> = predicted.difference(&truth).take(10).collect();
    let recall = found as f64 / truth.len() as f64;
    let precision = found as f64 / predicted.len().max(1) as f64;
    eprintln!(
        "economy: {} organisations, {} expected alerts, {} raised ({} alerts); recall {recall:.4}, precision {precision:.4}",
        organisations.len(),
        truth.len(),
        predicted.len(),
        alerts.len()
    );
    assert!(
        truth.len() > 300,
        "the economy expects {} alerts",
        truth.len()
    );
    assert_eq!(recall, 1.0, "missed: {missed:?}");
    assert!(precision >= 0.95, "precision {precision}; wrong: {wrong:?}");
    assert!(
        exploited_advisory_alerts > 0,
        "ECON-ADV-003 alerted someone"
    );
    let leaked: Vec<_> = predicted.intersection(&forbidden).collect();
    assert!(
        leaked.is_empty(),
        "alerts from intelligence the organisation may not read: {leaked:?}"
    );
}
