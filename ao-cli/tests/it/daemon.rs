//! The lifecycle daemon end to end: real tmux, the `command` agent, the fake GitHub, two
//! configs registered and supervised by one daemon; transitions logged exactly once, across
//! a daemon restart.

use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

use ao_trackers::fake::{
    CheckConclusion, CheckRun, CheckStatus, FakeGitHub, PullRequest, Review, ReviewState,
};
use serde_json::Value;

use crate::sessions::{Env, env};
use crate::{stderr, stdout};

const TOKEN: &str = "ghp_aoDaemonTestSecret0123456789abcd";

pub(crate) fn ao_gh(e: &Env, gh: &FakeGitHub, args: &[&str]) -> Output {
    e.cmd(args)
        .envs(gh.env())
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .unwrap()
}

pub(crate) fn ok(e: &Env, gh: &FakeGitHub, args: &[&str]) -> String {
    let out = ao_gh(e, gh, args);
    assert_eq!(out.status.code(), Some(0), "ao {args:?}: {}", stderr(&out));
    format!("{}{}", stdout(&out), stderr(&out))
}

/// A config file of its own for project `id` on repository `repo`, polled every second.
fn config(e: &Env, id: &str, repo: &str) -> PathBuf {
    let path = crate::repo_at(&e.dir().join(format!("repo-{id}")));
    let file = e.dir().join(format!("{id}.yaml"));
    std::fs::write(
        &file,
        format!(
            "lifecycle:\n  pollIntervalMs: 1000\nprojects:\n  {id}:\n    path: {}\n    repo: {repo}\n    sessionPrefix: {id}\n    agent: command\n    agentConfig:\n      command: [sh, -c, 'exec cat >/dev/null']\n      promptVia: none\n",
            path.display()
        ),
    )
    .unwrap();
    file
}

/// `(from, to)` of every logged transition of `session` (reaction events left out).
fn transitions(e: &Env, gh: &FakeGitHub, session: &str) -> Vec<(String, String)> {
    let out = ao_gh(e, gh, &["events", "--json", "--session", session]);
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["kind"] == "session.state")
        .map(|v| {
            (
                v["from"].as_str().unwrap_or_default().to_string(),
                v["to"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub(crate) fn wait_for(e: &Env, gh: &FakeGitHub, session: &str, to: &str) -> Vec<(String, String)> {
    let start = Instant::now();
    loop {
        let seen = transitions(e, gh, session);
        if seen.last().is_some_and(|(_, t)| t == to) {
            return seen;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{session} never reached {to}: {seen:?}\n{}",
            std::fs::read_to_string(e.dir().join("ao-home/daemon/daemon.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
        .collect()
}

#[test]
fn one_daemon_supervises_two_projects_through_pr_ci_and_review_across_a_restart() {
    let gh = FakeGitHub::start();
    let e = env();
    let app = config(&e, "app", "acme/app");
    let lib = config(&e, "lib", "acme/lib");
    for c in [&app, &lib] {
        ok(&e, &gh, &["project", "add", c.to_str().unwrap()]);
    }
    let status = ok(&e, &gh, &["status"]);
    assert!(status.contains("daemon is not running"), "{status}");

    let started = ok(&e, &gh, &["daemon", "start"]);
    assert!(started.contains("daemon started"), "{started}");
    let again = ok(&e, &gh, &["daemon", "start"]);
    assert!(again.contains("already runs"), "{again}");

    ok(
        &e,
        &gh,
        &["--config", app.to_str().unwrap(), "spawn", "--prompt", "x"],
    );
    ok(
        &e,
        &gh,
        &["--config", lib.to_str().unwrap(), "spawn", "--prompt", "y"],
    );
    wait_for(&e, &gh, "app-1", "working");
    assert_eq!(
        wait_for(&e, &gh, "lib-1", "working"),
        pairs(&[("spawning", "working")])
    );
    let info: Value = serde_json::from_str(&ok(&e, &gh, &["daemon", "status", "--json"])).unwrap();
    assert_eq!(info["running"], true);
    assert_eq!(
        info["daemon"]["projects"],
        serde_json::json!(["app", "lib"])
    );

    // A PR appears on the worker's branch with its check running, then the check fails.
    let n = gh.add_pull("acme/app", PullRequest::new("Work", "session/app-1"));
    let sha = gh.pull("acme/app", n).unwrap().head_sha;
    let check = gh.add_check_run("acme/app", &sha, CheckRun::in_progress("test"));
    wait_for(&e, &gh, "app-1", "pr_open");
    gh.update_check_run("acme/app", check, |c| {
        c.status = CheckStatus::Completed;
        c.conclusion = Some(CheckConclusion::Failure);
    });
    wait_for(&e, &gh, "app-1", "ci_failed");
    let logged = ao_gh(&e, &gh, &["events", "--json", "--session", "app-1"]);
    let last: Value = stdout(&logged)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .rfind(|v| v["kind"] == "session.state")
        .unwrap();
    assert_eq!(last["detail"]["pr"], n);
    assert_eq!(last["detail"]["failedChecks"], serde_json::json!(["test"]));

    // Restart mid-way: nothing is announced again.
    let stopped = ok(&e, &gh, &["daemon", "stop"]);
    assert!(stopped.contains("daemon stopped"), "{stopped}");
    assert!(ok(&e, &gh, &["daemon", "status"]).contains("not running"));
    ok(&e, &gh, &["daemon", "start"]);
    std::thread::sleep(Duration::from_millis(2500));

    // Approval (failing CI keeps it ci_failed), then the agent pushes a fix whose check passes.
    gh.add_review("acme/app", n, Review::new("bob", ReviewState::Approved));
    let fix = "1111111111111111111111111111111111111111";
    gh.add_check_run(
        "acme/app",
        fix,
        CheckRun::completed("test", CheckConclusion::Success),
    );
    gh.update_pull("acme/app", n, |p| fix.clone_into(&mut p.head_sha));
    let all = wait_for(&e, &gh, "app-1", "mergeable");
    assert_eq!(
        all,
        pairs(&[
            ("spawning", "working"),
            ("working", "pr_open"),
            ("pr_open", "ci_failed"),
            ("ci_failed", "mergeable"),
        ])
    );
    assert_eq!(
        transitions(&e, &gh, "lib-1"),
        pairs(&[("spawning", "working")])
    );
    // ao status shows the daemon's state.
    let status = ao_gh(&e, &gh, &["status", "--json"]);
    let json: Value = serde_json::from_str(&stdout(&status)).unwrap();
    let row = json["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "app-1")
        .unwrap();
    assert_eq!(row["lifecycle"]["state"], "mergeable");
    ok(&e, &gh, &["daemon", "stop"]);
}

/// The daemon's lines so far.
pub(crate) fn daemon_log(e: &Env) -> String {
    std::fs::read_to_string(e.dir().join("ao-home/daemon/daemon.log")).unwrap_or_default()
}

fn wait_until(what: &str, e: &Env, mut done: impl FnMut() -> bool, within: Duration) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < within,
            "{what} did not happen within {within:?}\n{}",
            daemon_log(e)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_daemon_takes_over_a_stale_lock_wakes_on_hook_events_and_follows_the_registry() {
    let gh = FakeGitHub::start();
    let e = env();
    let app = config(&e, "app", "acme/app");
    // Ticks only every minute: whatever happens sooner was woken by a hook event.
    let slow = std::fs::read_to_string(&app)
        .unwrap()
        .replace("pollIntervalMs: 1000", "pollIntervalMs: 60000");
    std::fs::write(&app, slow).unwrap();
    ok(&e, &gh, &["project", "add", app.to_str().unwrap()]);
    // What a daemon killed with SIGKILL leaves: its lock file and a pid file naming a dead
    // process.
    let dir = e.dir().join("ao-home/daemon");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("daemon.lock"), "").unwrap();
    std::fs::write(dir.join("daemon.pid"), "999999\n").unwrap();
    assert!(ok(&e, &gh, &["daemon", "status"]).contains("not running"));
    let started = ok(&e, &gh, &["daemon", "start"]);
    assert!(started.contains("daemon started"), "{started}");
    let pid = std::fs::read_to_string(dir.join("daemon.pid")).unwrap();
    assert_ne!(pid.trim(), "999999");
    wait_until(
        "the first tick",
        &e,
        || {
            daemon_log(&e).matches("daemon started").count() == 1
                && dir.join("status.json").exists()
        },
        Duration::from_secs(10),
    );

    // Spawned after the first tick: only a hook event can make the daemon look before a minute.
    ok(
        &e,
        &gh,
        &["--config", app.to_str().unwrap(), "spawn", "--prompt", "x"],
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        transitions(&e, &gh, "app-1").is_empty(),
        "{}",
        daemon_log(&e)
    );
    let hook = e.dir().join("ao-home/projects/app/events/app-1.ndjson");
    let before = Instant::now();
    std::fs::write(&hook, "{\"event\":\"Stop\"}\n").unwrap();
    wait_until(
        "a tick woken by the hook event",
        &e,
        || !transitions(&e, &gh, "app-1").is_empty(),
        Duration::from_secs(5),
    );
    assert!(
        before.elapsed() < Duration::from_secs(3),
        "{:?}",
        before.elapsed()
    );

    // A project registered while it runs is picked up at its next tick.
    let lib = config(&e, "lib", "acme/lib");
    ok(&e, &gh, &["project", "add", lib.to_str().unwrap()]);
    std::fs::write(&hook, "{\"event\":\"Stop\"}\n{\"event\":\"Stop\"}\n").unwrap();
    wait_until(
        "the new project to be watched",
        &e,
        || {
            let out = ao_gh(&e, &gh, &["daemon", "status", "--json"]);
            serde_json::from_str::<Value>(&stdout(&out))
                .is_ok_and(|v| v["daemon"]["projects"] == serde_json::json!(["app", "lib"]))
        },
        Duration::from_secs(5),
    );

    // An invalid edit is logged and the last good config kept.
    std::fs::write(&lib, "projects: [this is not a project map\n").unwrap();
    std::fs::write(&hook, "{\"event\":\"Stop\"}\n").unwrap();
    wait_until(
        "the invalid edit to be logged",
        &e,
        || daemon_log(&e).contains("keeping the last good one"),
        Duration::from_secs(5),
    );
    let out = ao_gh(&e, &gh, &["daemon", "status", "--json"]);
    let info: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        info["daemon"]["projects"],
        serde_json::json!(["app", "lib"])
    );
    ok(&e, &gh, &["daemon", "stop"]);
    assert!(daemon_log(&e).contains("SIGTERM: stopping"));
}

#[test]
fn ao_start_starts_the_daemon_and_stop_all_stops_it() {
    let gh = FakeGitHub::start();
    let e = env();
    let app = config(&e, "app", "acme/app");
    let run = |args: &[&str]| {
        let out = e
            .cmd(args)
            .envs(gh.env())
            .env_remove("AO_DAEMON_AUTOSTART")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "ao {args:?}: {}", stderr(&out));
        stderr(&out)
    };
    let started = run(&["--config", app.to_str().unwrap(), "start"]);
    assert!(started.contains("lifecycle daemon started"), "{started}");
    let again = run(&["--config", app.to_str().unwrap(), "start"]);
    assert!(!again.contains("daemon started"), "{again}");
    assert!(ok(&e, &gh, &["daemon", "status"]).contains("pid:"));
    let stopped = run(&["stop", "--all"]);
    assert!(stopped.contains("lifecycle daemon stopped"), "{stopped}");
    assert!(ok(&e, &gh, &["daemon", "status"]).contains("not running"));
}

/// Polls `f` until it returns `Some`, at most 40 s.
pub(crate) fn eventually<T>(what: &str, e: &Env, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "never: {what}\n{}\n{}",
            daemon_log(e),
            std::fs::read_to_string(e.dir().join("ao-home/events.ndjson")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Project `app` on `acme/app`, polled every second, with `reactions` (YAML under
/// `reactions:`, or empty), whose `command` agent appends what it receives to a file; the
/// config registered. Returns the config's path and the file.
fn recording_project(e: &Env, gh: &FakeGitHub, reactions: &str) -> (String, PathBuf) {
    let path = crate::repo_at(&e.dir().join("repo-app"));
    let received = e.dir().join("received.txt");
    let file = e.dir().join("app.yaml");
    let reactions = if reactions.is_empty() {
        String::new()
    } else {
        format!("reactions:\n{reactions}")
    };
    std::fs::write(
        &file,
        format!(
            "lifecycle:\n  pollIntervalMs: 1000\n{reactions}projects:\n  app:\n    path: {}\n    repo: acme/app\n    sessionPrefix: app\n    agent: command\n    agentConfig:\n      command: [sh, -c, 'exec cat >> {}']\n      promptVia: none\n",
            path.display(),
            received.display()
        ),
    )
    .unwrap();
    let cfg = file.to_str().unwrap().to_string();
    ok(e, gh, &["project", "add", &cfg]);
    (cfg, received)
}

#[test]
fn reactions_deliver_ci_failures_and_review_comments_once_and_auto_merge_merges() {
    use ao_trackers::fake::ReviewComment;
    let gh = FakeGitHub::start();
    let e = env();
    let (cfg, received) = recording_project(
        &e,
        &gh,
        "  approved-and-green:\n    auto: true\n    action: auto-merge\n",
    );
    let cfg = cfg.as_str();
    ok(&e, &gh, &["daemon", "start"]);
    ok(&e, &gh, &["--config", cfg, "spawn", "--prompt", "x"]);
    wait_for(&e, &gh, "app-1", "working");
    let got = || std::fs::read_to_string(&received).unwrap_or_default();

    // CI fails: one message naming the check with its link.
    let n = gh.add_pull("acme/app", PullRequest::new("Work", "session/app-1"));
    let sha = gh.pull("acme/app", n).unwrap().head_sha;
    let mut run = CheckRun::completed("unit-tests", CheckConclusion::Failure);
    run.details_url = Some("https://ci.example/run/1".to_string());
    gh.add_check_run("acme/app", &sha, run);
    eventually("the CI failure reached the worker", &e, || {
        got().contains("https://ci.example/run/1").then_some(())
    });
    let text = got();
    assert!(text.contains("CI failed on your pull request"), "{text}");
    assert!(
        text.contains("- unit-tests: https://ci.example/run/1"),
        "{text}"
    );
    assert!(text.contains("untrusted data"), "{text}");

    // A restart: the same failure is not sent again.
    ok(&e, &gh, &["daemon", "stop"]);
    ok(&e, &gh, &["daemon", "start"]);
    std::thread::sleep(Duration::from_millis(3500));
    assert_eq!(
        got().matches("CI failed on your pull request").count(),
        1,
        "{}",
        got()
    );

    // A new head failing again: sent once more.
    let sha2 = "2222222222222222222222222222222222222222";
    gh.add_check_run(
        "acme/app",
        sha2,
        CheckRun::completed("unit-tests", CheckConclusion::Failure),
    );
    gh.update_pull("acme/app", n, |p| sha2.clone_into(&mut p.head_sha));
    eventually("the second failure reached the worker", &e, || {
        (got().matches("CI failed on your pull request").count() == 2).then_some(())
    });
    assert!(got().contains(&format!("head: {sha2}")));

    // Review comments: one message with path:line and body. (The fake's `updated_at`, which
    // its pull-request list's ETag follows, has whole seconds: a change in the same second as
    // the last one would leave the list's ETag as it was, and the daemon reuse its answer.)
    // Two threads at once: one message carrying both, each with path:line and its link.
    std::thread::sleep(Duration::from_millis(1100));
    let first = gh.add_review_comment(
        "acme/app",
        n,
        ReviewComment::new("bob", "src/lib.rs", 12, "please rename this"),
    );
    gh.add_review_comment(
        "acme/app",
        n,
        ReviewComment::new("carol", "src/main.rs", 3, "handle the error"),
    );
    eventually("the review comments reached the worker", &e, || {
        (got().contains("please rename this") && got().contains("handle the error")).then_some(())
    });
    let review = |text: &str| text.matches("A reviewer asked for changes").count();
    assert_eq!(review(&got()), 1, "{}", got());
    let link = format!("/pull/{n}#discussion_r");
    for place in ["src/lib.rs:12 by bob", "src/main.rs:3 by carol"] {
        let line = got()
            .lines()
            .find(|l| l.contains(place))
            .map(str::to_string)
            .unwrap_or_default();
        assert!(line.contains(&link), "{place} without its link: {}", got());
    }
    // One resolved and one added: only the new one is sent.
    std::thread::sleep(Duration::from_millis(1100));
    gh.resolve_thread("acme/app", n, first, true);
    gh.add_review_comment(
        "acme/app",
        n,
        ReviewComment::new("bob", "src/lib.rs", 40, "add a test for this"),
    );
    eventually("the new review comment reached the worker", &e, || {
        got().contains("add a test for this").then_some(())
    });
    assert_eq!(review(&got()), 2, "{}", got());
    let last = got()
        .rsplit("A reviewer asked for changes")
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        !last.contains("handle the error") && !last.contains("please rename this"),
        "the second review message repeats delivered comments: {last}"
    );

    // Approved, green and mergeable: merged.
    std::thread::sleep(Duration::from_millis(1100));
    let sha3 = "3333333333333333333333333333333333333333";
    gh.add_check_run(
        "acme/app",
        sha3,
        CheckRun::completed("unit-tests", CheckConclusion::Success),
    );
    gh.update_pull("acme/app", n, |p| sha3.clone_into(&mut p.head_sha));
    gh.add_review("acme/app", n, Review::new("bob", ReviewState::Approved));
    eventually("the pull request was merged", &e, || {
        gh.pull("acme/app", n).unwrap().merged_at.map(|_| ())
    });
    let events = stdout(&ao_gh(&e, &gh, &["events", "--json", "--session", "app-1"]));
    let kinds: Vec<String> = events
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "reaction.sent").count(),
        4,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "pr.merged").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(got().matches("please rename this").count(), 1);
    ok(&e, &gh, &["daemon", "stop"]);
}

/// The `kind`s of the logged events about `session` (all of them when `None`).
fn kinds_of(e: &Env, gh: &FakeGitHub, session: Option<&str>) -> Vec<Value> {
    let mut args = vec!["events", "--json"];
    if let Some(s) = session {
        args.extend(["--session", s]);
    }
    stdout(&ao_gh(e, gh, &args))
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect()
}

fn count(events: &[Value], kind: &str) -> usize {
    events.iter().filter(|v| v["kind"] == kind).count()
}

/// The worktree of session `id`.
fn workspace_of(e: &Env, gh: &FakeGitHub, id: &str) -> PathBuf {
    let out = ao_gh(e, gh, &["session", "ls", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let path = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .and_then(|s| s["workspacePath"].as_str())
        .unwrap_or_else(|| panic!("no workspace for {id}: {v}"))
        .to_string();
    PathBuf::from(path)
}

#[test]
fn retries_escalate_once_across_a_restart_then_one_merge_and_cleanup_keeps_unsaved_work() {
    let gh = FakeGitHub::start();
    let e = env();
    let (cfg, received) = recording_project(
        &e,
        &gh,
        "  ci-failed:\n    retries: 1\n  approved-and-green:\n    auto: true\n    action: auto-merge\n    mergeMethod: rebase\n",
    );
    let cfg = cfg.as_str();
    ok(&e, &gh, &["--config", cfg, "spawn", "--prompt", "x"]);
    ok(&e, &gh, &["--config", cfg, "spawn", "--prompt", "y"]);
    ok(&e, &gh, &["daemon", "start"]);
    wait_for(&e, &gh, "app-1", "working");
    wait_for(&e, &gh, "app-2", "working");
    let got = || std::fs::read_to_string(&received).unwrap_or_default();
    let ci_messages = || got().matches("CI failed on your pull request").count();

    // CI fails: exactly one message naming the check and its link.
    let n = gh.add_pull("acme/app", PullRequest::new("Work", "session/app-1"));
    let failing = |sha: &str| {
        let mut run = CheckRun::completed("unit-tests", CheckConclusion::Failure);
        run.details_url = Some(format!("https://ci.example/run/{}", &sha[..4]));
        gh.add_check_run("acme/app", sha, run);
    };
    let sha1 = gh.pull("acme/app", n).unwrap().head_sha;
    failing(&sha1);
    eventually("the CI failure reached the worker", &e, || {
        (ci_messages() == 1).then_some(())
    });
    assert!(
        got().contains("- unit-tests: https://ci.example/run/"),
        "{}",
        got()
    );

    // The daemon restarts: its one attempt is remembered.
    ok(&e, &gh, &["daemon", "stop"]);
    ok(&e, &gh, &["daemon", "start"]);

    // A new push still failing the same check: nothing new to the worker, one escalation.
    std::thread::sleep(Duration::from_millis(1100));
    let sha2 = "2222222222222222222222222222222222222222";
    failing(sha2);
    gh.update_pull("acme/app", n, |p| sha2.clone_into(&mut p.head_sha));
    eventually("the failure was escalated", &e, || {
        (count(&kinds_of(&e, &gh, Some("app-1")), "reaction.escalated") == 1).then_some(())
    });
    let events = kinds_of(&e, &gh, Some("app-1"));
    let escalation = events
        .iter()
        .find(|v| v["kind"] == "notify.requested" && v["detail"]["escalation"] == true)
        .unwrap_or_else(|| panic!("no escalation notification: {events:?}"));
    assert_eq!(escalation["detail"]["reaction"], "ci-failed");
    assert!(
        escalation["detail"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("1 deliveries")),
        "{escalation}"
    );
    // And a third failing head: no second escalation, still nothing to the worker.
    std::thread::sleep(Duration::from_millis(1100));
    let sha3 = "3333333333333333333333333333333333333333";
    failing(sha3);
    gh.update_pull("acme/app", n, |p| sha3.clone_into(&mut p.head_sha));
    eventually("the daemon saw the third head", &e, || {
        let kept = e.dir().join("ao-home/remote/github");
        std::fs::read_dir(kept)
            .ok()?
            .flatten()
            .any(|f| std::fs::read_to_string(f.path()).is_ok_and(|t| t.contains(sha3)))
            .then_some(())
    });
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(ci_messages(), 1, "{}", got());
    assert_eq!(
        count(&kinds_of(&e, &gh, Some("app-1")), "reaction.escalated"),
        1
    );

    // Green and approved with auto-merge: exactly one merge request, with the configured
    // method; then the merged worker is cleaned up: agent stopped, worktree removed.
    let tree1 = workspace_of(&e, &gh, "app-1");
    assert!(tree1.exists());
    std::thread::sleep(Duration::from_millis(1100));
    let sha4 = "4444444444444444444444444444444444444444";
    gh.add_check_run(
        "acme/app",
        sha4,
        CheckRun::completed("unit-tests", CheckConclusion::Success),
    );
    gh.update_pull("acme/app", n, |p| sha4.clone_into(&mut p.head_sha));
    gh.add_review("acme/app", n, Review::new("bob", ReviewState::Approved));
    eventually("the merged worker was cleaned up", &e, || {
        (count(&kinds_of(&e, &gh, Some("app-1")), "session.cleaned") == 1).then_some(())
    });
    assert!(!tree1.exists(), "{} was not removed", tree1.display());
    let merges: Vec<_> = gh
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with(&format!("/pulls/{n}/merge")))
        .collect();
    assert_eq!(merges.len(), 1, "{merges:?}");
    assert!(merges[0].body.contains("rebase"), "{}", merges[0].body);

    // The second worker holds an uncommitted file when its pull request is merged: kept and
    // reported once.
    let tree2 = workspace_of(&e, &gh, "app-2");
    std::fs::write(tree2.join("notes.txt"), "half-done work\n").unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let m = gh.add_pull("acme/app", PullRequest::new("More", "session/app-2"));
    gh.merge_pull("acme/app", m, "alice");
    eventually("the unsaved work was reported", &e, || {
        (count(&kinds_of(&e, &gh, Some("app-2")), "cleanup.kept") == 1).then_some(())
    });
    std::thread::sleep(Duration::from_millis(2500));
    let events = kinds_of(&e, &gh, Some("app-2"));
    assert_eq!(count(&events, "cleanup.kept"), 1, "{events:?}");
    assert_eq!(count(&events, "session.cleaned"), 0, "{events:?}");
    let kept = events.iter().find(|v| v["kind"] == "cleanup.kept").unwrap();
    assert_eq!(kept["detail"]["files"], serde_json::json!(["notes.txt"]));
    let told = events
        .iter()
        .find(|v| v["kind"] == "notify.requested" && v["detail"]["reaction"] == "cleanup-on-merge")
        .unwrap_or_else(|| panic!("no notification of the kept work: {events:?}"));
    assert!(
        told["detail"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("notes.txt") && t.contains("--force")),
        "{told}"
    );
    assert!(tree2.join("notes.txt").exists());

    // With both workers finished, `all-complete` fires once for the project.
    eventually("all-complete fired", &e, || {
        (count(&kinds_of(&e, &gh, None), "all-complete") == 1).then_some(())
    });
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(count(&kinds_of(&e, &gh, None), "all-complete"), 1);
    ok(&e, &gh, &["daemon", "stop"]);
}

#[test]
fn a_person_attached_to_the_terminal_puts_a_delivery_off_until_they_detach() {
    let gh = FakeGitHub::start();
    let e = env();
    let (cfg, received) = recording_project(&e, &gh, "");
    let cfg = cfg.as_str();
    ok(&e, &gh, &["--config", cfg, "spawn", "--prompt", "x"]);
    ok(&e, &gh, &["daemon", "start"]);
    wait_for(&e, &gh, "app-1", "working");

    // A person attaches, through `ao session attach` in a terminal of its own (a pty).
    let attach = e.cmd(&["session", "attach", "app-1"]);
    let mut person = std::process::Command::new("script");
    person
        .args([
            "-qfc",
            &format!(
                "'{}' session attach app-1",
                attach.get_program().to_string_lossy()
            ),
            "/dev/null",
        ])
        .env("TERM", "xterm")
        .env_remove("TMUX")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in attach.get_envs() {
        match v {
            Some(v) => person.env(k, v),
            None => person.env_remove(k),
        };
    }
    let mut person = person.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));

    let n = gh.add_pull("acme/app", PullRequest::new("Work", "session/app-1"));
    let sha = gh.pull("acme/app", n).unwrap().head_sha;
    gh.add_check_run(
        "acme/app",
        &sha,
        CheckRun::completed("unit-tests", CheckConclusion::Failure),
    );
    eventually("the delivery was put off", &e, || {
        (count(&kinds_of(&e, &gh, Some("app-1")), "reaction.deferred") == 1).then_some(())
    });
    std::thread::sleep(Duration::from_millis(2500));
    let got = || std::fs::read_to_string(&received).unwrap_or_default();
    assert!(
        !got().contains("CI failed"),
        "typed over a person: {}",
        got()
    );
    let events = kinds_of(&e, &gh, Some("app-1"));
    assert_eq!(count(&events, "reaction.deferred"), 1, "{events:?}");
    let deferred = events
        .iter()
        .find(|v| v["kind"] == "reaction.deferred")
        .unwrap();
    assert!(
        deferred["detail"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("attached")),
        "{deferred}"
    );

    // They detach: delivered once, counted once.
    let _ = person.kill();
    let _ = person.wait();
    eventually(
        "the message was delivered after the person left",
        &e,
        || {
            got()
                .contains("CI failed on your pull request")
                .then_some(())
        },
    );
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(got().matches("CI failed on your pull request").count(), 1);
    let events = kinds_of(&e, &gh, Some("app-1"));
    assert_eq!(count(&events, "reaction.sent"), 1, "{events:?}");
    assert_eq!(count(&events, "reaction.deferred"), 1, "{events:?}");
    ok(&e, &gh, &["daemon", "stop"]);
}
