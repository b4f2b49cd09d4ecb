//! What the forge says about many sessions: pull request, checks and review, read in one batch
//! per repository, whatever the number of sessions.
//!
//! The reference tool spent four `gh` calls per session per refresh and ran its users out of
//! rate limit. Here the workers of every project in scope are grouped by (SCM, repository); each
//! group is one `Scm::pr_batch` call, given the previous batch for that repository so that an
//! unchanged repository is answered without a rate-limited request. The last batch of each
//! repository is kept under `AO_HOME/remote/`, which also lets a listing render when the host
//! cannot be reached: the last known answers are shown, marked stale since they were fetched.
//!
//! Orchestrators are never looked up: they own no pull request.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::OrchestratorError;
use super::facade::Scope;
use super::view::SessionView;
use crate::domain::{PrRef, ProjectId, Role, SessionId, SessionPhase, Timestamp};
use crate::home::AoHome;
use crate::plugin::{PrBatch, PrDetails, PrQuery, RateBudget, Scm, ScmContext};

/// How long one repository's batch may take before its last known answers are shown instead.
const BATCH_TIMEOUT: Duration = Duration::from_secs(30);

/// What the forge said, per repository, for one look.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteMeta {
    /// One entry per repository asked.
    pub repos: Vec<RepoRemote>,
}

/// One repository's part of a look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepoRemote {
    /// The SCM's config name (`github`).
    pub scm: String,
    /// `owner/name`.
    pub repo: String,
    /// When the answers shown were fetched or last confirmed; `None` when there are none.
    pub fetched_at: Option<Timestamp>,
    /// Whether the answers shown are older than this look (the host could not be asked).
    pub stale: bool,
    /// Why the host could not be asked, when it could not (never a credential).
    pub error: Option<String>,
    /// The budget the host reported with its last answer.
    pub rate_limit: Option<RateBudget>,
}

impl RemoteMeta {
    /// Whether any repository's answers are stale.
    pub fn stale(&self) -> bool {
        self.repos.iter().any(|r| r.stale)
    }

    /// The oldest time any answer shown was fetched at.
    pub fn fetched_at(&self) -> Option<Timestamp> {
        self.repos.iter().filter_map(|r| r.fetched_at).min()
    }

    /// The tightest budget any host reported.
    pub fn rate_limit(&self) -> Option<RateBudget> {
        self.repos
            .iter()
            .filter_map(|r| r.rate_limit)
            .min_by_key(|b| b.remaining)
    }
}

impl Serialize for RemoteMeta {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Shown<'a> {
            fetched_at: Option<Timestamp>,
            stale: bool,
            rate_limit: Option<RateBudget>,
            repos: &'a [RepoRemote],
        }
        Shown {
            fetched_at: self.fetched_at(),
            stale: self.stale(),
            rate_limit: self.rate_limit(),
            repos: &self.repos,
        }
        .serialize(serializer)
    }
}

/// The sessions of one repository, and how to ask its host.
struct Group {
    scm: Arc<dyn Scm>,
    ctx: ScmContext,
    /// (index into the views, its query).
    members: Vec<(usize, PrQuery)>,
}

/// The question a worker's view asks: its recorded PR's number, else its branch.
fn query_of(view: &SessionView) -> Option<PrQuery> {
    // Killed and finished workers keep what was last recorded: asking about them every
    // refresh would spend the budget on history.
    if view.role != Role::Worker
        || matches!(
            view.lifecycle.session,
            SessionPhase::Killed | SessionPhase::Done
        )
    {
        return None;
    }
    match (&view.pr, &view.branch) {
        (Some(pr), _) => Some(PrQuery::Number(pr.number)),
        (None, Some(branch)) => Some(PrQuery::Branch(branch.clone())),
        (None, None) => None,
    }
}

/// Where the last batch of `repo` on `scm` is kept. Names are reduced to characters safe in
/// a file name, so a repository setting can never point outside the folder.
fn cache_file(home: &AoHome, scm: &str, repo: &str) -> PathBuf {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
            .trim_start_matches('.')
            .to_string()
    };
    let (owner, name) = repo.split_once('/').unwrap_or(("", repo));
    home.root()
        .join("remote")
        .join(safe(scm))
        .join(format!("{}__{}.json", safe(owner), safe(name)))
}

/// The last batch kept for a repository; `None` when there is none or it cannot be read (a
/// damaged cache costs one full batch, nothing more).
fn load(path: &std::path::Path) -> Option<PrBatch> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn save(path: &std::path::Path, batch: &PrBatch) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let bytes = serde_json::to_vec(batch).map_err(std::io::Error::other)?;
    crate::adapter_kit::fsutil::write_atomic(path, &bytes)
}

/// A PR found for a session that its record does not name yet, or whose status changed: the
/// record is brought up to date so the next look asks by number.
struct Learned {
    project: ProjectId,
    id: SessionId,
    pr: PrRef,
    details: PrDetails,
}

/// Asks the forge about the pull requests of every worker in `views` (one batch per
/// repository), fills in their PR, checks and review, and brings their records up to date.
/// A host that cannot be asked leaves its sessions with their last known answers, marked
/// stale; it never fails the look.
pub(crate) async fn fetch(
    scope: &[Scope<'_>],
    views: &mut [SessionView],
    warnings: &mut Vec<String>,
    reuse_younger_than: Option<Duration>,
) -> Result<RemoteMeta, OrchestratorError> {
    let Some(first) = scope.first() else {
        return Ok(RemoteMeta::default());
    };
    let home = first.orch.options.home.clone();
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    for (i, view) in views.iter().enumerate() {
        let Some(query) = query_of(view) else {
            continue;
        };
        let Some(s) = scope.iter().find(|s| s.project.id == view.project_id) else {
            continue;
        };
        let (scm, ctx) = match s.orch.scm_for(s.project) {
            Ok(Some(found)) => found,
            Ok(None) => continue,
            Err(e) => {
                warnings.push(format!(
                    "project {}: pull requests are not looked up: {e}",
                    s.project.id
                ));
                continue;
            }
        };
        let key = (scm.name().to_string(), ctx.repo.clone());
        groups
            .entry(key)
            .or_insert_with(|| Group {
                scm,
                ctx,
                members: Vec::new(),
            })
            .members
            .push((i, query));
    }

    // Every repository's batch at once: each host answers at its own pace.
    let mut asks = tokio::task::JoinSet::new();
    for (order, ((name, repo), group)) in groups.into_iter().enumerate() {
        let path = cache_file(&home, &name, &repo);
        asks.spawn(async move {
            let previous = load(&path);
            let mut queries: Vec<PrQuery> = group.members.iter().map(|(_, q)| q.clone()).collect();
            queries.sort();
            queries.dedup();
            // Someone else (the daemon) asked just now: its answers, without a request.
            if let (Some(max_age), Some(kept)) = (reuse_younger_than, &previous)
                && let Ok(age) =
                    Duration::try_from(Timestamp::now().duration_since(kept.fetched_at))
                && age < max_age
                && let Some(answers) = PrBatch::reuse(kept, &queries)
            {
                let batch = PrBatch {
                    answers,
                    ..kept.clone()
                };
                return (order, name, repo, group, Some(batch), None, Vec::new());
            }
            let asked = tokio::time::timeout(
                BATCH_TIMEOUT,
                group.scm.pr_batch(&group.ctx, &queries, previous.clone()),
            )
            .await;
            let mut notes = Vec::new();
            let (batch, error) = match asked {
                Ok(Ok(batch)) => {
                    if let Err(e) = save(&path, &batch) {
                        // Only the next look's cost depends on it.
                        notes.push(format!(
                            "{name} ({repo}): the answers could not be kept in {}: {e}",
                            path.display()
                        ));
                    }
                    (Some(batch), None)
                }
                Ok(Err(e)) => (previous, Some(e.to_string())),
                Err(_) => (
                    previous,
                    Some(format!(
                        "{name} did not answer within {}s",
                        BATCH_TIMEOUT.as_secs()
                    )),
                ),
            };
            (order, name, repo, group, batch, error, notes)
        });
    }
    let mut answered = Vec::new();
    while let Some(done) = asks.join_next().await {
        match done {
            Ok(answer) => answered.push(answer),
            Err(e) => warnings.push(format!("a pull-request lookup ended abnormally: {e}")),
        }
    }
    answered.sort_by_key(|a| a.0);

    let mut meta = RemoteMeta::default();
    let mut learned = Vec::new();
    for (_, name, repo, group, batch, error, notes) in answered {
        warnings.extend(notes);
        if let Some(e) = &error {
            warnings.push(format!(
                "{name} ({repo}): {e}; pull request, CI and review are shown as last known"
            ));
        }
        meta.repos.push(RepoRemote {
            scm: name,
            repo: repo.clone(),
            fetched_at: batch.as_ref().map(|b| b.fetched_at),
            stale: error.is_some(),
            error,
            rate_limit: batch.as_ref().and_then(|b| b.rate_limit),
        });
        let Some(batch) = batch else { continue };
        for (i, query) in &group.members {
            let Some(details) = batch.answer(query).and_then(|a| a.pr.as_ref()) else {
                continue;
            };
            let view = &mut views[*i];
            let before = view.lifecycle.pr;
            let had_pr = view.pr.is_some();
            view.apply_pr(details);
            if !had_pr || before != view.lifecycle.pr {
                learned.push(Learned {
                    project: view.project_id.clone(),
                    id: view.id.clone(),
                    pr: PrRef {
                        repo: Some(repo.clone()),
                        number: details.pr.number,
                        url: Some(details.pr.url.clone()),
                    },
                    details: details.clone(),
                });
            }
        }
    }
    for l in learned {
        let Some(s) = scope.iter().find(|s| s.project.id == l.project) else {
            continue;
        };
        let status = l.details.status();
        let pr = l.pr;
        let updated = s
            .orch
            .store
            .update(
                &l.project,
                &l.id,
                Box::new(move |r| {
                    if r.role == Role::Worker {
                        if r.pr.is_none() {
                            r.pr = Some(pr);
                        }
                        r.lifecycle.pr = Some(status);
                    }
                }),
            )
            .await;
        if let Err(e) = updated {
            warnings.push(format!(
                "session {}: its pull request could not be recorded: {e}",
                l.id
            ));
        }
    }
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_batch_stays_under_remote_whatever_the_repository_setting_says() {
        let home = AoHome::new("/h");
        assert_eq!(
            cache_file(&home, "github", "acme/app"),
            PathBuf::from("/h/remote/github/acme__app.json")
        );
        let odd = cache_file(&home, "github", "../../etc/passwd");
        assert!(odd.starts_with("/h/remote/github/"), "{}", odd.display());
        assert_eq!(
            odd.components().count(),
            "/h/remote/github/x".split('/').count()
        );
    }

    #[test]
    fn a_damaged_kept_batch_costs_a_fetch_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("acme__app.json");
        std::fs::write(&path, b"{ half a file").unwrap();
        assert!(load(&path).is_none());
        assert!(load(&dir.path().join("missing.json")).is_none());
    }
}
