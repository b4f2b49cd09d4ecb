//! `ao` CLI tests: the real binary, run in temp directories with an isolated environment.
// Test helpers panic on purpose: a failed fixture step is a failed test.
#![allow(clippy::unwrap_used)]

mod completion;
mod config_cmd;
mod daemon;
mod dashboard;
mod demo;
mod doctor;
mod events;
mod fleet;
mod github;
mod github_prs;
mod init;
mod linear;
mod live;
mod live_claude;
mod live_codex;
mod model_mock;
mod notify;
mod sessions;
mod terminal;

use std::path::Path;
use std::process::{Command, Output};

/// GitHub's and Linear's APIs pointed at a closed loopback port: a test that reads either by
/// accident fails here instead of reaching github.com or api.linear.app. Tests of GitHub or
/// Linear set their fake's URLs after this. A daemon's dashboard gets a free port.
pub(crate) const OFFLINE: [(&str, &str); 4] = [
    ("GITHUB_API_URL", "http://127.0.0.1:9"),
    ("GITHUB_GRAPHQL_URL", "http://127.0.0.1:9/graphql"),
    ("LINEAR_API_URL", "http://127.0.0.1:9/graphql"),
    // A daemon's dashboard takes any free port, never the configured default (3000) that
    // parallel tests, or a person's own dashboard, would fight over.
    ("AO_DASHBOARD_PORT", "0"),
];

/// Runs `ao` in `cwd` with HOME and the config variables pointed into `cwd`.
pub(crate) fn ao(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ao"))
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(crate::OFFLINE)
        .env("AO_DAEMON_AUTOSTART", "0")
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", cwd)
        .env("XDG_CONFIG_HOME", cwd.join(".config"))
        .output()
        .expect("ao runs")
}

/// Runs git in `dir` with no user config; a failure fails the test.
pub(crate) fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository with one commit at `dir/repo`.
pub(crate) fn repo(dir: &Path) -> std::path::PathBuf {
    repo_at(&dir.join("repo"))
}

/// A repository with one commit at `repo`.
pub(crate) fn repo_at(repo: &Path) -> std::path::PathBuf {
    let repo = repo.to_path_buf();
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
    repo
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn the_ao_binary_is_a_trampoline() {
    let tmp = tempfile::tempdir().unwrap();
    let mut env = std::collections::BTreeMap::new();
    env.insert("PATH".to_string(), std::env::var("PATH").unwrap());
    env.insert("AO_X".to_string(), "from-spec".to_string());
    let spec = ao_core::trampoline::ExecSpec {
        argv: vec!["sh".into(), "-c".into(), "echo \"$AO_X $(pwd)\"".into()],
        cwd: tmp.path().to_path_buf(),
        env,
    };
    let handoff = ao_core::trampoline::Handoff::bind(tmp.path(), &spec).unwrap();
    let socket = handoff.path().to_path_buf();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ao"))
        .arg("__exec")
        .arg(&socket)
        .output();
    let (out, delivered) = tokio::join!(child, handoff.deliver(std::time::Duration::from_secs(10)));
    delivered.unwrap();
    let out = out.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        format!("from-spec {}", tmp.path().display())
    );
    assert!(!socket.exists(), "the handoff is gone");
}
