//! Applying to communities, moderators' decisions and leaving: each counts for what the
//! organisation's users read from the next request on.

use super::*;

async fn reach(world: &World, login: &str) -> Value {
    let (status, me) = send(world.as_user(login, Method::GET, "/api/v1/me")).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    me["reach"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_approving_suspending_and_leaving() {
    let world = World::start().await;
    let apply = "/api/v1/communities/chemie/applications";
    let olga_in_chemie = "/api/v1/communities/chemie/members/waterbedrijf";

    let (status, body) = send(world.as_user(ALICE, Method::POST, apply).json(&json!({}))).await;
    assert!(assert_error(status, &body, StatusCode::FORBIDDEN).contains("org-admin"));
    let (status, body) = send(
        world
            .as_user(OLGA, Method::POST, apply)
            .json(&json!({"organisation": "havenbedrijf"})),
    )
    .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (status, applied) = send(
        world
            .as_user(OLGA, Method::POST, apply)
            .json(&json!({"contact": "soc@waterbedrijf.example"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{applied}");
    assert_eq!(applied["stage"], "applicant");
    assert_eq!(applied["contact"], "soc@waterbedrijf.example");
    let (status, body) = send(world.as_user(OLGA, Method::POST, apply).json(&json!({}))).await;
    assert_error(status, &body, StatusCode::CONFLICT);
    let (status, body) = send(
        world
            .as_user(
                OLGA,
                Method::POST,
                "/api/v1/communities/nowhere/applications",
            )
            .json(&json!({})),
    )
    .await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    assert_eq!(
        reach(&world, ALICE).await,
        json!(["water"]),
        "applicants see nothing yet"
    );

    let admit = json!({"stage": "participant"});
    let (status, body) = send(
        world
            .as_user(OLGA, Method::PUT, olga_in_chemie)
            .json(&admit),
    )
    .await;
    assert!(assert_error(status, &body, StatusCode::FORBIDDEN).contains("moderator"));
    let (status, body) = send(
        world
            .as_user(MODERATOR, Method::PUT, olga_in_chemie)
            .json(&json!({"stage": "boss"})),
    )
    .await;
    assert!(assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY).contains("stage"));
    let (status, body) = send(
        world
            .as_user(
                MODERATOR,
                Method::PUT,
                "/api/v1/communities/chemie/members/havenbedrijf",
            )
            .json(&admit),
    )
    .await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    let (status, admitted) = send(
        world
            .as_user(MODERATOR, Method::PUT, olga_in_chemie)
            .json(&admit),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{admitted}");
    assert_eq!(admitted["stage"], "participant");
    assert_eq!(reach(&world, ALICE).await, json!(["chemie", "water"]));
    let (status, chemie) = send(world.as_user(
        ALICE,
        Method::GET,
        &format!("/api/v1/objects/{CHEMIE_INDICATOR}"),
    ))
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "members read what is shared into the community: {chemie}"
    );

    let (status, suspended) = send(
        world
            .as_user(MODERATOR, Method::PUT, olga_in_chemie)
            .json(&json!({"stage": "applicant"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{suspended}");
    assert_eq!(reach(&world, ALICE).await, json!(["water"]));
    assert_eq!(world.audited("membership-approved").len(), 1);
    assert_eq!(world.audited("membership-suspended").len(), 1);

    let (status, body) = send(world.as_user(
        OLGA,
        Method::DELETE,
        "/api/v1/communities/water/members/chemiebedrijf",
    ))
    .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (status, body) = send(world.as_user(ALICE, Method::DELETE, olga_in_chemie)).await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (status, _) = send(world.as_user(OLGA, Method::DELETE, olga_in_chemie)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(world.as_user(OLGA, Method::DELETE, olga_in_chemie)).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    let (status, _) = send(world.as_user(
        MODERATOR,
        Method::DELETE,
        "/api/v1/communities/water/members/chemiebedrijf",
    ))
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(reach(&world, CARL).await, json!(["chemie"]));
    assert_eq!(world.audited("membership-ended").len(), 2);
    let (status, body) = send(world.request(Method::DELETE, olga_in_chemie)).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_community_admits_at_once_and_tokens_may_not_administer() {
    let world = World::start().await;
    let apply = "/api/v1/communities/haven/applications";
    let limited = world
        .token(OLGA, json!({"write": true, "communities": ["water"]}))
        .await;
    let (status, body) = send(
        world
            .with_token(&limited, Method::POST, apply)
            .json(&json!({})),
    )
    .await;
    assert!(assert_error(status, &body, StatusCode::FORBIDDEN).contains("limited"));
    let read_only = world.token(OLGA, json!({})).await;
    let (status, body) = send(
        world
            .with_token(&read_only, Method::POST, apply)
            .json(&json!({})),
    )
    .await;
    assert!(assert_error(status, &body, StatusCode::FORBIDDEN).contains("read-only"));
    let (status, joined) = send(world.as_user(OLGA, Method::POST, apply).json(&json!({}))).await;
    assert_eq!(status, StatusCode::CREATED, "{joined}");
    assert_eq!(joined["stage"], "participant");
    assert_eq!(reach(&world, WIM).await, json!(["haven", "water"]));
    let (status, haven) = send(world.as_user(
        WIM,
        Method::GET,
        &format!("/api/v1/objects/{HAVEN_INDICATOR}"),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{haven}");
}
