//! `Scm`: pull requests, checks and reviews.

use std::sync::Mutex;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::{CiStatus, PrRef, PrState, PrStatus, ProjectId, ReviewStatus, Timestamp};

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
    /// The pull request's description, as its author wrote it (untrusted).
    #[serde(default)]
    pub body: String,
    /// The head branch, whose commits the pull request proposes to merge.
    pub branch: String,
    /// The base branch the pull request would merge into.
    pub base: String,
    /// Whether it is open, a draft, merged or closed.
    pub state: PrState,
    /// The SHA of the head branch's latest commit; `None` when the host does not say.
    pub head_sha: Option<String>,
    /// The SHA of the base branch's latest commit the host compared against; `None` when the
    /// host does not say.
    #[serde(default)]
    pub base_sha: Option<String>,
    /// `owner/name` of the repository the head branch lives in, when it is not the project's
    /// own (a fork); `None` for a branch of the project's repository.
    #[serde(default)]
    pub fork: Option<String>,
    /// Whether the caller's credentials may push to the head branch (always for a branch of the
    /// project's repository the caller may push to; for a fork only when its author allows it).
    #[serde(default)]
    pub head_pushable: bool,
}

/// An unresolved review thread, by its first comment (all text untrusted).
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

/// The checks of a pull request's head commit: every check run and commit status, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CiReport {
    /// The combined result.
    pub state: CiStatus,
    /// How many checks there are (all pages).
    pub total: u32,
    /// How many passed (success, neutral or skipped).
    pub passed: u32,
    /// How many are queued or running.
    pub pending: u32,
    /// The failed ones (failure, timed out, cancelled, action required, error), by name.
    pub failed: Vec<CheckFailure>,
}

/// Everything `ao status` and the lifecycle need about one pull request, read in one batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrDetails {
    /// The pull request itself.
    pub pr: PullRequest,
    /// Whether it can be merged as it is; `None` while the host is still computing it.
    pub mergeable: Option<bool>,
    /// The host's merge-state word, lower case (GitHub: `clean`, `blocked`, `behind`, `dirty`,
    /// `unstable`, `has_hooks`, `draft`, `unknown`), when it gave one.
    pub merge_state: Option<String>,
    /// The head conflicts with the base.
    pub conflicts: bool,
    /// The review decision.
    pub review: ReviewStatus,
    /// The head commit's checks.
    pub ci: CiReport,
    /// The review threads nobody resolved yet (outdated ones included), oldest first.
    pub unresolved: Vec<ReviewComment>,
}

impl PrDetails {
    /// The compact status the session lifecycle keeps.
    pub fn status(&self) -> PrStatus {
        PrStatus {
            state: self.pr.state,
            ci: self.ci.state,
            review: self.review,
            conflicts: self.conflicts,
        }
    }
}

/// One session's question in a batch: its pull request by number once it has one, else the
/// pull request whose head is its branch.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PrQuery {
    /// The pull request with this number.
    Number(u64),
    /// The newest pull request from this branch of the project's repository (never a fork's).
    Branch(String),
}

/// One answer of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrAnswer {
    /// What was asked.
    pub query: PrQuery,
    /// The pull request; `None` when there is none (no PR from that branch, or no such number).
    pub pr: Option<PrDetails>,
}

/// The rate budget the host reported with its last answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateBudget {
    /// Requests left in the window.
    pub remaining: u64,
    /// The window's size.
    pub limit: u64,
    /// When the window resets.
    pub reset_at: Option<Timestamp>,
}

/// The pull requests of one repository, as one batch read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrBatch {
    /// One answer per query, in the order asked.
    pub answers: Vec<PrAnswer>,
    /// When the host last confirmed these answers (fetched them, or said nothing changed).
    pub fetched_at: Timestamp,
    /// An opaque token of the repository's state when the answers were fetched (GitHub: the
    /// pull-request list's ETag). Given back as `previous`, it lets the host say "unchanged"
    /// without a rate-limited request.
    pub validator: Option<String>,
    /// The budget left after the batch, when the host reports one.
    pub rate_limit: Option<RateBudget>,
}

impl PrBatch {
    /// The answer to `query`: the one asked as such, or for a number, any answer holding that
    /// pull request (a session found its PR by branch, and asks by its number from then on).
    pub fn answer(&self, query: &PrQuery) -> Option<&PrAnswer> {
        self.answers
            .iter()
            .find(|a| &a.query == query)
            .or_else(|| match query {
                PrQuery::Number(n) => self
                    .answers
                    .iter()
                    .find(|a| a.pr.as_ref().is_some_and(|p| p.pr.number == *n)),
                PrQuery::Branch(_) => None,
            })
    }

    /// `previous`'s answers to `queries`, when it has every one: what a host returns for an
    /// unchanged repository (with `fetched_at` now).
    pub fn reuse(previous: &PrBatch, queries: &[PrQuery]) -> Option<Vec<PrAnswer>> {
        queries
            .iter()
            .map(|q| {
                previous.answer(q).map(|a| PrAnswer {
                    query: q.clone(),
                    pr: a.pr.clone(),
                })
            })
            .collect()
    }
}

pub use crate::domain::MergeMethod;

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
    /// The rate limit is spent.
    #[error("{scm}: rate limit reached{}", reset.map(|r| format!(" until {}", r.strftime("%H:%M:%S UTC"))).unwrap_or_default())]
    RateLimited {
        /// The config name of the host that limits the rate.
        scm: String,
        /// When the limit lifts, when known.
        reset: Option<Timestamp>,
    },
    /// The host refused the operation (a merge of a pull request that cannot be merged).
    #[error("{scm} refused: {detail}")]
    Refused {
        /// The config name of the host.
        scm: String,
        /// The host's reason (untrusted text).
        detail: String,
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
/// - `pr_batch` answers every query of one repository in one batched request where the API
///   allows (plus follow-ups only to page through more than a page of checks or threads): the
///   daemon and `ao status` ask for every session at once. Given `previous` (the last batch for
///   the same repository), an unchanged repository SHOULD be answered without a rate-limited
///   request, returning [`PrBatch::reuse`] with a new `fetched_at`; when `previous` cannot
///   answer every query (see [`PrBatch::answer`]), the batch is fetched.
/// - `Branch` queries and `pr_for_branch` MUST NOT return a pull request from a fork that
///   merely reuses the branch name.
/// - Errors MUST NOT contain credentials.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Scm: Send + Sync + 'static {
    /// The host's config name.
    fn name(&self) -> &str;

    /// The newest pull request (open, or else the latest merged or closed) whose head is
    /// `branch` of the project's repository.
    async fn pr_for_branch(
        &self,
        ctx: &ScmContext,
        branch: &str,
    ) -> Result<Option<PullRequest>, ScmError>;

    /// Looks up a pull request.
    async fn resolve_pr(&self, ctx: &ScmContext, pr: &PrRef) -> Result<PullRequest, ScmError>;

    /// State, checks, review and unresolved threads of many pull requests of the project's
    /// repository, in one batch.
    async fn pr_batch(
        &self,
        ctx: &ScmContext,
        queries: &[PrQuery],
        previous: Option<PrBatch>,
    ) -> Result<PrBatch, ScmError>;

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

/// A host serving pull requests from memory. Every change bumps a version, which is the
/// batches' validator: a batch given an unchanged `previous` is answered from it, and counted
/// in [`FakeScm::batches_fetched`] only when it was not.
#[derive(Debug, Default)]
pub struct FakeScm {
    state: Mutex<FakeScmState>,
}

#[derive(Debug, Default)]
struct FakeScmState {
    prs: Vec<PrDetails>,
    version: u64,
    fetched: u64,
    fail: Option<String>,
    merged: Vec<(u64, MergeMethod)>,
    asked: Vec<Vec<PrQuery>>,
}

impl FakeScm {
    /// An empty fake.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces (by number) a pull request with its checks, review and threads.
    pub fn insert(&self, details: PrDetails) {
        if let Ok(mut s) = self.state.lock() {
            s.prs.retain(|p| p.pr.number != details.pr.number);
            s.prs.push(details);
            s.version += 1;
        }
    }

    /// Makes every call fail as unavailable with `detail` (`None`: answer again).
    pub fn fail_with(&self, detail: Option<&str>) {
        if let Ok(mut s) = self.state.lock() {
            s.fail = detail.map(str::to_string);
        }
    }

    /// How many batches were read from the host's data (not answered from `previous`).
    pub fn batches_fetched(&self) -> u64 {
        self.state.lock().map_or(0, |s| s.fetched)
    }

    /// The queries of every batch asked for (answered from `previous` or not), in order.
    pub fn batches_asked(&self) -> Vec<Vec<PrQuery>> {
        self.state
            .lock()
            .map(|s| s.asked.clone())
            .unwrap_or_default()
    }

    /// The merges asked for, in order.
    pub fn merges(&self) -> Vec<(u64, MergeMethod)> {
        self.state
            .lock()
            .map(|s| s.merged.clone())
            .unwrap_or_default()
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&mut FakeScmState) -> Result<T, ScmError>,
    ) -> Result<T, ScmError> {
        let mut state = self.state.lock().map_err(|_| ScmError::Unavailable {
            scm: "fake".into(),
            detail: "state poisoned".into(),
        })?;
        if let Some(detail) = &state.fail {
            return Err(ScmError::Unavailable {
                scm: "fake".into(),
                detail: detail.clone(),
            });
        }
        f(&mut state)
    }
}

impl FakeScmState {
    /// The newest pull request from `branch` of the project's repository: an open one first.
    fn for_branch(&self, branch: &str) -> Option<&PrDetails> {
        let mut from: Vec<&PrDetails> = self
            .prs
            .iter()
            .filter(|p| p.pr.branch == branch && p.pr.fork.is_none())
            .collect();
        from.sort_by_key(|p| {
            (
                matches!(p.pr.state, PrState::Open | PrState::Draft),
                p.pr.number,
            )
        });
        from.last().copied()
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
        self.read(|s| Ok(s.for_branch(branch).map(|p| p.pr.clone())))
    }

    async fn resolve_pr(&self, ctx: &ScmContext, pr: &PrRef) -> Result<PullRequest, ScmError> {
        // Another repository's pull request is not the project's, whatever its number.
        if pr
            .repo
            .as_ref()
            .is_some_and(|r| !r.eq_ignore_ascii_case(&ctx.repo))
        {
            return Err(ScmError::NotFound { pr: pr.to_string() });
        }
        self.read(|s| {
            s.prs
                .iter()
                .find(|p| p.pr.number == pr.number)
                .map(|p| p.pr.clone())
                .ok_or(ScmError::NotFound { pr: pr.to_string() })
        })
    }

    async fn pr_batch(
        &self,
        _ctx: &ScmContext,
        queries: &[PrQuery],
        previous: Option<PrBatch>,
    ) -> Result<PrBatch, ScmError> {
        if let Ok(mut s) = self.state.lock() {
            s.asked.push(queries.to_vec());
        }
        self.read(|s| {
            let validator = Some(s.version.to_string());
            if let Some(previous) = &previous
                && previous.validator == validator
                && let Some(answers) = PrBatch::reuse(previous, queries)
            {
                return Ok(PrBatch {
                    answers,
                    fetched_at: Timestamp::now(),
                    validator,
                    rate_limit: None,
                });
            }
            s.fetched += 1;
            let answers = queries
                .iter()
                .map(|q| PrAnswer {
                    query: q.clone(),
                    pr: match q {
                        PrQuery::Number(n) => s.prs.iter().find(|p| p.pr.number == *n).cloned(),
                        PrQuery::Branch(b) => s.for_branch(b).cloned(),
                    },
                })
                .collect();
            Ok(PrBatch {
                answers,
                fetched_at: Timestamp::now(),
                validator,
                rate_limit: None,
            })
        })
    }

    async fn merge(
        &self,
        _ctx: &ScmContext,
        number: u64,
        method: MergeMethod,
    ) -> Result<(), ScmError> {
        self.read(|s| {
            let Some(p) = s.prs.iter_mut().find(|p| p.pr.number == number) else {
                return Err(ScmError::NotFound {
                    pr: format!("#{number}"),
                });
            };
            if p.pr.state != PrState::Open || p.mergeable == Some(false) {
                return Err(ScmError::Refused {
                    scm: "fake".into(),
                    detail: format!("#{number} cannot be merged"),
                });
            }
            p.pr.state = PrState::Merged;
            s.merged.push((number, method));
            s.version += 1;
            Ok(())
        })
    }
}

impl crate::error::Classify for ScmError {
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass as C;
        match self {
            Self::NotFound { .. } => C::NotFound,
            Self::Refused { .. } => C::Refused,
            Self::Unsupported { .. }
            | Self::Auth { .. }
            | Self::RateLimited { .. }
            | Self::Unavailable { .. } => C::Unavailable,
        }
    }
}
