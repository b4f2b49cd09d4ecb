//! opencode (`opencode`, pinned `opencode-ai@1.18.33`).
//!
//! Each launch carries its own config in `OPENCODE_CONFIG_CONTENT` (validated by opencode;
//! `OPENCODE_CONFIG` would be read as a path): the system prompt file as `instructions`, no
//! auto-update or sharing, and the permissions — explicitly, since opencode's own default
//! allows everything. `permissionless` → `--auto`; `auto-edit` → edits allowed, shell and web
//! asked; `default` → all asked; `suggest` → the `plan` agent with edits denied. An orchestrator
//! gets `plan` with edits denied and only `ao` and read-only git allowed in the shell. The task
//! is `--prompt`, which opencode submits and then stays open.
//!
//! Resume is `opencode -s <session>`, the id read from `opencode session list` by the session's
//! directory (opencode drops a `--prompt` given with `-s`, so none is). Activity comes from the
//! screen: "Permission required", "esc interrupt" while working, and the composer otherwise.

use std::collections::BTreeMap;
use std::path::Path;

use async_trait::async_trait;

use ao_core::adapter_kit::text::as_task;
use ao_core::config::Permissions;
use ao_core::domain::{Activity, ActivityState, LaunchSpec, Role};
use ao_core::plugin::{
    ActivityProbe, Agent, AgentError, AgentSessionInfo, LaunchRequest, ProbeReport,
};

/// The adapter's config name.
const AGENT_NAME: &str = "opencode";

/// The pinned version `ao` is checked against.
pub const OPENCODE_PACKAGE: &str = "opencode-ai@1.18.33";

/// The opencode adapter.
#[derive(Debug, Clone)]
pub struct OpenCode {
    program: String,
}

impl Default for OpenCode {
    fn default() -> Self {
        Self::new()
    }
}

impl OpenCode {
    /// An adapter running `opencode` from `PATH`.
    pub fn new() -> Self {
        Self::with_program("opencode")
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
        let (permission, flags): (serde_json::Value, &[&str]) =
            match (req.role, req.permissions.canonical()) {
                (Role::Orchestrator, _) => (
                    serde_json::json!({
                        "edit": "deny",
                        "webfetch": "deny",
                        "bash": {
                            "*": "ask",
                            "ao *": "allow",
                            "git status*": "allow",
                            "git log*": "allow",
                            "git diff*": "allow",
                            "git show*": "allow",
                        },
                    }),
                    &["--agent", "plan"],
                ),
                (_, Permissions::Permissionless) => (serde_json::json!("allow"), &["--auto"]),
                (_, Permissions::AutoEdit) => (
                    serde_json::json!({"edit": "allow", "bash": "ask", "webfetch": "ask"}),
                    &[],
                ),
                (_, Permissions::Suggest) => (
                    serde_json::json!({"edit": "deny", "bash": "ask", "webfetch": "ask"}),
                    &["--agent", "plan"],
                ),
                _ => (
                    serde_json::json!({"edit": "ask", "bash": "ask", "webfetch": "ask"}),
                    &[],
                ),
            };
        let mut config = serde_json::json!({
            "autoupdate": false,
            "share": "disabled",
            "permission": permission,
        });
        if let Some(file) = &req.system_prompt_file {
            config["instructions"] = serde_json::json!([file.display().to_string()]);
        }
        spec.env
            .insert("OPENCODE_CONFIG_CONTENT".into(), config.to_string());
        spec.env
            .insert("OPENCODE_DISABLE_AUTOUPDATE".into(), "1".into());
        if let Some(model) = &req.model {
            spec.argv.extend(["-m".to_string(), model.clone()]);
        }
        spec.argv.extend(flags.iter().map(|f| (*f).to_string()));
        spec
    }
}

/// The state opencode's screen shows.
fn from_screen(screen: &str) -> Option<ActivityState> {
    if screen.contains("Permission required") {
        return Some(ActivityState::WaitingInput);
    }
    if screen.contains("esc interrupt") {
        return Some(ActivityState::Active);
    }
    if screen.contains("Continue  opencode -s") {
        return Some(ActivityState::Exited);
    }
    if screen.contains("ctrl+p commands")
        || screen.contains("Ask anything")
        || screen.contains("• OpenCode")
    {
        return Some(ActivityState::Ready);
    }
    None
}

/// Whether opencode accepted a command line: its interface starts and keeps running (it is
/// stopped at the time limit) with nothing on stderr; a bad flag or config exits 1 at once
/// (a resume of a session that does not exist here fails after parsing, which passed).
fn accepted(run: &ao_core::adapter_kit::probe::Run) -> bool {
    (run.timed_out && run.stderr.trim().is_empty())
        // Coloured, even on a pipe.
        || ao_core::adapter_kit::text::strip_ansi(&run.stderr).contains("Error: Session not found")
}

/// The newest of opencode's sessions started in `dir`, from `opencode session list`.
fn session_in(program: &str, dir: &Path, env: &BTreeMap<String, String>) -> Option<String> {
    let mut run_env: BTreeMap<String, String> = env.clone();
    for name in ["PATH", "HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"] {
        if let Ok(value) = std::env::var(name) {
            run_env.entry(name.to_string()).or_insert(value);
        }
    }
    let binary = ao_core::adapter_kit::probe::find_program(program, None)?;
    let argv = [
        binary.display().to_string(),
        "session".into(),
        "list".into(),
        "--format".into(),
        "json".into(),
    ];
    let out =
        ao_core::adapter_kit::probe::run(&argv, dir, &run_env, std::time::Duration::from_secs(20))?;
    let sessions: serde_json::Value = serde_json::from_str(&out.stdout).ok()?;
    sessions
        .as_array()?
        .iter()
        .filter(|s| s.get("directory").and_then(serde_json::Value::as_str) == dir.to_str())
        .max_by_key(|s| {
            s.get("updated")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0)
        })
        .and_then(|s| s.get("id")?.as_str().map(str::to_string))
}

#[async_trait]
impl Agent for OpenCode {
    fn name(&self) -> &str {
        AGENT_NAME
    }

    fn launch_spec(&self, req: &LaunchRequest) -> Result<LaunchSpec, AgentError> {
        let mut spec = self.flags(req);
        if let Some(task) = &req.task_prompt {
            // One argument with `=`: a task that starts with `-` would otherwise be parsed as
            // a flag.
            spec.argv.push(format!("--prompt={}", as_task(task)));
        }
        Ok(spec)
    }

    fn resume_spec(
        &self,
        req: &LaunchRequest,
        agent_session_id: &str,
    ) -> Result<LaunchSpec, AgentError> {
        let mut spec = self.flags(req);
        spec.argv
            .extend(["-s".to_string(), agent_session_id.to_string()]);
        Ok(spec)
    }

    fn wants_terminal(&self) -> bool {
        true
    }

    async fn activity(&self, probe: &ActivityProbe) -> Result<Activity, AgentError> {
        Ok(super::screen_activity(probe, from_screen))
    }

    async fn session_info(&self, probe: &ActivityProbe) -> Result<AgentSessionInfo, AgentError> {
        let Some(dir) = probe.session.workspace_path.clone() else {
            return Ok(AgentSessionInfo::default());
        };
        // `opencode session list` takes a second or two; this is asked only on restore.
        Ok(AgentSessionInfo {
            agent_session_id: session_in(&self.program, &dir, &probe.env),
            ..AgentSessionInfo::default()
        })
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
                extra: |_: &Path| {
                    vec![
                        ("OPENAI_BASE_URL", closed.clone()),
                        ("ANTHROPIC_BASE_URL", closed.clone()),
                        ("OPENCODE_DISABLE_MODELS_FETCH", "1".into()),
                        // Its start-up plugin install would ask the npm registry.
                        ("NPM_CONFIG_REGISTRY", format!("{closed}/")),
                        ("BUN_CONFIG_REGISTRY", format!("{closed}/")),
                    ]
                },
                argv_edit: |_: &mut Vec<String>| {},
                accepted,
                // A good command line keeps the interface running; a bad one exits in about
                // a second.
                limit: std::time::Duration::from_secs(6),
                private_network: true,
            },
        )
        .map(|_| Vec::new())
    }

    fn install_hint(&self) -> Option<String> {
        Some(format!("npm install -g {OPENCODE_PACKAGE}"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ActivityState::{Active, Exited, Ready, WaitingInput};

    #[test]
    fn screens_show_each_state() {
        for (screen, state) in [
            (
                "Ask anything… \"Fix broken tests\"\nBuild · GPT-4o OpenAI\ntab agents  ctrl+p commands",
                Some(Ready),
            ),
            (
                "▣  Build · Mock Model\n■■■■■■⬝⬝  esc interrupt",
                Some(Active),
            ),
            (
                "△ Permission required\n# Shell command\n$ touch MOCKFILE\nAllow once   Allow always   Reject",
                Some(WaitingInput),
            ),
            (
                "Session   Fix it\nContinue  opencode -s ses_123",
                Some(Exited),
            ),
            ("unrelated", None),
        ] {
            assert_eq!(from_screen(screen), state, "{screen}");
        }
    }

    #[test]
    fn every_mode_states_its_permissions_explicitly() {
        let req = |role, permissions| LaunchRequest {
            project_id: ao_core::domain::ProjectId::new("app").unwrap(),
            session_id: ao_core::domain::SessionId::new("app-1").unwrap(),
            role,
            model: None,
            permissions,
            system_prompt_file: Some("/h/system.md".into()),
            system_prompt: None,
            agent_session_id: None,
            task_prompt: Some("do it".into()),
            cwd: "/w".into(),
            settings: Default::default(),
            env: Default::default(),
            trusted: true,
        };
        for role in Role::ALL {
            for permissions in [
                Permissions::Permissionless,
                Permissions::AutoEdit,
                Permissions::Default,
                Permissions::Suggest,
            ] {
                let spec = OpenCode::new()
                    .launch_spec(&req(role, permissions))
                    .unwrap();
                let config: serde_json::Value =
                    serde_json::from_str(&spec.env["OPENCODE_CONFIG_CONTENT"]).unwrap_or_default();
                assert!(!config["permission"].is_null(), "{role:?} {permissions:?}");
                assert_eq!(config["instructions"][0], "/h/system.md");
                if role == Role::Orchestrator {
                    assert_eq!(config["permission"]["edit"], "deny");
                    assert!(!spec.argv.iter().any(|a| a == "--auto"));
                }
            }
        }
    }
}
