//! Where a GitHub's REST and GraphQL APIs are: github.com, an Enterprise server, or a test fake.
//!
//! Precedence: the project's own settings (`apiUrl`, `graphqlUrl`), then the variables GitHub
//! Actions sets (`GITHUB_API_URL`, `GITHUB_GRAPHQL_URL`), then github.com. A project that names
//! its own `apiUrl` names another server than the environment's, so the environment's GraphQL
//! URL is not mixed with it: its GraphQL URL is then derived from its `apiUrl`.

use reqwest::Url;
use serde_json::{Map, Value};

use super::error::{GitHubError, Result};

/// github.com's REST API.
pub const GITHUB_COM_API: &str = "https://api.github.com";

/// The REST and GraphQL base URLs of one GitHub.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoints {
    /// Without a trailing slash: routes (`/repos/…`) are appended.
    api: String,
    graphql: String,
}

impl Endpoints {
    /// github.com.
    pub fn github_com() -> Self {
        Self {
            api: GITHUB_COM_API.to_string(),
            graphql: format!("{GITHUB_COM_API}/graphql"),
        }
    }

    /// These URLs; the GraphQL one defaults to the one that goes with `api` (an Enterprise
    /// server's `…/api/v3` has its GraphQL at `…/api/graphql`, others at `<api>/graphql`).
    pub fn new(api: &str, graphql: Option<&str>) -> Result<Self> {
        let api = checked(api, "the REST API URL")?;
        let graphql = match graphql {
            Some(g) => checked(g, "the GraphQL URL")?,
            None => graphql_for(&api),
        };
        Ok(Self { api, graphql })
    }

    /// The endpoints for a project whose tracker or SCM settings are `settings` (`apiUrl`,
    /// `graphqlUrl`), with the environment read through `env`.
    pub fn resolve(
        settings: &Map<String, Value>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let setting = |key: &str| -> Result<Option<String>> {
            match settings.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(GitHubError::Config {
                    detail: format!("`{key}` must be a URL string, not {other}"),
                }),
            }
        };
        let graphql_setting = setting("graphqlUrl")?;
        match setting("apiUrl")? {
            Some(api) => {
                Self::new(&api, graphql_setting.as_deref()).map_err(|e| within(e, "apiUrl"))
            }
            None => {
                let api = env("GITHUB_API_URL").unwrap_or_else(|| GITHUB_COM_API.to_string());
                let graphql = graphql_setting.or_else(|| env("GITHUB_GRAPHQL_URL"));
                Self::new(&api, graphql.as_deref())
            }
        }
    }

    /// [`Endpoints::resolve`] with this process's environment.
    pub fn from_settings(settings: &Map<String, Value>) -> Result<Self> {
        Self::resolve(settings, &|name| std::env::var(name).ok())
    }

    /// The REST API base URL (no trailing slash).
    pub fn api(&self) -> &str {
        &self.api
    }

    /// The GraphQL endpoint.
    pub fn graphql(&self) -> &str {
        &self.graphql
    }

    /// The web host whose login `gh` keeps (`github.com` for `api.github.com`).
    pub fn web_host(&self) -> String {
        let host = Url::parse(&self.api)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        match host.as_str() {
            "api.github.com" => "github.com".to_string(),
            _ => host,
        }
    }

    /// Whether `url` is on the REST API's origin: only there may the token go (a `Link` header
    /// pointing elsewhere is not followed).
    pub(crate) fn same_origin(&self, url: &Url) -> bool {
        Url::parse(&self.api).is_ok_and(|api| api.origin() == url.origin())
    }

    /// Whether the API is on this machine (then no proxy is used).
    pub(crate) fn is_loopback(&self) -> bool {
        Url::parse(&self.api)
            .ok()
            .and_then(|u| u.host_str().map(super::token::is_loopback_host))
            .unwrap_or(false)
    }
}

fn within(e: GitHubError, key: &str) -> GitHubError {
    match e {
        GitHubError::Config { detail } => GitHubError::Config {
            detail: format!("`{key}`: {detail}"),
        },
        other => other,
    }
}

/// `url` as an http(s) URL without query, fragment or trailing slash.
fn checked(url: &str, what: &str) -> Result<String> {
    let bad = |why: &str| GitHubError::Config {
        detail: format!("{what} `{}` {why}", shown(url)),
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
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

/// `url` for a message: a password or user in it is masked.
fn shown(url: &str) -> String {
    match Url::parse(url.trim()) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username(ao_core::domain::MASK);
            let _ = u.set_password(None);
            u.to_string()
        }
        Ok(_) => url.to_string(),
        Err(_) if url.contains('@') => ao_core::domain::MASK.to_string(),
        Err(_) => url.to_string(),
    }
}

fn graphql_for(api: &str) -> String {
    match api.strip_suffix("/api/v3") {
        Some(host) => format!("{host}/api/graphql"),
        None => format!("{api}/graphql"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |n| {
            pairs
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| (*v).to_string())
        }
    }

    #[test]
    fn defaults_to_github_com() {
        let e = Endpoints::resolve(&Map::new(), &env(&[])).unwrap();
        assert_eq!(e, Endpoints::github_com());
        assert_eq!(e.graphql(), "https://api.github.com/graphql");
        assert_eq!(e.web_host(), "github.com");
    }

    #[test]
    fn settings_beat_the_environment_which_beats_the_default() {
        let vars = env(&[
            ("GITHUB_API_URL", "https://ghe.corp/api/v3"),
            ("GITHUB_GRAPHQL_URL", "https://ghe.corp/api/graphql"),
        ]);
        let e = Endpoints::resolve(&Map::new(), &vars).unwrap();
        assert_eq!(e.api(), "https://ghe.corp/api/v3");
        assert_eq!(e.graphql(), "https://ghe.corp/api/graphql");
        assert_eq!(e.web_host(), "ghe.corp");

        let s = settings(serde_json::json!({"apiUrl": "http://127.0.0.1:9/"}));
        let e = Endpoints::resolve(&s, &vars).unwrap();
        assert_eq!(e.api(), "http://127.0.0.1:9");
        // The environment's GraphQL URL belongs to the environment's server.
        assert_eq!(e.graphql(), "http://127.0.0.1:9/graphql");
        assert!(e.is_loopback());

        let s = settings(
            serde_json::json!({"apiUrl": "https://x.test/api/v3", "graphqlUrl": "https://x.test/gql"}),
        );
        assert_eq!(
            Endpoints::resolve(&s, &vars).unwrap().graphql(),
            "https://x.test/gql"
        );
        // An Enterprise server's GraphQL is beside its REST API, not under it.
        let s = settings(serde_json::json!({"apiUrl": "https://x.test/api/v3"}));
        assert_eq!(
            Endpoints::resolve(&s, &vars).unwrap().graphql(),
            "https://x.test/api/graphql"
        );
    }

    #[test]
    fn refuses_what_is_not_an_api_url() {
        for bad in [
            serde_json::json!({"apiUrl": "api.github.com"}),
            serde_json::json!({"apiUrl": "ftp://x"}),
            serde_json::json!({"apiUrl": "https://u:p@x.test"}),
            serde_json::json!({"apiUrl": "https://x.test/?a=1"}),
            serde_json::json!({"apiUrl": 3}),
        ] {
            let err = Endpoints::resolve(&settings(bad.clone()), &env(&[])).unwrap_err();
            assert!(!err.to_string().contains(":p@"), "{err}");
            let err = Endpoints::resolve(&settings(bad.clone()), &env(&[])).unwrap_err();
            assert!(matches!(err, GitHubError::Config { .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn knows_its_origin() {
        let e = Endpoints::new("http://127.0.0.1:8080", None).unwrap();
        assert!(
            e.same_origin(&Url::parse("http://127.0.0.1:8080/repos/a/b/issues?page=2").unwrap())
        );
        assert!(!e.same_origin(&Url::parse("http://127.0.0.1:8081/repos").unwrap()));
        assert!(!e.same_origin(&Url::parse("https://evil.test/repos").unwrap()));
    }
}
