//! `ao status --json`, the whole command, over 20 and 200 live sessions on a private tmux
//! server (`command` agent, real git worktrees) — and how many child processes one call
//! starts, counted by logging wrappers of `tmux` and `git` (the only programs status could
//! run). Target: under 100 ms and at most 4 child processes at 200 sessions.
//!
//! `ao_status_json_with_prs`: the same at 200 sessions whose project has `repo:`, 50 of them
//! with an open pull request on the fake GitHub — the PR, CI and review columns read in one
//! batched request per repository. Target: under 150 ms per refresh; it prints the requests
//! one cold and one warm refresh make (a warm refresh of an unchanged repository: one free
//! conditional read, no GraphQL).
//!
//! `ao_daemon_status_with_200_sessions`: the lifecycle daemon supervising 200 live sessions
//! (one tick a second): it prints the daemon's resident memory once its ticks see all 200
//! (target: under 30 MB), and times `ao daemon status --json` meanwhile.
//!
//! Run: `cargo bench -p ao-cli --bench status_command`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use ao_core::config::{self};
use ao_core::domain::ProjectId;
use ao_core::home::AoHome;
use ao_core::orchestrator::{Options, Orchestrator, SpawnRequest};
use ao_core::plugin::{Registry, Runtime};
use ao_core::store::FileStore;
use ao_core::tmux::{TmuxOptions, TmuxRuntime};

const AO: &str = env!("CARGO_BIN_EXE_ao");

fn main() {
    divan::main();
}

/// A repository, a config, `n` live sessions on the private server `socket`, and wrappers
/// that log every tmux and git call to `<dir>/calls.log`.
struct Fleet {
    dir: tempfile::TempDir,
    socket: String,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        ao_core::tmux::kill_private_server(&self.socket);
    }
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn which(program: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{program} is needed for this benchmark"))
}

impl Fleet {
    fn new(n: u64) -> Self {
        Self::with_repo(n, None)
    }

    /// `n` sessions of a project whose `repo:` is `repo`, when given.
    fn with_repo(n: u64, repo_setting: Option<&str>) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let socket = format!(
            "ao-bench-cmd-{}-{n}{}",
            std::process::id(),
            if repo_setting.is_some() { "-prs" } else { "" }
        );
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(&repo).expect("repo dir");
        run(Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["init", "-q", "-b", "main"]));
        run(Command::new("git").arg("-C").arg(&repo).args([
            "-c",
            "user.email=b@e",
            "-c",
            "user.name=b",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "base",
        ]));
        let config = dir.path().join("agent-orchestrator.yaml");
        std::fs::write(
            &config,
            format!(
                "projects:\n  app:\n    path: {}\n{}    sessionPrefix: app\n    agent: command\n    agentConfig:\n      command: [sh, -c, 'echo ready; exec sleep 3600']\n      promptVia: none\n",
                repo.display(),
                repo_setting.map(|r| format!("    repo: {r}\n")).unwrap_or_default()
            ),
        )
        .expect("config");
        for (name, real) in [("tmux", which("tmux")), ("git", which("git"))] {
            let shim = dir.path().join("shims").join(name);
            std::fs::create_dir_all(shim.parent().expect("parent")).expect("shim dir");
            std::fs::write(
                &shim,
                format!(
                    "#!/bin/sh\necho \"{name} $*\" >> '{}'\nexec '{}' \"$@\"\n",
                    dir.path().join("calls.log").display(),
                    real.display()
                ),
            )
            .expect("shim");
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        let fleet = Self { dir, socket };
        fleet.spawn(n, &config);
        fleet
    }

    fn home(&self) -> AoHome {
        AoHome::new(self.dir.path().join("ao-home"))
    }

    /// `n` workers through the library (no start watch: the agent is known to run), each in
    /// its own worktree, its program started through `ao` as the trampoline.
    fn spawn(&self, n: u64, config: &Path) {
        let home = self.home();
        let mut registry = Registry::builtin();
        let tmux = TmuxOptions {
            socket: Some(self.socket.clone()),
            exe: PathBuf::from(AO),
            ..TmuxOptions::from_env(home.clone()).expect("tmux options")
        };
        registry.register_runtime("tmux", move |_| {
            Ok(Arc::new(TmuxRuntime::new(tmux.clone())) as Arc<dyn Runtime>)
        });
        let cfg = config::load(config, &registry.known_names()).expect("config");
        let mut options = Options::new(home.clone());
        options.spawn_watch = Duration::ZERO;
        options.ao_bin = Some(PathBuf::from(AO));
        let orch = Orchestrator::new(cfg, registry, Arc::new(FileStore::new(home)), options);
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        tokio.block_on(async {
            for _ in 0..n {
                orch.spawn(SpawnRequest {
                    project: Some(ProjectId::new("app").expect("id")),
                    prompt: Some("bench".into()),
                    ..SpawnRequest::default()
                })
                .await
                .expect("spawn");
            }
        });
    }

    fn status(&self, path: Option<&std::ffi::OsStr>) -> Command {
        self.ao(&["status", "--json"], path)
    }

    /// `ao args…` in the fleet's environment (`path`: PATH, else this process's).
    fn ao(&self, args: &[&str], path: Option<&std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(AO);
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("HOME", self.dir.path())
            .env("AO_HOME", self.home().root())
            .env("AO_TMUX_SOCKET", &self.socket)
            .env(
                "PATH",
                path.map_or_else(|| std::env::var_os("PATH").unwrap_or_default(), Into::into),
            );
        cmd
    }

    /// Child processes of one `ao status --json`, counted by the wrappers.
    fn child_processes(&self) -> Vec<String> {
        let log = self.dir.path().join("calls.log");
        let _ = std::fs::remove_file(&log);
        let mut paths = vec![self.dir.path().join("shims")];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let path = std::env::join_paths(paths).expect("PATH");
        run(&mut self.status(Some(&path)));
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

#[divan::bench(args = [20, 200], sample_count = 20)]
fn ao_status_json(bencher: divan::Bencher<'_, '_>, sessions: u64) {
    let fleet = Fleet::new(sessions);
    let calls = fleet.child_processes();
    eprintln!(
        "\nao status --json over {sessions} live sessions: {} child processes ({})",
        calls.len(),
        calls
            .iter()
            .map(|c| {
                // `tmux -L <socket> list-panes …` → `tmux list-panes`
                let words: Vec<&str> = c.split_whitespace().collect();
                let rest = match words.get(1) {
                    Some(&"-L") => words.get(3),
                    _ => words.get(1),
                };
                format!("{} {}", words[0], rest.unwrap_or(&""))
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    bencher.bench_local(|| {
        let out = fleet.status(None).output().expect("ao status");
        assert!(out.status.success());
        out.stdout.len()
    });
}

#[divan::bench(sample_count = 20)]
fn ao_status_json_with_prs(bencher: divan::Bencher<'_, '_>) {
    let fleet = Fleet::with_repo(200, Some("acme/app"));
    let gh = ao_trackers::fake::FakeGitHub::start();
    for n in 1..=50 {
        let branch = format!("session/app-{n}");
        gh.add_pull(
            "acme/app",
            ao_trackers::fake::PullRequest::new(&format!("Work {n}"), &branch),
        );
    }
    let status = || {
        let mut cmd = fleet.status(None);
        cmd.envs(gh.env()).env("GITHUB_TOKEN", "ghp_bench");
        cmd
    };
    let refresh = |what: &str| {
        gh.clear_requests();
        let out = status().output().expect("ao status");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let requests = gh.requests();
        let graphql = requests.iter().filter(|r| r.path == "/graphql").count();
        let free = requests.iter().filter(|r| r.status == 304).count();
        eprintln!(
            "\nao status --json, 200 sessions, 50 PRs, {what} refresh: {} request(s) to GitHub ({graphql} GraphQL, {free} answered 304)",
            requests.len()
        );
    };
    refresh("cold");
    refresh("warm");
    bencher.bench_local(|| {
        let out = status().output().expect("ao status");
        assert!(out.status.success());
        out.stdout.len()
    });
}

/// The resident memory of process `pid` in KiB (`VmRSS` of `/proc/<pid>/status`).
fn resident_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[divan::bench(sample_count = 10)]
fn ao_daemon_status_with_200_sessions(bencher: divan::Bencher<'_, '_>) {
    let fleet = Fleet::new(200);
    let config = fleet.dir.path().join("agent-orchestrator.yaml");
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        format!("lifecycle:\n  pollIntervalMs: 1000\n{text}"),
    )
    .expect("config");
    let ao = |args: &[&str]| fleet.ao(args, None);
    run(
        ao(&["project", "add", config.to_str().expect("utf-8 path")])
            .env("AO_DAEMON_AUTOSTART", "0"),
    );
    let mut daemon = ao(&["daemon", "run"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("ao daemon run");
    let started = std::time::Instant::now();
    loop {
        let out = ao(&["daemon", "status", "--json"])
            .output()
            .expect("daemon status");
        let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if info["daemon"]["sessions"].as_u64() == Some(200)
            && info["daemon"]["lastTick"].is_string()
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the daemon never saw 200 sessions"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // A few more ticks, so what it keeps between them is counted too.
    std::thread::sleep(Duration::from_secs(3));
    eprintln!(
        "\nao daemon run over 200 live sessions: {} KiB resident",
        resident_kib(daemon.id()).map_or_else(|| "?".to_string(), |k| k.to_string())
    );
    bencher.bench_local(|| {
        let out = ao(&["daemon", "status", "--json"])
            .output()
            .expect("daemon status");
        assert!(out.status.success());
        out.stdout.len()
    });
    let _ = daemon.kill();
    let _ = daemon.wait();
}
