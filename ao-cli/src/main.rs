//! The `ao` command. It parses arguments, calls `ao-core`, renders the result and maps errors
//! to the documented exit codes — nothing else lives here.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod complete;
mod exit;
mod progress;
mod registry;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Runtimes start programs as `ao __exec <spec>`; that must happen before argument parsing.
    ao_core::run_if_invoked();
    // `COMPLETE=<shell> ao …` (dynamic shell completion) answers and exits here; otherwise this
    // only reads one environment variable.
    clap_complete::CompleteEnv::with_factory(<cli::Cli as clap::CommandFactory>::command)
        .complete();
    let args: Vec<String> = std::env::args().collect();
    // Agent hooks run `ao hook <agent> <event> [payload]` on every tool call: answered before
    // argument parsing (which could exit 2) and without the async runtime, so it is fast and
    // always exits 0.
    if let [_, hook, agent, event, rest @ ..] = args.as_slice()
        && hook == "hook"
        && !agent.starts_with('-')
        && !event.starts_with('-')
    {
        ao_core::adapter_kit::hook::run(agent, event, rest);
        return ExitCode::SUCCESS;
    }
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
