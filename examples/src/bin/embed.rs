//! Embeds the `Orchestrator` in a few lines: a registry of adapters, a resolved config, a
//! `command`-agent worker on a throwaway repository in tmux, a message, its status, cleanup.
//!
//! Run: `cargo run -q -p ao-examples --bin embed` (needs git and tmux; uses a private tmux
//! server and a temporary directory, and removes both).

use std::process::ExitCode;
use std::sync::Arc;

use ao_core::config;
use ao_core::domain::ProjectId;
use ao_core::home::AoHome;
use ao_core::orchestrator::{KillMode, Options, Orchestrator, SendOptions, SpawnRequest};
use ao_core::plugin::Registry;
use ao_core::store::InMemoryStore;

fn main() -> ExitCode {
    ao_examples::run("embed", |socket| async move { run(&socket).await })
}

async fn run(socket: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let repo = ao_examples::scratch_repo(dir.path())?;

    // 1. Adapters by name: ao-core's own (the `command` agent, tmux, worktrees).
    let home = AoHome::new(dir.path().join("ao-home"));
    let mut registry = Registry::builtin();
    ao_examples::use_private_tmux(&mut registry, &home, socket)?;

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
    ao_examples::wait_for(&orch, &project, &id, "ready").await?;
    orch.send(
        &project,
        &id,
        "hello from an embedder",
        SendOptions::default(),
    )
    .await
    .map_err(|e| e.to_string())?;
    let screen = ao_examples::wait_for(&orch, &project, &id, "got: hello from an embedder").await?;
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
    orch.kill(&project, &id, KillMode::Safe)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "killed {id}; sessions left: {}",
        orch.status(None).await.map_err(|e| e.to_string())?.len()
    );
    Ok(())
}
