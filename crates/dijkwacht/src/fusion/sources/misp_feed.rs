//! MISP feeds (kind `misp-feed`): a folder of `manifest.json` and one `<uuid>.json` per
//! event, served over HTTP or on disk; or, for a `path` without a manifest, MISP event
//! files handed over directly. The manifest gives each event's last change, so a run
//! fetches only the events changed since the last stored one of each (the cursor maps
//! event uuid → timestamp) and checkpoints after every event: a run cut short resumes
//! with the events it had not stored.
//!
//! MISP's distribution travels with the data: an event (or an attribute) at "your
//! organisation only" is stored for the owner alone, whatever the source's route;
//! wider levels follow the route. Events without a distribution (feed exports strip it)
//! follow the route.

use std::collections::BTreeMap;

use anyhow::Context;
use dijkwacht_fusion::mapped::Mapped;
use dijkwacht_fusion::misp::{Distribution, MappedEvent, MispContext, map_event, parse_manifest};
use serde_json::Value;

use super::{Document, SourceRun};

const ACCEPT: &str = "application/json, */*;q=0.1";

fn context() -> MispContext {
    MispContext {
        default_distribution: Distribution::ThisCommunityOnly,
        default_tlp: None,
    }
}

/// Event uuid → the timestamp of its last stored version.
fn cursor(run: &SourceRun<'_>) -> BTreeMap<String, i64> {
    run.state
        .cursor
        .as_ref()
        .and_then(|cursor| serde_json::from_value(cursor.clone()).ok())
        .unwrap_or_default()
}

pub async fn run(run: &mut SourceRun<'_>) -> anyhow::Result<()> {
    let manifest = if let Some(url) = run.config.url.clone() {
        let base = if url.ends_with('/') {
            url
        } else {
            format!("{url}/")
        };
        // Unchanged manifest: no event changed.
        let Some(document) = run.fetch(&format!("{base}manifest.json"), ACCEPT).await? else {
            return Ok(());
        };
        Some((document, Some(base)))
    } else {
        let folder = std::path::PathBuf::from(run.config.path.as_deref().unwrap_or_default());
        let manifest = folder.join("manifest.json");
        if manifest.is_file() {
            Some((run.read_file(&manifest)?, None))
        } else {
            None
        }
    };
    let Some((manifest, base)) = manifest else {
        // MISP event files handed over directly.
        let files = run.files(&[".json"])?;
        run.delivery.expect_documents(files.len());
        for file in files {
            let document = run.read_file(&file)?;
            deliver_event(run, document).await?;
        }
        return Ok(());
    };
    let entries = parse_manifest(&manifest.bytes)
        .with_context(|| format!("{} is not a MISP feed manifest", manifest.location))?;
    let mut stored = cursor(run);
    let changed: Vec<_> = entries
        .into_iter()
        .filter(|entry| {
            stored
                .get(&entry.event_uuid)
                .is_none_or(|&seen| seen < entry.timestamp)
        })
        .collect();
    run.delivery.expect_documents(changed.len());
    for entry in changed {
        let name = format!("{}.json", entry.event_uuid);
        let document = match &base {
            Some(base) => match run.fetch(&format!("{base}{name}"), ACCEPT).await? {
                Some(document) => document,
                None => continue,
            },
            None => {
                let folder =
                    std::path::PathBuf::from(run.config.path.as_deref().unwrap_or_default());
                run.read_file(&folder.join(&name))?
            }
        };
        deliver_event(run, document).await?;
        stored.insert(entry.event_uuid.clone(), entry.timestamp);
        run.state.cursor = Some(serde_json::to_value(&stored).unwrap_or(Value::Null));
        run.checkpoint()?;
    }
    // The manifest's validators last: an unchanged manifest then means every event
    // it lists is stored.
    run.stored(&manifest);
    run.checkpoint()
}

async fn deliver_event(run: &mut SourceRun<'_>, document: Document) -> anyhow::Result<()> {
    match map_event(&document.bytes, &context()) {
        Ok(event) => deliver_mapped(run, &document.location, event).await?,
        Err(error) => {
            let mut mapped = Mapped::default();
            mapped.problem("the event file", format!("not mapped: {error}"));
            run.delivery.deliver(&document.location, mapped).await?;
        }
    }
    run.delivery.advance();
    run.stored(&document);
    run.checkpoint()
}

/// Stores an event's objects, those its publisher keeps to their own organisation for
/// the owner alone.
async fn deliver_mapped(
    run: &mut SourceRun<'_>,
    location: &str,
    event: MappedEvent,
) -> anyhow::Result<()> {
    if event.distribution == Distribution::YourOrganisationOnly {
        return run
            .delivery
            .deliver_owner_only(location, event.mapped)
            .await;
    }
    let (narrow, wide): (Vec<Value>, Vec<Value>) =
        event.mapped.objects.into_iter().partition(|object| {
            object
                .get("id")
                .and_then(Value::as_str)
                .and_then(|id| event.object_distributions.get(id))
                == Some(&Distribution::YourOrganisationOnly)
        });
    run.delivery
        .deliver(
            location,
            Mapped {
                objects: wide,
                problems: event.mapped.problems,
            },
        )
        .await?;
    if !narrow.is_empty() {
        run.delivery
            .deliver_owner_only(
                location,
                Mapped {
                    objects: narrow,
                    problems: Vec::new(),
                },
            )
            .await?;
    }
    Ok(())
}
