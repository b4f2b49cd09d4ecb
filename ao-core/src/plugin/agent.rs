//! `Agent`: one coding-agent CLI.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::config::{AgentConfig, Passthrough, Permissions};
use crate::domain::{
    Activity, ActivitySource, ActivityState, LaunchSpec, ProjectId, Role, SessionId, Timestamp,
};
use crate::store::SessionRecord;

/// What an agent adapter needs to build a launch.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchRequest {
    /// The project the session belongs to.
    pub project_id: ProjectId,
    /// The `ao` session being launched or resumed.
    pub session_id: SessionId,
    /// The role (decided by the code path that launches, never by config or agent).
    pub role: Role,
    /// The model; `None` lets the agent pick its default.
    pub model: Option<String>,
    /// The permission mode.
    pub permissions: Permissions,
    /// File holding the system prompt (written under `AO_HOME`).
    pub system_prompt_file: Option<PathBuf>,
    /// The system prompt's text (the same as the file's), for CLIs that take it inline.
    pub system_prompt: Option<String>,
    /// A fresh id `ao` offers the agent for its own session (a UUID), for CLIs that let the
    /// caller choose it; recorded when the adapter uses it.
    pub agent_session_id: Option<String>,
    /// The task prompt; untrusted parts are already fenced as data.
    pub task_prompt: Option<String>,
    /// Where the agent runs: a worker's workspace, or the project's directory for an orchestrator.
    pub cwd: PathBuf,
    /// The role's agent settings (adapter-specific keys in `extra`).
    pub settings: Passthrough<AgentConfig>,
    /// Environment `ao` adds (`AO_*`) and configured variables.
    pub env: BTreeMap<String, String>,
    /// Whether the config behind this launch is trusted (or needs no trust), so `ao` may
    /// answer the agent's first-run "trust this folder?" question for `cwd` ahead of time.
    pub trusted: bool,
}

/// What an adapter may look at to tell what its agent is doing.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityProbe {
    /// The session's record.
    pub session: SessionRecord,
    /// The last screenful of terminal text, when the runtime has it.
    pub terminal: Option<String>,
    /// The runtime's view of the session's process right now.
    pub runtime: crate::domain::RuntimeStatus,
    /// `AO_HOME`, where hook events are appended.
    pub ao_home: PathBuf,
    /// How long `ready` lasts before it counts as `idle` (`readyThresholdMs`).
    pub ready_threshold: std::time::Duration,
    /// The project's configured environment (it may move an agent's state directories).
    pub env: BTreeMap<String, String>,
}

impl ActivityProbe {
    /// The file `ao hook` appends this session's hook events to.
    pub fn events_file(&self) -> PathBuf {
        crate::home::AoHome::new(&self.ao_home)
            .events_file(&self.session.project_id, &self.session.id)
    }

    /// The recent hook events of the session's current launch, oldest first: those of an
    /// earlier launch (a stopped process's `SessionEnd`, written while the new one starts)
    /// say nothing about the process running now.
    pub fn launch_events(&self) -> Vec<crate::adapter_kit::hook::HookEvent> {
        self.of_current_launch(crate::adapter_kit::hook::recent(&self.events_file()))
    }

    /// `events` less those of an earlier launch (see [`Self::launch_events`]). A record from
    /// before launches were told apart keeps them all.
    pub fn of_current_launch(
        &self,
        mut events: Vec<crate::adapter_kit::hook::HookEvent>,
    ) -> Vec<crate::adapter_kit::hook::HookEvent> {
        if let Some(current) = &self.session.launch_id {
            events.retain(|e| e.launch.as_ref() == Some(current));
        }
        events
    }
}

/// Token use and cost of a session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cost {
    /// Tokens sent to the model over the whole session, as the agent counts them.
    pub input_tokens: u64,
    /// Tokens the model produced over the whole session.
    pub output_tokens: u64,
    /// Estimated cost in US dollars, when the agent reports it.
    pub usd: Option<f64>,
}

/// What an agent reports about its own session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSessionInfo {
    /// The agent's own session id (for resume).
    pub agent_session_id: Option<String>,
    /// A one-line summary of the work.
    pub summary: Option<String>,
    /// Tokens used so far (and their cost, when known); `None` when the agent does not report them.
    pub cost: Option<Cost>,
}

/// What an agent's CLI has said so far about running another model than the configured one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelNotice {
    /// It has not yet said which model it runs (it will, once it has started).
    NotYet,
    /// Nothing to tell: it runs the configured model (or the one a configured alias names),
    /// or the adapter cannot tell.
    Nothing,
    /// It runs another model: what happened, as a sentence for the person who chose it.
    Mapped(String),
}

/// What `ao doctor` learns about an agent's binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeReport {
    /// The binary found on `PATH`.
    pub binary: PathBuf,
    /// Its version, when it says.
    pub version: Option<String>,
}

/// Why an agent operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The adapter does not offer this capability.
    #[error("{implementer} does not support {operation}")]
    Unsupported {
        /// The capability asked for, in words (`resume`, `probe`, …).
        operation: &'static str,
        /// The adapter's config name (`claude-code`, `codex`, …).
        implementer: String,
    },
    /// The configuration cannot be turned into a launch.
    #[error("invalid settings for agent {agent}: {detail}")]
    InvalidSettings {
        /// The config name of the adapter whose settings were refused.
        agent: String,
        /// What is wrong.
        detail: String,
    },
    /// The agent would ask whether to trust the folder, and `ao` may not answer for the user.
    #[error(
        "{agent} would ask whether to trust {}; ao answers that only for a trusted config",
        path.display()
    )]
    NeedsTrust {
        /// The config name of the adapter whose CLI would ask.
        agent: String,
        /// The folder the agent would ask about: the launch's working directory.
        path: PathBuf,
    },
    /// The agent would ask the user another first-run question (not about its folder) at
    /// start, and `ao` may not answer it for the user.
    #[error("{agent} would ask {question}; ao answers that only for a trusted config")]
    NeedsAnswer {
        /// The config name of the adapter whose CLI would ask.
        agent: String,
        /// The question, in words that hold no secret (`whether to use the API key in …`).
        question: String,
    },
    /// The agent's CLI refused a command line the adapter built.
    #[error("{agent} refused its command line: {detail}")]
    LaunchRejected {
        /// The config name of the adapter whose command line was refused.
        agent: String,
        /// What the CLI said.
        detail: String,
    },
    /// The agent's program is not installed.
    #[error("{program} is not installed or not on PATH")]
    BinaryNotFound {
        /// The program looked for on `PATH`, as the launch names it.
        program: String,
    },
    /// Any other adapter failure, described in `detail`.
    #[error("{agent}: {detail}")]
    Failed {
        /// The config name of the adapter that failed.
        agent: String,
        /// What went wrong, in words fit for the user.
        detail: String,
    },
}

/// What an agent CLI puts in the environment of the programs it runs (its tools' shells).
///
/// A session `ao` starts from inside an agent (an orchestrator running `ao spawn` from its
/// shell tool) would otherwise inherit them: the calling agent's session id, its private
/// messaging socket and token, or markers such as claude's `CLAUDE_CODE_CHILD_SESSION` (with
/// which claude saves no transcript, so the session could never be resumed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChildEnv {
    /// Names only this CLI sets: never passed on to a session `ao` starts.
    pub own: &'static [&'static str],
    /// Common names it sets for its children as well (`NO_COLOR`, `PAGER`, `TERM`, …): not
    /// passed on when the caller is one of its children (one of `own` is set), since then
    /// they are the CLI's, not the user's.
    pub common: &'static [&'static str],
}

impl ChildEnv {
    /// The names a launch leaves out of a caller's environment, given which names are set
    /// in it.
    pub fn left_out(&self, is_set: impl Fn(&str) -> bool) -> Vec<&'static str> {
        let mut names = self.own.to_vec();
        if self.own.iter().any(|n| is_set(n)) {
            names.extend(self.common);
        }
        names
    }
}

/// One coding-agent CLI.
///
/// Contract:
/// - `launch_spec` MUST return a program and argv (never a shell string) whose meaning matches
///   the request's model, permissions and role, and MUST NOT put untrusted text anywhere but
///   the task prompt.
/// - The task (given in `launch_spec` or by `initial_input`) MUST reach the agent as a task
///   whatever its text: never taken for a subcommand, flag or in-agent command
///   ([`crate::adapter_kit::text::as_task`]).
/// - `resume_spec` SHOULD keep the system prompt; it returns `Unsupported` when the CLI has no
///   resume.
/// - `activity` MUST NOT block on the agent and SHOULD prefer hook events, then the CLI's own
///   state files, then terminal text; it returns `unknown` rather than guessing.
/// - `activity`, `submitted_since`, `session_info`, `model_in_use` and `model_notice` MAY
///   read files with blocking calls: `ao` calls them on blocking threads, never on the async
///   ones.
/// - `model_in_use` is read for every session on every observation, so it MUST stay cheap
///   (the end of a file, never a whole transcript) and MUST come from the CLI's own records,
///   never from the configured model: it is there to show when the two differ.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Agent: Send + Sync + 'static {
    /// The adapter's config name (`claude-code`, `codex`, …).
    fn name(&self) -> &str;

    /// The process to start for a new session.
    fn launch_spec(&self, req: &LaunchRequest) -> Result<LaunchSpec, AgentError>;

    /// The process to start to continue the agent's own session `agent_session_id`.
    fn resume_spec(
        &self,
        req: &LaunchRequest,
        agent_session_id: &str,
    ) -> Result<LaunchSpec, AgentError> {
        let _ = (req, agent_session_id);
        Err(AgentError::Unsupported {
            operation: "resume",
            implementer: self.name().to_string(),
        })
    }

    /// Whether the session's current launch can take typed input now: `Some(true)` once its
    /// own evidence says so (an event of this launch, its input on screen), `Some(false)`
    /// while it cannot yet (just started or relaunched: text typed then is lost, or its
    /// Enter is), `None` when the adapter cannot tell (the message is sent at once).
    async fn accepts_input(&self, probe: &ActivityProbe) -> Option<bool> {
        let _ = probe;
        None
    }

    /// What this agent's CLI puts in the environment of the programs it runs (none by
    /// default); every launch leaves these out of what it inherits.
    fn child_env(&self) -> ChildEnv {
        ChildEnv::default()
    }

    /// The agent's own session id this launch uses, when the adapter takes the one `ao`
    /// offered (`req.agent_session_id`); `ao` records it for resume.
    fn assigned_session_id(&self, req: &LaunchRequest) -> Option<String> {
        let _ = req;
        None
    }

    /// Text to type into the session once it has started, for agents that read their task
    /// from the terminal (none by default).
    fn initial_input(&self, req: &LaunchRequest) -> Option<String> {
        let _ = req;
        None
    }

    /// Whether `activity` needs the screen even when other evidence exists (some states show
    /// nowhere else); callers that skip capturing screens for speed capture them then.
    fn wants_terminal(&self) -> bool {
        false
    }

    /// Prepares the machine for a launch before its process starts: answers the CLI's
    /// first-run questions for `req.cwd` ahead of time, so nothing blocks the agent's start.
    /// Returns `NeedsTrust` (the folder) or `NeedsAnswer` (any other question) when that would
    /// take trust `req.trusted` does not grant; with `req.trusted` false it MUST only check,
    /// changing nothing. It MUST NOT override an answer the user gave the CLI.
    fn prepare(&self, req: &LaunchRequest) -> Result<(), AgentError> {
        let _ = req;
        Ok(())
    }

    /// Whether the agent took in a prompt since `since` (a hook or transcript record says so);
    /// `None` when the adapter cannot tell.
    async fn submitted_since(&self, probe: &ActivityProbe, since: Timestamp) -> Option<bool> {
        let _ = (probe, since);
        None
    }

    /// What the agent is doing now.
    async fn activity(&self, probe: &ActivityProbe) -> Result<Activity, AgentError>;

    /// The agent's own session id, summary and cost.
    async fn session_info(&self, probe: &ActivityProbe) -> Result<AgentSessionInfo, AgentError> {
        let _ = probe;
        Err(AgentError::Unsupported {
            operation: "session info",
            implementer: self.name().to_string(),
        })
    }

    /// The model the agent's CLI says it runs the session on, read from its own records (the
    /// configured `probe.session.model` may name an alias it resolved, or a model it mapped to
    /// another); `None` until it has said, or when the adapter cannot tell.
    async fn model_in_use(&self, probe: &ActivityProbe) -> Option<String> {
        let _ = probe;
        None
    }

    /// What the agent's CLI reported about running another model than the configured one (a
    /// retired model mapped to its successor, say), read from its first screen
    /// (`probe.terminal`) or records. An alias resolved to the model it names is no news.
    /// `NotYet` (a new session's caller asks again for a moment) only while the CLI is yet to
    /// say something it always says at start.
    async fn model_notice(&self, probe: &ActivityProbe) -> ModelNotice {
        let _ = probe;
        ModelNotice::Nothing
    }

    /// Finds the agent's binary and its version (runs it briefly; call it off async threads).
    fn probe(&self) -> Result<ProbeReport, AgentError> {
        Err(AgentError::Unsupported {
            operation: "probe",
            implementer: self.name().to_string(),
        })
    }

    /// Runs `spec`'s command line through the real CLI with nothing real in reach (an empty
    /// home, no keys, model endpoints at a closed loopback port) to see that it is accepted —
    /// never a model turn. Returns what the CLI warned about while accepting it (a model it
    /// would map to another or that is retired, …), one sentence each, for `ao doctor`.
    /// Blocks for up to a minute; call it off async threads.
    fn verify_launch(&self, spec: &LaunchSpec) -> Result<Vec<String>, AgentError> {
        let _ = spec;
        Err(AgentError::Unsupported {
            operation: "launch verification",
            implementer: self.name().to_string(),
        })
    }

    /// What only the user can fix before a launch works — a login, a first-run setup — as
    /// sentences for `ao doctor` (empty when nothing is known to be missing). `env` is the
    /// project's configured environment.
    fn setup_findings(&self, env: &BTreeMap<String, String>) -> Vec<String> {
        let _ = env;
        Vec::new()
    }

    /// How to install the agent's program, for `ao doctor`'s hint.
    fn install_hint(&self) -> Option<String> {
        None
    }
}

/// A scriptable agent for tests: launches `program` with the task prompt as its last argument
/// and reports whatever activity it was told.
#[derive(Debug)]
pub struct FakeAgent {
    name: String,
    program: String,
    activity: Mutex<ActivityState>,
    submitted: Mutex<Option<bool>>,
    accepts_input: Mutex<Option<bool>>,
    model_in_use: Mutex<Option<String>>,
    summary: Mutex<Option<String>>,
}

impl FakeAgent {
    /// A fake named `name` that launches `program`.
    pub fn new(name: impl Into<String>, program: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            program: program.into(),
            activity: Mutex::new(ActivityState::Unknown),
            submitted: Mutex::new(None),
            accepts_input: Mutex::new(None),
            model_in_use: Mutex::new(None),
            summary: Mutex::new(None),
        }
    }

    /// Sets the one-line summary its sessions report (`None`: it keeps none).
    pub fn set_summary(&self, summary: Option<&str>) {
        if let Ok(mut s) = self.summary.lock() {
            *s = summary.map(str::to_string);
        }
    }

    /// Sets what it answers when asked whether it can take input (`None`: cannot tell).
    pub fn set_accepts_input(&self, ready: Option<bool>) {
        if let Ok(mut r) = self.accepts_input.lock() {
            *r = ready;
        }
    }

    /// Sets the model it reports its sessions run on (`None`: it has not said).
    pub fn set_model_in_use(&self, model: Option<&str>) {
        if let Ok(mut m) = self.model_in_use.lock() {
            *m = model.map(str::to_string);
        }
    }

    /// Sets what it answers when asked whether a prompt was taken in (`None`: cannot tell).
    pub fn set_submitted(&self, submitted: Option<bool>) {
        if let Ok(mut s) = self.submitted.lock() {
            *s = submitted;
        }
    }

    /// Sets the activity it reports from now on.
    pub fn set_activity(&self, state: ActivityState) {
        if let Ok(mut a) = self.activity.lock() {
            *a = state;
        }
    }
}

#[async_trait]
impl Agent for FakeAgent {
    fn name(&self) -> &str {
        &self.name
    }

    fn launch_spec(&self, req: &LaunchRequest) -> Result<LaunchSpec, AgentError> {
        let mut args = Vec::new();
        if let Some(model) = &req.model {
            args.extend(["--model".to_string(), model.clone()]);
        }
        args.extend(["--permissions".to_string(), req.permissions.to_string()]);
        if let Some(file) = &req.system_prompt_file {
            args.extend([
                "--system-prompt-file".to_string(),
                file.display().to_string(),
            ]);
        }
        if let Some(task) = &req.task_prompt {
            args.extend(["--".to_string(), task.clone()]);
        }
        let mut spec = LaunchSpec::new(self.program.clone(), args, req.cwd.clone());
        spec.env = req.env.clone();
        Ok(spec)
    }

    fn resume_spec(
        &self,
        req: &LaunchRequest,
        agent_session_id: &str,
    ) -> Result<LaunchSpec, AgentError> {
        let mut spec = self.launch_spec(&LaunchRequest {
            task_prompt: None,
            ..req.clone()
        })?;
        spec.argv
            .extend(["--resume".to_string(), agent_session_id.to_string()]);
        Ok(spec)
    }

    async fn submitted_since(&self, _probe: &ActivityProbe, _since: Timestamp) -> Option<bool> {
        self.submitted.lock().ok().and_then(|s| *s)
    }

    async fn accepts_input(&self, _probe: &ActivityProbe) -> Option<bool> {
        self.accepts_input.lock().ok().and_then(|r| *r)
    }

    async fn session_info(&self, _probe: &ActivityProbe) -> Result<AgentSessionInfo, AgentError> {
        Ok(AgentSessionInfo {
            summary: self.summary.lock().ok().and_then(|s| s.clone()),
            ..AgentSessionInfo::default()
        })
    }

    async fn model_in_use(&self, _probe: &ActivityProbe) -> Option<String> {
        self.model_in_use.lock().ok().and_then(|m| m.clone())
    }

    async fn activity(&self, _probe: &ActivityProbe) -> Result<Activity, AgentError> {
        let state = self
            .activity
            .lock()
            .map(|a| *a)
            .unwrap_or(ActivityState::Unknown);
        Ok(Activity {
            state,
            since: Timestamp::now(),
            source: ActivitySource::Hook,
        })
    }
}

impl crate::error::Classify for AgentError {
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass as C;
        match self {
            Self::BinaryNotFound { .. } | Self::Unsupported { .. } => C::Unavailable,
            Self::NeedsTrust { .. } | Self::NeedsAnswer { .. } => C::Refused,
            Self::InvalidSettings { .. } | Self::LaunchRejected { .. } | Self::Failed { .. } => {
                C::Failed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ActivityProbe, ChildEnv};
    use crate::adapter_kit::hook::{HookEvent, append};
    use crate::domain::{ProjectId, Role, RuntimeStatus, SessionId};
    use crate::store::SessionRecord;

    #[test]
    fn only_the_current_launchs_events_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut session = SessionRecord::new(
            SessionId::new("app-orchestrator").unwrap(),
            ProjectId::new("app").unwrap(),
            Role::Orchestrator,
            "claude-code",
        );
        let probe = |session: &SessionRecord| ActivityProbe {
            session: session.clone(),
            terminal: None,
            runtime: RuntimeStatus::Alive,
            ao_home: dir.path().to_path_buf(),
            ready_threshold: std::time::Duration::from_secs(5),
            env: Default::default(),
        };
        for (event, launch) in [
            ("SessionStart", "a"),
            ("SessionEnd", "a"),
            ("SessionStart", "b"),
        ] {
            let mut e = HookEvent::new("claude-code", event, &serde_json::Value::Null);
            e.launch = Some(launch.into());
            append(&probe(&session).events_file(), &e).unwrap();
        }
        assert_eq!(
            probe(&session).launch_events().len(),
            3,
            "no launch recorded: all"
        );
        session.launch_id = Some("b".into());
        let names: Vec<String> = probe(&session)
            .launch_events()
            .into_iter()
            .map(|e| e.event)
            .collect();
        assert_eq!(names, ["SessionStart"]);
    }

    #[test]
    fn common_names_are_left_out_only_inside_the_cli() {
        let env = ChildEnv {
            own: &["CLIID"],
            common: &["PAGER"],
        };
        assert_eq!(env.left_out(|_| false), ["CLIID"]);
        assert_eq!(env.left_out(|n| n == "CLIID"), ["CLIID", "PAGER"]);
        assert!(ChildEnv::default().left_out(|_| true).is_empty());
    }
}
