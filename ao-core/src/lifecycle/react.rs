//! The pure reaction planning: from a session's decided state, its pull request as the forge
//! described it, its reaction memory, the reactions as configured and `now` → what to do.
//!
//! Like [`decide`](super::decide), it does no I/O and reads no clock, so dedup, retries and
//! escalation are rows in table tests. The reference tool counted attempts in memory (lost
//! on restart), dropped `send-to-agent` without a message, and checked a timed escalation
//! only when the reaction fired again; here an **attempt is one delivery of one
//! fingerprint**, the memory lives in the session record, and a timed escalation is checked
//! on every tick.
//!
//! Planning never records a delivery: the tick calls [`delivered`] or [`deferred`] once it
//! knows what happened, so a delivery put off (a permission prompt, a person attached) is
//! planned again at the next tick rather than counted as done.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Serialize;

use super::message::{ci_details, compose, conflict_details, green_details, review_details};
use crate::config::{Escalation, ReactionAction, ResolvedReaction};
use crate::domain::{
    CiStatus, DisplayStatus, PrState, Priority, ProjectId, ReviewStatus, Role, SessionId,
    SessionState, Timestamp,
};
use crate::plugin::{MergeMethod, PrDetails, ReviewComment};
use crate::store::ReactionState;

/// How many delivered fingerprints a reaction remembers.
const SENT_KEPT: usize = 50;

/// What the planning looks at for one session.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The project the session belongs to.
    pub project_id: &'a ProjectId,
    /// The session.
    pub session_id: &'a SessionId,
    /// Orchestrators get no pull-request reactions.
    pub role: Role,
    /// The state `decide` just gave it.
    pub state: &'a SessionState,
    /// Its pull request as the forge described it this tick; `None` when the forge was not
    /// asked (pull-request reactions are then left as they were, never cleared).
    pub pr: Option<&'a PrDetails>,
}

/// One thing the tick should do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Planned {
    /// Deliver `message` to the session's agent.
    Send {
        /// The reaction key.
        key: String,
        /// What the message is about.
        fingerprint: String,
        /// The text, details fenced.
        message: String,
    },
    /// Tell a person.
    Notify {
        /// The reaction key.
        key: String,
        /// What the notification is about.
        fingerprint: String,
        /// How urgent it is.
        priority: Priority,
        /// The text, details fenced.
        text: String,
    },
    /// Merge the pull request, if its head is still `head_sha`.
    Merge {
        /// The reaction key.
        key: String,
        /// What the merge is about (the approved head).
        fingerprint: String,
        /// The pull request's number.
        number: u64,
        /// The head that was approved and green.
        head_sha: Option<String>,
        /// How to merge.
        method: MergeMethod,
    },
    /// Hand the matter to a person: the reaction did not resolve it.
    Escalate {
        /// The reaction key.
        key: String,
        /// How urgent it is.
        priority: Priority,
        /// Why, in a sentence.
        reason: String,
        /// The text, details fenced.
        text: String,
    },
}

impl Planned {
    /// The reaction key the action belongs to.
    pub fn key(&self) -> &str {
        match self {
            Self::Send { key, .. }
            | Self::Notify { key, .. }
            | Self::Merge { key, .. }
            | Self::Escalate { key, .. } => key,
        }
    }
}

/// Where a reaction's condition stands this tick.
enum Condition {
    /// Not looked at (the forge was not asked): memory kept as it is.
    Unknown,
    /// Resolved: the episode ends (its delivered fingerprints are kept).
    Clear,
    /// Between two observations of the condition (CI running again after a push): memory
    /// kept, nothing sent, no timed escalation.
    Holding,
    /// The condition holds, with this content.
    Active(Content),
}

/// The content of an active condition.
struct Content {
    fingerprint: String,
    /// Fenced-data label and the data; `None` for a state with nothing from the forge.
    data: Option<(&'static str, String)>,
    /// The review threads not delivered before (review only).
    fresh_threads: Option<usize>,
    /// The head to merge (approved-and-green only).
    merge: Option<(u64, Option<String>)>,
}

/// The reactions to run for `subject`: the actions, and the reaction memory to persist
/// (observation bookkeeping and escalations; deliveries are recorded with [`delivered`]).
pub fn react(
    subject: &Subject<'_>,
    memory: &BTreeMap<String, ReactionState>,
    reactions: &IndexMap<String, ResolvedReaction>,
    now: Timestamp,
) -> (Vec<Planned>, BTreeMap<String, ReactionState>) {
    let mut memory = memory.clone();
    let mut plan = Vec::new();
    for (key, config) in reactions {
        let condition = condition(key, subject, memory.get(key));
        match condition {
            Condition::Unknown | Condition::Holding => {}
            Condition::Clear => {
                if let Some(m) = memory.get_mut(key) {
                    let sent = std::mem::take(&mut m.sent);
                    *m = ReactionState {
                        sent,
                        ..ReactionState::default()
                    };
                    if m.sent.is_empty() {
                        memory.remove(key);
                    }
                }
            }
            Condition::Active(content) => {
                let m = memory.entry(key.clone()).or_default();
                plan.extend(active(key, config, subject, m, content, now));
            }
        }
    }
    (plan, memory)
}

/// Records that `fingerprint` of `key` was delivered at `now`: one attempt.
pub fn delivered(
    memory: &mut BTreeMap<String, ReactionState>,
    key: &str,
    fingerprint: &str,
    now: Timestamp,
) {
    let m = memory.entry(key.to_string()).or_default();
    m.attempts = m.attempts.saturating_add(1);
    m.last_attempt = Some(now);
    m.deferred = None;
    remember(m, fingerprint);
}

/// Records that delivering `fingerprint` of `key` was put off; `true` when it is the first
/// time for that fingerprint (so the deferral is logged once).
pub fn deferred(
    memory: &mut BTreeMap<String, ReactionState>,
    key: &str,
    fingerprint: &str,
) -> bool {
    let m = memory.entry(key.to_string()).or_default();
    if m.deferred.as_deref() == Some(fingerprint) {
        return false;
    }
    m.deferred = Some(fingerprint.to_string());
    true
}

fn remember(m: &mut ReactionState, fingerprint: &str) {
    if !m.sent.iter().any(|f| f == fingerprint) {
        m.sent.push(fingerprint.to_string());
    }
    if m.sent.len() > SENT_KEPT {
        let extra = m.sent.len() - SENT_KEPT;
        m.sent.drain(..extra);
    }
}

/// Plans one active reaction and updates its memory.
fn active(
    key: &str,
    config: &ResolvedReaction,
    subject: &Subject<'_>,
    m: &mut ReactionState,
    content: Content,
    now: Timestamp,
) -> Vec<Planned> {
    let mut plan = Vec::new();
    let first_seen = *m.first_seen.get_or_insert(now);
    m.fingerprint = Some(content.fingerprint.clone());
    let header = header(key, config);
    let text = match &content.data {
        Some((label, data)) => compose(&header, label, data),
        None => format!(
            "{header}\n\nsession {} is {}",
            subject.session_id,
            word(subject.state.state)
        ),
    };
    let escalation_priority = config.priority.unwrap_or(Priority::Urgent);
    // On time: checked every tick, whether or not anything new arrived.
    if let Some(Escalation::After(limit)) = config.escalate_after
        && !m.escalated
        && jiff::SignedDuration::try_from(limit)
            .is_ok_and(|limit| now.duration_since(first_seen) >= limit)
    {
        m.escalated = true;
        plan.push(Planned::Escalate {
            key: key.to_string(),
            priority: escalation_priority,
            reason: format!(
                "{key} on session {} has lasted {} without being resolved",
                subject.session_id,
                humantime(limit)
            ),
            text: text.clone(),
        });
    }
    let new_content = !m.sent.contains(&content.fingerprint);
    if !new_content {
        return plan;
    }
    if content.fresh_threads == Some(0) {
        // Threads resolved, none added: nothing new to say.
        remember(m, &content.fingerprint);
        return plan;
    }
    // On count: `retries` deliveries (or `escalateAfter: N`) did not resolve it; further
    // content goes to a person instead of the agent.
    let limit = [
        config.retries,
        match config.escalate_after {
            Some(Escalation::Attempts(n)) => Some(n),
            _ => None,
        },
    ]
    .into_iter()
    .flatten()
    .min();
    let sends = config.auto && config.action == ReactionAction::SendToAgent;
    if sends && limit.is_some_and(|l| m.attempts >= l) {
        if !m.escalated {
            m.escalated = true;
            plan.push(Planned::Escalate {
                key: key.to_string(),
                priority: escalation_priority,
                reason: format!(
                    "{key} on session {}: {} deliveries to the agent did not resolve it",
                    subject.session_id, m.attempts
                ),
                text,
            });
        }
        return plan;
    }
    let priority = config.priority.unwrap_or_else(|| default_priority(key));
    let fingerprint = content.fingerprint;
    plan.push(match (config.auto, config.action, content.merge) {
        (true, ReactionAction::SendToAgent, _) => Planned::Send {
            key: key.to_string(),
            fingerprint,
            message: text,
        },
        (true, ReactionAction::AutoMerge, Some((number, head_sha))) => Planned::Merge {
            key: key.to_string(),
            fingerprint,
            number,
            head_sha,
            method: config.merge_method,
        },
        // `auto: false` (or a merge with nothing to merge) still lets a person know.
        _ => Planned::Notify {
            key: key.to_string(),
            fingerprint,
            priority,
            text,
        },
    });
    plan
}

/// The instruction a message opens with: the configured one, else a built-in one per key.
fn header(key: &str, config: &ResolvedReaction) -> String {
    if let Some(m) = config.message.as_deref().filter(|m| !m.trim().is_empty()) {
        return m.to_string();
    }
    match key {
        "ci-failed" => "CI failed on your pull request. Read the failing checks below, fix the cause, and push.",
        "changes-requested" => "A reviewer asked for changes on your pull request. Address each comment below, then push.",
        "merge-conflicts" => "Your branch conflicts with its base branch. Rebase onto it, resolve the conflicts, and push.",
        "approved-and-green" => "A pull request is approved and green: ready to merge.",
        "agent-stuck" => "An agent has made no progress for a while.",
        "agent-needs-input" => "An agent is waiting for a person's answer.",
        "agent-exited" => "An agent's process ended.",
        "pr-closed" => "A pull request was closed without merging.",
        _ => "A session needs attention.",
    }
    .to_string()
}

/// The reference's priority inference, for reactions configured without one.
fn default_priority(key: &str) -> Priority {
    match key {
        "agent-stuck" | "agent-needs-input" | "agent-exited" => Priority::Urgent,
        "approved-and-green" | "pr-closed" => Priority::Action,
        "all-complete" => Priority::Info,
        _ => Priority::Warning,
    }
}

/// Where `key`'s condition stands for `subject`.
fn condition(key: &str, s: &Subject<'_>, m: Option<&ReactionState>) -> Condition {
    let state = s.state.state;
    let by_state = |states: &[DisplayStatus]| {
        if states.contains(&state) {
            Condition::Active(Content {
                fingerprint: format!("{key}:{}", s.state.since),
                data: None,
                fresh_threads: None,
                merge: None,
            })
        } else {
            Condition::Clear
        }
    };
    match key {
        "agent-stuck" => by_state(&[DisplayStatus::Stuck]),
        "agent-needs-input" => by_state(&[DisplayStatus::NeedsInput]),
        "agent-exited" => by_state(&[DisplayStatus::Exited, DisplayStatus::Gone]),
        _ if s.role == Role::Orchestrator => Condition::Clear,
        "pr-closed" => by_state(&[DisplayStatus::PrClosed]),
        "ci-failed" | "changes-requested" | "merge-conflicts" | "approved-and-green" => {
            match s.pr {
                None => Condition::Unknown,
                Some(pr) if pr.pr.state != PrState::Open => Condition::Clear,
                Some(pr) => pr_condition(key, pr, m),
            }
        }
        // `all-complete` is about the fleet, not a session.
        _ => Condition::Unknown,
    }
}

fn pr_condition(key: &str, pr: &PrDetails, m: Option<&ReactionState>) -> Condition {
    let sha = pr.pr.head_sha.clone().unwrap_or_default();
    match key {
        "ci-failed" => match pr.ci.state {
            CiStatus::Failing => {
                let mut names: Vec<&str> = pr.ci.failed.iter().map(|c| c.name.as_str()).collect();
                names.sort_unstable();
                names.dedup();
                Condition::Active(Content {
                    fingerprint: format!("ci:{sha}:{}", names.join(",")),
                    data: Some(("ci", ci_details(pr))),
                    fresh_threads: None,
                    merge: None,
                })
            }
            CiStatus::Passing => Condition::Clear,
            // Running again after a push: the episode (and its count) goes on.
            _ => Condition::Holding,
        },
        "changes-requested" => {
            if pr.unresolved.is_empty() && pr.review != ReviewStatus::ChangesRequested {
                return Condition::Clear;
            }
            let mut ids: Vec<&str> = pr.unresolved.iter().map(|c| c.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            if ids.is_empty() {
                return Condition::Active(Content {
                    fingerprint: format!("review:decision:{sha}"),
                    data: Some(("review", review_details(pr, &[]))),
                    fresh_threads: None,
                    merge: None,
                });
            }
            // Only threads no earlier message carried.
            let delivered: Vec<&str> = m
                .map(|m| {
                    m.sent
                        .iter()
                        .filter_map(|f| f.strip_prefix("review:threads:"))
                        .flat_map(|ids| ids.split(','))
                        .collect()
                })
                .unwrap_or_default();
            let fresh: Vec<&ReviewComment> = pr
                .unresolved
                .iter()
                .filter(|c| !delivered.contains(&c.id.as_str()))
                .collect();
            Condition::Active(Content {
                fingerprint: format!("review:threads:{}", ids.join(",")),
                data: Some(("review", review_details(pr, &fresh))),
                fresh_threads: Some(fresh.len()),
                merge: None,
            })
        }
        "merge-conflicts" => {
            if !pr.conflicts {
                return Condition::Clear;
            }
            // A new head or a moved base is a new conflict episode; a host that gives no
            // base SHA leaves the branch name standing in for it.
            let base = pr.pr.base_sha.as_deref().unwrap_or(&pr.pr.base);
            Condition::Active(Content {
                fingerprint: format!("conflicts:{sha}:{base}"),
                data: Some(("pull-request", conflict_details(pr))),
                fresh_threads: None,
                merge: None,
            })
        }
        "approved-and-green" => {
            let green = pr.review == ReviewStatus::Approved
                && pr.ci.state == CiStatus::Passing
                && pr.mergeable == Some(true)
                && !pr.conflicts;
            if !green {
                return Condition::Clear;
            }
            Condition::Active(Content {
                fingerprint: format!("green:{sha}"),
                data: Some(("pull-request", green_details(pr))),
                fresh_threads: None,
                merge: Some((pr.pr.number, pr.pr.head_sha.clone())),
            })
        }
        _ => Condition::Unknown,
    }
}

/// The snake_case word of a state.
fn word(state: DisplayStatus) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// `90s`, `30m`, `2h` — as the config writes durations.
fn humantime(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(3600) && s > 0 {
        format!("{}h", s / 3600)
    } else if s.is_multiple_of(60) && s > 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::builtin_reactions;
    use crate::plugin::{CheckFailure, CiReport, PullRequest};
    use std::time::Duration;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    /// The built-in reactions as a project without a `reactions` key gets them.
    fn builtins() -> IndexMap<String, ResolvedReaction> {
        builtin_reactions()
            .iter()
            .map(|(k, c)| {
                (
                    k.clone(),
                    ResolvedReaction {
                        auto: c.auto.unwrap_or(true),
                        action: c.action.unwrap_or(ReactionAction::Notify),
                        message: c.message.clone(),
                        priority: c.priority,
                        retries: c.retries,
                        escalate_after: c.escalate_after.clone().and_then(|e| match e {
                            crate::config::EscalateAfter::Attempts(n) => {
                                Some(Escalation::Attempts(n))
                            }
                            crate::config::EscalateAfter::Duration(d) => {
                                crate::config::parse_duration(&d).map(Escalation::After)
                            }
                        }),
                        threshold: None,
                        merge_method: c.merge_method.unwrap_or_default(),
                        sources: Vec::new(),
                    },
                )
            })
            .collect()
    }

    fn only(
        key: &str,
        edit: impl FnOnce(&mut ResolvedReaction),
    ) -> IndexMap<String, ResolvedReaction> {
        let mut all = builtins();
        let mut r = all.shift_remove(key).unwrap();
        edit(&mut r);
        IndexMap::from([(key.to_string(), r)])
    }

    fn pr(sha: &str, ci: CiStatus, failed: &[&str]) -> PrDetails {
        PrDetails {
            pr: PullRequest {
                number: 7,
                url: "https://github.com/acme/app/pull/7".into(),
                title: "t".into(),
                body: String::new(),
                branch: "session/app-1".into(),
                base: "main".into(),
                state: PrState::Open,
                head_sha: Some(sha.into()),
                base_sha: Some("base1".into()),
                fork: None,
                head_pushable: true,
            },
            mergeable: Some(true),
            merge_state: None,
            conflicts: false,
            review: ReviewStatus::None,
            ci: CiReport {
                state: ci,
                total: 2,
                passed: 0,
                pending: 0,
                failed: failed
                    .iter()
                    .map(|n| CheckFailure {
                        name: (*n).into(),
                        summary: None,
                        url: Some(format!("https://ci/{n}")),
                    })
                    .collect(),
            },
            unresolved: Vec::new(),
        }
    }

    fn thread(id: &str, body: &str) -> ReviewComment {
        ReviewComment {
            id: id.into(),
            author: "bob".into(),
            body: body.into(),
            path: Some("src/lib.rs".into()),
            line: Some(3),
            url: format!("https://github.com/acme/app/pull/7#{id}"),
        }
    }

    struct Run {
        project: ProjectId,
        session: SessionId,
        memory: BTreeMap<String, ReactionState>,
        reactions: IndexMap<String, ResolvedReaction>,
        role: Role,
    }

    impl Run {
        fn new(reactions: IndexMap<String, ResolvedReaction>) -> Self {
            Self {
                project: ProjectId::new("app").unwrap(),
                session: SessionId::new("app-1").unwrap(),
                memory: BTreeMap::new(),
                reactions,
                role: Role::Worker,
            }
        }

        /// One tick: plans, persists, and records every send/notify/merge as delivered.
        fn tick(&mut self, at: i64, state: DisplayStatus, pr: Option<&PrDetails>) -> Vec<Planned> {
            let st = SessionState {
                state,
                since: t(0),
                activity: crate::domain::ActivityState::Active,
                activity_changed_at: t(0),
            };
            let subject = Subject {
                project_id: &self.project,
                session_id: &self.session,
                role: self.role,
                state: &st,
                pr,
            };
            let (plan, memory) = react(&subject, &self.memory, &self.reactions, t(at));
            self.memory = memory;
            for p in &plan {
                match p {
                    Planned::Send {
                        key, fingerprint, ..
                    }
                    | Planned::Notify {
                        key, fingerprint, ..
                    }
                    | Planned::Merge {
                        key, fingerprint, ..
                    } => {
                        delivered(&mut self.memory, key, fingerprint, t(at));
                    }
                    Planned::Escalate { .. } => {}
                }
            }
            plan
        }
    }

    fn kinds(plan: &[Planned]) -> Vec<&'static str> {
        plan.iter()
            .map(|p| match p {
                Planned::Send { .. } => "send",
                Planned::Notify { .. } => "notify",
                Planned::Merge { .. } => "merge",
                Planned::Escalate { .. } => "escalate",
            })
            .collect()
    }

    /// The daemon's loop under tokio's paused clock, a tick every 30 s: a failure that lasts
    /// escalates at the first tick at or after `escalateAfter`, once, with nothing new
    /// arriving; pushes that keep failing are sent until `retries`, then escalated once.
    #[tokio::test(start_paused = true)]
    async fn under_a_paused_clock_escalation_comes_on_time_and_after_the_retries() {
        let poll = std::time::Duration::from_secs(30);
        let elapsed =
            |start: tokio::time::Instant| i64::try_from(start.elapsed().as_secs()).unwrap();

        let mut run = Run::new(only("ci-failed", |r| {
            r.retries = None;
            r.escalate_after = Some(Escalation::After(std::time::Duration::from_secs(600)));
        }));
        let failed = pr("sha1", CiStatus::Failing, &["test"]);
        let start = tokio::time::Instant::now();
        let mut seen = Vec::new();
        while start.elapsed() < std::time::Duration::from_secs(3600) {
            let at = elapsed(start);
            let plan = run.tick(at, DisplayStatus::CiFailed, Some(&failed));
            seen.extend(kinds(&plan).into_iter().map(|k| (at, k)));
            tokio::time::sleep(poll).await;
        }
        assert_eq!(seen, [(0, "send"), (600, "escalate")]);

        // A new failing head every 5 minutes, `retries: 2`: two sends, then one escalation.
        let mut run = Run::new(only("ci-failed", |r| {
            r.retries = Some(2);
            r.escalate_after = None;
        }));
        let start = tokio::time::Instant::now();
        let mut seen = Vec::new();
        while start.elapsed() < std::time::Duration::from_secs(3600) {
            let at = elapsed(start);
            let head = format!("sha{}", at / 300);
            let plan = run.tick(
                at,
                DisplayStatus::CiFailed,
                Some(&pr(&head, CiStatus::Failing, &["test"])),
            );
            seen.extend(kinds(&plan).into_iter().map(|k| (at, k)));
            tokio::time::sleep(poll).await;
        }
        assert_eq!(seen, [(0, "send"), (300, "send"), (600, "escalate")]);
    }

    #[test]
    fn ci_failure_is_sent_once_per_fingerprint_then_escalates_on_count() {
        use CiStatus::{Failing, Pending};
        let mut run = Run::new(only("ci-failed", |_| {}));
        let failed = pr("sha1", Failing, &["test", "lint"]);
        let plan = run.tick(0, DisplayStatus::CiFailed, Some(&failed));
        assert_eq!(kinds(&plan), ["send"]);
        let Planned::Send {
            message,
            fingerprint,
            ..
        } = &plan[0]
        else {
            unreachable!()
        };
        assert_eq!(fingerprint, "ci:sha1:lint,test");
        assert!(message.starts_with("CI failed on your pull request."));
        assert!(message.contains("- test: https://ci/test\n"), "{message}");
        assert!(message.contains("untrusted-ci"));
        // The same failure seen again, and a restart (memory survives a serde round trip).
        assert!(
            run.tick(30, DisplayStatus::CiFailed, Some(&failed))
                .is_empty()
        );
        let json = serde_json::to_string(&run.memory).unwrap();
        run.memory = serde_json::from_str(&json).unwrap();
        assert!(
            run.tick(60, DisplayStatus::CiFailed, Some(&failed))
                .is_empty()
        );
        // A push: CI runs (episode goes on), then fails on the new head: sent once more.
        assert!(
            run.tick(90, DisplayStatus::PrOpen, Some(&pr("sha2", Pending, &[])))
                .is_empty()
        );
        let again = run.tick(
            120,
            DisplayStatus::CiFailed,
            Some(&pr("sha2", Failing, &["test"])),
        );
        assert_eq!(kinds(&again), ["send"]);
        assert_eq!(run.memory["ci-failed"].attempts, 2);
        // Third distinct failure: retries (2) spent → escalated, not sent; only once.
        let third = run.tick(
            150,
            DisplayStatus::CiFailed,
            Some(&pr("sha3", Failing, &["test"])),
        );
        assert_eq!(kinds(&third), ["escalate"]);
        let Planned::Escalate {
            priority, reason, ..
        } = &third[0]
        else {
            unreachable!()
        };
        assert_eq!(*priority, Priority::Urgent);
        assert!(reason.contains("2 deliveries"), "{reason}");
        assert!(
            run.tick(
                180,
                DisplayStatus::CiFailed,
                Some(&pr("sha4", Failing, &["test"]))
            )
            .is_empty()
        );
        // Green CI ends the episode; the count starts over, old fingerprints stay sent.
        assert!(
            run.tick(
                200,
                DisplayStatus::Mergeable,
                Some(&pr("sha5", CiStatus::Passing, &[]))
            )
            .is_empty()
        );
        assert_eq!(run.memory["ci-failed"].attempts, 0);
        assert!(!run.memory["ci-failed"].escalated);
        assert!(
            run.tick(210, DisplayStatus::CiFailed, Some(&failed))
                .is_empty(),
            "sha1 was sent before"
        );
        assert_eq!(
            kinds(&run.tick(
                220,
                DisplayStatus::CiFailed,
                Some(&pr("sha6", Failing, &["x"]))
            )),
            ["send"]
        );
    }

    #[test]
    fn a_duration_escalates_on_time_without_any_new_event() {
        let mut run = Run::new(only("ci-failed", |r| {
            r.retries = None;
            r.escalate_after = Some(Escalation::After(Duration::from_secs(30 * 60)));
        }));
        let failed = pr("sha1", CiStatus::Failing, &["test"]);
        assert_eq!(
            kinds(&run.tick(0, DisplayStatus::CiFailed, Some(&failed))),
            ["send"]
        );
        assert!(
            run.tick(29 * 60, DisplayStatus::CiFailed, Some(&failed))
                .is_empty()
        );
        let plan = run.tick(30 * 60, DisplayStatus::CiFailed, Some(&failed));
        assert_eq!(kinds(&plan), ["escalate"]);
        let Planned::Escalate { reason, .. } = &plan[0] else {
            unreachable!()
        };
        assert!(reason.contains("30m"), "{reason}");
        assert!(
            run.tick(60 * 60, DisplayStatus::CiFailed, Some(&failed))
                .is_empty(),
            "once"
        );
        // Not asked this tick (a hook-triggered tick): nothing cleared, nothing planned.
        assert!(run.tick(61 * 60, DisplayStatus::CiFailed, None).is_empty());
        assert!(run.memory["ci-failed"].escalated);
    }

    #[test]
    fn review_threads_are_sent_together_and_only_new_ones_later() {
        let mut run = Run::new(only("changes-requested", |_| {}));
        let mut p = pr("sha1", CiStatus::Passing, &[]);
        p.review = ReviewStatus::ChangesRequested;
        p.unresolved = vec![thread("T1", "rename x"), thread("T2", "add a test")];
        let plan = run.tick(0, DisplayStatus::ChangesRequested, Some(&p));
        assert_eq!(kinds(&plan), ["send"]);
        let Planned::Send { message, .. } = &plan[0] else {
            unreachable!()
        };
        assert!(
            message.contains(
                "src/lib.rs:3 by bob (https://github.com/acme/app/pull/7#T1)\n    rename x"
            )
        );
        assert!(message.contains("add a test"));
        // T1 resolved: nothing new to say.
        p.unresolved = vec![thread("T2", "add a test")];
        assert!(
            run.tick(10, DisplayStatus::ChangesRequested, Some(&p))
                .is_empty()
        );
        // T3 added: only T3 is sent.
        p.unresolved.push(thread("T3", "typo"));
        let plan = run.tick(20, DisplayStatus::ChangesRequested, Some(&p));
        let Planned::Send { message, .. } = &plan[0] else {
            panic!("{plan:?}")
        };
        assert!(
            message.contains("typo") && !message.contains("add a test"),
            "{message}"
        );
        // The 30m default escalation runs from the first sight.
        assert_eq!(
            kinds(&run.tick(30 * 60, DisplayStatus::ChangesRequested, Some(&p))),
            ["escalate"]
        );
    }

    #[test]
    fn conflicts_name_the_base_and_the_rebase_command() {
        let mut run = Run::new(only("merge-conflicts", |_| {}));
        let mut p = pr("sha1", CiStatus::Passing, &[]);
        p.conflicts = true;
        let plan = run.tick(0, DisplayStatus::PrOpen, Some(&p));
        let Planned::Send {
            message,
            fingerprint,
            ..
        } = &plan[0]
        else {
            panic!("{plan:?}")
        };
        assert_eq!(fingerprint, "conflicts:sha1:base1");
        assert!(
            message.contains("base branch: main") && message.contains("git rebase origin/main")
        );
        assert!(run.tick(10, DisplayStatus::PrOpen, Some(&p)).is_empty());
        // The base moved on and the branch still conflicts: a new episode, sent again.
        p.pr.base_sha = Some("base2".into());
        let plan = run.tick(20, DisplayStatus::PrOpen, Some(&p));
        assert!(
            matches!(&plan[..], [Planned::Send { fingerprint, .. }] if fingerprint == "conflicts:sha1:base2"),
            "{plan:?}"
        );
    }

    #[test]
    fn approved_and_green_notifies_by_default_and_merges_when_asked() {
        let mut p = pr("sha1", CiStatus::Passing, &[]);
        p.review = ReviewStatus::Approved;
        let mut run = Run::new(only("approved-and-green", |_| {}));
        let plan = run.tick(0, DisplayStatus::Mergeable, Some(&p));
        assert!(
            matches!(
                &plan[..],
                [Planned::Notify {
                    priority: Priority::Action,
                    ..
                }]
            ),
            "{plan:?}"
        );
        let mut run = Run::new(only("approved-and-green", |r| {
            r.auto = true;
            r.action = ReactionAction::AutoMerge;
        }));
        let plan = run.tick(0, DisplayStatus::Mergeable, Some(&p));
        assert_eq!(
            plan,
            [Planned::Merge {
                key: "approved-and-green".into(),
                fingerprint: "green:sha1".into(),
                number: 7,
                head_sha: Some("sha1".into()),
                method: MergeMethod::Squash,
            }]
        );
        assert!(run.tick(10, DisplayStatus::Mergeable, Some(&p)).is_empty());
        // The configured method is the one used.
        let mut run = Run::new(only("approved-and-green", |r| {
            r.auto = true;
            r.action = ReactionAction::AutoMerge;
            r.merge_method = MergeMethod::Rebase;
        }));
        let plan = run.tick(0, DisplayStatus::Mergeable, Some(&p));
        assert!(
            matches!(
                &plan[..],
                [Planned::Merge {
                    method: MergeMethod::Rebase,
                    ..
                }]
            ),
            "{plan:?}"
        );
        // Not mergeable (the host still computing): nothing.
        let mut run = Run::new(only("approved-and-green", |r| {
            r.action = ReactionAction::AutoMerge
        }));
        p.mergeable = None;
        assert!(run.tick(0, DisplayStatus::Approved, Some(&p)).is_empty());
    }

    #[test]
    fn state_reactions_fire_once_per_entry_and_orchestrators_get_no_pr_reactions() {
        for (key, state) in [
            ("agent-stuck", DisplayStatus::Stuck),
            ("agent-needs-input", DisplayStatus::NeedsInput),
            ("agent-exited", DisplayStatus::Exited),
            ("pr-closed", DisplayStatus::PrClosed),
        ] {
            let mut run = Run::new(only(key, |_| {}));
            let plan = run.tick(0, state, None);
            assert_eq!(kinds(&plan), ["notify"], "{key}");
            assert!(run.tick(10, state, None).is_empty(), "{key}");
            assert!(
                run.tick(20, DisplayStatus::Working, None).is_empty(),
                "{key}"
            );
        }
        let mut run = Run::new(builtins());
        run.role = Role::Orchestrator;
        let failed = pr("sha1", CiStatus::Failing, &["test"]);
        assert_eq!(
            kinds(&run.tick(0, DisplayStatus::NeedsInput, Some(&failed))),
            ["notify"]
        );
    }

    #[test]
    fn send_without_a_message_sends_the_generated_one_and_auto_false_notifies() {
        let mut run = Run::new(only("ci-failed", |r| r.message = None));
        let plan = run.tick(
            0,
            DisplayStatus::CiFailed,
            Some(&pr("s", CiStatus::Failing, &["test"])),
        );
        let Planned::Send { message, .. } = &plan[0] else {
            panic!("{plan:?}")
        };
        assert!(message.starts_with("CI failed") && message.contains("https://ci/test"));
        let mut run = Run::new(only("ci-failed", |r| {
            r.message = Some("Please fix.".into());
            r.auto = false;
        }));
        let plan = run.tick(
            0,
            DisplayStatus::CiFailed,
            Some(&pr("s", CiStatus::Failing, &["test"])),
        );
        let Planned::Notify { text, .. } = &plan[0] else {
            panic!("{plan:?}")
        };
        assert!(text.starts_with("Please fix.\n\n") && text.contains("- test: https://ci/test"));
    }

    #[test]
    fn a_deferred_delivery_is_planned_again_and_logged_once() {
        let mut run = Run::new(only("ci-failed", |_| {}));
        let failed = pr("sha1", CiStatus::Failing, &["test"]);
        let st = SessionState {
            state: DisplayStatus::CiFailed,
            since: t(0),
            activity: crate::domain::ActivityState::WaitingInput,
            activity_changed_at: t(0),
        };
        let subject = Subject {
            project_id: &run.project,
            session_id: &run.session,
            role: Role::Worker,
            state: &st,
            pr: Some(&failed),
        };
        let (plan, mut memory) = react(&subject, &run.memory, &run.reactions, t(0));
        assert_eq!(kinds(&plan), ["send"]);
        assert!(deferred(&mut memory, "ci-failed", "ci:sha1:test"));
        let (plan, mut memory) = react(&subject, &memory, &run.reactions, t(30));
        assert_eq!(kinds(&plan), ["send"], "planned again");
        assert!(
            !deferred(&mut memory, "ci-failed", "ci:sha1:test"),
            "logged once"
        );
        assert_eq!(memory["ci-failed"].attempts, 0, "a deferral is no attempt");
        run.memory = memory;
    }
}
