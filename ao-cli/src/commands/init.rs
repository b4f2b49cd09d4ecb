//! `ao init`: `ao-core` detects and renders (`config::init`); this checks the text loads,
//! writes it, and says what it wrote.

use ao_core::config::{self, init};

use crate::cli::{GlobalArgs, RecipeArg};
use crate::exit::{CliError, Exit};

pub(crate) fn run(
    global: &GlobalArgs,
    recipe: Option<RecipeArg>,
    dry_run: bool,
) -> Result<(), CliError> {
    let cwd = std::env::current_dir().map_err(|e| {
        CliError::new(
            Exit::Failed,
            format!("cannot read the working directory: {e}"),
        )
    })?;
    let options = init::InitOptions {
        recipe: recipe.map(Into::into),
        output: global.config.clone(),
        search_path: None,
    };
    let plan = init::plan(&cwd, &options).map_err(report)?;
    if dry_run {
        print!("{}", plan.text);
        return Ok(());
    }
    check(&plan)?;
    plan.write().map_err(report)?;
    summarize(&plan);
    // Written by ao, at the user's request, naming nothing to run: the user's own file, so
    // it needs no review before its agents may be answered for (edits withdraw this).
    if ao_core::trust::needs_trust(&plan.output) {
        let home = ao_core::home::AoHome::from_env()?;
        ao_core::trust::TrustStore::new(&home).trust(&plan.output)?;
        eprintln!(
            "trusted it as written (editing it withdraws the trust: review your changes, then `ao trust`)"
        );
    }
    Ok(())
}

/// Refuses to write a file `ao` itself would not load cleanly: that would be a bug here, and a
/// person's first contact with the config should not be an error in it.
fn check(plan: &init::InitPlan) -> Result<(), CliError> {
    // The project path is checked against the file's directory: without it there is nothing
    // to check, and writing fails with its own error.
    if !plan.output.parent().is_some_and(std::path::Path::is_dir) {
        return Ok(());
    }
    let names = crate::registry::builtin().known_names();
    let env = |name: &str| std::env::var(name).ok();
    let findings = match config::load_str(&plan.output, &plan.text, &names, &env) {
        Ok(loaded) => loaded.warnings,
        Err(config::ConfigError::Invalid { diagnostics, .. }) => diagnostics,
        Err(e) => return Err(e.into()),
    };
    if findings.is_empty() {
        return Ok(());
    }
    let mut err = CliError::new(
        Exit::Failed,
        "the config ao init made does not load cleanly; nothing was written",
    );
    err.details = findings.iter().map(ToString::to_string).collect();
    err.hints
        .push("`ao init --dry-run` prints it; please report this".to_string());
    Err(err)
}

fn summarize(plan: &init::InitPlan) {
    let r = &plan.repo;
    eprintln!(
        "wrote {} for project {} ({}, default branch {})",
        plan.output.display(),
        r.project_id,
        r.repo.as_deref().map_or_else(
            || "no GitHub repo: set `repo` later".to_string(),
            |s| s.to_string()
        ),
        r.default_branch
    );
    match plan.recipe {
        Some(recipe) => eprintln!("recipe {recipe}: {}", recipe.summary()),
        None => {
            let found: Vec<&str> = plan.agents.iter().map(|a| a.agent).collect();
            eprintln!(
                "agent CLIs on PATH: {}",
                if found.is_empty() {
                    "none".to_string()
                } else {
                    found.join(", ")
                }
            );
        }
    }
    for agent in &plan.missing {
        let program = init::AGENT_PROGRAMS
            .iter()
            .find(|(a, _)| a == agent)
            .map_or(*agent, |(_, p)| p);
        eprintln!(
            "warning: the config uses {agent}, but `{program}` is not on PATH: install it before `ao start` (`ao doctor` checks)"
        );
    }
    eprintln!(
        "next: `ao config explain` shows what each role runs and why; `ao start` starts the orchestrator"
    );
}

/// An `ao init` error with what to do about it.
fn report(err: init::InitError) -> CliError {
    use init::InitError as E;
    let mut out = CliError::classified(&err);
    match &err {
        E::NotARepository { .. } => out.hints.push(
            "run `ao init` inside your project's git repository (`git init` makes one)".to_string(),
        ),
        E::Exists { path } => out.hints.push(format!(
            "ao init never replaces a config: edit {} (`ao config validate` checks it), or move it aside and run `ao init` again; `ao init --dry-run` prints what it would write",
            path.display()
        )),
        E::GitUnavailable { .. } => out
            .hints
            .push("install git (ao runs every session on a git worktree)".to_string()),
        _ => {}
    }
    out
}
