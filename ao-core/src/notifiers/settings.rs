//! Reading a notifier's settings (already `${VAR}`-expanded): values, URLs, timeouts; errors
//! name keys, never values.

use std::time::Duration;

use super::http;
use crate::plugin::NotifierError;

/// A string setting, when present and not blank.
pub(super) fn setting<'a>(settings: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    settings
        .get(key)
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// The first of `keys` that is set, checked as an http(s) URL; an error naming the keys when
/// none is.
pub(super) fn url_setting(
    notifier: &str,
    settings: &serde_json::Value,
    keys: &[&str],
) -> Result<String, NotifierError> {
    for key in keys {
        if let Some(url) = setting(settings, key) {
            return http::checked_url(notifier, key, url);
        }
    }
    Err(NotifierError::Config {
        notifier: notifier.to_string(),
        detail: format!("set `{}` to the endpoint's URL", keys.join("` or `")),
    })
}

/// The per-request timeout (`timeoutMs`), else [`http::DEFAULT_TIMEOUT`].
pub(super) fn timeout_setting(settings: &serde_json::Value) -> Duration {
    settings
        .get("timeoutMs")
        .and_then(serde_json::Value::as_u64)
        .filter(|ms| *ms > 0)
        .map_or(http::DEFAULT_TIMEOUT, Duration::from_millis)
}
