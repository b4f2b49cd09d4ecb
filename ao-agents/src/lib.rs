//! Agent adapters for `ao`: each one turns a role's resolved settings into a launch of a real
//! coding-agent CLI.
//!
//! The crate depends only on `ao-core`, whose `Agent` trait it implements, so an embedder can
//! pick the adapters it wants without pulling in trackers or the CLI. Every command line built
//! here is checked against the pinned real CLIs by the contract tests (`tests/`), which run
//! their argument parsers in isolation — never a model turn.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod aider;
mod claude;
mod codex;
mod opencode;

use std::sync::Arc;

use ao_core::plugin::{Agent, Registry};

pub use aider::{AIDER_PACKAGE, Aider};
pub use claude::{
    ClaudeCode, HOOK_EVENTS as CLAUDE_HOOK_EVENTS, ORCHESTRATOR_ALLOWED_TOOLS,
    ORCHESTRATOR_DENIED_TOOLS, launch_settings as claude_launch_settings,
};
pub use codex::{Codex, toml_string};
pub use opencode::{OPENCODE_PACKAGE, OpenCode};

/// Registers every adapter of this crate (`claude-code`, `codex`, `aider`, `opencode`).
pub fn register(registry: &mut Registry) {
    // One shared instance: it caches claude's status files for a moment, so one `ao status`
    // over many sessions reads them once.
    let claude: Arc<dyn Agent> = Arc::new(ClaudeCode::new());
    registry.register_agent("claude-code", move |_| Ok(claude.clone()));
    registry.register_agent("codex", |_| Ok(Arc::new(Codex::new()) as Arc<dyn Agent>));
    registry.register_agent("aider", |_| Ok(Arc::new(Aider::new()) as Arc<dyn Agent>));
    registry.register_agent("opencode", |_| {
        Ok(Arc::new(OpenCode::new()) as Arc<dyn Agent>)
    });
}

/// The pinned versions `ao` is checked against (contract and live-turn tests).
pub const CLAUDE_CODE_PACKAGE: &str = "@anthropic-ai/claude-code@2.1.332";
/// See [`CLAUDE_CODE_PACKAGE`].
pub const CODEX_PACKAGE: &str = "@openai/codex@0.169.0";

/// What a refusing CLI said, for an error message: its error lines, else its first lines.
fn excerpt(run: &ao_core::adapter_kit::probe::Run) -> String {
    // What a person would read: some CLIs colour their messages even on a pipe.
    let (stderr, stdout) = (
        ao_core::adapter_kit::text::strip_ansi(&run.stderr),
        ao_core::adapter_kit::text::strip_ansi(&run.stdout),
    );
    let lines: Vec<&str> = stderr
        .lines()
        .chain(stdout.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.to_lowercase().contains("error"))
        .take(3)
        .collect();
    let text = if errors.is_empty() {
        lines.into_iter().take(4).collect()
    } else {
        errors
    };
    if run.timed_out {
        "it did not stop within the time limit".into()
    } else if text.is_empty() {
        format!("exit code {:?} and no output", run.code)
    } else {
        text.join(" | ")
    }
}

/// How an adapter's launch check runs.
struct Isolation<E, A, J> {
    /// Variables on top of the isolated environment (given the scratch directory).
    extra: E,
    /// Changes to the argv (e.g. a flag that makes parsing strict).
    argv_edit: A,
    /// Whether the run shows the command line was accepted.
    accepted: J,
    /// The longest run.
    limit: std::time::Duration,
    /// Run in a network namespace of its own, loopback only (for CLIs that look up hosts at
    /// start whatever they are told), when this machine allows one.
    private_network: bool,
}

/// Whether `unshare -rn` works here (a private network namespace, no privileges needed).
fn private_network_available() -> bool {
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        ao_core::adapter_kit::probe::find_program("unshare", None).is_some_and(|unshare| {
            std::process::Command::new(unshare)
                .args(["-rn", "true"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    })
}

/// Runs `spec`'s argv (its program found on `PATH`) in a scratch directory as `how` says, for
/// an adapter's `verify_launch`; the run, when it shows the command line accepted.
fn verify_isolated<E, A, J>(
    agent: &str,
    spec: &ao_core::domain::LaunchSpec,
    how: Isolation<E, A, J>,
) -> Result<ao_core::adapter_kit::probe::Run, ao_core::plugin::AgentError>
where
    E: FnOnce(&std::path::Path) -> Vec<(&'static str, String)>,
    A: FnOnce(&mut Vec<String>),
    J: FnOnce(&ao_core::adapter_kit::probe::Run) -> bool,
{
    let Isolation {
        extra,
        argv_edit,
        accepted,
        limit,
        private_network,
    } = how;
    use ao_core::plugin::AgentError;
    let failed = |detail: String| AgentError::Failed {
        agent: agent.to_string(),
        detail,
    };
    let binary =
        ao_core::adapter_kit::probe::find_program(&spec.program, None).ok_or_else(|| {
            AgentError::BinaryNotFound {
                program: spec.program.clone(),
            }
        })?;
    let scratch = tempfile::tempdir().map_err(|e| failed(format!("no scratch directory: {e}")))?;
    for dir in ["home/.claude", "home/.codex", "home/.config"] {
        std::fs::create_dir_all(scratch.path().join(dir))
            .map_err(|e| failed(format!("no scratch directory: {e}")))?;
    }
    let env = ao_core::adapter_kit::probe::isolated_env(
        &spec.env,
        scratch.path(),
        &extra(scratch.path()),
    );
    let mut argv = spec.argv.clone();
    if let Some(first) = argv.first_mut() {
        *first = binary.display().to_string();
    }
    argv_edit(&mut argv);
    if private_network && private_network_available() {
        argv.splice(
            0..0,
            ["unshare".to_string(), "-rn".to_string(), "--".to_string()],
        );
    }
    let run = ao_core::adapter_kit::probe::run(&argv, scratch.path(), &env, limit)
        .ok_or_else(|| failed(format!("{} could not be started", binary.display())))?;
    if accepted(&run) {
        Ok(run)
    } else {
        Err(AgentError::LaunchRejected {
            agent: agent.to_string(),
            detail: excerpt(&run),
        })
    }
}

/// Finds `program` and asks it its version.
fn probe_program(
    program: &str,
) -> Result<ao_core::plugin::ProbeReport, ao_core::plugin::AgentError> {
    let binary = ao_core::adapter_kit::probe::find_program(program, None).ok_or_else(|| {
        ao_core::plugin::AgentError::BinaryNotFound {
            program: program.to_string(),
        }
    })?;
    Ok(ao_core::plugin::ProbeReport {
        version: ao_core::adapter_kit::probe::version(&binary, &["--version"]),
        binary,
    })
}

/// A path-valued variable as an agent will see it: the launch's environment first, then this
/// process's; empty counts as unset.
fn env_path(
    env: &std::collections::BTreeMap<String, String>,
    name: &str,
) -> Option<std::path::PathBuf> {
    env_value(env, name).map(std::path::PathBuf::from)
}

/// A variable as an agent will see it: the launch's environment first, then this process's
/// (which the agent inherits); empty counts as unset.
fn env_value(env: &std::collections::BTreeMap<String, String>, name: &str) -> Option<String> {
    env.get(name)
        .cloned()
        .or_else(|| std::env::var(name).ok())
        .filter(|v| !v.is_empty())
}

/// The first non-blank line of `text`, control characters removed, at most 120 characters: a
/// summary line.
fn one_line(text: &str) -> Option<String> {
    let line = text.lines().find(|l| !l.trim().is_empty())?;
    Some(
        ao_core::adapter_kit::text::strip_controls(line)
            .trim()
            .chars()
            .take(120)
            .collect(),
    )
}

/// The runtime's word on a process that is gone, if it is.
fn exited(probe: &ao_core::plugin::ActivityProbe) -> Option<ao_core::domain::Activity> {
    use ao_core::domain::{Activity, ActivitySource, ActivityState, RuntimeStatus, Timestamp};
    matches!(
        probe.runtime,
        RuntimeStatus::Exited { .. } | RuntimeStatus::Missing
    )
    .then(|| {
        Activity::at(
            ActivityState::Exited,
            Timestamp::now(),
            ActivitySource::Runtime,
        )
    })
}

/// Activity for agents whose screen is the only evidence: the runtime's word when the process
/// is gone, else what `from_screen` reads, else `unknown`.
fn screen_activity(
    probe: &ao_core::plugin::ActivityProbe,
    from_screen: fn(&str) -> Option<ao_core::domain::ActivityState>,
) -> ao_core::domain::Activity {
    use ao_core::domain::{Activity, ActivitySource, Timestamp};
    exited(probe).unwrap_or_else(|| {
        probe
            .terminal
            .as_deref()
            .and_then(from_screen)
            .map_or_else(Activity::unknown, |s| {
                Activity::at(s, Timestamp::now(), ActivitySource::Terminal)
            })
    })
}

/// Whether this process runs as root (Claude Code refuses to skip permissions as root unless
/// told it runs in a sandbox).
fn running_as_root() -> bool {
    rustix::process::geteuid().is_root()
}
