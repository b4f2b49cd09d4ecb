//! GitHub-shaped JSON for the fake's objects.
//!
//! Every renderer emits at least the keys of the example GitHub's OpenAPI description gives for
//! the routes that return it (the `openapi` test checks this against `@octokit/openapi`); values
//! the fake does not model are GitHub's defaults for a plain repository (no milestone, no lock,
//! no reactions). API URLs point at the fake, web URLs at `https://github.com`, so that snapshots
//! do not depend on the fake's port.

use jiff::Timestamp;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::state::{
    CheckRun, Comment, CommitStatus, Issue, Label, PullRequest, RepoData, Review, ReviewComment,
    StatusState,
};

/// The web host of `html_url`s.
pub(crate) const WEB: &str = "https://github.com";

/// Where error bodies point.
pub(crate) const DOCS: &str = "https://docs.github.com/rest";

/// What renderers need besides the object: the fake's API base URL.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) api: &'a str,
}

/// GitHub's timestamp format (`2011-04-22T13:33:48Z`).
pub(crate) fn time(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn opt_time(ts: Option<Timestamp>) -> Value {
    ts.map_or(Value::Null, |t| Value::String(time(t)))
}

/// A stable numeric id for a login (GitHub users have ids; the fake derives them).
pub(crate) fn user_id(login: &str) -> u64 {
    let digest = Sha256::digest(login.to_ascii_lowercase().as_bytes());
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&digest[..4]);
    u64::from(u32::from_be_bytes(bytes) % 90_000_000) + 1_000_000
}

/// A legacy-style node id: base64 of `0<len>:<Type><id>`, as GitHub's older ids are.
pub(crate) fn node_id(kind: &str, id: u64) -> String {
    let raw = format!("{kind}{id}");
    base64(format!("0{}:{raw}", kind.len()).as_bytes())
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A `simple-user`.
pub(crate) fn user(ctx: Ctx<'_>, login: &str) -> Value {
    let api = ctx.api;
    let id = user_id(login);
    json!({
        "login": login,
        "id": id,
        "node_id": node_id("User", id),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
        "gravatar_id": "",
        "url": format!("{api}/users/{login}"),
        "html_url": format!("{WEB}/{login}"),
        "followers_url": format!("{api}/users/{login}/followers"),
        "following_url": format!("{api}/users/{login}/following{{/other_user}}"),
        "gists_url": format!("{api}/users/{login}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/users/{login}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/users/{login}/subscriptions"),
        "organizations_url": format!("{api}/users/{login}/orgs"),
        "repos_url": format!("{api}/users/{login}/repos"),
        "events_url": format!("{api}/users/{login}/events{{/privacy}}"),
        "received_events_url": format!("{api}/users/{login}/received_events"),
        "type": "User",
        "user_view_type": "public",
        "site_admin": false
    })
}

/// The templated API URLs of a repository, relative to its `url`.
const REPO_URLS: &[(&str, &str)] = &[
    ("archive_url", "/{archive_format}{/ref}"),
    ("assignees_url", "/assignees{/user}"),
    ("blobs_url", "/git/blobs{/sha}"),
    ("branches_url", "/branches{/branch}"),
    ("collaborators_url", "/collaborators{/collaborator}"),
    ("comments_url", "/comments{/number}"),
    ("commits_url", "/commits{/sha}"),
    ("compare_url", "/compare/{base}...{head}"),
    ("contents_url", "/contents/{+path}"),
    ("contributors_url", "/contributors"),
    ("deployments_url", "/deployments"),
    ("downloads_url", "/downloads"),
    ("events_url", "/events"),
    ("forks_url", "/forks"),
    ("git_commits_url", "/git/commits{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"),
    ("issue_comment_url", "/issues/comments{/number}"),
    ("issue_events_url", "/issues/events{/number}"),
    ("issues_url", "/issues{/number}"),
    ("keys_url", "/keys{/key_id}"),
    ("labels_url", "/labels{/name}"),
    ("languages_url", "/languages"),
    ("merges_url", "/merges"),
    ("milestones_url", "/milestones{/number}"),
    (
        "notifications_url",
        "/notifications{?since,all,participating}",
    ),
    ("pulls_url", "/pulls{/number}"),
    ("releases_url", "/releases{/id}"),
    ("stargazers_url", "/stargazers"),
    ("statuses_url", "/statuses/{sha}"),
    ("subscribers_url", "/subscribers"),
    ("subscription_url", "/subscription"),
    ("tags_url", "/tags"),
    ("teams_url", "/teams"),
    ("trees_url", "/git/trees{/sha}"),
    ("hooks_url", "/hooks"),
];

/// A repository: the union of `full-repository`, `repository` and `minimal-repository`.
pub(crate) fn repo(ctx: Ctx<'_>, data: &RepoData) -> Value {
    let r = &data.repo;
    let full = r.full_name();
    let u = format!("{}/repos/{full}", ctx.api);
    let html = format!("{WEB}/{full}");
    let created = time(data.created_at);
    let open_issues = data
        .issues
        .values()
        .filter(|i| i.state == super::state::IssueState::Open)
        .count()
        + data
            .pulls
            .values()
            .filter(|p| p.state == super::state::PullState::Open)
            .count();
    let mut v = json!({
        "id": data.id,
        "node_id": node_id("Repository", data.id),
        "name": r.name,
        "full_name": full,
        "owner": user(ctx, &r.owner),
        "private": r.private,
        "html_url": html,
        "description": null,
        "fork": false,
        "url": u,
        "git_url": format!("git://github.com/{full}.git"),
        "ssh_url": format!("git@github.com:{full}.git"),
        "clone_url": format!("{html}.git"),
        "mirror_url": null,
        "svn_url": html,
        "homepage": null,
        "language": null,
    });
    let more = json!({
        "forks_count": 0,
        "forks": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "watchers": 0,
        "size": 0,
        "default_branch": r.default_branch,
        "open_issues_count": open_issues,
        "open_issues": open_issues,
        "is_template": false,
        "topics": [],
        "has_issues": true,
        "has_projects": true,
        "has_wiki": true,
        "has_pages": false,
        "has_downloads": true,
        "has_discussions": false,
        "archived": false,
        "disabled": false,
        "visibility": if r.private { "private" } else { "public" },
        "pushed_at": created,
        "created_at": created,
        "updated_at": created,
        "permissions": permissions(r.viewer_permission),
        "allow_rebase_merge": true,
        "allow_squash_merge": true,
        "allow_merge_commit": true,
        "allow_auto_merge": false,
        "allow_update_branch": false,
        "allow_forking": true,
        "delete_branch_on_merge": false,
        "use_squash_pr_title_as_default": false,
        "web_commit_signoff_required": false,
        "temp_clone_token": "",
        "template_repository": null,
        "license": null,
        "organization": null,
        "security_and_analysis": null,
        "subscribers_count": 0,
        "network_count": 0
    });
    if let (Value::Object(map), Value::Object(more)) = (&mut v, more) {
        map.extend(more);
        for (key, suffix) in REPO_URLS {
            map.insert((*key).to_owned(), Value::String(format!("{u}{suffix}")));
        }
    }
    v
}

/// REST's `permissions` object for the viewer's role.
fn permissions(role: Option<super::state::Permission>) -> Value {
    use super::state::Permission as P;
    let at_least = |p: P| role.is_some_and(|r| r >= p);
    json!({
        "admin": at_least(P::Admin),
        "maintain": at_least(P::Maintain),
        "push": at_least(P::Write),
        "triage": at_least(P::Triage),
        "pull": at_least(P::Read),
    })
}

/// A `label`.
pub(crate) fn label(ctx: Ctx<'_>, data: &RepoData, name: &str) -> Value {
    let fallback;
    let l = match data.labels.get(name) {
        Some(l) => l,
        None => {
            fallback = Label {
                id: 0,
                name: name.to_owned(),
                color: "ededed".to_owned(),
                description: None,
            };
            &fallback
        }
    };
    json!({
        "id": l.id,
        "node_id": node_id("Label", l.id),
        "url": format!("{}/repos/{}/labels/{}", ctx.api, data.repo.full_name(), encode_path(&l.name)),
        "name": l.name,
        "description": l.description,
        "color": l.color,
        "default": false
    })
}

/// Labels of an issue or pull request, in order.
pub(crate) fn labels(ctx: Ctx<'_>, data: &RepoData, names: &[String]) -> Value {
    Value::Array(names.iter().map(|n| label(ctx, data, n)).collect())
}

fn users(ctx: Ctx<'_>, logins: &[String]) -> Value {
    Value::Array(logins.iter().map(|l| user(ctx, l)).collect())
}

fn first_user(ctx: Ctx<'_>, logins: &[String]) -> Value {
    logins.first().map_or(Value::Null, |l| user(ctx, l))
}

/// An `issue` for an issue.
pub(crate) fn issue(ctx: Ctx<'_>, data: &RepoData, i: &Issue, viewer: &str) -> Value {
    let full = data.repo.full_name();
    let n = i.number;
    let u = format!("{}/repos/{full}/issues/{n}", ctx.api);
    json!({
        "id": i.id,
        "node_id": node_id("Issue", i.id),
        "url": u,
        "repository_url": format!("{}/repos/{full}", ctx.api),
        "labels_url": format!("{u}/labels{{/name}}"),
        "comments_url": format!("{u}/comments"),
        "events_url": format!("{u}/events"),
        "timeline_url": format!("{u}/timeline"),
        "html_url": format!("{WEB}/{full}/issues/{n}"),
        "number": n,
        "state": i.state.as_str(),
        "state_reason": i.state_reason.map(|r| r.as_str()),
        "title": i.title,
        "body": i.body,
        "user": user(ctx, &i.author),
        "labels": labels(ctx, data, &i.labels),
        "assignee": first_user(ctx, &i.assignees),
        "assignees": users(ctx, &i.assignees),
        "milestone": null,
        "locked": false,
        "active_lock_reason": null,
        "comments": i.comments.len(),
        "closed_at": opt_time(i.closed_at),
        "created_at": time(i.created_at),
        "updated_at": time(i.updated_at),
        "closed_by": if i.closed_at.is_some() { user(ctx, viewer) } else { Value::Null },
        "author_association": association(&data.repo.owner, &i.author),
        "pinned_comment": null,
    })
}

/// An `issue` for a pull request (GitHub's issues API returns pull requests as issues with a
/// `pull_request` key).
pub(crate) fn pull_as_issue(ctx: Ctx<'_>, data: &RepoData, p: &PullRequest, viewer: &str) -> Value {
    let full = data.repo.full_name();
    let n = p.number;
    let u = format!("{}/repos/{full}/issues/{n}", ctx.api);
    json!({
        "id": p.id,
        "node_id": node_id("Issue", p.id),
        "url": u,
        "repository_url": format!("{}/repos/{full}", ctx.api),
        "labels_url": format!("{u}/labels{{/name}}"),
        "comments_url": format!("{u}/comments"),
        "events_url": format!("{u}/events"),
        "timeline_url": format!("{u}/timeline"),
        "html_url": format!("{WEB}/{full}/pull/{n}"),
        "number": n,
        "state": p.rest_state(),
        "state_reason": null,
        "title": p.title,
        "body": p.body,
        "user": user(ctx, &p.author),
        "labels": labels(ctx, data, &p.labels),
        "assignee": first_user(ctx, &p.assignees),
        "assignees": users(ctx, &p.assignees),
        "milestone": null,
        "locked": false,
        "active_lock_reason": null,
        "comments": p.comments.len(),
        "pull_request": {
            "url": format!("{}/repos/{full}/pulls/{n}", ctx.api),
            "html_url": format!("{WEB}/{full}/pull/{n}"),
            "diff_url": format!("{WEB}/{full}/pull/{n}.diff"),
            "patch_url": format!("{WEB}/{full}/pull/{n}.patch"),
            "merged_at": opt_time(p.merged_at),
        },
        "draft": p.draft,
        "closed_at": opt_time(p.closed_at),
        "created_at": time(p.created_at),
        "updated_at": time(p.updated_at),
        "closed_by": if p.closed_at.is_some() { user(ctx, viewer) } else { Value::Null },
        "author_association": association(&data.repo.owner, &p.author),
        "pinned_comment": null,
    })
}

/// `OWNER` for the repository owner, `CONTRIBUTOR` otherwise.
fn association(owner: &str, login: &str) -> &'static str {
    if owner.eq_ignore_ascii_case(login) {
        "OWNER"
    } else {
        "CONTRIBUTOR"
    }
}

/// An `issue-comment`.
pub(crate) fn comment(
    ctx: Ctx<'_>,
    data: &RepoData,
    number: u64,
    is_pull: bool,
    c: &Comment,
) -> Value {
    let full = data.repo.full_name();
    let kind = if is_pull { "pull" } else { "issues" };
    json!({
        "id": c.id,
        "node_id": node_id("IssueComment", c.id),
        "url": format!("{}/repos/{full}/issues/comments/{}", ctx.api, c.id),
        "html_url": format!("{WEB}/{full}/{kind}/{number}#issuecomment-{}", c.id),
        "body": c.body,
        "user": user(ctx, &c.author),
        "created_at": time(c.created_at),
        "updated_at": time(c.created_at),
        "issue_url": format!("{}/repos/{full}/issues/{number}", ctx.api),
        "author_association": association(&data.repo.owner, &c.author),
        "pin": null,
        "minimized": null,
    })
}

fn branch_side(ctx: Ctx<'_>, data: &RepoData, reference: &str, sha: &str) -> Value {
    json!({
        "label": format!("{}:{reference}", data.repo.owner),
        "ref": reference,
        "sha": sha,
        "user": user(ctx, &data.repo.owner),
        "repo": repo(ctx, data),
    })
}

/// The head side of a pull request from a fork: the fork's repository when the world has it,
/// else `null` (as GitHub answers for a deleted fork).
fn fork_side(
    ctx: Ctx<'_>,
    fork: &str,
    fork_data: Option<&RepoData>,
    reference: &str,
    sha: &str,
) -> Value {
    let owner = fork.split_once('/').map_or(fork, |(o, _)| o);
    json!({
        "label": format!("{owner}:{reference}"),
        "ref": reference,
        "sha": sha,
        "user": user(ctx, owner),
        "repo": fork_data.map_or(Value::Null, |d| repo(ctx, d)),
    })
}

/// A `pull-request` (`full`) or `pull-request-simple` (list items); `fork` is the head's
/// repository when the pull request comes from a fork the world holds.
pub(crate) fn pull(
    ctx: Ctx<'_>,
    data: &RepoData,
    p: &PullRequest,
    full_shape: bool,
    fork: Option<&RepoData>,
) -> Value {
    let full = data.repo.full_name();
    let n = p.number;
    let api = ctx.api;
    let u = format!("{api}/repos/{full}/pulls/{n}");
    let issue_url = format!("{api}/repos/{full}/issues/{n}");
    let html = format!("{WEB}/{full}/pull/{n}");
    let statuses = format!("{api}/repos/{full}/statuses/{}", p.head_sha);
    let links = json!({
        "self": { "href": u },
        "html": { "href": html },
        "issue": { "href": issue_url },
        "comments": { "href": format!("{issue_url}/comments") },
        "review_comments": { "href": format!("{u}/comments") },
        "review_comment": { "href": format!("{api}/repos/{full}/pulls/comments{{/number}}") },
        "commits": { "href": format!("{u}/commits") },
        "statuses": { "href": statuses },
    });
    let mut v = json!({
        "url": u,
        "id": p.id,
        "node_id": node_id("PullRequest", p.id),
        "html_url": html,
        "diff_url": format!("{html}.diff"),
        "patch_url": format!("{html}.patch"),
        "issue_url": issue_url,
        "commits_url": format!("{u}/commits"),
        "review_comments_url": format!("{u}/comments"),
        "review_comment_url": format!("{api}/repos/{full}/pulls/comments{{/number}}"),
        "comments_url": format!("{issue_url}/comments"),
        "statuses_url": statuses,
        "number": n,
        "state": p.rest_state(),
        "locked": false,
        "title": p.title,
        "user": user(ctx, &p.author),
        "body": p.body,
        "labels": labels(ctx, data, &p.labels),
        "milestone": null,
        "active_lock_reason": null,
        "created_at": time(p.created_at),
        "updated_at": time(p.updated_at),
        "closed_at": opt_time(p.closed_at),
        "merged_at": opt_time(p.merged_at),
        "merge_commit_sha": p.merged_at.map(|_| super::state::default_sha(&format!("merge:{full}#{n}"))),
        "assignee": first_user(ctx, &p.assignees),
        "assignees": users(ctx, &p.assignees),
        "requested_reviewers": users(ctx, &p.requested_reviewers),
        "requested_teams": [],
        "head": match &p.head_repo {
            Some(name) => fork_side(ctx, name, fork, &p.head_ref, &p.head_sha),
            None => branch_side(ctx, data, &p.head_ref, &p.head_sha),
        },
        "base": branch_side(ctx, data, &p.base_ref, &p.base_sha),
        "_links": links,
        "author_association": association(&data.repo.owner, &p.author),
        "auto_merge": null,
        "draft": p.draft,
    });
    if full_shape && let Value::Object(map) = &mut v {
        let merged = p.state == super::state::PullState::Merged;
        let extra = json!({
            "merged": merged,
            "mergeable": p.mergeable_state.mergeable(),
            "rebaseable": p.mergeable_state.mergeable(),
            "mergeable_state": p.mergeable_state.as_str(),
            "merged_by": p.merged_by.as_deref().map_or(Value::Null, |l| user(ctx, l)),
            "comments": p.comments.len(),
            "review_comments": p.review_comments.len(),
            "maintainer_can_modify": p.maintainer_can_modify,
            "commits": 1,
            "additions": 0,
            "deletions": 0,
            "changed_files": 0,
        });
        if let Value::Object(extra) = extra {
            map.extend(extra);
        }
    }
    v
}

/// The GitHub Actions app, which the fake says made every check run.
fn actions_app(ctx: Ctx<'_>) -> Value {
    let mut owner = user(ctx, "github");
    if let Value::Object(o) = &mut owner {
        o.insert("type".to_owned(), json!("Organization"));
    }
    json!({
        "id": 15368,
        "slug": "github-actions",
        "client_id": "Iv1.05c79e9ad1f6bdfa",
        "node_id": "MDM6QXBwMTUzNjg=",
        "owner": owner,
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": format!("{WEB}/apps/github-actions"),
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2024-04-10T20:33:16Z",
        "permissions": { "actions": "write", "checks": "write", "contents": "write", "issues": "write", "metadata": "read", "pull_requests": "write", "single_file": "write" },
        "events": ["check_run", "check_suite", "pull_request", "push"],
    })
}

/// A `check-run`.
pub(crate) fn check_run(ctx: Ctx<'_>, data: &RepoData, c: &CheckRun) -> Value {
    let full = data.repo.full_name();
    let api = ctx.api;
    let base_repo =
        json!({ "id": data.id, "url": format!("{api}/repos/{full}"), "name": data.repo.name });
    let pulls: Vec<Value> = data
        .pulls
        .values()
        .filter(|p| p.head_sha == c.head_sha && p.state == super::state::PullState::Open)
        .map(|p| {
            json!({
                "url": format!("{api}/repos/{full}/pulls/{}", p.number),
                "id": p.id,
                "number": p.number,
                "head": { "ref": p.head_ref, "sha": p.head_sha, "repo": base_repo },
                "base": { "ref": p.base_ref, "sha": p.base_sha, "repo": base_repo },
            })
        })
        .collect();
    json!({
        "id": c.id,
        "head_sha": c.head_sha,
        "node_id": node_id("CheckRun", c.id),
        "external_id": "",
        "url": format!("{api}/repos/{full}/check-runs/{}", c.id),
        "html_url": format!("{WEB}/{full}/runs/{}", c.id),
        "details_url": c.details_url,
        "status": c.status.as_str(),
        "conclusion": c.conclusion.map(|x| x.as_str()),
        "started_at": time(c.started_at),
        "completed_at": opt_time(c.completed_at),
        "output": {
            "title": c.title,
            "summary": null,
            "text": null,
            "annotations_count": 0,
            "annotations_url": format!("{api}/repos/{full}/check-runs/{}/annotations", c.id),
        },
        "name": c.name,
        "check_suite": { "id": c.id + 500_000 },
        "app": actions_app(ctx),
        "pull_requests": pulls,
    })
}

/// A `simple-commit-status` item of a combined status.
pub(crate) fn status(ctx: Ctx<'_>, data: &RepoData, s: &CommitStatus) -> Value {
    json!({
        "url": format!("{}/repos/{}/statuses/{}", ctx.api, data.repo.full_name(), s.sha),
        "avatar_url": "https://avatars.githubusercontent.com/u/9919?v=4",
        "id": s.id,
        "node_id": node_id("StatusContext", s.id),
        "state": s.state.as_str(),
        "description": s.description,
        "target_url": s.target_url,
        "context": s.context,
        "created_at": time(s.created_at),
        "updated_at": time(s.created_at),
        "required": false,
    })
}

/// The latest status per context, newest first (what GitHub's combined status lists).
pub(crate) fn latest_statuses<'a>(data: &'a RepoData, sha: &str) -> Vec<&'a CommitStatus> {
    let mut out: Vec<&CommitStatus> = Vec::new();
    for s in data.statuses.iter().rev().filter(|s| s.sha == sha) {
        if !out.iter().any(|o| o.context == s.context) {
            out.push(s);
        }
    }
    out
}

/// The combined state: `failure` if any is failure or error, `pending` if any is pending or
/// there are none, else `success`.
pub(crate) fn combined_state(statuses: &[&CommitStatus]) -> &'static str {
    if statuses
        .iter()
        .any(|s| matches!(s.state, StatusState::Failure | StatusState::Error))
    {
        "failure"
    } else if statuses.is_empty() || statuses.iter().any(|s| s.state == StatusState::Pending) {
        "pending"
    } else {
        "success"
    }
}

/// A `combined-commit-status` with a page of its statuses.
pub(crate) fn combined_status(
    ctx: Ctx<'_>,
    data: &RepoData,
    sha: &str,
    state: &str,
    page: Vec<Value>,
    total: usize,
) -> Value {
    let full = data.repo.full_name();
    json!({
        "state": state,
        "statuses": page,
        "sha": sha,
        "total_count": total,
        "repository": repo(ctx, data),
        "commit_url": format!("{}/repos/{full}/commits/{sha}", ctx.api),
        "url": format!("{}/repos/{full}/commits/{sha}/status", ctx.api),
    })
}

/// A `pull-request-review`.
pub(crate) fn review(ctx: Ctx<'_>, data: &RepoData, number: u64, r: &Review) -> Value {
    let full = data.repo.full_name();
    let html = format!("{WEB}/{full}/pull/{number}#pullrequestreview-{}", r.id);
    let pull_url = format!("{}/repos/{full}/pulls/{number}", ctx.api);
    json!({
        "id": r.id,
        "node_id": node_id("PullRequestReview", r.id),
        "user": user(ctx, &r.author),
        "body": r.body,
        "state": r.state.as_str(),
        "html_url": html,
        "pull_request_url": pull_url,
        "_links": { "html": { "href": html }, "pull_request": { "href": pull_url } },
        "submitted_at": time(r.submitted_at),
        "commit_id": r.commit_id,
        "author_association": association(&data.repo.owner, &r.author),
    })
}

/// A `pull-request-review-comment`.
pub(crate) fn review_comment(
    ctx: Ctx<'_>,
    data: &RepoData,
    number: u64,
    c: &ReviewComment,
) -> Value {
    let full = data.repo.full_name();
    let u = format!("{}/repos/{full}/pulls/comments/{}", ctx.api, c.id);
    let html = format!("{WEB}/{full}/pull/{number}#discussion_r{}", c.id);
    let pull_url = format!("{}/repos/{full}/pulls/{number}", ctx.api);
    let mut v = json!({
        "url": u,
        "pull_request_review_id": c.review_id,
        "id": c.id,
        "node_id": node_id("PullRequestReviewComment", c.id),
        "diff_hunk": format!("@@ -{0},1 +{0},1 @@", c.line),
        "path": c.path,
        "position": 1,
        "original_position": 1,
        "commit_id": c.commit_id,
        "original_commit_id": c.commit_id,
        "user": user(ctx, &c.author),
        "body": c.body,
        "created_at": time(c.created_at),
        "updated_at": time(c.created_at),
        "html_url": html,
        "pull_request_url": pull_url,
        "author_association": association(&data.repo.owner, &c.author),
        "_links": { "self": { "href": u }, "html": { "href": html }, "pull_request": { "href": pull_url } },
        "start_line": null,
        "original_start_line": null,
        "start_side": null,
        "line": c.line,
        "original_line": c.line,
        "side": "RIGHT",
        "subject_type": "line",
    });
    if let (Some(parent), Value::Object(map)) = (c.in_reply_to, &mut v) {
        map.insert("in_reply_to_id".to_owned(), json!(parent));
    }
    v
}

/// GitHub's error body: `{"message", "documentation_url", "status"}`.
pub(crate) fn error(message: &str, status: u16) -> Value {
    json!({ "message": message, "documentation_url": DOCS, "status": status.to_string() })
}

/// Percent-encodes a path segment (labels may hold spaces and slashes).
pub(crate) fn encode_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
