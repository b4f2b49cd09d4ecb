//! One tick: observe every session of every project once, decide each one's state, persist
//! what changed, run the reactions, log the transitions and reactions.
//!
//! The state is persisted before its events are logged: a daemon killed in between loses an
//! event line rather than writing it twice after its restart, and a restarted daemon goes on
//! from the persisted states without announcing old transitions again.

use std::collections::BTreeMap;

use super::LifecycleError;
use super::cleanup::{all_complete, cleanup_merged};
use super::decide::{LifecycleSettings, Observed, decide};
use super::events::{EventEntry, EventLog};
use super::execute::run_reactions;
use crate::domain::{DisplayStatus, ProjectId, Role, SessionState, Timestamp};
use crate::fleet::Fleet;
use crate::orchestrator::{Orphan, RemoteMeta, SessionFilter, SessionView};

/// What one tick did.
#[derive(Debug, Default)]
pub struct TickReport {
    /// When it decided.
    pub at: Option<Timestamp>,
    /// The projects it covered.
    pub projects: Vec<ProjectId>,
    /// How many sessions it looked at.
    pub sessions: usize,
    /// The transitions it logged.
    pub events: Vec<EventEntry>,
    /// What crashes left behind (reported, never removed by a tick).
    pub orphans: Vec<Orphan>,
    /// What could not be looked at or recorded.
    pub warnings: Vec<String>,
    /// What the forge said, when it was asked.
    pub remote: Option<RemoteMeta>,
}

/// The decision's settings of each project: its `agent-stuck` threshold.
pub fn settings_of(fleet: &Fleet) -> BTreeMap<ProjectId, LifecycleSettings> {
    let mut out = BTreeMap::new();
    for project in fleet.projects() {
        let stuck_after = fleet.orchestrator(&project.id).ok().and_then(|orch| {
            orch.config()
                .reactions(project.id.as_str())
                .ok()
                .and_then(|r| r.get("agent-stuck").and_then(|r| r.threshold))
        });
        out.insert(project.id.clone(), LifecycleSettings { stuck_after });
    }
    out
}

/// What the decision needs from one observed session.
pub fn observed(view: &SessionView) -> Observed {
    Observed {
        project_id: view.project_id.clone(),
        session_id: view.id.clone(),
        role: view.role,
        phase: view.lifecycle.session,
        interrupted: view.status == DisplayStatus::Interrupted,
        runtime: view.runtime,
        activity: view.activity.state,
        activity_since: view.activity.since,
        pr: view.lifecycle.pr,
        pr_number: view.pr.as_ref().map(|p| p.number),
        failed_checks: view
            .ci
            .as_ref()
            .map(|c| c.failed.iter().map(|f| f.name.clone()).collect())
            .unwrap_or_default(),
    }
}

/// Runs one tick over `fleet`: with `remote`, the forge is asked too (one batch per
/// repository); without, the pull requests' last known status is used (a tick triggered by
/// an agent's hook event spends no rate budget).
pub async fn tick(
    fleet: &Fleet,
    log: &EventLog,
    remote: bool,
) -> Result<TickReport, LifecycleError> {
    let filter = SessionFilter::all();
    let seen = if remote {
        fleet.status(&filter).await?
    } else {
        fleet.observe(&filter).await?
    };
    let now = Timestamp::now();
    let settings = settings_of(fleet);
    let mut report = TickReport {
        at: Some(now),
        projects: fleet.projects().map(|p| p.id.clone()).collect(),
        sessions: seen.sessions.len(),
        orphans: seen.orphans,
        warnings: seen.warnings,
        remote: seen.remote,
        ..TickReport::default()
    };
    let mut decided: Vec<(&SessionView, DisplayStatus)> = Vec::new();
    for view in &seen.sessions {
        let previous = view
            .lifecycle_state
            .unwrap_or_else(|| SessionState::initial(view.created_at));
        let project_settings = settings.get(&view.project_id).copied().unwrap_or_default();
        let (next, events) = decide(&previous, &observed(view), now, &project_settings);
        let Ok(orch) = fleet.orchestrator(&view.project_id) else {
            continue;
        };
        if next != previous || view.lifecycle_state.is_none() {
            let persisted = orch
                .store()
                .update(
                    &view.project_id,
                    &view.id,
                    Box::new(move |r| r.lifecycle_state = Some(next)),
                )
                .await;
            match persisted {
                Ok(_) => report.events.extend(events),
                Err(e) => report.warnings.push(format!(
                    "session {}: its lifecycle state could not be recorded: {e}",
                    view.id
                )),
            }
        }
        // Reactions follow the persisted state: a restart never reacts to a state it did not
        // record.
        let done = run_reactions(orch, view, &next, now).await;
        report.events.extend(done.events);
        report.warnings.extend(done.warnings);
        let done = cleanup_merged(orch, view, &next, now).await;
        report.events.extend(done.events);
        report.warnings.extend(done.warnings);
        decided.push((view, next.state));
    }
    // Project-wide: `all-complete` once a project's last live worker finished.
    for project in fleet.projects() {
        let Ok(orch) = fleet.orchestrator(&project.id) else {
            continue;
        };
        let in_project = decided.iter().filter(|(v, _)| v.project_id == project.id);
        let workers: Vec<(&SessionView, DisplayStatus)> = in_project
            .clone()
            .filter(|(v, _)| v.role == Role::Worker)
            .map(|(v, s)| (*v, *s))
            .collect();
        let orchestrator = in_project
            .filter(|(v, s)| v.role == Role::Orchestrator && *s != DisplayStatus::Stopped)
            .map(|(v, _)| *v)
            .next();
        let done = all_complete(fleet.home(), orch, &project.id, &workers, orchestrator, now).await;
        report.events.extend(done.events);
        report.warnings.extend(done.warnings);
    }
    log.append(&report.events)?;
    Ok(report)
}
