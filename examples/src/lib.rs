//! Runnable programs that embed `ao-core`; each lives in `src/bin/`. What they all need to set
//! up a throwaway playground — a repository, a private tmux server — is here, so each program
//! shows only its own point.
#![forbid(unsafe_code)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use ao_core::domain::{ProjectId, SessionId};
use ao_core::home::AoHome;
use ao_core::orchestrator::Orchestrator;
use ao_core::plugin::{Registry, Runtime};
use ao_core::tmux::{TmuxOptions, TmuxRuntime};

/// Runs an example's `body` on a private tmux server named after `name`, which is removed
/// afterwards however `body` ends; an error is printed and becomes exit code 1.
pub fn run<F, Fut>(name: &str, body: F) -> ExitCode
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    // Every binary embedding ao-core starts with this: runtimes launch programs through it.
    ao_core::run_if_invoked();
    let socket = format!("ao-example-{name}-{}", std::process::id());
    let result = tokio::runtime::Runtime::new()
        .map_err(|e| e.to_string())
        .and_then(|rt| rt.block_on(body(socket.clone())));
    ao_core::tmux::kill_private_server(&socket);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A repository with one empty commit at `dir/repo`.
pub fn scratch_repo(dir: &Path) -> Result<PathBuf, String> {
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).map_err(|e| e.to_string())?;
    for args in [
        &["init", "-q", "-b", "main"][..],
        &[
            "-c",
            "user.email=e@x",
            "-c",
            "user.name=e",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "start",
        ],
    ] {
        let out = ao_core::git::run_blocking(&repo, args).map_err(|e| e.to_string())?;
        if !out.ok {
            return Err(format!("git {}: {}", args.join(" "), out.stderr));
        }
    }
    Ok(repo)
}

/// Points the `tmux` runtime of a registry (e.g. `Registry::builtin()`) at the private server
/// `socket`, so the example never touches the user's tmux sessions.
pub fn use_private_tmux(
    registry: &mut Registry,
    home: &AoHome,
    socket: &str,
) -> Result<(), String> {
    let tmux = TmuxOptions {
        socket: Some(socket.to_string()),
        ..TmuxOptions::from_env(home.clone()).map_err(|e| e.to_string())?
    };
    registry.register_runtime("tmux", move |_| {
        Ok(Arc::new(TmuxRuntime::new(tmux.clone())) as Arc<dyn Runtime>)
    });
    Ok(())
}

/// Waits up to 20 s for `needle` on a session's screen; the screen.
pub async fn wait_for(
    orch: &Orchestrator,
    project: &ProjectId,
    id: &SessionId,
    needle: &str,
) -> Result<String, String> {
    orch.wait_for_output(project, id, needle, Duration::from_secs(20))
        .await
        .map_err(|e| e.to_string())
}
