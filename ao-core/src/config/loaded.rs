//! A loaded config: the file as typed, its projects with paths and prefixes resolved, and where
//! every key was written. Loading makes one ([`super::load`]); resolution and project choice
//! answer questions about it.

use std::path::PathBuf;

use indexmap::IndexMap;

use super::diagnostic::Diagnostic;
use super::model::{ConfigFile, ProjectConfig};
use super::sources::SourceMap;
use crate::domain::ProjectId;

/// Which of the two file shapes a config has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A top-level `projects:` map.
    Wrapped,
    /// One project's keys at the top level of a file inside its repository.
    Flat,
}

/// Where a project's session prefix came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrefixOrigin {
    /// `sessionPrefix` in the file.
    Explicit,
    /// Derived from the path's last component.
    Derived,
    /// Derived, with `-2`, `-3`… added because another project had it.
    DerivedWithSuffix,
}

/// One project with its path and prefix resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// The project id (the key under `projects:`, or a flat file's directory name).
    pub id: ProjectId,
    /// Display name: the project's `name` key, or its id when that is not set.
    pub name: String,
    /// Absolute path of the main checkout.
    pub path: PathBuf,
    /// `owner/name`, from the file or (flat files) the `origin` remote.
    pub repo: Option<String>,
    /// Base branch of worktrees.
    pub default_branch: String,
    /// Prefix of session ids.
    pub session_prefix: String,
    /// Where the prefix came from.
    pub prefix_origin: PrefixOrigin,
    /// The project's keys as written.
    pub settings: ProjectConfig,
}

/// A loaded, valid config.
#[derive(Debug, Clone)]
pub struct Config {
    /// Absolute path of the file.
    pub path: PathBuf,
    /// The file's shape.
    pub shape: Shape,
    /// The file's content, typed (a flat file's project moved under `projects`).
    pub file: ConfigFile,
    /// The projects, in file order.
    pub projects: IndexMap<String, Project>,
    /// Everything that works but deserves a look.
    pub warnings: Vec<Diagnostic>,
    /// Where each key is written.
    pub sources: SourceMap,
}

impl Config {
    /// The project with this id.
    pub fn project(&self, id: &str) -> Option<&Project> {
        self.projects.get(id)
    }
}
