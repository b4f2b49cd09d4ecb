//! The default store: one JSON file per session under `AO_HOME`.
//!
//! Layout (per project): `sessions/<sid>.json`, `sessions/corrupt/`, `archive/`, `next-id` (the
//! id counter) and `store.lock`, the lock every read-modify-write and allocation holds. The
//! blocking file work runs on tokio's blocking pool, never on the async threads.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::{
    CorruptRecord, Listing, RecordChange, SCHEMA_VERSION, SessionRecord, Store, StoreError,
    id_order,
};
use crate::adapter_kit::fsutil::{LockGuard, is_hidden, lock_exclusive, sync_dir, write_atomic};
use crate::domain::{ProjectId, SessionId, Timestamp};
use crate::home::AoHome;

/// Session records as files under `AO_HOME`, safe across processes and crashes.
#[derive(Debug, Clone)]
pub struct FileStore {
    home: AoHome,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Io {
            path: PathBuf::new(),
            source: io::Error::other(e),
        })?
}

fn millis() -> i64 {
    Timestamp::now().as_millisecond()
}

impl FileStore {
    /// A store under `home`.
    pub fn new(home: AoHome) -> Self {
        Self { home }
    }

    /// The ids of `project`'s records, from their file names alone — no record is opened, locked
    /// or set aside — sorted; cheap enough for shell completion. A directory that cannot be
    /// read has none.
    pub fn session_ids(&self, project: &ProjectId) -> Vec<SessionId> {
        let mut ids: Vec<SessionId> = fs::read_dir(self.home.sessions_dir(project))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let stem = name.strip_suffix(".json")?;
                (!is_hidden(&name)).then(|| SessionId::new(stem).ok())?
            })
            .collect();
        ids.sort_by_key(|id| id_order(id.as_str()));
        ids
    }

    fn record_path(&self, project: &ProjectId, id: &SessionId) -> PathBuf {
        self.home.sessions_dir(project).join(format!("{id}.json"))
    }

    fn lock(&self, project: &ProjectId) -> Result<LockGuard, StoreError> {
        let path = self.home.project_dir(project).join("store.lock");
        lock_exclusive(&path).map_err(io_err(&path))
    }

    /// Reads a record file; `Ok(None)` when it does not exist, `Err(detail)` when unreadable.
    fn read(
        path: &Path,
        expected_id: Option<&str>,
    ) -> Result<Option<Result<SessionRecord, String>>, StoreError> {
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(path)(e)),
        };
        let parsed = serde_json::from_slice::<SessionRecord>(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|r| match expected_id {
                Some(id) if r.id.as_str() != id => {
                    Err(format!("it holds session {} instead", r.id))
                }
                _ => Ok(r),
            });
        Ok(Some(parsed))
    }

    /// Moves an unreadable record into `corrupt/` beside it (under the project lock).
    fn set_aside(&self, project: &ProjectId, path: &Path, detail: String) -> CorruptRecord {
        let dir = self.home.sessions_dir(project).join("corrupt");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = dir.join(format!("{name}.{}", millis()));
        let moved = fs::create_dir_all(&dir)
            .and_then(|()| fs::rename(path, &target))
            .and_then(|()| sync_dir(&dir))
            .is_ok();
        CorruptRecord {
            path: path.to_path_buf(),
            moved_to: moved.then_some(target),
            detail,
        }
    }

    fn get_sync(&self, project: &ProjectId, id: &SessionId) -> Result<SessionRecord, StoreError> {
        let path = self.record_path(project, id);
        match Self::read(&path, Some(id.as_str()))? {
            None => Err(StoreError::NotFound {
                project: project.clone(),
                id: id.clone(),
            }),
            Some(Ok(record)) => Ok(record),
            Some(Err(_)) => {
                // Re-read under the lock before declaring it corrupt: never move a good record.
                let _lock = self.lock(project)?;
                match Self::read(&path, Some(id.as_str()))? {
                    None => Err(StoreError::NotFound {
                        project: project.clone(),
                        id: id.clone(),
                    }),
                    Some(Ok(record)) => Ok(record),
                    Some(Err(detail)) => {
                        let c = self.set_aside(project, &path, detail);
                        Err(StoreError::Corrupt {
                            path: c.path,
                            moved_to: c.moved_to,
                            detail: c.detail,
                        })
                    }
                }
            }
        }
    }

    fn create_sync(&self, record: &SessionRecord) -> Result<(), StoreError> {
        let _lock = self.lock(&record.project_id)?;
        let path = self.record_path(&record.project_id, &record.id);
        if path.exists() {
            return Err(StoreError::AlreadyExists {
                project: record.project_id.clone(),
                id: record.id.clone(),
            });
        }
        let bytes =
            serde_json::to_vec_pretty(record).map_err(|e| io_err(&path)(io::Error::other(e)))?;
        write_atomic(&path, &bytes).map_err(io_err(&path))
    }

    fn update_sync(
        &self,
        project: &ProjectId,
        id: &SessionId,
        change: RecordChange,
    ) -> Result<SessionRecord, StoreError> {
        let _lock = self.lock(project)?;
        let path = self.record_path(project, id);
        let mut record = match Self::read(&path, Some(id.as_str()))? {
            None => {
                return Err(StoreError::NotFound {
                    project: project.clone(),
                    id: id.clone(),
                });
            }
            Some(Ok(r)) => r,
            Some(Err(detail)) => {
                let c = self.set_aside(project, &path, detail);
                return Err(StoreError::Corrupt {
                    path: c.path,
                    moved_to: c.moved_to,
                    detail: c.detail,
                });
            }
        };
        if !record.is_writable() {
            return Err(StoreError::NewerSchema {
                id: id.clone(),
                found: record.schema_version,
                supported: SCHEMA_VERSION,
            });
        }
        change(&mut record);
        // The id and project are the record's identity; a change may not move it.
        record.id = id.clone();
        record.project_id = project.clone();
        record.updated_at = Timestamp::now();
        let bytes =
            serde_json::to_vec_pretty(&record).map_err(|e| io_err(&path)(io::Error::other(e)))?;
        write_atomic(&path, &bytes).map_err(io_err(&path))?;
        Ok(record)
    }

    fn list_sync(&self, project: &ProjectId) -> Result<Listing, StoreError> {
        let dir = self.home.sessions_dir(project);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Listing::default()),
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let mut listing = Listing::default();
        let mut suspects = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_err(&dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".json") else {
                continue;
            };
            if is_hidden(&name) || !entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
                continue;
            }
            match Self::read(&entry.path(), Some(stem))? {
                Some(Ok(record)) => listing.records.push(record),
                Some(Err(_)) => suspects.push((entry.path(), stem.to_string())),
                None => {}
            }
        }
        if !suspects.is_empty() {
            let _lock = self.lock(project)?;
            for (path, stem) in suspects {
                match Self::read(&path, Some(&stem))? {
                    Some(Ok(record)) => listing.records.push(record),
                    // Reported below, with every record set aside before.
                    Some(Err(detail)) => drop(self.set_aside(project, &path, detail)),
                    None => {}
                }
            }
        }
        listing.records.sort_by_key(|r| id_order(r.id.as_str()));
        listing.corrupt = self.set_aside_records(project);
        Ok(listing)
    }

    /// Every record in `corrupt/`, newly set aside or from before: they stay reported until a
    /// person has looked and removed them. Why each is unreadable is found by reading it again
    /// (its content is unchanged).
    fn set_aside_records(&self, project: &ProjectId) -> Vec<CorruptRecord> {
        let sessions = self.home.sessions_dir(project);
        let dir = sessions.join("corrupt");
        let mut out: Vec<CorruptRecord> = fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                // `<sid>.json.<millis>`
                let original = name
                    .rsplit_once('.')
                    .map_or(name.as_str(), |(stem, _)| stem)
                    .to_string();
                let detail = match fs::read(e.path()) {
                    Ok(bytes) => match serde_json::from_slice::<SessionRecord>(&bytes) {
                        Err(err) => err.to_string(),
                        Ok(r) => format!("it holds session {}", r.id),
                    },
                    Err(err) => err.to_string(),
                };
                CorruptRecord {
                    path: sessions.join(original),
                    moved_to: Some(e.path()),
                    detail,
                }
            })
            .collect();
        out.sort_by(|a, b| a.moved_to.cmp(&b.moved_to));
        out
    }

    fn archive_sync(&self, project: &ProjectId, id: &SessionId) -> Result<(), StoreError> {
        let _lock = self.lock(project)?;
        let from = self.record_path(project, id);
        if !from.exists() {
            return Err(StoreError::NotFound {
                project: project.clone(),
                id: id.clone(),
            });
        }
        let dir = self.home.archive_dir(project);
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let mut to = dir.join(format!("{id}.json"));
        if to.exists() {
            to = dir.join(format!("{id}.{}.json", millis()));
        }
        fs::rename(&from, &to).map_err(io_err(&to))?;
        sync_dir(&dir).map_err(io_err(&dir))?;
        let sessions = self.home.sessions_dir(project);
        sync_dir(&sessions).map_err(io_err(&sessions))
    }

    fn list_archived_sync(&self, project: &ProjectId) -> Result<Vec<SessionRecord>, StoreError> {
        let dir = self.home.archive_dir(project);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let mut records = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_hidden(&name) || !name.ends_with(".json") {
                continue;
            }
            if let Some(Ok(record)) = Self::read(&entry.path(), None)? {
                records.push(record);
            }
        }
        records.sort_by_key(|r| r.updated_at);
        Ok(records)
    }

    /// Highest worker number of `prefix` among live and archived records.
    fn highest_seen(&self, project: &ProjectId, prefix: &str) -> Result<u64, StoreError> {
        let mut highest = 0;
        for dir in [
            self.home.sessions_dir(project),
            self.home.archive_dir(project),
        ] {
            let entries = match fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io_err(&dir)(e)),
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(rest) = name.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')) else {
                    continue;
                };
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let after = &rest[digits.len()..];
                if !digits.is_empty() && (after == ".json" || after.starts_with('.')) {
                    highest = highest.max(digits.parse().unwrap_or(0));
                }
            }
        }
        Ok(highest)
    }

    fn allocate_sync(&self, project: &ProjectId, prefix: &str) -> Result<SessionId, StoreError> {
        let _lock = self.lock(project)?;
        let (id, n) = self.next_id(project, prefix)?;
        let counter_path = self.home.project_dir(project).join("next-id");
        write_atomic(&counter_path, format!("{n}\n").as_bytes()).map_err(io_err(&counter_path))?;
        Ok(id)
    }

    /// The next worker id and its number, from the counter and the records.
    fn next_id(&self, project: &ProjectId, prefix: &str) -> Result<(SessionId, u64), StoreError> {
        let counter_path = self.home.project_dir(project).join("next-id");
        let counter: u64 = match fs::read_to_string(&counter_path) {
            Ok(text) => text.trim().parse().unwrap_or(0),
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(io_err(&counter_path)(e)),
        };
        // The counter is authoritative; the scan guards against a lost or stale counter file.
        let n = counter.max(self.highest_seen(project, prefix)?) + 1;
        let id =
            SessionId::worker(prefix, n).map_err(|e| io_err(&counter_path)(io::Error::other(e)))?;
        Ok((id, n))
    }
}

#[async_trait]
impl Store for FileStore {
    async fn create(&self, record: SessionRecord) -> Result<(), StoreError> {
        let this = self.clone();
        blocking(move || this.create_sync(&record)).await
    }

    async fn get(&self, project: &ProjectId, id: &SessionId) -> Result<SessionRecord, StoreError> {
        let (this, project, id) = (self.clone(), project.clone(), id.clone());
        blocking(move || this.get_sync(&project, &id)).await
    }

    async fn update(
        &self,
        project: &ProjectId,
        id: &SessionId,
        change: RecordChange,
    ) -> Result<SessionRecord, StoreError> {
        let (this, project, id) = (self.clone(), project.clone(), id.clone());
        blocking(move || this.update_sync(&project, &id, change)).await
    }

    async fn list(&self, project: &ProjectId) -> Result<Listing, StoreError> {
        let (this, project) = (self.clone(), project.clone());
        blocking(move || this.list_sync(&project)).await
    }

    async fn list_archived(&self, project: &ProjectId) -> Result<Vec<SessionRecord>, StoreError> {
        let (this, project) = (self.clone(), project.clone());
        blocking(move || this.list_archived_sync(&project)).await
    }

    async fn archive(&self, project: &ProjectId, id: &SessionId) -> Result<(), StoreError> {
        let (this, project, id) = (self.clone(), project.clone(), id.clone());
        blocking(move || this.archive_sync(&project, &id)).await
    }

    async fn allocate_id(
        &self,
        project: &ProjectId,
        prefix: &str,
    ) -> Result<SessionId, StoreError> {
        let (this, project, prefix) = (self.clone(), project.clone(), prefix.to_string());
        blocking(move || this.allocate_sync(&project, &prefix)).await
    }

    async fn peek_id(&self, project: &ProjectId, prefix: &str) -> Result<SessionId, StoreError> {
        let (this, project, prefix) = (self.clone(), project.clone(), prefix.to_string());
        blocking(move || this.next_id(&project, &prefix).map(|(id, _)| id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_come_from_file_names_alone() {
        let dir = tempfile::tempdir().unwrap();
        let home = AoHome::new(dir.path());
        let project = ProjectId::new("app").unwrap();
        let sessions = home.sessions_dir(&project);
        fs::create_dir_all(&sessions).unwrap();
        for name in [
            "app-10.json",
            "app-2.json",
            "app-orchestrator.json",
            ".app-3.json.tmp.1.0",
            "notes.txt",
        ] {
            // Not one is a readable record: completion must not care, nor set any aside.
            fs::write(sessions.join(name), "{not json").unwrap();
        }
        let store = FileStore::new(home);
        let ids: Vec<String> = store
            .session_ids(&project)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(ids, ["app-2", "app-10", "app-orchestrator"]);
        assert!(!sessions.join("corrupt").exists());
        assert!(
            store
                .session_ids(&ProjectId::new("none").unwrap())
                .is_empty()
        );
    }
}
