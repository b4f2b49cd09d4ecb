//! Where Claude Code keeps its state, and answering its folder-trust question ahead of time.
//!
//! Claude asks "Is this a project you created or one you trust?" in every folder it has not
//! seen, per exact path (a parent's answer does not count), and its default answer exits. The
//! answer lives in its state file (`~/.claude.json`, or `$CLAUDE_CONFIG_DIR/.claude.json`)
//! under `projects["<path>"].hasTrustDialogAccepted`. `ao` adds just that key for a launch's
//! folder: under `ao`'s own lock (concurrent spawns) and claude's (`<file>.lock`, a directory,
//! as claude's `proper-lockfile` takes it; claude re-reads the file under it before writing,
//! so neither side's change is lost), written atomically (a running claude reads the file at
//! any time), every other key kept, and checked again after writing.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ao_core::adapter_kit::fsutil::{lock_exclusive, write_atomic};

/// The claude directories a launch (or a probe) uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClaudeDirs {
    /// `$CLAUDE_CONFIG_DIR`, else `~/.claude`: sessions, projects (transcripts), settings.
    pub config_dir: PathBuf,
    /// The state file: `$CLAUDE_CONFIG_DIR/.claude.json`, else `~/.claude.json`.
    pub state_file: PathBuf,
}

impl ClaudeDirs {
    /// The directories for an environment: `env` (a launch's additions) first, then this
    /// process's.
    pub(crate) fn for_env(env: &BTreeMap<String, String>) -> Option<Self> {
        let var = |name: &str| crate::env_path(env, name);
        if let Some(dir) = var("CLAUDE_CONFIG_DIR") {
            return Some(Self {
                state_file: dir.join(".claude.json"),
                config_dir: dir,
            });
        }
        let home = var("HOME")?;
        Some(Self {
            config_dir: home.join(".claude"),
            state_file: home.join(".claude.json"),
        })
    }

    /// The transcript claude writes for session `id` started in `cwd`.
    pub(crate) fn transcript(&self, cwd: &Path, id: &str) -> PathBuf {
        self.config_dir
            .join("projects")
            .join(slug(cwd))
            .join(format!("{id}.jsonl"))
    }
}

/// Claude's directory name for a working directory: every character that is not an ASCII
/// letter or digit becomes `-`.
pub(crate) fn slug(cwd: &Path) -> String {
    cwd.to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Why the state file could not be updated.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StateError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "{} is not a JSON object ({detail}); it was left as it is — fix it or run claude once",
        path.display()
    )]
    NotAnObject { path: PathBuf, detail: String },
    #[error(
        "{} is locked by claude ({}); try again, or remove the lock if no claude is running",
        path.display(),
        lock.display()
    )]
    Busy { path: PathBuf, lock: PathBuf },
    #[error(
        "{} kept losing the trust entry for {} (claude rewrote it {attempts} times); start claude there once by hand",
        path.display(),
        folder.display()
    )]
    Lost {
        path: PathBuf,
        folder: PathBuf,
        attempts: u32,
    },
}

fn read_state(
    path: &Path,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, StateError> {
    let io = |source| StateError::Io {
        path: path.to_path_buf(),
        source,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(map)) => Ok(Some(map)),
        Ok(_) => Err(StateError::NotAnObject {
            path: path.to_path_buf(),
            detail: "the top level is not an object".into(),
        }),
        Err(e) => Err(StateError::NotAnObject {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }),
    }
}

fn folder_key(folder: &Path) -> String {
    folder.to_string_lossy().into_owned()
}

/// Whether claude's state says `folder` is trusted.
pub(crate) fn is_trusted(state_file: &Path, folder: &Path) -> Result<bool, StateError> {
    Ok(read_state(state_file)?.is_some_and(|state| {
        state
            .get("projects")
            .and_then(|p| p.get(folder_key(folder)))
            .and_then(|e| e.get("hasTrustDialogAccepted"))
            .and_then(serde_json::Value::as_bool)
            == Some(true)
    }))
}

/// Claude's lock on its state file, held while this value lives.
struct ClaudeLock(PathBuf);

/// When claude counts a lock as abandoned (its `proper-lockfile` refreshes a held lock's
/// time well within this).
const CLAUDE_LOCK_STALE: Duration = Duration::from_secs(30);

/// The longest wait for claude's lock.
const CLAUDE_LOCK_WAIT: Duration = Duration::from_secs(10);

impl ClaudeLock {
    fn acquire(state_file: &Path) -> Result<Self, StateError> {
        let mut name = state_file.as_os_str().to_os_string();
        name.push(".lock");
        let lock = PathBuf::from(name);
        let deadline = Instant::now() + CLAUDE_LOCK_WAIT;
        loop {
            match std::fs::create_dir(&lock) {
                Ok(()) => return Ok(Self(lock)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let stale = std::fs::metadata(&lock)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > CLAUDE_LOCK_STALE);
                    if stale {
                        let _ = std::fs::remove_dir(&lock);
                        continue;
                    }
                    if Instant::now() >= deadline {
                        return Err(StateError::Busy {
                            path: state_file.to_path_buf(),
                            lock,
                        });
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(source) => {
                    return Err(StateError::Io { path: lock, source });
                }
            }
        }
    }
}

impl Drop for ClaudeLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Whether claude's first-run setup is done (`hasCompletedOnboarding`).
pub(crate) fn onboarded(state_file: &Path) -> bool {
    read_state(state_file).ok().flatten().and_then(|s| {
        s.get("hasCompletedOnboarding")
            .and_then(serde_json::Value::as_bool)
    }) == Some(true)
}

/// How many times the entry is written when a running claude keeps overwriting it.
const ATTEMPTS: u32 = 5;

/// Records `folder` as trusted in claude's state file, holding `lock` while reading,
/// modifying and writing; returns once a fresh read shows the entry.
pub(crate) fn trust_folder(
    state_file: &Path,
    folder: &Path,
    lock: &Path,
) -> Result<(), StateError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StateError::Io { path, source }
    };
    let _guard = lock_exclusive(lock).map_err(io(lock))?;
    for attempt in 0..ATTEMPTS {
        if is_trusted(state_file, folder)? {
            return Ok(());
        }
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(100 << attempt));
        }
        let claude_lock = ClaudeLock::acquire(state_file)?;
        let mut state = read_state(state_file)?.unwrap_or_default();
        let projects = state
            .entry("projects")
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        if !projects.is_object() {
            *projects = serde_json::Value::Object(serde_json::Map::new());
        }
        if let serde_json::Value::Object(projects) = projects {
            let entry = projects
                .entry(folder_key(folder))
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            if !entry.is_object() {
                *entry = serde_json::Value::Object(serde_json::Map::new());
            }
            if let serde_json::Value::Object(entry) = entry {
                entry.insert("hasTrustDialogAccepted".into(), true.into());
            }
        }
        let mut bytes =
            serde_json::to_vec_pretty(&state).map_err(|e| io(state_file)(io::Error::other(e)))?;
        bytes.push(b'\n');
        write_atomic(state_file, &bytes).map_err(io(state_file))?;
        drop(claude_lock);
    }
    if is_trusted(state_file, folder)? {
        return Ok(());
    }
    Err(StateError::Lost {
        path: state_file.to_path_buf(),
        folder: folder.to_path_buf(),
        attempts: ATTEMPTS,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn slugs_replace_every_non_alphanumeric() {
        assert_eq!(
            slug(Path::new("/tmp/We.ird_dir x/sub")),
            "-tmp-We-ird-dir-x-sub"
        );
    }

    #[test]
    fn trusting_adds_one_key_and_keeps_everything_else() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".claude.json");
        std::fs::write(
            &state,
            r#"{"hasCompletedOnboarding":true,"userID":"u","projects":{"/a":{"allowedTools":["x"]},"/b":{"hasTrustDialogAccepted":true}}}"#,
        )
        .unwrap();
        let lock = dir.path().join("lock");
        trust_folder(&state, Path::new("/a"), &lock).unwrap();
        trust_folder(&state, Path::new("/w/pj-1"), &lock).unwrap();
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
        assert_eq!(value["hasCompletedOnboarding"], true);
        assert_eq!(value["userID"], "u");
        assert_eq!(value["projects"]["/a"]["allowedTools"][0], "x");
        assert_eq!(value["projects"]["/a"]["hasTrustDialogAccepted"], true);
        assert_eq!(value["projects"]["/w/pj-1"]["hasTrustDialogAccepted"], true);
        assert!(is_trusted(&state, Path::new("/b")).unwrap());
        assert!(
            !is_trusted(&state, Path::new("/w")).unwrap(),
            "a parent is not its child"
        );
    }

    #[test]
    fn a_damaged_state_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".claude.json");
        std::fs::write(&state, "{not json").unwrap();
        let err = trust_folder(&state, Path::new("/w"), &dir.path().join("lock")).unwrap_err();
        assert!(matches!(err, StateError::NotAnObject { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&state).unwrap(), "{not json");
    }

    #[test]
    fn claudes_lock_is_waited_for_and_a_stale_one_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".claude.json");
        std::fs::write(&state, "{}").unwrap();
        let claude_lock = dir.path().join(".claude.json.lock");
        let lock = dir.path().join("lock");
        // A live claude holds its lock for a moment: ao waits, then writes.
        std::fs::create_dir(&claude_lock).unwrap();
        let release = {
            let claude_lock = claude_lock.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                std::fs::remove_dir(&claude_lock).unwrap();
            })
        };
        let started = Instant::now();
        trust_folder(&state, Path::new("/w/a"), &lock).unwrap();
        assert!(started.elapsed() >= Duration::from_millis(250), "it waited");
        release.join().unwrap();
        assert!(!claude_lock.exists(), "ao's hold is released");
        // A crashed claude's lock is old: taken over.
        std::fs::create_dir(&claude_lock).unwrap();
        let old = std::time::SystemTime::now() - Duration::from_secs(120);
        std::fs::File::open(&claude_lock)
            .unwrap()
            .set_modified(old)
            .unwrap();
        trust_folder(&state, Path::new("/w/b"), &lock).unwrap();
        assert!(is_trusted(&state, Path::new("/w/a")).unwrap());
        assert!(is_trusted(&state, Path::new("/w/b")).unwrap());
    }

    #[test]
    fn concurrent_trusts_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".claude.json");
        std::fs::write(&state, "{}").unwrap();
        let lock = dir.path().join("lock");
        std::thread::scope(|s| {
            for i in 0..8 {
                let (state, lock) = (&state, &lock);
                s.spawn(move || {
                    trust_folder(state, Path::new(&format!("/w/pj-{i}")), lock).unwrap();
                });
            }
        });
        for i in 0..8 {
            assert!(is_trusted(&state, Path::new(&format!("/w/pj-{i}"))).unwrap());
        }
    }
}
