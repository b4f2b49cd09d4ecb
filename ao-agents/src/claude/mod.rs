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
//!
//! Every launch carries its own settings (`--settings <json>`, never an edit of the user's
//! settings files): `ao`'s hooks, which report each state change to `ao hook claude-code
//! <event>`, and `skipDangerousModePermissionPrompt`, whose dialog would otherwise block a
//! permissionless start. Activity is read from the freshest of those hook events, claude's
//! status file (`sessions/<pid>.json`), the transcript, then the screen.

mod activity;
mod model;
mod state;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use ao_core::adapter_kit::text::{as_task, shell_word};
use ao_core::config::Permissions;
use ao_core::domain::{Activity, ActivitySource, LaunchSpec, Role, Timestamp};
use ao_core::plugin::{
    ActivityProbe, Agent, AgentError, AgentSessionInfo, ChildEnv, Cost, LaunchRequest, ModelNotice,
};

use state::ClaudeDirs;

/// The adapter's config name.
pub(crate) const AGENT_NAME: &str = "claude-code";

/// The hook events `ao` listens to.
pub const HOOK_EVENTS: &[&str] = &[
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "PermissionRequest",
    "Notification",
    "Stop",
    "StopFailure",
    "SessionEnd",
];

/// What claude 2.1.332 sets for the commands its Bash tool runs (printed by `env` from that
/// tool in a live turn, less what the caller had). `CLAUDE_CODE_CHILD_SESSION=1` alone makes
/// an interactive claude save no transcript, so a session started with it can't be resumed.
pub(crate) const CHILD_ENV: ChildEnv = ChildEnv {
    own: &[
        "AI_AGENT",
        "CLAUDECODE",
        "CLAUDE_CODE_CHILD_NOTES_DIR",
        "CLAUDE_CODE_CHILD_SESSION",
        "CLAUDE_CODE_ENTRYPOINT",
        "CLAUDE_CODE_EXECPATH",
        "CLAUDE_CODE_MESSAGING_SOCKET",
        "CLAUDE_CODE_MESSAGING_TOKEN",
        "CLAUDE_CODE_SESSION_ATTENDED",
        "CLAUDE_CODE_SESSION_ID",
        "CLAUDE_EFFORT",
        "CLAUDE_PID",
    ],
    common: &[
        "COREPACK_ENABLE_AUTO_PIN",
        "GIT_EDITOR",
        "NoDefaultCurrentDirectoryInExePath",
    ],
};

/// How many bytes of a transcript's end activity looks at.
const TRANSCRIPT_TAIL: u64 = 256 * 1024;

/// How long one read of claude's status files serves (one `ao status` over many sessions
/// reads the directory once).
const STATUS_CACHE: Duration = Duration::from_millis(750);

/// The per-launch settings: `ao`'s hooks (when `ao_bin` says which `ao` to call) and no
/// bypass-mode warning.
pub fn launch_settings(ao_bin: Option<&str>) -> String {
    let mut settings = serde_json::json!({ "skipDangerousModePermissionPrompt": true });
    if let Some(bin) = ao_bin {
        let hooks: serde_json::Map<String, serde_json::Value> = HOOK_EVENTS
            .iter()
            .map(|event| {
                let command = format!("{} hook {AGENT_NAME} {event}", shell_word(bin));
                (
                    (*event).to_string(),
                    serde_json::json!([{ "hooks": [{ "type": "command", "command": command, "timeout": 10 }] }]),
                )
            })
            .collect();
        settings["hooks"] = serde_json::Value::Object(hooks);
    }
    settings.to_string()
}

/// The status files read at one moment from one config directory.
type StatusSnapshot = (Instant, PathBuf, Vec<StatusFile>);

/// One live claude process's status file.
#[derive(Debug, Clone)]
struct StatusFile {
    session_id: String,
    value: serde_json::Value,
}

/// Tools the orchestrator may use without asking.
pub const ORCHESTRATOR_ALLOWED_TOOLS: &str = "Bash(ao:*),Bash(git status:*),Bash(git log:*),Bash(git diff:*),Bash(git show:*),Bash(git branch:*),Bash(gh pr view:*),Bash(gh pr list:*),Bash(gh issue view:*),Bash(gh issue list:*),Read,Grep,Glob";

/// Tools the orchestrator may never use.
pub const ORCHESTRATOR_DENIED_TOOLS: &str = "Edit,Write,NotebookEdit";

/// The Claude Code adapter.
#[derive(Debug, Clone)]
pub struct ClaudeCode {
    program: String,
    status_cache: Arc<Mutex<Option<StatusSnapshot>>>,
}

impl Default for ClaudeCode {
    fn default() -> Self {
        Self::new()
    }
}

impl ClaudeCode {
    /// An adapter running `claude` from `PATH`.
    pub fn new() -> Self {
        Self::with_program("claude")
    }

    /// An adapter running `program` (e.g. an absolute path).
    pub fn with_program(program: impl Into<String>) -> Self {
        Self {
            program: program.into(),
            status_cache: Arc::default(),
        }
    }

    /// The status files of the claude processes alive now, under `config_dir`.
    fn live_status_files(&self, config_dir: &Path) -> Vec<StatusFile> {
        if let Ok(cache) = self.status_cache.lock()
            && let Some((at, dir, files)) = cache.as_ref()
            && dir == config_dir
            && at.elapsed() < STATUS_CACHE
        {
            return files.clone();
        }
        let files = read_status_files(&config_dir.join("sessions"));
        if let Ok(mut cache) = self.status_cache.lock() {
            *cache = Some((Instant::now(), config_dir.to_path_buf(), files.clone()));
        }
        files
    }

    /// The claude directories as this process sees them (probes run outside the launch).
    fn dirs_for_probe(
        &self,
        events: &[ao_core::adapter_kit::hook::HookEvent],
    ) -> Option<ClaudeDirs> {
        // A hook's transcript path (`<config dir>/projects/<slug>/<id>.jsonl`) names the
        // directory the agent really uses, whatever this process's environment says.
        if let Some(config_dir) = activity::transcript_from_hooks(events)
            .as_deref()
            .and_then(|t| t.parent()?.parent()?.parent().map(Path::to_path_buf))
        {
            let mut dirs = ClaudeDirs::for_env(&Default::default())?;
            dirs.config_dir = config_dir;
            return Some(dirs);
        }
        ClaudeDirs::for_env(&Default::default())
    }

    /// The session's transcript path: the one its hooks reported, else where claude puts it.
    fn transcript_path(
        &self,
        probe: &ActivityProbe,
        events: &[ao_core::adapter_kit::hook::HookEvent],
    ) -> Option<PathBuf> {
        activity::transcript_from_hooks(events).or_else(|| {
            let dirs = self.dirs_for_probe(events)?;
            let cwd = probe.session.workspace_path.as_deref()?;
            Some(dirs.transcript(cwd, probe.session.agent_session_id.as_deref()?))
        })
    }
}

/// Reads every `*.json` status file in `dir` whose process is still alive (a killed claude
/// leaves its file behind).
fn read_status_files(dir: &Path) -> Vec<StatusFile> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| {
            let value: serde_json::Value =
                serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok()?;
            let pid = value.get("pid")?.as_i64()?;
            let alive = i32::try_from(pid)
                .ok()
                .and_then(rustix::process::Pid::from_raw)
                .is_some_and(|p| rustix::process::test_kill_process(p).is_ok());
            let session_id = value.get("sessionId")?.as_str()?.to_string();
            alive.then_some(StatusFile { session_id, value })
        })
        .collect()
}

impl ClaudeCode {
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
        spec.argv.extend([
            "--settings".to_string(),
            launch_settings(req.env.get("AO_BIN").map(String::as_str)),
        ]);
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
        AGENT_NAME
    }

    fn launch_spec(&self, req: &LaunchRequest) -> Result<LaunchSpec, AgentError> {
        let mut spec = self.base(req);
        self.common(req, &mut spec);
        if let Some(id) = &req.agent_session_id {
            spec.argv.extend(["--session-id".to_string(), id.clone()]);
        }
        if let Some(task) = &req.task_prompt {
            // After `--`: a variadic flag (`--allowedTools`, …) would otherwise swallow it; and
            // spaced, or claude would run its `doctor` (`mcp`, …) subcommand or a slash command.
            spec.argv.extend(["--".to_string(), as_task(task)]);
        }
        Ok(spec)
    }

    fn assigned_session_id(&self, req: &LaunchRequest) -> Option<String> {
        req.agent_session_id.clone()
    }

    fn child_env(&self) -> ChildEnv {
        CHILD_ENV
    }

    async fn accepts_input(&self, probe: &ActivityProbe) -> Option<bool> {
        // This launch's claude has started (its SessionStart hook ran: a relaunch's screen can
        // still be blank then) and draws its input box.
        let started = probe.session.launch_id.is_none()
            || probe
                .launch_events()
                .iter()
                .any(|e| e.event == "SessionStart");
        let screen = probe.terminal.as_deref()?;
        Some(started && activity::input_shown(screen))
    }

    fn resume_spec(
        &self,
        req: &LaunchRequest,
        agent_session_id: &str,
    ) -> Result<LaunchSpec, AgentError> {
        // A conversation that never reached its first turn has no transcript, and claude
        // exits at once on `--resume` of an id it does not know: start afresh instead.
        if let Some(dirs) = ClaudeDirs::for_env(&req.env)
            && !dirs.transcript(&req.cwd, agent_session_id).exists()
        {
            return Err(AgentError::Failed {
                agent: AGENT_NAME.into(),
                detail: format!(
                    "conversation {agent_session_id} was never saved; nothing to resume"
                ),
            });
        }
        let mut spec = self.base(req);
        self.common(req, &mut spec);
        spec.argv
            .extend(["--resume".to_string(), agent_session_id.to_string()]);
        Ok(spec)
    }

    fn prepare(&self, req: &LaunchRequest) -> Result<(), AgentError> {
        let failed = |detail: String| AgentError::Failed {
            agent: AGENT_NAME.into(),
            detail,
        };
        let Some(dirs) = ClaudeDirs::for_env(&req.env) else {
            return Err(failed("neither HOME nor CLAUDE_CONFIG_DIR is set".into()));
        };
        let folder_trusted =
            state::is_trusted(&dirs.state_file, &req.cwd).map_err(|e| failed(e.to_string()))?;
        // Only a key claude never answered about is asked about; a rejected one stays so.
        let key_to_approve = match api_key_tail(&req.env) {
            Some(tail) => (state::api_key_answer(&dirs.state_file, &tail)
                .map_err(|e| failed(e.to_string()))?
                == state::KeyAnswer::Unanswered)
                .then_some(tail),
            None => None,
        };
        if folder_trusted && key_to_approve.is_none() {
            return Ok(());
        }
        if !req.trusted {
            return Err(if folder_trusted {
                AgentError::NeedsAnswer {
                    agent: AGENT_NAME.into(),
                    question: API_KEY_QUESTION.into(),
                }
            } else {
                AgentError::NeedsTrust {
                    agent: AGENT_NAME.into(),
                    path: req.cwd.clone(),
                }
            });
        }
        let lock = req.env.get("AO_HOME").map_or_else(
            || dirs.state_file.with_extension("json.ao-lock"),
            |home| Path::new(home).join("locks").join("claude-state.lock"),
        );
        if !folder_trusted {
            state::trust_folder(&dirs.state_file, &req.cwd, &lock)
                .map_err(|e| failed(e.to_string()))?;
        }
        if let Some(tail) = key_to_approve {
            state::approve_api_key(&dirs.state_file, &tail, &lock)
                .map_err(|e| failed(e.to_string()))?;
        }
        Ok(())
    }

    fn probe(&self) -> Result<ao_core::plugin::ProbeReport, AgentError> {
        super::probe_program(&self.program)
    }

    fn verify_launch(&self, spec: &LaunchSpec) -> Result<Vec<String>, AgentError> {
        let closed = ao_core::adapter_kit::probe::CLOSED_PORT_URL.to_string();
        let run = super::verify_isolated(
            AGENT_NAME,
            spec,
            super::Isolation {
                extra: |scratch: &Path| {
                    vec![
                        (
                            "CLAUDE_CONFIG_DIR",
                            scratch.join("home/.claude").display().to_string(),
                        ),
                        ("ANTHROPIC_BASE_URL", closed),
                        ("DISABLE_AUTOUPDATER", "1".into()),
                        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".into()),
                    ]
                },
                argv_edit: |argv: &mut Vec<String>| {
                    // Without a prompt and with stdout not a terminal, claude wants one on
                    // stdin; the flags are what is checked, so give it one.
                    if !argv.iter().any(|a| a == "--" || a == "--resume") {
                        argv.extend(["--".to_string(), "ao launch check".to_string()]);
                    }
                },
                accepted: claude_accepted,
                limit: std::time::Duration::from_secs(60),
                private_network: false,
            },
        )?;
        Ok(model::warnings(&run.stderr))
    }

    fn install_hint(&self) -> Option<String> {
        Some(format!("npm install -g {}", super::CLAUDE_CODE_PACKAGE))
    }

    fn setup_findings(&self, env: &std::collections::BTreeMap<String, String>) -> Vec<String> {
        let Some(dirs) = ClaudeDirs::for_env(env) else {
            return vec!["neither HOME nor CLAUDE_CONFIG_DIR is set, so claude has nowhere to keep its state".into()];
        };
        let mut findings = Vec::new();
        if !state::onboarded(&dirs.state_file) {
            findings.push(format!(
                "claude has not finished its first-run setup ({} has no hasCompletedOnboarding): run `claude` once by hand — a worker would stop at the setup screens",
                dirs.state_file.display()
            ));
        }
        if let Some(tail) = api_key_tail(env)
            && let Ok(state::KeyAnswer::Rejected) = state::api_key_answer(&dirs.state_file, &tail)
        {
            findings.push(format!(
                "you told claude not to use the API key in ANTHROPIC_API_KEY ({} lists it under customApiKeyResponses.rejected), and ao leaves that answer alone: claude will not use the key, so a worker with no other login gets \"Not logged in\" — turn on \"Use custom API key\" in claude's /config, or unset ANTHROPIC_API_KEY",
                dirs.state_file.display()
            ));
        }
        findings
    }

    async fn activity(&self, probe: &ActivityProbe) -> Result<Activity, AgentError> {
        if let Some(exited) = super::exited(probe) {
            return Ok(exited);
        }
        // Every event locates the transcript (a relaunch resumes the same one); only the
        // current launch's say what its process is doing.
        let events = ao_core::adapter_kit::hook::recent(&probe.events_file());
        let mut observations = Vec::new();
        observations.extend(activity::from_hooks(
            &probe.of_current_launch(events.clone()),
        ));
        if let (Some(dirs), Some(id)) = (
            self.dirs_for_probe(&events),
            probe.session.agent_session_id.as_deref(),
        ) {
            observations.extend(
                self.live_status_files(&dirs.config_dir)
                    .iter()
                    .filter(|f| f.session_id == id)
                    .filter_map(|f| activity::from_status_file(&f.value)),
            );
        }
        if let Some(path) = self.transcript_path(probe, &events) {
            let lines =
                ao_core::adapter_kit::tail::lines(&path, TRANSCRIPT_TAIL).unwrap_or_default();
            observations.extend(activity::from_transcript(&lines));
        }
        if observations.is_empty()
            && let Some(state) = probe.terminal.as_deref().and_then(activity::from_screen)
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
        let events_file = probe.events_file();
        let events = ao_core::adapter_kit::hook::recent(&events_file);
        if events
            .iter()
            .any(|e| e.event == "UserPromptSubmit" && e.ts >= since)
        {
            return Some(true);
        }
        let transcript = self.transcript_path(probe, &events);
        let lines = transcript
            .as_deref()
            .map(|p| ao_core::adapter_kit::tail::lines(p, TRANSCRIPT_TAIL).unwrap_or_default())
            .unwrap_or_default();
        if activity::prompt_in_transcript_since(&lines, since) {
            return Some(true);
        }
        // Without hooks or a transcript there is nothing that could confirm it.
        (events_file.exists() || transcript.is_some_and(|t| t.exists())).then_some(false)
    }

    async fn model_in_use(&self, probe: &ActivityProbe) -> Option<String> {
        let events = ao_core::adapter_kit::hook::recent(&probe.events_file());
        let recorded = self.transcript_path(probe, &events).and_then(|path| {
            let lines =
                ao_core::adapter_kit::tail::lines(&path, TRANSCRIPT_TAIL).unwrap_or_default();
            model::from_transcript(&lines)
        });
        // Before the first prompt only the SessionStart hook has said it.
        model::freshest(recorded, model::from_hooks(&events))
    }

    async fn model_notice(&self, probe: &ActivityProbe) -> ModelNotice {
        let Some(configured) = probe.session.model.as_deref() else {
            return ModelNotice::Nothing;
        };
        let said = probe.terminal.as_deref().and_then(model::remap_on_screen);
        let in_use = self.model_in_use(probe).await;
        match model::notice(configured, in_use.as_deref(), said.as_deref()) {
            Some(sentence) => ModelNotice::Mapped(sentence),
            // Its SessionStart hook names the model at every start.
            None if in_use.is_none() => ModelNotice::NotYet,
            None => ModelNotice::Nothing,
        }
    }

    async fn session_info(&self, probe: &ActivityProbe) -> Result<AgentSessionInfo, AgentError> {
        let events = ao_core::adapter_kit::hook::recent(&probe.events_file());
        let mut info = AgentSessionInfo {
            agent_session_id: probe.session.agent_session_id.clone(),
            ..AgentSessionInfo::default()
        };
        let Some(path) = self.transcript_path(probe, &events) else {
            return Ok(info);
        };
        let Ok(file) = std::fs::File::open(&path) else {
            return Ok(info);
        };
        use std::io::BufRead;
        let lines: Vec<String> = std::io::BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .collect();
        info.summary = activity::summary(&lines);
        info.cost = activity::token_totals(lines.into_iter()).map(|(input, output)| Cost {
            input_tokens: input,
            output_tokens: output,
            usd: None,
        });
        Ok(info)
    }
}

/// The question claude asks when `ANTHROPIC_API_KEY` holds a key it has no answer for.
const API_KEY_QUESTION: &str =
    "whether to use the API key in its environment (ANTHROPIC_API_KEY; \"No\" is the default)";

/// What claude keeps of the `ANTHROPIC_API_KEY` the agent will see (never the key itself).
fn api_key_tail(env: &std::collections::BTreeMap<String, String>) -> Option<String> {
    super::env_value(env, "ANTHROPIC_API_KEY").map(|key| state::api_key_tail(&key))
}

/// Whether claude parsed a command line: with nowhere to log in it stops at "Not logged in"
/// (a resume of an unknown conversation stops at "No conversation found"), while a parse
/// error, or a warning about a rule that names no tool (a typo would silently weaken a
/// policy), is printed on stderr.
fn claude_accepted(run: &ao_core::adapter_kit::probe::Run) -> bool {
    let complaint = run.stderr.lines().any(|l| {
        let l = l.trim_start().to_lowercase();
        l.starts_with("error") || l.contains("check for typos") || l.starts_with("warning")
    });
    let parsed = run.stdout.contains("Not logged in")
        || format!("{}{}", run.stdout, run.stderr)
            .contains("No conversation found with session ID");
    parsed && !complaint
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A launch in `cwd` whose claude keeps its state in `home` and sees `key`.
    fn request(home: &Path, cwd: &Path, key: &str, trusted: bool) -> LaunchRequest {
        LaunchRequest {
            project_id: ao_core::domain::ProjectId::new("app").unwrap(),
            session_id: ao_core::domain::SessionId::new("app-1").unwrap(),
            role: Role::Worker,
            model: None,
            permissions: Permissions::Default,
            system_prompt_file: None,
            system_prompt: None,
            agent_session_id: None,
            task_prompt: Some("do it".into()),
            cwd: cwd.to_path_buf(),
            settings: Default::default(),
            // Empty means unset, whatever the test process's own environment holds.
            env: [
                ("CLAUDE_CONFIG_DIR".to_string(), home.display().to_string()),
                ("AO_HOME".to_string(), home.join("ao").display().to_string()),
                ("ANTHROPIC_API_KEY".to_string(), key.to_string()),
            ]
            .into(),
            trusted,
        }
    }

    const KEY: &str = "sk-ant-api03-dummy-0123456789-abcdefghijKLMNOPQRST";

    #[test]
    fn a_trusted_launch_approves_the_key_claude_would_ask_about() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".claude.json");
        std::fs::write(&state, r#"{"hasCompletedOnboarding":true}"#).unwrap();
        let cwd = dir.path().join("w");
        ClaudeCode::new()
            .prepare(&request(dir.path(), &cwd, KEY, true))
            .unwrap();
        let text = std::fs::read_to_string(&state).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value["customApiKeyResponses"]["approved"],
            serde_json::json!(["abcdefghijKLMNOPQRST"])
        );
        assert_eq!(
            value["projects"][cwd.to_str().unwrap()]["hasTrustDialogAccepted"],
            true
        );
        assert!(!text.contains(KEY));
        // Without a key nothing about keys is written.
        let other = dir.path().join("other");
        std::fs::write(&state, r#"{"hasCompletedOnboarding":true}"#).unwrap();
        ClaudeCode::new()
            .prepare(&request(dir.path(), &other, "", true))
            .unwrap();
        assert!(
            !std::fs::read_to_string(&state)
                .unwrap()
                .contains("customApiKeyResponses")
        );
    }

    #[test]
    fn an_untrusted_launch_answers_nothing_and_says_what_claude_would_ask() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".claude.json");
        let cwd = dir.path().join("w");
        let before = format!(
            r#"{{"projects":{{"{}":{{"hasTrustDialogAccepted":true}}}}}}"#,
            cwd.display()
        );
        std::fs::write(&state, &before).unwrap();
        let err = ClaudeCode::new()
            .prepare(&request(dir.path(), &cwd, KEY, false))
            .unwrap_err();
        assert!(matches!(err, AgentError::NeedsAnswer { .. }), "{err}");
        assert!(err.to_string().contains("ANTHROPIC_API_KEY"), "{err}");
        assert!(
            !err.to_string().contains("KLMNOPQRST"),
            "no part of the key: {err}"
        );
        assert_eq!(std::fs::read_to_string(&state).unwrap(), before);
        // An untrusted folder is what it reports first.
        let err = ClaudeCode::new()
            .prepare(&request(dir.path(), &dir.path().join("new"), KEY, false))
            .unwrap_err();
        assert!(matches!(err, AgentError::NeedsTrust { .. }), "{err}");
        // A key claude already answered about needs nothing.
        for answer in ["approved", "rejected"] {
            let answered = format!(
                r#"{{"projects":{{"{}":{{"hasTrustDialogAccepted":true}}}},"customApiKeyResponses":{{"{answer}":["abcdefghijKLMNOPQRST"]}}}}"#,
                cwd.display()
            );
            std::fs::write(&state, &answered).unwrap();
            ClaudeCode::new()
                .prepare(&request(dir.path(), &cwd, KEY, false))
                .unwrap();
            assert_eq!(std::fs::read_to_string(&state).unwrap(), answered);
        }
    }

    #[test]
    fn a_rejected_key_is_left_rejected_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".claude.json");
        let before = r#"{"hasCompletedOnboarding":true,"customApiKeyResponses":{"approved":[],"rejected":["abcdefghijKLMNOPQRST"]}}"#;
        std::fs::write(&state, before).unwrap();
        let cwd = dir.path().join("w");
        let req = request(dir.path(), &cwd, KEY, true);
        ClaudeCode::new().prepare(&req).unwrap();
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
        assert_eq!(
            value["customApiKeyResponses"],
            serde_json::json!({"approved": [], "rejected": ["abcdefghijKLMNOPQRST"]})
        );
        let findings = ClaudeCode::new().setup_findings(&req.env);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].contains("rejected"), "{findings:?}");
        assert!(!findings[0].contains("KLMNOPQRST"), "{findings:?}");
        // An approved key, or none, is nothing to report.
        std::fs::write(
            &state,
            r#"{"hasCompletedOnboarding":true,"customApiKeyResponses":{"approved":["abcdefghijKLMNOPQRST"]}}"#,
        )
        .unwrap();
        assert!(ClaudeCode::new().setup_findings(&req.env).is_empty());
    }

    #[test]
    fn hook_commands_run_ao_by_its_path_whatever_the_path_holds() {
        // A path with a space, a quote and a `$`: the shell claude runs hooks with must see
        // one word, the program, not text to interpret.
        let dir = tempfile::tempdir().unwrap();
        let bin_dir = dir.path().join("it's $HOME");
        std::fs::create_dir_all(&bin_dir).unwrap();
        let bin = bin_dir.join("ao");
        let out = dir.path().join("out");
        std::fs::write(
            &bin,
            format!("#!/bin/sh\necho \"$@\" > '{}'\n", out.display()),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();

        let settings: serde_json::Value =
            serde_json::from_str(&launch_settings(Some(bin.to_str().unwrap()))).unwrap();
        assert_eq!(settings["skipDangerousModePermissionPrompt"], true);
        for event in HOOK_EVENTS {
            assert!(
                settings["hooks"][event][0]["hooks"][0]["command"].is_string(),
                "{event}"
            );
        }
        let command = settings["hooks"]["Stop"][0]["hooks"][0]["command"]
            .as_str()
            .unwrap();
        let status = std::process::Command::new("sh")
            .args(["-c", command])
            .status()
            .unwrap();
        assert!(status.success(), "{command}");
        assert_eq!(
            std::fs::read_to_string(&out).unwrap().trim(),
            "hook claude-code Stop"
        );
        // Without a way to call ao, no hooks (but the bypass warning is still skipped).
        let bare: serde_json::Value = serde_json::from_str(&launch_settings(None)).unwrap();
        assert!(bare.get("hooks").is_none());
        assert_eq!(bare["skipDangerousModePermissionPrompt"], true);
    }
}
