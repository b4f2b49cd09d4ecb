//! Which values are secrets, so that no output, log or error prints them.

/// What a secret is shown as.
pub const MASK: &str = "***";

/// Whether a variable or key with this name holds a secret: its name mentions a token, key,
/// secret, password or webhook. Names of *variables that hold* a secret (`secretEnvVar`) are
/// not secrets themselves.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if upper.ends_with("ENVVAR") || upper.ends_with("ENV_VAR") {
        return false;
    }
    ["TOKEN", "KEY", "SECRET", "PASSWORD", "WEBHOOK"]
        .iter()
        .any(|w| upper.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_secret_names() {
        for name in [
            "GITHUB_TOKEN",
            "LINEAR_API_KEY",
            "webhook",
            "token",
            "dbPassword",
            "SLACK_WEBHOOK_URL",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["url", "channel", "RUST_LOG", "secretEnvVar", "teamId"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }
}
