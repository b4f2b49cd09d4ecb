//! The `Store` trait and its errors: the contract every store keeps.

use std::path::PathBuf;

use async_trait::async_trait;

use super::record::SessionRecord;
use crate::domain::{ProjectId, SessionId};

/// The order listings use: `pj-2` before `pj-10`, numbered sessions before named ones.
pub(crate) fn id_order(id: &str) -> (String, u64, String) {
    match id.rsplit_once('-') {
        Some((head, tail)) if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) => (
            head.to_string(),
            tail.parse().unwrap_or(u64::MAX),
            String::new(),
        ),
        _ => (id.to_string(), 0, id.to_string()),
    }
}

/// A change applied to a record under the store's lock.
pub type RecordChange = Box<dyn FnOnce(&mut SessionRecord) + Send>;

/// A record that could not be read and was set aside.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CorruptRecord {
    /// Where it was.
    pub path: PathBuf,
    /// Where it was moved.
    pub moved_to: Option<PathBuf>,
    /// Why it could not be read.
    pub detail: String,
}

/// The records of a project, plus any that could not be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    /// Readable records, ordered by id.
    pub records: Vec<SessionRecord>,
    /// Records that could not be read and sit in `corrupt/` — set aside during this listing
    /// or before — until a person removes them.
    pub corrupt: Vec<CorruptRecord>,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store does not offer this capability.
    #[error("{implementer} does not support {operation}")]
    Unsupported {
        /// The capability asked for, in words.
        operation: &'static str,
        /// The store implementation that lacks it.
        implementer: String,
    },
    /// No such session.
    #[error("no session {id} in project {project}")]
    NotFound {
        /// The project whose session was looked for.
        project: ProjectId,
        /// The session id that has no live record in that project.
        id: SessionId,
    },
    /// A session with this id exists.
    #[error("session {id} already exists in project {project}")]
    AlreadyExists {
        /// The project the record was to be created in.
        project: ProjectId,
        /// The session id a live record already has.
        id: SessionId,
    },
    /// The record could not be read; it was moved aside.
    #[error("session record {} is corrupt ({detail}); moved to {}", path.display(), moved_to.as_ref().map_or_else(|| "nowhere".to_string(), |p| p.display().to_string()))]
    Corrupt {
        /// Where it was.
        path: PathBuf,
        /// Where it went.
        moved_to: Option<PathBuf>,
        /// Why the record could not be read (a parse error, or another session's id in it).
        detail: String,
    },
    /// The record was written by a newer `ao`; it is not rewritten.
    #[error(
        "session {id} was written by a newer ao (schema {found}, this ao knows {supported}); not modifying it"
    )]
    NewerSchema {
        /// The session whose record is newer than this `ao`.
        id: SessionId,
        /// Its schema version.
        found: u32,
        /// The newest schema version this `ao` knows ([`crate::store::SCHEMA_VERSION`]).
        supported: u32,
    },
    /// File system trouble.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory involved; empty, or a name like `memory`, when there is none.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

/// Session records of every project.
///
/// ```
/// use ao_core::domain::{ProjectId, Role};
/// use ao_core::home::AoHome;
/// use ao_core::store::{FileStore, SessionRecord, Store};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let dir = tempfile::tempdir()?;
/// let store = FileStore::new(AoHome::new(dir.path()));
/// let app = ProjectId::new("app")?;
/// let id = store.allocate_id(&app, "app").await?;
/// store.create(SessionRecord::new(id.clone(), app.clone(), Role::Worker, "codex")).await?;
/// let record = store
///     .update(&app, &id, Box::new(|r| r.model = Some("gpt-5-codex".into())))
///     .await?;
/// assert_eq!(record.model.as_deref(), Some("gpt-5-codex"));
/// assert_eq!(store.list(&app).await?.records.len(), 1);
/// // Ids are never handed out twice, not even after the session is gone.
/// store.archive(&app, &id).await?;
/// assert_eq!(store.allocate_id(&app, "app").await?.as_str(), "app-2");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Contract:
/// - `create` MUST fail with `AlreadyExists` when a live record has the id.
/// - `update` MUST be an atomic read-modify-write: concurrent updates (from any process) are
///   never lost; it sets `updatedAt`; it MUST refuse (`NewerSchema`) records of a newer schema.
/// - `allocate_id` MUST return `<prefix>-<n>` with `n` never handed out before for that
///   project, even to sessions since archived or whose spawn failed; `peek_id` MUST return
///   what the next `allocate_id` would and change nothing.
/// - `list` MUST NOT fail because one record is unreadable: it sets it aside and reports it,
///   in this and every later listing, until a person removes it.
/// - Writes MUST be durable before returning and MUST leave the old or the new record after a
///   crash, never a torn one.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Stores a new record.
    async fn create(&self, record: SessionRecord) -> Result<(), StoreError>;

    /// Reads a live record.
    async fn get(&self, project: &ProjectId, id: &SessionId) -> Result<SessionRecord, StoreError>;

    /// Applies `change` to a live record atomically and returns the result.
    async fn update(
        &self,
        project: &ProjectId,
        id: &SessionId,
        change: RecordChange,
    ) -> Result<SessionRecord, StoreError>;

    /// Every live record of a project.
    async fn list(&self, project: &ProjectId) -> Result<Listing, StoreError>;

    /// Moves a record out of the live set (kept for history).
    async fn archive(&self, project: &ProjectId, id: &SessionId) -> Result<(), StoreError>;

    /// The archived records of a project (history; an id archived twice appears twice), oldest
    /// first. Unreadable ones are skipped: history never fails a listing.
    async fn list_archived(&self, project: &ProjectId) -> Result<Vec<SessionRecord>, StoreError>;

    /// Reserves the next worker id `<prefix>-<n>` for a project.
    async fn allocate_id(&self, project: &ProjectId, prefix: &str)
    -> Result<SessionId, StoreError>;

    /// The id `allocate_id` would hand out next, reserving nothing (for dry runs).
    async fn peek_id(&self, project: &ProjectId, prefix: &str) -> Result<SessionId, StoreError>;
}

impl crate::error::Classify for StoreError {
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass as C;
        match self {
            Self::NotFound { .. } => C::NotFound,
            Self::NewerSchema { .. } => C::Refused,
            Self::Unsupported { .. } => C::Unavailable,
            Self::AlreadyExists { .. } | Self::Corrupt { .. } | Self::Io { .. } => C::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    #[test]
    fn listing_order_is_natural() {
        let mut ids = vec!["pj-10", "pj-2", "pj-orchestrator", "pj-1"];
        ids.sort_by_key(|i| id_order(i));
        assert_eq!(ids, ["pj-1", "pj-2", "pj-10", "pj-orchestrator"]);
    }

    #[tokio::test]
    async fn mockall_mocks_the_store() {
        let project = ProjectId::new("app").unwrap();
        let mut store = MockStore::new();
        store
            .expect_allocate_id()
            .withf(|p, prefix| p.as_str() == "app" && prefix == "app")
            .times(1)
            .returning(|_, prefix| Ok(SessionId::worker(prefix, 7).unwrap()));
        store.expect_get().returning(|p, id| {
            Err(StoreError::NotFound {
                project: p.clone(),
                id: id.clone(),
            })
        });
        let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(store);
        let id = store.allocate_id(&project, "app").await.unwrap();
        assert_eq!(id.as_str(), "app-7");
        assert!(matches!(
            store.get(&project, &id).await,
            Err(StoreError::NotFound { .. })
        ));
        let _ = SessionRecord::new(id, project, Role::Worker, "codex");
    }
}
