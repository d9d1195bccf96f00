//! The sensor's network side against the real thing: a Dijkwacht server (the server
//! library over a real SQLite file, on 127.0.0.1:0) for TAXII fetching and sighting
//! submission, and a deliberately broken HTTP server for answers no good server gives.

use std::collections::BTreeSet;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use dijkwacht_audit::AuditLog;
use dijkwacht_directory::{CommunityKind, Sector, SizeClass, hash_password};
use dijkwacht_policy::{CommunityId, Role, Scope};
use dijkwacht_server::AppState;
use dijkwacht_server::limits::{Limits, RateLimit};
use dijkwacht_server::serving::ServeOptions;
use dijkwacht_stix::Timestamp;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::directory::{Directory, TokenRecord, User};
use dijkwacht_store::intake::{HandlingDefaults, IntakeBuilder};
use dijkwacht_store::registration::{self, NewCommunity, NewOrganisation};
use dijkwacht_store::{IngestMode, Provenance, Store};
use dijkwacht_store_sqlite::SqliteStore;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::record::SightingRecord;
use super::submit::SubmissionOutcome;
use super::*;

const PASSWORD: &str = "correct horse battery staple";
const ALICE: &str = "alice@waterbedrijf.example";

fn indicator_id(number: u32) -> String {
    format!("indicator--0a000000-0000-4000-8000-{number:012}")
}

fn indicator(number: u32) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": indicator_id(number),
        "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z",
        "name": format!("beacon {number}"),
        "pattern": format!("[ipv4-addr:value = '198.51.100.{number}']"), "pattern_type": "stix",
        "valid_from": "2026-01-05T10:00:00Z",
    })
}

/// A running server, its store and a write token of Alice (waterbedrijf, in `water`).
struct Server {
    base: String,
    store: SqliteStore,
    token: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _folder: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Server {
    async fn start(rate_limit: Option<RateLimit>) -> anyhow::Result<Server> {
        let folder = tempfile::tempdir()?;
        let store = SqliteStore::open(&folder.path().join("dijkwacht.sqlite"))?;
        let audit = AuditLog::open(&folder.path().join("audit.log"))?;
        registration::add_organisation(
            &store,
            &store,
            NewOrganisation {
                name: "waterbedrijf".to_owned(),
                display_name: None,
                sectors: vec![Sector::Water],
                size: SizeClass::Medium,
                vital: false,
            },
        )
        .await?;
        registration::add_community(
            &store,
            &store,
            NewCommunity {
                name: "water".to_owned(),
                display_name: None,
                kind: CommunityKind::TopSector,
                parent: None,
                vetted: false,
                default_tlp: TlpLevel::Green,
            },
        )
        .await?;
        store.join("water", "waterbedrijf", None).await?;
        let user = User {
            email: ALICE.to_owned(),
            organisation: "waterbedrijf".to_owned(),
            role: Role::Analyst,
        };
        store.add_user(user, hash_password(PASSWORD)?).await?;
        let token = dijkwacht_directory::ApiToken::generate()?;
        store
            .add_token(TokenRecord {
                id: token.id().0.clone(),
                user: ALICE.to_owned(),
                secret_hash: token.secret_hash(),
                write: true,
                communities: None,
                created_at: Timestamp::now().unix_micros(),
                last_used_at: None,
                revoked_at: None,
            })
            .await?;
        let state = AppState::new(Arc::new(store.clone()), Some(Arc::new(audit)), "Test")?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let options = ServeOptions {
            limits: Limits {
                rate_limit,
                ..Limits::default()
            },
            tls: None,
        };
        tokio::spawn(dijkwacht_server::serve(
            listener,
            state,
            options,
            async move {
                let _ = stopped.await;
            },
        ));
        let server = Server {
            base: format!("http://{address}"),
            store,
            token: token.reveal(),
            stop: Some(stop),
            _folder: folder,
        };
        Ok(server)
    }

    /// Shares indicators into `water` as waterbedrijf's.
    async fn add_indicators(&self, numbers: &[u32]) -> anyhow::Result<()> {
        let mut intake = IntakeBuilder::new().with_handling(Some(HandlingDefaults {
            owner: "waterbedrijf".to_owned(),
            scope: Scope::Communities(BTreeSet::from([CommunityId::new("water")])),
            tlp: TlpLevel::Green,
            recipients: BTreeSet::new(),
            attribute_to: None,
        }));
        for (index, number) in numbers.iter().enumerate() {
            intake.push(index, indicator(*number));
        }
        let intake = intake.finish();
        anyhow::ensure!(intake.invalid.is_empty(), "{:?}", intake.invalid);
        let objects = intake
            .accepted
            .into_iter()
            .map(|(_, object)| object)
            .collect();
        let report = self
            .store
            .ingest(objects, IngestMode::AllOrNothing, Provenance::new("test"))
            .await?;
        anyhow::ensure!(report.committed, "{report:?}");
        Ok(())
    }

    fn water_collection(&self, state_file: Option<std::path::PathBuf>) -> TaxiiCollection {
        TaxiiCollection {
            collection_url: format!(
                "{}/taxii2/water/collections/{}/",
                self.base,
                dijkwacht_server::taxii::layout::collection_id("water")
            ),
            auth: TaxiiAuth::Token(ok(ApiToken::new(self.token.clone()))),
            state_file,
        }
    }

    fn submitter(&self, community: &str) -> SightingSubmitter {
        let mut config =
            SubmitterConfig::new(&self.base, ok(ApiToken::new(self.token.clone())), community);
        config.default_wait = Duration::from_millis(50);
        SightingSubmitter::new(config).unwrap_or_else(|error| panic!("{error:#}"))
    }
}

fn ok<T>(result: anyhow::Result<T>) -> T {
    result.unwrap_or_else(|error| panic!("{error:#}"))
}

fn ids(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .filter_map(|object| object["id"].as_str().map(str::to_owned))
        .collect()
}

fn record(indicator_id: &str, count: u64) -> SightingRecord {
    SightingRecord {
        indicator_id: indicator_id.to_owned(),
        indicator_name: None,
        observed_data_ids: vec![],
        first_seen: 1_767_600_000_000_000,
        last_seen: 1_767_603_600_000_000,
        count,
        event_lines: vec![1],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taxii_fetches_everything_first_and_only_what_is_new_next() {
    let server = ok(Server::start(None).await);
    ok(server.add_indicators(&[1, 2, 3]).await);
    let folder = ok(tempfile::tempdir().map_err(Into::into));
    let state_file = folder.path().join("water.state.json");
    let source = IndicatorSource::Taxii(server.water_collection(Some(state_file.clone())));

    let first = ok(source.load().await);
    assert_eq!(
        ids(&first.indicators),
        [indicator_id(1), indicator_id(2), indicator_id(3)]
    );
    assert!(first.withdrawn.is_empty() && first.skipped.is_empty());
    let checkpoint = first.checkpoint.expect("a checkpoint with a state file");
    assert!(!state_file.exists(), "saved only when the caller says so");
    ok(checkpoint.save());

    ok(server.add_indicators(&[4]).await);
    let second = ok(source.load().await);
    assert_eq!(ids(&second.indicators), [indicator_id(4)]);
    ok(second.checkpoint.expect("a checkpoint").save());
    let third = ok(source.load().await);
    assert!(third.indicators.is_empty(), "{:?}", ids(&third.indicators));
    assert!(third.checkpoint.is_some(), "the state stays where it was");

    // Without a state file every run fetches everything, page by page.
    let numbers: Vec<u32> = (10..1210).collect();
    ok(server.add_indicators(&numbers).await);
    let everything = ok(IndicatorSource::Taxii(server.water_collection(None))
        .load()
        .await);
    assert_eq!(everything.indicators.len(), 4 + numbers.len(), "two pages");
    assert!(everything.checkpoint.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taxii_refusals_are_errors_that_say_what_the_server_said() {
    let server = ok(Server::start(None).await);
    let mut collection = server.water_collection(None);
    collection.auth = TaxiiAuth::Basic {
        login: ALICE.to_owned(),
        password: "wrong password".to_owned(),
    };
    let error = IndicatorSource::Taxii(collection)
        .load()
        .await
        .expect_err("refused");
    assert!(format!("{error:#}").contains("401"), "{error:#}");
    let mut collection = server.water_collection(None);
    collection.auth = TaxiiAuth::Basic {
        login: ALICE.to_owned(),
        password: PASSWORD.to_owned(),
    };
    ok(server.add_indicators(&[1]).await);
    let update = ok(IndicatorSource::Taxii(collection).load().await);
    assert_eq!(ids(&update.indicators), [indicator_id(1)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submitted_sightings_raise_the_count_on_the_server() {
    // One request a second, bursts of one: the second record meets a 429 first.
    let rate_limit = RateLimit {
        requests_per_minute: NonZeroU32::new(60).unwrap_or(NonZeroU32::MIN),
        burst: NonZeroU32::MIN,
    };
    let server = ok(Server::start(Some(rate_limit)).await);
    ok(server.add_indicators(&[1, 2]).await);
    let records = [
        record(&indicator_id(1), 3),
        record(&indicator_id(2), 7),
        record(&indicator_id(9), 1),
    ];
    let outcomes = server.submitter("water").submit_all(&records).await;
    assert!(outcomes[0].is_stored(), "{outcomes:?}");
    assert!(
        outcomes[1].is_stored(),
        "retried after the 429: {outcomes:?}"
    );
    match &outcomes[2] {
        SubmissionOutcome::Failed {
            status, message, ..
        } => {
            assert_eq!(*status, Some(404));
            assert!(message.contains(&indicator_id(9)), "{message}");
        }
        other => panic!("an unknown indicator is refused, not {other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(1100)).await; // the rate limit's second
    let summary: Value = ok(async {
        Ok(reqwest::Client::new()
            .get(format!(
                "{}/api/v1/objects/{}/sightings",
                server.base,
                indicator_id(2)
            ))
            .bearer_auth(&server.token)
            .send()
            .await?
            .json()
            .await?)
    }
    .await);
    assert_eq!(summary["total_count"], 7, "{summary}");
    assert_eq!(summary["organisations"], 1);
    assert_eq!(summary["effective_confidence"], 60);

    let outcome = server
        .submitter("haven")
        .submit(&record(&indicator_id(1), 1))
        .await;
    match outcome {
        SubmissionOutcome::Failed {
            status: Some(422),
            message,
            ..
        } => assert!(message.contains("community"), "{message}"),
        other => panic!("not a member of haven: {other:?}"),
    }
}

/// A server that gives each connection the next of `answers` (raw HTTP responses) and
/// then closes it.
async fn broken_server(answers: Vec<&'static str>) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        for answer in answers {
            let Ok((mut connection, _)) = listener.accept().await else {
                return;
            };
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            // Read the headers and the body the Content-Length announces.
            while let Ok(read) = connection.read(&mut buffer).await {
                if read == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..read]);
                let text = String::from_utf8_lossy(&request);
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text
                        .lines()
                        .find_map(|line| {
                            line.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .and_then(|value| value.trim().parse::<usize>().ok())
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            let _ = connection.write_all(answer.as_bytes()).await;
            let _ = connection.shutdown().await;
        }
    });
    Ok(format!("http://{address}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_answers_are_failures_never_panics() {
    let base = ok(broken_server(vec![
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        "HTTP/1.1 201 Created\r\nContent-Length: 8\r\nConnection: close\r\n\r\nnot json",
        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 11\r\nConnection: close\r\n\r\n<html>\n</h>",
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: soon\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        "garbage that is not HTTP\r\n\r\n",
    ])
    .await);
    let mut config = SubmitterConfig::new(&base, ok(ApiToken::new("dwt_x_y")), "water");
    config.max_attempts = 2;
    config.default_wait = Duration::from_millis(10);
    let submitter = ok(SightingSubmitter::new(config));
    let records = [
        record(&indicator_id(1), 1),
        record(&indicator_id(2), 1),
        record(&indicator_id(3), 1),
        record(&indicator_id(4), 1),
    ];
    let outcomes = submitter.submit_all(&records).await;
    let messages: Vec<(Option<u16>, String)> = outcomes
        .iter()
        .map(|outcome| match outcome {
            SubmissionOutcome::Failed {
                status, message, ..
            } => (*status, message.clone()),
            SubmissionOutcome::Stored { .. } => panic!("nothing is stored: {outcomes:?}"),
        })
        .collect();
    assert_eq!(messages[0].0, Some(201), "{messages:?}");
    assert!(messages[0].1.contains("without a sighting"), "{messages:?}");
    assert_eq!(messages[1].0, Some(500));
    assert!(messages[1].1.contains("<html>"), "{messages:?}");
    assert_eq!(
        messages[2].0,
        Some(429),
        "two tries, then given up: {messages:?}"
    );
    assert_eq!(messages[3].0, None, "not HTTP: {messages:?}");

    // Nothing listens any more: connecting fails, is retried, and is reported.
    let outcome = submitter.submit(&record(&indicator_id(5), 1)).await;
    assert!(
        matches!(&outcome, SubmissionOutcome::Failed { status: None, .. }),
        "{outcome:?}"
    );
}
