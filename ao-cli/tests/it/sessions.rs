//! The session commands end to end: the real `ao` binary, a real git repository, a private
//! tmux server, the `command` agent — and no git identity configured anywhere.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::{stderr, stdout};

pub(crate) struct Env {
    pub(crate) tmp: tempfile::TempDir,
    pub(crate) socket: String,
}

impl Drop for Env {
    fn drop(&mut self) {
        // Every server of this test — the named ones and its own "default" one — lives under
        // its private TMUX_TMPDIR.
        let dir = self
            .tmux_dir()
            .join(format!("tmux-{}", rustix::process::getuid().as_raw()));
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let _ = Command::new("tmux")
                .arg("-S")
                .arg(entry.path())
                .arg("kill-server")
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

/// A repository, a config using the `command` agent (a raw-mode reader that records every byte
/// it receives), and an isolated environment.
pub(crate) fn env() -> Env {
    static N: AtomicU32 = AtomicU32::new(0);
    let tmp = tempfile::tempdir().unwrap();
    let socket = format!(
        "ao-cli-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let repo = crate::repo(tmp.path());
    std::fs::create_dir_all(tmp.path().join("out")).unwrap();
    std::fs::create_dir_all(tmp.path().join("t")).unwrap();
    let reader = "stty raw -echo; printf '\\033[?2004hREADY %s\\r\\n' \"$AO_SESSION_ID\"; exec cat > \"$AO_TEST_OUT/$AO_SESSION_ID.bin\"";
    let config = format!(
        "projects:\n  app:\n    path: {}\n    sessionPrefix: app\n    agent: command\n    env:\n      AO_TEST_OUT: {}\n    agentConfig:\n      command: [sh, -c, {}]\n      promptVia: none\n",
        repo.display(),
        tmp.path().join("out").display(),
        serde_json::to_string(reader).unwrap(),
    );
    std::fs::write(tmp.path().join("agent-orchestrator.yaml"), config).unwrap();
    Env { tmp, socket }
}

impl Env {
    pub(crate) fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// The test's own TMUX_TMPDIR: even tmux's default server is private to the test.
    pub(crate) fn tmux_dir(&self) -> PathBuf {
        self.dir().join("t")
    }

    /// Runs tmux against the test's server `socket`.
    pub(crate) fn tmux_on(&self, socket: &str, args: &[&str]) -> Output {
        Command::new("tmux")
            .env("TMUX_TMPDIR", self.tmux_dir())
            .args(["-L", socket])
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs tmux against the test's server.
    pub(crate) fn tmux(&self, args: &[&str]) -> Output {
        self.tmux_on(&self.socket, args)
    }

    /// Makes the config's `command` agent run `command`.
    pub(crate) fn set_command(&self, command: &[&str]) {
        let path = self.dir().join("agent-orchestrator.yaml");
        let cfg = std::fs::read_to_string(&path).unwrap();
        let line = format!("      command: {}", serde_json::to_string(command).unwrap());
        let cfg: Vec<String> = cfg
            .lines()
            .map(|l| {
                if l.starts_with("      command: ") {
                    line.clone()
                } else {
                    l.to_string()
                }
            })
            .collect();
        std::fs::write(&path, cfg.join("\n") + "\n").unwrap();
    }

    pub(crate) fn repo(&self) -> PathBuf {
        self.dir().join("repo")
    }

    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ao"));
        cmd.args(args)
            .current_dir(self.dir())
            .env_clear()
            .envs(crate::OFFLINE)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir().join("home"))
            .env("XDG_CONFIG_HOME", self.dir().join("home/.config"))
            .env("AO_HOME", self.dir().join("ao-home"))
            .env("AO_TMUX_SOCKET", &self.socket)
            .env("TMUX_TMPDIR", self.tmux_dir())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            // Tests that want the daemon start it themselves.
            .env("AO_DAEMON_AUTOSTART", "0");
        cmd
    }

    pub(crate) fn ao(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.ao(args);
        assert_eq!(out.status.code(), Some(0), "ao {args:?}: {}", stderr(&out));
        stdout(&out)
    }

    pub(crate) fn wait_screen(&self, session: &str, needle: &str) {
        let start = Instant::now();
        loop {
            let out = self.ao(&["session", "output", session, "--lines", "20"]);
            if stdout(&out).contains(needle) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{needle:?} never appeared on {session}: {}{}",
                stdout(&out),
                stderr(&out)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn a_session_lifecycle_through_the_real_binary() {
    let e = env();
    let started = e.ok(&["start"]);
    assert!(
        started.contains("orchestrator app-orchestrator started"),
        "{started}"
    );
    assert!(
        started.contains("attach with: ao session attach app-orchestrator"),
        "ao's own command, whatever the runtime: {started}"
    );
    let json: serde_json::Value = serde_json::from_str(&e.ok(&["start", "--json"])).unwrap();
    assert_eq!(json["outcome"], "already running");
    let attach: Vec<&str> = json["attach"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(attach[..3], ["tmux", "-L", e.socket.as_str()], "{attach:?}");

    let ids: Vec<String> = (1..=3)
        .map(|n| {
            e.ok(&["spawn", "--prompt", &format!("task {n}")])
                .lines()
                .last()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["app-1", "app-2", "app-3"]);

    // A 20 KB message arrives exactly, as one bracketed paste and one Enter.
    e.wait_screen("app-1", "READY app-1");
    let mut message = String::new();
    while message.len() < 20_000 {
        message.push_str("quotes \" ' `x` $(nope) \\ tab\there ünïcødé — line\n");
    }
    std::fs::write(e.dir().join("msg.txt"), &message).unwrap();
    e.ok(&["send", "app-1", "-f", "msg.txt"]);
    let received = e.dir().join("out/app-1.bin");
    let start = Instant::now();
    while !std::fs::read(&received)
        .map(|b| b.ends_with(b"\r"))
        .unwrap_or(false)
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "message never arrived"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let expected = [
        b"\x1b[200~".as_slice(),
        message.strip_suffix('\n').unwrap().as_bytes(),
        b"\x1b[201~\r",
    ]
    .concat();
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(&received).unwrap()),
        String::from_utf8_lossy(&expected)
    );

    // Every session, with roles and workspaces.
    let ls: serde_json::Value =
        serde_json::from_str(&e.ok(&["session", "ls", "--all", "--json"])).unwrap();
    let data = ls["data"].as_array().unwrap();
    assert_eq!(data.len(), 4, "{ls}");
    let roles: Vec<(&str, &str)> = data
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["role"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [
            ("app-1", "worker"),
            ("app-2", "worker"),
            ("app-3", "worker"),
            ("app-orchestrator", "orchestrator")
        ]
    );
    for s in data {
        for key in [
            "projectId",
            "agent",
            "model",
            "branch",
            "workspacePath",
            "status",
            "activity",
            "issue",
            "pr",
            "createdAt",
            "updatedAt",
        ] {
            assert!(s.get(key).is_some(), "{key} missing in {s}");
        }
    }
    assert!(
        data[0]["workspacePath"]
            .as_str()
            .unwrap()
            .ends_with("projects/app/worktrees/app-1")
    );
    assert_eq!(data[3]["workspacePath"], e.repo().to_str().unwrap());
    let workers: serde_json::Value =
        serde_json::from_str(&e.ok(&["session", "ls", "--json"])).unwrap();
    assert_eq!(
        workers["data"].as_array().unwrap().len(),
        3,
        "orchestrators are hidden without --all"
    );

    // A worker's screen.
    assert!(
        e.ok(&["session", "output", "app-2"])
            .contains("READY app-2")
    );
    let status = e.ok(&["status"]);
    assert!(
        status.contains("app-orchestrator") && status.contains("orchestrator"),
        "{status}"
    );

    // Unsaved work is never thrown away without --force.
    let worktree = PathBuf::from(data[2]["workspacePath"].as_str().unwrap());
    std::fs::write(worktree.join("notes.md"), "keep me\n").unwrap();
    let refused = e.ao(&["session", "kill", "app-3"]);
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("unsaved file: notes.md"),
        "{}",
        stderr(&refused)
    );
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    assert!(worktree.join("notes.md").exists());
    let forced = e.ao(&["session", "kill", "app-3", "--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert!(!worktree.exists());
    let rescue = rescue_ref_in(&stderr(&forced));
    let show = Command::new("git")
        .arg("-C")
        .arg(e.repo())
        .args(["show", &format!("{rescue}:notes.md")])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&show.stdout), "keep me\n");

    // Unknown sessions are not found; stop keeps the orchestrator's record.
    assert_eq!(e.ao(&["send", "zz-1", "hi"]).status.code(), Some(3));
    e.ok(&["stop"]);
    let after: serde_json::Value =
        serde_json::from_str(&e.ok(&["session", "ls", "--all", "--include-terminated", "--json"]))
            .unwrap();
    assert!(
        after["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == "app-orchestrator")
    );
    assert!(
        e.ok(&["start"])
            .contains("orchestrator app-orchestrator restored")
    );
}

#[test]
fn twenty_spawns_at_once_get_twenty_sessions() {
    let e = env();
    let children: Vec<_> = (0..20)
        .map(|n| {
            e.cmd(&["spawn", "--prompt", &format!("task {n}")])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        ids.insert(stdout(&out).lines().last().unwrap().to_string());
    }
    assert_eq!(ids.len(), 20);
    let worktrees = Command::new("git")
        .arg("-C")
        .arg(e.repo())
        .args(["worktree", "list"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&worktrees.stdout).lines().count(),
        21
    );
    let sessions = e.tmux(&["list-sessions", "-F", "#{session_name}"]);
    let names: std::collections::BTreeSet<String> = String::from_utf8_lossy(&sessions.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(names, ids);
}

#[test]
fn dry_runs_print_a_replayable_launch_with_secrets_masked() {
    let e = env();
    let cfg = std::fs::read_to_string(e.dir().join("agent-orchestrator.yaml")).unwrap();
    std::fs::write(
        e.dir().join("agent-orchestrator.yaml"),
        cfg.replace("    env:\n", "    env:\n      API_TOKEN: hunter2\n"),
    )
    .unwrap();
    let spec: serde_json::Value =
        serde_json::from_str(&e.ok(&["spawn", "--prompt", "x", "--dry-run", "--json"])).unwrap();
    assert_eq!(spec["program"], "sh");
    assert_eq!(spec["argv"][0], "sh");
    assert_eq!(spec["env"]["AO_ROLE"], "worker");
    assert_eq!(spec["env"]["API_TOKEN"], "***");
    assert!(spec["cwd"].as_str().unwrap().contains("worktrees/app-"));
    let sessions: serde_json::Value =
        serde_json::from_str(&e.ok(&["session", "ls", "--json"])).unwrap();
    assert!(
        sessions["data"].as_array().unwrap().is_empty(),
        "a dry run creates no session"
    );
}

#[test]
fn cleanup_removes_merged_work_and_keeps_dirty_dead_workers() {
    let e = env();
    let origin = e.dir().join("origin.git");
    crate::git(
        e.dir(),
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            origin.to_str().unwrap(),
        ],
    );
    crate::git(
        &e.repo(),
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    crate::git(&e.repo(), &["push", "-q", "origin", "main"]);
    assert_eq!(
        e.ok(&["batch-spawn", "--prompt", "one", "--prompt", "two"]),
        "app-1\napp-2\n"
    );

    // Fresh workers with live agents are nobody's garbage.
    let report: serde_json::Value =
        serde_json::from_str(&e.ok(&["session", "cleanup", "--json"])).unwrap();
    assert_eq!(report["data"]["cleaned"], serde_json::json!([]), "{report}");

    // app-1's work lands upstream; app-2 dies holding an untracked file.
    let wt = |id: &str| e.dir().join(format!("ao-home/projects/app/worktrees/{id}"));
    crate::git(
        &wt("app-1"),
        &[
            "-c",
            "user.email=t@e",
            "-c",
            "user.name=t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "feature",
        ],
    );
    crate::git(
        &wt("app-1"),
        &["push", "-q", "origin", "session/app-1:main"],
    );
    std::fs::write(wt("app-2").join("draft.txt"), "wip\n").unwrap();
    assert!(e.tmux(&["kill-session", "-t", "=app-2:"]).status.success());

    let dry: serde_json::Value =
        serde_json::from_str(&e.ok(&["session", "cleanup", "--dry-run", "--json"])).unwrap();
    assert_eq!(dry["data"]["cleaned"][0]["id"], "app-1");
    assert!(wt("app-1").exists(), "a dry run removes nothing");
    let report: serde_json::Value =
        serde_json::from_str(&e.ok(&["session", "cleanup", "--json"])).unwrap();
    assert_eq!(
        report["data"]["cleaned"].as_array().unwrap().len(),
        1,
        "{report}"
    );
    assert_eq!(report["data"]["cleaned"][0]["reason"], "branch merged");
    assert_eq!(report["data"]["kept"][0]["id"], "app-2");
    assert!(
        report["data"]["kept"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("unsaved work")
    );
    assert!(!wt("app-1").exists());
    assert!(wt("app-2").join("draft.txt").exists());
}

#[test]
fn restore_all_brings_every_session_back_after_the_tmux_server_dies() {
    let e = env();
    e.ok(&["start"]);
    e.ok(&["spawn", "--prompt", "a"]);
    e.ok(&["spawn", "--prompt", "b"]);
    assert!(e.tmux(&["kill-server"]).status.success());
    let restored = e.ok(&["session", "restore", "--all"]);
    let mut ids: Vec<&str> = restored.lines().collect();
    ids.sort_unstable();
    assert_eq!(ids, ["app-1", "app-2", "app-orchestrator"]);
    let ls: serde_json::Value =
        serde_json::from_str(&e.ok(&["session", "ls", "--all", "--json"])).unwrap();
    for s in ls["data"].as_array().unwrap() {
        assert_eq!(s["runtime"]["state"], "alive", "{s}");
    }
    e.wait_screen("app-2", "READY app-2");
    // A second run finds nothing to do.
    assert_eq!(e.ok(&["session", "restore", "--all"]), "");
}

#[test]
fn an_orchestrator_cannot_act_on_another_projects_sessions() {
    let e = env();
    let cfg = std::fs::read_to_string(e.dir().join("agent-orchestrator.yaml")).unwrap();
    let web = crate::repo_at(&e.dir().join("web"));
    std::fs::write(
        e.dir().join("agent-orchestrator.yaml"),
        format!("{cfg}  web:\n    path: {}\n    agent: command\n    agentConfig:\n      command: [sh, -c, 'exec sleep 60']\n", web.display()),
    )
    .unwrap();
    e.ok(&["spawn", "--project", "web", "--prompt", "x"]);
    let scoped = |args: &[&str]| {
        e.cmd(args)
            .env("AO_ROLE", "orchestrator")
            .env("AO_PROJECT_ID", "app")
            .output()
            .unwrap()
    };
    let kill = scoped(&["session", "kill", "web-1"]);
    assert_eq!(kill.status.code(), Some(4), "{}", stderr(&kill));
    assert!(
        stderr(&kill).contains("belongs to project app"),
        "{}",
        stderr(&kill)
    );
    assert_eq!(scoped(&["send", "web-1", "hi"]).status.code(), Some(4));
    assert_eq!(
        scoped(&["spawn", "--project", "web", "--prompt", "x"])
            .status
            .code(),
        Some(4)
    );
    // Its own project is fine; a person (no AO_ROLE) may act anywhere.
    assert_eq!(
        scoped(&["spawn", "--project", "app", "--prompt", "x"])
            .status
            .code(),
        Some(0)
    );
    e.ok(&["session", "kill", "web-1"]);
}

#[test]
fn projects_are_registered_listed_and_removed() {
    let e = env();
    e.ok(&["project", "add", "agent-orchestrator.yaml"]);
    let ls: serde_json::Value = serde_json::from_str(&e.ok(&["project", "ls", "--json"])).unwrap();
    assert_eq!(ls["data"][0]["id"], "app");
    assert_eq!(ls["data"][0]["sessionPrefix"], "app");
    // Another config may not take the same id.
    std::fs::create_dir_all(e.dir().join("other")).unwrap();
    std::fs::write(
        e.dir().join("other/agent-orchestrator.yaml"),
        "projects:\n  app:\n    path: .\n    sessionPrefix: zz\n",
    )
    .unwrap();
    let clash = e.ao(&["project", "add", "other/agent-orchestrator.yaml"]);
    assert_eq!(clash.status.code(), Some(4), "{}", stderr(&clash));
    e.ok(&["project", "rm", "app"]);
    assert_eq!(e.ao(&["project", "rm", "app"]).status.code(), Some(3));
    assert!(e.ok(&["completion", "bash"]).contains("_ao()"));
}

/// A JSON document's shape: value kinds instead of values, one element per list.
fn shape(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value as V;
    match v {
        V::Null => V::String("null".into()),
        V::Bool(_) => V::String("bool".into()),
        V::Number(_) => V::String("number".into()),
        V::String(_) => V::String("string".into()),
        V::Array(items) => V::Array(items.first().map(shape).into_iter().collect()),
        V::Object(map) => V::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
    }
}

#[test]
fn json_shapes_are_pinned() {
    let e = env();
    e.ok(&["start"]);
    e.ok(&["spawn", "--prompt", "x"]);
    let mut shapes = serde_json::Map::new();
    for args in [
        &["config", "validate", "--json"][..],
        &["config", "explain", "--json"],
        &["spawn", "--prompt", "y", "--dry-run", "--json"],
        &["session", "ls", "--all", "--json"],
        &["status", "--json"],
        &["session", "cleanup", "--dry-run", "--json"],
        &["project", "ls", "--json"],
    ] {
        let value: serde_json::Value = serde_json::from_str(&e.ok(args)).unwrap();
        shapes.insert(args.join(" "), shape(&value));
    }
    insta::assert_snapshot!(
        "json_shapes",
        serde_json::to_string_pretty(&shapes).unwrap()
    );
}

#[test]
fn the_process_runtime_runs_sessions_without_tmux() {
    let e = env();
    let cfg = std::fs::read_to_string(e.dir().join("agent-orchestrator.yaml")).unwrap();
    std::fs::write(
        e.dir().join("agent-orchestrator.yaml"),
        cfg.replace(
            "    agent: command\n",
            "    runtime: process\n    agent: command\n",
        ),
    )
    .unwrap();
    assert_eq!(e.ok(&["spawn", "--prompt", "x"]).trim(), "app-1");
    e.wait_screen("app-1", "READY app-1");
    e.ok(&["send", "app-1", "hello", "there"]);
    let received = e.dir().join("out/app-1.bin");
    let start = Instant::now();
    while !std::fs::read(&received)
        .map(|b| b.ends_with(b"\r"))
        .unwrap_or(false)
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "message never arrived"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        std::fs::read(&received).unwrap(),
        b"\x1b[200~hello there\x1b[201~\r"
    );
    let ls: serde_json::Value = serde_json::from_str(&e.ok(&["session", "ls", "--json"])).unwrap();
    assert_eq!(ls["data"][0]["runtime"]["state"], "alive");
    e.ok(&["session", "kill", "app-1"]);
    let sock_dir = e.dir().join("ao-home/run");
    let left = std::fs::read_dir(&sock_dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "the session host is gone");
}

#[test]
fn dry_runs_show_the_real_agents_launches_per_role() {
    let e = env();
    let repo = e.repo();
    std::fs::write(
        e.dir().join("agent-orchestrator.yaml"),
        format!(
            "projects:\n  app:\n    path: {}\n    sessionPrefix: app\n    orchestrator:\n      agent: claude-code\n      agentConfig: {{model: opus}}\n    worker:\n      agent: codex\n      agentConfig: {{model: gpt-5-codex, permissions: auto-edit}}\n",
            repo.display()
        ),
    )
    .unwrap();
    let worker: serde_json::Value =
        serde_json::from_str(&e.ok(&["spawn", "--prompt", "fix it", "--dry-run", "--json"]))
            .unwrap();
    let argv: Vec<&str> = worker["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(worker["program"], "codex");
    assert_eq!(
        &argv[1..7],
        [
            "--sandbox",
            "workspace-write",
            "--ask-for-approval",
            "never",
            "-m",
            "gpt-5-codex"
        ]
    );
    assert!(
        argv.iter()
            .any(|a| a.starts_with("developer_instructions=")),
        "{argv:?}"
    );
    assert_eq!(
        &argv[argv.len() - 2..],
        ["--", " fix it"],
        "the task, spaced so it is never a subcommand"
    );

    let orchestrator: serde_json::Value =
        serde_json::from_str(&e.ok(&["start", "--dry-run", "--json"])).unwrap();
    let argv: Vec<&str> = orchestrator["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(orchestrator["program"], "claude");
    assert!(
        argv.windows(2)
            .any(|w| w == ["--permission-mode", "dontAsk"]),
        "{argv:?}"
    );
    assert!(
        argv.windows(2).any(|w| w == ["--model", "opus"]),
        "{argv:?}"
    );
    let prompt_file = argv
        .windows(2)
        .find(|w| w[0] == "--append-system-prompt-file")
        .map(|w| w[1])
        .unwrap();
    assert!(
        std::fs::read_to_string(prompt_file)
            .unwrap()
            .contains("read-only"),
        "the prompt file is written"
    );
    assert_eq!(orchestrator["cwd"], repo.to_str().unwrap());
}

/// The rescue ref a forced kill printed.
fn rescue_ref_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.starts_with("refs/ao/rescue/"))
        .unwrap_or_else(|| panic!("no rescue ref in {text}"))
        .trim_end_matches([',', ';', '.'])
        .to_string()
}

#[test]
fn kill_with_unsaved_work_changes_nothing_and_names_the_ways_on() {
    let e = env();
    let id = e.ok(&["spawn", "--prompt", "x"]).trim().to_string();
    e.wait_screen(&id, "READY");
    let worktree = e.dir().join(format!("ao-home/projects/app/worktrees/{id}"));
    std::fs::write(worktree.join("notes.md"), "keep me\n").unwrap();
    crate::git(&worktree, &["add", "notes.md"]);
    crate::git(
        &worktree,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "wip: notes",
        ],
    );
    std::fs::write(worktree.join("draft.md"), "draft\n").unwrap();

    let refused = e.ao(&["session", "kill", &id]);
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    let said = stderr(&refused);
    for needle in [
        "unsaved file: draft.md",
        "wip: notes",
        &format!("ao send {id}"),
        "--keep-workspace",
        "--force",
    ] {
        assert!(said.contains(needle), "{needle:?} in {said}");
    }
    assert!(
        e.tmux(&["has-session", "-t", &format!("={id}")])
            .status
            .success(),
        "the agent still runs"
    );
    e.wait_screen(&id, "READY");

    // Keep the workspace: the agent stops, worktree and branch stay, the session is listed.
    let kept = e.ao(&["session", "kill", &id, "--keep-workspace"]);
    assert_eq!(kept.status.code(), Some(0), "{}", stderr(&kept));
    assert!(stderr(&kept).contains("kept"), "{}", stderr(&kept));
    assert!(
        !e.tmux(&["has-session", "-t", &format!("={id}")])
            .status
            .success()
    );
    assert!(worktree.join("draft.md").exists());
    let listed: serde_json::Value =
        serde_json::from_str(&e.ok(&["session", "ls", "--include-terminated", "--json"])).unwrap();
    assert_eq!(listed["data"][0]["id"], id.as_str());
    assert_eq!(listed["data"][0]["status"], "killed");
    e.ok(&["session", "restore", &id]);
    e.wait_screen(&id, "READY");

    // Force: saved under a ref of its own, printed, listed, and recoverable.
    let forced = e.ao(&["session", "kill", &id, "--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    let rescue = rescue_ref_in(&stderr(&forced));
    assert!(
        rescue.starts_with(&format!("refs/ao/rescue/{id}/")),
        "{rescue}"
    );
    assert!(!worktree.exists());
    let rescues: serde_json::Value =
        serde_json::from_str(&e.ok(&["session", "rescues", "--json"])).unwrap();
    assert_eq!(rescues["data"][0]["reference"], rescue.as_str());
    assert_eq!(rescues["data"][0]["session"], id.as_str());
    assert_eq!(rescues["data"][0]["projectId"], "app");
    let table = e.ao(&["session", "rescues"]);
    assert!(stdout(&table).contains(&rescue), "{}", stdout(&table));
    assert!(stderr(&table).contains("switch -c"), "{}", stderr(&table));
    let recovered = e.dir().join("recovered");
    crate::git(
        &e.repo(),
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "recovered",
            recovered.to_str().unwrap(),
            &rescue,
        ],
    );
    assert_eq!(
        std::fs::read_to_string(recovered.join("draft.md")).unwrap(),
        "draft\n"
    );
    assert_eq!(
        std::fs::read_to_string(recovered.join("notes.md")).unwrap(),
        "keep me\n"
    );
}

#[test]
fn dry_runs_reserve_nothing_and_bad_input_costs_nothing() {
    let e = env();
    let code = |args: &[&str]| {
        let out = e.ao(args);
        (out.status.code(), stderr(&out))
    };
    // Dry runs: no id spent, one replaceable prompt file, a line a shell runs as the argv.
    for _ in 0..2 {
        let line = e.ok(&["spawn", "--prompt", "x", "--dry-run"]);
        let json: serde_json::Value =
            serde_json::from_str(&e.ok(&["spawn", "--prompt", "x", "--dry-run", "--json"]))
                .unwrap();
        let out = Command::new("sh")
            .args(["-c", &format!("printf '%s\\0' {}", line.trim())])
            .output()
            .unwrap();
        let back: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator('\0')
            .map(str::to_string)
            .collect();
        let argv: Vec<String> = json["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        assert_eq!(back, argv, "pasted into a shell, {line}");
        assert!(argv[2].contains('$'), "a word that needs quoting: {argv:?}");
    }
    let launch = e.dir().join("ao-home/projects/app/launch");
    let files: Vec<String> = std::fs::read_dir(&launch)
        .unwrap()
        .flatten()
        .map(|f| f.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["dry-run.system.md"]);

    // A branch the session cannot have, and an empty task: refused before an id is spent.
    let (exit, said) = code(&["spawn", "--prompt", "x", "--branch", "bad..name"]);
    assert_eq!(exit, Some(2), "{said}");
    assert!(said.contains("not a valid branch name"), "{said}");
    assert!(said.contains("hint:"), "{said}");
    let (exit, said) = code(&["spawn", "--prompt", "x", "--branch", "main"]);
    assert_eq!(exit, Some(4), "{said}");
    assert!(said.contains("checked out at"), "{said}");
    for empty in ["", "  \n"] {
        let (exit, said) = code(&["spawn", "--prompt", empty]);
        assert_eq!(exit, Some(2), "{empty:?}: {said}");
        assert!(said.contains("the task is empty"), "{said}");
    }
    let id = e.ok(&["spawn", "--prompt", "x"]).trim().to_string();
    assert_eq!(id, "app-1", "nothing above used an id");
    e.wait_screen(&id, "READY");

    // Messages: empty ones and ones that are not text are refused; a delivery is confirmed.
    for empty in ["", " \t ", "\u{1b}\u{7}"] {
        let (exit, said) = code(&["send", &id, empty]);
        assert_eq!(exit, Some(2), "{empty:?}: {said}");
        assert!(said.contains("is empty"), "{said}");
    }
    let binary = e.dir().join("blob.bin");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x80]).unwrap();
    let (exit, said) = code(&["send", &id, "-f", binary.to_str().unwrap()]);
    assert_eq!(exit, Some(2), "{said}");
    assert!(said.contains("not UTF-8 text"), "{said}");
    let (exit, said) = code(&["send", &id, "-f", "no-such-file.md"]);
    assert_eq!(exit, Some(3), "{said}");
    let (exit, said) = code(&["send", "--no-wait", &id, "hello"]);
    assert_eq!(exit, Some(0), "{said}");
    assert!(said.contains(&format!("delivered to {id}")), "{said}");
}

#[test]
fn a_project_path_that_does_not_exist_is_named() {
    let e = env();
    let config = e.dir().join("agent-orchestrator.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    let gone = e.dir().join("moved-away");
    std::fs::write(
        &config,
        text.replace(e.repo().to_str().unwrap(), gone.to_str().unwrap()),
    )
    .unwrap();
    for args in [
        &["spawn", "--prompt", "x"][..],
        &["start"],
        &["start", "--dry-run"],
    ] {
        let out = e.ao(args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("{} does not exist", gone.display())),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn listings_say_what_happened() {
    let e = env();
    e.ok(&["start"]);
    e.ok(&["stop"]);
    let id = e.ok(&["spawn", "--prompt", "x"]).trim().to_string();
    e.wait_screen(&id, "READY");
    e.ok(&["session", "kill", &id]);
    let listed: serde_json::Value =
        serde_json::from_str(&e.ok(&["session", "ls", "--all", "--include-terminated", "--json"]))
            .unwrap();
    let status_of = |id: &str| {
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .map(|s| s["status"].clone())
    };
    assert_eq!(status_of("app-orchestrator"), Some("stopped".into()));
    assert_eq!(
        status_of(&id),
        Some("killed".into()),
        "a killed and archived session is listed: {listed}"
    );
    let live_only: serde_json::Value =
        serde_json::from_str(&e.ok(&["session", "ls", "--json"])).unwrap();
    assert_eq!(live_only["data"].as_array().unwrap().len(), 0);

    // The screen of an agent that ended: its output and tmux's last word, no empty rows.
    // The pause: tmux may see the exit before it has drained the pty under load, and then
    // the last output never reaches the pane (tmux's race, not ao's).
    e.set_command(&["sh", "-c", "echo hello from the agent; sleep 0.3; exit 3"]);
    let dead = e.ao(&["spawn", "--prompt", "x"]);
    assert_eq!(dead.status.code(), Some(1), "{}", stderr(&dead));
    let screen = e.ok(&["session", "output", "app-2"]);
    let lines: Vec<&str> = screen.lines().collect();
    assert_eq!(lines.len(), 2, "{screen:?}");
    assert_eq!(lines[0], "hello from the agent");
    assert!(lines[1].starts_with("Pane is dead (status 3"), "{screen:?}");
}

#[test]
fn inside_a_workers_worktree_ao_uses_the_owning_projects_config() {
    let e = env();
    // The repository commits its own copy of a config, so every worktree has one too.
    let copy = std::fs::read_to_string(e.dir().join("agent-orchestrator.yaml"))
        .unwrap()
        .replace(e.repo().to_str().unwrap(), ".");
    std::fs::write(e.repo().join("agent-orchestrator.yaml"), copy).unwrap();
    crate::git(&e.repo(), &["add", "agent-orchestrator.yaml"]);
    crate::git(
        &e.repo(),
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "config",
        ],
    );
    let id = e.ok(&["spawn", "--prompt", "x"]).trim().to_string();
    e.wait_screen(&id, "READY");
    let worktree = e.dir().join(format!("ao-home/projects/app/worktrees/{id}"));
    assert!(worktree.join("agent-orchestrator.yaml").is_file());
    let sub = worktree.join("src");
    std::fs::create_dir_all(&sub).unwrap();

    let in_worktree = |args: &[&str]| e.cmd(args).current_dir(&sub).output().unwrap();
    let shown = in_worktree(&["config", "show", "--json"]);
    assert_eq!(shown.status.code(), Some(0), "{}", stderr(&shown));
    let shown: serde_json::Value = serde_json::from_str(&stdout(&shown)).unwrap();
    assert_eq!(
        shown["data"]["file"],
        e.dir().join("agent-orchestrator.yaml").to_str().unwrap(),
        "the owning project's config, not the worktree's copy"
    );
    assert_eq!(
        shown["data"]["projects"][0]["path"],
        e.repo().to_str().unwrap()
    );
    let sent = in_worktree(&["send", "--no-wait", &id, "hello from the worktree"]);
    assert_eq!(sent.status.code(), Some(0), "{}", stderr(&sent));
    let spawned = in_worktree(&["spawn", "--prompt", "y"]);
    assert_eq!(spawned.status.code(), Some(0), "{}", stderr(&spawned));
    assert_eq!(stdout(&spawned).trim(), "app-2");
    let status = in_worktree(&["status", "--json"]);
    assert!(!stderr(&status).contains("warning"), "{}", stderr(&status));
    let listed: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    let ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [id.as_str(), "app-2"],
        "one project, its sessions once"
    );
}

#[test]
fn an_untrusted_in_repo_config_runs_no_program_of_its_own() {
    let e = env();
    let marker = e.dir().join("ran");
    let config = e.repo().join("agent-orchestrator.yaml");
    std::fs::write(
        &config,
        format!(
            "projects:\n  app:\n    path: .\n    sessionPrefix: app\n    agent: command\n    agentConfig:\n      command: [sh, -c, 'touch {}; exec cat']\n      promptVia: none\n",
            marker.display()
        ),
    )
    .unwrap();
    let in_repo = |args: &[&str]| e.cmd(args).current_dir(e.repo()).output().unwrap();
    for args in [&["spawn", "--prompt", "x"][..], &["start"]] {
        let out = in_repo(args);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("agentConfig.command"),
            "{}",
            stderr(&out)
        );
        assert!(stderr(&out).contains("ao trust"), "{}", stderr(&out));
    }
    assert!(!marker.exists(), "nothing ran");

    let trusted = in_repo(&["trust"]);
    assert_eq!(trusted.status.code(), Some(0), "{}", stderr(&trusted));
    let out = in_repo(&["spawn", "--prompt", "x"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let start = Instant::now();
    while !marker.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the trusted program ran"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // Editing the file withdraws the trust, and the refusal says so.
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}# edited\n")).unwrap();
    let out = in_repo(&["spawn", "--prompt", "y"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has changed since"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_session_started_from_inside_an_agent_inherits_none_of_its_session_variables() {
    let e = env();
    e.set_command(&[
        "sh",
        "-c",
        "env > \"$AO_TEST_OUT/$AO_SESSION_ID.env\"; exec cat",
    ]);
    let inherited = |vars: &[(&str, &str)]| {
        let out = e
            .cmd(&["spawn", "--prompt", "x"])
            .envs(vars.iter().copied())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let id = stdout(&out).trim().to_string();
        let file = e.dir().join(format!("out/{id}.env"));
        let start = Instant::now();
        while !file.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{id} wrote no env"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(100));
        let env: BTreeMap<String, String> = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        e.ok(&["session", "kill", &id]);
        env
    };
    // As `ao spawn` run by claude's Bash tool sees its environment (values as claude sets them).
    let from_claude = inherited(&[
        ("CLAUDECODE", "1"),
        ("CLAUDE_CODE_SESSION_ID", "the-orchestrators-session"),
        ("CLAUDE_CODE_CHILD_SESSION", "1"),
        ("CLAUDE_CODE_MESSAGING_SOCKET", "/tmp/cc-socks/1.sock"),
        ("CLAUDE_CODE_MESSAGING_TOKEN", "0123"),
        ("CLAUDE_CODE_ENTRYPOINT", "cli"),
        ("GIT_EDITOR", "true"),
        ("MY_API_KEY", "kept"),
        ("CLAUDE_CODE_USE_BEDROCK", "1"),
    ]);
    for gone in [
        "CLAUDECODE",
        "CLAUDE_CODE_SESSION_ID",
        "CLAUDE_CODE_CHILD_SESSION",
        "CLAUDE_CODE_MESSAGING_SOCKET",
        "CLAUDE_CODE_MESSAGING_TOKEN",
        "CLAUDE_CODE_ENTRYPOINT",
        "GIT_EDITOR",
    ] {
        assert!(!from_claude.contains_key(gone), "{gone} was inherited");
    }
    assert_eq!(
        from_claude["MY_API_KEY"], "kept",
        "the caller's own variables stay"
    );
    assert_eq!(
        from_claude["CLAUDE_CODE_USE_BEDROCK"], "1",
        "a user's claude setting stays"
    );
    assert_eq!(from_claude["AO_SESSION_ID"], "app-1");

    // As codex's shell tool sees it: its TERM=dumb and NO_COLOR=1 are codex's, not the user's.
    let from_codex = inherited(&[
        ("CODEX_THREAD_ID", "t-1"),
        ("CODEX_SANDBOX_NETWORK_DISABLED", "1"),
        ("TERM", "dumb"),
        ("NO_COLOR", "1"),
        ("PAGER", "cat"),
    ]);
    for gone in [
        "CODEX_THREAD_ID",
        "CODEX_SANDBOX_NETWORK_DISABLED",
        "NO_COLOR",
        "PAGER",
    ] {
        assert!(!from_codex.contains_key(gone), "{gone} was inherited");
    }
    assert_ne!(
        from_codex.get("TERM").map(String::as_str),
        Some("dumb"),
        "the pane's own terminal"
    );

    // Outside any agent, a user's own GIT_EDITOR and NO_COLOR are theirs to keep.
    let plain = inherited(&[("GIT_EDITOR", "vim"), ("NO_COLOR", "1")]);
    assert_eq!(plain["GIT_EDITOR"], "vim");
    assert_eq!(plain["NO_COLOR"], "1");
}
