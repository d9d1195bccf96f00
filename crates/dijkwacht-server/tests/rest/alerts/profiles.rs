//! Asset profiles over HTTP: changed whole or not at all, counted, each organisation's
//! own and platform admins'.

use super::*;

const ASSETS: &str = "/api/v1/assets";

fn entries(values: &[(&str, &str)]) -> Value {
    let entries: Vec<Value> = values
        .iter()
        .map(|(kind, value)| json!({"kind": kind, "value": value}))
        .collect();
    json!({ "entries": entries })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_change_whole_or_not_at_all_and_count_what_changed() {
    let world = World::start().await;
    let (status, profile) = send(world.as_user(ALICE, Method::GET, ASSETS)).await;
    assert_eq!(status, StatusCode::OK, "{profile}");
    assert_eq!(
        profile,
        json!({"organisation": "waterbedrijf", "revision": 0, "entries": []})
    );

    let body = entries(&[
        ("cpe", "cpe:2.3:a:openbsd:openssh:9.6:*:*:*:*:*:*:*"),
        ("Domain", " waterbedrijf.example "),
        ("domain", "waterbedrijf.example"),
    ]);
    let (status, change) = send(world.as_user(ALICE, Method::POST, ASSETS).json(&body)).await;
    assert_eq!(status, StatusCode::OK, "{change}");
    assert_eq!(
        (change["added"].as_u64(), change["unchanged"].as_u64()),
        (Some(2), Some(0))
    );
    let first_revision = change["revision"].as_i64().unwrap_or_default();
    assert!(first_revision > 0, "{change}");
    assert!(
        tokio::time::timeout(Duration::from_secs(5), world.alerts_changed.notified())
            .await
            .is_ok(),
        "a change nudges the matcher"
    );
    let (_, profile) = send(world.as_user(WIM, Method::GET, ASSETS)).await;
    assert_eq!(profile["revision"], first_revision);
    let listed: Vec<(&str, &str)> = profile["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| {
            assert!(entry["added_at"].is_string(), "{entry}");
            (
                entry["kind"].as_str().unwrap_or_default(),
                entry["value"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("cpe", "cpe:2.3:a:openbsd:openssh:9.6:*:*:*:*:*:*:*"),
            ("domain", "waterbedrijf.example")
        ]
    );
    // The same entries again change nothing, and move no revision.
    let (_, again) = send(world.as_user(ALICE, Method::POST, ASSETS).json(&body)).await;
    assert_eq!(
        (again["added"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(again["revision"], first_revision);

    // Every bad entry is named at once, and nothing of the request is stored.
    let bad = entries(&[
        ("asn", "64500"),
        ("cpx", "cpe:2.3:a:x:y"),
        ("domain", "   "),
    ]);
    let (status, refusal) = send(world.as_user(ALICE, Method::POST, ASSETS).json(&bad)).await;
    let details = assert_error(status, &refusal, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(details.starts_with("entries: 2 of 3 entries"), "{details}");
    assert!(
        details.contains(
            "entries[1] (kind 'cpx', value 'cpe:2.3:a:x:y'): 'cpx' is not a kind of asset"
        ),
        "{details}"
    );
    assert!(
        details.contains("entries[2] (kind 'domain', value '   '): the value is empty"),
        "{details}"
    );
    assert!(!details.contains("entries[0]"), "{details}");
    let (_, profile) = send(world.as_user(ALICE, Method::GET, ASSETS)).await;
    assert_eq!(profile["revision"], first_revision, "nothing was stored");
    assert_eq!(profile["entries"].as_array().map(Vec::len), Some(2));

    for (method, body, named) in [
        (
            Method::POST,
            json!({"entries": []}),
            "entries: name at least one",
        ),
        (
            Method::DELETE,
            json!({"entries": []}),
            "entries: name at least one",
        ),
        (
            Method::DELETE,
            json!({"entries": [], "replace": true}),
            "replace",
        ),
        (Method::POST, json!({"entries": [{"kind": "asn"}]}), "value"),
        (Method::POST, json!({"entry": []}), "entry"),
    ] {
        let (status, refusal) =
            send(world.as_user(ALICE, method.clone(), ASSETS).json(&body)).await;
        let details = assert_error(status, &refusal, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(details.contains(named), "{method} {body}: {details}");
    }

    // Replacing swaps the whole profile in one step; removing takes entries out.
    let replacement = json!({
        "entries": [{"kind": "cidr", "value": "192.0.2.0/24"}, {"kind": "domain", "value": "waterbedrijf.example"}],
        "replace": true
    });
    let (status, change) = send(world.as_user(OLGA, Method::POST, ASSETS).json(&replacement)).await;
    assert_eq!(status, StatusCode::OK, "{change}");
    assert_eq!(
        (
            change["added"].as_u64(),
            change["removed"].as_u64(),
            change["unchanged"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    let removal = entries(&[("cidr", "192.0.2.0/24"), ("asn", "64500")]);
    let (status, change) = send(world.as_user(ALICE, Method::DELETE, ASSETS).json(&removal)).await;
    assert_eq!(status, StatusCode::OK, "{change}");
    assert_eq!(
        (change["removed"].as_u64(), change["unchanged"].as_u64()),
        (Some(1), Some(1))
    );
    let (_, profile) = send(world.as_user(ALICE, Method::GET, ASSETS)).await;
    assert_eq!(
        profile["entries"],
        json!([{"kind": "domain", "value": "waterbedrijf.example", "added_at": profile["entries"][0]["added_at"]}])
    );
    assert_eq!(profile["revision"], change["revision"]);

    let audited: Vec<String> = world
        .audit_entries()
        .iter()
        .filter_map(|entry| {
            entry["action"]
                .as_str()
                .filter(|action| action.starts_with("assets-"))
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        audited,
        ["assets-added", "assets-replaced", "assets-removed"],
        "changes only"
    );
    assert!(
        !world
            .audit_entries()
            .iter()
            .any(|entry| entry.to_string().contains("openssh")),
        "the audit log counts entries, it does not copy them"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_takes_more_than_the_rest_apis_body_limit_up_to_its_entry_limit() {
    let world = World::start().await;
    let many: Vec<(String, String)> = (0..30_000)
        .map(|index| {
            (
                "domain".to_owned(),
                format!("host-{index:05}.waterbedrijf.example"),
            )
        })
        .collect();
    let body = json!({"entries": many.iter().map(|(kind, value)| json!({"kind": kind, "value": value})).collect::<Vec<_>>()});
    assert!(
        body.to_string().len() > 1024 * 1024,
        "more than REST's 1 MiB"
    );
    let (status, change) = send(world.as_user(ALICE, Method::POST, ASSETS).json(&body)).await;
    assert_eq!(status, StatusCode::OK, "{change}");
    assert_eq!(change["added"], 30_000);

    let too_many: Vec<Value> = (0..=100_000)
        .map(|_| json!({"kind": "asn", "value": "1"}))
        .collect();
    let (status, refusal) = send(
        world
            .as_user(ALICE, Method::POST, ASSETS)
            .json(&json!({ "entries": too_many })),
    )
    .await;
    let details = assert_error(status, &refusal, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(details.contains("at most 100000"), "{details}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_is_its_organisations_and_platform_admins_only() {
    let world = World::start().await;
    let body = entries(&[("asn", "64500")]);
    let (status, _) = send(world.as_user(ALICE, Method::POST, ASSETS).json(&body)).await;
    assert_eq!(status, StatusCode::OK);

    // Members read their profile, in its normal form; changing it takes an analyst,
    // never a read-only token.
    let (status, profile) = send(world.as_user(WIM, Method::GET, ASSETS)).await;
    assert_eq!(
        (status, profile["entries"][0]["value"].as_str()),
        (StatusCode::OK, Some("AS64500"))
    );
    let (status, refusal) = send(world.as_user(WIM, Method::POST, ASSETS).json(&body)).await;
    assert!(assert_error(status, &refusal, StatusCode::FORBIDDEN).contains("analyst"));
    let read_only = world.token(ALICE, json!({})).await;
    let (status, _) = send(world.with_token(&read_only, Method::GET, ASSETS)).await;
    assert_eq!(status, StatusCode::OK, "a read-only token reads");
    let (status, refusal) = send(
        world
            .with_token(&read_only, Method::DELETE, ASSETS)
            .json(&body),
    )
    .await;
    assert!(assert_error(status, &refusal, StatusCode::FORBIDDEN).contains("read-only"));
    let limited = world
        .token(ALICE, json!({"write": true, "communities": ["water"]}))
        .await;
    let (status, refusal) = send(world.with_token(&limited, Method::GET, ASSETS)).await;
    assert!(
        assert_error(status, &refusal, StatusCode::FORBIDDEN).contains("limited to communities")
    );
    let (status, refusal) = send(world.request(Method::GET, ASSETS)).await;
    assert_error(status, &refusal, StatusCode::UNAUTHORIZED);

    // Another organisation's profile does not exist for you, nor does a made-up one.
    let (_, own) = send(world.as_user(CARL, Method::GET, ASSETS)).await;
    assert_eq!(own["entries"], json!([]), "{own}");
    for query in ["?organisation=waterbedrijf", "?organisation=nosuch"] {
        let (status, refusal) =
            send(world.as_user(CARL, Method::GET, &format!("{ASSETS}{query}"))).await;
        assert!(assert_error(status, &refusal, StatusCode::NOT_FOUND).contains("asset profile"));
        let (status, refusal) = send(
            world
                .as_user(CARL, Method::POST, &format!("{ASSETS}{query}"))
                .json(&body),
        )
        .await;
        assert_error(status, &refusal, StatusCode::NOT_FOUND);
    }
    let (status, _) = send(world.as_user(
        ALICE,
        Method::GET,
        &format!("{ASSETS}?organisation=waterbedrijf"),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "naming your own is fine");
    let (status, refusal) =
        send(world.as_user(ALICE, Method::GET, &format!("{ASSETS}?org=x"))).await;
    assert!(assert_error(status, &refusal, StatusCode::BAD_REQUEST).contains("org"));

    // Platform admins act on any organisation; an unknown one is 404.
    let (status, profile) = send(world.as_user(
        ADMIN,
        Method::GET,
        &format!("{ASSETS}?organisation=waterbedrijf"),
    ))
    .await;
    assert_eq!(
        (status, profile["entries"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );
    let (status, change) = send(
        world
            .as_user(
                ADMIN,
                Method::POST,
                &format!("{ASSETS}?organisation=chemiebedrijf"),
            )
            .json(&entries(&[("domain", "chemiebedrijf.example")])),
    )
    .await;
    assert_eq!(
        (status, change["organisation"].as_str()),
        (StatusCode::OK, Some("chemiebedrijf"))
    );
    let (_, carls) = send(world.as_user(CARL, Method::GET, ASSETS)).await;
    assert_eq!(carls["entries"][0]["value"], "chemiebedrijf.example");
    let (status, refusal) =
        send(world.as_user(ADMIN, Method::GET, &format!("{ASSETS}?organisation=nosuch"))).await;
    assert!(assert_error(status, &refusal, StatusCode::NOT_FOUND).contains("nosuch"));
    let added = world.audited("assets-added");
    assert_eq!(added.len(), 2);
    assert_eq!(added[1]["subject"], "chemiebedrijf", "{:?}", added[1]);
}
