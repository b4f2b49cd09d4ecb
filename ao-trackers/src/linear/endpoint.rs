//! Where Linear's GraphQL API is: api.linear.app, or a test fake.
//!
//! Precedence: the project's own `tracker.apiUrl`, then `LINEAR_API_URL`, then Linear's
//! endpoint — the same order as GitHub's (DESIGN §9), so tests and proxies point a whole run
//! elsewhere with one variable.

use reqwest::Url;
use serde_json::{Map, Value};

use super::error::{LinearError, Result};

/// Linear's GraphQL endpoint.
pub const LINEAR_API: &str = "https://api.linear.app/graphql";

/// The environment variable that names another endpoint.
pub const API_URL_VAR: &str = "LINEAR_API_URL";

/// The GraphQL endpoint of one Linear.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    url: String,
}

impl Endpoint {
    /// api.linear.app.
    pub fn linear_app() -> Self {
        Self {
            url: LINEAR_API.to_string(),
        }
    }

    /// This URL, checked: http(s), no query, fragment or credentials.
    pub fn new(url: &str) -> Result<Self> {
        checked(url).map(|url| Self { url })
    }

    /// The endpoint for a project whose tracker settings are `settings` (`apiUrl`), with the
    /// environment read through `env`.
    pub fn resolve(
        settings: &Map<String, Value>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        match settings.get("apiUrl") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.trim().is_empty() => {}
            Some(Value::String(s)) => {
                return Self::new(s).map_err(|e| match e {
                    LinearError::Config { detail } => LinearError::Config {
                        detail: format!("`apiUrl`: {detail}"),
                    },
                    other => other,
                });
            }
            Some(other) => {
                return Err(LinearError::Config {
                    detail: format!("`apiUrl` must be a URL string, not {other}"),
                });
            }
        }
        match env(API_URL_VAR).filter(|v| !v.trim().is_empty()) {
            Some(url) => Self::new(&url).map_err(|e| match e {
                LinearError::Config { detail } => LinearError::Config {
                    detail: format!("{API_URL_VAR}: {detail}"),
                },
                other => other,
            }),
            None => Ok(Self::linear_app()),
        }
    }

    /// [`Endpoint::resolve`] with this process's environment.
    pub fn from_settings(settings: &Map<String, Value>) -> Result<Self> {
        Self::resolve(settings, &|name| std::env::var(name).ok())
    }

    /// The endpoint's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the endpoint is on this machine (then no proxy is used).
    pub(crate) fn is_loopback(&self) -> bool {
        Url::parse(&self.url)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| {
                    let h = h.trim_start_matches('[').trim_end_matches(']');
                    h.eq_ignore_ascii_case("localhost")
                        || h.parse::<std::net::IpAddr>()
                            .is_ok_and(|ip| ip.is_loopback())
                })
            })
            .unwrap_or(false)
    }
}

/// `url` as an http(s) URL without query, fragment or credentials.
fn checked(url: &str) -> Result<String> {
    let bad = |why: &str| LinearError::Config {
        detail: format!("`{}` {why}", shown(url)),
    };
    let parsed = Url::parse(url.trim()).map_err(|e| bad(&format!("is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad(
            "must start with https:// (or http:// for a local server)",
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // Credentials in a URL would end up in every error message that names it.
        return Err(bad("must not carry credentials"));
    }
    Ok(parsed.to_string())
}

/// `url` for a message: a URL carrying credentials is not repeated.
fn shown(url: &str) -> String {
    if url.contains('@') {
        ao_core::domain::MASK.to_string()
    } else {
        url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn settings_beat_the_environment_which_beats_linear() {
        let none = |_: &str| None;
        assert_eq!(
            Endpoint::resolve(&Map::new(), &none).unwrap().url(),
            LINEAR_API
        );
        let env = |n: &str| (n == API_URL_VAR).then(|| "http://127.0.0.1:7/graphql".to_string());
        let e = Endpoint::resolve(&Map::new(), &env).unwrap();
        assert_eq!(e.url(), "http://127.0.0.1:7/graphql");
        assert!(e.is_loopback());
        let s = settings(serde_json::json!({"apiUrl": "https://linear.corp.test/graphql"}));
        let e = Endpoint::resolve(&s, &env).unwrap();
        assert_eq!(e.url(), "https://linear.corp.test/graphql");
        assert!(!e.is_loopback());
    }

    #[test]
    fn refuses_what_is_not_an_endpoint() {
        for bad in [
            serde_json::json!({"apiUrl": "api.linear.app"}),
            serde_json::json!({"apiUrl": "ftp://x"}),
            serde_json::json!({"apiUrl": "https://u:lin_api_p@x.test/graphql"}),
            serde_json::json!({"apiUrl": "https://x.test/graphql?a=1"}),
            serde_json::json!({"apiUrl": 3}),
        ] {
            let err = Endpoint::resolve(&settings(bad.clone()), &|_| None).unwrap_err();
            assert!(matches!(err, LinearError::Config { .. }), "{bad}: {err}");
            assert!(!err.to_string().contains("lin_api_p"), "{err}");
        }
        let env = |_: &str| Some("not a url".to_string());
        let err = Endpoint::resolve(&Map::new(), &env).unwrap_err();
        assert!(err.to_string().contains(API_URL_VAR), "{err}");
    }
}
