//! The formats that are streamed — the STIX bundle and the CSV table — written in two
//! passes over the same rows.
//!
//! Why two passes: an HTTP answer sends its headers before its body, and an export's
//! headers need what only the whole body knows. The `ETag` is the hash of the body, and
//! the audit entry (who read which AMBER-or-stricter objects) must be written *before*
//! any of those objects leave, so that an export that cannot be recorded is refused
//! with nothing sent. The first pass ([`fingerprint`]) therefore runs the real writer
//! into a hashing sink: it keeps no bytes, and learns the tag, the full
//! [`ExportReport`] and the newest row it read. Then the caller answers 304, or audits
//! and starts the second pass ([`stream`]): a task reads the same rows again (bounded
//! by that newest row, so what was added in between is left for the next poll) and
//! sends each page through a channel as the body, so a large export never sits in
//! memory. A poller that already holds the export costs one pass and no body.
//!
//! The bundle's id is derived from the tag (UUIDv5), so equal exports are equal bytes
//! and the tag stays a hash of the real body. Should the store change between the
//! passes (a version deleted, so an older one is the latest again), the second pass may
//! write an AMBER-or-stricter object the first did not see: it is recorded in a second
//! audit entry before the last bytes go out, and if that entry cannot be written the
//! transfer is cut off, so the caller never receives a complete document.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Body;
use dijkwacht_export::bundle::BundleWriter;
use dijkwacht_export::csv_table::CsvWriter;
use dijkwacht_export::{ExportError, ExportReport, IndicatorFilter};
use dijkwacht_store::{ObjectQuery, StoredObject};
use tokio::sync::mpsc;

use super::PageCursor;
use super::conditional::{EntityTag, HashingSink};
use crate::error::ApiError;
use crate::state::AppState;

/// The namespace of the ids of exported bundles (UUIDv5 over the export's tag).
const BUNDLE_ID_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x3e6b_94d1_27c8_4a0f_8b15_c2d9_e0a7_5f46);

/// The id the first pass writes; the real id is derived from the tag of that pass.
const PLACEHOLDER_BUNDLE_ID: &str = "bundle--00000000-0000-0000-0000-000000000000";

/// Chunks (pages) in flight between the reading task and the connection: enough to
/// keep both busy, few enough that a slow reader holds back the store reads.
const CHUNKS_IN_FLIGHT: usize = 4;

/// What a streamed export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamedFormat {
    Bundle,
    Csv(IndicatorFilter),
}

impl StreamedFormat {
    /// The format's name in the audit log, as the command line names it.
    pub fn name(self) -> &'static str {
        match self {
            StreamedFormat::Bundle => "stix",
            StreamedFormat::Csv(_) => "csv",
        }
    }
}

/// One of the export crate's writers, whichever the format.
enum FormatWriter<W: Write> {
    Bundle(BundleWriter<W>),
    /// Boxed: the CSV writer's buffers make it several times larger than the bundle's.
    Csv(Box<CsvWriter<W>>),
}

impl<W: Write> FormatWriter<W> {
    fn start(format: StreamedFormat, out: W, bundle_id: &str) -> Result<Self, ExportError> {
        Ok(match format {
            StreamedFormat::Bundle => FormatWriter::Bundle(BundleWriter::with_id(out, bundle_id)?),
            StreamedFormat::Csv(filter) => {
                FormatWriter::Csv(Box::new(CsvWriter::new(out, filter)?))
            }
        })
    }

    fn write_page(&mut self, objects: &[StoredObject]) -> Result<(), ExportError> {
        match self {
            FormatWriter::Bundle(writer) => writer.write_page(objects),
            FormatWriter::Csv(writer) => writer.write_page(objects),
        }
    }

    fn finish(self) -> Result<(W, ExportReport), ExportError> {
        match self {
            FormatWriter::Bundle(writer) => writer.finish(),
            FormatWriter::Csv(writer) => writer.finish().map(|(out, report, _rows)| (out, report)),
        }
    }
}

/// What the first pass learned about an export.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    /// The hash of the body the second pass writes.
    pub entity_tag: EntityTag,
    /// What the export holds, for the audit log.
    pub report: ExportReport,
    /// The `date_added` of the newest row read; `None` when there was none.
    pub snapshot_until: Option<i64>,
}

impl Fingerprint {
    /// The id the bundle goes out with.
    pub fn bundle_id(&self) -> String {
        let derived = uuid::Uuid::new_v5(&BUNDLE_ID_NAMESPACE, self.entity_tag.as_str().as_bytes());
        format!("bundle--{derived}")
    }
}

fn export_failed(error: &dyn std::fmt::Display) -> ApiError {
    ApiError::internal("writing an export failed", error)
}

/// The first pass: the whole export written into a hash.
pub async fn fingerprint(
    state: &AppState,
    query: ObjectQuery,
    format: StreamedFormat,
) -> Result<Fingerprint, ApiError> {
    let mut writer = FormatWriter::start(format, HashingSink::default(), PLACEHOLDER_BUNDLE_ID)
        .map_err(|error| export_failed(&error))?;
    let mut pages = PageCursor::new(query);
    let mut snapshot_until = None;
    while let Some(page) = pages.next_page(state).await? {
        if let Some(last) = page.last() {
            snapshot_until = Some(last.date_added);
        }
        writer
            .write_page(&page)
            .map_err(|error| export_failed(&error))?;
    }
    let (sink, report) = writer.finish().map_err(|error| export_failed(&error))?;
    Ok(Fingerprint {
        entity_tag: sink.entity_tag(),
        report,
        snapshot_until,
    })
}

/// Bytes written by the export's writer, taken out after each page.
#[derive(Debug, Clone, Default)]
struct PageBuffer(Arc<Mutex<Vec<u8>>>);

impl PageBuffer {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Write for PageBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The second pass, as a response body: `query` read again up to the fingerprint's
/// snapshot and written page by page by a task of its own.
pub fn stream(
    state: AppState,
    query: ObjectQuery,
    format: StreamedFormat,
    fingerprint: Fingerprint,
    actor: String,
) -> Body {
    let (chunks, receiver) = mpsc::channel::<std::io::Result<Vec<u8>>>(CHUNKS_IN_FLIGHT);
    tokio::spawn(async move {
        let second_pass = SecondPass {
            state: &state,
            format,
            actor: &actor,
            chunks: &chunks,
        };
        if let Err(error) = second_pass.run(query, &fingerprint).await {
            tracing::error!(%error, "a streamed export failed part-way; the transfer is cut off");
            let _ = chunks.send(Err(std::io::Error::other(error))).await;
        }
    });
    Body::from_stream(futures_util::stream::unfold(
        receiver,
        |mut receiver| async move { receiver.recv().await.map(|chunk| (chunk, receiver)) },
    ))
}

/// Why the second pass ended early.
#[derive(Debug, thiserror::Error)]
enum StreamError {
    #[error("reading the store failed")]
    Store,
    #[error("{0}")]
    Export(#[from] ExportError),
    #[error("the audit entry of objects added during the export could not be written")]
    Audit,
}

struct SecondPass<'a> {
    state: &'a AppState,
    format: StreamedFormat,
    actor: &'a str,
    chunks: &'a mpsc::Sender<std::io::Result<Vec<u8>>>,
}

impl SecondPass<'_> {
    /// Sends a chunk; false when the client has gone, which ends the pass quietly.
    async fn send(&self, chunk: Vec<u8>) -> bool {
        chunk.is_empty() || self.chunks.send(Ok(chunk)).await.is_ok()
    }

    async fn run(
        &self,
        mut query: ObjectQuery,
        fingerprint: &Fingerprint,
    ) -> Result<(), StreamError> {
        let buffer = PageBuffer::default();
        let mut writer =
            FormatWriter::start(self.format, buffer.clone(), &fingerprint.bundle_id())?;
        if let Some(until) = fingerprint.snapshot_until {
            query.added_until = Some(until);
            let mut pages = PageCursor::new(query);
            while let Some(page) = pages
                .next_page(self.state)
                .await
                .map_err(|_| StreamError::Store)?
            {
                writer.write_page(&page)?;
                if !self.send(buffer.take()).await {
                    return Ok(());
                }
            }
        }
        let (_, report) = writer.finish()?;
        let audited: BTreeSet<&String> = fingerprint.report.amber_or_stricter.iter().collect();
        let unaudited: Vec<serde_json::Value> = report
            .amber_or_stricter
            .iter()
            .filter(|id| !audited.contains(id))
            .map(|id| id.clone().into())
            .collect();
        if !unaudited.is_empty() {
            let mut details = serde_json::Map::new();
            details.insert("format".to_owned(), self.format.name().into());
            details.insert("interface".to_owned(), "http".into());
            details.insert("amber_or_stricter".to_owned(), unaudited.into());
            details.insert(
                "reason".to_owned(),
                "the store changed between the two passes of the export".into(),
            );
            self.state
                .audit(self.actor, "export-supplement", None, details)
                .await
                .map_err(|_| StreamError::Audit)?;
        }
        self.send(buffer.take()).await;
        Ok(())
    }
}
