//! A session's lifecycle in three independent parts — the session itself, its pull request,
//! its runtime — and the one status shown to people, derived from them.
//!
//! Keeping the parts separate (instead of one stored status, as the reference did alongside
//! two others) means the display status can never disagree with what was observed.

use serde::{Deserialize, Serialize};

/// The session's own phase, decided by `ao` from activity and commands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionPhase {
    /// Being created: the workspace, runtime and agent are still being set up.
    #[default]
    Spawning,
    /// The agent is working.
    Working,
    /// The agent is waiting with nothing to do.
    Idle,
    /// The agent asked a person something.
    NeedsInput,
    /// The agent made no progress for too long.
    Stuck,
    /// Something failed that needs a person.
    Errored,
    /// Stopped by a person or by cleanup.
    Killed,
    /// An orchestrator stopped with `ao stop` (its record is kept for the next start).
    Stopped,
    /// Finished: work merged and cleaned up.
    Done,
}

/// Where a pull request stands on the forge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrState {
    /// Open and ready for review.
    Open,
    /// Open as a draft.
    Draft,
    /// Merged into its base branch.
    Merged,
    /// Closed without merging.
    Closed,
}

/// Combined CI result of a pull request's head.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CiStatus {
    /// No checks reported for the head commit.
    #[default]
    None,
    /// Checks are still queued or running.
    Pending,
    /// All checks passed.
    Passing,
    /// At least one check failed.
    Failing,
}

/// Review decision of a pull request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// No review requested or given.
    #[default]
    None,
    /// Waiting for a review.
    Pending,
    /// A reviewer approved the changes.
    Approved,
    /// A reviewer asked for changes.
    ChangesRequested,
}

/// What the forge says about a session's pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrStatus {
    /// Open, draft, merged or closed.
    pub state: PrState,
    /// The combined result of the checks on the pull request's head.
    pub ci: CiStatus,
    /// The review decision: none, pending, approved or changes requested.
    pub review: ReviewStatus,
    /// The branch conflicts with its base.
    pub conflicts: bool,
}

/// Whether the session's process is there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum RuntimeStatus {
    /// Not observed yet.
    #[default]
    Unknown,
    /// The runtime has the session and its process is running.
    Alive,
    /// The process exited (with its status when known).
    Exited {
        /// The program's exit status, when the runtime could tell.
        code: Option<i32>,
    },
    /// The runtime has no such session (e.g. after a reboot).
    Missing,
}

/// The three parts of a session's lifecycle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lifecycle {
    /// The session's phase.
    pub session: SessionPhase,
    /// The pull request, once there is one.
    pub pr: Option<PrStatus>,
    /// Whether the session's process is running, as last observed.
    pub runtime: RuntimeStatus,
}

/// The one status people see (the reference's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisplayStatus {
    /// Being created (the session's phase is still `spawning`).
    Spawning,
    /// Working, no PR yet.
    Working,
    /// Waiting with nothing to do.
    Idle,
    /// PR open, nothing pending from anyone.
    PrOpen,
    /// PR open and at least one CI check failed.
    CiFailed,
    /// Waiting for review.
    ReviewPending,
    /// A reviewer asked for changes.
    ChangesRequested,
    /// Approved, CI not yet green or mergeable.
    Approved,
    /// Approved and green: ready to merge.
    Mergeable,
    /// The pull request was merged.
    Merged,
    /// PR closed without merging.
    PrClosed,
    /// Asking a person.
    NeedsInput,
    /// The agent made no progress for too long.
    Stuck,
    /// Something failed that needs a person.
    Errored,
    /// Stopped with `ao session kill` (or by cleanup).
    Killed,
    /// An orchestrator stopped with `ao stop`.
    Stopped,
    /// The agent's program ended (its exit code is in the runtime status).
    Exited,
    /// The runtime no longer has the session (a reboot, a killed tmux server): `ao session
    /// restore` brings it back.
    Gone,
    /// Its spawn was cut short (the creating `ao` died): `ao session cleanup` finishes it.
    Interrupted,
    /// Finished: work merged and cleaned up.
    Done,
}

impl Lifecycle {
    /// The status to show: terminal phases first, then what needs a person, then a dead
    /// process, then the pull request's state, then the session's own phase. (A spawn whose
    /// creator died shows as [`DisplayStatus::Interrupted`]; that takes the record, see
    /// `SessionView`.)
    pub fn display_status(&self) -> DisplayStatus {
        use DisplayStatus as D;
        match self.session {
            SessionPhase::Done => return D::Done,
            SessionPhase::Killed => return D::Killed,
            SessionPhase::Stopped => return D::Stopped,
            SessionPhase::Errored => return D::Errored,
            SessionPhase::Spawning => return D::Spawning,
            _ => {}
        }
        if let Some(pr) = &self.pr
            && pr.state == PrState::Merged
        {
            return D::Merged;
        }
        match self.session {
            SessionPhase::NeedsInput => return D::NeedsInput,
            SessionPhase::Stuck => return D::Stuck,
            _ => {}
        }
        match self.runtime {
            RuntimeStatus::Exited { .. } => return D::Exited,
            RuntimeStatus::Missing => return D::Gone,
            _ => {}
        }
        if let Some(pr) = &self.pr {
            return match (pr.state, pr.ci, pr.review) {
                (PrState::Closed, _, _) => D::PrClosed,
                (_, CiStatus::Failing, _) => D::CiFailed,
                (_, _, ReviewStatus::ChangesRequested) => D::ChangesRequested,
                (_, CiStatus::Passing | CiStatus::None, ReviewStatus::Approved)
                    if !pr.conflicts =>
                {
                    D::Mergeable
                }
                (_, _, ReviewStatus::Approved) => D::Approved,
                (_, _, ReviewStatus::Pending) => D::ReviewPending,
                _ => D::PrOpen,
            };
        }
        match self.session {
            SessionPhase::Idle => D::Idle,
            _ => D::Working,
        }
    }
}

/// The lifecycle state the daemon last decided for a session, kept in its record so that a
/// restarted daemon goes on from it instead of announcing every transition again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionState {
    /// The state.
    pub state: DisplayStatus,
    /// When the session entered it.
    pub since: super::Timestamp,
    /// The agent's activity as last observed (a change of it is activity).
    pub activity: super::ActivityState,
    /// When the agent's activity last changed: what `stuck` is measured from.
    pub activity_changed_at: super::Timestamp,
}

impl SessionState {
    /// The state of a session never decided before: `spawning` since it was created.
    pub fn initial(created_at: super::Timestamp) -> Self {
        Self {
            state: DisplayStatus::Spawning,
            since: created_at,
            activity: super::ActivityState::Unknown,
            activity_changed_at: created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(state: PrState, ci: CiStatus, review: ReviewStatus) -> Option<PrStatus> {
        Some(PrStatus {
            state,
            ci,
            review,
            conflicts: false,
        })
    }

    #[test]
    fn display_status_follows_the_parts() {
        let mut l = Lifecycle::default();
        assert_eq!(l.display_status(), DisplayStatus::Spawning);
        l.session = SessionPhase::Working;
        l.runtime = RuntimeStatus::Alive;
        assert_eq!(l.display_status(), DisplayStatus::Working);
        l.pr = pr(PrState::Open, CiStatus::Pending, ReviewStatus::None);
        assert_eq!(l.display_status(), DisplayStatus::PrOpen);
        l.pr = pr(PrState::Open, CiStatus::Failing, ReviewStatus::Approved);
        assert_eq!(l.display_status(), DisplayStatus::CiFailed);
        l.pr = pr(PrState::Open, CiStatus::Passing, ReviewStatus::Approved);
        assert_eq!(l.display_status(), DisplayStatus::Mergeable);
        l.pr.as_mut().unwrap().conflicts = true;
        assert_eq!(l.display_status(), DisplayStatus::Approved);
        l.session = SessionPhase::NeedsInput;
        assert_eq!(l.display_status(), DisplayStatus::NeedsInput);
        l.pr = pr(PrState::Merged, CiStatus::Passing, ReviewStatus::Approved);
        assert_eq!(l.display_status(), DisplayStatus::Merged);
    }

    #[test]
    fn an_exited_agent_a_gone_runtime_and_a_kill_are_told_apart() {
        let l = Lifecycle {
            session: SessionPhase::Working,
            pr: None,
            runtime: RuntimeStatus::Exited { code: Some(1) },
        };
        assert_eq!(l.display_status(), DisplayStatus::Exited);
        let gone = Lifecycle {
            runtime: RuntimeStatus::Missing,
            ..l
        };
        assert_eq!(gone.display_status(), DisplayStatus::Gone);
        for (phase, shown) in [
            (SessionPhase::Done, DisplayStatus::Done),
            (SessionPhase::Killed, DisplayStatus::Killed),
            (SessionPhase::Stopped, DisplayStatus::Stopped),
            // A spawn in progress has no runtime yet; that is not "gone".
            (SessionPhase::Spawning, DisplayStatus::Spawning),
        ] {
            let l = Lifecycle {
                session: phase,
                ..gone
            };
            assert_eq!(l.display_status(), shown, "{phase:?}");
        }
    }
}
