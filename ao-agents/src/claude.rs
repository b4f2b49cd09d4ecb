//! Claude Code (`claude`).
//!
//! Permissions map to the pinned CLI's flags: `permissionless` → `--dangerously-skip-permissions`
//! (plus `IS_SANDBOX=1` as root, which the CLI requires), `auto-edit` → `acceptEdits`,
//! `default` → `default` (the asking mode; no flag would mean the CLI's own auto mode),
//! `suggest` → `plan`. The system prompt is appended from its file; `ao` picks the session id
//! (`--session-id`), so resume (`--resume <id>`) keeps permissions, model and system prompt.
//!
//! The orchestrator is kept read-only by the CLI's own tool policy, whatever the configured
//! permissions: `--permission-mode dontAsk` with an allow list of `ao`, read-only git/gh,
//! `Read`, `Grep` and `Glob`; `--disallowedTools` for every editing tool (deny rules win over
//! any allow rule); and `--setting-sources user`, so settings committed in a repository cannot
//! widen it.

use async_trait::async_trait;

use ao_core::config::Permissions;
use ao_core::domain::{Activity, LaunchSpec, Role};
use ao_core::plugin::{ActivityProbe, Agent, AgentError, LaunchRequest};

/// Tools the orchestrator may use without asking.
pub const ORCHESTRATOR_ALLOWED_TOOLS: &str = "Bash(ao:*),Bash(git status:*),Bash(git log:*),Bash(git diff:*),Bash(git show:*),Bash(git branch:*),Bash(gh pr view:*),Bash(gh pr list:*),Bash(gh issue view:*),Bash(gh issue list:*),Read,Grep,Glob";

/// Tools the orchestrator may never use.
pub const ORCHESTRATOR_DENIED_TOOLS: &str = "Edit,Write,NotebookEdit";

/// The Claude Code adapter.
#[derive(Debug, Clone)]
pub struct ClaudeCode {
    program: String,
}

impl Default for ClaudeCode {
    fn default() -> Self {
        Self::new()
    }
}

impl ClaudeCode {
    /// An adapter running `claude` from `PATH`.
    pub fn new() -> Self {
        Self {
            program: "claude".into(),
        }
    }

    /// An adapter running `program` (e.g. an absolute path).
    pub fn with_program(program: impl Into<String>) -> Self {
        Self {
            program: program.into(),
        }
    }

    /// Flags shared by a launch and its resume: permissions (or the orchestrator's policy),
    /// model, system prompt.
    fn common(&self, req: &LaunchRequest, spec: &mut LaunchSpec) {
        let args = &mut spec.argv;
        match req.role {
            Role::Orchestrator => {
                args.extend(
                    [
                        "--permission-mode",
                        "dontAsk",
                        "--allowedTools",
                        ORCHESTRATOR_ALLOWED_TOOLS,
                        "--disallowedTools",
                        ORCHESTRATOR_DENIED_TOOLS,
                        "--setting-sources",
                        "user",
                    ]
                    .map(String::from),
                );
            }
            Role::Worker => match req.permissions.canonical() {
                Permissions::Permissionless => {
                    args.push("--dangerously-skip-permissions".into());
                    if super::running_as_root() {
                        spec.env.insert("IS_SANDBOX".into(), "1".into());
                    }
                }
                mode => {
                    let name = match mode {
                        Permissions::AutoEdit => "acceptEdits",
                        Permissions::Suggest => "plan",
                        Permissions::Auto => "auto",
                        _ => "default",
                    };
                    args.extend(["--permission-mode".to_string(), name.to_string()]);
                }
            },
        }
        if let Some(model) = &req.model {
            spec.argv.extend(["--model".to_string(), model.clone()]);
        }
        if let Some(file) = &req.system_prompt_file {
            spec.argv.extend([
                "--append-system-prompt-file".to_string(),
                file.display().to_string(),
            ]);
        }
    }

    fn base(&self, req: &LaunchRequest) -> LaunchSpec {
        let mut spec = LaunchSpec::new(self.program.clone(), Vec::<String>::new(), req.cwd.clone());
        spec.env = req.env.clone();
        spec
    }
}

#[async_trait]
impl Agent for ClaudeCode {
    fn name(&self) -> &str {
        "claude-code"
    }

    fn launch_spec(&self, req: &LaunchRequest) -> Result<LaunchSpec, AgentError> {
        let mut spec = self.base(req);
        self.common(req, &mut spec);
        if let Some(id) = &req.agent_session_id {
            spec.argv.extend(["--session-id".to_string(), id.clone()]);
        }
        if let Some(task) = &req.task_prompt {
            // After `--`: a variadic flag (`--allowedTools`, …) would otherwise swallow it.
            spec.argv.extend(["--".to_string(), task.clone()]);
        }
        Ok(spec)
    }

    fn assigned_session_id(&self, req: &LaunchRequest) -> Option<String> {
        req.agent_session_id.clone()
    }

    fn resume_spec(
        &self,
        req: &LaunchRequest,
        agent_session_id: &str,
    ) -> Result<LaunchSpec, AgentError> {
        let mut spec = self.base(req);
        self.common(req, &mut spec);
        spec.argv
            .extend(["--resume".to_string(), agent_session_id.to_string()]);
        Ok(spec)
    }

    async fn activity(&self, _probe: &ActivityProbe) -> Result<Activity, AgentError> {
        // Hook events, the status file and the transcript are read from step 11 on; until then
        // `unknown`, which never holds a message back.
        Ok(Activity::unknown())
    }
}
