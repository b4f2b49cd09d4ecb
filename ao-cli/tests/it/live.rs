//! The harness of the live-turn tests: a real agent CLI (from `AO_AGENT_CLI_DIR`, where
//! `.ci/run` installs the pinned versions) driven through the real `ao` binary in a private tmux
//! server, in a temp repository, against a loopback model mock — no network, dummy keys.
//!
//! A missing CLI skips with a reason locally and fails under `CI=true`, like the contract tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::model_mock::{ModelMock, Reply};
use crate::{repo, stderr, stdout};

/// The directory holding `program`: `AO_AGENT_CLI_DIR`, else `PATH`.
pub(crate) fn cli_dir(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::var_os("AO_AGENT_CLI_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::env::split_paths(&path))
        .find(|d| d.join(program).is_file());
    if found.is_none() {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "{program} is not installed; .ci/run installs the pinned CLIs into AO_AGENT_CLI_DIR"
        );
        eprintln!("skipping: {program} is not installed (set AO_AGENT_CLI_DIR or put it on PATH)");
    }
    found
}

/// One live environment; its tmux server dies with it.
pub(crate) struct Live {
    tmp: tempfile::TempDir,
    socket: String,
    cli_dir: PathBuf,
    /// The dummy credential claude sends: `ANTHROPIC_API_KEY` when set, else
    /// `ANTHROPIC_AUTH_TOKEN`.
    api_key: Option<String>,
    pub(crate) mock: ModelMock,
}

impl Drop for Live {
    fn drop(&mut self) {
        ao_core::tmux::kill_private_server(&self.socket);
    }
}

/// A repository; a fake HOME where claude has been onboarded and codex talks to the mock
/// (neither trusts any folder); a config whose roles run `agent` (with `agent_config` lines
/// under `agentConfig:`); and a mock model following `script`. `None` when the CLI is missing.
pub(crate) fn live(
    program: &str,
    agent: &str,
    agent_config: &str,
    script: impl Fn(&serde_json::Value) -> Reply + Send + Sync + 'static,
) -> Option<Live> {
    static N: AtomicU32 = AtomicU32::new(0);
    let cli_dir = cli_dir(program)?;
    let tmp = tempfile::tempdir().unwrap();
    let repo = repo(tmp.path());
    let mock = ModelMock::start(script);
    let home = tmp.path().join("home");
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::fs::write(
        home.join(".claude.json"),
        r#"{"hasCompletedOnboarding":true}"#,
    )
    .unwrap();
    std::fs::create_dir_all(home.join(".codex")).unwrap();
    std::fs::write(
        home.join(".codex/config.toml"),
        format!(
            "model_provider = \"mock\"\n\n[model_providers.mock]\nname = \"mock\"\nbase_url = \"{}/v1\"\nenv_key = \"MOCK_API_KEY\"\nwire_api = \"responses\"\n",
            mock.url()
        ),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("agent-orchestrator.yaml"),
        format!(
            "readyThresholdMs: 600000\nprojects:\n  app:\n    path: {}\n    sessionPrefix: app\n    agent: {agent}\n    agentConfig:\n      permissions: default\n{agent_config}",
            repo.display()
        ),
    )
    .unwrap();
    let socket = format!(
        "ao-live-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    Some(Live {
        tmp,
        socket,
        cli_dir,
        api_key: None,
        mock,
    })
}

impl Live {
    /// The agents get the dummy `key` as `ANTHROPIC_API_KEY` instead of an auth token.
    pub(crate) fn with_api_key(mut self, key: &str) -> Self {
        self.api_key = Some(key.to_string());
        self
    }

    pub(crate) fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// Runs tmux on the test's server.
    pub(crate) fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap()
    }

    /// The environment the program of session `id` was started with (its pane's process).
    pub(crate) fn program_env(&self, id: &str) -> std::collections::BTreeMap<String, String> {
        let out = self.tmux(&["list-panes", "-t", &format!("={id}:"), "-F", "#{pane_pid}"]);
        let pid = stdout(&out).trim().to_string();
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        environ
            .split(|b| *b == 0)
            .filter_map(|kv| {
                let kv = String::from_utf8_lossy(kv);
                let (k, v) = kv.split_once('=')?;
                Some((k.to_string(), v.to_string()))
            })
            .collect()
    }

    /// Kills the test's tmux server, as a reboot or a crash of tmux would.
    pub(crate) fn kill_tmux_server(&self) {
        ao_core::tmux::kill_private_server(&self.socket);
    }

    pub(crate) fn repo(&self) -> PathBuf {
        self.dir().join("repo")
    }

    pub(crate) fn worktree(&self, id: &str) -> PathBuf {
        self.dir()
            .join(format!("ao-home/projects/app/worktrees/{id}"))
    }

    pub(crate) fn ao(&self, args: &[&str]) -> Output {
        self.ao_with(args, &[])
    }

    /// Runs `ao` with `extra` variables on top (a fake forge's URLs and token).
    pub(crate) fn ao_with(&self, args: &[&str], extra: &[(&str, String)]) -> Output {
        let path = format!(
            "{}:{}",
            self.cli_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let credential = match &self.api_key {
            Some(key) => ("ANTHROPIC_API_KEY", key.as_str()),
            None => ("ANTHROPIC_AUTH_TOKEN", "dummy-not-a-key"),
        };
        Command::new(env!("CARGO_BIN_EXE_ao"))
            .args(args)
            .current_dir(self.dir())
            .env_clear()
            .envs(crate::OFFLINE)
            .env("AO_DAEMON_AUTOSTART", "0")
            .env("PATH", path)
            .env("HOME", self.dir().join("home"))
            .env("XDG_CONFIG_HOME", self.dir().join("home/.config"))
            .env("AO_HOME", self.dir().join("ao-home"))
            .env("AO_TMUX_SOCKET", &self.socket)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("LANG", "C.UTF-8")
            .env("ANTHROPIC_BASE_URL", self.mock.url())
            .env(credential.0, credential.1)
            .env("MOCK_API_KEY", "dummy-not-a-key")
            .env("DISABLE_AUTOUPDATER", "1")
            .env("DISABLE_TELEMETRY", "1")
            .env("DISABLE_ERROR_REPORTING", "1")
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .unwrap()
    }

    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.ao(args);
        assert_eq!(out.status.code(), Some(0), "ao {args:?}: {}", stderr(&out));
        stdout(&out)
    }

    /// Spawns a worker on `prompt`; its id.
    pub(crate) fn spawn(&self, prompt: &str) -> String {
        let out = self.ok(&["spawn", "--prompt", prompt]);
        out.lines().last().unwrap().trim().to_string()
    }

    /// `id`'s object in `ao status --json` (null when it is not listed).
    pub(crate) fn status_row(&self, id: &str) -> serde_json::Value {
        let status: serde_json::Value =
            serde_json::from_str(&self.ok(&["status", "--json"])).unwrap();
        status["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .cloned()
            .unwrap_or_default()
    }

    fn activity(&self, id: &str) -> String {
        self.status_row(id)["activity"]["state"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Polls `ao status` until `id`'s activity is one of `states`; returns every state seen.
    pub(crate) fn wait_activity(&self, id: &str, states: &[&str]) -> Vec<String> {
        let start = Instant::now();
        let mut seen: Vec<String> = Vec::new();
        loop {
            let state = self.activity(id);
            if seen.last() != Some(&state) {
                seen.push(state.clone());
            }
            if states.contains(&state.as_str()) {
                return seen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "{id} never reached {states:?}; seen {seen:?}; screen:\n{}",
                self.screen(id)
            );
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Waits up to a minute for `done`; fails saying `what` did not happen, with `id`'s screen.
    pub(crate) fn wait_until(&self, id: &str, what: &str, done: impl Fn() -> bool) {
        let start = Instant::now();
        while !done() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{what} never happened; screen of {id}:\n{}",
                self.screen(id)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub(crate) fn screen(&self, id: &str) -> String {
        stdout(&self.ao(&["session", "output", id, "--lines", "50"]))
    }

    /// The hook events `ao` recorded for `id`.
    pub(crate) fn events(&self, id: &str) -> String {
        std::fs::read_to_string(
            self.dir()
                .join(format!("ao-home/projects/app/events/{id}.ndjson")),
        )
        .unwrap_or_default()
    }
}
