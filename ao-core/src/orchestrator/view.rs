//! A session as listings show it: the record's facts with what was observed just now.

use std::path::PathBuf;

use serde::Serialize;

use crate::domain::{
    Activity, DisplayStatus, IssueLink, PrState, ProjectId, Role, RuntimeStatus, SessionId,
    Timestamp,
};
use crate::store::SessionRecord;

/// A session as `ao status` and `--json` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// The session's id, also its runtime session's name.
    pub id: SessionId,
    /// The project the session belongs to.
    pub project_id: ProjectId,
    /// Orchestrator or worker.
    pub role: Role,
    /// The agent adapter's name (e.g. `claude-code`, `codex`).
    pub agent: String,
    /// The model the agent runs, when one was chosen (else the agent's default).
    pub model: Option<String>,
    /// The model the agent's CLI says it runs, from its own records, when it has said: it
    /// differs from `model` when the CLI resolved an alias or mapped the model to another.
    pub model_in_use: Option<String>,
    /// The session's git branch (`session/<id>` unless chosen); none for orchestrators.
    pub branch: Option<String>,
    /// The directory the agent works in: a worktree for a worker, the project's checkout
    /// for an orchestrator.
    pub workspace_path: Option<PathBuf>,
    /// The one status people see, derived from the lifecycle with the runtime as
    /// observed now (`interrupted` for a spawn whose creator died).
    pub status: DisplayStatus,
    /// Runtime liveness as observed now.
    pub runtime: RuntimeStatus,
    /// Last known activity.
    pub activity: Activity,
    /// The issue it works on: tracker, id, URL and title as the tracker gave them at spawn
    /// (tracker, URL and title empty for a session recorded before those were kept).
    pub issue: Option<IssueLink>,
    /// The pull request the worker owns, once it has one (never for orchestrators).
    pub pr: Option<PrView>,
    /// When the session's record was created.
    pub created_at: Timestamp,
    /// When the session's record last changed.
    pub updated_at: Timestamp,
}

/// A pull request in a [`SessionView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrView {
    /// The pull request's number in its repository.
    pub number: u64,
    /// The pull request's web URL, when known.
    pub url: Option<String>,
    /// State, when observed.
    pub state: Option<PrState>,
}

impl SessionView {
    /// The view of `record` given the runtime's current answer.
    pub fn new(record: &SessionRecord, runtime: RuntimeStatus) -> Self {
        let mut lifecycle = record.lifecycle;
        lifecycle.runtime = runtime;
        let status = if record.spawn_interrupted() {
            DisplayStatus::Interrupted
        } else {
            lifecycle.display_status()
        };
        Self {
            id: record.id.clone(),
            project_id: record.project_id.clone(),
            role: record.role,
            agent: record.agent.clone(),
            model: record.model.clone(),
            model_in_use: None,
            branch: record.branch.clone(),
            workspace_path: record.workspace_path.clone(),
            status,
            runtime,
            activity: record.activity.clone(),
            issue: record.issue_link.clone().or_else(|| {
                record.issue.as_ref().map(|r| IssueLink {
                    tracker: String::new(),
                    id: r.to_string(),
                    url: String::new(),
                    title: String::new(),
                })
            }),
            pr: record.pr.as_ref().map(|pr| PrView {
                number: pr.number,
                url: pr.url.clone(),
                state: record.lifecycle.pr.map(|p| p.state),
            }),
            created_at: record.created_at,
            updated_at: record.updated_at,
        }
    }
}
