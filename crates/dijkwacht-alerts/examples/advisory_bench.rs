//! One real advisory against 100,000 organisation profiles: how long matching takes, how
//! long the index takes to build, and how much memory it holds.
//!
//! A national instance holds about 100,000 member profiles of 5 to 20 products each; an
//! advisory must reach the members it affects in well under a tenth of a second. The
//! profiles come from a fixed-seed generator over a pool of products members really run
//! (operating systems, office and mail servers, network gear, PLCs and SCADA, libraries
//! as package URLs and CPEs), so every run builds the same index. A known few hundred
//! members run a product of the advisory at a version inside its ranges, and as many just
//! outside; the count of matches is checked against that.
//!
//! Two advisories are timed: the CSAF advisory ICSA-24-291-05 (Kieback&Peter DDC
//! controllers, ten products with `<=` ranges, three CVEs), and the KEV entry for a
//! Microsoft Windows vulnerability — a product most members run, so one advisory that
//! touches a large share of the index.
//!
//! Run: `cargo run --release -p dijkwacht-alerts --example advisory_bench [runs]`
//! (from the repository root; the shared data must be at `../shared/data`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dijkwacht_alerts::advisory::Advisory;
use dijkwacht_alerts::product::{ProductAsset, ProductIndex};
use dijkwacht_alerts::profile::AssetKind;
use dijkwacht_fusion::csaf::map_advisory;
use dijkwacht_fusion::kev::map_catalog;
use serde_json::Value;

const ORGANISATIONS: usize = 100_000;
const SEED: u64 = 20_241_017;

/// Products members run: (kind, value without version, versions to pick from).
const POOL: &[(AssetKind, &str, &[&str])] = &[
    (
        AssetKind::Product,
        "microsoft:windows",
        &[
            "10.0.19045.3803",
            "10.0.19045.4291",
            "10.0.22631.3447",
            "6.3.9600",
        ],
    ),
    (
        AssetKind::Product,
        "microsoft:windows_server",
        &["10.0.17763.5696", "10.0.20348.2402"],
    ),
    (
        AssetKind::Product,
        "microsoft:office",
        &["16.0.17328.20282", "16.0.14332.20624"],
    ),
    (
        AssetKind::Product,
        "microsoft:exchange_server",
        &["15.2.1544.4", "15.1.2507.37"],
    ),
    (
        AssetKind::Cpe,
        "cpe:2.3:o:microsoft:windows_10:{}:*:*:*:*:*:*:*",
        &["22h2", "21h2"],
    ),
    (
        AssetKind::Product,
        "cisco:ios",
        &["15.2(4)M3", "15.2(7)E8", "15.9(3)M7"],
    ),
    (AssetKind::Product, "cisco:ios_xe", &["17.9.4a", "16.12.10"]),
    (
        AssetKind::Product,
        "fortinet:fortios",
        &["7.2.5", "7.4.3", "6.4.15"],
    ),
    (
        AssetKind::Product,
        "palo_alto_networks:pan-os",
        &["10.2.9", "11.1.2-h3"],
    ),
    (AssetKind::Product, "vmware:esxi", &["7.0.3", "8.0.2"]),
    (
        AssetKind::Product,
        "citrix:netscaler_adc",
        &["13.1-51.15", "14.1-12.35"],
    ),
    (
        AssetKind::Product,
        "ivanti:connect_secure",
        &["22.5R2.3", "9.1R18"],
    ),
    (
        AssetKind::Product,
        "Siemens:SIMATIC S7-1500",
        &["V2.9.4", "V3.0.3", "V3.1 SP2"],
    ),
    (
        AssetKind::Product,
        "siemens:simatic_wincc",
        &["V7.5 SP2", "V8.0"],
    ),
    (
        AssetKind::Product,
        "Schneider Electric:EcoStruxure IT Gateway",
        &["1.20", "1.21.0.6"],
    ),
    (
        AssetKind::Product,
        "schneider_electric:modicon_m580",
        &["4.10", "4.20"],
    ),
    (
        AssetKind::Product,
        "Rockwell Automation:ControlLogix 5580",
        &["V33.011", "V34.014", "V35.013"],
    ),
    (
        AssetKind::Product,
        "rockwell_automation:factorytalk_view",
        &["13.0", "14.0"],
    ),
    (
        AssetKind::Product,
        "mitsubishi_electric:melsec_iq-r",
        &["1.290", "1.300"],
    ),
    (
        AssetKind::Product,
        "phoenix_contact:plcnext",
        &["2024.0.1", "2023.9"],
    ),
    (AssetKind::Product, "moxa:nport_5110", &["2.10", "2.11"]),
    (
        AssetKind::Product,
        "hms_networks:ewon_flexy_202",
        &["14.2s0", "14.8s0"],
    ),
    (
        AssetKind::Product,
        "apache:http_server",
        &["2.4.58", "2.4.59"],
    ),
    (AssetKind::Product, "apache:tomcat", &["9.0.86", "10.1.19"]),
    (AssetKind::Product, "openssl:openssl", &["3.0.13", "1.1.1w"]),
    (
        AssetKind::Product,
        "atlassian:confluence_data_center",
        &["8.5.6", "7.19.19"],
    ),
    (AssetKind::Product, "gitlab:gitlab", &["16.9.2", "16.10.1"]),
    (
        AssetKind::Product,
        "zimbra:collaboration",
        &["9.0.0", "10.0.6"],
    ),
    (AssetKind::Product, "sap:netweaver", &["7.50", "7.52"]),
    (
        AssetKind::Product,
        "oracle:weblogic_server",
        &["12.2.1.4.0", "14.1.1.0.0"],
    ),
    (
        AssetKind::Product,
        "adobe:acrobat_reader",
        &["23.008.20533", "24.002.20687"],
    ),
    (
        AssetKind::Product,
        "google:chrome",
        &["123.0.6312.122", "124.0.6367.60"],
    ),
    (
        AssetKind::Product,
        "mozilla:firefox",
        &["124.0.2", "115.10.0"],
    ),
    (AssetKind::Product, "zoom:zoom", &["5.17.11", "6.0.2"]),
    (
        AssetKind::Product,
        "veeam:backup_and_replication",
        &["12.1.1.56", "11.0.1.1261"],
    ),
    (
        AssetKind::Product,
        "synology:diskstation_manager",
        &["7.2.1-69057"],
    ),
    (AssetKind::Product, "ubiquiti:unifi_network", &["8.1.113"]),
    (
        AssetKind::Product,
        "wordpress:wordpress",
        &["6.4.3", "6.5.2"],
    ),
    (
        AssetKind::Purl,
        "pkg:maven/org.apache.logging.log4j/log4j-core@{}",
        &["2.17.1", "2.14.1", "2.23.1"],
    ),
    (
        AssetKind::Purl,
        "pkg:npm/lodash@{}",
        &["4.17.21", "4.17.20"],
    ),
    (AssetKind::Purl, "pkg:pypi/django@{}", &["4.2.11", "5.0.4"]),
    (
        AssetKind::Purl,
        "pkg:nuget/Newtonsoft.Json@{}",
        &["13.0.3", "12.0.3"],
    ),
    (
        AssetKind::Cpe,
        "cpe:2.3:a:jenkins:jenkins:{}:*:*:*:lts:*:*:*",
        &["2.440.2", "2.426.3"],
    ),
    (
        AssetKind::Cpe,
        "cpe:2.3:h:siemens:scalance_xc208:{}:*:*:*:*:*:*:*",
        &["4.5", "-"],
    ),
];

/// Kieback&Peter products of ICSA-24-291-05 with a version inside its range, and one
/// just outside (the advisory: DDC4002/4200/4200-L/4400 <=1.12.14, DDC4100 <=1.7.4,
/// the e-models <=1.17.6).
const AFFECTED_AT: &[&str] = &[
    "Kieback&Peter:DDC4002:1.12.14",
    "kieback&peter:ddc4200:1.12.2",
    "kieback&peter:ddc4200-l:1.11",
    "kieback&peter:ddc4100:1.7.4",
    "kieback&peter:ddc4002e:1.17.6",
    "kieback&peter:ddc4040e:1.16",
];
const NOT_AFFECTED_AT: &[&str] = &[
    "kieback&peter:ddc4002:1.12.15",
    "kieback&peter:ddc4100:1.7.5",
    "kieback&peter:ddc4400e:1.17.7",
    "kieback&peter:ddc5000:1.0",
];

/// A fixed-seed 64-bit linear congruential generator (Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % bound as u64) as usize
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args()
        .nth(1)
        .map_or(Ok(25), |text| text.parse())?
        .max(1);
    let data = shared_data()?;
    let csaf = csaf_advisory(&data.join("csaf/cisa-csaf/OT/white/2024/icsa-24-291-05.json"))?;
    let kev = windows_kev_advisory(&data.join("cisa-kev/known_exploited_vulnerabilities.json"))?;

    let started = Instant::now();
    let (index, expected_affected, windows_entries) = build_index()?;
    let build_time = started.elapsed();
    let peak_after_build = peak_rss_kib();
    println!(
        "index: {} organisations, {} entries, built in {:.2} s; peak RSS {} MiB",
        index.organisation_count(),
        index.len(),
        build_time.as_secs_f64(),
        peak_after_build.map_or("?".to_owned(), |kib| (kib / 1024).to_string()),
    );

    for (label, advisory, expected) in [
        (
            "CSAF ICSA-24-291-05 (10 products)",
            &csaf,
            expected_affected,
        ),
        (kev.title(), &kev, windows_entries),
    ] {
        let matches = advisory.match_products(&index);
        if matches.len() != expected {
            return Err(format!("{label}: {} matches, {expected} expected", matches.len()).into());
        }
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let started = Instant::now();
                let matches = advisory.match_products(&index);
                let elapsed = started.elapsed();
                std::hint::black_box(matches);
                elapsed
            })
            .collect();
        times.sort();
        println!(
            "{label}: {} matches; median {:.3} ms, min {:.3} ms, max {:.3} ms over {runs} runs",
            matches.len(),
            millis(times[times.len() / 2]),
            millis(times[0]),
            millis(times[times.len() - 1]),
        );
    }
    println!(
        "peak RSS at the end: {} MiB",
        peak_rss_kib().map_or("?".to_owned(), |kib| (kib / 1024).to_string())
    );
    Ok(())
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn shared_data() -> Result<PathBuf, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if path.is_dir() {
        Ok(path)
    } else {
        Err(format!("no shared data at {}", path.display()))
    }
}

/// The profiles: 5 to 20 entries per organisation from the pool; about 3 in 1,000
/// organisations also run an affected Kieback&Peter controller, as many an unaffected one.
/// Returns the index, how many organisations the CSAF advisory must match, and how many
/// Microsoft Windows entries there are (each one match of a Windows KEV entry).
fn build_index() -> Result<(ProductIndex, usize, usize), Box<dyn std::error::Error>> {
    let mut generator = Lcg(SEED);
    let mut index = ProductIndex::new();
    let mut affected = 0;
    let mut windows_entries = 0;
    for number in 0..ORGANISATIONS {
        let organisation = format!("org-{number:06}");
        let entries = 5 + generator.below(16);
        for _ in 0..entries {
            let (kind, template, versions) = POOL[generator.below(POOL.len())];
            let version = versions[generator.below(versions.len())];
            let value = if template.contains("{}") {
                template.replace("{}", version)
            } else {
                format!("{template}:{version}")
            };
            let new_entry = index.insert(&organisation, &ProductAsset::parse(kind, &value)?);
            if new_entry && template == "microsoft:windows" {
                windows_entries += 1;
            }
        }
        match generator.below(1000) {
            0..=2 => {
                let value = AFFECTED_AT[generator.below(AFFECTED_AT.len())];
                index.insert(
                    &organisation,
                    &ProductAsset::parse(AssetKind::Product, value)?,
                );
                affected += 1;
            }
            3..=5 => {
                let value = NOT_AFFECTED_AT[generator.below(NOT_AFFECTED_AT.len())];
                index.insert(
                    &organisation,
                    &ProductAsset::parse(AssetKind::Product, value)?,
                );
            }
            _ => {}
        }
    }
    Ok((index, affected, windows_entries))
}

fn csaf_advisory(path: &Path) -> Result<Advisory, Box<dyn std::error::Error>> {
    let mapped = map_advisory(&std::fs::read(path)?)?;
    let report = mapped
        .mapped
        .objects
        .iter()
        .find(|object| object["type"] == "report")
        .ok_or("the advisory has no report")?;
    let vulnerabilities: Vec<Value> = mapped
        .mapped
        .objects
        .iter()
        .filter(|object| object["type"] == "vulnerability")
        .cloned()
        .collect();
    Ok(Advisory::from_csaf(report, &vulnerabilities)?)
}

/// The newest KEV entry whose product is exactly Microsoft Windows.
fn windows_kev_advisory(path: &Path) -> Result<Advisory, Box<dyn std::error::Error>> {
    let catalogue = map_catalog(&std::fs::read(path)?)?;
    catalogue
        .mapped
        .objects
        .iter()
        .filter(|object| {
            object["x_kev_vendor_project"] == "Microsoft" && object["x_kev_product"] == "Windows"
        })
        .find_map(Advisory::from_vulnerability)
        .ok_or_else(|| "no Microsoft Windows entry in the KEV catalogue".into())
}

/// Peak resident set size of this process (`VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}
