//! Actionable alerts over HTTP: the inbox (the organisation's alerts only, TLP:RED for
//! its recipients only, in pages), feedback and statistics; asset profiles
//! ([`profiles`]) and how alerts reach people ([`delivery`]) in modules of their own.
//! Alerts are recorded straight into the store, as the matcher would, without
//! deliveries.

mod delivery;
mod profiles;

use dijkwacht_store::alerts::{Alerts, NewAlert, Severity};

use super::*;

const ALERTS: &str = "/api/v1/alerts";

/// Records an alert for `organisation` as the matcher would; returns its id.
async fn record_alert(
    world: &World,
    organisation: &str,
    key: &str,
    severity: Severity,
    tlp: TlpLevel,
    recipients: &[&str],
    created_at: i64,
) -> String {
    let alert = NewAlert {
        organisation: organisation.to_owned(),
        key: key.to_owned(),
        kind: "vulnerable-product".to_owned(),
        severity,
        tlp,
        recipients: recipients.iter().map(|user| (*user).to_owned()).collect(),
        object_ids: vec![WATER_INDICATOR.to_owned()],
        sources: vec!["cisa-kev".to_owned()],
        body: json!({
            "title": {"nl": format!("Kwetsbaar: {key}"), "en": format!("Vulnerable: {key}")},
            "steps": {"nl": ["Werk bij."], "en": ["Update."]},
            "evidence": [{"entry": "cpe:2.3:a:openbsd:openssh:9.6", "observed": key}]
        }),
        created_at,
        deliveries: Vec::new(),
    };
    let recorded = world
        .store
        .record_alerts(vec![alert], None)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    recorded[0].alert.id.clone()
}

fn ids(list: &Value) -> Vec<String> {
    list["alerts"]
        .as_array()
        .unwrap_or_else(|| panic!("alerts in {list}"))
        .iter()
        .filter_map(|alert| alert["id"].as_str().map(str::to_owned))
        .collect()
}

/// Five alerts of waterbedrijf (oldest first), one TLP:RED for Alice only, and one of
/// chemiebedrijf.
async fn inbox(world: &World) -> (Vec<String>, String, String) {
    let mut water = Vec::new();
    for (index, (severity, tlp)) in [
        (Severity::Low, TlpLevel::Green),
        (Severity::Medium, TlpLevel::Amber),
        (Severity::High, TlpLevel::Green),
        (Severity::Critical, TlpLevel::Clear),
        (Severity::High, TlpLevel::AmberStrict),
    ]
    .into_iter()
    .enumerate()
    {
        let created_at =
            1_780_000_000_000_000 + i64::try_from(index).unwrap_or_default() * 1_000_000;
        water.push(
            record_alert(
                world,
                "waterbedrijf",
                &format!("CVE-2026-000{index}"),
                severity,
                tlp,
                &[],
                created_at,
            )
            .await,
        );
    }
    let red = record_alert(
        world,
        "waterbedrijf",
        "CVE-2026-RED",
        Severity::Critical,
        TlpLevel::Red,
        &[ALICE],
        1_780_000_010_000_000,
    )
    .await;
    let chemie = record_alert(
        world,
        "chemiebedrijf",
        "CVE-2026-0000",
        Severity::High,
        TlpLevel::Green,
        &[],
        1_780_000_020_000_000,
    )
    .await;
    (water, red, chemie)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_lists_the_organisations_alerts_newest_first_and_red_ones_to_their_recipients() {
    let world = World::start().await;
    let (water, red, chemie) = inbox(&world).await;
    let newest_first: Vec<String> = water.iter().rev().cloned().collect();

    let (status, list) = send(world.as_user(WIM, Method::GET, ALERTS)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(
        ids(&list),
        newest_first,
        "no RED alert for Wim, nothing of chemiebedrijf"
    );
    assert_eq!(
        (list["more"].as_bool(), &list["next"]),
        (Some(false), &Value::Null)
    );
    let (_, list) = send(world.as_user(ALICE, Method::GET, ALERTS)).await;
    assert_eq!(ids(&list)[0], red, "the RED alert names Alice");
    let (_, list) = send(world.as_user(CARL, Method::GET, ALERTS)).await;
    assert_eq!(ids(&list), std::slice::from_ref(&chemie));
    let first = &list["alerts"][0];
    for field in [
        "id",
        "organisation",
        "kind",
        "severity",
        "tlp",
        "status",
        "created",
        "updated",
        "object_ids",
        "body",
    ] {
        assert!(!first[field].is_null(), "{field} in {first}");
    }
    assert_eq!(
        (first["status"].as_str(), &first["status_by"]),
        (Some("new"), &Value::Null)
    );
    assert_eq!(first["body"]["title"]["en"], "Vulnerable: CVE-2026-0000");

    // Filters.
    let (_, list) = send(world.as_user(WIM, Method::GET, &format!("{ALERTS}?severity=high"))).await;
    assert_eq!(
        ids(&list),
        [water[4].clone(), water[3].clone(), water[2].clone()]
    );
    let (_, list) = send(world.as_user(
        WIM,
        Method::GET,
        &format!("{ALERTS}?since=2026-05-28T20:26:43Z"),
    ))
    .await;
    assert_eq!(ids(&list), [water[4].clone(), water[3].clone()], "{list}");
    let (_, list) = send(world.as_user(
        WIM,
        Method::GET,
        &format!("{ALERTS}?status=resolved&status=acknowledged"),
    ))
    .await;
    assert_eq!(ids(&list), Vec::<String>::new());
    let (_, list) = send(world.as_user(
        WIM,
        Method::GET,
        &format!("{ALERTS}?status=new,resolved&limit=1"),
    ))
    .await;
    assert_eq!(ids(&list), [water[4].clone()]);

    // Pages, older with `before`, then newer again with `after`.
    let mut seen = Vec::new();
    let mut path = format!("{ALERTS}?limit=2");
    loop {
        let (status, page) = send(world.as_user(WIM, Method::GET, &path)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(ids(&page));
        match page["next"].as_str() {
            Some(next) => {
                assert_eq!(page["more"], true);
                path = format!("{ALERTS}?limit=2&before={next}");
            }
            None => break,
        }
    }
    assert_eq!(seen, newest_first);
    let (_, first_four) = send(world.as_user(WIM, Method::GET, &format!("{ALERTS}?limit=4"))).await;
    let after_fourth = first_four["next"].as_str().unwrap_or_default();
    let (_, oldest) = send(world.as_user(
        WIM,
        Method::GET,
        &format!("{ALERTS}?limit=1&before={after_fourth}"),
    ))
    .await;
    assert_eq!(
        (ids(&oldest), &oldest["more"]),
        (vec![water[0].clone()], &json!(false))
    );
    let (_, all) = send(world.as_user(WIM, Method::GET, ALERTS)).await;
    let oldest_position = format!(
        "{}:{}",
        1_780_000_000_000_000_i64,
        all["alerts"][4]["id"].as_str().unwrap_or_default()
    );
    let (_, newer) = send(world.as_user(
        WIM,
        Method::GET,
        &format!("{ALERTS}?limit=2&after={oldest_position}"),
    ))
    .await;
    assert_eq!(
        ids(&newer),
        [water[2].clone(), water[1].clone()],
        "the two closest, newest first"
    );
    assert_eq!(newer["more"], true);
    assert_eq!(
        newer["next"],
        format!("{}:{}", 1_780_000_002_000_000_i64, water[2])
    );

    for (query, named) in [
        ("?status=done", "status"),
        ("?severity=urgent", "severity"),
        ("?since=yesterday", "since"),
        ("?before=nowhere", "before"),
        ("?limit=0", "limit"),
        ("?limit=10001", "limit"),
        ("?before=1:a&after=1:a", "after"),
        ("?severity=low&severity=high", "severity"),
        ("?colour=red", "colour"),
    ] {
        let (status, refusal) =
            send(world.as_user(WIM, Method::GET, &format!("{ALERTS}{query}"))).await;
        let details = assert_error(status, &refusal, StatusCode::BAD_REQUEST);
        assert!(details.starts_with(named), "{query}: {details}");
    }
    let (status, refusal) = send(world.as_user(
        ALICE,
        Method::GET,
        &format!("{ALERTS}?organisation=chemiebedrijf"),
    ))
    .await;
    assert_error(status, &refusal, StatusCode::NOT_FOUND);
    let (status, list) = send(world.as_user(
        ADMIN,
        Method::GET,
        &format!("{ALERTS}?organisation=waterbedrijf"),
    ))
    .await;
    assert_eq!(
        (status, ids(&list)),
        (StatusCode::OK, newest_first.clone()),
        "platform admins are not named on the RED one either"
    );
    let limited = world.token(WIM, json!({"communities": ["water"]})).await;
    let (status, refusal) = send(world.with_token(&limited, Method::GET, ALERTS)).await;
    assert_error(status, &refusal, StatusCode::FORBIDDEN);

    // One alert: yours, with its history; another organisation's or a RED one not naming
    // you is not there.
    let (status, one) =
        send(world.as_user(WIM, Method::GET, &format!("{ALERTS}/{}", water[1]))).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(
        (one["id"].as_str(), one["tlp"].as_str(), &one["history"]),
        (Some(water[1].as_str()), Some("amber"), &json!([]))
    );
    for (login, id) in [
        (CARL, &water[1]),
        (WIM, &red),
        (ALICE, &chemie),
        (ADMIN, &red),
        (ALICE, &"no-such-alert".to_owned()),
    ] {
        let (status, refusal) =
            send(world.as_user(login, Method::GET, &format!("{ALERTS}/{id}"))).await;
        assert_error(status, &refusal, StatusCode::NOT_FOUND);
    }
    let (status, _) = send(world.as_user(ALICE, Method::GET, &format!("{ALERTS}/{red}"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(world.as_user(ADMIN, Method::GET, &format!("{ALERTS}/{chemie}"))).await;
    assert_eq!(status, StatusCode::OK);
    let reads = world.audited("alert-read");
    assert!(
        reads
            .iter()
            .any(|entry| entry["details"]["alerts"] == json!([water[1]])),
        "reading an AMBER alert is audited: {reads:?}"
    );
    assert!(
        reads
            .iter()
            .all(|entry| !entry["details"]["alerts"].to_string().contains(&chemie)),
        "a GREEN alert is not"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedback_changes_status_and_history_and_comes_from_the_organisation() {
    let world = World::start().await;
    let (water, red, _) = inbox(&world).await;
    let feedback = |id: &str| format!("{ALERTS}/{id}/feedback");

    let (status, alert) = send(
        world
            .as_user(ALICE, Method::POST, &feedback(&water[3]))
            .json(&json!({"status": "acknowledged", "note": " looking into it "})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{alert}");
    assert_eq!(
        (
            alert["status"].as_str(),
            alert["status_by"].as_str(),
            alert["status_note"].as_str()
        ),
        (Some("acknowledged"), Some(ALICE), Some("looking into it"))
    );
    assert!(alert["status_at"].is_string());
    let (status, alert) = send(
        world
            .as_user(WIM, Method::POST, &feedback(&water[3]))
            .json(&json!({"status": "resolved"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "members give feedback too: {alert}");
    let history: Vec<(&str, &str)> = alert["history"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|change| {
            (
                change["status"].as_str().unwrap_or_default(),
                change["by"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(history, [("acknowledged", ALICE), ("resolved", WIM)]);
    let (_, one) = send(world.as_user(OLGA, Method::GET, &format!("{ALERTS}/{}", water[3]))).await;
    assert_eq!(
        (
            one["status"].as_str(),
            one["history"].as_array().map(Vec::len)
        ),
        (Some("resolved"), Some(2))
    );
    let (_, resolved) =
        send(world.as_user(OLGA, Method::GET, &format!("{ALERTS}?status=resolved"))).await;
    assert_eq!(ids(&resolved), [water[3].clone()]);

    let read_only = world.token(ALICE, json!({})).await;
    let (status, refusal) = send(
        world
            .with_token(&read_only, Method::POST, &feedback(&water[0]))
            .json(&json!({"status": "resolved"})),
    )
    .await;
    assert!(assert_error(status, &refusal, StatusCode::FORBIDDEN).contains("read-only"));
    for (login, id, expected) in [
        (CARL, &water[0], StatusCode::NOT_FOUND),
        (WIM, &red, StatusCode::NOT_FOUND),
        (ADMIN, &water[0], StatusCode::FORBIDDEN),
    ] {
        let (status, refusal) = send(
            world
                .as_user(login, Method::POST, &feedback(id))
                .json(&json!({"status": "false-positive"})),
        )
        .await;
        assert_error(status, &refusal, expected);
    }
    for (body, named) in [
        (json!({"status": "new"}), "status"),
        (json!({"status": "fixed"}), "status"),
        (
            json!({"status": "resolved", "note": "x".repeat(2_001)}),
            "note",
        ),
        (json!({"status": "resolved", "by": ALICE}), "by"),
        (json!({}), "status"),
    ] {
        let (status, refusal) = send(
            world
                .as_user(ALICE, Method::POST, &feedback(&water[0]))
                .json(&body),
        )
        .await;
        let details = assert_error(status, &refusal, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(details.contains(named), "{body}: {details}");
    }
    let (_, untouched) =
        send(world.as_user(ALICE, Method::GET, &format!("{ALERTS}/{}", water[0]))).await;
    assert_eq!(untouched["status"], "new");
    let audited = world.audited("alert-feedback");
    assert_eq!(audited.len(), 2);
    assert_eq!(audited[1]["subject"], water[3].as_str());
    assert_eq!(audited[1]["details"]["status"], "resolved");
    assert_eq!(audited[1]["details"]["previous_status"], "acknowledged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_count_the_organisations_alerts_and_sources_for_platform_admins() {
    let world = World::start().await;
    let (water, _, _) = inbox(&world).await;
    let (status, _) = send(
        world
            .as_user(
                ALICE,
                Method::POST,
                &format!("{ALERTS}/{}/feedback", water[0]),
            )
            .json(&json!({"status": "false-positive"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let statistics = format!("{ALERTS}/statistics");

    let (status, counts) = send(world.as_user(ALICE, Method::GET, &statistics)).await;
    assert_eq!(status, StatusCode::OK, "{counts}");
    assert_eq!(counts["organisation"], "waterbedrijf");
    assert_eq!(counts["total"], 6);
    assert_eq!(
        counts["by_status"],
        json!({"new": 5, "acknowledged": 0, "resolved": 0, "not-relevant": 0, "false-positive": 1})
    );
    assert_eq!(
        counts["by_severity"],
        json!({"low": 1, "medium": 1, "high": 2, "critical": 2})
    );
    assert!(counts["cells"].as_array().is_some_and(|cells| {
        cells.contains(&json!({"status": "false-positive", "severity": "low", "alerts": 1}))
    }));
    assert_eq!(
        counts["feedback_by_source"],
        Value::Null,
        "sources are for platform admins"
    );

    let (status, counts) = send(world.as_user(ADMIN, Method::GET, &statistics)).await;
    assert_eq!(status, StatusCode::OK, "{counts}");
    // The seven alerts less the RED one that names Alice alone: a count tells a reader
    // of nothing the inbox would not list to them, platform admins included.
    assert_eq!(
        (&counts["organisation"], counts["total"].as_u64()),
        (&Value::Null, Some(6))
    );
    assert_eq!(
        counts["feedback_by_source"],
        json!([{"source": "cisa-kev", "alerts": 7, "new": 6, "acknowledged": 0, "resolved": 0, "not_relevant": 0, "false_positive": 1,
                 "reliability": null, "effective_reliability": null, "reliability_reason": null}])
    );
    let (_, counts) = send(world.as_user(
        ADMIN,
        Method::GET,
        &format!("{statistics}?organisation=chemiebedrijf"),
    ))
    .await;
    assert_eq!(
        (counts["organisation"].as_str(), counts["total"].as_u64()),
        (Some("chemiebedrijf"), Some(1))
    );
    for (login, query, expected) in [
        (ALICE, "?organisation=chemiebedrijf", StatusCode::NOT_FOUND),
        (ADMIN, "?organisation=nosuch", StatusCode::NOT_FOUND),
        (ALICE, "?verbose=true", StatusCode::BAD_REQUEST),
    ] {
        let (status, refusal) =
            send(world.as_user(login, Method::GET, &format!("{statistics}{query}"))).await;
        assert_error(status, &refusal, expected);
    }
}
