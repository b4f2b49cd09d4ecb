//! `ao daemon run | start | stop | status`: wiring around `ao_core::lifecycle::daemon`.

use std::sync::Arc;

use ao_core::fleet::Fleet;
use ao_core::home::AoHome;
use ao_core::lifecycle::daemon::{self, Started};
use ao_core::orchestrator::Options;
use ao_core::store::FileStore;
use serde_json::json;

use crate::cli::DaemonCommand;
use crate::exit::{CliError, Exit};

pub(crate) fn run(cmd: DaemonCommand) -> Result<(), CliError> {
    let home = AoHome::from_env()?;
    match cmd {
        DaemonCommand::Run => {
            let factory_home = home.clone();
            let factory: daemon::FleetFactory = Box::new(move || {
                let store = Arc::new(FileStore::new(factory_home.clone()));
                Fleet::load(
                    crate::registry::builtin(),
                    store,
                    Options::new(factory_home.clone()),
                    None,
                )
            });
            // The dashboard is served beside the ticks, from the fleet they publish.
            let feed = daemon::DaemonFeed::new();
            let watched = feed.subscribe();
            super::block_on(async move {
                let web = tokio::spawn(ao_web::run_beside_daemon(home.clone(), watched));
                let ran = daemon::run_with(home, factory, feed).await;
                web.abort();
                ran.map_err(|e| CliError::classified(&e))
            })
        }
        DaemonCommand::Start => {
            match start(&home)? {
                Started::Started(pid) => eprintln!("daemon started (pid {pid})"),
                Started::AlreadyRunning(pid) => {
                    eprintln!("the daemon already runs (pid {pid}); nothing to do")
                }
            }
            Ok(())
        }
        DaemonCommand::Stop => {
            match daemon::stop(&home).map_err(|e| CliError::classified(&e))? {
                Some(pid) => eprintln!("daemon stopped (pid {pid})"),
                None => eprintln!("the daemon is not running"),
            }
            Ok(())
        }
        DaemonCommand::Status { json } => {
            let info = daemon::status(&home);
            if json {
                let value = match &info {
                    Some(i) => json!({"running": true, "daemon": i}),
                    None => json!({"running": false, "daemon": null}),
                };
                println!("{value}");
                return Ok(());
            }
            let Some(i) = info else {
                println!("the daemon is not running (`ao daemon start` starts it)");
                return Ok(());
            };
            let now = ao_core::domain::Timestamp::now();
            let ago = |t: ao_core::domain::Timestamp| {
                format!("{}s", now.duration_since(t).as_secs().max(0))
            };
            println!("pid:        {}", i.pid);
            println!("uptime:     {}", ago(i.started_at));
            println!(
                "last tick:  {}",
                i.last_tick
                    .map_or("none yet".to_string(), |t| format!("{} ago", ago(t)))
            );
            println!("interval:   {}ms", i.interval_ms);
            let ids: Vec<String> = i.projects.iter().map(ToString::to_string).collect();
            println!("projects:   {}", ids.join(", "));
            println!("sessions:   {}", i.sessions);
            match i.rate_limit {
                Some(b) => println!("rate budget: {}/{} left", b.remaining, b.limit),
                None => println!("rate budget: unknown (no forge asked yet)"),
            }
            Ok(())
        }
    }
}

/// `ao dashboard`: makes sure the daemon runs, then prints (and opens) the address that logs
/// in to its dashboard.
pub(crate) fn dashboard(no_open: bool) -> Result<(), CliError> {
    let home = AoHome::from_env()?;
    let pid = if std::env::var("AO_DAEMON_AUTOSTART").is_ok_and(|v| v == "0") {
        daemon::running_pid(&home).ok_or_else(|| {
            CliError::new(
                Exit::Unavailable,
                "the daemon is not running, and AO_DAEMON_AUTOSTART=0 says not to start it",
            )
            .hint("`ao daemon start` starts it; the dashboard is served by the daemon")
        })?
    } else {
        match start(&home)? {
            Started::Started(pid) => {
                eprintln!("lifecycle daemon started (pid {pid})");
                pid
            }
            Started::AlreadyRunning(pid) => pid,
        }
    };
    let token = ao_web::token::ensure_token(&home)
        .map_err(|e| CliError::new(Exit::Failed, e.to_string()))?;
    // The daemon says where its dashboard listens once its projects are loaded.
    let info = ao_web::token::wait_for_info(&home, pid, std::time::Duration::from_secs(15))
        .ok_or_else(|| {
            CliError::new(
                Exit::Unavailable,
                format!(
                    "the daemon (pid {pid}) has not started its dashboard within 15s; see {}",
                    daemon::DaemonFiles::new(&home).log().display()
                ),
            )
        })?;
    if let Some(error) = info.error {
        return Err(CliError::new(Exit::Unavailable, error)
            .hint("set `port:` at the top of the config to a free port, then `ao daemon stop` and run `ao dashboard` again"));
    }
    let url = ao_web::token::login_url(info.port, &token);
    println!("{url}");
    eprintln!(
        "the address logs you in once (the token becomes a cookie and leaves the address); anyone with it controls your agents"
    );
    if !no_open {
        open_browser(&url);
    }
    Ok(())
}

/// Opens `url` in the desktop's browser, when there is a desktop; quietly nothing otherwise.
pub(crate) fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else {
        let desktop = ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
        if !desktop {
            return;
        }
        "xdg-open"
    };
    let _ = std::process::Command::new(program)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

fn start(home: &AoHome) -> Result<Started, CliError> {
    let exe = std::env::current_exe()
        .map_err(|e| CliError::new(Exit::Failed, format!("cannot find the ao program: {e}")))?;
    daemon::start(home, &exe, &["daemon", "run"]).map_err(|e| CliError::classified(&e))
}

/// What `ao start` does after starting an orchestrator: makes sure the daemon runs, and says
/// so when it started it. `AO_DAEMON_AUTOSTART=0` leaves it to the caller (scripts, tests).
pub(crate) fn ensure_running(home: &AoHome) {
    if std::env::var("AO_DAEMON_AUTOSTART").is_ok_and(|v| v == "0") {
        return;
    }
    match start(home) {
        Ok(Started::Started(pid)) => eprintln!("lifecycle daemon started (pid {pid})"),
        Ok(Started::AlreadyRunning(_)) => {}
        Err(e) => eprintln!(
            "warning: the lifecycle daemon could not be started: {}",
            e.message
        ),
    }
}

/// What `ao stop --all` does last: stops the daemon, when it runs.
pub(crate) fn stop_quietly(home: &AoHome) -> Result<(), CliError> {
    if let Some(pid) = daemon::stop(home).map_err(|e| CliError::classified(&e))? {
        eprintln!("lifecycle daemon stopped (pid {pid})");
    }
    Ok(())
}
