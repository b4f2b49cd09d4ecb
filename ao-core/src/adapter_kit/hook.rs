//! Agent hook events: what an agent CLI reports about itself, pushed to `ao` as it happens.
//!
//! An agent's hook runs `ao hook <agent> <event>` with the payload on stdin (or, for codex's
//! `notify`, as the last argument). [`run`] keeps the payload's small identifying fields and
//! appends one line to `$AO_HOME/projects/<project>/events/<session>.ndjson`; readers fold the
//! file's tail in ([`recent`]). The hook side never takes a lock and never fails: an agent CLI
//! treats some hook exit codes as "block this action", and a slow hook slows every tool call.

use std::fs::OpenOptions;
use std::io::{self, Read, Write};
#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::{ProjectId, SessionId, Timestamp};
use crate::home::AoHome;

/// Payload fields kept in the event file. Prompts, tool inputs and messages are left out:
/// they can be large, and they are the user's text, which has no business in `ao`'s files.
const KEPT_FIELDS: &[&str] = &[
    "session_id",
    "transcript_path",
    "cwd",
    "notification_type",
    "tool_name",
    "error",
    "reason",
    "source",
    "permission_mode",
    "model",
    "type",
    "thread-id",
    "turn-id",
    "thread_id",
    "turn_id",
];

/// The longest kept string value, in characters.
const MAX_VALUE_CHARS: usize = 512;

/// The most payload bytes read.
const MAX_PAYLOAD_BYTES: u64 = 1 << 20;

/// How long the hook waits for its payload on stdin.
const STDIN_WAIT: Duration = Duration::from_millis(60);

/// The variable naming the agent process's launch (see `SessionRecord::launch_id`).
pub const LAUNCH_VAR: &str = "AO_LAUNCH_ID";

/// How many bytes of an event file's end readers look at.
pub const TAIL_BYTES: u64 = 32 * 1024;

/// One recorded hook event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookEvent {
    /// When `ao hook` ran.
    pub ts: Timestamp,
    /// The agent adapter's name (`claude-code`, `codex`).
    pub agent: String,
    /// The agent's event name (`Stop`, `PermissionRequest`, `notify`, …).
    pub event: String,
    /// The payload's identifying fields (see the module docs).
    #[serde(default)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// The launch of the agent that ran the hook (its `AO_LAUNCH_ID`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch: Option<String>,
}

impl HookEvent {
    /// An event observed now, keeping the identifying fields of `payload` (a JSON object;
    /// anything else keeps nothing).
    pub fn new(agent: &str, event: &str, payload: &serde_json::Value) -> Self {
        let mut fields = serde_json::Map::new();
        if let Some(object) = payload.as_object() {
            for key in KEPT_FIELDS {
                let kept = match object.get(*key) {
                    Some(serde_json::Value::String(s)) => {
                        serde_json::Value::String(s.chars().take(MAX_VALUE_CHARS).collect())
                    }
                    Some(v @ (serde_json::Value::Bool(_) | serde_json::Value::Number(_))) => {
                        v.clone()
                    }
                    _ => continue,
                };
                fields.insert((*key).to_string(), kept);
            }
        }
        Self {
            ts: Timestamp::now(),
            agent: clip(agent, 64),
            event: clip(event, 64),
            fields,
            launch: None,
        }
    }

    /// A kept string field.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(serde_json::Value::as_str)
    }
}

fn clip(text: &str, max: usize) -> String {
    crate::adapter_kit::text::strip_controls(text)
        .chars()
        .take(max)
        .collect()
}

/// Appends `event` to `path` as one line, in one write (appends of lines this short are
/// not interleaved with other writers').
pub fn append(path: &Path, event: &HookEvent) -> io::Result<()> {
    let mut line = serde_json::to_vec(event).map_err(io::Error::other)?;
    line.push(b'\n');
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)?.write_all(&line)
}

/// The events at the end of `path`, oldest first; unreadable lines are skipped.
pub fn recent(path: &Path) -> Vec<HookEvent> {
    crate::adapter_kit::tail::lines(path, TAIL_BYTES)
        .unwrap_or_default()
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The whole of `ao hook <agent> <event> [payload]`: records the event for the session named
/// by the environment (`AO_HOME`, `AO_PROJECT_ID`, `AO_SESSION_ID`). Problems are ignored —
/// a hook outside an `ao` session, or a full disk, must not disturb the agent.
pub fn run(agent: &str, event: &str, args: &[String]) {
    let Some(path) = events_path_from_env() else {
        return;
    };
    let payload = args
        .last()
        .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
        .filter(serde_json::Value::is_object)
        .or_else(read_stdin_payload)
        .unwrap_or(serde_json::Value::Null);
    let mut recorded = HookEvent::new(agent, event, &payload);
    recorded.launch = std::env::var(LAUNCH_VAR)
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| clip(&v, 64));
    // Never fails (see the module docs): a lost event only makes activity less fresh.
    let _ = append(&path, &recorded);
}

fn events_path_from_env() -> Option<std::path::PathBuf> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let home = AoHome::new(var("AO_HOME")?);
    let project = ProjectId::new(var("AO_PROJECT_ID")?).ok()?;
    let session = SessionId::new(var("AO_SESSION_ID")?).ok()?;
    Some(home.events_file(&project, &session))
}

/// The JSON on stdin, waiting briefly: an agent writes its payload and closes the pipe at
/// once, while a terminal (someone running `ao hook` by hand) would never close it.
fn read_stdin_payload() -> Option<serde_json::Value> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let read = io::stdin()
            .lock()
            .take(MAX_PAYLOAD_BYTES)
            .read_to_end(&mut bytes);
        // The receiver gave up waiting: nobody wants the payload any more.
        let _ = tx.send(read.map(|_| bytes));
    });
    let bytes = rx.recv_timeout(STDIN_WAIT).ok()?.ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_identifying_fields_and_drops_user_text() {
        let payload = serde_json::json!({
            "session_id": "abc",
            "transcript_path": "/t/abc.jsonl",
            "hook_event_name": "Notification",
            "notification_type": "permission_prompt",
            "prompt": "secret plans",
            "tool_input": {"command": "rm -rf /"},
            "error": "x".repeat(2000),
        });
        let event = HookEvent::new("claude-code", "Notification", &payload);
        assert_eq!(event.field("session_id"), Some("abc"));
        assert_eq!(event.field("notification_type"), Some("permission_prompt"));
        assert!(event.fields.get("prompt").is_none());
        assert!(event.fields.get("tool_input").is_none());
        assert_eq!(event.field("error").map(str::len), Some(MAX_VALUE_CHARS));
    }

    #[test]
    fn appended_events_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events/pj-1.ndjson");
        for name in ["UserPromptSubmit", "PreToolUse", "Stop"] {
            append(
                &path,
                &HookEvent::new("claude-code", name, &serde_json::Value::Null),
            )
            .unwrap();
        }
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"not json\n")
            .unwrap();
        let names: Vec<_> = recent(&path).into_iter().map(|e| e.event).collect();
        assert_eq!(names, ["UserPromptSubmit", "PreToolUse", "Stop"]);
    }
}
