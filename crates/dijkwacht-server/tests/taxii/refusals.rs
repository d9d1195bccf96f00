//! What the server refuses, and that every refusal is TAXII's error resource with the
//! right status and a reason: media types, envelopes, parameters, unknown resources,
//! credentials and lockouts.

use super::*;

#[tokio::test]
async fn every_request_must_accept_taxii_and_posts_must_send_it() {
    let server = start().await;
    let client = reqwest::Client::new();
    for accept in [
        None,
        Some("application/json"),
        Some("application/taxii+json;version=2.0"),
    ] {
        let mut request = client.get(server.url("/taxii2/"));
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        expect_error(response, StatusCode::NOT_ACCEPTABLE).await;
    }
    let unversioned = client
        .get(server.url("/taxii2/"))
        .header("Accept", "application/taxii+json")
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(unversioned.status(), StatusCode::OK);
    let objects = format!(
        "{}objects/",
        server.collection("water", Some(WATER_ANALYST)).await
    );
    let response = client
        .post(server.url(&objects))
        .basic_auth(WATER_ANALYST, Some(PASSWORD))
        .header("Accept", TAXII)
        .header("Content-Type", "application/json")
        .body(json!({"objects": [indicator(1, None)]}).to_string())
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    expect_error(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}

async fn post(server: &TestServer, path: &str, body: String) -> reqwest::Response {
    reqwest::Client::new()
        .post(server.url(path))
        .basic_auth(WATER_ANALYST, Some(PASSWORD))
        .header("Accept", TAXII)
        .header("Content-Type", TAXII)
        .body(body)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error}"))
}

#[tokio::test]
async fn unusable_envelopes_are_refused_with_the_reason_and_nothing_is_stored() {
    let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let limits = Limits {
        max_objects_per_envelope: 3,
        max_body_bytes: 64 * 1024,
        ..Limits::default()
    };
    let server = start_in(folder, limits, true).await;
    let objects = format!(
        "{}objects/",
        server.collection("water", Some(WATER_ANALYST)).await
    );
    let body = expect_error(
        post(&server, &objects, "{\"objects\": [".to_owned()).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        body["description"]
            .as_str()
            .unwrap_or_default()
            .contains("line 1"),
        "the position is named: {body}"
    );
    expect_error(
        post(&server, &objects, "{\"more\": false}".to_owned()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let four: Vec<Value> = (1..=4).map(|number| indicator(number, None)).collect();
    let body = expect_error(
        post(&server, &objects, json!({ "objects": four }).to_string()).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert!(
        body["description"]
            .as_str()
            .unwrap_or_default()
            .contains("at most 3"),
        "{body}"
    );
    let huge = json!({"objects": [indicator(9, None)], "padding": "x".repeat(70 * 1024)});
    expect_error(
        post(&server, &objects, huge.to_string()).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    let counts = server
        .store
        .count_by_type()
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(counts.is_empty(), "nothing was stored: {counts:?}");
}

#[tokio::test]
async fn bad_parameters_and_unknown_resources_are_named() {
    let server = start().await;
    let objects = format!(
        "{}objects/",
        server.collection("water", Some(WATER_ANALYST)).await
    );
    for (query, parameter) in [
        ("limit=0", "limit"),
        ("limit=many", "limit"),
        ("added_after=yesterday", "added_after"),
        ("match[version]=newest", "match[version]"),
        ("match[type]=indicator&match[type]=malware", "match[type]"),
        ("next=not-a-cursor", "next"),
    ] {
        let response = server
            .get(&format!("{objects}?{query}"), Some(WATER_ANALYST))
            .await;
        let body = expect_error(response, StatusCode::BAD_REQUEST).await;
        assert!(
            body["description"]
                .as_str()
                .unwrap_or_default()
                .contains(parameter),
            "{query}: {body}"
        );
    }
    for path in [
        "/taxii2/nowhere/".to_owned(),
        "/taxii2/water/collections/00000000-0000-0000-0000-000000000000/objects/".to_owned(),
        format!("{objects}indicator--00000001-2222-4222-8222-222222222222/"),
        format!("{objects}indicator--00000001-2222-4222-8222-222222222222/versions/"),
        "/taxii2/water/status/00000000-0000-0000-0000-000000000000/".to_owned(),
    ] {
        expect_error(
            server.get(&path, Some(WATER_ANALYST)).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    let response = reqwest::Client::new()
        .put(server.url("/taxii2/"))
        .header("Accept", TAXII)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    expect_error(response, StatusCode::METHOD_NOT_ALLOWED).await;
}

#[tokio::test]
async fn failed_logins_are_refused_audited_and_then_locked_out() {
    let server = start().await;
    let attempt = |password: &'static str| {
        reqwest::Client::new()
            .get(server.url("/taxii2/"))
            .header("Accept", TAXII)
            .basic_auth(HAVEN_ANALYST, Some(password))
            .send()
    };
    let first = attempt("wrong")
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(first.headers().contains_key("www-authenticate"));
    expect_error(first, StatusCode::UNAUTHORIZED).await;
    for _ in 0..4 {
        let response = attempt("wrong")
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right password is refused, unchecked, with a time to wait.
    let locked = attempt(PASSWORD)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(locked.headers().contains_key("retry-after"));
    expect_error(locked, StatusCode::TOO_MANY_REQUESTS).await;
    let audit = server.audit_text();
    assert_eq!(
        audit.matches("\"login-failed\"").count(),
        5,
        "each checked failure is audited once:\n{audit}"
    );
    // A bad token is refused too; a good one passes.
    let bad = reqwest::Client::new()
        .get(server.url("/taxii2/"))
        .header("Accept", TAXII)
        .bearer_auth("dwt_abcdefgh_notreallyasecret")
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    expect_error(bad, StatusCode::UNAUTHORIZED).await;
    let good = reqwest::Client::new()
        .get(server.url("/taxii2/"))
        .header("Accept", TAXII)
        .bearer_auth(&server.water_token)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(good.status(), StatusCode::OK);
}
