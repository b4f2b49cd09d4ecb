//! `ao init`: a first config for the repository you are in, written from what the repository
//! and the machine already say — project id and path from the directory, `repo` from the
//! `origin` remote, the default branch from `origin/HEAD`, and the agent CLIs on `PATH`.
//!
//! Detecting and rendering ([`plan`]) are separate from writing ([`InitPlan::write`]), so a
//! caller can show the file before (or instead of) writing it. Writing never replaces a file;
//! the rendered text loads without errors or warnings (the tests hold every recipe to that).

mod detect;
mod error;
mod recipe;
mod render;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::config::discover::CONFIG_FILE_NAMES;

use detect::default_agent;
pub use detect::{
    AGENT_PROGRAMS, BranchSource, FoundAgent, RepoFacts, agents_on_path, detect_repo,
};
pub use error::InitError;
pub use recipe::{Recipe, RoleChoice, UnknownRecipe};
pub use render::render;

/// What `ao init` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// Per-role agents and models; `None` picks one agent for both roles from what is found.
    pub recipe: Option<Recipe>,
    /// Where to write (default: `agent-orchestrator.yaml` in the repository's top level).
    pub output: Option<PathBuf>,
    /// `PATH`-style list searched for agent CLIs (default: this process's `PATH`).
    pub search_path: Option<OsString>,
}

/// The config `ao init` would write, and what it was made from.
#[derive(Debug, Clone)]
pub struct InitPlan {
    /// What the repository said.
    pub repo: RepoFacts,
    /// The agent CLIs found on `PATH`.
    pub agents: Vec<FoundAgent>,
    /// The recipe, when one was asked for.
    pub recipe: Option<Recipe>,
    /// Agents the file names that are not on `PATH` (they must be installed before a spawn).
    pub missing: Vec<&'static str>,
    /// The file to write.
    pub output: PathBuf,
    /// Its content.
    pub text: String,
}

/// Detects the repository around `cwd` and the agents on `PATH`, and renders the config —
/// nothing is written.
///
/// ```
/// use ao_core::config::init::{self, InitError, InitOptions, Recipe};
///
/// let dir = tempfile::tempdir()?;
/// std::process::Command::new("git")
///     .args(["init", "-q", "-b", "trunk"])
///     .current_dir(dir.path())
///     .status()?;
/// let options = InitOptions {
///     recipe: Some(Recipe::OpusSonnet),
///     ..InitOptions::default()
/// };
/// let plan = init::plan(dir.path(), &options)?;
/// assert_eq!(plan.repo.default_branch, "trunk");
/// assert!(plan.text.contains("    worker:\n      agent: claude-code\n      agentConfig:\n        model: sonnet\n"));
/// plan.write()?;
/// assert!(matches!(plan.write(), Err(InitError::Exists { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plan(cwd: &Path, options: &InitOptions) -> Result<InitPlan, InitError> {
    let repo = detect_repo(cwd)?;
    let agents = agents_on_path(options.search_path.as_deref());
    let output = match &options.output {
        Some(path) => cwd.join(path),
        None => repo.root.join(CONFIG_FILE_NAMES[0]),
    };
    let config_dir = output.parent().unwrap_or(Path::new("/"));
    // git reports the top level with symlinks resolved; so must the directory it is compared to.
    let config_dir = std::fs::canonicalize(config_dir).unwrap_or_else(|_| config_dir.to_path_buf());
    let project_path = project_path(&repo.root, &config_dir);
    let named: Vec<&'static str> = match options.recipe {
        Some(r) => vec![r.orchestrator().agent, r.worker().agent],
        None => vec![default_agent(&agents)],
    };
    let mut missing: Vec<&'static str> = named
        .into_iter()
        .filter(|a| !agents.iter().any(|f| f.agent == *a))
        .collect();
    missing.dedup();
    let text = render(&repo, &project_path, &agents, options.recipe);
    Ok(InitPlan {
        repo,
        agents,
        recipe: options.recipe,
        missing,
        output,
        text,
    })
}

impl InitPlan {
    /// Writes the file; refuses ([`InitError::Exists`]) when it — or the other name config
    /// discovery would find beside it — exists, and never replaces a file.
    pub fn write(&self) -> Result<(), InitError> {
        let dir = self.output.parent().unwrap_or(Path::new("/"));
        let is_config_name = self
            .output
            .file_name()
            .is_some_and(|n| CONFIG_FILE_NAMES.iter().any(|c| n == *c));
        let siblings: Vec<PathBuf> = if is_config_name {
            CONFIG_FILE_NAMES.iter().map(|n| dir.join(n)).collect()
        } else {
            Vec::new()
        };
        for path in std::iter::once(&self.output).chain(&siblings) {
            if path.symlink_metadata().is_ok() {
                return Err(InitError::Exists { path: path.clone() });
            }
        }
        crate::adapter_kit::fsutil::create_new_atomic(&self.output, self.text.as_bytes()).map_err(
            |source| match source.kind() {
                std::io::ErrorKind::AlreadyExists => InitError::Exists {
                    path: self.output.clone(),
                },
                _ => InitError::Write {
                    path: self.output.clone(),
                    source,
                },
            },
        )
    }
}

/// The project's `path` as the file at `config_dir` should say it: relative when the file is
/// inside the repository or the repository inside the file's directory, else absolute.
fn project_path(root: &Path, config_dir: &Path) -> String {
    if let Ok(below) = root.strip_prefix(config_dir) {
        return if below.as_os_str().is_empty() {
            ".".to_string()
        } else {
            format!("./{}", below.display())
        };
    }
    match config_dir.strip_prefix(root) {
        Ok(above) => vec![".."; above.components().count()].join("/"),
        Err(_) => root.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_paths_are_relative_to_the_file_when_they_can_be() {
        let p = |root: &str, dir: &str| project_path(Path::new(root), Path::new(dir));
        assert_eq!(p("/src/app", "/src/app"), ".");
        assert_eq!(p("/src/app", "/src"), "./app");
        assert_eq!(p("/src/app", "/src/app/conf/ao"), "../..");
        assert_eq!(p("/src/app", "/etc/ao"), "/src/app");
    }
}
