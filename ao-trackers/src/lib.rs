//! Tracker and SCM adapters for `ao`: GitHub (issues, pull requests, checks, reviews) and Linear
//! (issues).
//!
//! Kept apart from `ao-core` so that the HTTP stack is only linked by programs that talk to a
//! forge. [`register`] adds this crate's adapters to a registry, the way `ao-agents` adds the
//! agents.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::sync::Arc;

use ao_core::config::PluginKind;
use ao_core::plugin::{PluginContext, Registry, RegistryError, Tracker};

pub mod github;

/// Registers this crate's adapters: tracker `github`.
pub fn register(registry: &mut Registry) {
    registry.register_tracker(github::TRACKER_NAME, github_tracker);
}

/// Builds the GitHub tracker from a project's tracker settings; a malformed `apiUrl` fails here,
/// when the project is loaded, rather than at the first issue read.
fn github_tracker(ctx: &PluginContext) -> Result<Arc<dyn Tracker>, RegistryError> {
    let failed = |detail: String| RegistryError::Failed {
        kind: PluginKind::Tracker,
        name: ctx.name.clone(),
        detail,
    };
    let settings = match &ctx.settings {
        serde_json::Value::Object(m) => m.clone(),
        serde_json::Value::Null => serde_json::Map::new(),
        other => return Err(failed(format!("its settings must be a map, not {other}"))),
    };
    github::Endpoints::from_settings(&settings).map_err(|e| failed(e.to_string()))?;
    Ok(Arc::new(github::GitHubTracker::new(settings)))
}

#[cfg(feature = "fake")]
pub mod fake;
