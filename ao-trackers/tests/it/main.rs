//! ao-trackers' integration tests, one binary: the GitHub client and tracker against loopback
//! wiremock servers, the fake GitHub, and the API shape checks against GitHub's published
//! descriptions.
// Test helpers panic on purpose: a failed fixture step is a failed test.
#![allow(clippy::unwrap_used)]

mod api_shape;
mod fake_github;
mod github_client;
mod github_scm;
mod github_tracker;
mod support;
