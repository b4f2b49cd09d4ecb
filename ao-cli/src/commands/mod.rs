//! One module per command group; each turns arguments into `ao-core` calls and renders.

mod config;

use crate::cli::{Cli, Command};
use crate::exit::CliError;

pub(crate) fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Config(cmd) => config::run(&cli.global, cmd),
    }
}
