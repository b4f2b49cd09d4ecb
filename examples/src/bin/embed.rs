//! Embeds the `Orchestrator` in a few lines: a registry of adapters, a resolved config, a
//! `command`-agent worker on a throwaway repository in tmux, a message, its status, cleanup.
//!
//! Run: `cargo run -q -p ao-examples --bin embed` (needs git and tmux; uses a private tmux
//! server and a temporary directory, and removes both).

use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ao_core::command_agent::CommandAgent;
use ao_core::config;
use ao_core::domain::ProjectId;
use ao_core::home::AoHome;
use ao_core::orchestrator::{Options, Orchestrator, SendOptions, SpawnRequest};
use ao_core::plugin::{Agent, Registry, Runtime, Workspace};
use ao_core::store::InMemoryStore;
use ao_core::tmux::{TmuxOptions, TmuxRuntime};
use ao_core::worktree::WorktreeWorkspace;

fn main() -> ExitCode {
    // Every binary embedding ao-core starts with this: runtimes launch programs through it.
    ao_core::trampoline::run_if_invoked();
    let socket = format!("ao-example-{}", std::process::id());
    let result = tokio::runtime::Runtime::new()
        .map_err(|e| e.to_string())
        .and_then(|rt| rt.block_on(run(&socket)));
    let _ = Command::new("tmux")
        .args(["-L", &socket, "kill-server"])
        .output();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(socket: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).map_err(|e| e.to_string())?;
    for args in [
        &["init", "-q", "-b", "main"][..],
        &[
            "-c",
            "user.email=e@x",
            "-c",
            "user.name=e",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "start",
        ],
    ] {
        let ok = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(args)
            .status()
            .map_err(|e| e.to_string())?
            .success();
        if !ok {
            return Err(format!("git {args:?} failed"));
        }
    }

    // 1. Adapters by name.
    let home = AoHome::new(dir.path().join("ao-home"));
    let mut registry = Registry::new();
    registry.register_agent("command", |_| {
        Ok(Arc::new(CommandAgent::default()) as Arc<dyn Agent>)
    });
    let tmux = TmuxOptions {
        socket: Some(socket.to_string()),
        ..TmuxOptions::from_env(home.clone()).map_err(|e| e.to_string())?
    };
    registry.register_runtime("tmux", move |_| {
        Ok(Arc::new(TmuxRuntime::new(tmux.clone())) as Arc<dyn Runtime>)
    });
    let ws_home = home.clone();
    registry.register_workspace("worktree", move |_| {
        Ok(Arc::new(WorktreeWorkspace::new(ws_home.clone())) as Arc<dyn Workspace>)
    });

    // 2. A config, validated against those names.
    let yaml = format!(
        "projects:\n  demo:\n    path: {}\n    sessionPrefix: demo\n    agent: command\n    agentConfig:\n      command: [sh, -c, 'echo ready; read line; echo \"got: $line\"; exec sleep 60']\n      promptVia: none\n",
        repo.display()
    );
    let config = config::load_str(
        &dir.path().join("agent-orchestrator.yaml"),
        &yaml,
        &registry.known_names(),
        &|_| None,
    )
    .map_err(|e| e.to_string())?;

    // 3. The facade, a worker, a message.
    let orch = Orchestrator::new(
        config,
        registry,
        Arc::new(InMemoryStore::new()),
        Options::new(home),
    );
    let project = ProjectId::new("demo").map_err(|e| e.to_string())?;
    let spawned = orch
        .spawn(SpawnRequest {
            project: Some(project.clone()),
            prompt: Some("say hello".into()),
            ..SpawnRequest::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let id = spawned.record.id.clone();
    println!(
        "spawned {id} on {} in {}",
        spawned.record.branch.as_deref().unwrap_or("-"),
        dir.path().display()
    );
    wait_for(&orch, &project, &id, "ready").await?;
    orch.send(
        &project,
        &id,
        "hello from an embedder",
        SendOptions::default(),
    )
    .await
    .map_err(|e| e.to_string())?;
    let screen = wait_for(&orch, &project, &id, "got: hello from an embedder").await?;
    println!(
        "{}",
        screen
            .lines()
            .find(|l| l.starts_with("got:"))
            .unwrap_or_default()
    );

    // 4. Status, then clean up (the worktree holds nothing unsaved, so it goes).
    for view in orch.status(None).await.map_err(|e| e.to_string())? {
        println!(
            "{} {:?} {:?} {}",
            view.id,
            view.role,
            view.status,
            view.branch.unwrap_or_default()
        );
    }
    orch.kill(&project, &id, false)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "killed {id}; sessions left: {}",
        orch.status(None).await.map_err(|e| e.to_string())?.len()
    );
    Ok(())
}

async fn wait_for(
    orch: &Orchestrator,
    project: &ProjectId,
    id: &ao_core::domain::SessionId,
    needle: &str,
) -> Result<String, String> {
    let start = Instant::now();
    loop {
        let screen = orch
            .output(project, id, 20)
            .await
            .map_err(|e| e.to_string())?;
        if screen.contains(needle) {
            return Ok(screen);
        }
        if start.elapsed() > Duration::from_secs(20) {
            return Err(format!("{needle:?} never appeared; screen:\n{screen}"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
