//! The list mapping against hand-written lists in the shapes of well-known public feeds
//! (abuse.ch Feodo Tracker and URLhaus CSV, Spamhaus DROP, plain domain and hash
//! lists). Addresses come from the documentation ranges and names from `.example`.
//! Every indicator is checked by the STIX validator, and its pattern is run by the
//! matcher against the observable it should (and should not) detect.

use std::collections::BTreeMap;

use dijkwacht_fusion::lists::{
    Column, ListContext, ListFormat, ListKind, MAX_LISTED_PROBLEMS, ValueType, map_list,
};
use dijkwacht_fusion::mapped::{Mapped, derived_id};
use dijkwacht_stix::pattern::{CompiledPattern, Constant, Observation, Pattern, Predicate};
use dijkwacht_stix::validate_object;
use serde_json::{Value, json};

const SEEN_AT: &str = "2024-05-01T12:10:00Z";

fn context(source_name: &str) -> ListContext<'_> {
    ListContext {
        source_name,
        seen_at: SEEN_AT,
        default_valid_days: Some(30),
    }
}

/// Every indicator is valid STIX (only the UUIDv5 ids are warned about).
fn assert_valid(mapped: &Mapped) {
    for object in &mapped.objects {
        let report = validate_object(object);
        let findings: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|finding| finding.rule.code() != "uuid-version")
            .map(ToString::to_string)
            .collect();
        assert!(findings.is_empty(), "{object}: {findings:#?}");
    }
}

fn by_name(mapped: &Mapped) -> BTreeMap<String, Value> {
    mapped
        .objects
        .iter()
        .map(|object| {
            (
                object["name"].as_str().unwrap_or_default().to_owned(),
                object.clone(),
            )
        })
        .collect()
}

fn problems(mapped: &Mapped) -> Vec<(String, String)> {
    mapped
        .problems
        .iter()
        .map(|problem| (problem.location.clone(), problem.message.clone()))
        .collect()
}

/// The 1-based number of the line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> String {
    let index = text
        .lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("{needle} is not in the list"));
    format!("line {}", index + 1)
}

/// Whether the indicator's pattern matches one observation of `sco`.
fn detects(indicator: &Value, sco: Value) -> bool {
    let text = indicator["pattern"].as_str().unwrap_or_default();
    let pattern =
        dijkwacht_stix::pattern::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"));
    let compiled =
        CompiledPattern::compile(&pattern).unwrap_or_else(|error| panic!("{text}: {error}"));
    let Value::Object(sco) = sco else {
        panic!("an SCO is an object");
    };
    let observation = Observation {
        id: None,
        first_observed: 0,
        last_observed: 0,
        number_observed: 1,
        objects: BTreeMap::from([("0".to_owned(), sco)]),
    };
    compiled.matches_one(&observation)
}

/// The string constant of a one-comparison pattern, as the parser reads it back.
fn pattern_constant(indicator: &Value) -> String {
    let text = indicator["pattern"].as_str().unwrap_or_default();
    match dijkwacht_stix::pattern::parse(text) {
        Ok(Pattern::Observation { comparison, .. }) => match comparison {
            dijkwacht_stix::pattern::ComparisonExpression::Comparison(comparison) => {
                match comparison.predicate {
                    Predicate::Equal(Constant::String(value)) | Predicate::IsSubset(value) => value,
                    other => panic!("unexpected predicate {other:?}"),
                }
            }
            other => panic!("unexpected comparison {other:?}"),
        },
        other => panic!("{text}: {other:?}"),
    }
}

const FEODO_BLOCKLIST: &str = r#"################################################################
# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #
# Last updated: 2024-05-01 12:07:27 UTC                        #
#                                                              #
# For questions please contact feodotracker [at] abuse.ch      #
################################################################
#
# "first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
"2023-03-07 15:46:24","192.0.2.10","8080","online","2024-05-01","Emotet"
"2024-04-30 22:01:13","198.51.100.23","443","offline","2024-04-30","QakBot"
"2024-04-12 09:12:55","203.0.113.5","2222","online","2024-05-01","Dridex"
"2023-05-11 10:00:00","192.0.2.10","443","online","2024-05-01","Emotet"
"2024-04-01 00:00:00","192.0.2.300","8080","online","2024-05-01","Pikabot"
"2024-04-02 00:00:00,"198.51.100.44","443","online","2024-05-01","Pikabot"
"2024-04-03 00:00:00","198.51.100.45","443","online","yesterday","Pikabot"
# END 7 entries
"#;

fn feodo_format() -> ListFormat {
    ListFormat {
        kind: ListKind::Csv,
        value_column: Column::Index(1),
        first_seen_column: Some(Column::Index(0)),
        last_seen_column: Some(Column::Index(4)),
        description_column: Some(Column::Index(5)),
        value_type: ValueType::Ipv4,
        ..ListFormat::default()
    }
}

#[test]
fn feodo_tracker_csv_maps_each_c2_address_once() {
    let mapped = map_list(FEODO_BLOCKLIST, &feodo_format(), &context("feodo"));
    assert_valid(&mapped);
    let indicators = by_name(&mapped);
    assert_eq!(
        indicators.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "192.0.2.10",
            "198.51.100.23",
            "198.51.100.45",
            "203.0.113.5"
        ]
    );
    let emotet = &indicators["192.0.2.10"];
    assert_eq!(emotet["pattern"], "[ipv4-addr:value = '192.0.2.10']");
    assert_eq!(
        emotet["description"], "Emotet",
        "the first line of a duplicate wins"
    );
    assert_eq!(emotet["valid_from"], "2023-03-07T15:46:24.000Z");
    assert_eq!(emotet["created"], emotet["valid_from"]);
    assert_eq!(
        emotet["valid_until"], "2024-05-02T00:00:00.000Z",
        "online through 2024-05-01"
    );
    assert_eq!(emotet["modified"], emotet["valid_until"]);
    assert_eq!(emotet["indicator_types"], json!(["malicious-activity"]));
    assert_eq!(
        emotet["id"],
        derived_id("indicator", "list", "feodo|ipv4|192.0.2.10")
    );
    assert!(detects(
        emotet,
        json!({"type": "ipv4-addr", "value": "192.0.2.10"})
    ));
    assert!(!detects(
        emotet,
        json!({"type": "ipv4-addr", "value": "192.0.2.11"})
    ));

    let qakbot = &indicators["198.51.100.23"];
    assert_eq!(qakbot["valid_until"], "2024-05-01T00:00:00.000Z");

    let unreadable_last_seen = &indicators["198.51.100.45"];
    assert_eq!(
        unreadable_last_seen["valid_until"], "2024-05-31T12:10:00.000Z",
        "seen_at plus 30 days"
    );
    assert_eq!(unreadable_last_seen["modified"], "2024-05-01T12:10:00.000Z");

    assert_eq!(
        problems(&mapped),
        [
            (
                line_of(FEODO_BLOCKLIST, "192.0.2.300"),
                "'192.0.2.300' is not an IPv4 address".to_owned()
            ),
            (
                line_of(FEODO_BLOCKLIST, "198.51.100.44"),
                "column 1 has text after its closing quote".to_owned()
            ),
            (
                line_of(FEODO_BLOCKLIST, "yesterday"),
                "last seen 'yesterday' is not a date or time; it was left out".to_owned()
            ),
        ]
    );
}

const URLHAUS_RECENT: &str = r#"################################################################
# abuse.ch URLhaus Database Dump (CSV - recent URLs)           #
# Last updated: 2024-05-01 12:05:04 (UTC)                      #
#                                                              #
# Terms Of Use: https://urlhaus.abuse.ch/api/                  #
# For questions please contact urlhaus [at] abuse.ch           #
################################################################
#
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"2840001","2024-05-01 12:04:07","http://192.0.2.151:36125/Mozi.m","online","2024-05-01 12:04:07","malware_download","elf,Mozi","https://urlhaus.abuse.ch/url/2840001/","lrz_urlhaus"
"2840000","2024-05-01 11:58:42","https://Files.Bad-Host.example/dl.php?name='invoice'&dir=C:\temp","online","2024-05-01 12:01:00","malware_download","exe,AgentTesla","https://urlhaus.abuse.ch/url/2840000/","abuse_ch"
"2839998","2024-05-01 11:40:11","hxxp://update-check[.]example/x86","offline","","malware_download","32-bit,elf,mips","https://urlhaus.abuse.ch/url/2839998/","geenensp"
"2839990","2024-05-01 11:02:19","//no-scheme.example/a","offline","","malware_download","","https://urlhaus.abuse.ch/url/2839990/","anonymous"
"#;

fn urlhaus_format() -> ListFormat {
    ListFormat {
        kind: ListKind::Csv,
        value_column: Column::Index(2),
        first_seen_column: Some(Column::Index(1)),
        last_seen_column: Some(Column::Index(4)),
        description_column: Some(Column::Index(5)),
        value_type: ValueType::Url,
        ..ListFormat::default()
    }
}

#[test]
fn urlhaus_csv_maps_urls_with_escaped_patterns() {
    let mapped = map_list(URLHAUS_RECENT, &urlhaus_format(), &context("urlhaus"));
    assert_valid(&mapped);
    let indicators = by_name(&mapped);
    assert_eq!(indicators.len(), 3);

    let quoted_url = r"https://files.bad-host.example/dl.php?name='invoice'&dir=C:\temp";
    let quoted = &indicators[quoted_url];
    assert_eq!(
        quoted["pattern"],
        r"[url:value = 'https://files.bad-host.example/dl.php?name=\'invoice\'&dir=C:\\temp']"
    );
    assert_eq!(
        pattern_constant(quoted),
        quoted_url,
        "the escaped constant reads back as the URL"
    );
    assert!(detects(quoted, json!({"type": "url", "value": quoted_url})));
    assert_eq!(quoted["valid_until"], "2024-05-01T12:01:00.000Z");
    assert_eq!(quoted["description"], "malware_download");

    let seen_once = &indicators["http://192.0.2.151:36125/Mozi.m"];
    assert_eq!(seen_once["valid_from"], "2024-05-01T12:04:07.000Z");
    assert_eq!(
        seen_once["valid_until"], "2024-05-31T12:10:00.000Z",
        "last seen = first seen: the default validity applies"
    );

    let refanged = &indicators["http://update-check.example/x86"];
    assert!(detects(
        refanged,
        json!({"type": "url", "value": "http://update-check.example/x86"})
    ));

    assert_eq!(
        problems(&mapped),
        [(
            line_of(URLHAUS_RECENT, "no-scheme"),
            "'//no-scheme.example/a' is not a URL with a scheme (http://…)".to_owned()
        )]
    );
}

const SPAMHAUS_DROP: &str = "; Spamhaus DROP List 2024/05/01 - (c) 2024 The Spamhaus Project SLU
; https://www.spamhaus.org/drop/drop.txt
; Last-Modified: Wed, 01 May 2024 09:15:43 GMT
; Expires: Wed, 01 May 2024 10:22:55 GMT
192.0.2.0/24 ; SBL000101
198.51.100.0/25 ; SBL000102
203.0.113.130/25 ; SBL000103
2001:DB8:4000::/34 ; SBL000104
203.0.113.7 ; SBL000105
; unannounced
300.0.0.0/8 ; SBL000106
";

#[test]
fn spamhaus_drop_maps_blocks_to_subset_patterns() {
    let format = ListFormat {
        delimiter: Some(';'),
        comment_prefix: ";".to_owned(),
        description_column: Some(Column::Index(1)),
        value_type: ValueType::Cidr,
        ..ListFormat::default()
    };
    let mapped = map_list(SPAMHAUS_DROP, &format, &context("spamhaus-drop"));
    assert_valid(&mapped);
    let indicators = by_name(&mapped);
    assert_eq!(
        indicators.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "192.0.2.0/24",
            "198.51.100.0/25",
            "2001:db8:4000::/34",
            "203.0.113.128/25",
            "203.0.113.7/32"
        ]
    );
    let block = &indicators["203.0.113.128/25"];
    assert_eq!(
        block["pattern"],
        "[ipv4-addr:value ISSUBSET '203.0.113.128/25']"
    );
    assert_eq!(block["description"], "SBL000103");
    assert_eq!(
        block["valid_from"], "2024-05-01T12:10:00.000Z",
        "no first-seen column: seen_at"
    );
    assert!(detects(
        block,
        json!({"type": "ipv4-addr", "value": "203.0.113.200"})
    ));
    assert!(!detects(
        block,
        json!({"type": "ipv4-addr", "value": "203.0.113.5"})
    ));
    let v6 = &indicators["2001:db8:4000::/34"];
    assert_eq!(
        v6["pattern"],
        "[ipv6-addr:value ISSUBSET '2001:db8:4000::/34']"
    );
    assert!(detects(
        v6,
        json!({"type": "ipv6-addr", "value": "2001:db8:7fff::1"})
    ));
    assert!(!detects(
        v6,
        json!({"type": "ipv6-addr", "value": "2001:db8:8000::1"})
    ));
    assert_eq!(
        problems(&mapped),
        [(
            line_of(SPAMHAUS_DROP, "300.0.0.0"),
            "'300.0.0.0/8' is not a CIDR block or an IP address".to_owned()
        )]
    );
}

const DOMAIN_BLOCKLIST: &str = "# Phishing domains, one per line
# Updated 2024-05-01

login-micros0ft.example
secure-paypa1[.]example   # defanged in the source
Login-Micros0ft.EXAMPLE.
wallet-verify(.)example
mail.bank-secure.example
this is not a domain
exa_mple
xn--pple-43d.example
login-micros0ft.example
";

#[test]
fn a_plain_domain_list_is_refanged_normalised_and_deduplicated() {
    let mapped = map_list(
        DOMAIN_BLOCKLIST,
        &ListFormat::default(),
        &context("phishing-domains"),
    );
    assert_valid(&mapped);
    let names: Vec<&str> = mapped
        .objects
        .iter()
        .filter_map(|object| object["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "login-micros0ft.example",
            "secure-paypa1.example",
            "wallet-verify.example",
            "mail.bank-secure.example",
            "xn--pple-43d.example"
        ]
    );
    let first = &mapped.objects[0];
    assert_eq!(
        first["pattern"],
        "[domain-name:value = 'login-micros0ft.example']"
    );
    assert!(
        first
            .get("valid_until")
            .is_some_and(|until| until == "2024-05-31T12:10:00.000Z")
    );
    assert!(detects(
        first,
        json!({"type": "domain-name", "value": "login-micros0ft.example"})
    ));
    assert_eq!(
        problems(&mapped),
        [
            (line_of(DOMAIN_BLOCKLIST, "this is not"), "'this' is not an IP address, CIDR block, domain, URL, e-mail address or MD5/SHA-1/SHA-256 hash".to_owned()),
            (line_of(DOMAIN_BLOCKLIST, "exa_mple"), "'exa_mple' is not an IP address, CIDR block, domain, URL, e-mail address or MD5/SHA-1/SHA-256 hash".to_owned()),
        ]
    );
}

const HASH_LIST: &str = "# Malware sample hashes (MD5, SHA-1, SHA-256), one per line
44D88612FEA8A8F36DE82E1278ABB02F
3395856ce81f2b7382dee72602f798b642f14140
275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f
44d88612fea8a8f36de82e1278abb02f
44d88612fea8a8f36de82e1278abb02
";

#[test]
fn a_hash_list_maps_each_hash_under_its_algorithm() {
    let mapped = map_list(HASH_LIST, &ListFormat::default(), &context("samples"));
    assert_valid(&mapped);
    let patterns: Vec<&str> = mapped
        .objects
        .iter()
        .filter_map(|object| object["pattern"].as_str())
        .collect();
    assert_eq!(
        patterns,
        [
            "[file:hashes.MD5 = '44d88612fea8a8f36de82e1278abb02f']",
            "[file:hashes.'SHA-1' = '3395856ce81f2b7382dee72602f798b642f14140']",
            "[file:hashes.'SHA-256' = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f']",
        ]
    );
    assert!(detects(
        &mapped.objects[2],
        json!({"type": "file", "hashes": {"SHA-256": "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"}})
    ));
    assert_eq!(problems(&mapped).len(), 1, "the 31-digit value");
    let short_line = HASH_LIST
        .lines()
        .position(|line| line == "44d88612fea8a8f36de82e1278abb02")
        .map(|index| format!("line {}", index + 1));
    assert_eq!(Some(mapped.problems[0].location.clone()), short_line);
}

const THREAT_CSV: &str = "indicator,kind,first_seen,last_seen,description
hxxps://login-micros0ft[.]example/owa,url,2024-04-29T08:00:00Z,2024-04-30T20:00:00+02:00,\"Phishing, credential harvesting\"
2001:0DB8:0000:0000:0000:0000:0000:0001,ipv6,2024-04-29 08:00,,C2 over IPv6
billing[@]invoice-portal.example,email,2024-04-28,,\"Sender of \"\"invoice\"\" lures\"
";

#[test]
fn a_csv_with_a_header_is_read_by_column_names() {
    let format: ListFormat = serde_json::from_value(json!({
        "kind": "csv",
        "has_header": true,
        "value_column": "indicator",
        "first_seen_column": "first_seen",
        "last_seen_column": "LAST_SEEN",
        "description_column": "description"
    }))
    .unwrap_or_else(|error| panic!("{error}"));
    let mapped = map_list(THREAT_CSV, &format, &context("partner-csv"));
    assert_valid(&mapped);
    assert_eq!(mapped.problems, []);
    let indicators = by_name(&mapped);
    let url = &indicators["https://login-micros0ft.example/owa"];
    assert_eq!(url["description"], "Phishing, credential harvesting");
    assert_eq!(
        url["valid_until"], "2024-04-30T18:00:00.000Z",
        "the offset is applied"
    );
    let address = &indicators["2001:db8::1"];
    assert_eq!(address["pattern"], "[ipv6-addr:value = '2001:db8::1']");
    assert_eq!(address["valid_from"], "2024-04-29T08:00:00.000Z");
    assert!(detects(
        address,
        json!({"type": "ipv6-addr", "value": "2001:db8::1"})
    ));
    let email = &indicators["billing@invoice-portal.example"];
    assert_eq!(
        email["pattern"],
        "[email-addr:value = 'billing@invoice-portal.example']"
    );
    assert_eq!(email["description"], "Sender of \"invoice\" lures");

    let missing_column = ListFormat {
        value_column: Column::Name("ioc".to_owned()),
        ..format.clone()
    };
    let refused = map_list(THREAT_CSV, &missing_column, &context("partner-csv"));
    assert!(refused.objects.is_empty());
    assert_eq!(refused.problems.len(), 1);
    assert_eq!(refused.problems[0].location, "line 1");
    assert!(
        refused.problems[0].message.contains("no column 'ioc'"),
        "{}",
        refused.problems[0]
    );

    let named_without_header = ListFormat {
        has_header: false,
        ..format
    };
    let refused = map_list(THREAT_CSV, &named_without_header, &context("partner-csv"));
    assert!(refused.objects.is_empty());
    assert_eq!(refused.problems[0].location, "format");
}

#[test]
fn formats_deserialise_with_defaults_and_refuse_unknown_fields() {
    let format: ListFormat = serde_json::from_value(
        json!({"kind": "csv", "delimiter": ";", "value_column": 3, "value_type": "sha256"}),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(format.kind, ListKind::Csv);
    assert_eq!(format.delimiter, Some(';'));
    assert_eq!(format.value_column, Column::Index(3));
    assert_eq!(format.value_type, ValueType::Sha256);
    assert_eq!(format.comment_prefix, "#");
    assert!(!format.has_header);
    let plain: ListFormat =
        serde_json::from_value(json!({})).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(plain, ListFormat::default());
    let unknown = serde_json::from_value::<ListFormat>(json!({"colum": 1}));
    assert!(unknown.is_err_and(|error| error.to_string().contains("unknown field `colum`")));
    let bad_type = serde_json::from_value::<ListFormat>(json!({"value_type": "hostname"}));
    assert!(bad_type.is_err());
}

#[test]
fn mapping_is_deterministic_and_ids_depend_on_the_source() {
    let first = map_list(FEODO_BLOCKLIST, &feodo_format(), &context("feodo"));
    let second = map_list(FEODO_BLOCKLIST, &feodo_format(), &context("feodo"));
    assert_eq!(first, second);
    let other_source = map_list(FEODO_BLOCKLIST, &feodo_format(), &context("feodo-mirror"));
    assert_eq!(other_source.objects.len(), first.objects.len());
    for (one, other) in first.objects.iter().zip(&other_source.objects) {
        assert_eq!(one["pattern"], other["pattern"]);
        assert_ne!(one["id"], other["id"]);
    }
}

#[test]
fn without_a_default_validity_there_is_no_end_and_bad_context_is_a_problem() {
    let open_ended = ListContext {
        default_valid_days: None,
        ..context("phishing-domains")
    };
    let mapped = map_list("evil.example\n", &ListFormat::default(), &open_ended);
    assert_eq!(mapped.objects.len(), 1);
    assert!(mapped.objects[0].get("valid_until").is_none());
    assert_eq!(mapped.objects[0]["modified"], mapped.objects[0]["created"]);

    let bad_time = ListContext {
        seen_at: "now",
        ..context("phishing-domains")
    };
    let mapped = map_list("evil.example\n", &ListFormat::default(), &bad_time);
    assert!(mapped.objects.is_empty());
    assert_eq!(mapped.problems[0].location, "context");
}

#[test]
fn a_list_read_with_the_wrong_format_stops_listing_problems() {
    let garbage: String = (0..MAX_LISTED_PROBLEMS + 500)
        .map(|index| format!("<tr><td>{index}</td></tr>\n"))
        .collect();
    let mapped = map_list(
        &garbage,
        &ListFormat::default(),
        &context("html-by-mistake"),
    );
    assert!(mapped.objects.is_empty());
    assert_eq!(mapped.problems.len(), MAX_LISTED_PROBLEMS + 1);
    let last = &mapped.problems[MAX_LISTED_PROBLEMS];
    assert_eq!(last.location, "list");
    assert!(last.message.starts_with("500 more lines"), "{last}");
}
