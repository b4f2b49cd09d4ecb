//! `ao-core` integration tests: one binary, one module per area.
// Test helpers panic on purpose: a failed fixture step is a failed test.
#![allow(clippy::unwrap_used)]

mod config_load;
mod config_props;
mod config_resolve;
mod config_samples;
mod config_schema;
mod fakes;
mod fleet;
mod notifiers;
mod orchestrator;
mod process;
mod store;
mod support;
mod tmux;
mod worktree;
