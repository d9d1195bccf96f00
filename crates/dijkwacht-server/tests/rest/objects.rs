//! Objects, search and statistics: only what the sharing policy lets the caller read,
//! and reads of AMBER or stricter in the audit log.

use super::*;

fn object_path(id: &str) -> String {
    format!("/api/v1/objects/{id}")
}

fn found_ids(results: &Value) -> BTreeSet<String> {
    results["objects"]
        .as_array()
        .unwrap_or_else(|| panic!("objects in {results}"))
        .iter()
        .filter_map(|object| object["id"].as_str().map(str::to_owned))
        .collect()
}

fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|id| (*id).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_object_is_read_through_the_sharing_policy() {
    let world = World::start().await;
    let (status, object) =
        send(world.as_user(ALICE, Method::GET, &object_path(WATER_INDICATOR))).await;
    assert_eq!(status, StatusCode::OK, "{object}");
    assert_eq!(object["id"], WATER_INDICATOR);
    assert_eq!(object["type"], "indicator");

    let (status, unknown) = send(world.as_user(
        ALICE,
        Method::GET,
        &object_path("indicator--0a000000-0000-4000-8000-000000000999"),
    ))
    .await;
    assert_error(status, &unknown, StatusCode::NOT_FOUND);
    for hidden in [CHEMIE_INDICATOR, RED_INDICATOR, HAVEN_INDICATOR] {
        let (status, body) = send(world.as_user(ALICE, Method::GET, &object_path(hidden))).await;
        assert_error(status, &body, StatusCode::NOT_FOUND);
        assert_eq!(
            body["error"]["code"], unknown["error"]["code"],
            "a refusal tells nothing"
        );
    }
    let (status, red) = send(world.as_user(CARL, Method::GET, &object_path(RED_INDICATOR))).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the named recipient reads it: {red}"
    );
    let reads = world.audited("rest-read");
    assert_eq!(reads.len(), 1, "only the RED read is audited: {reads:?}");
    assert_eq!(reads[0]["actor"], CARL);
    assert!(
        reads[0]["details"]["objects"]
            .to_string()
            .contains(RED_INDICATOR)
    );

    // A RED object is never read through a token, not even the recipient's.
    let carl = world.token(CARL, json!({})).await;
    let (status, body) =
        send(world.with_token(&carl, Method::GET, &object_path(RED_INDICATOR))).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    let (status, _) =
        send(world.with_token(&carl, Method::GET, &object_path(CHEMIE_INDICATOR))).await;
    assert_eq!(status, StatusCode::OK);

    let (status, _) = send(world.request(Method::GET, &object_path(PUBLIC_INDICATOR))).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "anonymous callers read the public tier"
    );
    let (status, body) = send(world.request(Method::GET, &object_path(WATER_INDICATOR))).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    let (status, body) = send(
        world
            .request(Method::GET, &object_path(PUBLIC_INDICATOR))
            .basic_auth(ALICE, Some("wrong")),
    )
    .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_only_what_the_caller_may_read() {
    let world = World::start().await;
    let search = |login: Option<&str>, query: &str| {
        let request = world.request(Method::GET, &format!("/api/v1/search?{query}"));
        match login {
            Some(login) => request.basic_auth(login, Some(PASSWORD)),
            None => request,
        }
    };
    let (status, found) = send(search(Some(ALICE), "q=sluice+beacon")).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found_ids(&found), ids(&[WATER_INDICATOR]));
    assert_eq!(found["count"], 1);
    let (_, found) = send(search(Some(CARL), "q=sluice")).await;
    assert_eq!(
        found_ids(&found),
        ids(&[WATER_INDICATOR, CHEMIE_INDICATOR, RED_INDICATOR])
    );
    let searches = world.audited("rest-search");
    assert_eq!(
        searches.len(),
        1,
        "Carl's search found AMBER and RED: {searches:?}"
    );
    let recorded = searches[0]["details"]["objects"].to_string();
    assert!(recorded.contains(CHEMIE_INDICATOR) && recorded.contains(RED_INDICATOR));
    assert!(
        !recorded.contains(WATER_INDICATOR),
        "GREEN reads are not audited"
    );
    let (_, found) = send(search(Some(CARL), "q=sluice&limit=1")).await;
    assert_eq!(found["count"], 1);
    let (_, found) = send(search(None, "q=beacon")).await;
    assert_eq!(found_ids(&found), ids(&[PUBLIC_INDICATOR]));

    for (query, parameter) in [
        ("", "q"),
        ("q=+", "q"),
        ("q=sluice&limit=0", "limit"),
        ("q=sluice&limit=500", "limit"),
        ("q=sluice&limit=many", "limit"),
    ] {
        let (status, body) = send(search(Some(ALICE), query)).await;
        let details = assert_error(status, &body, StatusCode::BAD_REQUEST);
        assert!(
            details.contains(parameter),
            "{parameter} not in {details} for {query:?}"
        );
    }
    let (status, body) = send(
        world
            .request(Method::GET, "/api/v1/search?q=sluice")
            .bearer_auth("dwt_abc_def"),
    )
    .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_count_only_what_the_caller_may_read() {
    let world = World::start().await;
    let (status, alice) = send(world.as_user(ALICE, Method::GET, "/api/v1/statistics")).await;
    assert_eq!(status, StatusCode::OK, "{alice}");
    assert_eq!(alice["total"], 2, "{alice}");
    assert_eq!(alice["by_tlp"], json!({"clear": 1, "green": 1}));
    assert_eq!(alice["by_type"], json!({"indicator": 2}));
    let (_, carl) = send(world.as_user(CARL, Method::GET, "/api/v1/statistics")).await;
    assert_eq!(
        carl["by_tlp"],
        json!({"clear": 1, "green": 1, "amber": 1, "red": 1})
    );
    let (_, admin) = send(world.as_user(ADMIN, Method::GET, "/api/v1/statistics")).await;
    assert_eq!(
        admin["total"], 1,
        "a platform admin reads by the same rules: {admin}"
    );
    let (_, anonymous) = send(world.request(Method::GET, "/api/v1/statistics")).await;
    assert_eq!(anonymous["total"], 1);
    assert_eq!(
        anonymous["rows"],
        json!([{"type": "indicator", "tlp": "clear", "objects": 1}])
    );
    let (status, body) = send(
        world
            .request(Method::GET, "/api/v1/statistics")
            .basic_auth(CARL, Some("wrong")),
    )
    .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}
