//! Linear issues as an `ao` [`Tracker`].
//!
//! The tracker holds no connection of its own: each call takes the process's shared client for
//! the project's endpoint and key, so every project on one Linear workspace shares one budget.
//! The key is read when a call needs it, not when the tracker is built, so that `ao` starts (and
//! `--prompt` spawns work) without one; a call that needs it fails with a typed `Auth` error
//! before anything is sent.
//!
//! Issues are named by identifier (`INT-1234`) or UUID, which Linear's `issue(id:)` both accepts;
//! a reference meant for another tracker (`#12`, `GitHub:#12`) is refused with `WrongTracker`.

use std::sync::Arc;

use ao_core::doctor::{Check, Outcome};
use ao_core::domain::IssueRef;
use ao_core::plugin::{
    Issue, IssueFilter, IssueState, IssueUpdate, Tracker, TrackerContext, TrackerError,
};
use async_trait::async_trait;
use serde_json::{Map, Value, json};

use super::client::{ClientConfig, LinearClient};
use super::doctor::DoctorReport;
use super::documents::{
    COMMENT_CREATE, ISSUE, ISSUE_TEAM_STATES, ISSUE_UPDATE, ISSUES, comment_input, issue_filter,
    state_input, state_types,
};
use super::endpoint::Endpoint;
use super::error::LinearError;
use super::key::{API_KEY_VAR, Credentials};
use super::wire::{
    CommentCreateData, IssueData, IssueTeamStatesData, IssueUpdateData, IssuesData, TeamStateJson,
};

/// The tracker's config name.
pub const TRACKER_NAME: &str = "linear";

/// Pages read by one `list` at most, so that a listing without a limit cannot spend the budget
/// on a huge workspace.
pub const MAX_LIST_PAGES: usize = 10;

/// Issues asked for per page (Linear's default page size).
const PAGE_SIZE: usize = 50;

/// What to do when `LINEAR_API_KEY` is missing or refused.
const KEY_HINT: &str = "export LINEAR_API_KEY=lin_api_… (a personal API key from Linear's settings, Security & access → API; an OAuth token works too)";

/// A project's Linear settings (the `tracker` block, beside `plugin`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// `teamId`: the team (its UUID, or its key such as `INT`) whose issues `list` returns (all
    /// teams the key sees when unset) and that `ao doctor` checks.
    pub team_id: Option<String>,
    /// `workspaceSlug`: the workspace issue URLs must belong to (`https://linear.app/<slug>/…`).
    pub workspace_slug: Option<String>,
}

impl Settings {
    /// The settings in a project's tracker block; a key of the wrong type is an error naming
    /// it (`apiUrl` is read by [`Endpoint::from_settings`]).
    pub fn from_map(settings: &Map<String, Value>) -> Result<Self, String> {
        let text = |key: &str| -> Result<Option<String>, String> {
            match settings.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
                Some(other) => Err(format!("`{key}` must be a string, not {other}")),
            }
        };
        Ok(Self {
            team_id: text("teamId")?,
            workspace_slug: text("workspaceSlug")?,
        })
    }
}

/// Where the tracker's client comes from.
#[derive(Debug, Clone)]
enum Source {
    /// The shared client for the settings, with the key from `LINEAR_API_KEY`.
    Discover,
    /// The shared client for the settings, with these credentials.
    Credentials(Credentials),
    /// This client.
    Client(Arc<LinearClient>),
}

/// Linear issues as a [`Tracker`] (config name `linear`).
#[derive(Debug, Clone)]
pub struct LinearTracker {
    settings: Map<String, Value>,
    source: Source,
}

impl LinearTracker {
    /// A tracker for a project whose tracker settings are `settings` (`apiUrl`, `teamId`,
    /// `workspaceSlug`); the key is read from `LINEAR_API_KEY` when a call needs it.
    pub fn new(settings: Map<String, Value>) -> Self {
        Self {
            settings,
            source: Source::Discover,
        }
    }

    /// A tracker that authenticates with `credentials` instead of `LINEAR_API_KEY`.
    pub fn with_credentials(settings: Map<String, Value>, credentials: Credentials) -> Self {
        Self {
            settings,
            source: Source::Credentials(credentials),
        }
    }

    /// A tracker that uses `client` for everything (tests, embedders with their own settings);
    /// `settings` still give `teamId` and `workspaceSlug`.
    pub fn with_client(client: Arc<LinearClient>, settings: Map<String, Value>) -> Self {
        Self {
            settings,
            source: Source::Client(client),
        }
    }

    /// The settings of a call: the project's own (which the orchestrator passes with every call)
    /// over the ones the tracker was built with.
    fn settings_for(&self, ctx: &TrackerContext) -> Map<String, Value> {
        let mut merged = self.settings.clone();
        merged.extend(ctx.settings.clone());
        merged
    }

    fn parsed(&self, ctx: &TrackerContext) -> Result<Settings, TrackerError> {
        Settings::from_map(&self.settings_for(ctx)).map_err(|detail| TrackerError::Unavailable {
            tracker: TRACKER_NAME.into(),
            detail: format!("project {}'s tracker settings: {detail}", ctx.project_id),
        })
    }

    /// The client for a call; fails without sending anything when there is no key.
    pub async fn client(&self, ctx: &TrackerContext) -> Result<Arc<LinearClient>, TrackerError> {
        let credentials = match &self.source {
            Source::Client(c) => return Ok(c.clone()),
            Source::Credentials(c) => c.clone(),
            Source::Discover => Credentials::discover(),
        };
        let endpoint =
            Endpoint::from_settings(&self.settings_for(ctx)).map_err(|e| unavailable(&e))?;
        if credentials.source().is_none() {
            return Err(TrackerError::Auth {
                tracker: TRACKER_NAME.into(),
                detail: format!("{API_KEY_VAR} is not set; {KEY_HINT}"),
            });
        }
        LinearClient::shared(endpoint, credentials).map_err(|e| unavailable(&e))
    }
}

fn unavailable(e: &LinearError) -> TrackerError {
    TrackerError::Unavailable {
        tracker: TRACKER_NAME.into(),
        detail: e.to_string(),
    }
}

/// Maps a client error for the issue shown as `issue` (`INT-1234`), keeping a rate limit's
/// reset time.
fn tracker_error(e: LinearError, issue: &str) -> TrackerError {
    match e {
        LinearError::NotFound { .. } => TrackerError::NotFound {
            issue: issue.to_string(),
        },
        LinearError::RateLimited { reset, .. } => TrackerError::RateLimited {
            tracker: TRACKER_NAME.into(),
            reset,
        },
        LinearError::Auth { .. } => TrackerError::Auth {
            tracker: TRACKER_NAME.into(),
            detail: format!("{e}; {KEY_HINT}"),
        },
        other => unavailable(&other),
    }
}

/// An issue as Linear's API names it, and the workspace the reference said it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    /// The identifier (`INT-1234`) or UUID.
    id: String,
    /// The workspace of a linear.app URL.
    workspace: Option<String>,
}

/// What `issue` means for a Linear project; `WrongTracker` for another tracker's reference, or
/// an issue URL of another workspace than the project's `workspaceSlug`.
fn target(settings: &Settings, issue: &IssueRef) -> Result<Target, TrackerError> {
    let wrong = |shown: String| TrackerError::WrongTracker {
        issue: shown,
        tracker: TRACKER_NAME.into(),
    };
    match issue {
        IssueRef::Key { key } => Ok(Target {
            id: key.clone(),
            workspace: None,
        }),
        IssueRef::Linear { workspace, key } => {
            if let (Some(theirs), Some(ours)) = (workspace, &settings.workspace_slug)
                && !theirs.eq_ignore_ascii_case(ours)
            {
                return Err(wrong(format!(
                    "{issue} (of Linear workspace {theirs}, not {ours})"
                )));
            }
            Ok(Target {
                id: key.clone(),
                workspace: workspace.clone(),
            })
        }
        IssueRef::Routed { issue, .. } => target(settings, issue),
        IssueRef::Number { .. } | IssueRef::GitHub { .. } | IssueRef::PullRequest { .. } => {
            Err(wrong(issue.to_string()))
        }
    }
}

/// The workspace of a linear.app issue URL (`https://linear.app/<workspace>/issue/…`).
fn url_workspace(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://linear.app/")
        .or_else(|| url.strip_prefix("http://linear.app/"))?;
    let (workspace, rest) = rest.split_once('/')?;
    rest.starts_with("issue/").then_some(workspace)
}

/// Whether `name` is a branch name git accepts (`git check-ref-format --branch`), judged
/// conservatively: printable ASCII only, so that a name Linear derives from a title never
/// reaches git in a form it would refuse or read as an option.
pub fn is_git_safe_branch(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name != "@"
        && !name.starts_with(['-', '/', '.'])
        && !name.ends_with(['/', '.'])
        && !name.contains("..")
        && !name.contains("@{")
        && name
            .split('/')
            .all(|part| !part.is_empty() && !part.starts_with('.') && !part.ends_with(".lock"))
        && name
            .chars()
            .all(|c| c.is_ascii_graphic() && !"~^:?*[\\".contains(c))
}

/// The state of `team_states` to move an issue to for `wanted`: of the first of its state types
/// the team has, the one first in the team's flow (lowest position).
fn state_for(team_states: &[TeamStateJson], wanted: IssueState) -> Option<&TeamStateJson> {
    // Re-opening goes to "unstarted" (Todo) before backlog or triage: the issue was planned.
    let preference: &[&str] = match wanted {
        IssueState::Open => &["unstarted", "backlog", "triage"],
        other => state_types(other),
    };
    preference.iter().find_map(|kind| {
        team_states
            .iter()
            .filter(|s| s.kind == *kind)
            .min_by(|a, b| a.position.total_cmp(&b.position))
    })
}

#[async_trait]
impl Tracker for LinearTracker {
    fn name(&self) -> &str {
        TRACKER_NAME
    }

    async fn fetch(&self, ctx: &TrackerContext, issue: &IssueRef) -> Result<Issue, TrackerError> {
        let settings = self.parsed(ctx)?;
        let target = target(&settings, issue)?;
        let client = self.client(ctx).await?;
        let data: IssueData = client
            .graphql(&ISSUE, json!({ "id": target.id }))
            .await
            .map_err(|e| tracker_error(e, &target.id))?;
        // The key reads one workspace: the same identifier in a URL of another one is another
        // issue, and must not be worked on as this one.
        if let (Some(wanted), Some(found)) = (&target.workspace, url_workspace(&data.issue.url))
            && !wanted.eq_ignore_ascii_case(found)
        {
            return Err(TrackerError::WrongTracker {
                issue: format!("{issue} (of Linear workspace {wanted}; the key reads {found})"),
                tracker: TRACKER_NAME.into(),
            });
        }
        Ok(data.issue.into_issue())
    }

    /// Linear's own branch name for the issue when it is one git accepts, else `feat/<ID>`.
    fn branch_name(&self, issue: &Issue) -> String {
        issue
            .branch_hint
            .clone()
            .filter(|b| is_git_safe_branch(b))
            .unwrap_or_else(|| format!("feat/{}", issue.id))
    }

    async fn list(
        &self,
        ctx: &TrackerContext,
        filter: &IssueFilter,
    ) -> Result<Vec<Issue>, TrackerError> {
        let settings = self.parsed(ctx)?;
        let limit = filter.limit.unwrap_or(usize::MAX);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let client = self.client(ctx).await?;
        let variables = issue_filter(
            settings.team_id.as_deref(),
            &filter.states,
            &filter.labels,
            filter.assignee.as_deref(),
        );
        let wanted = |state: IssueState| {
            if filter.states.is_empty() {
                state == IssueState::Open
            } else {
                filter.states.contains(&state)
            }
        };
        let mut found = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_LIST_PAGES {
            let page: IssuesData = client
                .graphql(
                    &ISSUES,
                    json!({
                        "filter": variables,
                        "first": (limit - found.len()).min(PAGE_SIZE),
                        "after": after,
                    }),
                )
                .await
                .map_err(|e| tracker_error(e, "(list)"))?;
            for node in page.issues.nodes {
                let issue = node.into_issue();
                // Linear filtered already; this keeps a listing right even if a state type is
                // added that the filter does not know.
                if wanted(issue.state) {
                    found.push(issue);
                    if found.len() >= limit {
                        return Ok(found);
                    }
                }
            }
            match page.issues.page_info {
                info if info.has_next_page && info.end_cursor.is_some() => {
                    after = info.end_cursor;
                }
                _ => break,
            }
        }
        Ok(found)
    }

    /// Posts the comment first, then moves the issue to the first state (by position) of the
    /// wanted type in the issue's team. Labels are not changed through Linear yet: asking to is
    /// refused before anything is sent.
    async fn update(
        &self,
        ctx: &TrackerContext,
        issue: &IssueRef,
        update: &IssueUpdate,
    ) -> Result<(), TrackerError> {
        if !update.add_labels.is_empty() || !update.remove_labels.is_empty() {
            return Err(TrackerError::Unsupported {
                operation: "label changes (the Linear tracker does not change labels yet)",
                implementer: TRACKER_NAME.into(),
            });
        }
        if update.comment.is_none() && update.state.is_none() {
            return Ok(());
        }
        let settings = self.parsed(ctx)?;
        let target = target(&settings, issue)?;
        let client = self.client(ctx).await?;
        let fail = |e| tracker_error(e, &target.id);
        // The issue's UUID (mutations are keyed by it) and its team's states, in one request.
        let found: IssueTeamStatesData = client
            .graphql(&ISSUE_TEAM_STATES, json!({ "id": target.id }))
            .await
            .map_err(fail)?;
        let issue_id = found.issue.id;
        // Chosen before the comment is posted, so that an update is never half done because the
        // team has no such state.
        let state = match update.state {
            None => None,
            Some(wanted) => match state_for(&found.issue.team.states.nodes, wanted) {
                Some(s) => Some(s.id.clone()),
                None => {
                    return Err(TrackerError::Unsupported {
                        operation: match wanted {
                            IssueState::Open => {
                                "reopening: the issue's team has no unstarted, backlog or triage state"
                            }
                            IssueState::InProgress => {
                                "moving to in progress: the issue's team has no started state"
                            }
                            IssueState::Closed => {
                                "closing: the issue's team has no completed state"
                            }
                            IssueState::Cancelled => {
                                "cancelling: the issue's team has no canceled state"
                            }
                        },
                        implementer: format!("{TRACKER_NAME} (team {})", found.issue.team.key),
                    });
                }
            },
        };
        let refused = |what: &str| TrackerError::Unavailable {
            tracker: TRACKER_NAME.into(),
            detail: format!("Linear answered {what} for {} without success", target.id),
        };
        if let Some(body) = &update.comment {
            let done: CommentCreateData = client
                .graphql(
                    &COMMENT_CREATE,
                    json!({ "input": comment_input(&issue_id, body) }),
                )
                .await
                .map_err(fail)?;
            if !done.comment_create.success {
                return Err(refused("commentCreate"));
            }
        }
        if let Some(state_id) = state {
            let done: IssueUpdateData = client
                .graphql(
                    &ISSUE_UPDATE,
                    json!({ "id": issue_id, "input": state_input(&state_id) }),
                )
                .await
                .map_err(fail)?;
            if !done.issue_update.success {
                return Err(refused("issueUpdate"));
            }
        }
        Ok(())
    }

    async fn doctor(&self, ctx: &TrackerContext) -> Option<Vec<Check>> {
        let settings = match self.parsed(ctx) {
            Ok(s) => s,
            Err(e) => {
                return Some(vec![
                    Check::new("tracker", Outcome::Invalid, format!("linear: {e}"))
                        .hint("fix the project's `tracker` block"),
                ]);
            }
        };
        let client = match self.client(ctx).await {
            Ok(client) => client,
            Err(TrackerError::Auth { .. }) => {
                return Some(vec![
                    Check::new(
                        "tracker",
                        Outcome::Warning,
                        format!(
                            "linear: {API_KEY_VAR} is not set; issues cannot be read until it is"
                        ),
                    )
                    .hint(KEY_HINT),
                ]);
            }
            Err(e) => {
                return Some(vec![
                    Check::new("tracker", Outcome::Invalid, format!("linear: {e}"))
                        .hint("fix `tracker.apiUrl` / `LINEAR_API_URL`"),
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
        let team = settings.team_id.as_deref();
        let report = match client.with_config(quick) {
            Ok(probe) => probe.doctor(team).await,
            Err(_) => client.doctor(team).await,
        };
        Some(doctor_checks(&report, settings.team_id.as_deref()))
    }
}

/// `ao doctor`'s findings from what the probes found: the key (its source and kind, never its
/// value), the API, the team, the budget.
fn doctor_checks(report: &DoctorReport, team_id: Option<&str>) -> Vec<Check> {
    let api = &report.api_url;
    let Some(source) = report.key_source else {
        return vec![
            Check::new(
                "tracker",
                Outcome::Warning,
                format!("linear: {API_KEY_VAR} is not set; issues cannot be read until it is"),
            )
            .hint(KEY_HINT),
        ];
    };
    let key = match report.key_kind {
        Some(kind) => format!("{kind} from {source}"),
        None => format!("key from {source}"),
    };
    let mut checks = Vec::new();
    match &report.viewer {
        Some(Ok(viewer)) => {
            checks.push(Check::new(
                "tracker",
                Outcome::Ok,
                format!(
                    "linear: {key}, signed in as {} ({})",
                    viewer.display_name, viewer.name
                ),
            ));
            checks.push(Check::new(
                "tracker",
                Outcome::Ok,
                format!("linear: {api} answers"),
            ));
        }
        Some(Err(e @ LinearError::Auth { .. })) => {
            checks.push(
                Check::new(
                    "tracker",
                    Outcome::Failed,
                    format!("linear: the {key} does not work: {e}"),
                )
                .hint(format!("renew it; {KEY_HINT}")),
            );
            checks.push(Check::new(
                "tracker",
                Outcome::Ok,
                format!("linear: {api} answers"),
            ));
            return checks;
        }
        Some(Err(e @ LinearError::RateLimited { .. })) => {
            checks.push(Check::new("tracker", Outcome::Ok, format!("linear: {key}")));
            checks.push(
                Check::new("tracker", Outcome::Warning, format!("linear: {e}"))
                    .hint("the budget refills within the hour; fewer sessions ask less often"),
            );
            return checks;
        }
        Some(Err(e)) => {
            checks.push(Check::new("tracker", Outcome::Ok, format!("linear: {key}")));
            checks.push(
                Check::new("tracker", Outcome::Failed, format!("linear: {e}"))
                    .hint("check the network, or `tracker.apiUrl` / `LINEAR_API_URL`"),
            );
            return checks;
        }
        None => {}
    }
    match (&report.team, team_id) {
        (Some(Ok(team)), _) => checks.push(Check::new(
            "tracker",
            Outcome::Ok,
            format!("linear: team {} ({}) readable", team.key, team.name),
        )),
        (Some(Err(e)), Some(id)) => checks.push(
            Check::new(
                "tracker",
                Outcome::Failed,
                format!("linear: cannot read team {id}: {e}"),
            )
            .hint(format!(
                "check `tracker.teamId: {id}` (the team's key, such as INT, or its id) and that the key's user is in the team"
            )),
        ),
        _ => {}
    }
    if let Some(window) = report.budget.requests.as_ref().filter(|w| w.limit > 0) {
        checks.push(crate::kit::budget_check(
            "linear",
            None,
            window.remaining,
            window.limit,
            window.reset,
        ));
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_references_and_refuses_other_trackers() {
        let none = Settings::default();
        let t = |s: &str| target(&none, &IssueRef::parse(s).unwrap());
        assert_eq!(t("INT-7").unwrap().id, "INT-7");
        assert_eq!(t("Linear:int-8").unwrap().id, "INT-8");
        assert_eq!(t("app/INT-9").unwrap().id, "INT-9");
        let url = t("https://linear.app/acme/issue/INT-10/fix-it").unwrap();
        assert_eq!(
            (url.id.as_str(), url.workspace.as_deref()),
            ("INT-10", Some("acme"))
        );
        assert_eq!(
            t("8a7c0d2e-1c44-4f6c-9a8c-3f2b4c2d0e11").unwrap().id,
            "8a7c0d2e-1c44-4f6c-9a8c-3f2b4c2d0e11"
        );
        for foreign in [
            "#12",
            "12",
            "GitHub:#3",
            "acme/app#4",
            "https://github.com/a/b/pull/2",
        ] {
            assert!(
                matches!(t(foreign), Err(TrackerError::WrongTracker { .. })),
                "{foreign}"
            );
        }
        let ours = Settings {
            workspace_slug: Some("Acme".into()),
            ..Settings::default()
        };
        let other = IssueRef::parse("https://linear.app/other/issue/INT-1/x").unwrap();
        assert!(matches!(
            target(&ours, &other),
            Err(TrackerError::WrongTracker { .. })
        ));
        let same = IssueRef::parse("https://linear.app/acme/issue/INT-1/x").unwrap();
        assert!(target(&ours, &same).is_ok());
    }

    #[test]
    fn reads_the_settings_and_names_a_wrong_one() {
        let s = Settings::from_map(
            json!({"teamId": " t-1 ", "workspaceSlug": "acme", "apiUrl": "x"})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(s.team_id.as_deref(), Some("t-1"));
        assert_eq!(s.workspace_slug.as_deref(), Some("acme"));
        let err = Settings::from_map(json!({"teamId": 5}).as_object().unwrap()).unwrap_err();
        assert!(err.contains("teamId"), "{err}");
    }

    #[test]
    fn keeps_linears_branch_only_when_git_takes_it() {
        for good in [
            "ann/int-12-fix-login",
            "int-12-fix-login",
            "feat/INT-12",
            "a.b/c-d_e",
        ] {
            assert!(is_git_safe_branch(good), "{good}");
        }
        for bad in [
            "",
            "-rf",
            "/abs",
            "end/",
            "end.",
            "a..b",
            "a//b",
            "a/.hidden",
            "x.lock",
            "a/b.lock/c",
            "a b",
            "a~b",
            "a^b",
            "a:b",
            "a?b",
            "a*b",
            "a[b",
            "a\\b",
            "a@{b",
            "@",
            "émoji-🎉",
            "tab\tin",
        ] {
            assert!(!is_git_safe_branch(bad), "{bad:?}");
        }
        let t = LinearTracker::new(Map::new());
        let issue = |hint: Option<&str>| Issue {
            id: "INT-12".into(),
            title: "t".into(),
            body: String::new(),
            url: String::new(),
            state: IssueState::Open,
            labels: vec![],
            assignees: vec![],
            branch_hint: hint.map(str::to_string),
        };
        assert_eq!(
            t.branch_name(&issue(Some("ann/int-12-fix-login"))),
            "ann/int-12-fix-login"
        );
        assert_eq!(t.branch_name(&issue(Some("ann/int 12"))), "feat/INT-12");
        assert_eq!(t.branch_name(&issue(None)), "feat/INT-12");
    }

    #[test]
    fn picks_the_first_state_of_the_first_type_the_team_has() {
        let s = |id: &str, kind: &str, position: f64| TeamStateJson {
            id: id.into(),
            kind: kind.into(),
            position,
        };
        let states = [
            s("backlog", "backlog", 0.0),
            s("todo", "unstarted", 1.0),
            s("review", "started", 3.0),
            s("doing", "started", 2.0),
            s("done", "completed", 4.0),
        ];
        let id = |w| state_for(&states, w).map(|s| s.id.as_str());
        assert_eq!(id(IssueState::Open), Some("todo"));
        assert_eq!(id(IssueState::InProgress), Some("doing"));
        assert_eq!(id(IssueState::Closed), Some("done"));
        assert_eq!(id(IssueState::Cancelled), None);
        assert_eq!(
            state_for(&states[..1], IssueState::Open).map(|s| s.id.as_str()),
            Some("backlog")
        );
    }

    #[test]
    fn knows_the_workspace_of_an_issue_url() {
        assert_eq!(
            url_workspace("https://linear.app/acme/issue/INT-1/slug"),
            Some("acme")
        );
        assert_eq!(url_workspace("https://example.test/acme/issue/INT-1"), None);
        assert_eq!(url_workspace("https://linear.app/acme/project/x"), None);
    }
}
