//! Argument definitions.

use std::path::PathBuf;

use ao_core::Role;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Run a fleet of AI coding agents in parallel on a codebase.
#[derive(Debug, Parser)]
#[command(name = "ao", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Config file to use (default: AO_CONFIG_PATH, then agent-orchestrator.yaml above the
    /// working directory, then ~/.config/ao/config.yaml).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check and inspect the config file.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Validate the config: exit 0 with a summary, or 5 with every error.
    Validate {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show which agent, model, permissions and rules each role runs, and where each came from.
    Explain {
        /// Only this project.
        #[arg(long, short = 'p')]
        project: Option<String>,
        /// Only this role.
        #[arg(long)]
        role: Option<RoleArg>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the fully resolved config (secrets shown as ***).
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the config's JSON Schema (draft 2020-12).
    Schema,
}

/// A role on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum RoleArg {
    Orchestrator,
    Worker,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Orchestrator => Role::Orchestrator,
            RoleArg::Worker => Role::Worker,
        }
    }
}
