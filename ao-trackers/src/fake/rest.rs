//! The REST routes the fake serves, over the world.
//!
//! Routing is a `match` over decoded path segments; every handler answers GitHub's status and
//! body for bad input (400 for unparsable JSON, 422 for invalid fields, 404 for unknown
//! resources) rather than panicking. `/rate_limit` and `/graphql` are answered by the pipeline.

use hyper::Method;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::server::{Reply, Req};
use super::shapes::{self, Ctx};
use super::state::{
    Comment, IssueState, MergeMethod, MergeableState, Numbered, PullRequest, PullState, RepoData,
    StateReason, World, default_sha,
};

/// Every REST route the fake serves, as `(method, path template)`, in GitHub's OpenAPI spelling.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/rate_limit"),
    ("get", "/repos/{owner}/{repo}"),
    ("get", "/repos/{owner}/{repo}/issues"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("patch", "/repos/{owner}/{repo}/issues/{issue_number}"),
    (
        "post",
        "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    ),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    (
        "delete",
        "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
    ),
    ("get", "/repos/{owner}/{repo}/pulls"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("put", "/repos/{owner}/{repo}/pulls/{pull_number}/merge"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/comments"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/check-runs"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/status"),
];

/// Now, to the second (GitHub's timestamps have no fractions).
pub(crate) fn now() -> Timestamp {
    let now = Timestamp::now();
    Timestamp::from_second(now.as_second()).unwrap_or(now)
}

/// Routes a request.
pub(crate) fn route(world: &mut World, ctx: Ctx<'_>, viewer: &str, req: &Req) -> Reply {
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let method = &req.method;
    match segments.as_slice() {
        ["repos", owner, name, rest @ ..] => {
            let visible = world
                .repo(owner, name)
                .is_some_and(|d| !d.repo.private || req.authenticated);
            if !visible {
                return Reply::not_found();
            }
            repo_route(world, ctx, viewer, req, method, owner, name, rest)
        }
        _ => Reply::not_found(),
    }
}

#[allow(clippy::too_many_arguments)]
fn repo_route(
    world: &mut World,
    ctx: Ctx<'_>,
    viewer: &str,
    req: &Req,
    method: &Method,
    owner: &str,
    name: &str,
    rest: &[&str],
) -> Reply {
    // Pull requests are read with the whole world at hand: a fork's head names its repository.
    if *method == Method::GET && matches!(rest, ["pulls"] | ["pulls", _]) {
        let world: &World = world;
        let Some(data) = world.repo(owner, name) else {
            return Reply::not_found();
        };
        return match rest {
            ["pulls", n] => match number(n).and_then(|n| data.pulls.get(&n)) {
                Some(p) => Reply::ok(shapes::pull(ctx, data, p, true, fork_of(world, p))),
                None => Reply::not_found(),
            },
            _ => list_pulls(ctx, world, data, req),
        };
    }
    let mut next_id = world.next_id;
    let Some(data) = world.repo_mut(owner, name) else {
        return Reply::not_found();
    };
    let reply = match (method, rest) {
        (&Method::GET, []) => Reply::ok(shapes::repo(ctx, data)),
        (&Method::GET, ["issues"]) => list_issues(ctx, data, viewer, req),
        (&Method::GET, ["issues", n]) => match number(n) {
            Some(n) => get_issue(ctx, data, viewer, n),
            None => Reply::not_found(),
        },
        (&Method::PATCH, ["issues", n]) => match number(n) {
            Some(n) => patch_issue(ctx, data, viewer, n, req, &mut next_id),
            None => Reply::not_found(),
        },
        (&Method::POST, ["issues", n, "comments"]) => match number(n) {
            Some(n) => add_comment(ctx, data, viewer, n, req, &mut next_id),
            None => Reply::not_found(),
        },
        (&Method::POST, ["issues", n, "labels"]) => match number(n) {
            Some(n) => add_labels(ctx, data, n, req, &mut next_id),
            None => Reply::not_found(),
        },
        (&Method::DELETE, ["issues", n, "labels", label]) => match number(n) {
            Some(n) => remove_label(ctx, data, n, label),
            None => Reply::not_found(),
        },
        (&Method::PUT, ["pulls", n, "merge"]) => match number(n) {
            Some(n) => merge_pull(data, viewer, n, req),
            None => Reply::not_found(),
        },
        (&Method::GET, ["pulls", n, "reviews"]) => match number(n).and_then(|n| data.pulls.get(&n))
        {
            Some(p) => {
                let items = p
                    .reviews
                    .iter()
                    .map(|r| shapes::review(ctx, data, p.number, r))
                    .collect();
                paginated_list(ctx, req, items)
            }
            None => Reply::not_found(),
        },
        (&Method::GET, ["pulls", n, "comments"]) => {
            match number(n).and_then(|n| data.pulls.get(&n)) {
                Some(p) => {
                    let items = p
                        .review_comments
                        .iter()
                        .map(|c| shapes::review_comment(ctx, data, p.number, c))
                        .collect();
                    paginated_list(ctx, req, items)
                }
                None => Reply::not_found(),
            }
        }
        (&Method::GET, ["commits", reference @ .., "check-runs"]) if !reference.is_empty() => {
            check_runs(ctx, data, req, &reference.join("/"))
        }
        (&Method::GET, ["commits", reference @ .., "status"]) if !reference.is_empty() => {
            combined_status(ctx, data, req, &reference.join("/"))
        }
        _ => Reply::not_found(),
    };
    world.next_id = next_id;
    reply
}

fn number(s: &str) -> Option<u64> {
    s.parse().ok()
}

fn get_issue(ctx: Ctx<'_>, data: &RepoData, viewer: &str, n: u64) -> Reply {
    match data.numbered(n) {
        Some(Numbered::Issue(i)) => Reply::ok(shapes::issue(ctx, data, i, viewer)),
        Some(Numbered::Pull(p)) => Reply::ok(shapes::pull_as_issue(ctx, data, p, viewer)),
        None => Reply::not_found(),
    }
}

fn issue_json(ctx: Ctx<'_>, data: &RepoData, viewer: &str, n: u64) -> Value {
    get_issue(ctx, data, viewer, n).body.unwrap_or(Value::Null)
}

/// Parses a JSON body, answering GitHub's 400 when it is not JSON.
fn json_body(req: &Req) -> Result<Value, Reply> {
    serde_json::from_slice(&req.body).map_err(|_| Reply::error(400, "Problems parsing JSON"))
}

fn json_object(req: &Req) -> Result<serde_json::Map<String, Value>, Reply> {
    match json_body(req)? {
        Value::Object(map) => Ok(map),
        _ => Err(Reply::error(400, "Problems parsing JSON")),
    }
}

/// Label names from `["a"]`, `[{"name": "a"}]`.
fn label_names(value: &Value) -> Option<Vec<String>> {
    let Value::Array(items) = value else {
        return None;
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_owned),
            _ => None,
        })
        .collect()
}

fn string_list(value: &Value) -> Option<Vec<String>> {
    let Value::Array(items) = value else {
        return None;
    };
    items
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// The editable fields of a PATCH, validated before anything changes.
#[derive(Default)]
struct IssuePatch {
    title: Option<String>,
    body: Option<Option<String>>,
    state: Option<IssueState>,
    state_reason: Option<Option<StateReason>>,
    labels: Option<Vec<String>>,
    assignees: Option<Vec<String>>,
}

fn parse_patch(map: &serde_json::Map<String, Value>) -> Result<IssuePatch, Reply> {
    let mut patch = IssuePatch::default();
    for (key, value) in map {
        match key.as_str() {
            "title" => match value {
                Value::String(s) if !s.is_empty() => patch.title = Some(s.clone()),
                Value::Number(n) => patch.title = Some(n.to_string()),
                _ => return Err(Reply::invalid("Issue", "title", "invalid")),
            },
            "body" => match value {
                Value::String(s) => patch.body = Some(Some(s.clone())),
                Value::Null => patch.body = Some(None),
                _ => return Err(Reply::invalid("Issue", "body", "invalid")),
            },
            "state" => match value.as_str() {
                Some("open") => patch.state = Some(IssueState::Open),
                Some("closed") => patch.state = Some(IssueState::Closed),
                _ => return Err(Reply::invalid("Issue", "state", "invalid")),
            },
            "state_reason" => match value {
                Value::Null => patch.state_reason = Some(None),
                Value::String(s) => match StateReason::parse(s) {
                    Some(r) => patch.state_reason = Some(Some(r)),
                    None => return Err(Reply::invalid("Issue", "state_reason", "invalid")),
                },
                _ => return Err(Reply::invalid("Issue", "state_reason", "invalid")),
            },
            "labels" => match label_names(value) {
                Some(names) => patch.labels = Some(names),
                None => return Err(Reply::invalid("Issue", "labels", "invalid")),
            },
            "assignees" => match string_list(value) {
                Some(logins) => patch.assignees = Some(logins),
                None => return Err(Reply::invalid("Issue", "assignees", "invalid")),
            },
            "assignee" => match value {
                Value::Null => patch.assignees = Some(Vec::new()),
                Value::String(s) => patch.assignees = Some(vec![s.clone()]),
                _ => return Err(Reply::invalid("Issue", "assignee", "invalid")),
            },
            // Fields the fake does not model (milestone, type, …) are accepted and ignored.
            _ => {}
        }
    }
    Ok(patch)
}

fn patch_issue(
    ctx: Ctx<'_>,
    data: &mut RepoData,
    viewer: &str,
    n: u64,
    req: &Req,
    next_id: &mut u64,
) -> Reply {
    let patch = match json_object(req).and_then(|m| parse_patch(&m)) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    if let Some(labels) = &patch.labels {
        data.ensure_labels(labels, next_id);
    }
    let at = now();
    if let Some(issue) = data.issues.get_mut(&n) {
        if let Some(t) = patch.title {
            issue.title = t;
        }
        if let Some(b) = patch.body {
            issue.body = b;
        }
        if let Some(l) = patch.labels {
            issue.labels = l;
        }
        if let Some(a) = patch.assignees {
            issue.assignees = a;
        }
        match patch.state {
            Some(IssueState::Closed) if issue.state == IssueState::Open => {
                issue.state = IssueState::Closed;
                issue.closed_at = Some(at);
                issue.state_reason = Some(StateReason::Completed);
            }
            Some(IssueState::Open) if issue.state == IssueState::Closed => {
                issue.state = IssueState::Open;
                issue.closed_at = None;
                issue.state_reason = Some(StateReason::Reopened);
            }
            _ => {}
        }
        if let Some(reason) = patch.state_reason {
            issue.state_reason = reason;
        }
        issue.updated_at = at;
    } else if let Some(pull) = data.pulls.get_mut(&n) {
        if let Some(t) = patch.title {
            pull.title = t;
        }
        if let Some(b) = patch.body {
            pull.body = b;
        }
        if let Some(l) = patch.labels {
            pull.labels = l;
        }
        if let Some(a) = patch.assignees {
            pull.assignees = a;
        }
        match (patch.state, pull.state) {
            (Some(IssueState::Closed), PullState::Open) => {
                pull.state = PullState::Closed;
                pull.closed_at = Some(at);
            }
            (Some(IssueState::Open), PullState::Closed) => {
                pull.state = PullState::Open;
                pull.closed_at = None;
            }
            (Some(IssueState::Open), PullState::Merged) => {
                return Reply::invalid("Issue", "state", "invalid");
            }
            _ => {}
        }
        pull.updated_at = at;
    } else {
        return Reply::not_found();
    }
    Reply::ok(issue_json(ctx, data, viewer, n))
}

fn add_comment(
    ctx: Ctx<'_>,
    data: &mut RepoData,
    viewer: &str,
    n: u64,
    req: &Req,
    next_id: &mut u64,
) -> Reply {
    let map = match json_object(req) {
        Ok(m) => m,
        Err(reply) => return reply,
    };
    let Some(body) = map.get("body").and_then(Value::as_str) else {
        return Reply::invalid("IssueComment", "body", "missing_field");
    };
    *next_id += 1;
    let comment = Comment {
        id: *next_id,
        author: viewer.to_owned(),
        body: body.to_owned(),
        created_at: now(),
    };
    let at = comment.created_at;
    let is_pull = if let Some(issue) = data.issues.get_mut(&n) {
        issue.comments.push(comment.clone());
        issue.updated_at = at;
        false
    } else if let Some(pull) = data.pulls.get_mut(&n) {
        pull.comments.push(comment.clone());
        pull.updated_at = at;
        true
    } else {
        return Reply::not_found();
    };
    let json = shapes::comment(ctx, data, n, is_pull, &comment);
    let location = json
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Reply::json(201, json).header("location", location)
}

fn labels_of(data: &mut RepoData, n: u64) -> Option<&mut Vec<String>> {
    if let Some(issue) = data.issues.get_mut(&n) {
        return Some(&mut issue.labels);
    }
    data.pulls.get_mut(&n).map(|p| &mut p.labels)
}

fn add_labels(ctx: Ctx<'_>, data: &mut RepoData, n: u64, req: &Req, next_id: &mut u64) -> Reply {
    let value = match json_body(req) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let names = match &value {
        Value::Object(map) => map.get("labels").and_then(label_names),
        other => label_names(other),
    };
    let Some(names) = names else {
        return Reply::invalid("Label", "labels", "invalid");
    };
    if data.numbered(n).is_none() {
        return Reply::not_found();
    }
    data.ensure_labels(&names, next_id);
    let at = now();
    let Some(labels) = labels_of(data, n) else {
        return Reply::not_found();
    };
    for name in names {
        if !labels.contains(&name) {
            labels.push(name);
        }
    }
    let current = labels.clone();
    touch(data, n, at);
    Reply::ok(shapes::labels(ctx, data, &current))
}

fn remove_label(ctx: Ctx<'_>, data: &mut RepoData, n: u64, label: &str) -> Reply {
    if data.numbered(n).is_none() {
        return Reply::not_found();
    }
    let Some(labels) = labels_of(data, n) else {
        return Reply::not_found();
    };
    let Some(index) = labels.iter().position(|l| l.eq_ignore_ascii_case(label)) else {
        return Reply::error(404, "Label does not exist");
    };
    labels.remove(index);
    let current = labels.clone();
    touch(data, n, now());
    Reply::ok(shapes::labels(ctx, data, &current))
}

fn touch(data: &mut RepoData, n: u64, at: Timestamp) {
    if let Some(issue) = data.issues.get_mut(&n) {
        issue.updated_at = at;
    } else if let Some(pull) = data.pulls.get_mut(&n) {
        pull.updated_at = at;
    }
}

/// One row of the issues list, issue or pull request, with what the filters look at.
struct Row {
    number: u64,
    open: bool,
    labels: Vec<String>,
    assignees: Vec<String>,
    author: String,
    comments: usize,
    created: Timestamp,
    updated: Timestamp,
}

fn list_issues(ctx: Ctx<'_>, data: &RepoData, viewer: &str, req: &Req) -> Reply {
    let state = req.param("state").unwrap_or("open");
    if !matches!(state, "open" | "closed" | "all") {
        return Reply::invalid("Issue", "state", "invalid");
    }
    let since = match req.param("since") {
        Some(s) => match s.parse::<Timestamp>() {
            Ok(t) => Some(t),
            Err(_) => return Reply::invalid("Issue", "since", "invalid"),
        },
        None => None,
    };
    let wanted_labels: Vec<&str> = req
        .param("labels")
        .map(|l| {
            l.split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut rows: Vec<Row> = data
        .issues
        .values()
        .map(|i| Row {
            number: i.number,
            open: i.state == IssueState::Open,
            labels: i.labels.clone(),
            assignees: i.assignees.clone(),
            author: i.author.clone(),
            comments: i.comments.len(),
            created: i.created_at,
            updated: i.updated_at,
        })
        .chain(data.pulls.values().map(|p| Row {
            number: p.number,
            open: p.state == PullState::Open,
            labels: p.labels.clone(),
            assignees: p.assignees.clone(),
            author: p.author.clone(),
            comments: p.comments.len(),
            created: p.created_at,
            updated: p.updated_at,
        }))
        .filter(|r| match state {
            "open" => r.open,
            "closed" => !r.open,
            _ => true,
        })
        .filter(|r| {
            wanted_labels
                .iter()
                .all(|w| r.labels.iter().any(|l| l.eq_ignore_ascii_case(w)))
        })
        .filter(|r| match req.param("assignee") {
            None | Some("") => true,
            Some("none") => r.assignees.is_empty(),
            Some("*") => !r.assignees.is_empty(),
            Some(login) => r.assignees.iter().any(|a| a.eq_ignore_ascii_case(login)),
        })
        .filter(|r| {
            req.param("creator")
                .is_none_or(|c| r.author.eq_ignore_ascii_case(c))
        })
        .filter(|r| since.is_none_or(|s| r.updated >= s))
        .collect();
    let sort = req.param("sort").unwrap_or("created");
    match sort {
        "updated" => rows.sort_by_key(|r| (r.updated, r.number)),
        "comments" => rows.sort_by_key(|r| (r.comments, r.number)),
        "created" => rows.sort_by_key(|r| (r.created, r.number)),
        _ => return Reply::invalid("Issue", "sort", "invalid"),
    }
    if req.param("direction") != Some("asc") {
        rows.reverse();
    }
    let items = rows
        .iter()
        .map(|r| issue_json(ctx, data, viewer, r.number))
        .collect();
    paginated_list(ctx, req, items)
}

/// The fork a pull request's head lives in, when the world holds it.
fn fork_of<'w>(world: &'w World, p: &PullRequest) -> Option<&'w RepoData> {
    let (owner, name) = p.head_repo.as_deref()?.split_once('/')?;
    world.repo(owner, name)
}

/// `PUT …/pulls/{n}/merge`: merges an open, mergeable pull request as GitHub does, with its
/// refusals: `405` for a closed, draft, conflicting or blocked one, `409` when `sha` is not the
/// head any more, `422` for an unknown method.
fn merge_pull(data: &mut RepoData, viewer: &str, n: u64, req: &Req) -> Reply {
    let body = if req.body.is_empty() {
        serde_json::Map::new()
    } else {
        match json_object(req) {
            Ok(m) => m,
            Err(reply) => return reply,
        }
    };
    let method = match body.get("merge_method") {
        None | Some(Value::Null) => MergeMethod::Merge,
        Some(Value::String(m)) => match MergeMethod::parse(m) {
            Some(m) => m,
            None => return Reply::invalid("PullRequest", "merge_method", "invalid"),
        },
        Some(_) => return Reply::invalid("PullRequest", "merge_method", "invalid"),
    };
    let full = data.repo.full_name();
    let Some(pull) = data.pulls.get_mut(&n) else {
        return Reply::not_found();
    };
    if pull.state != PullState::Open {
        return Reply::error(405, "Pull Request is not mergeable");
    }
    if pull.draft {
        return Reply::error(405, "Pull Request is still a draft");
    }
    if matches!(
        pull.mergeable_state,
        MergeableState::Dirty | MergeableState::Blocked
    ) {
        return Reply::error(405, "Pull Request is not mergeable");
    }
    if let Some(sha) = body.get("sha").and_then(Value::as_str)
        && sha != pull.head_sha
    {
        return Reply::error(
            409,
            "Head branch was modified. Review and try the merge again.",
        );
    }
    let at = now();
    pull.state = PullState::Merged;
    pull.closed_at = Some(at);
    pull.merged_at = Some(at);
    pull.merged_by = Some(viewer.to_owned());
    pull.merge_method = Some(method);
    pull.updated_at = at;
    Reply::ok(json!({
        "sha": default_sha(&format!("merge:{full}#{n}")),
        "merged": true,
        "message": "Pull Request successfully merged",
    }))
}

fn list_pulls(ctx: Ctx<'_>, world: &World, data: &RepoData, req: &Req) -> Reply {
    let state = req.param("state").unwrap_or("open");
    if !matches!(state, "open" | "closed" | "all") {
        return Reply::invalid("PullRequest", "state", "invalid");
    }
    let head = req.param("head").map(|h| match h.split_once(':') {
        Some((user, reference)) => (Some(user), reference),
        None => (None, h),
    });
    let mut pulls: Vec<_> = data
        .pulls
        .values()
        .filter(|p| match state {
            "open" => p.state == PullState::Open,
            "closed" => p.state != PullState::Open,
            _ => true,
        })
        .filter(|p| {
            head.is_none_or(|(user, reference)| {
                // `user:ref` names the head's owner: a fork's owner for a fork's branch.
                let head_owner = p
                    .head_repo
                    .as_deref()
                    .and_then(|f| f.split_once('/'))
                    .map_or(data.repo.owner.as_str(), |(o, _)| o);
                p.head_ref == reference && user.is_none_or(|u| u.eq_ignore_ascii_case(head_owner))
            })
        })
        .filter(|p| req.param("base").is_none_or(|b| p.base_ref == b))
        .collect();
    let sort = req.param("sort").unwrap_or("created");
    match sort {
        "created" => pulls.sort_by_key(|p| (p.created_at, p.number)),
        "updated" => pulls.sort_by_key(|p| (p.updated_at, p.number)),
        "popularity" => pulls.sort_by_key(|p| (p.comments.len(), p.number)),
        "long-running" => pulls.sort_by_key(|p| (p.created_at, p.number)),
        _ => return Reply::invalid("PullRequest", "sort", "invalid"),
    }
    let default_desc = sort == "created";
    let desc = match req.param("direction") {
        Some("asc") => false,
        Some("desc") => true,
        _ => default_desc,
    };
    if desc {
        pulls.reverse();
    }
    let items = pulls
        .iter()
        .map(|p| shapes::pull(ctx, data, p, false, fork_of(world, p)))
        .collect();
    paginated_list(ctx, req, items)
}

fn check_runs(ctx: Ctx<'_>, data: &RepoData, req: &Req, reference: &str) -> Reply {
    let Some(sha) = data.resolve_ref(reference) else {
        return no_commit(reference);
    };
    let filter = req.param("filter").unwrap_or("latest");
    if !matches!(filter, "latest" | "all") {
        return Reply::invalid("CheckRun", "filter", "invalid");
    }
    let mut runs: Vec<_> = data
        .check_runs
        .iter()
        .rev()
        .filter(|c| c.head_sha == sha)
        .filter(|c| req.param("check_name").is_none_or(|n| c.name == n))
        .filter(|c| req.param("status").is_none_or(|s| c.status.as_str() == s))
        .collect();
    if filter == "latest" {
        let mut seen: Vec<&str> = Vec::new();
        runs.retain(|c| {
            let first = !seen.contains(&c.name.as_str());
            seen.push(&c.name);
            first
        });
    }
    let total = runs.len();
    let items: Vec<Value> = runs
        .iter()
        .map(|c| shapes::check_run(ctx, data, c))
        .collect();
    let (page, link) = paginate(ctx, req, items, 30);
    with_link(
        Reply::ok(json!({ "total_count": total, "check_runs": page })),
        link,
    )
}

fn combined_status(ctx: Ctx<'_>, data: &RepoData, req: &Req, reference: &str) -> Reply {
    let Some(sha) = data.resolve_ref(reference) else {
        return no_commit(reference);
    };
    let latest = shapes::latest_statuses(data, &sha);
    let state = shapes::combined_state(&latest);
    let total = latest.len();
    let items: Vec<Value> = latest
        .iter()
        .map(|s| shapes::status(ctx, data, s))
        .collect();
    let (page, link) = paginate(ctx, req, items, 100);
    with_link(
        Reply::ok(shapes::combined_status(ctx, data, &sha, state, page, total)),
        link,
    )
}

fn no_commit(reference: &str) -> Reply {
    Reply::error(422, &format!("No commit found for SHA: {reference}"))
}

fn paginated_list(ctx: Ctx<'_>, req: &Req, items: Vec<Value>) -> Reply {
    let (page, link) = paginate(ctx, req, items, 30);
    with_link(Reply::ok(Value::Array(page)), link)
}

fn with_link(reply: Reply, link: Option<String>) -> Reply {
    match link {
        Some(link) => reply.header("link", link),
        None => reply,
    }
}

/// Cuts a page out of `items` by `per_page` (default `default_per_page`, at most 100) and `page`
/// (from 1), and builds GitHub's `Link` header (`prev`, `next`, `last`, `first`) pointing back at
/// the fake with the request's other parameters kept.
fn paginate(
    ctx: Ctx<'_>,
    req: &Req,
    items: Vec<Value>,
    default_per_page: usize,
) -> (Vec<Value>, Option<String>) {
    let per_page = req
        .param("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| *p > 0)
        .unwrap_or(default_per_page)
        .min(100);
    let page = req
        .param("page")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| *p > 0)
        .unwrap_or(1);
    let last = items.len().div_ceil(per_page).max(1);
    let current: Vec<Value> = items
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    let path: String = req
        .segments
        .iter()
        .map(|s| format!("/{}", shapes::encode_path(s)))
        .collect();
    let url = |n: usize| {
        let mut pairs: Vec<String> = req
            .query
            .iter()
            .filter(|(k, _)| k != "page" && k != "per_page")
            .map(|(k, v)| format!("{}={}", shapes::encode_path(k), shapes::encode_path(v)))
            .collect();
        pairs.push(format!("per_page={per_page}"));
        pairs.push(format!("page={n}"));
        format!("<{}{path}?{}>", ctx.api, pairs.join("&"))
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", url((page - 1).min(last))));
    }
    if page < last {
        links.push(format!("{}; rel=\"next\"", url(page + 1)));
        links.push(format!("{}; rel=\"last\"", url(last)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", url(1)));
    }
    let link = (!links.is_empty()).then(|| links.join(", "));
    (current, link)
}

/// The head sha a pull request gets when the test did not give one.
pub(crate) fn head_sha_for(full_name: &str, head_ref: &str, number: u64) -> String {
    default_sha(&format!("{full_name}:{head_ref}#{number}"))
}
