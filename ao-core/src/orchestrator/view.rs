//! A session as listings show it: the record's facts with what was observed just now.

use std::path::PathBuf;

use serde::Serialize;

use crate::domain::{
    Activity, DisplayStatus, IssueRef, PrState, ProjectId, Role, RuntimeStatus, SessionId,
    Timestamp,
};
use crate::store::SessionRecord;

/// A session as `ao status` and `--json` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// Session id.
    pub id: SessionId,
    /// Project.
    pub project_id: ProjectId,
    /// Orchestrator or worker.
    pub role: Role,
    /// Agent.
    pub agent: String,
    /// Model.
    pub model: Option<String>,
    /// Branch.
    pub branch: Option<String>,
    /// Workspace.
    pub workspace_path: Option<PathBuf>,
    /// Derived status.
    pub status: DisplayStatus,
    /// Runtime liveness as observed now.
    pub runtime: RuntimeStatus,
    /// Last known activity.
    pub activity: Activity,
    /// Issue, as text.
    pub issue: Option<String>,
    /// Pull request.
    pub pr: Option<PrView>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// A pull request in a [`SessionView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrView {
    /// Number.
    pub number: u64,
    /// URL.
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
            branch: record.branch.clone(),
            workspace_path: record.workspace_path.clone(),
            status,
            runtime,
            activity: record.activity.clone(),
            issue: record.issue.as_ref().map(IssueRef::to_string),
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
