//! The adapters the `ao` binary offers: `ao-core`'s own (runtimes, the worktree workspace, the
//! `command` agent), the agent CLIs of `ao-agents` and the trackers of `ao-trackers`.

use ao_core::plugin::Registry;

/// Every adapter this binary ships.
pub(crate) fn builtin() -> Registry {
    let mut registry = Registry::builtin();
    ao_agents::register(&mut registry);
    ao_trackers::register(&mut registry);
    registry
}
