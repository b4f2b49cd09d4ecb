//! The `Orchestrator` facade: the one API both the CLI and embedders use.
//!
//! Every rule lives here once: roles are assigned by the code path (spawn makes workers,
//! `start_orchestrator` makes the orchestrator), orchestrators never own a PR, a failed spawn
//! leaves nothing half-made, unsaved work is never deleted without force, and untrusted issue
//! text never lands in a system prompt.

mod doctor;
mod launch;
pub(crate) mod observe;
pub(crate) mod sessions;
mod spawn;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::config::{Config, ConfigError, Project};
use crate::domain::{
    Activity, DisplayStatus, IssueRef, IssueRefError, PrState, ProjectId, Role, RuntimeStatus,
    SessionId, Timestamp,
};
use crate::home::AoHome;
use crate::plugin::{
    AgentError, PluginContext, Registry, RegistryError, RuntimeError, ScmError, TrackerError,
    UnsavedWork, WorkspaceError,
};
use crate::prompt::PromptError;
use crate::store::{SessionRecord, Store, StoreError};

pub use observe::{Observation, Orphan, OrphanKind, SessionFilter};
pub use sessions::{CleanupEntry, CleanupReport, KillOutcome, SendOptions};
pub use spawn::{SpawnOutcome, SpawnRequest, StartOutcome};

/// Where the facade runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// `AO_HOME`.
    pub home: AoHome,
    /// Absolute path of the `ao` binary, given to agents as `AO_BIN` (and put on their `PATH`).
    pub ao_bin: Option<PathBuf>,
    /// The tmux socket name (`AO_TMUX_SOCKET`), passed on to agents.
    pub tmux_socket: Option<String>,
    /// How often `send` re-checks a busy agent.
    pub poll_interval: Duration,
    /// How long `send` waits for the agent to report taking a message in.
    pub submit_timeout: Duration,
    /// When set, the caller is that project's orchestrator: acting on any other project's
    /// sessions is refused.
    pub scope: Option<ProjectId>,
    /// How long a start watches a new agent for an early death (it stops sooner once the agent
    /// reports activity).
    pub spawn_watch: Duration,
}

impl Options {
    /// Options for `home`, reading `AO_TMUX_SOCKET` and the current executable.
    pub fn new(home: AoHome) -> Self {
        Self {
            home,
            ao_bin: std::env::current_exe().ok(),
            tmux_socket: std::env::var("AO_TMUX_SOCKET")
                .ok()
                .filter(|s| !s.is_empty()),
            poll_interval: Duration::from_millis(500),
            submit_timeout: Duration::from_secs(15),
            scope: scope_from_env(),
            spawn_watch: Duration::from_secs(1),
        }
    }
}

/// The calling orchestrator's project: `AO_PROJECT_ID` when `AO_ROLE=orchestrator`.
pub fn scope_from_env() -> Option<ProjectId> {
    let role = std::env::var("AO_ROLE").ok()?;
    if role != "orchestrator" {
        return None;
    }
    std::env::var("AO_PROJECT_ID")
        .ok()
        .and_then(|p| ProjectId::new(p).ok())
}

/// The kind of an error, which the CLI maps to its exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Something failed (exit 1).
    Failed,
    /// A session, project, issue or file does not exist (exit 3).
    NotFound,
    /// Refused to protect work or a rule (exit 4).
    Refused,
    /// The config is invalid (exit 5).
    InvalidConfig,
    /// A required program, plugin or service is unavailable (exit 6).
    Unavailable,
}

/// Why an orchestration call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OrchestratorError {
    /// The config cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No such session.
    #[error("no session {id} in project {project}")]
    SessionNotFound {
        /// The project.
        project: ProjectId,
        /// The session.
        id: SessionId,
    },
    /// No configured project's session prefix matches this session name.
    #[error("no session `{session}`: its name matches no project's session prefix")]
    UnknownSession {
        /// The name given.
        session: String,
    },
    /// No such project (registered or in the config given).
    #[error("no project `{project}`")]
    ProjectNotFound {
        /// The id given.
        project: String,
        /// The projects there are.
        known: Vec<String>,
    },
    /// Several projects could be meant.
    #[error("several projects could be meant ({}); name one with --project", known.join(", "))]
    AmbiguousProject {
        /// The projects there are.
        known: Vec<String>,
    },
    /// The project registry refused (an id or prefix another project owns) or failed.
    #[error(transparent)]
    Registry(#[from] crate::projects::ProjectRegistryError),
    /// An orchestrator tried to act on another project's sessions.
    #[error("this orchestrator belongs to project {scope}; it may not act on project {project}")]
    OutOfScope {
        /// The orchestrator's project.
        scope: ProjectId,
        /// The project it tried to act on.
        project: ProjectId,
    },
    /// The issue reference does not parse.
    #[error(transparent)]
    IssueRef(#[from] IssueRefError),
    /// Removing the workspace would lose work; the runtime was stopped, the workspace kept.
    #[error("session {session} has unsaved work in {}: {} file(s), {} commit(s)", path.display(), work.files.len(), work.commits.len())]
    UnsavedWork {
        /// The session.
        session: SessionId,
        /// Its workspace.
        path: PathBuf,
        /// What would be lost.
        work: UnsavedWork,
    },
    /// Orchestrators never own a branch or pull request.
    #[error("session {session} is an orchestrator; orchestrators never own a pull request")]
    OrchestratorOwnsNoPr {
        /// The session.
        session: SessionId,
    },
    /// The config would run commands (`postCreate`) but the user has not trusted it.
    #[error("{} is not trusted to run its postCreate commands; review them, then run `ao trust {}`", config.display(), config.display())]
    Untrusted {
        /// The config file.
        config: PathBuf,
    },
    /// The agent would ask whether to trust its folder, and the config is not trusted to
    /// answer that for the user.
    #[error(
        "{agent} would ask whether to trust {}, and ao answers that only for a trusted config; review {}, then run `ao trust {}`",
        folder.display(), config.display(), config.display()
    )]
    UntrustedFolder {
        /// The config file.
        config: PathBuf,
        /// The agent.
        agent: String,
        /// The folder the agent would ask about.
        folder: PathBuf,
    },
    /// Trust records could not be read.
    #[error(transparent)]
    Trust(#[from] crate::trust::TrustError),
    /// The agent is waiting on a person (a permission prompt); typing into it could answer it.
    #[error("session {session} is waiting for input (e.g. a permission prompt); not sending")]
    WaitingForInput {
        /// The session.
        session: SessionId,
    },
    /// The session's process is gone.
    #[error("session {session} is not running")]
    RuntimeDead {
        /// The session.
        session: SessionId,
    },
    /// The session is still running.
    #[error("session {session} is still running")]
    StillRunning {
        /// The session.
        session: SessionId,
    },
    /// Another `ao` is creating the session right now.
    #[error("session {session} is still being spawned (by process {pid})")]
    SpawnInProgress {
        /// The session.
        session: SessionId,
        /// The process spawning it.
        pid: u32,
    },
    /// The agent's program ended right after it started.
    #[error(
        "session {session}: the agent `{program}` exited {} right after starting; its screen:\n{}",
        code.map_or_else(|| "(status unknown)".to_string(), |c| format!("with status {c}")),
        indent(screen)
    )]
    AgentExited {
        /// The session (kept, for `restore` or `kill`).
        session: SessionId,
        /// The program that was started.
        program: String,
        /// Its exit status, when known.
        code: Option<i32>,
        /// The last lines of its screen.
        screen: String,
    },
    /// The agent stayed busy for the whole wait.
    #[error("session {session} stayed busy for {}s; message not sent", waited.as_secs())]
    SendTimeout {
        /// The session.
        session: SessionId,
        /// How long it waited.
        waited: Duration,
    },
    /// A session's screen never showed the text waited for.
    #[error("session {session} never showed {needle:?} within {}s; its screen:\n{screen}", waited.as_secs())]
    OutputTimeout {
        /// The session.
        session: SessionId,
        /// The text waited for.
        needle: String,
        /// How long it waited.
        waited: Duration,
        /// The last screen seen.
        screen: String,
    },
    /// The message was typed, but the agent did not take it in.
    #[error(
        "session {session}: the message was typed but the agent did not take it in within {}s; look with `ao session output {session}`",
        waited.as_secs()
    )]
    NotSubmitted {
        /// The session.
        session: SessionId,
        /// How long it waited for the agent to take it.
        waited: Duration,
    },
    /// The operation needs a capability nothing provides yet.
    #[error("{operation} is not supported: {detail}")]
    Unsupported {
        /// The operation.
        operation: &'static str,
        /// Why.
        detail: String,
    },
    /// A plugin could not be had.
    #[error(transparent)]
    Plugin(#[from] RegistryError),
    /// The agent adapter failed.
    #[error(transparent)]
    Agent(#[from] AgentError),
    /// The runtime failed.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The workspace failed.
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    /// The tracker failed.
    #[error(transparent)]
    Tracker(#[from] TrackerError),
    /// The SCM failed.
    #[error(transparent)]
    Scm(#[from] ScmError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A prompt template failed to render (a bug in `ao`).
    #[error(transparent)]
    Prompt(#[from] PromptError),
    /// File system trouble.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Text indented as a quoted block (for screens in messages).
fn indent(text: &str) -> String {
    let text = text.trim_end();
    if text.trim().is_empty() {
        return "  (nothing)".to_string();
    }
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl OrchestratorError {
    /// The kind of failure.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Config(ConfigError::Invalid { .. } | ConfigError::UnsetVariable { .. }) => {
                ErrorClass::InvalidConfig
            }
            Self::Config(_)
            | Self::SessionNotFound { .. }
            | Self::UnknownSession { .. }
            | Self::ProjectNotFound { .. }
            | Self::AmbiguousProject { .. }
            | Self::IssueRef(_) => ErrorClass::NotFound,
            Self::Registry(
                crate::projects::ProjectRegistryError::Clash { .. }
                | crate::projects::ProjectRegistryError::PrefixClash { .. },
            )
            | Self::StillRunning { .. }
            | Self::SpawnInProgress { .. } => ErrorClass::Refused,
            Self::Tracker(TrackerError::NotFound { .. })
            | Self::Store(StoreError::NotFound { .. }) => ErrorClass::NotFound,
            Self::UnsavedWork { .. }
            | Self::OrchestratorOwnsNoPr { .. }
            | Self::WaitingForInput { .. }
            | Self::Untrusted { .. }
            | Self::UntrustedFolder { .. }
            | Self::OutOfScope { .. } => ErrorClass::Refused,
            Self::Store(StoreError::NewerSchema { .. }) => ErrorClass::Refused,
            Self::Workspace(WorkspaceError::UnsavedWork { .. }) => ErrorClass::Refused,
            Self::Plugin(_) | Self::Unsupported { .. } => ErrorClass::Unavailable,
            Self::Agent(AgentError::BinaryNotFound { .. } | AgentError::Unsupported { .. }) => {
                ErrorClass::Unavailable
            }
            Self::Agent(AgentError::NeedsTrust { .. }) => ErrorClass::Refused,
            Self::Runtime(RuntimeError::Unavailable { .. }) => ErrorClass::Unavailable,
            Self::Runtime(RuntimeError::Foreign { .. }) => ErrorClass::Refused,
            Self::Tracker(TrackerError::Auth { .. } | TrackerError::Unavailable { .. }) => {
                ErrorClass::Unavailable
            }
            _ => ErrorClass::Failed,
        }
    }
}

/// A session as `ao status` and `--json` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// Session id.
    pub id: SessionId,
    /// Project.
    pub project_id: ProjectId,
    /// Orchestrator or worker.
    pub role: Role,
    /// Agent.
    pub agent: String,
    /// Model.
    pub model: Option<String>,
    /// Branch.
    pub branch: Option<String>,
    /// Workspace.
    pub workspace_path: Option<PathBuf>,
    /// Derived status.
    pub status: DisplayStatus,
    /// Runtime liveness as observed now.
    pub runtime: RuntimeStatus,
    /// Last known activity.
    pub activity: Activity,
    /// Issue, as text.
    pub issue: Option<String>,
    /// Pull request.
    pub pr: Option<PrView>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// A pull request in a [`SessionView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrView {
    /// Number.
    pub number: u64,
    /// URL.
    pub url: Option<String>,
    /// State, when observed.
    pub state: Option<PrState>,
}

impl SessionView {
    /// The view of `record` given the runtime's current answer.
    pub fn new(record: &SessionRecord, runtime: RuntimeStatus) -> Self {
        let mut lifecycle = record.lifecycle;
        lifecycle.runtime = runtime;
        let status = if record.spawn_interrupted() {
            DisplayStatus::Interrupted
        } else {
            lifecycle.display_status()
        };
        Self {
            id: record.id.clone(),
            project_id: record.project_id.clone(),
            role: record.role,
            agent: record.agent.clone(),
            model: record.model.clone(),
            branch: record.branch.clone(),
            workspace_path: record.workspace_path.clone(),
            status,
            runtime,
            activity: record.activity.clone(),
            issue: record.issue.as_ref().map(IssueRef::to_string),
            pr: record.pr.as_ref().map(|pr| PrView {
                number: pr.number,
                url: pr.url.clone(),
                state: record.lifecycle.pr.map(|p| p.state),
            }),
            created_at: record.created_at,
            updated_at: record.updated_at,
        }
    }
}

/// Runs sessions of the projects of one config, with plugins from a registry and records in a
/// store.
pub struct Orchestrator {
    pub(crate) config: Arc<Config>,
    pub(crate) registry: Arc<Registry>,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) options: Options,
}

impl std::fmt::Debug for Orchestrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orchestrator")
            .field("config", &self.config.path)
            .field("registry", &self.registry)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Orchestrator {
    /// A facade over `config`, building plugins from `registry`, keeping records in `store`.
    pub fn new(
        config: Config,
        registry: Registry,
        store: Arc<dyn Store>,
        options: Options,
    ) -> Self {
        Self {
            config: Arc::new(config),
            registry: Arc::new(registry),
            store,
            options,
        }
    }

    /// A facade over `config` sharing a registry (as every project of a [`crate::fleet::Fleet`]
    /// does).
    pub fn with_shared_registry(
        config: Config,
        registry: Arc<Registry>,
        store: Arc<dyn Store>,
        options: Options,
    ) -> Self {
        Self {
            config: Arc::new(config),
            registry,
            store,
            options,
        }
    }

    /// The options in use.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The config in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The store in use.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Refuses when a scoped caller (an orchestrator) acts on another project.
    pub(crate) fn in_scope(&self, project: &ProjectId) -> Result<(), OrchestratorError> {
        match &self.options.scope {
            Some(scope) if scope != project => Err(OrchestratorError::OutOfScope {
                scope: scope.clone(),
                project: project.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// The project an acting command works on, checked against the caller's scope.
    fn acting_on(&self, id: &ProjectId) -> Result<&Project, OrchestratorError> {
        self.in_scope(id)?;
        self.project(id)
    }

    pub(crate) fn project(&self, id: &ProjectId) -> Result<&Project, OrchestratorError> {
        Ok(self.config.require_project(id.as_str())?)
    }

    fn plugin_context(&self, name: &str, settings: serde_json::Value) -> PluginContext {
        PluginContext {
            name: name.to_string(),
            settings,
            home: self.options.home.clone(),
        }
    }

    pub(crate) async fn record(
        &self,
        project: &ProjectId,
        id: &SessionId,
    ) -> Result<SessionRecord, OrchestratorError> {
        match self.store.get(project, id).await {
            Err(StoreError::NotFound { .. }) => Err(OrchestratorError::SessionNotFound {
                project: project.clone(),
                id: id.clone(),
            }),
            other => Ok(other?),
        }
    }
}
