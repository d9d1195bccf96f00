//! The macro benchmark of network matching: 100,000 organisation profiles and
//! 1,000,000 indicators as the store hands them (STIX indicator JSON values), about 0.1%
//! of them inside a member's assets. It measures building the index, matching the batch
//! on every core, and memory, and checks every match against what the generator
//! planted. The figures are in BENCHMARKS.md ("Alerts: indicators against profiles").
//!
//! ```text
//! CARGO_TARGET_DIR=… cargo run --release -p dijkwacht-alerts --example network_bench
//! CARGO_TARGET_DIR=… cargo run --release -p dijkwacht-alerts --example network_bench -- \
//!     --organisations 10000 --indicators 100000 --runs 1
//! ```
//!
//! Everything comes from one fixed-seed generator (`fastrand`), so every run sees the
//! same data.
//! Members' IPv4 ranges are /22–/29 blocks in 16.0.0.0/4 that do not overlap, their
//! IPv6 ranges /48s in 2a00::/16, their domains end in .nl or .eu; indicators that are
//! not planted name addresses in 64.0.0.0/2 and names under .com, so each planted
//! indicator matches exactly its organisation and nothing else matches.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use dijkwacht_alerts::network::{NetworkAsset, NetworkIndex};
use dijkwacht_alerts::profile::AssetKind;
use serde_json::{Value, json};

/// The benchmark's random numbers: `fastrand`'s generator from a fixed seed, so every
/// run sees the same data.
struct Generator(fastrand::Rng);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0.u64(..)
    }

    /// A number in `0..bound`.
    fn below(&mut self, bound: u64) -> u64 {
        self.0.u64(..bound)
    }

    fn chance(&mut self, per_million: u32) -> bool {
        self.0.u32(..1_000_000) < per_million
    }
}

/// What one organisation owns, as the generator made it.
struct Profile {
    name: String,
    ipv4: Vec<(u32, u8)>,
    ipv6: Option<u128>,
    domains: Vec<String>,
    email_domain: String,
}

fn generate_profiles(generator: &mut Generator, count: usize) -> Vec<Profile> {
    let mut next_block: u32 = u32::from(Ipv4Addr::new(16, 0, 0, 0));
    (0..count)
        .map(|number| {
            let ipv4 = (0..1 + generator.below(4))
                .map(|_| {
                    // Each range gets a /22 block of its own; the range is a /22–/29 at
                    // its start, so no two organisations' ranges overlap.
                    let first = next_block;
                    next_block += 1024;
                    (first, 22 + generator.below(8) as u8)
                })
                .collect();
            let ipv6 = generator
                .chance(200_000)
                .then_some((0x2a00_u128 << 112) | ((number as u128) << 80));
            let tld = if generator.chance(500_000) {
                "nl"
            } else {
                "eu"
            };
            let domains: Vec<String> = (0..1 + generator.below(3))
                .map(|k| format!("member{number}-{k}.{tld}"))
                .collect();
            let email_domain = domains[0].clone();
            Profile {
                name: format!("organisation-{number:06}"),
                ipv4,
                ipv6,
                domains,
                email_domain,
            }
        })
        .collect()
}

fn profile_entries(profile: &Profile) -> Vec<NetworkAsset> {
    let mut written: Vec<(AssetKind, String)> = profile
        .ipv4
        .iter()
        .map(|(first, length)| {
            (
                AssetKind::Cidr,
                format!("{}/{length}", Ipv4Addr::from(*first)),
            )
        })
        .collect();
    if let Some(first) = profile.ipv6 {
        written.push((AssetKind::Cidr, format!("{}/48", Ipv6Addr::from(first))));
    }
    written.extend(
        profile
            .domains
            .iter()
            .map(|name| (AssetKind::Domain, name.clone())),
    );
    written.push((AssetKind::EmailDomain, profile.email_domain.clone()));
    written
        .into_iter()
        .map(|(kind, value)| {
            NetworkAsset::parse(kind, &value)
                .unwrap_or_else(|error| panic!("the generator wrote a bad entry: {error}"))
        })
        .collect()
}

fn build_index(profiles: &[Profile], entries: &[Vec<NetworkAsset>]) -> NetworkIndex {
    let mut index = NetworkIndex::new();
    for (profile, assets) in profiles.iter().zip(entries) {
        for asset in assets {
            index.insert(&profile.name, asset);
        }
    }
    index
}

/// The indicators, and for each the organisation it was planted in, if any.
fn generate_indicators(
    generator: &mut Generator,
    profiles: &[Profile],
    count: usize,
) -> (Vec<Value>, Vec<Option<usize>>) {
    let mut indicators = Vec::with_capacity(count);
    let mut planted = Vec::with_capacity(count);
    for number in 0..count {
        let target = generator
            .chance(1_000)
            .then(|| generator.below(profiles.len() as u64) as usize);
        let shape = generator.below(100);
        let pattern = match target {
            Some(organisation) => planted_pattern(generator, &profiles[organisation], shape),
            None => unrelated_pattern(generator, shape),
        };
        indicators.push(indicator(number, &pattern));
        planted.push(target);
    }
    (indicators, planted)
}

/// A pattern naming something inside `profile`'s assets: 40% an IPv4 address in one
/// of its ranges, 25% a subdomain, 20% a URL, 15% an e-mail address.
fn planted_pattern(generator: &mut Generator, profile: &Profile, shape: u64) -> String {
    let domain = &profile.domains[generator.below(profile.domains.len() as u64) as usize];
    match shape {
        0..40 => {
            let (first, length) = profile.ipv4[generator.below(profile.ipv4.len() as u64) as usize];
            let address = first + generator.below(1 << (32 - length)) as u32;
            format!("[ipv4-addr:value = '{}']", Ipv4Addr::from(address))
        }
        40..65 => format!(
            "[domain-name:value = 'login{}.{domain}']",
            generator.below(100)
        ),
        65..85 => format!(
            "[url:value = 'https://www.{domain}/wp-admin/{}.php']",
            generator.below(1000)
        ),
        _ => format!(
            "[email-message:from_ref.value = 'ceo{}@{}']",
            generator.below(100),
            profile.email_domain
        ),
    }
}

/// A pattern naming nothing any member owns, in the same mix.
fn unrelated_pattern(generator: &mut Generator, shape: u64) -> String {
    let name = format!(
        "z{:x}.example-{}.com",
        generator.next() >> 24,
        generator.below(5000)
    );
    match shape {
        0..40 => {
            let address = u32::from(Ipv4Addr::new(64, 0, 0, 0)) + (generator.next() as u32 >> 2);
            format!("[ipv4-addr:value = '{}']", Ipv4Addr::from(address))
        }
        40..65 => format!("[domain-name:value = '{name}']"),
        65..85 => format!(
            "[url:value = 'http://{name}/gate.php?id={}']",
            generator.below(1 << 20)
        ),
        _ => format!("[email-addr:value = 'billing@{name}']"),
    }
}

fn indicator(number: usize, pattern: &str) -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{number:012}"),
        "created": "2025-01-01T00:00:00.000Z",
        "modified": "2025-01-01T00:00:00.000Z",
        "name": format!("feed entry {number}"),
        "indicator_types": ["malicious-activity"],
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2025-01-01T00:00:00Z"
    })
}

/// A line of /proc/self/status in kibibytes (VmRSS, VmHWM); 0 where there is none.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim_start_matches(':').split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .unwrap_or(0)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn argument(name: &str, default: usize) -> usize {
    let arguments: Vec<String> = std::env::args().collect();
    arguments
        .iter()
        .position(|argument| argument == name)
        .and_then(|position| arguments.get(position + 1))
        .map_or(default, |value| {
            value
                .parse()
                .unwrap_or_else(|_| panic!("{name} takes a whole number, not {value}"))
        })
}

fn main() {
    let organisation_count = argument("--organisations", 100_000);
    let indicator_count = argument("--indicators", 1_000_000);
    let runs = argument("--runs", 3).max(1);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut generator = Generator(fastrand::Rng::with_seed(0x00d1_1c4a_c47c_0001));

    let profiles = generate_profiles(&mut generator, organisation_count);
    let entries: Vec<Vec<NetworkAsset>> = profiles.iter().map(profile_entries).collect();
    let entry_count: usize = entries.iter().map(Vec::len).sum();

    let rss_before_index = status_kib("VmRSS");
    let mut build_times = Vec::new();
    let mut index = NetworkIndex::new();
    for _ in 0..runs {
        drop(index);
        let started = Instant::now();
        index = build_index(&profiles, &entries);
        build_times.push(started.elapsed());
    }
    let rss_after_index = status_kib("VmRSS");
    assert_eq!(
        index.len(),
        entry_count,
        "every generated entry is in the index"
    );

    let (indicators, planted) = generate_indicators(&mut generator, &profiles, indicator_count);
    let rss_after_indicators = status_kib("VmRSS");
    let planted_count = planted.iter().filter(|target| target.is_some()).count();

    let mut match_times = Vec::new();
    let mut results = Vec::new();
    for _ in 0..runs {
        drop(results);
        let started = Instant::now();
        results = index.match_batch(&indicators);
        match_times.push(started.elapsed());
    }

    // The same batch on one thread, to show what the second core brings.
    let mut one_thread_times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let one_thread = index.match_batch_on(&indicators, 1);
        one_thread_times.push(started.elapsed());
        assert!(
            one_thread == results,
            "one thread finds what all threads find"
        );
    }

    // Every planted indicator matches its organisation once; nothing else matches.
    let mut match_count = 0;
    for (number, (matches, target)) in results.iter().zip(&planted).enumerate() {
        match_count += matches.len();
        match target {
            Some(organisation) => {
                assert_eq!(matches.len(), 1, "indicator {number}: {matches:?}");
                assert_eq!(
                    matches[0].organisation, profiles[*organisation].name,
                    "indicator {number}"
                );
            }
            None => assert!(matches.is_empty(), "indicator {number}: {matches:?}"),
        }
    }
    assert_eq!(match_count, planted_count);

    let build = median(build_times);
    let matching = median(match_times);
    println!("machine: {threads} threads; runs: {runs} (medians)");
    println!("organisations: {organisation_count}, entries: {entry_count}");
    println!("index build: {:.3} s", build.as_secs_f64());
    println!(
        "index memory (RSS growth while building): {:.1} MiB",
        rss_after_index.saturating_sub(rss_before_index) as f64 / 1024.0
    );
    println!(
        "indicators: {indicator_count} ({:.1} MiB as JSON values), planted: {planted_count}",
        rss_after_indicators.saturating_sub(rss_after_index) as f64 / 1024.0
    );
    println!(
        "match batch: {:.3} s ({:.0} indicators/s), matches: {match_count} (as planted)",
        matching.as_secs_f64(),
        indicator_count as f64 / matching.as_secs_f64()
    );
    let one_thread = median(one_thread_times);
    println!(
        "match batch on one thread: {:.3} s ({:.0} indicators/s)",
        one_thread.as_secs_f64(),
        indicator_count as f64 / one_thread.as_secs_f64()
    );
    println!(
        "peak RSS (VmHWM): {:.1} MiB",
        status_kib("VmHWM") as f64 / 1024.0
    );
}
