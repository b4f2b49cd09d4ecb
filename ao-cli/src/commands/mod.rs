//! One module per command group; each turns arguments into `ao-core` calls and renders.

mod config;
pub(crate) mod daemon;
pub(crate) mod demo;
mod doctor;
mod events;
mod init;
mod notify;
mod sessions;
mod status;

use std::sync::Arc;

use ao_core::config::{self as core_config, Config};
use ao_core::fleet::Fleet;
use ao_core::home::AoHome;
use ao_core::orchestrator::Options;
use ao_core::store::FileStore;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::exit::CliError;

pub(crate) fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Config(cmd) => config::run(&cli.global, cmd),
        Command::Demo { dashboard } => block_on(demo::run(dashboard)),
        Command::Doctor { json } => block_on(doctor::run(&cli.global, json)),
        Command::Init { recipe, dry_run } => init::run(&cli.global, recipe, dry_run),
        Command::Events(args) => events::run(args),
        Command::Daemon(cmd) => daemon::run(cmd),
        Command::Dashboard { no_open } => daemon::dashboard(no_open),
        Command::Notify(cmd) => block_on(notify::run(&cli.global, cmd)),
        other => block_on(sessions::run(&cli.global, other)),
    }
}

pub(crate) fn block_on<T>(
    future: impl std::future::Future<Output = Result<T, CliError>>,
) -> Result<T, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            CliError::new(
                crate::exit::Exit::Failed,
                format!("cannot start the async runtime: {e}"),
            )
        })?;
    runtime.block_on(future)
}

/// The discovered config, loaded with the names of this binary's adapters.
pub(crate) fn load_config(global: &GlobalArgs) -> Result<Config, CliError> {
    let input = ao_core::fleet::discovery_input(global.config.clone())?;
    let path = core_config::discover(&input)?.path;
    Ok(core_config::load(
        &path,
        &crate::registry::builtin().known_names(),
    )?)
}

/// The config a command is pointed at (`--config`, `AO_CONFIG_PATH`, or found above the
/// working directory), with its warnings shown; `None` when there is none to find. A named
/// file that is missing, or a config that is invalid, is an error.
fn pointed_config(global: &GlobalArgs) -> Result<Option<Config>, CliError> {
    let input = ao_core::fleet::discovery_input(global.config.clone())?;
    let path = match core_config::discover(&input) {
        Ok(found) => found.path,
        Err(core_config::ConfigError::NoConfig { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let config = core_config::load(&path, &crate::registry::builtin().known_names())?;
    for warning in &config.warnings {
        if warning.code.fails_at_run_time() {
            eprintln!("{warning}");
        }
    }
    Ok(Some(config))
}

/// Every registered project plus the config the command is pointed at, with this binary's
/// adapters and the file store. With no project anywhere, the discovery error says where a
/// config was looked for.
pub(crate) fn fleet(global: &GlobalArgs) -> Result<Fleet, CliError> {
    let extra = pointed_config(global)?;
    let home = AoHome::from_env()?;
    let store = Arc::new(FileStore::new(home.clone()));
    let fleet = Fleet::load(crate::registry::builtin(), store, Options::new(home), extra)?;
    for problem in fleet.problems() {
        eprintln!("warning: {problem}");
    }
    if fleet.is_empty() {
        load_config(global)?;
    }
    Ok(fleet)
}
