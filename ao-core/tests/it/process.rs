//! The process runtime (no tmux): pseudo-terminals in host processes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ao_core::domain::{LaunchSpec, RuntimeStatus, SessionId};
use ao_core::home::AoHome;
use ao_core::plugin::Runtime;
use ao_core::process::ProcessRuntime;

const HELPER: &str = env!("CARGO_BIN_EXE_ao-test-helper");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_runtime_passes_the_runtime_conformance_suite() {
    let tmp = tempfile::tempdir().unwrap();
    let rt = ProcessRuntime::new(AoHome::new(tmp.path().join("home")), PathBuf::from(HELPER));
    ao_core::plugin::conformance::runtime(Arc::new(rt), "pc", tmp.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_reaches_a_bracketed_paste_reader_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let rt = ProcessRuntime::new(AoHome::new(tmp.path().join("home")), PathBuf::from(HELPER));
    let file = tmp.path().join("bytes");
    let h = rt
        .start(
            &SessionId::new("pr-1").unwrap(),
            &LaunchSpec::new(HELPER, ["paste-reader", file.to_str().unwrap()], tmp.path()),
        )
        .await
        .unwrap();
    let start = Instant::now();
    while !rt.output(&h, 10).await.unwrap().contains("READY") {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "reader never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let message = "line one with `ticks` and $(x)\nline two ✓\n";
    rt.send(&h, message).await.unwrap();
    let start = Instant::now();
    while !std::fs::read(&file)
        .map(|b| b.ends_with(b"\r"))
        .unwrap_or(false)
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "message never arrived"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"\x1b[200~line one with `ticks` and $(x)\nline two \xe2\x9c\x93\x1b[201~\r"
    );
    // The host outlives this handle's owner and stops on request.
    rt.stop(&h).await.unwrap();
    let status = rt.liveness(std::slice::from_ref(&h)).await.unwrap()["pr-1"];
    assert_eq!(status, RuntimeStatus::Missing);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_attaches_types_and_detaches() {
    let tmp = tempfile::tempdir().unwrap();
    let rt = ProcessRuntime::new(AoHome::new(tmp.path().join("home")), PathBuf::from(HELPER));
    let h = rt
        .start(
            &SessionId::new("pa-1").unwrap(),
            &LaunchSpec::new(
                "sh",
                [
                    "-c",
                    "echo attached-ready; read -r l; echo \"typed:$l\"; exec sleep 60",
                ],
                tmp.path(),
            ),
        )
        .await
        .unwrap();
    let attach = rt.attach_command(&h).unwrap();
    assert_eq!(attach[1], "__pty-attach");

    // A real terminal for the attaching side: a private tmux server.
    let socket = format!("ao-attach-test-{}", std::process::id());
    let tmux = |args: &[&str]| {
        std::process::Command::new("tmux")
            .args(["-L", &socket])
            .args(args)
            .output()
            .unwrap()
    };
    let mut new = vec!["new-session", "-d", "-s", "t", "-x", "120", "-y", "30"];
    new.extend(attach.iter().map(String::as_str));
    assert!(tmux(&new).status.success());
    let wait = |needle: &str| {
        let start = Instant::now();
        loop {
            let screen =
                String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "=t:"]).stdout)
                    .into_owned();
            if screen.contains(needle) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{needle:?} never shown; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    };
    wait("attached-ready");
    tmux(&["send-keys", "-t", "=t:", "-l", "hello"]);
    tmux(&["send-keys", "-t", "=t:", "Enter"]);
    wait("typed:hello");
    assert!(rt.output(&h, 10).await.unwrap().contains("typed:hello"));
    // Ctrl-] detaches; the session keeps running.
    tmux(&["send-keys", "-t", "=t:", "C-]"]);
    let start = Instant::now();
    while tmux(&["has-session", "-t", "=t:"]).status.success() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "attach did not end"
        );
        std::thread::sleep(Duration::from_millis(30));
    }
    assert_eq!(
        rt.liveness(std::slice::from_ref(&h)).await.unwrap()["pa-1"],
        RuntimeStatus::Alive
    );
    rt.stop(&h).await.unwrap();
    ao_core::tmux::kill_private_server(&socket);
}
