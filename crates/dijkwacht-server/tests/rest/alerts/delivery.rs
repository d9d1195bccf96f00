//! How alerts reach people, over HTTP: an organisation's webhooks and each user's
//! e-mail preference.

use super::*;

const WEBHOOKS: &str = "/api/v1/webhooks";
const NOTIFICATIONS: &str = "/api/v1/me/notifications";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_take_https_show_a_drawn_secret_once_and_are_disabled() {
    let world = World::start().await;
    let (status, refusal) = send(
        world
            .as_user(OLGA, Method::POST, WEBHOOKS)
            .json(&json!({"url": "http://example.com/hook"})),
    )
    .await;
    assert!(
        assert_error(status, &refusal, StatusCode::UNPROCESSABLE_ENTITY)
            .starts_with("url: plain http")
    );
    for (body, named) in [
        (
            json!({"url": "https://admin:hunter2@siem.example/hook"}),
            "url: a webhook URL must not hold",
        ),
        (
            json!({"url": "ftp://siem.example/hook"}),
            "url: a webhook is https",
        ),
        (json!({"url": "siem.example"}), "url: this is not a URL"),
        (
            json!({"url": "https://siem.example/hook", "min_severity": "urgent"}),
            "min_severity",
        ),
        (
            json!({"url": "https://siem.example/hook", "secret": "short"}),
            "secret",
        ),
        (
            json!({"url": "https://siem.example/hook", "signing": "x"}),
            "signing",
        ),
    ] {
        let (status, refusal) = send(world.as_user(OLGA, Method::POST, WEBHOOKS).json(&body)).await;
        let details = assert_error(status, &refusal, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(details.contains(named), "{body}: {details}");
        assert!(!details.contains("hunter2"), "{details}");
    }

    let (status, created) = send(world.as_user(OLGA, Method::POST, WEBHOOKS).json(
        &json!({"url": "https://siem.waterbedrijf.example/dijkwacht/k3y", "min_severity": "high"}),
    ))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap_or_default().to_owned();
    assert_eq!(secret.len(), 43, "256 bits in base64url: {created}");
    assert_eq!(
        (
            created["min_severity"].as_str(),
            created["organisation"].as_str(),
            &created["disabled_at"]
        ),
        (Some("high"), Some("waterbedrijf"), &Value::Null)
    );
    let (status, given) = send(
        world
            .as_user(OLGA, Method::POST, WEBHOOKS)
            .json(&json!({"url": "http://127.0.0.1:9000/hook", "secret": "our own signing key"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{given}");
    assert_eq!(
        (&given["secret"], given["min_severity"].as_str()),
        (&Value::Null, Some("low"))
    );

    let (status, list) = send(world.as_user(OLGA, Method::GET, WEBHOOKS)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let shown = list.to_string();
    assert!(
        !shown.contains(&secret)
            && !shown.contains("our own signing key")
            && !shown.contains("\"secret\""),
        "{shown}"
    );
    let audited = world.audited("webhook-added");
    assert_eq!(audited.len(), 2);
    assert_eq!(
        audited[0]["details"]["origin"],
        "https://siem.waterbedrijf.example"
    );
    assert!(
        !world
            .audit_entries()
            .iter()
            .any(|entry| entry.to_string().contains("k3y") || entry.to_string().contains(&secret))
    );

    // Organisation admins only; another organisation's webhook is not there.
    let (status, refusal) = send(world.as_user(ALICE, Method::GET, WEBHOOKS)).await;
    assert!(assert_error(status, &refusal, StatusCode::FORBIDDEN).contains("org-admin"));
    let (status, refusal) = send(
        world
            .as_user(ALICE, Method::POST, WEBHOOKS)
            .json(&json!({"url": "https://siem.example/hook"})),
    )
    .await;
    assert_error(status, &refusal, StatusCode::FORBIDDEN);
    let (status, list) = send(world.as_user(
        ADMIN,
        Method::GET,
        &format!("{WEBHOOKS}?organisation=waterbedrijf"),
    ))
    .await;
    assert_eq!(
        (status, list.as_array().map(Vec::len)),
        (StatusCode::OK, Some(2))
    );
    let (status, refusal) = send(world.as_user(
        OLGA,
        Method::GET,
        &format!("{WEBHOOKS}?organisation=chemiebedrijf"),
    ))
    .await;
    assert_error(status, &refusal, StatusCode::NOT_FOUND);

    let id = created["id"].as_i64().unwrap_or_default();
    let disable = format!("{WEBHOOKS}/{id}");
    let (status, refusal) = send(world.as_user(CARL, Method::DELETE, &disable)).await;
    assert_error(status, &refusal, StatusCode::FORBIDDEN);
    let olga_read_only = world.token(OLGA, json!({})).await;
    let (status, refusal) = send(world.with_token(&olga_read_only, Method::DELETE, &disable)).await;
    assert!(assert_error(status, &refusal, StatusCode::FORBIDDEN).contains("read-only"));
    let (status, list) = send(world.with_token(&olga_read_only, Method::GET, WEBHOOKS)).await;
    assert_eq!(
        (status, list.as_array().map(Vec::len)),
        (StatusCode::OK, Some(2)),
        "listing needs no write"
    );
    let (status, refusal) =
        send(world.as_user(OLGA, Method::DELETE, &format!("{WEBHOOKS}/999"))).await;
    assert_error(status, &refusal, StatusCode::NOT_FOUND);
    let (status, refusal) =
        send(world.as_user(OLGA, Method::DELETE, &format!("{WEBHOOKS}/first"))).await;
    assert_error(status, &refusal, StatusCode::BAD_REQUEST);
    let (status, disabled) = send(world.as_user(OLGA, Method::DELETE, &disable)).await;
    assert_eq!(status, StatusCode::OK, "{disabled}");
    assert!(disabled["disabled_at"].is_string(), "{disabled}");
    let (status, again) = send(world.as_user(OLGA, Method::DELETE, &disable)).await;
    assert_eq!(
        (status, &again["disabled_at"]),
        (StatusCode::OK, &disabled["disabled_at"])
    );
    assert_eq!(world.audited("webhook-disabled").len(), 1);
    let (status, hans) = send(
        world
            .as_user(
                ADMIN,
                Method::POST,
                &format!("{WEBHOOKS}?organisation=havenbedrijf"),
            )
            .json(&json!({"url": "https://soc.havenbedrijf.example/hook"})),
    )
    .await;
    assert_eq!(
        (status, hans["organisation"].as_str()),
        (StatusCode::CREATED, Some("havenbedrijf"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_mail_preferences_are_each_users_own() {
    let world = World::start().await;
    let (status, preference) = send(world.as_user(WIM, Method::GET, NOTIFICATIONS)).await;
    assert_eq!(
        (status, preference),
        (StatusCode::OK, json!({"mode": null}))
    );
    let (status, preference) = send(
        world
            .as_user(WIM, Method::PUT, NOTIFICATIONS)
            .json(&json!({"mode": "daily"})),
    )
    .await;
    assert_eq!(
        (status, preference),
        (StatusCode::OK, json!({"mode": "daily"}))
    );
    let (_, preference) = send(world.as_user(WIM, Method::GET, NOTIFICATIONS)).await;
    assert_eq!(preference, json!({"mode": "daily"}));
    let (_, preference) = send(world.as_user(ALICE, Method::GET, NOTIFICATIONS)).await;
    assert_eq!(preference, json!({"mode": null}), "Wim's choice is his own");

    let (status, refusal) = send(
        world
            .as_user(WIM, Method::PUT, NOTIFICATIONS)
            .json(&json!({"mode": "hourly"})),
    )
    .await;
    assert!(
        assert_error(status, &refusal, StatusCode::UNPROCESSABLE_ENTITY)
            .starts_with("mode: 'hourly'")
    );
    let (status, refusal) = send(
        world
            .as_user(WIM, Method::PUT, NOTIFICATIONS)
            .json(&json!({"mode": "off", "user": ALICE})),
    )
    .await;
    assert!(assert_error(status, &refusal, StatusCode::UNPROCESSABLE_ENTITY).contains("user"));
    let read_only = world.token(WIM, json!({})).await;
    let (status, refusal) = send(
        world
            .with_token(&read_only, Method::PUT, NOTIFICATIONS)
            .json(&json!({"mode": "off"})),
    )
    .await;
    assert_error(status, &refusal, StatusCode::FORBIDDEN);
    let (status, preference) = send(world.with_token(&read_only, Method::GET, NOTIFICATIONS)).await;
    assert_eq!(
        (status, preference),
        (StatusCode::OK, json!({"mode": "daily"}))
    );
    let (status, refusal) = send(
        world
            .request(Method::PUT, NOTIFICATIONS)
            .json(&json!({"mode": "off"})),
    )
    .await;
    assert_error(status, &refusal, StatusCode::UNAUTHORIZED);
}
