//! The network index against real intelligence: the indicators and observables of the
//! OASIS STIX 2.1 bundles and the attributes of real MISP events (mapped through
//! `dijkwacht_fusion::misp`), with profiles built to claim about half of the values they
//! name. Every object's matches are checked against a brute-force reading of every
//! profile entry, and every claimed value must find its claimant.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dijkwacht_alerts::network::{
    BROADEST_LISTED_IPV4_PREFIX, BROADEST_LISTED_IPV6_PREFIX, NetworkAsset, NetworkIndex,
};
use dijkwacht_alerts::observables::{NetworkObservable, UrlHost, network_observables};
use dijkwacht_alerts::profile::AssetKind;
use dijkwacht_fusion::misp::{MispContext, map_event};
use ipnet::IpNet;
use serde_json::Value;

/// The shared test data, or `None` (after saying so) when it is absent outside CI.
fn shared_data() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if path.is_dir() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "shared test data missing at {}",
        path.display()
    );
    println!("skipping: no shared test data at {}", path.display());
    None
}

fn json_files(folder: &Path) -> Vec<PathBuf> {
    let entries =
        std::fs::read_dir(folder).unwrap_or_else(|error| panic!("{}: {error}", folder.display()));
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .collect();
    files.sort();
    files
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The objects of the OASIS example bundles.
fn stix_objects(data: &Path) -> Vec<Value> {
    let mut objects = Vec::new();
    for folder in [
        "stix21/cti-documentation",
        "stix21/cti-stix2-json-schemas/examples",
    ] {
        for file in json_files(&data.join(folder)) {
            match read_json(&file) {
                Value::Object(mut bundle) => match bundle.remove("objects") {
                    Some(Value::Array(list)) => objects.extend(list),
                    _ => objects.push(Value::Object(bundle)),
                },
                other => objects.push(other),
            }
        }
    }
    objects
}

/// The STIX objects of every real MISP event.
fn misp_objects(data: &Path) -> Vec<Value> {
    let mut objects = Vec::new();
    for folder in [
        "misp/feed-circl-osint-sample",
        "misp/feed-misp-test-fixture",
        "misp/events-api-format",
    ] {
        for file in json_files(&data.join(folder)) {
            if file.file_name().is_some_and(|name| name == "manifest.json") {
                continue;
            }
            let bytes =
                std::fs::read(&file).unwrap_or_else(|error| panic!("{}: {error}", file.display()));
            let mapped = map_event(&bytes, &MispContext::default())
                .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
            objects.extend(mapped.mapped.objects);
        }
    }
    objects
}

/// A profile entry that would claim `value`: the /24 or /48 around an address, the
/// last two labels of a domain, the host of a URL, the domain of an e-mail address.
fn claim_for(value: &NetworkObservable) -> Option<NetworkAsset> {
    let parse = |kind, text: &str| NetworkAsset::parse(kind, text).ok();
    match value {
        NetworkObservable::Address(address) => {
            let length = if address.is_ipv4() { 24 } else { 48 };
            let range = IpNet::new(*address, length).ok()?.trunc();
            NetworkAsset::from_range(range).ok()
        }
        NetworkObservable::Network(network) => NetworkAsset::from_range(*network).ok(),
        NetworkObservable::Domain(name) => {
            let labels: Vec<&str> = name.rsplit('.').take(2).collect();
            let parent = format!("{}.{}", labels.get(1)?, labels.first()?);
            parse(AssetKind::Domain, &parent)
        }
        NetworkObservable::Url(UrlHost::Domain(host)) => parse(AssetKind::Domain, host),
        NetworkObservable::Url(UrlHost::Address(address)) => {
            parse(AssetKind::Cidr, &address.to_string())
        }
        NetworkObservable::EmailAddress { domain } => parse(AssetKind::EmailDomain, domain),
        NetworkObservable::AutonomousSystem(number) => parse(AssetKind::Asn, &number.to_string()),
    }
}

/// Whether `asset` holds `value`, read by brute force from the rules' definitions.
fn holds(asset: &NetworkAsset, value: &NetworkObservable) -> bool {
    let under = |name: &str, owned: &str| name == owned || name.ends_with(&format!(".{owned}"));
    let range = asset.range();
    match value {
        NetworkObservable::Address(address) | NetworkObservable::Url(UrlHost::Address(address)) => {
            range.is_some_and(|range| range.contains(address))
        }
        NetworkObservable::Network(network) => {
            let broad_enough = match network {
                IpNet::V4(_) => network.prefix_len() >= BROADEST_LISTED_IPV4_PREFIX,
                IpNet::V6(_) => network.prefix_len() >= BROADEST_LISTED_IPV6_PREFIX,
            };
            broad_enough
                && range.is_some_and(|range| {
                    range.contains(&network.network()) || network.contains(&range.network())
                })
        }
        NetworkObservable::Domain(name) | NetworkObservable::Url(UrlHost::Domain(name)) => {
            asset.kind() == AssetKind::Domain
                && asset.domain().is_some_and(|owned| under(name, owned))
        }
        NetworkObservable::EmailAddress { domain } => {
            asset.domain().is_some_and(|owned| under(domain, owned))
        }
        NetworkObservable::AutonomousSystem(number) => asset.autonomous_system() == Some(*number),
    }
}

/// Claims every second distinct value the objects name, for 40 organisations in turn;
/// checks every object against the brute-force reading; returns (values named, values
/// claimed, matches).
fn check_corpus(objects: &[Value]) -> (usize, usize, usize) {
    let mut named: BTreeSet<NetworkObservable> = BTreeSet::new();
    for object in objects {
        if let Some(found) = network_observables(object) {
            named.extend(found.values.into_iter().map(|value| value.observable));
        }
    }
    let mut profile: Vec<(String, NetworkAsset)> = Vec::new();
    let mut claimed: Vec<(String, NetworkObservable)> = Vec::new();
    for (number, value) in named
        .iter()
        .enumerate()
        .filter(|(number, _)| number % 2 == 0)
    {
        if let Some(asset) = claim_for(value) {
            let organisation = format!("org-{}", number % 40);
            profile.push((organisation.clone(), asset));
            claimed.push((organisation, value.clone()));
        }
    }
    let mut index = NetworkIndex::new();
    for (organisation, asset) in &profile {
        index.insert(organisation, asset);
    }

    let mut found_claims: BTreeSet<(String, NetworkObservable)> = BTreeSet::new();
    let mut match_count = 0;
    let batch = index.match_batch_on(objects, 2);
    for (object, matches) in objects.iter().zip(&batch) {
        assert_eq!(
            matches,
            &index.match_object(object),
            "batch and single agree"
        );
        let values = network_observables(object).map_or_else(Vec::new, |found| found.values);
        let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
        for value in &values {
            for (organisation, asset) in &profile {
                if holds(asset, &value.observable) {
                    expected.insert((organisation.clone(), value.written.clone()));
                    found_claims.insert((organisation.clone(), value.observable.clone()));
                }
            }
        }
        let actual: BTreeSet<(String, String)> = matches
            .iter()
            .map(|found| (found.organisation.clone(), found.observed.clone()))
            .collect();
        assert_eq!(actual, expected, "{}", object["id"]);
        for found in matches {
            let value = values
                .iter()
                .find(|value| value.written == found.observed)
                .unwrap_or_else(|| panic!("{} is not a value of {}", found.observed, object["id"]));
            let entry_holds = profile.iter().any(|(organisation, asset)| {
                *organisation == found.organisation
                    && asset.entry() == found.asset
                    && holds(asset, &value.observable)
            });
            assert!(entry_holds, "{found:?}");
            assert!(found.evidence.contains(&found.observed), "{found:?}");
        }
        match_count += matches.len();
    }
    for claim in &claimed {
        assert!(
            found_claims.contains(claim),
            "claimed but never matched: {claim:?}"
        );
    }
    (named.len(), claimed.len(), match_count)
}

/// Runs [`check_corpus`] and checks that the corpus named and claimed enough to mean
/// something.
fn check_real_corpus(label: &str, objects: &[Value], least_named: usize, least_claimed: usize) {
    let (named, claimed, matches) = check_corpus(objects);
    println!(
        "{label}: {} objects, {named} values named, {claimed} claimed, {matches} matches",
        objects.len()
    );
    assert!(named >= least_named, "{label} names {named} values");
    assert!(
        claimed >= least_claimed && matches >= claimed,
        "{label}: {claimed} claimed, {matches} matches"
    );
}

#[test]
fn stix_bundles_match_as_brute_force_says() {
    if let Some(data) = shared_data() {
        check_real_corpus("STIX bundles", &stix_objects(&data), 30, 15);
    }
}

#[test]
fn misp_events_match_as_brute_force_says() {
    if let Some(data) = shared_data() {
        check_real_corpus("MISP events", &misp_objects(&data), 100, 50);
    }
}

#[test]
fn known_values_of_the_oasis_examples_are_found() {
    let Some(data) = shared_data() else {
        return;
    };
    let objects = stix_objects(&data);
    let mut index = NetworkIndex::new();
    for (organisation, kind, value) in [
        ("customer-in-apt1-range", AssetKind::Cidr, "223.167.10.0/24"),
        ("dynamic-dns-provider", AssetKind::Domain, "dynssl.com"),
        ("private-range-holder", AssetKind::Cidr, "10.0.0.0/8"),
    ] {
        let asset = NetworkAsset::parse(kind, value).expect("a valid entry");
        index.insert(organisation, &asset);
    }
    let evidence: BTreeSet<String> = objects
        .iter()
        .flat_map(|object| index.match_object(object))
        .map(|found| found.evidence)
        .collect();
    for expected in [
        // apt1.json: [ipv4-addr:value = '223.166.0.0/15']
        "indicator pattern names the network 223.166.0.0/15, which holds your range 223.167.10.0/24",
        // poisonivy.json: [domain-name:value = 'www.webserver.dynssl.com' OR …]
        "indicator pattern names www.webserver.dynssl.com, a subdomain of your domain dynssl.com",
        // indicator-for-c2-ip-address.json: [ipv4-addr:value = '10.0.0.0']
        "indicator pattern names 10.0.0.0, inside your range 10.0.0.0/8",
    ] {
        assert!(
            evidence.contains(expected),
            "{expected} not among {evidence:?}"
        );
    }
}
