//! Codex (`codex`).
//!
//! Permissions: `permissionless` → `--dangerously-bypass-approvals-and-sandbox`; `auto-edit` →
//! `--sandbox workspace-write --ask-for-approval never`; `default` → `workspace-write` +
//! `on-request`; `suggest` → `--sandbox read-only --ask-for-approval on-request`. Instructions
//! go in `-c developer_instructions=<TOML string>`, which adds to codex's own prompt (never
//! `model_instructions_file`, which would replace it). `--no-daemon` keeps each agent's
//! lifetime its own. Resume is `codex … resume <id>` with the same flags.
//!
//! The orchestrator: codex has no per-tool deny list, so its read-only rule is the system
//! prompt plus `ao`'s code guards (orchestrators cannot spawn into, own or kill other
//! projects' work, and never own a branch or PR); it runs with the configured permissions.
//!
//! Nothing blocks a start: the folder-trust screen is answered per launch for a trusted config
//! (`-c projects={"<cwd>"={trust_level="trusted"}}`, never written to the user's config), and
//! the model-upgrade popup — whose Enter would switch models — and availability notices are
//! marked seen for every model in codex's own catalog (`codex debug models`). Codex hooks
//! are not used, so hook trust is never bypassed (`--dangerously-bypass-hook-trust` would
//! also trust hooks committed in the repository). `ao` learns of finished turns through
//! codex's `notify` program (`ao hook codex notify <payload>`), of started, finished and
//! aborted turns from the rollout file, and of approval requests from the screen.

mod activity;
mod model;
mod rollout;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use ao_core::adapter_kit::text::as_task;
use ao_core::config::Permissions;
use ao_core::domain::{Activity, ActivitySource, ActivityState, LaunchSpec, Timestamp};
use ao_core::plugin::{
    ActivityProbe, Agent, AgentError, AgentSessionInfo, ChildEnv, Cost, LaunchRequest,
};

/// The adapter's config name.
pub(crate) const AGENT_NAME: &str = "codex";

/// How many bytes of a rollout's end activity looks at.
const ROLLOUT_TAIL: u64 = 256 * 1024;

/// The Codex adapter.
#[derive(Debug, Clone)]
pub struct Codex {
    program: String,
    /// The notice overrides, once codex gave them (a failure is retried next launch).
    notices: Arc<Mutex<Option<Vec<String>>>>,
}

/// `$CODEX_HOME`, else `~/.codex`, looking in `env` first, then this process's environment.
fn codex_home(env: &BTreeMap<String, String>) -> Option<PathBuf> {
    super::env_path(env, "CODEX_HOME")
        .or_else(|| super::env_path(env, "HOME").map(|h| h.join(".codex")))
}

/// Whether the user's codex config already trusts `folder` (`[projects."<folder>"]` with
/// `trust_level = "trusted"`).
fn config_trusts(codex_home: &Path, folder: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(codex_home.join("config.toml")) else {
        return false;
    };
    let header = format!("[projects.{}]", toml_string(&folder.to_string_lossy()));
    let mut in_table = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_table = line == header;
        } else if in_table {
            let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            if compact == "trust_level=\"trusted\"" {
                return true;
            }
        }
    }
    false
}

/// The `-c` overrides that mark every upgrade popup and availability notice in codex's model
/// catalog as seen, from `codex debug models` (about 60 ms; empty when codex cannot say).
fn notice_overrides(program: &str, env: &BTreeMap<String, String>) -> Vec<String> {
    let output = std::process::Command::new(program)
        .args(["debug", "models"])
        .envs(env.iter().filter(|(k, _)| k.as_str() == "CODEX_HOME"))
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    let Some(output) = output.ok().filter(|o| o.status.success()) else {
        return Vec::new();
    };
    let Ok(catalog) = serde_json::from_slice::<serde_json::Value>(&output.stdout) else {
        return Vec::new();
    };
    let models = catalog
        .get("models")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut migrations = Vec::new();
    let mut nux = Vec::new();
    for model in &models {
        let Some(slug) = model.get("slug").and_then(serde_json::Value::as_str) else {
            continue;
        };
        if let Some(target) = model
            .pointer("/upgrade/model")
            .and_then(serde_json::Value::as_str)
        {
            migrations.push(format!("{}={}", toml_string(slug), toml_string(target)));
        }
        if model.get("availability_nux").is_some_and(|n| !n.is_null()) {
            // A count of times shown; this many means "seen enough".
            nux.push(format!("{}=99", toml_string(slug)));
        }
    }
    let mut overrides = Vec::new();
    if !migrations.is_empty() {
        overrides.extend([
            "-c".to_string(),
            format!("notice.model_migrations={{{}}}", migrations.join(",")),
        ]);
    }
    if !nux.is_empty() {
        overrides.extend([
            "-c".to_string(),
            format!("tui.model_availability_nux={{{}}}", nux.join(",")),
        ]);
    }
    overrides
}

impl Default for Codex {
    fn default() -> Self {
        Self::new()
    }
}

/// `text` as a TOML basic string (for `-c key=<value>`).
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Codex {
    /// An adapter running `codex` from `PATH`.
    pub fn new() -> Self {
        Self::with_program("codex")
    }

    /// An adapter running `program` (e.g. an absolute path).
    pub fn with_program(program: impl Into<String>) -> Self {
        Self {
            program: program.into(),
            notices: Arc::default(),
        }
    }

    fn notices(&self, env: &BTreeMap<String, String>) -> Vec<String> {
        if let Ok(cached) = self.notices.lock()
            && let Some(notices) = cached.as_ref()
        {
            return notices.clone();
        }
        let notices = notice_overrides(&self.program, env);
        if !notices.is_empty()
            && let Ok(mut cached) = self.notices.lock()
        {
            *cached = Some(notices.clone());
        }
        notices
    }

    /// The session's rollout, once codex has written it.
    fn rollout(&self, probe: &ActivityProbe) -> Option<rollout::Rollout> {
        let home = codex_home(&probe.env)?;
        let cwd = probe.session.workspace_path.as_deref()?;
        let index = probe.events_file().with_extension("rollout");
        rollout::find(&home, cwd, probe.session.created_at, &index)
    }

    fn flags(&self, req: &LaunchRequest) -> LaunchSpec {
        let mut spec = LaunchSpec::new(self.program.clone(), Vec::<String>::new(), req.cwd.clone());
        spec.env = req.env.clone();
        let permission_flags: &[&str] = match req.permissions.canonical() {
            Permissions::Permissionless => &["--dangerously-bypass-approvals-and-sandbox"],
            Permissions::AutoEdit => &[
                "--sandbox",
                "workspace-write",
                "--ask-for-approval",
                "never",
            ],
            Permissions::Suggest => &["--sandbox", "read-only", "--ask-for-approval", "on-request"],
            _ => &[
                "--sandbox",
                "workspace-write",
                "--ask-for-approval",
                "on-request",
            ],
        };
        spec.argv
            .extend(permission_flags.iter().map(|s| (*s).to_string()));
        if let Some(model) = &req.model {
            spec.argv.extend(["-m".to_string(), model.clone()]);
        }
        if let Some(prompt) = &req.system_prompt {
            spec.argv.extend([
                "-c".to_string(),
                format!("developer_instructions={}", toml_string(prompt)),
            ]);
        }
        if let Some(bin) = req.env.get("AO_BIN") {
            let argv = [bin.as_str(), "hook", AGENT_NAME, "notify"].map(toml_string);
            spec.argv
                .extend(["-c".to_string(), format!("notify=[{}]", argv.join(","))]);
        }
        if req.trusted {
            let folder = toml_string(&req.cwd.to_string_lossy());
            spec.argv.extend([
                "-c".to_string(),
                format!("projects={{{folder}={{trust_level=\"trusted\"}}}}"),
            ]);
        }
        spec.argv.extend(self.notices(&req.env));
        spec.argv.push("--no-daemon".into());
        spec
    }
}

/// What codex 0.169.0 sets for the commands its shell tool runs (printed by `env` from that
/// tool in a live turn, less what the caller had): among them `TERM=dumb` and `NO_COLOR=1`,
/// which would take a worker's terminal interface apart.
pub(crate) const CHILD_ENV: ChildEnv = ChildEnv {
    own: &[
        "CODEX_APPLY_PATCH_PRESERVE_LINE_ENDINGS",
        "CODEX_CI",
        "CODEX_MANAGED_BY_NPM",
        "CODEX_MANAGED_PACKAGE_ROOT",
        "CODEX_SANDBOX",
        "CODEX_SANDBOX_NETWORK_DISABLED",
        "CODEX_SESSION_ID",
        "CODEX_THREAD_ID",
        "CODEX_TOOL_CALL_ID",
        "CODEX_VERSION",
    ],
    common: &[
        "COLORTERM",
        "GH_PAGER",
        "GIT_PAGER",
        "LC_ALL",
        "LC_CTYPE",
        "NO_COLOR",
        "PAGER",
        "TERM",
    ],
};

#[async_trait]
impl Agent for Codex {
    fn name(&self) -> &str {
        AGENT_NAME
    }

    fn launch_spec(&self, req: &LaunchRequest) -> Result<LaunchSpec, AgentError> {
        let mut spec = self.flags(req);
        if let Some(task) = &req.task_prompt {
            spec.argv.extend(["--".to_string(), as_task(task)]);
        }
        Ok(spec)
    }

    fn child_env(&self) -> ChildEnv {
        CHILD_ENV
    }

    async fn accepts_input(&self, probe: &ActivityProbe) -> Option<bool> {
        // A relaunched pane is drawn afresh: its composer on screen is this launch's.
        Some(activity::input_shown(probe.terminal.as_deref()?))
    }

    fn resume_spec(
        &self,
        req: &LaunchRequest,
        agent_session_id: &str,
    ) -> Result<LaunchSpec, AgentError> {
        let mut spec = self.flags(req);
        spec.argv
            .extend(["resume".to_string(), agent_session_id.to_string()]);
        Ok(spec)
    }

    fn probe(&self) -> Result<ao_core::plugin::ProbeReport, AgentError> {
        super::probe_program(&self.program)
    }

    fn verify_launch(&self, spec: &LaunchSpec) -> Result<Vec<String>, AgentError> {
        let closed = ao_core::adapter_kit::probe::CLOSED_PORT_URL.to_string();
        super::verify_isolated(
            AGENT_NAME,
            spec,
            super::Isolation {
                extra: |scratch: &Path| {
                    vec![
                        (
                            "CODEX_HOME",
                            scratch.join("home/.codex").display().to_string(),
                        ),
                        ("OPENAI_BASE_URL", closed),
                    ]
                },
                // Unknown `-c` keys are otherwise ignored in silence.
                argv_edit: |argv: &mut Vec<String>| {
                    argv.insert(1.min(argv.len()), "--strict-config".into());
                },
                accepted: codex_accepted,
                limit: std::time::Duration::from_secs(60),
                private_network: false,
            },
        )
        .map(|_| Vec::new())
    }

    fn setup_findings(&self, env: &BTreeMap<String, String>) -> Vec<String> {
        let Some(home) = codex_home(env) else {
            return vec![
                "neither HOME nor CODEX_HOME is set, so codex has nowhere to keep its state".into(),
            ];
        };
        let config = std::fs::read_to_string(home.join("config.toml")).unwrap_or_default();
        let own_provider = config
            .lines()
            .any(|l| l.trim_start().starts_with("model_provider"));
        if home.join("auth.json").exists() || own_provider {
            Vec::new()
        } else {
            vec![format!(
                "codex is not logged in ({} has no auth.json and config.toml names no model_provider): run `codex login` — a worker would stop at the sign-in screen",
                home.display()
            )]
        }
    }

    fn install_hint(&self) -> Option<String> {
        Some(format!(
            "npm install -g {} (it needs node on PATH)",
            super::CODEX_PACKAGE
        ))
    }

    fn wants_terminal(&self) -> bool {
        // An approval request shows on the screen and nowhere else.
        true
    }

    fn prepare(&self, req: &LaunchRequest) -> Result<(), AgentError> {
        let trusted_already = codex_home(&req.env).is_some_and(|h| config_trusts(&h, &req.cwd));
        if req.trusted || trusted_already {
            Ok(())
        } else {
            Err(AgentError::NeedsTrust {
                agent: AGENT_NAME.into(),
                path: req.cwd.clone(),
            })
        }
    }

    async fn activity(&self, probe: &ActivityProbe) -> Result<Activity, AgentError> {
        if let Some(exited) = super::exited(probe) {
            return Ok(exited);
        }
        let screen = probe.terminal.as_deref().and_then(activity::from_screen);
        if screen == Some(ActivityState::WaitingInput) {
            return Ok(Activity::at(
                ActivityState::WaitingInput,
                Timestamp::now(),
                ActivitySource::Terminal,
            ));
        }
        let mut observations = Vec::new();
        if let Some(found) = self.rollout(probe) {
            observations.extend(activity::from_notify(&probe.launch_events(), &found.id));
            let lines =
                ao_core::adapter_kit::tail::lines(&found.path, ROLLOUT_TAIL).unwrap_or_default();
            observations.extend(activity::from_rollout(&lines));
        }
        if observations.is_empty()
            && let Some(state) = screen
        {
            observations.push(Activity::at(
                state,
                Timestamp::now(),
                ActivitySource::Terminal,
            ));
        }
        Ok(Activity::freshest(observations).decayed(probe.ready_threshold, Timestamp::now()))
    }

    async fn submitted_since(&self, probe: &ActivityProbe, since: Timestamp) -> Option<bool> {
        // Before its first turn codex has no rollout, and nothing else could confirm.
        let found = self.rollout(probe)?;
        let lines =
            ao_core::adapter_kit::tail::lines(&found.path, ROLLOUT_TAIL).unwrap_or_default();
        Some(activity::prompt_in_rollout_since(&lines, since))
    }

    async fn model_in_use(&self, probe: &ActivityProbe) -> Option<String> {
        let found = self.rollout(probe)?;
        let lines =
            ao_core::adapter_kit::tail::lines(&found.path, ROLLOUT_TAIL).unwrap_or_default();
        model::from_rollout(&lines)
    }

    async fn session_info(&self, probe: &ActivityProbe) -> Result<AgentSessionInfo, AgentError> {
        let Some(found) = self.rollout(probe) else {
            return Ok(AgentSessionInfo::default());
        };
        let lines: Vec<String> = std::fs::read_to_string(&found.path)
            .map(|t| t.lines().map(str::to_string).collect())
            .unwrap_or_default();
        Ok(AgentSessionInfo {
            agent_session_id: Some(found.id),
            summary: activity::summary(&lines),
            cost: activity::token_totals(&lines).map(|(input, output)| Cost {
                input_tokens: input,
                output_tokens: output,
                usd: None,
            }),
        })
    }
}

/// Whether codex parsed a command line: with stdin closed it stops at "stdin is not a
/// terminal" (exit 1), while a parse error exits 2 and a bad `-c` says "Error loading config".
fn codex_accepted(run: &ao_core::adapter_kit::probe::Run) -> bool {
    run.code == Some(1)
        && run.stderr.contains("stdin is not a terminal")
        && !run.stderr.contains("Error loading config")
}

#[cfg(test)]
mod tests {
    use super::toml_string;

    #[test]
    fn toml_strings_escape_what_they_must() {
        assert_eq!(
            toml_string("a \"b\" \\ c\nd\te\u{1}"),
            "\"a \\\"b\\\" \\\\ c\\nd\\te\\u0001\""
        );
    }
}
