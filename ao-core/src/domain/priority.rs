//! How urgently a person should hear about something.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How urgently a person should hear about something; sorts most urgent first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Priority {
    /// Needs a person now.
    Urgent,
    /// A person should act.
    Action,
    /// Something went wrong that automation could not fix.
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
