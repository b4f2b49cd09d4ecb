//! ao-trackers' integration tests: one binary, one module per area.

mod fake_github;
