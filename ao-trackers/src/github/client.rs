//! The GitHub HTTP client: conditional reads, one shared rate budget, retries that wait as
//! GitHub asks, typed errors without the token.
//!
//! Every call goes through one loop ([`GitHubClient::execute`]) so that the rules hold for REST
//! and GraphQL alike:
//! - before sending, a spent window or an earlier "wait" answer holds the request back (or fails
//!   it at once with [`GitHubError::RateLimited`] when the wait is longer than
//!   [`ClientConfig::max_wait`]) — GitHub may ban an integration that keeps calling while limited;
//! - 429 and secondary-limit 403s wait for `Retry-After`, else `x-ratelimit-reset` (measured
//!   against the answer's own `Date`, so a skewed local clock does not matter), else an
//!   exponentially growing pause, and tell the shared budget so that other calls wait too;
//! - 5xx answers and failed connections are retried with exponential backoff, but only for calls
//!   that are safe to repeat (a POSTed comment that met a 502 may exist already);
//! - GET reads send `If-None-Match` with the cached ETag; a 304 is served from the cache and
//!   counted as free.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use ao_core::domain::{MASK, Timestamp};
use reqwest::Url;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;

use super::budget::{Budget, RateBudget};
use super::cache::{Cached, EtagCache};
use super::documents::Document;
use super::endpoints::Endpoints;
use super::error::{GitHubError, Result};
use super::routes::{Method, Route};
use super::token::{Credentials, TokenSource};

/// The REST API version the client speaks (sent as `X-GitHub-Api-Version`).
pub const API_VERSION: &str = "2022-11-28";

/// How patient a client is. The defaults suit real use; tests shrink the waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Longest wait for a TCP/TLS connection.
    pub connect_timeout: Duration,
    /// Longest wait for a whole request, answer body included.
    pub request_timeout: Duration,
    /// Longest single wait for a rate limit or a backoff; a longer one fails at once with
    /// [`GitHubError::RateLimited`] and the reset time.
    pub max_wait: Duration,
    /// Retries of a 5xx answer or a failed connection (calls safe to repeat only).
    pub max_retries: u32,
    /// The first backoff after a 5xx or a failed connection; doubled each time.
    pub backoff: Duration,
    /// Retries after a rate-limit answer.
    pub rate_limit_retries: u32,
    /// The wait after a secondary rate limit that names no time (GitHub asks for at least a
    /// minute); doubled each time.
    pub secondary_wait: Duration,
    /// Answers kept for conditional reads.
    pub cache_entries: usize,
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
            secondary_wait: Duration::from_secs(60),
            cache_entries: 1000,
        }
    }
}

/// The answer to a read made conditional by the caller's own validator
/// ([`GitHubClient::get_unless_matches`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conditional<T> {
    /// `304 Not Modified`: the resource is still what the validator stands for.
    NotModified,
    /// The resource as it is now, and its new validator (`None` when GitHub sent no `ETag`).
    Changed {
        /// The decoded answer.
        value: T,
        /// The answer's `ETag`.
        etag: Option<String>,
    },
}

/// A GraphQL answer with its errors beside its data: GitHub answers a missing object with
/// `null` and a `NOT_FOUND` error while the rest of the document's data is good.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphQlReply<T> {
    /// The data, when GitHub sent any.
    pub data: Option<T>,
    /// The errors GitHub reported (token removed from their text).
    pub errors: Vec<GraphQlError>,
}

/// One error of a GraphQL answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphQlError {
    /// GitHub's `type` (`NOT_FOUND`, `FORBIDDEN`, …), when it gave one.
    pub kind: Option<String>,
    /// The message (untrusted text, token removed).
    pub message: String,
    /// Where in the data it applies (`["repository", "q3"]`); empty for the whole document.
    pub path: Vec<String>,
}

/// One page of a paginated list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// The next page's URL (from the `Link` header), when there is one.
    pub next: Option<String>,
}

/// A client of one GitHub (REST and GraphQL) with one token; see the module docs.
pub struct GitHubClient {
    http: reqwest::Client,
    endpoints: Endpoints,
    credentials: Credentials,
    config: ClientConfig,
    budget: Arc<Budget>,
    cache: Mutex<EtagCache>,
}

impl fmt::Debug for GitHubClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHubClient")
            .field("endpoints", &self.endpoints)
            .field("token_source", &self.credentials.source())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// One request, as the retry loop sees it.
struct Call {
    method: reqwest::Method,
    url: Url,
    /// `METHOD /path`, for messages.
    what: String,
    body: Option<Vec<u8>>,
    /// The rate-limit resource the request counts against.
    resource: &'static str,
    /// Whether repeating it after a 5xx or a lost connection is harmless.
    repeatable: bool,
    /// Whether to send `If-None-Match` and cache the answer.
    conditional: bool,
    /// An `If-None-Match` the caller brought (not the cache's); a `304` is then an answer.
    validator: Option<HeaderValue>,
}

/// A successful answer's body and `Link` header.
struct Reply {
    body: Vec<u8>,
    link: Option<String>,
    /// The answer's `ETag`.
    etag: Option<String>,
    /// A `304` to the caller's own validator (the body is empty).
    not_modified: bool,
}

impl GitHubClient {
    /// The same API and token with another `config` (its budget is still the process's): e.g.
    /// quick probes that must not sit through retries.
    pub fn with_config(&self, config: ClientConfig) -> Result<Self> {
        Self::new(self.endpoints.clone(), self.credentials.clone(), config)
    }

    /// A client of its own (its budget is still the process's for this token and API).
    pub fn new(
        endpoints: Endpoints,
        credentials: Credentials,
        config: ClientConfig,
    ) -> Result<Self> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/vnd.github+json"),
        );
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static(API_VERSION),
        );
        if let Some(token) = credentials.secret() {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", token.secret())).map_err(|_| {
                    GitHubError::Config {
                        detail: "the GitHub token has characters an HTTP header cannot carry"
                            .into(),
                    }
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
        if endpoints.is_loopback() {
            // A test server or local fake: a proxy from the environment cannot reach it.
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| GitHubError::Config {
            detail: format!("cannot set up the HTTP client: {}", chain(&e)),
        })?;
        let budget = Budget::shared(&format!("{}|{}", credentials.key(), endpoints.api()));
        Ok(Self {
            http,
            cache: Mutex::new(EtagCache::new(config.cache_entries)),
            endpoints,
            credentials,
            config,
            budget,
        })
    }

    /// The process's client for this GitHub and token, made on first use with the default
    /// [`ClientConfig`]: one connection pool, one ETag cache, one budget.
    pub fn shared(endpoints: Endpoints, credentials: Credentials) -> Result<Arc<Self>> {
        type Key = (String, Endpoints);
        static CLIENTS: LazyLock<Mutex<HashMap<Key, Arc<GitHubClient>>>> =
            LazyLock::new(Default::default);
        let key = (credentials.key(), endpoints.clone());
        crate::kit::shared(&CLIENTS, key, || {
            Self::new(endpoints, credentials, ClientConfig::default())
        })
    }

    /// The shared client for a project whose tracker or SCM settings are `settings`: endpoints
    /// from the settings and environment, the token discovered (see [`Credentials::discover`]).
    pub async fn for_settings(
        settings: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Arc<Self>> {
        let endpoints = Endpoints::from_settings(settings)?;
        let credentials = Credentials::discover(&endpoints.web_host()).await;
        Self::shared(endpoints, credentials)
    }

    /// The GitHub this client talks to.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// Where the token came from; `None`: requests go unauthenticated.
    pub fn token_source(&self) -> Option<TokenSource> {
        self.credentials.source()
    }

    /// A warning-level fact when there is no token (60 requests an hour, public repositories
    /// only); `None` with a token.
    pub fn unauthenticated_warning(&self) -> Option<&'static str> {
        self.credentials.warning()
    }

    /// The budget of this client's token and API, as the whole process knows it.
    pub fn budget(&self) -> RateBudget {
        self.budget.snapshot()
    }

    /// The client's settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The URL of `route` with `params` in its slots and `query` appended.
    pub fn url(&self, route: &Route, params: &[&str], query: &[(&str, &str)]) -> Result<String> {
        let result = (|| {
            let mut url = self.parse_url(&format!(
                "{}{}",
                self.endpoints.api(),
                route.expand(params)?
            ))?;
            if !query.is_empty() {
                url.query_pairs_mut().extend_pairs(query);
            }
            Ok(url.into())
        })();
        result.map_err(|e| self.redact(e))
    }

    fn parse_url(&self, url: &str) -> Result<Url> {
        Url::parse(url).map_err(|e| GitHubError::Config {
            detail: format!("`{url}` is not a URL: {e}"),
        })
    }

    /// Reads `route` (a GET) conditionally and decodes the answer.
    pub async fn get<T: DeserializeOwned>(
        &self,
        route: &Route,
        params: &[&str],
        query: &[(&str, &str)],
    ) -> Result<T> {
        let result = async {
            expect_method(route, true)?;
            let url = self.parse_url(&self.url(route, params, query)?)?;
            let (what, reply) = self.read(url).await?;
            self.decode(&what, &reply.body)
        }
        .await;
        result.map_err(|e| self.redact(e))
    }

    /// Reads one page of a list at `url` (from [`GitHubClient::url`] or a previous
    /// [`Page::next`]) conditionally. Refuses a URL outside the API, where the token must not go.
    pub async fn get_page<T: DeserializeOwned>(&self, url: &str) -> Result<Page<T>> {
        let result = async {
            let url = self.parse_url(url)?;
            if !self.endpoints.same_origin(&url) {
                return Err(GitHubError::Config {
                    detail: format!(
                        "refusing to read {url}: it is outside {}",
                        self.endpoints.api()
                    ),
                });
            }
            let (what, reply) = self.read(url.clone()).await?;
            let next = match reply.link.as_deref().and_then(next_link) {
                Some(n) => {
                    let n = url.join(&n).map_err(|e| GitHubError::Decode {
                        what: what.clone(),
                        detail: format!("bad Link header: {e}"),
                    })?;
                    if !self.endpoints.same_origin(&n) {
                        return Err(GitHubError::Decode {
                            what,
                            detail: "the next page's Link leaves the API's origin".into(),
                        });
                    }
                    Some(n.to_string())
                }
                None => None,
            };
            let items = self.decode(&what, &reply.body)?;
            Ok(Page { items, next })
        }
        .await;
        result.map_err(|e| self.redact(e))
    }

    /// Reads `route` (a GET) with `If-None-Match: etag` when `etag` is given, bypassing the
    /// process's ETag cache: for a caller that keeps its validator across processes (a new
    /// `ao status` has an empty cache, but its last answer's ETag on disk). A `304` is free
    /// against the rate limit. A validator that cannot be a header value is not sent.
    pub async fn get_unless_matches<T: DeserializeOwned>(
        &self,
        route: &Route,
        params: &[&str],
        query: &[(&str, &str)],
        etag: Option<&str>,
    ) -> Result<Conditional<T>> {
        let result = async {
            expect_method(route, true)?;
            let url = self.parse_url(&self.url(route, params, query)?)?;
            let what = format!("GET {}", display_path(&url));
            let reply = self
                .execute(Call {
                    method: reqwest::Method::GET,
                    url,
                    what: what.clone(),
                    body: None,
                    resource: "core",
                    repeatable: true,
                    conditional: false,
                    validator: etag.and_then(|e| HeaderValue::from_str(e).ok()),
                })
                .await?;
            if reply.not_modified {
                return Ok(Conditional::NotModified);
            }
            Ok(Conditional::Changed {
                value: self.decode(&what, &reply.body)?,
                etag: reply.etag,
            })
        }
        .await;
        result.map_err(|e| self.redact(e))
    }

    /// A conditional GET of `url`, with its `METHOD /path` for messages.
    async fn read(&self, url: Url) -> Result<(String, Reply)> {
        let what = format!("GET {}", display_path(&url));
        let reply = self
            .execute(Call {
                method: reqwest::Method::GET,
                url,
                what: what.clone(),
                body: None,
                resource: "core",
                repeatable: true,
                conditional: true,
                validator: None,
            })
            .await?;
        Ok((what, reply))
    }

    /// Sends `route` (POST, PATCH or DELETE) with `body` as JSON and decodes the answer
    /// (`serde::de::IgnoredAny` to ignore it). Not repeated after a 5xx: the change may have
    /// been made.
    pub async fn send<T: DeserializeOwned>(
        &self,
        route: &Route,
        params: &[&str],
        body: Option<&serde_json::Value>,
    ) -> Result<T> {
        let result = async {
            expect_method(route, false)?;
            let url = self.parse_url(&self.url(route, params, &[])?)?;
            let what = route.describe(params);
            let body =
                body.map(serde_json::to_vec)
                    .transpose()
                    .map_err(|e| GitHubError::Decode {
                        what: what.clone(),
                        detail: e.to_string(),
                    })?;
            let reply = self
                .execute(Call {
                    method: route.method.to_reqwest(),
                    url,
                    what: what.clone(),
                    body,
                    resource: "core",
                    repeatable: false,
                    conditional: false,
                    validator: None,
                })
                .await?;
            self.decode(&what, &reply.body)
        }
        .await;
        result.map_err(|e| self.redact(e))
    }

    /// Runs a GraphQL document with `variables` and decodes its `data`. GraphQL answers errors
    /// with 200, so errors in the answer become [`GitHubError::GraphQl`] (a `RATE_LIMITED` one
    /// waits like any rate limit).
    pub async fn graphql<T: DeserializeOwned>(
        &self,
        document: &Document,
        variables: serde_json::Value,
    ) -> Result<T> {
        let result = async {
            let reply = self
                .graphql_partial::<T>(document.name, document.text, variables)
                .await?;
            if !reply.errors.is_empty() {
                return Err(graphql_failed(document.name, &reply.errors));
            }
            reply.data.ok_or_else(|| GitHubError::Decode {
                what: document.name.to_string(),
                detail: "no `data` and no `errors`".into(),
            })
        }
        .await;
        result.map_err(|e| self.redact(e))
    }

    /// Runs the GraphQL document `text` (operation `name`, for messages) with `variables`, and
    /// returns its data and errors side by side, for documents where some parts may be missing
    /// while the rest is good (many aliased pull requests, one of them deleted). Build `text`
    /// from the validated pieces in [`documents`](super::documents) only.
    pub async fn graphql_partial<T: DeserializeOwned>(
        &self,
        name: &str,
        text: &str,
        variables: serde_json::Value,
    ) -> Result<GraphQlReply<T>> {
        let result = async {
            let what = format!("{name} (POST {})", self.endpoints.graphql());
            let url = self.parse_url(self.endpoints.graphql())?;
            let body = serde_json::to_vec(&serde_json::json!({
                "query": text,
                "variables": variables,
            }))
            .map_err(|e| GitHubError::Decode {
                what: what.clone(),
                detail: e.to_string(),
            })?;
            let reply = self
                .execute(Call {
                    method: reqwest::Method::POST,
                    url,
                    what: what.clone(),
                    body: Some(body),
                    resource: "graphql",
                    repeatable: !text.trim_start().starts_with("mutation"),
                    conditional: false,
                    validator: None,
                })
                .await?;
            let answer: GraphQlAnswer<T> = self.decode(&what, &reply.body)?;
            let redact = |s: String| match self.credentials.secret() {
                Some(token) => s.replace(token.secret(), MASK),
                None => s,
            };
            let errors = answer
                .errors
                .into_iter()
                .map(|e| GraphQlError {
                    kind: e.kind.map(redact),
                    message: redact(e.message),
                    path: e
                        .path
                        .iter()
                        .map(|p| match p {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect(),
                })
                .collect();
            Ok(GraphQlReply {
                data: answer.data,
                errors,
            })
        }
        .await;
        result.map_err(|e| self.redact(e))
    }

    /// Reads `GET /rate_limit` (free) into the budget and returns it.
    pub async fn refresh_budget(&self) -> Result<RateBudget> {
        let result = async {
            let url = self.url(&super::routes::RATE_LIMIT, &[], &[])?;
            let reply = self
                .execute(Call {
                    method: reqwest::Method::GET,
                    url: self.parse_url(&url)?,
                    what: "GET /rate_limit".into(),
                    body: None,
                    resource: "core",
                    repeatable: true,
                    conditional: false,
                    validator: None,
                })
                .await?;
            let overview: super::wire::RateLimitJson =
                self.decode("GET /rate_limit", &reply.body)?;
            for (resource, w) in overview.resources {
                self.budget.update(
                    resource,
                    super::budget::RateLimit {
                        limit: w.limit,
                        remaining: w.remaining,
                        used: w.used.unwrap_or(w.limit.saturating_sub(w.remaining)),
                        reset: Timestamp::from_second(w.reset).ok(),
                    },
                );
            }
            Ok(self.budget())
        }
        .await;
        result.map_err(|e| self.redact(e))
    }

    fn decode<T: DeserializeOwned>(&self, what: &str, body: &[u8]) -> Result<T> {
        serde_json::from_slice(body).map_err(|e| {
            self.redact(GitHubError::Decode {
                what: what.to_string(),
                detail: e.to_string(),
            })
        })
    }

    /// Removes the token from every text of `e`.
    fn redact(&self, e: GitHubError) -> GitHubError {
        match self.credentials.secret() {
            Some(token) => e.map_text(|s| s.replace(token.secret(), MASK)),
            None => e,
        }
    }

    async fn execute(&self, call: Call) -> Result<Reply> {
        self.execute_unredacted(call)
            .await
            .map_err(|e| self.redact(e))
    }

    async fn execute_unredacted(&self, call: Call) -> Result<Reply> {
        let mut failures = 0_u32;
        let mut limited = 0_u32;
        loop {
            self.wait_for_budget(&call).await?;
            let cached = if call.conditional {
                self.cache_lock().get(call.url.as_str())
            } else {
                None
            };
            let mut request = self.http.request(call.method.clone(), call.url.clone());
            if let Some(c) = &cached {
                request = request.header(header::IF_NONE_MATCH, c.etag.as_str());
            } else if let Some(v) = &call.validator {
                request = request.header(header::IF_NONE_MATCH, v.clone());
            }
            if let Some(body) = &call.body {
                request = request
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            self.budget.count_request();
            let failed = |failures: &mut u32, detail: String, status: Option<u16>| {
                if call.repeatable && *failures < self.config.max_retries {
                    *failures += 1;
                    Ok(self.backoff(*failures))
                } else {
                    Err(GitHubError::Unavailable {
                        what: call.what.clone(),
                        status,
                        detail,
                    })
                }
            };
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) if e.is_timeout() => return Err(self.timeout(&call)),
                Err(e) => {
                    let pause = failed(&mut failures, chain(&e), None)?;
                    tokio::time::sleep(pause).await;
                    continue;
                }
            };
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            self.budget.record(&headers, call.resource);
            if status == 304
                && let Some(c) = cached
            {
                self.budget.count_not_modified();
                return Ok(Reply {
                    body: c.body,
                    link: c.link,
                    etag: Some(c.etag),
                    not_modified: false,
                });
            }
            if status == 304 && call.validator.is_some() {
                self.budget.count_not_modified();
                return Ok(Reply {
                    body: Vec::new(),
                    link: None,
                    etag: header_text(&headers, header::ETAG.as_str()),
                    not_modified: true,
                });
            }
            let body = match response.bytes().await {
                Ok(b) => b.to_vec(),
                Err(e) if e.is_timeout() => return Err(self.timeout(&call)),
                Err(e) => {
                    let pause = failed(&mut failures, chain(&e), Some(status))?;
                    tokio::time::sleep(pause).await;
                    continue;
                }
            };
            let success = (200..300).contains(&status);
            // GraphQL reports a spent limit in a 200 answer's errors.
            let graphql_limited =
                success && call.resource == "graphql" && is_graphql_rate_limited(&body);
            if success && !graphql_limited {
                let link = header_text(&headers, header::LINK.as_str());
                let etag = header_text(&headers, header::ETAG.as_str());
                if call.conditional {
                    let mut cache = self.cache_lock();
                    match &etag {
                        Some(etag) => cache.put(
                            call.url.as_str(),
                            Cached {
                                etag: etag.clone(),
                                body: body.clone(),
                                link: link.clone(),
                            },
                        ),
                        // No validator any more: the old one must not be sent again.
                        None => cache.remove(call.url.as_str()),
                    }
                }
                return Ok(Reply {
                    body,
                    link,
                    etag,
                    not_modified: false,
                });
            }
            let message = github_message(&body);
            let rate_limited = graphql_limited
                || status == 429
                || (status == 403 && is_rate_limit_403(&headers, &message));
            if rate_limited {
                let (wait, reset) = self.rate_limit_wait(&headers, limited);
                let now = Timestamp::now();
                let until = now
                    .checked_add(
                        jiff::SignedDuration::try_from(wait).unwrap_or(jiff::SignedDuration::MAX),
                    )
                    .unwrap_or(Timestamp::MAX);
                let resource = header_text(&headers, "x-ratelimit-resource")
                    .unwrap_or_else(|| call.resource.to_string());
                if !wait.is_zero() {
                    self.budget.block(&resource, until);
                }
                if limited < self.config.rate_limit_retries && wait <= self.config.max_wait {
                    limited += 1;
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Err(GitHubError::RateLimited {
                    what: call.what.clone(),
                    reset: Some(reset.unwrap_or(until)),
                    resource: Some(resource),
                });
            }
            if status >= 500 {
                let detail = if message.is_empty() {
                    format!("HTTP {status}")
                } else {
                    format!("HTTP {status}: {message}")
                };
                let pause = failed(&mut failures, detail, Some(status))?;
                tokio::time::sleep(pause).await;
                continue;
            }
            let what = call.what.clone();
            return Err(match status {
                401 | 403 => GitHubError::Auth {
                    what,
                    status,
                    detail: if message.is_empty() {
                        "no message".into()
                    } else {
                        message
                    },
                },
                404 | 410 => GitHubError::NotFound { what },
                304 => GitHubError::Decode {
                    what,
                    detail: "304 Not Modified for a request that was not conditional".into(),
                },
                _ => GitHubError::Rejected {
                    what,
                    status,
                    detail: message,
                },
            });
        }
    }

    /// Waits while the budget holds `call`'s resource back, or fails when that is too long.
    async fn wait_for_budget(&self, call: &Call) -> Result<()> {
        let now = Timestamp::now();
        let Some(until) = self.budget.held_until(call.resource, now) else {
            return Ok(());
        };
        let wait = Duration::try_from(until.duration_since(now)).unwrap_or(Duration::ZERO);
        if wait > self.config.max_wait {
            return Err(GitHubError::RateLimited {
                what: call.what.clone(),
                reset: Some(until),
                resource: Some(call.resource.to_string()),
            });
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// How long to wait after a rate-limit answer, and the reset time GitHub named, if any.
    fn rate_limit_wait(&self, headers: &HeaderMap, attempt: u32) -> (Duration, Option<Timestamp>) {
        let server_now = header_text(headers, header::DATE.as_str())
            .and_then(|d| jiff::fmt::rfc2822::parse(&d).ok())
            .map(|z| z.timestamp())
            .unwrap_or_else(Timestamp::now);
        if let Some(after) = header_text(headers, header::RETRY_AFTER.as_str()) {
            let after = after.trim();
            if let Ok(secs) = after.parse::<u64>() {
                return (Duration::from_secs(secs), None);
            }
            if let Ok(at) = jiff::fmt::rfc2822::parse(after) {
                let wait = at.timestamp().duration_since(server_now);
                return (Duration::try_from(wait).unwrap_or(Duration::ZERO), None);
            }
        }
        let remaining = header_text(headers, "x-ratelimit-remaining");
        let reset = header_text(headers, "x-ratelimit-reset")
            .and_then(|r| r.trim().parse::<i64>().ok())
            .and_then(|r| Timestamp::from_second(r).ok());
        if let (Some("0"), Some(reset)) = (remaining.as_deref().map(str::trim), reset) {
            let wait =
                Duration::try_from(reset.duration_since(server_now)).unwrap_or(Duration::ZERO);
            return (wait, Some(reset));
        }
        // A secondary limit that names no time: at least the configured pause, doubling.
        (
            crate::kit::doubled(self.config.secondary_wait, attempt),
            None,
        )
    }

    fn backoff(&self, failures: u32) -> Duration {
        crate::kit::doubled(self.config.backoff, failures.saturating_sub(1))
            .min(self.config.max_wait)
    }

    fn timeout(&self, call: &Call) -> GitHubError {
        GitHubError::Timeout {
            what: call.what.clone(),
            after: self.config.request_timeout,
        }
    }

    fn cache_lock(&self) -> std::sync::MutexGuard<'_, EtagCache> {
        crate::kit::lock(&self.cache)
    }
}

fn expect_method(route: &Route, get: bool) -> Result<()> {
    if (route.method == Method::Get) == get {
        Ok(())
    } else {
        Err(GitHubError::Config {
            detail: format!(
                "{} {} cannot be called with {}",
                route.method.as_str(),
                route.path,
                if get { "get" } else { "send" }
            ),
        })
    }
}

#[derive(serde::Deserialize)]
struct GraphQlAnswer<T> {
    #[serde(default = "none")]
    data: Option<T>,
    #[serde(default)]
    errors: Vec<GraphQlErrorItem>,
}

fn none<T>() -> Option<T> {
    None
}

#[derive(serde::Deserialize)]
struct GraphQlErrorItem {
    #[serde(default)]
    message: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    path: Vec<serde_json::Value>,
}

/// The error for a GraphQL answer that carried errors where none were expected.
fn graphql_failed(name: &str, errors: &[GraphQlError]) -> GitHubError {
    GitHubError::GraphQl {
        what: name.to_string(),
        kinds: errors.iter().filter_map(|e| e.kind.clone()).collect(),
        detail: errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn is_graphql_rate_limited(body: &[u8]) -> bool {
    // Most answers are data: skip parsing them twice.
    if !body.windows(12).any(|w| w == b"RATE_LIMITED") {
        return false;
    }
    #[derive(serde::Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Vec<GraphQlErrorItem>,
    }
    serde_json::from_slice::<Errors>(body).is_ok_and(|e| {
        e.errors
            .iter()
            .any(|e| e.kind.as_deref() == Some("RATE_LIMITED"))
    })
}

/// Whether a 403 is a rate limit rather than a permission problem.
fn is_rate_limit_403(headers: &HeaderMap, message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    headers.contains_key(header::RETRY_AFTER)
        || header_text(headers, "x-ratelimit-remaining").is_some_and(|r| r.trim() == "0")
        || message.contains("rate limit")
        || message.contains("abuse detection")
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// GitHub's `message` from an error body, else the start of the body; short either way.
fn github_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Message {
        message: String,
    }
    let text = match serde_json::from_slice::<Message>(body) {
        Ok(m) => m.message,
        Err(_) => String::from_utf8_lossy(body).trim().to_string(),
    };
    let mut short: String = text.chars().take(300).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// The `rel="next"` URL of a `Link` header. URLs may hold commas, so the header is read
/// `<…>` by `<…>` rather than split on commas.
fn next_link(link: &str) -> Option<String> {
    let mut rest = link;
    while let Some(open) = rest.find('<') {
        let close = open + rest[open..].find('>')?;
        let url = &rest[open + 1..close];
        let params_end = rest[close..].find('<').map_or(rest.len(), |p| close + p);
        let params = &rest[close + 1..params_end];
        if params
            .split(';')
            .map(|p| p.trim().trim_end_matches(',').trim())
            .any(|p| p == "rel=\"next\"" || p == "rel=next")
        {
            return Some(url.to_string());
        }
        rest = &rest[params_end..];
    }
    None
}

/// The path and query of `url`, for messages.
fn display_path(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
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

    #[test]
    fn finds_the_next_link_even_with_commas_in_urls() {
        let link = r#"<https://api.github.com/repositories/1/issues?labels=a,b&page=2>; rel="next", <https://api.github.com/repositories/1/issues?labels=a,b&page=5>; rel="last""#;
        assert_eq!(
            next_link(link).as_deref(),
            Some("https://api.github.com/repositories/1/issues?labels=a,b&page=2")
        );
        let last =
            r#"<https://x/issues?page=1>; rel="prev", <https://x/issues?page=1>; rel="first""#;
        assert_eq!(next_link(last), None);
        assert_eq!(next_link(""), None);
    }

    #[test]
    fn tells_rate_limit_403s_from_permission_403s() {
        let mut h = HeaderMap::new();
        assert!(!is_rate_limit_403(
            &h,
            "Resource not accessible by integration"
        ));
        assert!(is_rate_limit_403(
            &h,
            "You have exceeded a secondary rate limit."
        ));
        assert!(is_rate_limit_403(
            &h,
            "API rate limit exceeded for 1.2.3.4."
        ));
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        assert!(is_rate_limit_403(&h, "Forbidden"));
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
        assert!(is_rate_limit_403(&h, ""));
    }

    #[test]
    fn reads_github_messages_shortly() {
        assert_eq!(
            github_message(br#"{"message":"Bad credentials","documentation_url":"x"}"#),
            "Bad credentials"
        );
        assert_eq!(github_message(b"  plain  "), "plain");
        assert_eq!(github_message(&[b'a'; 400]).chars().count(), 301);
    }
}
