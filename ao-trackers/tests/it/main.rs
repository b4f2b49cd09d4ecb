//! ao-trackers' integration tests, one binary: the GitHub client and tracker against loopback
//! wiremock servers, and the API shape checks against GitHub's published descriptions.

mod api_shape;
mod github_client;
mod github_tracker;
mod support;
