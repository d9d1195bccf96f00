//! Product entries through the public API: malformed CPEs and package URLs refused with
//! errors a member can act on, versions compared as vendors write them, and an index of
//! 100,000 entries built, matched against a real advisory with a known answer, and
//! trimmed.

use dijkwacht_alerts::matched::MatchRule;
use dijkwacht_alerts::product::{ProductAsset, ProductIndex};
use dijkwacht_alerts::profile::AssetKind;
use dijkwacht_alerts::version::{Version, VersionRange};

use super::support::{csaf_advisory, shared_data};

#[test]
fn malformed_cpes_and_package_urls_get_errors_that_say_what_to_fix() {
    let cases = [
        (
            AssetKind::Cpe,
            "cpe:2.3:a:microsoft:windows_10",
            "11 components expected after cpe:2.3, found 3",
        ),
        (
            AssetKind::Cpe,
            "cpe:2.3:a:micro soft:windows:10:*:*:*:*:*:*:*",
            "component 2 (vendor) 'micro soft' has a space",
        ),
        (
            AssetKind::Cpe,
            "cpe:2.3:a:microsoft:win*dows:10:*:*:*:*:*:*:*",
            "component 3 (product) 'win*dows' has an unquoted '*' inside it",
        ),
        (
            AssetKind::Cpe,
            "cpe:2.3:q:microsoft:windows:10:*:*:*:*:*:*:*",
            "component 1 (part) 'q' must be a (application), o (operating system) or h (hardware)",
        ),
        (
            AssetKind::Cpe,
            "cpe:/a:microsoft:windows:10:sp1:pro:nl:x",
            "at most 7 components expected after cpe:/, found 8",
        ),
        (
            AssetKind::Cpe,
            "cpe:2.3:a:-:windows:10:*:*:*:*:*:*:*",
            "component 2 (vendor) is NA (-)",
        ),
        (
            AssetKind::Cpe,
            "windows 10",
            "'windows 10' is not a CPE name",
        ),
        (AssetKind::Purl, "pkg:/lodash@1.0", "is not a package URL"),
        (
            AssetKind::Purl,
            "pkg:composer/laravel@10.0",
            "'pkg:composer/laravel@10.0' is not a package URL: namespace required for type \"composer\"",
        ),
        (
            AssetKind::Purl,
            "https://npmjs.com/lodash",
            "it does not start with pkg:",
        ),
        (
            AssetKind::Product,
            "log4j",
            "it has no ':' between vendor and product",
        ),
        (
            AssetKind::Product,
            "apache:log4j:>=2.0,<",
            "version range '>=2.0,<'",
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
fn tricky_versions_compare_as_vendors_mean_them() {
    let version = |text: &str| Version::parse(text).unwrap_or_else(|error| panic!("{error}"));
    assert!(version("1.10") > version("1.9"));
    assert!(version("2.0.0-rc1") < version("2.0.0"));
    assert!(
        version("2.0.0-alpha") < version("2.0.0-beta")
            && version("2.0.0-beta") < version("2.0.0-rc1")
    );
    assert!(version("15.2(4)M3") < version("15.2(4)M10"));
    assert!(version("7.2(1)SU3") > version("7.2(1)SU2"));
    assert!(version("10.0.19045.3803") > version("10.0.19044.4000"));
    assert!(version("R81.20") > version("R81.10"));
    assert_eq!(version("v1.2"), version("V1.2.0"));
    assert!(version("V3.1 SP2") > version("V3.1") && version("V3.1 SP2") < version("V3.2"));
    assert!(version("V2.3.1") < version("V2.10"));
    let range =
        VersionRange::parse("vers:generic/>=1.9|<1.10").unwrap_or_else(|error| panic!("{error}"));
    assert!(range.contains(&version("1.9.5")) && !range.contains(&version("1.10")));
}

/// A fixed-seed generator (64-bit LCG, Knuth's constants), so the profiles are the same
/// in every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % bound as u64) as usize
    }
}

/// Data Center Expert versions members run, and whether ICSA-24-289-02 (<=8.1.1.3
/// affected, 8.2 fixed) affects each — decided here by hand, not by the matcher.
const DATA_CENTER_EXPERT: [(&str, bool); 6] = [
    ("8.1.1.3", true),
    ("8.1.1.2", true),
    ("7.2", true),
    ("8.1.1.4", false),
    ("8.2", false),
    ("8.2.1", false),
];

const UNRELATED: [&str; 8] = [
    "microsoft:windows:10.0.19045.3803",
    "microsoft:exchange_server:15.2.1118",
    "siemens:simatic_s7_1500:V2.9.4",
    "fortinet:fortios:7.2.5",
    "cisco:ios:15.2(4)M3",
    "schneider_electric:ecostruxure_it_gateway:1.20",
    "apache:http_server:2.4.58",
    "rockwell_automation:controllogix_5580:V34.011",
];

#[test]
fn one_hundred_thousand_entries_are_indexed_and_matched() {
    let Some(data) = shared_data() else { return };
    let advisory = csaf_advisory(&data, "cisa-csaf/OT/white/2024/icsa-24-289-02.json");

    let mut generator = Lcg(2026);
    let mut index = ProductIndex::new();
    let mut expected: Vec<(String, bool)> = Vec::new();
    let organisations = 20_000;
    for number in 0..organisations {
        let organisation = format!("org-{number:05}");
        for slot in 0..5 {
            let value = if slot == 0 && generator.next(40) == 0 {
                let (version, affected) =
                    DATA_CENTER_EXPERT[generator.next(DATA_CENTER_EXPERT.len())];
                expected.push((organisation.clone(), affected));
                format!("Schneider Electric:Data Center Expert:{version}")
            } else if slot == 0 && generator.next(200) == 0 {
                expected.push((organisation.clone(), true));
                "schneider-electric:data-center-expert".to_owned()
            } else {
                UNRELATED[(number + slot) % UNRELATED.len()]
                    .replace(".3803", &format!(".{}", 3000 + slot))
            };
            let asset = ProductAsset::parse(AssetKind::Product, &value)
                .unwrap_or_else(|error| panic!("{value}: {error}"));
            assert!(
                index.insert(&organisation, &asset),
                "{organisation} {value}"
            );
        }
    }
    assert_eq!(index.len(), 100_000);
    assert_eq!(index.organisation_count(), organisations);

    let matches = advisory.match_products(&index);
    let mut affected: Vec<&str> = expected
        .iter()
        .filter(|(_, affected)| *affected)
        .map(|(name, _)| name.as_str())
        .collect();
    affected.sort_unstable();
    assert!(
        affected.len() > 300,
        "the generator gives a few hundred affected members: {}",
        affected.len()
    );
    let found: Vec<&str> = matches
        .iter()
        .map(|found| found.matched.organisation.as_str())
        .collect();
    assert_eq!(found, affected);
    assert!(
        matches
            .iter()
            .all(|found| found.matched.rule == MatchRule::CsafProductAffected)
    );
    assert_eq!(
        matches,
        advisory.match_products(&index),
        "the same answer every time"
    );

    let removed: Vec<&str> = affected.iter().step_by(2).copied().collect();
    for organisation in &removed {
        assert_eq!(index.remove_organisation(organisation), 5);
    }
    assert_eq!(index.len(), 100_000 - 5 * removed.len());
    let remaining: Vec<&str> = affected.iter().skip(1).step_by(2).copied().collect();
    let found_after: Vec<String> = advisory
        .match_products(&index)
        .into_iter()
        .map(|found| found.matched.organisation)
        .collect();
    assert_eq!(found_after, remaining);
}

#[test]
fn insertion_order_does_not_change_the_answer() {
    let Some(data) = shared_data() else { return };
    let advisory = csaf_advisory(&data, "cisa-csaf/OT/white/2024/icsa-24-291-05.json");
    let entries = [
        ("b", "Kieback&Peter:DDC4002:1.12.14"),
        ("a", "kieback&peter:ddc4002e:1.17.6"),
        ("c", "kieback&peter:ddc4100:1.7.5"),
        ("a", "kieback&peter:ddc4200-L"),
        ("d", "kieback&peter:DDC4040e:1.17.7"),
    ];
    let build = |order: &mut dyn Iterator<Item = &(&str, &str)>| {
        let mut index = ProductIndex::new();
        for (organisation, value) in order {
            let asset = ProductAsset::parse(AssetKind::Product, value)
                .unwrap_or_else(|error| panic!("{error}"));
            index.insert(organisation, &asset);
        }
        advisory.match_products(&index)
    };
    let forward = build(&mut entries.iter());
    let backward = build(&mut entries.iter().rev());
    assert_eq!(forward, backward);
    let who: Vec<(&str, &str)> = forward
        .iter()
        .map(|found| {
            (
                found.matched.organisation.as_str(),
                found.matched.asset.value.as_str(),
            )
        })
        .collect();
    assert_eq!(
        who,
        [
            ("a", "kieback&peter:ddc4002e:1.17.6"),
            ("a", "kieback&peter:ddc4200_l"),
            ("b", "kieback&peter:ddc4002:1.12.14"),
        ]
    );
}
