//! The subset of GitHub's GraphQL schema the fake resolves, over a borrowed world.
//!
//! Each type is a small struct implementing [`Node`]; field names, enum spellings and error
//! messages follow GitHub's schema (`@octokit/graphql-schema`). A field not listed here fails
//! the document with `Field 'x' doesn't exist on type 'T'`, so a client cannot silently rely on
//! something the fake does not model.

use std::cell::RefCell;
use std::rc::Rc;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{Args, FieldError, Node, Out};
use crate::fake::control::Bucket;
use crate::fake::shapes::{self, WEB};
use crate::fake::state::{
    CheckRun, CheckStatus, Comment, CommitStatus, Issue, IssueState, PullRequest, PullState,
    RepoData, Review, ReviewComment, ReviewState, StatusState, World,
};

/// What a query's static estimate says it costs (see [`super::Cost`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Charged {
    /// The window after charging the query.
    pub(crate) bucket: Bucket,
    /// Points charged.
    pub(crate) cost: u32,
    /// Nodes the query may return at most.
    pub(crate) nodes: u64,
}

/// Every type name a fragment may be conditioned on.
pub(crate) const TYPES: &[&str] = &[
    "Query",
    "RateLimit",
    "User",
    "Actor",
    "RepositoryOwner",
    "Node",
    "Repository",
    "Ref",
    "Commit",
    "GitObject",
    "Issue",
    "PullRequest",
    "IssueOrPullRequest",
    "PullRequestCommit",
    "StatusCheckRollup",
    "CheckRun",
    "StatusContext",
    "StatusCheckRollupContext",
    "PullRequestReview",
    "PullRequestReviewThread",
    "PullRequestReviewComment",
    "IssueComment",
    "Label",
    "ReviewRequest",
    "PageInfo",
    "LabelConnection",
    "UserConnection",
    "IssueCommentConnection",
    "PullRequestConnection",
    "PullRequestReviewConnection",
    "PullRequestReviewThreadConnection",
    "PullRequestReviewCommentConnection",
    "ReviewRequestConnection",
    "PullRequestCommitConnection",
    "StatusCheckRollupContextConnection",
];

type Res<'w> = Result<Out<'w>, FieldError>;
type NodeRc<'w> = Rc<dyn Node<'w> + 'w>;

fn leaf<'w>(v: impl Into<Value>) -> Res<'w> {
    Ok(Out::Leaf(v.into()))
}

fn node<'w>(n: impl Node<'w> + 'w) -> Res<'w> {
    Ok(Out::Node(Rc::new(n)))
}

fn opt_node<'w, T: Node<'w> + 'w>(n: Option<T>) -> Res<'w> {
    match n {
        Some(n) => node(n),
        None => leaf(Value::Null),
    }
}

fn time(ts: Timestamp) -> Value {
    Value::String(shapes::time(ts))
}

fn opt_time(ts: Option<Timestamp>) -> Value {
    ts.map_or(Value::Null, time)
}

fn unknown<'w>(name: &str, ty: &str) -> Res<'w> {
    Err(FieldError::Invalid(super::Invalid {
        message: format!("Field '{name}' doesn't exist on type '{ty}'"),
        pos: None,
        code: Some("undefinedField"),
    }))
}

/// The root. It notes every repository a document reads, for the request log.
pub(crate) struct Query<'w> {
    world: &'w World,
    rate: Charged,
    touched: Rc<RefCell<Vec<String>>>,
}

impl<'w> Query<'w> {
    pub(crate) fn new(world: &'w World, rate: Charged, touched: Rc<RefCell<Vec<String>>>) -> Self {
        Self {
            world,
            rate,
            touched,
        }
    }
}

impl<'w> Node<'w> for Query<'w> {
    fn typename(&self) -> &'static str {
        "Query"
    }

    fn field(&self, name: &str, args: &Args) -> Res<'w> {
        match name {
            "rateLimit" => {
                args.boolean("dryRun")?;
                node(RateLimit(self.rate))
            }
            "viewer" => node(User(self.world.viewer.clone())),
            "repository" => {
                let owner = args.required_string("owner")?;
                let repo = args.required_string("name")?;
                args.boolean("followRenames")?;
                match self.world.repo(&owner, &repo) {
                    Some(data) => {
                        let name = data.repo.full_name();
                        let mut touched = self.touched.borrow_mut();
                        if !touched.contains(&name) {
                            touched.push(name);
                        }
                        node(Repository {
                            world: self.world,
                            data,
                        })
                    }
                    None => Err(FieldError::not_found(format!(
                        "Could not resolve to a Repository with the name '{owner}/{repo}'."
                    ))),
                }
            }
            _ => unknown(name, "Query"),
        }
    }
}

struct RateLimit(Charged);

impl<'w> Node<'w> for RateLimit {
    fn typename(&self) -> &'static str {
        "RateLimit"
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        let b = self.0.bucket;
        match name {
            "limit" => leaf(b.limit),
            "remaining" => leaf(b.remaining()),
            "used" => leaf(b.used),
            "cost" => leaf(self.0.cost),
            "nodeCount" => leaf(self.0.nodes),
            "resetAt" => leaf(
                Timestamp::from_second(b.reset)
                    .map(time)
                    .unwrap_or(Value::Null),
            ),
            _ => unknown(name, "RateLimit"),
        }
    }
}

struct User(String);

impl<'w> Node<'w> for User {
    fn typename(&self) -> &'static str {
        "User"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Actor", "RepositoryOwner", "Node"]
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        let id = shapes::user_id(&self.0);
        match name {
            "login" => leaf(self.0.clone()),
            "id" => leaf(shapes::node_id("User", id)),
            "databaseId" => leaf(id),
            "url" => leaf(format!("{WEB}/{}", self.0)),
            "avatarUrl" => leaf(format!("https://avatars.githubusercontent.com/u/{id}?v=4")),
            _ => unknown(name, "User"),
        }
    }
}

struct Repository<'w> {
    world: &'w World,
    data: &'w RepoData,
}

impl<'w> Node<'w> for Repository<'w> {
    fn typename(&self) -> &'static str {
        "Repository"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Node"]
    }

    fn field(&self, name: &str, args: &Args) -> Res<'w> {
        let (w, d) = (self.world, self.data);
        match name {
            "id" => leaf(shapes::node_id("Repository", d.id)),
            "viewerPermission" => leaf(d.repo.viewer_permission.map(|p| p.as_str())),
            "pullRequests" => pull_requests(w, d, args),
            "object" => {
                let oid = args.string("oid")?;
                let expression = args.string("expression")?;
                let found = match (oid, expression) {
                    (Some(oid), _) => d.has_commit(&oid).then_some(oid),
                    (None, Some(expression)) => d.resolve_ref(&expression),
                    (None, None) => {
                        return Err(FieldError::invalid(
                            "Field 'object' needs an `oid` or an `expression`",
                        ));
                    }
                };
                opt_node(found.map(|oid| Commit { data: Some(d), oid }))
            }
            "databaseId" => leaf(d.id),
            "name" => leaf(d.repo.name.clone()),
            "nameWithOwner" => leaf(d.repo.full_name()),
            "owner" => node(User(d.repo.owner.clone())),
            "isPrivate" => leaf(d.repo.private),
            "url" => leaf(format!("{WEB}/{}", d.repo.full_name())),
            "defaultBranchRef" => node(Ref {
                name: d.repo.default_branch.clone(),
                oid: d.resolve_ref(&d.repo.default_branch).unwrap_or_default(),
            }),
            "issue" => {
                let n = args.required_int("number")?;
                let found = u64::try_from(n).ok().and_then(|n| d.issues.get(&n));
                match found {
                    Some(issue) => node(IssueNode {
                        world: w,
                        data: d,
                        issue,
                    }),
                    None => Err(FieldError::not_found(format!(
                        "Could not resolve to an Issue with the number of {n}."
                    ))),
                }
            }
            "pullRequest" => {
                let n = args.required_int("number")?;
                let found = u64::try_from(n).ok().and_then(|n| d.pulls.get(&n));
                match found {
                    Some(pull) => node(PullNode {
                        world: w,
                        data: d,
                        pull,
                    }),
                    None => Err(FieldError::not_found(format!(
                        "Could not resolve to a PullRequest with the number of {n}."
                    ))),
                }
            }
            "issueOrPullRequest" => {
                let n = args.required_int("number")?;
                let n = u64::try_from(n).unwrap_or(0);
                if let Some(issue) = d.issues.get(&n) {
                    node(IssueNode {
                        world: w,
                        data: d,
                        issue,
                    })
                } else if let Some(pull) = d.pulls.get(&n) {
                    node(PullNode {
                        world: w,
                        data: d,
                        pull,
                    })
                } else {
                    Err(FieldError::not_found(format!(
                        "Could not resolve to an issue or pull request with the number of {n}."
                    )))
                }
            }
            _ => unknown(name, "Repository"),
        }
    }
}

struct Ref {
    name: String,
    oid: String,
}

impl<'w> Node<'w> for Ref {
    fn typename(&self) -> &'static str {
        "Ref"
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        match name {
            "name" => leaf(self.name.clone()),
            "target" => node(Commit {
                data: None,
                oid: self.oid.clone(),
            }),
            _ => unknown(name, "Ref"),
        }
    }
}

/// Fields issues and pull requests share (GitHub's `Issue` and `PullRequest` both implement
/// `Comment`, `Labelable`, `Assignable`, `Closable`).
#[allow(clippy::too_many_arguments)]
fn common<'w>(
    w: &'w World,
    d: &'w RepoData,
    kind: &'static str,
    id: u64,
    number: u64,
    author: &str,
    labels: &'w [String],
    assignees: &'w [String],
    comments: &'w [Comment],
    name: &str,
    args: &Args,
) -> Option<Res<'w>> {
    Some(match name {
        "id" => leaf(shapes::node_id(kind, id)),
        "databaseId" => leaf(id),
        "number" => leaf(number),
        "author" => node(User(author.to_owned())),
        "repository" => node(Repository { world: w, data: d }),
        "labels" => {
            let items = labels
                .iter()
                .map(|l| Rc::new(LabelNode { data: d, name: l }) as NodeRc<'w>)
                .collect();
            connection("LabelConnection", "labels", args, items)
        }
        "assignees" => {
            let items = assignees
                .iter()
                .map(|a| Rc::new(User(a.clone())) as NodeRc<'w>)
                .collect();
            connection("UserConnection", "assignees", args, items)
        }
        "comments" => {
            let items = comments
                .iter()
                .map(|c| {
                    Rc::new(CommentNode {
                        data: d,
                        number,
                        comment: c,
                    }) as NodeRc<'w>
                })
                .collect();
            connection("IssueCommentConnection", "comments", args, items)
        }
        _ => return None,
    })
}

struct IssueNode<'w> {
    world: &'w World,
    data: &'w RepoData,
    issue: &'w Issue,
}

impl<'w> Node<'w> for IssueNode<'w> {
    fn typename(&self) -> &'static str {
        "Issue"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Node", "IssueOrPullRequest"]
    }

    fn field(&self, name: &str, args: &Args) -> Res<'w> {
        let (d, i) = (self.data, self.issue);
        if let Some(res) = common(
            self.world,
            d,
            "Issue",
            i.id,
            i.number,
            &i.author,
            &i.labels,
            &i.assignees,
            &i.comments,
            name,
            args,
        ) {
            return res;
        }
        match name {
            "title" => leaf(i.title.clone()),
            "body" => leaf(i.body.clone().unwrap_or_default()),
            "state" => leaf(match i.state {
                IssueState::Open => "OPEN",
                IssueState::Closed => "CLOSED",
            }),
            "stateReason" => leaf(i.state_reason.map(|r| r.as_str().to_ascii_uppercase())),
            "closed" => leaf(i.state == IssueState::Closed),
            "url" => leaf(format!("{WEB}/{}/issues/{}", d.repo.full_name(), i.number)),
            "createdAt" => leaf(time(i.created_at)),
            "updatedAt" => leaf(time(i.updated_at)),
            "closedAt" => leaf(opt_time(i.closed_at)),
            _ => unknown(name, "Issue"),
        }
    }
}

struct PullNode<'w> {
    world: &'w World,
    data: &'w RepoData,
    pull: &'w PullRequest,
}

impl PullNode<'_> {
    fn review_decision(&self) -> Value {
        let mut latest: Vec<(&str, ReviewState)> = Vec::new();
        for r in &self.pull.reviews {
            if matches!(
                r.state,
                ReviewState::Approved | ReviewState::ChangesRequested | ReviewState::Dismissed
            ) {
                latest.retain(|(a, _)| *a != r.author);
                latest.push((&r.author, r.state));
            }
        }
        if latest
            .iter()
            .any(|(_, s)| *s == ReviewState::ChangesRequested)
        {
            json!("CHANGES_REQUESTED")
        } else if latest.iter().any(|(_, s)| *s == ReviewState::Approved) {
            json!("APPROVED")
        } else if self.data.repo.require_review {
            json!("REVIEW_REQUIRED")
        } else {
            Value::Null
        }
    }
}

impl<'w> Node<'w> for PullNode<'w> {
    fn typename(&self) -> &'static str {
        "PullRequest"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Node", "IssueOrPullRequest"]
    }

    fn field(&self, name: &str, args: &Args) -> Res<'w> {
        let (d, p) = (self.data, self.pull);
        if let Some(res) = common(
            self.world,
            d,
            "PullRequest",
            p.id,
            p.number,
            &p.author,
            &p.labels,
            &p.assignees,
            &p.comments,
            name,
            args,
        ) {
            return res;
        }
        match name {
            "title" => leaf(p.title.clone()),
            "body" => leaf(p.body.clone().unwrap_or_default()),
            "state" => leaf(match p.state {
                PullState::Open => "OPEN",
                PullState::Closed => "CLOSED",
                PullState::Merged => "MERGED",
            }),
            "isDraft" => leaf(p.draft),
            "merged" => leaf(p.state == PullState::Merged),
            "mergedAt" => leaf(opt_time(p.merged_at)),
            "mergedBy" => opt_node(p.merged_by.clone().map(User)),
            "closed" => leaf(p.state != PullState::Open),
            "closedAt" => leaf(opt_time(p.closed_at)),
            "url" => leaf(format!("{WEB}/{}/pull/{}", d.repo.full_name(), p.number)),
            "createdAt" => leaf(time(p.created_at)),
            "updatedAt" => leaf(time(p.updated_at)),
            "headRefName" => leaf(p.head_ref.clone()),
            "isCrossRepository" => leaf(p.head_repo.is_some()),
            "maintainerCanModify" => leaf(p.maintainer_can_modify),
            // A fork the world does not hold reads as deleted: `null`, as on GitHub.
            "headRepository" => match &p.head_repo {
                None => node(Repository {
                    world: self.world,
                    data: d,
                }),
                Some(fork) => opt_node(
                    fork.split_once('/')
                        .and_then(|(o, n)| self.world.repo(o, n))
                        .map(|data| Repository {
                            world: self.world,
                            data,
                        }),
                ),
            },
            "statusCheckRollup" => {
                let rollup = Rollup::new(d, &p.head_sha);
                if rollup.checks.is_empty() && rollup.statuses.is_empty() {
                    leaf(Value::Null)
                } else {
                    node(rollup)
                }
            }
            "headRefOid" => leaf(p.head_sha.clone()),
            "baseRefName" => leaf(p.base_ref.clone()),
            "baseRefOid" => leaf(p.base_sha.clone()),
            "mergeable" => leaf(match p.mergeable_state.mergeable() {
                Some(true) => "MERGEABLE",
                Some(false) => "CONFLICTING",
                None => "UNKNOWN",
            }),
            "mergeStateStatus" => leaf(p.mergeable_state.as_str().to_ascii_uppercase()),
            "reviewDecision" => leaf(self.review_decision()),
            "additions" | "deletions" | "changedFiles" => leaf(0),
            "reviews" => {
                let states = args.list("states")?;
                let author = args.string("author")?;
                let items = p
                    .reviews
                    .iter()
                    .filter(|r| {
                        states
                            .as_ref()
                            .is_none_or(|s| s.iter().any(|s| s == r.state.as_str()))
                    })
                    .filter(|r| author.as_deref().is_none_or(|a| a == r.author))
                    .map(|r| {
                        Rc::new(ReviewNode {
                            data: d,
                            pull: p,
                            review: r,
                        }) as NodeRc<'w>
                    })
                    .collect();
                connection("PullRequestReviewConnection", "reviews", args, items)
            }
            "reviewThreads" => {
                let items = p
                    .review_comments
                    .iter()
                    .filter(|c| c.in_reply_to.is_none())
                    .map(|root| {
                        Rc::new(ThreadNode {
                            data: d,
                            pull: p,
                            root,
                        }) as NodeRc<'w>
                    })
                    .collect();
                connection(
                    "PullRequestReviewThreadConnection",
                    "reviewThreads",
                    args,
                    items,
                )
            }
            "reviewRequests" => {
                let items = p
                    .requested_reviewers
                    .iter()
                    .map(|login| Rc::new(ReviewRequest(login.clone())) as NodeRc<'w>)
                    .collect();
                connection("ReviewRequestConnection", "reviewRequests", args, items)
            }
            "commits" => {
                let items = vec![Rc::new(PullCommit {
                    data: d,
                    sha: p.head_sha.clone(),
                }) as NodeRc<'w>];
                connection("PullRequestCommitConnection", "commits", args, items)
            }
            _ => unknown(name, "PullRequest"),
        }
    }
}

struct PullCommit<'w> {
    data: &'w RepoData,
    sha: String,
}

impl<'w> Node<'w> for PullCommit<'w> {
    fn typename(&self) -> &'static str {
        "PullRequestCommit"
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        match name {
            "commit" => node(Commit {
                data: Some(self.data),
                oid: self.sha.clone(),
            }),
            _ => unknown(name, "PullRequestCommit"),
        }
    }
}

struct Commit<'w> {
    data: Option<&'w RepoData>,
    oid: String,
}

impl<'w> Node<'w> for Commit<'w> {
    fn typename(&self) -> &'static str {
        "Commit"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["GitObject", "Node"]
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        match name {
            "oid" => leaf(self.oid.clone()),
            "abbreviatedOid" => leaf(self.oid.chars().take(7).collect::<String>()),
            "statusCheckRollup" => {
                let Some(data) = self.data else {
                    return leaf(Value::Null);
                };
                let rollup = Rollup::new(data, &self.oid);
                if rollup.checks.is_empty() && rollup.statuses.is_empty() {
                    leaf(Value::Null)
                } else {
                    node(rollup)
                }
            }
            _ => unknown(name, "Commit"),
        }
    }
}

struct Rollup<'w> {
    data: &'w RepoData,
    checks: Vec<&'w CheckRun>,
    statuses: Vec<&'w CommitStatus>,
}

impl<'w> Rollup<'w> {
    fn new(data: &'w RepoData, sha: &str) -> Self {
        let mut checks: Vec<&CheckRun> = Vec::new();
        for c in data.check_runs.iter().rev().filter(|c| c.head_sha == sha) {
            if !checks.iter().any(|k| k.name == c.name) {
                checks.push(c);
            }
        }
        checks.reverse();
        let mut statuses = shapes::latest_statuses(data, sha);
        statuses.reverse();
        Self {
            data,
            checks,
            statuses,
        }
    }

    fn state(&self) -> &'static str {
        let failed = self
            .checks
            .iter()
            .any(|c| c.conclusion.is_some_and(|x| x.is_failure()))
            || self
                .statuses
                .iter()
                .any(|s| s.state == StatusState::Failure);
        let errored = self.statuses.iter().any(|s| s.state == StatusState::Error);
        let pending = self
            .checks
            .iter()
            .any(|c| c.status != CheckStatus::Completed)
            || self
                .statuses
                .iter()
                .any(|s| s.state == StatusState::Pending);
        if failed {
            "FAILURE"
        } else if errored {
            "ERROR"
        } else if pending {
            "PENDING"
        } else {
            "SUCCESS"
        }
    }
}

impl<'w> Node<'w> for Rollup<'w> {
    fn typename(&self) -> &'static str {
        "StatusCheckRollup"
    }

    fn field(&self, name: &str, args: &Args) -> Res<'w> {
        match name {
            "state" => leaf(self.state()),
            "contexts" => {
                let d = self.data;
                let items = self
                    .checks
                    .iter()
                    .map(|c| Rc::new(CheckRunNode { data: d, run: c }) as NodeRc<'w>)
                    .chain(
                        self.statuses
                            .iter()
                            .map(|s| Rc::new(StatusContextNode(s)) as NodeRc<'w>),
                    )
                    .collect();
                connection(
                    "StatusCheckRollupContextConnection",
                    "contexts",
                    args,
                    items,
                )
            }
            _ => unknown(name, "StatusCheckRollup"),
        }
    }
}

struct CheckRunNode<'w> {
    data: &'w RepoData,
    run: &'w CheckRun,
}

impl<'w> Node<'w> for CheckRunNode<'w> {
    fn typename(&self) -> &'static str {
        "CheckRun"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["StatusCheckRollupContext", "Node"]
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        let c = self.run;
        match name {
            "id" => leaf(shapes::node_id("CheckRun", c.id)),
            "databaseId" => leaf(c.id),
            "name" => leaf(c.name.clone()),
            "status" => leaf(c.status.as_str().to_ascii_uppercase()),
            "conclusion" => leaf(c.conclusion.map(|x| x.as_str().to_ascii_uppercase())),
            "detailsUrl" => leaf(c.details_url.clone()),
            "title" => leaf(c.title.clone()),
            "url" => leaf(format!(
                "{WEB}/{}/runs/{}",
                self.data.repo.full_name(),
                c.id
            )),
            "startedAt" => leaf(time(c.started_at)),
            "completedAt" => leaf(opt_time(c.completed_at)),
            _ => unknown(name, "CheckRun"),
        }
    }
}

struct StatusContextNode<'w>(&'w CommitStatus);

impl<'w> Node<'w> for StatusContextNode<'w> {
    fn typename(&self) -> &'static str {
        "StatusContext"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["StatusCheckRollupContext", "Node"]
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        let s = self.0;
        match name {
            "id" => leaf(shapes::node_id("StatusContext", s.id)),
            "context" => leaf(s.context.clone()),
            "state" => leaf(s.state.as_str().to_ascii_uppercase()),
            "targetUrl" => leaf(s.target_url.clone()),
            "description" => leaf(s.description.clone()),
            "createdAt" => leaf(time(s.created_at)),
            _ => unknown(name, "StatusContext"),
        }
    }
}

struct ReviewNode<'w> {
    data: &'w RepoData,
    pull: &'w PullRequest,
    review: &'w Review,
}

impl<'w> Node<'w> for ReviewNode<'w> {
    fn typename(&self) -> &'static str {
        "PullRequestReview"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Node"]
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        let r = self.review;
        match name {
            "id" => leaf(shapes::node_id("PullRequestReview", r.id)),
            "databaseId" => leaf(r.id),
            "state" => leaf(r.state.as_str()),
            "body" => leaf(r.body.clone()),
            "author" => node(User(r.author.clone())),
            "submittedAt" => leaf(time(r.submitted_at)),
            "createdAt" => leaf(time(r.submitted_at)),
            "url" => leaf(format!(
                "{WEB}/{}/pull/{}#pullrequestreview-{}",
                self.data.repo.full_name(),
                self.pull.number,
                r.id
            )),
            "commit" => node(Commit {
                data: Some(self.data),
                oid: r.commit_id.clone(),
            }),
            _ => unknown(name, "PullRequestReview"),
        }
    }
}

struct ThreadNode<'w> {
    data: &'w RepoData,
    pull: &'w PullRequest,
    root: &'w ReviewComment,
}

impl<'w> Node<'w> for ThreadNode<'w> {
    fn typename(&self) -> &'static str {
        "PullRequestReviewThread"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Node"]
    }

    fn field(&self, name: &str, args: &Args) -> Res<'w> {
        let root = self.root;
        match name {
            "id" => leaf(shapes::node_id("PullRequestReviewThread", root.id)),
            "isResolved" => leaf(root.resolved),
            "isOutdated" => leaf(root.outdated),
            "path" => leaf(root.path.clone()),
            "line" => leaf(root.line),
            "comments" => {
                let (d, p) = (self.data, self.pull);
                let items = p
                    .review_comments
                    .iter()
                    .filter(|c| c.id == root.id || c.in_reply_to == Some(root.id))
                    .map(|c| {
                        Rc::new(ReviewCommentNode {
                            data: d,
                            pull: p,
                            comment: c,
                        }) as NodeRc<'w>
                    })
                    .collect();
                connection(
                    "PullRequestReviewCommentConnection",
                    "comments",
                    args,
                    items,
                )
            }
            _ => unknown(name, "PullRequestReviewThread"),
        }
    }
}

struct ReviewCommentNode<'w> {
    data: &'w RepoData,
    pull: &'w PullRequest,
    comment: &'w ReviewComment,
}

impl<'w> Node<'w> for ReviewCommentNode<'w> {
    fn typename(&self) -> &'static str {
        "PullRequestReviewComment"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Node"]
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        let c = self.comment;
        match name {
            "id" => leaf(shapes::node_id("PullRequestReviewComment", c.id)),
            "databaseId" => leaf(c.id),
            "body" => leaf(c.body.clone()),
            "author" => node(User(c.author.clone())),
            "path" => leaf(c.path.clone()),
            "line" => leaf(c.line),
            "outdated" => leaf(c.outdated),
            "createdAt" => leaf(time(c.created_at)),
            "url" => leaf(format!(
                "{WEB}/{}/pull/{}#discussion_r{}",
                self.data.repo.full_name(),
                self.pull.number,
                c.id
            )),
            _ => unknown(name, "PullRequestReviewComment"),
        }
    }
}

struct CommentNode<'w> {
    data: &'w RepoData,
    number: u64,
    comment: &'w Comment,
}

impl<'w> Node<'w> for CommentNode<'w> {
    fn typename(&self) -> &'static str {
        "IssueComment"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Node"]
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        let c = self.comment;
        let kind = if self.data.pulls.contains_key(&self.number) {
            "pull"
        } else {
            "issues"
        };
        match name {
            "id" => leaf(shapes::node_id("IssueComment", c.id)),
            "databaseId" => leaf(c.id),
            "body" => leaf(c.body.clone()),
            "author" => node(User(c.author.clone())),
            "createdAt" | "updatedAt" => leaf(time(c.created_at)),
            "url" => leaf(format!(
                "{WEB}/{}/{kind}/{}#issuecomment-{}",
                self.data.repo.full_name(),
                self.number,
                c.id
            )),
            _ => unknown(name, "IssueComment"),
        }
    }
}

struct LabelNode<'w> {
    data: &'w RepoData,
    name: &'w str,
}

impl<'w> Node<'w> for LabelNode<'w> {
    fn typename(&self) -> &'static str {
        "Label"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Node"]
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        let label = self.data.labels.get(self.name);
        match name {
            "name" => leaf(self.name),
            "id" => leaf(shapes::node_id("Label", label.map_or(0, |l| l.id))),
            "color" => leaf(label.map_or("ededed", |l| l.color.as_str())),
            "description" => leaf(label.and_then(|l| l.description.clone())),
            _ => unknown(name, "Label"),
        }
    }
}

struct ReviewRequest(String);

impl<'w> Node<'w> for ReviewRequest {
    fn typename(&self) -> &'static str {
        "ReviewRequest"
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        match name {
            "requestedReviewer" => node(User(self.0.clone())),
            _ => unknown(name, "ReviewRequest"),
        }
    }
}

/// `Repository.pullRequests`: filtered by head and base branch, states and labels, ordered by
/// `orderBy` (GitHub's default: oldest first).
fn pull_requests<'w>(w: &'w World, d: &'w RepoData, args: &Args) -> Res<'w> {
    let head = args.string("headRefName")?;
    let base = args.string("baseRefName")?;
    let states = args.list("states")?;
    let labels = args.list("labels")?;
    let order = args.object("orderBy")?;
    if let Some(states) = &states
        && let Some(bad) = states
            .iter()
            .find(|s| !matches!(s.as_str(), "OPEN" | "CLOSED" | "MERGED"))
    {
        return Err(FieldError::invalid(format!(
            "Argument 'states' on Field 'pullRequests' has an invalid value ({bad}). Expected type '[PullRequestState!]'."
        )));
    }
    let state_name = |p: &PullRequest| match p.state {
        PullState::Open => "OPEN",
        PullState::Closed => "CLOSED",
        PullState::Merged => "MERGED",
    };
    let mut pulls: Vec<&PullRequest> = d
        .pulls
        .values()
        .filter(|p| head.as_deref().is_none_or(|h| p.head_ref == h))
        .filter(|p| base.as_deref().is_none_or(|b| p.base_ref == b))
        .filter(|p| {
            states
                .as_ref()
                .is_none_or(|s| s.iter().any(|s| s == state_name(p)))
        })
        .filter(|p| {
            labels
                .as_ref()
                .is_none_or(|ls| ls.iter().any(|l| p.labels.contains(l)))
        })
        .collect();
    if let Some(order) = order {
        let field = order.get("field").and_then(Value::as_str);
        let direction = order.get("direction").and_then(Value::as_str);
        match field {
            Some("CREATED_AT") => pulls.sort_by_key(|p| (p.created_at, p.number)),
            Some("UPDATED_AT") => pulls.sort_by_key(|p| (p.updated_at, p.number)),
            Some("COMMENTS") => pulls.sort_by_key(|p| (p.comments.len(), p.number)),
            _ => return Err(args.bad("orderBy", "IssueOrder")),
        }
        match direction {
            Some("ASC") => {}
            Some("DESC") => pulls.reverse(),
            _ => return Err(args.bad("orderBy", "IssueOrder")),
        }
    }
    let items = pulls
        .into_iter()
        .map(|pull| {
            Rc::new(PullNode {
                world: w,
                data: d,
                pull,
            }) as NodeRc<'w>
        })
        .collect();
    connection("PullRequestConnection", "pullRequests", args, items)
}

/// A page of a connection, with GitHub's pagination rules: `first` or `last` is required and at
/// most 100; cursors are opaque strings (`cursor:<index>` here).
fn connection<'w>(
    typename: &'static str,
    field: &str,
    args: &Args,
    items: Vec<NodeRc<'w>>,
) -> Res<'w> {
    let first = args.int("first")?;
    let last = args.int("last")?;
    let after = args.string("after")?;
    let before = args.string("before")?;
    let (limit_name, limit) = match (first, last) {
        (Some(n), _) => ("first", n),
        (None, Some(n)) => ("last", n),
        (None, None) => {
            return Err(FieldError::Resolve {
                kind: "MISSING_PAGINATION_BOUNDARIES",
                message: format!(
                    "You must provide a `first` or `last` value to properly paginate the `{field}` connection."
                ),
            });
        }
    };
    if !(0..=100).contains(&limit) {
        return Err(FieldError::Resolve {
            kind: "EXCESSIVE_PAGINATION",
            message: format!(
                "Requesting {limit} records on the `{field}` connection exceeds the `{limit_name}` limit of 100 records."
            ),
        });
    }
    let cursor_index = |c: &str| {
        c.strip_prefix("cursor:")
            .and_then(|i| i.parse::<usize>().ok())
    };
    let total = items.len();
    let mut start = after.as_deref().and_then(cursor_index).map_or(0, |i| i + 1);
    let mut end = before.as_deref().and_then(cursor_index).unwrap_or(total);
    end = end.min(total);
    start = start.min(end);
    let limit = usize::try_from(limit).unwrap_or(0);
    if let Some(n) = first {
        end = end.min(start + usize::try_from(n).unwrap_or(0));
    }
    if first.is_none() {
        start = start.max(end.saturating_sub(limit));
    } else if let Some(n) = last {
        start = start.max(end.saturating_sub(usize::try_from(n).unwrap_or(0)));
    }
    node(Connection {
        typename,
        edge: edge_typename(typename),
        total,
        start,
        items: items[start..end].to_vec(),
    })
}

/// `LabelConnection` → `LabelEdge`.
fn edge_typename(connection: &str) -> &'static str {
    match connection {
        "LabelConnection" => "LabelEdge",
        "UserConnection" => "UserEdge",
        "IssueCommentConnection" => "IssueCommentEdge",
        "PullRequestReviewConnection" => "PullRequestReviewEdge",
        "PullRequestReviewThreadConnection" => "PullRequestReviewThreadEdge",
        "ReviewRequestConnection" => "ReviewRequestEdge",
        "PullRequestCommitConnection" => "PullRequestCommitEdge",
        "StatusCheckRollupContextConnection" => "StatusCheckRollupContextEdge",
        "PullRequestReviewCommentConnection" => "PullRequestReviewCommentEdge",
        "PullRequestConnection" => "PullRequestEdge",
        _ => "Edge",
    }
}

struct Connection<'w> {
    typename: &'static str,
    edge: &'static str,
    total: usize,
    start: usize,
    items: Vec<NodeRc<'w>>,
}

impl<'w> Node<'w> for Connection<'w> {
    fn typename(&self) -> &'static str {
        self.typename
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        let end = self.start + self.items.len();
        match name {
            "totalCount" => leaf(self.total),
            "nodes" => Ok(Out::List(
                self.items.iter().cloned().map(Out::Node).collect(),
            )),
            "edges" => Ok(Out::List(
                self.items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        Out::Node(Rc::new(Edge {
                            typename: self.edge,
                            cursor: format!("cursor:{}", self.start + i),
                            node: Rc::clone(n),
                        }))
                    })
                    .collect(),
            )),
            "pageInfo" => node(PageInfo {
                has_next: end < self.total,
                has_previous: self.start > 0,
                start: (!self.items.is_empty()).then(|| format!("cursor:{}", self.start)),
                end: (!self.items.is_empty()).then(|| format!("cursor:{}", end - 1)),
            }),
            _ => unknown(name, self.typename),
        }
    }
}

struct Edge<'w> {
    typename: &'static str,
    cursor: String,
    node: NodeRc<'w>,
}

impl<'w> Node<'w> for Edge<'w> {
    fn typename(&self) -> &'static str {
        self.typename
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        match name {
            "cursor" => leaf(self.cursor.clone()),
            "node" => Ok(Out::Node(Rc::clone(&self.node))),
            _ => unknown(name, self.typename),
        }
    }
}

struct PageInfo {
    has_next: bool,
    has_previous: bool,
    start: Option<String>,
    end: Option<String>,
}

impl<'w> Node<'w> for PageInfo {
    fn typename(&self) -> &'static str {
        "PageInfo"
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        match name {
            "hasNextPage" => leaf(self.has_next),
            "hasPreviousPage" => leaf(self.has_previous),
            "startCursor" => leaf(self.start.clone()),
            "endCursor" => leaf(self.end.clone()),
            _ => unknown(name, "PageInfo"),
        }
    }
}
