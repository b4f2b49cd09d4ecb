//! What can go wrong talking to Linear, typed so that a caller tells a missing issue from a spent
//! rate limit from an outage without reading messages.
//!
//! Every text field is built by the client, which strips the key from anything it puts there
//! (even text Linear or a proxy echoed back), so no variant can render a credential.

use ao_core::domain::Timestamp;

/// `Result` with [`LinearError`] as the default error.
pub type Result<T, E = LinearError> = std::result::Result<T, E>;

/// Why a Linear call failed. `what` names the call (the GraphQL operation, `Issue`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinearError {
    /// Linear has no such entity (its `Entity not found: …` error), or the key cannot see it.
    #[error("Linear found nothing for {what}: {detail}")]
    NotFound {
        /// The call that found nothing.
        what: String,
        /// Linear's message (`Entity not found: Issue`).
        detail: String,
    },
    /// The key is missing, rejected or lacks a permission.
    #[error("Linear refused {what}: {detail}")]
    Auth {
        /// The call that was refused.
        what: String,
        /// The HTTP status, when Linear answered with one other than 200.
        status: Option<u16>,
        /// Linear's message.
        detail: String,
    },
    /// Linear's rate limit (`RATELIMITED`) is spent and the wait until it lifts is longer than
    /// this client waits.
    #[error("Linear rate limit reached for {what}{}", until(reset))]
    RateLimited {
        /// The call that was refused or not sent.
        what: String,
        /// When the limit lifts, when known.
        reset: Option<Timestamp>,
    },
    /// Linear could not be reached, or kept failing (5xx) after the retries.
    #[error("Linear is unavailable for {what}: {detail}")]
    Unavailable {
        /// The call that failed.
        what: String,
        /// The last HTTP status, when there was an answer.
        status: Option<u16>,
        /// What went wrong.
        detail: String,
    },
    /// No answer within the client's request timeout.
    #[error("Linear did not answer {what} within {after:?}")]
    Timeout {
        /// The call that timed out.
        what: String,
        /// The timeout that ran out.
        after: std::time::Duration,
    },
    /// The answer is not the JSON Linear's schema promises.
    #[error("cannot read Linear's answer to {what}: {detail}")]
    Decode {
        /// The call whose answer could not be read.
        what: String,
        /// What did not fit.
        detail: String,
    },
    /// Linear refused the request itself with an HTTP error and no GraphQL errors (413, 404 at
    /// a wrong URL, …).
    #[error("Linear rejected {what} ({status}): {detail}")]
    Rejected {
        /// The call that was rejected.
        what: String,
        /// The HTTP status.
        status: u16,
        /// The start of the answer.
        detail: String,
    },
    /// The answer carried GraphQL errors that are none of the above.
    #[error("Linear GraphQL {what} failed: {detail}")]
    GraphQl {
        /// The document's operation name.
        what: String,
        /// The errors' `extensions.code`s (`INPUT_ERROR`, …), empty when Linear gave none.
        codes: Vec<String>,
        /// The errors' messages, joined.
        detail: String,
    },
    /// The client's settings are unusable (a malformed endpoint, a key an HTTP header cannot
    /// carry).
    #[error("Linear settings: {detail}")]
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

impl LinearError {
    /// Applies `f` to every text field: the client's last pass, which removes the key.
    pub(crate) fn map_text(self, f: impl Fn(String) -> String) -> Self {
        match self {
            Self::NotFound { what, detail } => Self::NotFound {
                what: f(what),
                detail: f(detail),
            },
            Self::Auth {
                what,
                status,
                detail,
            } => Self::Auth {
                what: f(what),
                status,
                detail: f(detail),
            },
            Self::RateLimited { what, reset } => Self::RateLimited {
                what: f(what),
                reset,
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
                codes,
                detail,
            } => Self::GraphQl {
                what: f(what),
                codes: codes.into_iter().map(&f).collect(),
                detail: f(detail),
            },
            Self::Config { detail } => Self::Config { detail: f(detail) },
        }
    }

    /// Every variant's name, as [`LinearError::variant`] gives it.
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
