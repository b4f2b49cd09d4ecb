//! The two roles a session can have.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a session is for. Set by the code path that creates the session, never by the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The long-running supervisor of a project: reads, spawns and nudges, never edits.
    Orchestrator,
    /// Implements one task in its own worktree and branch.
    Worker,
}

impl Role {
    /// Both roles, orchestrator first.
    pub const ALL: [Role; 2] = [Role::Orchestrator, Role::Worker];

    /// The config and CLI spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Orchestrator => "orchestrator",
            Self::Worker => "worker",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown role name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`: expected `orchestrator` or `worker`")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "orchestrator" => Ok(Self::Orchestrator),
            "worker" => Ok(Self::Worker),
            other => Err(UnknownRole(other.to_string())),
        }
    }
}
