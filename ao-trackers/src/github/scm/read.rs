//! GitHub's GraphQL answers about pull requests, and what `ao` makes of them: state, fork and
//! pushability, mergeability, review decision, counted checks and unresolved threads.
//!
//! Every field GitHub may leave out or set to `null` is optional here, and an enum value `ao`
//! does not know is read as the least committal one (a check state it has never seen is
//! pending, never passing), so that a new value on GitHub's side cannot fail a whole batch.

use ao_core::domain::{CiStatus, PrState, ReviewStatus};
use ao_core::plugin::{CheckFailure, CiReport, PrDetails, PullRequest, ReviewComment, ScmError};
use serde::Deserialize;

/// The login GitHub shows for an author whose account is gone.
const GHOST: &str = "ghost";

/// `pageInfo`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PageInfoJson {
    #[serde(default)]
    pub(super) has_next_page: bool,
    #[serde(default)]
    pub(super) end_cursor: Option<String>,
}

impl PageInfoJson {
    /// The cursor of the next page, when there is one.
    pub(super) fn next(&self) -> Option<&str> {
        self.end_cursor.as_deref().filter(|_| self.has_next_page)
    }
}

/// `headRepository`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RepoJson {
    pub(super) name_with_owner: String,
    #[serde(default)]
    pub(super) viewer_permission: Option<String>,
}

/// A pull request: the `PrHead` fragment, plus the `PrDetails` one when a batch read it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PrJson {
    pub(super) number: u64,
    pub(super) url: String,
    pub(super) title: String,
    #[serde(default)]
    pub(super) body: Option<String>,
    pub(super) state: String,
    #[serde(default)]
    pub(super) is_draft: bool,
    pub(super) head_ref_name: String,
    pub(super) base_ref_name: String,
    #[serde(default)]
    pub(super) head_ref_oid: Option<String>,
    #[serde(default)]
    pub(super) base_ref_oid: Option<String>,
    #[serde(default)]
    pub(super) is_cross_repository: bool,
    #[serde(default)]
    pub(super) maintainer_can_modify: bool,
    #[serde(default)]
    pub(super) head_repository: Option<RepoJson>,
    #[serde(default)]
    pub(super) mergeable: Option<String>,
    #[serde(default)]
    pub(super) merge_state_status: Option<String>,
    #[serde(default)]
    pub(super) review_decision: Option<String>,
    #[serde(default)]
    pub(super) status_check_rollup: Option<RollupJson>,
    #[serde(default)]
    pub(super) review_threads: Option<ThreadsJson>,
}

/// `statusCheckRollup`.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct RollupJson {
    pub(super) contexts: ContextsJson,
}

/// A page of `contexts`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ContextsJson {
    #[serde(default)]
    pub(super) total_count: Option<u64>,
    #[serde(default)]
    pub(super) page_info: PageInfoJson,
    #[serde(default)]
    pub(super) nodes: Vec<Option<ContextJson>>,
}

/// A check run or a commit status.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "__typename")]
pub(super) enum ContextJson {
    /// A check run (GitHub Actions and other apps).
    #[serde(rename_all = "camelCase")]
    CheckRun {
        name: String,
        #[serde(default)]
        status: Option<String>,
        #[serde(default)]
        conclusion: Option<String>,
        #[serde(default)]
        title: Option<String>,
        #[serde(default)]
        details_url: Option<String>,
        #[serde(default)]
        url: Option<String>,
    },
    /// A commit status (the older statuses API).
    #[serde(rename_all = "camelCase")]
    StatusContext {
        context: String,
        #[serde(default)]
        state: Option<String>,
        #[serde(default)]
        description: Option<String>,
        #[serde(default)]
        target_url: Option<String>,
    },
    /// A kind of context GitHub may add; counted as pending, never as passing.
    #[serde(other)]
    Other,
}

/// A page of `reviewThreads`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ThreadsJson {
    #[serde(default)]
    pub(super) page_info: PageInfoJson,
    #[serde(default)]
    pub(super) nodes: Vec<Option<ThreadJson>>,
}

/// A review thread with its first comment.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ThreadJson {
    #[serde(default)]
    pub(super) is_resolved: bool,
    #[serde(default)]
    pub(super) path: Option<String>,
    #[serde(default)]
    pub(super) line: Option<u32>,
    pub(super) comments: CommentsJson,
}

/// A thread's `comments` (only the first is asked for).
#[derive(Debug, Clone, Deserialize)]
pub(super) struct CommentsJson {
    #[serde(default)]
    pub(super) nodes: Vec<Option<CommentJson>>,
}

/// A review comment.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CommentJson {
    pub(super) id: String,
    #[serde(default)]
    pub(super) author: Option<AuthorJson>,
    #[serde(default)]
    pub(super) body: String,
    #[serde(default)]
    pub(super) path: Option<String>,
    #[serde(default)]
    pub(super) line: Option<u32>,
    #[serde(default)]
    pub(super) url: String,
}

/// An author (`Actor`).
#[derive(Debug, Clone, Deserialize)]
pub(super) struct AuthorJson {
    pub(super) login: String,
}

/// Whether a `RepositoryPermission` lets its holder push.
fn can_push(permission: Option<&str>) -> bool {
    matches!(permission, Some("WRITE" | "MAINTAIN" | "ADMIN"))
}

impl PrJson {
    /// Whether the head branch lives in `repo` (`owner/name`, any case), the project's own
    /// repository. A deleted fork has no head repository but is still cross-repository.
    pub(super) fn is_from(&self, repo: &str) -> bool {
        !self.is_cross_repository
            && self
                .head_repository
                .as_ref()
                .is_none_or(|h| h.name_with_owner.eq_ignore_ascii_case(repo))
    }

    /// The pull request as `ao` has it; `base_permission` is the caller's role on the
    /// project's repository (`viewerPermission`). A state GitHub does not document fails:
    /// reading it as any known one could merge, clean up or ignore work wrongly.
    pub(super) fn pull_request(
        &self,
        repo: &str,
        base_permission: Option<&str>,
    ) -> Result<PullRequest, ScmError> {
        let state = match (self.state.as_str(), self.is_draft) {
            ("MERGED", _) => PrState::Merged,
            ("CLOSED", _) => PrState::Closed,
            ("OPEN", true) => PrState::Draft,
            ("OPEN", false) => PrState::Open,
            (other, _) => {
                return Err(ScmError::Unavailable {
                    scm: super::SCM_NAME.into(),
                    detail: format!(
                        "GitHub gave {repo}#{} the state `{other}`, which ao does not know",
                        self.number
                    ),
                });
            }
        };
        let fork = (!self.is_from(repo)).then(|| match &self.head_repository {
            Some(h) => h.name_with_owner.clone(),
            // GitHub keeps the pull request of a deleted fork; nobody can push to it.
            None => "(deleted fork)".to_string(),
        });
        let head_pushable = match &fork {
            None => can_push(base_permission),
            // The fork's own collaborators may push; the base repository's maintainers only
            // when the fork's owner allows it.
            Some(_) => {
                can_push(
                    self.head_repository
                        .as_ref()
                        .and_then(|h| h.viewer_permission.as_deref()),
                ) || (self.maintainer_can_modify
                    && self.head_repository.is_some()
                    && can_push(base_permission))
            }
        };
        Ok(PullRequest {
            number: self.number,
            url: self.url.clone(),
            title: self.title.clone(),
            body: self.body.clone().unwrap_or_default(),
            branch: self.head_ref_name.clone(),
            base: self.base_ref_name.clone(),
            state,
            head_sha: self.head_ref_oid.clone().filter(|s| !s.is_empty()),
            base_sha: self.base_ref_oid.clone().filter(|s| !s.is_empty()),
            fork,
            head_pushable,
        })
    }
}

/// `mergeable` and `conflicts` from GitHub's `MergeableState`: `UNKNOWN` (still computing) is
/// neither mergeable nor conflicting yet.
pub(super) fn mergeability(mergeable: Option<&str>) -> (Option<bool>, bool) {
    match mergeable {
        Some("MERGEABLE") => (Some(true), false),
        Some("CONFLICTING") => (Some(false), true),
        _ => (None, false),
    }
}

/// The review decision; `REVIEW_REQUIRED` is a review still to come.
pub(super) fn review_status(decision: Option<&str>) -> ReviewStatus {
    match decision {
        Some("APPROVED") => ReviewStatus::Approved,
        Some("CHANGES_REQUESTED") => ReviewStatus::ChangesRequested,
        Some("REVIEW_REQUIRED") => ReviewStatus::Pending,
        _ => ReviewStatus::None,
    }
}

/// How one context counts.
enum Outcome {
    Passed,
    Pending,
    Failed(CheckFailure),
}

fn outcome(context: &ContextJson) -> Outcome {
    match context {
        ContextJson::CheckRun {
            name,
            status,
            conclusion,
            title,
            details_url,
            url,
        } => {
            if status.as_deref() != Some("COMPLETED") {
                return Outcome::Pending;
            }
            match conclusion.as_deref() {
                // A stale run was superseded: GitHub does not hold it against the commit.
                Some("SUCCESS" | "NEUTRAL" | "SKIPPED" | "STALE") => Outcome::Passed,
                Some(
                    "FAILURE" | "TIMED_OUT" | "CANCELLED" | "ACTION_REQUIRED" | "STARTUP_FAILURE",
                ) => Outcome::Failed(CheckFailure {
                    name: name.clone(),
                    summary: title.clone().filter(|t| !t.trim().is_empty()),
                    url: details_url.clone().or_else(|| url.clone()),
                }),
                _ => Outcome::Pending,
            }
        }
        ContextJson::StatusContext {
            context,
            state,
            description,
            target_url,
        } => match state.as_deref() {
            Some("SUCCESS") => Outcome::Passed,
            Some("FAILURE" | "ERROR") => Outcome::Failed(CheckFailure {
                name: context.clone(),
                summary: description.clone().filter(|d| !d.trim().is_empty()),
                url: target_url.clone(),
            }),
            _ => Outcome::Pending,
        },
        ContextJson::Other => Outcome::Pending,
    }
}

/// Counts every context read; `unread` more exist that were not (past the page limit) and
/// count as pending, so that checks never pass unseen.
pub(super) fn ci_report(contexts: &[ContextJson], unread: u32) -> CiReport {
    let mut report = CiReport::default();
    for context in contexts {
        match outcome(context) {
            Outcome::Passed => report.passed += 1,
            Outcome::Pending => report.pending += 1,
            Outcome::Failed(f) => report.failed.push(f),
        }
    }
    report.pending += unread;
    let failed = u32::try_from(report.failed.len()).unwrap_or(u32::MAX);
    report.total = report
        .passed
        .saturating_add(report.pending)
        .saturating_add(failed);
    report.state = if report.total == 0 {
        CiStatus::None
    } else if !report.failed.is_empty() {
        CiStatus::Failing
    } else if report.pending > 0 {
        CiStatus::Pending
    } else {
        CiStatus::Passing
    };
    report
}

/// The unresolved threads among `threads`, by their first comment, in GitHub's order (oldest
/// first). A thread whose first comment is gone is skipped: there is nothing to show of it.
pub(super) fn unresolved(threads: &[ThreadJson]) -> Vec<ReviewComment> {
    threads
        .iter()
        .filter(|t| !t.is_resolved)
        .filter_map(|t| {
            let first = t.comments.nodes.iter().flatten().next()?;
            Some(ReviewComment {
                id: first.id.clone(),
                author: first
                    .author
                    .as_ref()
                    .map_or_else(|| GHOST.to_string(), |a| a.login.clone()),
                body: first.body.clone(),
                path: t.path.clone().or_else(|| first.path.clone()),
                line: t.line.or(first.line),
                url: first.url.clone(),
            })
        })
        .collect()
}

/// Everything a batch knows about one pull request, put together.
pub(super) fn details(
    pr: PullRequest,
    json: &PrJson,
    contexts: &[ContextJson],
    unread_contexts: u32,
    threads: &[ThreadJson],
) -> PrDetails {
    let (mergeable, conflicts) = mergeability(json.mergeable.as_deref());
    PrDetails {
        pr,
        mergeable,
        merge_state: json
            .merge_state_status
            .as_deref()
            .map(str::to_ascii_lowercase),
        conflicts,
        review: review_status(json.review_decision.as_deref()),
        ci: ci_report(contexts, unread_contexts),
        unresolved: unresolved(threads),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pr(v: serde_json::Value) -> PrJson {
        let mut base = json!({
            "number": 7, "url": "https://github.com/acme/app/pull/7", "title": "t", "body": null,
            "state": "OPEN", "isDraft": false, "headRefName": "feat", "baseRefName": "main",
            "headRefOid": "abc", "isCrossRepository": false, "maintainerCanModify": false,
            "headRepository": {"nameWithOwner": "acme/app", "viewerPermission": "WRITE"},
        });
        if let (Some(b), Some(extra)) = (base.as_object_mut(), v.as_object()) {
            b.extend(extra.clone());
        }
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn reads_state_fork_and_pushability() {
        let own = pr(json!({}));
        let p = own.pull_request("ACME/app", Some("WRITE")).unwrap();
        assert_eq!(
            (p.state, p.fork.as_deref(), p.head_pushable),
            (PrState::Open, None, true)
        );
        assert_eq!(p.body, "");
        assert!(
            !own.pull_request("acme/app", Some("READ"))
                .unwrap()
                .head_pushable
        );
        let draft = pr(json!({"isDraft": true}));
        assert_eq!(
            draft.pull_request("acme/app", None).unwrap().state,
            PrState::Draft
        );
        for (state, want) in [("MERGED", PrState::Merged), ("CLOSED", PrState::Closed)] {
            let p = pr(json!({"state": state, "isDraft": true}));
            assert_eq!(p.pull_request("acme/app", None).unwrap().state, want);
        }
        let weird = pr(json!({"state": "WEIRD"})).pull_request("acme/app", None);
        assert!(
            matches!(&weird, Err(ScmError::Unavailable { detail, .. }) if detail.contains("WEIRD")),
            "{weird:?}"
        );

        let fork = |extra: serde_json::Value| {
            let mut v = json!({"isCrossRepository": true,
                "headRepository": {"nameWithOwner": "bob/app", "viewerPermission": "READ"}});
            if let (Some(b), Some(e)) = (v.as_object_mut(), extra.as_object()) {
                b.extend(e.clone());
            }
            pr(v)
        };
        let closed_fork = fork(json!({}))
            .pull_request("acme/app", Some("ADMIN"))
            .unwrap();
        assert_eq!(closed_fork.fork.as_deref(), Some("bob/app"));
        assert!(
            !closed_fork.head_pushable,
            "the fork's owner did not allow it"
        );
        let open_fork = fork(json!({"maintainerCanModify": true}));
        assert!(
            open_fork
                .pull_request("acme/app", Some("WRITE"))
                .unwrap()
                .head_pushable
        );
        assert!(
            !open_fork
                .pull_request("acme/app", Some("READ"))
                .unwrap()
                .head_pushable
        );
        let gone = fork(json!({"headRepository": null, "maintainerCanModify": true}));
        let gone = gone.pull_request("acme/app", Some("ADMIN")).unwrap();
        assert!(gone.fork.is_some() && !gone.head_pushable);
        // Same-repository by flag, but another repository by name: still not the project's.
        let renamed = pr(json!({"headRepository": {"nameWithOwner": "other/app"}}));
        assert!(!renamed.is_from("acme/app"));
    }

    #[test]
    fn counts_checks_and_names_failures() {
        let contexts: Vec<ContextJson> = serde_json::from_value(json!([
            {"__typename": "CheckRun", "name": "ok", "status": "COMPLETED", "conclusion": "SUCCESS"},
            {"__typename": "CheckRun", "name": "skip", "status": "COMPLETED", "conclusion": "SKIPPED"},
            {"__typename": "CheckRun", "name": "run", "status": "IN_PROGRESS", "conclusion": null},
            {"__typename": "CheckRun", "name": "bad", "status": "COMPLETED", "conclusion": "TIMED_OUT",
             "title": "took too long", "detailsUrl": null, "url": "https://github.com/acme/app/runs/9"},
            {"__typename": "StatusContext", "context": "ci/old", "state": "ERROR",
             "description": "boom", "targetUrl": "https://ci.example/1"},
            {"__typename": "StatusContext", "context": "ci/wait", "state": "EXPECTED"},
            {"__typename": "SomethingNew"},
        ]))
        .unwrap();
        let report = ci_report(&contexts, 2);
        assert_eq!(
            (
                report.total,
                report.passed,
                report.pending,
                report.failed.len()
            ),
            (9, 2, 5, 2)
        );
        assert_eq!(report.state, CiStatus::Failing);
        assert_eq!(report.failed[0].name, "bad");
        assert_eq!(report.failed[0].summary.as_deref(), Some("took too long"));
        assert_eq!(
            report.failed[0].url.as_deref(),
            Some("https://github.com/acme/app/runs/9")
        );
        assert_eq!(
            report.failed[1].url.as_deref(),
            Some("https://ci.example/1")
        );
        assert_eq!(ci_report(&[], 0).state, CiStatus::None);
        assert_eq!(ci_report(&contexts[..2], 0).state, CiStatus::Passing);
        assert_eq!(ci_report(&contexts[..3], 0).state, CiStatus::Pending);
    }

    #[test]
    fn reads_mergeability_review_and_threads() {
        assert_eq!(mergeability(Some("MERGEABLE")), (Some(true), false));
        assert_eq!(mergeability(Some("CONFLICTING")), (Some(false), true));
        assert_eq!(mergeability(Some("UNKNOWN")), (None, false));
        assert_eq!(
            review_status(Some("REVIEW_REQUIRED")),
            ReviewStatus::Pending
        );
        assert_eq!(review_status(None), ReviewStatus::None);
        let threads: Vec<ThreadJson> = serde_json::from_value(json!([
            {"isResolved": true, "path": "a.rs", "line": 1, "comments": {"nodes": [
                {"id": "C1", "author": {"login": "ann"}, "body": "fixed", "url": "u1"}]}},
            {"isResolved": false, "path": "b.rs", "line": null, "comments": {"nodes": [
                {"id": "C2", "author": null, "body": "why?", "path": "b.rs", "line": 4, "url": "u2"}]}},
            {"isResolved": false, "path": "c.rs", "line": 2, "comments": {"nodes": []}},
        ]))
        .unwrap();
        let open = unresolved(&threads);
        assert_eq!(open.len(), 1);
        assert_eq!(
            (open[0].id.as_str(), open[0].author.as_str(), open[0].line),
            ("C2", "ghost", Some(4))
        );
    }
}
