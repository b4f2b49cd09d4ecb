//! Reading what a Claude Code agent is doing from each kind of evidence it leaves: `ao`'s hook
//! events, claude's live status file, its transcript, and the screen. Each reader is a pure
//! function of the evidence, so recorded samples test it.

use ao_core::domain::{Activity, ActivitySource, ActivityState, Timestamp};
use ao_core::hook::HookEvent;

use super::AGENT_NAME;

/// What a hook event says, when it says anything about the agent's state.
pub(crate) fn hook_state(event: &HookEvent) -> Option<ActivityState> {
    use ActivityState::{Active, Blocked, Exited, Ready, WaitingInput};
    Some(match event.event.as_str() {
        "UserPromptSubmit" | "PreToolUse" | "PostToolUse" | "PostToolUseFailure"
        | "PermissionDenied" | "SubagentStart" | "PreCompact" => Active,
        "PermissionRequest" | "Elicitation" => WaitingInput,
        "Notification" => match event.field("notification_type") {
            Some("permission_prompt" | "elicitation_dialog") => WaitingInput,
            _ => return None,
        },
        "Stop" | "SessionStart" => Ready,
        "StopFailure" => Blocked,
        "SessionEnd" => Exited,
        _ => return None,
    })
}

/// The state the latest decisive hook event gives.
pub(crate) fn from_hooks(events: &[HookEvent]) -> Option<Activity> {
    events
        .iter()
        .rev()
        .filter(|e| e.agent == AGENT_NAME)
        .find_map(|e| hook_state(e).map(|s| Activity::at(s, e.ts, ActivitySource::Hook)))
}

/// The latest transcript path a hook reported.
pub(crate) fn transcript_from_hooks(events: &[HookEvent]) -> Option<std::path::PathBuf> {
    events
        .iter()
        .rev()
        .filter(|e| e.agent == AGENT_NAME)
        .find_map(|e| e.field("transcript_path"))
        .map(std::path::PathBuf::from)
}

fn millis(value: Option<&serde_json::Value>) -> Option<Timestamp> {
    Timestamp::from_millisecond(value?.as_i64()?).ok()
}

/// The state claude's status file (`sessions/<pid>.json`) gives.
pub(crate) fn from_status_file(status: &serde_json::Value) -> Option<Activity> {
    let state = match status.get("status")?.as_str()? {
        "busy" => ActivityState::Active,
        "waiting" => ActivityState::WaitingInput,
        "idle" => ActivityState::Ready,
        _ => return None,
    };
    let since = millis(status.get("statusUpdatedAt"))
        .or_else(|| millis(status.get("updatedAt")))
        .or_else(|| millis(status.get("startedAt")))?;
    Some(Activity::at(state, since, ActivitySource::StatusFile))
}

fn record_time(record: &serde_json::Value) -> Option<Timestamp> {
    record.get("timestamp")?.as_str()?.parse().ok()
}

/// Whether a `user` record is a person's (or `ao`'s) prompt rather than a tool result.
fn is_prompt(record: &serde_json::Value) -> bool {
    if record.get("toolUseResult").is_some() || record.get("isMeta") == Some(&true.into()) {
        return false;
    }
    match record.pointer("/message/content") {
        Some(serde_json::Value::String(text)) => !text.starts_with("[Request interrupted"),
        Some(serde_json::Value::Array(blocks)) => {
            blocks
                .iter()
                .any(|b| b.get("type").and_then(serde_json::Value::as_str) == Some("text"))
                && !blocks.iter().any(|b| {
                    b.get("type").and_then(serde_json::Value::as_str) == Some("tool_result")
                })
        }
        _ => false,
    }
}

fn is_interruption(record: &serde_json::Value) -> bool {
    let text = match record.pointer("/message/content") {
        Some(serde_json::Value::String(text)) => text.as_str(),
        Some(serde_json::Value::Array(blocks)) => blocks
            .iter()
            .find_map(|b| b.get("text").and_then(serde_json::Value::as_str))
            .unwrap_or(""),
        _ => "",
    };
    text.starts_with("[Request interrupted")
}

/// The state one transcript record gives, if it is decisive.
fn transcript_state(record: &serde_json::Value) -> Option<ActivityState> {
    use ActivityState::{Active, Blocked, Ready};
    let kind = record.get("type")?.as_str()?;
    Some(match kind {
        "system" => match record.get("subtype")?.as_str()? {
            "turn_duration" | "stop_hook_summary" => Ready,
            _ => return None,
        },
        "assistant" => {
            if record.get("isApiErrorMessage") == Some(&true.into()) {
                Blocked
            } else {
                match record.pointer("/message/stop_reason")?.as_str() {
                    Some("end_turn" | "stop_sequence" | "max_tokens" | "refusal") => Ready,
                    _ => Active,
                }
            }
        }
        "user" if is_interruption(record) => Ready,
        "user" => Active,
        _ => return None,
    })
}

/// The state the latest decisive transcript record gives (`lines` oldest first). A tool call
/// waiting for permission looks like one still running here; the hooks and the status file
/// tell those apart.
pub(crate) fn from_transcript(lines: &[String]) -> Option<Activity> {
    lines.iter().rev().find_map(|line| {
        let record: serde_json::Value = serde_json::from_str(line).ok()?;
        let state = transcript_state(&record)?;
        Some(Activity::at(
            state,
            record_time(&record)?,
            ActivitySource::Transcript,
        ))
    })
}

/// Whether the transcript holds a prompt taken in at or after `since`.
pub(crate) fn prompt_in_transcript_since(lines: &[String], since: Timestamp) -> bool {
    lines.iter().rev().any(|line| {
        serde_json::from_str::<serde_json::Value>(line).is_ok_and(|r| {
            r.get("type").and_then(serde_json::Value::as_str) == Some("user")
                && is_prompt(&r)
                && record_time(&r).is_some_and(|t| t >= since)
        })
    })
}

/// The state the screen shows, from the marks of claude 2.1's TUI: its permission and trust
/// dialogs, the "esc to interrupt" of a running turn, and the idle footer.
pub(crate) fn from_screen(screen: &str) -> Option<ActivityState> {
    const WAITING: &[&str] = &[
        "Do you want to proceed?",
        "Esc to cancel · Tab to amend",
        "Enter to confirm · Esc to cancel",
        "Yes, I trust this folder",
    ];
    const IDLE: &[&str] = &[
        "? for shortcuts",
        "mode on",
        "don't ask on",
        "accept edits on",
    ];
    if WAITING.iter().any(|m| screen.contains(m)) {
        return Some(ActivityState::WaitingInput);
    }
    if screen.to_lowercase().contains("esc to interrupt") {
        return Some(ActivityState::Active);
    }
    if IDLE.iter().any(|m| screen.contains(m)) {
        return Some(ActivityState::Ready);
    }
    None
}

/// Token totals of a transcript: each API message counted once (claude writes one record per
/// content block, each repeating the message's usage).
pub(crate) fn token_totals(lines: impl Iterator<Item = String>) -> Option<(u64, u64)> {
    let mut seen = std::collections::HashSet::new();
    let (mut input, mut output, mut any) = (0u64, 0u64, false);
    for line in lines {
        let Ok(record) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let Some(usage) = record.pointer("/message/usage") else {
            continue;
        };
        let id = record
            .pointer("/message/id")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string();
        if !id.is_empty() && !seen.insert(id) {
            continue;
        }
        let n = |k: &str| {
            usage
                .get(k)
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0)
        };
        input +=
            n("input_tokens") + n("cache_creation_input_tokens") + n("cache_read_input_tokens");
        output += n("output_tokens");
        any = true;
    }
    any.then_some((input, output))
}

/// A one-line summary from a transcript: claude's own title or summary record, else the first
/// prompt's first line.
pub(crate) fn summary(lines: &[String]) -> Option<String> {
    let mut first_prompt = None;
    let mut title = None;
    for line in lines {
        let Ok(record) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let text = |key: &str| record.get(key).and_then(serde_json::Value::as_str);
        match text("type") {
            Some("summary") => title = text("summary").map(str::to_string).or(title),
            Some("ai-title" | "custom-title") => {
                title = text("aiTitle")
                    .or_else(|| text("customTitle"))
                    .or_else(|| text("title"))
                    .map(str::to_string)
                    .or(title);
            }
            Some("user") if first_prompt.is_none() && is_prompt(&record) => {
                first_prompt = match record.pointer("/message/content") {
                    Some(serde_json::Value::String(s)) => Some(s.clone()),
                    Some(serde_json::Value::Array(blocks)) => blocks
                        .iter()
                        .find_map(|b| b.get("text").and_then(serde_json::Value::as_str))
                        .map(str::to_string),
                    _ => None,
                };
            }
            _ => {}
        }
    }
    let text = title.or(first_prompt)?;
    let line = ao_core::text::strip_controls(text.lines().find(|l| !l.trim().is_empty())?);
    Some(line.trim().chars().take(120).collect())
}
