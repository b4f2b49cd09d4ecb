//! The registry of built-in adapters the `ao` binary offers.

use std::sync::Arc;

use ao_core::command_agent::CommandAgent;
use ao_core::config::PluginKind;
use ao_core::plugin::{Agent, Registry, RegistryError, Runtime, RuntimeError, Workspace};
use ao_core::process::ProcessRuntime;
use ao_core::tmux::{TmuxOptions, TmuxRuntime};
use ao_core::worktree::WorktreeWorkspace;

fn failed(name: &str, e: RuntimeError) -> RegistryError {
    RegistryError::Failed {
        kind: PluginKind::Runtime,
        name: name.to_string(),
        detail: e.to_string(),
    }
}

/// Every adapter this binary ships. Names of adapters still to come (aider, opencode, …)
/// validate as built-ins; using one before it lands reports it unavailable.
pub(crate) fn builtin() -> Registry {
    let mut registry = Registry::new();
    ao_agents::register(&mut registry);
    registry.register_agent("command", |_| {
        Ok(Arc::new(CommandAgent::default()) as Arc<dyn Agent>)
    });
    registry.register_runtime("tmux", |ctx| {
        if !ao_core::tmux::is_available() {
            static NOTICE: std::sync::Once = std::sync::Once::new();
            NOTICE.call_once(|| {
                eprintln!("notice: tmux is not installed; using the process runtime instead")
            });
            let process =
                ProcessRuntime::from_env(ctx.home.clone()).map_err(|e| failed(&ctx.name, e))?;
            return Ok(Arc::new(process) as Arc<dyn Runtime>);
        }
        let options = TmuxOptions::from_env(ctx.home.clone()).map_err(|e| failed(&ctx.name, e))?;
        Ok(Arc::new(TmuxRuntime::new(options)) as Arc<dyn Runtime>)
    });
    registry.register_runtime("process", |ctx| {
        let process =
            ProcessRuntime::from_env(ctx.home.clone()).map_err(|e| failed(&ctx.name, e))?;
        Ok(Arc::new(process) as Arc<dyn Runtime>)
    });
    registry.register_workspace("worktree", |ctx| {
        Ok(Arc::new(WorktreeWorkspace::new(ctx.home.clone())) as Arc<dyn Workspace>)
    });
    registry
}
