//! The OpenAPI document: generated from the handlers, so it lists every REST endpoint;
//! each documents its error answers in the one error format.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_endpoint_and_its_errors() {
    let world = World::start().await;
    let (status, document) = send(world.request(Method::GET, "/api/v1/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|version| version.starts_with("3.1"))
    );
    let expected = [
        ("/api/v1/me", "get"),
        ("/api/v1/organisations", "get"),
        ("/api/v1/organisations", "post"),
        ("/api/v1/organisations/{name}", "get"),
        ("/api/v1/communities", "get"),
        ("/api/v1/communities", "post"),
        ("/api/v1/communities/{name}", "get"),
        ("/api/v1/communities/{name}/applications", "post"),
        ("/api/v1/communities/{name}/members/{organisation}", "put"),
        (
            "/api/v1/communities/{name}/members/{organisation}",
            "delete",
        ),
        ("/api/v1/tokens", "get"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/tokens/{id}", "delete"),
        ("/api/v1/sightings", "post"),
        ("/api/v1/misp/events", "post"),
        ("/api/v1/search", "get"),
        ("/api/v1/statistics", "get"),
        ("/api/v1/objects/{id}", "get"),
        ("/api/v1/objects/{id}/sightings", "get"),
        ("/api/v1/stream", "get"),
        ("/api/v1/assets", "get"),
        ("/api/v1/assets", "post"),
        ("/api/v1/assets", "delete"),
        ("/api/v1/alerts", "get"),
        ("/api/v1/alerts/statistics", "get"),
        ("/api/v1/alerts/{id}", "get"),
        ("/api/v1/alerts/{id}/feedback", "post"),
        ("/api/v1/webhooks", "get"),
        ("/api/v1/webhooks", "post"),
        ("/api/v1/webhooks/{id}", "delete"),
        ("/api/v1/me/notifications", "get"),
        ("/api/v1/me/notifications", "put"),
        ("/api/v1/exports/stix", "get"),
        ("/api/v1/exports/csv", "get"),
        ("/api/v1/exports/blocklist/{kind}", "get"),
        ("/api/v1/exports/misp-feed/{file}", "get"),
    ];
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    let mut documented = Vec::new();
    for (path, item) in &paths {
        for (method, operation) in item.as_object().into_iter().flatten() {
            documented.push((path.clone(), method.clone()));
            let responses = operation["responses"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            assert!(
                responses.contains_key("401"),
                "{method} {path} documents 401"
            );
            assert!(
                responses.contains_key("429"),
                "{method} {path} documents 429"
            );
            for (code, response) in &responses {
                if code.starts_with('4') {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(
                        schema, "#/components/schemas/ErrorBody",
                        "{method} {path} {code} uses the error body"
                    );
                }
            }
            if operation.get("requestBody").is_some() {
                for code in ["400", "413", "415", "422"] {
                    assert!(
                        responses.contains_key(code),
                        "{method} {path} documents {code}"
                    );
                }
            }
        }
    }
    let mut expected: Vec<(String, String)> = expected
        .iter()
        .map(|(path, method)| ((*path).to_owned(), (*method).to_owned()))
        .collect();
    expected.sort();
    documented.sort();
    assert_eq!(documented, expected);
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["basic"]["scheme"], "basic");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");

    // Every documented path answers (no route is documented without a handler).
    for (path, method) in &documented {
        if method != "get" || path.contains('{') || path.ends_with("/stream") {
            continue;
        }
        let (status, body) = send(world.as_user(ADMIN, Method::GET, path)).await;
        assert_ne!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{path}: {body}");
    }
    let (status, body) = send(world.as_user(ADMIN, Method::GET, "/api/v1/nothing")).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    let (status, body) = send(world.as_user(ADMIN, Method::PATCH, "/api/v1/tokens")).await;
    assert_error(status, &body, StatusCode::METHOD_NOT_ALLOWED);
}
