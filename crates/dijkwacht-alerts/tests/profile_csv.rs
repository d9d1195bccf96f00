//! Reading profile CSV files: the header rules, every bad row reported with its line,
//! kind, value and rule, repeated entries kept once, the limit, and a profile of
//! 100,000 entries read and indexed.

use std::fmt::Write as _;
use std::net::IpAddr;

use dijkwacht_alerts::network::NetworkIndex;
use dijkwacht_alerts::profile::AssetKind;
use dijkwacht_alerts::profile_csv::{
    CsvRule, ProfileCsv, ProfileCsvError, read_profile_csv, read_profile_csv_limited,
};

fn read(text: &str) -> ProfileCsv {
    read_profile_csv(text.as_bytes()).unwrap_or_else(|error| panic!("{error}"))
}

/// `line kind value` of each network entry, in normal form.
fn network_lines(profile: &ProfileCsv) -> Vec<String> {
    profile
        .network
        .iter()
        .map(|entry| format!("{} {}", entry.line, entry.asset.entry()))
        .collect()
}

#[test]
fn a_good_file_gives_its_entries_in_normal_form() {
    let profile = read(
        "\u{feff}Kind,VALUE,note\n\
         cidr,198.51.100.7/24,office\n\
         \n\
         asn,as64500,\n\
         domain, Example.NL. ,main site\n\
         email-domain,example.nl,\n\
         \"domain\",\"münchen.de\",\"with, a comma\"\n\
         cpe,cpe:2.3:a:example:router:1.2:*:*:*:*:*:*:*,edge router\n\
         PURL,pkg:npm/lodash@4.17.20\n\
         ,,\n",
    );
    assert_eq!(
        network_lines(&profile),
        [
            "2 cidr 198.51.100.0/24",
            "4 asn AS64500",
            "5 domain example.nl",
            "6 email-domain example.nl",
            "7 domain xn--mnchen-3ya.de",
        ]
    );
    assert_eq!(
        profile.network[0].written, "198.51.100.7/24",
        "the row as written"
    );
    let products: Vec<(u64, AssetKind, &str)> = profile
        .products
        .iter()
        .map(|line| (line.line, line.kind, line.value.as_str()))
        .collect();
    assert_eq!(
        products,
        [
            (
                8,
                AssetKind::Cpe,
                "cpe:2.3:a:example:router:1.2:*:*:*:*:*:*:*"
            ),
            (9, AssetKind::Purl, "pkg:npm/lodash@4.17.20"),
        ]
    );
    assert!(profile.problems.is_empty(), "{:?}", profile.problems);
}

#[test]
fn columns_may_come_in_any_order() {
    let profile = read("note,value,kind\nfirst,198.51.100.0/24,cidr\n");
    assert_eq!(network_lines(&profile), ["2 cidr 198.51.100.0/24"]);
}

#[test]
fn every_bad_row_is_reported_with_its_line_kind_value_and_rule() {
    let profile = read(
        "kind,value\n\
         cidr,10.0.0.0/33\n\
         cidr,300.1.1.1\n\
         domain,nl\n\
         domain,bad..example\n\
         asn,0\n\
         router,192.0.2.1\n\
         cidr,\n\
         cidr,198.51.100.0/24\n\
         asn\n",
    );
    let reported: Vec<String> = profile.problems.iter().map(ToString::to_string).collect();
    let expected_pieces: &[(&str, &str)] = &[
        (
            "line 2: kind 'cidr', value '10.0.0.0/33'",
            "at most 32 bits",
        ),
        (
            "line 3: kind 'cidr', value '300.1.1.1'",
            "not an IPv4 or IPv6 address",
        ),
        (
            "line 4: kind 'domain', value 'nl'",
            "whole top-level domain",
        ),
        (
            "line 5: kind 'domain', value 'bad..example'",
            "label is empty",
        ),
        ("line 6: kind 'asn', value '0'", "out of range"),
        (
            "line 7: kind 'router', value '192.0.2.1'",
            "not a kind of asset",
        ),
        ("line 8: kind 'cidr', value ''", "the value is empty"),
        ("line 10: kind 'asn', value ''", "the row has 1 columns"),
    ];
    assert_eq!(reported.len(), expected_pieces.len(), "{reported:#?}");
    for (message, (start, rule)) in reported.iter().zip(expected_pieces) {
        assert!(
            message.starts_with(start),
            "{message} should start with {start}"
        );
        assert!(message.contains(rule), "{message} should name {rule}");
    }
    assert!(matches!(profile.problems[5].rule, CsvRule::UnknownKind(_)));
    assert!(matches!(profile.problems[6].rule, CsvRule::EmptyValue));
    assert!(matches!(profile.problems[0].rule, CsvRule::Network(_)));
    assert_eq!(network_lines(&profile), ["9 cidr 198.51.100.0/24"]);
}

#[test]
fn the_same_entry_twice_is_one_entry() {
    let profile = read(
        "kind,value\n\
         domain,example.nl\n\
         domain,EXAMPLE.nl.\n\
         cidr,198.51.100.0/24\n\
         cidr,198.51.100.99/24\n\
         email-domain,example.nl\n\
         purl,pkg:npm/lodash@4.17.20\n\
         purl, pkg:npm/lodash@4.17.20 \n",
    );
    assert_eq!(
        network_lines(&profile),
        [
            "2 domain example.nl",
            "4 cidr 198.51.100.0/24",
            "6 email-domain example.nl"
        ]
    );
    assert_eq!(profile.products.len(), 1);
    assert_eq!(profile.repeated, 3);
}

#[test]
fn files_without_the_needed_header_are_refused_whole() {
    let error = |text: &str| read_profile_csv(text.as_bytes()).expect_err("refused");
    assert!(matches!(error(""), ProfileCsvError::Empty));
    assert!(matches!(error("\n\n"), ProfileCsvError::Empty));
    let missing = error("kind,note\ncidr,x\n");
    assert!(matches!(
        missing,
        ProfileCsvError::MissingColumn {
            column: "value",
            line: 1
        }
    ));
    assert!(
        missing.to_string().contains("no 'value' column"),
        "{missing}"
    );
    let missing = error("type,value\ncidr,198.51.100.0/24\n");
    assert!(matches!(
        missing,
        ProfileCsvError::MissingColumn { column: "kind", .. }
    ));
    // A file that starts with data has no header.
    assert!(matches!(
        error("cidr,198.51.100.0/24\n"),
        ProfileCsvError::MissingColumn { .. }
    ));
}

#[test]
fn rows_that_are_not_utf8_are_reported_and_the_rest_read() {
    let mut bytes = b"kind,value\ndomain,caf\xe9.example\ndomain,example.nl\n".to_vec();
    let profile = read_profile_csv(bytes.as_slice()).expect("a readable file");
    assert_eq!(profile.problems.len(), 1);
    assert_eq!(profile.problems[0].line, 2);
    assert!(matches!(profile.problems[0].rule, CsvRule::NotUtf8));
    assert_eq!(network_lines(&profile), ["3 domain example.nl"]);
    bytes.splice(0..0, b"\xff".iter().copied());
    assert!(matches!(
        read_profile_csv(bytes.as_slice()),
        Err(ProfileCsvError::HeaderNotUtf8 { line: 1 })
    ));
}

#[test]
fn a_file_over_the_limit_is_refused_with_the_limit() {
    let text = "kind,value\ncidr,198.51.100.1\ncidr,198.51.100.2\ncidr,198.51.100.3\n";
    let read_with = |limit| read_profile_csv_limited(text.as_bytes(), limit);
    assert_eq!(read_with(3).expect("within the limit").network.len(), 3);
    let error = read_with(2).expect_err("over the limit");
    assert!(matches!(
        error,
        ProfileCsvError::TooManyEntries { line: 4, limit: 2 }
    ));
    assert!(error.to_string().contains("split it"), "{error}");
}

/// One organisation (a large network operator) with 100,000 entries: 60,000 /29
/// ranges, 20,000 single IPv6 addresses, 20,000 domains.
#[test]
fn a_profile_of_100000_entries_is_read_and_indexed() {
    let mut text = String::from("kind,value,note\n");
    for number in 0u32..60_000 {
        let first = u32::from_be_bytes([100, 64, 0, 0]) + number * 8;
        let [a, b, c, d] = first.to_be_bytes();
        let _ = writeln!(text, "cidr,{a}.{b}.{c}.{d}/29,customer {number}");
    }
    for number in 0u32..20_000 {
        let _ = writeln!(text, "cidr,2001:db8:{:x}::1,", number);
    }
    for number in 0u32..20_000 {
        let _ = writeln!(text, "domain,customer-{number}.example,");
    }
    let profile = read(&text);
    assert!(profile.problems.is_empty(), "{:?}", &profile.problems[..3]);
    assert_eq!(profile.network.len(), 100_000);

    let mut index = NetworkIndex::new();
    for entry in &profile.network {
        assert!(index.insert("big-operator", &entry.asset));
    }
    assert_eq!(index.len(), 100_000);
    // The last /29 starts 59,999 × 8 = 479,992 addresses after 100.64.0.0.
    let last_range_end: IpAddr = "100.71.82.255".parse().expect("an address");
    let hits = index.lookup_address(last_range_end);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].asset.entry().value, "100.71.82.248/29");
    assert!(
        index
            .lookup_address("100.71.84.0".parse().expect("an address"))
            .is_empty()
    );
    let listed = index.lookup_network("100.64.0.0/16".parse().expect("a network"));
    assert_eq!(listed.len(), 8192, "every /29 of the /16 is named once");
    assert_eq!(index.lookup_domain("www.customer-19999.example").len(), 1);
    assert!(index.lookup_domain("customer-20000.example").is_empty());
    assert_eq!(index.remove_organisation("big-operator"), 100_000);
    assert!(index.is_empty());
}

#[test]
fn line_numbers_count_blank_lines_and_lines_inside_quotes() {
    let crlf = read("kind,value\r\n\r\n\r\ncidr,300.1.1.1\r\n");
    assert_eq!(crlf.problems[0].line, 4);
    let quoted = read("kind,value,note\ncidr,198.51.100.0/24,\"two\nlines\"\n\n  \ncidr,bad\n");
    assert_eq!(network_lines(&quoted), ["2 cidr 198.51.100.0/24"]);
    assert_eq!(quoted.problems.len(), 1);
    assert_eq!(quoted.problems[0].line, 6);
    let header_after_blank_lines = read("\n\nkind,value\ncidr,bad\n");
    assert_eq!(header_after_blank_lines.problems[0].line, 4);
}
