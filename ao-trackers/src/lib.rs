//! Tracker and SCM adapters for `ao`: GitHub (issues, pull requests, checks, reviews) and Linear
//! (issues).
//!
//! Kept apart from `ao-core` so that the HTTP stack is only linked by programs that talk to a
//! forge. Adapters arrive with the tracker steps of the plan; until then the crate is
//! intentionally empty.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "fake")]
pub mod fake;
