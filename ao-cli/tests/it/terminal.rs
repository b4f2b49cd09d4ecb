//! What a person at a terminal gets and a script does not: colour and progress only on a
//! terminal (here a pseudo-terminal from `script`), never with `NO_COLOR` or `--json`, never
//! mixed into stdout.

use std::path::Path;
use std::process::{Command, Output};

use crate::sessions::{Env, env};
use crate::{stderr, stdout};

const ESC: char = '\u{1b}';

fn quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// Runs `ao args… [> stdout_file]` on a pseudo-terminal (`script`), with the test's
/// environment plus `extra`; returns what the terminal showed.
fn on_tty(e: &Env, args: &[&str], extra: &[(&str, &str)], stdout_file: Option<&Path>) -> String {
    let base = e.cmd(&[]);
    let mut line = quote(env!("CARGO_BIN_EXE_ao"));
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    if let Some(file) = stdout_file {
        line.push_str(" > ");
        line.push_str(&quote(&file.display().to_string()));
    }
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"]).env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.env("TERM", "xterm-256color")
        .current_dir(base.get_current_dir().unwrap());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("script (util-linux) runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `ao` with pipes for stdout and stderr (as every other test), TERM set all the same.
fn piped(e: &Env, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let mut cmd = e.cmd(args);
    cmd.env("TERM", "xterm-256color");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn session_tables_are_coloured_on_a_terminal_only() {
    let e = env();
    e.ok(&["spawn", "--prompt", "task"]);
    let working = format!("{ESC}[32mworking{ESC}[0m");

    let tty = on_tty(&e, &["status"], &[], None);
    assert!(tty.contains(&working), "{tty:?}");
    // Padding comes after the colour is reset: the next column starts where it would in plain
    // text.
    let plain_row = stdout(&piped(&e, &["status"], &[]));
    let row = tty.lines().find(|l| l.starts_with("app-1")).unwrap();
    let stripped: String = anstream::adapter::strip_str(row).to_string();
    assert_eq!(
        stripped.trim_end(),
        plain_row.lines().find(|l| l.starts_with("app-1")).unwrap()
    );
    assert!(on_tty(&e, &["session", "ls"], &[], None).contains(&working));

    // An empty NO_COLOR means "not set" (no-color.org); any other value turns colour off.
    assert!(on_tty(&e, &["status"], &[("NO_COLOR", "")], None).contains(&working));
    for (args, extra) in [
        (&["status"][..], &[("NO_COLOR", "1")][..]),
        (&["session", "ls"], &[("NO_COLOR", "yes")]),
        (&["status", "--json"], &[]),
        (&["session", "ls", "--json"], &[]),
    ] {
        let shown = on_tty(&e, args, extra, None);
        assert!(shown.contains("app-1"), "{args:?}: {shown}");
        assert!(!shown.contains(ESC), "{args:?} {extra:?}: {shown:?}");
    }
    for args in [&["status"][..], &["session", "ls"], &["status", "--json"]] {
        let out = piped(&e, args, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains("app-1"));
        assert!(!stdout(&out).contains(ESC), "{args:?}: {:?}", stdout(&out));
        assert!(!stderr(&out).contains(ESC), "{args:?}: {:?}", stderr(&out));
    }
}

#[test]
fn doctor_colours_its_marks_and_shows_progress_on_a_terminal_only() {
    let e = env();
    let tty = on_tty(&e, &["doctor"], &[], None);
    assert!(
        tty.contains(&format!("{ESC}[32mok     {ESC}[0m git: ")),
        "{tty:?}"
    );
    assert!(tty.contains("checking git, tmux and AO_HOME"), "{tty:?}");
    assert!(tty.contains("checking the agents of "), "{tty:?}");

    let out = piped(&e, &["doctor"], &[]);
    assert!(
        stdout(&out).contains("\nok      tmux: "),
        "{}",
        stdout(&out)
    );
    for text in [stdout(&out), stderr(&out)] {
        assert!(!text.contains(ESC) && !text.contains('\r'), "{text:?}");
        assert!(!text.contains("checking"), "{text}");
    }
    let json = on_tty(&e, &["doctor", "--json"], &[("NO_COLOR", "1")], None);
    assert!(!json.contains(&format!("{ESC}[3")), "{json:?}");
}

#[test]
fn batch_spawn_progress_stays_off_stdout() {
    let e = env();
    // On a terminal the bar is drawn on stderr, while stdout (a file here) gets the ids alone.
    let ids = e.dir().join("ids.txt");
    let tty = on_tty(
        &e,
        &["batch-spawn", "--prompt", "one", "--prompt", "two"],
        &[],
        Some(&ids),
    );
    assert!(tty.contains("spawning \"one\""), "{tty:?}");
    assert_eq!(std::fs::read_to_string(&ids).unwrap(), "app-1\napp-2\n");

    // Piped: no progress at all.
    let out = piped(&e, &["batch-spawn", "--prompt", "three"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "app-3\n");
    assert!(
        !stderr(&out).contains("spawning") && !stderr(&out).contains(ESC),
        "{:?}",
        stderr(&out)
    );

    // Restore and cleanup likewise draw nothing on a pipe.
    for args in [
        &["session", "restore", "--all"][..],
        &["session", "cleanup"],
    ] {
        let out = piped(&e, args, &[]);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains(ESC), "{:?}", stderr(&out));
    }
}

#[test]
fn status_watch_redraws_in_place_on_a_terminal_and_streams_ndjson_to_a_pipe() {
    use std::io::BufRead;
    let e = env();
    e.ok(&["spawn", "--prompt", "task"]);

    // On a terminal: every frame starts at the top and clears what the last one left, without
    // clearing the whole screen first (no flash) and without scrolling.
    let base = e.cmd(&[]);
    let line = format!(
        "timeout -s INT 3.5 {} status --watch --interval 1",
        quote(env!("CARGO_BIN_EXE_ao"))
    );
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"]).env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.env("TERM", "xterm-256color")
        .current_dir(base.get_current_dir().unwrap());
    let shown = String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned();
    let frames: Vec<&str> = shown.split(&format!("{ESC}[H")).skip(1).collect();
    assert!(frames.len() >= 2, "at least two frames in 3.5 s: {shown:?}");
    for frame in &frames {
        assert!(frame.contains("app-1"), "{frame:?}");
        assert!(
            frame.contains(&format!("{ESC}[J")),
            "the rest is cleared: {frame:?}"
        );
    }
    assert!(
        !shown.contains(&format!("{ESC}[2J")),
        "never the whole screen: {shown:?}"
    );

    // To a pipe with --json: one snapshot per line.
    let mut child = e
        .cmd(&["status", "--watch", "--json", "--interval", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    for _ in 0..2 {
        let line = lines.next().unwrap().unwrap();
        let snapshot: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(snapshot["data"][0]["id"], "app-1", "{line}");
        assert!(snapshot["meta"]["remote"].is_object(), "{line}");
    }
    child.kill().unwrap();
    let _ = child.wait();
}
