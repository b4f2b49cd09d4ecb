//! Real Claude Code turns (`@anthropic-ai/claude-code@2.1.332`, from `AO_AGENT_CLI_DIR`) driven
//! through the real `ao` binary in a private tmux server, against a loopback mock of the
//! Anthropic API: no network, a dummy token, nothing reaches a real model.
//!
//! A missing claude skips with a reason locally and fails under `CI=true`, like the contract
//! tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::model_mock::{ModelMock, Reply, has_tool_result, tool_results};
use crate::{stderr, stdout};

fn claude_dir() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::var_os("AO_AGENT_CLI_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::env::split_paths(&path))
        .find(|d| d.join("claude").is_file());
    if found.is_none() {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "claude is not installed; .ci/run installs the pinned CLIs into AO_AGENT_CLI_DIR"
        );
        eprintln!("skipping: claude is not installed (set AO_AGENT_CLI_DIR or put it on PATH)");
    }
    found
}

struct Live {
    tmp: tempfile::TempDir,
    socket: String,
    claude_dir: PathBuf,
    mock: ModelMock,
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository, a fake HOME where claude has been onboarded (but trusts no folder), a config
/// whose roles both run claude-code, and a mock model following `script`.
fn live(script: impl Fn(&serde_json::Value) -> Reply + Send + Sync + 'static) -> Option<Live> {
    static N: AtomicU32 = AtomicU32::new(0);
    let claude_dir = claude_dir()?;
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README.md"), "hi\n").unwrap();
    git(&repo, &["add", "."]);
    git(
        &repo,
        &[
            "-c",
            "user.email=t@e",
            "-c",
            "user.name=t",
            "commit",
            "-q",
            "-m",
            "base",
        ],
    );
    let home = tmp.path().join("home");
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::fs::write(
        home.join(".claude.json"),
        r#"{"hasCompletedOnboarding":true}"#,
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("agent-orchestrator.yaml"),
        format!(
            "readyThresholdMs: 600000\nprojects:\n  app:\n    path: {}\n    sessionPrefix: app\n    agent: claude-code\n    agentConfig:\n      permissions: default\n",
            repo.display()
        ),
    )
    .unwrap();
    let socket = format!(
        "ao-live-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    Some(Live {
        tmp,
        socket,
        claude_dir,
        mock: ModelMock::start(script),
    })
}

impl Live {
    fn dir(&self) -> &Path {
        self.tmp.path()
    }

    fn repo(&self) -> PathBuf {
        self.dir().join("repo")
    }

    fn ao(&self, args: &[&str]) -> Output {
        let path = format!(
            "{}:{}",
            self.claude_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Command::new(env!("CARGO_BIN_EXE_ao"))
            .args(args)
            .current_dir(self.dir())
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir().join("home"))
            .env("XDG_CONFIG_HOME", self.dir().join("home/.config"))
            .env("AO_HOME", self.dir().join("ao-home"))
            .env("AO_TMUX_SOCKET", &self.socket)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("LANG", "C.UTF-8")
            .env("ANTHROPIC_BASE_URL", self.mock.url())
            .env("ANTHROPIC_AUTH_TOKEN", "dummy-not-a-key")
            .env("DISABLE_AUTOUPDATER", "1")
            .env("DISABLE_TELEMETRY", "1")
            .env("DISABLE_ERROR_REPORTING", "1")
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.ao(args);
        assert_eq!(out.status.code(), Some(0), "ao {args:?}: {}", stderr(&out));
        stdout(&out)
    }

    fn activity(&self, id: &str) -> String {
        let status: serde_json::Value =
            serde_json::from_str(&self.ok(&["status", "--json"])).unwrap();
        status["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .map(|s| {
                s["activity"]["state"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .unwrap_or_default()
    }

    /// Polls `ao status` until `id`'s activity is one of `states`; returns every state seen.
    fn wait_activity(&self, id: &str, states: &[&str]) -> Vec<String> {
        let start = Instant::now();
        let mut seen: Vec<String> = Vec::new();
        loop {
            let state = self.activity(id);
            if seen.last() != Some(&state) {
                seen.push(state.clone());
            }
            if states.contains(&state.as_str()) {
                return seen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "{id} never reached {states:?}; seen {seen:?}; screen:\n{}",
                stdout(&self.ao(&["session", "output", id, "--lines", "40"]))
            );
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn screen(&self, id: &str) -> String {
        stdout(&self.ao(&["session", "output", id, "--lines", "50"]))
    }
}

#[test]
fn a_worker_turn_is_seen_working_then_waiting_then_done() {
    let Some(live) = live(|body| {
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
    let id = live.ok(&["spawn", "--prompt", "make a file"]);
    let id = id.lines().last().unwrap().trim().to_string();
    let worktree = live
        .dir()
        .join(format!("ao-home/projects/app/worktrees/{id}"));

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

    let events = std::fs::read_to_string(
        live.dir()
            .join(format!("ao-home/projects/app/events/{id}.ndjson")),
    )
    .unwrap();
    for event in ["UserPromptSubmit", "PermissionRequest", "Stop"] {
        assert!(events.contains(event), "{event} hook recorded:\n{events}");
    }
    assert!(
        !events.contains("make a file"),
        "prompts stay out of ao's files"
    );
    live.ok(&["session", "kill", "--force", &id]);
}

#[test]
fn an_orchestrators_attempt_to_edit_a_file_is_denied() {
    let target = std::sync::Arc::new(std::sync::Mutex::new(PathBuf::new()));
    let path = target.clone();
    let Some(live) = live(move |body| {
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
fn an_untrusted_in_repo_config_cannot_answer_claudes_trust_question() {
    // No model and no claude needed: the refusal comes before anything starts.
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README.md"), "hi\n").unwrap();
    git(&repo, &["add", "."]);
    git(
        &repo,
        &[
            "-c",
            "user.email=t@e",
            "-c",
            "user.name=t",
            "commit",
            "-q",
            "-m",
            "base",
        ],
    );
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let state = r#"{"hasCompletedOnboarding":true}"#;
    std::fs::write(home.join(".claude.json"), state).unwrap();
    std::fs::write(
        repo.join("agent-orchestrator.yaml"),
        "projects:\n  app:\n    path: .\n    sessionPrefix: app\n    worker:\n      agent: claude-code\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ao"))
        .args(["spawn", "--prompt", "do it"])
        .current_dir(&repo)
        .env_clear()
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
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("ao trust"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(home.join(".claude.json")).unwrap(),
        state,
        "claude's state is untouched"
    );
    let worktrees = tmp.path().join("ao-home/projects/app/worktrees");
    assert_eq!(
        std::fs::read_dir(&worktrees)
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "the refused spawn left no worktree"
    );
}
