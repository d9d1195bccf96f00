//! `dijkwacht assets`: an organisation's asset profile from the command line. A CSV
//! import is all or nothing: every bad line is reported with its number, kind, value
//! and rule, and then nothing is stored. A change is audited and matched at once, so
//! the organisation learns of what already affects it.

use std::process::ExitCode;

use anyhow::Context;
use dijkwacht_alerts::profile::{AssetEntry, AssetKind, parse_entry};
use dijkwacht_alerts::profile_csv::{ProfileCsvError, read_profile_csv};
use dijkwacht_store::alerts::{Alerts, ProfileEntry};
use dijkwacht_store::directory::Directory;
use serde_json::json;

use crate::cli::OutputFormat;
use crate::cli_alerts::AssetsCommand;
use crate::commands::alerts::{match_now, now_micros};
use crate::commands::problems_found;
use crate::data_dir::DataDir;

pub async fn run(data: &DataDir, command: AssetsCommand) -> anyhow::Result<ExitCode> {
    let store = data.open()?;
    match command {
        AssetsCommand::Import {
            organisation,
            file,
            replace,
        } => {
            known_organisation(&store, &organisation).await?;
            let reader = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let read = match profile_from_csv(reader)
                .with_context(|| format!("{} is not a profile file", file.display()))?
            {
                Ok(read) => read,
                Err(problems) => {
                    for problem in &problems {
                        eprintln!("{}: {problem}", file.display());
                    }
                    eprintln!(
                        "{} line(s) of {} have problems; nothing was stored",
                        problems.len(),
                        file.display()
                    );
                    return Ok(problems_found());
                }
            };
            let entries = read.entries;
            let records: Vec<ProfileEntry> = entries
                .iter()
                .map(|entry| ProfileEntry::new(entry.kind.as_str(), entry.value.clone()))
                .collect();
            let now = now_micros();
            let change = if replace {
                store.replace_assets(&organisation, records, now).await?
            } else {
                store.add_assets(&organisation, records, now).await?
            };
            data.audit_log()?.append(
                "operator",
                "assets-imported",
                Some(&organisation),
                json!({
                    "file": file.display().to_string(),
                    "replace": replace,
                    "added": change.added,
                    "removed": change.removed,
                    "unchanged": change.unchanged,
                })
                .as_object()
                .cloned()
                .unwrap_or_default(),
            )?;
            println!(
                "{organisation}: {} entries added, {} removed, {} unchanged{}",
                change.added,
                change.removed,
                change.unchanged,
                if read.repeated > 0 {
                    format!(" ({} repeated rows taken once)", read.repeated)
                } else {
                    String::new()
                }
            );
            let report = match_now(&store).await?;
            println!(
                "matched: {} new alert(s) for the organisations whose profiles changed",
                report.new_alerts
            );
        }
        AssetsCommand::List {
            organisation,
            format,
        } => {
            known_organisation(&store, &organisation).await?;
            let profile = store.asset_profile(&organisation).await?;
            match format {
                OutputFormat::Json => {
                    let entries: Vec<_> = profile
                        .assets
                        .iter()
                        .map(|asset| json!({"kind": asset.kind, "value": asset.value}))
                        .collect();
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&json!({
                            "organisation": organisation,
                            "revision": profile.revision,
                            "entries": entries,
                        }))?
                    );
                }
                OutputFormat::Text => {
                    for asset in &profile.assets {
                        println!("{:<13} {}", asset.kind, asset.value);
                    }
                    println!("{} entries", profile.assets.len());
                }
            }
        }
        AssetsCommand::Remove {
            organisation,
            kind,
            value,
        } => {
            known_organisation(&store, &organisation).await?;
            let kind: AssetKind = kind.parse()?;
            let entry = parse_entry(kind, &value)
                .map_err(|error| anyhow::anyhow!("kind '{kind}', value '{value}': {error}"))?;
            let change = store
                .remove_assets(
                    &organisation,
                    vec![ProfileEntry::new(entry.kind.as_str(), entry.value.clone())],
                )
                .await?;
            if change.removed == 0 {
                anyhow::bail!("{organisation}'s profile holds no {entry}");
            }
            data.audit_log()?.append(
                "operator",
                "assets-removed",
                Some(&organisation),
                json!({"kind": entry.kind.as_str(), "value": entry.value})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            )?;
            println!("removed {entry} from {organisation}'s profile");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A profile file's entries, checked and in their normal form, each once.
pub struct ProfileFile {
    pub entries: Vec<AssetEntry>,
    /// Rows that repeated an earlier entry.
    pub repeated: usize,
}

/// Reads a profile CSV: its entries, or every bad line ("line N: kind 'k', value 'v':
/// rule") in line order. A file that can not be read at all is the outer error.
pub fn profile_from_csv(
    reader: impl std::io::Read,
) -> Result<Result<ProfileFile, Vec<String>>, ProfileCsvError> {
    let read = read_profile_csv(reader)?;
    let mut problems: Vec<(u64, String)> = read
        .problems
        .iter()
        .map(|problem| (problem.line, problem.to_string()))
        .collect();
    let mut entries: Vec<AssetEntry> = read
        .network
        .iter()
        .map(|entry| entry.asset.entry())
        .collect();
    for line in &read.products {
        match parse_entry(line.kind, &line.value) {
            Ok(entry) => entries.push(entry),
            Err(error) => problems.push((
                line.line,
                format!(
                    "line {}: kind '{}', value '{}': {error}",
                    line.line, line.kind, line.value
                ),
            )),
        }
    }
    if !problems.is_empty() {
        problems.sort();
        return Ok(Err(problems
            .into_iter()
            .map(|(_, problem)| problem)
            .collect()));
    }
    entries.sort();
    entries.dedup();
    Ok(Ok(ProfileFile {
        entries,
        repeated: read.repeated,
    }))
}

async fn known_organisation(store: &impl Directory, organisation: &str) -> anyhow::Result<()> {
    if store
        .organisations()
        .await?
        .iter()
        .any(|known| known.name == organisation)
    {
        Ok(())
    } else {
        anyhow::bail!("there is no organisation '{organisation}'; see `dijkwacht org list`")
    }
}
