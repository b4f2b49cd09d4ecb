//! One module per command group; each turns arguments into `ao-core` calls and renders.

mod config;
pub(crate) mod demo;
mod doctor;
mod sessions;

use std::sync::Arc;

use ao_core::config::{self as core_config, Config, DiscoveryInput};
use ao_core::home::AoHome;
use ao_core::orchestrator::{Options, Orchestrator};
use ao_core::store::FileStore;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::exit::CliError;

pub(crate) fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Config(cmd) => config::run(&cli.global, cmd),
        Command::Demo => block_on(demo::run()),
        Command::Doctor { json } => block_on(doctor::run(&cli.global, json)),
        other => block_on(sessions::run(&cli.global, other)),
    }
}

fn block_on<T>(
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
    let input = DiscoveryInput::from_process(global.config.clone())?;
    let path = core_config::discover(&input)?.path;
    Ok(core_config::load(
        &path,
        &crate::registry::builtin().known_names(),
    )?)
}

/// The facade over the discovered config, this binary's adapters and the file store.
pub(crate) fn orchestrator(global: &GlobalArgs) -> Result<(Orchestrator, AoHome), CliError> {
    let config = load_config(global)?;
    for warning in &config.warnings {
        if warning.message.contains("not supported") || warning.message.contains("is not set") {
            eprintln!("{warning}");
        }
    }
    let home = AoHome::from_env()?;
    let store = Arc::new(FileStore::new(home.clone()));
    Ok((
        Orchestrator::new(
            config,
            crate::registry::builtin(),
            store,
            Options::new(home.clone()),
        ),
        home,
    ))
}
