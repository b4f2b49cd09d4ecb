//! `ao demo` from an empty HOME, with tmux and without it, leaving nothing behind.

use std::path::Path;
use std::process::Command;

use crate::{stderr, stdout};

fn demo(path: &std::ffi::OsStr, tmp: &Path) -> std::process::Output {
    let home = tmp.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let scratch = tmp.join("tmp");
    std::fs::create_dir_all(&scratch).unwrap();
    Command::new(env!("CARGO_BIN_EXE_ao"))
        .arg("demo")
        .current_dir(tmp)
        .env_clear()
        .envs(crate::OFFLINE)
        .env("PATH", path)
        .env("HOME", &home)
        .env("TMPDIR", &scratch)
        // tmux's sockets too, so a socket file left behind would show below.
        .env("TMUX_TMPDIR", &scratch)
        .output()
        .unwrap()
}

fn assert_ran_and_left_nothing(out: &std::process::Output, tmp: &Path, runtime: &str) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(out),
        stderr(out)
    );
    assert!(
        stderr(out).contains(&format!("({runtime} runtime)")),
        "{}",
        stderr(out)
    );
    let text = stdout(out);
    assert!(text.contains("demo-orchestrator  orchestrator"), "{text}");
    assert!(
        text.contains("demo-1 committed:") && text.contains("ao demo agent: Add notes for demo-1"),
        "{text}"
    );
    assert!(text.contains("reply: demo-1 finished its task"), "{text}");
    let left: Vec<_> = std::fs::read_dir(tmp.join("tmp")).unwrap().collect();
    assert!(left.is_empty(), "left on disk: {left:?}");
    assert!(
        std::fs::read_dir(tmp.join("home"))
            .unwrap()
            .next()
            .is_none(),
        "HOME was written to"
    );
    let ps = String::from_utf8_lossy(
        &Command::new("ps")
            .args(["-eww", "-o", "args="])
            .output()
            .unwrap()
            .stdout,
    )
    .into_owned();
    let scratch = tmp.join("tmp");
    assert!(
        !ps.lines().any(|l| l.contains(scratch.to_str().unwrap())),
        "left running:\n{ps}"
    );
}

#[test]
fn the_demo_runs_with_tmux() {
    let tmp = tempfile::tempdir().unwrap();
    let out = demo(&std::env::var_os("PATH").unwrap(), tmp.path());
    assert_ran_and_left_nothing(&out, tmp.path(), "tmux");
}

#[test]
fn the_demo_runs_without_tmux() {
    let tmp = tempfile::tempdir().unwrap();
    // A PATH with just what the demo needs: git, a shell, setsid — no tmux.
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["git", "sh", "setsid"] {
        let found = std::env::split_paths(&std::env::var_os("PATH").unwrap())
            .map(|d| d.join(tool))
            .find(|p| p.is_file());
        std::os::unix::fs::symlink(
            found.unwrap_or_else(|| panic!("{tool} not found")),
            bin.join(tool),
        )
        .unwrap();
    }
    let out = demo(bin.as_os_str(), tmp.path());
    assert!(
        stderr(&out).contains("tmux is not installed")
            || stderr(&out).contains("(process runtime)"),
        "{}",
        stderr(&out)
    );
    assert_ran_and_left_nothing(&out, tmp.path(), "process");
}

#[test]
fn the_demo_with_its_dashboard_serves_the_fleet_until_ctrl_c_and_leaves_nothing() {
    use std::io::{BufRead, Read, Write};
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let scratch = tmp.path().join("tmp");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&scratch).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ao"))
        .args(["demo", "--dashboard"])
        .current_dir(tmp.path())
        .env_clear()
        .envs(crate::OFFLINE)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("TMPDIR", &scratch)
        .env("TMUX_TMPDIR", &scratch)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("The dashboard: ").map(str::to_string))
        .expect("the demo prints the dashboard's address");
    let rest = url.strip_prefix("http://127.0.0.1:").unwrap();
    let (port, query) = rest.split_once('/').unwrap();
    let port: u16 = port.parse().unwrap();
    let get = |path: &str, cookie: &str| {
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            conn,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        conn.read_to_string(&mut out).unwrap();
        out
    };
    let login = get(&format!("/{query}"), "");
    assert!(login.starts_with("HTTP/1.1 303"), "{login}");
    let cookie = login
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let start = std::time::Instant::now();
    loop {
        let fleet = get("/api/fleet", &cookie);
        if fleet.contains("\"id\":\"demo-orchestrator\"") && fleet.contains("\"id\":\"demo-2\"") {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "{fleet}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let said: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        said.iter()
            .any(|l| l.contains("Everything the demo created is gone")),
        "{said:?}"
    );
    let left: Vec<_> = std::fs::read_dir(&scratch).unwrap().collect();
    assert!(left.is_empty(), "left on disk: {left:?}");
}
