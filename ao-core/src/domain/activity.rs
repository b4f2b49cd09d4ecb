//! What an agent is doing right now, and how we know.

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// An agent's observed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityState {
    /// Working on a turn.
    Active,
    /// Just finished a turn; ready for more.
    Ready,
    /// Finished a while ago and waiting.
    Idle,
    /// Asking a person (permission prompt, question).
    WaitingInput,
    /// Cannot continue (error, rate limit, crash loop).
    Blocked,
    /// The agent process has exited.
    Exited,
    /// Nothing to go on.
    Unknown,
}

impl ActivityState {
    /// Whether `ao send` should wait before delivering.
    pub fn is_busy(self) -> bool {
        matches!(self, Self::Active)
    }
}

/// Where an activity observation came from, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivitySource {
    /// An agent hook event.
    Hook,
    /// The agent CLI's own status file.
    StatusFile,
    /// The agent's transcript or rollout file.
    Transcript,
    /// Text on the terminal.
    Terminal,
    /// The runtime's view of the process.
    Runtime,
    /// No evidence.
    None,
}

/// An agent's state, since when, and the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// The state.
    pub state: ActivityState,
    /// When the state began (or was first seen).
    pub since: Timestamp,
    /// The evidence.
    pub source: ActivitySource,
}

impl Activity {
    /// An `unknown` activity observed now.
    pub fn unknown() -> Self {
        Self {
            state: ActivityState::Unknown,
            since: Timestamp::now(),
            source: ActivitySource::None,
        }
    }
}
