//! Storage errors that callers act upon (not found, conflict, duplicate) and the rest.

use cosinum_domain::ValidationError;

/// What went wrong in a storage operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// Optimistic concurrency: the object changed since the caller read `expected`.
    #[error("modified by someone else: expected version {expected}, current version {current}")]
    Conflict { expected: i64, current: i64 },
    /// Values the caller saw have changed since (values without a version
    /// of their own, such as an edition's indicator values); says which.
    #[error("modified by someone else: {0}")]
    Stale(String),
    /// A unique value is already taken.
    #[error("{field}: value already used")]
    Duplicate { field: String },
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Maps a unique-constraint violation to [`StoreError::Duplicate`] on `field`.
    pub(crate) fn unique(field: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
        move |e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Duplicate {
                field: field.to_owned(),
            },
            _ => StoreError::Db(e),
        }
    }
}
