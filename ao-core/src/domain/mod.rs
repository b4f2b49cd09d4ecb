//! The nouns of `ao`: ids, roles, permissions, priorities, session lifecycle, activity, issue
//! and PR references, notifications, launch specs, and what counts as a secret.
//!
//! These are plain data with no I/O, shared by the config, the traits, the store and the
//! facade — the bottom layer, depending on nothing else in the crate; closed enums are used for
//! data, while plugin kinds stay open (names looked up in the registry).

mod activity;
mod event;
mod handle;
mod ids;
mod issue;
mod launch;
mod lifecycle;
mod merge;
mod permissions;
mod priority;
mod role;
mod secret;
mod time;

pub use activity::{Activity, ActivitySource, ActivityState, DEBOUNCE};
pub use event::{Link, Notification};
pub use handle::RuntimeHandle;
pub use ids::{IdError, ProjectId, SessionId, is_valid_id};
pub use issue::{IssueLink, IssueRef, IssueRefError, PrRef};
pub use launch::LaunchSpec;
pub use lifecycle::{
    CiStatus, DisplayStatus, Lifecycle, PrState, PrStatus, ReviewStatus, RuntimeStatus,
    SessionPhase, SessionState,
};

pub use merge::MergeMethod;
pub use permissions::Permissions;
pub use priority::Priority;
pub use role::{Role, UnknownRole};
pub use secret::{MASK, is_secret_name};
pub use time::Timestamp;
