//! Where a running session can be found again.

use serde::{Deserialize, Serialize};

/// How to find a running session again, stored in its record: which runtime, its name there,
/// and where it runs (e.g. the tmux server), so that every later command goes to the same place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeHandle {
    /// The runtime's name (`tmux`, `process`, …).
    pub runtime: String,
    /// The runtime's id for the session (the tmux session name, …).
    pub id: String,
    /// Runtime-specific data (tmux and `process` keep their `socket` here); `null`
    /// when there is none.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub data: serde_json::Value,
}
