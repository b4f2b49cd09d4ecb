//! Building blocks for authors of adapters (agents, runtimes, trackers) — what `ao-agents`
//! uses, kept apart from the library's main API so that an embedder reading the docs sees the
//! orchestration first.
//!
//! - [`fsutil`]: crash-safe file writes and cross-process locks;
//! - [`tail`]: the last lines of a (possibly huge) file;
//! - [`text`]: control characters out of text that reaches an agent;
//! - [`probe`]: finding and running an agent CLI in isolation (for `ao doctor` and contract
//!   checks);
//! - [`hook`]: the events agents' hooks append, and how to read them back.

pub mod fsutil;
pub mod hook;
pub mod probe;
pub mod tail;
pub mod text;
