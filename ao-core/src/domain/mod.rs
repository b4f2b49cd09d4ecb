//! The nouns of `ao`: ids, roles, session lifecycle, activity, issue and PR references,
//! notification events and launch specs.
//!
//! These are plain data with no I/O, shared by the traits, the store and the facade; closed
//! enums are used for data, while plugin kinds stay open (names looked up in the registry).

mod activity;
mod event;
mod ids;
mod issue;
mod launch;
mod lifecycle;

pub use activity::{Activity, ActivitySource, ActivityState, DEBOUNCE};
pub use event::{Event, EventKind};
pub use ids::{IdError, ProjectId, SessionId};
pub use issue::{IssueRef, IssueRefError, PrRef};
pub use launch::LaunchSpec;
pub use lifecycle::{
    CiStatus, DisplayStatus, Lifecycle, PrState, PrStatus, ReviewStatus, RuntimeStatus,
    SessionPhase,
};

pub use crate::Role;
pub use crate::config::Priority;

/// A point in time, serialized as RFC 3339 UTC.
pub type Timestamp = jiff::Timestamp;
