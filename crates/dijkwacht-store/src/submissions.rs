//! Submissions: the record of one batch of objects sent to this instance (a TAXII
//! `POST`), kept so that its status can be asked for later and so that work that was
//! acknowledged but not finished when the server stopped is finished at the next start.
//! The record itself is opaque here: the server decides its shape.

use async_trait::async_trait;

use crate::StoreError;

/// One submission as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// A UUID, unique on this instance.
    pub id: String,
    /// The organisation that sent it; only its users may read the status.
    pub organisation: String,
    /// Whether every object of it has been decided (stored or refused).
    pub finished: bool,
    /// The status as the server reports it (JSON).
    pub status: String,
    /// While unfinished: what the server needs to finish it after a restart (JSON).
    pub pending_work: Option<String>,
}

/// Where submissions are kept.
#[async_trait]
pub trait Submissions: Send + Sync + std::fmt::Debug {
    /// Stores a submission, replacing an earlier record with the same id; durable when
    /// it returns.
    async fn save_submission(&self, submission: Submission) -> Result<(), StoreError>;

    async fn submission(&self, id: &str) -> Result<Option<Submission>, StoreError>;

    /// The submissions not yet finished, oldest first.
    async fn unfinished_submissions(&self) -> Result<Vec<Submission>, StoreError>;
}
