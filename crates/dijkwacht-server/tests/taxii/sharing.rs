//! What each caller sees through TAXII: TLP:RED only for its recipients and never
//! through a token, pages that carry their date-added headers and continue without gaps,
//! and submissions that are finished after a restart.

use dijkwacht_store::submissions::{Submission, Submissions};

use super::*;

fn ids_in(envelope: &Value) -> BTreeSet<String> {
    envelope["objects"]
        .as_array()
        .map(|objects| {
            objects
                .iter()
                .filter_map(|object| object["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn red_reaches_its_recipients_by_password_and_never_by_token() {
    let server = start().await;
    let red = indicator(1, Some(TLP_RED));
    let amber = indicator(2, None);
    store_with_handling(
        &server.store,
        vec![red.clone()],
        "waterbedrijf",
        community_scope("water"),
        &[WATER_ANALYST],
    )
    .await;
    store_with_handling(
        &server.store,
        vec![amber.clone()],
        "waterbedrijf",
        community_scope("water"),
        &[],
    )
    .await;
    let red_id = red["id"].as_str().unwrap_or_default().to_owned();
    let amber_id = amber["id"].as_str().unwrap_or_default().to_owned();
    let water = server.collection("water", Some(WATER_ANALYST)).await;
    let seen = |login| {
        let path = format!("{water}objects/");
        let server = &server;
        async move { ids_in(&json_of(server.get(&path, login).await).await) }
    };
    assert_eq!(
        seen(Some(WATER_ANALYST)).await,
        BTreeSet::from([red_id.clone(), amber_id.clone()])
    );
    assert_eq!(
        seen(Some(WATER_MEMBER)).await,
        BTreeSet::from([amber_id.clone()]),
        "a colleague who is not a recipient does not see RED"
    );
    let by_token = reqwest::Client::new()
        .get(server.url(&format!("{water}objects/")))
        .header("Accept", TAXII)
        .bearer_auth(&server.water_token)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        ids_in(&json_of(by_token).await),
        BTreeSet::from([amber_id.clone()])
    );
    expect_error(
        server
            .get(&format!("{water}objects/{red_id}/"), Some(WATER_MEMBER))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Another community's members do not even find the root.
    expect_error(
        server
            .get(&format!("{water}objects/{amber_id}/"), Some(HAVEN_ANALYST))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Reading AMBER and RED is on record, with who read what.
    let audit = server.audit_text();
    assert!(
        audit.contains("taxii-read") && audit.contains(&red_id),
        "{audit}"
    );
}

#[tokio::test]
async fn pages_carry_their_date_added_and_continue_without_gaps() {
    let server = start().await;
    let objects: Vec<Value> = (1..=25).map(|number| indicator(number, None)).collect();
    let expected: BTreeSet<String> = objects
        .iter()
        .filter_map(|object| object["id"].as_str().map(str::to_owned))
        .collect();
    for chunk in objects.chunks(5) {
        store_with_handling(
            &server.store,
            chunk.to_vec(),
            "waterbedrijf",
            community_scope("water"),
            &[],
        )
        .await;
    }
    let water = server.collection("water", Some(WATER_MEMBER)).await;
    let manifest = json_of(
        server
            .get(&format!("{water}manifest/?limit=100"), Some(WATER_MEMBER))
            .await,
    )
    .await;
    let dates: Vec<String> = manifest["objects"]
        .as_array()
        .map(|records| {
            records
                .iter()
                .filter_map(|record| record["date_added"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(dates.len(), 25);
    let mut seen = BTreeSet::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &next {
            None => format!("{water}objects/?limit=10"),
            Some(cursor) => format!("{water}objects/?limit=10&next={cursor}"),
        };
        let response = server.get(&path, Some(WATER_MEMBER)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let (first, last) = (
            header("x-taxii-date-added-first"),
            header("x-taxii-date-added-last"),
        );
        let envelope = json_of(response).await;
        let page_ids = ids_in(&envelope);
        assert_eq!(
            first.as_deref(),
            Some(dates[pages * 10].as_str()),
            "page {pages}"
        );
        let last_index = (pages * 10 + page_ids.len()).saturating_sub(1);
        assert_eq!(
            last.as_deref(),
            Some(dates[last_index].as_str()),
            "page {pages}"
        );
        assert!(seen.is_disjoint(&page_ids), "no object twice");
        seen.extend(page_ids);
        pages += 1;
        if envelope["more"] == json!(true) {
            next = envelope["next"].as_str().map(str::to_owned);
            assert!(next.is_some(), "more without next: {envelope}");
        } else {
            assert!(envelope.get("next").is_none());
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, expected);
    // added_after the tenth object leaves exactly fifteen.
    let after = json_of(
        server
            .get(
                &format!("{water}objects/?added_after={}", dates[9]),
                Some(WATER_MEMBER),
            )
            .await,
    )
    .await;
    assert_eq!(ids_in(&after).len(), 15);
    // An empty page of versions has no list at all (TAXII lists are never empty).
    let first_id = manifest["objects"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let versions = json_of(
        server
            .get(
                &format!("{water}objects/{first_id}/versions/"),
                Some(WATER_MEMBER),
            )
            .await,
    )
    .await;
    assert_eq!(versions["versions"], json!(["2026-04-01T09:00:00.000Z"]));
    let none_after = json_of(
        server
            .get(
                &format!(
                    "{water}objects/{first_id}/versions/?added_after={}",
                    dates[24]
                ),
                Some(WATER_MEMBER),
            )
            .await,
    )
    .await;
    assert_eq!(none_after, json!({"more": false}));
}

#[tokio::test]
async fn an_acknowledged_submission_is_finished_after_a_restart() {
    let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let server = start_in(folder, Limits::default(), true).await;
    let water = server.collection("water", Some(WATER_ANALYST)).await;
    // A submission as the server records it before answering, as if it stopped then.
    let pending = indicator(7, None);
    let status = json!({
        "id": "5d4b7c58-8f0e-4d51-9a6b-2f3c1e0d9a87", "status": "pending",
        "request_timestamp": "2026-04-01T09:00:00.000000Z", "total_count": 1,
        "success_count": 0, "failure_count": 0, "pending_count": 1,
        "pendings": [{"id": pending["id"], "version": "2026-04-01T09:00:00.000Z"}]
    });
    let work = json!({
        "root": "water", "user": WATER_ANALYST, "owner": "waterbedrijf",
        "scope": "water", "tlp": "amber", "objects": [pending]
    });
    server
        .store
        .save_submission(Submission {
            id: "5d4b7c58-8f0e-4d51-9a6b-2f3c1e0d9a87".to_owned(),
            organisation: "waterbedrijf".to_owned(),
            finished: false,
            status: status.to_string(),
            pending_work: Some(work.to_string()),
        })
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let folder = server.stop().await;
    let restarted = start_in(folder, Limits::default(), false).await;
    let status = json_of(
        restarted
            .get(
                "/taxii2/water/status/5d4b7c58-8f0e-4d51-9a6b-2f3c1e0d9a87/",
                Some(WATER_ANALYST),
            )
            .await,
    )
    .await;
    assert_eq!(status["status"], "complete", "{status}");
    assert_eq!(status["success_count"], 1, "{status}");
    assert_eq!(status["pending_count"], 0, "{status}");
    let stored = json_of(
        restarted
            .get(&format!("{water}objects/"), Some(WATER_MEMBER))
            .await,
    )
    .await;
    assert_eq!(ids_in(&stored).len(), 1, "{stored}");
    // Another organisation cannot read the status.
    expect_error(
        restarted
            .get(
                "/taxii2/haven/status/5d4b7c58-8f0e-4d51-9a6b-2f3c1e0d9a87/",
                Some(HAVEN_ANALYST),
            )
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn collections_say_who_may_write() {
    let server = start().await;
    let can_write = |root: &'static str, login: &'static str| {
        let server = &server;
        async move {
            let listing = json_of(
                server
                    .get(&format!("/taxii2/{root}/collections/"), Some(login))
                    .await,
            )
            .await;
            listing["collections"][0]["can_write"].clone()
        }
    };
    assert_eq!(can_write("water", WATER_ANALYST).await, json!(true));
    assert_eq!(
        can_write("water", WATER_MEMBER).await,
        json!(false),
        "the member role reads"
    );
    assert_eq!(
        can_write("plenum", WATER_ANALYST).await,
        json!(false),
        "reached, not a member"
    );
    assert_eq!(can_write("public", WATER_ANALYST).await, json!(false));
    assert_eq!(can_write("own", WATER_ANALYST).await, json!(true));
    let discovery = json_of(server.get("/taxii2/", Some(HAVEN_ANALYST)).await).await;
    assert_eq!(
        discovery["api_roots"],
        json!([
            "/taxii2/public/",
            "/taxii2/own/",
            "/taxii2/haven/",
            "/taxii2/plenum/"
        ])
    );
}
