//! Members' feedback on a fusion source's alerts, as it reaches what readers are told:
//! one indicator stated by one C source, scored before and after members mark the
//! source's alerts false positive, with everything else equal — the score in the REST
//! object view and the IP blocklist —, the same with feedback weighting switched off,
//! and what platform admins (alert statistics) and `/metrics` report of the source.

use std::collections::BTreeMap;

use dijkwacht_fusion::config::Reliability;
use dijkwacht_fusion::scoring::{FeedbackRule, ScoringModelConfig};
use dijkwacht_server::source_feedback::SourceRatings;
use dijkwacht_stix::Timestamp;
use dijkwacht_store::alerts::{Alerts, NewAlert, Severity};
use dijkwacht_store::fusion::{FusionRecord, Statement};

use super::*;

const LISTED: &str = "indicator--0b000000-0000-4000-8000-000000000001";
const LISTED_ADDRESS: &str = "203.0.113.9";
const SOURCE: &str = "list-x";

/// The operator's letters, as the binary reads them from `dijkwacht.toml`.
#[derive(Debug)]
struct Rated(Reliability);

impl SourceRatings for Rated {
    fn ratings(&self) -> BTreeMap<String, Reliability> {
        BTreeMap::from([(SOURCE.to_owned(), self.0)])
    }
}

/// [`LISTED`], shared into `water`, stated by [`SOURCE`] (rated C) a moment ago, and
/// twelve alerts of waterbedrijf naming the source; returns the alerts' ids.
async fn listed_indicator_with_alerts(world: &World) -> Vec<String> {
    let listed = json!({
        "type": "indicator", "spec_version": "2.1", "id": LISTED,
        "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z",
        "pattern": format!("[ipv4-addr:value = '{LISTED_ADDRESS}']"), "pattern_type": "stix",
        "valid_from": "2026-01-05T10:00:00Z"
    });
    world
        .add_object(listed, "fusion", TlpLevel::Green, Some("water"), &[])
        .await;
    let stated = FusionRecord {
        statements: vec![Statement {
            object_id: LISTED.to_owned(),
            source: SOURCE.to_owned(),
            reliability: 'C',
            seen_at: Timestamp::now().unix_micros(),
        }],
        observables: Vec::new(),
    };
    ok(world.store.record_fusion(stated).await);
    let alerts = (0..12)
        .map(|index| NewAlert {
            organisation: "waterbedrijf".to_owned(),
            key: format!("listed-address:{LISTED}:{index}"),
            kind: "listed-address".to_owned(),
            severity: Severity::Medium,
            tlp: TlpLevel::Green,
            recipients: Vec::new(),
            object_ids: vec![LISTED.to_owned()],
            sources: vec![SOURCE.to_owned()],
            body: json!({"title": {"nl": "Adres op een lijst", "en": "Listed address"}}),
            created_at: 1_780_000_000_000_000 + index,
            deliveries: Vec::new(),
        })
        .collect();
    ok(world.store.record_alerts(alerts, None).await)
        .into_iter()
        .map(|recorded| recorded.alert.id)
        .collect()
}

/// Alice gives feedback `status` on each of `alerts`.
async fn give_feedback(world: &World, alerts: &[String], status: &str) {
    for id in alerts {
        let (answer, body) = send(
            world
                .as_user(
                    ALICE,
                    Method::POST,
                    &format!("/api/v1/alerts/{id}/feedback"),
                )
                .json(&json!({"status": status})),
        )
        .await;
        assert_eq!(answer, StatusCode::OK, "{body}");
    }
}

/// `x_dijkwacht_fusion` of [`LISTED`] as Alice reads it.
async fn fusion_view(world: &World) -> Value {
    let (status, object) =
        send(world.as_user(ALICE, Method::GET, &format!("/api/v1/objects/{LISTED}"))).await;
    assert_eq!(status, StatusCode::OK, "{object}");
    object["x_dijkwacht_fusion"].clone()
}

/// Whether Alice's IP blocklist carries [`LISTED_ADDRESS`].
async fn blocklisted(world: &World) -> bool {
    let response = ok(world
        .as_user(ALICE, Method::GET, "/api/v1/exports/blocklist/ip")
        .send()
        .await);
    assert_eq!(response.status(), StatusCode::OK);
    ok(response.text().await)
        .lines()
        .any(|line| line == LISTED_ADDRESS)
}

/// (reliability the score used, base, actionable) of [`LISTED`] now.
async fn scored(world: &World) -> (String, u64, bool) {
    let view = fusion_view(world).await;
    assert_eq!(view["reliability"], "C", "the letter stated stays: {view}");
    let score = &view["score"];
    (
        score["reliability"].as_str().unwrap_or_default().to_owned(),
        score["base"].as_u64().unwrap_or_default(),
        score["actionable"].as_bool().unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn false_positives_on_a_sources_alerts_lower_the_score_of_what_it_stated() {
    let world = World::start().await;
    let alerts = listed_indicator_with_alerts(&world).await;
    // A lone C source: base 60, listed.
    let before = scored(&world).await;
    assert_eq!(before, ("C".to_owned(), 60, true));
    assert!(blocklisted(&world).await);

    // Three of ten judged alerts false positive: one step down, to D (base 40), still
    // above the threshold of 30.
    give_feedback(&world, &alerts[..3], "false-positive").await;
    give_feedback(&world, &alerts[3..10], "resolved").await;
    assert_eq!(scored(&world).await, ("D".to_owned(), 40, true));
    assert!(blocklisted(&world).await);

    // Six of ten: two steps down, to E (base 20), below the threshold: off the list.
    give_feedback(&world, &alerts[3..6], "false-positive").await;
    assert_eq!(scored(&world).await, ("E".to_owned(), 20, false));
    assert!(!blocklisted(&world).await);

    // Not relevant is about the member's profile, not the source: it changes nothing.
    give_feedback(&world, &alerts[10..], "not-relevant").await;
    assert_eq!(scored(&world).await, ("E".to_owned(), 20, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_feedback_weighting_off_the_scores_are_the_old_ones() {
    let off = ok(ScoringModelConfig {
        feedback: FeedbackRule {
            enabled: false,
            ..FeedbackRule::default()
        },
        ..ScoringModelConfig::default()
    }
    .build());
    let world = World::start_with(|state| state.scoring = Arc::new(off)).await;
    let alerts = listed_indicator_with_alerts(&world).await;
    let before = scored(&world).await;
    give_feedback(&world, &alerts, "false-positive").await;
    assert_eq!(scored(&world).await, before);
    assert_eq!(before, ("C".to_owned(), 60, true));
    assert!(blocklisted(&world).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_and_metrics_see_each_sources_letter_after_feedback() {
    let world = World::start_with(|state| {
        state.source_ratings = Some(Arc::new(Rated(Reliability::C)));
    })
    .await;
    let alerts = listed_indicator_with_alerts(&world).await;
    give_feedback(&world, &alerts[..7], "false-positive").await;
    give_feedback(&world, &alerts[7..10], "resolved").await;

    let (status, statistics) =
        send(world.as_user(ADMIN, Method::GET, "/api/v1/alerts/statistics")).await;
    assert_eq!(status, StatusCode::OK, "{statistics}");
    let source = &statistics["feedback_by_source"][0];
    assert_eq!(source["source"], SOURCE, "{statistics}");
    assert_eq!(
        (source["alerts"].as_u64(), source["false_positive"].as_u64()),
        (Some(12), Some(7))
    );
    assert_eq!(source["reliability"], "C", "{source}");
    assert_eq!(source["effective_reliability"], "E", "{source}");
    let reason = source["reliability_reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with(
            "7 of 10 judged alerts (70%) were false positives, at least 60%: two steps down, C to E"
        ),
        "{reason}"
    );
    let (_, members) = send(world.as_user(ALICE, Method::GET, "/api/v1/alerts/statistics")).await;
    assert_eq!(members["feedback_by_source"], Value::Null);

    let metrics = ok(ok(world.request(Method::GET, "/metrics").send().await)
        .text()
        .await);
    for line in [
        "dijkwacht_source_alerts{source=\"list-x\",status=\"new\"} 2",
        "dijkwacht_source_alerts{source=\"list-x\",status=\"resolved\"} 3",
        "dijkwacht_source_alerts{source=\"list-x\",status=\"false-positive\"} 7",
        "dijkwacht_source_alerts{source=\"list-x\",status=\"not-relevant\"} 0",
        "dijkwacht_source_reliability_steps{source=\"list-x\"} -2",
    ] {
        assert!(
            metrics.lines().any(|each| each == line),
            "{line} in:\n{metrics}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_operators_letters_statistics_give_counts_only() {
    let world = World::start().await;
    let alerts = listed_indicator_with_alerts(&world).await;
    give_feedback(&world, &alerts[..1], "false-positive").await;
    let (_, statistics) =
        send(world.as_user(ADMIN, Method::GET, "/api/v1/alerts/statistics")).await;
    let source = &statistics["feedback_by_source"][0];
    assert_eq!(source["false_positive"], 1, "{statistics}");
    assert_eq!(source["reliability"], Value::Null);
    assert_eq!(source["effective_reliability"], Value::Null);
    let metrics = ok(ok(world.request(Method::GET, "/metrics").send().await)
        .text()
        .await);
    assert!(
        metrics.contains("dijkwacht_source_alerts{source=\"list-x\",status=\"false-positive\"} 1")
    );
    assert!(
        !metrics.contains("dijkwacht_source_reliability_steps"),
        "{metrics}"
    );
}
