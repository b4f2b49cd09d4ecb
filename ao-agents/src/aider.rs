//! aider (`aider`, pinned `aider-chat==0.86.2`).
//!
//! aider has no system-prompt flag and no way to start with a task and stay open: the system
//! prompt goes in as a read-only file (`--read`, which reaches the model on every turn) and
//! the task is typed into the session once it has started. Permissions: `permissionless`
//! and `auto-edit` → `--yes-always` (aider still never runs a shell command unasked: under it
//! commands are declined), `default` → every confirmation asks, `suggest` → `--chat-mode ask
//! --no-auto-commits`. An orchestrator runs in ask mode too — aider cannot run `ao` itself, so
//! it can advise but not orchestrate. First-run questions that would swallow the typed task
//! are pre-answered (`--no-gitignore`, `--no-show-model-warnings`, `--no-show-release-notes`,
//! `--no-analytics`, `--no-check-update`).
//!
//! aider keeps one chat history per directory (`.aider.chat.history.md`), so a worker's
//! worktree holds its conversation; resume reloads it (`--restore-chat-history`). Activity
//! comes from the screen: its `(Y)es/(N)o` questions, "Waiting for <model>", and its prompt.

use std::path::Path;

use async_trait::async_trait;

use ao_core::adapter_kit::text::as_task;
use ao_core::config::Permissions;
use ao_core::domain::{Activity, ActivityState, LaunchSpec, Role};
use ao_core::plugin::{ActivityProbe, Agent, AgentError, LaunchRequest, ProbeReport};

/// The adapter's config name.
const AGENT_NAME: &str = "aider";

/// The pinned version `ao` is checked against.
pub const AIDER_PACKAGE: &str = "aider-chat==0.86.2";

/// The aider adapter.
#[derive(Debug, Clone)]
pub struct Aider {
    program: String,
}

impl Default for Aider {
    fn default() -> Self {
        Self::new()
    }
}

impl Aider {
    /// An adapter running `aider` from `PATH`.
    pub fn new() -> Self {
        Self::with_program("aider")
    }

    /// An adapter running `program` (e.g. an absolute path).
    pub fn with_program(program: impl Into<String>) -> Self {
        Self {
            program: program.into(),
        }
    }

    fn flags(&self, req: &LaunchRequest) -> LaunchSpec {
        let mut spec = LaunchSpec::new(self.program.clone(), Vec::<String>::new(), req.cwd.clone());
        spec.env = req.env.clone();
        let args = &mut spec.argv;
        if let Some(model) = &req.model {
            args.extend(["--model".to_string(), model.clone()]);
        }
        if let Some(file) = &req.system_prompt_file {
            args.extend(["--read".to_string(), file.display().to_string()]);
        }
        args.extend(
            [
                "--no-check-update",
                "--no-show-release-notes",
                "--no-analytics",
                "--no-show-model-warnings",
                "--no-gitignore",
            ]
            .map(String::from),
        );
        let read_only =
            req.role == Role::Orchestrator || req.permissions.canonical() == Permissions::Suggest;
        if read_only {
            args.extend(["--chat-mode", "ask", "--no-auto-commits"].map(String::from));
        } else if matches!(
            req.permissions.canonical(),
            Permissions::Permissionless | Permissions::AutoEdit
        ) {
            args.push("--yes-always".into());
        }
        spec
    }
}

/// The state aider's screen shows: a confirmation question, a model call in flight, or its
/// prompt (`> `, `ask> `, `diff> `, …) waiting for input.
fn from_screen(screen: &str) -> Option<ActivityState> {
    let last = screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())?
        .trim_end();
    if last.contains("(Y)es/(N)o") {
        return Some(ActivityState::WaitingInput);
    }
    if screen.contains("Waiting for ") && !last.ends_with('>') {
        return Some(ActivityState::Active);
    }
    let prompt = last.trim_start();
    if prompt == ">" || (prompt.ends_with('>') && !prompt.contains(' ')) {
        return Some(ActivityState::Ready);
    }
    Some(ActivityState::Active)
}

/// Whether aider accepted a command line: with stdin closed it starts, prints its banner and
/// exits 0 at the first prompt; a parse error exits 2 (`aider: error: …`), and a bad file
/// argument prints `Error: …` yet exits 0.
fn accepted(run: &ao_core::adapter_kit::probe::Run) -> bool {
    run.code == Some(0)
        && run.stdout.contains("Aider v")
        && !run.stdout.lines().any(|l| l.starts_with("Error:"))
}

#[async_trait]
impl Agent for Aider {
    fn name(&self) -> &str {
        AGENT_NAME
    }

    fn launch_spec(&self, req: &LaunchRequest) -> Result<LaunchSpec, AgentError> {
        Ok(self.flags(req))
    }

    fn assigned_session_id(&self, req: &LaunchRequest) -> Option<String> {
        // aider has no session ids; its conversation is the directory's chat history.
        Some(format!("chat-history:{}", req.session_id))
    }

    fn resume_spec(
        &self,
        req: &LaunchRequest,
        _agent_session_id: &str,
    ) -> Result<LaunchSpec, AgentError> {
        let mut spec = self.flags(req);
        spec.argv.push("--restore-chat-history".into());
        Ok(spec)
    }

    fn initial_input(&self, req: &LaunchRequest) -> Option<String> {
        // Typed into aider's prompt, where `/…` and `!…` are commands.
        req.task_prompt.as_deref().map(as_task)
    }

    fn wants_terminal(&self) -> bool {
        true
    }

    async fn activity(&self, probe: &ActivityProbe) -> Result<Activity, AgentError> {
        Ok(super::screen_activity(probe, from_screen))
    }

    fn probe(&self) -> Result<ProbeReport, AgentError> {
        super::probe_program(&self.program)
    }

    fn verify_launch(&self, spec: &LaunchSpec) -> Result<Vec<String>, AgentError> {
        let closed = ao_core::adapter_kit::probe::CLOSED_PORT_URL.to_string();
        super::verify_isolated(
            AGENT_NAME,
            spec,
            super::Isolation {
                extra: |scratch: &Path| {
                    // litellm's price list would be fetched on every start; a seeded cache
                    // and the local copy keep the check offline.
                    let cache = scratch.join("home/.aider/caches");
                    let _ = std::fs::create_dir_all(&cache);
                    let _ = std::fs::write(
                        cache.join("model_prices_and_context_window.json"),
                        r#"{"_seed":{}}"#,
                    );
                    vec![
                        ("OPENAI_API_BASE", closed.clone()),
                        ("OPENAI_BASE_URL", closed.clone()),
                        ("ANTHROPIC_BASE_URL", closed),
                        ("LITELLM_LOCAL_MODEL_COST_MAP", "True".into()),
                    ]
                },
                argv_edit: |_: &mut Vec<String>| {},
                accepted,
                limit: std::time::Duration::from_secs(60),
                private_network: true,
            },
        )
        .map(|_| Vec::new())
    }

    fn install_hint(&self) -> Option<String> {
        Some(format!(
            "pipx install {AIDER_PACKAGE} (or pip install it into a Python 3.10–3.12 virtualenv)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ActivityState::{Active, Ready, WaitingInput};

    #[test]
    fn screens_show_each_state() {
        let rule = "─".repeat(40);
        for (screen, state) in [
            (format!("Aider v0.86.2\n{rule}\n> "), Ready),
            (format!("Readonly: ../sys.md\n{rule}\nask> "), Ready),
            ("░█       Waiting for openai/gpt-4o".to_string(), Active),
            (
                "Run shell command? (Y)es/(N)o/(D)on't ask again [Yes]: ".to_string(),
                WaitingInput,
            ),
            (
                "MOCK-DONE\nTokens: 2.3k sent, 14 received.".to_string(),
                Active,
            ),
        ] {
            assert_eq!(from_screen(&screen), Some(state), "{screen}");
        }
    }
}
