//! Notifications: what a person should hear about a session or project, and how urgently.

use serde::{Deserialize, Serialize};

use super::{Priority, ProjectId, SessionId, Timestamp};

/// A web page a notification points to (a pull request, a failed check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// What it is, in a few words (`PR #12`).
    pub label: String,
    /// Its address.
    pub url: String,
}

/// One notification, as notifiers receive it.
///
/// It holds no secret: `message` is what the lifecycle wrote (untrusted details fenced), and
/// `event` is the event-log line that asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Stable identity: the same request always has the same id (used to never deliver it
    /// twice).
    pub id: String,
    /// How urgently a person should hear about it.
    pub priority: Priority,
    /// The project it belongs to.
    pub project_id: ProjectId,
    /// The session, when about one.
    pub session_id: Option<SessionId>,
    /// When it was requested.
    pub timestamp: Timestamp,
    /// One line for people: what happened.
    pub title: String,
    /// The full text.
    pub message: String,
    /// Pages worth opening (the pull request, failed checks).
    #[serde(default)]
    pub links: Vec<Link>,
    /// The event-log entry that requested it, as `ao events --json` prints it.
    #[serde(default)]
    pub event: serde_json::Value,
}
