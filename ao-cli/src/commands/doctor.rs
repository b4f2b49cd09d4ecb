//! `ao doctor`: the machine's, every registered project's and the discovered config's checks
//! (the checks live in `ao-core`), rendered, with the exit code of the worst finding.

use std::path::PathBuf;
use std::sync::Arc;

use anstyle::{AnsiColor, Style};
use ao_core::config as core_config;
use ao_core::doctor::{Check, Outcome};
use ao_core::home::AoHome;
use ao_core::orchestrator::{Options, Orchestrator};
use ao_core::projects::ProjectRegistry;
use ao_core::store::FileStore;
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::exit::{CliError, Exit};

pub(crate) async fn run(global: &GlobalArgs, json: bool) -> Result<(), CliError> {
    let home = AoHome::from_env()?;
    let progress = crate::progress::Progress::spinner("checking git, tmux and AO_HOME");
    let mut checks = ao_core::doctor::machine_checks(&home);
    let mut configs: Vec<PathBuf> = Vec::new();
    let discovered = ao_core::fleet::discovery_input(global.config.clone())
        .map_err(CliError::from)
        .and_then(|input| core_config::discover(&input).map_err(CliError::from));
    let registry = ProjectRegistry::new(&home).list();
    let registry_ok = registry.is_ok();
    let registered = match registry {
        Ok(registered) => registered,
        Err(e) => {
            let report = CliError::from(e);
            let mut check = Check::new("registry", Outcome::Failed, report.message);
            if let Some(hint) = report.hints.into_iter().next() {
                check = check.hint(hint);
            }
            checks.push(check);
            Default::default()
        }
    };
    match discovered {
        Ok(found) => configs.push(found.path),
        Err(e) if registered.is_empty() || global.config.is_some() => {
            let mut check = Check::new("config", Outcome::Failed, e.message.clone());
            if let Some(hint) = e.hints.first() {
                check = check.hint(hint.clone());
            }
            checks.push(check);
        }
        Err(_) => {}
    }
    for entry in registered.values() {
        if !configs.contains(&entry.config_path) {
            configs.push(entry.config_path.clone());
        }
    }
    let names = crate::registry::builtin().known_names();
    for path in configs {
        progress.set_message(format!("checking the agents of {}", path.display()));
        match core_config::load(&path, &names) {
            Ok(config) => {
                checks.push(Check::new(
                    "config",
                    Outcome::Ok,
                    format!("{} is valid", path.display()),
                ));
                let store = Arc::new(FileStore::new(home.clone()));
                let orch = Orchestrator::new(
                    config,
                    crate::registry::builtin(),
                    store,
                    Options::new(home.clone()),
                );
                checks.extend(orch.doctor().await);
                checks.extend(ao_core::notifiers::doctor(&orch));
            }
            Err(e) => {
                let report = CliError::from(e);
                let outcome = if report.exit == Exit::InvalidConfig {
                    Outcome::Invalid
                } else {
                    Outcome::Failed
                };
                let mut detail = report.message.clone();
                for line in report.details.iter().take(3) {
                    detail.push_str("; ");
                    detail.push_str(line);
                }
                checks.push(Check::new("config", outcome, detail).hint(format!(
                    "run `ao config validate --config {}`",
                    path.display()
                )));
            }
        }
    }
    // The records of every registered project (and the discovered config's): unreadable ones,
    // and what crashes left behind. Without a readable registry there is no fleet to look at
    // (reported above); a config that does not load is reported above too, and the registered
    // projects are still looked at.
    if registry_ok {
        progress.set_message("reading session records");
        let store = Arc::new(FileStore::new(home.clone()));
        let extra = super::load_config(global).ok();
        let fleet = ao_core::fleet::Fleet::load(
            crate::registry::builtin(),
            store,
            Options::new(home.clone()),
            extra,
        );
        let seen = match fleet {
            Ok(fleet) => fleet
                .observe(&ao_core::orchestrator::SessionFilter::all())
                .await
                .map_err(CliError::from),
            Err(e) => Err(CliError::from(e)),
        };
        match seen {
            Ok(seen) => checks.extend(ao_core::orchestrator::record_checks(&seen)),
            Err(e) => checks.push(Check::new("records", Outcome::Failed, e.message)),
        }
    }
    drop(progress);
    render(&checks, json);
    match ao_core::doctor::worst(&checks) {
        Outcome::Ok | Outcome::Warning => Ok(()),
        Outcome::Invalid => Err(quiet(Exit::InvalidConfig)),
        Outcome::Missing => Err(quiet(Exit::Unavailable)),
        Outcome::Failed => Err(quiet(Exit::Failed)),
    }
}

/// An exit code whose findings were already shown.
fn quiet(exit: Exit) -> CliError {
    CliError::new(exit, "ao doctor found problems (above)")
}

fn render(checks: &[Check], json: bool) {
    if json {
        let count = |o: Outcome| checks.iter().filter(|c| c.outcome == o).count();
        let meta = json!({
            "ok": count(Outcome::Ok),
            "warnings": count(Outcome::Warning),
            "failed": checks.iter().filter(|c| !c.ok).count(),
            "worst": ao_core::doctor::worst(checks),
        });
        println!("{}", json!({"data": checks, "meta": meta}));
        return;
    }
    for c in checks {
        let (mark, style) = match c.outcome {
            Outcome::Ok => ("ok     ", AnsiColor::Green),
            Outcome::Warning => ("warn   ", AnsiColor::Yellow),
            Outcome::Failed => ("FAIL   ", AnsiColor::Red),
            Outcome::Missing => ("MISSING", AnsiColor::Red),
            Outcome::Invalid => ("INVALID", AnsiColor::Red),
        };
        let style = Style::new().fg_color(Some(style.into()));
        let scope = match (&c.project_id, c.role) {
            (Some(p), Some(r)) => format!(" [{p} {r}]"),
            (Some(p), None) => format!(" [{p}]"),
            _ => String::new(),
        };
        // The mark is padded before it is coloured, so the columns stay aligned.
        anstream::println!("{style}{mark}{style:#} {}{scope}: {}", c.check, c.detail);
        if let Some(hint) = &c.hint
            && c.outcome != Outcome::Ok
        {
            anstream::println!("        hint: {hint}");
        }
    }
}
