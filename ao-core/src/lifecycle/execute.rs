//! Carrying out the planned reactions of one session, after its state was decided and
//! persisted: deliveries through the normal `send` path, merges through the SCM, and one
//! event per reaction in the log.
//!
//! A delivery never waits long: the tick serves every session, so a busy agent, an open
//! permission prompt or a person attached to the terminal puts the delivery off to the next
//! tick (logged once) instead of holding the tick or typing over someone.

use std::time::Duration;

use serde_json::json;

use super::events::EventEntry;
use super::react::{Planned, Subject, deferred, delivered, react};
use crate::domain::{DisplayStatus, SessionState, Timestamp};
use crate::orchestrator::{Orchestrator, OrchestratorError, SessionView};
use crate::plugin::ScmError;

/// Event kind: a reaction's message reached the agent.
pub const REACTION_SENT: &str = "reaction.sent";
/// Event kind: a delivery was put off to a later tick.
pub const REACTION_DEFERRED: &str = "reaction.deferred";
/// Event kind: a reaction was handed to a person.
pub const REACTION_ESCALATED: &str = "reaction.escalated";
/// Event kind: a reaction's action was refused (e.g. a merge whose head moved).
pub const REACTION_FAILED: &str = "reaction.failed";
/// Event kind: `auto-merge` merged the pull request.
pub const PR_MERGED: &str = "pr.merged";
/// Event kind: a person should be told (delivered by the notifiers of a later step).
pub const NOTIFY_REQUESTED: &str = "notify.requested";

/// How long one delivery may wait for a busy agent before it is put off.
const SEND_WAIT: Duration = Duration::from_secs(5);

/// What running one session's reactions produced.
#[derive(Debug, Default)]
pub(super) struct Executed {
    /// The events to log.
    pub events: Vec<EventEntry>,
    /// What could not be done or recorded.
    pub warnings: Vec<String>,
}

/// Plans and runs `view`'s reactions given its new `state`, and persists its reaction memory.
pub(super) async fn run_reactions(
    orch: &Orchestrator,
    view: &SessionView,
    state: &SessionState,
    now: Timestamp,
) -> Executed {
    let mut out = Executed::default();
    // A session a person ended is left alone.
    if matches!(
        state.state,
        DisplayStatus::Killed | DisplayStatus::Done | DisplayStatus::Stopped
    ) {
        return out;
    }
    let reactions = match orch.config().reactions(view.project_id.as_str()) {
        Ok(r) => r,
        Err(e) => {
            out.warnings
                .push(format!("project {}: reactions: {e}", view.project_id));
            return out;
        }
    };
    let subject = Subject {
        project_id: &view.project_id,
        session_id: &view.id,
        role: view.role,
        state,
        pr: view.pr_details.as_ref(),
    };
    let (plan, mut memory) = react(&subject, &view.reactions, &reactions, now);
    let event = |kind: &str, detail: serde_json::Value| EventEntry::about(view, now, kind, detail);
    for planned in plan {
        match planned {
            Planned::Send {
                key,
                fingerprint,
                message,
            } => match deliver(orch, view, &message).await {
                Ok(()) => {
                    delivered(&mut memory, &key, &fingerprint, now);
                    out.events.push(event(
                        REACTION_SENT,
                        json!({"reaction": key, "fingerprint": fingerprint, "message": message}),
                    ));
                }
                Err(why) => {
                    if deferred(&mut memory, &key, &fingerprint) {
                        out.events.push(event(
                            REACTION_DEFERRED,
                            json!({"reaction": key, "fingerprint": fingerprint, "reason": why}),
                        ));
                    }
                }
            },
            Planned::Notify {
                key,
                fingerprint,
                priority,
                text,
            } => {
                delivered(&mut memory, &key, &fingerprint, now);
                out.events.push(event(
                    NOTIFY_REQUESTED,
                    json!({"reaction": key, "priority": priority, "text": text}),
                ));
            }
            Planned::Merge {
                key,
                fingerprint,
                number,
                head_sha,
                method,
            } => match orch
                .merge_pr(&view.project_id, number, head_sha.as_deref(), method)
                .await
            {
                Ok(()) => {
                    delivered(&mut memory, &key, &fingerprint, now);
                    out.events.push(event(
                        PR_MERGED,
                        json!({"reaction": key, "pr": number, "method": method, "headSha": head_sha}),
                    ));
                }
                // Refused for this head: a new head is a new fingerprint, tried again then.
                Err(OrchestratorError::Scm(e @ ScmError::Refused { .. })) => {
                    delivered(&mut memory, &key, &fingerprint, now);
                    out.events.push(event(
                        REACTION_FAILED,
                        json!({"reaction": key, "pr": number, "error": e.to_string()}),
                    ));
                }
                // Unreachable host and the like: tried again at the next tick.
                Err(e) => out
                    .warnings
                    .push(format!("session {}: merging #{number}: {e}", view.id)),
            },
            Planned::Escalate {
                key,
                priority,
                reason,
                text,
            } => {
                out.events.push(event(
                    REACTION_ESCALATED,
                    json!({"reaction": key, "priority": priority, "reason": reason}),
                ));
                out.events.push(event(
                    NOTIFY_REQUESTED,
                    json!({"reaction": key, "priority": priority, "escalation": true, "text": format!("{reason}\n\n{text}")}),
                ));
            }
        }
    }
    if memory != view.reactions {
        let persisted = orch
            .store()
            .update(
                &view.project_id,
                &view.id,
                Box::new(move |r| r.reactions = memory),
            )
            .await;
        if let Err(e) = persisted {
            // What happened is still logged; it may happen once more at the next tick.
            out.warnings.push(format!(
                "session {}: its reaction memory could not be recorded: {e}",
                view.id
            ));
        }
    }
    out
}

/// Delivers `message` unless that would type over a prompt or a person; `Err` says why it was
/// put off.
pub(super) async fn deliver(
    orch: &Orchestrator,
    view: &SessionView,
    message: &str,
) -> Result<(), String> {
    orch.send_unattended(&view.project_id, &view.id, message, SEND_WAIT)
        .await
        .map_err(|e| e.to_string())
}
