//! Why a config could not be found, read or used.

use std::fmt;
use std::path::PathBuf;

use super::diagnostic::Diagnostic;

/// How the config file was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigOrigin {
    /// Named explicitly: `--config PATH`, or a path given straight to `load`.
    Flag,
    /// The `AO_CONFIG_PATH` environment variable.
    Env,
    /// The config of the project whose session worktree the working directory is in.
    Worktree,
    /// Found walking up from the working directory.
    Search,
    /// The user config under `$XDG_CONFIG_HOME/ao/`.
    UserConfig,
}

impl fmt::Display for ConfigOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Flag => "given with --config",
            Self::Env => "named by AO_CONFIG_PATH",
            Self::Worktree => "the config of the project whose session worktree this is",
            Self::Search => "found above the working directory",
            Self::UserConfig => "the user config",
        })
    }
}

/// Why a config could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A config file that was named explicitly does not exist.
    #[error("config file {} ({origin}) does not exist", path.display())]
    NotFound {
        /// The path that was named.
        path: PathBuf,
        /// How it was named.
        origin: ConfigOrigin,
    },
    /// No config file was named and none was found.
    #[error("no agent-orchestrator.yaml found")]
    NoConfig {
        /// Every place that was looked at.
        searched: Vec<PathBuf>,
    },
    /// The file exists but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file that could not be read (`.` when the working directory itself could not).
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file has errors; `diagnostics` holds all of them, warnings included.
    #[error("{} is not a valid config ({} error{})", path.display(), error_count(diagnostics), plural(error_count(diagnostics)))]
    Invalid {
        /// The config file the diagnostics are about.
        path: PathBuf,
        /// Every error and warning, in file order.
        diagnostics: Vec<Diagnostic>,
    },
    /// No project has this id.
    #[error("no project `{id}` in the config")]
    UnknownProject {
        /// The id asked for.
        id: String,
        /// The ids that exist.
        known: Vec<String>,
    },
    /// Several projects are configured and nothing says which one is meant.
    #[error("several projects are configured ({}); say which with --project", known.join(", "))]
    AmbiguousProject {
        /// The ids of the projects it could be, to choose from with `--project`.
        known: Vec<String>,
    },
    /// A `${VAR}` in a value that is about to be used names an unset variable.
    #[error("environment variable `{var}` used by `{key}` is not set")]
    UnsetVariable {
        /// The unset variable's name, as written inside `${…}`.
        var: String,
        /// The key whose value uses it.
        key: String,
    },
}

fn error_count(diagnostics: &[Diagnostic]) -> usize {
    diagnostics.iter().filter(|d| d.is_error()).count()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl ConfigError {
    /// The errors (not warnings) of an invalid config; empty for other kinds.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        let diagnostics: &[Diagnostic] = match self {
            Self::Invalid { diagnostics, .. } => diagnostics,
            _ => &[],
        };
        diagnostics.iter().filter(|d| d.is_error())
    }
}

impl crate::error::Classify for ConfigError {
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass as C;
        match self {
            Self::NotFound { .. }
            | Self::NoConfig { .. }
            | Self::UnknownProject { .. }
            | Self::AmbiguousProject { .. } => C::NotFound,
            Self::Invalid { .. } | Self::UnsetVariable { .. } => C::InvalidConfig,
            Self::Read { .. } => C::Failed,
        }
    }
}
