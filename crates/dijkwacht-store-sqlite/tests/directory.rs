//! The directory on a real SQLite file: who belongs where, and how reach follows the
//! community tree and membership stages at once.

use dijkwacht_directory::{CommunityKind, MembershipStage, Sector, SizeClass};
use dijkwacht_policy::{CommunityId, Role};
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::StoreError;
use dijkwacht_store::directory::{Community, Directory, Organisation, User};
use dijkwacht_store_sqlite::SqliteStore;

fn organisation(name: &str) -> Organisation {
    Organisation {
        name: name.to_owned(),
        display_name: name.to_uppercase(),
        sectors: vec![Sector::Water, Sector::Other],
        size: SizeClass::Small,
        vital: false,
        identity: format!("identity--{}", uuid_for(name)),
    }
}

fn community(name: &str, parent: Option<&str>, vetted: bool) -> Community {
    Community {
        name: name.to_owned(),
        display_name: name.to_owned(),
        kind: CommunityKind::TopSector,
        parent: parent.map(str::to_owned),
        vetted,
        identity: format!("identity--{}", uuid_for(name)),
        default_tlp: TlpLevel::Green,
    }
}

/// A fixed UUID-shaped suffix per name, so identities are unique.
fn uuid_for(name: &str) -> String {
    let digits: String = name
        .bytes()
        .map(|byte| format!("{:02x}", byte))
        .collect::<String>();
    let padded = format!("{digits:0<32}");
    let hex = &padded[..32];
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn names(reach: std::collections::BTreeSet<CommunityId>) -> Vec<String> {
    reach.into_iter().map(|community| community.0).collect()
}

#[tokio::test]
async fn memberships_and_reach_follow_stages_and_the_tree_at_once() {
    let folder = tempfile::tempdir().expect("a folder");
    let store = SqliteStore::open(&folder.path().join("store.sqlite")).expect("a store");
    store
        .add_organisation(organisation("waterschap"))
        .await
        .expect("added");
    store
        .add_organisation(organisation("drinkwater"))
        .await
        .expect("added");
    store
        .add_community(community("plenum", None, false))
        .await
        .expect("added");
    store
        .add_community(community("water", Some("plenum"), true))
        .await
        .expect("added");
    store
        .add_community(community("water-noord", Some("water"), false))
        .await
        .expect("added");

    // Open community: participant at once; reach includes every ancestor.
    let stage = store
        .join(
            "water-noord",
            "waterschap",
            Some("ciso@waterschap.example".to_owned()),
        )
        .await
        .expect("joined");
    assert_eq!(stage, MembershipStage::Participant);
    assert_eq!(
        names(store.reach("waterschap").await.expect("reach")),
        ["plenum", "water", "water-noord"]
    );

    // Vetted community: an applicant sees nothing of it until approved.
    assert_eq!(
        store
            .join("water", "drinkwater", None)
            .await
            .expect("applied"),
        MembershipStage::Applicant
    );
    assert!(store.reach("drinkwater").await.expect("reach").is_empty());
    store
        .set_stage("water", "drinkwater", MembershipStage::Partner)
        .await
        .expect("approved");
    assert_eq!(
        names(store.reach("drinkwater").await.expect("reach")),
        ["plenum", "water"]
    );

    // Leaving takes effect at once.
    store.leave("water", "drinkwater").await.expect("left");
    assert!(store.reach("drinkwater").await.expect("reach").is_empty());
    assert_eq!(store.memberships().await.expect("listed").len(), 1);

    // Mistakes are refused with what to do.
    assert!(matches!(
        store.add_organisation(organisation("waterschap")).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .add_community(community("zee", Some("oceaan"), false))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.join("water-noord", "waterschap", None).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.join("nergens", "waterschap", None).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .set_stage("water", "drinkwater", MembershipStage::Partner)
            .await,
        Err(StoreError::NotFound(_))
    ));

    let listed = store.organisations().await.expect("listed");
    assert_eq!(listed[1], organisation("waterschap"));
    assert_eq!(store.communities().await.expect("listed").len(), 3);
}

#[tokio::test]
async fn users_belong_to_an_existing_organisation_and_keep_their_hash() {
    let folder = tempfile::tempdir().expect("a folder");
    let store = SqliteStore::open(&folder.path().join("store.sqlite")).expect("a store");
    let alice = User {
        email: "alice@waterschap.example".to_owned(),
        organisation: "waterschap".to_owned(),
        role: Role::Analyst,
    };
    assert!(matches!(
        store
            .add_user(alice.clone(), "$argon2id$x".to_owned())
            .await,
        Err(StoreError::Invalid(_))
    ));
    store
        .add_organisation(organisation("waterschap"))
        .await
        .expect("added");
    store
        .add_user(alice.clone(), "$argon2id$x".to_owned())
        .await
        .expect("added");
    assert!(matches!(
        store
            .add_user(alice.clone(), "$argon2id$y".to_owned())
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        store.users().await.expect("listed"),
        std::slice::from_ref(&alice)
    );
    assert_eq!(
        store
            .user_with_password("alice@waterschap.example")
            .await
            .expect("read"),
        Some((alice, "$argon2id$x".to_owned()))
    );
    assert_eq!(
        store
            .user_with_password("mallory@example.com")
            .await
            .expect("read"),
        None
    );
}

#[tokio::test]
async fn tokens_are_stored_by_hash_and_revoked_at_once() {
    use dijkwacht_store::directory::TokenRecord;
    let folder = tempfile::tempdir().expect("a folder");
    let store = SqliteStore::open(&folder.path().join("store.sqlite")).expect("a store");
    store
        .add_organisation(organisation("waterschap"))
        .await
        .expect("added");
    let alice = User {
        email: "alice@waterschap.example".to_owned(),
        organisation: "waterschap".to_owned(),
        role: Role::Analyst,
    };
    store
        .add_user(alice, "$argon2id$x".to_owned())
        .await
        .expect("added");
    let record = TokenRecord {
        id: "Ab3dEf9h".to_owned(),
        user: "alice@waterschap.example".to_owned(),
        secret_hash: "00ff".repeat(16),
        write: false,
        communities: Some(vec!["water".to_owned(), "plenum".to_owned()]),
        created_at: 1_700_000_000_000_000,
        last_used_at: None,
        revoked_at: None,
    };
    store.add_token(record.clone()).await.expect("stored");
    assert_eq!(
        store.token("Ab3dEf9h").await.expect("read"),
        Some(record.clone())
    );
    store
        .touch_token("Ab3dEf9h", 1_700_000_000_000_100)
        .await
        .expect("touched");
    store
        .revoke_token("Ab3dEf9h", 1_700_000_000_000_200)
        .await
        .expect("revoked");
    let stored = store
        .token("Ab3dEf9h")
        .await
        .expect("read")
        .expect("still listed");
    assert_eq!(stored.last_used_at, Some(1_700_000_000_000_100));
    assert_eq!(stored.revoked_at, Some(1_700_000_000_000_200));
    assert!(matches!(
        store.revoke_token("nothere", 1).await,
        Err(StoreError::NotFound(_))
    ));
    let orphan = TokenRecord {
        id: "Zz3dEf9h".to_owned(),
        user: "bob@nowhere.example".to_owned(),
        ..record
    };
    assert!(matches!(
        store.add_token(orphan).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.tokens().await.expect("listed").len(), 1);
}

#[tokio::test]
async fn applications_expire_after_thirty_days() {
    let folder = tempfile::tempdir().expect("a folder");
    let path = folder.path().join("store.sqlite");
    let store = SqliteStore::open(&path).expect("a store");
    store
        .add_organisation(organisation("waterschap"))
        .await
        .expect("added");
    store
        .add_community(community("water", None, true))
        .await
        .expect("added");
    assert_eq!(
        store
            .join("water", "waterschap", None)
            .await
            .expect("applied"),
        MembershipStage::Applicant
    );
    // Age the application by 31 days, as if a month went by.
    let month = 31 * 24 * 3_600 * 1_000_000_i64;
    rusqlite::Connection::open(&path)
        .and_then(|connection| {
            connection.execute(
                "UPDATE memberships SET applied_at = applied_at - ?1",
                [month],
            )
        })
        .expect("aged");
    let refused = store
        .set_stage("water", "waterschap", MembershipStage::Participant)
        .await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(message)) if message.contains("expired")),
        "{refused:?}"
    );
    assert!(store.reach("waterschap").await.expect("reach").is_empty());
}
