//! A session as listings show it: the record's facts with what was observed just now.

use std::path::PathBuf;

use serde::Serialize;

use crate::domain::{
    Activity, CiStatus, DisplayStatus, IssueLink, Lifecycle, PrState, ProjectId, ReviewStatus,
    Role, RuntimeStatus, SessionId, Timestamp,
};
use crate::plugin::{CheckFailure, PrDetails, ReviewComment};
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
    /// The pull request's checks, when the host was asked (`ao status`).
    pub ci: Option<CiView>,
    /// The pull request's review, when the host was asked (`ao status`).
    pub review: Option<ReviewView>,
    /// The agent's own one-line summary of its work, when its adapter keeps one and it was
    /// asked (`ao status`). Untrusted text.
    pub summary: Option<String>,
    /// The lifecycle state the daemon last decided, and since when (none before the daemon
    /// saw the session).
    #[serde(rename = "lifecycle")]
    pub lifecycle_state: Option<crate::domain::SessionState>,
    /// When the session's record was created.
    pub created_at: Timestamp,
    /// When the session's record last changed.
    pub updated_at: Timestamp,
    /// The lifecycle the status was derived from, to derive it again with the host's answer.
    #[serde(skip)]
    pub(crate) lifecycle: Lifecycle,
    /// What the host said about the pull request this time (none when it was not asked):
    /// what reactions quote.
    #[serde(skip)]
    pub(crate) pr_details: Option<PrDetails>,
    /// The record's reaction memory, for the tick's reactions.
    #[serde(skip)]
    pub(crate) reactions: std::collections::BTreeMap<String, crate::store::ReactionState>,
}

/// A pull request in a [`SessionView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrView {
    /// The pull request's number in its repository.
    pub number: u64,
    /// The pull request's web URL, when known.
    pub url: Option<String>,
    /// State, when observed (`draft` for an open draft).
    pub state: Option<PrState>,
    /// Whether it is a draft, when observed.
    pub draft: Option<bool>,
    /// Its title (untrusted), when observed.
    pub title: Option<String>,
    /// The head commit the forge described, when observed: what a merge of what was seen
    /// must still find.
    #[serde(rename = "headSha", skip_serializing_if = "Option::is_none")]
    pub head_sha: Option<String>,
}

/// A pull request's checks in a [`SessionView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiView {
    /// The combined result.
    pub state: CiStatus,
    /// How many checks there are.
    pub total: u32,
    /// How many passed.
    pub passed: u32,
    /// How many are queued or running.
    pub pending: u32,
    /// The failed ones, by name, with their pages.
    pub failed: Vec<CheckFailure>,
}

/// A pull request's review in a [`SessionView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewView {
    /// The decision so far.
    pub decision: ReviewStatus,
    /// How many review threads are unresolved.
    pub unresolved_threads: usize,
    /// Those threads, by their first comment (untrusted text).
    pub threads: Vec<ReviewComment>,
    /// Whether it can be merged as it is (`None`: the host is still computing it).
    pub mergeable: Option<bool>,
    /// The head conflicts with the base.
    pub conflicts: bool,
}

impl SessionView {
    /// Takes in what the host said about this session's pull request: the PR, its checks and
    /// review, and the status they imply (a merged PR shows `merged`, failing CI `ci_failed`).
    pub(crate) fn apply_pr(&mut self, details: &PrDetails) {
        let pr = &details.pr;
        self.pr = Some(PrView {
            number: pr.number,
            url: Some(pr.url.clone()),
            state: Some(pr.state),
            draft: Some(pr.state == PrState::Draft),
            title: Some(pr.title.clone()),
            head_sha: pr.head_sha.clone(),
        });
        self.ci = Some(CiView {
            state: details.ci.state,
            total: details.ci.total,
            passed: details.ci.passed,
            pending: details.ci.pending,
            failed: details.ci.failed.clone(),
        });
        self.review = Some(ReviewView {
            decision: details.review,
            unresolved_threads: details.unresolved.len(),
            threads: details.unresolved.clone(),
            mergeable: details.mergeable,
            conflicts: details.conflicts,
        });
        self.lifecycle.pr = Some(details.status());
        self.pr_details = Some(details.clone());
        if self.status != DisplayStatus::Interrupted {
            self.status = self.lifecycle.display_status();
        }
    }
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
                draft: None,
                title: None,
                head_sha: None,
            }),
            ci: None,
            review: None,
            summary: None,
            lifecycle_state: record.lifecycle_state,
            created_at: record.created_at,
            updated_at: record.updated_at,
            lifecycle,
            pr_details: None,
            reactions: record.reactions.clone(),
        }
    }
}
