//! The TAXII 2.1 server over real HTTP on 127.0.0.1, on a SQLite file and an audit log
//! in a temporary folder: media types, refusals with the error resource, paging and its
//! headers, TLP:RED, lockouts, and submissions that survive a restart. (The reference
//! client's view is in the CLI tests: `tests/cli/taxii.rs`.)

mod refusals;
mod sharing;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use dijkwacht_audit::AuditLog;
use dijkwacht_directory::{ApiToken, CommunityKind, Sector, SizeClass, hash_password};
use dijkwacht_policy::{CommunityId, Role, Scope, UserId};
use dijkwacht_server::AppState;
use dijkwacht_server::limits::Limits;
use dijkwacht_server::serving::ServeOptions;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::directory::{Community, Directory, Organisation, TokenRecord, User};
use dijkwacht_store::intake::{HandlingDefaults, IntakeBuilder};
use dijkwacht_store::{IngestMode, Provenance, Store};
use dijkwacht_store_sqlite::SqliteStore;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub const TAXII: &str = "application/taxii+json;version=2.1";
pub const PASSWORD: &str = "a password long enough to pass";

/// A running server over a seeded store; stops when dropped.
#[derive(Debug)]
pub struct TestServer {
    /// `None` only after [`TestServer::stop`].
    folder: Option<TempDir>,
    pub address: SocketAddr,
    pub store: SqliteStore,
    /// A read-only token of the water analyst.
    pub water_token: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

impl TestServer {
    /// Stops the server, waits until it has, and hands back its folder.
    pub async fn stop(mut self) -> TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
        self.folder
            .take()
            .unwrap_or_else(|| panic!("the folder is kept until stop"))
    }

    pub fn folder(&self) -> &Path {
        self.folder
            .as_ref()
            .map(TempDir::path)
            .unwrap_or_else(|| panic!("the folder is kept until stop"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A GET with TAXII's Accept and, when given, Basic credentials.
    pub async fn get(&self, path: &str, login: Option<&str>) -> reqwest::Response {
        let mut request = reqwest::Client::new()
            .get(self.url(path))
            .header("Accept", TAXII);
        if let Some(login) = login {
            request = request.basic_auth(login, Some(PASSWORD));
        }
        request
            .send()
            .await
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// The collection URL of a root.
    pub async fn collection(&self, root: &str, login: Option<&str>) -> String {
        let listing: Value = json_of(
            self.get(&format!("/taxii2/{root}/collections/"), login)
                .await,
        )
        .await;
        let id = listing["collections"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no collection in {listing}"))
            .to_owned();
        format!("/taxii2/{root}/collections/{id}/")
    }

    pub fn audit_text(&self) -> String {
        std::fs::read_to_string(self.folder().join("audit.log")).unwrap_or_default()
    }
}

pub async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
}

/// Asserts a TAXII error resource with `status`, and returns it.
pub async fn expect_error(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "{:?}", response.url().path());
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, TAXII);
    let body = json_of(response).await;
    assert_eq!(body["http_status"], status.as_u16().to_string(), "{body}");
    assert!(body["title"].is_string(), "{body}");
    body
}

pub const WATER_ANALYST: &str = "analyst@waterbedrijf.example";
pub const WATER_MEMBER: &str = "member@waterbedrijf.example";
pub const HAVEN_ANALYST: &str = "analyst@havenbedrijf.example";

/// Two organisations in two sector communities under one plenum, with an analyst each,
/// a reader at the water company, and a read-only token of the water analyst.
async fn seed(store: &SqliteStore) -> String {
    for (name, sector) in [
        ("waterbedrijf", Sector::Water),
        ("havenbedrijf", Sector::Logistiek),
    ] {
        store
            .add_organisation(Organisation {
                name: name.to_owned(),
                display_name: name.to_owned(),
                sectors: vec![sector],
                size: SizeClass::Medium,
                vital: false,
                identity: format!("identity--{}", uuid_for(name)),
            })
            .await
            .unwrap_or_else(|error| panic!("{error}"));
    }
    for (name, parent) in [
        ("plenum", None),
        ("water", Some("plenum")),
        ("haven", Some("plenum")),
    ] {
        store
            .add_community(Community {
                name: name.to_owned(),
                display_name: name.to_owned(),
                kind: CommunityKind::TopSector,
                parent: parent.map(str::to_owned),
                vetted: false,
                identity: format!("identity--{}", uuid_for(name)),
                default_tlp: TlpLevel::Amber,
            })
            .await
            .unwrap_or_else(|error| panic!("{error}"));
    }
    for (community, organisation) in [("water", "waterbedrijf"), ("haven", "havenbedrijf")] {
        store
            .join(community, organisation, None)
            .await
            .unwrap_or_else(|error| panic!("{error}"));
    }
    let hash = hash_password(PASSWORD).unwrap_or_else(|error| panic!("{error}"));
    for (email, organisation, role) in [
        (WATER_ANALYST, "waterbedrijf", Role::Analyst),
        (WATER_MEMBER, "waterbedrijf", Role::Member),
        (HAVEN_ANALYST, "havenbedrijf", Role::Analyst),
    ] {
        store
            .add_user(
                User {
                    email: email.to_owned(),
                    organisation: organisation.to_owned(),
                    role,
                },
                hash.clone(),
            )
            .await
            .unwrap_or_else(|error| panic!("{error}"));
    }
    let token = ApiToken::generate().unwrap_or_else(|error| panic!("{error}"));
    store
        .add_token(TokenRecord {
            id: token.id().0.clone(),
            user: WATER_ANALYST.to_owned(),
            secret_hash: token.secret_hash(),
            write: false,
            communities: None,
            created_at: 1,
            last_used_at: None,
            revoked_at: None,
        })
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    token.reveal()
}

fn uuid_for(name: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name.as_bytes())
}

/// Starts the server on a store in `folder` (seeded when new) with `limits`.
pub async fn start_in(folder: TempDir, limits: Limits, seed_store: bool) -> TestServer {
    let store = SqliteStore::open(&folder.path().join("store.sqlite"))
        .unwrap_or_else(|error| panic!("{error}"));
    let water_token = if seed_store {
        seed(&store).await
    } else {
        String::new()
    };
    let audit =
        AuditLog::open(&folder.path().join("audit.log")).unwrap_or_else(|error| panic!("{error}"));
    let state = AppState::new(Arc::new(store.clone()), Some(Arc::new(audit)), "test")
        .unwrap_or_else(|error| panic!("{error}"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let address = listener
        .local_addr()
        .unwrap_or_else(|error| panic!("{error}"));
    let (stop, stopped) = oneshot::channel::<()>();
    let options = ServeOptions { limits, tls: None };
    let task = tokio::spawn(dijkwacht_server::serve(listener, state, options, async {
        let _ = stopped.await;
    }));
    // `serve` finishes leftover submissions before it accepts; wait until it answers.
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client
            .get(format!("http://{address}/healthz"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    TestServer {
        folder: Some(folder),
        address,
        store,
        water_token,
        stop: Some(stop),
        task,
    }
}

pub async fn start() -> TestServer {
    let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    start_in(folder, Limits::default(), true).await
}

/// An indicator numbered `number`, optionally marked.
pub fn indicator(number: u32, marking: Option<&str>) -> Value {
    let mut value = json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{number:08x}-2222-4222-8222-222222222222"),
        "created": "2026-04-01T09:00:00.000Z", "modified": "2026-04-01T09:00:00.000Z",
        "name": format!("indicator {number}"),
        "pattern": format!("[ipv4-addr:value = '203.0.113.{}']", number % 250),
        "pattern_type": "stix", "valid_from": "2026-04-01T09:00:00Z"
    });
    if let Some(marking) = marking {
        value["object_marking_refs"] = json!([marking]);
    }
    value
}

pub const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// Stores objects directly with the given handling, as an import would.
pub async fn store_with_handling(
    store: &SqliteStore,
    objects: Vec<Value>,
    owner: &str,
    scope: Scope,
    recipients: &[&str],
) {
    let mut intake = IntakeBuilder::new().with_handling(Some(HandlingDefaults {
        owner: owner.to_owned(),
        scope,
        tlp: TlpLevel::Amber,
        recipients: recipients.iter().map(|user| UserId::new(*user)).collect(),
        attribute_to: None,
    }));
    for (index, object) in objects.into_iter().enumerate() {
        intake.push(index, object);
    }
    let intake = intake.finish();
    assert!(intake.invalid.is_empty(), "{:?}", intake.invalid);
    let report = store
        .ingest(
            intake
                .accepted
                .into_iter()
                .map(|(_, object)| object)
                .collect(),
            IngestMode::AllOrNothing,
            Provenance::new("test"),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(report.committed);
}

pub fn community_scope(name: &str) -> Scope {
    Scope::Communities(BTreeSet::from([CommunityId::new(name)]))
}
