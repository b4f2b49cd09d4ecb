//! One rate-limit budget per token and GitHub, shared by everything in the process.
//!
//! GitHub counts requests per token (per host), not per client object, so the budget lives in a
//! process-wide registry rather than in a client: every client with the same token and API sees
//! the same numbers and the same "blocked until". It is read from the `x-ratelimit-*` headers
//! of every answer, so it costs no requests. Answers can arrive out of order; within one window
//! (same reset time) the lowest `remaining` wins, so an old answer never makes the budget look
//! fuller than it is.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Mutex};

use ao_core::domain::Timestamp;
use reqwest::header::HeaderMap;

/// One rate-limit window as GitHub last reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: u64,
    /// Requests left in this window.
    pub remaining: u64,
    /// Requests used in this window.
    pub used: u64,
    /// When the window resets.
    pub reset: Option<Timestamp>,
}

/// A token's budget as this process knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateBudget {
    /// The windows GitHub reported, by resource (`core`, `graphql`, `search`, …).
    pub resources: BTreeMap<String, RateLimit>,
    /// Requests sent (answers of every kind, including 304s and failures).
    pub requests: u64,
    /// `304 Not Modified` answers: served from the cache and free against the primary limit.
    pub not_modified: u64,
    /// Until when requests are held back after a rate-limit answer, by resource.
    pub blocked_until: BTreeMap<String, Timestamp>,
}

impl RateBudget {
    /// The REST API's window (`core`).
    pub fn core(&self) -> Option<&RateLimit> {
        self.resources.get("core")
    }

    /// The GraphQL API's window.
    pub fn graphql(&self) -> Option<&RateLimit> {
        self.resources.get("graphql")
    }
}

/// The live, shared budget behind [`RateBudget`] snapshots.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    inner: Mutex<RateBudget>,
}

impl Budget {
    /// The process's budget for `key` (token fingerprint and API).
    pub(crate) fn shared(key: &str) -> Arc<Self> {
        static BUDGETS: LazyLock<Mutex<HashMap<String, Arc<Budget>>>> =
            LazyLock::new(Default::default);
        crate::kit::lock(&BUDGETS)
            .entry(key.to_string())
            .or_default()
            .clone()
    }

    fn with<R>(&self, f: impl FnOnce(&mut RateBudget) -> R) -> R {
        f(&mut crate::kit::lock(&self.inner))
    }

    pub(crate) fn snapshot(&self) -> RateBudget {
        self.with(|b| b.clone())
    }

    pub(crate) fn count_request(&self) {
        self.with(|b| b.requests += 1);
    }

    pub(crate) fn count_not_modified(&self) {
        self.with(|b| b.not_modified += 1);
    }

    /// Takes in an answer's `x-ratelimit-*` headers; `resource` is the request's, for answers
    /// that do not name one.
    pub(crate) fn record(&self, headers: &HeaderMap, resource: &str) {
        let num = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let (Some(limit), Some(remaining)) =
            (num("x-ratelimit-limit"), num("x-ratelimit-remaining"))
        else {
            return;
        };
        let reset = num("x-ratelimit-reset")
            .and_then(|s| i64::try_from(s).ok())
            .and_then(|s| Timestamp::from_second(s).ok());
        let used = num("x-ratelimit-used").unwrap_or(limit.saturating_sub(remaining));
        let resource = headers
            .get("x-ratelimit-resource")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or(resource)
            .to_string();
        self.update(
            resource,
            RateLimit {
                limit,
                remaining,
                used,
                reset,
            },
        );
    }

    /// Takes in one window (from headers or from `GET /rate_limit`).
    pub(crate) fn update(&self, resource: String, new: RateLimit) {
        self.with(|b| {
            let merged = match b.resources.get(&resource) {
                // Same window: the fewer remaining is the later news.
                Some(old) if old.reset == new.reset => RateLimit {
                    remaining: old.remaining.min(new.remaining),
                    used: old.used.max(new.used),
                    ..new
                },
                // An older window arriving late is stale.
                Some(old) if old.reset > new.reset && new.reset.is_some() => old.clone(),
                _ => new,
            };
            b.resources.insert(resource, merged);
        });
    }

    /// Holds requests for `resource` back until `until`.
    pub(crate) fn block(&self, resource: &str, until: Timestamp) {
        self.with(|b| {
            let slot = b.blocked_until.entry(resource.to_string()).or_insert(until);
            *slot = (*slot).max(until);
        });
    }

    /// Until when a request for `resource` must not be sent: the window is spent or a rate
    /// limit said to wait; `None` when it may go now.
    pub(crate) fn held_until(&self, resource: &str, now: Timestamp) -> Option<Timestamp> {
        self.with(|b| {
            let spent = b
                .resources
                .get(resource)
                .filter(|w| w.remaining == 0)
                .and_then(|w| w.reset);
            let blocked = b.blocked_until.get(resource).copied();
            [spent, blocked]
                .into_iter()
                .flatten()
                .filter(|t| *t > now)
                .max()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn reads_the_headers_per_resource() {
        let b = Budget::default();
        b.record(
            &headers(&[
                ("x-ratelimit-limit", "5000"),
                ("x-ratelimit-remaining", "4990"),
                ("x-ratelimit-used", "10"),
                ("x-ratelimit-reset", "2000000000"),
                ("x-ratelimit-resource", "core"),
            ]),
            "graphql",
        );
        b.record(
            &headers(&[
                ("x-ratelimit-limit", "5000"),
                ("x-ratelimit-remaining", "4999"),
            ]),
            "graphql",
        );
        b.record(&headers(&[("x-ratelimit-limit", "nope")]), "core");
        let s = b.snapshot();
        let core = s.core().unwrap();
        assert_eq!((core.limit, core.remaining, core.used), (5000, 4990, 10));
        assert_eq!(core.reset.unwrap().as_second(), 2_000_000_000);
        assert_eq!(s.graphql().unwrap().used, 1);
    }

    #[test]
    fn a_late_answer_never_refills_the_window() {
        let b = Budget::default();
        let at = |remaining: &str, reset: &str| {
            headers(&[
                ("x-ratelimit-limit", "60"),
                ("x-ratelimit-remaining", remaining),
                ("x-ratelimit-reset", reset),
            ])
        };
        b.record(&at("10", "2000000000"), "core");
        b.record(&at("12", "2000000000"), "core");
        assert_eq!(b.snapshot().core().unwrap().remaining, 10);
        b.record(&at("59", "1999996400"), "core");
        assert_eq!(b.snapshot().core().unwrap().remaining, 10);
        b.record(&at("59", "2000003600"), "core");
        assert_eq!(b.snapshot().core().unwrap().remaining, 59);
    }

    #[test]
    fn holds_requests_while_spent_or_blocked() {
        let b = Budget::default();
        let now = Timestamp::from_second(1_000).unwrap();
        assert_eq!(b.held_until("core", now), None);
        b.record(
            &headers(&[
                ("x-ratelimit-limit", "60"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1060"),
            ]),
            "core",
        );
        assert_eq!(b.held_until("core", now).unwrap().as_second(), 1060);
        assert_eq!(b.held_until("graphql", now), None);
        let later = Timestamp::from_second(2_000).unwrap();
        assert_eq!(b.held_until("core", later), None, "the window has reset");
        b.block("graphql", Timestamp::from_second(1_030).unwrap());
        assert_eq!(b.held_until("graphql", now).unwrap().as_second(), 1030);
    }

    #[test]
    fn the_same_key_shares_one_budget() {
        let a = Budget::shared("test-shared-key");
        a.count_request();
        assert_eq!(Budget::shared("test-shared-key").snapshot().requests, 1);
        assert_eq!(Budget::shared("test-other-key").snapshot().requests, 0);
    }
}
