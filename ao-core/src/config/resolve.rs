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

use indexmap::IndexMap;

use super::diagnostic::{Code, Diagnostic};
use super::duration::parse_duration;
use super::error::ConfigError;
use super::loaded::{Config, Project};
use super::model::{
    AgentConfig, DEFAULT_AGENT, EscalateAfter, Passthrough, ReactionAction, ReactionConfig,
};
use super::paths::resolve_path;
use super::reactions::{SUPPORTED_REACTIONS, builtin_reactions};
use super::resolved::{
    Escalation, ResolvedReaction, ResolvedRole, RoleOverrides, Rules, Source, Sourced,
};
use crate::domain::{Permissions, Role};

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
                    let path =
                        resolve_path(f, &project.path, super::discover::home_dir().as_deref());
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

        // The role default is only ever consulted when the project names no agent itself, so
        // only then can a role block (empty or not) change whether it applies.
        let default_agent = default_agent.filter(|_| p.agent.is_none());
        let block_path = format!("{base}.{rkey}");
        let empty = block.is_none_or(|b| b.agent.is_none() && b.agent_config.is_none());
        if let Some(default) = default_agent
            && empty
            && let Some(at) = self.sources.locate(&block_path)
        {
            // Written but empty. An empty mapping is a block, and replaces `defaults.<role>`;
            // an empty value (`worker:` and nothing after it) decodes as no block at all.
            let (message, hint) = if block.is_some() {
                (
                    format!(
                        "this `{rkey}` block is empty, yet like any `{rkey}` block it replaces `defaults.{rkey}`: the {rkey} runs `{}` ({}), not `{default}` from `defaults.{rkey}.agent`",
                        agent.value, agent.source
                    ),
                    format!(
                        "remove the empty block to run {default} from `defaults.{rkey}`, or add `agent: {default}` to it"
                    ),
                )
            } else {
                (
                    format!(
                        "`{rkey}:` has no value, which ao reads as no `{rkey}` block: the {rkey} runs `{}` ({})",
                        agent.value, agent.source
                    ),
                    format!(
                        "remove the empty `{rkey}:` line, which changes nothing; an empty mapping (`{rkey}: {{}}`) would instead hide `defaults.{rkey}`"
                    ),
                )
            };
            out.push(
                Diagnostic::warning(
                    Code::EmptyRoleBlock,
                    &self.path,
                    at.key,
                    display(&block_path),
                    message,
                )
                .with_hint(hint),
            );
        } else if let (Some(block), Some(hidden)) = (block, default_agent)
            && block.agent.is_none()
        {
            let path = block_path;
            out.push(
                Diagnostic::warning(
                    Code::RoleBlockReplaces,
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
                        Code::RoleBlockReplaces,
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
                Diagnostic::error(Code::InvalidValue, &self.path, pos, key, format!("the {rkey} uses agent `command` but its agentConfig has no `command`"))
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
                    merge_method: merged.merge_method.unwrap_or_default(),
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
