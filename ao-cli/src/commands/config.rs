//! `ao config …`.

use ao_core::config::{self, Config, ConfigError, Diagnostic, DiscoveryInput, KnownNames};
use serde_json::json;

use crate::cli::{ConfigCommand, GlobalArgs};
use crate::exit::CliError;

pub(crate) fn run(global: &GlobalArgs, cmd: ConfigCommand) -> Result<(), CliError> {
    match cmd {
        ConfigCommand::Validate { json } => validate(global, json),
    }
}

fn discover(global: &GlobalArgs) -> Result<std::path::PathBuf, CliError> {
    let input = DiscoveryInput::from_process(global.config.clone())?;
    Ok(config::discover(&input)?.path)
}

fn validate(global: &GlobalArgs, json: bool) -> Result<(), CliError> {
    let path = discover(global)?;
    match config::load(&path, &KnownNames::builtin()) {
        Ok(cfg) => {
            if json {
                print_json(&cfg.path, true, &cfg.warnings, Some(&cfg));
            } else {
                for w in &cfg.warnings {
                    eprintln!("{w}");
                }
                println!("{}", summary(&cfg));
            }
            Ok(())
        }
        Err(ConfigError::Invalid { path, diagnostics }) if json => {
            print_json(&path, false, &diagnostics, None);
            Err(CliError {
                exit: crate::exit::Exit::InvalidConfig,
                message: format!("{} is not a valid config", path.display()),
                hints: Vec::new(),
                details: Vec::new(),
            })
        }
        Err(err) => Err(err.into()),
    }
}

fn summary(cfg: &Config) -> String {
    let ids: Vec<&str> = cfg.projects.keys().map(String::as_str).collect();
    let n = ids.len();
    let warnings = cfg.warnings.len();
    format!(
        "ok: {} — {n} project{} ({}), {warnings} warning{}",
        cfg.path.display(),
        if n == 1 { "" } else { "s" },
        ids.join(", "),
        if warnings == 1 { "" } else { "s" },
    )
}

fn print_json(
    path: &std::path::Path,
    valid: bool,
    diagnostics: &[Diagnostic],
    cfg: Option<&Config>,
) {
    let projects: Vec<_> = cfg
        .map(|c| {
            c.projects
                .values()
                .map(|p| json!({"id": p.id, "path": p.path, "sessionPrefix": p.session_prefix}))
                .collect()
        })
        .unwrap_or_default();
    let (errors, warnings): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
        diagnostics.iter().partition(|d| d.is_error());
    let out = json!({
        "data": {"file": path, "valid": valid, "projects": projects},
        "meta": {"errors": errors, "warnings": warnings},
    });
    println!("{out}");
}
