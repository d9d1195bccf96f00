//! `dijkwacht stats`: stored objects and versions by type.

use std::process::ExitCode;

use dijkwacht_store::Store;

use crate::cli::{OutputFormat, StatsArgs};
use crate::data_dir::DataDir;

pub async fn run(data: &DataDir, options: &StatsArgs) -> anyhow::Result<ExitCode> {
    let store = data.open()?;
    let counts = store.count_by_type().await?;
    match options.format {
        OutputFormat::Json => {
            let rows: Vec<_> = counts
                .iter()
                .map(|count| serde_json::json!({"type": count.object_type, "objects": count.objects, "versions": count.versions}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&rows)?);
        }
        OutputFormat::Text => {
            let width = counts
                .iter()
                .map(|count| count.object_type.len())
                .max()
                .unwrap_or(4)
                .max(4);
            println!("{:width$}  {:>10}  {:>10}", "type", "objects", "versions");
            for count in &counts {
                println!(
                    "{:width$}  {:>10}  {:>10}",
                    count.object_type, count.objects, count.versions
                );
            }
            let objects: u64 = counts.iter().map(|count| count.objects).sum();
            let versions: u64 = counts.iter().map(|count| count.versions).sum();
            println!("{:width$}  {objects:>10}  {versions:>10}", "total");
        }
    }
    Ok(ExitCode::SUCCESS)
}
