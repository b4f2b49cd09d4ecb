//! The documented exit codes and the error type that carries one.

use std::fmt;
use std::process::ExitCode;

use ao_core::config::{ConfigError, ConfigOrigin};
use ao_core::error::{Classify, ErrorClass};

/// `ao`'s exit codes (see the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Something failed.
    Failed = 1,
    /// The command line is wrong.
    Usage = 2,
    /// A session, project, issue or config file does not exist.
    NotFound = 3,
    /// Refused to protect work or a rule.
    Refused = 4,
    /// The config is invalid.
    InvalidConfig = 5,
    /// A required program or service is unavailable.
    Unavailable = 6,
}

/// An error ready to show a person: the message, hints, and the exit code.
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) exit: Exit,
    pub(crate) message: String,
    pub(crate) hints: Vec<String>,
    /// Lines printed before the message (e.g. every diagnostic of an invalid config).
    pub(crate) details: Vec<String>,
}

impl CliError {
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
            hints: Vec::new(),
            details: Vec::new(),
        }
    }

    /// The same error with a hint saying what to do.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit as u8)
    }

    /// A library error as it is: its message, and the exit code of its kind.
    pub(crate) fn classified(err: &(impl Classify + fmt::Display)) -> Self {
        Self::new(Exit::of(err.class()), err.to_string())
    }
}

impl Exit {
    /// The documented exit code of a kind of failure — the only place that decides it.
    pub(crate) fn of(class: ErrorClass) -> Self {
        match class {
            ErrorClass::Failed => Self::Failed,
            ErrorClass::InvalidInput => Self::Usage,
            ErrorClass::NotFound => Self::NotFound,
            ErrorClass::Refused => Self::Refused,
            ErrorClass::InvalidConfig => Self::InvalidConfig,
            ErrorClass::Unavailable => Self::Unavailable,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.details {
            writeln!(f, "{line}")?;
        }
        write!(f, "error: {}", self.message)?;
        for hint in &self.hints {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl From<ConfigError> for CliError {
    fn from(err: ConfigError) -> Self {
        let mut out = CliError::classified(&err);
        match &err {
            ConfigError::NotFound { origin, .. } => {
                let hint = match origin {
                    ConfigOrigin::Env => "unset AO_CONFIG_PATH or point it at an existing file",
                    _ => "check the path, or omit --config to search for agent-orchestrator.yaml",
                };
                out.hints.push(hint.to_string());
            }
            ConfigError::NoConfig { searched } => {
                out.hints.push(
                    "create agent-orchestrator.yaml in your repository (see the README), or pass --config FILE".to_string(),
                );
                if let Some(last) = searched.last() {
                    out.hints.push(format!(
                        "looked in every directory above the working directory and at {}",
                        last.display()
                    ));
                }
            }
            ConfigError::Invalid { diagnostics, .. } => {
                out.details = diagnostics.iter().map(ToString::to_string).collect();
            }
            ConfigError::UnsetVariable { var, .. } => {
                out.hints.push(format!("export {var}=… before running ao"));
            }
            ConfigError::UnknownProject { known, .. } => out.hints.push(if known.is_empty() {
                "the config has no projects".to_string()
            } else {
                format!("projects in this config: {}", known.join(", "))
            }),
            _ => {}
        }
        out
    }
}

impl From<ao_core::orchestrator::OrchestratorError> for CliError {
    fn from(err: ao_core::orchestrator::OrchestratorError) -> Self {
        use ao_core::orchestrator::OrchestratorError as E;
        let err = match err {
            E::Config(config) => return config.into(),
            E::Registry(registry) => return registry.into(),
            other => other,
        };
        let mut out = CliError::classified(&err);
        match &err {
            E::RuntimeDead { session } => out.hints.push(format!("relaunch it with `ao session restore {session}`")),
            E::UnsavedWork { session, work, .. } => {
                out.details.extend(work.files.iter().map(|f| format!("  unsaved file: {f}")));
                out.details.extend(work.commits.iter().map(|c| format!("  unpushed commit: {c}")));
                out.hints.push(ao_core::orchestrator::unsaved_work_ways_on(session));
            }
            E::Untrusted { config, .. } | E::UntrustedFolder { config, .. } => out.hints.push(format!(
                "review {}, then run `ao trust {}`",
                config.display(),
                config.display()
            )),
            E::IssueClosed { .. } => out.hints.push(
                "`--force` starts a worker on it anyway".into(),
            ),
            E::IssueHasWorker { session, .. } => out.hints.push(format!(
                "talk to it with `ao send {session} …`, or `ao session kill {session}` first"
            )),
            E::IssueNotFound { repo: Some(_), .. } => out.hints.push(
                "check the number and the project's `repo`; `--prompt` alone starts a worker on a task in words".into(),
            ),
            E::IssueNotFound { tracker, repo: None, .. } => out.hints.push(format!(
                "check the identifier and that {tracker}'s credentials can see it; `--prompt` alone starts a worker on a task in words"
            )),
            E::Tracker(ao_core::plugin::TrackerError::PullRequest { issue }) => out.hints.push(format!(
                "that number is a pull request: `ao spawn --claim-pr {}` starts a worker on it",
                issue.trim_start_matches('#')
            )),
            E::Tracker(ao_core::plugin::TrackerError::WrongTracker { tracker, .. }) => out.hints.push(format!(
                "this project takes its issues from {tracker}: give one of its references, or `-p <project>` for a project on another tracker"
            )),
            E::PrOwned { session, .. } => out.hints.push(format!(
                "talk to its owner with `ao send {session} …`, or `ao session kill {session}` first"
            )),
            E::PrFromFork { .. } => out.hints.push(
                "a fork's branch is pushed by its author: ask them to allow edits by maintainers, or review it instead".into(),
            ),
            E::OrchestratorOwnsNoPr { .. } => out.hints.push(
                "give it to a worker: `ao spawn --claim-pr <pr>`".into(),
            ),
            E::Scm(ao_core::plugin::ScmError::RateLimited { scm, .. } | ao_core::plugin::ScmError::Unavailable { scm, .. }) => out.hints.push(format!(
                "nothing was changed; try again later — `ao doctor` checks {scm}"
            )),
            E::Tracker(ao_core::plugin::TrackerError::Unavailable { tracker, .. }) => out.hints.push(format!(
                "nothing was created; try again later, and `ao doctor` checks {tracker} (`--prompt` alone starts a worker without it)"
            )),
            E::Tracker(ao_core::plugin::TrackerError::RateLimited { tracker, reset }) => out.hints.push(match reset {
                Some(reset) => format!(
                    "nothing was created; {tracker}'s limit lifts at {} — `ao doctor` shows the budget",
                    reset.strftime("%H:%M:%S UTC")
                ),
                None => format!("nothing was created; try again in a minute — `ao doctor` shows {tracker}'s budget"),
            }),
            E::Tracker(ao_core::plugin::TrackerError::Auth { tracker, .. }) => out.hints.push(format!(
                "`ao doctor` checks {tracker}'s credentials (their values are never shown)"
            )),
            E::ProjectPathMissing { project, .. } => out.hints.push(format!(
                "fix `path` of project {project} in the config (a relative path is relative to the config file), or `ao project rm {project}` if it is gone for good"
            )),
            E::EmptyTask => out.hints.push("say what to do: `--prompt \"fix the flaky login test\"`, or give an issue".into()),
            E::EmptyMessage { session } => out.hints.push(format!("say something: `ao send {session} \"please rebase on main\"`")),
            E::Workspace(ao_core::plugin::WorkspaceError::InvalidBranch { .. }) => out.hints.push(
                "choose a name git accepts (`git check-ref-format --branch <name>` tells), or leave --branch out: ao names it session/<id>".into(),
            ),
            E::Workspace(ao_core::plugin::WorkspaceError::BranchInUse { path, .. }) => out.hints.push(format!(
                "git checks a branch out in one worktree only: choose another --branch, leave it out (ao names it session/<id>), or switch {} to another branch",
                path.display()
            )),
            E::WaitingForInput { session } => out.hints.push(format!(
                "look with `ao session output {session}`; `--force` sends anyway (it may answer the prompt)"
            )),
            E::SendTimeout { .. } => out.hints.push("retry later, or use --no-wait to send at once".into()),
            E::StillRunning { session } => out.hints.push(format!(
                "its agent is running; look with `ao session output {session}`, or stop it with `ao session kill {session}` first"
            )),
            E::SpawnInProgress { session, .. } => out.hints.push(format!(
                "wait for that spawn to finish; if it was cut short, `ao session cleanup` finishes {session}"
            )),
            E::AgentExited { session, .. } => out.hints.push(format!(
                "the session is kept: fix the agent's command or install it, then `ao session restore {session}` — or remove it with `ao session kill {session}`"
            )),
            E::ProjectNotFound { known, .. } => out.hints.push(if known.is_empty() {
                "no project is registered; run `ao start` in your repository or `ao project add <config>`".to_string()
            } else {
                format!("known projects: {}", known.join(", "))
            }),
            E::UnknownSession { .. } => out
                .hints
                .push("`ao status` lists every session".to_string()),
            _ => {}
        }
        out
    }
}

impl From<ao_core::home::HomeError> for CliError {
    fn from(err: ao_core::home::HomeError) -> Self {
        CliError::classified(&err)
    }
}

impl From<ao_core::trust::TrustError> for CliError {
    fn from(err: ao_core::trust::TrustError) -> Self {
        CliError::classified(&err)
    }
}

impl From<ao_core::projects::ProjectRegistryError> for CliError {
    fn from(err: ao_core::projects::ProjectRegistryError) -> Self {
        use ao_core::projects::ProjectRegistryError as E;
        let mut out = CliError::classified(&err);
        match &err {
            E::Clash { .. } | E::PrefixClash { .. } => out.hints.push(
                "give this project another id or `sessionPrefix` in its config, or `ao project rm` the other one".to_string(),
            ),
            E::Corrupt { path, .. } => out.hints.push(format!(
                "ao leaves it as it is: fix the JSON, or move {} aside and register your projects again with `ao project add <config>`",
                path.display()
            )),
            _ => {}
        }
        out
    }
}
