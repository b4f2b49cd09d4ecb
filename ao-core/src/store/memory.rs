//! A store in memory: for tests and for embedders that keep no state on disk.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Listing, RecordChange, SCHEMA_VERSION, SessionRecord, Store, StoreError, id_order};
use crate::domain::{ProjectId, SessionId, Timestamp};

#[derive(Debug, Default)]
struct State {
    live: BTreeMap<(ProjectId, SessionId), SessionRecord>,
    archived: Vec<SessionRecord>,
    counters: HashMap<(ProjectId, String), u64>,
}

/// Session records in memory, with the same guarantees as [`super::FileStore`] within one
/// process.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    state: Mutex<State>,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> Result<std::sync::MutexGuard<'_, State>, StoreError> {
        self.state.lock().map_err(|_| StoreError::Io {
            path: "memory".into(),
            source: std::io::Error::other("store state poisoned by a panic"),
        })
    }
}

#[async_trait]
impl Store for InMemoryStore {
    async fn create(&self, record: SessionRecord) -> Result<(), StoreError> {
        let mut state = self.state()?;
        let key = (record.project_id.clone(), record.id.clone());
        if state.live.contains_key(&key) {
            return Err(StoreError::AlreadyExists {
                project: key.0,
                id: key.1,
            });
        }
        state.live.insert(key, record);
        Ok(())
    }

    async fn get(&self, project: &ProjectId, id: &SessionId) -> Result<SessionRecord, StoreError> {
        self.state()?
            .live
            .get(&(project.clone(), id.clone()))
            .cloned()
            .ok_or_else(|| StoreError::NotFound {
                project: project.clone(),
                id: id.clone(),
            })
    }

    async fn update(
        &self,
        project: &ProjectId,
        id: &SessionId,
        change: RecordChange,
    ) -> Result<SessionRecord, StoreError> {
        let mut state = self.state()?;
        let record = state
            .live
            .get_mut(&(project.clone(), id.clone()))
            .ok_or_else(|| StoreError::NotFound {
                project: project.clone(),
                id: id.clone(),
            })?;
        if !record.is_writable() {
            return Err(StoreError::NewerSchema {
                id: id.clone(),
                found: record.schema_version,
                supported: SCHEMA_VERSION,
            });
        }
        let mut next = record.clone();
        change(&mut next);
        next.id = id.clone();
        next.project_id = project.clone();
        next.updated_at = Timestamp::now();
        *record = next.clone();
        Ok(next)
    }

    async fn list(&self, project: &ProjectId) -> Result<Listing, StoreError> {
        let state = self.state()?;
        let mut records: Vec<SessionRecord> = state
            .live
            .iter()
            .filter(|((p, _), _)| p == project)
            .map(|(_, r)| r.clone())
            .collect();
        records.sort_by_key(|r| id_order(r.id.as_str()));
        Ok(Listing {
            records,
            corrupt: Vec::new(),
        })
    }

    async fn archive(&self, project: &ProjectId, id: &SessionId) -> Result<(), StoreError> {
        let mut state = self.state()?;
        let record = state
            .live
            .remove(&(project.clone(), id.clone()))
            .ok_or_else(|| StoreError::NotFound {
                project: project.clone(),
                id: id.clone(),
            })?;
        state.archived.push(record);
        Ok(())
    }

    async fn list_archived(&self, project: &ProjectId) -> Result<Vec<SessionRecord>, StoreError> {
        let mut records: Vec<SessionRecord> = self
            .state()?
            .archived
            .iter()
            .filter(|r| &r.project_id == project)
            .cloned()
            .collect();
        records.sort_by_key(|r| r.updated_at);
        Ok(records)
    }

    async fn allocate_id(
        &self,
        project: &ProjectId,
        prefix: &str,
    ) -> Result<SessionId, StoreError> {
        let mut state = self.state()?;
        let n = next_number(&state, project, prefix);
        state
            .counters
            .insert((project.clone(), prefix.to_string()), n);
        worker_id(prefix, n)
    }

    async fn peek_id(&self, project: &ProjectId, prefix: &str) -> Result<SessionId, StoreError> {
        let state = self.state()?;
        worker_id(prefix, next_number(&state, project, prefix))
    }
}

/// The number the next worker id of `project` gets: past the counter and every record's.
fn next_number(state: &State, project: &ProjectId, prefix: &str) -> u64 {
    let seen = state
        .live
        .values()
        .chain(state.archived.iter())
        .filter(|r| &r.project_id == project)
        .filter_map(|r| r.id.worker_number(prefix))
        .max()
        .unwrap_or(0);
    let counter = state
        .counters
        .get(&(project.clone(), prefix.to_string()))
        .copied()
        .unwrap_or(0);
    counter.max(seen) + 1
}

fn worker_id(prefix: &str, n: u64) -> Result<SessionId, StoreError> {
    SessionId::worker(prefix, n).map_err(|e| StoreError::Io {
        path: "memory".into(),
        source: std::io::Error::other(e),
    })
}
