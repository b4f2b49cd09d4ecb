//! Agent adapters for `ao`: each one turns a role's resolved settings into a launch of a real
//! coding-agent CLI.
//!
//! The crate depends only on `ao-core`, whose `Agent` trait it implements, so an embedder can
//! pick the adapters it wants without pulling in trackers or the CLI. Every command line built
//! here is checked against the pinned real CLIs by the contract tests (`tests/`), which run
//! their argument parsers in isolation — never a model turn.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod claude;
mod codex;

use std::sync::Arc;

use ao_core::plugin::{Agent, Registry};

pub use claude::{
    ClaudeCode, HOOK_EVENTS as CLAUDE_HOOK_EVENTS, ORCHESTRATOR_ALLOWED_TOOLS,
    ORCHESTRATOR_DENIED_TOOLS, launch_settings as claude_launch_settings,
};
pub use codex::{Codex, toml_string};

/// Registers every adapter of this crate (`claude-code`, `codex`).
pub fn register(registry: &mut Registry) {
    // One shared instance: it caches claude's status files for a moment, so one `ao status`
    // over many sessions reads them once.
    let claude: Arc<dyn Agent> = Arc::new(ClaudeCode::new());
    registry.register_agent("claude-code", move |_| Ok(claude.clone()));
    registry.register_agent("codex", |_| Ok(Arc::new(Codex::new()) as Arc<dyn Agent>));
}

/// Whether this process runs as root (Claude Code refuses to skip permissions as root unless
/// told it runs in a sandbox).
fn running_as_root() -> bool {
    rustix::process::geteuid().is_root()
}
