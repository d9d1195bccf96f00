//! `dijkwacht export`: stored objects as one STIX 2.1 bundle, streamed page by page.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use dijkwacht_policy::{Action, Caller, Member, OrgId, UserId, visibility_filter};
use dijkwacht_stix::Timestamp;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::directory::Directory;
use dijkwacht_store::{ObjectQuery, Store, VersionSelection};

use crate::cli::ExportArgs;
use crate::data_dir::DataDir;

const PAGE_SIZE: usize = 5_000;

pub async fn run(data: &DataDir, options: &ExportArgs) -> anyhow::Result<ExitCode> {
    let added_after = match &options.added_after {
        Some(text) => Some(
            Timestamp::parse(text)
                .map_err(|problem| anyhow::anyhow!("--added-after '{text}' is not a timestamp: {problem}; write e.g. 2026-01-31T00:00:00Z"))?
                .unix_micros(),
        ),
        None => None,
    };
    let store = data.open()?;
    let audit = data.audit_log()?;
    let visibility = match &options.visible_to {
        None => None,
        Some(email) => {
            let users = store.users().await?;
            let Some(user) = users.into_iter().find(|user| user.email == *email) else {
                anyhow::bail!("there is no user '{email}'");
            };
            let reach = store.reach(&user.organisation).await?;
            let caller = Caller::Member(Member {
                user: UserId::new(user.email.clone()),
                organisation: OrgId::new(user.organisation.clone()),
                role: user.role,
                reach,
                token: None,
            });
            Some(visibility_filter(&caller, Action::Export))
        }
    };
    let query = ObjectQuery {
        visibility,
        types: options.types.clone(),
        versions: if options.all_versions {
            VersionSelection::All
        } else {
            VersionSelection::Last
        },
        added_after,
        limit: PAGE_SIZE,
        ..ObjectQuery::default()
    };
    let written = match &options.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            write_bundle(&store, query, BufWriter::new(file)).await?
        }
        None => write_bundle(&store, query, BufWriter::new(std::io::stdout().lock())).await?,
    };
    // Reads of AMBER and stricter are audited, with who read them.
    let actor = options.visible_to.as_deref().unwrap_or("operator");
    let mut details = serde_json::Map::new();
    details.insert("objects".to_owned(), written.written.into());
    details.insert(
        "amber_or_stricter".to_owned(),
        written.amber_or_stricter.into(),
    );
    audit.append(actor, "export", None, details)?;
    eprintln!("exported {} object(s)", written.written);
    Ok(ExitCode::SUCCESS)
}

/// Writes every object the query matches as a bundle, page after page. An empty result
/// is a bundle without `objects`, since STIX lists must not be empty.
pub async fn write_bundle(
    store: &dyn Store,
    mut query: ObjectQuery,
    mut out: impl Write,
) -> anyhow::Result<Exported> {
    let bundle_id = format!("bundle--{}", uuid_v4());
    write!(out, "{{\"type\":\"bundle\",\"id\":\"{bundle_id}\"")?;
    let mut written = 0usize;
    let mut amber_or_stricter = Vec::new();
    loop {
        let page = store
            .query(query.clone())
            .await
            .context("reading from the store failed")?;
        for object in &page.objects {
            out.write_all(if written == 0 {
                b",\"objects\":[\n"
            } else {
                b",\n"
            })?;
            out.write_all(object.json.as_bytes())?;
            written += 1;
            if object.tlp.is_some_and(|level| level >= TlpLevel::Amber) {
                amber_or_stricter.push(object.id.clone());
            }
        }
        match (page.more, page.objects.last()) {
            (true, Some(last)) => query.added_after = Some(last.date_added),
            _ => break,
        }
    }
    out.write_all(if written == 0 { b"}\n" } else { b"\n]}\n" })?;
    out.flush()?;
    Ok(Exported {
        written,
        amber_or_stricter,
    })
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct Exported {
    pub written: usize,
    /// The ids of objects at TLP:AMBER or stricter: every read of them is audited.
    pub amber_or_stricter: Vec<String>,
}

fn uuid_v4() -> String {
    uuid::Uuid::new_v4().to_string()
}
