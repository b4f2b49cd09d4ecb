//! Real Codex turns (`@openai/codex@0.169.0`) driven through the real `ao` binary in a private
//! tmux server, against a loopback mock of the OpenAI Responses API reached through a custom
//! model provider: no network, a dummy key, nothing reaches a real model.

use std::time::Duration;

use crate::live::live;
use crate::model_mock::{Reply, has_tool_result, is_title_request};
use crate::stderr;

/// The user messages codex recorded in its rollout whose text is `text`.
fn recorded_messages(rollout: &std::path::Path, text: &str) -> usize {
    std::fs::read_to_string(rollout)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| {
            r["payload"]["type"] == "item_completed"
                && r["payload"]["item"]["type"] == "UserMessage"
                && r["payload"]["item"]["content"][0]["text"] == text
        })
        .count()
}

fn rollouts(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "jsonl") {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn a_codex_turn_is_seen_working_then_waiting_then_done() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("MOCKFILE");
    let touch = format!("touch {}", target.display());
    // gpt-5.5 is a model codex offers an upgrade for: its popup must not appear.
    let Some(live) = live("codex", "codex", "      model: gpt-5.5\n", move |body| {
        if has_tool_result(body) {
            return Reply::Text("MOCK-DONE".into());
        }
        let last_user = body["input"]
            .as_array()
            .and_then(|items| items.iter().rev().find(|i| i["role"] == "user"))
            .map(|i| i["content"].to_string())
            .unwrap_or_default();
        if !last_user.contains("make a file") {
            return Reply::Text("MOCK-DONE".into());
        }
        // Slow enough that `ao status` sees the turn working.
        std::thread::sleep(Duration::from_secs(3));
        Reply::ToolUse {
            name: "exec_command".into(),
            input: serde_json::json!({
                "cmd": touch,
                "sandbox_permissions": "require_escalated",
                "justification": "the test needs a file outside the workspace",
            }),
        }
    }) else {
        return;
    };
    let id = live.spawn("make a file");
    let seen = live.wait_activity(&id, &["waiting_input"]);
    assert!(
        seen.iter().any(|s| s == "active"),
        "working was seen: {seen:?}"
    );
    let screen = live.screen(&id);
    for blocker in ["Trust this folder", "Try new model", "Sign in"] {
        assert!(!screen.contains(blocker), "{blocker}:\n{screen}");
    }
    assert!(!target.exists(), "nothing ran before approval");

    let refused = live.ao(&["send", &id, "hello"]);
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    live.ok(&["send", "--force", &id, "1"]);
    let seen = live.wait_activity(&id, &["ready", "idle"]);
    assert!(target.exists(), "the approved command ran; states {seen:?}");
    assert!(live.screen(&id).contains("MOCK-DONE"));

    // A message reaches codex once (paste, then its own Enter), confirmed from the rollout.
    live.ok(&["send", &id, "second message from ao"]);
    live.wait_activity(&id, &["ready", "idle"]);
    let sessions = live.dir().join("home/.codex/sessions");
    let files = rollouts(&sessions);
    assert_eq!(files.len(), 1, "one rollout for the session: {files:?}");
    assert_eq!(recorded_messages(&files[0], "second message from ao"), 1);

    // Finished turns were reported by notify, for the session's own thread only.
    let events = live.events(&id);
    let thread = std::fs::read_to_string(&files[0])
        .unwrap()
        .lines()
        .next()
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .and_then(|r| r["payload"]["id"].as_str().map(str::to_string))
        .unwrap();
    assert!(events.contains(&thread), "notify recorded:\n{events}");
    assert!(
        !events.contains("make a file"),
        "prompts stay out of ao's files"
    );
    assert!(
        live.mock
            .seen()
            .iter()
            .filter(|s| has_tool_result(&s.body))
            .count()
            >= 1
    );
    live.ok(&["session", "kill", "--force", &id]);
}

#[test]
fn a_task_named_like_a_codex_command_reaches_the_model_as_a_task() {
    let Some(live) = live("codex", "codex", "", |_| Reply::Text("MOCK-DONE".into())) else {
        return;
    };
    // A subcommand name, a slash command (codex would open its status) and a shell escape.
    for task in ["exec", "/status", "!touch BANG"] {
        let id = live.spawn(task);
        live.wait_until(
            &id,
            &format!("{task:?} reaching the model as the task"),
            || {
                live.mock.seen().iter().any(|s| {
                    user_texts(&s.body)
                        .iter()
                        .any(|t| t.trim().trim_start_matches("Task: ") == task)
                })
            },
        );
        assert!(!live.worktree(&id).join("BANG").exists(), "nothing ran");
        live.ok(&["session", "kill", "--force", &id]);
    }
}

/// The texts of the user messages in an OpenAI Responses request.
fn user_texts(body: &serde_json::Value) -> Vec<String> {
    body["input"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["role"] == "user")
        .flat_map(|i| i["content"].as_array().into_iter().flatten())
        .filter_map(|c| c["text"].as_str().map(str::to_string))
        .collect()
}

/// How many times the newest request the mock saw carries a user message `text`.
fn times_asked(live: &crate::live::Live, text: &str) -> usize {
    live.mock
        .seen()
        .iter()
        .map(|s| {
            user_texts(&s.body)
                .iter()
                .filter(|t| t.trim() == text)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn a_message_sent_right_after_a_restore_reaches_the_model_once() {
    let Some(live) = live("codex", "codex", "", |_| Reply::Text("MOCK-DONE".into())) else {
        return;
    };
    let id = live.spawn("first task");
    live.wait_activity(&id, &["ready", "idle"]);
    live.kill_tmux_server();
    live.ok(&["session", "restore", &id]);
    live.ok(&["send", &id, "first message after restore"]);
    live.ok(&["send", &id, "second message after restore"]);
    live.wait_until(&id, "both messages reaching the model", || {
        times_asked(&live, "second message after restore") == 1
    });
    assert_eq!(times_asked(&live, "first message after restore"), 1);
    assert!(
        live.mock
            .seen()
            .iter()
            .all(|s| !s.body.to_string().contains("restoresecond")),
        "no message was glued to another"
    );
    live.ok(&["session", "kill", "--force", &id]);
}

#[test]
fn the_model_codex_runs_is_read_from_its_rollout() {
    // No model configured: codex picks its own default, which only its rollout names.
    let Some(live) = live("codex", "codex", "", |_| Reply::Text("MOCK-DONE".into())) else {
        return;
    };
    let id = live.spawn("say done");
    live.wait_until(&id, "the turn reaching the model", || {
        live.mock.seen().iter().any(|s| !is_title_request(&s.body))
    });
    live.wait_activity(&id, &["ready", "idle"]);
    let sent: std::collections::BTreeSet<String> = live
        .mock
        .seen()
        .iter()
        .filter(|s| !is_title_request(&s.body))
        .filter_map(|s| s.body["model"].as_str().map(str::to_string))
        .collect();
    assert_eq!(sent.len(), 1, "one model on the wire: {sent:?}");
    let sent = sent.into_iter().next().unwrap();
    let row = live.status_row(&id);
    assert_eq!(row["model"], serde_json::Value::Null, "{row}");
    assert_eq!(row["modelInUse"], sent.as_str(), "{row}");
    let table = live.ok(&["status"]);
    assert!(table.contains(&format!("default → {sent}")), "{table}");
    live.ok(&["session", "kill", "--force", &id]);
}
