//! What follows the work of a session or a project being finished: a merged worker cleaned
//! up (`lifecycle.autoCleanupOnMerge`), and the project's `all-complete` reaction once its
//! last live worker finished.
//!
//! Cleanup goes through the normal kill, in its safe mode: a worktree holding unsaved work is
//! never removed; it is reported once (an event and a notification) and looked at again at
//! every tick, so saving the work lets the cleanup go ahead.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::events::EventEntry;
use super::execute::{Executed, NOTIFY_REQUESTED};
use super::message::compose;
use crate::config::ReactionAction;
use crate::domain::{
    ActivityState, DisplayStatus, Priority, ProjectId, Role, SessionState, Timestamp,
};
use crate::home::AoHome;
use crate::orchestrator::{KillMode, Orchestrator, OrchestratorError, SessionView};
use crate::plugin::UnsavedWork;

/// Event kind: a merged worker's agent was stopped and its worktree removed.
pub const SESSION_CLEANED: &str = "session.cleaned";
/// Event kind: a merged worker was kept because its worktree holds unsaved work.
pub const CLEANUP_KEPT: &str = "cleanup.kept";
/// Event kind: every worker of a project has finished.
pub const ALL_COMPLETE: &str = "all-complete";

/// The reaction-memory key under which a kept cleanup is remembered (so it is reported once
/// per distinct unsaved work).
const KEPT_MEMORY: &str = "cleanup-on-merge";

/// Whether a merged session is due for cleanup at `now`: at once when its agent is not in
/// the middle of something, else once `grace` has passed since the merge was seen.
pub fn cleanup_due(
    activity: ActivityState,
    merged_since: Timestamp,
    now: Timestamp,
    grace: Duration,
) -> bool {
    let busy = matches!(
        activity,
        ActivityState::Active | ActivityState::WaitingInput | ActivityState::Blocked
    );
    !busy
        || jiff::SignedDuration::try_from(grace)
            .is_ok_and(|grace| now.duration_since(merged_since) >= grace)
}

/// Cleans up `view` when its pull request was merged and the project's lifecycle asks for it.
pub(super) async fn cleanup_merged(
    orch: &Orchestrator,
    view: &SessionView,
    state: &SessionState,
    now: Timestamp,
) -> Executed {
    let mut out = Executed::default();
    let lifecycle = &orch.config().file.lifecycle;
    if view.role != Role::Worker
        || state.state != DisplayStatus::Merged
        || !lifecycle.auto_cleanup_on_merge
        || !cleanup_due(
            view.activity.state,
            state.since,
            now,
            Duration::from_millis(lifecycle.merge_cleanup_idle_grace_ms),
        )
    {
        return out;
    }
    let event = |kind: &str, detail: serde_json::Value| EventEntry::about(view, now, kind, detail);
    let pr = view.pr.as_ref().map(|p| p.number);
    match orch.kill(&view.project_id, &view.id, KillMode::Safe).await {
        Ok(done) => out.events.push(event(
            SESSION_CLEANED,
            json!({"reason": "merged", "pr": pr, "workspaceRemoved": done.workspace.is_some()}),
        )),
        Err(OrchestratorError::UnsavedWork { path, work, .. }) => {
            let fingerprint = fingerprint_of(&work);
            let told = view
                .reactions
                .get(KEPT_MEMORY)
                .is_some_and(|m| m.sent.contains(&fingerprint));
            if told {
                return out;
            }
            let text = kept_text(view, pr, &path, &work);
            out.events.push(event(
                CLEANUP_KEPT,
                json!({
                    "reason": "unsaved work",
                    "pr": pr,
                    "path": path,
                    "files": work.files,
                    "commits": work.commits,
                }),
            ));
            out.events.push(event(
                NOTIFY_REQUESTED,
                json!({"reaction": KEPT_MEMORY, "priority": Priority::Action, "text": text}),
            ));
            let recorded = orch
                .store()
                .update(
                    &view.project_id,
                    &view.id,
                    Box::new(move |r| {
                        let m = r.reactions.entry(KEPT_MEMORY.to_string()).or_default();
                        m.fingerprint = Some(fingerprint.clone());
                        m.first_seen.get_or_insert(now);
                        m.last_attempt = Some(now);
                        m.attempts = m.attempts.saturating_add(1);
                        m.sent.push(fingerprint);
                    }),
                )
                .await;
            if let Err(e) = recorded {
                out.warnings.push(format!(
                    "session {}: that its unsaved work was reported could not be recorded: {e}",
                    view.id
                ));
            }
        }
        Err(e) => out.warnings.push(format!(
            "session {}: cleaning up after the merge: {e}",
            view.id
        )),
    }
    out
}

/// What unsaved work is, as a fingerprint: the same work is reported once.
fn fingerprint_of(work: &UnsavedWork) -> String {
    let mut parts: Vec<&str> = work
        .files
        .iter()
        .chain(work.commits.iter())
        .map(String::as_str)
        .collect();
    parts.sort_unstable();
    format!(
        "kept:{}",
        crate::hash::stable_hash(&[parts.join("\n").as_bytes()])
    )
}

/// The notification for a merged worker kept because of its unsaved work.
fn kept_text(
    view: &SessionView,
    pr: Option<u64>,
    path: &std::path::Path,
    work: &UnsavedWork,
) -> String {
    let merged = pr.map_or_else(
        || "Its pull request".to_string(),
        |n| format!("Pull request #{n}"),
    );
    let header = format!(
        "{merged} of session {} was merged, but its worktree {} holds unsaved work, so it was kept; {}.",
        view.id,
        path.display(),
        crate::orchestrator::unsaved_work_ways_on(&view.id),
    );
    let mut data = String::new();
    for f in &work.files {
        data.push_str(&format!("unsaved file: {f}\n"));
    }
    for c in &work.commits {
        data.push_str(&format!("unpushed commit: {c}\n"));
    }
    compose(&header, "worktree", &data)
}

/// What a project's `all-complete` reaction remembers between ticks (and daemon restarts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompletionMemory {
    /// Whether the project had a live worker at the last tick.
    busy: bool,
}

/// Whether a worker in `state` still has work ahead of it.
fn live(state: DisplayStatus) -> bool {
    !matches!(
        state,
        DisplayStatus::Merged
            | DisplayStatus::Done
            | DisplayStatus::Killed
            | DisplayStatus::Errored
            | DisplayStatus::PrClosed
    )
}

/// Runs `project`'s `all-complete` reaction once when its last live worker finished: the
/// project had a live worker at the previous tick and has none now. `workers` are the
/// project's workers with their decided states.
pub(super) async fn all_complete(
    home: &AoHome,
    orch: &Orchestrator,
    project: &ProjectId,
    workers: &[(&SessionView, DisplayStatus)],
    orchestrator: Option<&SessionView>,
    now: Timestamp,
) -> Executed {
    let mut out = Executed::default();
    let file = home.project_dir(project).join("all-complete.json");
    let before: CompletionMemory = std::fs::read(&file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let busy = workers.iter().any(|(_, s)| live(*s));
    if busy == before.busy {
        return out;
    }
    // Recorded first: a daemon killed right after loses the notification rather than sending
    // it twice.
    let recorded = serde_json::to_vec(&CompletionMemory { busy })
        .map_err(std::io::Error::other)
        .and_then(|bytes| crate::adapter_kit::fsutil::write_atomic(&file, &bytes));
    if let Err(e) = recorded {
        out.warnings
            .push(format!("project {project}: {}: {e}", file.display()));
        return out;
    }
    if busy {
        return out;
    }
    let reaction = match orch.config().reactions(project.as_str()) {
        Ok(r) => r.get("all-complete").cloned(),
        Err(e) => {
            out.warnings
                .push(format!("project {project}: reactions: {e}"));
            return out;
        }
    };
    let Some(reaction) = reaction else {
        return out;
    };
    let header = reaction
        .message
        .clone()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| format!("Every worker of project {project} has finished."));
    let mut data = String::new();
    for (view, state) in workers {
        let state = serde_json::to_value(state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        data.push_str(&format!("{}: {state}", view.id));
        if let Some(pr) = &view.pr {
            data.push_str(&format!(" (#{}", pr.number));
            if let Some(url) = &pr.url {
                data.push_str(&format!(" {url}"));
            }
            data.push(')');
        }
        data.push('\n');
    }
    let text = if data.is_empty() {
        header
    } else {
        compose(&header, "sessions", &data)
    };
    let event = |kind: &str, session: Option<&SessionView>, detail: serde_json::Value| EventEntry {
        ts: now,
        project_id: project.clone(),
        session_id: session.map(|s| s.id.clone()),
        role: session.map(|s| s.role),
        kind: kind.to_string(),
        from: None,
        to: None,
        detail,
    };
    out.events
        .push(event(ALL_COMPLETE, None, json!({"workers": workers.len()})));
    if !reaction.auto {
        return out;
    }
    let priority = reaction.priority.unwrap_or(Priority::Info);
    // `send-to-agent` on a project-wide reaction means the project's orchestrator.
    if reaction.action == ReactionAction::SendToAgent
        && let Some(o) = orchestrator
    {
        match super::execute::deliver(orch, o, &text).await {
            Ok(()) => {
                out.events.push(event(
                    super::execute::REACTION_SENT,
                    Some(o),
                    json!({"reaction": "all-complete", "message": text}),
                ));
                return out;
            }
            Err(e) => out.warnings.push(format!(
                "project {project}: all-complete could not reach orchestrator {}: {e}",
                o.id
            )),
        }
    }
    out.events.push(event(
        NOTIFY_REQUESTED,
        None,
        json!({"reaction": "all-complete", "priority": priority, "text": text}),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    #[test]
    fn an_idle_agent_is_cleaned_at_once_a_busy_one_after_the_grace() {
        let grace = Duration::from_secs(300);
        for idle in [
            ActivityState::Idle,
            ActivityState::Ready,
            ActivityState::Exited,
            ActivityState::Unknown,
        ] {
            assert!(cleanup_due(idle, t(0), t(0), grace), "{idle:?}");
        }
        for busy in [
            ActivityState::Active,
            ActivityState::WaitingInput,
            ActivityState::Blocked,
        ] {
            assert!(!cleanup_due(busy, t(0), t(299), grace), "{busy:?}");
            assert!(cleanup_due(busy, t(0), t(300), grace), "{busy:?}");
        }
        // No grace window: at once.
        assert!(cleanup_due(
            ActivityState::Active,
            t(0),
            t(0),
            Duration::ZERO
        ));
    }

    #[test]
    fn the_same_unsaved_work_has_one_fingerprint_whatever_its_order() {
        let a = UnsavedWork {
            files: vec!["b.txt".into(), "a.txt".into()],
            commits: vec![],
        };
        let b = UnsavedWork {
            files: vec!["a.txt".into(), "b.txt".into()],
            commits: vec![],
        };
        assert_eq!(fingerprint_of(&a), fingerprint_of(&b));
        let c = UnsavedWork {
            files: vec!["a.txt".into()],
            commits: vec!["abc fix".into()],
        };
        assert_ne!(fingerprint_of(&a), fingerprint_of(&c));
    }

    #[test]
    fn only_unfinished_workers_are_live() {
        assert!(live(DisplayStatus::Working));
        assert!(live(DisplayStatus::CiFailed));
        assert!(live(DisplayStatus::Stuck));
        assert!(!live(DisplayStatus::Merged));
        assert!(!live(DisplayStatus::Killed));
        assert!(!live(DisplayStatus::Done));
    }
}
