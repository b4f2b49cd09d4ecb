//! Where Claude Code keeps its state, and answering its first-run questions ahead of time.
//!
//! Claude asks "Is this a project you created or one you trust?" in every folder it has not
//! seen, per exact path (a parent's answer does not count), and its default answer exits. The
//! answer lives in its state file (`~/.claude.json`, or `$CLAUDE_CONFIG_DIR/.claude.json`)
//! under `projects["<path>"].hasTrustDialogAccepted`.
//!
//! With `ANTHROPIC_API_KEY` in its environment claude first asks "Detected a custom API key
//! … Do you want to use this API key?", defaulting to *No*. The answer lives in the same file,
//! `customApiKeyResponses: {approved: [...], rejected: [...]}`, each entry the last 20
//! characters of the trimmed key (never the whole key: claude 2.1.332's `e.trim().slice(-20)`),
//! an approved entry winning over a rejected one, as claude reads them.
//!
//! `ao` adds just the one entry a launch needs: under `ao`'s own lock (concurrent spawns) and
//! claude's (`<file>.lock`, a directory, as claude's `proper-lockfile` takes it; claude
//! re-reads the file under it before writing, so neither side's change is lost), written
//! atomically (a running claude reads the file at any time), every other key kept, and checked
//! again after writing.

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
        "{} kept losing {what} (claude rewrote it {attempts} times); start claude there once by hand",
        path.display()
    )]
    Lost {
        path: PathBuf,
        what: String,
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
    Ok(read_state(state_file)?.is_some_and(|state| folder_trusted(&state, folder)))
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
    let key = folder_key(folder);
    update(
        state_file,
        lock,
        || format!("the trust entry for {}", folder.display()),
        |state| folder_trusted(state, folder),
        |state| {
            with_object(state, "projects", |projects| {
                with_object(projects, &key, |entry| {
                    entry.insert("hasTrustDialogAccepted".into(), true.into());
                });
            });
        },
    )
}

fn folder_trusted(state: &serde_json::Map<String, serde_json::Value>, folder: &Path) -> bool {
    state
        .get("projects")
        .and_then(|p| p.get(folder_key(folder)))
        .and_then(|e| e.get("hasTrustDialogAccepted"))
        .and_then(serde_json::Value::as_bool)
        == Some(true)
}

/// Lets `f` change the object under `key`, made one first (replacing whatever else was
/// there) when it is not.
fn with_object(
    map: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
    f: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
) {
    let value = map
        .entry(key)
        .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    if !value.is_object() {
        *value = serde_json::Value::Object(serde_json::Map::new());
    }
    if let serde_json::Value::Object(object) = value {
        f(object);
    }
}

/// How many characters of an API key claude keeps in its answers.
const KEY_TAIL_CHARS: usize = 20;

/// What claude records to remember its answer about `key`: the last 20 characters (UTF-16
/// units, as JavaScript counts them) of the key with surrounding whitespace trimmed.
pub(crate) fn api_key_tail(key: &str) -> String {
    let trimmed = key.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let units: Vec<u16> = trimmed.encode_utf16().collect();
    let tail = units.get(units.len().saturating_sub(KEY_TAIL_CHARS)..);
    String::from_utf16_lossy(tail.unwrap_or_default())
}

/// Claude's answer to "Do you want to use this API key?" for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyAnswer {
    /// Approved: claude uses the key without asking.
    Approved,
    /// Rejected by the user: claude does not use the key, and does not ask again.
    Rejected,
    /// Never answered: claude asks at start, defaulting to *No*.
    Unanswered,
}

fn key_answer(state: &serde_json::Map<String, serde_json::Value>, tail: &str) -> KeyAnswer {
    let listed = |list: &str| {
        state
            .get("customApiKeyResponses")
            .and_then(|r| r.get(list))
            .and_then(serde_json::Value::as_array)
            .is_some_and(|l| l.iter().any(|v| v.as_str() == Some(tail)))
    };
    // Claude looks at `approved` first.
    if listed("approved") {
        KeyAnswer::Approved
    } else if listed("rejected") {
        KeyAnswer::Rejected
    } else {
        KeyAnswer::Unanswered
    }
}

/// Claude's recorded answer for the key whose tail ([`api_key_tail`]) is `tail`.
pub(crate) fn api_key_answer(state_file: &Path, tail: &str) -> Result<KeyAnswer, StateError> {
    Ok(read_state(state_file)?.map_or(KeyAnswer::Unanswered, |s| key_answer(&s, tail)))
}

/// Records the key whose tail is `tail` as approved, as claude's own "Yes" would, unless
/// claude already holds an answer for it (a rejection is the user's, and stays); returns once
/// a fresh read shows an answer.
pub(crate) fn approve_api_key(
    state_file: &Path,
    tail: &str,
    lock: &Path,
) -> Result<(), StateError> {
    update(
        state_file,
        lock,
        || "the approval of the API key in ANTHROPIC_API_KEY".into(),
        |state| key_answer(state, tail) != KeyAnswer::Unanswered,
        |state| {
            // Read afresh under claude's lock: an answer given meanwhile is kept as it is.
            if key_answer(state, tail) != KeyAnswer::Unanswered {
                return;
            }
            with_object(state, "customApiKeyResponses", |responses| {
                // Claude reads a list that is not an array as empty, and writes both lists.
                for list in ["approved", "rejected"] {
                    let value = responses
                        .entry(list)
                        .or_insert_with(|| serde_json::Value::Array(Vec::new()));
                    if !value.is_array() {
                        *value = serde_json::Value::Array(Vec::new());
                    }
                }
                if let Some(serde_json::Value::Array(approved)) = responses.get_mut("approved") {
                    approved.push(tail.into());
                }
            });
        },
    )
}

/// Makes `done` hold in claude's state file: holding `lock`, then claude's lock, reads the
/// file, lets `apply` change it, writes it back atomically, and checks with a fresh read —
/// again, a few times, when a running claude overwrote the change with its older copy.
fn update(
    state_file: &Path,
    lock: &Path,
    what: impl Fn() -> String,
    done: impl Fn(&serde_json::Map<String, serde_json::Value>) -> bool,
    apply: impl Fn(&mut serde_json::Map<String, serde_json::Value>),
) -> Result<(), StateError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StateError::Io { path, source }
    };
    let settled = || Ok::<_, StateError>(read_state(state_file)?.is_some_and(|s| done(&s)));
    let _guard = lock_exclusive(lock).map_err(io(lock))?;
    for attempt in 0..ATTEMPTS {
        if settled()? {
            return Ok(());
        }
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(100 << attempt));
        }
        let claude_lock = ClaudeLock::acquire(state_file)?;
        let mut state = read_state(state_file)?.unwrap_or_default();
        apply(&mut state);
        let mut bytes =
            serde_json::to_vec_pretty(&state).map_err(|e| io(state_file)(io::Error::other(e)))?;
        bytes.push(b'\n');
        write_atomic(state_file, &bytes).map_err(io(state_file))?;
        drop(claude_lock);
    }
    if settled()? {
        return Ok(());
    }
    Err(StateError::Lost {
        path: state_file.to_path_buf(),
        what: what(),
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

    /// A dummy key shaped like a real one (nothing checks it).
    const KEY: &str = "sk-ant-api03-dummy-0123456789-abcdefghijKLMNOPQRST";

    #[test]
    fn claude_keeps_the_last_twenty_characters_of_the_trimmed_key() {
        assert_eq!(api_key_tail(KEY), "abcdefghijKLMNOPQRST");
        assert_eq!(api_key_tail(&format!("  {KEY}\n")), "abcdefghijKLMNOPQRST");
        assert_eq!(api_key_tail("short"), "short");
        assert_eq!(api_key_tail(""), "");
    }

    #[test]
    fn approving_a_key_adds_its_tail_once_and_keeps_everything_else() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".claude.json");
        std::fs::write(
            &state,
            r#"{"hasCompletedOnboarding":true,"userID":"u","projects":{"/a":{"hasTrustDialogAccepted":true}},"customApiKeyResponses":{"approved":["other-approved-tail0"],"rejected":["other-rejected-tail0"],"note":1}}"#,
        )
        .unwrap();
        let lock = dir.path().join("lock");
        let tail = api_key_tail(KEY);
        assert_eq!(
            api_key_answer(&state, &tail).unwrap(),
            KeyAnswer::Unanswered
        );
        approve_api_key(&state, &tail, &lock).unwrap();
        approve_api_key(&state, &tail, &lock).unwrap();
        let text = std::fs::read_to_string(&state).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["hasCompletedOnboarding"], true);
        assert_eq!(value["userID"], "u");
        assert_eq!(value["projects"]["/a"]["hasTrustDialogAccepted"], true);
        let responses = &value["customApiKeyResponses"];
        assert_eq!(
            responses["approved"],
            serde_json::json!(["other-approved-tail0", "abcdefghijKLMNOPQRST"]),
            "added once, after what was there"
        );
        assert_eq!(
            responses["rejected"],
            serde_json::json!(["other-rejected-tail0"])
        );
        assert_eq!(responses["note"], 1);
        assert_eq!(api_key_answer(&state, &tail).unwrap(), KeyAnswer::Approved);
        assert!(!text.contains(KEY), "never the whole key");
        assert!(!text.contains("sk-ant"), "nothing but the tail");
    }

    #[test]
    fn a_rejected_key_stays_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".claude.json");
        let before =
            r#"{"customApiKeyResponses":{"approved":[],"rejected":["abcdefghijKLMNOPQRST"]}}"#;
        std::fs::write(&state, before).unwrap();
        let tail = api_key_tail(KEY);
        assert_eq!(api_key_answer(&state, &tail).unwrap(), KeyAnswer::Rejected);
        approve_api_key(&state, &tail, &dir.path().join("lock")).unwrap();
        assert_eq!(
            std::fs::read_to_string(&state).unwrap(),
            before,
            "not even rewritten"
        );
        assert_eq!(api_key_answer(&state, &tail).unwrap(), KeyAnswer::Rejected);
    }

    #[test]
    fn key_answers_are_read_as_claude_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".claude.json");
        let tail = api_key_tail(KEY);
        assert_eq!(
            api_key_answer(&state, &tail).unwrap(),
            KeyAnswer::Unanswered,
            "no state file"
        );
        // Claude looks at `approved` first.
        std::fs::write(
            &state,
            r#"{"customApiKeyResponses":{"approved":["abcdefghijKLMNOPQRST"],"rejected":["abcdefghijKLMNOPQRST"]}}"#,
        )
        .unwrap();
        assert_eq!(api_key_answer(&state, &tail).unwrap(), KeyAnswer::Approved);
        // Lists that are not lists of strings count as empty; approving repairs them.
        std::fs::write(
            &state,
            r#"{"customApiKeyResponses":{"approved":"abcdefghijKLMNOPQRST","rejected":[7]}}"#,
        )
        .unwrap();
        assert_eq!(
            api_key_answer(&state, &tail).unwrap(),
            KeyAnswer::Unanswered
        );
        approve_api_key(&state, &tail, &dir.path().join("lock")).unwrap();
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
        assert_eq!(
            value["customApiKeyResponses"],
            serde_json::json!({"approved": ["abcdefghijKLMNOPQRST"], "rejected": [7]})
        );
    }

    #[test]
    fn a_damaged_state_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".claude.json");
        std::fs::write(&state, "{not json").unwrap();
        let err = trust_folder(&state, Path::new("/w"), &dir.path().join("lock")).unwrap_err();
        assert!(matches!(err, StateError::NotAnObject { .. }), "{err}");
        let err =
            approve_api_key(&state, &api_key_tail(KEY), &dir.path().join("lock")).unwrap_err();
        assert!(matches!(err, StateError::NotAnObject { .. }), "{err}");
        assert!(!err.to_string().contains("KLMNOPQRST"), "{err}");
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
