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
use ao_core::plugin::{PluginContext, Registry, RegistryError, Scm, Tracker};

pub mod github;
mod kit;
pub mod linear;

/// Registers this crate's adapters: trackers `github` and `linear`, SCM `github`.
pub fn register(registry: &mut Registry) {
    registry.register_tracker(github::TRACKER_NAME, github_tracker);
    registry.register_tracker(linear::TRACKER_NAME, linear_tracker);
    registry.register_scm(github::SCM_NAME, github_scm);
}

/// A plugin's settings as a map (`null`: none).
fn settings_map(
    ctx: &PluginContext,
    kind: PluginKind,
) -> Result<serde_json::Map<String, serde_json::Value>, RegistryError> {
    match &ctx.settings {
        serde_json::Value::Object(m) => Ok(m.clone()),
        serde_json::Value::Null => Ok(serde_json::Map::new()),
        other => Err(failed(
            ctx,
            kind,
            format!("its settings must be a map, not {other}"),
        )),
    }
}

/// A GitHub adapter's settings, checked; a malformed `apiUrl` fails here, when the project is
/// loaded, rather than at the first read.
fn github_settings(
    ctx: &PluginContext,
    kind: PluginKind,
) -> Result<serde_json::Map<String, serde_json::Value>, RegistryError> {
    let settings = settings_map(ctx, kind)?;
    github::Endpoints::from_settings(&settings).map_err(|e| failed(ctx, kind, e.to_string()))?;
    Ok(settings)
}

/// Builds the GitHub tracker from a project's tracker settings.
fn github_tracker(ctx: &PluginContext) -> Result<Arc<dyn Tracker>, RegistryError> {
    let settings = github_settings(ctx, PluginKind::Tracker)?;
    Ok(Arc::new(github::GitHubTracker::new(settings)))
}

/// Builds the GitHub SCM from a project's SCM settings.
fn github_scm(ctx: &PluginContext) -> Result<Arc<dyn Scm>, RegistryError> {
    let settings = github_settings(ctx, PluginKind::Scm)?;
    Ok(Arc::new(github::GitHubScm::new(settings)))
}

/// Builds the Linear tracker from a project's tracker settings; a malformed `apiUrl`, `teamId`
/// or `workspaceSlug` fails here, when the project is loaded. The key is not needed yet: it is
/// read when an issue is.
fn linear_tracker(ctx: &PluginContext) -> Result<Arc<dyn Tracker>, RegistryError> {
    let kind = PluginKind::Tracker;
    let settings = settings_map(ctx, kind)?;
    linear::Endpoint::from_settings(&settings).map_err(|e| failed(ctx, kind, e.to_string()))?;
    linear::Settings::from_map(&settings).map_err(|e| failed(ctx, kind, e))?;
    Ok(Arc::new(linear::LinearTracker::new(settings)))
}

fn failed(ctx: &PluginContext, kind: PluginKind, detail: String) -> RegistryError {
    RegistryError::Failed {
        kind,
        name: ctx.name.clone(),
        detail,
    }
}

#[cfg(feature = "fake")]
pub mod fake;
