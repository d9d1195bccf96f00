//! `dijkwacht search`: the newest version of each object whose name or description
//! holds all the given words, best match first.

use std::process::ExitCode;

use dijkwacht_store::Store;
use serde_json::Value;

use crate::cli::{OutputFormat, SearchArgs};
use crate::data_dir::DataDir;

pub async fn run(data: &DataDir, options: &SearchArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(options.limit > 0, "--limit must be at least 1");
    let store = data.open()?;
    let text = options.words.join(" ");
    let found = store.search(&text, options.limit, None).await?;
    match options.format {
        OutputFormat::Json => {
            let objects: Vec<Value> = found
                .iter()
                .filter_map(|object| serde_json::from_str(&object.json).ok())
                .collect();
            println!("{}", serde_json::to_string_pretty(&objects)?);
        }
        OutputFormat::Text => {
            for object in &found {
                let value: Value = serde_json::from_str(&object.json).unwrap_or_default();
                let name = value.get("name").and_then(Value::as_str).unwrap_or("");
                let tlp = object.tlp.map_or("", |level| level.label());
                println!("{:<55} {:<18} {name}", object.id, tlp);
            }
            println!("{} found", found.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}
