//! One rate-limit budget per key and endpoint, shared by everything in the process.
//!
//! Linear limits each key by requests and by query complexity per hour and reports both on every
//! answer (`X-RateLimit-Requests-Limit`/`-Remaining`/`-Reset`, the same for `Complexity`; the
//! resets are epoch milliseconds). The budget is read from those headers, so it costs no
//! requests, and is kept per key rather than per client, as Linear counts per key.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use ao_core::domain::Timestamp;
use reqwest::header::HeaderMap;

/// One window as Linear last reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateWindow {
    /// Allowed per window.
    pub limit: u64,
    /// Left in this window.
    pub remaining: u64,
    /// When the window resets.
    pub reset: Option<Timestamp>,
}

/// A key's budget as this process knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateBudget {
    /// The requests window.
    pub requests: Option<RateWindow>,
    /// The complexity window (points of query complexity).
    pub complexity: Option<RateWindow>,
    /// Requests sent (answers of every kind, failures included).
    pub sent: u64,
    /// Until when requests are held back after a `RATELIMITED` answer.
    pub blocked_until: Option<Timestamp>,
}

/// The live, shared budget behind [`RateBudget`] snapshots.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    inner: Mutex<RateBudget>,
}

impl Budget {
    /// The process's budget for `key` (key fingerprint and endpoint).
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
        self.with(|b| b.sent += 1);
    }

    /// Takes in an answer's rate-limit headers.
    pub(crate) fn record(&self, headers: &HeaderMap) {
        let requests = window(headers, "requests");
        let complexity = window(headers, "complexity");
        self.with(|b| {
            if let Some(w) = requests {
                b.requests = Some(merge(b.requests.take(), w));
            }
            if let Some(w) = complexity {
                b.complexity = Some(merge(b.complexity.take(), w));
            }
        });
    }

    /// Holds requests back until `until`.
    pub(crate) fn block(&self, until: Timestamp) {
        self.with(|b| {
            b.blocked_until = Some(b.blocked_until.map_or(until, |old| old.max(until)));
        });
    }

    /// Until when a request must not be sent: a window is spent or a `RATELIMITED` answer said
    /// to wait; `None` when it may go now.
    pub(crate) fn held_until(&self, now: Timestamp) -> Option<Timestamp> {
        self.with(|b| {
            let spent = |w: &Option<RateWindow>| {
                w.as_ref()
                    .filter(|w| w.remaining == 0)
                    .and_then(|w| w.reset)
            };
            [spent(&b.requests), spent(&b.complexity), b.blocked_until]
                .into_iter()
                .flatten()
                .filter(|t| *t > now)
                .max()
        })
    }
}

/// Within one window (same reset) the fewer remaining is the later news, so an answer that
/// arrives late never refills the budget.
fn merge(old: Option<RateWindow>, new: RateWindow) -> RateWindow {
    match old {
        Some(old) if old.reset == new.reset => RateWindow {
            remaining: old.remaining.min(new.remaining),
            ..new
        },
        Some(old) if new.reset.is_some() && old.reset > new.reset => old,
        _ => new,
    }
}

/// The `X-RateLimit-<Kind>-*` headers as a window, when limit and remaining are both there.
fn window(headers: &HeaderMap, kind: &str) -> Option<RateWindow> {
    let num = |part: &str| {
        headers
            .get(format!("x-ratelimit-{kind}-{part}"))
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    Some(RateWindow {
        limit: num("limit")?,
        remaining: num("remaining")?,
        reset: num("reset").and_then(reset_time),
    })
}

/// A reset header's epoch milliseconds as a time.
pub(crate) fn reset_time(millis: u64) -> Option<Timestamp> {
    i64::try_from(millis)
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
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
    fn reads_both_windows_with_millisecond_resets() {
        let b = Budget::default();
        b.record(&headers(&[
            ("x-ratelimit-requests-limit", "5000"),
            ("x-ratelimit-requests-remaining", "4990"),
            ("x-ratelimit-requests-reset", "2000000000000"),
            ("x-ratelimit-complexity-limit", "3000000"),
            ("x-ratelimit-complexity-remaining", "2999000"),
        ]));
        let s = b.snapshot();
        let r = s.requests.unwrap();
        assert_eq!((r.limit, r.remaining), (5000, 4990));
        assert_eq!(r.reset.unwrap().as_second(), 2_000_000_000);
        assert_eq!(s.complexity.unwrap().reset, None);
        // A late answer from the same window does not refill it.
        b.record(&headers(&[
            ("x-ratelimit-requests-limit", "5000"),
            ("x-ratelimit-requests-remaining", "4995"),
            ("x-ratelimit-requests-reset", "2000000000000"),
        ]));
        assert_eq!(b.snapshot().requests.unwrap().remaining, 4990);
    }

    #[test]
    fn holds_requests_while_spent_or_blocked() {
        let b = Budget::default();
        let now = Timestamp::from_second(1_000).unwrap();
        assert_eq!(b.held_until(now), None);
        b.record(&headers(&[
            ("x-ratelimit-requests-limit", "60"),
            ("x-ratelimit-requests-remaining", "0"),
            ("x-ratelimit-requests-reset", "1060000"),
        ]));
        assert_eq!(b.held_until(now).unwrap().as_second(), 1060);
        assert_eq!(b.held_until(Timestamp::from_second(2_000).unwrap()), None);
        b.block(Timestamp::from_second(1_100).unwrap());
        assert_eq!(b.held_until(now).unwrap().as_second(), 1100);
    }
}
