//! A custom agent adapter in an embedding program: `notes-bot`, registered under its own name
//! next to the built-in runtime and workspace, chosen by a config file (`agent: notes-bot`),
//! with its own setting passed through `agentConfig` (`signature`).
//!
//! The "agent" is a small shell loop that notes every message in `NOTES.md` in its worktree.
//! Its task arrives as an argument — never as shell text — and its activity comes from its
//! screen: it prints `notes-bot ready>` when it waits for input.
//!
//! Run: `cargo run -q -p ao-examples --bin custom_agent` (needs git and tmux; uses a private
//! tmux server and a temporary directory, and removes both).

use std::process::ExitCode;
use std::sync::Arc;

use async_trait::async_trait;

use ao_core::config;
use ao_core::domain::{
    Activity, ActivitySource, ActivityState, LaunchSpec, ProjectId, RuntimeStatus, Timestamp,
};
use ao_core::home::AoHome;
use ao_core::orchestrator::{
    KillMode, Options, Orchestrator, OrchestratorError, SendOptions, SpawnRequest,
};
use ao_core::plugin::{ActivityProbe, Agent, AgentError, Destroyed, LaunchRequest, Registry};
use ao_core::store::InMemoryStore;

/// The bot: `$1` is the task, `$2` the signature; each line typed is appended to NOTES.md.
const BOT: &str = r#"printf '# Notes\n\nTask: %s\n' "$1" > NOTES.md
while printf 'notes-bot ready> '; IFS= read -r line; do
  printf -- '- %s (%s)\n' "$line" "$2" >> NOTES.md
  printf 'noted: %s\n' "$line"
done"#;

/// The adapter `ao` calls for sessions whose config says `agent: notes-bot`.
struct NotesBot;

#[async_trait]
impl Agent for NotesBot {
    fn name(&self) -> &str {
        "notes-bot"
    }

    fn launch_spec(&self, req: &LaunchRequest) -> Result<LaunchSpec, AgentError> {
        // Adapter-specific settings come through `agentConfig` as extra keys.
        let signature = req
            .settings
            .extra
            .get("signature")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("notes-bot")
            .to_string();
        let task = req.task_prompt.clone().unwrap_or_default();
        let mut spec = LaunchSpec::new("sh", ["-c", BOT, "notes-bot", &task, &signature], &req.cwd);
        spec.env = req.env.clone();
        Ok(spec)
    }

    async fn activity(&self, probe: &ActivityProbe) -> Result<Activity, AgentError> {
        let state = match (probe.runtime, probe.terminal.as_deref()) {
            (RuntimeStatus::Exited { .. } | RuntimeStatus::Missing, _) => ActivityState::Exited,
            (_, Some(screen)) if screen.trim_end().ends_with("notes-bot ready>") => {
                ActivityState::Ready
            }
            (_, Some(_)) => ActivityState::Active,
            (_, None) => ActivityState::Unknown,
        };
        Ok(Activity::at(
            state,
            Timestamp::now(),
            ActivitySource::Terminal,
        ))
    }

    fn wants_terminal(&self) -> bool {
        true
    }
}

fn main() -> ExitCode {
    ao_examples::run("custom", |socket| async move { run(&socket).await })
}

async fn run(socket: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let repo = ao_examples::scratch_repo(dir.path())?;

    // 1. The custom adapter under its own name, beside a runtime and a workspace.
    let home = AoHome::new(dir.path().join("ao-home"));
    let mut registry = Registry::builtin();
    registry.register_agent("notes-bot", |_| Ok(Arc::new(NotesBot) as Arc<dyn Agent>));
    ao_examples::use_private_tmux(&mut registry, &home, socket)?;

    // 2. A config file that selects it; validation knows the name from the registry.
    let path = dir.path().join("agent-orchestrator.yaml");
    let yaml = format!(
        "projects:\n  notes:\n    path: {}\n    sessionPrefix: notes\n    worker:\n      agent: notes-bot\n      agentConfig:\n        signature: from-the-config\n",
        repo.display()
    );
    std::fs::write(&path, yaml).map_err(|e| e.to_string())?;
    let config = config::load(&path, &registry.known_names()).map_err(|e| e.to_string())?;

    // 3. A worker on a task, a message, its activity as the adapter reads it.
    let orch = Orchestrator::new(
        config,
        registry,
        Arc::new(InMemoryStore::new()),
        Options::new(home),
    );
    let project = ProjectId::new("notes").map_err(|e| e.to_string())?;
    let spawned = orch
        .spawn(SpawnRequest {
            project: Some(project.clone()),
            prompt: Some("collect release notes; $(not a command)".into()),
            ..SpawnRequest::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let id = spawned.record.id.clone();
    println!("spawned {id} running {}", spawned.record.agent);
    ao_examples::wait_for(&orch, &project, &id, "notes-bot ready>").await?;
    orch.send(&project, &id, "fixed the login bug", SendOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    ao_examples::wait_for(&orch, &project, &id, "noted: fixed the login bug").await?;
    let worktree = spawned.record.workspace_path.clone().unwrap_or_default();
    let notes = std::fs::read_to_string(worktree.join("NOTES.md")).map_err(|e| e.to_string())?;
    print!("{notes}");
    for view in orch.status(None).await.map_err(|e| e.to_string())? {
        let state = serde_json::to_value(view.activity.state).unwrap_or_default();
        println!("{} activity {}", view.id, state.as_str().unwrap_or("?"));
    }

    // 4. NOTES.md is uncommitted work: a plain kill keeps it, a forced one rescues it first.
    match orch.kill(&project, &id, KillMode::Safe).await {
        Err(OrchestratorError::UnsavedWork { work, .. }) => {
            println!("kept {id}: unsaved work ({} file(s))", work.files.len());
        }
        other => return Err(format!("expected the worktree to be kept, got {other:?}")),
    }
    let out = orch
        .kill(&project, &id, KillMode::Force)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(Destroyed::RemovedAfterRescue { rescue_ref }) = out.workspace {
        println!("killed {id}; its notes are under {rescue_ref}");
    }
    Ok(())
}
