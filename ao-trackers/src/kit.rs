//! What the GitHub and Linear adapters share: process-wide registries of clients and budgets,
//! and the rate-budget finding `ao doctor` shows.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

use ao_core::doctor::{Check, Outcome};
use ao_core::domain::Timestamp;

/// Locks `m`, also after a panic elsewhere poisoned it: the data behind these locks (a
/// registry, a budget, a cache) stays consistent between statements, so it is still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The value `registry` holds for `key`, made by `make` on first use: one per process, so that
/// everything using the same service with the same credentials shares one connection pool and
/// one budget.
pub(crate) fn shared<K: Eq + Hash, V, E>(
    registry: &Mutex<HashMap<K, Arc<V>>>,
    key: K,
    make: impl FnOnce() -> Result<V, E>,
) -> Result<Arc<V>, E> {
    let mut values = lock(registry);
    if let Some(value) = values.get(&key) {
        return Ok(value.clone());
    }
    let value = Arc::new(make()?);
    values.insert(key, value.clone());
    Ok(value)
}

/// `base` doubled `times` times, saturating: the wait before a retry, for waits that grow
/// while a service keeps refusing.
pub(crate) fn doubled(base: std::time::Duration, times: u32) -> std::time::Duration {
    base.saturating_mul(1_u32.checked_shl(times.min(16)).unwrap_or(u32::MAX))
}

/// `ao doctor`'s finding about one rate-limit window of `service` (`github: 4999 of 5000 core
/// requests left this hour, resets 14:00 UTC`); a warning below a tenth, when a fleet's reads
/// will soon be refused.
pub(crate) fn budget_check(
    service: &str,
    window: Option<&str>,
    remaining: u64,
    limit: u64,
    reset: Option<Timestamp>,
) -> Check {
    let reset = reset
        .map(|r| format!(", resets {}", r.strftime("%H:%M UTC")))
        .unwrap_or_default();
    let window = window.map(|w| format!("{w} ")).unwrap_or_default();
    let detail =
        format!("{service}: {remaining} of {limit} {window}requests left this hour{reset}");
    if remaining.saturating_mul(10) < limit {
        Check::new("tracker", Outcome::Warning, detail)
            .hint("fewer sessions or a longer poll interval; the budget refills at the reset")
    } else {
        Check::new("tracker", Outcome::Ok, detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_made_once_per_key() {
        let registry = Mutex::new(HashMap::new());
        let mut made = 0;
        let a = shared(&registry, "k", || {
            made += 1;
            Ok::<_, ()>(1)
        })
        .unwrap();
        let b = shared(&registry, "k", || {
            made += 1;
            Ok::<_, ()>(2)
        })
        .unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(made, 1);
        assert_eq!(shared(&registry, "other", || Err::<u8, _>("no")), Err("no"));
        assert!(
            lock(&registry).get("other").is_none(),
            "a failure is not kept"
        );
    }

    #[test]
    fn waits_double_and_saturate() {
        use std::time::Duration;
        let s = Duration::from_secs(1);
        assert_eq!(doubled(s, 0), s);
        assert_eq!(doubled(s, 3), Duration::from_secs(8));
        assert_eq!(doubled(s, 100), doubled(s, 16), "capped at 2^16");
        assert_eq!(doubled(Duration::MAX, 2), Duration::MAX);
    }

    #[test]
    fn a_low_budget_is_a_warning() {
        let ok = budget_check("github", Some("core"), 4999, 5000, None);
        assert_eq!(ok.outcome, Outcome::Ok);
        assert_eq!(
            ok.detail,
            "github: 4999 of 5000 core requests left this hour"
        );
        let low = budget_check("linear", None, 400, 5000, None);
        assert_eq!(low.outcome, Outcome::Warning);
        assert_eq!(low.detail, "linear: 400 of 5000 requests left this hour");
    }
}
