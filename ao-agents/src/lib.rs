//! Agent adapters for `ao`: each one turns a role's resolved settings into a launch of a real
//! coding-agent CLI.
//!
//! The crate depends only on `ao-core`, whose `Agent` trait it implements, so an embedder can
//! pick the adapters it wants without pulling in trackers or the CLI. Every command line built
//! here is checked against the pinned real CLIs by the contract tests (`tests/`), which run
//! their argument parsers in isolation — never a model turn.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod claude;
mod codex;

use std::sync::Arc;

use ao_core::plugin::{Agent, Registry};

pub use claude::{
    ClaudeCode, HOOK_EVENTS as CLAUDE_HOOK_EVENTS, ORCHESTRATOR_ALLOWED_TOOLS,
    ORCHESTRATOR_DENIED_TOOLS, launch_settings as claude_launch_settings,
};
pub use codex::{Codex, toml_string};

/// Registers every adapter of this crate (`claude-code`, `codex`).
pub fn register(registry: &mut Registry) {
    // One shared instance: it caches claude's status files for a moment, so one `ao status`
    // over many sessions reads them once.
    let claude: Arc<dyn Agent> = Arc::new(ClaudeCode::new());
    registry.register_agent("claude-code", move |_| Ok(claude.clone()));
    registry.register_agent("codex", |_| Ok(Arc::new(Codex::new()) as Arc<dyn Agent>));
}

/// The pinned versions `ao` is checked against (contract and live-turn tests).
pub const CLAUDE_CODE_PACKAGE: &str = "@anthropic-ai/claude-code@2.1.332";
/// See [`CLAUDE_CODE_PACKAGE`].
pub const CODEX_PACKAGE: &str = "@openai/codex@0.169.0";

/// The first lines of what a refusing CLI said, for an error message.
fn excerpt(run: &ao_core::probe::Run) -> String {
    let text: Vec<&str> = run
        .stderr
        .lines()
        .chain(run.stdout.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(4)
        .collect();
    if run.timed_out {
        "it did not stop within the time limit".into()
    } else if text.is_empty() {
        format!("exit code {:?} and no output", run.code)
    } else {
        text.join(" | ")
    }
}

/// Runs `argv` (its program found on `PATH`) in a scratch directory with `extra` on top of
/// the isolated environment, for an adapter's `verify_launch`; `accepted` judges the run.
fn verify_isolated(
    agent: &str,
    spec: &ao_core::domain::LaunchSpec,
    extra: impl FnOnce(&std::path::Path) -> Vec<(&'static str, String)>,
    argv_edit: impl FnOnce(&mut Vec<String>),
    accepted: impl FnOnce(&ao_core::probe::Run) -> bool,
) -> Result<(), ao_core::plugin::AgentError> {
    use ao_core::plugin::AgentError;
    let failed = |detail: String| AgentError::Failed {
        agent: agent.to_string(),
        detail,
    };
    let binary = ao_core::probe::find_program(&spec.program, None).ok_or_else(|| {
        AgentError::BinaryNotFound {
            program: spec.program.clone(),
        }
    })?;
    let scratch = tempfile::tempdir().map_err(|e| failed(format!("no scratch directory: {e}")))?;
    for dir in ["home/.claude", "home/.codex", "home/.config"] {
        std::fs::create_dir_all(scratch.path().join(dir))
            .map_err(|e| failed(format!("no scratch directory: {e}")))?;
    }
    let env = ao_core::probe::isolated_env(&spec.env, scratch.path(), &extra(scratch.path()));
    let mut argv = spec.argv.clone();
    if let Some(first) = argv.first_mut() {
        *first = binary.display().to_string();
    }
    argv_edit(&mut argv);
    let run = ao_core::probe::run(
        &argv,
        scratch.path(),
        &env,
        std::time::Duration::from_secs(60),
    )
    .ok_or_else(|| failed(format!("{} could not be started", binary.display())))?;
    if accepted(&run) {
        Ok(())
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
    let binary = ao_core::probe::find_program(program, None).ok_or_else(|| {
        ao_core::plugin::AgentError::BinaryNotFound {
            program: program.to_string(),
        }
    })?;
    Ok(ao_core::plugin::ProbeReport {
        version: ao_core::probe::version(&binary, &["--version"]),
        binary,
    })
}

/// Whether this process runs as root (Claude Code refuses to skip permissions as root unless
/// told it runs in a sandbox).
fn running_as_root() -> bool {
    rustix::process::geteuid().is_root()
}
