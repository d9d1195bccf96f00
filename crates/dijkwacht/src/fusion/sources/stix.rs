//! STIX 2.1 from a URL (a bundle, a JSON array or JSON lines), a file or a folder of
//! files. A URL is fetched conditionally, so an unchanged bundle costs one 304; files
//! are read each run, and the store counts what it already holds as duplicates.

use dijkwacht_fusion::mapped::Mapped;
use dijkwacht_stix::input::{InputLimits, read_objects};

use super::{Document, SourceRun};

const ACCEPT: &str = "application/stix+json;version=2.1, application/json;q=0.9, */*;q=0.1";

pub async fn run(run: &mut SourceRun<'_>) -> anyhow::Result<()> {
    if let Some(url) = run.config.url.clone() {
        if let Some(document) = run.fetch(&url, ACCEPT).await? {
            deliver(run, document).await?;
        }
        return Ok(());
    }
    let files = run.files(&[".json", ".jsonl"])?;
    run.delivery.expect_documents(files.len());
    for file in files {
        let document = run.read_file(&file)?;
        deliver(run, document).await?;
    }
    Ok(())
}

async fn deliver(run: &mut SourceRun<'_>, document: Document) -> anyhow::Result<()> {
    let mut mapped = Mapped::default();
    let mut sink = |_: usize, object: serde_json::Value| {
        mapped.objects.push(object);
        Ok(())
    };
    if let Err(error) = read_objects(&document.bytes, InputLimits::default(), &mut sink) {
        // Nothing of a document that is not STIX is stored, not even what came before
        // the fault: a truncated bundle is not half delivered.
        mapped.objects.clear();
        mapped.problem("the document", format!("not read as STIX: {error}"));
    }
    run.delivery.deliver(&document.location, mapped).await?;
    run.delivery.advance();
    run.stored(&document);
    run.checkpoint()
}
