//! CPE names from NIST IR 7695's and 7696's examples and from real advisories, read in
//! both bindings, written back, matched, and refused with the rule they break.

use super::*;

fn cpe(text: &str) -> CpeName {
    CpeName::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"))
}

#[test]
fn both_bindings_read_into_one_name() {
    let pairs = [
        (
            "cpe:/a:microsoft:internet_explorer:8.0.6001:beta",
            "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
        ),
        (
            "cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~",
            "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:*:*:*:online:win2003:x64:*",
        ),
        (
            "cpe:/a:foo%5cbar:big%24money_2010",
            "cpe:2.3:a:foo\\\\bar:big\\$money_2010:*:*:*:*:*:*:*:*",
        ),
        (
            "cpe:/a:csaf-tools:cvrf-csaf-converter:1.0.0-alpha",
            "cpe:2.3:a:csaf-tools:cvrf-csaf-converter:1.0.0-alpha:*:*:*:*:*:*:*",
        ),
        (
            "cpe:/o:redhat:rhel_aus:7.6::server",
            "cpe:2.3:o:redhat:rhel_aus:7.6:*:server:*:*:*:*:*",
        ),
        (
            "CPE:/A:Microsoft:Windows_10:-",
            "cpe:2.3:a:microsoft:windows_10:-:*:*:*:*:*:*:*",
        ),
        (
            "cpe:/a:vendor:product:1.%02",
            "cpe:2.3:a:vendor:product:1.*:*:*:*:*:*:*:*",
        ),
    ];
    for (uri, formatted) in pairs {
        assert_eq!(cpe(uri), cpe(formatted), "{uri} = {formatted}");
        assert_eq!(cpe(uri).to_string(), formatted, "{uri} written back");
        assert_eq!(
            cpe(formatted).to_string(),
            formatted,
            "{formatted} round trip"
        );
    }
}

#[test]
fn values_are_any_na_or_text_without_case() {
    let name = cpe("cpe:2.3:a:Microsoft:Internet_Explorer:8.0.6001:-:*:*:*:*:*:*");
    assert_eq!(name.vendor().literal(), Some("microsoft"));
    assert_eq!(name.product().literal(), Some("internet_explorer"));
    assert_eq!(name.get(CpeAttribute::Update), &CpeValue::Na);
    assert_eq!(name.get(CpeAttribute::Edition), &CpeValue::Any);
    let wild = cpe("cpe:2.3:a:microsoft:internet_explorer:8.*:sp??:*:*:*:*:*:*");
    assert_eq!(
        wild.version(),
        &CpeValue::Text(CpeText {
            leading: Wildcard::None,
            literal: "8.".into(),
            trailing: Wildcard::Star
        })
    );
    assert_eq!(wild.version().literal(), None);
    let quoted = cpe("cpe:2.3:a:vendor:product\\*:1.0:*:*:*:*:*:*:*");
    assert_eq!(quoted.product().literal(), Some("product*"));
    assert_eq!(
        quoted.to_string(),
        "cpe:2.3:a:vendor:product\\*:1.0:*:*:*:*:*:*:*"
    );
}

#[test]
fn malformed_names_say_which_component_and_rule() {
    let cases = [
        (
            "cpe:2.3:a:vendor:product:1.0:*:*:*:*:*",
            "11 components expected after cpe:2.3, found 9",
        ),
        (
            "cpe:2.3:a:vendor:a:b:1.0:*:*:*:*:*:*:*",
            "found 12 (a ':' inside a value must be quoted as '\\:')",
        ),
        (
            "cpe:2.3:a:ven dor:product:1.0:*:*:*:*:*:*:*",
            "component 2 (vendor) 'ven dor' has a space; CPE names write spaces as '_'",
        ),
        (
            "cpe:2.3:a:vendor:big$money:1.0:*:*:*:*:*:*:*",
            "component 3 (product) 'big$money' has an unquoted '$'; quote it as '\\$'",
        ),
        (
            "cpe:2.3:a:vendor:pro*duct:1.0:*:*:*:*:*:*:*",
            "component 3 (product) 'pro*duct' has an unquoted '*' inside it",
        ),
        (
            "cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:x\\",
            "component 11 (other) 'x\\' ends in a lone '\\'",
        ),
        (
            "cpe:2.3:x:vendor:product:1.0:*:*:*:*:*:*:*",
            "component 1 (part) 'x' must be a (application), o (operating system) or h (hardware)",
        ),
        (
            "cpe:2.3:a::product:1.0:*:*:*:*:*:*:*",
            "component 2 (vendor) '' is empty; write * for any value or - for not applicable",
        ),
        (
            "cpe:2.3:a:vendor:*?:1.0:*:*:*:*:*:*:*",
            "component 3 (product) '*?' is only wildcards",
        ),
        (
            "cpe:2.3:a:vendor:**x:1.0:*:*:*:*:*:*:*",
            "component 3 (product) '**x' mixes '*' and '?' or repeats '*'",
        ),
        (
            "cpe:2.3:a:vendör:product:1.0:*:*:*:*:*:*:*",
            "component 2 (vendor) 'vendör' has 'ö', which is not printable ASCII",
        ),
        (
            "cpe:/a:vendor:product:1.0:sp1:pro:en:extra",
            "at most 7 components expected after cpe:/, found 8",
        ),
        (
            "cpe:/a:vendor:pro+duct",
            "component 3 (product) 'pro+duct' has '+', which a CPE 2.2 URI writes percent-encoded",
        ),
        (
            "cpe:/a:vendor:product:1.0%zz",
            "component 4 (version) '1.0%zz' has '%zz', which is not a percent-encoded byte",
        ),
        (
            "cpe:/a:vendor:product:1.0::~pro~x",
            "component 6 (edition) '~pro~x' is packed with '~' but does not hold the five parts",
        ),
        (
            "cpe:/a:vendor:pro%02duct",
            "component 3 (product) 'pro%02duct' has an unquoted '*' inside it",
        ),
        (
            "cpe:a:vendor:product",
            "'cpe:a:vendor:product' is not a CPE name",
        ),
        ("pkg:npm/lodash", "'pkg:npm/lodash' is not a CPE name"),
    ];
    for (text, expected) in cases {
        let message = CpeName::parse(text).expect_err(text).to_string();
        assert!(
            message.contains(expected),
            "{text}: got {message:?}, expected {expected:?}"
        );
    }
}

#[test]
fn attribute_relations_follow_nist_ir_7696() {
    use AttributeRelation::*;
    let value = |text: &str| -> CpeValue {
        let name = cpe(&format!("cpe:2.3:a:v:p:{text}:*:*:*:*:*:*:*"));
        name.version().clone()
    };
    let cases = [
        ("*", "*", Equal),
        ("*", "-", Superset),
        ("*", "1.0", Superset),
        ("-", "*", Subset),
        ("-", "-", Equal),
        ("-", "1.0", Disjoint),
        ("1.0", "*", Subset),
        ("1.0", "-", Disjoint),
        ("1.0", "1.0", Equal),
        ("1.0", "1.1", Disjoint),
        ("1.*", "1.0.3", Superset),
        ("1.*", "2.0", Disjoint),
        ("*.0", "1.0", Superset),
        ("1.?", "1.5", Superset),
        ("1.?", "1.", Superset),
        ("1.?", "1.55", Disjoint),
        ("??.0", "10.0", Superset),
        ("??.0", "100.0", Disjoint),
        ("1.0", "1.*", Undefined),
        ("*", "1.*", Undefined),
    ];
    for (source, target, expected) in cases {
        assert_eq!(
            matching::compare_values(&value(source), &value(target)),
            expected,
            "{source} vs {target}"
        );
    }
}

#[test]
fn names_relate_as_a_whole() {
    let source = cpe("cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*");
    let target = cpe("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:sp1:*:*:*:*:*:*");
    assert_eq!(source.compare(&target), NameRelation::Superset);
    assert_eq!(target.compare(&target), NameRelation::Equal);
    let other_vendor = cpe("cpe:2.3:a:mozilla:internet_explorer:8.0.6001:sp1:*:*:*:*:*:*");
    assert_eq!(source.compare(&other_vendor), NameRelation::Disjoint);
    let general = cpe("cpe:2.3:a:microsoft:internet_explorer:*:*:*:*:*:*:*:*");
    assert_eq!(target.compare(&general), NameRelation::Subset);
    assert_eq!(general.compare(&target), NameRelation::Superset);
    let mixed = cpe("cpe:2.3:a:microsoft:internet_explorer:*:sp2:*:*:*:*:*:*");
    assert_eq!(
        mixed.compare(&cpe(
            "cpe:2.3:a:microsoft:internet_explorer:8.0:*:*:*:*:*:*:*"
        )),
        NameRelation::Undecided
    );
    let wildcard_target = cpe("cpe:2.3:a:microsoft:internet_explorer:8.*:*:*:*:*:*:*:*");
    assert_eq!(general.compare(&wildcard_target), NameRelation::Undecided);
}
