//! Reading what a Codex agent is doing from each kind of evidence it leaves: its `notify`
//! calls (recorded by `ao hook codex notify`), its rollout file, and the screen — the only
//! place an approval request shows. Each reader is a pure function of the evidence.

use ao_core::adapter_kit::hook::HookEvent;
use ao_core::domain::{Activity, ActivitySource, ActivityState, Timestamp};

use super::AGENT_NAME;

/// The latest turn-complete `notify` of thread `thread` (codex also notifies for a hidden
/// title-generation thread, whose turns say nothing about the agent).
pub(crate) fn from_notify(events: &[HookEvent], thread: &str) -> Option<Activity> {
    events
        .iter()
        .rev()
        .filter(|e| e.agent == AGENT_NAME)
        .find(|e| {
            e.field("thread-id") == Some(thread) && e.field("type") == Some("agent-turn-complete")
        })
        .map(|e| Activity::at(ActivityState::Ready, e.ts, ActivitySource::Hook))
}

fn parse(line: &str) -> Option<serde_json::Value> {
    serde_json::from_str(line).ok()
}

fn time(record: &serde_json::Value) -> Option<Timestamp> {
    record.get("timestamp")?.as_str()?.parse().ok()
}

fn event_type(record: &serde_json::Value) -> Option<&str> {
    if record.get("type")?.as_str()? != "event_msg" {
        return None;
    }
    record.pointer("/payload/type")?.as_str()
}

/// The state the latest turn boundary in a rollout gives (`lines` oldest first). An approval
/// request leaves no record: it looks like a running command here.
pub(crate) fn from_rollout(lines: &[String]) -> Option<Activity> {
    lines.iter().rev().find_map(|line| {
        let record = parse(line)?;
        let state = match event_type(&record)? {
            "task_started" => ActivityState::Active,
            "task_complete"
                if record
                    .pointer("/payload/error")
                    .is_some_and(|e| !e.is_null()) =>
            {
                ActivityState::Blocked
            }
            "task_complete" | "turn_aborted" => ActivityState::Ready,
            _ => return None,
        };
        Some(Activity::at(
            state,
            time(&record)?,
            ActivitySource::Transcript,
        ))
    })
}

fn user_message_text(record: &serde_json::Value) -> Option<String> {
    if event_type(record)? != "item_completed"
        || record.pointer("/payload/item/type")?.as_str()? != "UserMessage"
    {
        return None;
    }
    let text = record
        .pointer("/payload/item/content")?
        .as_array()?
        .iter()
        .filter_map(|c| c.get("text").and_then(serde_json::Value::as_str))
        .collect::<Vec<_>>()
        .join("\n");
    Some(text)
}

/// Whether the rollout holds a user message taken in at or after `since`.
pub(crate) fn prompt_in_rollout_since(lines: &[String], since: Timestamp) -> bool {
    lines.iter().rev().any(|line| {
        parse(line).is_some_and(|r| {
            user_message_text(&r).is_some() && time(&r).is_some_and(|t| t >= since)
        })
    })
}

/// The state the screen shows, from the marks of codex 0.169's TUI: its approval and
/// first-run dialogs, the "esc to interrupt" of a running turn, and the idle composer.
pub(crate) fn from_screen(screen: &str) -> Option<ActivityState> {
    const WAITING: &[&str] = &[
        "Would you like to run the following command?",
        "Would you like to make the following edits?",
        "Press enter to confirm or esc to cancel",
        "Trust this folder?",
        "1. Try new model",
    ];
    const IDLE: &[&str] = &[
        "Ask Codex to do anything",
        "? for shortcuts",
        "Conversation interrupted",
    ];
    if screen.contains("To continue this session, run:") {
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

/// Whether codex's composer is on screen: a `›` line among the last lines (earlier user
/// messages carry the same mark, but above it). Nothing is drawn before codex can take input.
pub(crate) fn input_shown(screen: &str) -> bool {
    screen
        .lines()
        .filter(|l| !l.trim().is_empty())
        .rev()
        .take(6)
        .any(|l| l.trim_start().starts_with('›'))
}

/// The rollout's first record: the thread id and working directory.
pub(crate) fn session_meta(first_line: &str) -> Option<(String, String)> {
    let record = parse(first_line)?;
    if record.get("type")?.as_str()? != "session_meta" {
        return None;
    }
    Some((
        record.pointer("/payload/id")?.as_str()?.to_string(),
        record.pointer("/payload/cwd")?.as_str()?.to_string(),
    ))
}

/// Token totals: the thread's running total from the latest `token_count` event.
pub(crate) fn token_totals(lines: &[String]) -> Option<(u64, u64)> {
    lines.iter().rev().find_map(|line| {
        let record = parse(line)?;
        if event_type(&record)? != "token_count" {
            return None;
        }
        let total = record.pointer("/payload/info/total_token_usage")?;
        let n = |k: &str| {
            total
                .get(k)
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0)
        };
        Some((n("input_tokens"), n("output_tokens")))
    })
}

/// A one-line summary: the first user message's first line.
pub(crate) fn summary(lines: &[String]) -> Option<String> {
    let text = lines.iter().find_map(|l| user_message_text(&parse(l)?))?;
    crate::one_line(&text)
}

#[cfg(test)]
mod tests {
    //! Classification of evidence recorded from the real codex 0.169.0 running turns against a
    //! loopback mock (`tests/fixtures/codex/README.md` says how).
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_composer_shows_readiness() {
        // As codex 0.169.0 draws it after a restore: earlier user messages carry `›` too.
        let ready = "› hello\n\n• MOCK-DONE\n\n\n› Ask Codex to do anything\n\n  GPT-6.1-Sol default · /w · Mock title\n  ← for agents · ? for shortcuts\n";
        assert!(input_shown(ready));
        assert!(!input_shown(""));
        let history_only = format!("› hello\n{}", "• line\n".repeat(10));
        assert!(!input_shown(&history_only));
    }
    use ActivityState::{Active, Blocked, Exited, Ready, WaitingInput};

    const MAIN_THREAD: &str = "01a2156a-de29-7872-8ee4-017aaa81810c";

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    fn notify_events() -> Vec<HookEvent> {
        include_str!("../../tests/fixtures/codex/notify.ndjson")
            .lines()
            .map(|l| {
                let payload: serde_json::Value = serde_json::from_str(l).unwrap();
                HookEvent::new(AGENT_NAME, "notify", &payload)
            })
            .collect()
    }

    #[test]
    fn notify_counts_only_the_sessions_own_thread() {
        let events = notify_events();
        // The first call is the hidden title thread's: alone, it says nothing.
        assert_eq!(from_notify(&events[..1], MAIN_THREAD), None);
        assert_eq!(from_notify(&events, MAIN_THREAD).unwrap().state, Ready);
        assert_eq!(from_notify(&events, "another-thread"), None);
    }

    #[test]
    fn rollouts_mark_turn_boundaries() {
        for (file, state) in [
            (
                include_str!("../../tests/fixtures/codex/rollout-working.jsonl"),
                Active,
            ),
            // An approval request leaves no record: only the screen shows it.
            (
                include_str!("../../tests/fixtures/codex/rollout-approval-pending.jsonl"),
                Active,
            ),
            (
                include_str!("../../tests/fixtures/codex/rollout-done.jsonl"),
                Ready,
            ),
            (
                include_str!("../../tests/fixtures/codex/rollout-aborted.jsonl"),
                Ready,
            ),
            (
                include_str!("../../tests/fixtures/codex/rollout-stream-error.jsonl"),
                Blocked,
            ),
        ] {
            assert_eq!(from_rollout(&lines(file)).unwrap().state, state);
        }
    }

    #[test]
    fn rollouts_name_the_thread_and_count_tokens() {
        let done = lines(include_str!(
            "../../tests/fixtures/codex/rollout-done.jsonl"
        ));
        let (id, cwd) = session_meta(&done[0]).unwrap();
        assert_eq!(id, MAIN_THREAD);
        assert!(cwd.ends_with("/repo"));
        assert_eq!(token_totals(&done), Some((2000, 40)));
        assert_eq!(summary(&done).as_deref(), Some("make a file"));
        let started: Timestamp = "2026-11-26T01:14:15.123Z".parse().unwrap();
        assert!(prompt_in_rollout_since(&done, started));
        assert!(!prompt_in_rollout_since(
            &done,
            started
                .checked_add(jiff::SignedDuration::from_millis(1))
                .unwrap()
        ));
    }

    #[test]
    fn screens_show_each_state() {
        for (screen, state) in [
            (
                include_str!("../../tests/fixtures/codex/screen-working.txt"),
                Some(Active),
            ),
            (
                include_str!("../../tests/fixtures/codex/screen-approval.txt"),
                Some(WaitingInput),
            ),
            (
                include_str!("../../tests/fixtures/codex/screen-done.txt"),
                Some(Ready),
            ),
            (
                include_str!("../../tests/fixtures/codex/screen-interrupted.txt"),
                Some(Ready),
            ),
            (
                include_str!("../../tests/fixtures/codex/screen-exited.txt"),
                Some(Exited),
            ),
            ("some unrelated program output", None),
        ] {
            assert_eq!(from_screen(screen), state, "{screen}");
        }
    }
}
