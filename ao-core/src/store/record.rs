//! The session record: everything `ao` knows about one session.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::domain::{
    Activity, IssueRef, Lifecycle, PrRef, ProjectId, Role, RuntimeHandle, SessionId, Timestamp,
};

/// The record format this `ao` writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Reaction bookkeeping of one reaction key, kept across daemon restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReactionState {
    /// Deliveries for the current fingerprint.
    pub attempts: u32,
    /// What the last delivery was about (e.g. head SHA + failed check names).
    pub fingerprint: Option<String>,
    /// When this fingerprint was first seen.
    pub first_seen: Option<Timestamp>,
    /// When the last delivery happened.
    pub last_attempt: Option<Timestamp>,
    /// Whether it was handed over to a person.
    pub escalated: bool,
    /// Fingerprints already delivered (newest last, bounded): the same content is never sent
    /// twice, even after the condition cleared and came back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sent: Vec<String>,
    /// The fingerprint whose delivery was put off (a prompt open, a person attached), so the
    /// deferral is logged once, not every tick.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferred: Option<String>,
}

/// The stored record of one session: what `ao` knows about it across restarts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    /// Format version (see [`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The session id (also its runtime session name).
    pub id: SessionId,
    /// The project the session belongs to.
    pub project_id: ProjectId,
    /// Orchestrator or worker, set by the code path that created it.
    pub role: Role,
    /// Agent adapter name.
    pub agent: String,
    /// Model, when one was chosen.
    pub model: Option<String>,
    /// The session's branch (none for orchestrators).
    pub branch: Option<String>,
    /// Where the agent works.
    pub workspace_path: Option<PathBuf>,
    /// How to reach the running session.
    pub runtime: Option<RuntimeHandle>,
    /// The issue it works on.
    pub issue: Option<IssueRef>,
    /// That issue as its tracker named it at spawn (tracker, id, URL, title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_link: Option<crate::domain::IssueLink>,
    /// Its pull request (never for orchestrators).
    pub pr: Option<PrRef>,
    /// The session's phase, its pull request's status and its runtime's status.
    #[serde(default)]
    pub lifecycle: Lifecycle,
    /// Last observed activity.
    pub activity: Activity,
    /// The lifecycle state the daemon last decided (none before its first tick saw the
    /// session): a restarted daemon goes on from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_state: Option<crate::domain::SessionState>,
    /// When the record was created, at the start of the spawn.
    pub created_at: Timestamp,
    /// When the record last changed; every store `update` sets it.
    pub updated_at: Timestamp,
    /// The config file the session was created from.
    pub config_path: Option<PathBuf>,
    /// The agent's own session id (for resume).
    pub agent_session_id: Option<String>,
    /// The current launch of the agent (fresh for every start and relaunch), which its
    /// process gets as `AO_LAUNCH_ID` and its hook events carry: evidence of an earlier launch
    /// (a stopped process's last events) never decides the current state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_id: Option<String>,
    /// The process creating the session, while it is being spawned (so an abandoned spawn can
    /// be told from one in progress).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spawned_by: Option<crate::owner::ProcessStamp>,
    /// Why the session failed, e.g. a spawn that was rolled back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Reaction bookkeeping by reaction key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reactions: BTreeMap<String, ReactionState>,
    /// Fields this version does not know (from a newer `ao`), kept as they were.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl SessionRecord {
    /// A fresh record in the `spawning` phase.
    pub fn new(id: SessionId, project_id: ProjectId, role: Role, agent: impl Into<String>) -> Self {
        let now = Timestamp::now();
        Self {
            schema_version: SCHEMA_VERSION,
            id,
            project_id,
            role,
            agent: agent.into(),
            model: None,
            branch: None,
            workspace_path: None,
            runtime: None,
            issue: None,
            issue_link: None,
            pr: None,
            lifecycle: Lifecycle::default(),
            activity: Activity::unknown(),
            lifecycle_state: None,
            created_at: now,
            updated_at: now,
            config_path: None,
            agent_session_id: None,
            launch_id: None,
            spawned_by: None,
            error: None,
            reactions: BTreeMap::new(),
            extra: serde_json::Map::new(),
        }
    }

    /// Whether the record is of a spawn whose creating process is gone before it finished.
    pub fn spawn_interrupted(&self) -> bool {
        self.lifecycle.session == crate::domain::SessionPhase::Spawning
            && self.spawned_by.is_none_or(|p| !p.is_alive())
    }

    /// Whether this `ao` may rewrite the record.
    pub fn is_writable(&self) -> bool {
        self.schema_version <= SCHEMA_VERSION
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_keeps_unknown_fields() {
        let mut r = SessionRecord::new(
            SessionId::new("a-1").unwrap(),
            ProjectId::new("a").unwrap(),
            Role::Worker,
            "codex",
        );
        r.model = Some("gpt-5-codex".into());
        let mut v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["schemaVersion"], 1);
        assert_eq!(v["role"], "worker");
        assert!(v["createdAt"].as_str().unwrap().ends_with('Z'));
        v["futureField"] = serde_json::json!({"x": 1});
        v["schemaVersion"] = serde_json::json!(9);
        let back: SessionRecord = serde_json::from_value(v).unwrap();
        assert_eq!(back.extra["futureField"]["x"], 1);
        assert!(!back.is_writable());
        assert_eq!(serde_json::to_value(&back).unwrap()["futureField"]["x"], 1);
    }
}
