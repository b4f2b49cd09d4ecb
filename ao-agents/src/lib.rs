//! Agent adapters for `ao`: each one turns a role's resolved settings into a launch of a real
//! coding-agent CLI and reports what that agent is doing.
//!
//! The crate depends only on `ao-core`, whose `Agent` trait it implements, so an embedder can
//! pick the adapters it wants without pulling in trackers or the CLI. Adapters arrive with the
//! agent steps of the plan; until then the crate is intentionally empty.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
