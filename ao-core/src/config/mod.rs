//! The config engine: find, parse, validate and (later) resolve `agent-orchestrator.yaml`.
//!
//! Files written for the reference TypeScript tool load unchanged, but unlike the reference a
//! typo is never silently dropped: every problem is reported at once with its file, line,
//! column, key path and a hint. The stages are separate modules so each can be tested alone:
//! [`yaml`] (text → positioned tree; the only parser call), `decode` (tree → typed
//! [`ConfigFile`], collecting unknown keys), [`validate`] (rules across the whole file), and
//! [`load`] which strings them together; `resolve` answers "what does this role run, and
//! why".

mod choose;
mod decode;
mod diagnostic;
mod discover;
mod duration;
mod interpolate;
mod load;
mod model;
mod names;
mod node;
mod prefix;
mod reactions;
mod resolve;
mod schema;
mod show;
mod sources;
mod suggest;
mod validate;
mod yaml;

use std::path::PathBuf;

pub use crate::domain::{MASK, Permissions, Priority, is_secret_name, is_valid_id};
pub use decode::Located;
pub use diagnostic::{Diagnostic, Severity};
pub use discover::{
    CONFIG_FILE_NAMES, ConfigOrigin, Discovered, DiscoveryInput, discover, home_dir,
};
pub use duration::parse_duration;
pub use interpolate::{
    EXPANDED_NOTIFIER_KEYS, UnsetVar, expand_for_use, expand_settings, expand_vars, referenced_vars,
};
pub use load::{Config, PrefixOrigin, Project, Shape, load, load_str};
pub use model::*;
pub use names::{KnownNames, NameStatus, PluginKind};
pub use node::Pos;
pub use prefix::{derive_prefix, sanitize_id};
pub use reactions::{SUPPORTED_REACTIONS, UNSUPPORTED_REACTIONS, builtin_reactions};
pub use resolve::{
    Escalation, ResolvedReaction, ResolvedRole, RoleOverrides, Rules, RulesExplanation, Source,
    Sourced,
};
pub use schema::{json_schema, yaml_to_json};
pub use sources::SourceMap;
pub use suggest::{closest, did_you_mean};

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
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file has errors; `diagnostics` holds all of them, warnings included.
    #[error("{} is not a valid config ({} error{})", path.display(), error_count(diagnostics), plural(error_count(diagnostics)))]
    Invalid {
        /// The file.
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
        /// The ids.
        known: Vec<String>,
    },
    /// A `${VAR}` in a value that is about to be used names an unset variable.
    #[error("environment variable `{var}` used by `{key}` is not set")]
    UnsetVariable {
        /// The variable.
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
