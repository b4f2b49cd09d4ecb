//! How urgently a person should hear about something.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Notification priority.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Priority {
    /// Needs a person now.
    Urgent,
    /// A person should act.
    Action,
    /// Worth knowing.
    Warning,
    /// For the record.
    Info,
}

impl Priority {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Urgent => "urgent",
            Self::Action => "action",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}
