//! The limits as a client meets them: 429 with `Retry-After` over the rate limit, 413
//! for an oversized body, each in the error shape of the path's interface.

use std::num::NonZeroU32;

use dijkwacht_server::limits::{Limits, RateLimit};
use dijkwacht_server::serving::ServeOptions;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use serde_json::Value;

use super::{RunningServer, start_application};

const TAXII_CONTENT_TYPE: &str = "application/taxii+json;version=2.1";

/// Two requests at once, then one a minute: the third request in a test is refused.
fn two_requests_then_one_a_minute() -> Limits {
    Limits {
        rate_limit: Some(RateLimit {
            requests_per_minute: NonZeroU32::MIN,
            burst: NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN),
        }),
        ..Limits::default()
    }
}

async fn start_with(limits: Limits) -> RunningServer {
    start_application(ServeOptions { limits, tls: None }).await
}

async fn get(server: &RunningServer, path: &str, authorization: Option<&str>) -> Response {
    let mut request = reqwest::Client::new().get(format!("http://{}{path}", server.address));
    if let Some(authorization) = authorization {
        request = request.header(AUTHORIZATION, authorization);
    }
    request
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error}"))
}

fn content_type(response: &Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The `Retry-After` header as whole seconds; panics when it is missing.
fn retry_after(response: &Response) -> u64 {
    response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After in {:?}", response.headers()))
}

#[tokio::test]
async fn over_the_rate_limit_a_taxii_path_gets_a_taxii_error_with_retry_after() {
    let server = start_with(two_requests_then_one_a_minute()).await;
    for _ in 0..2 {
        let response = get(&server, "/taxii2/", None).await;
        assert_ne!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    let refused = get(&server, "/taxii2/", None).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&refused) >= 1);
    assert_eq!(content_type(&refused), TAXII_CONTENT_TYPE);
    let resource: Value = refused.json().await.unwrap_or_default();
    assert_eq!(resource["http_status"], "429");
    assert_eq!(resource["title"], "Too many requests");
    assert!(
        resource["description"]
            .as_str()
            .is_some_and(|text| text.contains("retry after")),
        "{resource}"
    );
}

#[tokio::test]
async fn over_the_rate_limit_other_paths_get_the_json_error_with_retry_after() {
    let server = start_with(two_requests_then_one_a_minute()).await;
    for _ in 0..2 {
        assert_eq!(
            get(&server, "/healthz", None).await.status(),
            StatusCode::OK
        );
    }
    let refused = get(&server, "/healthz", None).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&refused) >= 1);
    assert_eq!(content_type(&refused), "application/json");
    let body: Value = refused.json().await.unwrap_or_default();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert!(body["error"]["details"].is_string(), "{body}");
}

#[tokio::test]
async fn each_authorization_header_has_its_own_budget() {
    let server = start_with(two_requests_then_one_a_minute()).await;
    let alice = Some("Bearer dwt_alice_secret");
    let bob = Some("Bearer dwt_bob_secret");
    for _ in 0..2 {
        assert_eq!(
            get(&server, "/healthz", alice).await.status(),
            StatusCode::OK
        );
    }
    assert_eq!(
        get(&server, "/healthz", alice).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    for _ in 0..2 {
        assert_eq!(get(&server, "/healthz", bob).await.status(), StatusCode::OK);
    }
    assert_eq!(
        get(&server, "/healthz", bob).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Callers without credentials are counted by address, apart from both.
    assert_eq!(
        get(&server, "/healthz", None).await.status(),
        StatusCode::OK
    );
}

async fn post_bytes(server: &RunningServer, path: &str, size: usize) -> Response {
    reqwest::Client::new()
        .post(format!("http://{}{path}", server.address))
        .header(CONTENT_TYPE, TAXII_CONTENT_TYPE)
        .body(vec![b' '; size])
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error}"))
}

#[tokio::test]
async fn an_oversized_body_gets_413_with_our_error_body() {
    let server = start_with(Limits {
        max_body_bytes: 1_024,
        ..Limits::default()
    })
    .await;

    let refused = post_bytes(&server, "/healthz", 2_048).await;
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(content_type(&refused), "application/json");
    let body: Value = refused.json().await.unwrap_or_default();
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert!(
        body["error"]["details"]
            .as_str()
            .is_some_and(|text| text.contains("1024 bytes")),
        "{body}"
    );

    let refused = post_bytes(&server, "/taxii2/api/collections/c/objects/", 2_048).await;
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(content_type(&refused), TAXII_CONTENT_TYPE);
    let resource: Value = refused.json().await.unwrap_or_default();
    assert_eq!(resource["http_status"], "413");
    assert_eq!(resource["title"], "Request body too large");

    // At the limit, the request reaches routing (GET-only /healthz answers 405).
    let accepted = post_bytes(&server, "/healthz", 1_024).await;
    assert_eq!(accepted.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn under_the_default_limits_everything_passes() {
    let server = start_with(Limits::default()).await;
    for _ in 0..20 {
        assert_eq!(
            get(&server, "/healthz", None).await.status(),
            StatusCode::OK
        );
        assert_eq!(
            get(&server, "/version", None).await.status(),
            StatusCode::OK
        );
    }
    let response = post_bytes(&server, "/healthz", 64 * 1024).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn the_rate_limit_can_be_turned_off() {
    let server = start_with(Limits {
        rate_limit: None,
        ..Limits::default()
    })
    .await;
    for _ in 0..150 {
        assert_eq!(
            get(&server, "/healthz", None).await.status(),
            StatusCode::OK
        );
    }
}
