//! The JSON GitHub sends, as far as `ao` reads it.
//!
//! Only the fields used are declared and everything optional in GitHub's description is
//! optional here, so that a field GitHub adds or drops elsewhere cannot break a read. The API
//! shape tests parse the OpenAPI description's own examples into these types.

use std::collections::BTreeMap;

use ao_core::plugin::{Issue, IssueState};
use serde::Deserialize;

/// An issue (or a pull request: GitHub numbers both alike, and its issues API serves both).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IssueJson {
    pub(crate) number: u64,
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) body: Option<String>,
    pub(crate) html_url: String,
    pub(crate) state: String,
    #[serde(default)]
    pub(crate) state_reason: Option<String>,
    #[serde(default)]
    pub(crate) labels: Vec<LabelJson>,
    #[serde(default)]
    pub(crate) assignee: Option<UserJson>,
    #[serde(default)]
    pub(crate) assignees: Option<Vec<UserJson>>,
    /// Present (an object) exactly when the number is a pull request's.
    #[serde(default)]
    pub(crate) pull_request: Option<serde_json::Value>,
}

/// A label as an issue carries it: GitHub's description allows a bare name or an object.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum LabelJson {
    Name(String),
    Object {
        #[serde(default)]
        name: Option<String>,
    },
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct UserJson {
    pub(crate) login: String,
}

/// A label as the label endpoints return it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct LabelObject {
    #[allow(dead_code)] // Read only by the shape tests; the tracker needs no answer.
    pub(crate) name: String,
}

/// A posted comment.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CommentJson {
    #[allow(dead_code)] // Read only by the shape tests; the tracker needs no answer.
    pub(crate) id: u64,
}

/// `GET /repos/{owner}/{repo}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RepositoryJson {
    pub(crate) full_name: String,
    #[serde(default)]
    pub(crate) private: bool,
    #[serde(default = "yes")]
    pub(crate) has_issues: bool,
    #[serde(default)]
    pub(crate) permissions: Option<PermissionsJson>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PermissionsJson {
    #[serde(default)]
    pub(crate) push: bool,
}

/// A pull request as the pull-request list gives it (only what a change check needs).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PullSummaryJson {
    #[allow(dead_code)] // Read only by the shape tests; the SCM needs the list's ETag alone.
    pub(crate) number: u64,
}

/// `PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MergeJson {
    #[serde(default)]
    pub(crate) merged: bool,
    #[serde(default)]
    pub(crate) message: Option<String>,
}

/// `GET /rate_limit`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RateLimitJson {
    #[serde(default)]
    pub(crate) resources: BTreeMap<String, WindowJson>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WindowJson {
    pub(crate) limit: u64,
    pub(crate) remaining: u64,
    #[serde(default)]
    pub(crate) used: Option<u64>,
    pub(crate) reset: i64,
}

impl LabelJson {
    fn name(&self) -> Option<&str> {
        match self {
            Self::Name(n) => Some(n),
            Self::Object { name } => name.as_deref(),
        }
    }
}

impl IssueJson {
    /// Whether the number is a pull request's.
    pub(crate) fn is_pull_request(&self) -> bool {
        self.pull_request.as_ref().is_some_and(|v| !v.is_null())
    }

    /// Where the issue stands: closed as not planned (or as a duplicate) is cancelled, as the
    /// work was not done under this issue.
    pub(crate) fn issue_state(&self) -> IssueState {
        match (self.state.as_str(), self.state_reason.as_deref()) {
            ("closed", Some("not_planned" | "duplicate")) => IssueState::Cancelled,
            ("closed", _) => IssueState::Closed,
            _ => IssueState::Open,
        }
    }

    /// The issue as `ao` has it.
    pub(crate) fn into_issue(self) -> Issue {
        let state = self.issue_state();
        let labels = self
            .labels
            .iter()
            .filter_map(LabelJson::name)
            .map(str::to_string)
            .collect();
        let assignees = match (self.assignees, self.assignee) {
            (Some(all), _) if !all.is_empty() => all.into_iter().map(|u| u.login).collect(),
            (_, Some(one)) => vec![one.login],
            _ => Vec::new(),
        };
        Issue {
            id: self.number.to_string(),
            title: self.title,
            body: self.body.unwrap_or_default(),
            url: self.html_url,
            state,
            labels,
            assignees,
            // GitHub suggests no branch; the tracker names it from the number.
            branch_hint: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_issue_with_every_optional_field_missing_or_null() {
        let issue: IssueJson = serde_json::from_value(serde_json::json!({
            "number": 7, "title": "t", "body": null, "html_url": "https://github.com/a/b/issues/7",
            "state": "closed", "state_reason": "not_planned",
            "labels": ["bug", {"name": "p1", "color": "f00"}, {"id": 3}],
            "assignee": {"login": "ann"}, "assignees": null, "pull_request": null
        }))
        .unwrap();
        assert!(!issue.is_pull_request());
        let issue = issue.into_issue();
        assert_eq!(issue.state, IssueState::Cancelled);
        assert_eq!(issue.labels, ["bug", "p1"]);
        assert_eq!(issue.assignees, ["ann"]);
        assert_eq!(issue.body, "");
        let pr: IssueJson = serde_json::from_value(serde_json::json!({
            "number": 8, "title": "t", "html_url": "u", "state": "open",
            "pull_request": {"url": "x"}
        }))
        .unwrap();
        assert!(pr.is_pull_request());
    }
}
