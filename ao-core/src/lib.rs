//! `ao-core`: the library behind `ao`, the agent orchestrator.
//!
//! `ao` is a library first: the CLI only parses arguments and renders what this crate returns,
//! so anything the CLI can do an embedding Rust program can do too. This crate holds the
//! config engine today; the domain types, plugin traits and the orchestration facade join it
//! step by step.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
mod role;

pub use role::{Role, UnknownRole};
