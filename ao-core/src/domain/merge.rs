//! How a pull request is merged.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How to merge a pull request (`reactions.<key>.mergeMethod`; squash when unset).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MergeMethod {
    /// A merge commit.
    Merge,
    /// All commits squashed into one commit on the base branch.
    #[default]
    Squash,
    /// The commits replayed onto the base branch, without a merge commit.
    Rebase,
}
