//! The exports as machines meet them: real HTTP on 127.0.0.1:0 against the real server
//! over a seeded SQLite store and a real audit log, driven by reqwest. One test binary;
//! a module per concern. The world is small and every object in it is named, so that
//! each test can say exactly which objects each caller gets.

mod misp;
mod polling;
mod visibility;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use dijkwacht_audit::{AuditEntry, AuditLog};
use dijkwacht_directory::{ApiToken, CommunityKind, Sector, SizeClass, hash_password};
use dijkwacht_policy::{CommunityId, Role, Scope, UserId};
use dijkwacht_server::AppState;
use dijkwacht_server::limits::Limits;
use dijkwacht_server::serving::ServeOptions;
use dijkwacht_stix::StixObject;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::directory::{Community, Directory, Organisation, TokenRecord, User};
use dijkwacht_store::{Handling, IngestMode, PreparedObject, Provenance, Store};
use dijkwacht_store_sqlite::SqliteStore;
use reqwest::header::{AUTHORIZATION, HeaderMap};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const PASSWORD: &str = "correct horse battery staple";
pub const ALICE: &str = "alice@waterbedrijf.example";
pub const HARRY: &str = "harry@havenbedrijf.example";
pub const BOB: &str = "bob@energiebedrijf.example";

/// Who asks: three members (two organisations in `water`, one in `energie`) and
/// anonymous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Alice,
    Harry,
    Bob,
    Anonymous,
}

impl Who {
    pub const ALL: [Who; 4] = [Who::Alice, Who::Harry, Who::Bob, Who::Anonymous];

    fn login(self) -> Option<&'static str> {
        match self {
            Who::Alice => Some(ALICE),
            Who::Harry => Some(HARRY),
            Who::Bob => Some(BOB),
            Who::Anonymous => None,
        }
    }
}

/// One seeded object: its name in the tests, the value its pattern compares, and
/// which callers may export it.
#[derive(Debug)]
pub struct Seeded {
    pub name: &'static str,
    pub value: &'static str,
    pub visible_to: &'static [Who],
}

const WATER: &[Who] = &[Who::Alice, Who::Harry];
const EVERYONE: &[Who] = &Who::ALL;

/// The indicators of the world, with what the sharing rules give whom. RED goes to no
/// one in bulk, not even its recipient; AMBER+STRICT scoped to its organisation only to
/// that organisation, not to the other member of its community.
pub const INDICATORS: [Seeded; 9] = [
    Seeded {
        name: "clear-public",
        value: "198.51.100.1",
        visible_to: EVERYONE,
    },
    Seeded {
        name: "green-water",
        value: "198.51.100.2",
        visible_to: WATER,
    },
    Seeded {
        name: "amber-water",
        value: "198.51.100.3",
        visible_to: WATER,
    },
    Seeded {
        name: "amber-strict-own",
        value: "198.51.100.4",
        visible_to: &[Who::Alice],
    },
    Seeded {
        name: "red-for-alice",
        value: "198.51.100.5",
        visible_to: &[],
    },
    Seeded {
        name: "green-energie",
        value: "198.51.100.6",
        visible_to: &[Who::Bob],
    },
    Seeded {
        name: "amber-energie",
        value: "198.51.100.7",
        visible_to: &[Who::Bob],
    },
    Seeded {
        name: "expired-water",
        value: "198.51.100.8",
        visible_to: WATER,
    },
    Seeded {
        name: "clear-domain",
        value: "dijk-doorbraak.example",
        visible_to: EVERYONE,
    },
];

/// The id of a seeded object by its name (the report and the malware included).
pub fn id_of(name: &str) -> String {
    let position = INDICATORS
        .iter()
        .position(|seeded| seeded.name == name)
        .map(|position| position + 1);
    match (name, position) {
        ("water-report", _) => "report--a0000000-0000-4000-8000-0000000000f1".to_owned(),
        ("water-malware", _) => "malware--a0000000-0000-4000-8000-0000000000f2".to_owned(),
        (_, Some(position)) => format!("indicator--a0000000-0000-4000-8000-{position:012}"),
        (other, None) => panic!("no seeded object is called {other}"),
    }
}

/// The names of the objects `who` may export, the report and malware included.
pub fn exportable_by(who: Who) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = INDICATORS
        .iter()
        .filter(|seeded| seeded.visible_to.contains(&who))
        .map(|seeded| seeded.name.to_owned())
        .collect();
    if WATER.contains(&who) {
        names.extend(["water-report".to_owned(), "water-malware".to_owned()]);
    }
    names
}

fn indicator(name: &str, value: &str, extra: Value) -> Value {
    let comparison = if value.parse::<std::net::IpAddr>().is_ok() {
        format!("[ipv4-addr:value = '{value}']")
    } else {
        format!("[domain-name:value = '{value}']")
    };
    let mut object = json!({
        "type": "indicator", "spec_version": "2.1", "id": id_of(name),
        "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z",
        "name": name, "pattern": comparison, "pattern_type": "stix",
        "valid_from": "2020-01-01T00:00:00Z", "confidence": 80,
    });
    if let (Some(object), Some(extra)) = (object.as_object_mut(), extra.as_object()) {
        object.extend(extra.clone());
    }
    object
}

fn communities(names: &[&str]) -> Scope {
    Scope::Communities(names.iter().map(|name| CommunityId::new(*name)).collect())
}

/// An object ready for the store, with its owner, TLP, scope and RED recipients.
pub fn prepared(object: Value, owner: &str, tlp: TlpLevel, scope: Scope) -> PreparedObject {
    let object = StixObject::from_value(object).unwrap_or_else(|error| panic!("{error}"));
    let mut prepared = PreparedObject::from_object(&object);
    prepared.handling = Handling {
        owner: Some(owner.to_owned()),
        tlp: Some(tlp),
        scope: Some(scope),
        recipients: if tlp == TlpLevel::Red {
            BTreeSet::from([UserId::new(ALICE)])
        } else {
            BTreeSet::new()
        },
    };
    prepared
}

fn seeded_objects() -> Vec<PreparedObject> {
    use TlpLevel::{Amber, AmberStrict, Clear, Green, Red};
    let water = || communities(&["water"]);
    let energie = || communities(&["energie"]);
    let handling: [(&str, TlpLevel, Scope, Value); 9] = [
        ("waterbedrijf", Clear, Scope::Public, json!({})),
        ("waterbedrijf", Green, water(), json!({"confidence": 40})),
        ("waterbedrijf", Amber, water(), json!({})),
        ("waterbedrijf", AmberStrict, Scope::Organisation, json!({})),
        ("waterbedrijf", Red, water(), json!({})),
        ("energiebedrijf", Green, energie(), json!({})),
        ("energiebedrijf", Amber, energie(), json!({})),
        (
            "waterbedrijf",
            Green,
            water(),
            json!({"valid_until": "2021-01-01T00:00:00Z"}),
        ),
        ("havenbedrijf", Clear, Scope::Public, json!({})),
    ];
    let mut objects: Vec<PreparedObject> = INDICATORS
        .iter()
        .zip(handling)
        .map(|(seeded, (owner, tlp, scope, extra))| {
            prepared(
                indicator(seeded.name, seeded.value, extra),
                owner,
                tlp,
                scope,
            )
        })
        .collect();
    let report = json!({
        "type": "report", "spec_version": "2.1", "id": id_of("water-report"),
        "created": "2026-01-06T10:00:00.000Z", "modified": "2026-01-06T10:00:00.000Z",
        "name": "Dike sensors probed", "published": "2026-01-06T10:00:00Z",
        "object_refs": [id_of("green-water"), id_of("amber-water"), id_of("red-for-alice")],
    });
    objects.push(prepared(report, "waterbedrijf", Green, water()));
    let malware = json!({
        "type": "malware", "spec_version": "2.1", "id": id_of("water-malware"),
        "created": "2026-01-06T10:00:00.000Z", "modified": "2026-01-06T10:00:00.000Z",
        "name": "DijkWorm", "is_family": true,
    });
    objects.push(prepared(malware, "waterbedrijf", Green, water()));
    objects
}

fn fail<T>(error: dijkwacht_store::StoreError) -> T {
    panic!("{error}")
}

async fn seed_directory(store: &SqliteStore) {
    for (position, (organisation, community)) in [
        ("waterbedrijf", "water"),
        ("havenbedrijf", "water"),
        ("energiebedrijf", "energie"),
    ]
    .into_iter()
    .enumerate()
    {
        if !store
            .communities()
            .await
            .unwrap_or_else(fail)
            .iter()
            .any(|existing| existing.name == community)
        {
            store
                .add_community(Community {
                    name: community.to_owned(),
                    display_name: community.to_owned(),
                    kind: CommunityKind::TopSector,
                    parent: None,
                    vetted: false,
                    identity: format!("identity--c0000000-0000-4000-8000-00000000000{position}"),
                    default_tlp: TlpLevel::Green,
                })
                .await
                .unwrap_or_else(fail);
        }
        store
            .add_organisation(Organisation {
                name: organisation.to_owned(),
                display_name: organisation.to_owned(),
                sectors: vec![Sector::Water],
                size: SizeClass::Medium,
                vital: false,
                identity: format!("identity--b0000000-0000-4000-8000-00000000000{position}"),
            })
            .await
            .unwrap_or_else(fail);
        store
            .join(community, organisation, None)
            .await
            .unwrap_or_else(fail);
    }
    let hash = hash_password(PASSWORD).unwrap_or_else(|error| panic!("{error}"));
    for (email, organisation) in [
        (ALICE, "waterbedrijf"),
        (HARRY, "havenbedrijf"),
        (BOB, "energiebedrijf"),
    ] {
        let user = User {
            email: email.to_owned(),
            organisation: organisation.to_owned(),
            role: Role::Member,
        };
        store
            .add_user(user, hash.clone())
            .await
            .unwrap_or_else(fail);
    }
}

/// The seeded world served by the real application until it is dropped.
#[derive(Debug)]
pub struct World {
    pub address: SocketAddr,
    pub store: Arc<SqliteStore>,
    audit_path: PathBuf,
    _folder: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

impl World {
    /// Serves the seeded world with pages of two objects, so that every export spans
    /// several pages, and without a rate limit.
    pub async fn start() -> World {
        let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let audit_path = folder.path().join("audit.log");
        let audit = AuditLog::open(&audit_path).unwrap_or_else(|error| panic!("{error}"));
        let store =
            Arc::new(SqliteStore::open_in_memory().unwrap_or_else(|error| panic!("{error}")));
        seed_directory(&store).await;
        store
            .ingest(
                seeded_objects(),
                IngestMode::AllOrNothing,
                Provenance::new("test"),
            )
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        let state = AppState::new(store.clone(), Some(Arc::new(audit)), "Dijkwacht test")
            .unwrap_or_else(|error| panic!("{error}"));
        let limits = Limits {
            default_page_size: 2,
            rate_limit: None,
            ..Limits::default()
        };
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|error| panic!("{error}"));
        let (stop, stopped) = oneshot::channel::<()>();
        let options = ServeOptions { limits, tls: None };
        tokio::spawn(dijkwacht_server::serve(listener, state, options, async {
            let _ = stopped.await;
        }));
        World {
            address,
            store,
            audit_path,
            _folder: folder,
            _stop: stop,
        }
    }

    /// A GET of `path` as `who` (members with their password).
    pub fn get(&self, who: Who, path: &str) -> RequestBuilder {
        let request = reqwest::Client::new().get(format!("http://{}{path}", self.address));
        match who.login() {
            Some(login) => request.basic_auth(login, Some(PASSWORD)),
            None => request,
        }
    }

    /// A GET of `path` with `Authorization: Bearer token`.
    pub fn get_with_token(&self, token: &str, path: &str) -> RequestBuilder {
        reqwest::Client::new()
            .get(format!("http://{}{path}", self.address))
            .header(AUTHORIZATION, format!("Bearer {token}"))
    }

    /// A read-only API token for `email`, as `dijkwacht token create` makes one.
    pub async fn token_for(&self, email: &str) -> String {
        let token = ApiToken::generate().unwrap_or_else(|error| panic!("{error}"));
        self.store
            .add_token(TokenRecord {
                id: token.id().0.clone(),
                user: email.to_owned(),
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

    /// Every entry of the audit log so far.
    pub fn audit_entries(&self) -> Vec<AuditEntry> {
        std::fs::read_to_string(&self.audit_path)
            .unwrap_or_else(|error| panic!("{error}"))
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}")))
            .collect()
    }
}

/// A finished answer: status, headers and body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("{error} in {}: {}", self.status, self.body))
    }

    /// The lines of a text body.
    pub fn lines(&self) -> Vec<&str> {
        self.body.lines().collect()
    }
}

pub async fn send(request: RequestBuilder) -> Answer {
    let response = request
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .text()
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    Answer {
        status,
        headers,
        body,
    }
}

/// The ids of the objects of a bundle.
pub fn bundle_ids(bundle: &Value) -> BTreeSet<String> {
    bundle["objects"]
        .as_array()
        .map(|objects| {
            objects
                .iter()
                .filter_map(|object| object["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Names of seeded objects as their ids.
pub fn ids(names: impl IntoIterator<Item = impl AsRef<str>>) -> BTreeSet<String> {
    names.into_iter().map(|name| id_of(name.as_ref())).collect()
}

/// The values of the named seeded indicators.
pub fn values(names: &[&str]) -> BTreeSet<String> {
    INDICATORS
        .iter()
        .filter(|seeded| names.contains(&seeded.name))
        .map(|seeded| seeded.value.to_owned())
        .collect()
}
