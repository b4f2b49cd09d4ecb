//! Which agent, model, permissions and rules each (project, role) gets, and where each value
//! came from.
//!
//! The whole per-role contract lives in [`Config::resolve_role`], one function:
//!
//! - `agent` = `projects.<p>.<role>.agent` → `projects.<p>.agent` → `defaults.<role>.agent`
//!   (only when the project has no `<role>` block) → `defaults.agent` → `claude-code`;
//! - the agent settings are the role block's `agentConfig` when it has one, else the project's
//!   — a replacement, never a merge;
//! - the orchestrator's model is `orchestratorModel` if set, else `model`;
//! - `permissions` defaults to `permissionless`;
//! - the orchestrator's rules are `orchestratorRules`; a worker's are `agentRules` plus
//!   `agentRulesFile`;
//! - a spawn's `--agent`/`--model` override one worker; the configured model is dropped when
//!   the agent changes and no model is given.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use indexmap::IndexMap;
use serde::{Serialize, Serializer};

use super::duration::parse_duration;
use super::load::{Config, Project};
use super::model::{
    AgentConfig, DEFAULT_AGENT, EscalateAfter, Passthrough, ReactionAction, ReactionConfig,
};
use super::reactions::{SUPPORTED_REACTIONS, builtin_reactions};
use super::validate::resolve_path;
use super::{ConfigError, Diagnostic};
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
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

/// Per-spawn choices that beat the config for one worker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleOverrides {
    /// `--agent`.
    pub agent: Option<String>,
    /// `--model`.
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
    /// The project.
    pub project_id: String,
    /// The role.
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
    /// The rules.
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
    /// Its message.
    pub message: Option<String>,
    /// Notification priority.
    pub priority: Option<Priority>,
    /// Deliveries before escalating.
    pub retries: Option<u32>,
    /// When it escalates to a person.
    pub escalate_after: Option<Escalation>,
    /// How long a condition must last first (seconds when serialized).
    #[serde(serialize_with = "serialize_opt_secs")]
    pub threshold: Option<Duration>,
    /// Built-in default, global entry, project entry — the layers that shaped it.
    pub sources: Vec<Source>,
}

fn serialize_opt_secs<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&d.as_secs()),
        None => s.serialize_none(),
    }
}

impl Config {
    /// Where the key at logical `path` is written, as a [`Source`]; built-in when unset.
    pub fn source_of(&self, path: &str) -> Source {
        match self.sources.locate(path) {
            Some(at) => Source::File {
                file: self.path.clone(),
                line: at.key.line,
                key: self.sources.display_path(path),
            },
            None => Source::BuiltIn,
        }
    }

    fn sourced<T>(&self, value: T, path: &str) -> Sourced<T> {
        Sourced {
            value,
            source: self.source_of(path),
        }
    }

    /// The project with this id, or a not-found error listing the known ones.
    pub fn require_project(&self, id: &str) -> Result<&Project, ConfigError> {
        self.projects
            .get(id)
            .ok_or_else(|| ConfigError::UnknownProject {
                id: id.to_string(),
                known: self.projects.keys().cloned().collect(),
            })
    }

    /// Resolves one role of one project (see the module docs for the rules).
    pub fn resolve_role(
        &self,
        project_id: &str,
        role: Role,
        overrides: &RoleOverrides,
    ) -> Result<ResolvedRole, ConfigError> {
        let project = self.require_project(project_id)?;
        let p = &project.settings;
        let base = format!("projects.{project_id}");
        let rkey = role.as_str();
        let block = match role {
            Role::Orchestrator => p.orchestrator.as_ref(),
            Role::Worker => p.worker.as_ref(),
        };
        let default_block = match role {
            Role::Orchestrator => self.file.defaults.orchestrator.as_ref(),
            Role::Worker => self.file.defaults.worker.as_ref(),
        };

        let (agent_value, agent_path) = if let Some(a) = block.and_then(|b| b.agent.clone()) {
            (a, Some(format!("{base}.{rkey}.agent")))
        } else if let Some(a) = p.agent.clone() {
            (a, Some(format!("{base}.agent")))
        } else if let (None, Some(a)) = (block, default_block.and_then(|d| d.agent.clone())) {
            (a, Some(format!("defaults.{rkey}.agent")))
        } else if self.sources.is_set("defaults.agent") {
            (
                self.file.defaults.agent.clone(),
                Some("defaults.agent".to_string()),
            )
        } else {
            (DEFAULT_AGENT.to_string(), None)
        };
        let configured_agent = match &agent_path {
            Some(path) => self.sourced(agent_value, path),
            None => Sourced {
                value: agent_value,
                source: Source::BuiltIn,
            },
        };
        let agent = match &overrides.agent {
            Some(a) => Sourced {
                value: a.clone(),
                source: Source::Override { flag: "--agent" },
            },
            None => configured_agent.clone(),
        };

        let ac_base = if block.is_some_and(|b| b.agent_config.is_some()) {
            format!("{base}.{rkey}.agentConfig")
        } else {
            format!("{base}.agentConfig")
        };
        let agent_config = block
            .and_then(|b| b.agent_config.clone())
            .or_else(|| p.agent_config.clone())
            .map(|ac| self.sourced(ac, &ac_base));
        let ac_path = |key: &str| format!("{ac_base}.{key}");
        let ac = agent_config.as_ref().map(|s| &s.value.known);

        let configured_model = match (role, ac) {
            (
                Role::Orchestrator,
                Some(AgentConfig {
                    orchestrator_model: Some(m),
                    ..
                }),
            ) => self.sourced(Some(m.clone()), &ac_path("orchestratorModel")),
            (_, Some(AgentConfig { model: Some(m), .. })) => {
                self.sourced(Some(m.clone()), &ac_path("model"))
            }
            _ => Sourced {
                value: None,
                source: Source::BuiltIn,
            },
        };
        let model = match (&overrides.model, &overrides.agent) {
            (Some(m), _) => Sourced {
                value: Some(m.clone()),
                source: Source::Override { flag: "--model" },
            },
            // A model configured for another agent would mean nothing (or the wrong thing) here.
            (None, Some(a)) if *a != configured_agent.value => Sourced {
                value: None,
                source: Source::Override { flag: "--agent" },
            },
            _ => configured_model,
        };

        let permissions = match ac.and_then(|a| a.permissions) {
            Some(perm) => self.sourced(perm.canonical(), &ac_path("permissions")),
            None => Sourced {
                value: Permissions::Permissionless,
                source: Source::BuiltIn,
            },
        };

        let rules = match role {
            Role::Orchestrator => Rules {
                role,
                inline: p
                    .orchestrator_rules
                    .clone()
                    .map(|r| self.sourced(r, &format!("{base}.orchestratorRules"))),
                file: None,
            },
            Role::Worker => Rules {
                role,
                inline: p
                    .agent_rules
                    .clone()
                    .map(|r| self.sourced(r, &format!("{base}.agentRules"))),
                file: p.agent_rules_file.as_ref().map(|f| {
                    let path = resolve_path(f, &project.path, super::home_dir().as_deref());
                    self.sourced(path, &format!("{base}.agentRulesFile"))
                }),
            },
        };

        let mut findings = Vec::new();
        let agent_path = overrides.agent.is_none().then_some(agent_path).flatten();
        self.role_findings(
            project,
            role,
            &agent,
            agent_path.as_deref(),
            agent_config.as_ref(),
            &mut findings,
        );
        Ok(ResolvedRole {
            project_id: project_id.to_string(),
            role,
            agent,
            model,
            permissions,
            agent_config,
            rules,
            findings,
        })
    }

    fn role_findings(
        &self,
        project: &Project,
        role: Role,
        agent: &Sourced<String>,
        agent_path: Option<&str>,
        agent_config: Option<&Sourced<Passthrough<AgentConfig>>>,
        out: &mut Vec<Diagnostic>,
    ) {
        let p = &project.settings;
        let base = format!("projects.{}", project.id);
        let rkey = role.as_str();
        let block = match role {
            Role::Orchestrator => p.orchestrator.as_ref(),
            Role::Worker => p.worker.as_ref(),
        };
        let default_agent = match role {
            Role::Orchestrator => self.file.defaults.orchestrator.as_ref(),
            Role::Worker => self.file.defaults.worker.as_ref(),
        }
        .and_then(|d| d.agent.as_deref());
        let key_pos = |path: &str| self.sources.locate(path).map(|l| l.key).unwrap_or_default();
        let display = |path: &str| self.sources.display_path(path);

        if let (Some(block), Some(hidden)) = (block, default_agent)
            && block.agent.is_none()
        {
            let path = format!("{base}.{rkey}");
            out.push(
                Diagnostic::warning(
                    &self.path,
                    key_pos(&path),
                    display(&path),
                    format!(
                        "this `{rkey}` block hides `defaults.{rkey}.agent` ({hidden}): the {rkey} runs `{}` ({})",
                        agent.value, agent.source
                    ),
                )
                .with_hint(format!("add `agent: {hidden}` to this block if the {rkey} should run {hidden}")),
            );
        }

        if let (Some(role_ac), Some(project_ac)) = (
            block.and_then(|b| b.agent_config.as_ref()),
            p.agent_config.as_ref(),
        ) {
            let role_keys = set_keys(role_ac);
            let dropped: Vec<String> = set_keys(project_ac)
                .into_iter()
                .filter(|k| !role_keys.contains(k))
                .filter(|k| role == Role::Orchestrator || k != "orchestratorModel")
                .collect();
            if !dropped.is_empty() {
                let path = format!("{base}.{rkey}.agentConfig");
                let list: Vec<String> = dropped.iter().map(|k| format!("`{k}`")).collect();
                out.push(
                    Diagnostic::warning(
                        &self.path,
                        key_pos(&path),
                        display(&path),
                        format!(
                            "this block replaces `{}` entirely: its {} do not apply to the {rkey}",
                            display(&format!("{base}.agentConfig")),
                            list.join(", ")
                        ),
                    )
                    .with_hint("repeat them in this block if the role needs them (role blocks replace, they do not merge)"),
                );
            }
        }

        let has_command = agent_config
            .and_then(|ac| ac.value.command.as_ref())
            .is_some_and(|c| !c.is_empty());
        if agent.value == "command" && !has_command {
            let pos = agent_path
                .and_then(|p| self.sources.locate(p))
                .map(|l| l.value)
                .unwrap_or_default();
            let key = agent_path.map(display).unwrap_or_default();
            out.push(
                Diagnostic::error(&self.path, pos, key, format!("the {rkey} uses agent `command` but its agentConfig has no `command`"))
                    .with_hint("add `agentConfig: {command: [program, args…]}` where this role's settings live"),
            );
        }
    }

    /// Every supported reaction as it applies to `project_id`: built-in default, then the
    /// global entry, then the project's, each merged field by field over the last.
    pub fn reactions(
        &self,
        project_id: &str,
    ) -> Result<IndexMap<String, ResolvedReaction>, ConfigError> {
        let project = self.require_project(project_id)?;
        let mut keys: Vec<&str> = SUPPORTED_REACTIONS.to_vec();
        for key in self
            .file
            .reactions
            .keys()
            .chain(project.settings.reactions.keys())
        {
            if SUPPORTED_REACTIONS.contains(&key.as_str()) && !keys.contains(&key.as_str()) {
                keys.push(key);
            }
        }
        let mut out = IndexMap::new();
        for key in keys {
            let mut merged = ReactionConfig::default();
            let mut sources = Vec::new();
            if let Some(b) = builtin_reactions().get(key) {
                merged = b.clone();
                sources.push(Source::BuiltIn);
            }
            if let Some(g) = self.file.reactions.get(key) {
                merged = g.merged_over(&merged);
                sources.push(self.source_of(&format!("reactions.{key}")));
            }
            if let Some(pr) = project.settings.reactions.get(key) {
                merged = pr.merged_over(&merged);
                sources.push(self.source_of(&format!("projects.{project_id}.reactions.{key}")));
            }
            out.insert(
                key.to_string(),
                ResolvedReaction {
                    auto: merged.auto.unwrap_or(true),
                    action: merged.action.unwrap_or(ReactionAction::Notify),
                    message: merged.message,
                    priority: merged.priority,
                    retries: merged.retries,
                    escalate_after: merged.escalate_after.and_then(|e| match e {
                        EscalateAfter::Attempts(n) => Some(Escalation::Attempts(n)),
                        EscalateAfter::Duration(d) => parse_duration(&d).map(Escalation::After),
                    }),
                    threshold: merged.threshold.as_deref().and_then(parse_duration),
                    sources,
                },
            );
        }
        Ok(out)
    }
}

/// The keys an agentConfig block sets, typed and passthrough alike.
fn set_keys(ac: &Passthrough<AgentConfig>) -> Vec<String> {
    let known = serde_json::to_value(&ac.known).ok();
    let mut keys: Vec<String> = known
        .as_ref()
        .and_then(|v| v.as_object())
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    keys.extend(ac.extra.keys().cloned());
    keys
}
