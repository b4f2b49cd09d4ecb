//! ao-trackers' integration tests, one binary: the GitHub client and tracker against loopback
//! wiremock servers, the fake GitHub, the API shape checks against GitHub's published
//! descriptions, and the Linear tracker against the fake Linear with its documents checked
//! against Linear's published schema.
// Test helpers panic on purpose: a failed fixture step is a failed test.
#![allow(clippy::unwrap_used)]

mod api_shape;
mod fake_github;
mod github_client;
mod github_scm;
mod github_tracker;
mod linear_api_shape;
mod linear_tracker;
mod support;
