//! Argument definitions.

use std::path::PathBuf;

use ao_core::Role;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCandidates;

/// Run a fleet of AI coding agents in parallel on a codebase.
#[derive(Debug, Parser)]
#[command(
    name = "ao",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = "First run: `ao init` in your repository writes agent-orchestrator.yaml (`--recipe opus-sonnet | claude-codex | haiku-workers` picks an agent and model per role), then `ao start`."
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Config file to use (default: AO_CONFIG_PATH, then — in a session's worktree — its
    /// project's config, then agent-orchestrator.yaml above the working directory, then
    /// ~/.config/ao/config.yaml).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check and inspect the config file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// See ao work in under a minute: an orchestrator and two demo workers in a temp repository.
    Demo {
        /// Keep them running under a daemon of the demo's own and serve its dashboard until
        /// Ctrl-C (prints the address; nothing is left behind).
        #[arg(long)]
        dashboard: bool,
    },
    /// Write a commented agent-orchestrator.yaml for the git repository you are in.
    ///
    /// The project id and path come from the repository's directory, `repo` from its `origin`
    /// remote, the default branch from `origin/HEAD` (else the branch checked out), and the
    /// agent from the agent CLIs on PATH (claude, codex, opencode, aider). The file is written
    /// at the repository's top level (or where `--config FILE` says) and never over an
    /// existing file (exit 4).
    Init {
        /// An agent and model per role.
        #[arg(long)]
        recipe: Option<RecipeArg>,
        /// Print the file instead of writing it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Register the project and start (or reuse) its orchestrator.
    Start {
        /// The project (default: the only one, AO_PROJECT_ID, or the one containing the working directory).
        #[arg(add = ArgValueCandidates::new(crate::complete::projects))]
        project: Option<String>,
        /// Register the project but start no orchestrator.
        #[arg(long)]
        no_orchestrator: bool,
        /// Show the orchestrator's launch without starting it.
        #[arg(long)]
        dry_run: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Stop a project's orchestrator (its record is kept; workers keep running).
    Stop {
        /// The project.
        #[arg(add = ArgValueCandidates::new(crate::complete::projects))]
        project: Option<String>,
        /// Stop every project's orchestrator.
        #[arg(long, conflicts_with = "project")]
        all: bool,
    },
    /// Start a worker on an issue or a described task; prints the new session id last.
    Spawn(SpawnArgs),
    /// Send a message to a session's agent.
    Send(SendArgs),
    /// Every session of every project: activity, liveness, and each worker's PR, CI and review.
    Status {
        /// Only this project.
        #[arg(long, short = 'p', add = ArgValueCandidates::new(crate::complete::projects))]
        project: Option<String>,
        /// Print JSON (with --watch: one snapshot per line).
        #[arg(long)]
        json: bool,
        /// Refresh until interrupted, redrawing in place on a terminal.
        #[arg(long)]
        watch: bool,
        /// Seconds between refreshes with --watch.
        #[arg(long, requires = "watch", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
        interval: u64,
    },
    /// Manage sessions.
    #[command(subcommand)]
    Session(SessionCommand),
    /// Start several workers, one per --prompt (and per issue); prints one id per line.
    BatchSpawn {
        /// Issues, one worker each.
        issues: Vec<String>,
        /// Tasks in words, one worker each.
        #[arg(long = "prompt")]
        prompts: Vec<String>,
        /// The project.
        #[arg(long, short = 'p', add = ArgValueCandidates::new(crate::complete::projects))]
        project: Option<String>,
    },
    /// The registry of projects `ao status` and the daemon cover.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Print a shell completion script (subcommands and flags).
    ///
    /// For completion that also offers live session ids and project ids, let ao answer each Tab
    /// itself instead: put `source <(COMPLETE=bash ao)` in ~/.bashrc, `source <(COMPLETE=zsh
    /// ao)` in ~/.zshrc, or `COMPLETE=fish ao | source` in ~/.config/fish/config.fish (elvish
    /// and powershell work too). The ids are read from ao's own files, never from tmux.
    Completion {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Trust (or stop trusting) a config file to run what it names (postCreate, agents).
    Trust {
        /// The config file (default: the discovered one).
        config: Option<PathBuf>,
        /// Withdraw the trust.
        #[arg(long)]
        revoke: bool,
    },
    /// Check that everything ao needs is here: programs, agents per project and role, trust,
    /// credentials.
    Doctor {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The lifecycle daemon: one per AO_HOME, supervising every registered project.
    #[command(subcommand)]
    Daemon(DaemonCommand),
    /// Open the dashboard: every project's sessions live in a browser, served by the daemon.
    ///
    /// Starts the daemon unless it runs, prints the address that logs in (it carries the
    /// install's token, kept 0600 in $AO_HOME/daemon/dashboard.token; keep it to yourself),
    /// and opens it in a browser when one is available.
    Dashboard {
        /// Print the address only; do not open a browser.
        #[arg(long)]
        no_open: bool,
    },
    /// The lifecycle event log: every state change of every session, oldest first.
    Events(EventsArgs),
    /// Notifications: try the configured notifiers.
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// Record an agent's hook event for its session (run by the agent's hooks; always exits 0).
    Hook {
        /// The agent adapter (`claude-code`, `codex`).
        agent: String,
        /// The agent's event name.
        event: String,
        /// The payload, for agents that pass it as an argument (else it is read from stdin).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        payload: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum DaemonCommand {
    /// Run the daemon in the foreground (what `start` runs in the background).
    Run,
    /// Start the daemon in the background unless it runs (a second start changes nothing).
    Start,
    /// Stop the daemon and wait until it has stopped.
    Stop,
    /// Whether the daemon runs: pid, uptime, last tick, projects watched, rate budget.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum NotifyCommand {
    /// Send a test notification through the routing and say what each notifier did
    /// (exits non-zero when one failed).
    Test {
        /// The priority whose route is tried: urgent, action, warning or info.
        #[arg(long, default_value = "urgent", value_parser = ["urgent", "action", "warning", "info"])]
        priority: String,
        /// The project whose config and orchestrator are used (default: the only one,
        /// AO_PROJECT_ID, or the one containing the working directory).
        #[arg(long, short = 'p', add = ArgValueCandidates::new(crate::complete::projects))]
        project: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct EventsArgs {
    /// Keep printing new events as they are written, until interrupted.
    #[arg(long)]
    pub(crate) follow: bool,
    /// Print NDJSON: one event object per line.
    #[arg(long)]
    pub(crate) json: bool,
    /// Only this project's events.
    #[arg(long, short = 'p', add = ArgValueCandidates::new(crate::complete::projects))]
    pub(crate) project: Option<String>,
    /// Only this session's events.
    #[arg(long, add = ArgValueCandidates::new(crate::complete::sessions))]
    pub(crate) session: Option<String>,
    /// Only events this recent (`30s`, `10m`, `2h`) or since this RFC 3339 time.
    #[arg(long, value_name = "WHEN")]
    pub(crate) since: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct SpawnArgs {
    /// An issue: `123`, `#123`, `GitHub:#123`, `owner/repo#123`, `INT-42`, a URL, or
    /// `<project>/<id>`.
    pub(crate) issue: Option<String>,
    /// The project (default: the only one, AO_PROJECT_ID, or the one containing the working directory).
    #[arg(long, short = 'p', add = ArgValueCandidates::new(crate::complete::projects))]
    pub(crate) project: Option<String>,
    /// The task in words.
    #[arg(long)]
    pub(crate) prompt: Option<String>,
    /// Agent for this worker (drops the configured model unless --model is given).
    #[arg(long)]
    pub(crate) agent: Option<String>,
    /// Model for this worker.
    #[arg(long)]
    pub(crate) model: Option<String>,
    /// Branch for this worker.
    #[arg(long)]
    pub(crate) branch: Option<String>,
    /// Show the launch without creating anything (prompt files are written).
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Start a worker on a closed issue too.
    #[arg(long)]
    pub(crate) force: bool,
    /// Take over an existing pull request (number, `#n` or URL): the worker works on its branch.
    #[arg(long, value_name = "PR")]
    pub(crate) claim_pr: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The session.
    #[arg(add = ArgValueCandidates::new(crate::complete::sessions))]
    pub(crate) session: String,
    /// The message (words are joined with spaces).
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub(crate) message: Vec<String>,
    /// Read the message from a file (`-` for standard input).
    #[arg(long, short = 'f', value_name = "FILE")]
    pub(crate) file: Option<PathBuf>,
    /// Send at once, even if the agent is busy.
    #[arg(long)]
    pub(crate) no_wait: bool,
    /// How long to wait for a busy agent, in seconds.
    #[arg(long, default_value_t = 600)]
    pub(crate) timeout: u64,
    /// Send even while the agent waits on a permission prompt.
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SessionCommand {
    /// List sessions (workers; orchestrators with --all).
    Ls {
        /// Only this project.
        #[arg(long, short = 'p', add = ArgValueCandidates::new(crate::complete::projects))]
        project: Option<String>,
        /// Include orchestrators.
        #[arg(long)]
        all: bool,
        /// Include killed, stopped and finished sessions, archived ones too.
        #[arg(long)]
        include_terminated: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the last lines of a session's screen.
    Output {
        /// The session.
        #[arg(add = ArgValueCandidates::new(crate::complete::sessions))]
        session: String,
        /// How many lines.
        #[arg(long, default_value_t = 50)]
        lines: usize,
    },
    /// Attach this terminal to a session.
    Attach {
        /// The session.
        #[arg(add = ArgValueCandidates::new(crate::complete::sessions))]
        session: String,
    },
    /// Stop a session and remove its worktree; with unsaved work, change nothing and exit 4.
    Kill {
        /// The session.
        #[arg(add = ArgValueCandidates::new(crate::complete::sessions))]
        session: String,
        /// Remove unsaved work too, after saving it under a new rescue ref (`ao session rescues`).
        #[arg(long)]
        force: bool,
        /// Stop the agent but keep the worktree and branch (and the session, for `restore`).
        #[arg(long, conflicts_with = "force")]
        keep_workspace: bool,
    },
    /// List the unsaved work forced kills saved (rescue refs), and how to get it back.
    Rescues {
        /// Only this project.
        #[arg(long, short = 'p')]
        project: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Relaunch a session whose process is gone, in place (`--all`: every such session).
    Restore {
        /// The session.
        #[arg(required_unless_present = "all", add = ArgValueCandidates::new(crate::complete::sessions))]
        session: Option<String>,
        /// Every session whose process is gone (except those killed on purpose).
        #[arg(long, conflicts_with = "session")]
        all: bool,
        /// Only this project (with --all).
        #[arg(long, short = 'p', add = ArgValueCandidates::new(crate::complete::projects))]
        project: Option<String>,
    },
    /// Make a worker the owner of an existing pull request (number, `#n` or URL).
    ClaimPr {
        /// The worker.
        #[arg(add = ArgValueCandidates::new(crate::complete::sessions))]
        session: String,
        /// The pull request.
        pr: String,
    },
    /// Remove workers whose process is gone or whose PR or branch is merged — never unsaved work.
    Cleanup {
        /// Only this project.
        #[arg(long, short = 'p', add = ArgValueCandidates::new(crate::complete::projects))]
        project: Option<String>,
        /// Say what would be removed, remove nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ProjectCommand {
    /// Register every project of a config file.
    Add {
        /// The config file.
        config: PathBuf,
    },
    /// List registered projects.
    Ls {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Unregister a project (its sessions are not touched).
    Rm {
        /// The project id.
        #[arg(add = ArgValueCandidates::new(crate::complete::projects))]
        id: String,
    },
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
        #[arg(long, short = 'p', add = ArgValueCandidates::new(crate::complete::projects))]
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

/// An `ao init` recipe on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum RecipeArg {
    /// Claude Code on Opus supervises, Claude Code on Sonnet implements.
    OpusSonnet,
    /// Claude Code on Opus supervises, Codex (its default model) implements.
    ClaudeCodex,
    /// Claude Code on Sonnet supervises, Claude Code on Haiku implements (the low-cost one).
    HaikuWorkers,
}

impl From<RecipeArg> for ao_core::config::init::Recipe {
    fn from(r: RecipeArg) -> Self {
        match r {
            RecipeArg::OpusSonnet => Self::OpusSonnet,
            RecipeArg::ClaudeCodex => Self::ClaudeCodex,
            RecipeArg::HaikuWorkers => Self::HaikuWorkers,
        }
    }
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every command path, e.g. `["session", "kill"]`.
    fn paths(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands() {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_string());
            out.push(path.clone());
            paths(sub, &path, out);
        }
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// The help of every command is pinned, so an interface change shows up in review.
    #[test]
    fn every_help_text_is_snapshotted() {
        let root = Cli::command().term_width(100);
        let mut all = vec![Vec::new()];
        paths(&root, &[], &mut all);
        assert!(all.len() > 20, "{all:?}");
        for path in all {
            let mut cmd = Cli::command().term_width(100);
            // Building propagates global flags and full usage names (`ao session kill`).
            cmd.build();
            let mut target = &mut cmd;
            for name in &path {
                target = target.find_subcommand_mut(name).expect("listed subcommand");
            }
            let help = target.render_long_help().to_string();
            let name = if path.is_empty() {
                "ao".to_string()
            } else {
                format!("ao-{}", path.join("-"))
            };
            insta::assert_snapshot!(name, help);
        }
    }
}
