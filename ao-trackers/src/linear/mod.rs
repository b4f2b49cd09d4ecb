//! Linear: a GraphQL client per key and endpoint, and the issue tracker built on it.
//!
//! Linear has one GraphQL endpoint (api.linear.app, or `tracker.apiUrl` / `LINEAR_API_URL`) and
//! takes `LINEAR_API_KEY` — a personal key as it is, an OAuth token with `Bearer` ([`ApiKey`]).
//! One [`LinearClient`] per key and endpoint is shared by the process
//! ([`LinearClient::shared`]); it keeps one [`RateBudget`] from the rate-limit headers of every
//! answer, holds requests back while it is spent, and waits out Linear's `RATELIMITED` errors
//! as Linear asks — up to [`ClientConfig::max_wait`], after which a call fails at once with
//! [`LinearError::RateLimited`] and the reset time.
//!
//! Why not Linear's SDK: it is TypeScript. Why not a generated Rust client: `ao` reads about ten
//! fields and sends seven documents; those are constants here ([`documents::DOCUMENTS`]) that a
//! test validates against the subset of Linear's published schema kept as a fixture, which
//! catches the same misspellings a generated client would, without its weight.
//!
//! The key never appears in an error, a `Debug` or a log: it lives in [`ApiKey`], and every
//! error passes the client's redaction on its way out.

mod budget;
mod client;
mod doctor;
pub mod documents;
mod endpoint;
mod error;
mod key;
mod tracker;
mod wire;

pub use budget::{RateBudget, RateWindow};
pub use client::{ClientConfig, LinearClient};
pub use doctor::{DoctorReport, TeamAccess, Viewer};
pub use documents::Document;
pub use endpoint::{API_URL_VAR, Endpoint, LINEAR_API};
pub use error::{LinearError, Result};
pub use key::{API_KEY_VAR, ApiKey, Credentials, KeyKind, KeySource};
pub use tracker::{LinearTracker, MAX_LIST_PAGES, Settings, TRACKER_NAME, is_git_safe_branch};

#[cfg(test)]
mod redaction_tests;
