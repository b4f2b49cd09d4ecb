//! Live candidates for shell completion (`source <(COMPLETE=bash ao)`): session ids from the
//! session store and project ids from the project registry and the discovered config.
//!
//! They run on every Tab, so they read files only — never tmux, never the network — and they
//! never fail: anything that cannot be read gives no candidates rather than an error on the
//! person's prompt.

use ao_core::home::AoHome;
use ao_core::projects::ProjectRegistry;
use ao_core::store::FileStore;
use clap_complete::engine::CompletionCandidate;

/// Every registered project's sessions, each with its project as help.
pub(crate) fn sessions() -> Vec<CompletionCandidate> {
    let Ok(home) = AoHome::from_env() else {
        return Vec::new();
    };
    let projects = ProjectRegistry::new(&home).list().unwrap_or_default();
    let store = FileStore::new(home);
    projects
        .keys()
        .flat_map(|project| {
            store.session_ids(project).into_iter().map(move |id| {
                CompletionCandidate::new(id.as_str()).help(Some(project.to_string().into()))
            })
        })
        .collect()
}

/// The registered projects, then those of the config found from the working directory.
pub(crate) fn projects() -> Vec<CompletionCandidate> {
    let mut out: Vec<(String, String)> = Vec::new();
    if let Ok(home) = AoHome::from_env()
        && let Ok(registered) = ProjectRegistry::new(&home).list()
    {
        out.extend(registered.into_iter().map(|(id, p)| {
            (
                id.to_string(),
                format!("registered, {}", p.config_path.display()),
            )
        }));
    }
    if let Ok(config) = super::commands::load_config(&crate::cli::GlobalArgs { config: None }) {
        for id in config.projects.keys() {
            if !out.iter().any(|(known, _)| known == id) {
                out.push((id.clone(), format!("in {}", config.path.display())));
            }
        }
    }
    out.into_iter()
        .map(|(id, help)| CompletionCandidate::new(id).help(Some(help.into())))
        .collect()
}
