//! `ao-core` integration tests: one binary, one module per area.
// Test helpers panic on purpose: a failed fixture step is a failed test.
#![allow(clippy::unwrap_used)]

mod config_load;
mod config_props;
mod config_samples;
mod support;
