//! Real Claude Code turns (`@anthropic-ai/claude-code@2.1.332`) driven through the real `ao`
//! binary in a private tmux server, against a loopback mock of the Anthropic API: no network, a
//! dummy token, nothing reaches a real model.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::live::live;
use crate::model_mock::{Reply, has_tool_result, tool_results};
use crate::stderr;

#[test]
fn a_worker_turn_is_seen_working_then_waiting_then_done() {
    let Some(live) = live("claude", "claude-code", "", |body| {
        if body["tools"].as_array().is_none_or(Vec::is_empty) {
            return Reply::Text("Mock title".into());
        }
        if has_tool_result(body) {
            return Reply::Text("MOCK-DONE".into());
        }
        // Slow enough that `ao status` sees the turn working.
        std::thread::sleep(Duration::from_secs(3));
        Reply::ToolUse {
            name: "Bash".into(),
            input: serde_json::json!({"command": "touch MOCKFILE", "description": "create a file"}),
        }
    }) else {
        return;
    };
    let id = live.spawn("make a file");
    let worktree = live.worktree(&id);

    let seen = live.wait_activity(&id, &["waiting_input"]);
    assert!(
        seen.iter().any(|s| s == "active"),
        "working was seen: {seen:?}"
    );
    let screen = live.screen(&id);
    assert!(!screen.contains("trust this folder"), "{screen}");
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(live.dir().join("home/.claude.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        state["hasCompletedOnboarding"], true,
        "claude's own keys are kept"
    );
    assert_eq!(
        state["projects"][worktree.to_str().unwrap()]["hasTrustDialogAccepted"],
        true,
        "ao answered the trust question for the fresh worktree"
    );
    assert!(
        !worktree.join("MOCKFILE").exists(),
        "nothing ran before approval"
    );

    // Typing into an open permission prompt could answer it: refused unless forced.
    let refused = live.ao(&["send", &id, "hello"]);
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));

    live.ok(&["send", "--force", &id, "1"]);
    let seen = live.wait_activity(&id, &["ready", "idle"]);
    assert!(
        worktree.join("MOCKFILE").exists(),
        "the approved command ran; states {seen:?}"
    );
    assert!(live.mock.seen().iter().any(|s| has_tool_result(&s.body)));
    assert!(live.screen(&id).contains("MOCK-DONE"));

    // A new message is confirmed taken in (the send waits for the agent's hook).
    live.ok(&["send", &id, "thanks, all good"]);
    live.wait_activity(&id, &["ready", "idle"]);
    let prompts = live
        .mock
        .seen()
        .iter()
        .filter(|s| s.body.to_string().contains("thanks, all good"))
        .count();
    assert!(prompts >= 1, "the message reached the model");

    let events = live.events(&id);
    for event in ["UserPromptSubmit", "PermissionRequest", "Stop"] {
        assert!(events.contains(event), "{event} hook recorded:\n{events}");
    }
    assert!(
        !events.contains("make a file"),
        "prompts stay out of ao's files"
    );
    live.ok(&["session", "kill", "--force", &id]);
}

/// The daemon's reactions never type into an open permission prompt: a CI failure on a worker
/// whose claude asks to run a command waits (one `reaction.deferred`) until the prompt is
/// answered, then arrives once.
#[test]
fn a_reaction_waits_while_claude_asks_for_permission_then_arrives_once() {
    use ao_trackers::fake::{CheckConclusion, CheckRun, FakeGitHub, PullRequest};
    let Some(live) = live("claude", "claude-code", "", |body| {
        if body["tools"].as_array().is_none_or(Vec::is_empty) {
            return Reply::Text("Mock title".into());
        }
        if body.to_string().contains("CI failed on your pull request") {
            return Reply::Text("MOCK-CI-SEEN".into());
        }
        if has_tool_result(body) {
            return Reply::Text("MOCK-DONE".into());
        }
        Reply::ToolUse {
            name: "Bash".into(),
            input: serde_json::json!({"command": "touch MOCKFILE", "description": "create a file"}),
        }
    }) else {
        return;
    };
    let gh = FakeGitHub::start();
    let mut env: Vec<(&str, String)> = gh.env().into_iter().collect();
    env.push((
        "GITHUB_TOKEN",
        "ghp_aoLiveReactionTest0123456789abcdef".into(),
    ));
    let config = live.dir().join("agent-orchestrator.yaml");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "    sessionPrefix: app\n",
        "    sessionPrefix: app\n    repo: acme/app\n",
    );
    std::fs::write(
        &config,
        format!("lifecycle:\n  pollIntervalMs: 1000\n{text}"),
    )
    .unwrap();
    let ok = |args: &[&str]| {
        let out = live.ao_with(args, &env);
        assert_eq!(out.status.code(), Some(0), "ao {args:?}: {}", stderr(&out));
    };
    ok(&["project", "add", "agent-orchestrator.yaml"]);
    let id = live.spawn("make a file");
    let worktree = live.worktree(&id);
    live.wait_activity(&id, &["waiting_input"]);

    // CI fails on the worker's pull request while claude waits for an answer.
    let n = gh.add_pull(
        "acme/app",
        PullRequest::new("Work", &format!("session/{id}")),
    );
    let sha = gh.pull("acme/app", n).unwrap().head_sha;
    gh.add_check_run(
        "acme/app",
        &sha,
        CheckRun::completed("unit-tests", CheckConclusion::Failure),
    );
    ok(&["daemon", "start"]);
    let kinds = || -> Vec<String> {
        let out = live.ao_with(&["events", "--json", "--session", &id], &env);
        crate::stdout(&out)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["kind"].as_str().map(str::to_string))
            .collect()
    };
    let count = |kind: &str| kinds().iter().filter(|k| *k == kind).count();
    live.wait_until(&id, "the delivery was put off", || {
        count("reaction.deferred") == 1
    });
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(count("reaction.deferred"), 1, "{:?}", kinds());
    assert_eq!(count("reaction.sent"), 0, "{:?}", kinds());
    assert!(
        !worktree.join("MOCKFILE").exists(),
        "a reaction answered the permission prompt"
    );
    let ci_turns = || {
        live.mock
            .seen()
            .iter()
            .filter(|s| {
                s.body
                    .to_string()
                    .contains("CI failed on your pull request")
            })
            .count()
    };
    assert_eq!(ci_turns(), 0);

    // The person answers; the message follows, once.
    live.ok(&["send", "--force", &id, "1"]);
    live.wait_until(&id, "the CI failure reached claude", || ci_turns() >= 1);
    assert!(
        worktree.join("MOCKFILE").exists(),
        "the approved command ran"
    );
    live.wait_until(&id, "the delivery was logged", || {
        count("reaction.sent") == 1
    });
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(count("reaction.sent"), 1, "{:?}", kinds());
    assert_eq!(count("reaction.deferred"), 1, "{:?}", kinds());
    ok(&["daemon", "stop"]);
    live.ok(&["session", "kill", "--force", &id]);
}

#[test]
fn an_orchestrators_attempt_to_edit_a_file_is_denied() {
    let target = std::sync::Arc::new(std::sync::Mutex::new(PathBuf::new()));
    let path = target.clone();
    let Some(live) = live("claude", "claude-code", "", move |body| {
        if body["tools"].as_array().is_none_or(Vec::is_empty) {
            return Reply::Text("Mock title".into());
        }
        if has_tool_result(body) {
            return Reply::Text("MOCK-DONE".into());
        }
        Reply::ToolUse {
            name: "Write".into(),
            input: serde_json::json!({
                "file_path": path.lock().unwrap().display().to_string(),
                "content": "should never be written\n",
            }),
        }
    }) else {
        return;
    };
    *target.lock().unwrap() = live.repo().join("DENIED.txt");
    live.ok(&["start"]);
    let id = "app-orchestrator";
    live.wait_activity(id, &["ready", "idle"]);
    live.ok(&["send", id, "please write DENIED.txt"]);
    live.wait_activity(id, &["ready", "idle"]);
    let results: Vec<String> = live
        .mock
        .seen()
        .iter()
        .flat_map(|s| tool_results(&s.body))
        .collect();
    assert!(
        results
            .iter()
            .any(|r| r.contains("Write") && r.contains("disabled")),
        "claude refused the tool itself: {results:?}"
    );
    assert!(
        !live.repo().join("DENIED.txt").exists(),
        "the orchestrator wrote a file; tool results: {results:?}"
    );
    live.ok(&["stop"]);
}

#[test]
fn an_untrusted_in_repo_config_cannot_answer_the_agents_trust_questions() {
    // No model and no agent CLI needed: the refusal comes before anything starts.
    for agent in ["claude-code", "codex"] {
        let tmp = tempfile::tempdir().unwrap();
        let repo = crate::repo(tmp.path());
        let home = tmp.path().join("home");
        std::fs::create_dir_all(home.join(".codex")).unwrap();
        let state = r#"{"hasCompletedOnboarding":true}"#;
        std::fs::write(home.join(".claude.json"), state).unwrap();
        std::fs::write(
            repo.join("agent-orchestrator.yaml"),
            format!("projects:\n  app:\n    path: .\n    sessionPrefix: app\n    worker:\n      agent: {agent}\n"),
        )
        .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_ao"))
            .args(["spawn", "--prompt", "do it"])
            .current_dir(&repo)
            .env_clear()
            .envs(crate::OFFLINE)
            .env("AO_DAEMON_AUTOSTART", "0")
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("AO_HOME", tmp.path().join("ao-home"))
            .env(
                "AO_TMUX_SOCKET",
                format!("ao-untrusted-{}", std::process::id()),
            )
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(4), "{agent}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("ao trust"),
            "{agent}: {}",
            stderr(&out)
        );
        assert_eq!(
            std::fs::read_to_string(home.join(".claude.json")).unwrap(),
            state,
            "claude's state is untouched"
        );
        assert!(
            !home.join(".codex/config.toml").exists(),
            "codex's config is untouched"
        );
        let worktrees = tmp.path().join("ao-home/projects/app/worktrees");
        assert_eq!(
            std::fs::read_dir(&worktrees)
                .map(|d| d.count())
                .unwrap_or(0),
            0,
            "{agent}: the refused spawn left no worktree"
        );
    }
}

/// The texts of the user turns in an Anthropic Messages request.
fn user_texts(body: &serde_json::Value) -> Vec<String> {
    body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["role"] == "user")
        .flat_map(|m| match &m["content"] {
            serde_json::Value::String(s) => vec![s.clone()],
            blocks => blocks
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| b["text"].as_str().map(str::to_string))
                .collect(),
        })
        .collect()
}

#[test]
fn a_task_named_like_a_claude_command_reaches_the_model_as_a_task() {
    let Some(live) = live("claude", "claude-code", "", |_| {
        Reply::Text("MOCK-DONE".into())
    }) else {
        return;
    };
    // A subcommand name (claude would run its doctor), a slash command (claude would run it
    // locally instead of starting a turn) and a shell escape (claude would run it).
    for task in ["doctor", "/cost", "!touch BANG"] {
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

#[test]
fn doctor_leaves_a_live_worker_alone() {
    let Some(live) = live("claude", "claude-code", "", |_| {
        Reply::Text("MOCK-DONE".into())
    }) else {
        return;
    };
    let id = live.spawn("say done");
    live.wait_until(&id, "the turn's Stop hook", || {
        live.events(&id).contains("\"Stop\"")
    });
    live.wait_activity(&id, &["ready", "idle"]);
    let row = |live: &crate::live::Live| {
        let status: serde_json::Value =
            serde_json::from_str(&live.ok(&["status", "--json"])).unwrap();
        let row = status["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id.as_str())
            .cloned()
            .unwrap();
        (row["status"].clone(), row["activity"]["state"].clone())
    };
    let before = (row(&live), live.events(&id));
    let out = live.ao(&["doctor", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", crate::stdout(&out));
    // The probes' hooks ran `ao hook` (claude runs SessionEnd even for a probe), but into a
    // scratch AO_HOME under an id no session has.
    assert_eq!((row(&live), live.events(&id)), before);
    let events = live.dir().join("ao-home/projects/app/events");
    let files: Vec<_> = std::fs::read_dir(events)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with(&format!("{id}.")))
        .collect();
    assert!(files.is_empty(), "{files:?}");
    live.ok(&["session", "kill", "--force", &id]);
}

#[test]
fn a_stopped_launchs_last_events_never_decide_the_new_one() {
    let Some(live) = live("claude", "claude-code", "", |_| {
        Reply::Text("MOCK-DONE".into())
    }) else {
        return;
    };
    let id = "app-orchestrator";
    live.ok(&["start"]);
    live.wait_until(id, "the first launch's SessionStart", || {
        live.events(id).contains("SessionStart")
    });
    live.ok(&["stop"]);
    live.wait_until(id, "the stopped claude's SessionEnd", || {
        live.events(id).contains("SessionEnd")
    });
    live.ok(&["start"]);
    // Until the new claude reports, the newest event is the old one's SessionEnd: its runtime
    // is alive, so nothing may call it exited.
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        let status: serde_json::Value =
            serde_json::from_str(&live.ok(&["status", "--json"])).unwrap();
        let row = status["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .cloned()
            .unwrap();
        assert_eq!(row["runtime"]["state"], "alive", "{row}");
        assert_ne!(row["activity"]["state"], "exited", "{row}");
        assert_ne!(row["status"], "exited", "{row}");
    }
    live.ok(&["stop"]);
}

/// How many user turns the mock saw whose text is `text` (each API request repeats the
/// conversation, so the newest request that has it is counted).
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
fn a_message_sent_right_after_a_start_or_relaunch_reaches_the_model_once() {
    let Some(live) = live("claude", "claude-code", "", |_| {
        Reply::Text("MOCK-DONE".into())
    }) else {
        return;
    };
    let id = "app-orchestrator";
    live.ok(&["start"]);
    live.ok(&["send", id, "first message after start"]);
    live.ok(&["send", id, "second message after start"]);
    live.wait_until(id, "both messages reaching the model", || {
        times_asked(&live, "second message after start") == 1
    });
    assert_eq!(times_asked(&live, "first message after start"), 1);
    // After a relaunch (its tmux server killed, then restored).
    live.ok(&["stop"]);
    live.ok(&["start"]);
    live.ok(&["send", id, "first message after relaunch"]);
    live.wait_until(id, "the message reaching the model", || {
        times_asked(&live, "first message after relaunch") == 1
    });
    assert!(
        live.mock
            .seen()
            .iter()
            .all(|s| !s.body.to_string().contains("after startsecond")),
        "no message was glued to another"
    );
    live.ok(&["stop"]);
}

/// The seed's central flow: a claude orchestrator starts a worker by running `ao spawn` from
/// its Bash tool; the worker gets none of the orchestrator's session variables, so after its
/// tmux server dies it is restored with its whole conversation.
#[test]
fn an_orchestrator_spawns_a_worker_that_is_restored_with_its_conversation() {
    let Some(live) = live("claude", "claude-code", "", |body| {
        if body["tools"].as_array().is_none_or(Vec::is_empty) {
            return Reply::Text("Mock title".into());
        }
        if has_tool_result(body) {
            return Reply::Text("MOCK-DONE".into());
        }
        let last = user_texts(body).last().cloned().unwrap_or_default();
        if last.contains("please start a worker") {
            return Reply::ToolUse {
                name: "Bash".into(),
                input: serde_json::json!({
                    "command": "ao spawn --prompt 'count the files, worker task 7'",
                    "description": "start a worker",
                }),
            };
        }
        Reply::Text("MOCK-DONE".into())
    }) else {
        return;
    };
    let orchestrator = "app-orchestrator";
    live.ok(&["start"]);
    live.ok(&["send", orchestrator, "please start a worker"]);
    let worker = "app-1";
    live.wait_until(orchestrator, "the worker its Bash tool spawned", || {
        live.ok(&["status"]).contains(worker)
    });
    live.wait_until(worker, "the worker's task reaching the model", || {
        times_asked(&live, "count the files, worker task 7") == 1
    });

    // The orchestrator's claude set these for its Bash tool's `ao spawn`; the worker has none.
    let orchestrators = live.program_env(orchestrator);
    let workers = live.program_env(worker);
    // Its tmux server dies; restored, it resumes its conversation: the model sees the task
    // again along with the new message.
    live.wait_activity(worker, &["ready", "idle"]);
    live.kill_tmux_server();
    live.ok(&["session", "restore", worker]);
    live.ok(&["send", worker, "worker, are you back?"]);
    live.wait_until(worker, "the message after the restore", || {
        times_asked(&live, "worker, are you back?") == 1
    });
    let resumed = live.mock.seen().iter().any(|s| {
        let texts = user_texts(&s.body);
        texts.iter().any(|t| t.trim() == "worker, are you back?")
            && texts
                .iter()
                .any(|t| t.trim() == "count the files, worker task 7")
    });
    assert!(resumed, "the restored worker kept its conversation");
    assert!(!workers.is_empty(), "the worker's environment was read");
    assert_eq!(workers["AO_SESSION_ID"], worker);
    for name in [
        "CLAUDECODE",
        "CLAUDE_CODE_SESSION_ID",
        "CLAUDE_CODE_CHILD_SESSION",
        "CLAUDE_CODE_MESSAGING_SOCKET",
        "CLAUDE_CODE_MESSAGING_TOKEN",
        "CLAUDE_CODE_ENTRYPOINT",
        "CLAUDE_PID",
    ] {
        assert!(!workers.contains_key(name), "the worker inherited {name}");
    }
    assert!(
        !orchestrators.contains_key("CLAUDECODE"),
        "nor was it the orchestrator's own"
    );

    live.ok(&["session", "kill", "--force", worker]);
}

#[test]
fn an_api_key_in_the_environment_does_not_stop_a_worker() {
    // A dummy shaped like a real key; claude keeps its last 20 characters.
    const KEY: &str = "sk-ant-api03-dummy-not-a-key-0123-abcdefghijKLMNOPQRST";
    let Some(live) = live("claude", "claude-code", "", |_| {
        Reply::Text("MOCK-DONE".into())
    }) else {
        return;
    };
    let live = live.with_api_key(KEY);
    // The user once said no to another key: that answer is theirs and stays.
    let state_file = live.dir().join("home/.claude.json");
    std::fs::write(
        &state_file,
        r#"{"hasCompletedOnboarding":true,"customApiKeyResponses":{"approved":[],"rejected":["another-rejected-key"]}}"#,
    )
    .unwrap();
    let id = live.spawn("say done");
    let asked = std::cell::Cell::new(false);
    live.wait_until(&id, "the task reaching the model", || {
        if live.screen(&id).contains("custom API key") {
            asked.set(true);
        }
        live.mock
            .seen()
            .iter()
            .any(|s| user_texts(&s.body).iter().any(|t| t.contains("say done")))
    });
    assert!(!asked.get(), "claude asked whether to use the key");
    let task = live
        .mock
        .seen()
        .into_iter()
        .find(|s| user_texts(&s.body).iter().any(|t| t.contains("say done")))
        .unwrap();
    assert_eq!(
        task.api_key.as_deref(),
        Some(KEY),
        "claude called the model with the key"
    );
    let text = std::fs::read_to_string(&state_file).unwrap();
    let state: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        state["customApiKeyResponses"],
        serde_json::json!({"approved": ["abcdefghijKLMNOPQRST"], "rejected": ["another-rejected-key"]}),
    );
    assert_eq!(state["hasCompletedOnboarding"], true);
    assert!(
        !text.contains(KEY),
        "claude's state holds only the key's tail"
    );
    live.ok(&["session", "kill", "--force", &id]);
    // Nothing of ao's holds the key (the launch hands its environment over a socket).
    let mut dirs = vec![live.dir().join("ao-home")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                dirs.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(&KEY[..30]),
                    "{} holds the key",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn an_untrusted_config_does_not_answer_claudes_api_key_question() {
    // No model and no agent CLI needed: the refusal comes before anything starts.
    const KEY: &str = "sk-ant-api03-dummy-not-a-key-0123-abcdefghijKLMNOPQRST";
    let tmp = tempfile::tempdir().unwrap();
    let repo = crate::repo(tmp.path()).canonicalize().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    // The user trusted the project's folder in claude, but never answered about this key.
    let state = format!(
        r#"{{"hasCompletedOnboarding":true,"projects":{{"{}":{{"hasTrustDialogAccepted":true}}}}}}"#,
        repo.display()
    );
    std::fs::write(home.join(".claude.json"), &state).unwrap();
    std::fs::write(
        repo.join("agent-orchestrator.yaml"),
        "projects:\n  app:\n    path: .\n    sessionPrefix: app\n    agent: claude-code\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ao"))
        .args(["start", "app"])
        .current_dir(&repo)
        .env_clear()
        .envs(crate::OFFLINE)
        .env("AO_DAEMON_AUTOSTART", "0")
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("AO_HOME", tmp.path().join("ao-home"))
        .env(
            "AO_TMUX_SOCKET",
            format!("ao-untrusted-key-{}", std::process::id()),
        )
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("ANTHROPIC_API_KEY", KEY)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("ANTHROPIC_API_KEY") && err.contains("ao trust"),
        "{err}"
    );
    assert!(
        !err.contains("KLMNOPQRST"),
        "no part of the key is shown: {err}"
    );
    assert_eq!(
        std::fs::read_to_string(home.join(".claude.json")).unwrap(),
        state,
        "claude's state is untouched"
    );
}

#[test]
fn a_model_claude_maps_to_another_is_shown_and_warned_about() {
    // claude 2.1.332 sends requests for the retired claude-opus-4-1 to its successor, saying
    // so only in a line on its screen.
    let Some(live) = live(
        "claude",
        "claude-code",
        "      model: claude-opus-4-1\n",
        |_| Reply::Text("MOCK-DONE".into()),
    ) else {
        return;
    };
    let spawned = live.ao(&["spawn", "--prompt", "say done"]);
    assert_eq!(spawned.status.code(), Some(0), "{}", stderr(&spawned));
    let id = crate::stdout(&spawned)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string();
    live.wait_until(&id, "the turn's Stop hook", || {
        live.events(&id).contains("\"Stop\"")
    });
    let sent: std::collections::BTreeSet<String> = live
        .mock
        .seen()
        .iter()
        .filter_map(|s| s.body["model"].as_str().map(str::to_string))
        .collect();
    assert_eq!(sent.len(), 1, "one model on the wire: {sent:?}");
    let sent = sent.into_iter().next().unwrap();
    assert_ne!(sent, "claude-opus-4-1", "claude mapped the model");

    let row = live.status_row(&id);
    assert_eq!(row["model"], "claude-opus-4-1", "{row}");
    assert_eq!(row["modelInUse"], sent.as_str(), "{row}");
    let table = live.ok(&["status"]);
    assert!(
        table.contains(&format!("claude-opus-4-1 → {sent}")),
        "{table}"
    );
    assert!(
        stderr(&spawned).contains(&format!(
            "warning: claude-code runs {sent}, not the configured claude-opus-4-1"
        )),
        "{}",
        stderr(&spawned)
    );

    // Doctor knows without a model turn: claude says it on its launch check's stderr.
    let doctor = live.ao(&["doctor", "--json"]);
    assert_eq!(doctor.status.code(), Some(0), "{}", crate::stdout(&doctor));
    let checks: serde_json::Value = serde_json::from_str(&crate::stdout(&doctor)).unwrap();
    let warned: Vec<&serde_json::Value> = checks["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["outcome"] == "warning"
                && c["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("claude-opus-4-1 is automatically remapped"))
        })
        .collect();
    assert_eq!(
        warned
            .iter()
            .map(|c| c["role"].as_str())
            .collect::<Vec<_>>(),
        [Some("orchestrator"), Some("worker")],
        "{checks}"
    );
    live.ok(&["session", "kill", "--force", &id]);
}
