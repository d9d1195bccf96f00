//! The REST API over real HTTP: the real server on 127.0.0.1:0, a real SQLite store and
//! audit log in a temporary folder, and reqwest as the client. One test binary; the
//! modules follow the API's resources. Every test builds the same small world of
//! organisations, communities, users and objects under every TLP level ([`World`]).

mod alerts;
mod directory;
mod memberships;
mod misp;
mod objects;
mod openapi;
mod sightings;
mod source_feedback;
mod stream;
mod tokens;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use dijkwacht_audit::AuditLog;
use dijkwacht_directory::{CommunityKind, MembershipStage, Sector, SizeClass, hash_password};
use dijkwacht_policy::{CommunityId, Role, Scope, UserId};
use dijkwacht_server::{AppState, StreamTiming};
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::directory::{Directory, User};
use dijkwacht_store::intake::{HandlingDefaults, IntakeBuilder};
use dijkwacht_store::registration::{self, NewCommunity, NewOrganisation};
use dijkwacht_store::{IngestMode, Provenance, Store};
use dijkwacht_store_sqlite::SqliteStore;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery staple";

pub const ADMIN: &str = "admin@fusion.example";
pub const MODERATOR: &str = "mod@fusion.example";
/// Organisation admin of waterbedrijf.
pub const OLGA: &str = "olga@waterbedrijf.example";
/// Analyst of waterbedrijf (in `water`).
pub const ALICE: &str = "alice@waterbedrijf.example";
/// Member (reads only) of waterbedrijf.
pub const WIM: &str = "wim@waterbedrijf.example";
/// Analyst of chemiebedrijf (in `water` and `chemie`), the RED object's recipient.
pub const CARL: &str = "carl@chemiebedrijf.example";
/// Analyst of havenbedrijf (in `haven` only).
pub const HANS: &str = "hans@havenbedrijf.example";

/// TLP:CLEAR, public.
pub const PUBLIC_INDICATOR: &str = "indicator--0a000000-0000-4000-8000-000000000001";
/// TLP:GREEN, shared into `water`.
pub const WATER_INDICATOR: &str = "indicator--0a000000-0000-4000-8000-000000000002";
/// TLP:AMBER, shared into `chemie`.
pub const CHEMIE_INDICATOR: &str = "indicator--0a000000-0000-4000-8000-000000000003";
/// TLP:RED, shared into `water`, for Carl only.
pub const RED_INDICATOR: &str = "indicator--0a000000-0000-4000-8000-000000000004";
/// TLP:GREEN, shared into `haven`.
pub const HAVEN_INDICATOR: &str = "indicator--0a000000-0000-4000-8000-000000000005";

/// A running server over a seeded store.
#[derive(Debug)]
pub struct World {
    pub base: String,
    pub client: reqwest::Client,
    pub store: SqliteStore,
    pub audit_path: PathBuf,
    /// The server's nudge to the alert matcher, to see that profile changes give it.
    pub alerts_changed: Arc<tokio::sync::Notify>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _folder: tempfile::TempDir,
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn ok<T, E: std::fmt::Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|error| panic!("{error}"))
}

impl World {
    pub async fn start() -> World {
        World::start_with(|_| {}).await
    }

    /// A world whose server state `configure` changes before it serves (the scoring
    /// model, the operator's source letters).
    pub async fn start_with(configure: impl FnOnce(&mut AppState)) -> World {
        let folder = ok(tempfile::tempdir());
        let store = ok(SqliteStore::open(&folder.path().join("dijkwacht.sqlite")));
        let audit_path = folder.path().join("audit.log");
        let audit = ok(AuditLog::open(&audit_path));
        seed(&store).await;
        let mut state = ok(AppState::new(
            Arc::new(store.clone()),
            Some(Arc::new(audit)),
            "Test",
        ));
        state.stream_timing = StreamTiming {
            poll: Duration::from_millis(100),
            recheck: Duration::ZERO,
            keep_alive: Duration::from_secs(1),
        };
        configure(&mut state);
        let alerts_changed = Arc::clone(&state.alerts_changed);
        let listener = ok(tokio::net::TcpListener::bind("127.0.0.1:0").await);
        let address = ok(listener.local_addr());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        // The rate limit has tests of its own; these make many requests quickly.
        let options = dijkwacht_server::serving::ServeOptions {
            limits: dijkwacht_server::limits::Limits {
                rate_limit: None,
                ..dijkwacht_server::limits::Limits::default()
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
        World {
            base: format!("http://{address}"),
            client: reqwest::Client::new(),
            store,
            audit_path,
            alerts_changed,
            stop: Some(stop),
            _folder: folder,
        }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    /// A request signed in as `login` with the shared password.
    pub fn as_user(&self, login: &str, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).basic_auth(login, Some(PASSWORD))
    }

    /// A request with a Bearer token.
    pub fn with_token(&self, token: &str, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(token)
    }

    /// A new token of `login`: `{"write": write, "communities": communities}`.
    pub async fn token(&self, login: &str, body: Value) -> String {
        let (status, answer) = send(
            self.as_user(login, Method::POST, "/api/v1/tokens")
                .json(&body),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        answer["token"]
            .as_str()
            .unwrap_or_else(|| panic!("a token in {answer}"))
            .to_owned()
    }

    /// Every audit entry so far.
    pub fn audit_entries(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.audit_path).unwrap_or_default();
        text.lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// The audit entries with this action.
    pub fn audited(&self, action: &str) -> Vec<Value> {
        self.audit_entries()
            .into_iter()
            .filter(|entry| entry["action"] == action)
            .collect()
    }

    /// Stores `object` owned by `owner` with TLP `tlp`, shared into `community` (public
    /// when `None`), for `recipients` when RED; returns its `date_added`.
    pub async fn add_object(
        &self,
        object: Value,
        owner: &str,
        tlp: TlpLevel,
        community: Option<&str>,
        recipients: &[&str],
    ) -> i64 {
        add_object(&self.store, object, owner, tlp, community, recipients).await
    }
}

/// Sends a request; the status and the body as JSON (`Null` when empty or not JSON).
pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = ok(request.send().await);
    let status = response.status();
    let text = ok(response.text().await);
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Asserts an error answer in the REST format with `status`, and returns its details.
pub fn assert_error(status: StatusCode, body: &Value, expected: StatusCode) -> String {
    assert_eq!(status, expected, "{body}");
    let error = &body["error"];
    assert!(error["code"].is_string(), "an error code in {body}");
    assert!(error["message"].is_string(), "an error message in {body}");
    error["details"].as_str().unwrap_or_default().to_owned()
}

pub fn indicator(id: &str, name: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": id,
        "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z",
        "name": name, "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
        "valid_from": "2026-01-05T10:00:00Z"
    })
}

pub async fn add_object(
    store: &SqliteStore,
    object: Value,
    owner: &str,
    tlp: TlpLevel,
    community: Option<&str>,
    recipients: &[&str],
) -> i64 {
    let scope = match community {
        Some(name) => Scope::Communities(BTreeSet::from([CommunityId::new(name)])),
        None => Scope::Public,
    };
    let mut intake = IntakeBuilder::new().with_handling(Some(HandlingDefaults {
        owner: owner.to_owned(),
        scope,
        tlp,
        recipients: recipients.iter().map(|user| UserId::new(*user)).collect(),
        attribute_to: None,
    }));
    intake.push(0, object);
    let intake = intake.finish();
    assert!(intake.invalid.is_empty(), "{:?}", intake.invalid);
    let objects = intake
        .accepted
        .into_iter()
        .map(|(_, object)| object)
        .collect();
    let report = ok(store
        .ingest(objects, IngestMode::AllOrNothing, Provenance::new("test"))
        .await);
    assert!(report.committed, "{report:?}");
    report
        .dates_added
        .first()
        .copied()
        .flatten()
        .unwrap_or_default()
}

async fn seed(store: &SqliteStore) {
    for name in ["fusion", "waterbedrijf", "chemiebedrijf", "havenbedrijf"] {
        ok(registration::add_organisation(
            store,
            store,
            NewOrganisation {
                name: name.to_owned(),
                display_name: None,
                sectors: vec![Sector::Water],
                size: SizeClass::Medium,
                vital: false,
            },
        )
        .await);
    }
    for (name, vetted, default_tlp) in [
        ("water", false, TlpLevel::Green),
        ("chemie", true, TlpLevel::Amber),
        ("haven", false, TlpLevel::Green),
    ] {
        ok(registration::add_community(
            store,
            store,
            NewCommunity {
                name: name.to_owned(),
                display_name: None,
                kind: CommunityKind::TopSector,
                parent: None,
                vetted,
                default_tlp,
            },
        )
        .await);
    }
    for (community, organisation) in [
        ("water", "waterbedrijf"),
        ("water", "chemiebedrijf"),
        ("chemie", "chemiebedrijf"),
        ("haven", "havenbedrijf"),
    ] {
        ok(store.join(community, organisation, None).await);
    }
    ok(store
        .set_stage("chemie", "chemiebedrijf", MembershipStage::Participant)
        .await);
    let hash = ok(hash_password(PASSWORD));
    for (email, organisation, role) in [
        (ADMIN, "fusion", Role::PlatformAdmin),
        (MODERATOR, "fusion", Role::Moderator),
        (OLGA, "waterbedrijf", Role::OrganisationAdmin),
        (ALICE, "waterbedrijf", Role::Analyst),
        (WIM, "waterbedrijf", Role::Member),
        (CARL, "chemiebedrijf", Role::Analyst),
        (HANS, "havenbedrijf", Role::Analyst),
    ] {
        let user = User {
            email: email.to_owned(),
            organisation: organisation.to_owned(),
            role,
        };
        ok(store.add_user(user, hash.clone()).await);
    }
    let objects = [
        (
            PUBLIC_INDICATOR,
            "beacon public dike",
            "fusion",
            TlpLevel::Clear,
            None,
            vec![],
        ),
        (
            WATER_INDICATOR,
            "sluice beacon water",
            "waterbedrijf",
            TlpLevel::Green,
            Some("water"),
            vec![],
        ),
        (
            CHEMIE_INDICATOR,
            "sluice beacon chemie",
            "chemiebedrijf",
            TlpLevel::Amber,
            Some("chemie"),
            vec![],
        ),
        (
            RED_INDICATOR,
            "sluice beacon red",
            "chemiebedrijf",
            TlpLevel::Red,
            Some("water"),
            vec![CARL],
        ),
        (
            HAVEN_INDICATOR,
            "sluice beacon haven",
            "havenbedrijf",
            TlpLevel::Green,
            Some("haven"),
            vec![],
        ),
    ];
    for (id, name, owner, tlp, community, recipients) in objects {
        add_object(
            store,
            indicator(id, name),
            owner,
            tlp,
            community,
            &recipients,
        )
        .await;
    }
}

/// The identity of an organisation or community, from the directory.
pub async fn identity_of(store: &SqliteStore, name: &str) -> String {
    let organisations = ok(store.organisations().await);
    if let Some(organisation) = organisations.iter().find(|each| each.name == name) {
        return organisation.identity.clone();
    }
    let communities = ok(store.communities().await);
    communities
        .iter()
        .find(|each| each.name == name)
        .map(|community| community.identity.clone())
        .unwrap_or_else(|| panic!("no organisation or community {name}"))
}
