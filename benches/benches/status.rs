//! The library side of `ao session ls --json` / `ao status --json` over 200 stored sessions:
//! list the records, ask tmux about all of them in one call, derive statuses, render JSON. (The
//! whole command, process start included, is benchmarked in `ao-cli/benches/status_command.rs`.) A second bench makes the 200 sessions live Claude Code
//! sessions, so each one's activity is read from its hook events, the status files and its
//! transcript path, as `ao status` does.

use std::process::Command;
use std::sync::Arc;

use ao_core::adapter_kit::hook::HookEvent;
use ao_core::config::{self, KnownNames};
use ao_core::domain::LaunchSpec;
use ao_core::domain::{ProjectId, Role, SessionId};
use ao_core::home::AoHome;
use ao_core::orchestrator::{Options, Orchestrator};
use ao_core::plugin::{Registry, Runtime};
use ao_core::store::{FileStore, SessionRecord, Store};
use ao_core::tmux::{TmuxOptions, TmuxRuntime};

fn main() {
    ao_core::run_if_invoked();
    divan::main();
}

#[divan::bench(sample_count = 30)]
fn status_of_200_sessions(bencher: divan::Bencher<'_, '_>) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let socket = format!("ao-bench-status-{}", std::process::id());
    // A live server with one unrelated session, as on a real machine.
    let started = Command::new("tmux")
        .args([
            "-L",
            &socket,
            "new-session",
            "-d",
            "-s",
            "other",
            "sleep",
            "600",
        ])
        .status();
    assert!(
        started.is_ok_and(|s| s.success()),
        "tmux is needed for this benchmark"
    );
    let home = AoHome::new(tmp.path().join("home"));
    let rt_home = home.clone();
    let rt_socket = socket.clone();
    let locator = {
        let mut options = TmuxOptions::from_env(home.clone()).expect("options");
        options.socket = Some(socket.clone());
        TmuxRuntime::new(options)
    };
    let mut registry = Registry::new();
    registry.register_runtime("tmux", move |_| {
        let mut options = TmuxOptions::from_env(rt_home.clone()).expect("options");
        options.socket = Some(rt_socket.clone());
        Ok(Arc::new(TmuxRuntime::new(options)) as Arc<dyn Runtime>)
    });
    let cfg = config::load_str(
        &tmp.path().join("agent-orchestrator.yaml"),
        &format!("projects:\n  app:\n    path: {}\n", tmp.path().display()),
        &KnownNames::builtin(),
        &|_| None,
    )
    .expect("config");
    let store = Arc::new(FileStore::new(home.clone()));
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let project = ProjectId::new("app").expect("id");
    tokio.block_on(async {
        for n in 1..=200 {
            let id = SessionId::worker("app", n).expect("id");
            let mut r =
                SessionRecord::new(id.clone(), project.clone(), Role::Worker, "claude-code");
            r.branch = Some(format!("session/{id}"));
            // Where a session of this runtime would run: the private server.
            r.runtime = Some(locator.locate(&id));
            store.create(r).await.expect("create");
        }
    });
    let orch = Orchestrator::new(cfg, registry, store, Options::new(home));
    bencher.bench_local(|| {
        let views = tokio.block_on(orch.status(None)).expect("status");
        assert_eq!(views.len(), 200);
        serde_json::to_string(&serde_json::json!({"data": views, "meta": {}})).expect("json")
    });
    ao_core::tmux::kill_private_server(&socket);
}

#[divan::bench(sample_count = 30)]
fn status_of_200_live_claude_sessions(bencher: divan::Bencher<'_, '_>) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let socket = format!("ao-bench-live-{}", std::process::id());
    let home = AoHome::new(tmp.path().join("home"));
    let mut options = TmuxOptions::from_env(home.clone()).expect("options");
    options.socket = Some(socket.clone());
    let runtime = Arc::new(TmuxRuntime::new(options));
    let mut registry = Registry::new();
    ao_agents::register(&mut registry);
    let rt = runtime.clone();
    registry.register_runtime("tmux", move |_| Ok(rt.clone() as Arc<dyn Runtime>));
    let cfg = config::load_str(
        &tmp.path().join("agent-orchestrator.yaml"),
        &format!("projects:\n  app:\n    path: {}\n", tmp.path().display()),
        &KnownNames::builtin(),
        &|_| None,
    )
    .expect("config");
    let store = Arc::new(FileStore::new(home.clone()));
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let project = ProjectId::new("app").expect("id");
    tokio.block_on(async {
        for n in 1..=200 {
            let id = SessionId::worker("app", n).expect("id");
            let spec = LaunchSpec::new("sleep", ["600"], tmp.path());
            let handle = runtime.start(&id, &spec).await.expect("start");
            let mut r =
                SessionRecord::new(id.clone(), project.clone(), Role::Worker, "claude-code");
            r.branch = Some(format!("session/{id}"));
            r.workspace_path = Some(tmp.path().to_path_buf());
            r.agent_session_id = Some(format!("00000000-0000-4000-8000-{n:012}"));
            r.runtime = Some(handle);
            store.create(r).await.expect("create");
            // A turn's worth of hook events, as `ao hook` appends them.
            let events = home.events_file(&project, &id);
            for event in [
                "SessionStart",
                "UserPromptSubmit",
                "PreToolUse",
                "PostToolUse",
                "Stop",
            ] {
                ao_core::adapter_kit::hook::append(
                    &events,
                    &HookEvent::new("claude-code", event, &serde_json::Value::Null),
                )
                .expect("event");
            }
        }
    });
    let orch = Orchestrator::new(cfg, registry, store, Options::new(home));
    bencher.bench_local(|| {
        let views = tokio.block_on(orch.status(None)).expect("status");
        assert_eq!(views.len(), 200);
        serde_json::to_string(&serde_json::json!({"data": views, "meta": {}})).expect("json")
    });
    ao_core::tmux::kill_private_server(&socket);
}
