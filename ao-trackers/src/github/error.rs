//! What can go wrong talking to GitHub, typed so that a caller tells a missing issue from a spent
//! rate limit from an outage without reading messages.
//!
//! Every text field is built by the client, which strips the token from anything it puts there
//! (even text GitHub or a proxy echoed back), so no variant can render a credential.

use ao_core::domain::Timestamp;

/// `Result` with [`GitHubError`] as the default error.
pub type Result<T, E = GitHubError> = std::result::Result<T, E>;

/// Why a GitHub call failed. `what` names the call (`GET /repos/acme/app/issues/42`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitHubError {
    /// The resource does not exist (or is private and the token cannot see it).
    #[error("GitHub has nothing at {what}")]
    NotFound {
        /// The call that found nothing.
        what: String,
    },
    /// The token is missing, rejected or lacks a permission (401, 403 that is not a rate limit).
    #[error("GitHub refused {what} ({status}): {detail}")]
    Auth {
        /// The call that was refused.
        what: String,
        /// The HTTP status (401 or 403).
        status: u16,
        /// GitHub's message.
        detail: String,
    },
    /// A rate limit is spent and the wait until it lifts is longer than this client waits.
    #[error("GitHub rate limit reached for {what}{}", until(reset))]
    RateLimited {
        /// The call that was refused or not sent.
        what: String,
        /// When the limit lifts, when known.
        reset: Option<Timestamp>,
        /// The limit's resource (`core`, `graphql`, `search`), when GitHub said.
        resource: Option<String>,
    },
    /// GitHub could not be reached, or kept failing (5xx) after the retries.
    #[error("GitHub is unavailable for {what}: {detail}")]
    Unavailable {
        /// The call that failed.
        what: String,
        /// The last HTTP status, when there was an answer.
        status: Option<u16>,
        /// What went wrong.
        detail: String,
    },
    /// No answer within the client's request timeout.
    #[error("GitHub did not answer {what} within {after:?}")]
    Timeout {
        /// The call that timed out.
        what: String,
        /// The timeout that ran out.
        after: std::time::Duration,
    },
    /// The answer is not the JSON GitHub documents.
    #[error("cannot read GitHub's answer to {what}: {detail}")]
    Decode {
        /// The call whose answer could not be read.
        what: String,
        /// What did not fit.
        detail: String,
    },
    /// GitHub refused the request itself (422 validation failures and other 4xx).
    #[error("GitHub rejected {what} ({status}): {detail}")]
    Rejected {
        /// The call that was rejected.
        what: String,
        /// The HTTP status.
        status: u16,
        /// GitHub's message.
        detail: String,
    },
    /// A GraphQL answer carried errors.
    #[error("GitHub GraphQL {what} failed: {detail}")]
    GraphQl {
        /// The document's operation name.
        what: String,
        /// The errors' `type`s (`NOT_FOUND`, `FORBIDDEN`, …), empty when GitHub gave none.
        kinds: Vec<String>,
        /// The errors' messages, joined.
        detail: String,
    },
    /// The client's settings are unusable (a malformed API URL, a repository that is not
    /// `owner/name`).
    #[error("GitHub settings: {detail}")]
    Config {
        /// What is wrong and where it came from.
        detail: String,
    },
}

fn until(reset: &Option<Timestamp>) -> String {
    reset
        .map(|r| format!(" until {}", r.strftime("%Y-%m-%d %H:%M:%S UTC")))
        .unwrap_or_default()
}

impl GitHubError {
    /// Applies `f` to every text field: the client's last pass, which removes the token.
    pub(crate) fn map_text(self, f: impl Fn(String) -> String) -> Self {
        match self {
            Self::NotFound { what } => Self::NotFound { what: f(what) },
            Self::Auth {
                what,
                status,
                detail,
            } => Self::Auth {
                what: f(what),
                status,
                detail: f(detail),
            },
            Self::RateLimited {
                what,
                reset,
                resource,
            } => Self::RateLimited {
                what: f(what),
                reset,
                resource: resource.map(&f),
            },
            Self::Unavailable {
                what,
                status,
                detail,
            } => Self::Unavailable {
                what: f(what),
                status,
                detail: f(detail),
            },
            Self::Timeout { what, after } => Self::Timeout {
                what: f(what),
                after,
            },
            Self::Decode { what, detail } => Self::Decode {
                what: f(what),
                detail: f(detail),
            },
            Self::Rejected {
                what,
                status,
                detail,
            } => Self::Rejected {
                what: f(what),
                status,
                detail: f(detail),
            },
            Self::GraphQl {
                what,
                kinds,
                detail,
            } => Self::GraphQl {
                what: f(what),
                kinds: kinds.into_iter().map(&f).collect(),
                detail: f(detail),
            },
            Self::Config { detail } => Self::Config { detail: f(detail) },
        }
    }

    /// Every variant's name, as [`GitHubError::variant`] gives it.
    #[cfg(test)]
    pub(crate) const VARIANTS: &[&str] = &[
        "NotFound",
        "Auth",
        "RateLimited",
        "Unavailable",
        "Timeout",
        "Decode",
        "Rejected",
        "GraphQl",
        "Config",
    ];

    /// A short name of the variant, for tests that must see every one.
    #[cfg(test)]
    pub(crate) fn variant(&self) -> &'static str {
        // No wildcard: a new variant must be named here and in VARIANTS, which the redaction
        // test must then produce.
        match self {
            Self::NotFound { .. } => "NotFound",
            Self::Auth { .. } => "Auth",
            Self::RateLimited { .. } => "RateLimited",
            Self::Unavailable { .. } => "Unavailable",
            Self::Timeout { .. } => "Timeout",
            Self::Decode { .. } => "Decode",
            Self::Rejected { .. } => "Rejected",
            Self::GraphQl { .. } => "GraphQl",
            Self::Config { .. } => "Config",
        }
    }
}
