//! The event log: one JSON object per line in `$AO_HOME/events.ndjson`, for people
//! (`ao events`), scripts (`ao events --json --follow`), reactions and the dashboard.
//!
//! Several processes append (the daemon; later, commands that act on sessions), so each line
//! is written with one `write` on a file opened `O_APPEND`: lines never interleave. The log is
//! rotated by size (`events.ndjson.1`, `.2`, … up to [`KEEP`]) under a lock file, so two
//! writers never rotate twice; readers read the rotated files first, and a follower finishes
//! the file it was reading before moving to the new one.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::LifecycleError;
use crate::domain::{DisplayStatus, ProjectId, Role, SessionId, Timestamp};

/// Size at which the log is rotated.
pub const DEFAULT_MAX_BYTES: u64 = 8 * 1024 * 1024;

/// Rotated files kept besides the current one.
pub const KEEP: usize = 3;

/// One line of the event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventEntry {
    /// When it happened.
    pub ts: Timestamp,
    /// The project it concerns.
    pub project_id: ProjectId,
    /// The session it concerns, when one.
    pub session_id: Option<SessionId>,
    /// The session's role, when about a session.
    pub role: Option<Role>,
    /// What happened: `session.state` for a change of lifecycle state.
    pub kind: String,
    /// The state before, for a state change.
    pub from: Option<DisplayStatus>,
    /// The state after, for a state change.
    pub to: Option<DisplayStatus>,
    /// Details for programs: pull request number, failed checks, exit code…
    #[serde(default)]
    pub detail: serde_json::Value,
}

impl EventEntry {
    /// An event of `kind` about `view`'s session at `ts` (no state change).
    pub fn about(
        view: &crate::orchestrator::SessionView,
        ts: Timestamp,
        kind: &str,
        detail: serde_json::Value,
    ) -> Self {
        Self {
            ts,
            project_id: view.project_id.clone(),
            session_id: Some(view.id.clone()),
            role: Some(view.role),
            kind: kind.to_string(),
            from: None,
            to: None,
            detail,
        }
    }
}

/// Which events to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only this project's.
    pub project: Option<ProjectId>,
    /// Only this session's.
    pub session: Option<SessionId>,
    /// Only those at or after this time.
    pub since: Option<Timestamp>,
}

impl EventFilter {
    /// Whether `e` passes.
    pub fn matches(&self, e: &EventEntry) -> bool {
        self.project.as_ref().is_none_or(|p| *p == e.project_id)
            && self
                .session
                .as_ref()
                .is_none_or(|s| e.session_id.as_ref() == Some(s))
            && self.since.is_none_or(|t| e.ts >= t)
    }
}

/// The start of a `--since` window: a duration back from `now` (`30s`, `10m`, `2h`) or an
/// RFC 3339 time; `None` when it is neither.
pub fn parse_since(text: &str, now: Timestamp) -> Option<Timestamp> {
    if let Some(back) = crate::config::parse_duration(text) {
        let back = jiff::SignedDuration::try_from(back).ok()?;
        return now.checked_sub(back).ok();
    }
    text.trim().parse().ok()
}

/// The event log at one path.
#[derive(Debug, Clone)]
pub struct EventLog {
    path: PathBuf,
    max_bytes: u64,
}

impl EventLog {
    /// The log at `path` (normally [`crate::home::AoHome::event_log`]), rotated at
    /// [`DEFAULT_MAX_BYTES`].
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }

    /// The same log rotated at `max_bytes` instead.
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes.max(1);
        self
    }

    /// The current file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The `n`th rotated file (`n` ≥ 1).
    pub fn rotated(&self, n: usize) -> PathBuf {
        let mut name = self.path.as_os_str().to_os_string();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    fn io(&self, path: &Path) -> impl FnOnce(std::io::Error) -> LifecycleError {
        let path = path.to_path_buf();
        move |source| LifecycleError::Io { path, source }
    }

    /// Appends `events`, one line and one `write` each, rotating first when the file is full.
    pub fn append(&self, events: &[EventEntry]) -> Result<(), LifecycleError> {
        if events.is_empty() {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(self.io(dir))?;
        }
        self.rotate_if_full()?;
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(self.io(&self.path))?;
        for e in events {
            let mut line = serde_json::to_vec(e).map_err(|e| LifecycleError::Encode {
                detail: e.to_string(),
            })?;
            line.push(b'\n');
            file.write_all(&line).map_err(self.io(&self.path))?;
        }
        Ok(())
    }

    /// Appends one line of text (the daemon's own log uses the same rotation).
    pub fn append_line(&self, text: &str) -> Result<(), LifecycleError> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(self.io(dir))?;
        }
        self.rotate_if_full()?;
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(self.io(&self.path))?;
        let mut line = text.trim_end().to_string();
        line.push('\n');
        file.write_all(line.as_bytes()).map_err(self.io(&self.path))
    }

    /// Rotates when the current file has reached the size limit. Writers take a lock so that
    /// only one rotates, and look again under it (another may just have done it).
    fn rotate_if_full(&self) -> Result<(), LifecycleError> {
        let full = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.len() >= self.max_bytes);
        if !full(&self.path) {
            return Ok(());
        }
        let lock_path = self.rotated(0).with_extension("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(self.io(&lock_path))?;
        rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive)
            .map_err(|e| self.io(&lock_path)(e.into()))?;
        if full(&self.path) {
            for n in (1..KEEP).rev() {
                let from = self.rotated(n);
                if from.exists() {
                    let to = self.rotated(n + 1);
                    std::fs::rename(&from, &to).map_err(self.io(&from))?;
                }
            }
            std::fs::rename(&self.path, self.rotated(1)).map_err(self.io(&self.path))?;
        }
        Ok(())
    }

    /// Every event still kept, oldest first, that `filter` passes; lines that do not parse
    /// (a newer `ao`'s, a torn disk) are skipped.
    pub fn read(&self, filter: &EventFilter) -> Result<Vec<EventEntry>, LifecycleError> {
        let mut out = Vec::new();
        let mut files: Vec<PathBuf> = (1..=KEEP).rev().map(|n| self.rotated(n)).collect();
        files.push(self.path.clone());
        for path in files {
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(self.io(&path)(e)),
            };
            out.extend(parse_lines(&text).filter(|e| filter.matches(e)));
        }
        Ok(out)
    }

    /// A follower that yields events written from now on (across rotations).
    pub fn follow(&self) -> Follower {
        let mut f = Follower {
            path: self.path.clone(),
            file: None,
            partial: Vec::new(),
        };
        f.open_at_end();
        f
    }
}

fn parse_lines(text: &str) -> impl Iterator<Item = EventEntry> + '_ {
    text.lines()
        .filter_map(|l| serde_json::from_str::<EventEntry>(l).ok())
}

/// Reads new lines of the log as they are written: keeps the file it reads open, so that
/// when the log is rotated it finishes that file, then goes on with the new one.
#[derive(Debug)]
pub struct Follower {
    path: PathBuf,
    file: Option<(File, u64)>,
    partial: Vec<u8>,
}

impl Follower {
    fn open_at_end(&mut self) {
        if let Ok(mut file) = File::open(&self.path)
            && let Ok(meta) = file.metadata()
            && file.seek(SeekFrom::End(0)).is_ok()
        {
            self.file = Some((file, meta.ino()));
        }
    }

    fn drain(&mut self, out: &mut Vec<EventEntry>) {
        let Some((file, _)) = &mut self.file else {
            return;
        };
        let mut buf = Vec::new();
        if file.read_to_end(&mut buf).is_err() {
            return;
        }
        self.partial.extend_from_slice(&buf);
        // Only whole lines: a writer's line may be seen before its end.
        if let Some(end) = self.partial.iter().rposition(|b| *b == b'\n') {
            let whole: Vec<u8> = self.partial.drain(..=end).collect();
            out.extend(parse_lines(&String::from_utf8_lossy(&whole)));
        }
    }

    /// The events written since the last call.
    pub fn poll(&mut self) -> Vec<EventEntry> {
        let mut out = Vec::new();
        self.drain(&mut out);
        let current = std::fs::metadata(&self.path).ok().map(|m| m.ino());
        let reading = self.file.as_ref().map(|(_, ino)| *ino);
        if current.is_some() && current != reading {
            // Rotated (or created): the old file was finished above; the new one is read
            // from its start.
            self.partial.clear();
            self.file = File::open(&self.path)
                .ok()
                .and_then(|f| f.metadata().ok().map(|m| (f, m.ino())));
            self.drain(&mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(session: &str, ts: Timestamp, to: DisplayStatus) -> EventEntry {
        EventEntry {
            ts,
            project_id: ProjectId::new("app").unwrap(),
            session_id: Some(SessionId::new(session).unwrap()),
            role: Some(Role::Worker),
            kind: super::super::SESSION_STATE.into(),
            from: Some(DisplayStatus::Working),
            to: Some(to),
            detail: serde_json::json!({"pr": 7}),
        }
    }

    #[test]
    fn since_is_a_duration_back_or_a_time() {
        let now = Timestamp::from_second(1_800_000_600).unwrap();
        let ten_min = Timestamp::from_second(1_800_000_000).unwrap();
        assert_eq!(parse_since("10m", now), Some(ten_min));
        assert_eq!(parse_since(&ten_min.to_string(), now), Some(ten_min));
        assert_eq!(parse_since("yesterday", now), None);
    }

    #[test]
    fn appends_lines_and_reads_them_back_filtered() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::new(dir.path().join("events.ndjson"));
        let t0 = Timestamp::from_second(1_800_000_000).unwrap();
        let t1 = Timestamp::from_second(1_800_000_100).unwrap();
        log.append(&[event("app-1", t0, DisplayStatus::PrOpen)])
            .unwrap();
        log.append(&[event("app-2", t1, DisplayStatus::CiFailed)])
            .unwrap();
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text.lines().count(), 2);
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["sessionId"], "app-1");
        assert_eq!(first["kind"], "session.state");
        assert_eq!(first["to"], "pr_open");
        assert_eq!(first["projectId"], "app");
        let all = log.read(&EventFilter::default()).unwrap();
        assert_eq!(all.len(), 2);
        let one = EventFilter {
            session: Some(SessionId::new("app-2").unwrap()),
            ..EventFilter::default()
        };
        assert_eq!(log.read(&one).unwrap()[0].to, Some(DisplayStatus::CiFailed));
        let since = EventFilter {
            since: Some(t1),
            ..EventFilter::default()
        };
        assert_eq!(log.read(&since).unwrap().len(), 1);
    }

    #[test]
    fn rotates_at_the_limit_keeping_a_few_files_and_reads_them_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::new(dir.path().join("events.ndjson")).with_max_bytes(300);
        let t = |s: i64| Timestamp::from_second(1_800_000_000 + s).unwrap();
        for i in 0..40 {
            log.append(&[event("app-1", t(i), DisplayStatus::Working)])
                .unwrap();
        }
        assert!(log.rotated(1).exists() && log.rotated(KEEP).exists());
        assert!(!log.rotated(KEEP + 1).exists());
        let kept = log.read(&EventFilter::default()).unwrap();
        assert!(kept.len() < 40 && kept.len() > 3, "{}", kept.len());
        // Oldest first, the newest last, no gaps inside what is kept.
        assert_eq!(kept.last().unwrap().ts, t(39));
        assert!(
            kept.windows(2)
                .all(|w| w[1].ts.duration_since(w[0].ts).as_secs() == 1)
        );
    }

    #[test]
    fn a_follower_sees_new_lines_across_a_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::new(dir.path().join("events.ndjson")).with_max_bytes(400);
        let t = |s: i64| Timestamp::from_second(1_800_000_000 + s).unwrap();
        log.append(&[event("app-1", t(0), DisplayStatus::Working)])
            .unwrap();
        let mut follower = log.follow();
        assert!(
            follower.poll().is_empty(),
            "what was there before is not replayed"
        );
        let mut seen = Vec::new();
        for i in 1..12 {
            log.append(&[event("app-1", t(i), DisplayStatus::Working)])
                .unwrap();
            if i % 4 == 0 {
                seen.extend(follower.poll());
            }
        }
        seen.extend(follower.poll());
        assert!(log.rotated(1).exists(), "the log was rotated meanwhile");
        let times: Vec<Timestamp> = seen.iter().map(|e| e.ts).collect();
        assert_eq!(times, (1..12).map(t).collect::<Vec<_>>());
    }
}
