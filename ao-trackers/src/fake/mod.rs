//! A stateful fake of GitHub's REST and GraphQL APIs on loopback, for tests; and, in
//! [`linear`], one of Linear's GraphQL API, which shares the GraphQL executor.
//!
//! [`FakeGitHub::start`] binds `127.0.0.1:<random port>` and serves from its own thread and
//! tokio runtime, so the same handle works in a plain `#[test]`, in a `#[tokio::test]`, and for a
//! child process pointed at it with `GITHUB_API_URL` / `GITHUB_GRAPHQL_URL` (see
//! [`FakeGitHub::env`]); it stops when dropped. The test owns the world through the handle —
//! repositories, issues, pull requests, checks, statuses, reviews — and reads back what clients
//! changed and every request they made.
//!
//! Why a stateful fake rather than canned responses: `ao` reads and writes the same objects
//! across commands (label an issue, then list by label; a PR's checks flip while the lifecycle
//! polls), and the rate-limit and ETag behaviour that the client's budget logic depends on only
//! shows over a sequence of requests.
//!
//! Fidelity: response bodies carry every key of the examples in GitHub's OpenAPI description
//! (checked by this crate's tests against `@octokit/openapi`), rate-limit headers are kept per
//! token and resource (`core`, `graphql`; `/rate_limit` is free; a `304` is free), GET responses
//! carry a weak `ETag` and honour `If-None-Match`, lists paginate with `Link`. A GraphQL query
//! is charged GitHub's static estimate (one point per hundred connection requests, see
//! `rateLimit { cost nodeCount }`) and refused over 500,000 nodes, as on GitHub. Pull requests
//! may come from forks (a head in another repository) and merge through the merge route with
//! GitHub's refusals. The routes are listed in [`ROUTES`]; the GraphQL subset is described in
//! the `graphql` module docs and in [`GRAPHQL_FIELDS`].
//!
//! The request log ([`FakeGitHub::requests`]) keeps, per request, what it cost against its rate
//! limit and which repositories it read, so a test can count the GraphQL and the rate-limited
//! requests each repository caused ([`FakeGitHub::graphql_requests`],
//! [`FakeGitHub::counted_requests`]).
//!
//! ```no_run
//! use ao_trackers::fake::{FakeGitHub, Issue, PullRequest, CheckRun, CheckConclusion};
//!
//! let gh = FakeGitHub::start();
//! let issue = gh.add_issue("acme/app", Issue::new("Login fails"));
//! let pr = gh.add_pull("acme/app", PullRequest::new("Fix login", "fix-login"));
//! let sha = gh.pull("acme/app", pr).map(|p| p.head_sha).unwrap_or_default();
//! gh.add_check_run("acme/app", &sha, CheckRun::completed("ci", CheckConclusion::Success));
//! // Run a client with GITHUB_API_URL=gh.url(), GITHUB_TOKEN=anything, then:
//! assert!(gh.requests().iter().all(|r| r.status < 500));
//! # let _ = issue;
//! ```

mod control;
mod graphql;
pub mod linear;
mod rest;
mod server;
mod shapes;
mod state;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::oneshot;

pub use control::{
    DEFAULT_LIMIT, Fault, RecordedRequest, UNAUTHENTICATED_LIMIT, token_fingerprint,
};
pub use rest::ROUTES;
pub use state::{
    CheckConclusion, CheckRun, CheckStatus, Comment, CommitStatus, Issue, IssueState, MergeMethod,
    MergeableState, Permission, PullRequest, PullState, Repo, Review, ReviewComment, ReviewState,
    StateReason, StatusState,
};

use control::{Control, Injected, Resource, token_of};
use server::Shared;
use state::{RepoData, World};

/// The GraphQL fields the fake resolves, by type (anything else is an `undefinedField` error).
pub const GRAPHQL_FIELDS: &[(&str, &[&str])] = &[
    ("Query", &["rateLimit", "viewer", "repository"]),
    (
        "RateLimit",
        &["limit", "remaining", "used", "cost", "nodeCount", "resetAt"],
    ),
    ("User", &["login", "id", "databaseId", "url", "avatarUrl"]),
    (
        "Repository",
        &[
            "id",
            "databaseId",
            "name",
            "nameWithOwner",
            "owner",
            "isPrivate",
            "url",
            "defaultBranchRef",
            "issue",
            "pullRequest",
            "pullRequests",
            "issueOrPullRequest",
            "object",
            "viewerPermission",
        ],
    ),
    ("Ref", &["name", "target"]),
    (
        "Issue",
        &[
            "id",
            "databaseId",
            "number",
            "title",
            "body",
            "state",
            "stateReason",
            "closed",
            "url",
            "createdAt",
            "updatedAt",
            "closedAt",
            "author",
            "repository",
            "labels",
            "assignees",
            "comments",
        ],
    ),
    (
        "PullRequest",
        &[
            "id",
            "databaseId",
            "number",
            "title",
            "body",
            "state",
            "isDraft",
            "merged",
            "mergedAt",
            "mergedBy",
            "closed",
            "closedAt",
            "url",
            "createdAt",
            "updatedAt",
            "headRefName",
            "headRefOid",
            "headRepository",
            "isCrossRepository",
            "maintainerCanModify",
            "baseRefName",
            "baseRefOid",
            "mergeable",
            "mergeStateStatus",
            "reviewDecision",
            "additions",
            "deletions",
            "changedFiles",
            "author",
            "repository",
            "labels",
            "assignees",
            "comments",
            "reviews",
            "reviewThreads",
            "reviewRequests",
            "commits",
            "statusCheckRollup",
        ],
    ),
    ("PullRequestCommit", &["commit"]),
    ("Commit", &["oid", "abbreviatedOid", "statusCheckRollup"]),
    ("StatusCheckRollup", &["state", "contexts"]),
    (
        "CheckRun",
        &[
            "id",
            "databaseId",
            "name",
            "status",
            "conclusion",
            "detailsUrl",
            "title",
            "url",
            "startedAt",
            "completedAt",
        ],
    ),
    (
        "StatusContext",
        &[
            "id",
            "context",
            "state",
            "targetUrl",
            "description",
            "createdAt",
        ],
    ),
    (
        "PullRequestReview",
        &[
            "id",
            "databaseId",
            "state",
            "body",
            "author",
            "submittedAt",
            "createdAt",
            "url",
            "commit",
        ],
    ),
    (
        "PullRequestReviewThread",
        &["id", "isResolved", "isOutdated", "path", "line", "comments"],
    ),
    (
        "PullRequestReviewComment",
        &[
            "id",
            "databaseId",
            "body",
            "author",
            "path",
            "line",
            "outdated",
            "createdAt",
            "url",
        ],
    ),
    (
        "IssueComment",
        &[
            "id",
            "databaseId",
            "body",
            "author",
            "createdAt",
            "updatedAt",
            "url",
        ],
    ),
    ("Label", &["id", "name", "color", "description"]),
    ("ReviewRequest", &["requestedReviewer"]),
    ("*Connection", &["totalCount", "nodes", "edges", "pageInfo"]),
    ("*Edge", &["cursor", "node"]),
    (
        "PageInfo",
        &["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"],
    ),
];

/// A running fake GitHub; stops when dropped.
#[derive(Debug)]
pub struct FakeGitHub {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeGitHub {
    /// Starts a fake on `127.0.0.1:<random port>`.
    ///
    /// # Panics
    /// When no loopback port can be bound or no thread started (use [`FakeGitHub::try_start`]
    /// to handle that).
    #[track_caller]
    pub fn start() -> Self {
        match Self::try_start() {
            Ok(fake) => fake,
            Err(e) => panic!("cannot start the fake GitHub on 127.0.0.1: {e}"),
        }
    }

    /// Starts a fake on `127.0.0.1:<random port>`, or says why it could not.
    pub fn try_start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            world: Mutex::new(World::new()),
            control: Mutex::new(Control::new()),
            api: format!("http://{addr}"),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (tx, rx) = oneshot::channel();
        let serving = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("fake-github-{}", addr.port()))
            .spawn(move || runtime.block_on(server::serve(listener, serving, rx)))?;
        Ok(Self {
            shared,
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The REST base URL (`http://127.0.0.1:<port>`, no trailing slash), for `GITHUB_API_URL`.
    pub fn url(&self) -> &str {
        &self.shared.api
    }

    /// The GraphQL endpoint (`<url>/graphql`), for `GITHUB_GRAPHQL_URL`.
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.shared.api)
    }

    /// The socket address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `GITHUB_API_URL` and `GITHUB_GRAPHQL_URL` for a child process (`Command::envs`).
    pub fn env(&self) -> [(&'static str, String); 2] {
        [
            ("GITHUB_API_URL", self.url().to_owned()),
            ("GITHUB_GRAPHQL_URL", self.graphql_url()),
        ]
    }

    // ---- The world -------------------------------------------------------------------------

    /// Adds (or replaces the settings of) a repository.
    pub fn add_repo(&self, repo: Repo) {
        let mut world = self.shared.world();
        let key = state::key(&repo.owner, &repo.name);
        if let Some(data) = world.repos.get_mut(&key) {
            data.repo = repo;
            return;
        }
        let id = world.next_id();
        world.repos.insert(key, new_repo(id, repo));
    }

    /// Changes a repository's settings (adding it first when missing).
    pub fn update_repo(&self, repo: &str, f: impl FnOnce(&mut Repo)) {
        self.with_repo(repo, |data, _| f(&mut data.repo));
    }

    /// Runs `f` on a repository, adding `full_name` as a public repository first when missing.
    fn with_repo<R>(&self, full_name: &str, f: impl FnOnce(&mut RepoData, &mut u64) -> R) -> R {
        let probe = Repo::new(full_name);
        let key = state::key(&probe.owner, &probe.name);
        let mut world = self.shared.world();
        let World { repos, next_id, .. } = &mut *world;
        let data = repos.entry(key).or_insert_with(|| {
            *next_id += 1;
            new_repo(*next_id, probe)
        });
        f(data, next_id)
    }

    /// The login requests act as (the author of comments posted through the API, `viewer`).
    pub fn set_viewer(&self, login: &str) {
        login.clone_into(&mut self.shared.world().viewer);
    }

    /// Adds an issue (to a repository created on demand) and returns its number.
    pub fn add_issue(&self, repo: &str, mut issue: Issue) -> u64 {
        self.with_repo(repo, |data, next_id| {
            data.last_number += 1;
            *next_id += 1;
            issue.number = data.last_number;
            issue.id = *next_id;
            stamp(&mut issue.created_at, &mut issue.updated_at);
            if issue.state == IssueState::Closed && issue.closed_at.is_none() {
                issue.closed_at = Some(issue.updated_at);
            }
            for c in &mut issue.comments {
                *next_id += 1;
                c.id = *next_id;
            }
            data.ensure_labels(&issue.labels.clone(), next_id);
            data.issues.insert(issue.number, issue);
            data.last_number
        })
    }

    /// Adds a pull request and returns its number (shared with issues). An empty head sha is
    /// derived from the branch and number, an empty base from the default branch.
    pub fn add_pull(&self, repo: &str, mut pull: PullRequest) -> u64 {
        self.with_repo(repo, |data, next_id| {
            data.last_number += 1;
            *next_id += 1;
            pull.number = data.last_number;
            pull.id = *next_id;
            let full = data.repo.full_name();
            if pull.head_sha.is_empty() {
                pull.head_sha = rest::head_sha_for(&full, &pull.head_ref, pull.number);
            }
            if pull.base_ref.is_empty() {
                pull.base_ref = data.repo.default_branch.clone();
            }
            if pull.base_sha.is_empty() {
                pull.base_sha = data
                    .resolve_ref(&pull.base_ref)
                    .unwrap_or_else(|| state::default_sha(&pull.base_ref));
            }
            stamp(&mut pull.created_at, &mut pull.updated_at);
            if pull.state != PullState::Open && pull.closed_at.is_none() {
                pull.closed_at = Some(pull.updated_at);
            }
            if pull.state == PullState::Merged && pull.merged_at.is_none() {
                pull.merged_at = pull.closed_at;
            }
            for c in &mut pull.comments {
                *next_id += 1;
                c.id = *next_id;
            }
            data.ensure_labels(&pull.labels.clone(), next_id);
            data.pulls.insert(pull.number, pull);
            data.last_number
        })
    }

    /// A copy of an issue (not a pull request).
    pub fn issue(&self, repo: &str, number: u64) -> Option<Issue> {
        let probe = Repo::new(repo);
        let world = self.shared.world();
        world
            .repo(&probe.owner, &probe.name)?
            .issues
            .get(&number)
            .cloned()
    }

    /// A copy of a pull request.
    pub fn pull(&self, repo: &str, number: u64) -> Option<PullRequest> {
        let probe = Repo::new(repo);
        let world = self.shared.world();
        world
            .repo(&probe.owner, &probe.name)?
            .pulls
            .get(&number)
            .cloned()
    }

    /// Changes an issue in place and bumps its `updated_at`.
    ///
    /// # Panics
    /// When the issue does not exist (a mistake in the test).
    #[track_caller]
    pub fn update_issue(&self, repo: &str, number: u64, f: impl FnOnce(&mut Issue)) {
        let found = self.with_repo(repo, |data, next_id| {
            let Some(issue) = data.issues.get_mut(&number) else {
                return false;
            };
            f(issue);
            issue.updated_at = rest::now();
            let labels = issue.labels.clone();
            data.ensure_labels(&labels, next_id);
            true
        });
        assert!(found, "fake GitHub: no issue {repo}#{number}");
    }

    /// Changes a pull request in place and bumps its `updated_at`.
    ///
    /// # Panics
    /// When the pull request does not exist (a mistake in the test).
    #[track_caller]
    pub fn update_pull(&self, repo: &str, number: u64, f: impl FnOnce(&mut PullRequest)) {
        let found = self.with_repo(repo, |data, next_id| {
            let Some(pull) = data.pulls.get_mut(&number) else {
                return false;
            };
            f(pull);
            pull.updated_at = rest::now();
            let labels = pull.labels.clone();
            data.ensure_labels(&labels, next_id);
            true
        });
        assert!(found, "fake GitHub: no pull request {repo}#{number}");
    }

    /// Merges a pull request as `by`, now.
    #[track_caller]
    pub fn merge_pull(&self, repo: &str, number: u64, by: &str) {
        let at = rest::now();
        self.update_pull(repo, number, |p| {
            p.state = PullState::Merged;
            p.closed_at = Some(at);
            p.merged_at = Some(at);
            p.merged_by = Some(by.to_owned());
        });
    }

    /// Pushes `sha` to a pull request's head branch (a new head commit; `updated_at` bumped).
    #[track_caller]
    pub fn push(&self, repo: &str, number: u64, sha: &str) {
        self.update_pull(repo, number, |p| sha.clone_into(&mut p.head_sha));
    }

    /// Adds a conversation comment to an issue or pull request and returns its id.
    ///
    /// # Panics
    /// When neither exists with that number.
    #[track_caller]
    pub fn add_comment(&self, repo: &str, number: u64, author: &str, body: &str) -> u64 {
        let id = self.with_repo(repo, |data, next_id| {
            *next_id += 1;
            let comment = Comment {
                id: *next_id,
                author: author.to_owned(),
                body: body.to_owned(),
                created_at: rest::now(),
            };
            if let Some(issue) = data.issues.get_mut(&number) {
                issue.comments.push(comment);
            } else if let Some(pull) = data.pulls.get_mut(&number) {
                pull.comments.push(comment);
            } else {
                return None;
            }
            Some(*next_id)
        });
        id.unwrap_or_else(|| panic!("fake GitHub: no issue or pull request {repo}#{number}"))
    }

    /// Points a branch at a commit (for `commits/{branch}/…`).
    pub fn set_branch(&self, repo: &str, branch: &str, sha: &str) {
        self.with_repo(repo, |data, _| {
            data.repo.branches.insert(branch.to_owned(), sha.to_owned());
        });
    }

    /// Adds a check run on a commit and returns its id.
    pub fn add_check_run(&self, repo: &str, sha: &str, mut run: CheckRun) -> u64 {
        self.with_repo(repo, |data, next_id| {
            *next_id += 1;
            run.id = *next_id;
            sha.clone_into(&mut run.head_sha);
            if run.started_at == Timestamp::UNIX_EPOCH {
                run.started_at = rest::now();
            }
            if run.status == CheckStatus::Completed && run.completed_at.is_none() {
                run.completed_at = Some(rest::now());
            }
            data.check_runs.push(run);
            *next_id
        })
    }

    /// Changes a check run in place (say, to complete it).
    ///
    /// # Panics
    /// When no check run has that id.
    #[track_caller]
    pub fn update_check_run(&self, repo: &str, id: u64, f: impl FnOnce(&mut CheckRun)) {
        let found = self.with_repo(repo, |data, _| {
            let Some(run) = data.check_runs.iter_mut().find(|c| c.id == id) else {
                return false;
            };
            f(run);
            if run.status == CheckStatus::Completed && run.completed_at.is_none() {
                run.completed_at = Some(rest::now());
            }
            true
        });
        assert!(found, "fake GitHub: no check run {id} in {repo}");
    }

    /// Adds a commit status and returns its id (the latest per context counts).
    pub fn add_status(&self, repo: &str, sha: &str, mut status: CommitStatus) -> u64 {
        self.with_repo(repo, |data, next_id| {
            *next_id += 1;
            status.id = *next_id;
            sha.clone_into(&mut status.sha);
            if status.created_at == Timestamp::UNIX_EPOCH {
                status.created_at = rest::now();
            }
            data.statuses.push(status);
            *next_id
        })
    }

    /// Adds a review to a pull request and returns its id.
    ///
    /// # Panics
    /// When the pull request does not exist.
    #[track_caller]
    pub fn add_review(&self, repo: &str, number: u64, mut review: Review) -> u64 {
        let id = self.with_repo(repo, |data, next_id| {
            let pull = data.pulls.get_mut(&number)?;
            *next_id += 1;
            review.id = *next_id;
            if review.commit_id.is_empty() {
                review.commit_id.clone_from(&pull.head_sha);
            }
            if review.submitted_at == Timestamp::UNIX_EPOCH {
                review.submitted_at = rest::now();
            }
            // GitHub bumps a pull request's `updated_at` for a review, so lists sorted by it
            // (and their ETags) change.
            pull.updated_at = pull.updated_at.max(review.submitted_at);
            pull.requested_reviewers.retain(|r| *r != review.author);
            pull.reviews.push(review);
            Some(*next_id)
        });
        id.unwrap_or_else(|| panic!("fake GitHub: no pull request {repo}#{number}"))
    }

    /// Adds a review comment (a new thread, or a reply when `in_reply_to` is set) and returns
    /// its id.
    ///
    /// # Panics
    /// When the pull request does not exist.
    #[track_caller]
    pub fn add_review_comment(&self, repo: &str, number: u64, mut comment: ReviewComment) -> u64 {
        let id = self.with_repo(repo, |data, next_id| {
            let pull = data.pulls.get_mut(&number)?;
            *next_id += 1;
            comment.id = *next_id;
            if comment.commit_id.is_empty() {
                comment.commit_id.clone_from(&pull.head_sha);
            }
            if comment.created_at == Timestamp::UNIX_EPOCH {
                comment.created_at = rest::now();
            }
            pull.updated_at = pull.updated_at.max(comment.created_at);
            pull.review_comments.push(comment);
            Some(*next_id)
        });
        id.unwrap_or_else(|| panic!("fake GitHub: no pull request {repo}#{number}"))
    }

    /// Marks the thread started by review comment `root` resolved or not.
    #[track_caller]
    pub fn resolve_thread(&self, repo: &str, number: u64, root: u64, resolved: bool) {
        self.update_pull(repo, number, |p| {
            for c in p.review_comments.iter_mut().filter(|c| c.id == root) {
                c.resolved = resolved;
            }
        });
    }

    // ---- Control ---------------------------------------------------------------------------

    /// Accepts only these tokens from now on; any other `Authorization` gets `401 Bad
    /// credentials` (requests without one stay anonymous).
    pub fn accept_tokens(&self, tokens: &[&str]) {
        self.shared.control().accepted =
            Some(tokens.iter().map(|t| token_fingerprint(t)).collect());
    }

    /// Sets the hourly budget of one token (both `core` and `graphql`).
    pub fn set_rate_limit(&self, token: &str, limit: u32) {
        self.shared
            .control()
            .limits
            .insert(token_fingerprint(token), limit);
    }

    /// Sets the hourly budget of tokens without their own (default [`DEFAULT_LIMIT`]).
    pub fn set_default_rate_limit(&self, limit: u32) {
        self.shared.control().default_limit = limit;
    }

    /// Spends a token's `core` budget (`None`: the anonymous one) until `reset_in` from now;
    /// requests get GitHub's primary-limit `403` until then, and the budget refills after.
    pub fn exhaust_rate_limit(&self, token: Option<&str>, reset_in: Duration) {
        let fp = token.map(token_fingerprint);
        let mut control = self.shared.control();
        let bucket = control.bucket(fp.as_deref(), Resource::Core);
        bucket.used = bucket.limit;
        bucket.reset = Timestamp::now().as_second()
            + i64::try_from(reset_in.as_secs())
                .unwrap_or(i64::MAX / 2)
                .max(1);
    }

    /// What is left of a token's `core` budget (`None`: anonymous).
    pub fn rate_remaining(&self, token: Option<&str>) -> u32 {
        let fp = token.map(token_fingerprint);
        self.shared
            .control()
            .bucket(fp.as_deref(), Resource::Core)
            .remaining()
    }

    /// What is left of a token's `graphql` budget.
    pub fn graphql_remaining(&self, token: &str) -> u32 {
        let fp = token_fingerprint(token);
        self.shared
            .control()
            .bucket(Some(&fp), Resource::Graphql)
            .remaining()
    }

    /// Answers the next `times` requests with `fault`.
    pub fn inject(&self, fault: Fault, times: usize) {
        self.push_fault(None, fault, times);
    }

    /// Answers the next `times` requests whose path starts with `path_prefix` (as sent, e.g.
    /// `/graphql` or `/repos/acme/app/pulls`) with `fault`; others are served.
    pub fn inject_on(&self, path_prefix: &str, fault: Fault, times: usize) {
        self.push_fault(Some(path_prefix.to_owned()), fault, times);
    }

    fn push_fault(&self, path_prefix: Option<String>, fault: Fault, times: usize) {
        if times > 0 {
            self.shared.control().faults.push_back(Injected {
                fault,
                path_prefix,
                remaining: times,
            });
        }
    }

    /// Delays every response by `latency` (zero to stop).
    pub fn set_latency(&self, latency: Duration) {
        self.shared.control().latency = latency;
    }

    /// Drops every pending fault and the configured latency.
    pub fn clear_faults(&self) {
        let mut control = self.shared.control();
        control.faults.clear();
        control.latency = Duration::ZERO;
    }

    /// Every request served so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.control().requests.clone()
    }

    /// The GraphQL requests that read `repo` (`owner/name`), as recorded.
    pub fn graphql_requests(&self, repo: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.is_graphql() && r.touches(repo))
            .count()
    }

    /// The requests about `repo` that cost something against a rate limit (GraphQL queries,
    /// REST requests served with a body; not `304 Not Modified`).
    pub fn counted_requests(&self, repo: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.cost > 0 && r.touches(repo))
            .count()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.control().requests.clear();
    }

    /// Whether a recorded `Authorization` fingerprint belongs to `token`.
    pub fn sent_token(request: &RecordedRequest, token: &str) -> bool {
        request.authorization.as_deref() == Some(token_fingerprint(token_of(token)).as_str())
    }
}

/// A new repository's data, with an id from the world's sequence.
fn new_repo(id: u64, repo: Repo) -> RepoData {
    RepoData {
        id,
        repo,
        created_at: rest::now(),
        last_number: 0,
        issues: Default::default(),
        pulls: Default::default(),
        labels: state::default_labels(id),
        check_runs: Vec::new(),
        statuses: Vec::new(),
    }
}

/// Sets creation and update times to now when the test left them unset.
fn stamp(created: &mut Timestamp, updated: &mut Timestamp) {
    if *created == Timestamp::UNIX_EPOCH {
        *created = rest::now();
    }
    if *updated == Timestamp::UNIX_EPOCH || *updated < *created {
        *updated = *created;
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
