//! Building plugins and launches for a project: the parts spawn, start and restore share.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::facade::{ScmFor, TrackerFor};
use super::{Orchestrator, OrchestratorError};
use crate::adapter_kit::fsutil::write_atomic;
use crate::config::{Project, ResolvedRole, expand_settings};
use crate::domain::{LaunchSpec, ProjectId, Role, SessionId};
use crate::plugin::{
    Agent, AgentError, LaunchRequest, Runtime, RuntimeHandle, ScmContext, TrackerContext, Workspace,
};
use crate::trust::TrustState;

/// Environment variables that choose which programs run (and so, set by a config, run the
/// config's own programs).
const PROGRAM_CHOOSING_VARIABLES: &[&str] = &["PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT"];

/// The project's configured variables that choose which programs run.
fn program_choosing_variables(project: &Project) -> impl Iterator<Item = &String> {
    project
        .settings
        .env
        .keys()
        .filter(|k| PROGRAM_CHOOSING_VARIABLES.contains(&k.as_str()) || k.starts_with("DYLD_"))
}

/// A system prompt as written for a launch: the file agents read, and its text for those that
/// take it inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SystemPrompt {
    pub(super) file: PathBuf,
    pub(super) text: String,
}

impl Orchestrator {
    fn env_lookup(name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    pub(super) fn runtime_for(
        &self,
        project: &Project,
    ) -> Result<Arc<dyn Runtime>, OrchestratorError> {
        let name = project
            .settings
            .runtime
            .as_deref()
            .unwrap_or(&self.config.file.defaults.runtime);
        Ok(self
            .registry
            .runtime(&self.plugin_context(name, serde_json::Value::Null))?)
    }

    /// The runtime that owns an existing session (named in its handle, whatever the config
    /// says today).
    pub(super) fn runtime_of(
        &self,
        handle: &RuntimeHandle,
    ) -> Result<Arc<dyn Runtime>, OrchestratorError> {
        Ok(self
            .registry
            .runtime(&self.plugin_context(&handle.runtime, serde_json::Value::Null))?)
    }

    pub(super) fn workspace_for(
        &self,
        project: &Project,
    ) -> Result<Arc<dyn Workspace>, OrchestratorError> {
        let name = project
            .settings
            .workspace
            .as_deref()
            .unwrap_or(&self.config.file.defaults.workspace);
        Ok(self
            .registry
            .workspace(&self.plugin_context(name, serde_json::Value::Null))?)
    }

    pub(super) fn agent_named(&self, name: &str) -> Result<Arc<dyn Agent>, OrchestratorError> {
        Ok(self
            .registry
            .agent(&self.plugin_context(name, serde_json::Value::Null))?)
    }

    /// Leaves out of a launch what any agent CLI set in this process's environment for its
    /// own children (see [`crate::plugin::ChildEnv`]): an orchestrator's agent running
    /// `ao spawn` must not hand its worker its own session's variables.
    pub(super) fn leave_out_agents_child_env(&self, spec: &mut LaunchSpec) {
        let is_set = |name: &str| std::env::var_os(name).is_some();
        for name in self.registry.agent_names() {
            // An agent that cannot be built cannot have started this process either.
            if let Ok(agent) = self.agent_named(&name) {
                // Only what is there to leave out: the spec says what really happens.
                spec.env_remove.extend(
                    agent
                        .child_env()
                        .left_out(is_set)
                        .into_iter()
                        .filter(|name| is_set(name))
                        .map(str::to_string),
                );
            }
        }
    }

    /// The launch id a request gives its agent (see `SessionRecord::launch_id`).
    pub(super) fn launch_id_of(req: &LaunchRequest) -> Option<String> {
        req.env.get(crate::adapter_kit::hook::LAUNCH_VAR).cloned()
    }

    /// The project's tracker: the configured one, or GitHub when `repo` names a repository.
    pub(super) fn tracker_for(
        &self,
        project: &Project,
    ) -> Result<Option<TrackerFor>, OrchestratorError> {
        let configured = project.settings.tracker.as_ref();
        let name = match configured.and_then(|t| t.plugin.clone()) {
            Some(name) => name,
            None if project.repo.as_deref().is_some_and(|r| r.contains('/')) => {
                "github".to_string()
            }
            None => return Ok(None),
        };
        let settings = match configured {
            Some(t) => expand_settings(
                &t.extra,
                &format!("projects.{}.tracker", project.id),
                None,
                &Self::env_lookup,
            )?,
            None => serde_json::Map::new(),
        };
        let tracker = self
            .registry
            .tracker(&self.plugin_context(&name, serde_json::Value::Object(settings.clone())))?;
        let ctx = TrackerContext {
            project_id: project.id.clone(),
            repo: project.repo.clone(),
            settings,
        };
        Ok(Some((tracker, ctx)))
    }

    /// The project's SCM: the configured one, or GitHub when `repo` names a repository.
    pub(super) fn scm_for(&self, project: &Project) -> Result<Option<ScmFor>, OrchestratorError> {
        let Some(repo) = project.repo.clone().filter(|r| r.contains('/')) else {
            return Ok(None);
        };
        let configured = project.settings.scm.as_ref();
        let name = configured
            .and_then(|s| s.plugin.clone())
            .unwrap_or_else(|| "github".to_string());
        let settings = match configured {
            Some(s) => expand_settings(
                &s.extra,
                &format!("projects.{}.scm", project.id),
                None,
                &Self::env_lookup,
            )?,
            None => serde_json::Map::new(),
        };
        let scm = self
            .registry
            .scm(&self.plugin_context(&name, serde_json::Value::Object(settings.clone())))?;
        Ok(Some((
            scm,
            ScmContext {
                project_id: project.id.clone(),
                repo,
                settings,
            },
        )))
    }

    /// The project's configured environment variables (`env:`).
    pub(super) fn project_env(project: &Project) -> BTreeMap<String, String> {
        project
            .settings
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// What every agent process gets from `ao` (plus the project's configured variables).
    pub(super) fn launch_env(
        &self,
        project: &Project,
        session: &SessionId,
        role: Role,
    ) -> BTreeMap<String, String> {
        let mut env = Self::project_env(project);
        let home = self.options.home.root().display().to_string();
        env.insert("AO_HOME".into(), home);
        env.insert(
            "AO_CONFIG_PATH".into(),
            self.config.path.display().to_string(),
        );
        env.insert("AO_PROJECT_ID".into(), project.id.to_string());
        env.insert("AO_SESSION_ID".into(), session.to_string());
        env.insert("AO_ROLE".into(), role.as_str().into());
        if let Some(socket) = &self.options.tmux_socket {
            env.insert("AO_TMUX_SOCKET".into(), socket.clone());
        }
        if let Some(bin) = &self.options.ao_bin {
            env.insert("AO_BIN".into(), bin.display().to_string());
            if let Some(dir) = bin.parent() {
                let path = std::env::var("PATH").unwrap_or_default();
                env.insert(
                    "PATH".into(),
                    if path.is_empty() {
                        dir.display().to_string()
                    } else {
                        format!("{}:{path}", dir.display())
                    },
                );
            }
        }
        env
    }

    /// Whether the config may act for the user (run commands, answer agents' trust
    /// questions): a config inside a git repository must be trusted first.
    pub(super) fn config_trusted(&self) -> Result<bool, OrchestratorError> {
        Ok(self.trust_state()?.is_none_or(|s| s == TrustState::Trusted))
    }

    /// The config's trust, or `None` when it needs none (it is kept outside a repository).
    pub(super) fn trust_state(&self) -> Result<Option<TrustState>, OrchestratorError> {
        if !crate::trust::needs_trust(&self.config.path) {
            return Ok(None);
        }
        Ok(Some(
            crate::trust::TrustStore::new(&self.options.home).state(&self.config.path)?,
        ))
    }

    /// Refuses, saying what the config would have done (`what`), unless it may act for the
    /// user.
    pub(super) fn require_trust(&self, what: &str) -> Result<(), OrchestratorError> {
        match self.trust_state()? {
            None | Some(TrustState::Trusted) => Ok(()),
            Some(state) => Err(OrchestratorError::Untrusted {
                config: self.config.path.clone(),
                what: what.to_string(),
                changed_since: match state {
                    TrustState::Changed { trusted_at } => Some(trusted_at),
                    _ => None,
                },
            }),
        }
    }

    /// The project's `postCreate` commands, if they may run (see [`Self::config_trusted`]).
    pub(super) fn post_create_commands(
        &self,
        project: &Project,
    ) -> Result<Vec<String>, OrchestratorError> {
        let commands = project.settings.post_create.clone();
        if !commands.is_empty() {
            self.require_trust("run its postCreate commands")?;
        }
        Ok(commands)
    }

    /// Refuses a launch that would run a program the config names — the `command` agent's
    /// program, or programs chosen through variables like `PATH` and `LD_PRELOAD` — unless
    /// the config may act for the user: a cloned repository's config must not run its own
    /// programs with the caller's environment just because someone ran `ao` there.
    pub(super) fn require_trust_for_programs(
        &self,
        project: &Project,
        resolved: &ResolvedRole,
    ) -> Result<(), OrchestratorError> {
        if resolved.agent.value == crate::command_agent::AGENT_NAME {
            self.require_trust("run the program its `command` agent names (agentConfig.command)")?;
        }
        if let Some(var) = program_choosing_variables(project).next() {
            self.require_trust(&format!(
                "set {var} for its agents, which chooses the programs they run"
            ))?;
        }
        Ok(())
    }

    /// What the project's config would have `ao` run on its own say — postCreate commands,
    /// `command` agents' programs, variables that choose programs — one line each, for a
    /// person deciding whether to trust it. Empty when there is nothing.
    pub fn runs_on_its_own_say(
        &self,
        project: &ProjectId,
    ) -> Result<Vec<String>, OrchestratorError> {
        let project = self.project(project)?;
        let mut lines: Vec<String> = project
            .settings
            .post_create
            .iter()
            .map(|c| format!("in every new worktree: {c}"))
            .collect();
        for role in Role::ALL {
            let resolved = self.config.resolve_role(
                project.id.as_str(),
                role,
                &crate::config::RoleOverrides::default(),
            )?;
            if resolved.agent.value == crate::command_agent::AGENT_NAME {
                let command = resolved
                    .agent_config
                    .as_ref()
                    .and_then(|c| c.value.command.clone())
                    .unwrap_or_default();
                lines.push(format!(
                    "as the {} agent: {}",
                    role.as_str(),
                    crate::adapter_kit::text::shell_line(&command)
                ));
            }
        }
        for var in program_choosing_variables(project) {
            lines.push(format!(
                "for every agent: {var}={}",
                project.settings.env.get(var).map_or("", String::as_str)
            ));
        }
        Ok(lines)
    }

    /// Lets the agent answer its first-run questions for the launch's folder (off the async
    /// threads: it may wait on a lock).
    pub(super) async fn prepare_agent(
        &self,
        agent: &Arc<dyn Agent>,
        req: &LaunchRequest,
    ) -> Result<(), OrchestratorError> {
        let (agent, req) = (agent.clone(), req.clone());
        let result = tokio::task::spawn_blocking(move || agent.prepare(&req))
            .await
            .map_err(|source| OrchestratorError::BackgroundTask {
                task: "preparing the agent",
                source,
            })?;
        match result {
            Err(AgentError::NeedsTrust { agent, path }) => {
                Err(OrchestratorError::UntrustedFolder {
                    config: self.config.path.clone(),
                    changed_since: match self.trust_state()? {
                        Some(TrustState::Changed { trusted_at }) => Some(trusted_at),
                        _ => None,
                    },
                    agent,
                    folder: path,
                })
            }
            Err(AgentError::NeedsAnswer { agent, question }) => Err(OrchestratorError::Untrusted {
                config: self.config.path.clone(),
                what: format!("answer {agent}'s question {question}"),
                changed_since: match self.trust_state()? {
                    Some(TrustState::Changed { trusted_at }) => Some(trusted_at),
                    _ => None,
                },
            }),
            other => Ok(other?),
        }
    }

    /// Writes a session's system prompt under `AO_HOME` (0600); the file and its text.
    pub(super) fn write_system_prompt(
        &self,
        project: &ProjectId,
        session: &SessionId,
        text: &str,
    ) -> Result<SystemPrompt, OrchestratorError> {
        self.write_prompt(project, &format!("{session}.system.md"), text)
    }

    /// Writes a dry run's system prompt where the printed launch names it, so the launch can
    /// be replayed: one file per project, replaced by the next dry run (nothing accumulates,
    /// and no session's own file is touched).
    pub(super) fn write_dry_run_prompt(
        &self,
        project: &ProjectId,
        text: &str,
    ) -> Result<SystemPrompt, OrchestratorError> {
        self.write_prompt(project, "dry-run.system.md", text)
    }

    fn write_prompt(
        &self,
        project: &ProjectId,
        name: &str,
        text: &str,
    ) -> Result<SystemPrompt, OrchestratorError> {
        let path = self.options.home.launch_dir(project).join(name);
        write_atomic(&path, text.as_bytes()).map_err(|source| OrchestratorError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(SystemPrompt {
            file: path,
            text: text.to_string(),
        })
    }

    /// That the project's directory exists: everything a session does happens there, and
    /// without it git's own errors would not say what is wrong.
    pub(super) fn project_path_exists(project: &Project) -> Result<(), OrchestratorError> {
        if project.path.is_dir() {
            Ok(())
        } else {
            Err(OrchestratorError::ProjectPathMissing {
                project: project.id.clone(),
                path: project.path.clone(),
            })
        }
    }

    /// Removes a session's launch files and hook events (after a failed spawn, or once the
    /// session is archived: a later session never reuses the id, so nothing reads them again).
    /// A file that cannot be removed holds nothing secret (prompts are not secrets) and is
    /// never read again; it is not worth failing the operation that archived its session.
    pub(super) fn remove_launch_files(&self, project: &ProjectId, session: &SessionId) {
        let home = &self.options.home;
        let _ = std::fs::remove_file(
            home.launch_dir(project)
                .join(format!("{session}.system.md")),
        );
        // Hook events and whatever adapters index beside them (`<session>.<kind>`).
        let events = home.events_file(project, session);
        if let Some(dir) = events.parent()
            && let Ok(entries) = std::fs::read_dir(dir)
        {
            let prefix = format!("{session}.");
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }

    /// A worker's rules: `agentRules`, then the rules file's text. Problems reading the file
    /// come back as warnings (validation already warned about a missing file).
    pub(super) fn worker_rules(resolved: &ResolvedRole) -> (Option<String>, Vec<String>) {
        let mut parts = Vec::new();
        let mut warnings = Vec::new();
        if let Some(inline) = &resolved.rules.inline {
            parts.push(inline.value.trim().to_string());
        }
        if let Some(file) = &resolved.rules.file {
            match std::fs::read_to_string(&file.value) {
                Ok(text) => parts.push(text.trim().to_string()),
                Err(e) => warnings.push(format!(
                    "agentRulesFile {} not read: {e}",
                    file.value.display()
                )),
            }
        }
        let rules = parts
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        ((!rules.is_empty()).then_some(rules), warnings)
    }

    /// The launch request for a resolved role.
    pub(super) fn launch_request(
        &self,
        project: &Project,
        session: &SessionId,
        resolved: &ResolvedRole,
        system: Option<SystemPrompt>,
        task_prompt: Option<String>,
        cwd: PathBuf,
    ) -> Result<LaunchRequest, OrchestratorError> {
        let (system_prompt_file, system_prompt) = system.map(|s| (s.file, s.text)).unzip();
        let mut env = self.launch_env(project, session, resolved.role);
        env.insert(
            crate::adapter_kit::hook::LAUNCH_VAR.into(),
            uuid::Uuid::new_v4().simple().to_string(),
        );
        Ok(LaunchRequest {
            project_id: project.id.clone(),
            session_id: session.clone(),
            role: resolved.role,
            model: resolved.model.value.clone(),
            permissions: resolved.permissions.value,
            system_prompt_file,
            system_prompt,
            agent_session_id: Some(uuid::Uuid::new_v4().to_string()),
            task_prompt,
            cwd,
            settings: resolved
                .agent_config
                .as_ref()
                .map(|s| s.value.clone())
                .unwrap_or_default(),
            env,
            trusted: self.config_trusted()?,
        })
    }
}
