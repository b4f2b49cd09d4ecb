//! Notifications end to end: the daemon delivers an escalation to the project's orchestrator
//! session (a `command` agent recording what it receives), falls through to a webhook once the
//! orchestrator is stopped, and never writes the webhook's secret URL anywhere; `ao notify
//! test` and `ao doctor` report each notifier.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ao_trackers::fake::{CheckConclusion, CheckRun, FakeGitHub, PullRequest};
use serde_json::Value;

use crate::daemon::{daemon_log, eventually, ok, wait_for};
use crate::sessions::{Env, env};
use crate::{stderr, stdout};

const SECRET: &str = "T0SECRET-hook-path-55d1";

/// A loopback HTTP server that answers every request 200 and records (path, body).
#[derive(Clone)]
struct Hook {
    url: String,
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

impl Hook {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let record = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let path = line.split(' ').nth(1).unwrap_or_default().to_string();
                let mut length = 0;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = header.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                record
                    .lock()
                    .unwrap()
                    .push((path, String::from_utf8_lossy(&body).into_owned()));
                let _ = reader.get_mut().write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            }
        });
        Self { url, seen }
    }

    fn bodies(&self) -> Vec<Value> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| serde_json::from_str(b).unwrap())
            .collect()
    }
}

/// The `notify.*` events of the log, as (kind, notifier, session).
fn outcomes(e: &Env) -> Vec<(String, String, String)> {
    let out = e.ao(&["events", "--json"]);
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| {
            v["kind"]
                .as_str()
                .is_some_and(|k| k.starts_with("notify.") && k != "notify.requested")
        })
        .map(|v| {
            (
                v["kind"].as_str().unwrap().to_string(),
                v["detail"]["notifier"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                v["sessionId"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// A pull request for `session` whose only check failed.
fn failing_pr(gh: &FakeGitHub, session: &str) {
    let n = gh.add_pull(
        "acme/app",
        PullRequest::new("Work", &format!("session/{session}")),
    );
    let sha = gh.pull("acme/app", n).unwrap().head_sha;
    let mut run = CheckRun::completed("unit-tests", CheckConclusion::Failure);
    run.details_url = Some(format!("https://ci.example/{session}"));
    gh.add_check_run("acme/app", &sha, run);
}

#[test]
fn an_escalation_reaches_the_orchestrator_first_and_a_webhook_once_it_is_stopped() {
    let gh = FakeGitHub::start();
    let hook = Hook::start();
    let e = env();
    let path = crate::repo_at(&e.dir().join("repo-app"));
    let orch_got = e.dir().join("orchestrator.txt");
    let file = e.dir().join("app.yaml");
    // `retries: 0`: the first CI failure goes to a person (an escalation), not to the agent.
    std::fs::write(
        &file,
        format!(
            "lifecycle:\n  pollIntervalMs: 1000\nreactions:\n  ci-failed:\n    retries: 0\nnotifiers:\n  hook:\n    plugin: webhook\n    url: ${{AO_TEST_HOOK_URL}}\nnotificationRouting:\n  urgent: [orchestrator, hook]\nprojects:\n  app:\n    path: {}\n    repo: acme/app\n    sessionPrefix: app\n    agent: command\n    agentConfig:\n      command: [sh, -c, 'exec cat >/dev/null']\n      promptVia: none\n    orchestrator:\n      agentConfig:\n        command: [sh, -c, 'exec cat >> {}']\n        promptVia: none\n",
            path.display(),
            orch_got.display()
        ),
    )
    .unwrap();
    let cfg = file.to_str().unwrap();
    ok(&e, &gh, &["project", "add", cfg]);
    ok(&e, &gh, &["--config", cfg, "start", "app"]);
    // Only the daemon has the variable: it is what expands it.
    let started = e
        .cmd(&["daemon", "start"])
        .envs(gh.env())
        .env("GITHUB_TOKEN", "ghp_notifyTestSecret0123456789abcdef")
        .env("AO_TEST_HOOK_URL", format!("{}/hook/{SECRET}", hook.url))
        .output()
        .unwrap();
    assert_eq!(started.status.code(), Some(0), "{}", stderr(&started));
    ok(&e, &gh, &["--config", cfg, "spawn", "--prompt", "x"]);
    wait_for(&e, &gh, "app-1", "working");

    failing_pr(&gh, "app-1");
    let got = || std::fs::read_to_string(&orch_got).unwrap_or_default();
    eventually("the escalation reached the orchestrator", &e, || {
        got()
            .contains("ci-failed on app-1 needs a person")
            .then_some(())
    });
    let text = got();
    assert!(text.contains("[ao notification, urgent]"), "{text}");
    assert!(text.contains("https://ci.example/app-1"), "{text}");
    eventually("the delivery was recorded", &e, || {
        outcomes(&e)
            .contains(&("notify.sent".into(), "orchestrator".into(), "app-1".into()))
            .then_some(())
    });
    // Taken by the orchestrator: no person was bothered.
    assert!(hook.bodies().is_empty(), "{:?}", hook.bodies());

    // The orchestrator stopped: the next escalation falls through to the webhook.
    ok(&e, &gh, &["--config", cfg, "stop", "app"]);
    ok(&e, &gh, &["--config", cfg, "spawn", "--prompt", "y"]);
    wait_for(&e, &gh, "app-2", "working");
    failing_pr(&gh, "app-2");
    eventually("the escalation reached the webhook", &e, || {
        (!hook.bodies().is_empty()).then_some(())
    });
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(bodies[0]["kind"], "notify.requested");
    assert_eq!(bodies[0]["sessionId"], "app-2");
    assert_eq!(bodies[0]["detail"]["escalation"], true);
    // The body is the very line `ao events --json` prints.
    let printed = stdout(&e.ao(&["events", "--json", "--session", "app-2"]));
    let line: Value = printed
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["kind"] == "notify.requested")
        .unwrap();
    assert_eq!(bodies[0], line);
    eventually("both outcomes were recorded", &e, || {
        let seen = outcomes(&e);
        (seen.contains(&(
            "notify.failed".into(),
            "orchestrator".into(),
            "app-2".into(),
        )) && seen.contains(&("notify.sent".into(), "hook".into(), "app-2".into())))
        .then_some(())
    });
    assert!(!got().contains("app-2"), "{}", got());
    let human = stdout(&e.ao(&["events", "--session", "app-2"]));
    assert!(
        human.contains("notify.failed    via orchestrator; orchestrator: delivery failed: the orchestrator session app-orchestrator is not running"),
        "{human}"
    );
    assert!(human.contains("notify.sent    via hook"), "{human}");

    // A restart sends nothing again.
    ok(&e, &gh, &["daemon", "stop"]);
    let restarted = e
        .cmd(&["daemon", "start"])
        .envs(gh.env())
        .env("AO_TEST_HOOK_URL", format!("{}/hook/{SECRET}", hook.url))
        .output()
        .unwrap();
    assert_eq!(restarted.status.code(), Some(0), "{}", stderr(&restarted));
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(hook.bodies().len(), 1);
    ok(&e, &gh, &["daemon", "stop"]);

    // The secret URL is in no log, event or output.
    let events = std::fs::read_to_string(e.dir().join("ao-home/events.ndjson")).unwrap();
    assert!(!events.contains(SECRET), "{events}");
    let log = daemon_log(&e);
    assert!(!log.contains(SECRET), "{log}");
    assert!(
        log.contains("notify: hook delivered the notification for session app-2"),
        "{log}"
    );
    ok(&e, &gh, &["session", "kill", "app-1"]);
    ok(&e, &gh, &["session", "kill", "app-2"]);
}

#[test]
fn notify_test_reports_each_notifier_and_doctor_checks_their_secrets() {
    let hook = Hook::start();
    let e = env();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/dead/{SECRET}", closed.local_addr().unwrap());
    drop(closed);
    let path = crate::repo_at(&e.dir().join("repo-app"));
    let file = e.dir().join("agent-orchestrator.yaml");
    std::fs::write(
        &file,
        format!(
            "notifiers:\n  hook: {{plugin: webhook, url: '${{AO_TEST_HOOK_URL}}'}}\n  dead: {{plugin: slack, webhook: '{dead}'}}\n  unset: {{plugin: discord, webhook: '${{AO_TEST_UNSET_URL}}'}}\nnotificationRouting:\n  urgent: [hook, desktop, dead, unset]\n  action: [hook]\n  info: []\nprojects:\n  app:\n    path: {}\n    sessionPrefix: app\n    agent: command\n    agentConfig: {{command: [cat], promptVia: none}}\n",
            path.display()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        e.cmd(args)
            .env("AO_TEST_HOOK_URL", format!("{}/hook/{SECRET}", hook.url))
            .output()
            .unwrap()
    };

    let out = run(&["notify", "test", "--priority", "action"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "action route of project app:\n  hook (webhook): delivered\n"
    );
    let body = &hook.bodies()[0];
    assert_eq!(body["kind"], "notify.requested");
    assert_eq!(body["detail"]["priority"], "action");
    assert_eq!(body["detail"]["test"], true);

    let out = run(&["notify", "test", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let results = v["results"].as_array().unwrap();
    let summary: Vec<(&str, bool)> = results
        .iter()
        .map(|r| {
            (
                r["notifier"].as_str().unwrap(),
                r["delivered"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("hook", true),
            ("desktop", true),
            ("dead", false),
            ("unset", false)
        ]
    );
    // No desktop session here: noted, not failed.
    assert!(
        results[1]["note"].as_str().unwrap().contains("headless"),
        "{v}"
    );
    assert_eq!(
        results[2]["error"],
        "dead: delivery failed: could not connect"
    );
    assert_eq!(results[2]["attempts"], 3);
    let unset = results[3]["error"].as_str().unwrap();
    assert!(
        unset.contains("AO_TEST_UNSET_URL") && unset.contains("notifiers.unset.webhook"),
        "{unset}"
    );
    assert!(
        stderr(&out).contains("2 of 4 notifiers failed"),
        "{}",
        stderr(&out)
    );
    assert!(!format!("{}{}", stdout(&out), stderr(&out)).contains(SECRET));

    let out = run(&["notify", "test", "--priority", "info"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no notifier is routed for info notifications"),
        "{}",
        stderr(&out)
    );

    let out = run(&["doctor", "--json"]);
    let text = stdout(&out);
    assert!(!text.contains(SECRET), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    let checks: Vec<(String, String)> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] == "notifier")
        .map(|c| {
            (
                c["outcome"].as_str().unwrap().to_string(),
                c["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(checks.len(), 4, "{checks:?}");
    assert_eq!(checks[0], ("ok".into(), "hook (webhook): ready".into()));
    assert_eq!(checks[1], ("ok".into(), "dead (slack): ready".into()));
    assert_eq!(checks[2].0, "failed");
    assert!(checks[2].1.contains("AO_TEST_UNSET_URL"), "{checks:?}");
    assert_eq!(checks[3].0, "warning", "{checks:?}");
    assert!(checks[3].1.starts_with("desktop (desktop): "), "{checks:?}");
}

#[test]
fn a_webhook_that_never_answers_does_not_hold_the_ticks() {
    let gh = FakeGitHub::start();
    // Accepts connections and never answers them.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let hang = format!("http://{}/never", listener.local_addr().unwrap());
    let accepted: Arc<Mutex<Vec<std::net::TcpStream>>> = Arc::default();
    let held = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            held.lock().unwrap().push(stream);
        }
    });
    let e = env();
    let path = crate::repo_at(&e.dir().join("repo-app"));
    let file = e.dir().join("app.yaml");
    // app-1's agent ends after a few seconds (an `agent-exited` notification, urgent); the
    // others keep running.
    std::fs::write(
        &file,
        format!(
            "lifecycle:\n  pollIntervalMs: 1000\nnotifiers:\n  hang: {{plugin: webhook, url: '{hang}'}}\nnotificationRouting:\n  urgent: [hang]\nprojects:\n  app:\n    path: {}\n    sessionPrefix: app\n    agent: command\n    agentConfig:\n      command: [sh, -c, 'if [ \"$AO_SESSION_ID\" = app-1 ]; then sleep 4; exit 3; fi; exec cat >/dev/null']\n      promptVia: none\n",
            path.display()
        ),
    )
    .unwrap();
    let cfg = file.to_str().unwrap();
    ok(&e, &gh, &["project", "add", cfg]);
    ok(&e, &gh, &["daemon", "start"]);
    ok(&e, &gh, &["--config", cfg, "spawn", "--prompt", "x"]);
    eventually("the webhook was called and holds the delivery", &e, || {
        (!accepted.lock().unwrap().is_empty()).then_some(())
    });
    // While that delivery waits, ticks go on: a new worker's start is seen and logged.
    ok(&e, &gh, &["--config", cfg, "spawn", "--prompt", "y"]);
    wait_for(&e, &gh, "app-2", "working");
    assert!(outcomes(&e).is_empty(), "{:?}", outcomes(&e));
    let requested = stdout(&e.ao(&["events", "--json", "--session", "app-1"]));
    assert!(requested.contains("\"notify.requested\""), "{requested}");
    ok(&e, &gh, &["daemon", "stop"]);
    ok(&e, &gh, &["session", "kill", "app-2"]);
}
