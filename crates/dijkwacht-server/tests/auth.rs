//! Recognising callers against a real directory: wrong passwords, revoked tokens, ended
//! memberships and unapproved applications lose access at once.

use dijkwacht_directory::{
    ApiToken, CommunityKind, MembershipStage, Sector, SizeClass, hash_password,
};
use dijkwacht_policy::{Caller, CommunityId, Role};
use dijkwacht_server::auth::{AuthError, caller_for_password, caller_for_token};
use dijkwacht_store::directory::{Community, Directory, Organisation, TokenRecord, User};
use dijkwacht_store_sqlite::SqliteStore;

const PASSWORD: &str = "correct horse battery staple";

async fn directory() -> SqliteStore {
    let store = SqliteStore::open_in_memory().unwrap_or_else(|error| panic!("{error}"));
    store
        .add_organisation(Organisation {
            name: "waterbedrijf".to_owned(),
            display_name: "Waterbedrijf".to_owned(),
            sectors: vec![Sector::Water],
            size: SizeClass::Medium,
            vital: true,
            identity: "identity--0b1e5e7a-3c2b-4f4e-9c55-6a0f2d9b7c11".to_owned(),
        })
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    for (name, vetted, identity) in [
        (
            "water",
            false,
            "identity--1b1e5e7a-3c2b-4f4e-9c55-6a0f2d9b7c11",
        ),
        (
            "ot-ics",
            true,
            "identity--2b1e5e7a-3c2b-4f4e-9c55-6a0f2d9b7c11",
        ),
    ] {
        store
            .add_community(Community {
                name: name.to_owned(),
                display_name: name.to_owned(),
                kind: CommunityKind::TopSector,
                parent: None,
                vetted,
                identity: identity.to_owned(),
                default_tlp: dijkwacht_stix::tlp::TlpLevel::Green,
            })
            .await
            .unwrap_or_else(|error| panic!("{error}"));
    }
    store
        .add_user(
            User {
                email: "alice@waterbedrijf.example".to_owned(),
                organisation: "waterbedrijf".to_owned(),
                role: Role::Analyst,
            },
            hash_password(PASSWORD).unwrap_or_else(|error| panic!("{error}")),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    store
}

fn reach_of(caller: &Caller) -> Vec<String> {
    match caller {
        Caller::Member(member) => member
            .reach
            .iter()
            .map(|community| community.0.clone())
            .collect(),
        other => panic!("expected a member, got {other:?}"),
    }
}

#[tokio::test]
async fn passwords_and_memberships_count_from_the_next_request() {
    let store = directory().await;
    assert_eq!(
        store.join("water", "waterbedrijf", None).await.ok(),
        Some(MembershipStage::Participant)
    );
    assert_eq!(
        store.join("ot-ics", "waterbedrijf", None).await.ok(),
        Some(MembershipStage::Applicant)
    );
    let caller = caller_for_password(&store, "alice@waterbedrijf.example", PASSWORD)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        reach_of(&caller),
        ["water"],
        "an applicant sees nothing of a vetted community"
    );

    store
        .set_stage("ot-ics", "waterbedrijf", MembershipStage::Participant)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    store
        .leave("water", "waterbedrijf")
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let caller = caller_for_password(&store, "alice@waterbedrijf.example", PASSWORD)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(reach_of(&caller), ["ot-ics"]);

    for (login, password) in [
        ("alice@waterbedrijf.example", "wrong"),
        ("mallory@example.com", PASSWORD),
    ] {
        let error = caller_for_password(&store, login, password)
            .await
            .expect_err("refused");
        assert!(matches!(error, AuthError::WrongPassword));
        assert_eq!(error.to_string(), "wrong login or password");
    }
}

#[tokio::test]
async fn revoked_and_malformed_tokens_are_refused_at_once() {
    let store = directory().await;
    store
        .join("water", "waterbedrijf", None)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let token = ApiToken::generate().unwrap_or_else(|error| panic!("{error}"));
    store
        .add_token(TokenRecord {
            id: token.id().0.clone(),
            user: "alice@waterbedrijf.example".to_owned(),
            secret_hash: token.secret_hash(),
            write: false,
            communities: Some(vec!["water".to_owned()]),
            created_at: 1,
            last_used_at: None,
            revoked_at: None,
        })
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let caller = caller_for_token(&store, &token.reveal())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    match &caller {
        Caller::Member(member) => {
            let access = member.token.as_ref().expect("a token caller");
            assert!(!access.write);
            assert_eq!(
                access
                    .communities
                    .as_ref()
                    .map(|set| set.contains(&CommunityId::new("water"))),
                Some(true)
            );
        }
        other => panic!("expected a member, got {other:?}"),
    }
    let used = store
        .token(&token.id().0)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(
        used.and_then(|record| record.last_used_at).is_some(),
        "use is recorded"
    );

    // A forged secret under a real id is refused like an unknown token.
    let forged = ApiToken::generate()
        .unwrap_or_else(|error| panic!("{error}"))
        .reveal();
    let forged = format!(
        "dwt_{}_{}",
        token.id().0,
        forged
            .strip_prefix("dwt_")
            .and_then(|rest| rest.split_once('_'))
            .map(|(_, secret)| secret)
            .unwrap_or_default()
    );
    assert!(matches!(
        caller_for_token(&store, &forged).await,
        Err(AuthError::UnknownOrRevokedToken)
    ));

    store
        .revoke_token(&token.id().0, 2)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(matches!(
        caller_for_token(&store, &token.reveal()).await,
        Err(AuthError::UnknownOrRevokedToken)
    ));
    assert!(matches!(
        caller_for_token(&store, "Bearer nonsense").await,
        Err(AuthError::MalformedToken(_))
    ));
}
