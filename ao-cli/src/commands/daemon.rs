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
            super::block_on(async move {
                daemon::run(home, factory)
                    .await
                    .map_err(|e| CliError::classified(&e))
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
