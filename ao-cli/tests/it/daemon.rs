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

#[test]
fn reactions_deliver_ci_failures_and_review_comments_once_and_auto_merge_merges() {
    use ao_trackers::fake::ReviewComment;
    let gh = FakeGitHub::start();
    let e = env();
    let path = crate::repo_at(&e.dir().join("repo-app"));
    let received = e.dir().join("received.txt");
    let file = e.dir().join("app.yaml");
    std::fs::write(
        &file,
        format!(
            "lifecycle:\n  pollIntervalMs: 1000\nreactions:\n  approved-and-green:\n    auto: true\n    action: auto-merge\nprojects:\n  app:\n    path: {}\n    repo: acme/app\n    sessionPrefix: app\n    agent: command\n    agentConfig:\n      command: [sh, -c, 'exec cat >> {}']\n      promptVia: none\n",
            path.display(),
            received.display()
        ),
    )
    .unwrap();
    let cfg = file.to_str().unwrap();
    ok(&e, &gh, &["project", "add", cfg]);
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
    std::thread::sleep(Duration::from_millis(1100));
    gh.add_review_comment(
        "acme/app",
        n,
        ReviewComment::new("bob", "src/lib.rs", 12, "please rename this"),
    );
    eventually("the review comment reached the worker", &e, || {
        got().contains("please rename this").then_some(())
    });
    assert!(got().contains("src/lib.rs:12 by bob"), "{}", got());

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
        3,
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
