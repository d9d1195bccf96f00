//! Asset profiles: entries added, replaced and removed with honest counts; a revision
//! that moves only when the profile does, from one counter, so the matcher learns
//! exactly which profiles to rematch; and every profile read a page at a time.

use dijkwacht_store::StoreError;
use dijkwacht_store::alerts::{Alerts, AssetChange, ProfileEntry, ProfileRevision};
use dijkwacht_store::directory::Directory;

use super::{DAIRY, WATER, members};

fn entries(pairs: &[(&str, &str)]) -> Vec<ProfileEntry> {
    pairs
        .iter()
        .map(|(kind, value)| ProfileEntry::new(*kind, *value))
        .collect()
}

fn change(added: usize, removed: usize, unchanged: usize, revision: i64) -> AssetChange {
    AssetChange {
        added,
        removed,
        unchanged,
        revision,
    }
}

pub async fn entries_are_added_replaced_and_removed_with_counts_and_revisions(
    directory: &dyn Directory,
    alerts: &dyn Alerts,
) {
    members(directory).await;
    let empty = alerts.asset_profile(WATER).await.expect("a known member");
    assert_eq!((empty.revision, empty.assets.len()), (0, 0));

    let added = alerts
        .add_assets(
            WATER,
            entries(&[
                ("domain", "waterbedrijf.nl"),
                ("cidr", "192.0.2.0/24"),
                ("domain", "waterbedrijf.nl"),
            ]),
            1_000,
        )
        .await
        .expect("added");
    assert_eq!(
        added,
        change(2, 0, 0, 1),
        "a duplicate in the call counts once"
    );

    // Adding what is held changes nothing, not even the revision or added_at.
    let again = alerts
        .add_assets(WATER, entries(&[("cidr", "192.0.2.0/24")]), 2_000)
        .await
        .expect("added again");
    assert_eq!(again, change(0, 0, 1, 1));

    let dairy = alerts
        .add_assets(DAIRY, entries(&[("asn", "64500")]), 2_500)
        .await
        .expect("another member's profile");
    assert_eq!(dairy.revision, 2, "one counter for all profiles");

    let replaced = alerts
        .replace_assets(
            WATER,
            entries(&[
                ("cidr", "192.0.2.0/24"),
                ("cpe", "cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*"),
            ]),
            3_000,
        )
        .await
        .expect("replaced");
    assert_eq!(replaced, change(1, 1, 1, 3));
    let profile = alerts.asset_profile(WATER).await.expect("read");
    assert_eq!(profile.revision, 3);
    let held: Vec<(&str, &str, i64)> = profile
        .assets
        .iter()
        .map(|asset| (asset.kind.as_str(), asset.value.as_str(), asset.added_at))
        .collect();
    assert_eq!(
        held,
        [
            ("cidr", "192.0.2.0/24", 1_000),
            (
                "cpe",
                "cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*",
                3_000
            ),
        ],
        "sorted by kind and value; what stayed keeps its added_at"
    );

    let removed = alerts
        .remove_assets(
            WATER,
            entries(&[("cidr", "192.0.2.0/24"), ("domain", "never-held.nl")]),
        )
        .await
        .expect("removed");
    assert_eq!(removed, change(0, 1, 1, 4));
    let nothing = alerts
        .remove_assets(WATER, entries(&[("cidr", "192.0.2.0/24")]))
        .await
        .expect("removed again");
    assert_eq!(
        nothing,
        change(0, 0, 1, 4),
        "nothing removed, no new revision"
    );

    assert_eq!(
        alerts.profiles_changed_since(0).await.expect("changes"),
        [
            ProfileRevision {
                organisation: DAIRY.to_owned(),
                revision: 2
            },
            ProfileRevision {
                organisation: WATER.to_owned(),
                revision: 4
            },
        ],
        "each profile once, at its latest revision, lowest first"
    );
    let emptied = alerts
        .replace_assets(WATER, Vec::new(), 5_000)
        .await
        .expect("emptied");
    assert_eq!(emptied, change(0, 1, 0, 5));
    assert_eq!(
        alerts.profiles_changed_since(2).await.expect("changes"),
        [ProfileRevision {
            organisation: WATER.to_owned(),
            revision: 5
        }],
        "an emptied profile is listed too"
    );
    assert!(
        alerts
            .profiles_changed_since(5)
            .await
            .expect("changes")
            .is_empty()
    );

    assert!(matches!(
        alerts
            .add_assets(WATER, entries(&[("domain", "")]), 6_000)
            .await,
        Err(StoreError::Invalid(_))
    ));
}

pub async fn all_profiles_are_read_a_page_at_a_time(
    directory: &dyn Directory,
    alerts: &dyn Alerts,
) {
    members(directory).await;
    let water: Vec<ProfileEntry> = (0..7)
        .map(|number| ProfileEntry::new("domain", format!("site{number}.waterbedrijf.nl")))
        .collect();
    alerts.add_assets(WATER, water, 1).await.expect("added");
    alerts
        .add_assets(
            DAIRY,
            entries(&[("asn", "64500"), ("cidr", "198.51.100.0/24")]),
            2,
        )
        .await
        .expect("added");

    let mut read = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = alerts.assets_page(after, 3).await.expect("a page");
        pages += 1;
        after = page.last().map(|last| last.position());
        let last_page = page.len() < 3;
        read.extend(page);
        if last_page {
            break;
        }
    }
    assert_eq!(read.len(), 9);
    assert_eq!(pages, 4, "three full pages and an empty one");
    assert!(
        read.windows(2)
            .all(|pair| pair[0].position() < pair[1].position()),
        "by organisation, kind and value, each entry once"
    );
    assert_eq!(read[0].organisation, WATER);
    assert_eq!(read[6].value, "site6.waterbedrijf.nl");
    assert_eq!(
        (read[8].organisation.as_str(), read[8].kind.as_str()),
        (DAIRY, "cidr")
    );
}

pub async fn an_unknown_organisation_has_no_profile(
    directory: &dyn Directory,
    alerts: &dyn Alerts,
) {
    members(directory).await;
    let nobody = "nobody";
    let results = [
        alerts
            .add_assets(nobody, entries(&[("asn", "1")]), 1)
            .await
            .err(),
        alerts.replace_assets(nobody, Vec::new(), 1).await.err(),
        alerts.remove_assets(nobody, Vec::new()).await.err(),
        alerts.asset_profile(nobody).await.err(),
    ];
    for result in results {
        assert!(
            matches!(&result, Some(StoreError::NotFound(message)) if message.contains(nobody)),
            "{result:?}"
        );
    }
    assert!(
        alerts
            .profiles_changed_since(0)
            .await
            .expect("changes")
            .is_empty(),
        "a refused change leaves no revision behind"
    );
}
