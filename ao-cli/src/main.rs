//! The `ao` command. It parses arguments, calls `ao-core`, renders the result and maps errors
//! to the documented exit codes — nothing else lives here.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod exit;
mod registry;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Runtimes start programs as `ao __exec <spec>`; that must happen before argument parsing.
    ao_core::trampoline::run_if_invoked();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(commands::demo::AGENT_ARG) {
        return commands::demo::agent(&args[2..]);
    }
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            err.exit_code()
        }
    }
}
