//! GitHub: one HTTP client per token and API per process, and the issue tracker and the SCM
//! (pull requests, checks, reviews) built on it.
//!
//! The reference implementation spawns `gh` for every call, caches answers for fixed times and
//! never backs off when its quota runs low. Here one [`GitHubClient`] per token and API base is
//! shared by the whole process ([`GitHubClient::shared`]): it reads conditionally with ETags (a
//! `304` is free against the rate limit), keeps one [`RateBudget`] from the `x-ratelimit-*`
//! headers of every answer, holds requests back while that budget is spent, and waits as GitHub
//! asks (`Retry-After`, `x-ratelimit-reset`) — up to [`ClientConfig::max_wait`], after which a
//! call fails at once with [`GitHubError::RateLimited`] and the reset time.
//!
//! Why reqwest rather than a GitHub crate: the client must see every answer's headers (ETag,
//! `x-ratelimit-*`, `Retry-After`, `Link`) and decide retries itself; octocrab, the maintained
//! GitHub crate, wraps that in its own typed API, retry layer and models (a large dependency for
//! the dozen fields `ao` reads). reqwest 0.12 with rustls and the *ring* provider: no OpenSSL,
//! and unlike reqwest 0.13's rustls (aws-lc-rs, a long C build, or a crypto provider the
//! program must install process-wide — not a library's call) it needs nothing from the
//! embedding program. Certificates: the Mozilla roots plus the system's, for Enterprise
//! servers behind a company CA.
//!
//! Every REST route the client calls is in [`routes::ROUTES`] and every GraphQL document in
//! [`documents::DOCUMENTS`]; tests check both against GitHub's published OpenAPI description and
//! GraphQL schema. The token never appears in an error, a `Debug` or a log ([`Token`]).

mod budget;
mod cache;
mod client;
mod doctor;
pub mod documents;
mod endpoints;
mod error;
pub mod routes;
mod scm;
mod source;
mod token;
mod tracker;
mod wire;

pub use budget::{RateBudget, RateLimit};
pub use client::{
    API_VERSION, ClientConfig, Conditional, GitHubClient, GraphQlError, GraphQlReply, Page,
};
pub use doctor::{DoctorReport, RepositoryAccess};
pub use documents::Document;
pub use endpoints::{Endpoints, GITHUB_COM_API};
pub use error::{GitHubError, Result};
pub use routes::Route;
pub use scm::{GitHubScm, MAX_AGE, MAX_NODES_PER_REQUEST, RECHECK_AGE, SCM_NAME};
pub use token::{ANONYMOUS_WARNING, Credentials, GH_TIMEOUT, Token, TokenSource};
pub use tracker::{GitHubTracker, MAX_LIST_PAGES, TRACKER_NAME};

#[cfg(test)]
mod redaction_tests;
