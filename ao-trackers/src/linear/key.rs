//! Which Linear API key a client sends, how, and where it came from.
//!
//! Linear takes a personal API key (`lin_api_…`) in `Authorization` as it is, and an OAuth
//! access token as `Bearer <token>`; sending a personal key with `Bearer` is refused. The key
//! lives in one type that prints as `***`, so that no `Debug` of a client, a tracker or an error
//! can show it; callers learn only its kind and its source.

use std::fmt;

use sha2::Digest;

/// The environment variable the key is read from.
pub const API_KEY_VAR: &str = "LINEAR_API_KEY";

/// The prefix of Linear's personal API keys.
const PERSONAL_PREFIX: &str = "lin_api_";

/// A Linear API key or OAuth token. Never printed: `Debug` shows `ApiKey(***)`, and there is no
/// `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

/// What kind of credential a key is, which decides how it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// A personal API key (`lin_api_…`): sent in `Authorization` as it is.
    Personal,
    /// An OAuth access token: sent as `Bearer <token>`.
    OAuth,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Personal => "personal API key",
            Self::OAuth => "OAuth token",
        })
    }
}

impl ApiKey {
    /// A key from its text (surrounding whitespace dropped; a `Bearer ` prefix someone copied
    /// along is dropped too, the key is then an OAuth token); `None` when that leaves nothing.
    pub fn new(text: impl Into<String>) -> Option<Self> {
        let text = text.into();
        let trimmed = text.trim();
        let bare = match trimmed.split_once(char::is_whitespace) {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
            None if trimmed.eq_ignore_ascii_case("bearer") => "",
            _ => trimmed,
        };
        (!bare.is_empty()).then(|| Self(bare.to_string()))
    }

    /// Whether it is a personal key or an OAuth token.
    pub fn kind(&self) -> KeyKind {
        if self.0.starts_with(PERSONAL_PREFIX) {
            KeyKind::Personal
        } else {
            KeyKind::OAuth
        }
    }

    /// The key's text, for the header and for redaction only.
    pub(crate) fn secret(&self) -> &str {
        &self.0
    }

    /// The `Authorization` header's value for this key.
    pub(crate) fn header_value(&self) -> String {
        match self.kind() {
            KeyKind::Personal => self.0.clone(),
            KeyKind::OAuth => format!("Bearer {}", self.0),
        }
    }

    /// A stable name for the key that does not reveal it: the key of the process-wide client and
    /// budget registries.
    pub(crate) fn fingerprint(&self) -> String {
        let digest = sha2::Sha256::digest(self.0.as_bytes());
        digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({})", ao_core::domain::MASK)
    }
}

/// Where a key came from (never its value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeySource {
    /// The `LINEAR_API_KEY` environment variable.
    LinearApiKey,
    /// Given by the program embedding `ao`.
    Explicit,
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LinearApiKey => f.write_str(API_KEY_VAR),
            Self::Explicit => f.write_str("the embedding program"),
        }
    }
}

/// What a client authenticates with: a key and its source, or nothing (every call is then
/// refused by Linear, so the tracker does not send any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    key: Option<(ApiKey, KeySource)>,
}

impl Credentials {
    /// No key.
    pub fn none() -> Self {
        Self { key: None }
    }

    /// This key, from this source.
    pub fn key(key: ApiKey, source: KeySource) -> Self {
        Self {
            key: Some((key, source)),
        }
    }

    /// The key in `LINEAR_API_KEY`, read through `env`; none when it is unset or blank.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Self {
        match env(API_KEY_VAR).and_then(ApiKey::new) {
            Some(key) => Self::key(key, KeySource::LinearApiKey),
            None => Self::none(),
        }
    }

    /// [`Credentials::from_env`] with this process's environment.
    pub fn discover() -> Self {
        Self::from_env(&|name| std::env::var(name).ok())
    }

    /// Where the key came from; `None` when there is none.
    pub fn source(&self) -> Option<KeySource> {
        self.key.as_ref().map(|(_, s)| *s)
    }

    /// The key's kind; `None` when there is none.
    pub fn kind(&self) -> Option<KeyKind> {
        self.key.as_ref().map(|(k, _)| k.kind())
    }

    pub(crate) fn secret(&self) -> Option<&ApiKey> {
        self.key.as_ref().map(|(k, _)| k)
    }

    /// The key of the process-wide registries: the key's fingerprint, or `none`.
    pub(crate) fn registry_key(&self) -> String {
        self.secret()
            .map_or_else(|| "none".to_string(), ApiKey::fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_personal_key_goes_as_it_is_and_a_token_with_bearer() {
        let personal = ApiKey::new(" lin_api_abc \n").unwrap();
        assert_eq!(personal.kind(), KeyKind::Personal);
        assert_eq!(personal.header_value(), "lin_api_abc");
        let oauth = ApiKey::new("lin_oauth_xyz").unwrap();
        assert_eq!(oauth.kind(), KeyKind::OAuth);
        assert_eq!(oauth.header_value(), "Bearer lin_oauth_xyz");
        // A token pasted with its scheme is not sent as `Bearer Bearer …`.
        let pasted = ApiKey::new("Bearer lin_oauth_xyz").unwrap();
        assert_eq!(pasted.header_value(), "Bearer lin_oauth_xyz");
        assert!(ApiKey::new("  ").is_none());
        assert!(ApiKey::new("Bearer ").is_none());
    }

    #[test]
    fn reads_linear_api_key_only() {
        let c = Credentials::from_env(&|n| (n == "LINEAR_API_KEY").then(|| "lin_api_k".into()));
        assert_eq!(c.source(), Some(KeySource::LinearApiKey));
        assert_eq!(c.kind(), Some(KeyKind::Personal));
        let c = Credentials::from_env(&|n| (n == "LINEAR_API_KEY").then(|| " ".into()));
        assert_eq!(c, Credentials::none());
        assert_eq!(Credentials::from_env(&|_| None).source(), None);
    }

    #[test]
    fn a_key_never_prints() {
        let k = ApiKey::new("lin_api_secret").unwrap();
        let c = Credentials::key(k.clone(), KeySource::Explicit);
        for text in [format!("{k:?}"), format!("{c:?}"), format!("{c:#?}")] {
            assert!(!text.contains("lin_api_secret"), "{text}");
        }
        assert_ne!(
            k.fingerprint(),
            ApiKey::new("lin_api_other").unwrap().fingerprint()
        );
    }
}
