//! Every GraphQL document the Linear client sends ([`DOCUMENTS`]), and the variable values it
//! builds for them.
//!
//! Kept as constants, and the input objects built by the functions here, so that the API shape
//! tests can validate both against the subset of Linear's published schema kept in
//! `tests/fixtures/linear-schema-subset.graphql`: a misspelt field fails a test, not a spawn.

use ao_core::plugin::IssueState;
use serde_json::{Map, Value, json};

/// A GraphQL document and the name of its operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Document {
    /// The operation's name (used in messages).
    pub name: &'static str,
    /// The document's text.
    pub text: &'static str,
}

impl Document {
    /// Whether the document changes something (a mutation is not repeated after a lost answer:
    /// it may have been applied).
    pub fn is_mutation(&self) -> bool {
        self.text.trim_start().starts_with("mutation")
    }
}

/// The fields of an issue the tracker reads, as a fragment every issue document spreads.
macro_rules! issue_fields {
    () => {
        "fragment IssueFields on Issue {
  id
  identifier
  title
  description
  url
  branchName
  state { name type }
  labels(first: 50) { nodes { name } }
  assignee { displayName }
  team { id key name }
}"
    };
}

/// One issue by identifier (`INT-1234`) or UUID: Linear's `issue(id:)` takes either.
pub const ISSUE: Document = Document {
    name: "Issue",
    text: concat!(
        "query Issue($id: String!) {\n  issue(id: $id) { ...IssueFields }\n}\n",
        issue_fields!()
    ),
};

/// A page of issues matching a filter ([`issue_filter`]).
pub const ISSUES: Document = Document {
    name: "Issues",
    text: concat!(
        "query Issues($filter: IssueFilter, $first: Int, $after: String) {
  issues(filter: $filter, first: $first, after: $after) {
    nodes { ...IssueFields }
    pageInfo { hasNextPage endCursor }
  }
}
",
        issue_fields!()
    ),
};

/// Who the key belongs to (`ao doctor`): answers only with a working key.
pub const VIEWER: Document = Document {
    name: "Viewer",
    text: "query Viewer {\n  viewer { id name displayName }\n}",
};

/// A team by id (`ao doctor`, `tracker.teamId` holding the team's UUID).
pub const TEAM: Document = Document {
    name: "Team",
    text: "query Team($id: String!) {\n  team(id: $id) { id key name }\n}",
};

/// A team by key (`ao doctor`, `tracker.teamId` holding the team's key, `INT`).
pub const TEAM_BY_KEY: Document = Document {
    name: "TeamByKey",
    text: "query TeamByKey($key: String!) {
  teams(filter: { key: { eqIgnoreCase: $key } }, first: 1) { nodes { id key name } }
}",
};

/// An issue's UUID and its team's workflow states, to move it to a state by type.
pub const ISSUE_TEAM_STATES: Document = Document {
    name: "IssueTeamStates",
    text: "query IssueTeamStates($id: String!) {
  issue(id: $id) {
    id
    identifier
    team { id key states(first: 100) { nodes { id type position } } }
  }
}",
};

/// Posts a comment ([`comment_input`]).
pub const COMMENT_CREATE: Document = Document {
    name: "CommentCreate",
    text: "mutation CommentCreate($input: CommentCreateInput!) {
  commentCreate(input: $input) { success comment { id } }
}",
};

/// Changes an issue ([`state_input`]).
pub const ISSUE_UPDATE: Document = Document {
    name: "IssueUpdate",
    text: "mutation IssueUpdate($id: String!, $input: IssueUpdateInput!) {
  issueUpdate(id: $id, input: $input) { success issue { id state { type } } }
}",
};

/// Every document the client sends.
pub const DOCUMENTS: &[Document] = &[
    ISSUE,
    ISSUES,
    VIEWER,
    TEAM,
    TEAM_BY_KEY,
    ISSUE_TEAM_STATES,
    COMMENT_CREATE,
    ISSUE_UPDATE,
];

/// The workflow state types (Linear's `WorkflowState.type`) that count as `state`.
pub fn state_types(state: IssueState) -> &'static [&'static str] {
    match state {
        IssueState::Open => &["triage", "backlog", "unstarted"],
        IssueState::InProgress => &["started"],
        IssueState::Closed => &["completed"],
        IssueState::Cancelled => &["canceled"],
    }
}

/// Whether `s` is a UUID (`8-4-4-4-12` hex digits), as Linear's ids are; a team named otherwise
/// is named by its key.
pub fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `IssueFilter` for a listing: in the team `team` (its UUID or its key, when given), in one
/// of `states` (none: open ones), carrying every label of `labels`, assigned to the user whose
/// display name is `assignee`.
pub fn issue_filter(
    team: Option<&str>,
    states: &[IssueState],
    labels: &[String],
    assignee: Option<&str>,
) -> Value {
    let mut filter = Map::new();
    match team {
        Some(id) if is_uuid(id) => {
            filter.insert("team".into(), json!({ "id": { "eq": id } }));
        }
        Some(key) => {
            filter.insert("team".into(), json!({ "key": { "eqIgnoreCase": key } }));
        }
        None => {}
    }
    let open = [IssueState::Open];
    let states = if states.is_empty() { &open[..] } else { states };
    let mut types: Vec<&str> = states
        .iter()
        .flat_map(|s| state_types(*s))
        .copied()
        .collect();
    types.sort_unstable();
    types.dedup();
    filter.insert("state".into(), json!({ "type": { "in": types } }));
    if let Some(who) = assignee {
        filter.insert("assignee".into(), json!({ "displayName": { "eq": who } }));
    }
    if !labels.is_empty() {
        // One `some` per label, all required: an issue must carry each of them.
        let each: Vec<Value> = labels
            .iter()
            .map(|l| json!({ "labels": { "some": { "name": { "eq": l } } } }))
            .collect();
        filter.insert("and".into(), Value::Array(each));
    }
    Value::Object(filter)
}

/// The `CommentCreateInput` for a comment on the issue with UUID `issue_id`.
pub fn comment_input(issue_id: &str, body: &str) -> Value {
    json!({ "issueId": issue_id, "body": body })
}

/// The `IssueUpdateInput` that moves an issue to the workflow state `state_id`.
pub fn state_input(state_id: &str) -> Value {
    json!({ "stateId": state_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_is_every_state_type_before_work_starts() {
        let f = issue_filter(None, &[], &[], None);
        assert_eq!(
            f,
            json!({"state": {"type": {"in": ["backlog", "triage", "unstarted"]}}})
        );
        let f = issue_filter(
            Some("8a7c0d2e-1c44-4f6c-9a8c-3f2b4c2d0e11"),
            &[IssueState::Closed, IssueState::Cancelled],
            &["bug".into(), "p1".into()],
            Some("ann"),
        );
        assert_eq!(
            f["team"],
            json!({"id": {"eq": "8a7c0d2e-1c44-4f6c-9a8c-3f2b4c2d0e11"}})
        );
        let by_key = issue_filter(Some("int"), &[], &[], None);
        assert_eq!(by_key["team"], json!({"key": {"eqIgnoreCase": "int"}}));
        assert!(!is_uuid("8a7c0d2e-1c44-4f6c-9a8c") && !is_uuid("INT"));
        assert_eq!(f["state"]["type"]["in"], json!(["canceled", "completed"]));
        assert_eq!(f["assignee"], json!({"displayName": {"eq": "ann"}}));
        assert_eq!(f["and"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn only_mutations_count_as_mutations() {
        assert!(COMMENT_CREATE.is_mutation() && ISSUE_UPDATE.is_mutation());
        assert!(!ISSUE.is_mutation() && !VIEWER.is_mutation());
    }
}
