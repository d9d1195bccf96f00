//! The errors a store reports, shaped for callers to branch on.

/// What went wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The request itself is unusable (a bad cursor, an impossible filter).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The store cannot be opened or used as it is (a newer schema, a locked file);
    /// the message says what the operator should do.
    #[error("{0}")]
    Unavailable(String),
    /// The backend failed; the context says during what.
    #[error("storage failed while {context}: {source}")]
    Backend {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StoreError {
    pub fn backend(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> StoreError {
        StoreError::Backend {
            context: context.into(),
            source: Box::new(source),
        }
    }
}
