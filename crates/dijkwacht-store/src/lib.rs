//! The storage contract of Dijkwacht: one trait, [`Store`], with a method per use case,
//! and the plain types that cross it. Backends (the embedded SQLite file, PostgreSQL)
//! implement it in crates of their own; callers never see a driver.
//!
//! What is stored is every version of every STIX object, keyed by id and version, with
//! the server's strictly increasing `date_added`, the object's JSON, and room for the
//! sharing attributes (owner, TLP, scope) and provenance that later layers fill in.

pub mod alerts;
pub mod directory;
mod error;
pub mod fusion;
pub mod intake;
mod prepared;
mod query;
pub mod registration;
pub mod sightings;
pub mod submissions;

pub use error::StoreError;
pub use prepared::{Handling, PreparedObject, Provenance};
pub use query::{
    IngestMode, IngestOutcome, IngestReport, ObjectQuery, Page, Rejection, StoredObject, TypeCount,
    TypeTlpCount, VersionSelection,
};

use async_trait::async_trait;

/// One message of a streamed batch ([`Store::ingest_stream`]).
#[derive(Debug)]
pub enum IngestItem {
    /// The next object of the batch (boxed: objects are large next to `Abort`).
    Object(Box<PreparedObject>),
    /// The next objects of the batch, in order (fewer messages for large inputs).
    Objects(Vec<PreparedObject>),
    /// Give up: nothing of the batch may be stored (the input turned out invalid).
    Abort,
}

/// Everything Dijkwacht asks of a storage backend.
///
/// Implementations must keep these promises, which the shared story tests check:
/// - `date_added` values are unique and strictly increasing in the order of commits;
/// - storing a version that is already stored with the same content changes nothing
///   and is reported as a duplicate;
/// - a batch in [`IngestMode::AllOrNothing`] is stored completely or not at all;
/// - what `ingest` reports as stored is durable when it returns.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Stores a batch of validated objects in one transaction.
    async fn ingest(
        &self,
        objects: Vec<PreparedObject>,
        mode: IngestMode,
        provenance: Provenance,
    ) -> Result<IngestReport, StoreError>;

    /// Stores objects as they arrive, in one transaction, so that a caller can validate
    /// the next objects while the store writes the first. The batch ends when the
    /// sender is dropped; [`IngestItem::Abort`] rolls back everything received. A
    /// backend that cannot stream collects the objects and calls [`Store::ingest`].
    async fn ingest_stream(
        &self,
        mut objects: tokio::sync::mpsc::Receiver<IngestItem>,
        mode: IngestMode,
        provenance: Provenance,
    ) -> Result<IngestReport, StoreError> {
        let mut batch = Vec::new();
        while let Some(item) = objects.recv().await {
            match item {
                IngestItem::Object(object) => batch.push(*object),
                IngestItem::Objects(objects) => batch.extend(objects),
                IngestItem::Abort => {
                    return Ok(IngestReport {
                        outcomes: vec![IngestOutcome::Rejected; batch.len()],
                        dates_added: vec![None; batch.len()],
                        rejections: Vec::new(),
                        committed: false,
                    });
                }
            }
        }
        self.ingest(batch, mode, provenance).await
    }

    /// Objects in `date_added` order, filtered as TAXII and exports need.
    async fn query(&self, query: ObjectQuery) -> Result<Page, StoreError>;

    /// Every stored version of one object, oldest first; [`StoreError::NotFound`] when
    /// the id is unknown.
    async fn versions(&self, id: &str) -> Result<Vec<StoredObject>, StoreError>;

    /// Counts of distinct objects and of versions per type, by type name.
    async fn count_by_type(&self) -> Result<Vec<TypeCount>, StoreError>;

    /// Counts of the latest versions per type and TLP level, among the objects that
    /// `visibility` (the sharing policy's filter, as in [`ObjectQuery::visibility`])
    /// lets through; every object when `None`. For statistics that show a caller only
    /// what they may read.
    async fn count_latest_by_type_and_tlp(
        &self,
        visibility: Option<dijkwacht_policy::Filter>,
    ) -> Result<Vec<TypeTlpCount>, StoreError>;

    /// Latest versions whose name or description match the words of `text`, best first,
    /// among the objects that `visibility` lets through (every object when `None`, for
    /// the operator's own tools).
    async fn search(
        &self,
        text: &str,
        limit: usize,
        visibility: Option<dijkwacht_policy::Filter>,
    ) -> Result<Vec<StoredObject>, StoreError>;

    /// Removes the stored versions with these `date_added` values (TAXII's DELETE; the
    /// caller has chosen them through the sharing policy). What remains of each object
    /// keeps exactly one latest and one first version. Returns how many were removed;
    /// unknown values are ignored.
    async fn delete_versions(&self, dates_added: Vec<i64>) -> Result<usize, StoreError>;

    /// The tally of the stored sightings of one object ([`sightings`]): the latest,
    /// unrevoked version of each `sighting` whose `sighting_of_ref` is
    /// `query.sighting_of`, among those `query.visibility` lets through. Every path that
    /// stores a sighting counts it (ingest keeps the tally in the same transaction), and
    /// a deleted sighting no longer counts. All zeros when there are none.
    async fn sighting_summary(
        &self,
        query: sightings::SightingSummaryQuery,
    ) -> Result<sightings::SightingSummary, StoreError>;

    /// Adds a delivery's statements and observable links to the fusion ledger
    /// ([`fusion`]) in one transaction. Recording the same again changes nothing but
    /// the statements' last-seen times and counts.
    async fn record_fusion(&self, record: fusion::FusionRecord) -> Result<(), StoreError>;

    /// The objects linked to any of `keys` (observable or pattern keys), for the
    /// fusion center's deduplication across sources.
    async fn objects_with_keys(
        &self,
        keys: Vec<String>,
    ) -> Result<Vec<fusion::ObservableLink>, StoreError>;

    /// The ledger's view of each of `ids` that any source stated or any observable
    /// links, in no particular order; ids the ledger does not know are left out.
    async fn fusion_provenance(
        &self,
        ids: Vec<String>,
    ) -> Result<Vec<fusion::FusionProvenance>, StoreError>;
}
