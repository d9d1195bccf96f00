//! Profile entries of each product kind: read, brought into one normal form, refused
//! with the rule they break, and held in the index.

use super::*;

fn asset(kind: AssetKind, value: &str) -> ProductAsset {
    ProductAsset::parse(kind, value).unwrap_or_else(|error| panic!("{value}: {error}"))
}

fn entry(kind: AssetKind, value: &str) -> String {
    asset(kind, value).entry().value
}

#[test]
fn names_are_normalised() {
    let cases = [
        ("Schneider Electric", "schneider_electric"),
        ("schneider-electric", "schneider_electric"),
        ("  Schneider   Electric ", "schneider_electric"),
        ("SIMATIC® S7-1500™", "simatic_s7_1500"),
        ("Kieback&Peter", "kieback&peter"),
        ("node.js", "node.js"),
        ("__x__", "x"),
    ];
    for (written, normal) in cases {
        assert_eq!(normalise_name(written), normal, "{written}");
    }
}

#[test]
fn one_asset_written_two_ways_is_one_entry() {
    let same = [
        (
            (
                AssetKind::Cpe,
                "cpe:/a:csaf-tools:cvrf-csaf-converter:1.0.0",
            ),
            (
                AssetKind::Cpe,
                "cpe:2.3:a:CSAF-Tools:cvrf-csaf-converter:1.0.0:*:*:*:*:*:*:*",
            ),
        ),
        (
            (AssetKind::Product, "Siemens:SIMATIC S7-1500:V2.9.4"),
            (AssetKind::Product, " siemens : simatic_s7_1500 :V2.9.4"),
        ),
        (
            (AssetKind::Product, "Example:Router:>=1.0,<2.0"),
            (AssetKind::Product, "example:router:vers:generic/>=1.0|<2.0"),
        ),
        (
            (AssetKind::Product, "example:router:*"),
            (AssetKind::Product, "example:router"),
        ),
        (
            (AssetKind::Purl, "pkg:PyPI/Django_REST@3.1"),
            (AssetKind::Purl, "pkg:pypi/django-rest@3.1"),
        ),
        (
            (
                AssetKind::Purl,
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar&classifier=x",
            ),
            (
                AssetKind::Purl,
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?classifier=x&type=jar",
            ),
        ),
    ];
    for ((kind, left), (other_kind, right)) in same {
        assert_eq!(
            asset(kind, left).entry(),
            asset(other_kind, right).entry(),
            "{left} = {right}"
        );
    }
    assert_eq!(
        entry(AssetKind::Product, "Siemens:SIMATIC S7-1500:V2.9.4"),
        "siemens:simatic_s7_1500:V2.9.4"
    );
    assert_eq!(
        entry(AssetKind::Product, "Example:Router:>=1.0,<2.0"),
        "example:router:vers:generic/>=1.0|<2.0"
    );
    assert_eq!(
        entry(
            AssetKind::Cpe,
            "cpe:/a:csaf-tools:cvrf-csaf-converter:1.0.0"
        ),
        "cpe:2.3:a:csaf-tools:cvrf-csaf-converter:1.0.0:*:*:*:*:*:*:*"
    );
    assert_eq!(
        entry(AssetKind::Purl, "pkg:PyPI/Django_REST@3.1"),
        "pkg:pypi/django-rest@3.1"
    );
}

#[test]
fn versions_are_exact_ranges_or_unknown() {
    assert_eq!(
        asset(AssetKind::Product, "a:b").version(),
        &AssetVersion::Unknown
    );
    assert_eq!(
        asset(AssetKind::Product, "a:b:").version(),
        &AssetVersion::Unknown
    );
    assert!(
        matches!(asset(AssetKind::Product, "cisco:ios:15.2(4)M3").version(), AssetVersion::Exact(version) if version.as_str() == "15.2(4)M3")
    );
    assert!(matches!(
        asset(AssetKind::Product, "a:b:<2.0").version(),
        AssetVersion::Range(_)
    ));
    assert_eq!(
        asset(AssetKind::Cpe, "cpe:2.3:a:v:p:*:*:*:*:*:*:*:*").version(),
        &AssetVersion::Unknown
    );
    assert_eq!(
        asset(AssetKind::Cpe, "cpe:2.3:a:v:p:1.*:*:*:*:*:*:*:*").version(),
        &AssetVersion::Unknown
    );
    assert!(
        asset(AssetKind::Cpe, "cpe:2.3:a:v:p:1.2:*:*:*:*:*:*:*")
            .exact_version()
            .is_some()
    );
    assert_eq!(
        asset(AssetKind::Purl, "pkg:npm/lodash").version(),
        &AssetVersion::Unknown
    );
    assert!(
        asset(AssetKind::Purl, "pkg:npm/lodash@4.17.20")
            .exact_version()
            .is_some()
    );
    assert_eq!(
        asset(
            AssetKind::Cpe,
            "cpe:2.3:o:microsoft:windows_10:10.0.19045.3803:*:*:*:*:*:*:*"
        )
        .name_key(),
        Some(("microsoft".to_owned(), "windows_10".to_owned()))
    );
}

#[test]
fn malformed_entries_say_which_rule_failed() {
    let cases = [
        (
            AssetKind::Cpe,
            "cpe:2.3:a:vendor:product:1.0",
            "11 components expected after cpe:2.3, found 4",
        ),
        (
            AssetKind::Cpe,
            "cpe:2.3:a:*:product:1.0:*:*:*:*:*:*:*",
            "a profile's CPE must name its vendor and product; component 2 (vendor) is ANY (*)",
        ),
        (
            AssetKind::Cpe,
            "cpe:2.3:a:vendor:prod*:1.0:*:*:*:*:*:*:*",
            "component 3 (product) is a pattern with wildcards",
        ),
        (
            AssetKind::Purl,
            "npm/lodash@1.0",
            "'npm/lodash@1.0' is not a package URL: it does not start with pkg:",
        ),
        (AssetKind::Purl, "pkg:npm", "'pkg:npm' is not a package URL"),
        (
            AssetKind::Purl,
            "pkg:bad type/x@1",
            "'pkg:bad type/x@1' is not a package URL: invalid type",
        ),
        (
            AssetKind::Purl,
            "pkg:npm/lodash@latest",
            "the version 'latest' has no digit to compare by",
        ),
        (
            AssetKind::Product,
            "siemens",
            "'siemens' is not vendor:product[:version]: it has no ':' between vendor and product",
        ),
        (AssetKind::Product, ":s7", "the vendor is empty"),
        (AssetKind::Product, "siemens: ™ ", "the product is empty"),
        (
            AssetKind::Product,
            "siemens:s7:latest",
            "'latest' is not a version",
        ),
        (
            AssetKind::Product,
            "siemens:s7:>=latest",
            "version range '>=latest': 'latest' is not a version",
        ),
        (
            AssetKind::Domain,
            "example.nl",
            "a domain entry names what an organisation owns",
        ),
    ];
    for (kind, value, expected) in cases {
        let message = ProductAsset::parse(kind, value)
            .expect_err(value)
            .to_string();
        assert!(
            message.contains(expected),
            "{value}: got {message:?}, expected {expected:?}"
        );
    }
}

#[test]
fn the_index_holds_each_entry_once_and_forgets_an_organisation() {
    let mut index = ProductIndex::new();
    let router = asset(AssetKind::Product, "example:router:1.2");
    let router_again = asset(AssetKind::Product, "Example:Router:1.2");
    let library = asset(AssetKind::Purl, "pkg:npm/lodash@4.17.20");
    assert!(index.is_empty());
    assert!(index.insert("gemeente-a", &router));
    assert!(
        !index.insert("gemeente-a", &router_again),
        "the same entry written twice"
    );
    assert!(index.insert("gemeente-a", &library));
    assert!(index.insert("waterschap-b", &router));
    assert_eq!(index.len(), 3);
    assert_eq!(index.organisation_count(), 2);
    assert_eq!(index.holders_of_name("example", "router").len(), 2);
    assert_eq!(index.holders_of_package("npm", None, "lodash").len(), 1);
    assert_eq!(index.remove_organisation("gemeente-a"), 2);
    assert_eq!(index.remove_organisation("gemeente-a"), 0);
    assert_eq!(index.remove_organisation("nobody"), 0);
    assert_eq!(index.len(), 1);
    assert_eq!(index.organisation_count(), 1);
    let holders = index.holders_of_name("example", "router");
    assert_eq!(holders.len(), 1);
    assert_eq!(
        index.organisation_name(holders[0].organisation),
        "waterschap-b"
    );
    assert!(index.holders_of_package("npm", None, "lodash").is_empty());
    assert!(
        index.insert("gemeente-a", &library),
        "an organisation can be loaded anew"
    );
    assert_eq!(index.len(), 2);
}
