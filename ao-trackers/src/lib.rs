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
pub mod linear;

/// Registers this crate's adapters: trackers `github` and `linear`.
pub fn register(registry: &mut Registry) {
    registry.register_tracker(github::TRACKER_NAME, github_tracker);
    registry.register_tracker(linear::TRACKER_NAME, linear_tracker);
}

/// A project's tracker settings as a map (`null`: none).
fn settings_map(
    ctx: &PluginContext,
) -> Result<serde_json::Map<String, serde_json::Value>, RegistryError> {
    match &ctx.settings {
        serde_json::Value::Object(m) => Ok(m.clone()),
        serde_json::Value::Null => Ok(serde_json::Map::new()),
        other => Err(RegistryError::Failed {
            kind: PluginKind::Tracker,
            name: ctx.name.clone(),
            detail: format!("its settings must be a map, not {other}"),
        }),
    }
}

/// Builds the GitHub tracker from a project's tracker settings; a malformed `apiUrl` fails here,
/// when the project is loaded, rather than at the first issue read.
fn github_tracker(ctx: &PluginContext) -> Result<Arc<dyn Tracker>, RegistryError> {
    let settings = settings_map(ctx)?;
    github::Endpoints::from_settings(&settings).map_err(|e| failed(ctx, e.to_string()))?;
    Ok(Arc::new(github::GitHubTracker::new(settings)))
}

/// Builds the Linear tracker from a project's tracker settings; a malformed `apiUrl`, `teamId`
/// or `workspaceSlug` fails here, when the project is loaded. The key is not needed yet: it is
/// read when an issue is.
fn linear_tracker(ctx: &PluginContext) -> Result<Arc<dyn Tracker>, RegistryError> {
    let settings = settings_map(ctx)?;
    linear::Endpoint::from_settings(&settings).map_err(|e| failed(ctx, e.to_string()))?;
    linear::Settings::from_map(&settings).map_err(|e| failed(ctx, e))?;
    Ok(Arc::new(linear::LinearTracker::new(settings)))
}

fn failed(ctx: &PluginContext, detail: String) -> RegistryError {
    RegistryError::Failed {
        kind: PluginKind::Tracker,
        name: ctx.name.clone(),
        detail,
    }
}

#[cfg(feature = "fake")]
pub mod fake;
