//! The adapters `ao-core` ships, registered under their config names: the `command` agent,
//! the `tmux` and `process` runtimes, and the `worktree` workspace. Agent CLIs (claude-code,
//! codex, …) live in `ao-agents`, trackers in `ao-trackers`; a program adds those to this
//! registry.

use std::sync::Arc;

use crate::command_agent::CommandAgent;
#[cfg(any(feature = "tmux", feature = "process"))]
use crate::config::PluginKind;
use crate::plugin::{Agent, Registry};
#[cfg(any(feature = "tmux", feature = "process"))]
use crate::plugin::{RegistryError, Runtime, RuntimeError};

#[cfg(any(feature = "tmux", feature = "process"))]
fn failed(name: &str, e: RuntimeError) -> RegistryError {
    RegistryError::Failed {
        kind: PluginKind::Runtime,
        name: name.to_string(),
        detail: e.to_string(),
    }
}

/// The process runtime for `ctx`, as a plugin.
#[cfg(feature = "process")]
fn process_runtime(ctx: &crate::plugin::PluginContext) -> Result<Arc<dyn Runtime>, RegistryError> {
    let process = crate::process::ProcessRuntime::from_env(ctx.home.clone())
        .map_err(|e| failed(&ctx.name, e))?;
    Ok(Arc::new(process) as Arc<dyn Runtime>)
}

impl Registry {
    /// A registry holding `ao-core`'s own adapters (those its features include): the `command`
    /// agent, the `tmux` and `process` runtimes, the `worktree` workspace, the `desktop`,
    /// `webhook`, `slack` and `discord` notifiers. `tmux` falls back to
    /// the process runtime when tmux cannot be run (asked once per process; `tmux::is_available`
    /// tells a caller that wants to say so). Runtimes take `AO_TMUX_SOCKET` and the current
    /// executable (the trampoline) from the environment.
    pub fn builtin() -> Self {
        let mut registry = Self::new();
        crate::notifiers::register(&mut registry);
        registry.register_agent("command", |_| {
            Ok(Arc::new(CommandAgent::default()) as Arc<dyn Agent>)
        });
        #[cfg(feature = "tmux")]
        registry.register_runtime("tmux", |ctx| {
            #[cfg(feature = "process")]
            if !crate::tmux::is_available() {
                return process_runtime(ctx);
            }
            let options = crate::tmux::TmuxOptions::from_env(ctx.home.clone())
                .map_err(|e| failed(&ctx.name, e))?;
            Ok(Arc::new(crate::tmux::TmuxRuntime::new(options)) as Arc<dyn Runtime>)
        });
        #[cfg(feature = "process")]
        registry.register_runtime("process", process_runtime);
        #[cfg(feature = "worktree")]
        registry.register_workspace("worktree", |ctx| {
            Ok(
                Arc::new(crate::worktree::WorktreeWorkspace::new(ctx.home.clone()))
                    as Arc<dyn crate::plugin::Workspace>,
            )
        });
        registry
    }
}

#[cfg(all(test, feature = "tmux", feature = "process", feature = "worktree"))]
mod tests {
    use super::*;
    use crate::config::NameStatus;

    #[test]
    fn the_builtins_are_registered_by_their_config_names() {
        let registry = Registry::builtin();
        let names = registry.known_names();
        for (kind, name) in [
            (PluginKind::Agent, "command"),
            (PluginKind::Runtime, "tmux"),
            (PluginKind::Runtime, "process"),
            (PluginKind::Workspace, "worktree"),
        ] {
            assert_eq!(names.status(kind, name), NameStatus::Supported, "{name}");
        }
        let ctx = crate::plugin::PluginContext {
            name: "process".into(),
            settings: serde_json::Value::Null,
            home: crate::home::AoHome::new("/tmp/ao-builtin-test"),
        };
        assert_eq!(registry.runtime(&ctx).unwrap().name(), "process");
    }
}
