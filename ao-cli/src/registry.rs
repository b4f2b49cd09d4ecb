//! The adapters the `ao` binary offers: `ao-core`'s own (runtimes, the worktree workspace, the
//! `command` agent) and the agent CLIs of `ao-agents`.

use ao_core::plugin::Registry;

/// Every adapter this binary ships.
pub(crate) fn builtin() -> Registry {
    let mut registry = Registry::builtin();
    ao_agents::register(&mut registry);
    registry
}
