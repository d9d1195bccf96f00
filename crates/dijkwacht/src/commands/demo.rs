//! `dijkwacht demo`: a fresh demo data folder with the nine top-sector communities and
//! sample intelligence shipped inside the binary, then the server. Offline, in seconds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use dijkwacht_directory::{CommunityKind, MembershipStage, Sector, SizeClass, hash_password};
use dijkwacht_policy::{CommunityId, Role, Scope, UserId};
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::directory::{Community, Directory, Organisation, User};
use dijkwacht_store::{IngestMode, IngestOutcome, PreparedObject, Provenance, Store};
use dijkwacht_store_sqlite::SqliteStore;

use crate::cli::DemoArgs;
use crate::commands::serve::{FusionServing, serve_store};
use crate::data_dir::{AUDIT_FILE, DataDir, STORE_FILE};
use crate::reading::{Purpose, ReadOutcome, read_input};
use dijkwacht_server::serving::ServeOptions;

/// The demo intelligence, written for the project (see `demo/README.md`).
const DEMO_BUNDLE: &str = include_str!("../../demo/demo-bundle.json");

/// Marks a folder as made by `demo`, so that it may be wiped and made again.
const DEMO_MARKER: &str = ".dijkwacht-demo";

pub async fn run(data: &DataDir, options: &DemoArgs) -> anyhow::Result<ExitCode> {
    let folder = demo_folder(data, options);
    prepare_fresh_folder(&folder)?;
    let demo_data = DataDir::new(&folder);
    let store = demo_data.create()?;

    let (identities, objects) = parse_embedded_bundle()?;
    let logins = seed_directory(&store, &identities).await?;
    store_embedded_bundle(&store, objects).await?;
    println!("Dijkwacht demo");
    println!("  data folder:   {}", folder.display());
    let communities: Vec<&str> = std::iter::once(&PLENUM)
        .chain(DEMO_COMMUNITIES)
        .map(|community| community.display)
        .collect();
    println!("  communities:   {}", communities.join(", "));
    println!("  demo logins (organisation, its communities, login / password):");
    for login in &logins {
        println!("    {login}");
    }

    // Sources keep their paths in dijkwacht.toml, where a relative path would be read
    // against the data folder: the samples are named as the command line meant them.
    let samples = options
        .samples
        .as_deref()
        .map(|samples| {
            std::fs::canonicalize(samples)
                .with_context(|| format!("--samples {}: no such folder", samples.display()))
        })
        .transpose()?;
    super::demo_fusion::run(&folder, &store, samples.as_deref()).await?;
    super::demo_alerts::run(&store).await?;
    let counts = store.count_by_type().await?;
    let objects: u64 = counts.iter().map(|count| count.objects).sum();
    println!(
        "  stored:        {objects} objects of {} types",
        counts.len()
    );
    if options.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let data_flag = folder.display().to_string();
    let audit = demo_data.audit_log()?;
    serve_store(
        Arc::new(store),
        audit,
        options.listen,
        "Dijkwacht demo",
        ServeOptions::default(),
        FusionServing {
            alerts: Some((folder.clone(), demo_data.open()?)),
            ..FusionServing::default()
        },
        move |address| {
            println!("  listening on:  http://{address}/   (Ctrl-C stops the demo)");
            println!();
            println!("Try:");
            println!("  curl http://{address}/healthz");
            println!("  curl -H 'Accept: application/taxii+json;version=2.1' http://{address}/taxii2/");
            println!(
                "  curl -u analyst@waterschap-zeeduin.example:demo-waterschap-zeeduin -H 'Accept: application/taxii+json;version=2.1' http://{address}/taxii2/"
            );
            println!(
                "  curl -u analyst@waterschap-zeeduin.example:demo-waterschap-zeeduin http://{address}/api/v1/me"
            );
            println!(
                "  curl -u analyst@kadewerk.example:demo-kadewerk http://{address}/api/v1/alerts"
            );
            println!(
                "  curl -u analyst@waterschap-zeeduin.example:demo-waterschap-zeeduin http://{address}/api/v1/exports/blocklist/ip"
            );
            println!("  dijkwacht --data {data_flag} stats");
            println!("  dijkwacht --data {data_flag} export --type indicator > indicators.json");
            println!("  (from a clone, `cargo run --release --` stands in for `dijkwacht`)");
        },
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// `--data` when the user gave one, else `./dijkwacht-demo`, so that a demo never
/// touches the default data folder.
fn demo_folder(data: &DataDir, _options: &DemoArgs) -> PathBuf {
    let default = Path::new("./dijkwacht-data");
    if data.root() == default {
        PathBuf::from("./dijkwacht-demo")
    } else {
        data.root().to_path_buf()
    }
}

/// Empties a folder made by an earlier demo; refuses to touch any other non-empty one.
fn prepare_fresh_folder(folder: &Path) -> anyhow::Result<()> {
    if folder.exists() {
        let marker = folder.join(DEMO_MARKER);
        let empty = std::fs::read_dir(folder)
            .with_context(|| format!("cannot read {}", folder.display()))?
            .next()
            .is_none();
        if !empty && !marker.exists() {
            bail!(
                "{} exists and was not made by `dijkwacht demo`; choose another folder with --data",
                folder.display()
            );
        }
        for name in [
            STORE_FILE,
            "dijkwacht.sqlite-wal",
            "dijkwacht.sqlite-shm",
            AUDIT_FILE,
        ] {
            let path = folder.join(name);
            if path.exists() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
    }
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    std::fs::write(
        folder.join(DEMO_MARKER),
        "made by dijkwacht demo; the folder is replaced on every run\n",
    )
    .with_context(|| format!("cannot write in {}", folder.display()))?;
    Ok(())
}

/// Reads the embedded bundle: its identities (name → id) and its objects.
fn parse_embedded_bundle() -> anyhow::Result<(BTreeMap<String, String>, Vec<PreparedObject>)> {
    let ReadOutcome::Read { intake, .. } =
        read_input(DEMO_BUNDLE.as_bytes(), Purpose::Store, false, &mut || {})
    else {
        bail!("the embedded demo bundle is unreadable; this is a bug in this build");
    };
    if let Some(invalid) = intake.invalid.first() {
        bail!(
            "the embedded demo bundle has an invalid object ({}); this is a bug in this build",
            invalid
                .errors
                .first()
                .map(ToString::to_string)
                .unwrap_or_default()
        );
    }
    let identities = intake
        .accepted
        .iter()
        .filter(|(_, object)| object.object_type == "identity")
        .filter_map(|(_, object)| Some((object.name.clone()?, object.id.clone())))
        .collect();
    let objects = intake
        .accepted
        .into_iter()
        .map(|(_, object)| object)
        .collect();
    Ok((identities, objects))
}

/// Who may see the demo's intelligence: the fusion center owns it; TLP:CLEAR is public,
/// everything else is shared into the plenum (and so reaches the members of every
/// community under it), and TLP:RED goes to two named people.
async fn store_embedded_bundle(
    store: &dyn Store,
    mut objects: Vec<PreparedObject>,
) -> anyhow::Result<()> {
    for object in &mut objects {
        let tlp = *object.handling.tlp.get_or_insert(TlpLevel::Green);
        object.handling.owner = Some("fusion-center".to_owned());
        object.handling.scope = Some(if tlp == TlpLevel::Clear {
            Scope::Public
        } else {
            Scope::Communities([CommunityId::new("plenum")].into_iter().collect())
        });
        if tlp == TlpLevel::Red {
            object.handling.recipients = DEMO_RED_RECIPIENTS
                .iter()
                .map(|user| UserId::new(*user))
                .collect();
        }
    }
    let report = store
        .ingest(objects, IngestMode::AllOrNothing, Provenance::new("demo"))
        .await
        .context("storing the demo bundle failed")?;
    if !report.committed {
        bail!(
            "the demo bundle was not stored: {:?}",
            report.rejections.first()
        );
    }
    tracing::debug!(
        new = report.count(IngestOutcome::NewObject),
        "demo bundle stored"
    );
    Ok(())
}

/// The named recipients of the demo's TLP:RED objects.
const DEMO_RED_RECIPIENTS: [&str; 2] = ["analyst@kadewerk.example", "admin@fusion-center.example"];

/// A community of the demo; its identity is the one of the same name in the bundle.
struct DemoCommunity {
    name: &'static str,
    display: &'static str,
    kind: CommunityKind,
    parent: Option<&'static str>,
    vetted: bool,
}

const fn community(
    name: &'static str,
    display: &'static str,
    kind: CommunityKind,
    parent: Option<&'static str>,
    vetted: bool,
) -> DemoCommunity {
    DemoCommunity {
        name,
        display,
        kind,
        parent,
        vetted,
    }
}

/// The plenum holds the sector, regional, chain and theme communities: what is shared
/// into it reaches all their members.
const DEMO_COMMUNITIES: &[DemoCommunity] = &[
    community(
        "agri-food",
        "Agri & Food",
        CommunityKind::TopSector,
        Some("plenum"),
        true,
    ),
    community(
        "chemie",
        "Chemie",
        CommunityKind::TopSector,
        Some("plenum"),
        true,
    ),
    community(
        "creatieve-industrie",
        "Creatieve Industrie",
        CommunityKind::TopSector,
        Some("plenum"),
        true,
    ),
    community(
        "energie",
        "Energie",
        CommunityKind::TopSector,
        Some("plenum"),
        true,
    ),
    community(
        "hightech",
        "High Tech Systemen & Materialen",
        CommunityKind::TopSector,
        Some("plenum"),
        true,
    ),
    community(
        "life-sciences",
        "Life Sciences & Health",
        CommunityKind::TopSector,
        Some("plenum"),
        true,
    ),
    community(
        "logistiek",
        "Logistiek",
        CommunityKind::TopSector,
        Some("plenum"),
        true,
    ),
    community(
        "tuinbouw",
        "Tuinbouw & Uitgangsmaterialen",
        CommunityKind::TopSector,
        Some("plenum"),
        true,
    ),
    community(
        "water",
        "Water",
        CommunityKind::TopSector,
        Some("plenum"),
        true,
    ),
    community(
        "regio-rijnmond",
        "Regio Rotterdam-Rijnmond",
        CommunityKind::Region,
        Some("plenum"),
        false,
    ),
    community(
        "keten-haven",
        "Keten Haven Logistiek",
        CommunityKind::SupplyChain,
        Some("plenum"),
        true,
    ),
    community(
        "ot-ics",
        "OT & ICS security",
        CommunityKind::Theme,
        Some("plenum"),
        false,
    ),
    community(
        "publiek",
        "Dijkwacht Publiek",
        CommunityKind::PublicTier,
        None,
        false,
    ),
];

/// The plenum is added first: the others name it as their parent.
const PLENUM: DemoCommunity = community(
    "plenum",
    "Dijkwacht Plenum",
    CommunityKind::Plenum,
    None,
    true,
);

/// A member organisation of the demo: short name, the identity's name in the bundle,
/// sector, size, vital, and the communities it takes part in.
type DemoOrganisation = (
    &'static str,
    &'static str,
    Sector,
    SizeClass,
    bool,
    &'static [&'static str],
);

const DEMO_ORGANISATIONS: &[DemoOrganisation] = &[
    (
        "polderzuivel",
        "Polderzuivel B.V.",
        Sector::AgriFood,
        SizeClass::Micro,
        false,
        &["agri-food", "publiek"],
    ),
    (
        "westland-kiemkracht",
        "Westland Kiemkracht B.V.",
        Sector::Tuinbouw,
        SizeClass::Small,
        false,
        &["tuinbouw", "agri-food"],
    ),
    (
        "kempen-optiek",
        "Kempen Precisie Optiek B.V.",
        Sector::HighTech,
        SizeClass::Medium,
        false,
        &["hightech"],
    ),
    (
        "botlek-polymeren",
        "Botlek Polymeren B.V.",
        Sector::Chemie,
        SizeClass::Large,
        true,
        &["chemie", "regio-rijnmond"],
    ),
    (
        "kadewerk",
        "Kadewerk Containerterminal B.V.",
        Sector::Logistiek,
        SizeClass::Large,
        true,
        &["logistiek", "keten-haven", "regio-rijnmond"],
    ),
    (
        "van-der-graaf",
        "Transport Van der Graaf & Zn. B.V.",
        Sector::Logistiek,
        SizeClass::Small,
        false,
        &["logistiek", "keten-haven"],
    ),
    (
        "waterschap-zeeduin",
        "Waterschap Zeeduin",
        Sector::Water,
        SizeClass::Large,
        true,
        &["water", "ot-ics"],
    ),
    (
        "rijnmond-warmtenet",
        "Rijnmond Warmtenet B.V.",
        Sector::Energie,
        SizeClass::Medium,
        true,
        &["energie", "ot-ics", "regio-rijnmond"],
    ),
    (
        "duinrand-diagnostics",
        "Duinrand Diagnostics B.V.",
        Sector::LifeSciences,
        SizeClass::Small,
        false,
        &["life-sciences"],
    ),
    (
        "fusion-center",
        "Dijkwacht Fusion Center",
        Sector::Other,
        SizeClass::Small,
        false,
        &["plenum"],
    ),
];

/// Creates the demo's communities, organisations, memberships and one user per
/// organisation (the fusion center's is the platform admin); returns a line per login.
async fn seed_directory(
    store: &SqliteStore,
    identities: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<String>> {
    let identity_of = |name: &str| {
        identities.get(name).cloned().with_context(|| {
            format!("the demo bundle has no identity named '{name}'; this is a bug in this build")
        })
    };
    for demo in std::iter::once(&PLENUM).chain(DEMO_COMMUNITIES) {
        store
            .add_community(Community {
                name: demo.name.to_owned(),
                display_name: demo.display.to_owned(),
                kind: demo.kind,
                parent: demo.parent.map(str::to_owned),
                vetted: demo.vetted,
                identity: identity_of(demo.display)?,
                default_tlp: if demo.kind == CommunityKind::PublicTier {
                    TlpLevel::Clear
                } else {
                    TlpLevel::Green
                },
            })
            .await?;
    }
    let mut logins = Vec::new();
    for (name, display, sector, size, vital, communities) in DEMO_ORGANISATIONS {
        store
            .add_organisation(Organisation {
                name: (*name).to_owned(),
                display_name: (*display).to_owned(),
                sectors: vec![*sector],
                size: *size,
                vital: *vital,
                identity: identity_of(display)?,
            })
            .await?;
        for community in *communities {
            let contact = Some(format!("security@{name}.example"));
            if store.join(community, name, contact).await? == MembershipStage::Applicant {
                store
                    .set_stage(community, name, MembershipStage::Participant)
                    .await?;
            }
        }
        let (email, role) = if *name == "fusion-center" {
            (
                "admin@fusion-center.example".to_owned(),
                Role::PlatformAdmin,
            )
        } else {
            (format!("analyst@{name}.example"), Role::Analyst)
        };
        let password = format!("demo-{name}");
        let user = User {
            email: email.clone(),
            organisation: (*name).to_owned(),
            role,
        };
        store.add_user(user, hash_password(&password)?).await?;
        logins.push(format!(
            "{display:<36} {:<40} {email} / {password}",
            communities.join(",")
        ));
    }
    Ok(logins)
}
