//! The session commands: start, stop, spawn, send, status, session …, trust.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use ao_core::domain::{DisplayStatus, ProjectId, RuntimeStatus};
use ao_core::fleet::Fleet;
use ao_core::home::AoHome;
use ao_core::orchestrator::{
    KillMode, Observation, OrphanKind, SendOptions, SessionFilter, SessionView, SpawnRequest,
    StartOutcome,
};
use ao_core::plugin::Destroyed;
use ao_core::projects::ProjectRegistry;
use ao_core::trust::{TrustState, TrustStore, needs_trust};
use serde_json::json;

use super::{fleet, load_config};
use crate::cli::{Command, GlobalArgs, ProjectCommand, SendArgs, SessionCommand, SpawnArgs};
use crate::exit::{CliError, Exit};
use crate::render::{plural, table};

pub(crate) async fn run(global: &GlobalArgs, command: Command) -> Result<(), CliError> {
    match command {
        Command::Start {
            project,
            no_orchestrator,
            dry_run,
            json,
        } => start(global, project.as_deref(), no_orchestrator, dry_run, json).await,
        Command::Stop { project, all } => stop(global, project.as_deref(), all).await,
        Command::Spawn(args) => spawn(global, args).await,
        Command::Send(args) => send(global, args).await,
        Command::Status {
            project,
            json,
            watch,
            interval,
        } => {
            let fleet = fleet(global)?;
            let filter = SessionFilter {
                project: project_arg(project.as_deref())?,
                orchestrators: true,
                terminated: true,
                archived: false,
            };
            let watch = watch.then(|| Duration::from_secs(interval));
            super::status::run(&fleet, filter, json, watch).await
        }
        Command::Session(SessionCommand::ClaimPr { session, pr }) => {
            let fleet = fleet(global)?;
            let (orch, project, id) = fleet.session(&session)?;
            let pr = ao_core::domain::PrRef::parse(&pr)
                .map_err(|e| CliError::new(Exit::Usage, e.to_string()))?;
            let record = orch.claim_pr(&project, &id, &pr).await?;
            let branch = record.branch.as_deref().unwrap_or("-");
            eprintln!(
                "{} now owns pull request #{} on {branch}",
                record.id, pr.number
            );
            // Its worktree stays where it is: the agent switches, so no work in it is lost.
            eprintln!(
                "its worktree is unchanged; tell it: ao send {} \"fetch and check out {branch}, then work on pull request #{}\"",
                record.id, pr.number
            );
            Ok(())
        }
        Command::Session(SessionCommand::Ls {
            project,
            all,
            include_terminated,
            json,
        }) => {
            list(
                global,
                project.as_deref(),
                all,
                include_terminated,
                include_terminated,
                json,
            )
            .await
        }
        Command::Session(SessionCommand::Output { session, lines }) => {
            let fleet = fleet(global)?;
            let (orch, p, id) = fleet.session(&session)?;
            println!("{}", orch.output(&p, &id, lines).await?);
            Ok(())
        }
        Command::Session(SessionCommand::Attach { session }) => attach(global, &session).await,
        Command::Session(SessionCommand::Kill {
            session,
            force,
            keep_workspace,
        }) => {
            let mode = match (force, keep_workspace) {
                (true, _) => KillMode::Force,
                (false, true) => KillMode::KeepWorkspace,
                (false, false) => KillMode::Safe,
            };
            kill(global, &session, mode).await
        }
        Command::Session(SessionCommand::Rescues { project, json }) => {
            rescues(global, project.as_deref(), json).await
        }
        Command::Session(SessionCommand::Restore {
            session,
            all,
            project,
        }) => restore(global, session.as_deref(), all, project.as_deref()).await,
        Command::Session(SessionCommand::Cleanup {
            project,
            dry_run,
            json,
        }) => cleanup(global, project.as_deref(), dry_run, json).await,
        Command::BatchSpawn {
            issues,
            prompts,
            project,
        } => batch_spawn(global, issues, prompts, project.as_deref()).await,
        Command::Project(cmd) => project_command(global, cmd),
        Command::Completion { shell } => {
            let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "ao", &mut std::io::stdout());
            Ok(())
        }
        Command::Trust { config, revoke } => trust(global, config, revoke),
        Command::Hook {
            agent,
            event,
            payload,
        } => {
            ao_core::adapter_kit::hook::run(&agent, &event, &payload);
            Ok(())
        }
        Command::Config(_)
        | Command::Demo { .. }
        | Command::Doctor { .. }
        | Command::Init { .. }
        | Command::Events(_)
        | Command::Daemon(_)
        | Command::Dashboard { .. }
        | Command::Notify(_) => Ok(()),
    }
}

fn env_project() -> Option<String> {
    std::env::var("AO_PROJECT_ID")
        .ok()
        .filter(|s| !s.is_empty())
}

fn cwd() -> Result<PathBuf, CliError> {
    std::env::current_dir().map_err(|e| {
        CliError::new(
            Exit::Failed,
            format!("cannot read the working directory: {e}"),
        )
    })
}

pub(super) fn project_id(fleet: &Fleet, explicit: Option<&str>) -> Result<ProjectId, CliError> {
    Ok(fleet.choose_project(explicit, env_project().as_deref(), &cwd()?)?)
}

/// Says once that sessions run without tmux, before a command starts one.
fn tmux_notice() {
    if !ao_core::tmux::is_available() {
        eprintln!("notice: tmux is not installed; using the process runtime instead");
    }
}

/// Prints `value` as one line of JSON (a value that cannot be rendered is an error, never
/// `null`).
fn print_json(value: &impl serde::Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string(value)
        .map_err(|e| CliError::new(Exit::Failed, format!("cannot render JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

async fn start(
    global: &GlobalArgs,
    project: Option<&str>,
    no_orchestrator: bool,
    dry_run: bool,
    json: bool,
) -> Result<(), CliError> {
    let fleet = fleet(global)?;
    let id = project_id(&fleet, project)?;
    let orch = fleet.acting_on(&id)?;
    let config_path = orch.config().path.clone();
    let project = orch.config().require_project(id.as_str())?.clone();
    if dry_run {
        let sid = ao_core::domain::SessionId::orchestrator(&project.session_prefix)
            .map_err(|source| ao_core::orchestrator::OrchestratorError::InvalidId { source })?;
        let (_, launch, _) = orch.orchestrator_launch(&project, &sid)?;
        if json {
            print_json(&launch.redacted())?;
        } else {
            println!(
                "{}",
                ao_core::adapter_kit::text::shell_line(&launch.redacted().argv)
            );
        }
        return Ok(());
    }
    if no_orchestrator {
        fleet.register(&id)?;
        ask_for_trust(fleet.home(), &config_path, &orch.runs_on_its_own_say(&id)?)?;
        eprintln!("registered project {id} ({})", config_path.display());
        return Ok(());
    }
    ask_for_trust(fleet.home(), &config_path, &orch.runs_on_its_own_say(&id)?)?;
    tmux_notice();
    let outcome = fleet.start(&id).await?;
    let record = outcome.record();
    let attach = orch
        .attach_command(&id, &record.id)
        .await
        .unwrap_or_default();
    let verb = match &outcome {
        StartOutcome::Started(_) => "started",
        StartOutcome::Reused(_) => "already running",
        StartOutcome::Restored(_) => "restored",
        StartOutcome::Ignored(_) => "left alone (orchestratorSessionStrategy: ignore)",
    };
    if json {
        let view = SessionView::new(record, record.lifecycle.runtime);
        print_json(&json!({"session": view, "outcome": verb, "attach": attach}))?;
    } else {
        println!("orchestrator {} {verb}", record.id);
        if !attach.is_empty() {
            println!("attach with: ao session attach {}", record.id);
        }
    }
    super::daemon::ensure_running(fleet.home());
    Ok(())
}

/// On a terminal, offers to trust an in-repository config whose postCreate would run.
fn ask_for_trust(home: &AoHome, config: &std::path::Path, runs: &[String]) -> Result<(), CliError> {
    if runs.is_empty() || !needs_trust(config) {
        return Ok(());
    }
    let store = TrustStore::new(home);
    let state = store.state(config)?;
    if state == TrustState::Trusted {
        return Ok(());
    }
    let changed = state
        .why_withdrawn()
        .map_or_else(String::new, |why| format!(" ({why})"));
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "note: {} is not trusted{changed}; what it would run itself is refused (review it, then `ao trust`)",
            config.display()
        );
        return Ok(());
    }
    eprintln!("{} would run{changed}:", config.display());
    for line in runs {
        eprintln!("  {line}");
    }
    eprint!("Trust this file? [y/N] ");
    // A question nobody can answer (stdin closed, unreadable) is a "no": nothing is trusted.
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        store.trust(config)?;
        eprintln!("trusted");
    }
    Ok(())
}

async fn stop(global: &GlobalArgs, project: Option<&str>, all: bool) -> Result<(), CliError> {
    let fleet = fleet(global)?;
    let results = if all {
        fleet.stop_all().await
    } else {
        let id = project_id(&fleet, project)?;
        let result = fleet.orchestrator(&id)?.stop_orchestrator(&id).await;
        vec![(id, result)]
    };
    let mut failures = 0;
    let mut stopped = 0;
    for (id, result) in results {
        match result {
            Ok(Some(record)) => {
                stopped += 1;
                eprintln!(
                    "stopped {} (its record is kept; `ao start` relaunches it)",
                    record.id
                );
            }
            Ok(None) if !all => eprintln!("project {id} has no orchestrator"),
            Ok(None) => {}
            Err(e) => {
                failures += 1;
                eprintln!("error: project {id}: {}", CliError::from(e).message);
            }
        }
    }
    if failures > 0 {
        return Err(CliError::new(
            Exit::Failed,
            format!("{failures} orchestrator(s) could not be stopped"),
        ));
    }
    if all && stopped == 0 {
        eprintln!("no registered project has an orchestrator");
    }
    if all {
        super::daemon::stop_quietly(fleet.home())?;
    }
    Ok(())
}

async fn spawn(global: &GlobalArgs, args: SpawnArgs) -> Result<(), CliError> {
    if args.issue.is_none() && args.prompt.is_none() && args.claim_pr.is_none() {
        return Err(CliError::new(
            Exit::Usage,
            "give an issue, --prompt or --claim-pr",
        ));
    }
    let claim_pr = args
        .claim_pr
        .as_deref()
        .map(ao_core::domain::PrRef::parse)
        .transpose()
        .map_err(|e| CliError::new(Exit::Usage, e.to_string()))?;
    let fleet = fleet(global)?;
    let project = project_id(&fleet, args.project.as_deref())?;
    if !args.dry_run {
        tmux_notice();
    }
    let req = SpawnRequest {
        project: Some(project),
        issue: args.issue,
        prompt: args.prompt,
        agent: args.agent,
        model: args.model,
        branch: args.branch,
        claim_pr,
        dry_run: args.dry_run,
        force: args.force,
    };
    let out = fleet.spawn(req).await?;
    for w in &out.warnings {
        eprintln!("warning: {w}");
    }
    if args.dry_run {
        if args.json {
            print_json(&out.launch.redacted())?;
        } else {
            println!(
                "{}",
                ao_core::adapter_kit::text::shell_line(&out.launch.redacted().argv)
            );
        }
        return Ok(());
    }
    let r = &out.record;
    if args.json {
        print_json(&SessionView::new(r, r.lifecycle.runtime))?;
    } else {
        eprintln!(
            "spawned {} ({}{}) on {} in {}",
            r.id,
            r.agent,
            r.model
                .as_deref()
                .map(|m| format!(", {m}"))
                .unwrap_or_default(),
            r.branch.as_deref().unwrap_or("-"),
            r.workspace_path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
        println!("{}", r.id);
    }
    Ok(())
}

async fn send(global: &GlobalArgs, args: SendArgs) -> Result<(), CliError> {
    let message = match &args.file {
        Some(path) if path.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| unreadable_message("standard input", &e))?;
            text
        }
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| unreadable_message(&path.display().to_string(), &e))?,
        None => args.message.join(" "),
    };
    let fleet = fleet(global)?;
    let (orch, project, id) = fleet.session(&args.session)?;
    let options = SendOptions {
        wait: !args.no_wait,
        timeout: Duration::from_secs(args.timeout),
        force: args.force,
    };
    orch.send(&project, &id, &message, options).await?;
    eprintln!("delivered to {id}");
    Ok(())
}

/// Why a message could not be read, with the exit code of its kind.
fn unreadable_message(what: &str, e: &std::io::Error) -> CliError {
    match e.kind() {
        std::io::ErrorKind::NotFound => {
            CliError::new(Exit::NotFound, format!("{what} does not exist"))
        }
        std::io::ErrorKind::InvalidData => CliError::new(
            Exit::Usage,
            format!("{what} is not UTF-8 text; a message to an agent must be text"),
        ),
        _ => CliError::new(Exit::Failed, format!("cannot read {what}: {e}")),
    }
}

/// A project named on the command line, as an id.
fn project_arg(project: Option<&str>) -> Result<Option<ProjectId>, CliError> {
    project
        .map(|p| ProjectId::new(p).map_err(|e| CliError::new(Exit::Usage, e.to_string())))
        .transpose()
}

async fn list(
    global: &GlobalArgs,
    project: Option<&str>,
    all: bool,
    include_terminated: bool,
    archived: bool,
    json: bool,
) -> Result<(), CliError> {
    let fleet = fleet(global)?;
    let filter = SessionFilter {
        project: project_arg(project)?,
        orchestrators: all,
        terminated: include_terminated,
        archived,
    };
    let seen = fleet.observe(&filter).await?;
    report_leftovers(&seen);
    if json {
        print_json(&json!({
            "data": seen.sessions,
            "meta": {
                "count": seen.sessions.len(),
                "corrupt": seen.corrupt,
                "orphans": seen.orphans,
                "warnings": seen.warnings,
            },
        }))?;
        return Ok(());
    }
    if seen.sessions.is_empty() {
        eprintln!("no sessions");
        return Ok(());
    }
    let header = [
        "SESSION", "ROLE", "AGENT", "MODEL", "STATUS", "ACTIVITY", "BRANCH", "ISSUE",
    ];
    let rows: Vec<[String; 8]> = seen
        .sessions
        .iter()
        .map(|v| {
            [
                v.id.to_string(),
                v.role.to_string(),
                v.agent.clone(),
                model_text(v),
                status_text(v),
                crate::render::word(&v.activity.state),
                v.branch.clone().unwrap_or_else(|| "-".into()),
                issue_text(v),
            ]
        })
        .collect();
    let table = crate::render::table_styled(&header, &rows, |row, col| {
        let view = &seen.sessions[row];
        match col {
            4 => crate::render::status_style(view),
            5 => crate::render::activity_style(view.activity.state),
            _ => anstyle::Style::new(),
        }
    });
    anstream::print!("{table}");
    status_hints(&seen.sessions);
    Ok(())
}

/// A session's issue: its id and the start of its title (untrusted text: controls removed).
pub(super) fn issue_text(view: &SessionView) -> String {
    let Some(issue) = &view.issue else {
        return "-".into();
    };
    let title = ao_core::adapter_kit::text::strip_controls(&issue.title).replace(['\n', '\t'], " ");
    let title = title.trim();
    if title.is_empty() {
        return issue.display_id();
    }
    let short: String = title.chars().take(40).collect();
    let ellipsis = if title.chars().count() > 40 {
        "…"
    } else {
        ""
    };
    format!("{} {short}{ellipsis}", issue.display_id())
}

/// A session's model: the configured one, and the one its agent's CLI says it runs when that
/// differs (`sonnet → claude-sonnet-5-5`; `default → gpt-5.5` when none was configured).
pub(super) fn model_text(view: &SessionView) -> String {
    match (&view.model, &view.model_in_use) {
        (Some(configured), Some(in_use)) if configured != in_use => {
            format!("{configured} → {in_use}")
        }
        (None, Some(in_use)) => format!("default → {in_use}"),
        (Some(configured), _) => configured.clone(),
        (None, None) => "-".into(),
    }
}

/// A session's status in words: `exited 127` says how its agent ended.
pub(super) fn status_text(view: &SessionView) -> String {
    // `stuck` needs the time since the agent's activity last changed, which only the daemon
    // keeps: its decision is shown where one look alone sees nothing wrong.
    let daemon_says_stuck = view
        .lifecycle_state
        .is_some_and(|s| s.state == DisplayStatus::Stuck)
        && matches!(
            view.status,
            DisplayStatus::Working | DisplayStatus::Idle | DisplayStatus::PrOpen
        );
    if daemon_says_stuck {
        return crate::render::word(&DisplayStatus::Stuck);
    }
    let word = crate::render::word(&view.status);
    match (view.status, view.runtime) {
        (DisplayStatus::Exited, RuntimeStatus::Exited { code: Some(code) }) => {
            format!("{word} {code}")
        }
        _ => word,
    }
}

/// What to do about sessions whose agent is not running, one line per kind.
pub(super) fn status_hints(views: &[SessionView]) {
    let ids = |status: DisplayStatus| {
        views
            .iter()
            .filter(|v| v.status == status)
            .map(|v| v.id.to_string())
            .collect::<Vec<_>>()
    };
    let exited = ids(DisplayStatus::Exited);
    if let Some(first) = exited.first() {
        eprintln!(
            "exited: the agent of {} ended; `ao session output {first}` shows why, `ao session restore {first}` relaunches it",
            exited.join(", ")
        );
    }
    let gone = ids(DisplayStatus::Gone);
    if let Some(first) = gone.first() {
        eprintln!(
            "gone: the runtime lost {} (a reboot, a killed tmux server); `ao session restore {first}` brings it back (`--all` for every one)",
            gone.join(", ")
        );
    }
    let interrupted = ids(DisplayStatus::Interrupted);
    if !interrupted.is_empty() {
        eprintln!(
            "interrupted: the spawn of {} was cut short; `ao session cleanup` finishes it",
            interrupted.join(", ")
        );
    }
}

/// One stderr line per unreadable record and per thing that could not be looked at, and one
/// line about what crashes left behind.
pub(super) fn report_leftovers(seen: &Observation) {
    for warning in &seen.warnings {
        eprintln!("warning: {warning}");
    }
    for c in &seen.corrupt {
        eprintln!(
            "warning: unreadable session record {} was set aside as {} ({}); look at it, then delete it",
            c.path.display(),
            c.moved_to
                .as_ref()
                .map_or_else(|| "-".to_string(), |p| p.display().to_string()),
            c.detail
        );
    }
    if seen.orphans.is_empty() {
        return;
    }
    let mut counts: Vec<(OrphanKind, usize)> = Vec::new();
    for o in &seen.orphans {
        match counts.iter_mut().find(|(k, _)| *k == o.kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((o.kind, 1)),
        }
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(kind, n)| {
            let what = match kind {
                OrphanKind::RuntimeSession => "runtime session",
                OrphanKind::Worktree => "worktree",
                OrphanKind::InterruptedSpawn => "interrupted spawn",
                OrphanKind::LaunchHandoff => "stray launch file",
            };
            format!("{n} {what}{}", crate::render::plural(*n))
        })
        .collect();
    eprintln!(
        "note: left behind by a crash with no session to show for it: {}; `ao session cleanup` removes them (`--dry-run` lists them)",
        parts.join(", ")
    );
}

async fn attach(global: &GlobalArgs, session: &str) -> Result<(), CliError> {
    let fleet = fleet(global)?;
    let (orch, p, id) = fleet.session(session)?;
    let command = orch.attach_command(&p, &id).await?;
    let Some((program, args)) = command.split_first() else {
        return Err(CliError::new(
            Exit::Unavailable,
            "this runtime cannot attach a terminal",
        ));
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let err = std::process::Command::new(program).args(args).exec();
        Err(CliError::new(
            Exit::Unavailable,
            format!("cannot run {program}: {err}"),
        ))
    }
    #[cfg(not(unix))]
    {
        let _ = args;
        Err(CliError::new(
            Exit::Unavailable,
            format!("run: {}", command.join(" ")),
        ))
    }
}

async fn kill(global: &GlobalArgs, session: &str, mode: KillMode) -> Result<(), CliError> {
    let fleet = fleet(global)?;
    let (orch, p, id) = fleet.session(session)?;
    let out = orch.kill(&p, &id, mode).await?;
    match (out.workspace, out.kept) {
        (Some(Destroyed::RemovedAfterRescue { rescue_ref }), _) => {
            eprintln!(
                "killed {id}; its unsaved work is saved under {rescue_ref} and the worktree is removed"
            );
            eprintln!(
                "  get it back: `git switch -c <branch> {rescue_ref}` in the project's repository (`ao session rescues` lists every rescue)"
            );
        }
        (Some(Destroyed::Removed), _) => eprintln!("killed {id}; worktree removed"),
        (None, Some((path, work))) => {
            eprintln!(
                "stopped {id}; its worktree {} and branch are kept ({} unsaved file{}, {} unpushed commit{})",
                path.display(),
                work.files.len(),
                plural(work.files.len()),
                work.commits.len(),
                plural(work.commits.len()),
            );
            eprintln!(
                "  `ao session restore {id}` starts its agent again; `ao session kill {id}` removes it once the work is saved"
            );
        }
        (None, None) => eprintln!("killed {id}"),
    }
    Ok(())
}

async fn rescues(global: &GlobalArgs, project: Option<&str>, json: bool) -> Result<(), CliError> {
    let fleet = fleet(global)?;
    let found = fleet.rescues(project_arg(project)?.as_ref()).await?;
    if json {
        return print_json(&json!({"data": found, "meta": {"count": found.len()}}));
    }
    if found.is_empty() {
        eprintln!("no rescued work: nothing was ever removed with `ao session kill --force`");
        return Ok(());
    }
    let rows: Vec<[String; 5]> = found
        .iter()
        .map(|r| {
            [
                r.project_id.to_string(),
                r.session.clone(),
                r.created.clone(),
                r.commit.get(..12).unwrap_or(&r.commit).to_string(),
                r.reference.clone(),
            ]
        })
        .collect();
    print!(
        "{}",
        table(&["PROJECT", "SESSION", "SAVED", "COMMIT", "REF"], &rows)
    );
    // One repository (the usual case): name it, so the command can be pasted.
    let repo = match found.first() {
        Some(first) if found.iter().all(|r| r.repo_path == first.repo_path) => {
            ao_core::adapter_kit::text::shell_word(&first.repo_path.display().to_string())
        }
        _ => "<repository>".to_string(),
    };
    eprintln!(
        "get one back: `git -C {repo} switch -c <new-branch> <ref>` (the commit holds the session's branch plus everything uncommitted); `git -C {repo} update-ref -d <ref>` deletes one you no longer need"
    );
    Ok(())
}

fn trust(global: &GlobalArgs, config: Option<PathBuf>, revoke: bool) -> Result<(), CliError> {
    let path = match config {
        Some(p) => p,
        None => load_config(global)?.path,
    };
    let store = TrustStore::new(&AoHome::from_env()?);
    if revoke {
        let had = store.revoke(&path)?;
        eprintln!(
            "{} {}",
            path.display(),
            if had {
                "is no longer trusted"
            } else {
                "was not trusted"
            }
        );
    } else {
        store.trust(&path)?;
        eprintln!(
            "trusted {} as it is now (editing it withdraws the trust)",
            path.display()
        );
    }
    Ok(())
}

async fn restore(
    global: &GlobalArgs,
    session: Option<&str>,
    all: bool,
    project: Option<&str>,
) -> Result<(), CliError> {
    let fleet = fleet(global)?;
    if !all {
        let session =
            session.ok_or_else(|| CliError::new(Exit::Usage, "name a session or use --all"))?;
        let (orch, p, id) = fleet.session(session)?;
        orch.restore(&p, &id).await?;
        eprintln!("restored {id}");
        return Ok(());
    }
    let progress = crate::progress::Progress::spinner("restoring sessions whose process is gone");
    let (restored, failed) = fleet.restore_all(project_arg(project)?.as_ref()).await?;
    drop(progress);
    for r in restored {
        println!("{}", r.id);
    }
    for (id, err) in &failed {
        eprintln!("error: {id}: {err}");
    }
    if !failed.is_empty() {
        return Err(CliError::new(
            Exit::Failed,
            format!("{} session(s) could not be restored", failed.len()),
        ));
    }
    Ok(())
}

async fn cleanup(
    global: &GlobalArgs,
    project: Option<&str>,
    dry_run: bool,
    json: bool,
) -> Result<(), CliError> {
    let fleet = fleet(global)?;
    let progress = crate::progress::Progress::spinner(if dry_run {
        "looking for what to clean up"
    } else {
        "cleaning up"
    });
    let report = fleet
        .cleanup(project_arg(project)?.as_ref(), dry_run)
        .await?;
    drop(progress);
    if json {
        print_json(&json!({"data": report, "meta": {"dryRun": dry_run}}))?;
        return Ok(());
    }
    let verb = if dry_run { "would remove" } else { "removed" };
    let name = |e: &ao_core::orchestrator::CleanupEntry| {
        e.id.as_ref().map_or_else(
            || {
                e.path
                    .as_ref()
                    .map_or_else(String::new, |p| p.display().to_string())
            },
            ToString::to_string,
        )
    };
    for e in &report.cleaned {
        eprintln!("{verb} {} ({})", name(e), e.reason);
    }
    for e in &report.kept {
        eprintln!("kept {} ({})", name(e), e.reason);
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if report.cleaned.is_empty() && report.kept.is_empty() {
        eprintln!("nothing to clean up");
    }
    Ok(())
}

async fn batch_spawn(
    global: &GlobalArgs,
    issues: Vec<String>,
    prompts: Vec<String>,
    project: Option<&str>,
) -> Result<(), CliError> {
    if issues.is_empty() && prompts.is_empty() {
        return Err(CliError::new(Exit::Usage, "give issues or --prompt"));
    }
    let fleet = fleet(global)?;
    let project = project_id(&fleet, project)?;
    tmux_notice();
    let requests = issues
        .into_iter()
        .map(|i| SpawnRequest {
            project: Some(project.clone()),
            issue: Some(i),
            ..SpawnRequest::default()
        })
        .chain(prompts.into_iter().map(|p| SpawnRequest {
            project: Some(project.clone()),
            prompt: Some(p),
            ..SpawnRequest::default()
        }))
        .collect::<Vec<_>>();
    let progress = crate::progress::Progress::bar(requests.len(), "spawning");
    let mut failures = 0;
    for req in requests {
        let what = req
            .issue
            .clone()
            .or_else(|| req.prompt.clone())
            .unwrap_or_default();
        progress.set_message(format!("spawning {what:?}"));
        match fleet.spawn(req).await {
            Ok(out) => progress.suspend(|| {
                println!("{}", out.record.id);
                // Ids reach a reading pipe as they come; stdout errors show up at exit anyway.
                let _ = std::io::stdout().flush();
            }),
            // One worker per issue: the one already on it is the answer, not a failure.
            Err(ao_core::orchestrator::OrchestratorError::IssueHasWorker { issue, session }) => {
                progress.suspend(|| {
                    eprintln!("skipped {issue}: {session} already works on it");
                });
            }
            Err(e) => {
                failures += 1;
                progress.suspend(|| eprintln!("error: {what:?}: {e}"));
            }
        }
        progress.inc();
    }
    drop(progress);
    if failures > 0 {
        return Err(CliError::new(
            Exit::Failed,
            format!("{failures} spawn(s) failed; the ids above were created"),
        ));
    }
    Ok(())
}

fn project_command(global: &GlobalArgs, cmd: ProjectCommand) -> Result<(), CliError> {
    let home = AoHome::from_env()?;
    let registry = ProjectRegistry::new(&home);
    match cmd {
        ProjectCommand::Add { config } => {
            let cfg = load_config(&GlobalArgs {
                config: Some(config),
            })?;
            for p in cfg.projects.values() {
                let id = &p.id;
                registry.register(id, &cfg.path, &p.session_prefix)?;
                eprintln!("registered {id} ({})", cfg.path.display());
            }
        }
        ProjectCommand::Ls { json } => {
            let list = registry.list()?;
            if json {
                let data: Vec<_> = list
                    .iter()
                    .map(|(id, p)| json!({"id": id, "configPath": p.config_path, "sessionPrefix": p.session_prefix, "registeredAt": p.registered_at}))
                    .collect();
                print_json(&json!({"data": data, "meta": {"count": data.len()}}))?;
            } else if list.is_empty() {
                eprintln!(
                    "no registered projects (`ao start` or `ao project add <config>` registers one)"
                );
            } else {
                let rows: Vec<[String; 3]> = list
                    .iter()
                    .map(|(id, p)| {
                        [
                            id.to_string(),
                            p.session_prefix.clone().unwrap_or_default(),
                            p.config_path.display().to_string(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    crate::render::table(&["PROJECT", "PREFIX", "CONFIG"], &rows)
                );
            }
        }
        ProjectCommand::Rm { id } => {
            let id = ProjectId::new(id).map_err(|e| CliError::new(Exit::Usage, e.to_string()))?;
            if !registry.remove(&id)? {
                return Err(CliError::new(
                    Exit::NotFound,
                    format!("project {id} is not registered"),
                ));
            }
            eprintln!("unregistered {id} (its sessions were not touched)");
        }
    }
    let _ = global;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn view(model: Option<&str>, in_use: Option<&str>) -> SessionView {
        let mut record = ao_core::store::SessionRecord::new(
            ao_core::domain::SessionId::new("app-1").unwrap(),
            ProjectId::new("app").unwrap(),
            ao_core::domain::Role::Worker,
            "claude-code".to_string(),
        );
        record.model = model.map(str::to_string);
        let mut view = SessionView::new(&record, RuntimeStatus::Alive);
        view.model_in_use = in_use.map(str::to_string);
        view
    }

    #[test]
    fn the_model_column_shows_what_runs_beside_what_was_configured() {
        assert_eq!(
            model_text(&view(Some("sonnet"), Some("claude-sonnet-5-5"))),
            "sonnet → claude-sonnet-5-5"
        );
        assert_eq!(
            model_text(&view(None, Some("gpt-5.5"))),
            "default → gpt-5.5"
        );
        assert_eq!(
            model_text(&view(Some("gpt-5.5"), Some("gpt-5.5"))),
            "gpt-5.5"
        );
        assert_eq!(model_text(&view(Some("opus"), None)), "opus");
        assert_eq!(model_text(&view(None, None)), "-");
    }
}
