//! Where an adapter's client comes from: the process's shared client for a project's settings
//! (the token discovered, or given), or a client the embedder built.
//!
//! The tracker and the SCM resolve their client the same way on every call, so that every
//! project on one GitHub shares one budget and one ETag cache whichever adapter asks.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::client::GitHubClient;
use super::endpoints::Endpoints;
use super::error::Result;
use super::token::Credentials;

/// Where an adapter's client comes from.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// The shared client for the settings, with the token discovered.
    Discover,
    /// The shared client for the settings, with these credentials.
    Credentials(Credentials),
    /// This client.
    Client(Arc<GitHubClient>),
}

impl Source {
    /// The client for a call: the call's own settings (`call`) win over the ones the adapter
    /// was built with (`built`) when they name an API, as the orchestrator passes a project's
    /// settings with every call.
    pub(crate) async fn client(
        &self,
        built: &Map<String, Value>,
        call: &Map<String, Value>,
    ) -> Result<Arc<GitHubClient>> {
        if let Self::Client(c) = self {
            return Ok(c.clone());
        }
        let own = call.contains_key("apiUrl") || call.contains_key("graphqlUrl");
        let settings = if own { call } else { built };
        let endpoints = Endpoints::from_settings(settings)?;
        let credentials = match self {
            Self::Credentials(c) => c.clone(),
            _ => Credentials::discover(&endpoints.web_host()).await,
        };
        GitHubClient::shared(endpoints, credentials)
    }
}
