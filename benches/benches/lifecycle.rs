//! One daemon tick's decision CPU time: `decide` for 200 sessions (190 workers in every
//! PR state, 10 orchestrators) with prepared observations, as the daemon runs it after its
//! observation (target: under 20 ms). The observation's own cost is `status`'s benchmark.
//!
//! Run: `cargo bench -p ao-benches --bench lifecycle`.

use std::time::Duration;

use ao_core::Role;
use ao_core::domain::{
    ActivityState, CiStatus, DisplayStatus, PrState, PrStatus, ProjectId, ReviewStatus,
    RuntimeStatus, SessionId, SessionPhase, SessionState, Timestamp,
};
use ao_core::lifecycle::{LifecycleSettings, Observed, decide};

fn main() {
    divan::main();
}

/// 200 (previous state, observation) pairs covering the states a fleet is in.
fn fleet(now: Timestamp) -> Vec<(SessionState, Observed)> {
    let ci = [
        CiStatus::Pending,
        CiStatus::Failing,
        CiStatus::Passing,
        CiStatus::None,
    ];
    let review = [
        ReviewStatus::None,
        ReviewStatus::Pending,
        ReviewStatus::Approved,
        ReviewStatus::ChangesRequested,
    ];
    let activity = [
        ActivityState::Active,
        ActivityState::Ready,
        ActivityState::Idle,
        ActivityState::WaitingInput,
    ];
    let project = ProjectId::new("app").expect("valid id");
    (0..200)
        .map(|i| {
            let role = if i < 10 {
                Role::Orchestrator
            } else {
                Role::Worker
            };
            let since = Timestamp::from_second(now.as_second() - (i as i64) * 30).unwrap_or(now);
            let previous = SessionState {
                state: DisplayStatus::Working,
                since,
                activity: ActivityState::Active,
                activity_changed_at: since,
            };
            let obs = Observed {
                project_id: project.clone(),
                session_id: SessionId::new(format!("app-{i}")).expect("valid id"),
                role,
                phase: SessionPhase::Working,
                interrupted: false,
                runtime: RuntimeStatus::Alive,
                activity: activity[i % 4],
                activity_since: since,
                pr: (role == Role::Worker && i % 3 != 0).then(|| PrStatus {
                    state: PrState::Open,
                    ci: ci[i % 4],
                    review: review[(i / 4) % 4],
                    conflicts: i % 7 == 0,
                }),
                pr_number: Some(i as u64),
                failed_checks: vec!["lint".into(), "test".into()],
            };
            (previous, obs)
        })
        .collect()
}

#[divan::bench]
fn decide_200_sessions(bencher: divan::Bencher<'_, '_>) {
    let now = Timestamp::now();
    let sessions = fleet(now);
    let settings = LifecycleSettings {
        stuck_after: Some(Duration::from_secs(600)),
    };
    bencher.bench_local(|| {
        let mut events = 0;
        for (previous, obs) in &sessions {
            let (next, logged) = decide(previous, obs, now, &settings);
            events += logged.len();
            divan::black_box(next);
        }
        events
    });
}
