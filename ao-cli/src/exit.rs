//! The documented exit codes and the error type that carries one.

use std::fmt;
use std::process::ExitCode;

use ao_core::config::{ConfigError, ConfigOrigin};

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

    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit as u8)
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
        let message = err.to_string();
        let (exit, hints, details) = match &err {
            ConfigError::NotFound { origin, .. } => {
                let hint = match origin {
                    ConfigOrigin::Env => "unset AO_CONFIG_PATH or point it at an existing file",
                    _ => "check the path, or omit --config to search for agent-orchestrator.yaml",
                };
                (Exit::NotFound, vec![hint.to_string()], Vec::new())
            }
            ConfigError::NoConfig { searched } => {
                let mut hints = vec![
                    "create agent-orchestrator.yaml in your repository (see the README), or pass --config FILE".to_string(),
                ];
                if let Some(last) = searched.last() {
                    hints.push(format!(
                        "looked in every directory above the working directory and at {}",
                        last.display()
                    ));
                }
                (Exit::NotFound, hints, Vec::new())
            }
            ConfigError::Invalid { diagnostics, .. } => (
                Exit::InvalidConfig,
                Vec::new(),
                diagnostics.iter().map(ToString::to_string).collect(),
            ),
            ConfigError::UnsetVariable { var, .. } => (
                Exit::InvalidConfig,
                vec![format!("export {var}=… before running ao")],
                Vec::new(),
            ),
            ConfigError::UnknownProject { known, .. } => {
                let hint = if known.is_empty() {
                    "the config has no projects".to_string()
                } else {
                    format!("projects in this config: {}", known.join(", "))
                };
                (Exit::NotFound, vec![hint], Vec::new())
            }
            ConfigError::Read { .. } => (Exit::Failed, Vec::new(), Vec::new()),
            _ => (Exit::Failed, Vec::new(), Vec::new()),
        };
        Self {
            exit,
            message,
            hints,
            details,
        }
    }
}

impl From<ao_core::orchestrator::OrchestratorError> for CliError {
    fn from(err: ao_core::orchestrator::OrchestratorError) -> Self {
        use ao_core::orchestrator::{ErrorClass, OrchestratorError as E};
        if let E::Config(config) = err {
            return config.into();
        }
        let exit = match err.class() {
            ErrorClass::Failed => Exit::Failed,
            ErrorClass::NotFound => Exit::NotFound,
            ErrorClass::Refused => Exit::Refused,
            ErrorClass::InvalidConfig => Exit::InvalidConfig,
            ErrorClass::Unavailable => Exit::Unavailable,
        };
        let mut out = CliError::new(exit, err.to_string());
        match &err {
            E::RuntimeDead { session } => out.hints.push(format!("relaunch it with `ao session restore {session}`")),
            E::UnsavedWork { session, work, .. } => {
                out.details.extend(work.files.iter().map(|f| format!("  unsaved file: {f}")));
                out.details.extend(work.commits.iter().map(|c| format!("  unpushed commit: {c}")));
                out.hints.push(format!(
                    "commit and push it, or run `ao session kill {session} --force` (saves it under refs/ao/rescue/{session} first)"
                ));
            }
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
            E::Registry(_) if out.exit == Exit::Refused => out.hints.push(
                "give this project another id or `sessionPrefix` in its config, or `ao project rm` the other one".to_string(),
            ),
            _ => {}
        }
        out
    }
}

impl From<ao_core::home::HomeError> for CliError {
    fn from(err: ao_core::home::HomeError) -> Self {
        CliError::new(Exit::Failed, err.to_string())
    }
}
