//! The CSAF mapping against every CSAF document in `shared/data` (the OASIS examples and
//! conformance cases, CISA's published advisories) and the discovery documents beside
//! them, plus hand-written documents for the errors.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use dijkwacht_fusion::csaf::{
    CsafDistribution, CsafError, map_advisory, parse_changes_csv, parse_directory_index,
    parse_provider_metadata, parse_rolie_feed,
};
use dijkwacht_fusion::kev::map_catalog;
use dijkwacht_fusion::mapped::derived_id;
use dijkwacht_stix::tlp::{TLP2_CLEAR, TLP2_RED, TlpLevel};
use dijkwacht_stix::validate_object;
use serde_json::{Value, json};

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

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
}

fn json_files(folder: &Path, found: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(folder).unwrap_or_else(|error| panic!("{}: {error}", folder.display()));
    for entry in entries {
        let path = entry.unwrap_or_else(|error| panic!("{error}")).path();
        if path.is_dir() {
            json_files(&path, found);
        } else if path
            .extension()
            .is_some_and(|extension| extension == "json")
        {
            found.push(path);
        }
    }
}

/// The conformance cases the OASIS test suite marks as failing (deliberately invalid).
fn failing_conformance_cases(data: &Path) -> BTreeSet<PathBuf> {
    let folder = data.join("csaf/oasis-csaf-2.0/test/validator/data");
    let listing: Value = serde_json::from_slice(&read(&folder.join("testcases.json")))
        .unwrap_or_else(|error| panic!("{error}"));
    listing["tests"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|test| test["failures"].as_array().cloned().unwrap_or_default())
        .filter_map(|case| case["name"].as_str().map(|name| folder.join(name)))
        .collect()
}

fn assert_valid_stix(objects: &[Value], what: &Path) {
    for object in objects {
        let report = validate_object(object);
        let errors: Vec<String> = report.errors().map(ToString::to_string).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", what.display());
        let warnings: Vec<String> = report
            .warnings()
            .filter(|warning| warning.rule.code() != "uuid-version")
            .map(ToString::to_string)
            .collect();
        assert!(
            warnings.is_empty(),
            "{}: only the derived (UUIDv5) ids are warned about: {warnings:#?}",
            what.display()
        );
    }
}

fn of_type<'a>(objects: &'a [Value], object_type: &str) -> Vec<&'a Value> {
    objects
        .iter()
        .filter(|object| object["type"] == object_type)
        .collect()
}

#[test]
fn every_csaf_document_maps_or_fails_clearly() {
    let Some(data) = shared_data() else {
        return;
    };
    let failing = failing_conformance_cases(&data);
    let mut files = Vec::new();
    json_files(&data.join("csaf"), &mut files);
    files.sort();
    let (mut mapped_valid, mut mapped_failing, mut refused_failing) = (0, 0, 0);
    let mut problems = 0;
    for path in &files {
        let bytes = read(path);
        let Ok(source) = serde_json::from_slice::<Value>(&bytes) else {
            panic!("{} is not JSON", path.display());
        };
        if source.get("document").is_none() {
            continue; // schemas, ROLIE feeds, provider and aggregator metadata, test listings
        }
        match map_advisory(&bytes) {
            Ok(advisory) => {
                assert_valid_stix(&advisory.mapped.objects, path);
                let reports = of_type(&advisory.mapped.objects, "report");
                assert_eq!(reports.len(), 1, "{}", path.display());
                assert_eq!(
                    reports[0]["name"].as_str(),
                    source["document"]["title"].as_str().map(str::trim)
                );
                let again = map_advisory(&bytes).unwrap_or_else(|error| panic!("{error}"));
                assert_eq!(again, advisory, "{} maps the same twice", path.display());
                problems += advisory.mapped.problems.len();
                if failing.contains(path) {
                    mapped_failing += 1;
                } else {
                    mapped_valid += 1;
                }
            }
            Err(error) => {
                assert!(
                    failing.contains(path),
                    "{} is not a deliberately invalid case, yet: {error}",
                    path.display()
                );
                let message = error.to_string();
                assert!(
                    message.contains('`') || message.contains("JSON"),
                    "unclear: {message}"
                );
                refused_failing += 1;
            }
        }
    }
    println!(
        "CSAF documents: {mapped_valid} valid ones mapped, of the deliberately invalid {mapped_failing} mapped and {refused_failing} refused; {problems} problems"
    );
    assert!(
        mapped_valid >= 26 + 19,
        "the CISA advisories and OASIS examples at least: {mapped_valid}"
    );
    assert_eq!(mapped_failing + refused_failing, failing.len());
}

#[test]
fn real_advisories_give_products_vulnerabilities_and_tlp() {
    let Some(data) = shared_data() else {
        return;
    };
    let mut files = Vec::new();
    json_files(&data.join("csaf/cisa-csaf"), &mut files);
    files.retain(|path| path.to_string_lossy().contains("/2024/"));
    assert_eq!(files.len(), 26, "the 26 CISA advisories");
    let mut products_seen = 0;
    for path in &files {
        let bytes = read(path);
        let source: Value =
            serde_json::from_slice(&bytes).unwrap_or_else(|error| panic!("{error}"));
        let advisory =
            map_advisory(&bytes).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        assert_eq!(advisory.mapped.problems, Vec::new(), "{}", path.display());
        assert_eq!(
            advisory.tlp,
            Some(TlpLevel::Clear),
            "TLP:WHITE is TLP:CLEAR"
        );
        assert_eq!(
            advisory.tracking_id,
            source["document"]["tracking"]["id"]
                .as_str()
                .unwrap_or_default()
        );

        assert!(!advisory.products.is_empty(), "{}", path.display());
        for product in &advisory.products {
            assert!(!product.name.is_empty() && !product.product_id.is_empty());
            assert!(
                product.vendor.is_some() || product.relationship.is_some(),
                "{product:?}"
            );
            assert!(
                product.cpe.is_some() || product.product_name.is_some(),
                "{product:?}"
            );
        }
        products_seen += advisory.products.len();

        let objects = &advisory.mapped.objects;
        let report = of_type(objects, "report")[0];
        assert_eq!(report["id"], advisory.report_id);
        assert_eq!(report["object_marking_refs"], json!([TLP2_CLEAR]));
        assert_eq!(
            report["x_csaf_products"].as_array().map(Vec::len),
            Some(advisory.products.len())
        );
        let cves: BTreeSet<&str> = source["vulnerabilities"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|vulnerability| vulnerability["cve"].as_str())
            .collect();
        let vulnerabilities = of_type(objects, "vulnerability");
        let names: BTreeSet<&str> = vulnerabilities
            .iter()
            .filter_map(|object| object["name"].as_str())
            .collect();
        assert_eq!(names, cves, "{}", path.display());
        let refs: BTreeSet<&str> = report["object_refs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let ids: BTreeSet<&str> = vulnerabilities
            .iter()
            .filter_map(|object| object["id"].as_str())
            .collect();
        assert_eq!(refs, ids, "the report refers to its vulnerabilities");
        let product_ids: BTreeSet<&str> = advisory
            .products
            .iter()
            .map(|product| product.product_id.as_str())
            .collect();
        for vulnerability in vulnerabilities {
            let status = vulnerability["x_csaf_product_status"].as_object();
            assert!(status.is_some(), "{}: product status kept", path.display());
            for product_id in status.into_iter().flat_map(|status| status.keys()) {
                assert!(
                    product_ids.contains(product_id.as_str()),
                    "{product_id} is in the tree"
                );
            }
        }
    }
    println!(
        "CISA advisories: {} mapped, {products_seen} products",
        files.len()
    );
}

#[test]
fn one_advisory_in_detail() {
    let Some(data) = shared_data() else {
        return;
    };
    // Values read from icsa-24-298-03.json by hand.
    let advisory = map_advisory(&read(
        &data.join("csaf/cisa-csaf/OT/white/2024/icsa-24-298-03.json"),
    ))
    .unwrap_or_else(|error| panic!("{error}"));
    let objects = &advisory.mapped.objects;
    let report = of_type(objects, "report")[0];
    assert_eq!(report["name"], "Deep Sea Electronics DSE855");
    assert_eq!(report["created"], "2024-10-24T06:00:00.000Z");
    assert_eq!(report["published"], "2024-10-24T06:00:00.000Z");
    assert_eq!(
        report["description"],
        "Successful exploitation of this vulnerability could allow an attacker to access stored credentials."
    );
    let references = report["external_references"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(references[0]["external_id"], "ICSA-24-298-03");
    assert_eq!(
        references[0]["url"],
        "https://raw.githubusercontent.com/cisagov/CSAF/develop/csaf_files/OT/white/2024/icsa-24-298-03.json"
    );
    assert!(references.iter().any(|reference| reference["url"]
        == "https://www.cisa.gov/news-events/ics-advisories/icsa-24-298-03"));

    let identity = of_type(objects, "identity")[0];
    assert_eq!(identity["name"], "CISA");
    assert_eq!(report["created_by_ref"], identity["id"]);

    let product = &advisory.products[0];
    assert_eq!(advisory.products.len(), 1);
    assert_eq!(product.product_id, "CSAFPID-0001");
    assert_eq!(product.vendor.as_deref(), Some("Deep Sea Electronics"));
    assert_eq!(product.product_name.as_deref(), Some("DSE855"));
    assert_eq!(product.version.as_deref(), Some("1.0.26"));

    let vulnerability = of_type(objects, "vulnerability")[0];
    assert_eq!(vulnerability["name"], "CVE-2024-5947");
    // The advisory's own object, not CISA's KEV one about the same CVE.
    assert_ne!(
        vulnerability["id"],
        derived_id("vulnerability", "kev", "CVE-2024-5947")
    );
    assert_eq!(
        vulnerability["x_csaf_product_status"],
        json!({"CSAFPID-0001": ["known_affected"]})
    );
    assert_eq!(vulnerability["x_csaf_cwe"]["id"], "CWE-306");
    assert_eq!(vulnerability["x_csaf_cvss"][0]["base_score"], json!(6.5));
    assert_eq!(
        vulnerability["x_csaf_cvss"][0]["vector_string"],
        "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
    );
    assert_eq!(
        vulnerability["x_csaf_remediations"][0]["category"],
        "vendor_fix"
    );
    assert!(vulnerability["description"].as_str().is_some_and(|text| {
        text.starts_with("Deep Sea Electronics DSE855 is vulnerable to a configuration disclosure")
    }));
}

#[test]
fn relationships_and_cpes_of_the_red_hat_example() {
    let Some(data) = shared_data() else {
        return;
    };
    let advisory = map_advisory(&read(
        &data.join("csaf/oasis-csaf-2.0/examples/csaf/rhsa-2021_5186.json"),
    ))
    .unwrap_or_else(|error| panic!("{error}"));
    let by_id: HashMap<&str, _> = advisory
        .products
        .iter()
        .map(|product| (product.product_id.as_str(), product))
        .collect();
    let platform = by_id
        .get("8Base-RHOSE-4.6")
        .unwrap_or_else(|| panic!("the platform product"));
    assert_eq!(
        platform.cpe.as_deref(),
        Some("cpe:/a:redhat:openshift:4.6::el8")
    );
    assert_eq!(platform.vendor.as_deref(), Some("Red Hat"));
    assert_eq!(
        platform.product_name.as_deref(),
        Some("Red Hat OpenShift Container Platform 4.6")
    );
    let hive = "openshift4/ose-metering-hive:v4.6.0-202112160147.p0.gf139e12.assembly.stream";
    let combined = by_id
        .get(format!("8Base-RHOSE-4.6:{hive}").as_str())
        .unwrap_or_else(|| panic!("the relationship's product"));
    let relationship = combined
        .relationship
        .as_ref()
        .unwrap_or_else(|| panic!("a relationship"));
    assert_eq!(relationship.category, "default_component_of");
    assert_eq!(relationship.product_reference, hive);
    assert_eq!(relationship.relates_to_product_reference, "8Base-RHOSE-4.6");
    assert_eq!(
        combined.version.as_deref(),
        Some(hive),
        "the component's version"
    );
    assert_eq!(
        combined.cpe, platform.cpe,
        "the platform's CPE when the component has none"
    );
    assert_eq!(advisory.products.len(), 4 + 3);
}

#[test]
fn kev_and_csaf_name_the_same_cve_each_in_an_object_of_its_own() {
    let Some(data) = shared_data() else {
        return;
    };
    let catalog = map_catalog(&read(
        &data.join("cisa-kev/known_exploited_vulnerabilities.json"),
    ))
    .unwrap_or_else(|error| panic!("{error}"));
    let cve_of = |object: &Value| -> Option<String> {
        object["external_references"]
            .as_array()?
            .iter()
            .find(|reference| reference["source_name"] == "cve")
            .and_then(|reference| reference["external_id"].as_str())
            .map(str::to_owned)
    };
    let kev: HashMap<String, String> = catalog
        .mapped
        .objects
        .iter()
        .filter_map(|object| Some((cve_of(object)?, object["id"].as_str()?.to_owned())))
        .collect();
    for (file, cve) in [
        (
            "csaf/oasis-csaf-2.0/examples/csaf/cisco-sa-20180328-smi2.json",
            "CVE-2018-0171",
        ),
        (
            "csaf/oasis-csaf-2.0/examples/csaf/csaf_vex/sec-vex-2022-0001.json",
            "CVE-2021-44228",
        ),
    ] {
        let advisory =
            map_advisory(&read(&data.join(file))).unwrap_or_else(|error| panic!("{error}"));
        let csaf = advisory
            .mapped
            .objects
            .iter()
            .find(|object| object["type"] == "vulnerability" && object["name"] == cve)
            .unwrap_or_else(|| panic!("{file} maps {cve}"));
        assert_eq!(cve_of(csaf).as_deref(), Some(cve), "{file}");
        let kev_id = kev.get(cve).unwrap_or_else(|| panic!("KEV lists {cve}"));
        assert_ne!(csaf["id"].as_str(), Some(kev_id.as_str()), "{cve}");
    }
}

fn minimal_advisory() -> Value {
    json!({
        "document": {
            "category": "csaf_base",
            "csaf_version": "2.0",
            "distribution": {"tlp": {"label": "RED"}},
            "publisher": {"category": "vendor", "name": "Example PSIRT", "namespace": "https://psirt.example"},
            "title": "Example advisory",
            "tracking": {
                "current_release_date": "2024-03-01T10:00:00+01:00",
                "id": "EX-2024-001",
                "initial_release_date": "2024-02-29T23:30:00-01:00",
                "revision_history": [{"date": "2024-02-29T23:30:00-01:00", "number": "1", "summary": "Initial"}],
                "status": "final",
                "version": "1"
            }
        },
        "vulnerabilities": [
            {"cve": "CVE-2024-0001", "notes": [{"category": "description", "text": "First."}]},
            {"cve": "CVE-2024-0001"},
            {"cve": "CVE-BAD"},
            {"ids": [{"system_name": "Example Bugs", "text": "EXB-77"}]},
            {"title": "nothing to name it by"}
        ]
    })
}

fn advisory_bytes(document: &Value) -> Vec<u8> {
    serde_json::to_vec(document).unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn a_hand_written_advisory_maps_with_located_problems() {
    let advisory = map_advisory(&advisory_bytes(&minimal_advisory()))
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(advisory.tlp, Some(TlpLevel::Red));
    let objects = &advisory.mapped.objects;
    let report = of_type(objects, "report")[0];
    assert_eq!(
        report["created"], "2024-03-01T00:30:00.000Z",
        "offsets are applied"
    );
    assert_eq!(report["modified"], "2024-03-01T09:00:00.000Z");
    assert_eq!(report["object_marking_refs"], json!([TLP2_RED]));
    let names: Vec<&str> = of_type(objects, "vulnerability")
        .iter()
        .filter_map(|object| object["name"].as_str())
        .collect();
    assert_eq!(names, ["CVE-2024-0001", "EXB-77", "nothing to name it by"]);
    let locations: Vec<&str> = advisory
        .mapped
        .problems
        .iter()
        .map(|problem| problem.location.as_str())
        .collect();
    assert_eq!(
        locations,
        [
            "vulnerabilities[1] (CVE-2024-0001)",
            "vulnerabilities[2] (CVE-BAD)"
        ]
    );
    for object in objects {
        assert!(validate_object(object).is_valid(), "{object}");
    }
}

#[test]
fn an_informational_advisory_refers_to_its_publisher() {
    let mut document = minimal_advisory();
    document
        .as_object_mut()
        .map(|object| object.remove("vulnerabilities"));
    let advisory =
        map_advisory(&advisory_bytes(&document)).unwrap_or_else(|error| panic!("{error}"));
    let report = of_type(&advisory.mapped.objects, "report")[0];
    let identity = of_type(&advisory.mapped.objects, "identity")[0];
    assert_eq!(report["object_refs"], json!([identity["id"]]));
    assert!(validate_object(report).is_valid());
}

#[test]
fn documents_that_are_not_csaf_2_0_are_clear_errors() {
    let with = |change: &dyn Fn(&mut Value)| {
        let mut document = minimal_advisory();
        change(&mut document);
        map_advisory(&advisory_bytes(&document))
    };
    let newer = with(&|document| document["document"]["csaf_version"] = json!("2.1"));
    assert!(
        matches!(newer, Err(CsafError::UnsupportedVersion { ref found }) if found == "\"2.1\""),
        "{newer:?}"
    );
    let unversioned = with(&|document| {
        document["document"]
            .as_object_mut()
            .map(|object| object.remove("csaf_version"));
    });
    let message = unversioned.map(|_| ()).map_err(|error| error.to_string());
    assert_eq!(
        message,
        Err(
            "not CSAF 2.0: `document.csaf_version` is missing; only \"2.0\" documents are read"
                .to_owned()
        )
    );
    let untitled = with(&|document| document["document"]["title"] = json!("  "));
    assert!(matches!(
        untitled,
        Err(CsafError::MissingField {
            path: "document.title"
        })
    ));
    let bad_date = with(&|document| {
        document["document"]["tracking"]["initial_release_date"] = json!("2024-02-30T00:00:00Z")
    });
    assert!(matches!(
        bad_date,
        Err(CsafError::Timestamp {
            path: "document.tracking.initial_release_date",
            ..
        })
    ));
    let odd_tlp =
        with(&|document| document["document"]["distribution"]["tlp"]["label"] = json!("PURPLE"));
    assert!(matches!(odd_tlp, Err(CsafError::UnknownTlp(ref label)) if label == "PURPLE"));
    assert!(matches!(
        map_advisory(br#"{"feed": {}}"#),
        Err(CsafError::NotCsaf(_))
    ));
    assert!(matches!(
        map_advisory(b"{\"document\": "),
        Err(CsafError::Json(_))
    ));
}

#[test]
fn provider_metadata_names_its_distributions() {
    let Some(data) = shared_data() else {
        return;
    };
    let metadata =
        parse_provider_metadata(&read(&data.join(
            "csaf/oasis-csaf-2.0/examples/provider-metadata/example-01-provider-metadata.json",
        )))
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        metadata.canonical_url,
        "https://www.example.com/.well-known/csaf/provider-metadata.json"
    );
    assert_eq!(metadata.publisher.name, "Example Company ProductCERT");
    assert_eq!(metadata.publisher.namespace, "https://psirt.example.com");
    assert_eq!(metadata.role.as_deref(), Some("csaf_trusted_provider"));
    assert_eq!(
        metadata.distributions,
        [CsafDistribution::RolieFeed {
            url: "https://www.example.com/.well-known/csaf/feed-tlp-white.json".to_owned(),
            tlp_label: "WHITE".to_owned(),
            tlp: Some(TlpLevel::Clear),
            summary: Some("All TLP:WHITE advisories of Example Company.".to_owned()),
        }]
    );

    let hand_written = br#"{
        "canonical_url": "https://csaf.example/.well-known/csaf/provider-metadata.json",
        "publisher": {"category": "coordinator", "name": "Example CERT", "namespace": "https://cert.example"},
        "distributions": [
            {"directory_url": "https://csaf.example/.well-known/csaf/white/"},
            {"rolie": {"feeds": [{"tlp_label": "UNLABELED", "url": "https://csaf.example/feed-unlabeled.json"}]}}
        ]
    }"#;
    let metadata = parse_provider_metadata(hand_written).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        metadata.distributions[0],
        CsafDistribution::Directory {
            url: "https://csaf.example/.well-known/csaf/white/".to_owned()
        }
    );
    assert!(matches!(
        &metadata.distributions[1],
        CsafDistribution::RolieFeed { tlp: None, .. }
    ));
    let missing =
        parse_provider_metadata(br#"{"publisher": {}}"#).map_err(|error| error.to_string());
    assert_eq!(
        missing.err().as_deref(),
        Some("not a CSAF provider metadata document: `canonical_url` is missing")
    );
}

#[test]
fn rolie_feeds_list_advisories_with_their_hashes() {
    let Some(data) = shared_data() else {
        return;
    };
    let example = parse_rolie_feed(&read(
        &data.join("csaf/oasis-csaf-2.0/examples/ROLIE/example-01-feed-tlp-white.json"),
    ))
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(example.len(), 1);
    assert_eq!(example[0].id, "2020-ESA-001");
    assert_eq!(
        example[0].advisory_url,
        "https://psirt.domain.tld/advisories/csaf/2020/2020-ESA-001.json"
    );
    assert_eq!(
        example[0].hash_urls,
        ["https://psirt.domain.tld/advisories/csaf/2020/2020-ESA-001.json.sha512"]
    );
    assert_eq!(
        example[0].signature_url.as_deref(),
        Some("https://psirt.domain.tld/advisories/csaf/2020/2020-ESA-001.json.asc")
    );
    assert_eq!(
        example[0].updated.as_deref(),
        Some("2021-01-01T12:00:00.000Z")
    );

    for feed in [
        "IT/white/cisa-csaf-it-feed-tlp-white.json",
        "OT/white/cisa-csaf-ot-feed-tlp-white.json",
    ] {
        let bytes = read(&data.join("csaf/cisa-csaf").join(feed));
        let source: Value =
            serde_json::from_slice(&bytes).unwrap_or_else(|error| panic!("{error}"));
        let entries = parse_rolie_feed(&bytes).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(
            Some(entries.len()),
            source["feed"]["entry"].as_array().map(Vec::len),
            "{feed}"
        );
        for entry in &entries {
            assert!(entry.advisory_url.ends_with(".json"), "{entry:?}");
            assert_eq!(
                entry.hash_urls,
                [format!("{}.sha512", entry.advisory_url)],
                "{feed}: {}",
                entry.id
            );
        }
        println!("{feed}: {} entries", entries.len());
    }
    let broken = parse_rolie_feed(br#"{"feed": {"entry": [{"id": "X-1", "link": []}]}}"#)
        .map_err(|error| error.to_string());
    assert_eq!(
        broken.err().as_deref(),
        Some("not a ROLIE feed: feed.entry[0] (X-1) has neither `content.src` nor a `self` link")
    );
}

#[test]
fn directory_listings_parse() {
    let Some(data) = shared_data() else {
        return;
    };
    for folder in ["IT/white", "OT/white"] {
        let folder = data.join("csaf/cisa-csaf").join(folder);
        let index_text = String::from_utf8(read(&folder.join("index.txt")))
            .unwrap_or_else(|error| panic!("{error}"));
        let changes_text = String::from_utf8(read(&folder.join("changes.csv")))
            .unwrap_or_else(|error| panic!("{error}"));
        let index = parse_directory_index(&index_text).unwrap_or_else(|error| panic!("{error}"));
        let changes = parse_changes_csv(&changes_text).unwrap_or_else(|error| panic!("{error}"));
        let lines = |text: &str| text.lines().filter(|line| !line.trim().is_empty()).count();
        assert_eq!(index.len(), lines(&index_text));
        assert_eq!(changes.len(), lines(&changes_text));
        let listed: BTreeSet<&str> = index.iter().map(String::as_str).collect();
        assert!(
            changes
                .iter()
                .all(|change| listed.contains(change.path.as_str()))
        );
        // The dates compare as text with the reports' `modified` of the advisories here.
        let mut compared = 0;
        for change in &changes {
            let Some(file_name) = change.path.rsplit('/').next() else {
                continue;
            };
            let local = folder.join("2024").join(file_name);
            if !local.is_file() {
                continue;
            }
            let advisory = map_advisory(&read(&local)).unwrap_or_else(|error| panic!("{error}"));
            let report = of_type(&advisory.mapped.objects, "report")[0];
            assert_eq!(
                report["modified"].as_str(),
                Some(change.current_release_date.as_str()),
                "{}",
                change.path
            );
            compared += 1;
        }
        assert!(compared > 0);
        println!("{}: {} advisories listed", folder.display(), index.len());
    }
    let quoted = parse_changes_csv("\"2024/ex-1.json\",\"2024-10-24T06:00:00.000000Z\"\n\n\"2024/ex-0.json\",\"2024-10-23T08:00:00+02:00\"\n")
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(quoted[0].current_release_date, "2024-10-24T06:00:00.000Z");
    assert_eq!(quoted[1].current_release_date, "2024-10-23T06:00:00.000Z");
    let bad = parse_changes_csv("2024/a.json,2024-01-01T00:00:00Z\n2024/b.json\n")
        .map_err(|error| error.to_string());
    assert_eq!(
        bad.err().as_deref(),
        Some("changes.csv line 2: expected two columns (path, current release date), found 1")
    );
    let bad_index =
        parse_directory_index("2024/a.json\n\n2024/b.txt\n").map_err(|error| error.to_string());
    assert_eq!(
        bad_index.err().as_deref(),
        Some("index.txt line 3: '2024/b.txt' does not name a .json advisory")
    );
}
