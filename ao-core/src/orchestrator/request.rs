//! What a caller asks of the facade: a spawn, a delivery, a listing.

use std::time::Duration;

use super::view::SessionView;
use crate::domain::{PrRef, ProjectId, Role, RuntimeStatus, SessionPhase};

/// What to spawn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpawnRequest {
    /// The project to spawn in; `None` works only when the config has exactly one.
    pub project: Option<ProjectId>,
    /// An issue reference as typed (`123`, `INT-9`, a URL, …).
    pub issue: Option<String>,
    /// The task in words (with or without an issue).
    pub prompt: Option<String>,
    /// Agent override for this worker.
    pub agent: Option<String>,
    /// Model override for this worker.
    pub model: Option<String>,
    /// The branch to work on, instead of the claimed pull request's, the issue's or
    /// `session/<id>`.
    pub branch: Option<String>,
    /// An existing pull request the worker takes over (its branch becomes the session's).
    pub claim_pr: Option<PrRef>,
    /// Build the launch (and write its prompt files) without creating anything else.
    pub dry_run: bool,
    /// Spawn on a closed issue too.
    pub force: bool,
}

/// How `send` delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendOptions {
    /// Wait while the agent is busy (else send at once).
    pub wait: bool,
    /// The longest wait.
    pub timeout: Duration,
    /// Send even into an open permission prompt.
    pub force: bool,
}

impl Default for SendOptions {
    fn default() -> Self {
        Self {
            wait: true,
            timeout: Duration::from_secs(600),
            force: false,
        }
    }
}

/// Which sessions a listing shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFilter {
    /// Only this project's.
    pub project: Option<ProjectId>,
    /// Orchestrators too, not only workers.
    pub orchestrators: bool,
    /// Sessions killed, stopped or done whose runtime is not alive too.
    pub terminated: bool,
    /// Archived sessions too (killed and cleaned up, failed spawns), from the store's
    /// history: their last record, with no runtime asked. An id a live session has again
    /// (an orchestrator started anew) shows the live one only.
    pub archived: bool,
}

impl SessionFilter {
    /// Every session of every project.
    pub fn all() -> Self {
        Self {
            project: None,
            orchestrators: true,
            terminated: true,
            archived: false,
        }
    }

    pub(super) fn shows(&self, view: &SessionView, phase: SessionPhase) -> bool {
        (self.orchestrators || view.role == Role::Worker)
            && (self.terminated
                || view.runtime == RuntimeStatus::Alive
                || !matches!(
                    phase,
                    SessionPhase::Killed | SessionPhase::Done | SessionPhase::Stopped
                ))
    }
}

/// What `kill` does with a worker's workspace that holds unsaved work (uncommitted files,
/// commits on no remote).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KillMode {
    /// Change nothing and refuse (`UnsavedWork`) while there is unsaved work; otherwise stop
    /// the agent and remove the workspace and branch.
    #[default]
    Safe,
    /// Stop the agent and keep the workspace and branch; the record stays (`killed`) for
    /// `restore` or a later kill.
    KeepWorkspace,
    /// Save unsaved work under a new rescue ref, then remove the workspace and branch.
    Force,
}
