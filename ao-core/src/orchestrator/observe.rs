//! One look at many sessions — and at what a crash left behind.
//!
//! Observation is the hot path (`ao status`, and each daemon tick), so its cost must not grow
//! with the number of sessions in processes: each runtime is asked once for its inventory
//! (liveness, exit status and unrecorded sessions together) and once for the screens the
//! agents need; records come from the store's listing; agents read their evidence files off
//! the async threads.
//!
//! Reconciliation is the same look turned around: runtime sessions carrying this `AO_HOME`'s
//! tag that no record names, worktrees under `AO_HOME` that no record owns, spawns whose
//! creating process is gone, and launch handoffs nobody fetched. Listings report them;
//! `cleanup` removes them — except a worktree holding unsaved work, which is kept and reported.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::OrchestratorError;
use super::facade::Scope;
use super::outcome::{CleanupEntry, Observation, Orphan, OrphanKind};
use super::request::SessionFilter;
use super::view::SessionView;
use crate::domain::{
    Activity, ActivitySource, ActivityState, ProjectId, RuntimeStatus, SessionId, SessionPhase,
    Timestamp,
};
use crate::home::AoHome;
use crate::plugin::{ActivityProbe, Agent, Runtime, RuntimeHandle, WorkspaceInfo};
use crate::store::SessionRecord;

/// Lines of screen an agent gets to read its activity from.
const SCREEN_LINES: usize = 50;

/// A launch spec file an older `ao` wrote is stale after this long.
const LEGACY_SPEC_AGE: Duration = Duration::from_secs(60);

/// Runs an agent adapter's future on a blocking thread: adapters read their evidence files
/// (hook events, transcripts, rollouts) with blocking calls, which must not stall the async
/// threads. `None` when the thread failed.
pub(crate) async fn off_thread<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> Option<T> {
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(work))
        .await
        .ok()
}

/// What `agent` says its session is doing, read off the async threads; `None` when the
/// adapter failed.
pub(crate) async fn activity_off_thread(
    agent: Arc<dyn Agent>,
    probe: ActivityProbe,
) -> Option<Activity> {
    off_thread(async move { agent.activity(&probe).await.ok() })
        .await
        .flatten()
}

/// What an agent adapter said about one session's activity.
type Read = Result<Activity, crate::plugin::AgentError>;

/// One session an agent adapter is asked about.
struct Ask {
    agent: Arc<dyn Agent>,
    probe: ActivityProbe,
    /// Whether to ask for its activity too (only a live session's is read).
    activity: bool,
    /// Whether to ask for the agent's own summary of the work (`ao status`).
    summary: bool,
}

/// What the adapter answered.
#[derive(Default)]
struct Answer {
    activity: Option<Read>,
    model_in_use: Option<String>,
    summary: Option<String>,
}

/// The activities (where asked) and models in use of many sessions, read on a few blocking
/// threads; `None` where the thread reading it ended abnormally.
async fn ask(work: Vec<Ask>) -> Vec<Option<Answer>> {
    let n = work.len();
    let chunk = n.div_ceil(4).max(1);
    let handle = tokio::runtime::Handle::current();
    let mut tasks = Vec::new();
    let mut work = work.into_iter();
    loop {
        let part: Vec<_> = work.by_ref().take(chunk).collect();
        if part.is_empty() {
            break;
        }
        let handle = handle.clone();
        tasks.push(tokio::task::spawn_blocking(move || {
            handle.block_on(async {
                let mut out = Vec::with_capacity(part.len());
                for ask in part {
                    let activity = if ask.activity {
                        Some(ask.agent.activity(&ask.probe).await)
                    } else {
                        None
                    };
                    let model_in_use = ask.agent.model_in_use(&ask.probe).await;
                    let summary = if ask.summary {
                        ask.agent
                            .session_info(&ask.probe)
                            .await
                            .ok()
                            .and_then(|info| info.summary)
                    } else {
                        None
                    };
                    out.push(Some(Answer {
                        activity,
                        model_in_use,
                        summary,
                    }));
                }
                out
            })
        }));
    }
    let mut out = Vec::with_capacity(n);
    for (i, task) in tasks.into_iter().enumerate() {
        match task.await {
            Ok(read) => out.extend(read),
            // A panicking adapter: its chunk is reported as unread, not lost in silence.
            Err(_) => out.resize_with((i + 1) * chunk, || None),
        }
    }
    out.resize_with(n, || None);
    out
}

/// Looks at every session of the projects in `scope`: records, runtime liveness and screens
/// (a fixed number of runtime calls), agent activity; and at what crashes left behind.
pub(crate) async fn observe(
    scope: &[Scope<'_>],
    filter: &SessionFilter,
) -> Result<Observation, OrchestratorError> {
    observe_with(scope, filter, false).await
}

/// What `ao status` shows: one look at the sessions (with the agents' own summaries), then
/// their pull requests, checks and reviews from the forge in one batch per repository.
pub(crate) async fn status(
    scope: &[Scope<'_>],
    filter: &SessionFilter,
    reuse_younger_than: Option<Duration>,
) -> Result<Observation, OrchestratorError> {
    let mut seen = observe_with(scope, filter, true).await?;
    let remote = super::remote::fetch(
        scope,
        &mut seen.sessions,
        &mut seen.warnings,
        reuse_younger_than,
    )
    .await?;
    seen.remote = Some(remote);
    Ok(seen)
}

/// [`observe`], asking the agents for their summaries too when `summaries`.
async fn observe_with(
    scope: &[Scope<'_>],
    filter: &SessionFilter,
    summaries: bool,
) -> Result<Observation, OrchestratorError> {
    let Some(first) = scope.first() else {
        return Ok(Observation::default());
    };
    let home = first.orch.options.home.clone();
    let mut observation = Observation::default();

    // Records.
    let mut records: Vec<(Scope<'_>, SessionRecord)> = Vec::new();
    let mut recorded_ids: HashSet<(ProjectId, SessionId)> = HashSet::new();
    for s in scope {
        let id = s.project.id.clone();
        let listing = s.orch.store.list(&id).await?;
        observation.corrupt.extend(listing.corrupt);
        recorded_ids.extend(
            listing
                .records
                .iter()
                .map(|r| (r.project_id.clone(), r.id.clone())),
        );
        records.extend(listing.records.into_iter().map(|r| (*s, r)));
    }

    // Runtimes: one inventory each, over the handles records name and the runtime each
    // project would start sessions in (so sessions nobody recorded are found too).
    let mut runtimes: BTreeMap<String, (Arc<dyn Runtime>, Vec<RuntimeHandle>)> = BTreeMap::new();
    let mut unavailable: BTreeMap<String, String> = BTreeMap::new();
    for s in scope {
        match s.orch.runtime_for(s.project) {
            Ok(rt) => {
                runtimes
                    .entry(rt.name().to_string())
                    .or_insert_with(|| (rt, Vec::new()));
            }
            Err(e) => {
                observation.warnings.push(format!(
                    "project {}: its runtime is not available, so sessions it would start are not looked for: {e}",
                    s.project.id
                ));
            }
        }
    }
    for (s, r) in &records {
        if let Some(h) = &r.runtime {
            if !runtimes.contains_key(&h.runtime) && !unavailable.contains_key(&h.runtime) {
                match s.orch.runtime_of(h) {
                    Ok(rt) => {
                        runtimes.insert(h.runtime.clone(), (rt, Vec::new()));
                    }
                    Err(e) => {
                        unavailable.insert(h.runtime.clone(), e.to_string());
                    }
                }
            }
            if let Some((_, known)) = runtimes.get_mut(&h.runtime) {
                known.push(h.clone());
            }
        }
    }
    for (name, why) in unavailable {
        observation.warnings.push(format!(
            "runtime `{name}` is not available, so its sessions' liveness is unknown: {why}"
        ));
    }
    // A handle's identity: runtime, name and location.
    let key = |h: &RuntimeHandle| (h.runtime.clone(), h.id.clone(), h.data.to_string());
    let mut status: HashMap<(String, String, String), RuntimeStatus> = HashMap::new();
    let mut found: Vec<RuntimeHandle> = Vec::new();
    for (rt, known) in runtimes.values() {
        for o in rt.inventory(known).await? {
            status.insert(key(&o.handle), o.status);
            found.push(o.handle);
        }
    }
    let status_of = |r: &SessionRecord| match &r.runtime {
        None => RuntimeStatus::Missing,
        Some(h) if runtimes.contains_key(&h.runtime) => status
            .get(&key(h))
            .copied()
            .unwrap_or(RuntimeStatus::Missing),
        // Its runtime is not available to this process: nothing can be said.
        Some(_) => RuntimeStatus::Unknown,
    };

    // Screens, for live sessions whose agent reads them: one call per runtime.
    let mut agents: Vec<Option<Arc<dyn Agent>>> = Vec::with_capacity(records.len());
    let mut wanted: BTreeMap<String, Vec<RuntimeHandle>> = BTreeMap::new();
    for (s, r) in &records {
        let agent = match s.orch.agent_named(&r.agent) {
            Ok(agent) => Some(agent),
            Err(e) => {
                observation
                    .warnings
                    .push(format!("session {}: its activity is not known: {e}", r.id));
                None
            }
        };
        if let (Some(a), Some(h)) = (&agent, &r.runtime)
            && a.wants_terminal()
            && status_of(r) == RuntimeStatus::Alive
        {
            wanted.entry(h.runtime.clone()).or_default().push(h.clone());
        }
        agents.push(agent);
    }
    let mut screens: HashMap<String, String> = HashMap::new();
    for (name, handles) in wanted {
        if let Some((rt, _)) = runtimes.get(&name) {
            screens.extend(rt.screens(&handles, SCREEN_LINES).await?);
        }
    }

    // Activity (of live sessions) and the model in use (of every session its agent can
    // tell), read off the async threads; sessions the filter hides are not asked about.
    let now = Timestamp::now();
    let mut work = Vec::new();
    let mut slots = Vec::with_capacity(records.len());
    for ((s, r), agent) in records.iter().zip(&agents) {
        let runtime = status_of(r);
        let view = SessionView::new(r, runtime);
        if !filter.shows(&view, r.lifecycle.session) {
            continue;
        }
        // The activity when no adapter is asked for it.
        let known = match (runtime, agent) {
            (RuntimeStatus::Exited { .. } | RuntimeStatus::Missing, _)
                if r.lifecycle.session != SessionPhase::Spawning =>
            {
                Some(Activity::at(
                    ActivityState::Exited,
                    now,
                    ActivitySource::Runtime,
                ))
            }
            (RuntimeStatus::Alive, Some(_)) => None,
            _ => Some(r.activity.clone()),
        };
        let asked = agent.as_ref().map(|agent| {
            let terminal = if known.is_none() {
                r.runtime.as_ref().and_then(|h| screens.get(&h.id).cloned())
            } else {
                None
            };
            work.push(Ask {
                agent: agent.clone(),
                probe: s.orch.activity_probe(r, runtime, terminal),
                activity: known.is_none(),
                summary: summaries,
            });
            work.len() - 1
        });
        slots.push((r, view, known, asked));
    }
    let mut answers = ask(work).await;
    for (r, mut view, known, asked) in slots {
        let answer = asked.and_then(|i| answers.get_mut(i).and_then(Option::take));
        if asked.is_some() && answer.is_none() {
            let what = if known.is_none() {
                "its activity"
            } else {
                "the model it runs"
            };
            observation
                .warnings
                .push(format!("session {}: reading {what} was interrupted", r.id));
        }
        let answer = answer.unwrap_or_default();
        view.model_in_use = answer.model_in_use;
        view.summary = answer
            .summary
            .map(|s| {
                // One line: it goes under the session's row.
                crate::adapter_kit::text::strip_controls(&s)
                    .replace(['\n', '\t'], " ")
                    .trim()
                    .to_string()
            })
            .filter(|s| !s.is_empty());
        view.activity = match (known, answer.activity) {
            (Some(activity), _) => activity,
            (None, Some(Ok(activity))) => activity,
            (None, Some(Err(e))) => {
                observation.warnings.push(format!(
                    "session {}: {} could not tell its activity: {e}",
                    r.id, r.agent
                ));
                r.activity.clone()
            }
            (None, None) => r.activity.clone(),
        };
        observation.sessions.push(view);
    }
    if filter.archived {
        for s in scope {
            let mut latest: BTreeMap<SessionId, SessionRecord> = BTreeMap::new();
            for r in s.orch.store.list_archived(&s.project.id).await? {
                latest.insert(r.id.clone(), r);
            }
            for r in latest.into_values() {
                if recorded_ids.contains(&(r.project_id.clone(), r.id.clone())) {
                    continue;
                }
                let view = SessionView::new(&r, r.lifecycle.runtime);
                if filter.shows(&view, r.lifecycle.session) {
                    observation.sessions.push(view);
                }
            }
        }
    }

    // Orphans.
    let recorded: HashSet<(ProjectId, SessionId)> = records
        .iter()
        .map(|(_, r)| (r.project_id.clone(), r.id.clone()))
        .collect();
    for (_, r) in &records {
        if r.spawn_interrupted() {
            observation.orphans.push(Orphan {
                kind: OrphanKind::InterruptedSpawn,
                project_id: Some(r.project_id.clone()),
                session: Some(r.id.clone()),
                path: r.workspace_path.clone(),
                detail: format!(
                    "the spawn of {} was cut short{}",
                    r.id,
                    r.spawned_by
                        .map(|p| format!(" (process {} is gone)", p.pid))
                        .unwrap_or_default()
                ),
                handle: r.runtime.clone(),
            });
        }
    }
    // A runtime session is accounted for by a record naming it where it runs: one of the
    // same name elsewhere (another server) is a stray too.
    let recorded_handles: HashSet<(String, String, String)> = records
        .iter()
        .filter_map(|(_, r)| r.runtime.as_ref().map(key))
        .collect();
    for handle in found {
        let owner = scope
            .iter()
            .filter(|s| s.project.names_session(&handle.id))
            .max_by_key(|s| s.project.session_prefix.len());
        let Some(owner) = owner else { continue };
        let project = owner.project.id.clone();
        let Ok(session) = SessionId::new(handle.id.as_str()) else {
            continue;
        };
        if recorded_handles.contains(&key(&handle)) {
            continue;
        }
        observation.orphans.push(Orphan {
            kind: OrphanKind::RuntimeSession,
            project_id: Some(project),
            detail: format!(
                "{} session {} runs with no record",
                handle.runtime, handle.id
            ),
            session: Some(session),
            path: None,
            handle: Some(handle),
        });
    }
    for s in scope {
        let project = s.project.id.clone();
        let dir = home.project_dir(&project).join("worktrees");
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(session) = SessionId::new(name.as_str()) else {
                continue;
            };
            if recorded.contains(&(project.clone(), session.clone())) {
                continue;
            }
            observation.orphans.push(Orphan {
                kind: OrphanKind::Worktree,
                project_id: Some(project.clone()),
                detail: format!("worktree {} has no record", entry.path().display()),
                session: Some(session),
                path: Some(entry.path()),
                handle: None,
            });
        }
    }
    for path in crate::trampoline::stale_handoffs(&home.root().join("run")) {
        observation.orphans.push(Orphan {
            kind: OrphanKind::LaunchHandoff,
            project_id: None,
            session: None,
            detail: format!(
                "launch handoff {} was never fetched (it holds nothing)",
                path.display()
            ),
            path: Some(path),
            handle: None,
        });
    }
    for path in legacy_specs(&home) {
        observation.orphans.push(Orphan {
            kind: OrphanKind::LaunchHandoff,
            project_id: None,
            session: None,
            detail: format!(
                "launch spec {} from an older ao was never read (it holds an environment)",
                path.display()
            ),
            path: Some(path),
            handle: None,
        });
    }
    if let Some(only) = &filter.project {
        observation
            .orphans
            .retain(|o| o.project_id.as_ref().is_none_or(|p| p == only));
    }
    Ok(observation)
}

/// Launch spec files an older `ao` wrote to `$AO_HOME/launch/` (0600 JSON holding a whole
/// environment) that no trampoline read within a minute.
fn legacy_specs(home: &AoHome) -> Vec<PathBuf> {
    let dir = home.root().join("launch");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".exec.json"))
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > LEGACY_SPEC_AGE)
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// Removes what `orphans` name (or, with `dry_run`, says what would go): runtime sessions
/// are stopped, worktrees removed unless they hold unsaved work, interrupted spawns finished
/// like a `kill`, stale handoffs deleted. Returns (cleaned, kept).
pub(crate) async fn clean_orphans(
    scope: &[Scope<'_>],
    orphans: &[Orphan],
    dry_run: bool,
) -> Result<(Vec<CleanupEntry>, Vec<CleanupEntry>), OrchestratorError> {
    let mut cleaned = Vec::new();
    let mut kept = Vec::new();
    let owner = |p: &Option<ProjectId>| {
        scope
            .iter()
            .find(|s| Some(&s.project.id) == p.as_ref())
            .copied()
    };
    for o in orphans {
        let entry = |reason: String| CleanupEntry {
            id: o.session.clone(),
            project_id: o.project_id.clone(),
            kind: Some(o.kind),
            path: o.path.clone(),
            reason,
        };
        match o.kind {
            OrphanKind::LaunchHandoff => {
                if let Some(path) = &o.path
                    && !dry_run
                {
                    std::fs::remove_file(path).map_err(|source| OrchestratorError::Io {
                        path: path.clone(),
                        source,
                    })?;
                }
                cleaned.push(entry(o.detail.clone()));
            }
            OrphanKind::RuntimeSession => {
                let (Some(s), Some(handle)) = (owner(&o.project_id), &o.handle) else {
                    continue;
                };
                if !dry_run {
                    s.orch.runtime_of(handle)?.stop(handle).await?;
                }
                cleaned.push(entry(o.detail.clone()));
            }
            OrphanKind::Worktree => {
                let (Some(s), Some(path), Some(session)) =
                    (owner(&o.project_id), &o.path, &o.session)
                else {
                    continue;
                };
                let branch = crate::git::current_branch(path)
                    .await
                    .map_err(|e| crate::plugin::WorkspaceError::Git {
                        operation: e.args,
                        detail: e.detail,
                    })?
                    .filter(|b| *b != s.project.default_branch)
                    .unwrap_or_default();
                let info = WorkspaceInfo {
                    project_id: s.project.id.clone(),
                    session_id: session.clone(),
                    path: path.clone(),
                    branch,
                    repo_path: s.project.path.clone(),
                    base_branch: s.project.default_branch.clone(),
                    warnings: Vec::new(),
                };
                let workspace = s.orch.workspace_for(s.project)?;
                if !workspace.exists(&info).await? {
                    kept.push(entry(format!(
                        "{}, and it is not a checkout ao can look into for unsaved work; remove it by hand once nothing in it matters",
                        o.detail
                    )));
                    continue;
                }
                let work = workspace.unsaved_work(&info).await?;
                if !work.is_empty() {
                    kept.push(entry(format!(
                        "{}, but it holds unsaved work: {} file(s), {} commit(s)",
                        o.detail,
                        work.files.len(),
                        work.commits.len()
                    )));
                    continue;
                }
                if !dry_run {
                    workspace.destroy(&info, false).await?;
                }
                cleaned.push(entry(o.detail.clone()));
            }
            OrphanKind::InterruptedSpawn => {
                let (Some(s), Some(session), Some(project)) =
                    (owner(&o.project_id), &o.session, &o.project_id)
                else {
                    continue;
                };
                match s.orch.finish_interrupted(project, session, dry_run).await? {
                    None => cleaned.push(entry(o.detail.clone())),
                    Some(work) => kept.push(entry(format!(
                        "{}; its worktree holds unsaved work ({} file(s), {} commit(s)), so it is kept: `ao session kill {session} --force` saves it under a rescue ref and removes it",
                        o.detail,
                        work.files.len(),
                        work.commits.len()
                    ))),
                }
            }
        }
    }
    Ok((cleaned, kept))
}
