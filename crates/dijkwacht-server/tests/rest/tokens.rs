//! API tokens: shown once, never more than their user may, revoked at once.

use super::*;

fn token_ids(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list, not {list}"))
        .iter()
        .filter_map(|token| token["id"].as_str().map(str::to_owned))
        .collect()
}

fn id_of(token: &str) -> String {
    token.split('_').nth(1).unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_shown_once_and_never_exceed_their_user() {
    let world = World::start().await;
    let (status, created) = send(
        world
            .as_user(ALICE, Method::POST, "/api/v1/tokens")
            .json(&json!({"write": true, "communities": ["water", "water"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["token"].as_str().unwrap_or_default().to_owned();
    assert!(secret.starts_with("dwt_"), "{created}");
    assert_eq!(created["id"], id_of(&secret));
    assert_eq!(created["communities"], json!(["water"]));
    assert_eq!(created["write"], true);
    let (status, list) = send(world.as_user(ALICE, Method::GET, "/api/v1/tokens")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(token_ids(&list), BTreeSet::from([id_of(&secret)]));
    assert!(
        !list.to_string().contains(&secret),
        "the secret is shown once only"
    );
    let (status, me) = send(world.with_token(&secret, Method::GET, "/api/v1/me")).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["token"]["communities"], json!(["water"]));
    let entries = world.audited("token-created");
    assert_eq!(entries.len(), 1);
    assert!(
        !entries[0].to_string().contains(&secret),
        "the audit log never holds a secret"
    );

    let refusals = [
        (
            WIM,
            json!({"write": true}),
            StatusCode::FORBIDDEN,
            "analyst",
        ),
        (
            ALICE,
            json!({"communities": ["chemie"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "communities",
        ),
        (
            ALICE,
            json!({"communities": ["nowhere"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "communities",
        ),
        (
            ALICE,
            json!({"communities": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "communities",
        ),
        (
            ALICE,
            json!({"write": "yes"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "write",
        ),
        (
            ALICE,
            json!({"scopes": ["all"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "scopes",
        ),
    ];
    for (login, body, expected, named) in refusals {
        let (status, answer) = send(
            world
                .as_user(login, Method::POST, "/api/v1/tokens")
                .json(&body),
        )
        .await;
        let details = assert_error(status, &answer, expected);
        assert!(
            details.contains(named),
            "{named} not in {details} for {body}"
        );
    }
    // Tokens make no tokens when they are read-only or limited to communities.
    let read_only = world.token(WIM, json!({})).await;
    let (status, body) = send(
        world
            .with_token(&read_only, Method::POST, "/api/v1/tokens")
            .json(&json!({})),
    )
    .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (status, body) = send(
        world
            .with_token(&secret, Method::POST, "/api/v1/tokens")
            .json(&json!({})),
    )
    .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (status, body) = send(
        world
            .request(Method::POST, "/api/v1/tokens")
            .json(&json!({})),
    )
    .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_tokens_and_the_organisations_are_revoked_at_once() {
    let world = World::start().await;
    let alice = world.token(ALICE, json!({"write": true})).await;
    let wim = world.token(WIM, json!({})).await;
    let carl = world.token(CARL, json!({})).await;

    let (status, list) =
        send(world.as_user(OLGA, Method::GET, "/api/v1/tokens?organisation=true")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(
        token_ids(&list),
        BTreeSet::from([id_of(&alice), id_of(&wim)])
    );
    let (status, body) =
        send(world.as_user(ALICE, Method::GET, "/api/v1/tokens?organisation=true")).await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (status, body) =
        send(world.as_user(ALICE, Method::GET, "/api/v1/tokens?organisation=maybe")).await;
    assert!(assert_error(status, &body, StatusCode::BAD_REQUEST).contains("organisation"));

    let revoke = |id: &str| format!("/api/v1/tokens/{id}");
    let (status, body) = send(world.as_user(ALICE, Method::DELETE, &revoke(&id_of(&carl)))).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    let (status, body) = send(world.as_user(ALICE, Method::DELETE, &revoke(&id_of(&wim)))).await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (status, body) = send(world.with_token(&wim, Method::DELETE, &revoke(&id_of(&wim)))).await;
    assert!(assert_error(status, &body, StatusCode::FORBIDDEN).contains("read-only"));
    let (status, body) = send(world.as_user(ALICE, Method::DELETE, "/api/v1/tokens/nosuch")).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);

    let (status, _) = send(world.with_token(&wim, Method::GET, "/api/v1/me")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(world.as_user(OLGA, Method::DELETE, &revoke(&id_of(&wim)))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(world.with_token(&wim, Method::GET, "/api/v1/me")).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (status, _) = send(world.with_token(&alice, Method::DELETE, &revoke(&id_of(&alice)))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(world.with_token(&alice, Method::GET, "/api/v1/me")).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (status, _) = send(world.as_user(ALICE, Method::DELETE, &revoke(&id_of(&alice)))).await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "revoking twice changes nothing"
    );
    assert_eq!(world.audited("token-revoked").len(), 2);
    let (_, list) = send(world.as_user(ALICE, Method::GET, "/api/v1/tokens")).await;
    assert!(list[0]["revoked_at"].is_string(), "{list}");
}
