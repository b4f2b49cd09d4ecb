//! `ao notify test`: a test notification through the configured routing, with each notifier's
//! result.

use ao_core::domain::Priority;
use ao_core::lifecycle::send_test;
use ao_core::notifiers::{DeliveryPolicy, plugin_of, process_env, route};
use ao_core::plugin::Delivered;
use serde_json::json;

use crate::cli::{GlobalArgs, NotifyCommand};
use crate::exit::{CliError, Exit};

/// Runs an `ao notify` subcommand.
pub(crate) async fn run(global: &GlobalArgs, cmd: NotifyCommand) -> Result<(), CliError> {
    match cmd {
        NotifyCommand::Test {
            priority,
            project,
            json,
        } => test(global, &priority, project.as_deref(), json).await,
    }
}

async fn test(
    global: &GlobalArgs,
    priority: &str,
    project: Option<&str>,
    json: bool,
) -> Result<(), CliError> {
    let priority: Priority = serde_json::from_value(json!(priority)).map_err(|_| {
        CliError::new(
            Exit::Usage,
            format!("invalid priority `{priority}`: urgent, action, warning or info"),
        )
    })?;
    let fleet = super::fleet(global)?;
    let project = super::sessions::project_id(&fleet, project)?;
    let orch = fleet.orchestrator(&project)?;
    let config = &orch.config().file;
    if route(config, priority).is_empty() {
        let mut e = CliError::new(
            Exit::NotFound,
            format!(
                "no notifier is routed for {} notifications",
                priority.as_str()
            ),
        );
        e.hints.push(format!(
            "list notifier aliases under `notificationRouting.{}` or `defaults.notifiers`",
            priority.as_str()
        ));
        return Err(e);
    }
    let results = send_test(
        orch,
        &project,
        priority,
        &DeliveryPolicy::default(),
        &process_env,
    )
    .await;
    let failed = results.iter().filter(|a| a.result.is_err()).count();
    if json {
        let items: Vec<serde_json::Value> = results
            .iter()
            .map(|a| {
                json!({
                    "notifier": a.alias,
                    "plugin": plugin_of(config, &a.alias),
                    "delivered": a.result.is_ok(),
                    "note": match &a.result { Ok(Delivered::Noted(why)) => Some(why.as_str()), _ => None },
                    "error": a.result.as_ref().err().map(ToString::to_string),
                    "attempts": a.attempts,
                })
            })
            .collect();
        let doc = json!({"project": project, "priority": priority, "results": items});
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        println!("{} route of project {project}:", priority.as_str());
        for a in &results {
            let plugin = plugin_of(config, &a.alias).unwrap_or_else(|| "?".into());
            let outcome = match &a.result {
                Ok(Delivered::Sent) => "delivered".to_string(),
                Ok(Delivered::Noted(why)) => format!("noted only: {why}"),
                Err(e) => format!("failed after {} attempt(s): {e}", a.attempts),
            };
            println!("  {} ({plugin}): {outcome}", a.alias);
        }
    }
    if failed > 0 {
        return Err(CliError::new(
            Exit::Failed,
            format!("{failed} of {} notifiers failed", results.len()),
        ));
    }
    Ok(())
}
