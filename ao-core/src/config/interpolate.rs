//! `${VAR}` expansion for the values that hold endpoints and credentials.
//!
//! Only notifier `webhook`/`webhookUrl`/`url`/`token`/`channel`/`headers` and tracker/SCM string values are expanded,
//! so that secrets can stay in the environment; rules, messages and commands are never
//! expanded (their text goes to agents and shells as written). `$${` writes a literal `${`.

/// A `${VAR}` whose variable is not set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsetVar {
    /// The variable's name.
    pub name: String,
}

/// Notifier keys whose values are expanded.
pub const EXPANDED_NOTIFIER_KEYS: &[&str] = &[
    "webhook",
    "webhookUrl",
    "url",
    "token",
    "channel",
    "headers",
];

/// Notifier keys whose values are secrets however they are written (a webhook URL is its own
/// credential): never shown, logged or put in an error.
pub const SECRET_NOTIFIER_KEYS: &[&str] = &["webhook", "webhookUrl", "url", "token", "headers"];

/// Expands every `${NAME}` in `text` with `lookup`; `$${` becomes a literal `${`.
///
/// A `${` that is not followed by a valid name and `}` is kept as written.
pub fn expand_vars(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, UnsetVar> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(idx) = rest.find('$') {
        out.push_str(&rest[..idx]);
        let after = &rest[idx..];
        if let Some(escaped) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = escaped;
        } else if let Some((name, len)) = var_at(after) {
            match lookup(name) {
                Some(value) => out.push_str(&value),
                None => {
                    return Err(UnsetVar {
                        name: name.to_string(),
                    });
                }
            }
            rest = &after[len..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Expands the value of `key` for use, turning an unset variable into an error that names the
/// variable and the key (never the value, which may hold a secret).
pub fn expand_for_use(
    key: &str,
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, super::error::ConfigError> {
    expand_vars(text, lookup).map_err(|unset| super::error::ConfigError::UnsetVariable {
        var: unset.name,
        key: key.to_string(),
    })
}

/// Expands `${VAR}` in the string values of plugin settings (all of them, or only the
/// top-level keys in `only`), for use. Errors name the variable and the key path under
/// `base_key`.
pub fn expand_settings(
    settings: &indexmap::IndexMap<String, serde_json::Value>,
    base_key: &str,
    only: Option<&[&str]>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<serde_json::Map<String, serde_json::Value>, super::error::ConfigError> {
    fn walk(
        value: &serde_json::Value,
        key: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<serde_json::Value, super::error::ConfigError> {
        Ok(match value {
            serde_json::Value::String(s) => {
                serde_json::Value::String(expand_for_use(key, s, lookup)?)
            }
            serde_json::Value::Array(items) => serde_json::Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| walk(v, &format!("{key}[{i}]"), lookup))
                    .collect::<Result<_, _>>()?,
            ),
            serde_json::Value::Object(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), walk(v, &format!("{key}.{k}"), lookup)?)))
                    .collect::<Result<_, super::error::ConfigError>>()?,
            ),
            other => other.clone(),
        })
    }
    settings
        .iter()
        .map(|(k, v)| {
            let key = format!("{base_key}.{k}");
            let expand = only.is_none_or(|keys| keys.contains(&k.as_str()));
            Ok((
                k.clone(),
                if expand {
                    walk(v, &key, lookup)?
                } else {
                    v.clone()
                },
            ))
        })
        .collect()
}

/// The variables `text` refers to, in order (escaped ones excluded).
pub fn referenced_vars(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    // Expanding with a lookup that records names and always succeeds finds them all.
    let record = std::cell::RefCell::new(&mut names);
    let _ = expand_vars(text, |name| {
        record.borrow_mut().push(name.to_string());
        Some(String::new())
    });
    names
}

/// A `${NAME}` at the start of `s`: the name and the length of the whole reference.
fn var_at(s: &str) -> Option<(&str, usize)> {
    let body = s.strip_prefix("${")?;
    let end = body.find('}')?;
    let name = &body[..end];
    let mut chars = name.chars();
    let first = chars.next()?;
    let valid = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then_some((name, end + 3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOOK" => Some("https://hooks.example/x".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_set_variables() {
        assert_eq!(
            expand_vars("${HOOK}", env).unwrap(),
            "https://hooks.example/x"
        );
        assert_eq!(expand_vars("a${EMPTY}b", env).unwrap(), "ab");
        assert_eq!(expand_vars("no vars", env).unwrap(), "no vars");
    }

    #[test]
    fn unset_variables_are_named() {
        assert_eq!(
            expand_vars("x ${MISSING} y", env),
            Err(UnsetVar {
                name: "MISSING".into()
            })
        );
    }

    #[test]
    fn escapes_and_malformed_references_stay_literal() {
        assert_eq!(expand_vars("$${HOOK}", env).unwrap(), "${HOOK}");
        assert_eq!(
            expand_vars("$HOOK ${ bad} ${1X} ${", env).unwrap(),
            "$HOOK ${ bad} ${1X} ${"
        );
        assert_eq!(expand_vars("cost: 5$", env).unwrap(), "cost: 5$");
    }

    #[test]
    fn use_time_errors_name_variable_and_key() {
        let err = expand_for_use("notifiers.slack.webhook", "${SLACK_HOOK}", env).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable `SLACK_HOOK` used by `notifiers.slack.webhook` is not set"
        );
        assert_eq!(
            expand_for_use("k", "${HOOK}", env).unwrap(),
            "https://hooks.example/x"
        );
    }

    #[test]
    fn settings_expand_recursively_and_name_the_key() {
        let mut settings = indexmap::IndexMap::new();
        settings.insert("url".to_string(), serde_json::json!("${HOOK}"));
        settings.insert(
            "nested".to_string(),
            serde_json::json!({"list": ["a", "${HOOK}"]}),
        );
        settings.insert("note".to_string(), serde_json::json!("${NOPE}"));
        let only = ["url", "nested"];
        let out = expand_settings(&settings, "notifiers.h", Some(&only), &env).unwrap();
        assert_eq!(out["nested"]["list"][1], "https://hooks.example/x");
        assert_eq!(out["note"], "${NOPE}");
        let err = expand_settings(&settings, "projects.app.tracker", None, &env).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable `NOPE` used by `projects.app.tracker.note` is not set"
        );
    }

    #[test]
    fn lists_references() {
        assert_eq!(
            referenced_vars("${A}-$${B}-${C_1}"),
            vec!["A".to_string(), "C_1".to_string()]
        );
    }
}
