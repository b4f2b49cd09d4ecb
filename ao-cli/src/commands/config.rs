//! `ao config …`.

use std::path::{Path, PathBuf};

use ao_core::Role;
use ao_core::config::{self, Config, ConfigError, Diagnostic, ResolvedRole, RoleOverrides};
use serde_json::json;

use crate::cli::{ConfigCommand, GlobalArgs, RoleArg};
use crate::exit::{CliError, Exit};
use crate::render;

pub(crate) fn run(global: &GlobalArgs, cmd: ConfigCommand) -> Result<(), CliError> {
    match cmd {
        ConfigCommand::Validate { json } => validate(global, json),
        ConfigCommand::Explain {
            project,
            role,
            json,
        } => explain(global, project.as_deref(), role, json),
        ConfigCommand::Show { json } => show(global, json),
        ConfigCommand::Schema => {
            println!("{}", render::pretty_json(&config::json_schema()));
            Ok(())
        }
    }
}

fn discover(global: &GlobalArgs) -> Result<PathBuf, CliError> {
    let input = ao_core::fleet::discovery_input(global.config.clone())?;
    Ok(config::discover(&input)?.path)
}

fn load(global: &GlobalArgs) -> Result<Config, CliError> {
    let path = discover(global)?;
    Ok(config::load(
        &path,
        &crate::registry::builtin().known_names(),
    )?)
}

fn validate(global: &GlobalArgs, json: bool) -> Result<(), CliError> {
    let path = discover(global)?;
    match config::load(&path, &crate::registry::builtin().known_names()) {
        Ok(cfg) => {
            if json {
                print_validation(&cfg.path, true, &cfg.warnings, Some(&cfg));
            } else {
                print_warnings(&cfg.warnings);
                println!("{}", summary(&cfg));
            }
            Ok(())
        }
        Err(ConfigError::Invalid { path, diagnostics }) if json => {
            print_validation(&path, false, &diagnostics, None);
            Err(CliError::new(
                Exit::InvalidConfig,
                format!("{} is not a valid config", path.display()),
            ))
        }
        Err(err) => Err(err.into()),
    }
}

fn print_warnings(warnings: &[Diagnostic]) {
    for w in warnings {
        eprintln!("{w}");
    }
}

fn summary(cfg: &Config) -> String {
    let ids: Vec<&str> = cfg.projects.keys().map(String::as_str).collect();
    let n = ids.len();
    let warnings = cfg.warnings.len();
    format!(
        "ok: {} — {n} project{} ({}), {warnings} warning{}",
        cfg.path.display(),
        render::plural(n),
        ids.join(", "),
        render::plural(warnings),
    )
}

fn print_validation(path: &Path, valid: bool, diagnostics: &[Diagnostic], cfg: Option<&Config>) {
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

/// Warnings about the selected projects and about the file as a whole.
fn warnings_for<'a>(cfg: &'a Config, projects: &[&str]) -> Vec<&'a Diagnostic> {
    cfg.warnings
        .iter()
        .filter(|w| match w.key.strip_prefix("projects.") {
            Some(rest) => projects
                .iter()
                .any(|p| rest == *p || rest.starts_with(&format!("{p}."))),
            None => true,
        })
        .collect()
}

fn explain(
    global: &GlobalArgs,
    project: Option<&str>,
    role: Option<RoleArg>,
    json: bool,
) -> Result<(), CliError> {
    let cfg = load(global)?;
    let projects: Vec<&str> = match project {
        Some(id) => vec![cfg.require_project(id)?.id.as_str()],
        None => cfg.projects.keys().map(String::as_str).collect(),
    };
    let roles: Vec<Role> = match role {
        Some(r) => vec![r.into()],
        None => Role::ALL.to_vec(),
    };
    let mut entries: Vec<ResolvedRole> = Vec::new();
    for id in &projects {
        for role in &roles {
            entries.push(cfg.resolve_role(id, *role, &RoleOverrides::default())?);
        }
    }
    let warnings = warnings_for(&cfg, &projects);
    if json {
        println!(
            "{}",
            json!({"data": entries, "meta": {"warnings": warnings}})
        );
        return Ok(());
    }
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut current: Option<&str> = None;
    let mut out = String::new();
    let flush = |rows: &mut Vec<(String, String, String)>, out: &mut String| {
        out.push_str(&render::columns(rows, "  "));
        rows.clear();
    };
    for e in &entries {
        if current != Some(e.project_id.as_str()) {
            flush(&mut rows, &mut out);
            if current.is_some() {
                out.push('\n');
            }
            out.push_str(&format!("{}\n", e.project_id));
            current = Some(e.project_id.as_str());
        }
        let r = e.role.as_str();
        let rules = e.rules.explanation();
        let cells = [
            ("agent", e.agent.value.clone(), e.agent.source.to_string()),
            (
                "model",
                e.model
                    .value
                    .clone()
                    .unwrap_or_else(|| "(the agent's default)".into()),
                e.model.source.to_string(),
            ),
            (
                "permissions",
                e.permissions.value.to_string(),
                e.permissions.source.to_string(),
            ),
            (
                "rules",
                rules.value.unwrap_or_else(|| "(none)".into()),
                rules.source,
            ),
        ];
        rows.extend(
            cells
                .into_iter()
                .map(|(name, value, source)| (format!("{r}.{name}"), value, source)),
        );
    }
    flush(&mut rows, &mut out);
    print!("{out}");
    for w in warnings {
        eprintln!("{w}");
    }
    Ok(())
}

fn show(global: &GlobalArgs, json: bool) -> Result<(), CliError> {
    let cfg = load(global)?;
    let env = |name: &str| std::env::var(name).ok();
    let view = cfg.resolved_view(&env)?;
    if json {
        println!(
            "{}",
            json!({"data": view, "meta": {"warnings": cfg.warnings}})
        );
    } else {
        print!("{}", render::yaml_like(&view));
        print_warnings(&cfg.warnings);
    }
    Ok(())
}
