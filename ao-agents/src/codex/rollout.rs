//! Finding a session's rollout file (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`)
//! once, then remembering it: codex chooses the thread id itself, so the file is found by its
//! first record (working directory, start time), looking only in the day folders since the
//! session was created — never the whole tree — and the answer is kept beside the session's
//! hook events.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use ao_core::domain::Timestamp;

use super::activity::session_meta;

/// A found rollout.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Rollout {
    /// The file.
    pub path: PathBuf,
    /// The codex thread (session) id.
    pub id: String,
}

/// The longest first record read (it carries codex's whole base prompt, about 22 KB).
const FIRST_RECORD_MAX: u64 = 1 << 20;

/// The most day folders looked at.
const MAX_DAYS: i32 = 45;

fn first_line(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut line = String::new();
    BufReader::new(file.take(FIRST_RECORD_MAX))
        .read_line(&mut line)
        .ok()?;
    Some(line)
}

fn same_dir(a: &str, b: &Path) -> bool {
    let a = Path::new(a);
    a == b
        || std::fs::canonicalize(a)
            .ok()
            .zip(std::fs::canonicalize(b).ok())
            .is_some_and(|(x, y)| x == y)
}

/// The rollout of the session that started in `cwd` at or after `created`, remembered in
/// `index` once found.
pub(crate) fn find(
    codex_home: &Path,
    cwd: &Path,
    created: Timestamp,
    index: &Path,
) -> Option<Rollout> {
    if let Ok(text) = std::fs::read_to_string(index)
        && let Ok(known) = serde_json::from_str::<Rollout>(&text)
        && known.path.exists()
    {
        return Some(known);
    }
    let found = search(&codex_home.join("sessions"), cwd, created)?;
    if let Ok(json) = serde_json::to_vec(&found) {
        let _ = ao_core::adapter_kit::fsutil::write_atomic(index, &json);
    }
    Some(found)
}

fn search(sessions: &Path, cwd: &Path, created: Timestamp) -> Option<Rollout> {
    // Day folders are in local time; a day's margin either side covers any zone.
    let tz = jiff::tz::TimeZone::system();
    let first = created
        .to_zoned_datetime(tz.clone())
        .date()
        .yesterday()
        .ok()?;
    let last = Timestamp::now()
        .to_zoned_datetime(tz)
        .date()
        .tomorrow()
        .ok()?;
    // A few seconds' slack: the record's clock and ours are the same machine's.
    let not_before = created
        .checked_sub(jiff::SignedDuration::from_secs(5))
        .ok()?;
    let mut best: Option<(String, Rollout)> = None;
    let mut day = first;
    for _ in 0..MAX_DAYS {
        if day > last {
            break;
        }
        let dir = sessions
            .join(format!("{:04}", day.year()))
            .join(format!("{:02}", day.month()))
            .join(format!("{:02}", day.day()));
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !(name.starts_with("rollout-") && name.ends_with(".jsonl")) {
                continue;
            }
            let Some(line) = first_line(&entry.path()) else {
                continue;
            };
            let Some((id, meta_cwd)) = session_meta(&line) else {
                continue;
            };
            let started = serde_json::from_str::<serde_json::Value>(&line)
                .ok()
                .and_then(|r| {
                    r.pointer("/payload/timestamp")?
                        .as_str()?
                        .parse::<Timestamp>()
                        .ok()
                });
            if !same_dir(&meta_cwd, cwd) || started.is_none_or(|s| s < not_before) {
                continue;
            }
            // The earliest session started here after ours was created is ours.
            let key = started.map(|s| s.to_string()).unwrap_or_default();
            if best.as_ref().is_none_or(|(k, _)| key < *k) {
                best = Some((
                    key,
                    Rollout {
                        path: entry.path(),
                        id,
                    },
                ));
            }
        }
        day = day.tomorrow().ok()?;
    }
    best.map(|(_, r)| r)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn write_rollout(sessions: &Path, day: &str, id: &str, cwd: &str, started: &str) -> PathBuf {
        let dir = sessions.join(day);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("rollout-x-{id}.jsonl"));
        let meta = serde_json::json!({"timestamp": started, "type": "session_meta",
            "payload": {"id": id, "timestamp": started, "cwd": cwd}});
        std::fs::write(&path, format!("{meta}\n")).unwrap();
        path
    }

    #[test]
    fn finds_the_sessions_own_rollout_and_remembers_it() {
        let home = tempfile::tempdir().unwrap();
        let sessions = home.path().join("sessions");
        let now = Timestamp::now();
        let day = now
            .to_zoned_datetime(jiff::tz::TimeZone::system())
            .strftime("%Y/%m/%d")
            .to_string();
        let created = now
            .checked_sub(jiff::SignedDuration::from_secs(60))
            .unwrap();
        let before = created
            .checked_sub(jiff::SignedDuration::from_secs(600))
            .unwrap();
        write_rollout(&sessions, &day, "older", "/w/app-1", &before.to_string());
        write_rollout(&sessions, &day, "elsewhere", "/w/app-2", &now.to_string());
        let ours = write_rollout(&sessions, &day, "ours", "/w/app-1", &now.to_string());
        let index = home.path().join("idx/app-1.rollout");
        let found = find(home.path(), Path::new("/w/app-1"), created, &index).unwrap();
        assert_eq!(
            found,
            Rollout {
                path: ours.clone(),
                id: "ours".into()
            }
        );
        // Later lookups read the index, not the tree.
        assert!(index.exists());
        let again = find(home.path(), Path::new("/elsewhere"), created, &index).unwrap();
        assert_eq!(again.id, "ours");
    }
}
