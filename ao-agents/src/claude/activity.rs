//! Reading what a Claude Code agent is doing from each kind of evidence it leaves: `ao`'s hook
//! events, claude's live status file, its transcript, and the screen. Each reader is a pure
//! function of the evidence, so recorded samples test it.

use ao_core::adapter_kit::hook::HookEvent;
use ao_core::domain::{Activity, ActivitySource, ActivityState, Timestamp};

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
    if record.get("toolUseResult").is_some()
        || record.get("isMeta") == Some(&true.into())
        || is_interruption(record)
    {
        return false;
    }
    match record.pointer("/message/content") {
        Some(serde_json::Value::String(_)) => true,
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
    if screen.contains("Resume this session with:") {
        return Some(ActivityState::Exited);
    }
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

/// Whether claude's input box is on screen: its `❯` prompt line right under the box's top
/// rule. Nothing is drawn before claude can take input.
pub(crate) fn input_shown(screen: &str) -> bool {
    let lines: Vec<&str> = screen.lines().collect();
    lines.windows(2).any(|w| {
        w[0].trim_start().starts_with('─')
            && (w[1].trim_start().starts_with('❯') || w[1].trim_start().starts_with("> "))
    })
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
    crate::one_line(&text)
}

#[cfg(test)]
mod tests {
    //! Classification of evidence recorded from the real claude 2.1.332 running turns against
    //! a loopback mock (`tests/fixtures/claude/README.md` says how).
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_input_box_shows_readiness() {
        // As claude 2.1.332 draws it once it can take input (a relaunch's pane is blank first).
        let ready = "\n\n  ◐ medium · /effort\n────────────────────\n❯  \n────────────────────\n  ⏵⏵ don't ask on (shift+tab to cycle) · ← for agents\n";
        assert!(input_shown(ready));
        assert!(!input_shown(""));
        assert!(!input_shown("\n\n\n"));
        assert!(!input_shown("❯ 1. Yes, I trust this folder\n  2. No, exit"));
    }
    use ActivityState::{Active, Blocked, Exited, Ready, WaitingInput};

    const HOOKS: &str = include_str!("../../tests/fixtures/claude/hooks.ndjson");
    const HOOKS_FAILED: &str =
        include_str!("../../tests/fixtures/claude/hooks-stop-failure.ndjson");

    /// Recorded hook runs as `ao hook` would have stored them.
    fn events(recorded: &str) -> Vec<HookEvent> {
        recorded
            .lines()
            .map(|l| {
                let line: serde_json::Value = serde_json::from_str(l).unwrap();
                let mut event = HookEvent::new(
                    AGENT_NAME,
                    line["event"].as_str().unwrap(),
                    &line["payload"],
                );
                event.ts = Timestamp::from_millisecond(line["ts"].as_i64().unwrap()).unwrap();
                event
            })
            .collect()
    }

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn each_recorded_hook_moves_the_state_as_documented() {
        let events = events(HOOKS);
        let mut states = Vec::new();
        for n in 1..=events.len() {
            let now = from_hooks(&events[..n]).unwrap();
            assert_eq!(now.since, events[n - 1].ts, "the event's own time");
            states.push((events[n - 1].event.as_str(), now.state));
        }
        let expected = [
            ("SessionStart", Ready),
            ("UserPromptSubmit", Active),
            ("PreToolUse", Active),
            ("PermissionRequest", WaitingInput),
            ("Notification", WaitingInput),
            ("PostToolUse", Active),
            ("Stop", Ready),
            ("SessionEnd", Exited),
        ];
        for (event, state) in expected {
            assert!(
                states.contains(&(event, state)),
                "{event} -> {state:?} in {states:?}"
            );
        }
        let transcript = transcript_from_hooks(&events).unwrap();
        assert_eq!(transcript.extension().unwrap(), "jsonl");
        // Nothing but identifying fields is kept: no prompt, no tool input.
        assert!(events.iter().all(|e| e.fields.get("prompt").is_none()));
    }

    #[test]
    fn a_failed_api_call_blocks() {
        let events = events(HOOKS_FAILED);
        let last = events
            .iter()
            .rposition(|e| e.event == "StopFailure")
            .unwrap();
        assert_eq!(from_hooks(&events[..=last]).unwrap().state, Blocked);
    }

    #[test]
    fn status_files_say_idle_busy_or_waiting() {
        for (file, state) in [
            (
                include_str!("../../tests/fixtures/claude/status-idle.json"),
                Ready,
            ),
            (
                include_str!("../../tests/fixtures/claude/status-busy.json"),
                Active,
            ),
            (
                include_str!("../../tests/fixtures/claude/status-waiting.json"),
                WaitingInput,
            ),
        ] {
            let value: serde_json::Value = serde_json::from_str(file).unwrap();
            let activity = from_status_file(&value).unwrap();
            assert_eq!(activity.state, state, "{file}");
            assert_eq!(
                activity.since.as_millisecond(),
                value["statusUpdatedAt"].as_i64().unwrap()
            );
        }
    }

    #[test]
    fn transcripts_tell_a_finished_turn_from_a_pending_tool_call() {
        let done = lines(include_str!(
            "../../tests/fixtures/claude/transcript-done.jsonl"
        ));
        assert_eq!(from_transcript(&done).unwrap().state, Ready);
        let pending = lines(include_str!(
            "../../tests/fixtures/claude/transcript-tool-pending.jsonl"
        ));
        assert_eq!(from_transcript(&pending).unwrap().state, Active);
        // The typed prompt counts as submitted at its own time, not later.
        let prompt_at: Timestamp = "2026-11-26T01:15:38.795Z".parse().unwrap();
        assert!(prompt_in_transcript_since(&pending, prompt_at));
        assert!(!prompt_in_transcript_since(
            &pending,
            prompt_at
                .checked_add(jiff::SignedDuration::from_millis(1))
                .unwrap()
        ));
        // An interruption ends the turn.
        let mut interrupted = pending.clone();
        interrupted.push(
            serde_json::json!({"type": "user", "timestamp": "2026-11-26T01:15:45Z",
                "message": {"role": "user", "content": [{"type": "text", "text": "[Request interrupted by user]"}]}})
            .to_string(),
        );
        assert_eq!(from_transcript(&interrupted).unwrap().state, Ready);
        assert!(!prompt_in_transcript_since(
            &interrupted,
            "2026-11-26T01:15:44Z".parse().unwrap()
        ));
    }

    #[test]
    fn transcripts_give_tokens_once_per_message_and_a_summary() {
        let done = lines(include_str!(
            "../../tests/fixtures/claude/transcript-done.jsonl"
        ));
        let (input, output) = token_totals(done.iter().cloned()).unwrap();
        assert!(input > 0 && output > 0, "{input} {output}");
        assert_eq!(summary(&done).as_deref(), Some("make a file"));
    }

    #[test]
    fn screens_show_each_state() {
        for (screen, state) in [
            (
                include_str!("../../tests/fixtures/claude/screen-working.txt"),
                Some(Active),
            ),
            (
                include_str!("../../tests/fixtures/claude/screen-permission.txt"),
                Some(WaitingInput),
            ),
            (
                include_str!("../../tests/fixtures/claude/screen-done.txt"),
                Some(Ready),
            ),
            (
                include_str!("../../tests/fixtures/claude/screen-interrupted.txt"),
                Some(Ready),
            ),
            (
                include_str!("../../tests/fixtures/claude/screen-interrupted-rewind.txt"),
                Some(Ready),
            ),
            (
                include_str!("../../tests/fixtures/claude/screen-exited.txt"),
                Some(Exited),
            ),
            ("some unrelated program output", None),
        ] {
            assert_eq!(from_screen(screen), state, "{screen}");
        }
    }
}
