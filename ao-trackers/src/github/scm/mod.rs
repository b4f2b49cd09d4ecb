//! GitHub pull requests, checks and reviews as an `ao` [`Scm`] (config name `github`).
//!
//! # One request per repository
//! The reference spends four `gh` calls per session per refresh, and its users' most reported
//! problem is the exhausted rate limit. Here [`Scm::pr_batch`] asks about every session of a
//! repository in one GraphQL document, one alias per question (`q0: pullRequest(number: 12)`,
//! `q1: pullRequests(headRefName: "feat/x", first: 3, …)`), each reading state, mergeability,
//! review decision, the head commit's check contexts and the review threads. Only pull requests
//! with more than a page of checks or threads get follow-up requests, batched the same way. A
//! repository with more questions than one request can carry is split (see
//! [`MAX_NODES_PER_REQUEST`]).
//!
//! # The gate, and why it is sound
//! Before the batch, one conditional REST read of the repository's pull-request list, most
//! recently updated first (`GET /repos/{o}/{r}/pulls?state=all&sort=updated&direction=desc
//! &per_page=100`), is sent with `If-None-Match` set to the ETag the previous batch kept in its
//! validator. The validator travels with the batch (not in the client's memory) because
//! `ao status` is a new process every time. A `304` is free against the rate limit.
//!
//! Every change GitHub makes to a pull request's own data — opened, pushed to, retitled,
//! reviewed, commented on, closed, merged, reopened — bumps its `updated_at`, which moves it to
//! the top of that list and changes the first page, hence its ETag. So when the list answers
//! `304`, the previous answers still hold — except for what does not touch the pull request:
//! - checks finishing or being re-run change the head commit, not the pull request; so an
//!   answer whose checks were pending is fetched again even behind a `304`, and one with no
//!   checks yet or failed ones once it is older than [`RECHECK_AGE`] (checks starting on a new
//!   pull request, a re-run of failed ones);
//! - mergeability is computed by GitHub in the background after a push to the base branch;
//!   so an answer with unknown mergeability is fetched again;
//! - what changes beside the pull request — a push to the base that makes it conflicting, a
//!   review thread resolved (GitHub does not promise that this bumps `updated_at`), a branch
//!   protection rule that changes its merge state — goes unseen until the answers are older
//!   than [`MAX_AGE`]: then everything is fetched again.
//!
//! Reused answers are only those of open pull requests with settled checks and known
//! mergeability, and of branches without a pull request (a new one changes the list). The list
//! is read before the batch, so a change between the two reads is caught by the next batch.
//!
//! [`PrBatch::rate_limit`] is the GraphQL budget (the one batches spend): from the batch's own
//! `rateLimit` field, or, when nothing was fetched, as this process last saw it, else as the
//! previous batch reported it. The `304`'s headers describe the REST budget, which a refresh
//! does not spend, so they are not mixed in.
//!
//! The validator is `"<epoch seconds of the last full fetch> <ETag>"`: opaque to callers, and
//! it lets [`MAX_AGE`] count from the last time everything was fetched rather than from the last
//! `304`, which would otherwise keep old answers alive forever.

mod fetch;
mod read;

use std::sync::Arc;
use std::time::Duration;

use ao_core::domain::{CiStatus, PrRef, PrState, Timestamp};
use ao_core::plugin::{
    MergeMethod, PrAnswer, PrBatch, PrDetails, PrQuery, PullRequest, RateBudget, Scm, ScmContext,
    ScmError,
};
use async_trait::async_trait;
use serde::de::IgnoredAny;
use serde_json::{Map, Value, json};

use super::client::{Conditional, GitHubClient};
use super::documents::{PR_BY_NUMBER, PRS_FOR_BRANCH};
use super::error::GitHubError;
use super::routes::{LIST_PULLS, MERGE_PULL, split_repo};
use super::source::Source;
use super::token::Credentials;
use super::wire::MergeJson;

pub use fetch::MAX_NODES_PER_REQUEST;

/// The SCM's config name.
pub const SCM_NAME: &str = "github";

/// How long answers are reused behind an unchanged pull-request list before everything is
/// fetched again: a push to a base branch can make a pull request conflicting without touching
/// the list (see the module docs). Ten minutes bounds that blind spot while a fleet polling
/// every 30 seconds still makes most of its refreshes for free.
pub const MAX_AGE: Duration = Duration::from_secs(10 * 60);

/// How long an open pull request with no checks yet, or with failed ones, is reused behind an
/// unchanged list. Checks that start on a new pull request, and a re-run of failed ones on the
/// same commit, touch the commit, not the list: a short bound sees them soon after, while a
/// refresh right after another one (`ao status` twice) stays free.
pub const RECHECK_AGE: Duration = Duration::from_secs(2 * 60);

/// The query of the gate's list read: every state, most recently updated first, one full page.
const LIST_QUERY: &[(&str, &str)] = &[
    ("state", "all"),
    ("sort", "updated"),
    ("direction", "desc"),
    ("per_page", "100"),
];

/// GitHub pull requests as an [`Scm`] (config name `github`); see the module docs.
#[derive(Debug, Clone)]
pub struct GitHubScm {
    settings: Map<String, Value>,
    source: Source,
    max_age: Duration,
}

impl GitHubScm {
    /// An SCM for a project whose SCM settings are `settings` (`apiUrl`, `graphqlUrl`); the
    /// token is discovered on first use.
    pub fn new(settings: Map<String, Value>) -> Self {
        Self {
            settings,
            source: Source::Discover,
            max_age: MAX_AGE,
        }
    }

    /// An SCM that authenticates with `credentials` instead of discovering a token.
    pub fn with_credentials(settings: Map<String, Value>, credentials: Credentials) -> Self {
        Self {
            source: Source::Credentials(credentials),
            ..Self::new(settings)
        }
    }

    /// An SCM that uses `client` for everything (tests, embedders with their own settings).
    pub fn with_client(client: Arc<GitHubClient>) -> Self {
        Self {
            source: Source::Client(client),
            ..Self::new(Map::new())
        }
    }

    /// Reuses answers behind an unchanged list for at most `max_age` (default [`MAX_AGE`]).
    pub fn with_max_age(self, max_age: Duration) -> Self {
        Self { max_age, ..self }
    }

    /// The client for a call (the call's settings win over the ones the SCM was built with).
    pub async fn client(&self, ctx: &ScmContext) -> Result<Arc<GitHubClient>, ScmError> {
        self.source
            .client(&self.settings, &ctx.settings)
            .await
            .map_err(|e| unavailable(&e))
    }
}

fn unavailable(e: &GitHubError) -> ScmError {
    ScmError::Unavailable {
        scm: SCM_NAME.into(),
        detail: e.to_string(),
    }
}

/// Maps a client error; `what` names the pull request or repository for a `NotFound`.
pub(super) fn scm_error(e: GitHubError, client: &GitHubClient, what: &str) -> ScmError {
    let not_found = || {
        let hint = if client.token_source().is_none() {
            " (without a GitHub token a private repository reads as missing)"
        } else {
            ""
        };
        ScmError::NotFound {
            pr: format!("{what}{hint}"),
        }
    };
    match e {
        GitHubError::NotFound { .. } => not_found(),
        GitHubError::GraphQl { ref kinds, .. } if kinds.iter().any(|k| k == "NOT_FOUND") => {
            not_found()
        }
        GitHubError::RateLimited { reset, .. } => ScmError::RateLimited {
            scm: SCM_NAME.into(),
            reset,
        },
        GitHubError::Auth { .. } => ScmError::Auth {
            scm: SCM_NAME.into(),
            detail: format!("{e}; set GITHUB_TOKEN or run `gh auth login`"),
        },
        GitHubError::GraphQl { ref kinds, .. } if kinds.iter().any(|k| k == "FORBIDDEN") => {
            ScmError::Auth {
                scm: SCM_NAME.into(),
                detail: format!("{e}; the token may lack the `repo` scope or SSO authorization"),
            }
        }
        other => unavailable(&other),
    }
}

/// The project's repository split in two.
fn repo_parts(ctx: &ScmContext) -> Result<(&str, &str), ScmError> {
    split_repo(&ctx.repo).map_err(|e| unavailable(&e))
}

/// What [`PrBatch::validator`] holds (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Validator {
    /// The pull-request list's ETag.
    etag: String,
    /// When every answer was last fetched (not reused).
    full_fetch: Timestamp,
}

impl Validator {
    fn encode(&self) -> String {
        format!("{} {}", self.full_fetch.as_second(), self.etag)
    }

    /// `None` for anything this SCM did not write (another SCM's, or a damaged file).
    fn decode(text: &str) -> Option<Self> {
        let (seconds, etag) = text.split_once(' ')?;
        let full_fetch = Timestamp::from_second(seconds.parse().ok()?).ok()?;
        (!etag.trim().is_empty()).then(|| Self {
            etag: etag.to_string(),
            full_fetch,
        })
    }
}

/// Whether an answer fetched `age` ago may be reused behind an unchanged list: no pull request
/// (a new one would change the list), or one whose state cannot change without changing the
/// list — merged or closed, or open with checks settled and mergeability known; an open one
/// with no checks or failed ones only for [`RECHECK_AGE`].
fn settled(answer: &PrAnswer, age: Duration) -> bool {
    match &answer.pr {
        None => true,
        Some(d) => match d.pr.state {
            PrState::Merged | PrState::Closed => true,
            PrState::Open | PrState::Draft => {
                let may_start = matches!(d.ci.state, CiStatus::None | CiStatus::Failing);
                d.ci.state != CiStatus::Pending
                    && d.mergeable.is_some()
                    && !(may_start && age > RECHECK_AGE)
            }
        },
    }
}

/// `ao_core`'s budget from the client's GraphQL window.
fn graphql_budget(client: &GitHubClient) -> Option<RateBudget> {
    client.budget().graphql().map(|w| RateBudget {
        remaining: w.remaining,
        limit: w.limit,
        reset_at: w.reset,
    })
}

#[async_trait]
impl Scm for GitHubScm {
    fn name(&self) -> &str {
        SCM_NAME
    }

    async fn pr_for_branch(
        &self,
        ctx: &ScmContext,
        branch: &str,
    ) -> Result<Option<PullRequest>, ScmError> {
        let (owner, name) = repo_parts(ctx)?;
        let client = self.client(ctx).await?;
        #[derive(serde::Deserialize)]
        struct Data {
            repository: Option<Repository>,
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Repository {
            viewer_permission: Option<String>,
            pull_requests: Nodes,
        }
        #[derive(serde::Deserialize)]
        struct Nodes {
            #[serde(default)]
            nodes: Vec<Option<read::PrJson>>,
        }
        let data: Data = client
            .graphql(
                &PRS_FOR_BRANCH,
                json!({"owner": owner, "name": name, "branch": branch}),
            )
            .await
            .map_err(|e| scm_error(e, &client, &ctx.repo))?;
        let Some(repository) = data.repository else {
            return Err(scm_error(
                GitHubError::NotFound {
                    what: ctx.repo.clone(),
                },
                &client,
                &ctx.repo,
            ));
        };
        let candidates: Vec<read::PrJson> = repository
            .pull_requests
            .nodes
            .into_iter()
            .flatten()
            .collect();
        fetch::pick(&candidates, &ctx.repo)
            .map(|p| p.pull_request(&ctx.repo, repository.viewer_permission.as_deref()))
            .transpose()
    }

    async fn resolve_pr(&self, ctx: &ScmContext, pr: &PrRef) -> Result<PullRequest, ScmError> {
        if let Some(repo) = &pr.repo
            && !repo.eq_ignore_ascii_case(&ctx.repo)
        {
            // Another repository's pull request is not this project's to claim or follow.
            return Err(ScmError::NotFound {
                pr: format!(
                    "{pr} (not a pull request of {}, the project's repository)",
                    ctx.repo
                ),
            });
        }
        let (owner, name) = repo_parts(ctx)?;
        let client = self.client(ctx).await?;
        let what = format!("{}#{}", ctx.repo, pr.number);
        #[derive(serde::Deserialize)]
        struct Data {
            repository: Option<Repository>,
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Repository {
            viewer_permission: Option<String>,
            pull_request: Option<read::PrJson>,
        }
        let data: Data = client
            .graphql(
                &PR_BY_NUMBER,
                json!({"owner": owner, "name": name, "number": pr.number}),
            )
            .await
            .map_err(|e| scm_error(e, &client, &what))?;
        let Some((json, permission)) = data
            .repository
            .and_then(|r| Some((r.pull_request?, r.viewer_permission)))
        else {
            return Err(ScmError::NotFound { pr: what });
        };
        json.pull_request(&ctx.repo, permission.as_deref())
    }

    async fn pr_batch(
        &self,
        ctx: &ScmContext,
        queries: &[PrQuery],
        previous: Option<PrBatch>,
    ) -> Result<PrBatch, ScmError> {
        let (owner, name) = repo_parts(ctx)?;
        let now = Timestamp::now();
        if queries.is_empty() {
            // Nothing to ask: no request at all.
            return Ok(PrBatch {
                answers: Vec::new(),
                fetched_at: now,
                validator: previous.as_ref().and_then(|p| p.validator.clone()),
                rate_limit: previous.as_ref().and_then(|p| p.rate_limit),
            });
        }
        let client = self.client(ctx).await?;
        let previous_validator = previous
            .as_ref()
            .and_then(|p| p.validator.as_deref())
            .and_then(Validator::decode);

        // The gate: has any pull request of the repository changed since the last batch?
        let gate = client
            .get_unless_matches::<IgnoredAny>(
                &LIST_PULLS,
                &[owner, name],
                LIST_QUERY,
                previous_validator.as_ref().map(|v| v.etag.as_str()),
            )
            .await;
        let (unchanged, etag) = match gate {
            Ok(Conditional::NotModified) => {
                (true, previous_validator.as_ref().map(|v| v.etag.clone()))
            }
            Ok(Conditional::Changed { etag, .. }) => (false, etag),
            // The batch would meet the same missing repository or rejected token.
            Err(e @ (GitHubError::NotFound { .. } | GitHubError::Auth { .. })) => {
                return Err(scm_error(e, &client, &ctx.repo));
            }
            // Unknown whether anything changed (the REST budget is spent, say, while the
            // GraphQL one is not): reuse nothing.
            Err(_) => (false, None),
        };
        let max_age =
            jiff::SignedDuration::try_from(self.max_age).unwrap_or(jiff::SignedDuration::MAX);
        let fresh_since = previous_validator
            .as_ref()
            .filter(|v| {
                // A full fetch "in the future" (a clock set back) is not fresh: it would be
                // reused for as long as the clock is behind.
                let age = now.duration_since(v.full_fetch);
                unchanged && !age.is_negative() && age < max_age
            })
            .map(|v| v.full_fetch);
        let reuse = |q: &PrQuery| -> Option<&PrAnswer> {
            fresh_since?;
            let age =
                Duration::try_from(now.duration_since(fresh_since?)).unwrap_or(Duration::ZERO);
            previous.as_ref()?.answer(q).filter(|a| settled(a, age))
        };

        let mut to_fetch: Vec<PrQuery> = Vec::new();
        for q in queries {
            if reuse(q).is_none() && !to_fetch.contains(q) {
                to_fetch.push(q.clone());
            }
        }
        let fetched = if to_fetch.is_empty() {
            None
        } else {
            Some(fetch::fetch(&client, &ctx.repo, &to_fetch).await?)
        };
        let answers = queries
            .iter()
            .map(|q| {
                let pr: Option<PrDetails> = match fetched.as_ref().and_then(|f| f.answers.get(q)) {
                    Some(found) => found.clone(),
                    None => reuse(q).and_then(|a| a.pr.clone()),
                };
                PrAnswer {
                    query: q.clone(),
                    pr,
                }
            })
            .collect();
        let rate_limit = fetched
            .as_ref()
            .and_then(|f| f.rate_limit)
            .or_else(|| graphql_budget(&client))
            .or_else(|| previous.as_ref().and_then(|p| p.rate_limit));
        let validator = etag.map(|etag| {
            Validator {
                etag,
                full_fetch: fresh_since.unwrap_or(now),
            }
            .encode()
        });
        Ok(PrBatch {
            answers,
            fetched_at: now,
            validator,
            rate_limit,
        })
    }

    async fn merge(
        &self,
        ctx: &ScmContext,
        number: u64,
        method: MergeMethod,
    ) -> Result<(), ScmError> {
        let (owner, name) = repo_parts(ctx)?;
        let client = self.client(ctx).await?;
        let method = match method {
            MergeMethod::Merge => "merge",
            MergeMethod::Squash => "squash",
            MergeMethod::Rebase => "rebase",
        };
        let n = number.to_string();
        let what = format!("{}#{number}", ctx.repo);
        let refused = |detail: String| ScmError::Refused {
            scm: SCM_NAME.into(),
            detail: format!("{what}: {detail}"),
        };
        match client
            .send::<MergeJson>(
                &MERGE_PULL,
                &[owner, name, &n],
                Some(&json!({ "merge_method": method })),
            )
            .await
        {
            Ok(answer) if answer.merged => Ok(()),
            Ok(answer) => Err(refused(
                answer
                    .message
                    .unwrap_or_else(|| "GitHub did not merge it".into()),
            )),
            // 405: not mergeable (closed, draft, conflicting, blocked); 409: the head moved;
            // 422: GitHub refused the request as given. GitHub's message says which.
            Err(GitHubError::Rejected {
                status: 405 | 409 | 422,
                detail,
                ..
            }) => Err(refused(detail)),
            Err(e) => Err(scm_error(e, &client, &what)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ao_core::plugin::{CiReport, PullRequest};

    fn answer(state: PrState, ci: CiStatus, mergeable: Option<bool>) -> PrAnswer {
        PrAnswer {
            query: PrQuery::Number(1),
            pr: Some(PrDetails {
                pr: PullRequest {
                    number: 1,
                    url: String::new(),
                    title: String::new(),
                    body: String::new(),
                    branch: "b".into(),
                    base: "main".into(),
                    state,
                    head_sha: None,
                    base_sha: None,
                    fork: None,
                    head_pushable: true,
                },
                mergeable,
                merge_state: None,
                conflicts: false,
                review: Default::default(),
                ci: CiReport {
                    state: ci,
                    ..CiReport::default()
                },
                unresolved: vec![],
            }),
        }
    }

    #[test]
    fn only_settled_answers_are_reused() {
        let settled = |a: &PrAnswer| settled(a, Duration::ZERO);
        assert!(settled(&PrAnswer {
            query: PrQuery::Branch("b".into()),
            pr: None
        }));
        assert!(settled(&answer(
            PrState::Open,
            CiStatus::Passing,
            Some(true)
        )));
        assert!(settled(&answer(PrState::Open, CiStatus::None, Some(false))));
        assert!(!settled(&answer(
            PrState::Open,
            CiStatus::Pending,
            Some(true)
        )));
        assert!(!settled(&answer(PrState::Draft, CiStatus::Failing, None)));
        assert!(settled(&answer(PrState::Merged, CiStatus::Pending, None)));
    }

    #[test]
    fn no_checks_or_failed_ones_are_looked_at_again_after_a_short_while() {
        let later = RECHECK_AGE + Duration::from_secs(1);
        for ci in [CiStatus::None, CiStatus::Failing] {
            let a = answer(PrState::Open, ci, Some(true));
            assert!(settled(&a, Duration::from_secs(5)), "{ci:?} just fetched");
            assert!(!settled(&a, later), "{ci:?}: checks may have started");
        }
        assert!(settled(
            &answer(PrState::Open, CiStatus::Passing, Some(true)),
            later
        ));
        assert!(settled(
            &answer(PrState::Merged, CiStatus::None, Some(true)),
            later
        ));
    }

    #[test]
    fn the_validator_round_trips_and_refuses_anything_else() {
        let v = Validator {
            etag: "W/\"abc def\"".into(),
            full_fetch: Timestamp::from_second(1_700_000_000).unwrap(),
        };
        assert_eq!(Validator::decode(&v.encode()), Some(v));
        for other in ["", "W/\"abc\"", "x W/\"abc\"", "17 ", "7"] {
            assert_eq!(Validator::decode(other), None, "{other}");
        }
    }
}
