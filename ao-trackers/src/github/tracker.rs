//! GitHub issues as an `ao` [`Tracker`].
//!
//! The tracker holds no connection of its own: each call takes the process's shared client for
//! the project's API and token, so every project on one GitHub shares one budget and one ETag
//! cache. The token is looked for on first use, not when the tracker is built, because looking
//! may run `gh` and building happens in a synchronous factory.

use std::sync::Arc;

use ao_core::doctor::{Check, Outcome};
use ao_core::domain::IssueRef;
use ao_core::plugin::{
    Issue, IssueFilter, IssueState, IssueUpdate, Tracker, TrackerContext, TrackerError,
};
use async_trait::async_trait;
use serde::de::IgnoredAny;
use serde_json::{Map, Value, json};

use super::client::{ClientConfig, GitHubClient, Page};
use super::doctor::DoctorReport;
use super::error::GitHubError;
use super::routes::{
    ADD_LABELS, CREATE_COMMENT, GET_ISSUE, LIST_ISSUES, REMOVE_LABEL, UPDATE_ISSUE, split_repo,
};
use super::source::Source;
use super::token::{ANONYMOUS_WARNING, Credentials};
use super::wire::IssueJson;

/// The tracker's config name.
pub const TRACKER_NAME: &str = "github";

/// Pages read by one `list` at most (100 issues each), so that a listing without a limit
/// cannot spend the budget on a huge repository.
pub const MAX_LIST_PAGES: usize = 10;

/// GitHub issues as a [`Tracker`] (config name `github`).
#[derive(Debug, Clone)]
pub struct GitHubTracker {
    settings: Map<String, Value>,
    source: Source,
}

impl GitHubTracker {
    /// A tracker for a project whose tracker settings are `settings` (`apiUrl`, `graphqlUrl`);
    /// the token is discovered on first use.
    pub fn new(settings: Map<String, Value>) -> Self {
        Self {
            settings,
            source: Source::Discover,
        }
    }

    /// A tracker that authenticates with `credentials` instead of discovering a token.
    pub fn with_credentials(settings: Map<String, Value>, credentials: Credentials) -> Self {
        Self {
            settings,
            source: Source::Credentials(credentials),
        }
    }

    /// A tracker that uses `client` for everything (tests, embedders with their own settings).
    pub fn with_client(client: Arc<GitHubClient>) -> Self {
        Self {
            settings: Map::new(),
            source: Source::Client(client),
        }
    }

    /// The client for a call: the call's own settings win over the ones the tracker was
    /// built with, as the orchestrator passes a project's settings with every call.
    pub async fn client(&self, ctx: &TrackerContext) -> Result<Arc<GitHubClient>, TrackerError> {
        self.source
            .client(&self.settings, &ctx.settings)
            .await
            .map_err(|e| unavailable(&e))
    }
}

fn unavailable(e: &GitHubError) -> TrackerError {
    TrackerError::Unavailable {
        tracker: TRACKER_NAME.into(),
        detail: e.to_string(),
    }
}

/// The repository and number an issue reference means for a project.
fn target(ctx: &TrackerContext, issue: &IssueRef) -> Result<(String, u64), TrackerError> {
    let own = || {
        ctx.repo.clone().ok_or_else(|| TrackerError::Unavailable {
            tracker: TRACKER_NAME.into(),
            detail: format!(
                "project {} names no repository (`repo: owner/name`), so there is nowhere to read issue {issue} from",
                ctx.project_id
            ),
        })
    };
    let (repo, number) = match issue {
        IssueRef::Number { number } | IssueRef::GitHub { repo: None, number } => (own()?, *number),
        IssueRef::GitHub {
            repo: Some(repo),
            number,
        } => (repo.clone(), *number),
        IssueRef::Routed { issue, .. } => return target(ctx, issue),
        IssueRef::Key { .. } | IssueRef::Linear { .. } | IssueRef::PullRequest { .. } => {
            return Err(TrackerError::WrongTracker {
                issue: issue.to_string(),
                tracker: TRACKER_NAME.into(),
            });
        }
    };
    split_repo(&repo).map_err(|e| unavailable(&e))?;
    Ok((repo, number))
}

/// Maps a client error for `repo#number`, keeping a rate limit's reset time.
fn tracker_error(
    e: GitHubError,
    client: &GitHubClient,
    repo: &str,
    number: Option<u64>,
) -> TrackerError {
    match e {
        GitHubError::NotFound { .. } => {
            let hint = if client.token_source().is_none() {
                " (without a GitHub token a private repository reads as missing)"
            } else {
                ""
            };
            // The repository is the caller's context (a spawn names it beside the number).
            TrackerError::NotFound {
                issue: match number {
                    Some(n) => format!("#{n}{hint}"),
                    None => format!("{repo}{hint}"),
                },
            }
        }
        GitHubError::RateLimited { reset, .. } => TrackerError::RateLimited {
            tracker: TRACKER_NAME.into(),
            reset,
        },
        GitHubError::Auth { .. } => TrackerError::Auth {
            tracker: TRACKER_NAME.into(),
            detail: format!("{e}; set GITHUB_TOKEN or run `gh auth login`"),
        },
        other => unavailable(&other),
    }
}

/// GitHub's `state` filter for the states asked for (none: open ones).
fn state_query(states: &[IssueState]) -> &'static str {
    let open = states.is_empty()
        || states
            .iter()
            .any(|s| matches!(s, IssueState::Open | IssueState::InProgress));
    let closed = states
        .iter()
        .any(|s| matches!(s, IssueState::Closed | IssueState::Cancelled));
    match (open, closed) {
        (true, true) => "all",
        (false, true) => "closed",
        _ => "open",
    }
}

#[async_trait]
impl Tracker for GitHubTracker {
    fn name(&self) -> &str {
        TRACKER_NAME
    }

    async fn fetch(&self, ctx: &TrackerContext, issue: &IssueRef) -> Result<Issue, TrackerError> {
        let (repo, number) = target(ctx, issue)?;
        let client = self.client(ctx).await?;
        let (owner, name) = split_repo(&repo).map_err(|e| unavailable(&e))?;
        let n = number.to_string();
        let found: IssueJson = client
            .get(&GET_ISSUE, &[owner, name, &n], &[])
            .await
            .map_err(|e| tracker_error(e, &client, &repo, Some(number)))?;
        if found.is_pull_request() {
            return Err(TrackerError::PullRequest {
                issue: issue.to_string(),
            });
        }
        Ok(found.into_issue())
    }

    fn branch_name(&self, issue: &Issue) -> String {
        format!("feat/issue-{}", issue.id)
    }

    async fn list(
        &self,
        ctx: &TrackerContext,
        filter: &IssueFilter,
    ) -> Result<Vec<Issue>, TrackerError> {
        let repo = ctx.repo.clone().ok_or_else(|| TrackerError::Unavailable {
            tracker: TRACKER_NAME.into(),
            detail: format!(
                "project {} names no repository (`repo: owner/name`)",
                ctx.project_id
            ),
        })?;
        let (owner, name) = split_repo(&repo).map_err(|e| unavailable(&e))?;
        let client = self.client(ctx).await?;
        let limit = filter.limit.unwrap_or(usize::MAX);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let per_page = limit.min(100).to_string();
        let labels = filter.labels.join(",");
        let mut query = vec![
            ("state", state_query(&filter.states)),
            ("per_page", per_page.as_str()),
        ];
        if !labels.is_empty() {
            query.push(("labels", labels.as_str()));
        }
        if let Some(who) = &filter.assignee {
            query.push(("assignee", who.as_str()));
        }
        let fail = |e| tracker_error(e, &client, &repo, None);
        let mut url = client
            .url(&LIST_ISSUES, &[owner, name], &query)
            .map_err(fail)?;
        let mut found = Vec::new();
        for _ in 0..MAX_LIST_PAGES {
            let page: Page<IssueJson> = client.get_page(&url).await.map_err(fail)?;
            for item in page.items {
                // The issues API lists pull requests too.
                if item.is_pull_request() {
                    continue;
                }
                let issue = item.into_issue();
                let wanted = if filter.states.is_empty() {
                    issue.state == IssueState::Open
                } else {
                    filter.states.contains(&issue.state)
                };
                if wanted {
                    found.push(issue);
                    if found.len() >= limit {
                        return Ok(found);
                    }
                }
            }
            match page.next {
                Some(next) => url = next,
                None => break,
            }
        }
        Ok(found)
    }

    async fn update(
        &self,
        ctx: &TrackerContext,
        issue: &IssueRef,
        update: &IssueUpdate,
    ) -> Result<(), TrackerError> {
        let state = match update.state {
            None => None,
            Some(IssueState::Open) => Some(json!({"state": "open"})),
            Some(IssueState::Closed) => {
                Some(json!({"state": "closed", "state_reason": "completed"}))
            }
            Some(IssueState::Cancelled) => {
                Some(json!({"state": "closed", "state_reason": "not_planned"}))
            }
            // Refused before anything is changed, so an update is never half done for this.
            Some(IssueState::InProgress) => {
                return Err(TrackerError::Unsupported {
                    operation: "update to in_progress (GitHub issues are open or closed)",
                    implementer: TRACKER_NAME.into(),
                });
            }
        };
        let (repo, number) = target(ctx, issue)?;
        let (owner, name) = split_repo(&repo).map_err(|e| unavailable(&e))?;
        let client = self.client(ctx).await?;
        let n = number.to_string();
        let params = [owner, name, n.as_str()];
        let fail = |e| tracker_error(e, &client, &repo, Some(number));
        // The comment first: when the issue is also closed, the comment says why above it.
        if let Some(comment) = &update.comment {
            client
                .send::<IgnoredAny>(&CREATE_COMMENT, &params, Some(&json!({"body": comment})))
                .await
                .map_err(fail)?;
        }
        if !update.add_labels.is_empty() {
            client
                .send::<IgnoredAny>(
                    &ADD_LABELS,
                    &params,
                    Some(&json!({"labels": update.add_labels})),
                )
                .await
                .map_err(fail)?;
        }
        for label in &update.remove_labels {
            match client
                .send::<IgnoredAny>(
                    &REMOVE_LABEL,
                    &[owner, name, n.as_str(), label.as_str()],
                    None,
                )
                .await
            {
                // Not on the issue: already as asked.
                Ok(_) | Err(GitHubError::NotFound { .. }) => {}
                Err(e) => return Err(fail(e)),
            }
        }
        if let Some(state) = state {
            client
                .send::<IgnoredAny>(&UPDATE_ISSUE, &params, Some(&state))
                .await
                .map_err(fail)?;
        }
        Ok(())
    }

    async fn doctor(&self, ctx: &TrackerContext) -> Option<Vec<Check>> {
        let client = match self.client(ctx).await {
            Ok(client) => client,
            Err(e) => {
                return Some(vec![
                    Check::new("tracker", Outcome::Invalid, format!("github: {e}"))
                        .hint("fix `tracker.apiUrl` / `GITHUB_API_URL`"),
                ]);
            }
        };
        // Probes answer at once or say why: a doctor that sits through retries and backoff
        // on an unreachable network looks hung.
        let quick = ClientConfig {
            connect_timeout: std::time::Duration::from_secs(5),
            request_timeout: std::time::Duration::from_secs(10),
            max_retries: 0,
            rate_limit_retries: 0,
            ..ClientConfig::default()
        };
        let report = match client.with_config(quick) {
            Ok(probe) => probe.doctor(ctx.repo.as_deref()).await,
            Err(_) => client.doctor(ctx.repo.as_deref()).await,
        };
        Some(doctor_checks(&report, ctx.repo.as_deref()))
    }
}

/// `ao doctor`'s findings from what the probes found: token (its source, never its value),
/// API, repository, budget.
fn doctor_checks(report: &DoctorReport, repo: Option<&str>) -> Vec<Check> {
    let api = &report.api_url;
    let mut checks = Vec::new();
    let token = match (&report.token_source, &report.viewer) {
        (None, _) => Check::new(
            "tracker",
            Outcome::Warning,
            format!("github: {}", report.warning.unwrap_or(ANONYMOUS_WARNING)),
        )
        .hint("export GITHUB_TOKEN=… (or run `gh auth login`)"),
        (Some(source), Some(Ok(login))) => Check::new(
            "tracker",
            Outcome::Ok,
            format!("github: token from {source}, signed in as {login}"),
        ),
        (Some(source), Some(Err(e))) => Check::new(
            "tracker",
            Outcome::Failed,
            format!("github: the token from {source} does not work: {e}"),
        )
        .hint(format!(
            "renew the token in {source} (it needs the `repo` scope)"
        )),
        (Some(source), None) => Check::new(
            "tracker",
            Outcome::Ok,
            format!("github: token from {source}"),
        ),
    };
    checks.push(token);
    match &report.reachable {
        Ok(()) => checks.push(Check::new(
            "tracker",
            Outcome::Ok,
            format!("github: {api} answers"),
        )),
        Err(e) => {
            checks.push(
                Check::new("tracker", Outcome::Failed, format!("github: {e}"))
                    .hint("check the network, or `tracker.apiUrl` / `GITHUB_API_URL`"),
            );
            return checks;
        }
    }
    match (&report.repository, repo) {
        (Some(Ok(access)), _) => {
            let mut facts = vec![if access.private { "private" } else { "public" }];
            match access.can_push {
                Some(true) => facts.push("push allowed"),
                Some(false) => facts.push("read only"),
                None => {}
            }
            let check = if access.has_issues {
                Check::new(
                    "tracker",
                    Outcome::Ok,
                    format!(
                        "github: {} readable ({})",
                        access.full_name,
                        facts.join(", ")
                    ),
                )
            } else {
                Check::new(
                    "tracker",
                    Outcome::Warning,
                    format!("github: {} has its issues turned off", access.full_name),
                )
                .hint("turn issues on in the repository's settings, or give workers `--prompt`")
            };
            checks.push(check);
        }
        (Some(Err(e)), Some(repo)) => {
            let hint = if report.token_source.is_none() {
                format!(
                    "check `repo: {repo}`; without a token a private repository reads as missing"
                )
            } else {
                format!("check `repo: {repo}` and that the token may read it")
            };
            checks.push(
                Check::new(
                    "tracker",
                    Outcome::Failed,
                    format!("github: cannot read {repo}: {e}"),
                )
                .hint(hint),
            );
        }
        _ => {}
    }
    for (name, limit) in [
        ("core", report.budget.core()),
        ("graphql", report.budget.graphql()),
    ] {
        // An anonymous caller has no GraphQL budget at all (GitHub answers `limit: 0`).
        let Some(limit) = limit.filter(|l| l.limit > 0) else {
            continue;
        };
        checks.push(crate::kit::budget_check(
            "github",
            Some(name),
            limit.remaining,
            limit.limit,
            limit.reset,
        ));
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_github_for_the_states_wanted() {
        use IssueState::*;
        assert_eq!(state_query(&[]), "open");
        assert_eq!(state_query(&[InProgress]), "open");
        assert_eq!(state_query(&[Closed]), "closed");
        assert_eq!(state_query(&[Cancelled, Closed]), "closed");
        assert_eq!(state_query(&[Open, Cancelled]), "all");
    }

    #[test]
    fn resolves_references_to_a_repository_and_number() {
        let ctx = TrackerContext {
            project_id: ao_core::domain::ProjectId::new("app").unwrap(),
            repo: Some("acme/app".into()),
            settings: Map::new(),
        };
        let t = |s: &str| target(&ctx, &IssueRef::parse(s).unwrap());
        assert_eq!(t("#4").unwrap(), ("acme/app".into(), 4));
        assert_eq!(t("GitHub:#5").unwrap(), ("acme/app".into(), 5));
        assert_eq!(
            t("https://github.com/o/r/issues/6").unwrap(),
            ("o/r".into(), 6)
        );
        assert_eq!(t("web/#7").unwrap(), ("acme/app".into(), 7));
        for foreign in ["Linear:ABC-1", "ABC-1", "https://github.com/o/r/pull/2"] {
            assert!(
                matches!(t(foreign), Err(TrackerError::WrongTracker { .. })),
                "{foreign}"
            );
        }
        let none = TrackerContext {
            repo: None,
            ..ctx.clone()
        };
        let err = target(&none, &IssueRef::Number { number: 1 }).unwrap_err();
        assert!(err.to_string().contains("names no repository"), "{err}");
    }
}
