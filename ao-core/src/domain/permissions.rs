//! How much an agent may do without asking, as a config spells it.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How much an agent may do without asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Permissions {
    /// Never asks (full bypass).
    Permissionless,
    /// The CLI's asking mode.
    Default,
    /// Edits files without asking; asks for commands.
    AutoEdit,
    /// The CLI's own automatic mode (reference value; not supported by `ao`).
    Auto,
    /// Plans and suggests; makes no changes.
    Suggest,
    /// Legacy alias of `permissionless`.
    Skip,
}

impl Permissions {
    /// The mode this value means (`skip` is `permissionless`).
    pub fn canonical(self) -> Self {
        match self {
            Self::Skip => Self::Permissionless,
            other => other,
        }
    }

    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Permissionless => "permissionless",
            Self::Default => "default",
            Self::AutoEdit => "auto-edit",
            Self::Auto => "auto",
            Self::Suggest => "suggest",
            Self::Skip => "skip",
        }
    }
}

impl fmt::Display for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
