//! Why an orchestration call failed, and the kind of failure each error is.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::ConfigError;
use crate::domain::{IssueRefError, ProjectId, SessionId};
pub use crate::error::ErrorClass;
use crate::plugin::{
    AgentError, RegistryError, RuntimeError, ScmError, TrackerError, UnsavedWork, WorkspaceError,
};
use crate::prompt::PromptError;
use crate::store::StoreError;

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
        /// The project whose records were searched.
        project: ProjectId,
        /// The session id that has no record in that project.
        id: SessionId,
    },
    /// No configured project's session prefix matches this session name.
    #[error("no session `{session}`: its name matches no project's session prefix")]
    UnknownSession {
        /// The name given.
        session: String,
    },
    /// No registered project (nor one of the config a command was pointed at) has this id.
    #[error("no project `{project}`")]
    ProjectNotFound {
        /// The id given.
        project: String,
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
    /// Removing the workspace would lose work; nothing was changed.
    #[error("session {session} has unsaved work in {}: {} file(s), {} commit(s)", path.display(), work.files.len(), work.commits.len())]
    UnsavedWork {
        /// The session asked to be killed; its agent still runs.
        session: SessionId,
        /// The workspace directory, kept because it holds the work.
        path: PathBuf,
        /// What would be lost.
        work: UnsavedWork,
    },
    /// The tracker has no such issue.
    #[error("{tracker}{} has no issue {issue}", repo.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    IssueNotFound {
        /// The tracker's config name.
        tracker: String,
        /// The repository asked, when the tracker has one.
        repo: Option<String>,
        /// The reference, as displayed (`#42`).
        issue: String,
    },
    /// The issue is closed; a worker on it is started only when forced.
    #[error("issue {issue} is {state}")]
    IssueClosed {
        /// The issue, as displayed.
        issue: String,
        /// `closed` or `cancelled`.
        state: String,
    },
    /// A live worker already works on the issue.
    #[error("{session} already works on issue {issue}")]
    IssueHasWorker {
        /// The issue, as displayed.
        issue: String,
        /// The worker.
        session: SessionId,
    },
    /// The project's directory does not exist (moved, deleted, or a typo in `path`).
    #[error("project {project}: its path {} does not exist", path.display())]
    ProjectPathMissing {
        /// The project.
        project: ProjectId,
        /// Its configured `path`.
        path: PathBuf,
    },
    /// A task was given but says nothing (empty or only whitespace).
    #[error("the task is empty")]
    EmptyTask,
    /// A message to an agent says nothing (empty or only whitespace once control characters
    /// are removed).
    #[error("the message to {session} is empty")]
    EmptyMessage {
        /// The session it was for.
        session: SessionId,
    },
    /// Orchestrators never own a branch or pull request.
    #[error("session {session} is an orchestrator; orchestrators never own a pull request")]
    OrchestratorOwnsNoPr {
        /// The orchestrator session that was asked to own a pull request.
        session: SessionId,
    },
    /// A live worker already owns the pull request.
    #[error("pull request {pr} is already owned by {session}")]
    PrOwned {
        /// The pull request, as displayed (`#12`).
        pr: String,
        /// The worker that owns it.
        session: SessionId,
    },
    /// The pull request's branch lives in a fork this worker cannot push to or check out.
    #[error("pull request {pr} comes from the fork {fork}{}", if *pushable { ", whose branch ao cannot check out yet" } else { ", and its author does not let maintainers push to it" })]
    PrFromFork {
        /// The pull request, as displayed (`#12`).
        pr: String,
        /// The fork, `owner/name`.
        fork: String,
        /// Whether the caller's credentials could push to its branch.
        pushable: bool,
    },
    /// The config would run programs it names (`postCreate`, a `command` agent, variables
    /// that choose programs) but the user has not trusted it.
    #[error("{} is not trusted to {what}{}", config.display(), changed_note(*changed_since))]
    Untrusted {
        /// The config file.
        config: PathBuf,
        /// What it would do, in words (`run its postCreate commands`).
        what: String,
        /// When an earlier content of the file was trusted, if it was: editing the file
        /// withdrew that trust.
        changed_since: Option<crate::domain::Timestamp>,
    },
    /// The agent would ask whether to trust its folder, and the config is not trusted to
    /// answer that for the user.
    #[error(
        "{agent} would ask whether to trust {}, and ao answers that only for a trusted config, which {} is not{}",
        folder.display(), config.display(), changed_note(*changed_since)
    )]
    UntrustedFolder {
        /// The config file.
        config: PathBuf,
        /// When an earlier content of the file was trusted, if it was.
        changed_since: Option<crate::domain::Timestamp>,
        /// The agent adapter's name (e.g. `claude-code`).
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
        /// The session whose agent shows a prompt awaiting a person.
        session: SessionId,
    },
    /// A person is attached to the session's terminal; `ao` does not type over them on its
    /// own initiative.
    #[error("a person is attached to session {session}'s terminal; not sending")]
    PersonAttached {
        /// The session a person is looking at.
        session: SessionId,
    },
    /// The session's process is gone.
    #[error("session {session} is not running")]
    RuntimeDead {
        /// The session with no live runtime (or no runtime handle at all).
        session: SessionId,
    },
    /// The session is still running.
    #[error("session {session} is still running")]
    StillRunning {
        /// The session asked to be restored while its agent still runs.
        session: SessionId,
    },
    /// Another `ao` is creating the session right now.
    #[error("session {session} is still being spawned (by process {pid})")]
    SpawnInProgress {
        /// The session another process is still creating.
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
        /// The session whose agent stayed busy.
        session: SessionId,
        /// How long it waited.
        waited: Duration,
    },
    /// A session's screen never showed the text waited for.
    #[error("session {session} never showed {needle:?} within {}s; its screen:\n{screen}", waited.as_secs())]
    OutputTimeout {
        /// The session whose screen was watched.
        session: SessionId,
        /// The text waited for.
        needle: String,
        /// How long it waited.
        waited: Duration,
        /// The last screen seen.
        screen: String,
    },
    /// The agent never became ready to take input (just started, or relaunched, and not yet
    /// showing its input); nothing was typed.
    #[error(
        "session {session}: its agent was not ready for input within {}s, so nothing was typed; look with `ao session output {session}`",
        waited.as_secs()
    )]
    NotReady {
        /// The session the message was for.
        session: SessionId,
        /// How long it waited.
        waited: Duration,
    },
    /// The message was typed, but the agent did not take it in; it was erased from the
    /// agent's input again where the runtime can.
    #[error(
        "session {session}: the message was typed but the agent did not take it in within {}s (it was taken back out of the input); look with `ao session output {session}`",
        waited.as_secs()
    )]
    NotSubmitted {
        /// The session the message was typed into.
        session: SessionId,
        /// How long it waited for the agent to take it.
        waited: Duration,
    },
    /// The operation needs a capability nothing provides yet.
    #[error("{operation} is not supported: {detail}")]
    Unsupported {
        /// What was attempted, in words (e.g. `claiming a pull request`).
        operation: &'static str,
        /// Why it cannot be done, e.g. the project has no tracker or no `repo`.
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
    /// A session id made from the config is not valid (its session prefix is not).
    #[error("invalid session id: {source}")]
    InvalidId {
        /// Why the id made from the project's session prefix was rejected.
        #[source]
        source: crate::domain::IdError,
    },
    /// Work done on a background thread ended abnormally.
    #[error("{task} was interrupted: {source}")]
    BackgroundTask {
        /// What the thread was doing.
        task: &'static str,
        /// Why it ended.
        #[source]
        source: tokio::task::JoinError,
    },
    /// File system trouble.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory the failed operation was on.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Why a once-trusted config is not trusted now, for messages.
fn changed_note(changed_since: Option<crate::domain::Timestamp>) -> String {
    changed_since
        .and_then(|trusted_at| crate::trust::TrustState::Changed { trusted_at }.why_withdrawn())
        .map_or_else(String::new, |why| format!(" ({why})"))
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
    /// The kind of failure (the error it wraps decides, when it wraps one).
    pub fn class(&self) -> ErrorClass {
        use crate::error::Classify;
        match self {
            Self::Config(e) => e.class(),
            Self::Registry(e) => e.class(),
            Self::Plugin(e) => e.class(),
            Self::Agent(e) => e.class(),
            Self::Runtime(e) => e.class(),
            Self::Workspace(e) => e.class(),
            Self::Tracker(e) => e.class(),
            Self::Scm(e) => e.class(),
            Self::Store(e) => e.class(),
            Self::Trust(e) => e.class(),
            Self::SessionNotFound { .. }
            | Self::UnknownSession { .. }
            | Self::ProjectNotFound { .. }
            | Self::ProjectPathMissing { .. }
            | Self::IssueNotFound { .. }
            | Self::IssueRef(_) => ErrorClass::NotFound,
            Self::IssueClosed { .. } | Self::IssueHasWorker { .. } => ErrorClass::Refused,
            Self::EmptyTask | Self::EmptyMessage { .. } => ErrorClass::InvalidInput,
            Self::StillRunning { .. }
            | Self::SpawnInProgress { .. }
            | Self::UnsavedWork { .. }
            | Self::OrchestratorOwnsNoPr { .. }
            | Self::PrOwned { .. }
            | Self::PrFromFork { .. }
            | Self::WaitingForInput { .. }
            | Self::PersonAttached { .. }
            | Self::Untrusted { .. }
            | Self::UntrustedFolder { .. }
            | Self::OutOfScope { .. } => ErrorClass::Refused,
            Self::Unsupported { .. } => ErrorClass::Unavailable,
            Self::InvalidId { .. } => ErrorClass::InvalidConfig,
            Self::RuntimeDead { .. }
            | Self::SendTimeout { .. }
            | Self::OutputTimeout { .. }
            | Self::NotSubmitted { .. }
            | Self::NotReady { .. }
            | Self::AgentExited { .. }
            | Self::Prompt(_)
            | Self::Io { .. }
            | Self::BackgroundTask { .. } => ErrorClass::Failed,
        }
    }
}

impl crate::error::Classify for OrchestratorError {
    fn class(&self) -> ErrorClass {
        OrchestratorError::class(self)
    }
}

/// The ways on from an `UnsavedWork` refusal for `session`, in one sentence (the CLI's hint,
/// the daemon's report of a merged worker it kept, a dashboard's kill refusal).
pub fn unsaved_work_ways_on(session: &SessionId) -> String {
    format!(
        "nothing was changed; ways on: `ao send {session} \"commit and push your work\"`, then kill it again; `ao session kill {session} --keep-workspace` stops the agent and keeps the worktree and branch; `ao session kill {session} --force` saves the work under a new rescue ref (`ao session rescues`), then removes it"
    )
}
