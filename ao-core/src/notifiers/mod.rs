//! The built-in notifiers — `desktop`, `webhook`, `slack`, `discord`, `orchestrator` — and the
//! routing that picks them for a notification.
//!
//! A config names notifiers by alias (`notifiers.<alias>` with `plugin:` and its settings);
//! `notificationRouting.<priority>` lists the aliases for each priority, else
//! `defaults.notifiers`. `desktop` and `orchestrator` need no settings, so they may be named
//! without an entry. Settings that hold addresses or credentials (`url`, `webhook`,
//! `webhookUrl`, `token`, `headers`) are `${VAR}`-expanded when a notifier is built and never
//! appear in an error.
//!
//! The route is walked in order. Every notifier gets the notification, except that an
//! `orchestrator` notifier that delivers it ends the walk: the supervising agent acts on it
//! before a person is bothered; when no orchestrator runs (or it cannot take the message) the
//! walk falls through to the next notifier.

mod desktop;
mod discord;
mod http;
mod orchestrator;
mod settings;
mod slack;
mod text;
mod webhook;

use std::sync::Arc;
use std::time::Duration;

pub use desktop::DesktopNotifier;
pub use discord::DiscordNotifier;
pub use orchestrator::OrchestratorNotifier;
pub use slack::SlackNotifier;
pub use webhook::WebhookNotifier;

use crate::config::{EXPANDED_NOTIFIER_KEYS, expand_settings};
use crate::domain::{Notification, Priority};
use crate::orchestrator::Orchestrator;
use crate::plugin::{Delivered, Notifier, NotifierError, PluginContext, Registry};

/// The plugin name of the notifier that hands notifications to the project's orchestrator.
pub const ORCHESTRATOR: &str = "orchestrator";

pub use crate::config::NOTIFIERS_WITHOUT_SETTINGS as WITHOUT_SETTINGS;

/// Registers the built-in notifiers that are built from settings alone (`orchestrator` needs
/// the running facade and is built by [`build`]).
pub(crate) fn register(registry: &mut Registry) {
    registry.register_notifier("desktop", |ctx| {
        Ok(Arc::new(DesktopNotifier::detect(&ctx.name)) as Arc<dyn Notifier>)
    });
    registry.register_notifier("webhook", |ctx| {
        Ok(
            Arc::new(WebhookNotifier::from_settings(&ctx.name, &ctx.settings).map_err(failed(ctx))?)
                as Arc<dyn Notifier>,
        )
    });
    registry.register_notifier("slack", |ctx| {
        Ok(
            Arc::new(SlackNotifier::from_settings(&ctx.name, &ctx.settings).map_err(failed(ctx))?)
                as Arc<dyn Notifier>,
        )
    });
    registry.register_notifier("discord", |ctx| {
        Ok(
            Arc::new(DiscordNotifier::from_settings(&ctx.name, &ctx.settings).map_err(failed(ctx))?)
                as Arc<dyn Notifier>,
        )
    });
}

fn failed(ctx: &PluginContext) -> impl FnOnce(NotifierError) -> crate::plugin::RegistryError + '_ {
    move |e| crate::plugin::RegistryError::Failed {
        kind: crate::config::PluginKind::Notifier,
        name: ctx.name.clone(),
        detail: match e {
            NotifierError::Config { detail, .. } => detail,
            other => other.to_string(),
        },
    }
}

/// The notifier aliases for `priority`: `notificationRouting.<priority>`, else
/// `defaults.notifiers`. Repeated aliases are kept once.
pub fn route(config: &crate::config::ConfigFile, priority: Priority) -> Vec<String> {
    let routing = &config.notification_routing;
    let listed = match priority {
        Priority::Urgent => routing.urgent.as_ref(),
        Priority::Action => routing.action.as_ref(),
        Priority::Warning => routing.warning.as_ref(),
        Priority::Info => routing.info.as_ref(),
    };
    let mut out: Vec<String> = Vec::new();
    for alias in listed.unwrap_or(&config.defaults.notifiers) {
        if !out.contains(alias) {
            out.push(alias.clone());
        }
    }
    out
}

/// The plugin an alias selects: its entry's `plugin`, or the alias itself for a notifier that
/// needs no settings.
pub fn plugin_of(config: &crate::config::ConfigFile, alias: &str) -> Option<String> {
    match config.notifiers.get(alias) {
        Some(entry) => entry.plugin.clone(),
        None => WITHOUT_SETTINGS.contains(&alias).then(|| alias.to_string()),
    }
}

/// The settings of `alias` with `${VAR}` expanded by `env`: an unset variable is an error
/// naming the variable and the key, never a value.
pub fn settings_of(
    config: &crate::config::ConfigFile,
    alias: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<serde_json::Value, NotifierError> {
    let Some(entry) = config.notifiers.get(alias) else {
        return Ok(serde_json::Value::Object(serde_json::Map::new()));
    };
    expand_settings(
        &entry.extra,
        &format!("notifiers.{alias}"),
        Some(EXPANDED_NOTIFIER_KEYS),
        env,
    )
    .map(serde_json::Value::Object)
    .map_err(|e| NotifierError::Config {
        notifier: alias.to_string(),
        detail: e.to_string(),
    })
}

/// Where `${VAR}`s are looked up (normally the process environment, [`process_env`]).
pub type Env = dyn Fn(&str) -> Option<String> + Send + Sync;

/// The process environment, as an [`Env`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Builds the notifier `alias` names in `orch`'s config, its settings expanded from `env`.
pub fn build(
    orch: &Orchestrator,
    alias: &str,
    env: &Env,
) -> Result<Arc<dyn Notifier>, NotifierError> {
    let config = &orch.config().file;
    let plugin = plugin_of(config, alias).ok_or_else(|| NotifierError::Config {
        notifier: alias.to_string(),
        detail: if config.notifiers.contains_key(alias) {
            "its entry names no `plugin`".to_string()
        } else {
            format!("notifier `{alias}` is not configured under `notifiers:`")
        },
    })?;
    if plugin == ORCHESTRATOR {
        return Ok(Arc::new(OrchestratorNotifier::new(alias, orch.clone())));
    }
    let settings = settings_of(config, alias, env)?;
    orch.registry
        .notifier(&PluginContext {
            name: plugin,
            settings,
            home: orch.options().home.clone(),
        })
        .map_err(|e| NotifierError::Config {
            notifier: alias.to_string(),
            detail: e.to_string(),
        })
}

/// How one delivery is tried: each attempt bounded by `timeout`, transient failures tried
/// again up to `attempts` times in all, waiting `backoff`, then twice that, between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// The longest one attempt may take.
    pub timeout: Duration,
    /// Attempts in all (at least one).
    pub attempts: u32,
    /// The wait before the second attempt (doubled for each further one).
    pub backoff: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            attempts: 3,
            backoff: Duration::from_secs(1),
        }
    }
}

/// What delivering to one notifier came to.
#[derive(Debug)]
pub struct Attempted {
    /// The alias.
    pub alias: String,
    /// Delivered (or only noted), or why not.
    pub result: Result<Delivered, NotifierError>,
    /// How many attempts it took.
    pub attempts: u32,
}

/// Delivers `notification` with `notifier` under `policy`: each attempt bounded by the
/// timeout, transient failures tried again with backoff.
pub async fn deliver(
    notifier: &dyn Notifier,
    alias: &str,
    notification: &Notification,
    policy: &DeliveryPolicy,
) -> Attempted {
    let mut wait = policy.backoff;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let result = match tokio::time::timeout(policy.timeout, notifier.notify(notification)).await
        {
            Ok(r) => r.map_err(|e| e.for_alias(alias)),
            Err(_) => Err(NotifierError::Transient {
                notifier: alias.to_string(),
                // `Duration`'s debug form is the readable one: `15s`, `300ms`.
                detail: format!("timed out after {:?}", policy.timeout),
            }),
        };
        match result {
            Err(e) if e.is_transient() && attempts < policy.attempts.max(1) => {
                tokio::time::sleep(wait).await;
                wait = wait.saturating_mul(2);
            }
            result => {
                return Attempted {
                    alias: alias.to_string(),
                    result,
                    attempts,
                };
            }
        }
    }
}

/// What an earlier walk of the same notification did with one alias (after a restart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Earlier {
    /// Not tried yet.
    Untried,
    /// Delivered.
    Delivered,
    /// Tried and failed.
    Failed,
}

/// Walks `notification`'s route in `orch`'s config: every notifier gets it, except that an
/// `orchestrator` notifier that delivers it ends the walk. `earlier` says what an earlier walk
/// did with an alias (those it tried are not tried again); `done` is told each new outcome as
/// soon as it is known.
pub async fn walk(
    orch: &Orchestrator,
    notification: &Notification,
    policy: &DeliveryPolicy,
    env: &Env,
    earlier: &(dyn Fn(&str) -> Earlier + Sync),
    done: &(dyn Fn(&Attempted) + Sync),
) -> Vec<Attempted> {
    let config = &orch.config().file;
    let mut out = Vec::new();
    for alias in route(config, notification.priority) {
        let ends_walk = plugin_of(config, &alias).as_deref() == Some(ORCHESTRATOR);
        match earlier(&alias) {
            Earlier::Delivered if ends_walk => break,
            Earlier::Delivered | Earlier::Failed => continue,
            Earlier::Untried => {}
        }
        let attempted = match build(orch, &alias, env) {
            Ok(notifier) => deliver(notifier.as_ref(), &alias, notification, policy).await,
            Err(e) => Attempted {
                alias: alias.clone(),
                result: Err(e),
                attempts: 0,
            },
        };
        done(&attempted);
        let delivered = matches!(attempted.result, Ok(Delivered::Sent));
        out.push(attempted);
        if ends_walk && delivered {
            break;
        }
    }
    out
}

/// `ao doctor`'s findings about the notifiers of `orch`'s config: each configured or routed
/// notifier, whether it can be built here (its `${VAR}`s set, its URL valid — values are never
/// shown), and whether a desktop notifier has anything to show notifications on.
pub fn doctor(orch: &Orchestrator) -> Vec<crate::doctor::Check> {
    use crate::doctor::{Check, Outcome};
    let config = &orch.config().file;
    let mut aliases: Vec<String> = config.notifiers.keys().cloned().collect();
    let routed = config
        .notification_routing
        .entries()
        .into_iter()
        .filter_map(|(_, list)| list)
        .flatten()
        .chain(&config.defaults.notifiers);
    for alias in routed {
        if !aliases.contains(alias) {
            aliases.push(alias.clone());
        }
    }
    if aliases.is_empty() {
        return vec![
            Check::new(
                "notifier",
                Outcome::Ok,
                "no notifiers configured: notifications are only logged (`ao events`)",
            )
            .hint("add `notifiers:` and `notificationRouting:` to be told when an agent needs you"),
        ];
    }
    let known = orch.registry.known_names();
    aliases
        .into_iter()
        .map(|alias| {
            let plugin = plugin_of(config, &alias).unwrap_or_else(|| "?".into());
            let what = format!("{alias} ({plugin})");
            if known.status(crate::config::PluginKind::Notifier, &plugin)
                == crate::config::NameStatus::Unsupported
            {
                return Check::new(
                    "notifier",
                    Outcome::Warning,
                    format!("{what}: not supported by ao, so notifications to it are not sent"),
                );
            }
            match build(orch, &alias, &process_env) {
                Ok(_) if plugin == "desktop" => {
                    match DesktopNotifier::detect(&alias).headless_reason() {
                        Some(why) => Check::new(
                            "notifier",
                            Outcome::Warning,
                            format!("{what}: {why}; notifications are only logged here"),
                        ),
                        None => Check::new("notifier", Outcome::Ok, format!("{what}: ready")),
                    }
                }
                Ok(_) => Check::new("notifier", Outcome::Ok, format!("{what}: ready")),
                Err(e) => Check::new("notifier", Outcome::Failed, format!("{what}: {e}")).hint(
                    "export the variable it names (or fix the setting), then try `ao notify test`",
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigFile;

    fn config(yaml: &str) -> ConfigFile {
        let text = format!("projects:\n  app: {{path: /tmp}}\n{yaml}");
        crate::config::load_str(
            std::path::Path::new("/tmp/ao-test.yaml"),
            &text,
            &crate::config::KnownNames::builtin(),
            &|_| None,
        )
        .map(|c| c.file)
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn each_priority_routes_to_its_list_else_the_defaults() {
        let c = config(
            "notifiers:\n  hook: {plugin: webhook, url: 'http://127.0.0.1:1/x'}\n  team: {plugin: slack, webhook: 'http://127.0.0.1:1/y'}\ndefaults:\n  notifiers: [desktop]\nnotificationRouting:\n  urgent: [orchestrator, team, hook, team]\n  info: []\n",
        );
        assert_eq!(
            route(&c, Priority::Urgent),
            ["orchestrator", "team", "hook"]
        );
        assert_eq!(route(&c, Priority::Action), ["desktop"]);
        assert_eq!(route(&c, Priority::Warning), ["desktop"]);
        // An empty list is a choice: nothing, not the defaults.
        assert!(route(&c, Priority::Info).is_empty());
        assert!(route(&config(""), Priority::Urgent).is_empty());
    }

    #[test]
    fn aliases_select_plugins_and_settings_expand_only_endpoint_keys() {
        let c = config(
            "notifiers:\n  hook: {plugin: webhook, url: '${HOOK}', note: '${NOT_EXPANDED}'}\n",
        );
        assert_eq!(plugin_of(&c, "hook").as_deref(), Some("webhook"));
        assert_eq!(plugin_of(&c, "desktop").as_deref(), Some("desktop"));
        assert_eq!(
            plugin_of(&c, "orchestrator").as_deref(),
            Some("orchestrator")
        );
        assert_eq!(plugin_of(&c, "nope"), None);
        let env = |k: &str| (k == "HOOK").then(|| "http://127.0.0.1:9/h".to_string());
        let s = settings_of(&c, "hook", &env).unwrap();
        assert_eq!(s["url"], "http://127.0.0.1:9/h");
        assert_eq!(s["note"], "${NOT_EXPANDED}");
        let err = settings_of(&c, "hook", &|_| None).unwrap_err().to_string();
        assert!(
            err.contains("HOOK") && err.contains("notifiers.hook.url"),
            "{err}"
        );
    }

    #[test]
    fn bad_urls_and_headers_are_config_errors_naming_the_key_only() {
        let secret = "ftp://user:hunter2@example.org/x";
        let err = WebhookNotifier::from_settings("w", &serde_json::json!({"url": secret}))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "w: `url` must be an http or https URL");
        let err = SlackNotifier::from_settings("s", &serde_json::json!({}))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "s: set `webhook` or `webhookUrl` to the endpoint's URL"
        );
        let err = WebhookNotifier::from_settings(
            "w",
            &serde_json::json!({"url": "http://127.0.0.1:1/", "headers": {"X-Key": "a\nb"}}),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("X-Key") && !err.contains("a\nb"), "{err}");
    }
}
