//! The JSON Linear answers with, as far as `ao` reads it.
//!
//! Only the selected fields are declared, and fields the schema makes nullable are optional here
//! (so are a few it does not, such as `branchName`, where a missing value has a safe default).

use ao_core::plugin::{Issue, IssueState};
use serde::Deserialize;

/// `nodes` of a connection.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Nodes<T> {
    #[serde(default = "Vec::new")]
    pub(crate) nodes: Vec<T>,
}

/// An issue, as the `IssueFields` fragment selects it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IssueJson {
    #[allow(dead_code)]
    // Selected so that the shape tests see it; the tracker keys on identifiers.
    pub(crate) id: String,
    pub(crate) identifier: String,
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) description: Option<String>,
    pub(crate) url: String,
    #[serde(default)]
    pub(crate) branch_name: Option<String>,
    pub(crate) state: StateJson,
    #[serde(default)]
    pub(crate) labels: Option<Nodes<LabelJson>>,
    #[serde(default)]
    pub(crate) assignee: Option<UserJson>,
    #[serde(default)]
    #[allow(dead_code)] // Read by the shape tests; the issue's team is in its identifier.
    pub(crate) team: Option<TeamJson>,
}

/// A workflow state.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct StateJson {
    #[serde(default)]
    #[allow(dead_code)] // Selected for messages; the state's type decides.
    pub(crate) name: Option<String>,
    #[serde(rename = "type")]
    pub(crate) kind: String,
}

/// A workflow state of a team, as `IssueTeamStates` selects it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TeamStateJson {
    pub(crate) id: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) position: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct LabelJson {
    pub(crate) name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserJson {
    pub(crate) display_name: String,
}

/// A team.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TeamJson {
    pub(crate) id: String,
    pub(crate) key: String,
    pub(crate) name: String,
}

/// `pageInfo`, as far as paging forward needs it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageInfoJson {
    pub(crate) has_next_page: bool,
    #[serde(default)]
    pub(crate) end_cursor: Option<String>,
}

/// The answer to `Issue`.
#[derive(Debug, Deserialize)]
pub(crate) struct IssueData {
    pub(crate) issue: IssueJson,
}

/// The answer to `Issues`.
#[derive(Debug, Deserialize)]
pub(crate) struct IssuesData {
    pub(crate) issues: IssuePage,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IssuePage {
    #[serde(default = "Vec::new")]
    pub(crate) nodes: Vec<IssueJson>,
    pub(crate) page_info: PageInfoJson,
}

/// The answer to `IssueTeamStates`.
#[derive(Debug, Deserialize)]
pub(crate) struct IssueTeamStatesData {
    pub(crate) issue: IssueTeamJson,
}

#[derive(Debug, Deserialize)]
pub(crate) struct IssueTeamJson {
    pub(crate) id: String,
    #[allow(dead_code)] // Selected for messages; the caller already has it.
    pub(crate) identifier: String,
    pub(crate) team: TeamWithStatesJson,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TeamWithStatesJson {
    #[allow(dead_code)] // Selected so that a wrong team shows in a debug dump.
    pub(crate) id: String,
    pub(crate) key: String,
    pub(crate) states: Nodes<TeamStateJson>,
}

/// The answer to `CommentCreate` or `IssueUpdate`: whether Linear applied it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommentCreateData {
    pub(crate) comment_create: Success,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IssueUpdateData {
    pub(crate) issue_update: Success,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Success {
    pub(crate) success: bool,
}

/// The answer to `Viewer`.
#[derive(Debug, Deserialize)]
pub(crate) struct ViewerData {
    pub(crate) viewer: ViewerJson,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ViewerJson {
    #[allow(dead_code)] // Selected for the shape tests.
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) display_name: String,
}

/// The answer to `Team`.
#[derive(Debug, Deserialize)]
pub(crate) struct TeamData {
    pub(crate) team: TeamJson,
}

/// The answer to `TeamByKey`.
#[derive(Debug, Deserialize)]
pub(crate) struct TeamsData {
    pub(crate) teams: Nodes<TeamJson>,
}

/// Where an issue stands, from its workflow state's type: triage, backlog and unstarted are
/// open, started is in progress, completed is closed, canceled is cancelled. A type Linear adds
/// later reads as open, so that an unknown state never hides an issue from a spawn.
pub(crate) fn issue_state(kind: &str) -> IssueState {
    match kind {
        "started" => IssueState::InProgress,
        "completed" => IssueState::Closed,
        "canceled" => IssueState::Cancelled,
        _ => IssueState::Open,
    }
}

impl IssueJson {
    /// The issue as `ao` has it; Linear's suggested branch goes into `branch_hint`.
    pub(crate) fn into_issue(self) -> Issue {
        Issue {
            state: issue_state(&self.state.kind),
            id: self.identifier,
            title: self.title,
            body: self.description.unwrap_or_default(),
            url: self.url,
            labels: self
                .labels
                .map(|l| l.nodes.into_iter().map(|n| n.name).collect())
                .unwrap_or_default(),
            assignees: self.assignee.map(|a| a.display_name).into_iter().collect(),
            branch_hint: self.branch_name.filter(|b| !b.trim().is_empty()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_workflow_state_type() {
        for (kind, state) in [
            ("triage", IssueState::Open),
            ("backlog", IssueState::Open),
            ("unstarted", IssueState::Open),
            ("started", IssueState::InProgress),
            ("completed", IssueState::Closed),
            ("canceled", IssueState::Cancelled),
            ("something-new", IssueState::Open),
        ] {
            assert_eq!(issue_state(kind), state, "{kind}");
        }
    }

    #[test]
    fn reads_an_issue_with_the_nullable_fields_null() {
        let issue: IssueJson = serde_json::from_value(serde_json::json!({
            "id": "u-1", "identifier": "INT-1", "title": "t", "description": null,
            "url": "https://linear.app/acme/issue/INT-1/t", "branchName": "",
            "state": {"name": "Done", "type": "completed"},
            "labels": {"nodes": [{"name": "bug"}]}, "assignee": null,
            "team": {"id": "t-1", "key": "INT", "name": "Integrations"}
        }))
        .unwrap();
        let issue = issue.into_issue();
        assert_eq!(issue.id, "INT-1");
        assert_eq!(issue.state, IssueState::Closed);
        assert_eq!(issue.body, "");
        assert_eq!(issue.labels, ["bug"]);
        assert!(issue.assignees.is_empty());
        assert_eq!(issue.branch_hint, None, "an empty branch name is none");
    }
}
