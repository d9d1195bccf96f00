//! The warning lists against MISP's real lists (shared/data/misp/warninglists), the
//! built-in set, broken list files, and the drop-or-flag policy on STIX objects.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use dijkwacht_fusion::warning_lists::{
    ListType, ObservedValue, ValueKind, Verdict, WARNING_LISTS_PROPERTY, WarningAction,
    WarningList, WarningListError, WarningListFilter, WarningLists, WarningPolicy, builtin_lists,
    load_folder, values_of_object,
};
use serde_json::{Value, json};

fn real_list_folder() -> Option<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join("misp/warninglists");
    if folder.is_dir() {
        return Some(folder);
    }
    if std::env::var_os("CI").is_some() {
        panic!("{} is missing, and CI needs it", folder.display());
    }
    println!("skipping: {} is missing", folder.display());
    None
}

/// The real lists and the built-ins, compiled once for all tests.
fn real_and_builtin_lists() -> Option<&'static WarningLists> {
    static LISTS: OnceLock<Option<WarningLists>> = OnceLock::new();
    LISTS
        .get_or_init(|| {
            let folder = real_list_folder()?;
            let loaded = load_folder(&folder).unwrap_or_else(|error| panic!("{error}"));
            assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
            let all = loaded.lists.into_iter().chain(builtin_lists());
            Some(WarningLists::build(all).unwrap_or_else(|error| panic!("{error}")))
        })
        .as_ref()
}

fn builtins() -> WarningLists {
    WarningLists::build(builtin_lists()).unwrap_or_else(|error| panic!("{error}"))
}

fn keys_of(lists: &WarningLists, kind: ValueKind, text: &str) -> Vec<String> {
    lists
        .check(&ObservedValue::new(kind, text))
        .into_iter()
        .map(|info| info.key.clone())
        .collect()
}

fn list_files_below(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap_or_else(|error| panic!("{error}")) {
        let path = entry.unwrap_or_else(|error| panic!("{error}")).path();
        if path.is_dir() {
            found.extend(list_files_below(&path));
        } else if path.file_name().is_some_and(|name| name == "list.json") {
            found.push(path);
        }
    }
    found
}

#[test]
fn every_real_list_loads_with_all_its_entries() {
    let Some(folder) = real_list_folder() else {
        return;
    };
    let files = list_files_below(&folder);
    let loaded = load_folder(&folder).unwrap_or_else(|error| panic!("{error}"));
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    assert_eq!(loaded.lists.len(), files.len());
    let mut entries_in_files = 0;
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_else(|error| panic!("{error}"));
        let json: Value = serde_json::from_slice(&bytes).unwrap_or_else(|error| panic!("{error}"));
        let folder_name = file
            .parent()
            .and_then(Path::file_name)
            .and_then(|name| name.to_str())
            .unwrap_or_else(|| panic!("{} has no folder name", file.display()));
        let list = loaded
            .lists
            .iter()
            .find(|list| list.info.key == folder_name)
            .unwrap_or_else(|| panic!("{folder_name} did not load"));
        let entries = json["list"].as_array().map_or(0, Vec::len);
        assert_eq!(list.info.entry_count, entries, "{folder_name}");
        assert_eq!(Some(list.info.name.as_str()), json["name"].as_str());
        entries_in_files += entries;
    }
    let entries_loaded: usize = loaded.lists.iter().map(|list| list.info.entry_count).sum();
    assert_eq!(entries_loaded, entries_in_files);
    println!(
        "{} lists, {entries_loaded} entries loaded from {}",
        loaded.lists.len(),
        folder.display()
    );
}

#[test]
fn every_entry_of_the_real_address_and_name_lists_is_found_on_its_list() {
    let Some(folder) = real_list_folder() else {
        return;
    };
    let lists = real_and_builtin_lists().unwrap_or_else(|| panic!("lists not loaded"));
    for file in list_files_below(&folder) {
        let bytes = std::fs::read(&file).unwrap_or_else(|error| panic!("{error}"));
        let json: Value = serde_json::from_slice(&bytes).unwrap_or_else(|error| panic!("{error}"));
        let key = file
            .parent()
            .and_then(Path::file_name)
            .and_then(|name| name.to_str())
            .unwrap_or_default()
            .to_owned();
        let entries = json["list"].as_array().cloned().unwrap_or_default();
        let observed: Vec<(ValueKind, String)> = match json["type"].as_str() {
            // An observed range equal to an entry is inside it.
            Some("cidr") => entries
                .iter()
                .filter_map(Value::as_str)
                .map(|entry| (ValueKind::Cidr, entry.to_owned()))
                .collect(),
            // A name below an entry is on a hostname list.
            Some("hostname") => entries
                .iter()
                .filter_map(Value::as_str)
                .map(|entry| (ValueKind::Domain, format!("below.{entry}")))
                .collect(),
            _ => continue,
        };
        for (kind, text) in observed {
            let kind = if kind == ValueKind::Cidr && !text.contains('/') {
                ObservedValue::classify(&text).kind
            } else {
                kind
            };
            assert!(
                keys_of(lists, kind, &text).contains(&key),
                "{text} ({kind:?}) is not found on {key}"
            );
        }
    }
}

#[test]
fn known_values_hit_the_real_lists_they_are_on() {
    let Some(lists) = real_and_builtin_lists() else {
        return;
    };
    let hits = [
        (ValueKind::Ipv4, "8.8.8.8", "public-dns-v4"),
        (ValueKind::Ipv4, "1.1.1.1", "public-dns-v4"),
        (ValueKind::Ipv6, "2001:4860:4860::8888", "public-dns-v6"),
        (ValueKind::Ipv4, "1.178.1.77", "amazon-aws"),
        (ValueKind::Ipv4, "104.16.5.5", "cloudflare"),
        (ValueKind::Domain, "google.com", "tranco10k"),
        (ValueKind::Domain, "Some-Host.Google.com.", "tranco10k"),
        (ValueKind::Domain, "www.google.com", "cisco_top1000"),
        (ValueKind::Domain, "com", "tlds"),
        (ValueKind::Url, "https://bit.ly/3xYz", "url-shortener"),
        (
            ValueKind::Domain,
            "files.virustotal.com",
            "automated-malware-analysis",
        ),
        (
            ValueKind::Email,
            "Abuse@corp.example.net",
            "common-contact-emails",
        ),
        (
            ValueKind::Md5,
            "D41D8CD98F00B204E9800998ECF8427E",
            "empty-hashes",
        ),
        (ValueKind::Ipv4, "10.1.2.3", "rfc1918"),
    ];
    for (kind, text, key) in hits {
        let keys = keys_of(lists, kind, text);
        assert!(keys.iter().any(|hit| hit == key), "{text}: {keys:?}");
    }
    let misses = [
        (ValueKind::Ipv4, "93.184.216.34", None),
        (ValueKind::Domain, "notgoogle.com", Some("tranco10k")),
        // A string list compares whole names: a subdomain is not on it.
        (
            ValueKind::Domain,
            "some-host.google.com",
            Some("cisco_top1000"),
        ),
        (ValueKind::Domain, "google.com.evil.net", Some("tranco10k")),
        (
            ValueKind::Email,
            "john@corp.example.net",
            Some("common-contact-emails"),
        ),
        // A range wider than the listed single address is not inside it.
        (ValueKind::Cidr, "8.8.8.0/24", Some("public-dns-v4")),
    ];
    for (kind, text, key) in misses {
        let keys = keys_of(lists, kind, text);
        match key {
            None => assert!(keys.is_empty(), "{text}: {keys:?}"),
            Some(key) => assert!(!keys.iter().any(|hit| hit == key), "{text}: {keys:?}"),
        }
    }
}

#[test]
fn matching_attributes_decide_the_kinds_a_list_applies_to() {
    let Some(lists) = real_and_builtin_lists() else {
        return;
    };
    let empty_md5 = "d41d8cd98f00b204e9800998ecf8427e";
    assert!(keys_of(lists, ValueKind::Md5, empty_md5).contains(&"empty-hashes".to_owned()));
    assert!(keys_of(lists, ValueKind::Domain, empty_md5).is_empty());
    assert!(keys_of(lists, ValueKind::Other, empty_md5).is_empty());
    // tranco10k applies to names and URLs, not to e-mail addresses.
    assert!(keys_of(lists, ValueKind::Url, "https://google.com/").contains(&"tranco10k".into()));
    assert!(!keys_of(lists, ValueKind::Email, "someone@google.com").contains(&"tranco10k".into()));
    // The contact-address expression applies to e-mail addresses only.
    let contact = "common-contact-emails".to_owned();
    assert!(keys_of(lists, ValueKind::Email, "abuse@corp.example.net").contains(&contact));
    assert!(!keys_of(lists, ValueKind::Domain, "abuse@corp.example.net").contains(&contact));
    // The substring list applies to names and URLs, not to e-mail addresses.
    let analysis = "automated-malware-analysis".to_owned();
    assert!(keys_of(lists, ValueKind::Url, "https://www.virustotal.com/gui/").contains(&analysis));
    assert!(!keys_of(lists, ValueKind::Email, "x@virustotal.com").contains(&analysis));
    let rfc1918 = lists
        .lists()
        .iter()
        .find(|info| info.key == "rfc1918")
        .unwrap_or_else(|| panic!("rfc1918 not loaded"));
    assert_eq!(rfc1918.list_type, ListType::Cidr);
    assert!(rfc1918.value_kinds.contains(ValueKind::Cidr));
    assert!(!rfc1918.value_kinds.contains(ValueKind::Url));
    // So a URL on a private address is on the built-in list, which applies to URLs,
    // and not on MISP's, which does not.
    let url_keys = keys_of(lists, ValueKind::Url, "http://10.0.0.1/panel");
    assert_eq!(url_keys, vec!["dijkwacht-private-ranges"]);
}

#[test]
fn the_builtin_lists_hold_the_special_use_addresses_and_names() {
    let lists = builtins();
    let hits = [
        (ValueKind::Ipv4, "10.1.2.3"),
        (ValueKind::Ipv4, "192.168.0.1"),
        (ValueKind::Ipv4, "127.0.0.1"),
        (ValueKind::Ipv4, "100.64.1.1"),
        (ValueKind::Ipv4, "169.254.10.10"),
        (ValueKind::Ipv4, "239.255.255.250"),
        (ValueKind::Ipv4, "0.0.0.0"),
        (ValueKind::Ipv4, "203.0.113.9"),
        (ValueKind::Ipv6, "::1"),
        (ValueKind::Ipv6, "fd00::1"),
        (ValueKind::Ipv6, "fe80::1"),
        (ValueKind::Ipv6, "2001:db8::5"),
        (ValueKind::Ipv6, "::ffff:192.168.7.7"),
        (ValueKind::Url, "http://192.168.1.1:8080/admin"),
        (ValueKind::Domain, "localhost"),
        (ValueKind::Domain, "foo.localhost"),
        (ValueKind::Domain, "printer.local"),
        (ValueKind::Domain, "www.example.com"),
        (ValueKind::Domain, "EXAMPLE.org"),
        (ValueKind::Domain, "router.home.arpa"),
        (ValueKind::Domain, "db.corp.internal"),
        (ValueKind::Domain, "a.b.invalid"),
        (ValueKind::Url, "https://www.example.net/login"),
        (ValueKind::Email, "admin@mail.test"),
    ];
    for (kind, text) in hits {
        assert!(
            !keys_of(&lists, kind, text).is_empty(),
            "{text} is not on a list"
        );
    }
    let misses = [
        (ValueKind::Ipv4, "8.8.4.4"),
        (ValueKind::Ipv4, "93.184.216.34"),
        (ValueKind::Ipv4, "172.32.0.1"),
        (ValueKind::Ipv6, "2a00:1450::1"),
        (ValueKind::Domain, "example.company.com"),
        (ValueKind::Domain, "localhost.evil.net"),
        (ValueKind::Domain, "mylocal"),
        (ValueKind::Url, "https://localhost.evil.net/x"),
        (ValueKind::Email, "admin@example.com.evil.net"),
    ];
    for (kind, text) in misses {
        let keys = keys_of(&lists, kind, text);
        assert!(keys.is_empty(), "{text} is on {keys:?}");
    }
    assert_eq!(
        keys_of(&lists, ValueKind::Ipv4, "10.1.2.3"),
        vec!["dijkwacht-private-ranges"]
    );
    assert_eq!(
        keys_of(&lists, ValueKind::Domain, "foo.localhost"),
        vec!["dijkwacht-special-use-names"]
    );
}

#[test]
fn an_observed_range_is_listed_only_when_wholly_inside_a_listed_one() {
    let lists = builtins();
    let private = vec!["dijkwacht-private-ranges".to_owned()];
    assert_eq!(keys_of(&lists, ValueKind::Cidr, "10.20.0.0/16"), private);
    assert_eq!(keys_of(&lists, ValueKind::Cidr, "10.20.30.40/8"), private);
    assert_eq!(keys_of(&lists, ValueKind::Cidr, "fd12:3456::/32"), private);
    // Overlapping a listed range, but reaching beyond it.
    assert!(keys_of(&lists, ValueKind::Cidr, "10.0.0.0/7").is_empty());
    assert!(keys_of(&lists, ValueKind::Cidr, "172.0.0.0/8").is_empty());
    assert!(keys_of(&lists, ValueKind::Cidr, "2001:d00::/24").is_empty());
}

fn list_json(name: &str, list_type: &str, entries: &[&str]) -> Vec<u8> {
    json!({
        "name": name,
        "version": 1,
        "description": "a list written for a test",
        "type": list_type,
        "list": entries,
    })
    .to_string()
    .into_bytes()
}

#[test]
fn a_regex_with_a_backreference_is_refused_naming_list_and_entry() {
    let bytes = list_json("Doubled words", "regex", &["/^abuse@/i", r"/(\w+) \1/"]);
    match WarningList::from_json(&bytes) {
        Err(error @ WarningListError::BadEntry { .. }) => {
            let message = error.to_string();
            assert!(message.contains("`Doubled words`"), "{message}");
            assert!(message.contains("list[1]"), "{message}");
            assert!(
                message.contains("backreferences are not supported"),
                "{message}"
            );
        }
        other => panic!("expected the entry to be refused, got {other:?}"),
    }
}

#[test]
fn malformed_lists_are_refused_with_a_location() {
    let missing_type = br#"{"name": "x", "version": 1, "description": "d", "list": []}"#;
    match WarningList::from_json(missing_type) {
        Err(WarningListError::Format { line, message, .. }) => {
            assert_eq!(line, 1);
            assert!(message.contains("missing field `type`"), "{message}");
        }
        other => panic!("expected a format error, got {other:?}"),
    }
    let unknown_type = b"{\"name\": \"x\", \"version\": 1,\n\"description\": \"d\", \"type\": \"glob\", \"list\": []}";
    match WarningList::from_json(unknown_type) {
        Err(WarningListError::Format { line, message, .. }) => {
            assert_eq!(line, 2);
            assert!(message.contains("unknown variant `glob`"), "{message}");
        }
        other => panic!("expected a format error, got {other:?}"),
    }
    let bad_cidr = list_json("Ranges", "cidr", &["10.0.0.0/8", "10.0.0.0/40"]);
    let error = WarningList::from_json(&bad_cidr)
        .err()
        .map(|error| error.to_string());
    assert!(
        error
            .as_deref()
            .is_some_and(|message| message.contains("list[1] `10.0.0.0/40`")),
        "{error:?}"
    );
    let empty_substring = list_json("Everything", "substring", &["ok", " "]);
    assert!(matches!(
        WarningList::from_json(&empty_substring),
        Err(WarningListError::BadEntry { index: 1, .. })
    ));
}

#[test]
fn a_broken_list_file_is_reported_and_the_others_still_load() {
    let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let write = |name: &str, bytes: &[u8]| {
        let list_folder = folder.path().join(name);
        std::fs::create_dir_all(&list_folder).unwrap_or_else(|error| panic!("{error}"));
        std::fs::write(list_folder.join("list.json"), bytes).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        "good-names",
        &list_json("Good names", "hostname", &["benign.test"]),
    );
    write(
        "nested/good-hashes",
        &list_json("Good hashes", "string", &["abc"]),
    );
    write("broken", b"{\"name\": \"Broken\",\n  \"list\": [\"a\",,]}");
    write(
        "backreference",
        &list_json("Backreference", "regex", &[r"(a)\1"]),
    );
    let loaded = load_folder(folder.path()).unwrap_or_else(|error| panic!("{error}"));
    let mut keys: Vec<&str> = loaded
        .lists
        .iter()
        .map(|list| list.info.key.as_str())
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, vec!["good-hashes", "good-names"]);
    assert_eq!(loaded.problems.len(), 2);
    let messages: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
    let broken = messages
        .iter()
        .find(|message| message.contains("broken/list.json"))
        .unwrap_or_else(|| panic!("no problem names the broken file: {messages:?}"));
    assert!(broken.contains("line 2"), "{broken}");
    assert!(
        messages
            .iter()
            .any(|message| message.contains("backreference/list.json")
                && message.contains("list[0]")),
        "{messages:?}"
    );
    assert!(load_folder(&folder.path().join("absent")).is_err());
}

fn indicator(pattern: &str) -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    })
}

fn listed_in(object: &Value) -> Option<Vec<&str>> {
    object[WARNING_LISTS_PROPERTY]
        .as_array()
        .map(|keys| keys.iter().filter_map(Value::as_str).collect())
}

fn dropping_filter() -> WarningListFilter {
    WarningListFilter::new(builtins(), WarningPolicy::new(WarningAction::Drop))
}

#[test]
fn an_indicator_is_dropped_only_when_every_value_it_tests_is_on_a_drop_list() {
    let filter = dropping_filter();
    let private = "dijkwacht-private-ranges";
    let loopback = "dijkwacht-loopback-and-link-local";

    let mut simple = indicator("[ipv4-addr:value = '10.1.2.3']");
    assert_eq!(
        filter.apply(&mut simple),
        Verdict::Drop(vec![private.into()])
    );
    assert_eq!(listed_in(&simple), Some(vec![private]));

    let mut compound =
        indicator("[ipv4-addr:value = '10.1.2.3' AND domain-name:value = 'malware-c2.net']");
    assert_eq!(
        filter.apply(&mut compound),
        Verdict::Flag(vec![private.into()])
    );
    assert_eq!(listed_in(&compound), Some(vec![private]));

    let mut all_benign = indicator("[ipv4-addr:value IN ('127.0.0.1', '10.0.0.1', '192.168.1.1')]");
    assert_eq!(
        filter.apply(&mut all_benign),
        Verdict::Drop(vec![loopback.into(), private.into()])
    );
    assert_eq!(listed_in(&all_benign), Some(vec![loopback, private]));

    let mut subset = indicator("[ipv4-addr:value ISSUBSET '192.168.0.0/24']");
    assert_eq!(
        filter.apply(&mut subset),
        Verdict::Drop(vec![private.into()])
    );

    // A test no list can judge keeps the indicator.
    let mut with_like = indicator("[domain-name:value = 'localhost' OR url:value LIKE '%/evil/%']");
    assert!(matches!(filter.apply(&mut with_like), Verdict::Flag(_)));

    let mut malicious = indicator("[ipv4-addr:value = '198.51.99.1']");
    assert_eq!(filter.apply(&mut malicious), Verdict::Keep);
    assert_eq!(listed_in(&malicious), None);
}

#[test]
fn the_action_is_chosen_per_list_by_key_or_name() {
    let policy = WarningPolicy::new(WarningAction::Flag)
        .with_action("dijkwacht-private-ranges", WarningAction::Drop);
    let filter = WarningListFilter::new(builtins(), policy);
    let mut private_only = indicator("[ipv4-addr:value IN ('10.0.0.1', '172.16.0.1')]");
    assert!(matches!(filter.apply(&mut private_only), Verdict::Drop(_)));
    // The loopback list only flags, so the indicator is kept.
    let mut with_loopback = indicator("[ipv4-addr:value IN ('10.0.0.1', '127.0.0.1')]");
    assert!(matches!(filter.apply(&mut with_loopback), Verdict::Flag(_)));

    let by_name = WarningPolicy::new(WarningAction::Flag)
        .with_action("Documentation address ranges", WarningAction::Drop);
    let filter = WarningListFilter::new(builtins(), by_name);
    assert!(matches!(
        filter.judge(&indicator("[ipv6-addr:value = '2001:db8::1']")),
        Verdict::Drop(_)
    ));
}

#[test]
fn scos_are_judged_by_their_values() {
    let filter = dropping_filter();
    let mut address = json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "169.254.1.1"});
    assert!(matches!(filter.apply(&mut address), Verdict::Drop(_)));
    let mut name = json!({"type": "domain-name", "id": "domain-name--1", "value": "printer.local"});
    assert!(matches!(filter.apply(&mut name), Verdict::Drop(_)));
    let mut url = json!({"type": "url", "id": "url--1", "value": "http://203.0.113.5/a.exe"});
    assert!(matches!(filter.apply(&mut url), Verdict::Drop(_)));
    let mut public = json!({"type": "ipv4-addr", "id": "ipv4-addr--2", "value": "8.8.4.4"});
    assert_eq!(filter.apply(&mut public), Verdict::Keep);
}

#[test]
fn a_file_is_flagged_not_dropped_when_one_of_its_hashes_is_on_no_list() {
    let Some(folder) = real_list_folder() else {
        return;
    };
    let loaded = load_folder(&folder).unwrap_or_else(|error| panic!("{error}"));
    let lists = WarningLists::build(loaded.lists).unwrap_or_else(|error| panic!("{error}"));
    let filter = WarningListFilter::new(lists, WarningPolicy::new(WarningAction::Drop));
    let empty_md5 = "d41d8cd98f00b204e9800998ecf8427e";
    let mut only_empty = json!({"type": "file", "id": "file--1", "hashes": {"MD5": empty_md5}});
    assert!(matches!(filter.apply(&mut only_empty), Verdict::Drop(_)));
    let mut empty_and_unknown = json!({
        "type": "file",
        "id": "file--2",
        "hashes": {"MD5": empty_md5, "SHA-256": "0f".repeat(32)},
        "x_dijkwacht_warning_lists": ["zz-earlier-check"],
    });
    assert_eq!(
        filter.apply(&mut empty_and_unknown),
        Verdict::Flag(vec![
            "common-ioc-false-positive".into(),
            "empty-hashes".into()
        ])
    );
    assert_eq!(
        listed_in(&empty_and_unknown),
        Some(vec![
            "common-ioc-false-positive",
            "empty-hashes",
            "zz-earlier-check"
        ])
    );
}

#[test]
fn values_are_read_from_scos_and_from_stix_patterns() {
    let sha256 = "ab".repeat(32);
    let md5 = "cd".repeat(16);
    let pattern = format!(
        "[ipv4-addr:value = '198.51.100.1' OR ipv6-addr:value ISSUBSET '2001:db8::/48'] \
                   AND [domain-name:value IN ('a.test', 'b.test') AND url:value = 'http://a.test/x'] \
                   FOLLOWEDBY [file:hashes.'SHA-256' = '{sha256}' AND file:hashes.MD5 = '{md5}' \
                   AND email-message:from_ref.value = 'x@a.test' \
                   AND network-traffic:dst_ref.value = '192.0.2.1' \
                   AND file:name = 'not-read.exe' AND domain-name:value != 'not-read.test']"
    );
    let values = values_of_object(&indicator(&pattern));
    let expected = [
        (ValueKind::Ipv4, "198.51.100.1"),
        (ValueKind::Cidr, "2001:db8::/48"),
        (ValueKind::Domain, "a.test"),
        (ValueKind::Domain, "b.test"),
        (ValueKind::Url, "http://a.test/x"),
        (ValueKind::Sha256, sha256.as_str()),
        (ValueKind::Md5, md5.as_str()),
        (ValueKind::Email, "x@a.test"),
        (ValueKind::Ipv4, "192.0.2.1"),
    ];
    let expected: Vec<ObservedValue> = expected
        .iter()
        .map(|(kind, text)| ObservedValue::new(*kind, *text))
        .collect();
    assert_eq!(values, expected);

    let mut not_stix = indicator("alert tcp any any -> 10.0.0.1 any (msg:\"x\";)");
    not_stix["pattern_type"] = json!("snort");
    assert!(values_of_object(&not_stix).is_empty());
    assert!(values_of_object(&indicator("[ipv4-addr:value = ")).is_empty());
    let range = json!({"type": "ipv4-addr", "value": "10.0.0.0/8"});
    assert_eq!(
        values_of_object(&range),
        vec![ObservedValue::new(ValueKind::Cidr, "10.0.0.0/8")]
    );
    let file = json!({"type": "file", "hashes": {"SHA-1": "cc", "TLSH": "dd"}});
    assert_eq!(
        values_of_object(&file),
        vec![ObservedValue::new(ValueKind::Sha1, "cc")]
    );
    assert!(values_of_object(&json!({"type": "malware", "name": "x"})).is_empty());
}
