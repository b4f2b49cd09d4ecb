//! The lifecycle engine: the pure decision of each session's state, the event log, the tick
//! that observes, decides, persists and logs, and the daemon that runs ticks.
//!
//! It lives in the library (not the CLI) so an embedder can run it in its own process. Each
//! concept has its own file: the decision is pure and table-tested; I/O is confined to the
//! event log, the tick and the daemon.

mod cleanup;
pub mod daemon;
mod decide;
mod error;
mod events;
mod execute;
mod message;
mod notifications;
mod react;
mod tick;

pub use crate::domain::SessionState;
pub use cleanup::{ALL_COMPLETE, CLEANUP_KEPT, SESSION_CLEANED, cleanup_due};
pub use decide::{LifecycleSettings, Observed, SESSION_STATE, decide};
pub use error::LifecycleError;
pub use events::{
    DEFAULT_MAX_BYTES, EventEntry, EventFilter, EventLog, Follower, KEEP, parse_since,
};
pub use execute::{
    NOTIFY_REQUESTED, PR_MERGED, REACTION_DEFERRED, REACTION_ESCALATED, REACTION_FAILED,
    REACTION_SENT,
};
pub use notifications::{
    Dispatcher, NOTIFY_FAILED, NOTIFY_SENT, notification_key, notification_of, send_test,
};
pub use react::{Planned, Subject, deferred, delivered, react};
pub use tick::{TickReport, observed, settings_of, tick};
