//! The pure decision: from the state a session was last in and what was just observed, the
//! state it is in now and the events that says happened.
//!
//! It does no I/O and reads no clock (`now` is an argument), so every transition is a row in
//! a table test, and the daemon, a test and a benchmark all run exactly the same rules. The
//! state set is [`DisplayStatus`] — the status people already see — so there is one list of
//! states, not a second one that could drift from it.

use std::time::Duration;

use serde::Serialize;

use super::events::EventEntry;
use crate::domain::{
    ActivityState, DisplayStatus, Lifecycle, PrState, PrStatus, ProjectId, Role, RuntimeStatus,
    SessionId, SessionPhase, SessionState, Timestamp,
};

/// What one tick observed about one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// The project the session belongs to.
    pub project_id: ProjectId,
    /// The session.
    pub session_id: SessionId,
    /// Orchestrator or worker: orchestrators never enter a pull-request state.
    pub role: Role,
    /// The phase its record holds (commands set `killed`, `stopped`, `done`, `errored`).
    pub phase: SessionPhase,
    /// Whether its spawn was cut short (the creating process died).
    pub interrupted: bool,
    /// Runtime liveness, as observed now.
    pub runtime: RuntimeStatus,
    /// The agent's activity, as observed now.
    pub activity: ActivityState,
    /// When that activity began, by the evidence.
    pub activity_since: Timestamp,
    /// Its pull request's status, when it has one (last known when the forge was not asked).
    pub pr: Option<PrStatus>,
    /// The pull request's number, for the event's details.
    pub pr_number: Option<u64>,
    /// The names of the failed checks, for the event's details.
    pub failed_checks: Vec<String>,
}

/// The settings the decision depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LifecycleSettings {
    /// The `agent-stuck` reaction's `threshold`: how long without activity makes an agent
    /// stuck (`None`: never).
    pub stuck_after: Option<Duration>,
}

/// The kind of the event a state change writes.
pub const SESSION_STATE: &str = "session.state";

/// Decides the state of one session from its previous state and this tick's observation.
/// Returns the new state (to persist when it differs) and the events to log: one per change
/// of state, none when nothing changed.
pub fn decide(
    previous: &SessionState,
    obs: &Observed,
    now: Timestamp,
    settings: &LifecycleSettings,
) -> (SessionState, Vec<EventEntry>) {
    // Activity bookkeeping: a different state, or newer evidence of the same one, is activity.
    let mut next = *previous;
    if obs.activity != ActivityState::Unknown
        && (obs.activity != previous.activity || obs.activity_since > previous.activity_changed_at)
    {
        next.activity = obs.activity;
        next.activity_changed_at = if obs.activity_since > previous.activity_changed_at {
            obs.activity_since.min(now)
        } else {
            now
        };
    }
    let quiet_too_long = settings.stuck_after.is_some_and(|limit| {
        jiff::SignedDuration::try_from(limit)
            .is_ok_and(|limit| now.duration_since(next.activity_changed_at) >= limit)
    });
    let state = match obs.role {
        Role::Worker => worker_state(obs, quiet_too_long),
        Role::Orchestrator => orchestrator_state(obs, quiet_too_long),
    };
    let mut events = Vec::new();
    if state != previous.state {
        next.state = state;
        next.since = now;
        events.push(EventEntry {
            ts: now,
            project_id: obs.project_id.clone(),
            session_id: Some(obs.session_id.clone()),
            role: Some(obs.role),
            kind: SESSION_STATE.to_string(),
            from: Some(previous.state),
            to: Some(state),
            detail: detail(obs, state),
        });
    }
    (next, events)
}

/// Whether the agent's activity is one that can last too long: a worker that is ready or
/// idle with nothing pending from anyone else, or an agent that is blocked. Working and
/// asking a person are never "stuck"; `unknown` is no evidence either way.
fn quiet(activity: ActivityState, role: Role) -> bool {
    match activity {
        ActivityState::Blocked => true,
        // An idle orchestrator is waiting for its person, which is its job.
        ActivityState::Ready | ActivityState::Idle => role == Role::Worker,
        _ => false,
    }
}

fn worker_state(obs: &Observed, quiet_too_long: bool) -> DisplayStatus {
    use DisplayStatus as D;
    if obs.interrupted {
        return D::Interrupted;
    }
    // The parts the display status is derived from; the phase stays what commands set, the
    // activity's "asking a person" is what the daemon adds.
    let parts = Lifecycle {
        session: match obs.phase {
            SessionPhase::Working | SessionPhase::Idle | SessionPhase::Stuck
                if obs.activity == ActivityState::WaitingInput =>
            {
                SessionPhase::NeedsInput
            }
            SessionPhase::NeedsInput if obs.activity != ActivityState::WaitingInput => {
                SessionPhase::Working
            }
            // Stuck is decided here from the activity, not carried over from the record.
            SessionPhase::Idle | SessionPhase::Stuck => SessionPhase::Working,
            other => other,
        },
        pr: obs.pr,
        runtime: obs.runtime,
    };
    let shown = parts.display_status();
    let stuck = quiet_too_long && quiet(obs.activity, Role::Worker);
    match shown {
        // Nothing pending from anyone else: a quiet agent is the one holding things up.
        D::Working | D::PrOpen | D::Idle if stuck => D::Stuck,
        D::Idle => D::Working,
        other => other,
    }
}

fn orchestrator_state(obs: &Observed, quiet_too_long: bool) -> DisplayStatus {
    use DisplayStatus as D;
    match obs.phase {
        SessionPhase::Spawning if !obs.interrupted => return D::Spawning,
        SessionPhase::Killed | SessionPhase::Stopped | SessionPhase::Done => return D::Stopped,
        SessionPhase::Errored => return D::Exited,
        _ if obs.interrupted => return D::Exited,
        _ => {}
    }
    match obs.runtime {
        RuntimeStatus::Exited { .. } | RuntimeStatus::Missing => return D::Exited,
        RuntimeStatus::Alive | RuntimeStatus::Unknown => {}
    }
    // No pull request is ever looked at: an orchestrator owns none.
    match obs.activity {
        ActivityState::WaitingInput => D::NeedsInput,
        ActivityState::Exited => D::Exited,
        a if quiet_too_long && quiet(a, Role::Orchestrator) => D::Stuck,
        ActivityState::Ready | ActivityState::Idle => D::Idle,
        _ => D::Working,
    }
}

/// What a program reacting to the event needs: the pull request, the failed checks, the
/// exit code.
fn detail(obs: &Observed, state: DisplayStatus) -> serde_json::Value {
    let mut detail = serde_json::Map::new();
    if obs.role == Role::Worker
        && let Some(n) = obs.pr_number
    {
        detail.insert("pr".into(), n.into());
    }
    if state == DisplayStatus::CiFailed && !obs.failed_checks.is_empty() {
        detail.insert("failedChecks".into(), obs.failed_checks.clone().into());
    }
    if let RuntimeStatus::Exited { code: Some(code) } = obs.runtime {
        detail.insert("exitCode".into(), code.into());
    }
    if let Some(pr) = obs.pr.filter(|_| obs.role == Role::Worker) {
        detail.insert("ci".into(), word(&pr.ci).into());
        detail.insert("review".into(), word(&pr.review).into());
        if pr.state != PrState::Open {
            detail.insert("prState".into(), word(&pr.state).into());
        }
    }
    serde_json::Value::Object(detail)
}

/// The snake_case word of a closed enum: its serde name.
fn word<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CiStatus, ReviewStatus};
    use ActivityState as A;
    use DisplayStatus as D;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    const MIN: i64 = 60;

    fn settings() -> LifecycleSettings {
        LifecycleSettings {
            stuck_after: Some(Duration::from_secs(10 * 60)),
        }
    }

    fn pr(state: PrState, ci: CiStatus, review: ReviewStatus, conflicts: bool) -> Option<PrStatus> {
        Some(PrStatus {
            state,
            ci,
            review,
            conflicts,
        })
    }
    fn open(ci: CiStatus, review: ReviewStatus) -> Option<PrStatus> {
        pr(PrState::Open, ci, review, false)
    }

    /// One observation: a live worker, active since t(0), no PR.
    fn obs(role: Role) -> Observed {
        Observed {
            project_id: ProjectId::new("app").unwrap(),
            session_id: SessionId::new("app-1").unwrap(),
            role,
            phase: SessionPhase::Working,
            interrupted: false,
            runtime: RuntimeStatus::Alive,
            activity: A::Active,
            activity_since: t(0),
            pr: None,
            pr_number: None,
            failed_checks: Vec::new(),
        }
    }

    fn prev(state: DisplayStatus, activity: ActivityState) -> SessionState {
        SessionState {
            state,
            since: t(0),
            activity,
            activity_changed_at: t(0),
        }
    }

    type Tweak = fn(&mut Observed);

    /// (from, previous activity, observation, seconds after t(0), expected state).
    fn check(role: Role, rows: &[(DisplayStatus, ActivityState, Tweak, i64, DisplayStatus)]) {
        for (i, (from, act, tweak, at, to)) in rows.iter().enumerate() {
            let mut o = obs(role);
            tweak(&mut o);
            let before = prev(*from, *act);
            let (next, events) = decide(&before, &o, t(*at), &settings());
            assert_eq!(next.state, *to, "row {i}: {role} {from:?} + {o:?}");
            if from == to {
                assert!(
                    events.is_empty(),
                    "row {i}: no change, no event: {events:?}"
                );
                assert_eq!(next.since, before.since, "row {i}");
            } else {
                assert_eq!(events.len(), 1, "row {i}");
                let e = &events[0];
                assert_eq!(
                    (e.kind.as_str(), e.from, e.to, e.role),
                    (SESSION_STATE, Some(*from), Some(*to), Some(role)),
                    "row {i}"
                );
                assert_eq!(next.since, t(*at), "row {i}");
            }
        }
    }

    #[test]
    fn worker_transitions() {
        use CiStatus::{Failing, Passing, Pending};
        use ReviewStatus::{Approved, ChangesRequested, Pending as Waiting};
        let rows: &[(DisplayStatus, ActivityState, Tweak, i64, DisplayStatus)] = &[
            // Spawning: stays until the spawn recorded the session as working.
            (
                D::Spawning,
                A::Unknown,
                |o| o.phase = SessionPhase::Spawning,
                1,
                D::Spawning,
            ),
            (D::Spawning, A::Unknown, |_| {}, 1, D::Working),
            (
                D::Spawning,
                A::Unknown,
                |o| {
                    o.phase = SessionPhase::Spawning;
                    o.interrupted = true
                },
                1,
                D::Interrupted,
            ),
            // Working, and nothing changed.
            (D::Working, A::Active, |_| {}, 30, D::Working),
            // A PR appears and moves through CI and review.
            (
                D::Working,
                A::Active,
                |o| o.pr = open(Pending, ReviewStatus::None),
                30,
                D::PrOpen,
            ),
            (
                D::PrOpen,
                A::Active,
                |o| o.pr = open(Pending, ReviewStatus::None),
                30,
                D::PrOpen,
            ),
            (
                D::PrOpen,
                A::Active,
                |o| o.pr = open(Failing, ReviewStatus::None),
                30,
                D::CiFailed,
            ),
            (
                D::CiFailed,
                A::Active,
                |o| o.pr = open(Failing, Approved),
                30,
                D::CiFailed,
            ),
            (
                D::CiFailed,
                A::Active,
                |o| o.pr = open(Pending, ReviewStatus::None),
                30,
                D::PrOpen,
            ),
            (
                D::PrOpen,
                A::Active,
                |o| o.pr = open(Passing, Waiting),
                30,
                D::ReviewPending,
            ),
            (
                D::ReviewPending,
                A::Active,
                |o| o.pr = open(Passing, ChangesRequested),
                30,
                D::ChangesRequested,
            ),
            (
                D::ChangesRequested,
                A::Active,
                |o| o.pr = open(Pending, Approved),
                30,
                D::Approved,
            ),
            (
                D::CiFailed,
                A::Active,
                |o| o.pr = open(Passing, Approved),
                30,
                D::Mergeable,
            ),
            (
                D::Approved,
                A::Active,
                |o| o.pr = open(Passing, Approved),
                30,
                D::Mergeable,
            ),
            (
                D::Mergeable,
                A::Active,
                |o| o.pr = pr(PrState::Open, Passing, Approved, true),
                30,
                D::Approved,
            ),
            (
                D::Mergeable,
                A::Idle,
                |o| o.pr = pr(PrState::Merged, Passing, Approved, false),
                30,
                D::Merged,
            ),
            (
                D::PrOpen,
                A::Active,
                |o| o.pr = pr(PrState::Closed, Pending, ReviewStatus::None, false),
                30,
                D::PrClosed,
            ),
            // A merged PR stays merged whatever the agent does.
            (
                D::Merged,
                A::Idle,
                |o| {
                    o.pr = pr(PrState::Merged, Passing, Approved, false);
                    o.activity = A::WaitingInput
                },
                30,
                D::Merged,
            ),
            // Asking a person beats the PR's state; answering goes back to it.
            (
                D::Working,
                A::Active,
                |o| o.activity = A::WaitingInput,
                30,
                D::NeedsInput,
            ),
            (
                D::CiFailed,
                A::Active,
                |o| {
                    o.activity = A::WaitingInput;
                    o.pr = open(Failing, ReviewStatus::None)
                },
                30,
                D::NeedsInput,
            ),
            (
                D::NeedsInput,
                A::WaitingInput,
                |o| o.phase = SessionPhase::NeedsInput,
                30,
                D::Working,
            ),
            (
                D::NeedsInput,
                A::WaitingInput,
                |o| {
                    o.activity = A::WaitingInput;
                    o.activity_since = t(-20 * MIN)
                },
                30 * MIN,
                D::NeedsInput,
            ),
            // Stuck: quiet past the threshold with nothing pending from anyone else.
            (
                D::Working,
                A::Idle,
                |o| {
                    o.activity = A::Idle;
                    o.activity_since = t(0)
                },
                9 * MIN,
                D::Working,
            ),
            (
                D::Working,
                A::Idle,
                |o| {
                    o.activity = A::Idle;
                    o.activity_since = t(0)
                },
                11 * MIN,
                D::Stuck,
            ),
            (
                D::Working,
                A::Ready,
                |o| {
                    o.activity = A::Ready;
                    o.activity_since = t(0)
                },
                11 * MIN,
                D::Stuck,
            ),
            (
                D::PrOpen,
                A::Blocked,
                |o| {
                    o.activity = A::Blocked;
                    o.pr = open(Pending, ReviewStatus::None)
                },
                11 * MIN,
                D::Stuck,
            ),
            (
                D::Working,
                A::Active,
                |o| {
                    o.activity = A::Active;
                    o.activity_since = t(0)
                },
                60 * MIN,
                D::Working,
            ),
            (
                D::Working,
                A::Unknown,
                |o| {
                    o.activity = A::Unknown;
                    o.activity_since = t(0)
                },
                60 * MIN,
                D::Working,
            ),
            // Waiting for a reviewer or for CI is not the agent being stuck.
            (
                D::ReviewPending,
                A::Idle,
                |o| {
                    o.activity = A::Idle;
                    o.pr = open(Passing, Waiting)
                },
                60 * MIN,
                D::ReviewPending,
            ),
            (
                D::CiFailed,
                A::Idle,
                |o| {
                    o.activity = A::Idle;
                    o.pr = open(Failing, ReviewStatus::None)
                },
                60 * MIN,
                D::CiFailed,
            ),
            // New activity unsticks.
            (
                D::Stuck,
                A::Idle,
                |o| {
                    o.activity = A::Active;
                    o.activity_since = t(20 * MIN)
                },
                21 * MIN,
                D::Working,
            ),
            // The process ends or disappears.
            (
                D::Working,
                A::Active,
                |o| o.runtime = RuntimeStatus::Exited { code: Some(1) },
                30,
                D::Exited,
            ),
            (
                D::PrOpen,
                A::Active,
                |o| {
                    o.runtime = RuntimeStatus::Missing;
                    o.pr = open(Pending, ReviewStatus::None)
                },
                30,
                D::Gone,
            ),
            (
                D::Exited,
                A::Exited,
                |o| {
                    o.runtime = RuntimeStatus::Alive;
                    o.activity = A::Active;
                    o.activity_since = t(10)
                },
                30,
                D::Working,
            ),
            // Commands' phases win.
            (
                D::Working,
                A::Active,
                |o| o.phase = SessionPhase::Killed,
                30,
                D::Killed,
            ),
            (
                D::Mergeable,
                A::Idle,
                |o| {
                    o.phase = SessionPhase::Done;
                    o.pr = pr(PrState::Merged, Passing, Approved, false)
                },
                30,
                D::Done,
            ),
            (
                D::Working,
                A::Active,
                |o| o.phase = SessionPhase::Errored,
                30,
                D::Errored,
            ),
        ];
        check(Role::Worker, rows);
    }

    #[test]
    fn orchestrator_transitions_never_reach_a_pr_state() {
        use CiStatus::{Failing, Passing};
        use ReviewStatus::Approved;
        let rows: &[(DisplayStatus, ActivityState, Tweak, i64, DisplayStatus)] = &[
            (
                D::Spawning,
                A::Unknown,
                |o| o.phase = SessionPhase::Spawning,
                1,
                D::Spawning,
            ),
            (D::Spawning, A::Unknown, |_| {}, 1, D::Working),
            (D::Working, A::Active, |_| {}, 30, D::Working),
            // A PR observation (there should be none) changes nothing.
            (
                D::Working,
                A::Active,
                |o| o.pr = open(Failing, ReviewStatus::None),
                30,
                D::Working,
            ),
            (
                D::Working,
                A::Active,
                |o| o.pr = open(Passing, Approved),
                30,
                D::Working,
            ),
            (
                D::Idle,
                A::Idle,
                |o| {
                    o.activity = A::Idle;
                    o.pr = pr(PrState::Merged, Passing, Approved, false)
                },
                30,
                D::Idle,
            ),
            (
                D::Working,
                A::Active,
                |o| o.activity = A::Ready,
                30,
                D::Idle,
            ),
            // Idle for hours is an orchestrator waiting for its person, not stuck.
            (
                D::Idle,
                A::Idle,
                |o| o.activity = A::Idle,
                300 * MIN,
                D::Idle,
            ),
            (
                D::Working,
                A::Active,
                |o| o.activity = A::WaitingInput,
                30,
                D::NeedsInput,
            ),
            (D::NeedsInput, A::WaitingInput, |_| {}, 30, D::Working),
            (
                D::Working,
                A::Blocked,
                |o| o.activity = A::Blocked,
                11 * MIN,
                D::Stuck,
            ),
            (
                D::Working,
                A::Active,
                |o| o.runtime = RuntimeStatus::Exited { code: Some(0) },
                30,
                D::Exited,
            ),
            (
                D::Working,
                A::Active,
                |o| o.runtime = RuntimeStatus::Missing,
                30,
                D::Exited,
            ),
            (
                D::Working,
                A::Active,
                |o| o.phase = SessionPhase::Stopped,
                30,
                D::Stopped,
            ),
            (
                D::Working,
                A::Active,
                |o| o.phase = SessionPhase::Killed,
                30,
                D::Stopped,
            ),
            (
                D::Stopped,
                A::Exited,
                |o| {
                    o.phase = SessionPhase::Stopped;
                    o.runtime = RuntimeStatus::Missing
                },
                30,
                D::Stopped,
            ),
        ];
        check(Role::Orchestrator, rows);
        let allowed = [
            D::Spawning,
            D::Working,
            D::Idle,
            D::NeedsInput,
            D::Stuck,
            D::Exited,
            D::Stopped,
        ];
        for row in rows {
            assert!(allowed.contains(&row.4), "{:?}", row.4);
        }
    }

    #[test]
    fn events_carry_the_pr_number_and_failed_checks_and_activity_is_tracked() {
        let mut o = obs(Role::Worker);
        o.pr = open(CiStatus::Failing, ReviewStatus::None);
        o.pr_number = Some(42);
        o.failed_checks = vec!["lint".into(), "test".into()];
        let (next, events) = decide(&prev(D::PrOpen, A::Active), &o, t(5), &settings());
        assert_eq!(next.state, D::CiFailed);
        assert_eq!(events[0].detail["pr"], 42);
        assert_eq!(
            events[0].detail["failedChecks"],
            serde_json::json!(["lint", "test"])
        );
        assert_eq!(events[0].detail["ci"], "failing");
        // Decided again with the same observation: same state, no event.
        let (again, events) = decide(&next, &o, t(35), &settings());
        assert_eq!((again, events.len()), (next, 0));
        // New activity moves the clock stuck is measured from.
        o.activity = A::Idle;
        o.activity_since = t(100);
        let (later, _) = decide(&again, &o, t(130), &settings());
        assert_eq!(
            (later.activity, later.activity_changed_at),
            (A::Idle, t(100))
        );
        // Without a threshold nothing is ever stuck.
        let mut quiet = obs(Role::Worker);
        quiet.activity = A::Idle;
        let (s, _) = decide(
            &prev(D::Working, A::Idle),
            &quiet,
            t(99_999),
            &LifecycleSettings::default(),
        );
        assert_eq!(s.state, D::Working);
    }
}
