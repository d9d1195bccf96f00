//! CSV and plain-text lists (kinds `csv` and `list`), as many abuse feeds publish them:
//! one value per line or per record, laid out as the source's `list` table says
//! (`dijkwacht_fusion::lists::ListFormat`, plus `valid_days`: how long a listed value
//! stays valid after each fetch that still lists it). Values a list restates are
//! reconciled with what is stored, so an unchanged list adds nothing and a value still
//! listed only extends its validity.

use anyhow::Context;
use dijkwacht_fusion::config::SourceKind;
use dijkwacht_fusion::lists::{ListContext, ListFormat, map_list};
use dijkwacht_fusion::reconcile::{LIST_RESTATEMENT, Restatement, reconcile_with_stored};
use dijkwacht_stix::timestamp::Timestamp;

use super::{Document, SourceRun};

const ACCEPT: &str = "text/csv, text/plain;q=0.9, */*;q=0.1";

/// The list layout of a source, and how long its values stay valid.
fn format_of(run: &SourceRun<'_>) -> anyhow::Result<(ListFormat, Option<u32>)> {
    let mut table = run.config.list.clone();
    let valid_days = match table.remove("valid_days") {
        None => None,
        Some(toml::Value::Integer(days)) => Some(u32::try_from(days).with_context(|| {
            format!(
                "source `{}`: `list.valid_days` must be a positive number of days",
                run.config.name
            )
        })?),
        Some(_) => anyhow::bail!(
            "source `{}`: `list.valid_days` must be a number of days",
            run.config.name
        ),
    };
    if run.config.kind == SourceKind::Csv && !table.contains_key("kind") {
        table.insert("kind".to_owned(), toml::Value::String("csv".to_owned()));
    }
    let format: ListFormat = toml::Value::Table(table.into_iter().collect())
        .try_into()
        .with_context(|| format!("source `{}`: its `list` table", run.config.name))?;
    Ok((format, valid_days))
}

pub async fn run(run: &mut SourceRun<'_>) -> anyhow::Result<()> {
    let layout = format_of(run)?;
    if let Some(url) = run.config.url.clone() {
        if let Some(document) = run.fetch(&url, ACCEPT).await? {
            deliver(run, &layout, document).await?;
        }
        return Ok(());
    }
    for file in run.files(&[".txt", ".csv", ".list"])? {
        let document = run.read_file(&file)?;
        deliver(run, &layout, document).await?;
    }
    Ok(())
}

async fn deliver(
    run: &mut SourceRun<'_>,
    (format, valid_days): &(ListFormat, Option<u32>),
    document: Document,
) -> anyhow::Result<()> {
    let seen_at = Timestamp::now().to_string();
    let text = String::from_utf8_lossy(&document.bytes);
    let context = ListContext {
        source_name: &run.config.name,
        seen_at: &seen_at,
        default_valid_days: *valid_days,
    };
    let mut mapped = map_list(&text, format, &context);
    let stored = run.delivery.latest_stored(&mapped.objects).await?;
    if let Some(days) = valid_days {
        keep_validity_until_half_spent(&mut mapped.objects, &stored, &seen_at, *days);
    }
    let rule = Restatement {
        fetch_time_properties: LIST_RESTATEMENT,
        version_time: &seen_at,
    };
    let reconciled = reconcile_with_stored(std::mem::take(&mut mapped.objects), &stored, rule);
    mapped.objects = reconciled.to_store;
    run.delivery.unchanged(reconciled.unchanged).await?;
    run.delivery.deliver(&document.location, mapped).await?;
    run.stored(&document);
    run.checkpoint()
}

/// A value still listed extends its validity only once half of it is spent, so a list
/// fetched every hour does not make a new version of every value every hour.
fn keep_validity_until_half_spent(
    fresh: &mut [serde_json::Value],
    stored: &std::collections::HashMap<String, serde_json::Value>,
    now: &str,
    valid_days: u32,
) {
    let Ok(now) = Timestamp::parse(now) else {
        return;
    };
    let half = i64::from(valid_days) * 86_400 * 1_000_000 / 2;
    for object in fresh {
        let Some(previous) = object
            .get("id")
            .and_then(serde_json::Value::as_str)
            .and_then(|id| stored.get(id))
        else {
            continue;
        };
        let Some(until) = previous.get("valid_until").cloned() else {
            continue;
        };
        let remaining = until
            .as_str()
            .and_then(|text| Timestamp::parse(text).ok())
            .map(|until| until.unix_micros() - now.unix_micros());
        if remaining.is_some_and(|remaining| remaining > half) {
            object["valid_until"] = until;
        }
    }
}
