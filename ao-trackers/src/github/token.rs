//! Which token a client sends, and where it came from.
//!
//! The token lives in one type that prints as `***`, so that no `Debug` of a client, a request or
//! an error can show it; callers learn only its source (`GITHUB_TOKEN`, `GH_TOKEN`, `gh`).
//! Asking `gh` spawns a process, so its answer is kept for the life of the process (per host).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::process::Stdio;
use std::sync::LazyLock;
use std::time::Duration;

use sha2::Digest;

/// How long `gh auth token` may take before it is given up on.
pub const GH_TIMEOUT: Duration = Duration::from_secs(5);

/// A GitHub token. Never printed: `Debug` shows `Token(***)`, and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A token from its text (surrounding whitespace dropped); `None` when that leaves nothing.
    pub fn new(text: impl Into<String>) -> Option<Self> {
        let text = text.into();
        let trimmed = text.trim();
        (!trimmed.is_empty()).then(|| Self(trimmed.to_string()))
    }

    /// The token's text, for the `Authorization` header and for redaction only.
    pub(crate) fn secret(&self) -> &str {
        &self.0
    }

    /// A stable name for the token that does not reveal it: the key of the process-wide client
    /// and budget registries.
    pub(crate) fn fingerprint(&self) -> String {
        let digest = sha2::Sha256::digest(self.0.as_bytes());
        digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({})", ao_core::domain::MASK)
    }
}

/// Where a token came from (never its value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenSource {
    /// The `GITHUB_TOKEN` environment variable.
    GithubToken,
    /// The `GH_TOKEN` environment variable.
    GhToken,
    /// `gh auth token`, GitHub's CLI.
    GhCli,
    /// Given by the program embedding `ao`.
    Explicit,
}

impl TokenSource {
    /// The environment variable the token was read from, when it was one.
    pub fn env_var(self) -> Option<&'static str> {
        match self {
            Self::GithubToken => Some("GITHUB_TOKEN"),
            Self::GhToken => Some("GH_TOKEN"),
            Self::GhCli | Self::Explicit => None,
        }
    }
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::GithubToken => f.write_str("GITHUB_TOKEN"),
            Self::GhToken => f.write_str("GH_TOKEN"),
            Self::GhCli => f.write_str("gh auth token"),
            Self::Explicit => f.write_str("the embedding program"),
        }
    }
}

/// What a client authenticates with: a token and its source, or nothing (anonymous requests:
/// public repositories only, 60 an hour).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    token: Option<(Token, TokenSource)>,
}

/// The fact a client without a token reports, for `ao doctor` and warnings.
pub const ANONYMOUS_WARNING: &str = "no GitHub token (GITHUB_TOKEN, GH_TOKEN or `gh auth login`): \
     requests go unauthenticated, limited to 60 an hour and to public repositories";

impl Credentials {
    /// No token: requests go unauthenticated.
    pub fn anonymous() -> Self {
        Self { token: None }
    }

    /// This token, from this source.
    pub fn token(token: Token, source: TokenSource) -> Self {
        Self {
            token: Some((token, source)),
        }
    }

    /// Where the token came from; `None` when there is none.
    pub fn source(&self) -> Option<TokenSource> {
        self.token.as_ref().map(|(_, s)| *s)
    }

    /// Whether requests go without a token.
    pub fn is_anonymous(&self) -> bool {
        self.token.is_none()
    }

    /// [`ANONYMOUS_WARNING`] when there is no token: a fact to show, not an error.
    pub fn warning(&self) -> Option<&'static str> {
        self.is_anonymous().then_some(ANONYMOUS_WARNING)
    }

    pub(crate) fn secret(&self) -> Option<&Token> {
        self.token.as_ref().map(|(t, _)| t)
    }

    /// The key of the process-wide registries: the token's fingerprint, or `anonymous`.
    pub(crate) fn key(&self) -> String {
        self.secret()
            .map_or_else(|| "anonymous".to_string(), Token::fingerprint)
    }

    /// This process's credentials for the GitHub at `host` (`github.com`, an Enterprise host):
    /// `GITHUB_TOKEN`, then `GH_TOKEN`, then `gh auth token --hostname <host>` when `gh` is on
    /// `PATH`. Found once per host and process.
    pub async fn discover(host: &str) -> Self {
        static FOUND: LazyLock<tokio::sync::Mutex<HashMap<String, Credentials>>> =
            LazyLock::new(Default::default);
        let mut found = FOUND.lock().await;
        if let Some(c) = found.get(host) {
            return c.clone();
        }
        let gh = ao_core::adapter_kit::probe::find_program("gh", None);
        let lookup = |name: &str| std::env::var(name).ok();
        let credentials = Self::discover_with(&lookup, gh.as_deref(), host, GH_TIMEOUT).await;
        found.insert(host.to_string(), credentials.clone());
        credentials
    }

    /// [`Credentials::discover`] with the environment read through `env` and `gh` at `gh`
    /// (`None`: not installed), without the per-process memory.
    pub async fn discover_with(
        env: &(dyn Fn(&str) -> Option<String> + Sync),
        gh: Option<&Path>,
        host: &str,
        timeout: Duration,
    ) -> Self {
        for source in [TokenSource::GithubToken, TokenSource::GhToken] {
            if let Some(token) = source.env_var().and_then(env).and_then(Token::new) {
                return Self::token(token, source);
            }
        }
        // A loopback API is a test server or a local fake: the user's gh login is for a real
        // GitHub and has no business there.
        if is_loopback_host(host) {
            return Self::anonymous();
        }
        match gh {
            Some(gh) => match gh_token(gh, host, timeout).await {
                Some(token) => Self::token(token, TokenSource::GhCli),
                None => Self::anonymous(),
            },
            None => Self::anonymous(),
        }
    }
}

/// Whether `host` (no port) names this machine.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `gh auth token --hostname <host>`'s answer; `None` when it fails, says nothing or takes
/// longer than `timeout` (it is then killed).
async fn gh_token(gh: &Path, host: &str, timeout: Duration) -> Option<Token> {
    let child = tokio::process::Command::new(gh)
        .args(["auth", "token", "--hostname", host])
        .env("GH_PROMPT_DISABLED", "1")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .ok()?;
    let out = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .ok()?
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Token::new(String::from_utf8(out.stdout).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(
        pairs: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> + Sync {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_string())
        }
    }

    fn script(dir: &Path, body: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("gh");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[tokio::test]
    async fn env_vars_come_first_in_order() {
        let c = Credentials::discover_with(
            &env(&[("GITHUB_TOKEN", " ghp_a \n"), ("GH_TOKEN", "ghp_b")]),
            None,
            "github.com",
            GH_TIMEOUT,
        )
        .await;
        assert_eq!(c.source(), Some(TokenSource::GithubToken));
        assert_eq!(c.secret().map(Token::secret), Some("ghp_a"));
        let c = Credentials::discover_with(
            &env(&[("GITHUB_TOKEN", "  "), ("GH_TOKEN", "ghp_b")]),
            None,
            "github.com",
            GH_TIMEOUT,
        )
        .await;
        assert_eq!(c.source(), Some(TokenSource::GhToken));
    }

    #[tokio::test]
    async fn gh_is_asked_for_the_host_and_absent_gh_is_anonymous() {
        let dir = tempfile::tempdir().unwrap();
        let gh = script(
            dir.path(),
            r#"[ "$1 $2 $3 $4" = "auth token --hostname ghe.example.com" ] && echo gho_cli"#,
        );
        let c =
            Credentials::discover_with(&env(&[]), Some(&gh), "ghe.example.com", GH_TIMEOUT).await;
        assert_eq!(c.source(), Some(TokenSource::GhCli));
        assert_eq!(c.secret().map(Token::secret), Some("gho_cli"));
        // gh failing (not logged in for that host) or missing: anonymous, not an error.
        let c = Credentials::discover_with(&env(&[]), Some(&gh), "github.com", GH_TIMEOUT).await;
        assert!(c.is_anonymous());
        assert_eq!(c.warning(), Some(ANONYMOUS_WARNING));
        let c = Credentials::discover_with(&env(&[]), None, "github.com", GH_TIMEOUT).await;
        assert!(c.is_anonymous());
        // A loopback API never gets the user's gh login.
        let c = Credentials::discover_with(&env(&[]), Some(&gh), "127.0.0.1", GH_TIMEOUT).await;
        assert!(c.is_anonymous());
    }

    #[tokio::test]
    async fn a_hanging_gh_is_given_up_on() {
        let dir = tempfile::tempdir().unwrap();
        let gh = script(dir.path(), "exec sleep 30");
        let started = std::time::Instant::now();
        let c = Credentials::discover_with(
            &env(&[]),
            Some(&gh),
            "github.com",
            Duration::from_millis(200),
        )
        .await;
        assert!(c.is_anonymous());
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_token_never_prints() {
        let t = Token::new("ghp_secret").unwrap();
        let c = Credentials::token(t.clone(), TokenSource::GhToken);
        for text in [format!("{t:?}"), format!("{c:?}"), format!("{c:#?}")] {
            assert!(!text.contains("ghp_secret"), "{text}");
        }
        assert_ne!(
            t.fingerprint(),
            Token::new("ghp_other").unwrap().fingerprint()
        );
        assert!(Token::new(" \n").is_none());
    }
}
