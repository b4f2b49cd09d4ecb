//! The fleet through the real binary: spawns killed at every step, sessions found on the
//! server they were started on, commands from outside every project, corrupt records, prefix
//! clashes, agents that die at once, and what one `ao status` costs in processes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::sessions::{Env, env};
use crate::{stderr, stdout};

/// Replaces the `command` agent's command line in the test config.
fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn which(program: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{program} is not on PATH"))
}

/// Where a spawn is made to stop, waiting to be killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pause {
    /// The record exists; `git worktree add` has not run.
    BeforeWorktree,
    /// The worktree and branch exist; no runtime session yet.
    AfterWorktree,
    /// The tmux session exists and its pane waits for its launch.
    AfterNewSession,
}

/// `git` and `tmux` wrappers in `<dir>/shims` that pass through to the real programs — after
/// logging each tmux call to `log` — and, at `pause`, write their pid to `mark` and sleep.
fn shims(e: &Env, pause: Option<Pause>, log: &Path, mark: &Path) -> PathBuf {
    let dir = e.dir().join("shims");
    std::fs::create_dir_all(&dir).unwrap();
    let stop = format!(
        "echo $$ > '{m}.tmp' && mv '{m}.tmp' '{m}'; exec sleep 60",
        m = mark.display()
    );
    let (before, after) = match pause {
        Some(Pause::BeforeWorktree) => (stop.as_str(), ""),
        Some(Pause::AfterWorktree) => ("", stop.as_str()),
        _ => ("", ""),
    };
    let git = format!(
        "#!/bin/sh\ncase \" $* \" in\n  *\" worktree add \"*)\n    {before}\n    '{real}' \"$@\" || exit $?\n    {after}\n    exit 0;;\nesac\nexec '{real}' \"$@\"\n",
        real = which("git").display()
    );
    let tmux_pause = if pause == Some(Pause::AfterNewSession) {
        stop.as_str()
    } else {
        ""
    };
    let tmux = format!(
        "#!/bin/sh\necho \"tmux $*\" >> '{log}'\ncase \" $* \" in\n  *\" new-session \"*)\n    '{real}' \"$@\" || exit $?\n    {tmux_pause}\n    exit 0;;\nesac\nexec '{real}' \"$@\"\n",
        log = log.display(),
        real = which("tmux").display()
    );
    for (name, text) in [("git", git), ("tmux", tmux)] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

fn shimmed_path(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap()));
    std::env::join_paths(paths).unwrap()
}

fn wait_for_file(path: &Path) -> String {
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.trim().is_empty()
        {
            return text;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn sigkill(pid: u32) {
    let pid = rustix::process::Pid::from_raw(pid as i32).unwrap();
    let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
}

/// Files under `dir` holding `needle`.
fn files_holding(dir: &Path, needle: &str) -> String {
    let out = Command::new("grep")
        .args(["-rl", needle])
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_spawn_killed_at_any_step_is_listed_and_cleanup_finishes_it() {
    for pause in [
        Pause::BeforeWorktree,
        Pause::AfterWorktree,
        Pause::AfterNewSession,
    ] {
        let e = env();
        let mark = e.dir().join("paused");
        let shim_dir = shims(&e, Some(pause), &e.dir().join("tmux.log"), &mark);
        let secret = format!("s3cr3t-{}-{pause:?}", std::process::id());
        let mut spawn = e
            .cmd(&["spawn", "--prompt", "x"])
            .env("PATH", shimmed_path(&shim_dir))
            .env("AO_TEST_SECRET", &secret)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let shim_pid: u32 = wait_for_file(&mark).trim().parse().unwrap();
        spawn.kill().unwrap();
        spawn.wait().unwrap();
        sigkill(shim_pid);
        let home = e.dir().join("ao-home");
        assert_eq!(
            files_holding(&home, &secret),
            "",
            "{pause:?}: the caller's environment is at rest under AO_HOME"
        );

        // Listed, as what it is.
        let ls = json(&e.ok(&["session", "ls", "--json"]));
        assert_eq!(ls["data"][0]["id"], "app-1", "{pause:?}: {ls}");
        assert_eq!(ls["data"][0]["status"], "interrupted", "{pause:?}: {ls}");
        assert!(
            ls["meta"]["orphans"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["kind"] == "interrupted_spawn" && o["session"] == "app-1"),
            "{pause:?}: {ls}"
        );
        let status = e.ao(&["status"]);
        assert!(
            stderr(&status).contains("ao session cleanup"),
            "{pause:?}: {}",
            stderr(&status)
        );

        // Finished by cleanup: nothing of it is left.
        let report = json(&e.ok(&["session", "cleanup", "--json"]));
        assert!(
            report["data"]["cleaned"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == "app-1" && c["kind"] == "interrupted_spawn"),
            "{pause:?}: {report}"
        );
        assert_eq!(report["data"]["kept"], serde_json::json!([]), "{report}");
        let after = json(&e.ok(&["session", "ls", "--all", "--json"]));
        assert_eq!(after["data"], serde_json::json!([]), "{pause:?}: {after}");
        assert_eq!(after["meta"]["orphans"], serde_json::json!([]), "{after}");
        // Its history stays: the archived record, killed.
        let history = json(&e.ok(&["session", "ls", "--all", "--include-terminated", "--json"]));
        assert_eq!(history["data"][0]["id"], "app-1", "{pause:?}: {history}");
        assert_eq!(
            history["data"][0]["status"], "killed",
            "{pause:?}: {history}"
        );
        let worktrees = Command::new("git")
            .arg("-C")
            .arg(e.repo())
            .args(["worktree", "list"])
            .output()
            .unwrap();
        assert_eq!(stdout(&worktrees).lines().count(), 1, "{pause:?}");
        let branches = Command::new("git")
            .arg("-C")
            .arg(e.repo())
            .args(["branch", "--list", "session/*"])
            .output()
            .unwrap();
        assert_eq!(stdout(&branches), "", "{pause:?}");
        assert!(
            !e.tmux(&["has-session", "-t", "=app-1:"]).status.success(),
            "{pause:?}: the tmux session is gone"
        );
        let run: Vec<_> = std::fs::read_dir(home.join("run"))
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(run.is_empty(), "{pause:?}: {run:?}");
        // The id stays burned; the next spawn is fine.
        assert_eq!(e.ok(&["spawn", "--prompt", "y"]).trim(), "app-2");
    }
}

#[test]
fn kill_finishes_an_interrupted_spawn_too() {
    let e = env();
    let mark = e.dir().join("paused");
    let shim_dir = shims(
        &e,
        Some(Pause::AfterNewSession),
        &e.dir().join("tmux.log"),
        &mark,
    );
    let mut spawn = e
        .cmd(&["spawn", "--prompt", "x"])
        .env("PATH", shimmed_path(&shim_dir))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let shim_pid: u32 = wait_for_file(&mark).trim().parse().unwrap();
    spawn.kill().unwrap();
    spawn.wait().unwrap();
    sigkill(shim_pid);
    e.ok(&["session", "kill", "app-1"]);
    assert!(!e.tmux(&["has-session", "-t", "=app-1:"]).status.success());
    assert!(
        !e.dir()
            .join("ao-home/projects/app/worktrees/app-1")
            .exists()
    );
    let ls = json(&e.ok(&["session", "ls", "--json"]));
    assert_eq!(ls["data"], serde_json::json!([]));
}

#[test]
fn a_session_is_found_on_its_own_server_whatever_socket_the_caller_names() {
    let e = env();
    // An agent that exits with status 3 when told to quit.
    e.set_command(&[
        "sh",
        "-c",
        "echo listening; while read -r l; do [ \"$l\" = quit ] && exit 3; echo \"heard $l\"; done",
    ]);
    e.ok(&["start"]);
    assert_eq!(e.ok(&["spawn", "--prompt", "x"]).trim(), "app-1");
    e.wait_screen("app-1", "listening");
    let elsewhere = |socket: Option<&str>, args: &[&str]| {
        let mut cmd = e.cmd(args);
        match socket {
            Some(s) => cmd.env("AO_TMUX_SOCKET", s),
            None => cmd.env_remove("AO_TMUX_SOCKET"),
        };
        cmd.output().unwrap()
    };
    for socket in [Some("another-server"), None] {
        let ls = elsewhere(socket, &["session", "ls", "--all", "--json"]);
        let ls = json(&stdout(&ls));
        for s in ls["data"].as_array().unwrap() {
            assert_eq!(s["runtime"]["state"], "alive", "{socket:?}: {s}");
            assert_eq!(s["status"], "working", "{socket:?}: {s}");
        }
        let restore = elsewhere(socket, &["session", "restore", "--all"]);
        assert_eq!(restore.status.code(), Some(0), "{}", stderr(&restore));
        assert_eq!(
            stdout(&restore),
            "",
            "{socket:?}: nothing is restored over a live agent"
        );
        let one = elsewhere(socket, &["session", "restore", "app-1"]);
        assert_eq!(one.status.code(), Some(4), "{socket:?}: {}", stderr(&one));
        assert!(stderr(&one).contains("still running"), "{}", stderr(&one));
        let out = elsewhere(socket, &["session", "output", "app-1"]);
        assert!(stdout(&out).contains("listening"), "{socket:?}");
        let sent = elsewhere(socket, &["send", "app-1", "hello"]);
        assert_eq!(sent.status.code(), Some(0), "{}", stderr(&sent));
    }
    e.wait_screen("app-1", "heard hello");
    for socket in ["another-server", "default"] {
        let listed = e.tmux_on(socket, &["list-sessions"]);
        assert!(
            !listed.status.success() || stdout(&listed).is_empty(),
            "{socket}: a second agent was started: {}",
            stdout(&listed)
        );
    }

    // Its agent exits: shown as exited with its code, and restored in place — on its own
    // server, even when asked from another.
    e.ok(&["send", "app-1", "quit"]);
    let start = Instant::now();
    loop {
        let status = e.ok(&["status"]);
        if status.contains("exited 3") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "{status}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let hint = e.ao(&["status"]);
    assert!(
        stderr(&hint).contains("ao session restore app-1"),
        "{}",
        stderr(&hint)
    );
    let restored = elsewhere(Some("another-server"), &["session", "restore", "app-1"]);
    assert_eq!(restored.status.code(), Some(0), "{}", stderr(&restored));
    e.wait_screen("app-1", "listening");
    let ls = json(&e.ok(&["session", "ls", "--json"]));
    assert_eq!(ls["data"][0]["runtime"]["state"], "alive", "{ls}");
    let other = e.tmux_on("another-server", &["list-sessions"]);
    assert!(!other.status.success() || stdout(&other).is_empty());
}

#[test]
fn a_process_runtime_session_whose_agent_exited_is_restored() {
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
    e.set_command(&[
            "sh",
            "-c",
            "echo \"run $(cat \"$AO_TEST_OUT/runs\" 2>/dev/null)\"; echo x >> \"$AO_TEST_OUT/runs\"; read -r l; exit 5",
        ],
    );
    e.ok(&["spawn", "--prompt", "x"]);
    e.wait_screen("app-1", "run");
    e.ok(&["send", "app-1", "bye"]);
    let start = Instant::now();
    while !e.ok(&["status"]).contains("exited 5") {
        assert!(start.elapsed() < Duration::from_secs(15));
        std::thread::sleep(Duration::from_millis(100));
    }
    e.ok(&["session", "restore", "app-1"]);
    e.wait_screen("app-1", "run x");
    let ls = json(&e.ok(&["session", "ls", "--json"]));
    assert_eq!(ls["data"][0]["runtime"]["state"], "alive", "{ls}");
    e.ok(&["session", "kill", "app-1", "--force"]);
}

#[test]
fn every_session_command_works_from_outside_every_project() {
    let e = env();
    // A second project in its own config, registered from its directory.
    let web = crate::repo_at(&e.dir().join("web"));
    std::fs::write(
        web.join("agent-orchestrator.yaml"),
        "sessionPrefix: web\nagent: command\nagentConfig:\n  command: [sh, -c, 'echo web-ready; exec cat']\n  promptVia: none\n",
    )
    .unwrap();
    let in_web = |args: &[&str]| {
        let out = e.cmd(args).current_dir(&web).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    in_web(&["start", "--no-orchestrator"]);
    // Its config is inside the repository and names a program to run: it must be trusted.
    in_web(&["trust"]);
    e.ok(&["project", "add", "agent-orchestrator.yaml"]);

    // A directory under no config at all (the test's own dir holds one).
    let nowhere = tempfile::tempdir().unwrap();
    let outside = nowhere.path().to_path_buf();
    let run = |args: &[&str]| e.cmd(args).current_dir(&outside).output().unwrap();
    let ok = |args: &[&str]| {
        let out = run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    // Several projects: a spawn must say which, and names them otherwise.
    let ambiguous = run(&["spawn", "--prompt", "x"]);
    assert_eq!(ambiguous.status.code(), Some(3), "{}", stderr(&ambiguous));
    assert!(
        stderr(&ambiguous).contains("app, web"),
        "{}",
        stderr(&ambiguous)
    );
    assert!(ok(&["start", "app"]).contains("orchestrator app-orchestrator started"));
    assert!(ok(&["start", "web"]).contains("orchestrator web-orchestrator started"));
    assert_eq!(ok(&["spawn", "-p", "app", "--prompt", "x"]).trim(), "app-1");
    assert_eq!(ok(&["spawn", "-p", "web", "--prompt", "x"]).trim(), "web-1");
    e.wait_screen("app-1", "READY app-1");
    ok(&["send", "web-1", "hi", "there"]);
    let start = Instant::now();
    while !ok(&["session", "output", "web-1"]).contains("hi there") {
        assert!(start.elapsed() < Duration::from_secs(15));
        std::thread::sleep(Duration::from_millis(100));
    }
    let ls = json(&ok(&["status", "--json"]));
    let ids: Vec<&str> = ls["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["app-1", "app-orchestrator", "web-1", "web-orchestrator"]
    );
    ok(&["session", "kill", "web-1"]);
    // Inside one project, `stop --all` still stops every project's orchestrator.
    let stopped = e
        .cmd(&["stop", "--all"])
        .current_dir(&web)
        .output()
        .unwrap();
    assert_eq!(stopped.status.code(), Some(0), "{}", stderr(&stopped));
    for id in ["app-orchestrator", "web-orchestrator"] {
        assert!(
            stderr(&stopped).contains(&format!("stopped {id}")),
            "{}",
            stderr(&stopped)
        );
        assert!(
            !e.tmux(&["has-session", "-t", &format!("={id}:")])
                .status
                .success()
        );
    }
    // And from outside every project.
    assert!(ok(&["start", "app"]).contains("app-orchestrator restored"));
    ok(&["stop", "--all"]);
    assert!(
        !e.tmux(&["has-session", "-t", "=app-orchestrator:"])
            .status
            .success()
    );
    let ls = json(&ok(&["status", "--json"]));
    let statuses: Vec<(&str, &str)> = ls["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("app-1", "working"),
            ("app-orchestrator", "stopped"),
            ("web-orchestrator", "stopped")
        ]
    );
    // A project nobody registered is not found, with the ones there are.
    let missing = run(&["start", "nope"]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(
        stderr(&missing).contains("app, web"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn a_corrupt_record_is_reported_by_listings_and_doctor() {
    let e = env();
    e.ok(&["spawn", "--prompt", "x"]);
    let sessions = e.dir().join("ao-home/projects/app/sessions");
    std::fs::write(
        sessions.join("app-1.json"),
        "{\"schemaVersion\": 1, \"id\": \"app-1\", ",
    )
    .unwrap();
    for args in [&["status"][..], &["session", "ls"]] {
        let out = e.ao(args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let err = stderr(&out);
        let lines: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("unreadable session record"))
            .collect();
        assert_eq!(lines.len(), 1, "{args:?}: {}", stderr(&out));
        assert!(
            lines[0].contains("app-1.json") && lines[0].contains("corrupt/"),
            "{}",
            lines[0]
        );
    }
    let ls = json(&e.ok(&["status", "--json"]));
    let corrupt = &ls["meta"]["corrupt"][0];
    assert!(
        corrupt["path"]
            .as_str()
            .unwrap()
            .ends_with("sessions/app-1.json"),
        "{ls}"
    );
    assert!(
        corrupt["movedTo"]
            .as_str()
            .unwrap()
            .contains("/sessions/corrupt/"),
        "{ls}"
    );
    assert!(corrupt["detail"].as_str().unwrap().contains("EOF"), "{ls}");
    // Its tmux session and worktree are now unaccounted for: reconciliation finds them.
    let kinds: Vec<&str> = ls["meta"]["orphans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["runtime_session", "worktree"], "{ls}");
    let doctor = json(&stdout(&e.ao(&["doctor", "--json"])));
    let records = doctor["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "records")
        .unwrap_or_else(|| panic!("{doctor}"));
    assert_eq!(records["outcome"], "warning", "{records}");
    assert!(
        records["detail"].as_str().unwrap().contains("app-1.json"),
        "{records}"
    );
}

#[test]
fn a_session_prefix_another_registered_project_owns_is_refused() {
    let e = env();
    e.ok(&["spawn", "--prompt", "x"]);
    // Another config over the same repository, with one project `id` whose prefix is `prefix`.
    let other = |file: &str, id: &str, prefix: &str| {
        std::fs::create_dir_all(e.dir().join("other")).unwrap();
        std::fs::write(
            e.dir().join("other").join(file),
            format!(
                "projects:\n  {id}:\n    path: {}\n    sessionPrefix: {prefix}\n    agent: command\n    agentConfig: {{command: [cat], promptVia: none}}\n",
                e.repo().display()
            ),
        )
        .unwrap();
    };
    other("b.yaml", "other", "app");
    let clash = e.ao(&["--config", "other/b.yaml", "spawn", "--prompt", "x"]);
    assert_eq!(clash.status.code(), Some(4), "{}", stderr(&clash));
    assert!(
        stderr(&clash).contains("already used by registered project `app`"),
        "{}",
        stderr(&clash)
    );
    // Nothing was made, and app's next spawn is unaffected.
    assert!(!e.dir().join("ao-home/projects/other/sessions").exists());
    assert_eq!(e.ok(&["spawn", "--prompt", "y"]).trim(), "app-2");
    // Another config's project with the same id is refused too, not silently taken for app.
    other("c.yaml", "app", "zz");
    let same_id = e.ao(&["--config", "other/c.yaml", "spawn", "--prompt", "x"]);
    assert_eq!(same_id.status.code(), Some(4), "{}", stderr(&same_id));
    assert!(
        stderr(&same_id).contains("already registered by"),
        "{}",
        stderr(&same_id)
    );
    let ls = json(&e.ok(&["session", "ls", "--json"]));
    assert_eq!(ls["data"].as_array().unwrap().len(), 2, "{ls}");
}

#[test]
fn an_agent_that_is_not_installed_fails_the_spawn_with_its_status() {
    let e = env();
    e.set_command(&["no-such-agent-xyz", "--serve"]);
    let out = e.ao(&["spawn", "--prompt", "x"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("`no-such-agent-xyz`") && err.contains("status 127"),
        "{err}"
    );
    assert!(
        err.contains("cannot run no-such-agent-xyz"),
        "its screen: {err}"
    );
    assert!(err.contains("ao session kill app-1"), "{err}");
    let status = e.ok(&["session", "ls"]);
    assert!(status.contains("exited 127"), "{status}");
    e.ok(&["session", "kill", "app-1"]);
}

#[test]
fn status_costs_a_fixed_number_of_processes_whatever_the_number_of_sessions() {
    let e = env();
    let log = e.dir().join("calls.log");
    let shim_dir = shims(&e, None, &log, &e.dir().join("unused"));
    let spawn_many = |from: usize, to: usize| {
        let children: Vec<_> = (from..to)
            .map(|n| {
                e.cmd(&["spawn", "--prompt", &format!("task {n}")])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
    };
    let calls = || {
        let _ = std::fs::remove_file(&log);
        let out = e
            .cmd(&["status", "--json"])
            .env("PATH", shimmed_path(&shim_dir))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let count = std::fs::read_to_string(&log).unwrap_or_default();
        (json(&stdout(&out))["data"].as_array().unwrap().len(), count)
    };
    spawn_many(0, 3);
    let (few, few_calls) = calls();
    spawn_many(3, 15);
    let (many, many_calls) = calls();
    assert_eq!((few, many), (3, 15));
    assert_eq!(
        few_calls.lines().count(),
        many_calls.lines().count(),
        "{few_calls}\n---\n{many_calls}"
    );
    assert!(many_calls.lines().count() <= 4, "{many_calls}");
}

#[test]
fn a_corrupt_project_registry_is_an_error_with_a_hint_never_an_empty_fleet() {
    let e = env();
    e.ok(&["project", "add", "agent-orchestrator.yaml"]);
    let registry = e.dir().join("ao-home/projects.json");
    std::fs::write(&registry, "{ not json").unwrap();
    let status = e.ao(&["status"]);
    assert_eq!(status.status.code(), Some(1), "{}", stderr(&status));
    let err = stderr(&status);
    assert!(err.contains("not a valid project registry"), "{err}");
    assert!(
        err.contains("hint:") && err.contains("ao project add"),
        "{err}"
    );
    let doctor = e.ao(&["doctor", "--json"]);
    assert_eq!(doctor.status.code(), Some(1), "{}", stderr(&doctor));
    let report = json(&stdout(&doctor));
    let check = report["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "registry")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(check["outcome"], "failed", "{check}");
    assert!(
        check["detail"].as_str().unwrap().contains("projects.json"),
        "{check}"
    );
    assert!(
        check["hint"].as_str().unwrap().contains("ao project add"),
        "{check}"
    );
    assert_eq!(
        std::fs::read_to_string(&registry).unwrap(),
        "{ not json",
        "left as it was"
    );
}
