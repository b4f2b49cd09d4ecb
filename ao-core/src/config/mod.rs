//! The config engine: find, parse, validate and resolve `agent-orchestrator.yaml`.
//!
//! Files written for the reference TypeScript tool load unchanged, but unlike the reference a
//! typo is never silently dropped: every problem is reported at once with its file, line,
//! column, key path and a hint. The stages are separate modules so each can be tested alone:
//! `yaml` (text → positioned tree; the only parser call), `decode` (tree → typed
//! [`ConfigFile`], collecting unknown keys), `validate` (rules across the whole file), and
//! [`load`] which strings them together; `resolve` answers "what does this role run, and
//! why"; [`init`] writes a first file for a repository.

mod choose;
mod decode;
mod diagnostic;
mod discover;
mod duration;
mod error;
pub mod init;
mod interpolate;
mod load;
mod loaded;
mod model;
mod names;
mod node;
mod paths;
mod prefix;
mod reactions;
mod resolve;
mod resolved;
mod schema;
mod show;
mod sources;
mod suggest;
mod validate;
mod yaml;

pub use crate::domain::{MASK, Permissions, Priority, is_secret_name, is_valid_id};
pub use choose::choose_project;
pub use decode::Located;
pub use diagnostic::{Code, Diagnostic, Severity};
pub use discover::{CONFIG_FILE_NAMES, Discovered, DiscoveryInput, discover, home_dir};
pub use duration::parse_duration;
pub use error::{ConfigError, ConfigOrigin};
pub use interpolate::{
    EXPANDED_NOTIFIER_KEYS, SECRET_NOTIFIER_KEYS, UnsetVar, expand_for_use, expand_settings,
    expand_vars, referenced_vars,
};
pub use load::{load, load_str};
pub use loaded::{Config, PrefixOrigin, Project, Shape};
pub use model::*;
pub use names::{KnownNames, NOTIFIERS_WITHOUT_SETTINGS, NameStatus, PluginKind};
pub use node::Pos;
pub use prefix::{derive_prefix, sanitize_id};
pub use reactions::{SUPPORTED_REACTIONS, UNSUPPORTED_REACTIONS, builtin_reactions};
pub use resolved::{
    Escalation, ResolvedReaction, ResolvedRole, RoleOverrides, Rules, RulesExplanation, Source,
    Sourced,
};
pub use schema::{json_schema, yaml_to_json};
pub use sources::SourceMap;
pub use suggest::{closest, did_you_mean};
