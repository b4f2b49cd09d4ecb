//! A stateful fake of Linear's GraphQL API on loopback, for tests.
//!
//! [`FakeLinear::start`] binds `127.0.0.1:<random port>` and serves `POST /graphql` from its own
//! thread and tokio runtime, so the same handle works in a plain `#[test]`, in a
//! `#[tokio::test]`, and for a child process pointed at it with `LINEAR_API_URL` (see
//! [`FakeLinear::env`]); it stops when dropped. The test owns the workspace through the handle —
//! teams with Linear's default workflow states, issues, labels, users, comments — and reads back
//! what clients changed and every request they made.
//!
//! Fidelity: documents are executed by the fake's GraphQL executor against the types, fields
//! and arguments of Linear's published schema that the fake models (see the `schema` module);
//! anything else fails the document, as Linear's validation would. A missing entity answers
//! Linear's `Entity not found: <Type>` error (`extensions.code` `INPUT_ERROR`) with HTTP 400;
//! a spent budget answers a `RATELIMITED` error with HTTP 400 and Linear's
//! `X-RateLimit-Requests-*` headers (resets in epoch milliseconds), which every answer carries.
//! Requests without `Authorization` are refused with Linear's authentication error.
//!
//! ```no_run
//! use ao_trackers::fake::linear::{FakeLinear, Issue, StateType};
//!
//! let linear = FakeLinear::start();
//! linear.add_team("INT", "Integrations");
//! let id = linear.add_issue("INT", Issue::new("Login fails"));
//! assert_eq!(id, "INT-1");
//! // Run a client with LINEAR_API_URL=linear.url() and LINEAR_API_KEY=lin_api_…, then:
//! assert_eq!(linear.issue("INT-1").map(|i| i.state_type), Some(StateType::Unstarted));
//! ```

mod schema;
mod server;
mod state;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::oneshot;

pub use crate::fake::control::RecordedRequest;
use crate::fake::control::token_fingerprint;
use server::{Control, Shared};
use state::{IssueData, World, now, slug};

/// The requests a key may make per hour, unless a test sets another limit.
pub const DEFAULT_LIMIT: u32 = 5000;

/// The type of a workflow state, which decides what it means (Linear's `WorkflowState.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateType {
    /// Not yet accepted into the team's work.
    Triage,
    /// Accepted, not planned.
    Backlog,
    /// Planned, not started (`Todo`).
    Unstarted,
    /// Being worked on.
    Started,
    /// Done.
    Completed,
    /// Dropped.
    Canceled,
}

impl StateType {
    /// The type as Linear spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Triage => "triage",
            Self::Backlog => "backlog",
            Self::Unstarted => "unstarted",
            Self::Started => "started",
            Self::Completed => "completed",
            Self::Canceled => "canceled",
        }
    }
}

/// An issue to add ([`FakeLinear::add_issue`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The title.
    pub title: String,
    /// The description (markdown).
    pub description: Option<String>,
    /// The type of the team's workflow state it starts in (the first state of that type).
    pub state: StateType,
    /// Label names (team labels created on demand).
    pub labels: Vec<String>,
    /// The assignee's display name (a user created on demand).
    pub assignee: Option<String>,
    /// Linear's suggested branch name; `None`: derived as Linear does
    /// (`<assignee>/<key>-<n>-<title slug>`, without the assignee when unassigned).
    pub branch_name: Option<String>,
}

impl Issue {
    /// An unassigned issue in the team's first unstarted state (`Todo`).
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            description: None,
            state: StateType::Unstarted,
            labels: Vec::new(),
            assignee: None,
            branch_name: None,
        }
    }
}

/// A comment, as the fake holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The comment's id.
    pub id: String,
    /// Its markdown.
    pub body: String,
    /// The author's display name.
    pub author: String,
}

/// An issue, as the fake holds it ([`FakeLinear::issue`]).
#[derive(Debug, Clone, PartialEq)]
pub struct IssueView {
    /// The UUID.
    pub id: String,
    /// `<team key>-<number>`.
    pub identifier: String,
    /// The title.
    pub title: String,
    /// The description.
    pub description: Option<String>,
    /// The name of its workflow state.
    pub state_name: String,
    /// The type of its workflow state.
    pub state_type: StateType,
    /// Label names.
    pub labels: Vec<String>,
    /// The assignee's display name.
    pub assignee: Option<String>,
    /// Linear's suggested branch name.
    pub branch_name: String,
    /// The web page.
    pub url: String,
    /// Its comments, oldest first.
    pub comments: Vec<Comment>,
}

/// A fault the fake answers with instead of serving a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Linear's `RATELIMITED` error with this HTTP status (Linear uses 400; some proxies have
    /// passed it on as 200), and `X-RateLimit-Requests-Remaining: 0` with a reset `reset_in`
    /// from now (the budget itself is left alone).
    RateLimited {
        /// The HTTP status.
        status: u16,
        /// From now to the announced reset.
        reset_in: Duration,
    },
    /// A server error with this status (500, 502, 503, 504).
    ServerError {
        /// The HTTP status.
        status: u16,
    },
    /// The request is served normally, after this delay.
    Latency(Duration),
}

/// A running fake Linear; stops when dropped.
#[derive(Debug)]
pub struct FakeLinear {
    shared: Arc<Shared>,
    addr: SocketAddr,
    url: String,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeLinear {
    /// Starts a fake on `127.0.0.1:<random port>`.
    ///
    /// # Panics
    /// When no loopback port can be bound or no thread started (use [`FakeLinear::try_start`]
    /// to handle that).
    #[track_caller]
    pub fn start() -> Self {
        match Self::try_start() {
            Ok(fake) => fake,
            Err(e) => panic!("cannot start the fake Linear on 127.0.0.1: {e}"),
        }
    }

    /// Starts a fake on `127.0.0.1:<random port>`, or says why it could not.
    pub fn try_start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            world: Mutex::new(World::new()),
            control: Mutex::new(Control::new()),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (tx, rx) = oneshot::channel();
        let serving = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("fake-linear-{}", addr.port()))
            .spawn(move || runtime.block_on(server::serve(listener, serving, rx)))?;
        Ok(Self {
            shared,
            addr,
            url: format!("http://{addr}/graphql"),
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The GraphQL endpoint (`http://127.0.0.1:<port>/graphql`), for `LINEAR_API_URL` or
    /// `tracker.apiUrl`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The socket address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `LINEAR_API_URL` for a child process (`Command::envs`).
    pub fn env(&self) -> [(&'static str, String); 1] {
        [("LINEAR_API_URL", self.url.clone())]
    }

    // ---- The world -------------------------------------------------------------------------

    /// Sets the workspace's URL key (`https://linear.app/<slug>/…`; default `acme`).
    pub fn set_workspace(&self, slug: &str) {
        slug.clone_into(&mut self.shared.world().workspace);
    }

    /// Makes the key belong to the user with this display name (default `ao-bot`).
    pub fn set_viewer(&self, display_name: &str) {
        let mut world = self.shared.world();
        world.viewer = world.ensure_user(display_name);
    }

    /// Adds a team with Linear's default workflow (Backlog, Todo, In Progress, In Review, Done,
    /// Canceled, Duplicate) and returns its id.
    pub fn add_team(&self, key: &str, name: &str) -> String {
        let mut world = self.shared.world();
        let t = world.add_team(key, name);
        world.teams[t].id.clone()
    }

    /// The id of the team with this key.
    pub fn team_id(&self, key: &str) -> Option<String> {
        let world = self.shared.world();
        world.team_by_key(key).map(|t| world.teams[t].id.clone())
    }

    /// Removes a team's workflow states of this type (to test a team without, say, a started
    /// state).
    ///
    /// # Panics
    /// When the team does not exist (a mistake in the test).
    #[track_caller]
    pub fn remove_states(&self, team_key: &str, kind: StateType) {
        let mut world = self.shared.world();
        let t = world
            .team_by_key(team_key)
            .unwrap_or_else(|| panic!("fake Linear: no team {team_key}"));
        world.teams[t].states.retain(|s| s.kind != kind);
    }

    /// Adds an issue to the team with key `team_key` and returns its identifier (`INT-1`).
    ///
    /// # Panics
    /// When the team does not exist, or has no state of the issue's type.
    #[track_caller]
    pub fn add_issue(&self, team_key: &str, issue: Issue) -> String {
        let mut world = self.shared.world();
        let t = world
            .team_by_key(team_key)
            .unwrap_or_else(|| panic!("fake Linear: no team {team_key}"));
        let team_id = world.teams[t].id.clone();
        let state_id = first_state(&world, t, issue.state).unwrap_or_else(|| {
            panic!(
                "fake Linear: team {team_key} has no {:?} state",
                issue.state
            )
        });
        world.teams[t].last_number += 1;
        let number = world.teams[t].last_number;
        let key = world.teams[t].key.to_ascii_lowercase();
        let label_ids = issue
            .labels
            .iter()
            .map(|l| world.ensure_label(&team_id, l))
            .collect();
        let assignee_id = issue.assignee.as_deref().map(|a| world.ensure_user(a));
        let branch_name = issue.branch_name.unwrap_or_else(|| {
            let base = format!("{key}-{number}-{}", slug(&issue.title));
            let base = base.trim_end_matches('-').to_string();
            match &issue.assignee {
                Some(who) => format!("{}/{base}", who.to_ascii_lowercase()),
                None => base,
            }
        });
        let id = world.uuid();
        let at = now();
        world.issues.push(IssueData {
            id,
            team_id,
            number,
            title: issue.title,
            description: issue.description,
            state_id,
            label_ids,
            assignee_id,
            branch_name,
            priority: 0,
            comments: Vec::new(),
            created_at: at,
            updated_at: at,
        });
        format!("{}-{number}", world.teams[t].key)
    }

    /// A copy of the issue with this identifier or UUID.
    pub fn issue(&self, id: &str) -> Option<IssueView> {
        let world = self.shared.world();
        let issue = &world.issues[world.issue(id)?];
        let (t, s) = world.state_of(issue)?;
        let state = &world.teams[t].states[s];
        let display = |user: &str| {
            world
                .user(user)
                .map(|u| world.users[u].display_name.clone())
                .unwrap_or_default()
        };
        Some(IssueView {
            id: issue.id.clone(),
            identifier: world.identifier(issue),
            title: issue.title.clone(),
            description: issue.description.clone(),
            state_name: state.name.clone(),
            state_type: state.kind,
            labels: issue
                .label_ids
                .iter()
                .filter_map(|l| world.label(l))
                .map(|l| world.labels[l].name.clone())
                .collect(),
            assignee: issue.assignee_id.as_deref().map(display),
            branch_name: issue.branch_name.clone(),
            url: world.url(issue),
            comments: issue
                .comments
                .iter()
                .map(|c| Comment {
                    id: c.id.clone(),
                    body: c.body.clone(),
                    author: display(&c.user_id),
                })
                .collect(),
        })
    }

    /// Moves an issue to the first state of this type in its team.
    ///
    /// # Panics
    /// When the issue does not exist or its team has no such state.
    #[track_caller]
    pub fn set_state(&self, id: &str, kind: StateType) {
        let mut world = self.shared.world();
        let i = world
            .issue(id)
            .unwrap_or_else(|| panic!("fake Linear: no issue {id}"));
        let t = world
            .team(&world.issues[i].team_id)
            .unwrap_or_else(|| panic!("fake Linear: issue {id} has no team"));
        let state = first_state(&world, t, kind)
            .unwrap_or_else(|| panic!("fake Linear: no {kind:?} state for {id}"));
        world.issues[i].state_id = state;
        world.issues[i].updated_at = now();
    }

    // ---- Control ---------------------------------------------------------------------------

    /// Accepts only these keys from now on (as they are sent: a personal key bare, an OAuth
    /// token as `Bearer <token>`); any other `Authorization` gets Linear's authentication error.
    pub fn accept_keys(&self, header_values: &[&str]) {
        self.shared.control().accepted =
            Some(header_values.iter().map(|k| token_fingerprint(k)).collect());
    }

    /// Sets the requests a key may make per hour (default [`DEFAULT_LIMIT`]).
    pub fn set_rate_limit(&self, limit: u32) {
        self.shared.control().limit = limit;
    }

    /// Spends the budget of the key sent as `header_value` until `reset_in` from now: requests
    /// get `RATELIMITED` until then, and the budget refills after.
    pub fn exhaust_rate_limit(&self, header_value: &str, reset_in: Duration) {
        let mut control = self.shared.control();
        let limit = control.limit;
        let bucket = control.bucket(&token_fingerprint(header_value));
        bucket.used = limit;
        bucket.reset_ms = Timestamp::now().as_millisecond()
            + i64::try_from(reset_in.as_millis())
                .unwrap_or(i64::MAX / 2)
                .max(1);
    }

    /// What is left of the budget of the key sent as `header_value`.
    pub fn rate_remaining(&self, header_value: &str) -> u32 {
        let mut control = self.shared.control();
        let limit = control.limit;
        limit.saturating_sub(control.bucket(&token_fingerprint(header_value)).used)
    }

    /// Answers the next `times` requests with `fault`.
    pub fn inject(&self, fault: Fault, times: usize) {
        if times > 0 {
            self.shared.control().faults.push_back((fault, None, times));
        }
    }

    /// Answers the next `times` requests for the GraphQL operation named `operation`
    /// (`CommentCreate`) with `fault`; others are served.
    pub fn inject_on(&self, operation: &str, fault: Fault, times: usize) {
        if times > 0 {
            self.shared
                .control()
                .faults
                .push_back((fault, Some(operation.to_owned()), times));
        }
    }

    /// Delays every response by `latency` (zero to stop).
    pub fn set_latency(&self, latency: Duration) {
        self.shared.control().latency = latency;
    }

    /// Drops every pending fault and the configured latency.
    pub fn clear_faults(&self) {
        let mut control = self.shared.control();
        control.faults.clear();
        control.latency = Duration::ZERO;
    }

    /// Every request served so far, oldest first. Their `authorization` is a fingerprint of
    /// the whole header value (never the value): compare with [`FakeLinear::sent_key`] or
    /// [`FakeLinear::sent_bearer`].
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.control().requests.clone()
    }

    /// The GraphQL operation names of the requests served so far, oldest first.
    pub fn operations(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| {
                r.json()
                    .and_then(|b| b["operationName"].as_str().map(str::to_string))
                    .unwrap_or_default()
            })
            .collect()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.control().requests.clear();
    }

    /// Whether `request` carried `key` in `Authorization` as it is (a personal key's form).
    pub fn sent_key(request: &RecordedRequest, key: &str) -> bool {
        request.authorization.as_deref() == Some(token_fingerprint(key).as_str())
    }

    /// Whether `request` carried `Authorization: Bearer <token>` (an OAuth token's form).
    pub fn sent_bearer(request: &RecordedRequest, token: &str) -> bool {
        request.authorization.as_deref()
            == Some(token_fingerprint(&format!("Bearer {token}")).as_str())
    }
}

/// The first (by position) state of `kind` in team `t`.
fn first_state(world: &World, t: usize, kind: StateType) -> Option<String> {
    world.teams[t]
        .states
        .iter()
        .filter(|s| s.kind == kind)
        .min_by(|a, b| a.position.total_cmp(&b.position))
        .map(|s| s.id.clone())
}

impl Drop for FakeLinear {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
