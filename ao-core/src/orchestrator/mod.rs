//! The `Orchestrator` facade: the one API both the CLI and embedders use.
//!
//! Every rule lives here once: roles are assigned by the code path (spawn makes workers,
//! `start_orchestrator` makes the orchestrator), orchestrators never own a PR, a failed spawn
//! leaves nothing half-made, unsaved work is never deleted without force, and untrusted issue
//! text never lands in a system prompt.

mod attached;
mod doctor;
mod error;
mod facade;
mod launch;
mod merge;
pub(crate) mod observe;
mod options;
mod outcome;
mod remote;
mod request;
pub(crate) mod sessions;
mod spawn;
mod view;

pub use doctor::record_checks;
pub use error::{ErrorClass, OrchestratorError, unsaved_work_ways_on};
pub use facade::Orchestrator;
pub(crate) use facade::Scope;
pub use options::{Options, scope_from_env};
pub use outcome::{
    CleanupEntry, CleanupReport, KillOutcome, Observation, Orphan, OrphanKind, SpawnOutcome,
    StartOutcome,
};
pub use remote::{RemoteMeta, RepoRemote};
pub use request::{KillMode, SendOptions, SessionFilter, SpawnRequest};
pub use view::{CiView, PrView, ReviewView, SessionView};
