//! `ao-core`: the library behind `ao`, the agent orchestrator.
//!
//! `ao` is a library first: the CLI only parses arguments and renders what this crate returns,
//! so anything the CLI can do an embedding Rust program can do too.
//!
//! - [`config`]: find, parse, validate and resolve `agent-orchestrator.yaml`;
//! - [`domain`]: ids, lifecycle, activity, issue references, events, launch specs;
//! - [`plugin`]: the `Agent`, `Runtime`, `Workspace`, `Tracker`, `Scm` and `Notifier` traits,
//!   their fakes, and the name → factory [`plugin::Registry`];
//! - [`store`]: session records (the crash-safe file store, an in-memory one, a conformance
//!   suite); [`projects`]: the registry of projects; [`home`]: the `AO_HOME` layout.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod adapter_kit;
mod builtin;
pub mod command_agent;
pub mod config;
pub mod delivery;
pub mod doctor;
pub mod domain;
pub mod error;
pub mod fleet;
pub mod git;
#[cfg(any(feature = "tmux", feature = "process", feature = "worktree"))]
mod hash;
pub mod home;
pub mod lifecycle;
pub mod notifiers;
pub mod orchestrator;
pub mod owner;
pub mod plugin;
#[cfg(feature = "process")]
pub mod process;
pub mod projects;
pub mod prompt;
pub mod store;
#[cfg(feature = "tmux")]
pub mod tmux;
pub mod trampoline;
pub mod trust;
#[cfg(feature = "worktree")]
pub mod worktree;

pub use domain::{Role, UnknownRole};

/// Call first in `main` of every binary embedding `ao-core`: runtimes start programs as
/// `<this executable> __exec …` (the [`trampoline`]) and the process runtime's session host as
/// `<this executable> __pty-host …`; started as either, this never returns. Otherwise it returns
/// at once.
pub fn run_if_invoked() {
    #[cfg(feature = "process")]
    let entries = &process::ENTRY_POINTS[..];
    #[cfg(not(feature = "process"))]
    let entries = &[];
    trampoline::run_if_invoked_with(entries);
}
