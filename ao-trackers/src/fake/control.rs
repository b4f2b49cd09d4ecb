//! What a test controls besides the world: accepted tokens, rate budgets, injected faults, and
//! the record of requests.
//!
//! Budgets are keyed by a fingerprint of the token, never the token, and the record keeps only
//! whether an `Authorization` header was present and its fingerprint — the fake must not become
//! the place a test leaks a credential from.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

/// GitHub's budget for an authenticated token, per hour.
pub const DEFAULT_LIMIT: u32 = 5000;

/// GitHub's budget for unauthenticated REST requests, per hour.
pub const UNAUTHENTICATED_LIMIT: u32 = 60;

/// A fault the fake answers with instead of serving a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// `429 Too Many Requests` with `Retry-After: <secs>`.
    TooManyRequests {
        /// The `Retry-After` header, in seconds.
        retry_after_secs: u64,
    },
    /// `403` with GitHub's secondary-rate-limit message and `retry-after: <secs>`.
    SecondaryRateLimit {
        /// The `retry-after` header, in seconds.
        retry_after_secs: u64,
    },
    /// `403` with `x-ratelimit-remaining: 0` and a reset `reset_in_secs` from now, as when the
    /// primary budget is spent (the budget itself is left alone; see
    /// [`FakeGitHub::exhaust_rate_limit`](super::FakeGitHub::exhaust_rate_limit) for that).
    PrimaryRateLimit {
        /// Seconds from now to the `x-ratelimit-reset` it announces.
        reset_in_secs: u64,
    },
    /// A server error with this status (500, 502, 503, 504).
    ServerError {
        /// The HTTP status.
        status: u16,
    },
    /// The request is served normally, after this delay.
    Latency(Duration),
}

/// A fault waiting for the requests it applies to.
#[derive(Debug, Clone)]
pub(crate) struct Injected {
    pub(crate) fault: Fault,
    pub(crate) path_prefix: Option<String>,
    pub(crate) remaining: usize,
}

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, percent-encoded as sent (`/repos/o/r/issues/1`).
    pub path: String,
    /// The query string without `?`, if any.
    pub query: Option<String>,
    /// Request headers, names lowercased, in order; `authorization` is never recorded.
    pub headers: Vec<(String, String)>,
    /// The fingerprint of the `Authorization` header's token (see [`token_fingerprint`]), when
    /// the header was present.
    pub authorization: Option<String>,
    /// The body, as UTF-8 (lossy).
    pub body: String,
    /// The status the fake answered.
    pub status: u16,
    /// What the request cost against its rate limit: 1 for a REST request served (a `304`,
    /// `/rate_limit` and a refused request cost nothing), GitHub's point estimate for a GraphQL
    /// query (see [`FakeGitHub::graphql_requests`](super::FakeGitHub::graphql_requests)).
    pub cost: u32,
    /// `owner/name` of the repositories the request read or changed: the one in a REST path,
    /// every one a GraphQL document resolved.
    pub repositories: Vec<String>,
}

impl RecordedRequest {
    /// The first header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the request was a GraphQL query.
    pub fn is_graphql(&self) -> bool {
        self.path == "/graphql"
    }

    /// Whether the request read or changed `repo` (`owner/name`, any case).
    pub fn touches(&self, repo: &str) -> bool {
        self.repositories
            .iter()
            .any(|r| r.eq_ignore_ascii_case(repo))
    }

    /// Whether an `Authorization` header was sent.
    pub fn authenticated(&self) -> bool {
        self.authorization.is_some()
    }

    /// The body parsed as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// The value of a query parameter (not percent-decoded).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.as_deref()?.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then_some(v)
        })
    }
}

/// A short, stable fingerprint of a token, to compare with
/// [`RecordedRequest::authorization`] without the fake keeping the token.
pub fn token_fingerprint(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The token in an `Authorization` header value (`token X`, `Bearer X`, or the bare value).
pub(crate) fn token_of(header: &str) -> &str {
    let header = header.trim();
    for scheme in ["token ", "bearer ", "Bearer ", "Token "] {
        if let Some(rest) = header.strip_prefix(scheme) {
            return rest.trim();
        }
    }
    header
}

/// The rate-limit resource a request is charged to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Resource {
    Core,
    Graphql,
}

impl Resource {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Core => "core",
            Self::Graphql => "graphql",
        }
    }
}

/// One budget window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bucket {
    pub(crate) limit: u32,
    pub(crate) used: u32,
    /// Epoch seconds at which the window resets.
    pub(crate) reset: i64,
}

impl Bucket {
    pub(crate) fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }
}

/// Everything the test controls besides the world.
#[derive(Debug)]
pub(crate) struct Control {
    /// Tokens accepted; `None` accepts any.
    pub(crate) accepted: Option<HashSet<String>>,
    /// Per-token budgets by fingerprint; the default applies to others.
    pub(crate) limits: HashMap<String, u32>,
    pub(crate) default_limit: u32,
    /// Buckets by (token fingerprint or `None` for anonymous, resource).
    pub(crate) buckets: HashMap<(Option<String>, Resource), Bucket>,
    pub(crate) faults: VecDeque<Injected>,
    pub(crate) latency: Duration,
    pub(crate) requests: Vec<RecordedRequest>,
}

impl Control {
    pub(crate) fn new() -> Self {
        Self {
            accepted: None,
            limits: HashMap::new(),
            default_limit: DEFAULT_LIMIT,
            buckets: HashMap::new(),
            faults: VecDeque::new(),
            latency: Duration::ZERO,
            requests: Vec::new(),
        }
    }

    /// The bucket for an identity, refilled when its window has passed.
    pub(crate) fn bucket(&mut self, who: Option<&str>, resource: Resource) -> &mut Bucket {
        let now = Timestamp::now().as_second();
        let limit = match who {
            None => UNAUTHENTICATED_LIMIT,
            Some(fp) => self.limits.get(fp).copied().unwrap_or(self.default_limit),
        };
        let bucket = self
            .buckets
            .entry((who.map(str::to_owned), resource))
            .or_insert(Bucket {
                limit,
                used: 0,
                reset: now + 3600,
            });
        if now >= bucket.reset {
            bucket.used = 0;
            bucket.reset = now + 3600;
        }
        bucket.limit = limit;
        bucket
    }

    /// Takes the next fault that applies to `path`, if any.
    pub(crate) fn take_fault(&mut self, path: &str) -> Option<Fault> {
        let index = self.faults.iter().position(|f| {
            f.remaining > 0
                && f.path_prefix
                    .as_deref()
                    .is_none_or(|prefix| path.starts_with(prefix))
        })?;
        let entry = self.faults.get_mut(index)?;
        entry.remaining -= 1;
        let fault = entry.fault.clone();
        if entry.remaining == 0 {
            self.faults.remove(index);
        }
        Some(fault)
    }
}
