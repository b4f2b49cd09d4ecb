//! `ao events`: the event log read back, filtered, and followed as the daemon writes it.

use std::io::{BufRead, BufReader, Write};
use std::time::{Duration, Instant};

use crate::sessions::env;
use crate::{stderr, stdout};

/// One `session.state` line as the daemon writes it.
fn line(ts: &str, project: &str, session: &str, from: &str, to: &str) -> String {
    serde_json::json!({
        "ts": ts, "projectId": project, "sessionId": session, "role": "worker",
        "kind": "session.state", "from": from, "to": to, "detail": {"pr": 7}
    })
    .to_string()
        + "\n"
}

#[test]
fn events_are_printed_filtered_by_project_session_and_age() {
    let e = env();
    let home = e.dir().join("ao-home");
    std::fs::create_dir_all(&home).unwrap();
    let now = ao_core::domain::Timestamp::now();
    let old = ao_core::domain::Timestamp::from_second(now.as_second() - 7200).unwrap();
    let log = [
        line(&old.to_string(), "app", "app-1", "spawning", "working"),
        line(&now.to_string(), "app", "app-1", "working", "pr_open"),
        line(&now.to_string(), "web", "web-2", "pr_open", "ci_failed"),
        "not json\n".to_string(),
    ]
    .concat();
    std::fs::write(home.join("events.ndjson"), log).unwrap();

    let all = e.ok(&["events", "--json"]);
    let parsed: Vec<serde_json::Value> = all
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed.len(), 3, "{all}");
    assert_eq!(parsed[1]["to"], "pr_open");
    assert_eq!(parsed[1]["detail"]["pr"], 7);

    let app = e.ok(&["events", "--json", "-p", "app"]);
    assert_eq!(app.lines().count(), 2, "{app}");
    let web = e.ok(&["events", "--json", "--session", "web-2"]);
    assert!(
        web.contains("ci_failed") && web.lines().count() == 1,
        "{web}"
    );
    let recent = e.ok(&["events", "--json", "--since", "10m"]);
    assert_eq!(recent.lines().count(), 2, "{recent}");
    assert!(!recent.contains("\"spawning\""), "{recent}");

    let human = e.ok(&["events", "-p", "app"]);
    assert!(
        human.contains("app-1 (worker)  session.state  working → pr_open  PR #7"),
        "{human}"
    );
    let bad = e.ao(&["events", "--since", "yesterday"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("--since"), "{}", stderr(&bad));
    // No log yet: nothing, and no error.
    std::fs::remove_file(home.join("events.ndjson")).unwrap();
    assert_eq!(stdout(&e.ao(&["events"])), "");
}

#[test]
fn follow_streams_new_events_as_they_are_written_and_across_a_rotation() {
    let e = env();
    let home = e.dir().join("ao-home");
    std::fs::create_dir_all(&home).unwrap();
    let path = home.join("events.ndjson");
    let now = ao_core::domain::Timestamp::now().to_string();
    std::fs::write(&path, line(&now, "app", "app-1", "spawning", "working")).unwrap();
    let mut child = e
        .cmd(&["events", "--follow", "--json", "--session", "app-1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| {
        rx.recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("no line for {what}"))
    };
    assert!(next("the past").contains("\"working\""));
    let started = Instant::now();
    let append = |l: String| {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(l.as_bytes()).unwrap();
    };
    append(line(&now, "app", "app-2", "working", "stuck"));
    append(line(&now, "app", "app-1", "working", "pr_open"));
    let got = next("a new line");
    assert!(got.contains("pr_open"), "{got}");
    assert!(started.elapsed() < Duration::from_secs(3));
    // Rotation as the log does it: the file is renamed, a new one started.
    std::fs::rename(&path, home.join("events.ndjson.1")).unwrap();
    std::fs::write(&path, line(&now, "app", "app-1", "pr_open", "ci_failed")).unwrap();
    let got = next("a line after rotation");
    assert!(got.contains("ci_failed"), "{got}");
    child.kill().unwrap();
    child.wait().unwrap();
}
