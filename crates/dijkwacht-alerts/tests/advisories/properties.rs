//! Properties over arbitrary text: the readers of versions, ranges, CPE names and
//! profile entries never panic, and version comparison is a total order.

use dijkwacht_alerts::cpe::CpeName;
use dijkwacht_alerts::product::ProductAsset;
use dijkwacht_alerts::profile::AssetKind;
use dijkwacht_alerts::version::{Version, VersionRange};
use proptest::prelude::*;

/// Text shaped like versions: digits, letters, separators, comparators.
fn versionish() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[vVrR]?[0-9a-zA-Z.()_ |<>=!,*-]{0,16}")
        .expect("a valid pattern")
}

fn version_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex(
        "[vV]?[0-9]{1,3}([.-][0-9a-z]{1,4}){0,4}( ?(sp|rc|alpha|beta|SU|M)[0-9]{0,2})?",
    )
    .expect("a valid pattern")
}

proptest! {
    #[test]
    fn readers_never_panic(text in any::<String>(), shaped in versionish()) {
        for input in [&text, &shaped] {
            let _ = Version::parse(input);
            let _ = VersionRange::parse(input);
            let _ = CpeName::parse(input);
            let _ = CpeName::parse(&format!("cpe:2.3:{input}"));
            let _ = CpeName::parse(&format!("cpe:/{input}"));
            for kind in [AssetKind::Cpe, AssetKind::Purl, AssetKind::Product] {
                let _ = ProductAsset::parse(kind, input);
                let _ = ProductAsset::parse(kind, &format!("vendor:product:{input}"));
            }
        }
    }

    #[test]
    fn version_order_is_total(a in version_text(), b in version_text(), c in version_text()) {
        let (Ok(a), Ok(b), Ok(c)) = (Version::parse(&a), Version::parse(&b), Version::parse(&c)) else {
            return Ok(());
        };
        prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
        prop_assert_eq!(a == b, a.cmp(&b).is_eq());
        if a <= b && b <= c {
            prop_assert!(a <= c, "{} <= {} <= {}", a, b, c);
        }
    }

    #[test]
    fn a_range_holds_its_own_bounds_as_it_says(low in version_text(), high in version_text()) {
        let (Ok(low), Ok(high)) = (Version::parse(&low), Version::parse(&high)) else {
            return Ok(());
        };
        prop_assume!(low < high);
        let range = VersionRange::parse(&format!(">={low}|<{high}")).expect("two versions make a range");
        prop_assert!(range.contains(&low));
        prop_assert!(!range.contains(&high));
    }
}
