//! The fully resolved config as one document, with secrets masked — what `ao config show`
//! prints.

use serde_json::{Map, Value, json};

use super::error::ConfigError;
use super::interpolate::{SECRET_NOTIFIER_KEYS, expand_vars, referenced_vars};
use super::loaded::Config;
use super::resolved::RoleOverrides;
use crate::domain::{MASK, Role, is_secret_name};

impl Config {
    /// Every project with its resolved roles, plugins and reactions, plus the global settings.
    ///
    /// Values that hold secrets are shown as `***`: those whose key names a secret, and those
    /// expanded from `${VAR}` (an unset variable is shown as written).
    pub fn resolved_view(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Value, ConfigError> {
        let f = &self.file;
        // Plain config data with string keys always serializes: `plain` never falls back.
        let plain = |v: Result<Value, serde_json::Error>| v.unwrap_or_default();
        let projects: Vec<Value> = self
            .projects
            .values()
            .map(|p| {
                let s = &p.settings;
                let mut roles = Map::new();
                for role in Role::ALL {
                    let r = self.resolve_role(p.id.as_str(), role, &RoleOverrides::default())?;
                    roles.insert(
                        role.as_str().to_string(),
                        json!({
                            "agent": r.agent,
                            "model": r.model,
                            "permissions": r.permissions,
                            "rules": r.rules.explanation(),
                        }),
                    );
                }
                let env_vars: Map<String, Value> = s
                    .env
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(if is_secret_name(k) { MASK.to_string() } else { v.clone() })))
                    .collect();
                Ok(json!({
                    "id": p.id,
                    "name": p.name,
                    "path": p.path,
                    "repo": p.repo,
                    "defaultBranch": p.default_branch,
                    "sessionPrefix": p.session_prefix,
                    "runtime": s.runtime.as_deref().unwrap_or(&f.defaults.runtime),
                    "workspace": s.workspace.as_deref().unwrap_or(&f.defaults.workspace),
                    "env": env_vars,
                    "tracker": s.tracker.as_ref().map(|t| masked(plain(serde_json::to_value(t)), env)),
                    "scm": s.scm.as_ref().map(|t| masked(plain(serde_json::to_value(t)), env)),
                    "symlinks": s.symlinks,
                    "postCreate": s.post_create,
                    "roles": roles,
                    "reactions": self.reactions(p.id.as_str())?,
                }))
            })
            .collect::<Result<_, ConfigError>>()?;
        let notifiers: Map<String, Value> = f
            .notifiers
            .iter()
            .map(|(alias, n)| {
                (
                    alias.clone(),
                    masked_notifier(plain(serde_json::to_value(n)), env),
                )
            })
            .collect();
        Ok(json!({
            "file": self.path,
            "defaults": {
                "runtime": f.defaults.runtime,
                "agent": f.defaults.agent,
                "workspace": f.defaults.workspace,
                "notifiers": f.defaults.notifiers,
            },
            "lifecycle": f.lifecycle,
            "readyThresholdMs": f.ready_threshold_ms,
            "projects": projects,
            "notifiers": notifiers,
            "notificationRouting": f.notification_routing,
        }))
    }
}

/// Masks a notifier's settings: like [`masked`], and also every value of the keys that hold
/// its endpoint or credentials (`url`, `webhook`, `webhookUrl`, `token`, `headers`), which are
/// secrets even when written literally (a webhook URL is its own credential).
fn masked_notifier(value: Value, env: &dyn Fn(&str) -> Option<String>) -> Value {
    fn all(value: Value) -> Value {
        match value {
            Value::String(s) if s.is_empty() => Value::String(s),
            Value::String(_) => Value::String(MASK.to_string()),
            Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, all(v))).collect())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(all).collect()),
            other => other,
        }
    }
    match masked(value, env) {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if SECRET_NOTIFIER_KEYS.contains(&k.as_str()) {
                        all(v)
                    } else {
                        v
                    };
                    (k, v)
                })
                .collect(),
        ),
        other => other,
    }
}

/// Masks secrets in plugin settings: by key name, and wherever a `${VAR}` was expanded.
fn masked(value: Value, env: &dyn Fn(&str) -> Option<String>) -> Value {
    fn walk(key: &str, value: Value, env: &dyn Fn(&str) -> Option<String>) -> Value {
        match value {
            Value::String(s) if is_secret_name(key) => {
                Value::String(if s.is_empty() { s } else { MASK.to_string() })
            }
            Value::String(s) if !referenced_vars(&s).is_empty() => match expand_vars(&s, env) {
                Ok(_) => Value::String(MASK.to_string()),
                Err(_) => Value::String(s),
            },
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let v = walk(&k, v, env);
                        (k, v)
                    })
                    .collect(),
            ),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| walk(key, v, env)).collect())
            }
            other => other,
        }
    }
    walk("", value, env)
}
