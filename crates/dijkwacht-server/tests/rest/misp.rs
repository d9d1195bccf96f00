//! MISP events uploaded as MISP exports them (`POST /api/v1/misp/events`): the real
//! events of `../shared/data/misp` into a community, read back by its members and by
//! no one else; the same event twice; distribution 0; and every refusal.

use std::path::{Path, PathBuf};

use dijkwacht_store::ObjectQuery;

use super::*;

const PATH: &str = "/api/v1/misp/events";

/// The folders of real MISP events, relative to the shared data.
const EVENT_FOLDERS: [&str; 3] = [
    "misp/feed-circl-osint-sample",
    "misp/feed-misp-test-fixture",
    "misp/events-api-format",
];

/// A small real event (one `link` attribute, TLP:CLEAR).
const SMALL_EVENT: &str = "misp/feed-circl-osint-sample/56bf399d-c46c-4fdb-a9cf-d9bb02de0b81.json";

/// The shared data folder, or `None` (after saying so) when it is absent outside CI.
fn shared_data() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the shared data folder {} is missing, and CI must run this test",
        path.display()
    );
    eprintln!(
        "skipping: the shared data folder {} is missing",
        path.display()
    );
    None
}

/// Every event file (`<uuid>.json`, not the manifest) of the real folders, sorted.
fn event_files(data: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for folder in EVENT_FOLDERS {
        let entries = ok(std::fs::read_dir(data.join(folder)));
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| {
                path.extension()
                    .is_some_and(|extension| extension == "json")
                    && path.file_name().is_some_and(|name| name != "manifest.json")
            })
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

fn read_event(path: &Path) -> Value {
    ok(serde_json::from_slice(&ok(std::fs::read(path))))
}

/// An upload of `body` (sent as is) by `login` into `query`.
fn upload(
    world: &World,
    login: &str,
    query: &str,
    body: impl Into<reqwest::Body>,
) -> RequestBuilder {
    as_json(
        world.as_user(login, Method::POST, &format!("{PATH}?{query}")),
        body,
    )
}

/// An upload with an API token.
fn upload_with_token(
    world: &World,
    token: &str,
    query: &str,
    body: impl Into<reqwest::Body>,
) -> RequestBuilder {
    as_json(
        world.with_token(token, Method::POST, &format!("{PATH}?{query}")),
        body,
    )
}

fn as_json(request: RequestBuilder, body: impl Into<reqwest::Body>) -> RequestBuilder {
    request
        .header("content-type", "application/json")
        .body(body)
}

fn text_of(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// How many versions of objects the store holds.
async fn stored_versions(world: &World) -> u64 {
    ok(world.store.count_by_type().await)
        .iter()
        .map(|count| count.versions)
        .sum()
}

/// The owner the store gave `id`.
async fn stored_owner(world: &World, id: &str) -> Option<String> {
    let page = ok(world
        .store
        .query(ObjectQuery {
            ids: vec![id.to_owned()],
            limit: 1,
            ..ObjectQuery::default()
        })
        .await);
    page.objects
        .into_iter()
        .next()
        .and_then(|object| object.owner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_events_are_read_by_the_community_and_by_no_one_else() {
    let Some(data) = shared_data() else {
        return;
    };
    let world = World::start().await;
    let mut uploaded = BTreeSet::new();
    let files = event_files(&data);
    assert!(files.len() >= 12, "the real events: {files:?}");
    for file in &files {
        let (status, summary) = send(upload(
            &world,
            ALICE,
            "community=water",
            ok(std::fs::read(file)),
        ))
        .await;
        let events = summary["events"].as_array().cloned().unwrap_or_default();
        assert_eq!(events.len(), 1, "{}: {summary}", file.display());
        let uuid = text_of(&events[0]["uuid"]);
        let expected = if uploaded.insert(uuid.clone()) {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        assert_eq!(status, expected, "{}: {summary}", file.display());
        let figure = |name: &str| summary[name].as_u64().unwrap_or(u64::MAX);
        assert!(figure("objects") > 0, "{summary}");
        assert_eq!(
            figure("new_objects") + figure("new_versions") + figure("duplicates"),
            figure("objects"),
            "{summary}"
        );
        if expected == StatusCode::OK {
            assert_eq!(figure("new_objects"), 0, "{summary}");
        }
        assert_eq!(summary["communities"], json!(["water"]));
        assert_eq!(events[0]["tlp"], "clear", "every real event is tlp:white");
        assert_eq!(events[0]["tlp_from"], "event");
        let reports = summary["reports"].as_array().cloned().unwrap_or_default();
        assert_eq!(reports.len(), 1, "{summary}");
        let report = text_of(&reports[0]);
        let path = format!("/api/v1/objects/{report}");
        let (status, read) = send(world.as_user(CARL, Method::GET, &path)).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "a member of water reads {report}: {read}"
        );
        assert_eq!(read["type"], "report");
        assert!(
            read["object_refs"]
                .as_array()
                .is_some_and(|refs| !refs.is_empty()),
            "{read}"
        );
        assert!(
            read["external_references"].to_string().contains(&uuid),
            "the report names its MISP event: {read}"
        );
        let (status, body) = send(world.as_user(HANS, Method::GET, &path)).await;
        assert_error(status, &body, StatusCode::NOT_FOUND);
        let (status, body) = send(world.request(Method::GET, &path)).await;
        assert_error(status, &body, StatusCode::NOT_FOUND);
    }
    assert!(uploaded.len() >= 12, "{uploaded:?}");
    let audited = world.audited("misp-upload");
    assert_eq!(audited.len(), files.len());
    assert_eq!(audited[0]["details"]["organisation"], "waterbedrijf");
    assert_eq!(audited[0]["details"]["communities"], json!(["water"]));
    assert_eq!(audited[0]["actor"], ALICE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_events_twice_store_nothing_new_also_as_one_large_response() {
    let Some(data) = shared_data() else {
        return;
    };
    let world = World::start().await;
    let small = ok(std::fs::read(data.join(SMALL_EVENT)));
    let (status, first) = send(upload(&world, ALICE, "community=water", small.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let before = stored_versions(&world).await;
    let (status, again) = send(upload(&world, ALICE, "community=water", small)).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["new_objects"], 0);
    assert_eq!(again["new_versions"], 0);
    assert_eq!(again["duplicates"], first["objects"]);
    assert_eq!(again["reports"], first["reports"]);
    assert_eq!(
        stored_versions(&world).await,
        before,
        "nothing stored twice"
    );

    // Every real event in one MISP API answer, larger than the other REST bodies may be.
    let response: Vec<Value> = event_files(&data)
        .iter()
        .map(|file| {
            let event = read_event(file);
            if event.get("Event").is_some() {
                event
            } else {
                json!({ "Event": event })
            }
        })
        .collect();
    let body = json!({ "response": response }).to_string();
    assert!(body.len() > 1024 * 1024, "{} bytes", body.len());
    let (status, all) = send(upload(&world, ALICE, "community=water", body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{all}");
    assert_eq!(all["events"].as_array().map(Vec::len), Some(response.len()));
    assert_eq!(
        all["reports"].as_array().map(Vec::len),
        Some(response.len())
    );
    let stored = stored_versions(&world).await;
    let (status, repeated) = send(upload(&world, ALICE, "community=water", body)).await;
    assert_eq!(status, StatusCode::OK, "{repeated}");
    assert_eq!(repeated["new_objects"], 0);
    assert_eq!(stored_versions(&world).await, stored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distribution_0_stays_with_the_owner_whatever_the_communities() {
    let Some(data) = shared_data() else {
        return;
    };
    let world = World::start().await;
    let mut event = read_event(&data.join(SMALL_EVENT));
    event["Event"]["distribution"] = json!("0");
    let (status, summary) = send(upload(&world, ALICE, "community=water", event.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{summary}");
    assert_eq!(summary["events"][0]["kept_to_organisation"], true);
    assert_eq!(summary["events"][0]["distribution"], 0);
    assert_eq!(summary["kept_to_organisation"], summary["objects"]);
    let report = text_of(&summary["reports"][0]);
    let path = format!("/api/v1/objects/{report}");
    let (status, read) = send(world.as_user(OLGA, Method::GET, &path)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the owner's own organisation reads it: {read}"
    );
    let (status, body) = send(world.as_user(CARL, Method::GET, &path)).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    assert_eq!(
        stored_owner(&world, &report).await.as_deref(),
        Some("waterbedrijf")
    );
    // The community's other members see nothing of it, not even through search.
    let (status, found) = send(world.as_user(OLGA, Method::GET, "/api/v1/search?q=Machine")).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert!(
        found.to_string().contains(&report),
        "the owner finds it: {found}"
    );
    let (status, found) = send(world.as_user(CARL, Method::GET, "/api/v1/search?q=Machine")).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert!(!found.to_string().contains(&report), "{found}");
}

/// A hand-written event: one known attribute and one of a type MISP does not have.
fn event_with_unknown_type() -> Value {
    json!({"Event": {
        "uuid": "5f0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b",
        "timestamp": "1767600000",
        "date": "2026-01-05",
        "info": "beacons at the sluice",
        "distribution": "1",
        "Orgc": {"uuid": "6a0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b", "name": "CERT-W"},
        "Attribute": [
            {"uuid": "7a0c1d2e-3f40-4a51-8b62-7c8d9e0f1a01", "type": "ip-dst",
             "category": "Network activity", "value": "198.51.100.7", "to_ids": true,
             "timestamp": "1767600000"},
            {"uuid": "7a0c1d2e-3f40-4a51-8b62-7c8d9e0f1a02", "type": "x-sluice-gate",
             "category": "Other", "value": "gate 7", "to_ids": false,
             "timestamp": "1767600000"}
        ]
    }})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attributes_that_cannot_be_mapped_are_reported_and_the_rest_is_stored() {
    let world = World::start().await;
    let (status, summary) = send(upload(
        &world,
        CARL,
        "community=water&community=chemie&tlp=amber",
        event_with_unknown_type().to_string(),
    ))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{summary}");
    let not_mapped = summary["not_mapped"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let unknown = not_mapped
        .iter()
        .find(|problem| problem["attribute"] == "7a0c1d2e-3f40-4a51-8b62-7c8d9e0f1a02")
        .unwrap_or_else(|| panic!("the unknown attribute in {summary}"));
    assert_eq!(unknown["type"], "x-sluice-gate");
    assert_eq!(unknown["event"], "5f0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b");
    assert!(
        text_of(&unknown["problem"]).contains("not known"),
        "{unknown}"
    );
    assert_eq!(summary["events"][0]["tlp"], "amber");
    assert_eq!(summary["events"][0]["tlp_from"], "parameter");
    assert_eq!(summary["communities"], json!(["chemie", "water"]));
    let report = text_of(&summary["reports"][0]);
    let (status, read) =
        send(world.as_user(ALICE, Method::GET, &format!("/api/v1/objects/{report}"))).await;
    assert_eq!(status, StatusCode::OK, "water reads it: {read}");
    let refs = read["object_refs"].to_string();
    assert!(
        refs.contains("indicator--"),
        "the known attribute is stored: {read}"
    );
    assert!(!read.to_string().contains("gate 7"), "{read}");

    // Another organisation edits the event: only the owner versions its objects.
    let mut edited = event_with_unknown_type();
    edited["Event"]["timestamp"] = json!("1767700000");
    edited["Event"]["info"] = json!("beacons at the sluice, edited");
    let before = stored_versions(&world).await;
    let (status, body) = send(upload(&world, ALICE, "community=water", edited.to_string())).await;
    let details = assert_error(status, &body, StatusCode::CONFLICT);
    assert!(
        details.contains(&report) && details.contains("owner"),
        "{details}"
    );
    assert_eq!(stored_versions(&world).await, before, "nothing half stored");
    let (status, body) = send(upload(&world, CARL, "community=water", edited.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "the owner edits: {body}");
    assert!(
        body["new_versions"].as_u64().is_some_and(|count| count > 0),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_and_callers_are_refused_and_nothing_is_stored() {
    let Some(data) = shared_data() else {
        return;
    };
    let world = World::start().await;
    let small = ok(std::fs::read_to_string(data.join(SMALL_EVENT)));
    // waterbedrijf in a community under haven: it reads what is shared into haven.
    ok(registration::add_community(
        &world.store,
        &world.store,
        NewCommunity {
            name: "sluis".to_owned(),
            display_name: None,
            kind: CommunityKind::TopSector,
            parent: Some("haven".to_owned()),
            vetted: false,
            default_tlp: TlpLevel::Green,
        },
    )
    .await);
    ok(world.store.join("sluis", "waterbedrijf", None).await);
    let before = stored_versions(&world).await;
    let refused = |status: StatusCode, body: &Value, expected: StatusCode, needle: &str| {
        let details = assert_error(status, body, expected);
        assert!(
            details.contains(needle),
            "'{needle}' in the details of {body}"
        );
    };

    let (status, body) = send(upload(
        &world,
        ALICE,
        "community=water",
        small[..small.len() / 2].to_owned(),
    ))
    .await;
    refused(status, &body, StatusCode::BAD_REQUEST, "EOF while parsing");
    assert_eq!(body["error"]["code"], "malformed_json");
    let (status, body) = send(upload(
        &world,
        ALICE,
        "community=water",
        r#"{"hello": "world"}"#,
    ))
    .await;
    refused(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "no uuid");
    assert_eq!(body["error"]["code"], "not_a_misp_event");
    let mut without_timestamp = read_event(&data.join(SMALL_EVENT));
    if let Some(event) = without_timestamp["Event"].as_object_mut() {
        event.remove("timestamp");
    }
    let (status, body) = send(upload(
        &world,
        ALICE,
        "community=water",
        without_timestamp.to_string(),
    ))
    .await;
    refused(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "event 56bf399d-c46c-4fdb-a9cf-d9bb02de0b81",
    );
    let mut red = read_event(&data.join(SMALL_EVENT));
    red["Event"]["Tag"] = json!([{"name": "tlp:red"}]);
    let (status, body) = send(upload(&world, ALICE, "community=water", red.to_string())).await;
    refused(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "TLP:RED goes to named people only",
    );
    assert_eq!(body["error"]["code"], "tlp_red_refused");
    let (status, body) = send(
        world
            .as_user(ALICE, Method::POST, &format!("{PATH}?community=water"))
            .header("content-type", "text/plain")
            .body(small.clone()),
    )
    .await;
    refused(
        status,
        &body,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "application/json",
    );

    // Communities: one the caller does not reach, none, one it only reads.
    let (status, body) = send(upload(&world, ALICE, "community=chemie", small.clone())).await;
    refused(status, &body, StatusCode::NOT_FOUND, "'chemie'");
    let (status, body) = send(upload(
        &world,
        ALICE,
        "community=water&community=nowhere",
        small.clone(),
    ))
    .await;
    refused(status, &body, StatusCode::NOT_FOUND, "'nowhere'");
    let (status, body) = send(upload(&world, ALICE, "", small.clone())).await;
    refused(status, &body, StatusCode::BAD_REQUEST, "community");
    let (status, body) = send(upload(&world, ALICE, "community=haven", small.clone())).await;
    refused(
        status,
        &body,
        StatusCode::FORBIDDEN,
        "not a participant or partner",
    );

    // Callers: anonymous, a member without the analyst role, tokens.
    let (status, body) = send(as_json(
        world.request(Method::POST, &format!("{PATH}?community=water")),
        small.clone(),
    ))
    .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
    let (status, body) = send(upload(&world, WIM, "community=water", small.clone())).await;
    refused(status, &body, StatusCode::FORBIDDEN, "analyst");
    let read_only = world.token(ALICE, json!({"write": false})).await;
    let (status, body) = send(upload_with_token(
        &world,
        &read_only,
        "community=water",
        small.clone(),
    ))
    .await;
    refused(status, &body, StatusCode::FORBIDDEN, "read-only");
    let chemie_only = world
        .token(CARL, json!({"write": true, "communities": ["chemie"]}))
        .await;
    let (status, body) = send(upload_with_token(
        &world,
        &chemie_only,
        "community=water",
        small.clone(),
    ))
    .await;
    refused(
        status,
        &body,
        StatusCode::FORBIDDEN,
        "limited to other communities",
    );
    assert_eq!(
        stored_versions(&world).await,
        before,
        "nothing stored by a refusal"
    );
    assert!(world.audited("misp-upload").is_empty());

    let (status, body) = send(upload_with_token(
        &world,
        &chemie_only,
        "community=chemie",
        small,
    ))
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "into its own community: {body}"
    );
    assert_eq!(body["events"][0]["tlp"], "clear");
}
