//! The subset of Linear's GraphQL schema the fake resolves, over a snapshot of its world.
//!
//! Field names, argument names, enum spellings and error shapes follow Linear's SDK schema
//! (`packages/sdk/src/schema.graphql`; the part `ao` uses is kept in this crate's
//! `tests/fixtures/linear-schema-subset.graphql`). A field, filter key or input key the fake does
//! not model fails the document with graphql-js's wording (`Cannot query field "x" on type "T".`),
//! so a client cannot silently rely on something the fake does not do.
//!
//! Queries read an immutable snapshot (`Rc<World>`); the two mutations change the world through
//! a `RefCell` and answer from a fresh snapshot.

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::{Map, Value, json};

use super::state::{CommentData, World, now, time};
use crate::fake::graphql::{Args, FieldError, Invalid, Node, Out};

/// Every type name a fragment may be conditioned on.
pub(crate) const TYPES: &[&str] = &[
    "Query",
    "Mutation",
    "Node",
    "Issue",
    "Team",
    "WorkflowState",
    "User",
    "IssueLabel",
    "Comment",
    "CommentPayload",
    "IssuePayload",
    "IssueConnection",
    "IssueEdge",
    "TeamConnection",
    "TeamEdge",
    "WorkflowStateConnection",
    "WorkflowStateEdge",
    "IssueLabelConnection",
    "IssueLabelEdge",
    "CommentConnection",
    "CommentEdge",
    "PageInfo",
];

type Res<'w> = Result<Out<'w>, FieldError>;
type NodeRc<'w> = Rc<dyn Node<'w> + 'w>;
type Snap = Rc<World>;

fn leaf<'w>(v: impl Into<Value>) -> Res<'w> {
    Ok(Out::Leaf(v.into()))
}

fn node<'w>(n: impl Node<'w> + 'w) -> Res<'w> {
    Ok(Out::Node(Rc::new(n)))
}

fn invalid(message: String) -> FieldError {
    FieldError::Invalid(Invalid {
        message,
        pos: None,
        code: Some("GRAPHQL_VALIDATION_FAILED"),
    })
}

fn unknown<'w>(name: &str, ty: &str) -> Res<'w> {
    Err(invalid(format!(
        "Cannot query field \"{name}\" on type \"{ty}\"."
    )))
}

/// Linear's answer for an id that names nothing.
fn not_found(entity: &str) -> FieldError {
    let mut error = Map::new();
    error.insert(
        "message".into(),
        Value::String(format!("Entity not found: {entity}")),
    );
    error.insert(
        "extensions".into(),
        json!({
            "type": "invalid input",
            "code": "INPUT_ERROR",
            "statusCode": 400,
            "userError": true,
            "userPresentableMessage": format!("Could not find referenced {entity}."),
        }),
    );
    FieldError::Custom(error)
}

/// The error for an input field an input type does not have (graphql-js's wording).
fn undefined_input(key: &str, ty: &str) -> FieldError {
    invalid(format!("Field \"{key}\" is not defined by type \"{ty}\"."))
}

/// `value` as an input object of type `ty`.
fn object<'a>(value: &'a Value, ty: &str) -> Result<&'a Map<String, Value>, FieldError> {
    value
        .as_object()
        .ok_or_else(|| invalid(format!("Expected value of type \"{ty}\", found {value}.")))
}

fn text<'a>(value: &'a Value, ty: &str) -> Result<&'a str, FieldError> {
    value
        .as_str()
        .ok_or_else(|| invalid(format!("Expected value of type \"{ty}\", found {value}.")))
}

/// The root.
pub(crate) struct Query {
    w: Snap,
}

impl Query {
    pub(crate) fn new(w: Snap) -> Self {
        Self { w }
    }
}

impl<'w> Node<'w> for Query {
    fn typename(&self) -> &'static str {
        "Query"
    }

    fn field(&self, name: &str, args: &Args) -> Res<'w> {
        let w = &self.w;
        match name {
            "viewer" => match w.user(&w.viewer) {
                Some(u) => node(UserNode { w: w.clone(), u }),
                None => Err(not_found("User")),
            },
            "issue" => {
                let id = args.required_string("id")?;
                match w.issue(&id) {
                    Some(i) => node(IssueNode { w: w.clone(), i }),
                    None => Err(not_found("Issue")),
                }
            }
            "issues" => {
                let filter = args.json("filter").cloned();
                args.boolean("includeArchived")?;
                args.string("orderBy")?;
                let mut items: Vec<NodeRc<'w>> = Vec::new();
                for (i, issue) in w.issues.iter().enumerate() {
                    let keep = match &filter {
                        Some(f) => issue_matches(w, issue, f)?,
                        None => true,
                    };
                    if keep {
                        items.push(Rc::new(IssueNode { w: w.clone(), i }));
                    }
                }
                connection("IssueConnection", args, items)
            }
            "team" => {
                let id = args.required_string("id")?;
                match w.team(&id) {
                    Some(t) => node(TeamNode { w: w.clone(), t }),
                    None => Err(not_found("Team")),
                }
            }
            "teams" => {
                let filter = args.json("filter").cloned();
                args.boolean("includeArchived")?;
                args.string("orderBy")?;
                let mut items: Vec<NodeRc<'w>> = Vec::new();
                for t in 0..w.teams.len() {
                    let keep = match &filter {
                        Some(f) => team_matches(w, t, f)?,
                        None => true,
                    };
                    if keep {
                        items.push(Rc::new(TeamNode { w: w.clone(), t }));
                    }
                }
                connection("TeamConnection", args, items)
            }
            _ => unknown(name, "Query"),
        }
    }
}

/// The mutation root: changes the world, answers from a fresh snapshot.
pub(crate) struct Mutation<'w> {
    world: &'w RefCell<World>,
}

impl<'w> Mutation<'w> {
    pub(crate) fn new(world: &'w RefCell<World>) -> Self {
        Self { world }
    }

    fn snapshot(&self) -> Snap {
        Rc::new(self.world.borrow().clone())
    }
}

impl<'w> Node<'w> for Mutation<'w> {
    fn typename(&self) -> &'static str {
        "Mutation"
    }

    fn field(&self, name: &str, args: &Args) -> Res<'w> {
        match name {
            "commentCreate" => {
                let input = args
                    .json("input")
                    .cloned()
                    .ok_or_else(|| invalid("Field \"commentCreate\" argument \"input\" of type \"CommentCreateInput!\" is required, but it was not provided.".into()))?;
                let input = object(&input, "CommentCreateInput")?;
                let mut body = None;
                let mut issue_id = None;
                for (key, value) in input {
                    match key.as_str() {
                        "body" => body = Some(text(value, "String")?.to_string()),
                        "issueId" => issue_id = Some(text(value, "String")?.to_string()),
                        other => return Err(undefined_input(other, "CommentCreateInput")),
                    }
                }
                let (issue_index, comment_id, sync) = {
                    let mut w = self.world.borrow_mut();
                    let Some(i) = issue_id.as_deref().and_then(|id| w.issue(id)) else {
                        return Err(not_found("Issue"));
                    };
                    let id = w.uuid();
                    let user_id = w.viewer.clone();
                    let at = now();
                    let issue = &mut w.issues[i];
                    issue.comments.push(CommentData {
                        id: id.clone(),
                        body: body.unwrap_or_default(),
                        user_id,
                        created_at: at,
                    });
                    issue.updated_at = at;
                    let sync = w.sync();
                    (i, id, sync)
                };
                let w = self.snapshot();
                let c = w.issues[issue_index]
                    .comments
                    .iter()
                    .position(|c| c.id == comment_id)
                    .unwrap_or(0);
                node(Payload {
                    typename: "CommentPayload",
                    entity_field: "comment",
                    entity: Some(Rc::new(CommentNode {
                        w: w.clone(),
                        i: issue_index,
                        c,
                    })),
                    sync,
                })
            }
            "issueUpdate" => {
                let id = args.required_string("id")?;
                let input = args
                    .json("input")
                    .cloned()
                    .ok_or_else(|| invalid("Field \"issueUpdate\" argument \"input\" of type \"IssueUpdateInput!\" is required, but it was not provided.".into()))?;
                let input = object(&input, "IssueUpdateInput")?.clone();
                let (i, sync) = {
                    let mut w = self.world.borrow_mut();
                    let Some(i) = w.issue(&id) else {
                        return Err(not_found("Issue"));
                    };
                    let team_id = w.issues[i].team_id.clone();
                    for (key, value) in &input {
                        match key.as_str() {
                            "stateId" => {
                                let state = text(value, "String")?;
                                let t = w.team(&team_id).ok_or_else(|| not_found("Team"))?;
                                if !w.teams[t].states.iter().any(|s| s.id == state) {
                                    return Err(not_found("WorkflowState"));
                                }
                                w.issues[i].state_id = state.to_string();
                            }
                            "title" => w.issues[i].title = text(value, "String")?.to_string(),
                            "description" => {
                                w.issues[i].description = value.as_str().map(str::to_string);
                            }
                            other => return Err(undefined_input(other, "IssueUpdateInput")),
                        }
                    }
                    w.issues[i].updated_at = now();
                    let sync = w.sync();
                    (i, sync)
                };
                node(Payload {
                    typename: "IssuePayload",
                    entity_field: "issue",
                    entity: Some(Rc::new(IssueNode {
                        w: self.snapshot(),
                        i,
                    })),
                    sync,
                })
            }
            _ => unknown(name, "Mutation"),
        }
    }
}

/// `CommentPayload` / `IssuePayload`.
struct Payload<'w> {
    typename: &'static str,
    entity_field: &'static str,
    entity: Option<NodeRc<'w>>,
    sync: u64,
}

impl<'w> Node<'w> for Payload<'w> {
    fn typename(&self) -> &'static str {
        self.typename
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        match name {
            "success" => leaf(true),
            "lastSyncId" => leaf(self.sync as f64),
            n if n == self.entity_field => match &self.entity {
                Some(e) => Ok(Out::Node(Rc::clone(e))),
                None => leaf(Value::Null),
            },
            _ => unknown(name, self.typename),
        }
    }
}

struct IssueNode {
    w: Snap,
    i: usize,
}

impl<'w> Node<'w> for IssueNode {
    fn typename(&self) -> &'static str {
        "Issue"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Node"]
    }

    fn field(&self, name: &str, args: &Args) -> Res<'w> {
        let w = &self.w;
        let issue = &w.issues[self.i];
        match name {
            "id" => leaf(issue.id.clone()),
            "identifier" => leaf(w.identifier(issue)),
            "number" => leaf(issue.number as f64),
            "title" => leaf(issue.title.clone()),
            "description" => leaf(issue.description.clone()),
            "url" => leaf(w.url(issue)),
            "branchName" => leaf(issue.branch_name.clone()),
            "priority" => leaf(f64::from(issue.priority)),
            "priorityLabel" => leaf(
                ["No priority", "Urgent", "High", "Medium", "Low"]
                    .get(usize::from(issue.priority))
                    .copied()
                    .unwrap_or("No priority"),
            ),
            "createdAt" => leaf(time(issue.created_at)),
            "updatedAt" => leaf(time(issue.updated_at)),
            "state" => match w.state_of(issue) {
                Some((t, s)) => node(StateNode { w: w.clone(), t, s }),
                None => Err(not_found("WorkflowState")),
            },
            "team" => match w.team(&issue.team_id) {
                Some(t) => node(TeamNode { w: w.clone(), t }),
                None => Err(not_found("Team")),
            },
            "assignee" => match issue.assignee_id.as_deref().and_then(|a| w.user(a)) {
                Some(u) => node(UserNode { w: w.clone(), u }),
                None => leaf(Value::Null),
            },
            "labels" => {
                let filter = args.json("filter").cloned();
                args.boolean("includeArchived")?;
                args.string("orderBy")?;
                let mut items: Vec<NodeRc<'w>> = Vec::new();
                for l in issue.label_ids.iter().filter_map(|id| w.label(id)) {
                    let keep = match &filter {
                        Some(f) => label_matches(w, l, f)?,
                        None => true,
                    };
                    if keep {
                        items.push(Rc::new(LabelNode { w: w.clone(), l }));
                    }
                }
                connection("IssueLabelConnection", args, items)
            }
            "comments" => {
                args.json("filter");
                args.boolean("includeArchived")?;
                args.string("orderBy")?;
                let items = (0..issue.comments.len())
                    .map(|c| {
                        Rc::new(CommentNode {
                            w: w.clone(),
                            i: self.i,
                            c,
                        }) as NodeRc<'w>
                    })
                    .collect();
                connection("CommentConnection", args, items)
            }
            _ => unknown(name, "Issue"),
        }
    }
}

struct TeamNode {
    w: Snap,
    t: usize,
}

impl<'w> Node<'w> for TeamNode {
    fn typename(&self) -> &'static str {
        "Team"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Node"]
    }

    fn field(&self, name: &str, args: &Args) -> Res<'w> {
        let w = &self.w;
        let team = &w.teams[self.t];
        match name {
            "id" => leaf(team.id.clone()),
            "key" => leaf(team.key.clone()),
            "name" => leaf(team.name.clone()),
            "displayName" => leaf(team.name.clone()),
            "states" => {
                let filter = args.json("filter").cloned();
                args.boolean("includeArchived")?;
                args.string("orderBy")?;
                let mut items: Vec<NodeRc<'w>> = Vec::new();
                for s in 0..team.states.len() {
                    let keep = match &filter {
                        Some(f) => state_matches(w, self.t, s, f)?,
                        None => true,
                    };
                    if keep {
                        items.push(Rc::new(StateNode {
                            w: w.clone(),
                            t: self.t,
                            s,
                        }));
                    }
                }
                connection("WorkflowStateConnection", args, items)
            }
            "labels" => {
                args.json("filter");
                args.boolean("includeArchived")?;
                args.string("orderBy")?;
                let items = w
                    .labels
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.team_id.as_deref() == Some(team.id.as_str()))
                    .map(|(l, _)| Rc::new(LabelNode { w: w.clone(), l }) as NodeRc<'w>)
                    .collect();
                connection("IssueLabelConnection", args, items)
            }
            _ => unknown(name, "Team"),
        }
    }
}

struct StateNode {
    w: Snap,
    t: usize,
    s: usize,
}

impl<'w> Node<'w> for StateNode {
    fn typename(&self) -> &'static str {
        "WorkflowState"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Node"]
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        let state = &self.w.teams[self.t].states[self.s];
        match name {
            "id" => leaf(state.id.clone()),
            "name" => leaf(state.name.clone()),
            "type" => leaf(state.kind.as_str()),
            "position" => leaf(state.position),
            "color" => leaf(state.color.clone()),
            "team" => node(TeamNode {
                w: self.w.clone(),
                t: self.t,
            }),
            _ => unknown(name, "WorkflowState"),
        }
    }
}

struct UserNode {
    w: Snap,
    u: usize,
}

impl<'w> Node<'w> for UserNode {
    fn typename(&self) -> &'static str {
        "User"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Node"]
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        let user = &self.w.users[self.u];
        match name {
            "id" => leaf(user.id.clone()),
            "name" => leaf(user.name.clone()),
            "displayName" => leaf(user.display_name.clone()),
            "email" => leaf(user.email.clone()),
            "active" => leaf(true),
            "isMe" => leaf(user.id == self.w.viewer),
            "url" => leaf(format!(
                "https://linear.app/{}/profiles/{}",
                self.w.workspace, user.display_name
            )),
            _ => unknown(name, "User"),
        }
    }
}

struct LabelNode {
    w: Snap,
    l: usize,
}

impl<'w> Node<'w> for LabelNode {
    fn typename(&self) -> &'static str {
        "IssueLabel"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Node"]
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        let label = &self.w.labels[self.l];
        match name {
            "id" => leaf(label.id.clone()),
            "name" => leaf(label.name.clone()),
            "color" => leaf(label.color.clone()),
            "team" => match label.team_id.as_deref().and_then(|t| self.w.team(t)) {
                Some(t) => node(TeamNode {
                    w: self.w.clone(),
                    t,
                }),
                None => leaf(Value::Null),
            },
            _ => unknown(name, "IssueLabel"),
        }
    }
}

struct CommentNode {
    w: Snap,
    i: usize,
    c: usize,
}

impl<'w> Node<'w> for CommentNode {
    fn typename(&self) -> &'static str {
        "Comment"
    }

    fn implements(&self) -> &'static [&'static str] {
        &["Node"]
    }

    fn field(&self, name: &str, _: &Args) -> Res<'w> {
        let w = &self.w;
        let issue = &w.issues[self.i];
        let comment = &issue.comments[self.c];
        match name {
            "id" => leaf(comment.id.clone()),
            "body" => leaf(comment.body.clone()),
            "createdAt" => leaf(time(comment.created_at)),
            "url" => leaf(format!("{}#comment-{}", w.url(issue), &comment.id[..8])),
            "issue" => node(IssueNode {
                w: w.clone(),
                i: self.i,
            }),
            "user" => match w.user(&comment.user_id) {
                Some(u) => node(UserNode { w: w.clone(), u }),
                None => leaf(Value::Null),
            },
            _ => unknown(name, "Comment"),
        }
    }
}

/// A page of a connection, with Linear's pagination: `first` (or `last`) defaults to 50;
/// cursors are opaque strings.
fn connection<'w>(typename: &'static str, args: &Args, items: Vec<NodeRc<'w>>) -> Res<'w> {
    let first = args.int("first")?;
    let last = args.int("last")?;
    let after = args.string("after")?;
    let before = args.string("before")?;
    let index = |c: &str| {
        c.strip_prefix("cursor:")
            .and_then(|i| i.parse::<usize>().ok())
    };
    let total = items.len();
    let mut start = after.as_deref().and_then(index).map_or(0, |i| i + 1);
    let mut end = before
        .as_deref()
        .and_then(index)
        .unwrap_or(total)
        .min(total);
    start = start.min(end);
    let count = |n: Option<i64>| n.map(|n| usize::try_from(n).unwrap_or(0));
    match (count(first), count(last)) {
        (Some(n), _) => end = end.min(start + n),
        (None, Some(n)) => start = start.max(end.saturating_sub(n)),
        (None, None) => end = end.min(start + 50),
    }
    node(Connection {
        typename,
        edge: match typename {
            "IssueConnection" => "IssueEdge",
            "TeamConnection" => "TeamEdge",
            "WorkflowStateConnection" => "WorkflowStateEdge",
            "IssueLabelConnection" => "IssueLabelEdge",
            "CommentConnection" => "CommentEdge",
            _ => "Edge",
        },
        total,
        start,
        items: items[start..end].to_vec(),
    })
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

// ---- filters ----------------------------------------------------------------------------------

/// Each entry of a compound filter list (`and`, `or`) as an object of type `ty`.
fn each<'a>(value: &'a Value, ty: &str) -> Result<Vec<&'a Value>, FieldError> {
    value
        .as_array()
        .map(|items| items.iter().collect())
        .ok_or_else(|| {
            invalid(format!(
                "Expected value of type \"[{ty}!]\", found {value}."
            ))
        })
}

/// Applies an `and`/`or` key of a filter of type `ty`; `None` when `key` is neither.
fn compound(
    key: &str,
    value: &Value,
    ty: &str,
    test: &dyn Fn(&Value) -> Result<bool, FieldError>,
) -> Option<Result<bool, FieldError>> {
    match key {
        "and" => Some(each(value, ty).and_then(|items| {
            for item in items {
                if !test(item)? {
                    return Ok(false);
                }
            }
            Ok(true)
        })),
        "or" => Some(each(value, ty).and_then(|items| {
            for item in items {
                if test(item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        })),
        _ => None,
    }
}

/// A `StringComparator` / `IDComparator` / `NullableStringComparator` against `value`.
fn compare_text(value: Option<&str>, comparator: &Value, ty: &str) -> Result<bool, FieldError> {
    let list = |v: &Value| -> Result<Vec<String>, FieldError> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .ok_or_else(|| invalid(format!("Expected a list in \"{ty}\", found {v}.")))
    };
    for (op, arg) in object(comparator, ty)? {
        let s = value.unwrap_or_default();
        let arg_text = || text(arg, "String");
        let ok = match op.as_str() {
            "eq" => value == Some(arg_text()?),
            "neq" => value != Some(arg_text()?),
            "in" => value.is_some_and(|v| list(arg).is_ok_and(|l| l.iter().any(|x| x == v))),
            "nin" => !value.is_some_and(|v| list(arg).is_ok_and(|l| l.iter().any(|x| x == v))),
            "eqIgnoreCase" if ty != "IDComparator" => {
                value.is_some_and(|v| v.eq_ignore_ascii_case(arg_text().unwrap_or_default()))
            }
            "neqIgnoreCase" if ty != "IDComparator" => {
                !value.is_some_and(|v| v.eq_ignore_ascii_case(arg_text().unwrap_or_default()))
            }
            "contains" if ty != "IDComparator" => s.contains(arg_text()?),
            "containsIgnoreCase" if ty != "IDComparator" => {
                s.to_lowercase().contains(&arg_text()?.to_lowercase())
            }
            "startsWith" if ty != "IDComparator" => s.starts_with(arg_text()?),
            "endsWith" if ty != "IDComparator" => s.ends_with(arg_text()?),
            "null" if ty == "NullableStringComparator" => arg.as_bool() == Some(value.is_none()),
            other => return Err(undefined_input(other, ty)),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn compare_number(value: f64, comparator: &Value) -> Result<bool, FieldError> {
    for (op, arg) in object(comparator, "NumberComparator")? {
        let n = arg.as_f64();
        let ok = match op.as_str() {
            "eq" => n == Some(value),
            "neq" => n != Some(value),
            "gt" => n.is_some_and(|n| value > n),
            "gte" => n.is_some_and(|n| value >= n),
            "lt" => n.is_some_and(|n| value < n),
            "lte" => n.is_some_and(|n| value <= n),
            other => return Err(undefined_input(other, "NumberComparator")),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// An `IssueFilter` against one issue.
fn issue_matches(
    w: &World,
    issue: &super::state::IssueData,
    filter: &Value,
) -> Result<bool, FieldError> {
    for (key, value) in object(filter, "IssueFilter")? {
        let test = |f: &Value| issue_matches(w, issue, f);
        if let Some(r) = compound(key, value, "IssueFilter", &test) {
            if !r? {
                return Ok(false);
            }
            continue;
        }
        let ok = match key.as_str() {
            "id" => compare_text(Some(&issue.id), value, "IDComparator")?,
            "title" => compare_text(Some(&issue.title), value, "StringComparator")?,
            "number" => compare_number(issue.number as f64, value)?,
            "team" => match w.team(&issue.team_id) {
                Some(t) => team_matches(w, t, value)?,
                None => false,
            },
            "state" => match w.state_of(issue) {
                Some((t, s)) => state_matches(w, t, s, value)?,
                None => false,
            },
            "assignee" => user_matches(
                w,
                issue.assignee_id.as_deref().and_then(|a| w.user(a)),
                value,
            )?,
            "labels" => {
                let labels: Vec<usize> =
                    issue.label_ids.iter().filter_map(|l| w.label(l)).collect();
                labels_match(w, &labels, value)?
            }
            other => return Err(undefined_input(other, "IssueFilter")),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A `TeamFilter` against team `t`.
fn team_matches(w: &World, t: usize, filter: &Value) -> Result<bool, FieldError> {
    let team = &w.teams[t];
    for (key, value) in object(filter, "TeamFilter")? {
        let test = |f: &Value| team_matches(w, t, f);
        if let Some(r) = compound(key, value, "TeamFilter", &test) {
            if !r? {
                return Ok(false);
            }
            continue;
        }
        let ok = match key.as_str() {
            "id" => compare_text(Some(&team.id), value, "IDComparator")?,
            "key" => compare_text(Some(&team.key), value, "StringComparator")?,
            "name" => compare_text(Some(&team.name), value, "StringComparator")?,
            other => return Err(undefined_input(other, "TeamFilter")),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A `WorkflowStateFilter` against state `s` of team `t`.
fn state_matches(w: &World, t: usize, s: usize, filter: &Value) -> Result<bool, FieldError> {
    let state = &w.teams[t].states[s];
    for (key, value) in object(filter, "WorkflowStateFilter")? {
        let test = |f: &Value| state_matches(w, t, s, f);
        if let Some(r) = compound(key, value, "WorkflowStateFilter", &test) {
            if !r? {
                return Ok(false);
            }
            continue;
        }
        let ok = match key.as_str() {
            "id" => compare_text(Some(&state.id), value, "IDComparator")?,
            "name" => compare_text(Some(&state.name), value, "StringComparator")?,
            "type" => compare_text(Some(state.kind.as_str()), value, "StringComparator")?,
            "position" => compare_number(state.position, value)?,
            "team" => team_matches(w, t, value)?,
            other => return Err(undefined_input(other, "WorkflowStateFilter")),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A `NullableUserFilter` against a user or nobody.
fn user_matches(w: &World, user: Option<usize>, filter: &Value) -> Result<bool, FieldError> {
    for (key, value) in object(filter, "NullableUserFilter")? {
        let test = |f: &Value| user_matches(w, user, f);
        if let Some(r) = compound(key, value, "NullableUserFilter", &test) {
            if !r? {
                return Ok(false);
            }
            continue;
        }
        let u = user.map(|u| &w.users[u]);
        let ok = match key.as_str() {
            "null" => value.as_bool() == Some(user.is_none()),
            "id" => compare_text(u.map(|u| u.id.as_str()), value, "IDComparator")?,
            "name" => compare_text(u.map(|u| u.name.as_str()), value, "StringComparator")?,
            "displayName" => compare_text(
                u.map(|u| u.display_name.as_str()),
                value,
                "StringComparator",
            )?,
            "email" => compare_text(u.map(|u| u.email.as_str()), value, "StringComparator")?,
            other => return Err(undefined_input(other, "NullableUserFilter")),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// An `IssueLabelFilter` against label `l`.
fn label_matches(w: &World, l: usize, filter: &Value) -> Result<bool, FieldError> {
    let label = &w.labels[l];
    for (key, value) in object(filter, "IssueLabelFilter")? {
        let test = |f: &Value| label_matches(w, l, f);
        if let Some(r) = compound(key, value, "IssueLabelFilter", &test) {
            if !r? {
                return Ok(false);
            }
            continue;
        }
        let ok = match key.as_str() {
            "id" => compare_text(Some(&label.id), value, "IDComparator")?,
            "name" => compare_text(Some(&label.name), value, "StringComparator")?,
            other => return Err(undefined_input(other, "IssueLabelFilter")),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// An `IssueLabelCollectionFilter` against an issue's labels.
fn labels_match(w: &World, labels: &[usize], filter: &Value) -> Result<bool, FieldError> {
    for (key, value) in object(filter, "IssueLabelCollectionFilter")? {
        let test = |f: &Value| labels_match(w, labels, f);
        if let Some(r) = compound(key, value, "IssueLabelCollectionFilter", &test) {
            if !r? {
                return Ok(false);
            }
            continue;
        }
        let ok = match key.as_str() {
            "some" => {
                let mut any = false;
                for l in labels {
                    any |= label_matches(w, *l, value)?;
                }
                any
            }
            "every" => {
                let mut all = true;
                for l in labels {
                    all &= label_matches(w, *l, value)?;
                }
                all
            }
            other => return Err(undefined_input(other, "IssueLabelCollectionFilter")),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}
