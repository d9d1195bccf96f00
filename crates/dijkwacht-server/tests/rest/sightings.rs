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
