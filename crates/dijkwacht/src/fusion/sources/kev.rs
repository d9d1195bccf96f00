//! The CISA Known Exploited Vulnerabilities catalogue (kind `kev`): one JSON document,
//! fetched conditionally. CISA republishes it whole and sometimes edits an entry
//! without a new date, so entries are reconciled with what is stored: an edited entry
//! becomes a new version at the catalogue's release time, an unchanged one adds nothing.

use dijkwacht_fusion::kev::map_catalog;
use dijkwacht_fusion::mapped::Mapped;
use dijkwacht_fusion::reconcile::{Restatement, reconcile_with_stored};

use super::{Document, SourceRun};

const ACCEPT: &str = "application/json, */*;q=0.1";

pub async fn run(run: &mut SourceRun<'_>) -> anyhow::Result<()> {
    if let Some(url) = run.config.url.clone() {
        if let Some(document) = run.fetch(&url, ACCEPT).await? {
            deliver(run, document).await?;
        }
        return Ok(());
    }
    for file in run.files(&[".json"])? {
        let document = run.read_file(&file)?;
        deliver(run, document).await?;
    }
    Ok(())
}

async fn deliver(run: &mut SourceRun<'_>, document: Document) -> anyhow::Result<()> {
    let mapped = match map_catalog(&document.bytes) {
        Ok(catalog) => {
            let stored = run.delivery.latest_stored(&catalog.mapped.objects).await?;
            let rule = Restatement {
                fetch_time_properties: &[],
                version_time: &catalog.date_released,
            };
            let reconciled = reconcile_with_stored(catalog.mapped.objects, &stored, rule);
            run.delivery.unchanged(reconciled.unchanged).await?;
            Mapped {
                objects: reconciled.to_store,
                problems: catalog.mapped.problems,
            }
        }
        Err(error) => {
            let mut mapped = Mapped::default();
            mapped.problem("the document", format!("not a KEV catalogue: {error}"));
            mapped
        }
    };
    run.delivery.deliver(&document.location, mapped).await?;
    run.stored(&document);
    run.checkpoint()
}
