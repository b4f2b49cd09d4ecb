//! Where a facade runs: `AO_HOME`, the `ao` binary, the tmux server, timings, and whose scope
//! an orchestrator agent calling in is limited to.

use std::path::PathBuf;
use std::time::Duration;

use crate::domain::ProjectId;
use crate::home::AoHome;

/// Where the facade runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The `AO_HOME` for worktrees, launch files and trust records; agents and plugins
    /// are given it too.
    pub home: AoHome,
    /// Absolute path of the `ao` binary, given to agents as `AO_BIN` (and put on their `PATH`).
    pub ao_bin: Option<PathBuf>,
    /// The tmux socket name (`AO_TMUX_SOCKET`), passed on to agents.
    pub tmux_socket: Option<String>,
    /// How often `send` re-checks a busy agent.
    pub poll_interval: Duration,
    /// How long `send` waits for the agent to report taking a message in.
    pub submit_timeout: Duration,
    /// When set, the caller is that project's orchestrator: acting on any other project's
    /// sessions is refused.
    pub scope: Option<ProjectId>,
    /// How long a start watches a new agent for an early death (it stops sooner once the agent
    /// reports activity).
    pub spawn_watch: Duration,
}

impl Options {
    /// Options for `home`, reading `AO_TMUX_SOCKET` and the current executable.
    pub fn new(home: AoHome) -> Self {
        Self {
            home,
            // Unknown only on exotic systems; agents then find `ao` on their PATH.
            ao_bin: std::env::current_exe().ok(),
            tmux_socket: std::env::var("AO_TMUX_SOCKET")
                .ok()
                .filter(|s| !s.is_empty()),
            poll_interval: Duration::from_millis(500),
            submit_timeout: Duration::from_secs(15),
            scope: scope_from_env(),
            spawn_watch: Duration::from_secs(1),
        }
    }
}

/// The calling orchestrator's project: `AO_PROJECT_ID` when `AO_ROLE=orchestrator`.
pub fn scope_from_env() -> Option<ProjectId> {
    let role = std::env::var("AO_ROLE").ok()?;
    if role != "orchestrator" {
        return None;
    }
    std::env::var("AO_PROJECT_ID")
        .ok()
        .and_then(|p| ProjectId::new(p).ok())
}
