//! `Scm`: pull requests, checks and reviews.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::{PrRef, PrState, PrStatus, ProjectId};

/// A pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequest {
    /// The pull request's number in its repository.
    pub number: u64,
    /// The pull request's web page on the host.
    pub url: String,
    /// The pull request's title, as its author wrote it (untrusted).
    pub title: String,
    /// The head branch, whose commits the pull request proposes to merge.
    pub branch: String,
    /// The base branch the pull request would merge into.
    pub base: String,
    /// Whether it is open, a draft, merged or closed.
    pub state: PrState,
    /// The SHA of the head branch's latest commit; `None` when the host does not say.
    pub head_sha: Option<String>,
}

/// An unresolved review comment (all text untrusted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewComment {
    /// Stable id (thread or comment).
    pub id: String,
    /// The commenter's login on the host.
    pub author: String,
    /// The comment's text, as written (untrusted).
    pub body: String,
    /// File, for line comments.
    pub path: Option<String>,
    /// Line, for line comments.
    pub line: Option<u32>,
    /// The comment's web page on the host.
    pub url: String,
}

/// A failed check with what is known about why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckFailure {
    /// The check's name as the host shows it (e.g. a CI job's name).
    pub name: String,
    /// Summary or log excerpt (untrusted).
    pub summary: Option<String>,
    /// The check's web page (its run or log), when the host gives one.
    pub url: Option<String>,
}

/// How to merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeMethod {
    /// A merge commit.
    Merge,
    /// All commits squashed into one commit on the base branch.
    Squash,
    /// The commits replayed onto the base branch, without a merge commit.
    Rebase,
}

/// The project side of an SCM call.
#[derive(Debug, Clone, PartialEq)]
pub struct ScmContext {
    /// The project the call is made for.
    pub project_id: ProjectId,
    /// The project's repository as `owner/name` (from its `repo` setting).
    pub repo: String,
    /// The project's SCM settings (`${VAR}` already expanded).
    pub settings: serde_json::Map<String, serde_json::Value>,
}

/// Why an SCM operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScmError {
    /// The host does not offer this capability.
    #[error("{implementer} does not support {operation}")]
    Unsupported {
        /// The capability asked for (e.g. `merge`).
        operation: &'static str,
        /// The host's config name (e.g. `github`).
        implementer: String,
    },
    /// No such pull request.
    #[error("pull request {pr} not found")]
    NotFound {
        /// The pull request as it was asked for (`#123` or `owner/name#123`).
        pr: String,
    },
    /// Credentials are missing or rejected (the message never contains them).
    #[error("{scm}: not authorized: {detail}")]
    Auth {
        /// The config name of the host that refused the credentials.
        scm: String,
        /// What to do.
        detail: String,
    },
    /// Rate limited until the given time.
    #[error("{scm}: rate limited")]
    RateLimited {
        /// The config name of the host that limits the rate.
        scm: String,
    },
    /// The service is unreachable or failing.
    #[error("{scm} is unavailable: {detail}")]
    Unavailable {
        /// The config name of the host that could not be reached or failed.
        scm: String,
        /// What went wrong (never credentials).
        detail: String,
    },
}

/// A source-code host.
///
/// Contract:
/// - `pr_statuses` MUST answer for many pull requests per call (one batched request where the
///   API allows): the daemon asks for every session at once each tick.
/// - Errors MUST NOT contain credentials.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Scm: Send + Sync + 'static {
    /// The host's config name.
    fn name(&self) -> &str;

    /// The open (or latest) pull request whose head is `branch`.
    async fn pr_for_branch(
        &self,
        ctx: &ScmContext,
        branch: &str,
    ) -> Result<Option<PullRequest>, ScmError>;

    /// Looks up a pull request.
    async fn resolve_pr(&self, ctx: &ScmContext, pr: &PrRef) -> Result<PullRequest, ScmError>;

    /// State, CI and review of many pull requests, by number.
    async fn pr_statuses(
        &self,
        ctx: &ScmContext,
        numbers: &[u64],
    ) -> Result<HashMap<u64, PrStatus>, ScmError>;

    /// Unresolved review comments.
    async fn unresolved_comments(
        &self,
        ctx: &ScmContext,
        number: u64,
    ) -> Result<Vec<ReviewComment>, ScmError>;

    /// Failed checks of the head commit.
    async fn failed_checks(
        &self,
        ctx: &ScmContext,
        number: u64,
    ) -> Result<Vec<CheckFailure>, ScmError>;

    /// Merges a pull request.
    async fn merge(
        &self,
        ctx: &ScmContext,
        number: u64,
        method: MergeMethod,
    ) -> Result<(), ScmError> {
        let _ = (ctx, number, method);
        Err(ScmError::Unsupported {
            operation: "merge",
            implementer: self.name().to_string(),
        })
    }
}

#[derive(Debug, Default)]
struct FakePr {
    pr: Option<PullRequest>,
    status: Option<PrStatus>,
    comments: Vec<ReviewComment>,
    failures: Vec<CheckFailure>,
}

/// A host serving pull requests from memory.
#[derive(Debug, Default)]
pub struct FakeScm {
    prs: Mutex<HashMap<u64, FakePr>>,
}

impl FakeScm {
    /// An empty fake.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a pull request with its status, comments and failed checks.
    pub fn insert(
        &self,
        pr: PullRequest,
        status: PrStatus,
        comments: Vec<ReviewComment>,
        failures: Vec<CheckFailure>,
    ) {
        if let Ok(mut m) = self.prs.lock() {
            m.insert(
                pr.number,
                FakePr {
                    pr: Some(pr),
                    status: Some(status),
                    comments,
                    failures,
                },
            );
        }
    }

    fn with<T>(&self, number: u64, f: impl FnOnce(&FakePr) -> T) -> Result<T, ScmError> {
        let prs = self.prs.lock().map_err(|_| ScmError::Unavailable {
            scm: "fake".into(),
            detail: "state poisoned".into(),
        })?;
        prs.get(&number).map(f).ok_or(ScmError::NotFound {
            pr: format!("#{number}"),
        })
    }
}

#[async_trait]
impl Scm for FakeScm {
    fn name(&self) -> &str {
        "fake"
    }

    async fn pr_for_branch(
        &self,
        _ctx: &ScmContext,
        branch: &str,
    ) -> Result<Option<PullRequest>, ScmError> {
        let prs = self.prs.lock().map_err(|_| ScmError::Unavailable {
            scm: "fake".into(),
            detail: "state poisoned".into(),
        })?;
        Ok(prs
            .values()
            .filter_map(|p| p.pr.clone())
            .find(|p| p.branch == branch))
    }

    async fn resolve_pr(&self, _ctx: &ScmContext, pr: &PrRef) -> Result<PullRequest, ScmError> {
        self.with(pr.number, |p| p.pr.clone())?
            .ok_or(ScmError::NotFound { pr: pr.to_string() })
    }

    async fn pr_statuses(
        &self,
        _ctx: &ScmContext,
        numbers: &[u64],
    ) -> Result<HashMap<u64, PrStatus>, ScmError> {
        let prs = self.prs.lock().map_err(|_| ScmError::Unavailable {
            scm: "fake".into(),
            detail: "state poisoned".into(),
        })?;
        Ok(numbers
            .iter()
            .filter_map(|n| prs.get(n).and_then(|p| p.status).map(|s| (*n, s)))
            .collect())
    }

    async fn unresolved_comments(
        &self,
        _ctx: &ScmContext,
        number: u64,
    ) -> Result<Vec<ReviewComment>, ScmError> {
        self.with(number, |p| p.comments.clone())
    }

    async fn failed_checks(
        &self,
        _ctx: &ScmContext,
        number: u64,
    ) -> Result<Vec<CheckFailure>, ScmError> {
        self.with(number, |p| p.failures.clone())
    }
}

impl crate::error::Classify for ScmError {
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass as C;
        match self {
            Self::NotFound { .. } => C::NotFound,
            Self::Unsupported { .. }
            | Self::Auth { .. }
            | Self::RateLimited { .. }
            | Self::Unavailable { .. } => C::Unavailable,
        }
    }
}
