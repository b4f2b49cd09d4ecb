//! Project and session identifiers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// Whether `s` is a usable id or prefix: `[a-zA-Z0-9_-]+` (it also names tmux sessions, files
/// and directories, so nothing else is allowed).
pub fn is_valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An id that is not `[a-zA-Z0-9_-]+`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind} id: use letters, digits, `_` and `-`")]
pub struct IdError {
    /// What kind of id.
    pub kind: &'static str,
    /// The rejected text.
    pub value: String,
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks and wraps an id.
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                if is_valid_id(&value) {
                    Ok(Self(value))
                } else {
                    Err(IdError { kind: $kind, value })
                }
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A project id: the key under `projects:` (`[a-zA-Z0-9_-]+`).
    ProjectId,
    "project"
);
id_type!(
    /// A session id: `<prefix>-<n>` for workers, `<prefix>-orchestrator` for the orchestrator.
    /// It is also the runtime (tmux) session name.
    SessionId,
    "session"
);

/// The suffix of an orchestrator's id.
const ORCHESTRATOR_SUFFIX: &str = "orchestrator";

impl SessionId {
    /// The id of worker number `n` of a project with this prefix.
    pub fn worker(prefix: &str, n: u64) -> Result<Self, IdError> {
        Self::new(format!("{prefix}-{n}"))
    }

    /// The fixed id of a project's orchestrator.
    pub fn orchestrator(prefix: &str) -> Result<Self, IdError> {
        Self::new(format!("{prefix}-{ORCHESTRATOR_SUFFIX}"))
    }

    /// The worker number, when this is `<prefix>-<n>` for the given prefix.
    pub fn worker_number(&self, prefix: &str) -> Option<u64> {
        let rest = self.0.strip_prefix(prefix)?.strip_prefix('-')?;
        if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        rest.parse().ok()
    }

    /// Whether this is the orchestrator id of the given prefix.
    pub fn is_orchestrator_of(&self, prefix: &str) -> bool {
        self.0
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('-'))
            == Some(ORCHESTRATOR_SUFFIX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked() {
        assert!(ProjectId::new("app_1-x").is_ok());
        assert_eq!(
            ProjectId::new("a.b").unwrap_err().to_string(),
            "`a.b` is not a valid project id: use letters, digits, `_` and `-`"
        );
        assert!(serde_json::from_str::<SessionId>("\"../etc\"").is_err());
    }

    #[test]
    fn worker_numbers_respect_the_prefix_exactly() {
        let id = SessionId::worker("pj", 10).unwrap();
        assert_eq!(id.as_str(), "pj-10");
        assert_eq!(id.worker_number("pj"), Some(10));
        assert_eq!(id.worker_number("p"), None);
        assert_eq!(SessionId::new("pj-1-2").unwrap().worker_number("pj"), None);
        assert_eq!(
            SessionId::new("pj-1-2").unwrap().worker_number("pj-1"),
            Some(2)
        );
        let o = SessionId::orchestrator("pj").unwrap();
        assert!(o.is_orchestrator_of("pj"));
        assert_eq!(o.worker_number("pj"), None);
    }
}
