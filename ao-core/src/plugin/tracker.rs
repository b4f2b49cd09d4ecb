//! `Tracker`: issues.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::doctor::Check;
use crate::domain::{IssueRef, ProjectId};

/// Where an issue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueState {
    /// Open and not marked as in progress.
    Open,
    /// Being worked on.
    InProgress,
    /// Closed because the work is done.
    Closed,
    /// Closed without the work being done (dropped, won't do).
    Cancelled,
}

/// An issue as the tracker has it. Every text field is untrusted input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    /// The tracker's id (`123`, `INT-9`).
    pub id: String,
    /// The issue's title, as written in the tracker (untrusted).
    pub title: String,
    /// Body (untrusted: only ever shown to agents fenced as data).
    pub body: String,
    /// The issue's web page in the tracker.
    pub url: String,
    /// Where the issue stands in the tracker.
    pub state: IssueState,
    /// The names of the labels on the issue (untrusted).
    pub labels: Vec<String>,
    /// The people the issue is assigned to, as the tracker names them (untrusted).
    pub assignees: Vec<String>,
    /// The branch name the tracker suggests, if any.
    pub branch_hint: Option<String>,
}

/// The project side of a tracker call.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackerContext {
    /// The project the call is made for.
    pub project_id: ProjectId,
    /// `owner/name`, when known.
    pub repo: Option<String>,
    /// The project's tracker settings (`${VAR}` already expanded).
    pub settings: serde_json::Map<String, serde_json::Value>,
}

/// Which issues to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueFilter {
    /// Only in these states (empty: open ones).
    pub states: Vec<IssueState>,
    /// Only with all of these labels.
    pub labels: Vec<String>,
    /// Only assigned to this person.
    pub assignee: Option<String>,
    /// At most this many.
    pub limit: Option<usize>,
}

/// A change to an issue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueUpdate {
    /// The state to move the issue to; `None` leaves it as it is.
    pub state: Option<IssueState>,
    /// Labels to add.
    pub add_labels: Vec<String>,
    /// Labels to remove.
    pub remove_labels: Vec<String>,
    /// A comment to post.
    pub comment: Option<String>,
}

/// Why a tracker operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrackerError {
    /// The tracker does not offer this capability.
    #[error("{implementer} does not support {operation}")]
    Unsupported {
        /// The capability asked for (e.g. `list`, `update`).
        operation: &'static str,
        /// The tracker's config name (e.g. `github`).
        implementer: String,
    },
    /// No such issue.
    #[error("issue {issue} not found")]
    NotFound {
        /// The reference that was looked up, as displayed (`#42`, `INT-9`, …).
        issue: String,
    },
    /// The number is a pull request's, not an issue's (GitHub numbers both alike).
    #[error("{issue} is a pull request, not an issue")]
    PullRequest {
        /// The reference, as displayed (`#42`).
        issue: String,
    },
    /// The tracker's rate limit is spent; retrying waits for `reset`.
    #[error("{tracker}: rate limit reached{}", reset.map(|r| format!(" until {}", r.strftime("%H:%M:%S UTC"))).unwrap_or_default())]
    RateLimited {
        /// The config name of the tracker.
        tracker: String,
        /// When the limit resets, when the tracker says.
        reset: Option<crate::domain::Timestamp>,
    },
    /// The reference belongs to another tracker.
    #[error("{issue} is not an issue of the {tracker} tracker")]
    WrongTracker {
        /// The reference, which names another tracker or a pull request.
        issue: String,
        /// The config name of the tracker that was asked.
        tracker: String,
    },
    /// Credentials are missing or rejected (the message never contains them).
    #[error("{tracker}: not authorized: {detail}")]
    Auth {
        /// The config name of the tracker that refused the credentials.
        tracker: String,
        /// What to do.
        detail: String,
    },
    /// The service is unreachable or failing.
    #[error("{tracker} is unavailable: {detail}")]
    Unavailable {
        /// The config name of the tracker that could not be reached or failed.
        tracker: String,
        /// What went wrong (never credentials).
        detail: String,
    },
}

/// An issue tracker.
///
/// Contract:
/// - `fetch` MUST return `NotFound` for an issue that does not exist and `WrongTracker` for a
///   reference meant for another tracker, so a spawn can tell them from outages.
/// - Errors MUST NOT contain credentials.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Tracker: Send + Sync + 'static {
    /// The tracker's config name.
    fn name(&self) -> &str;

    /// Reads an issue.
    async fn fetch(&self, ctx: &TrackerContext, issue: &IssueRef) -> Result<Issue, TrackerError>;

    /// The branch a session for `issue` works on.
    fn branch_name(&self, issue: &Issue) -> String;

    /// The issues that match `filter`; `Unsupported` when the tracker cannot list.
    async fn list(
        &self,
        ctx: &TrackerContext,
        filter: &IssueFilter,
    ) -> Result<Vec<Issue>, TrackerError> {
        let _ = (ctx, filter);
        Err(TrackerError::Unsupported {
            operation: "list",
            implementer: self.name().to_string(),
        })
    }

    /// Changes an issue.
    async fn update(
        &self,
        ctx: &TrackerContext,
        issue: &IssueRef,
        update: &IssueUpdate,
    ) -> Result<(), TrackerError> {
        let _ = (ctx, issue, update);
        Err(TrackerError::Unsupported {
            operation: "update",
            implementer: self.name().to_string(),
        })
    }

    /// What `ao doctor` should report about this tracker for the project in `ctx`
    /// (credentials found, service reachable, project readable), never showing a secret;
    /// `None` when the tracker probes nothing itself and the generic credential check applies.
    async fn doctor(&self, ctx: &TrackerContext) -> Option<Vec<Check>> {
        let _ = ctx;
        None
    }
}

/// A tracker serving issues from memory, keyed by their id (`42`, `INT-9`); numbers can be
/// marked as pull requests, as GitHub numbers both alike.
#[derive(Debug, Default)]
pub struct FakeTracker {
    issues: Mutex<HashMap<String, Issue>>,
    pull_requests: Mutex<std::collections::HashSet<String>>,
    doctor: Mutex<Option<Vec<Check>>>,
}

impl FakeTracker {
    /// An empty fake.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an issue.
    pub fn insert(&self, issue: Issue) {
        if let Ok(mut m) = self.issues.lock() {
            m.insert(issue.id.clone(), issue);
        }
    }

    /// Marks `number` as a pull request's.
    pub fn insert_pull_request(&self, number: u64) {
        if let Ok(mut m) = self.pull_requests.lock() {
            m.insert(number.to_string());
        }
    }

    /// Makes `doctor` report `checks` (by default it probes nothing and returns `None`).
    pub fn set_doctor(&self, checks: Vec<Check>) {
        if let Ok(mut d) = self.doctor.lock() {
            *d = Some(checks);
        }
    }
}

#[async_trait]
impl Tracker for FakeTracker {
    fn name(&self) -> &str {
        "fake"
    }

    async fn fetch(&self, _ctx: &TrackerContext, issue: &IssueRef) -> Result<Issue, TrackerError> {
        let id = match issue {
            IssueRef::Number { number } | IssueRef::GitHub { number, .. } => number.to_string(),
            IssueRef::Key { key } | IssueRef::Linear { key, .. } => key.clone(),
            IssueRef::Routed { issue, .. } => return self.fetch(_ctx, issue).await,
            IssueRef::PullRequest { .. } => {
                return Err(TrackerError::WrongTracker {
                    issue: issue.to_string(),
                    tracker: "fake".into(),
                });
            }
        };
        if self.pull_requests.lock().is_ok_and(|prs| prs.contains(&id)) {
            return Err(TrackerError::PullRequest {
                issue: issue.to_string(),
            });
        }
        let issues = self.issues.lock().map_err(|_| TrackerError::Unavailable {
            tracker: "fake".into(),
            detail: "state poisoned".into(),
        })?;
        issues.get(&id).cloned().ok_or(TrackerError::NotFound {
            issue: issue.to_string(),
        })
    }

    fn branch_name(&self, issue: &Issue) -> String {
        issue
            .branch_hint
            .clone()
            .unwrap_or_else(|| format!("feat/issue-{}", issue.id))
    }

    async fn doctor(&self, _ctx: &TrackerContext) -> Option<Vec<Check>> {
        self.doctor.lock().ok().and_then(|d| d.clone())
    }
}

impl crate::error::Classify for TrackerError {
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass as C;
        match self {
            Self::NotFound { .. } => C::NotFound,
            Self::PullRequest { .. } => C::Refused,
            Self::Unsupported { .. }
            | Self::Auth { .. }
            | Self::Unavailable { .. }
            | Self::RateLimited { .. } => C::Unavailable,
            // The reference is the user's to fix: it names another tracker's issue.
            Self::WrongTracker { .. } => C::InvalidInput,
        }
    }
}
