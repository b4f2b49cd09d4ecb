//! The registry of built-in adapters the `ao` binary offers.

use std::sync::Arc;

use ao_core::command_agent::CommandAgent;
use ao_core::plugin::{Agent, Registry, RegistryError, Runtime, Workspace};
use ao_core::tmux::{TmuxOptions, TmuxRuntime};
use ao_core::worktree::WorktreeWorkspace;

/// Every adapter this binary ships. Names of adapters still to come (claude-code, codex, …)
/// validate as built-ins; using one before it lands reports it unavailable.
pub(crate) fn builtin() -> Registry {
    let mut registry = Registry::new();
    registry.register_agent("command", |_| {
        Ok(Arc::new(CommandAgent::default()) as Arc<dyn Agent>)
    });
    registry.register_runtime("tmux", |ctx| {
        let options =
            TmuxOptions::from_env(ctx.home.clone()).map_err(|e| RegistryError::Failed {
                kind: ao_core::config::PluginKind::Runtime,
                name: ctx.name.clone(),
                detail: e.to_string(),
            })?;
        Ok(Arc::new(TmuxRuntime::new(options)) as Arc<dyn Runtime>)
    });
    registry.register_workspace("worktree", |ctx| {
        Ok(Arc::new(WorktreeWorkspace::new(ctx.home.clone())) as Arc<dyn Workspace>)
    });
    registry
}
