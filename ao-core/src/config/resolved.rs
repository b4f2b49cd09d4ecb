//! What a role and a reaction resolve to — each value with where it came from (the file, line
//! and key, or a built-in default) — as `ao config explain` shows it.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Serialize, Serializer};

use super::diagnostic::Diagnostic;
use super::model::{AgentConfig, Passthrough, ReactionAction};
use crate::domain::{Permissions, Priority, Role};

/// Where a resolved value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Written in the config file.
    File {
        /// The config file.
        file: PathBuf,
        /// 1-based line of the key.
        line: u32,
        /// Key path as written (`projects.app.worker.agent`).
        key: String,
    },
    /// `ao`'s built-in default.
    BuiltIn,
    /// A command-line flag of this invocation.
    Override {
        /// The flag, e.g. `--agent`.
        flag: &'static str,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { file, line, key } => {
                let name = file.file_name().map_or_else(
                    || file.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                write!(f, "{name}:{line} {key}")
            }
            Self::BuiltIn => f.write_str("built-in default"),
            Self::Override { flag } => write!(f, "{flag} flag"),
        }
    }
}

impl Serialize for Source {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A value with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sourced<T> {
    /// The value in force once overrides, the config and defaults are applied.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

/// Per-spawn choices that beat the config for one worker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleOverrides {
    /// Agent adapter to run instead of the configured one (`--agent`).
    pub agent: Option<String>,
    /// Model to run instead of the configured one (`--model`); without it, an agent
    /// override other than the configured agent drops the configured model.
    pub model: Option<String>,
}

/// The rules a role's system prompt includes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// The role they are for.
    pub role: Role,
    /// Inline rules: `orchestratorRules` or `agentRules`.
    pub inline: Option<Sourced<String>>,
    /// The rules file (workers only), resolved against the project path.
    pub file: Option<Sourced<PathBuf>>,
}

impl Rules {
    /// A one-line account of what is included, e.g. `agentRules + agentRulesFile (/p/rules.md)`.
    pub fn summary(&self) -> Option<String> {
        let inline_key = match self.role {
            Role::Orchestrator => "orchestratorRules",
            Role::Worker => "agentRules",
        };
        match (&self.inline, &self.file) {
            (None, None) => None,
            (Some(_), None) => Some(inline_key.to_string()),
            (None, Some(f)) => Some(format!("agentRulesFile ({})", f.value.display())),
            (Some(_), Some(f)) => Some(format!(
                "{inline_key} + agentRulesFile ({})",
                f.value.display()
            )),
        }
    }

    /// Where the rules come from, joined; `built-in default` when there are none.
    pub fn source_summary(&self) -> String {
        let parts: Vec<String> = self
            .inline
            .iter()
            .map(|s| s.source.to_string())
            .chain(self.file.iter().map(|s| s.source.to_string()))
            .collect();
        if parts.is_empty() {
            Source::BuiltIn.to_string()
        } else {
            parts.join("; ")
        }
    }

    /// What `ao config explain` shows for the rules.
    pub fn explanation(&self) -> RulesExplanation {
        RulesExplanation {
            value: self.summary(),
            source: self.source_summary(),
        }
    }
}

fn serialize_rules<S: Serializer>(rules: &Rules, s: S) -> Result<S::Ok, S::Error> {
    rules.explanation().serialize(s)
}

/// Everything a role of a project runs with. Serializes as what `ao config explain --json`
/// reports: each value with its source.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedRole {
    /// The id of the project the role belongs to.
    pub project_id: String,
    /// Which role was resolved: orchestrator or worker.
    pub role: Role,
    /// The agent adapter name.
    pub agent: Sourced<String>,
    /// The model; `None` lets the agent use its own default.
    pub model: Sourced<Option<String>>,
    /// The permission mode (`skip` already folded into `permissionless`).
    pub permissions: Sourced<Permissions>,
    /// The agent settings block in force (for adapter-specific keys).
    #[serde(skip)]
    pub agent_config: Option<Sourced<Passthrough<AgentConfig>>>,
    /// The rules the role's system prompt includes (serialized as a
    /// [`RulesExplanation`]).
    #[serde(serialize_with = "serialize_rules")]
    pub rules: Rules,
    /// What deserves a look about how this role resolved (warnings, and errors such as a
    /// `command` agent without a command).
    #[serde(skip)]
    pub findings: Vec<Diagnostic>,
}

/// The rules part of `ao config explain`: what is included and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RulesExplanation {
    /// What is included (`null`: no rules).
    pub value: Option<String>,
    /// Where each part comes from.
    pub source: String,
}

/// How a reaction escalates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Escalation {
    /// After this many attempts.
    Attempts(u32),
    /// After this long.
    After(#[serde(serialize_with = "serialize_secs")] Duration),
}

fn serialize_secs<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_secs())
}

/// One reaction as it applies to a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedReaction {
    /// Whether it runs by itself.
    pub auto: bool,
    /// What it does.
    pub action: ReactionAction,
    /// The message sent to the agent or the person, if any (details are appended).
    pub message: Option<String>,
    /// How urgent its notification is, when the merged layers set one.
    pub priority: Option<Priority>,
    /// Deliveries before escalating.
    pub retries: Option<u32>,
    /// When it escalates to a person.
    pub escalate_after: Option<Escalation>,
    /// How long a condition must last first (seconds when serialized).
    #[serde(serialize_with = "serialize_opt_secs")]
    pub threshold: Option<Duration>,
    /// How `auto-merge` merges.
    pub merge_method: crate::domain::MergeMethod,
    /// Built-in default, global entry, project entry — the layers that shaped it.
    pub sources: Vec<Source>,
}

fn serialize_opt_secs<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&d.as_secs()),
        None => s.serialize_none(),
    }
}
