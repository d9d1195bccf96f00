//! Sightings: "we saw this", of what the reporter may read, shared into one of its
//! communities, named or anonymous.

use super::*;

const PATH: &str = "/api/v1/sightings";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_report_sightings_named_or_anonymous() {
    let world = World::start().await;
    let waterbedrijf = identity_of(&world.store, "waterbedrijf").await;
    let (status, sighting) = send(world.as_user(WIM, Method::POST, PATH).json(&json!({
        "sighting_of_ref": WATER_INDICATOR,
        "community": "water",
        "count": 3,
        "first_seen": "2026-01-06T08:00:00Z",
        "last_seen": "2026-01-06T09:30:00Z",
        "description": "seen at the pumping station",
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sighting}");
    assert_eq!(sighting["type"], "sighting");
    assert_eq!(sighting["sighting_of_ref"], WATER_INDICATOR);
    assert_eq!(sighting["count"], 3);
    assert_eq!(sighting["created_by_ref"], waterbedrijf);
    assert_eq!(sighting["where_sighted_refs"], json!([waterbedrijf]));
    assert_eq!(
        sighting["object_marking_refs"],
        json!([TlpLevel::Green.marking_id()]),
        "the community's default TLP"
    );
    let id = sighting["id"].as_str().unwrap_or_default().to_owned();
    let (status, seen) =
        send(world.as_user(CARL, Method::GET, &format!("/api/v1/objects/{id}"))).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the community's members read it: {seen}"
    );
    let (status, body) =
        send(world.as_user(HANS, Method::GET, &format!("/api/v1/objects/{id}"))).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);

    let (status, anonymous) = send(world.as_user(ALICE, Method::POST, PATH).json(&json!({
        "sighting_of_ref": WATER_INDICATOR,
        "community": "water",
        "anonymous": true,
        "tlp": "amber",
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{anonymous}");
    assert_eq!(
        anonymous["created_by_ref"],
        identity_of(&world.store, "water").await
    );
    assert!(anonymous.get("where_sighted_refs").is_none(), "{anonymous}");
    assert!(!anonymous.to_string().contains(&waterbedrijf));
    assert_eq!(
        anonymous["object_marking_refs"],
        json!([TlpLevel::Amber.marking_id()])
    );
    let reported = world.audited("sighting-reported");
    assert_eq!(reported.len(), 2);
    assert_eq!(
        reported[1]["details"]["organisation"], "waterbedrijf",
        "the audit log knows"
    );
    assert_eq!(reported[1]["details"]["anonymous"], true);

    // A sighting of an AMBER object is AMBER at least; carl's organisation is in chemie.
    let (status, body) = send(world.as_user(CARL, Method::POST, PATH).json(&json!({
        "sighting_of_ref": CHEMIE_INDICATOR, "community": "chemie", "tlp": "green",
    })))
    .await;
    assert!(assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY).contains("tlp"));
    let (status, body) = send(world.as_user(CARL, Method::POST, PATH).json(&json!({
        "sighting_of_ref": CHEMIE_INDICATOR, "community": "chemie",
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sightings_are_refused_with_the_field_named() {
    let world = World::start().await;
    let (status, body) = send(world.as_user(ALICE, Method::POST, PATH).json(&json!({
        "sighting_of_ref": CHEMIE_INDICATOR, "community": "water",
    })))
    .await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    let (status, body) = send(world.as_user(ALICE, Method::POST, PATH).json(&json!({
        "sighting_of_ref": RED_INDICATOR, "community": "water",
    })))
    .await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    let read_only = world.token(ALICE, json!({})).await;
    let good = json!({"sighting_of_ref": WATER_INDICATOR, "community": "water"});
    let (status, body) = send(world.with_token(&read_only, Method::POST, PATH).json(&good)).await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    let (status, body) = send(world.request(Method::POST, PATH).json(&good)).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);

    let cases = [
        (
            json!({"sighting_of_ref": WATER_INDICATOR, "community": "chemie"}),
            "community",
        ),
        (
            json!({"sighting_of_ref": WATER_INDICATOR, "community": "water", "first_seen": "yesterday"}),
            "first_seen",
        ),
        (
            json!({"sighting_of_ref": WATER_INDICATOR, "community": "water", "count": 1_000_000_000}),
            "count",
        ),
        (
            json!({"sighting_of_ref": WATER_INDICATOR, "community": "water", "count": -1}),
            "count",
        ),
        (
            json!({"sighting_of_ref": WATER_INDICATOR, "community": "water", "tlp": "red"}),
            "tlp",
        ),
        (
            json!({"sighting_of_ref": WATER_INDICATOR, "community": "water", "tlp": "purple"}),
            "tlp",
        ),
        (json!({"community": "water"}), "sighting_of_ref"),
        (
            json!({"sighting_of_ref": WATER_INDICATOR, "community": "water",
                "first_seen": "2026-01-06T09:00:00Z", "last_seen": "2026-01-06T08:00:00Z"}),
            "last_seen",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = send(world.as_user(ALICE, Method::POST, PATH).json(&body)).await;
        let details = assert_error(status, &answer, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            details.contains(field),
            "{field} not in {details} for {body}"
        );
    }
    assert!(
        world.audited("sighting-reported").is_empty(),
        "nothing was reported"
    );
    let (_, statistics) = send(world.as_user(ALICE, Method::GET, "/api/v1/statistics")).await;
    assert_eq!(
        statistics["by_type"],
        json!({"indicator": 2}),
        "nothing was stored"
    );
}

fn summary_path(id: &str) -> String {
    format!("/api/v1/objects/{id}/sightings")
}

/// Reports a sighting of the water indicator into `water` as `login`.
async fn report(world: &World, login: &str, count: u32, anonymous: bool, day: u32) {
    let (status, body) = send(world.as_user(login, Method::POST, PATH).json(&json!({
        "sighting_of_ref": WATER_INDICATOR,
        "community": "water",
        "count": count,
        "anonymous": anonymous,
        "first_seen": format!("2026-01-{day:02}T08:00:00Z"),
        "last_seen": format!("2026-01-{day:02}T09:00:00Z"),
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sightings_by_two_organisations_raise_the_count_and_the_effective_confidence() {
    let world = World::start().await;
    let (status, before) =
        send(world.as_user(ALICE, Method::GET, &summary_path(WATER_INDICATOR))).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert_eq!(
        before,
        json!({"sightings": 0, "total_count": 0, "organisations": 0, "effective_confidence": 50}),
        "an indicator without confidence starts at 50"
    );

    report(&world, WIM, 3, false, 6).await;
    report(&world, CARL, 2, false, 8).await;
    let (status, summary) =
        send(world.as_user(ALICE, Method::GET, &summary_path(WATER_INDICATOR))).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(
        summary,
        json!({
            "sightings": 2, "total_count": 5, "organisations": 2,
            "first_seen": "2026-01-06T08:00:00.000000Z", "last_seen": "2026-01-08T09:00:00.000000Z",
            "yours": {"sightings": 1, "total_count": 3},
            "effective_confidence": 68,
        })
    );
    let (status, object) = send(world.as_user(
        CARL,
        Method::GET,
        &format!("/api/v1/objects/{WATER_INDICATOR}"),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{object}");
    assert_eq!(object["id"], WATER_INDICATOR);
    assert_eq!(object["x_dijkwacht_sightings"]["total_count"], 5);
    assert_eq!(
        object["x_dijkwacht_sightings"]["yours"],
        json!({"sightings": 1, "total_count": 2}),
        "carl's organisation sees its own"
    );
    assert_eq!(object["x_dijkwacht_sightings"]["effective_confidence"], 68);
    let stored = world
        .store
        .versions(WATER_INDICATOR)
        .await
        .unwrap_or_default();
    assert_eq!(stored.len(), 1, "the indicator itself is not versioned");
    assert!(!stored[0].json.contains("sightings"), "nor changed");

    // Sightings stored by other paths (an import, a TAXII POST) count the same.
    let sighting = json!({
        "type": "sighting", "spec_version": "2.1",
        "id": "sighting--0a000000-0000-4000-8000-0000000000aa",
        "created": "2026-01-09T10:00:00.000Z", "modified": "2026-01-09T10:00:00.000Z",
        "sighting_of_ref": WATER_INDICATOR, "count": 10,
    });
    world
        .add_object(sighting, "fusion", TlpLevel::Green, Some("water"), &[])
        .await;
    let (_, summary) = send(world.as_user(WIM, Method::GET, &summary_path(WATER_INDICATOR))).await;
    assert_eq!(
        (
            &summary["sightings"],
            &summary["total_count"],
            &summary["organisations"]
        ),
        (&json!(3), &json!(15), &json!(3)),
        "{summary}"
    );
    assert_eq!(summary["effective_confidence"], 74);
    assert_eq!(
        summary["last_seen"], "2026-01-09T10:00:00.000000Z",
        "its created"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_summary_is_404_for_whoever_cannot_read_the_object() {
    let world = World::start().await;
    report(&world, WIM, 1, false, 6).await;
    let unknown = "indicator--0a000000-0000-4000-8000-000000000999";
    for (login, id) in [
        (Some(HANS), WATER_INDICATOR),
        (None, WATER_INDICATOR),
        (Some(ALICE), CHEMIE_INDICATOR),
        (Some(ALICE), RED_INDICATOR),
        (Some(ALICE), unknown),
    ] {
        let request = match login {
            Some(login) => world.as_user(login, Method::GET, &summary_path(id)),
            None => world.request(Method::GET, &summary_path(id)),
        };
        let (status, body) = send(request).await;
        assert_error(status, &body, StatusCode::NOT_FOUND);
        assert!(!body.to_string().contains("sightings\":"), "{body}");
    }
    let (status, public) = send(world.request(Method::GET, &summary_path(PUBLIC_INDICATOR))).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "anonymous callers read the public tier: {public}"
    );
    assert_eq!(public["sightings"], 0);
    let (status, red) = send(world.as_user(CARL, Method::GET, &summary_path(RED_INDICATOR))).await;
    assert_eq!(status, StatusCode::OK, "{red}");
    assert!(
        world
            .audited("rest-read")
            .iter()
            .any(|entry| entry["details"]["objects"]
                .to_string()
                .contains(RED_INDICATOR)),
        "reading the summary of a RED object is audited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_sightings_count_but_name_no_organisation() {
    let world = World::start().await;
    report(&world, ALICE, 4, true, 6).await;
    let waterbedrijf = identity_of(&world.store, "waterbedrijf").await;
    let (status, summary) =
        send(world.as_user(CARL, Method::GET, &summary_path(WATER_INDICATOR))).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(
        summary,
        json!({
            "sightings": 1, "total_count": 4, "organisations": 1,
            "first_seen": "2026-01-06T08:00:00.000000Z", "last_seen": "2026-01-06T09:00:00.000000Z",
            "effective_confidence": 60,
        }),
        "counted, and nothing names the reporter"
    );
    let (_, object) = send(world.as_user(
        CARL,
        Method::GET,
        &format!("/api/v1/objects/{WATER_INDICATOR}"),
    ))
    .await;
    let text = object.to_string();
    assert!(
        !text.contains(&waterbedrijf) && !text.contains("waterbedrijf\""),
        "{text}"
    );
    // A second sighting by the same organisation, named this time, is no second
    // organisation: the store knows the reporter even when no one else does.
    report(&world, WIM, 1, false, 7).await;
    let (_, summary) = send(world.as_user(WIM, Method::GET, &summary_path(WATER_INDICATOR))).await;
    assert_eq!(summary["organisations"], 1, "{summary}");
    assert_eq!(
        summary["yours"],
        json!({"sightings": 2, "total_count": 5}),
        "its own organisation sees its anonymous sighting among its own"
    );
}
