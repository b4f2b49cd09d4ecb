//! `ao demo`: the whole idea in under a minute, on any machine with git — no credentials, no
//! network, no git identity, nothing left behind. And the tiny agent it runs.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ao_core::config;
use ao_core::domain::{ProjectId, SessionId};
use ao_core::home::AoHome;
use ao_core::orchestrator::{KillMode, Options, Orchestrator, SendOptions, SpawnRequest};
use ao_core::plugin::Runtime;
use ao_core::store::InMemoryStore;
use ao_core::tmux::{TmuxOptions, TmuxRuntime};

use crate::exit::{CliError, Exit};

/// The hidden argument that runs the demo agent.
pub(crate) const AGENT_ARG: &str = "__demo-agent";

fn failed(what: &str, e: impl std::fmt::Display) -> CliError {
    CliError::new(Exit::Failed, format!("demo: {what}: {e}"))
}

fn git(dir: &Path, args: &[&str]) -> Result<String, CliError> {
    let out = ao_core::git::run_blocking(dir, args)
        .map_err(|e| CliError::new(Exit::Unavailable, format!("demo: git is needed: {e}")))?;
    if !out.ok {
        return Err(failed(&format!("git {}", args.join(" ")), out.stderr));
    }
    Ok(out.stdout)
}

async fn wait_for(
    orch: &Orchestrator,
    project: &ProjectId,
    id: &SessionId,
    needle: &str,
) -> Result<String, CliError> {
    Ok(orch
        .wait_for_output(project, id, needle, Duration::from_secs(40))
        .await?)
}

pub(crate) async fn run(dashboard: bool) -> Result<(), CliError> {
    let dir = tempfile::Builder::new()
        .prefix("ao-demo-")
        .tempdir()
        .map_err(|e| failed("temp dir", e))?;
    let tmux = ao_core::tmux::is_available();
    let socket = format!("ao-demo-{}", std::process::id());
    let result = if dashboard {
        with_dashboard(dir.path(), tmux.then_some(socket.as_str())).await
    } else {
        demo(dir.path(), tmux.then_some(socket.as_str())).await
    };
    if tmux {
        // Everything on the demo's private server goes, whatever happened above.
        ao_core::tmux::kill_private_server(&socket);
    }
    drop(dir);
    if result.is_ok() {
        println!(
            "\nEverything the demo created is gone (temp dir, sessions{}).",
            if tmux { ", tmux server" } else { "" }
        );
    }
    result
}

/// The demo's repository and config (`port`, when given, for its dashboard); the config's path.
fn setup(
    dir: &Path,
    tmux_socket: Option<&str>,
    port: Option<u16>,
) -> Result<std::path::PathBuf, CliError> {
    let exe = std::env::current_exe().map_err(|e| failed("locate ao", e))?;
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).map_err(|e| failed("create repo", e))?;
    git(&repo, &["init", "-q", "-b", "main"])?;
    std::fs::write(repo.join("README.md"), "# demo project\n").map_err(|e| failed("write", e))?;
    git(&repo, &["add", "README.md"])?;
    git(
        &repo,
        &[
            "-c",
            "user.name=ao demo",
            "-c",
            "user.email=demo@ao.invalid",
            "commit",
            "-q",
            "-m",
            "Start the demo project",
        ],
    )?;

    let runtime = if tmux_socket.is_some() {
        "tmux"
    } else {
        "process"
    };
    let yaml = format!(
        "{port}projects:\n  demo:\n    path: {repo}\n    sessionPrefix: demo\n    runtime: {runtime}\n    agent: command\n    agentConfig:\n      command: [{exe}, {AGENT_ARG}]\n    agentRules: Keep each change small.\n",
        repo = serde_json::to_string(&repo).unwrap_or_default(),
        exe = serde_json::to_string(&exe).unwrap_or_default(),
        port = port.map(|p| format!("port: {p}\n")).unwrap_or_default(),
    );
    let config_path = dir.join("agent-orchestrator.yaml");
    std::fs::write(&config_path, &yaml).map_err(|e| failed("write config", e))?;
    Ok(config_path)
}

/// This binary's adapters, tmux on the demo's private server when it has one.
fn registry(
    home: &AoHome,
    tmux_socket: Option<&str>,
) -> Result<ao_core::plugin::Registry, CliError> {
    let mut registry = crate::registry::builtin();
    if let Some(socket) = tmux_socket {
        let options = TmuxOptions {
            socket: Some(socket.to_string()),
            ..TmuxOptions::from_env(home.clone()).map_err(|e| failed("tmux", e))?
        };
        registry.register_runtime("tmux", move |_| {
            Ok(Arc::new(TmuxRuntime::new(options.clone())) as Arc<dyn Runtime>)
        });
    }
    Ok(registry)
}

fn options(home: &AoHome, tmux_socket: Option<&str>) -> Options {
    let mut options = Options::new(home.clone());
    options.tmux_socket = tmux_socket.map(str::to_string);
    options.scope = None;
    // The demo agent is ao itself and reports no activity, so a start would wait out the whole
    // watch; a short one still catches an agent that dies at once.
    options.spawn_watch = Duration::from_millis(250);
    options
}

/// The two workers' tasks.
const TASKS: [&str; 2] = [
    "Write a haiku about parallel agents",
    "List three ways to keep work safe",
];

/// `ao demo --dashboard`: the demo's orchestrator and workers under a daemon of its own (its own
/// `AO_HOME`), with the dashboard, until Ctrl-C.
async fn with_dashboard(dir: &Path, tmux_socket: Option<&str>) -> Result<(), CliError> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| failed("find a free port", e))?
        .port();
    let config_path = setup(dir, tmux_socket, Some(port))?;
    let home = AoHome::new(dir.join("ao-home"));
    let cfg = config::load(&config_path, &registry(&home, tmux_socket)?.known_names())?;
    let store = Arc::new(ao_core::store::FileStore::new(home.clone()));
    let fleet = ao_core::fleet::Fleet::load(
        registry(&home, tmux_socket)?,
        store,
        options(&home, tmux_socket),
        Some(cfg),
    )?;
    let project = ProjectId::new("demo").map_err(|e| failed("project id", e))?;
    eprintln!("ao demo --dashboard — in {}", dir.display());
    fleet.start(&project).await?;
    for task in TASKS {
        let out = fleet
            .spawn(SpawnRequest {
                project: Some(project.clone()),
                prompt: Some(task.into()),
                ..SpawnRequest::default()
            })
            .await?;
        eprintln!("• spawned {} — task: {task}", out.record.id);
    }
    let token = ao_web::token::ensure_token(&home)
        .map_err(|e| CliError::new(Exit::Failed, e.to_string()))?;
    // Its address once it listens (after the daemon's first tick).
    let announce_home = home.clone();
    let announce = tokio::task::spawn_blocking(move || {
        let wait = Duration::from_secs(30);
        match ao_web::token::wait_for_info(&announce_home, std::process::id(), wait) {
            Some(info) if info.error.is_none() => {
                let url = ao_web::token::login_url(info.port, &token);
                println!("\nThe dashboard: {url}");
                println!(
                    "(send a worker a message from its page; Ctrl-C ends the demo and removes everything)"
                );
                super::daemon::open_browser(&url);
            }
            Some(info) => eprintln!(
                "error: {}; Ctrl-C ends the demo",
                info.error.unwrap_or_default()
            ),
            None => eprintln!("error: the dashboard did not start; Ctrl-C ends the demo"),
        }
    });
    let factory_home = home.clone();
    let socket = tmux_socket.map(str::to_string);
    let factory: ao_core::lifecycle::daemon::FleetFactory = Box::new(move || {
        let registry = registry(&factory_home, socket.as_deref()).map_err(|e| {
            ao_core::orchestrator::OrchestratorError::Io {
                path: factory_home.root().to_path_buf(),
                source: std::io::Error::other(e.message),
            }
        })?;
        ao_core::fleet::Fleet::load(
            registry,
            Arc::new(ao_core::store::FileStore::new(factory_home.clone())),
            options(&factory_home, socket.as_deref()),
            None,
        )
    });
    let feed = ao_core::lifecycle::daemon::DaemonFeed::new();
    let web = tokio::spawn(ao_web::run_beside_daemon(home.clone(), feed.subscribe()));
    let ran = ao_core::lifecycle::daemon::run_with(home.clone(), factory, feed).await;
    web.abort();
    announce.abort();
    ran.map_err(|e| CliError::classified(&e))?;
    let sessions = fleet
        .observe(&ao_core::orchestrator::SessionFilter::all())
        .await?;
    for v in sessions.sessions {
        if let Ok((orch, p, id)) = fleet.session(v.id.as_str()) {
            // The demo's own commits exist only in its temp repository: removing them is the point.
            let _ = orch.kill(&p, &id, KillMode::Force).await;
        }
    }
    Ok(())
}

async fn demo(dir: &Path, tmux_socket: Option<&str>) -> Result<(), CliError> {
    let config_path = setup(dir, tmux_socket, None)?;
    let repo = dir.join("repo");

    let home = AoHome::new(dir.join("ao-home"));
    let registry = registry(&home, tmux_socket)?;
    let cfg = config::load(&config_path, &registry.known_names())?;
    let options = options(&home, tmux_socket);
    let orch = Orchestrator::new(cfg, registry, Arc::new(InMemoryStore::new()), options);
    let project = ProjectId::new("demo").map_err(|e| failed("project id", e))?;

    let runtime = if tmux_socket.is_some() {
        "tmux"
    } else {
        "process"
    };
    eprintln!("ao demo — in {} ({} runtime)", dir.display(), runtime);
    eprintln!("• starting the orchestrator…");
    let orchestrator = orch.start_orchestrator(&project).await?.record().id.clone();
    let mut workers = Vec::new();
    for task in TASKS {
        let out = orch
            .spawn(SpawnRequest {
                project: Some(project.clone()),
                prompt: Some(task.into()),
                ..SpawnRequest::default()
            })
            .await?;
        eprintln!(
            "• spawned {} on branch {} — task: {task}",
            out.record.id,
            out.record.branch.as_deref().unwrap_or("-")
        );
        workers.push(out.record.id);
    }
    for id in &workers {
        wait_for(&orch, &project, id, "idle").await?;
    }
    wait_for(&orch, &project, &orchestrator, "idle").await?;

    println!("\nSessions:");
    let views = orch.status(None).await?;
    let rows: Vec<[String; 5]> = views
        .iter()
        .map(|v| {
            let status = serde_json::to_value(v.status)
                .ok()
                .and_then(|s| s.as_str().map(str::to_string))
                .unwrap_or_default();
            [
                v.id.to_string(),
                v.role.to_string(),
                v.agent.clone(),
                status,
                v.branch.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    print!(
        "{}",
        crate::render::table(&["SESSION", "ROLE", "AGENT", "STATUS", "BRANCH"], &rows)
    );
    for id in &workers {
        let log = git(
            &repo,
            &["log", "--format=%h %an: %s", "-1", &format!("session/{id}")],
        )?;
        println!("  {id} committed: {}", log.trim());
    }

    let first = &workers[0];
    let message = "How did it go? Reply in one line.";
    println!("\nao send {first} \"{message}\"");
    orch.send(
        &project,
        first,
        message,
        SendOptions {
            timeout: Duration::from_secs(30),
            ..SendOptions::default()
        },
    )
    .await?;
    let screen = wait_for(&orch, &project, first, "reply:").await?;
    if let Some(reply) = screen.lines().rev().find(|l| l.contains("reply:")) {
        println!("  {}", reply.trim());
    }

    println!(
        "\nWhat you just saw: an orchestrator and two workers, each worker in its own git worktree and"
    );
    println!("branch, committing on its own; a message delivered to one of them and answered.");
    println!("Next: `ao config explain` on your own agent-orchestrator.yaml, then `ao start`.");

    for id in &workers {
        // The demo's own commits exist only in its temp repository: removing them is the point.
        orch.kill(&project, id, KillMode::Force).await?;
    }
    orch.kill(&project, &orchestrator, KillMode::Force).await?;
    Ok(())
}

/// The demo agent: reads its task, "works" a few seconds, commits a file under its own commit
/// identity, then idles and answers messages — in raw mode with bracketed paste, like a real TUI.
///
/// It is a toy with nobody to report to but its own screen: a write or a terminal setting that
/// fails only makes its answer plainer (`let _ =` below).
pub(crate) fn agent(args: &[String]) -> std::process::ExitCode {
    let role = std::env::var("AO_ROLE").unwrap_or_default();
    let session = std::env::var("AO_SESSION_ID").unwrap_or_else(|_| "demo".into());
    let task = args.last().cloned().unwrap_or_default();
    let stdin = std::io::stdin();
    if let Ok(mut raw) = rustix::termios::tcgetattr(&stdin) {
        raw.make_raw();
        let _ = rustix::termios::tcsetattr(&stdin, rustix::termios::OptionalActions::Now, &raw);
    }
    let mut out = std::io::stdout();
    let mut say = |text: &str| {
        let _ = write!(out, "{}\r\n", text.replace('\n', "\r\n"));
        let _ = out.flush();
    };
    let _ = std::io::stdout().write_all(b"\x1b[?2004h");
    say(&format!("ao demo agent — {role} {session}"));
    if role == "worker" {
        say(&format!(
            "task: {}",
            task.lines().next().unwrap_or_default()
        ));
        for step in 1..=3 {
            say(&format!("working… {step}/3"));
            std::thread::sleep(Duration::from_millis(600));
        }
        let file = format!("notes/{session}.md");
        let _ = std::fs::create_dir_all("notes");
        let _ = std::fs::write(&file, format!("# {session}\n\n{task}\n"));
        let here = Path::new(".");
        let message = format!("Add notes for {session}");
        let commit = ao_core::git::run_blocking(here, &["add", &file]).and_then(|_| {
            ao_core::git::run_blocking(
                here,
                &[
                    "-c",
                    "user.name=ao demo agent",
                    "-c",
                    "user.email=demo-agent@ao.invalid",
                    "commit",
                    "-q",
                    "-m",
                    &message,
                ],
            )
        });
        say(if commit.is_ok_and(|out| out.ok) {
            "committed my work"
        } else {
            "could not commit"
        });
    } else {
        say("watching the workers (an orchestrator never edits code)");
    }
    say("idle — waiting for messages");
    let mut input = Vec::new();
    let mut buf = [0u8; 4096];
    let mut handle = stdin.lock();
    loop {
        let n = match handle.read(&mut buf) {
            Ok(0) | Err(_) => return std::process::ExitCode::SUCCESS,
            Ok(n) => n,
        };
        input.extend_from_slice(&buf[..n]);
        while let Some(enter) = enter_outside_paste(&input) {
            let message: Vec<u8> = input.drain(..=enter).collect();
            let text = String::from_utf8_lossy(&message)
                .replace("\x1b[200~", "")
                .replace("\x1b[201~", "")
                .trim_end_matches('\r')
                .to_string();
            say(&format!("message: {text}"));
            say(&format!(
                "reply: {session} finished its task and committed it; all good."
            ));
            say("idle — waiting for messages");
        }
    }
}

/// The position of an Enter that is not inside a bracketed paste.
fn enter_outside_paste(bytes: &[u8]) -> Option<usize> {
    let mut in_paste = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"\x1b[200~") {
            in_paste = true;
            i += 6;
        } else if bytes[i..].starts_with(b"\x1b[201~") {
            in_paste = false;
            i += 6;
        } else if bytes[i] == b'\r' && !in_paste {
            return Some(i);
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::enter_outside_paste;

    #[test]
    fn an_enter_inside_a_paste_does_not_submit() {
        assert_eq!(enter_outside_paste(b"\x1b[200~a\rb\x1b[201~\r"), Some(15));
        assert_eq!(enter_outside_paste(b"\x1b[200~a\rb"), None);
        assert_eq!(enter_outside_paste(b"hi\r"), Some(2));
    }
}
