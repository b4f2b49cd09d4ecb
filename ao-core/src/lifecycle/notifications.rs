//! Delivering the notifications ticks request (`notify.requested` events) to the notifiers
//! their priority routes to — off the tick, each delivery bounded by a timeout and retried a
//! bounded number of times — and recording each outcome as `notify.sent` or `notify.failed`.
//!
//! A notification is never delivered twice to the same notifier: every outcome is recorded in
//! a small ledger under `$AO_HOME/daemon/` before the next notifier is tried, so a restarted
//! daemon, which first takes up the requests of the last hour still in the event log (those a
//! stop interrupted), skips what was already done. Nothing about a delivery — its events, the
//! daemon's log lines — holds a notifier's URL or token.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use super::events::{EventEntry, EventFilter, EventLog};
use super::execute::NOTIFY_REQUESTED;
use crate::domain::{Link, Notification, Priority, Timestamp};
use crate::fleet::Fleet;
use crate::home::AoHome;
use crate::notifiers::{Attempted, DeliveryPolicy, Earlier, Env, process_env, walk};
use crate::orchestrator::Orchestrator;
use crate::plugin::Delivered;

/// Event kind: a notifier delivered a notification.
pub const NOTIFY_SENT: &str = "notify.sent";
/// Event kind: a notifier could not deliver a notification (after its retries).
pub const NOTIFY_FAILED: &str = "notify.failed";

/// How far back a starting daemon looks for requests that were not delivered.
const CATCH_UP: Duration = Duration::from_secs(60 * 60);

/// Outcomes the ledger keeps (the oldest are forgotten; they are older than [`CATCH_UP`]
/// long before that many notifications were sent).
const LEDGER_KEEP: usize = 2000;

/// The stable identity of the notification `entry` requests.
pub fn notification_key(entry: &EventEntry) -> String {
    let detail = |k: &str| {
        entry
            .detail
            .get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let ts = entry.ts.to_string();
    let session = entry
        .session_id
        .as_ref()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    crate::hash::stable_hash(&[
        ts.as_bytes(),
        b"\0",
        entry.project_id.as_str().as_bytes(),
        b"\0",
        session.as_bytes(),
        b"\0",
        detail("reaction").as_bytes(),
        b"\0",
        detail("text").as_bytes(),
    ])
}

/// The notification a `notify.requested` entry asks for, with its pull request linked when
/// the session has one; `None` for any other entry.
pub async fn notification_of(orch: &Orchestrator, entry: &EventEntry) -> Option<Notification> {
    if entry.kind != NOTIFY_REQUESTED {
        return None;
    }
    let priority: Priority = entry
        .detail
        .get("priority")
        .and_then(|p| serde_json::from_value(p.clone()).ok())
        .unwrap_or(Priority::Info);
    let text = entry
        .detail
        .get("text")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    let reaction = entry
        .detail
        .get("reaction")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("notification");
    let escalated = entry.detail.get("escalation") == Some(&json!(true));
    let title = match &entry.session_id {
        Some(s) if escalated => format!("{reaction} on {s} needs a person"),
        Some(s) => format!("{reaction} on {s}"),
        None => format!("{reaction} in project {}", entry.project_id),
    };
    let mut links = Vec::new();
    if let Some(session) = &entry.session_id
        && let Ok(record) = orch.store().get(&entry.project_id, session).await
        && let Some(pr) = record.pr
        && let Some(url) = pr.url
    {
        links.push(Link {
            label: format!("PR #{}", pr.number),
            url,
        });
    }
    Some(Notification {
        id: notification_key(entry),
        priority,
        project_id: entry.project_id.clone(),
        session_id: entry.session_id.clone(),
        timestamp: entry.ts,
        title,
        message: text.to_string(),
        links,
        event: serde_json::to_value(entry).unwrap_or_default(),
    })
}

/// What was done with each (notification, notifier), kept in memory and in a file.
#[derive(Debug)]
struct Ledger {
    path: PathBuf,
    state: Mutex<LedgerState>,
}

#[derive(Debug, Default)]
struct LedgerState {
    done: HashMap<(String, String), bool>,
    order: VecDeque<(String, String)>,
    /// Lines in the file (it is compacted when it holds twice what is kept).
    lines: usize,
    /// Notifications being delivered now (not handed out twice).
    in_flight: HashSet<String>,
    /// The file ends in a torn line (a crash mid-write): the next line starts on a new one.
    torn: bool,
}

impl LedgerState {
    fn remember(&mut self, key: String, alias: String, sent: bool) {
        let id = (key, alias);
        if self.done.insert(id.clone(), sent).is_none() {
            self.order.push_back(id);
        }
        while self.order.len() > LEDGER_KEEP {
            if let Some(old) = self.order.pop_front() {
                self.done.remove(&old);
            }
        }
    }
}

impl Ledger {
    fn load(path: PathBuf) -> Self {
        let mut state = LedgerState::default();
        if let Ok(text) = std::fs::read_to_string(&path) {
            state.torn = !text.is_empty() && !text.ends_with('\n');
            for line in text.lines() {
                // A torn last line (a crash mid-write) is skipped.
                if let Ok((key, alias, outcome)) =
                    serde_json::from_str::<(String, String, String)>(line)
                {
                    state.remember(key, alias, outcome == "sent");
                    state.lines += 1;
                }
            }
        }
        Self {
            path,
            state: Mutex::new(state),
        }
    }

    fn earlier(&self, key: &str, alias: &str) -> Earlier {
        let Ok(state) = self.state.lock() else {
            return Earlier::Untried;
        };
        match state.done.get(&(key.to_string(), alias.to_string())) {
            Some(true) => Earlier::Delivered,
            Some(false) => Earlier::Failed,
            None => Earlier::Untried,
        }
    }

    /// Takes `key` for delivery unless it is being delivered already.
    fn claim(&self, key: &str) -> bool {
        self.state
            .lock()
            .is_ok_and(|mut s| s.in_flight.insert(key.to_string()))
    }

    fn release(&self, key: &str) {
        if let Ok(mut s) = self.state.lock() {
            s.in_flight.remove(key);
        }
    }

    /// Records an outcome, in memory and on disk; `Err` says why the disk copy failed.
    fn record(&self, key: &str, alias: &str, sent: bool) -> Result<(), String> {
        let Ok(mut state) = self.state.lock() else {
            return Err("the ledger's lock is poisoned".into());
        };
        state.remember(key.to_string(), alias.to_string(), sent);
        let line = |k: &str, a: &str, s: bool| {
            serde_json::to_string(&(k, a, if s { "sent" } else { "failed" })).unwrap_or_default()
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        if state.lines >= 2 * LEDGER_KEEP {
            let mut text = String::new();
            for id in &state.order {
                let sent = state.done.get(id).copied().unwrap_or(false);
                text.push_str(&line(&id.0, &id.1, sent));
                text.push('\n');
            }
            crate::adapter_kit::fsutil::write_atomic(&self.path, text.as_bytes())
                .map_err(|e| e.to_string())?;
            state.lines = state.order.len();
            return Ok(());
        }
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| e.to_string())?;
        let mut text = if state.torn {
            "\n".to_string()
        } else {
            String::new()
        };
        text.push_str(&line(key, alias, sent));
        text.push('\n');
        file.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
        state.torn = false;
        state.lines += 1;
        Ok(())
    }
}

/// Hands requested notifications to their notifiers, off the tick.
#[derive(Clone)]
pub struct Dispatcher {
    env: Arc<Env>,
    events: EventLog,
    log: Option<EventLog>,
    policy: DeliveryPolicy,
    ledger: Arc<Ledger>,
    caught_up: Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("events", &self.events)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// A dispatcher for `home`: outcomes go to `events` (the event log), one line each to
    /// `log` (the daemon's log) when given; its ledger is `$AO_HOME/daemon/notified.ndjson`.
    pub fn new(home: &AoHome, events: EventLog, log: Option<EventLog>) -> Self {
        Self {
            env: Arc::new(process_env),
            events,
            log,
            policy: DeliveryPolicy::default(),
            ledger: Arc::new(Ledger::load(home.daemon_dir().join("notified.ndjson"))),
            caught_up: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }

    /// The same dispatcher with another delivery policy.
    #[must_use]
    pub fn with_policy(mut self, policy: DeliveryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The same dispatcher looking `${VAR}`s up in `env` instead of the process environment.
    #[must_use]
    pub fn with_env(
        mut self,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Arc::new(env);
        self
    }

    /// Starts delivering the notifications `events` request (the first call also takes up the
    /// requests of the last hour still in the event log that were not delivered) and returns
    /// at once; each notification is delivered in a task of its own (on the current Tokio
    /// runtime), whose handle is returned.
    pub fn dispatch(
        &self,
        fleet: &Fleet,
        events: &[EventEntry],
    ) -> Vec<tokio::task::JoinHandle<()>> {
        let mut requested: Vec<EventEntry> = Vec::new();
        if !self
            .caught_up
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            let since = Timestamp::now()
                .checked_sub(jiff::SignedDuration::try_from(CATCH_UP).unwrap_or_default())
                .ok();
            let filter = EventFilter {
                since,
                ..EventFilter::default()
            };
            if let Ok(old) = self.events.read(&filter) {
                requested.extend(old.into_iter().filter(|e| e.kind == NOTIFY_REQUESTED));
            }
        }
        requested.extend(
            events
                .iter()
                .filter(|e| e.kind == NOTIFY_REQUESTED)
                .cloned(),
        );
        let mut seen = HashSet::new();
        let mut tasks = Vec::new();
        for entry in requested {
            let key = notification_key(&entry);
            if !seen.insert(key.clone()) {
                continue;
            }
            let Ok(orch) = fleet.orchestrator(&entry.project_id) else {
                self.say(&format!(
                    "notify: project {} is not loaded: its notification is not sent",
                    entry.project_id
                ));
                continue;
            };
            if !self.ledger.claim(&key) {
                continue;
            }
            let orch = orch.clone();
            let this = self.clone();
            tasks.push(tokio::spawn(async move {
                this.deliver(&orch, &entry).await;
                this.ledger.release(&key);
            }));
        }
        tasks
    }

    /// Delivers one requested notification along its route, recording every outcome.
    async fn deliver(&self, orch: &Orchestrator, entry: &EventEntry) {
        let Some(n) = notification_of(orch, entry).await else {
            return;
        };
        let earlier = |alias: &str| self.ledger.earlier(&n.id, alias);
        let done = |a: &Attempted| self.record(&n, entry, a);
        walk(orch, &n, &self.policy, self.env.as_ref(), &earlier, &done).await;
    }

    fn record(&self, n: &Notification, entry: &EventEntry, a: &Attempted) {
        let whom = n.session_id.as_ref().map_or_else(
            || format!("project {}", n.project_id),
            |s| format!("session {s}"),
        );
        let reaction = entry.detail.get("reaction").cloned().unwrap_or_default();
        let (kind, detail, line) = match &a.result {
            Ok(delivered) => {
                let mut detail = json!({
                    "notifier": a.alias, "key": n.id, "priority": n.priority,
                    "reaction": reaction, "attempts": a.attempts,
                });
                let line = match delivered {
                    Delivered::Sent => {
                        format!("notify: {} delivered the notification for {whom}", a.alias)
                    }
                    Delivered::Noted(why) => {
                        detail["note"] = json!(why);
                        format!("notify: {} for {whom}: {why}: {}", a.alias, n.title)
                    }
                };
                (NOTIFY_SENT, detail, line)
            }
            Err(e) => (
                NOTIFY_FAILED,
                json!({
                    "notifier": a.alias, "key": n.id, "priority": n.priority,
                    "reaction": reaction, "attempts": a.attempts, "reason": e.to_string(),
                }),
                format!(
                    "notify: {} could not deliver the notification for {whom}: {e}",
                    a.alias
                ),
            ),
        };
        if let Err(e) = self.ledger.record(&n.id, &a.alias, a.result.is_ok()) {
            self.say(&format!(
                "warning: notify: the delivery ledger could not be written: {e}"
            ));
        }
        self.say(&line);
        let event = EventEntry {
            ts: Timestamp::now(),
            project_id: n.project_id.clone(),
            session_id: n.session_id.clone(),
            role: entry.role,
            kind: kind.to_string(),
            from: None,
            to: None,
            detail,
        };
        if let Err(e) = self.events.append(&[event]) {
            self.say(&format!(
                "warning: notify: the event log could not be written: {e}"
            ));
        }
    }

    fn say(&self, text: &str) {
        if let Some(log) = &self.log {
            let _ = log.append_line(&format!("{} {text}", Timestamp::now()));
        }
    }
}

/// Sends a test notification of `priority` for `project` through its route, as the daemon
/// would (without the ledger: a test may be repeated), and says what each notifier did.
pub async fn send_test(
    orch: &Orchestrator,
    project: &crate::domain::ProjectId,
    priority: Priority,
    policy: &DeliveryPolicy,
    env: &Env,
) -> Vec<Attempted> {
    let text = format!(
        "A test notification from `ao notify test`: the {} route of project {project} reaches this notifier.",
        priority.as_str()
    );
    let entry = EventEntry {
        ts: Timestamp::now(),
        project_id: project.clone(),
        session_id: None,
        role: None,
        kind: NOTIFY_REQUESTED.to_string(),
        from: None,
        to: None,
        detail: json!({"reaction": "test", "priority": priority, "text": text, "test": true}),
    };
    let Some(mut n) = notification_of(orch, &entry).await else {
        return Vec::new();
    };
    n.title = "ao test notification".to_string();
    walk(orch, &n, policy, env, &|_| Earlier::Untried, &|_| {}).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ProjectId;

    fn entry(text: &str) -> EventEntry {
        EventEntry {
            ts: "2026-01-02T03:04:05Z"
                .parse()
                .unwrap_or_else(|_| Timestamp::now()),
            project_id: ProjectId::new("app").unwrap_or_else(|_| unreachable!()),
            session_id: None,
            role: None,
            kind: NOTIFY_REQUESTED.into(),
            from: None,
            to: None,
            detail: json!({"reaction": "agent-stuck", "priority": "urgent", "text": text}),
        }
    }

    #[test]
    fn the_key_is_stable_and_tells_requests_apart() {
        assert_eq!(notification_key(&entry("a")), notification_key(&entry("a")));
        assert_ne!(notification_key(&entry("a")), notification_key(&entry("b")));
        let mut later = entry("a");
        later.ts = "2026-01-02T03:04:06Z"
            .parse()
            .unwrap_or_else(|_| Timestamp::now());
        assert_ne!(notification_key(&entry("a")), notification_key(&later));
    }

    #[test]
    fn the_ledger_survives_a_reload_and_stays_bounded() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = tmp.path().join("notified.ndjson");
        let ledger = Ledger::load(path.clone());
        assert!(ledger.claim("k"));
        assert!(
            !ledger.claim("k"),
            "a notification in flight is not handed out twice"
        );
        ledger.release("k");
        ledger
            .record("k", "hook", true)
            .unwrap_or_else(|e| panic!("{e}"));
        ledger
            .record("k", "team", false)
            .unwrap_or_else(|e| panic!("{e}"));
        let again = Ledger::load(path.clone());
        assert_eq!(again.earlier("k", "hook"), Earlier::Delivered);
        assert_eq!(again.earlier("k", "team"), Earlier::Failed);
        assert_eq!(again.earlier("k", "desk"), Earlier::Untried);
        // A torn last line is skipped.
        std::fs::write(
            &path,
            format!(
                "{}[\"x\", \"y",
                std::fs::read_to_string(&path).unwrap_or_default()
            ),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let again = Ledger::load(path.clone());
        assert_eq!(again.earlier("k", "hook"), Earlier::Delivered);
        again
            .record("after", "hook", true)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            Ledger::load(path.clone()).earlier("after", "hook"),
            Earlier::Delivered
        );
        for i in 0..(3 * LEDGER_KEEP) {
            again
                .record(&format!("n{i}"), "hook", true)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let lines = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .lines()
            .count();
        assert!(lines <= 2 * LEDGER_KEEP, "{lines} lines");
        let reloaded = Ledger::load(path);
        let last = format!("n{}", 3 * LEDGER_KEEP - 1);
        assert_eq!(reloaded.earlier(&last, "hook"), Earlier::Delivered);
        assert_eq!(
            reloaded.earlier("n0", "hook"),
            Earlier::Untried,
            "the oldest are forgotten"
        );
    }
}
