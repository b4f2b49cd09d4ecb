//! The fake's world: repositories with their issues, pull requests, checks and reviews.
//!
//! Plain data with public fields, so a test can build a value with `..Default::default()` and
//! mutate it through [`FakeGitHub::update_issue`](super::FakeGitHub::update_issue) and friends.
//! Numbers and ids are assigned by the store, never by the test: issue and pull-request numbers
//! share one sequence per repository, as on GitHub.

use std::collections::BTreeMap;

use jiff::Timestamp;

/// A repository: `owner/name`, its default branch, visibility and branches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    /// The owner's login.
    pub owner: String,
    /// The repository's name.
    pub name: String,
    /// The default branch (`main` unless set).
    pub default_branch: String,
    /// Whether the repository is private (hidden from unauthenticated requests, as on GitHub).
    pub private: bool,
    /// Whether branch protection requires an approving review (`reviewDecision` is then
    /// `REVIEW_REQUIRED` until one arrives, instead of null).
    pub require_review: bool,
    /// Branch name to head commit sha, for `commits/{ref}` routes given a branch name.
    pub branches: BTreeMap<String, String>,
    /// What the requests' user may do here (GraphQL `viewerPermission`, REST `permissions`);
    /// `None` for no access beyond what a public repository shows.
    pub viewer_permission: Option<Permission>,
}

/// A user's role on a repository (GraphQL `RepositoryPermission`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    /// Read only.
    Read,
    /// Read, and manage issues and pull requests.
    Triage,
    /// Push.
    Write,
    /// Push, and manage the repository without admin rights.
    Maintain,
    /// Everything.
    Admin,
}

impl Permission {
    /// The GraphQL spelling (`ADMIN`, `WRITE`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "READ",
            Self::Triage => "TRIAGE",
            Self::Write => "WRITE",
            Self::Maintain => "MAINTAIN",
            Self::Admin => "ADMIN",
        }
    }
}

impl Repo {
    /// A public repository with default branch `main` from `"owner/name"`.
    ///
    /// A string without `/` becomes a repository of the user `octocat`.
    pub fn new(full_name: &str) -> Self {
        let (owner, name) = full_name.split_once('/').unwrap_or(("octocat", full_name));
        Self {
            owner: owner.to_owned(),
            name: name.to_owned(),
            default_branch: "main".to_owned(),
            private: false,
            require_review: false,
            branches: BTreeMap::new(),
            viewer_permission: Some(Permission::Admin),
        }
    }

    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

/// Open or closed, for issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IssueState {
    /// Open.
    #[default]
    Open,
    /// Closed.
    Closed,
}

impl IssueState {
    /// The REST spelling (`open`, `closed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

/// Why an issue is in its state (`state_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateReason {
    /// Closed as done.
    Completed,
    /// Closed as won't do.
    NotPlanned,
    /// Closed as a duplicate.
    Duplicate,
    /// Reopened after being closed.
    Reopened,
}

impl StateReason {
    /// The REST spelling (`completed`, `not_planned`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::NotPlanned => "not_planned",
            Self::Duplicate => "duplicate",
            Self::Reopened => "reopened",
        }
    }

    /// Parses the REST spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "completed" => Self::Completed,
            "not_planned" => Self::NotPlanned,
            "duplicate" => Self::Duplicate,
            "reopened" => Self::Reopened,
            _ => return None,
        })
    }
}

/// A comment on an issue or on a pull request's conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Assigned by the store.
    pub id: u64,
    /// The author's login.
    pub author: String,
    /// Markdown body.
    pub body: String,
    /// When it was written.
    pub created_at: Timestamp,
}

/// An issue. Pull requests live in [`PullRequest`] and share the numbering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Assigned by the store (ignored when adding).
    pub number: u64,
    /// Assigned by the store (ignored when adding).
    pub id: u64,
    /// Title.
    pub title: String,
    /// Markdown body; `None` is GitHub's `null`.
    pub body: Option<String>,
    /// Open or closed.
    pub state: IssueState,
    /// Why it is in its state.
    pub state_reason: Option<StateReason>,
    /// Label names (created on the repository when first used).
    pub labels: Vec<String>,
    /// Assignee logins.
    pub assignees: Vec<String>,
    /// The author's login.
    pub author: String,
    /// Conversation comments.
    pub comments: Vec<Comment>,
    /// Creation time (set by the store when adding).
    pub created_at: Timestamp,
    /// Last change (bumped by the store on every change through the API).
    pub updated_at: Timestamp,
    /// When it was closed.
    pub closed_at: Option<Timestamp>,
}

impl Default for Issue {
    fn default() -> Self {
        Self {
            number: 0,
            id: 0,
            title: String::new(),
            body: None,
            state: IssueState::Open,
            state_reason: None,
            labels: Vec::new(),
            assignees: Vec::new(),
            author: "octocat".to_owned(),
            comments: Vec::new(),
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
            closed_at: None,
        }
    }
}

impl Issue {
    /// An open issue with a title, authored by `octocat`.
    pub fn new(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            ..Self::default()
        }
    }
}

/// Open, closed without merging, or merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PullState {
    /// Open.
    #[default]
    Open,
    /// Closed without merging.
    Closed,
    /// Merged (REST says `closed` with `merged: true`; GraphQL says `MERGED`).
    Merged,
}

/// GitHub's `mergeable_state` (GraphQL `mergeStateStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MergeableState {
    /// Mergeable, checks passing.
    #[default]
    Clean,
    /// Merge conflicts.
    Dirty,
    /// Blocked by branch protection.
    Blocked,
    /// The head is behind the base.
    Behind,
    /// Mergeable with failing or pending non-required checks.
    Unstable,
    /// Mergeable with passing commit hooks.
    HasHooks,
    /// A draft.
    Draft,
    /// Not computed yet.
    Unknown,
}

impl MergeableState {
    /// The REST spelling (`clean`, `dirty`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clean => "clean",
            Self::Dirty => "dirty",
            Self::Blocked => "blocked",
            Self::Behind => "behind",
            Self::Unstable => "unstable",
            Self::HasHooks => "has_hooks",
            Self::Draft => "draft",
            Self::Unknown => "unknown",
        }
    }

    /// `mergeable`: `None` (null) while unknown, `false` with conflicts.
    pub fn mergeable(self) -> Option<bool> {
        match self {
            Self::Unknown => None,
            Self::Dirty => Some(false),
            _ => Some(true),
        }
    }
}

/// How a pull request was merged (`merge_method` of the merge route).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeMethod {
    /// A merge commit.
    Merge,
    /// One squashed commit.
    Squash,
    /// The commits replayed onto the base.
    Rebase,
}

impl MergeMethod {
    /// Parses the REST spelling (`merge`, `squash`, `rebase`).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "merge" => Self::Merge,
            "squash" => Self::Squash,
            "rebase" => Self::Rebase,
            _ => return None,
        })
    }
}

/// A pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    /// Assigned by the store (ignored when adding).
    pub number: u64,
    /// Assigned by the store (ignored when adding).
    pub id: u64,
    /// Title.
    pub title: String,
    /// Markdown body.
    pub body: Option<String>,
    /// Open, closed or merged.
    pub state: PullState,
    /// Whether it is a draft.
    pub draft: bool,
    /// Head branch name.
    pub head_ref: String,
    /// Head commit sha.
    pub head_sha: String,
    /// `owner/name` of the fork the head branch lives in; `None` for a branch of this
    /// repository. The fork resolves as `headRepository` when the test added it as a repository.
    pub head_repo: Option<String>,
    /// Whether the fork's owner lets the base repository's maintainers push to the head branch.
    pub maintainer_can_modify: bool,
    /// Base branch name (the repository's default branch when empty on adding).
    pub base_ref: String,
    /// Base commit sha.
    pub base_sha: String,
    /// Mergeability as GitHub computes it.
    pub mergeable_state: MergeableState,
    /// Label names.
    pub labels: Vec<String>,
    /// Assignee logins.
    pub assignees: Vec<String>,
    /// Logins whose review is requested.
    pub requested_reviewers: Vec<String>,
    /// The author's login.
    pub author: String,
    /// Conversation comments (the issue side of the pull request).
    pub comments: Vec<Comment>,
    /// Reviews.
    pub reviews: Vec<Review>,
    /// Review comments (diff comments); replies point at their thread's first comment.
    pub review_comments: Vec<ReviewComment>,
    /// Creation time (set by the store when adding).
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// When it was closed or merged.
    pub closed_at: Option<Timestamp>,
    /// When it was merged.
    pub merged_at: Option<Timestamp>,
    /// Who merged it.
    pub merged_by: Option<String>,
    /// How it was merged through the merge route.
    pub merge_method: Option<MergeMethod>,
}

impl Default for PullRequest {
    fn default() -> Self {
        Self {
            number: 0,
            id: 0,
            title: String::new(),
            body: None,
            state: PullState::Open,
            draft: false,
            head_ref: String::new(),
            head_sha: String::new(),
            head_repo: None,
            maintainer_can_modify: false,
            base_ref: String::new(),
            base_sha: String::new(),
            mergeable_state: MergeableState::Clean,
            labels: Vec::new(),
            assignees: Vec::new(),
            requested_reviewers: Vec::new(),
            author: "octocat".to_owned(),
            comments: Vec::new(),
            reviews: Vec::new(),
            review_comments: Vec::new(),
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
            closed_at: None,
            merged_at: None,
            merged_by: None,
            merge_method: None,
        }
    }
}

impl PullRequest {
    /// An open pull request from branch `head_ref` (head sha derived from the branch name
    /// unless set) into the default branch.
    pub fn new(title: &str, head_ref: &str) -> Self {
        Self {
            title: title.to_owned(),
            head_ref: head_ref.to_owned(),
            ..Self::default()
        }
    }

    /// An open pull request from branch `head_ref` of the fork `fork` (`owner/name`).
    pub fn from_fork(title: &str, fork: &str, head_ref: &str) -> Self {
        Self {
            head_repo: Some(fork.to_owned()),
            ..Self::new(title, head_ref)
        }
    }

    /// REST `state`: `open` or `closed` (merged pull requests are closed).
    pub fn rest_state(&self) -> &'static str {
        match self.state {
            PullState::Open => "open",
            PullState::Closed | PullState::Merged => "closed",
        }
    }
}

/// A review's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReviewState {
    /// Approved.
    Approved,
    /// Changes requested.
    ChangesRequested,
    /// Commented only.
    #[default]
    Commented,
    /// Dismissed.
    Dismissed,
    /// Not submitted yet.
    Pending,
}

impl ReviewState {
    /// The REST and GraphQL spelling (`APPROVED`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "APPROVED",
            Self::ChangesRequested => "CHANGES_REQUESTED",
            Self::Commented => "COMMENTED",
            Self::Dismissed => "DISMISSED",
            Self::Pending => "PENDING",
        }
    }
}

/// A pull-request review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// Assigned by the store.
    pub id: u64,
    /// The reviewer's login.
    pub author: String,
    /// The verdict.
    pub state: ReviewState,
    /// Markdown body.
    pub body: String,
    /// The commit reviewed (the head sha when empty on adding).
    pub commit_id: String,
    /// Submission time (set by the store when adding).
    pub submitted_at: Timestamp,
}

impl Review {
    /// A review by `author` with a verdict and an empty body.
    pub fn new(author: &str, state: ReviewState) -> Self {
        Self {
            id: 0,
            author: author.to_owned(),
            state,
            body: String::new(),
            commit_id: String::new(),
            submitted_at: Timestamp::UNIX_EPOCH,
        }
    }
}

/// A review comment on a diff line; a thread is its first comment plus the replies to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewComment {
    /// Assigned by the store.
    pub id: u64,
    /// The review it belongs to, if any.
    pub review_id: Option<u64>,
    /// The thread's first comment when this is a reply.
    pub in_reply_to: Option<u64>,
    /// The author's login.
    pub author: String,
    /// Markdown body.
    pub body: String,
    /// File path.
    pub path: String,
    /// Line in the file (right side).
    pub line: u64,
    /// The commit commented on (the head sha when empty on adding).
    pub commit_id: String,
    /// Whether the thread is resolved (meaningful on a thread's first comment).
    pub resolved: bool,
    /// Whether the thread is outdated (meaningful on a thread's first comment).
    pub outdated: bool,
    /// Creation time (set by the store when adding).
    pub created_at: Timestamp,
}

impl ReviewComment {
    /// A comment by `author` on `path:line`, starting a new unresolved thread.
    pub fn new(author: &str, path: &str, line: u64, body: &str) -> Self {
        Self {
            id: 0,
            review_id: None,
            in_reply_to: None,
            author: author.to_owned(),
            body: body.to_owned(),
            path: path.to_owned(),
            line,
            commit_id: String::new(),
            resolved: false,
            outdated: false,
            created_at: Timestamp::UNIX_EPOCH,
        }
    }
}

/// A check run's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckStatus {
    /// Queued.
    #[default]
    Queued,
    /// Running.
    InProgress,
    /// Finished; see the conclusion.
    Completed,
    /// Waiting (on an environment, say).
    Waiting,
    /// Requested.
    Requested,
    /// Pending.
    Pending,
}

impl CheckStatus {
    /// The REST spelling (`queued`, `in_progress`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Waiting => "waiting",
            Self::Requested => "requested",
            Self::Pending => "pending",
        }
    }
}

/// A completed check run's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckConclusion {
    /// Passed.
    Success,
    /// Failed.
    Failure,
    /// Neither.
    Neutral,
    /// Cancelled.
    Cancelled,
    /// Skipped.
    Skipped,
    /// Timed out.
    TimedOut,
    /// Needs a person.
    ActionRequired,
    /// Could not start.
    StartupFailure,
    /// Superseded by a newer run.
    Stale,
}

impl CheckConclusion {
    /// The REST spelling (`success`, `failure`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Neutral => "neutral",
            Self::Cancelled => "cancelled",
            Self::Skipped => "skipped",
            Self::TimedOut => "timed_out",
            Self::ActionRequired => "action_required",
            Self::StartupFailure => "startup_failure",
            Self::Stale => "stale",
        }
    }

    /// Whether the rollup counts it as a failure.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Self::Failure
                | Self::Cancelled
                | Self::TimedOut
                | Self::ActionRequired
                | Self::StartupFailure
        )
    }
}

/// A check run on a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRun {
    /// Assigned by the store.
    pub id: u64,
    /// The commit it checks (set by the store from the sha it is added to).
    pub head_sha: String,
    /// Its name (`ci / test`).
    pub name: String,
    /// Progress.
    pub status: CheckStatus,
    /// Outcome once completed.
    pub conclusion: Option<CheckConclusion>,
    /// Link to the run's page.
    pub details_url: Option<String>,
    /// The output's title (`output.title`; GraphQL `title`), a one-line result.
    pub title: Option<String>,
    /// Start time (set by the store when adding).
    pub started_at: Timestamp,
    /// Completion time (set by the store when adding a completed run).
    pub completed_at: Option<Timestamp>,
}

impl CheckRun {
    /// A queued check run.
    pub fn queued(name: &str) -> Self {
        Self {
            id: 0,
            head_sha: String::new(),
            name: name.to_owned(),
            status: CheckStatus::Queued,
            conclusion: None,
            details_url: None,
            title: None,
            started_at: Timestamp::UNIX_EPOCH,
            completed_at: None,
        }
    }

    /// A running check run.
    pub fn in_progress(name: &str) -> Self {
        Self {
            status: CheckStatus::InProgress,
            ..Self::queued(name)
        }
    }

    /// A completed check run with a conclusion.
    pub fn completed(name: &str, conclusion: CheckConclusion) -> Self {
        Self {
            status: CheckStatus::Completed,
            conclusion: Some(conclusion),
            ..Self::queued(name)
        }
    }
}

/// A commit status's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusState {
    /// Pending.
    #[default]
    Pending,
    /// Passed.
    Success,
    /// Failed.
    Failure,
    /// Errored.
    Error,
}

impl StatusState {
    /// The REST spelling (`pending`, `success`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Error => "error",
        }
    }
}

/// A commit status (the older statuses API, one per context; the latest per context counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitStatus {
    /// Assigned by the store.
    pub id: u64,
    /// The commit (set by the store from the sha it is added to).
    pub sha: String,
    /// The context (`ci/jenkins`).
    pub context: String,
    /// State.
    pub state: StatusState,
    /// Link to details.
    pub target_url: Option<String>,
    /// Short description.
    pub description: Option<String>,
    /// Creation time (set by the store when adding).
    pub created_at: Timestamp,
}

impl CommitStatus {
    /// A status for a context.
    pub fn new(context: &str, state: StatusState) -> Self {
        Self {
            id: 0,
            sha: String::new(),
            context: context.to_owned(),
            state,
            target_url: None,
            description: None,
            created_at: Timestamp::UNIX_EPOCH,
        }
    }
}

/// A label defined on a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Label {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) color: String,
    pub(crate) description: Option<String>,
}

/// One repository's contents.
#[derive(Debug, Clone)]
pub(crate) struct RepoData {
    pub(crate) id: u64,
    pub(crate) repo: Repo,
    pub(crate) created_at: Timestamp,
    /// The last number handed out to an issue or a pull request.
    pub(crate) last_number: u64,
    pub(crate) issues: BTreeMap<u64, Issue>,
    pub(crate) pulls: BTreeMap<u64, PullRequest>,
    pub(crate) labels: BTreeMap<String, Label>,
    pub(crate) check_runs: Vec<CheckRun>,
    pub(crate) statuses: Vec<CommitStatus>,
}

/// Either side of the shared numbering.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Numbered<'a> {
    Issue(&'a Issue),
    Pull(&'a PullRequest),
}

impl RepoData {
    pub(crate) fn numbered(&self, number: u64) -> Option<Numbered<'_>> {
        if let Some(issue) = self.issues.get(&number) {
            return Some(Numbered::Issue(issue));
        }
        self.pulls.get(&number).map(Numbered::Pull)
    }

    /// Resolves a commit ref: a sha (seven or more hex digits, taken as is), a branch, or a pull
    /// request's head branch.
    pub(crate) fn resolve_ref(&self, reference: &str) -> Option<String> {
        let reference = reference.strip_prefix("heads/").unwrap_or(reference);
        if let Some(sha) = self.repo.branches.get(reference) {
            return Some(sha.clone());
        }
        if let Some(pull) = self.pulls.values().rev().find(|p| p.head_ref == reference) {
            return Some(pull.head_sha.clone());
        }
        if reference == self.repo.default_branch {
            return Some(default_sha(reference));
        }
        let is_sha = reference.len() >= 7
            && reference.len() <= 40
            && reference.bytes().all(|b| b.is_ascii_hexdigit());
        is_sha.then(|| reference.to_owned())
    }

    /// Whether `sha` is a commit the repository knows: a branch's or pull request's head, or a
    /// commit with checks or statuses (the fake keeps no history).
    pub(crate) fn has_commit(&self, sha: &str) -> bool {
        sha == default_sha(&self.repo.default_branch)
            || self.repo.branches.values().any(|s| s == sha)
            || self
                .pulls
                .values()
                .any(|p| p.head_sha == sha || p.base_sha == sha)
            || self.check_runs.iter().any(|c| c.head_sha == sha)
            || self.statuses.iter().any(|s| s.sha == sha)
    }

    /// Makes sure each label exists on the repository, creating it with GitHub's default colour.
    pub(crate) fn ensure_labels(&mut self, names: &[String], next_id: &mut u64) {
        for name in names {
            if !self.labels.contains_key(name) {
                *next_id += 1;
                self.labels.insert(
                    name.clone(),
                    Label {
                        id: *next_id,
                        name: name.clone(),
                        color: "ededed".to_owned(),
                        description: None,
                    },
                );
            }
        }
    }
}

/// The labels GitHub gives a new repository, with their colours and descriptions.
pub(crate) fn default_labels(repo_id: u64) -> BTreeMap<String, Label> {
    const DEFAULTS: &[(&str, &str, &str)] = &[
        ("bug", "d73a4a", "Something isn't working"),
        (
            "documentation",
            "0075ca",
            "Improvements or additions to documentation",
        ),
        (
            "duplicate",
            "cfd3d7",
            "This issue or pull request already exists",
        ),
        ("enhancement", "a2eeef", "New feature or request"),
        ("good first issue", "7057ff", "Good for newcomers"),
        ("help wanted", "008672", "Extra attention is needed"),
        ("invalid", "e4e669", "This doesn't seem right"),
        ("question", "d876e3", "Further information is requested"),
        ("wontfix", "ffffff", "This will not be worked on"),
    ];
    DEFAULTS
        .iter()
        .zip(1u64..)
        .map(|((name, color, description), i)| {
            let label = Label {
                id: repo_id * 100 + i,
                name: (*name).to_owned(),
                color: (*color).to_owned(),
                description: Some((*description).to_owned()),
            };
            ((*name).to_owned(), label)
        })
        .collect()
}

/// A stable, fake, 40-hex-digit sha for a name (a branch without a recorded sha).
pub(crate) fn default_sha(name: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(name.as_bytes());
    let mut out = String::with_capacity(40);
    for byte in digest.iter().take(20) {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// The whole world.
#[derive(Debug, Default)]
pub(crate) struct World {
    /// Keyed by lowercase `owner/name` (GitHub's names are case-insensitive).
    pub(crate) repos: BTreeMap<String, RepoData>,
    /// One id sequence for every object (ids are unique across kinds, which GitHub does not
    /// promise but which keeps node ids unambiguous).
    pub(crate) next_id: u64,
    /// The login `viewer` returns and new objects default to.
    pub(crate) viewer: String,
}

impl World {
    pub(crate) fn new() -> Self {
        Self {
            repos: BTreeMap::new(),
            next_id: 1000,
            viewer: "octocat".to_owned(),
        }
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub(crate) fn repo(&self, owner: &str, name: &str) -> Option<&RepoData> {
        self.repos.get(&key(owner, name))
    }

    pub(crate) fn repo_mut(&mut self, owner: &str, name: &str) -> Option<&mut RepoData> {
        self.repos.get_mut(&key(owner, name))
    }
}

/// The map key of a repository.
pub(crate) fn key(owner: &str, name: &str) -> String {
    format!(
        "{}/{}",
        owner.to_ascii_lowercase(),
        name.to_ascii_lowercase()
    )
}
