//! Notification events: what happened to a session, and how urgently a person should know.

use serde::{Deserialize, Serialize};

use super::{Priority, ProjectId, SessionId, Timestamp};

/// What a notification reports, serialized as e.g. `session.spawned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    /// A session was created.
    #[serde(rename = "session.spawned")]
    SessionSpawned,
    /// The agent asks a person.
    #[serde(rename = "session.needs_input")]
    SessionNeedsInput,
    /// The agent made no progress for too long.
    #[serde(rename = "session.stuck")]
    SessionStuck,
    /// The agent's process exited.
    #[serde(rename = "session.exited")]
    SessionExited,
    /// Something failed that needs a person (the session is errored).
    #[serde(rename = "session.errored")]
    SessionErrored,
    /// A pull request was opened.
    #[serde(rename = "pr.created")]
    PrCreated,
    /// A pull request was merged.
    #[serde(rename = "pr.merged")]
    PrMerged,
    /// A pull request was closed without merging.
    #[serde(rename = "pr.closed")]
    PrClosed,
    /// At least one CI check failed on a session's pull request.
    #[serde(rename = "ci.failing")]
    CiFailing,
    /// A reviewer asked for changes.
    #[serde(rename = "review.changes_requested")]
    ReviewChangesRequested,
    /// Approved and green.
    #[serde(rename = "merge.ready")]
    MergeReady,
    /// A reaction ran.
    #[serde(rename = "reaction.triggered")]
    ReactionTriggered,
    /// A reaction gave up and handed over to a person.
    #[serde(rename = "reaction.escalated")]
    ReactionEscalated,
    /// Every session of a project finished.
    #[serde(rename = "summary.all_complete")]
    AllComplete,
}

/// One notification about a session or project, as notifiers receive it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// An identifier unique to this event.
    pub id: String,
    /// What kind of thing happened.
    pub kind: EventKind,
    /// How urgently a person should hear about it.
    pub priority: Priority,
    /// The project the event belongs to.
    pub project_id: ProjectId,
    /// The session, when about one.
    pub session_id: Option<SessionId>,
    /// When the event happened.
    pub timestamp: Timestamp,
    /// One line for people.
    pub message: String,
    /// Details for programs.
    #[serde(default)]
    pub data: serde_json::Value,
}
