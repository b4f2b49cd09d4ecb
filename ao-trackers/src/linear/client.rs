//! The Linear HTTP client: GraphQL over one endpoint, one shared rate budget, retries that wait
//! as Linear asks, typed errors without the key.
//!
//! Every call goes through one loop ([`LinearClient::execute`]):
//! - before sending, a spent window or an earlier `RATELIMITED` answer holds the request back
//!   (or fails it at once with [`LinearError::RateLimited`] when the wait is longer than
//!   [`ClientConfig::max_wait`]);
//! - Linear reports a spent limit as a GraphQL error with `extensions.code` `RATELIMITED`, in an
//!   HTTP 400 (or 200) answer, not as a 429: that answer waits for `Retry-After`, else the
//!   spent window's `X-RateLimit-*-Reset`, else an exponentially growing pause, and tells the
//!   shared budget so that other calls wait too. A rate-limited call was not executed, so even a
//!   mutation is retried;
//! - 5xx answers and failed connections are retried with exponential backoff, but only for
//!   queries (a comment posted before a lost answer may exist already);
//! - `Entity not found` errors become [`LinearError::NotFound`], authentication errors
//!   [`LinearError::Auth`], the rest [`LinearError::GraphQl`].

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use ao_core::domain::{MASK, Timestamp};
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::budget::{Budget, RateBudget, reset_time};
use super::documents::Document;
use super::endpoint::Endpoint;
use super::error::{LinearError, Result};
use super::key::{Credentials, KeyKind, KeySource};

/// How patient a client is. The defaults suit real use; tests shrink the waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Longest wait for a TCP/TLS connection.
    pub connect_timeout: Duration,
    /// Longest wait for a whole request, answer body included.
    pub request_timeout: Duration,
    /// Longest single wait for a rate limit or a backoff; a longer one fails at once with
    /// [`LinearError::RateLimited`] and the reset time.
    pub max_wait: Duration,
    /// Retries of a 5xx answer or a failed connection (queries only).
    pub max_retries: u32,
    /// The first backoff after a 5xx or a failed connection; doubled each time.
    pub backoff: Duration,
    /// Retries after a `RATELIMITED` answer.
    pub rate_limit_retries: u32,
    /// The wait after a `RATELIMITED` answer that names no reset; doubled each time.
    pub rate_limit_wait: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_wait: Duration::from_secs(60),
            max_retries: 3,
            backoff: Duration::from_secs(1),
            rate_limit_retries: 2,
            rate_limit_wait: Duration::from_secs(5),
        }
    }
}

/// A client of one Linear endpoint with one key; see the module docs.
pub struct LinearClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    credentials: Credentials,
    config: ClientConfig,
    budget: Arc<Budget>,
}

impl fmt::Debug for LinearClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinearClient")
            .field("endpoint", &self.endpoint)
            .field("key_source", &self.credentials.source())
            .field("key_kind", &self.credentials.kind())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// One GraphQL error, as far as the client reads it.
#[derive(Debug, Default, Deserialize)]
struct ErrorItem {
    #[serde(default)]
    message: String,
    #[serde(default)]
    extensions: Option<Extensions>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Extensions {
    #[serde(default)]
    code: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    user_presentable_message: Option<String>,
}

/// A GraphQL answer with its `data` left for the caller's type.
#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

impl ErrorItem {
    fn code(&self) -> Option<&str> {
        self.extensions.as_ref().and_then(|e| e.code.as_deref())
    }

    fn kind(&self) -> Option<&str> {
        self.extensions.as_ref().and_then(|e| e.kind.as_deref())
    }

    fn is_rate_limited(&self) -> bool {
        self.code() == Some("RATELIMITED") || self.kind() == Some("ratelimited")
    }

    fn is_auth(&self) -> bool {
        matches!(
            self.code(),
            Some("AUTHENTICATION_ERROR" | "UNAUTHENTICATED" | "FORBIDDEN")
        ) || matches!(self.kind(), Some("authentication error" | "forbidden"))
    }

    fn is_not_found(&self) -> bool {
        self.message.starts_with("Entity not found")
    }

    /// The message, with Linear's friendlier wording beside it when that says more.
    fn text(&self) -> String {
        match self
            .extensions
            .as_ref()
            .and_then(|e| e.user_presentable_message.as_deref())
        {
            Some(friendly) if !friendly.is_empty() && friendly != self.message => {
                format!("{} ({friendly})", self.message)
            }
            _ => self.message.clone(),
        }
    }
}

impl LinearClient {
    /// The same endpoint and key with another `config` (its budget is still the process's):
    /// e.g. quick probes that must not sit through retries.
    pub fn with_config(&self, config: ClientConfig) -> Result<Self> {
        Self::new(self.endpoint.clone(), self.credentials.clone(), config)
    }

    /// A client of its own (its budget is still the process's for this key and endpoint).
    pub fn new(endpoint: Endpoint, credentials: Credentials, config: ClientConfig) -> Result<Self> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(key) = credentials.secret() {
            let mut value =
                HeaderValue::from_str(&key.header_value()).map_err(|_| LinearError::Config {
                    detail: "the Linear API key has characters an HTTP header cannot carry".into(),
                })?;
            // Keeps it out of reqwest's and hyper's debug output.
            value.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, value);
        }
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("ao/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            // reqwest drops the Authorization header when a redirect leaves the host.
            .redirect(reqwest::redirect::Policy::limited(5));
        if endpoint.is_loopback() {
            // A test server or local fake: a proxy from the environment cannot reach it.
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| LinearError::Config {
            detail: format!("cannot set up the HTTP client: {}", chain(&e)),
        })?;
        let budget = Budget::shared(&format!(
            "{}|{}",
            credentials.registry_key(),
            endpoint.url()
        ));
        Ok(Self {
            http,
            endpoint,
            credentials,
            config,
            budget,
        })
    }

    /// The process's client for this endpoint and key, made on first use with the default
    /// [`ClientConfig`]: one connection pool, one budget.
    pub fn shared(endpoint: Endpoint, credentials: Credentials) -> Result<Arc<Self>> {
        type Key = (String, Endpoint);
        static CLIENTS: LazyLock<Mutex<HashMap<Key, Arc<LinearClient>>>> =
            LazyLock::new(Default::default);
        let key = (credentials.registry_key(), endpoint.clone());
        crate::kit::shared(&CLIENTS, key, || {
            Self::new(endpoint, credentials, ClientConfig::default())
        })
    }

    /// The endpoint this client talks to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Where the key came from; `None`: there is none.
    pub fn key_source(&self) -> Option<KeySource> {
        self.credentials.source()
    }

    /// What kind of key it is; `None`: there is none.
    pub fn key_kind(&self) -> Option<KeyKind> {
        self.credentials.kind()
    }

    /// The budget of this client's key and endpoint, as the whole process knows it.
    pub fn budget(&self) -> RateBudget {
        self.budget.snapshot()
    }

    /// The client's settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Sends `document` with `variables` and decodes its `data`.
    pub async fn graphql<T: DeserializeOwned>(
        &self,
        document: &Document,
        variables: serde_json::Value,
    ) -> Result<T> {
        self.execute(document, variables)
            .await
            .and_then(|data| {
                serde_json::from_value(data).map_err(|e| LinearError::Decode {
                    what: document.name.to_string(),
                    detail: e.to_string(),
                })
            })
            .map_err(|e| self.redact(e))
    }

    /// Removes the key from every text of `e`.
    fn redact(&self, e: LinearError) -> LinearError {
        match self.credentials.secret() {
            Some(key) => e.map_text(|s| s.replace(key.secret(), MASK)),
            None => e,
        }
    }

    async fn execute(
        &self,
        document: &Document,
        variables: serde_json::Value,
    ) -> Result<serde_json::Value> {
        let what = document.name.to_string();
        let body = serde_json::to_vec(&serde_json::json!({
            "query": document.text,
            "variables": variables,
            "operationName": document.name,
        }))
        .map_err(|e| LinearError::Decode {
            what: what.clone(),
            detail: e.to_string(),
        })?;
        let repeatable = !document.is_mutation();
        let mut failures = 0_u32;
        let mut limited = 0_u32;
        loop {
            self.wait_for_budget(&what).await?;
            let request = self
                .http
                .post(self.endpoint.url())
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.clone());
            self.budget.count_request();
            let failed = |failures: &mut u32, detail: String, status: Option<u16>| {
                if repeatable && *failures < self.config.max_retries {
                    *failures += 1;
                    Ok(self.backoff(*failures))
                } else {
                    Err(LinearError::Unavailable {
                        what: what.clone(),
                        status,
                        detail,
                    })
                }
            };
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) if e.is_timeout() => return Err(self.timeout(&what)),
                Err(e) => {
                    let pause = failed(&mut failures, chain(&e), None)?;
                    tokio::time::sleep(pause).await;
                    continue;
                }
            };
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            self.budget.record(&headers);
            let bytes = match response.bytes().await {
                Ok(b) => b,
                Err(e) if e.is_timeout() => return Err(self.timeout(&what)),
                Err(e) => {
                    let pause = failed(&mut failures, chain(&e), Some(status))?;
                    tokio::time::sleep(pause).await;
                    continue;
                }
            };
            let answer = serde_json::from_slice::<Answer>(&bytes).ok();
            let rate_limited = status == 429
                || answer
                    .as_ref()
                    .is_some_and(|a| a.errors.iter().any(ErrorItem::is_rate_limited));
            if rate_limited {
                let (wait, reset) = self.rate_limit_wait(&headers, limited);
                let until = Timestamp::now()
                    .checked_add(
                        jiff::SignedDuration::try_from(wait).unwrap_or(jiff::SignedDuration::MAX),
                    )
                    .unwrap_or(Timestamp::MAX);
                self.budget.block(until);
                if limited < self.config.rate_limit_retries && wait <= self.config.max_wait {
                    limited += 1;
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Err(LinearError::RateLimited {
                    what,
                    reset: Some(reset.unwrap_or(until)),
                });
            }
            if status >= 500 {
                let detail = match answer.as_ref().and_then(|a| a.errors.first()) {
                    Some(e) => format!("HTTP {status}: {}", short(&e.text())),
                    None => format!("HTTP {status}"),
                };
                let pause = failed(&mut failures, detail, Some(status))?;
                tokio::time::sleep(pause).await;
                continue;
            }
            return self.outcome(what, status, answer, &bytes);
        }
    }

    /// What a final (not rate-limited, not 5xx) answer means.
    fn outcome(
        &self,
        what: String,
        status: u16,
        answer: Option<Answer>,
        bytes: &[u8],
    ) -> Result<serde_json::Value> {
        let http_status = (status != 200).then_some(status);
        let Some(answer) = answer else {
            let detail = short(String::from_utf8_lossy(bytes).trim());
            return Err(match status {
                401 | 403 => LinearError::Auth {
                    what,
                    status: http_status,
                    detail,
                },
                200..=299 => LinearError::Decode {
                    what,
                    detail: format!("not a GraphQL answer: {detail}"),
                },
                _ => LinearError::Rejected {
                    what,
                    status,
                    detail,
                },
            });
        };
        if !answer.errors.is_empty() {
            let detail = short(
                &answer
                    .errors
                    .iter()
                    .map(ErrorItem::text)
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            if status == 401 || status == 403 || answer.errors.iter().any(ErrorItem::is_auth) {
                return Err(LinearError::Auth {
                    what,
                    status: http_status,
                    detail,
                });
            }
            if answer.errors.iter().any(ErrorItem::is_not_found) {
                return Err(LinearError::NotFound { what, detail });
            }
            return Err(LinearError::GraphQl {
                what,
                codes: answer
                    .errors
                    .iter()
                    .filter_map(|e| e.code().map(str::to_string))
                    .collect(),
                detail,
            });
        }
        match (status, answer.data) {
            (401 | 403, _) => Err(LinearError::Auth {
                what,
                status: http_status,
                detail: "no message".into(),
            }),
            (200..=299, Some(data)) if !data.is_null() => Ok(data),
            (200..=299, _) => Err(LinearError::Decode {
                what,
                detail: "no `data` and no `errors`".into(),
            }),
            (_, _) => Err(LinearError::Rejected {
                what,
                status,
                detail: short(String::from_utf8_lossy(bytes).trim()),
            }),
        }
    }

    /// Waits while the budget holds requests back, or fails when that is too long.
    async fn wait_for_budget(&self, what: &str) -> Result<()> {
        let now = Timestamp::now();
        let Some(until) = self.budget.held_until(now) else {
            return Ok(());
        };
        let wait = Duration::try_from(until.duration_since(now)).unwrap_or(Duration::ZERO);
        if wait > self.config.max_wait {
            return Err(LinearError::RateLimited {
                what: what.to_string(),
                reset: Some(until),
            });
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// How long to wait after a `RATELIMITED` answer, and the reset time Linear named, if any:
    /// `Retry-After` (seconds), else the reset of a spent window (measured against the
    /// answer's own `Date`, so a skewed local clock does not matter), else a doubling pause.
    fn rate_limit_wait(&self, headers: &HeaderMap, attempt: u32) -> (Duration, Option<Timestamp>) {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_string())
        };
        if let Some(secs) = text(header::RETRY_AFTER.as_str()).and_then(|s| s.parse::<u64>().ok()) {
            return (Duration::from_secs(secs), None);
        }
        let server_now = text(header::DATE.as_str())
            .and_then(|d| jiff::fmt::rfc2822::parse(&d).ok())
            .map(|z| z.timestamp())
            .unwrap_or_else(Timestamp::now);
        let spent_reset = ["requests", "complexity"].into_iter().find_map(|kind| {
            let remaining = text(&format!("x-ratelimit-{kind}-remaining"))?;
            (remaining == "0")
                .then(|| text(&format!("x-ratelimit-{kind}-reset")))
                .flatten()
                .and_then(|r| r.parse::<u64>().ok())
                .and_then(reset_time)
        });
        if let Some(reset) = spent_reset {
            let wait =
                Duration::try_from(reset.duration_since(server_now)).unwrap_or(Duration::ZERO);
            return (wait, Some(reset));
        }
        (
            crate::kit::doubled(self.config.rate_limit_wait, attempt),
            None,
        )
    }

    fn backoff(&self, failures: u32) -> Duration {
        crate::kit::doubled(self.config.backoff, failures.saturating_sub(1))
            .min(self.config.max_wait)
    }

    fn timeout(&self, what: &str) -> LinearError {
        LinearError::Timeout {
            what: what.to_string(),
            after: self.config.request_timeout,
        }
    }
}

/// `text`, at most 300 characters.
fn short(text: &str) -> String {
    let mut s: String = text.chars().take(300).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// An error and its causes, joined (reqwest's own message names only the outermost).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(v: serde_json::Value) -> ErrorItem {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn tells_linears_error_kinds_apart() {
        let limited = item(serde_json::json!({
            "message": "Rate limit exceeded", "extensions": {"code": "RATELIMITED"}
        }));
        assert!(limited.is_rate_limited() && !limited.is_not_found());
        let missing = item(serde_json::json!({
            "message": "Entity not found: Issue",
            "extensions": {"type": "invalid input", "code": "INPUT_ERROR",
                "userPresentableMessage": "Could not find referenced Issue."}
        }));
        assert!(missing.is_not_found() && !missing.is_auth());
        assert_eq!(
            missing.text(),
            "Entity not found: Issue (Could not find referenced Issue.)"
        );
        let auth = item(serde_json::json!({
            "message": "Authentication required, not authenticated",
            "extensions": {"type": "authentication error", "code": "AUTHENTICATION_ERROR"}
        }));
        assert!(auth.is_auth() && !auth.is_rate_limited());
        assert!(!item(serde_json::json!({"message": "x"})).is_rate_limited());
    }

    #[test]
    fn waits_for_retry_after_then_a_spent_windows_reset_then_doubling() {
        let client = LinearClient::new(
            Endpoint::new("http://127.0.0.1:9/graphql").unwrap(),
            Credentials::none(),
            ClientConfig {
                rate_limit_wait: Duration::from_millis(100),
                ..ClientConfig::default()
            },
        )
        .unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(
            client.rate_limit_wait(&h, 0),
            (Duration::from_secs(7), None)
        );
        let mut h = HeaderMap::new();
        h.insert(
            header::DATE,
            HeaderValue::from_static("Thu, 01 Jan 2026 00:00:00 GMT"),
        );
        h.insert(
            "x-ratelimit-requests-remaining",
            HeaderValue::from_static("0"),
        );
        // 30 s after that date, in milliseconds.
        h.insert(
            "x-ratelimit-requests-reset",
            HeaderValue::from_static("1767225630000"),
        );
        let (wait, reset) = client.rate_limit_wait(&h, 0);
        assert_eq!(wait, Duration::from_secs(30));
        assert_eq!(reset.map(|r| r.as_second()), Some(1_767_225_630));
        let none = HeaderMap::new();
        assert_eq!(
            client.rate_limit_wait(&none, 0).0,
            Duration::from_millis(100)
        );
        assert_eq!(
            client.rate_limit_wait(&none, 2).0,
            Duration::from_millis(400)
        );
    }
}
