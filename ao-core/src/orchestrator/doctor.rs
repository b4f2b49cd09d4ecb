//! The per-config half of `ao doctor` (see [`crate::doctor`]).

use std::path::Path;
use std::sync::Arc;

use super::Orchestrator;
use crate::adapter_kit::probe::{find_program, find_unexecutable};
use crate::config::{NameStatus, PluginKind, Project, RoleOverrides};
use crate::doctor::{Check, Outcome, tracker_credential};
use crate::domain::Role;
use crate::domain::SessionId;
use crate::plugin::{Agent, AgentError};

impl Orchestrator {
    /// Checks every project of this config, role by role: agent binary and version, the
    /// launch accepted by that binary (isolated, never a model turn), trust; and per project
    /// whether its tracker and SCM have an adapter here, and what the tracker probes (its
    /// service, credentials and budget). Runs agent binaries and asks the tracker's service;
    /// takes seconds.
    pub async fn doctor(&self) -> Vec<Check> {
        let mut checks = Vec::new();
        for project in self.config.projects.values() {
            for role in Role::ALL {
                checks.extend(self.doctor_role(project, role).await);
            }
            checks.extend(self.doctor_tracker(project).await);
            checks.extend(self.doctor_scm(project));
        }
        checks
    }

    async fn doctor_role(&self, project: &Project, role: Role) -> Vec<Check> {
        let about = |check: Check| check.about(project.id.as_str(), Some(role));
        let resolved =
            match self
                .config
                .resolve_role(project.id.as_str(), role, &RoleOverrides::default())
            {
                Ok(r) => r,
                Err(e) => {
                    return vec![about(Check::new("config", Outcome::Invalid, e.to_string()))];
                }
            };
        let name = resolved.agent.value.clone();
        let agent = match self.agent_named(&name) {
            Ok(a) => a,
            Err(e) => {
                return vec![about(
                    Check::new("agent", Outcome::Failed, format!("agent {name}: {e}"))
                        .hint("choose an agent this ao offers (`ao config schema` lists them)"),
                )];
            }
        };
        let mut checks = Vec::new();
        let probe = {
            let agent = agent.clone();
            tokio::task::spawn_blocking(move || agent.probe()).await
        };
        match probe {
            Ok(Ok(report)) => checks.push(about(Check::new(
                "agent",
                Outcome::Ok,
                format!(
                    "{name}: {} ({})",
                    report.binary.display(),
                    report.version.as_deref().unwrap_or("version unknown")
                ),
            ))),
            Ok(Err(AgentError::BinaryNotFound { program })) => {
                checks.push(about(missing_program(&name, &program, None, &*agent)));
                return checks;
            }
            // An adapter that cannot say (e.g. `command`) is not a failure.
            Ok(Err(AgentError::Unsupported { .. })) => {}
            Ok(Err(e)) => checks.push(about(Check::new("agent", Outcome::Failed, e.to_string()))),
            Err(e) => checks.push(about(Check::new("agent", Outcome::Failed, e.to_string()))),
        }
        for finding in agent.setup_findings(&Self::project_env(project)) {
            checks.push(about(Check::new(
                "setup",
                Outcome::Warning,
                format!("{name}: {finding}"),
            )));
        }
        match self.doctor_launch(project, role, &agent, &resolved).await {
            Ok(found) => checks.extend(found.into_iter().map(about)),
            Err(check) => checks.push(about(check)),
        }
        checks.extend(
            self.doctor_trust(project, role, &agent, &resolved)
                .await
                .map(about),
        );
        checks
    }

    /// The role's launch, built as a spawn would build it, checked by the agent's binary; with
    /// a warning for each thing the CLI warned about while accepting it (a model it maps to
    /// another, or that is retired).
    async fn doctor_launch(
        &self,
        project: &Project,
        role: Role,
        agent: &Arc<dyn Agent>,
        resolved: &crate::config::ResolvedRole,
    ) -> Result<Vec<Check>, Check> {
        let failed =
            |e: &dyn std::fmt::Display| Check::new("launch", Outcome::Failed, e.to_string());
        let scratch = tempfile::tempdir().map_err(|e| failed(&e))?;
        let system = scratch.path().join("system.md");
        std::fs::write(&system, "doctor").map_err(|e| failed(&e))?;
        let session = probe_session(project).map_err(|e| failed(&e))?;
        let cwd = match role {
            Role::Orchestrator => project.path.clone(),
            Role::Worker => scratch.path().to_path_buf(),
        };
        let task = (role == Role::Worker).then(|| "doctor".to_string());
        let req = self
            .launch_request(
                project,
                &session,
                resolved,
                Some(super::launch::SystemPrompt {
                    file: system,
                    text: "doctor".into(),
                }),
                task,
                cwd,
            )
            .map_err(|e| failed(&e))?;
        let spec = agent.launch_spec(&req).map_err(|e| failed(&e))?;
        // Every agent's program, the `command` agent's included (its adapter cannot probe it).
        let path = spec.env.get("PATH").map(std::ffi::OsStr::new);
        let program = match Path::new(&spec.program) {
            p if p.is_relative() && spec.program.contains('/') => {
                project.path.join(p).display().to_string()
            }
            _ => spec.program.clone(),
        };
        let Some(binary) = find_program(&program, path) else {
            return Err(missing_program(
                &resolved.agent.value,
                &program,
                path,
                &**agent,
            ));
        };
        let agent = agent.clone();
        let verified = tokio::task::spawn_blocking(move || agent.verify_launch(&spec))
            .await
            .map_err(|e| failed(&e))?;
        let name = &resolved.agent.value;
        match verified {
            Ok(notices) => {
                let mut checks = vec![Check::new(
                    "launch",
                    Outcome::Ok,
                    format!("{name}'s command line is accepted by its CLI"),
                )];
                let model = resolved.model.value.as_deref().unwrap_or("the CLI's default");
                checks.extend(notices.into_iter().map(|notice| {
                    Check::new("launch", Outcome::Warning, format!("{name} warns: {notice}")).hint(
                        format!(
                            "`ao config explain` shows where the role's model ({model}) is set: name one the CLI runs as named, or do what the warning says"
                        ),
                    )
                }));
                Ok(checks)
            }
            Err(AgentError::Unsupported { .. }) => Ok(vec![Check::new(
                "launch",
                Outcome::Ok,
                format!(
                    "{}: {} is executable (its arguments are its own; ao cannot check them)",
                    resolved.agent.value,
                    binary.display()
                ),
            )]),
            Err(e) => Err(failed(&e).hint(format!(
                "the installed {} may be a version ao was not checked against; see `ao --version` and the README's pinned versions",
                resolved.agent.value
            ))),
        }
    }

    /// Whether the config may do what the role needs: run `postCreate`, answer the agent's
    /// first-run questions (its folder's trust, and any other it would ask).
    async fn doctor_trust(
        &self,
        project: &Project,
        role: Role,
        agent: &Arc<dyn Agent>,
        resolved: &crate::config::ResolvedRole,
    ) -> Option<Check> {
        let trusted = match self.config_trusted() {
            Ok(t) => t,
            Err(e) => return Some(Check::new("trust", Outcome::Failed, e.to_string())),
        };
        if trusted {
            return None;
        }
        let hint = format!(
            "review {}, then run `ao trust {}`",
            self.config.path.display(),
            self.config.path.display()
        );
        // What the config would run itself: postCreate (workers), a `command` agent's
        // program, variables that choose programs.
        let refused = if role == Role::Worker {
            self.post_create_commands(project).err()
        } else {
            None
        }
        .or_else(|| self.require_trust_for_programs(project, resolved).err());
        if let Some(refused) = refused {
            return Some(
                Check::new(
                    "trust",
                    Outcome::Failed,
                    format!("{refused}: spawns are refused"),
                )
                .hint(hint),
            );
        }
        // An untrusted request only checks (the adapter answers nothing on our behalf).
        let session = probe_session(project).ok()?;
        let project_id = project.id.clone();
        let cwd = match role {
            Role::Orchestrator => project.path.clone(),
            Role::Worker => self.options.home.worktree_dir(&project_id, &session),
        };
        let mut req = self
            .launch_request(project, &session, resolved, None, None, cwd)
            .ok()?;
        req.trusted = false;
        let agent = agent.clone();
        match tokio::task::spawn_blocking(move || agent.prepare(&req)).await {
            Ok(Err(AgentError::NeedsTrust { agent, path })) => Some(
                Check::new(
                    "trust",
                    Outcome::Failed,
                    format!(
                        "{agent} would ask whether to trust {}, and ao answers that only for a trusted config: spawns are refused",
                        path.display()
                    ),
                )
                .hint(hint),
            ),
            Ok(Err(AgentError::NeedsAnswer { agent, question })) => Some(
                Check::new(
                    "trust",
                    Outcome::Failed,
                    format!(
                        "{agent} would ask {question}, and ao answers that only for a trusted config: spawns are refused"
                    ),
                )
                .hint(hint),
            ),
            _ => None,
        }
    }

    /// The project's tracker: its adapter, then what the tracker probes itself (else whether
    /// its credential variable is set).
    async fn doctor_tracker(&self, project: &Project) -> Vec<Check> {
        let (plugin, implied) = match &project.settings.tracker {
            Some(t) => match t.plugin.clone() {
                Some(plugin) => (plugin, false),
                None => return Vec::new(),
            },
            None if project.repo.is_some() => ("github".to_string(), true),
            None => return Vec::new(),
        };
        let about = |check: Check| check.about(project.id.as_str(), None);
        if let Some(check) = self.doctor_adapter(PluginKind::Tracker, &plugin, implied) {
            return vec![about(check.hint(
                "until it is, give workers their task with `ao spawn --prompt …`",
            ))];
        }
        match self.tracker_for(project) {
            Ok(Some((tracker, ctx))) => {
                if let Some(checks) = tracker.doctor(&ctx).await {
                    return checks.into_iter().map(about).collect();
                }
            }
            Ok(None) => return Vec::new(),
            Err(e) => {
                return vec![about(Check::new(
                    "tracker",
                    Outcome::Invalid,
                    e.to_string(),
                ))];
            }
        }
        let Some(variable) = tracker_credential(&plugin) else {
            return Vec::new();
        };
        let set = std::env::var(variable).is_ok_and(|v| !v.is_empty());
        vec![about(if set {
            Check::new(
                "tracker",
                Outcome::Ok,
                format!("{plugin}: {variable} is set"),
            )
        } else {
            Check::new(
                "tracker",
                Outcome::Warning,
                format!(
                    "{plugin}: {variable} is not set; issues and PRs cannot be read until it is"
                ),
            )
            .hint(format!("export {variable}=…"))
        })]
    }

    /// The project's SCM (the configured one, or GitHub when `repo` is set), when this program
    /// has no adapter for it. With one there is nothing to check before it is used.
    fn doctor_scm(&self, project: &Project) -> Option<Check> {
        let configured = project.settings.scm.as_ref().and_then(|s| s.plugin.clone());
        let (plugin, implied) = match (configured, &project.repo) {
            (Some(plugin), _) => (plugin, false),
            (None, Some(_)) => ("github".to_string(), true),
            (None, None) => return None,
        };
        let check = self.doctor_adapter(PluginKind::Scm, &plugin, implied)?;
        Some(
            check
                .hint("sessions still run; pull requests are not followed until it is")
                .about(project.id.as_str(), None),
        )
    }

    /// A warning when this program has no adapter for the `kind` named `name` (`implied`: not
    /// written, but what `repo` selects); `None` when it has one.
    fn doctor_adapter(&self, kind: PluginKind, name: &str, implied: bool) -> Option<Check> {
        let what = if implied {
            format!("{name} (implied by `repo`)")
        } else {
            name.to_string()
        };
        let why = match self.registry.known_names().status(kind, name) {
            NameStatus::Supported => return None,
            NameStatus::Unsupported => "not supported by ao",
            NameStatus::NoAdapter | NameStatus::Unknown => "not built into this ao",
        };
        Some(Check::new(
            kind.noun(),
            Outcome::Warning,
            format!("{what}: {why}, so {}", kind.fails_without_adapter()),
        ))
    }
}

/// The check for an agent program that cannot be run: not found, or found but not executable.
fn missing_program(
    agent_name: &str,
    program: &str,
    path: Option<&std::ffi::OsStr>,
    agent: &dyn Agent,
) -> Check {
    if let Some(file) = find_unexecutable(program, path) {
        return Check::new(
            "agent",
            Outcome::Failed,
            format!("{agent_name}: {} is not executable", file.display()),
        )
        .hint(format!("chmod +x {}", file.display()));
    }
    let check = Check::new(
        "agent",
        Outcome::Missing,
        format!("{agent_name}: {program} is not installed or not on PATH"),
    );
    match agent.install_hint() {
        Some(hint) => check.hint(hint),
        None if agent.name() == crate::command_agent::AGENT_NAME => check.hint(format!(
            "install {program}, or make `agentConfig.command` name a program on PATH"
        )),
        None => check.hint(format!("install {program} or put it on PATH")),
    }
}

/// The session id doctor's probes launch as: one no session can have (workers are numbered,
/// orchestrators are `<prefix>-orchestrator`), so nothing a probe's hooks record is ever read
/// as a live session's.
fn probe_session(project: &Project) -> Result<SessionId, crate::domain::IdError> {
    SessionId::new(format!("{}-doctor", project.session_prefix))
}

/// Checks of the session records an observation found: unreadable records set aside, and
/// what crashes left behind (both warnings: nothing blocks a spawn, but a person should look).
pub fn record_checks(seen: &super::Observation) -> Vec<Check> {
    let mut checks = Vec::new();
    if seen.corrupt.is_empty() {
        checks.push(Check::new(
            "records",
            Outcome::Ok,
            format!("{} session record(s), all readable", seen.sessions.len()),
        ));
    } else {
        let files: Vec<String> = seen
            .corrupt
            .iter()
            .map(|c| {
                format!(
                    "{} (now {}: {})",
                    c.path.display(),
                    c.moved_to
                        .as_ref()
                        .map_or_else(|| "-".to_string(), |p| p.display().to_string()),
                    c.detail
                )
            })
            .collect();
        checks.push(
            Check::new(
                "records",
                Outcome::Warning,
                format!(
                    "{} unreadable session record(s) set aside: {}",
                    files.len(),
                    files.join("; ")
                ),
            )
            .hint("look at each, then delete it; what its session left (tmux session, worktree) is listed by `ao session cleanup --dry-run`"),
        );
    }
    if !seen.orphans.is_empty() {
        let what: Vec<&str> = seen.orphans.iter().map(|o| o.detail.as_str()).collect();
        checks.push(
            Check::new(
                "leftovers",
                Outcome::Warning,
                format!("left behind by crashes: {}", what.join("; ")),
            )
            .hint("`ao session cleanup` removes them (it keeps worktrees holding unsaved work)"),
        );
    }
    checks
}
