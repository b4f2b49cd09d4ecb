//! Benchmarks of `ao`'s hot paths live in `benches/`; this library holds the input builders
//! they share, so each benchmark measures the same documents.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::fmt::Write as _;

/// A wrapped config with `projects` projects exercising role blocks, reactions, trackers and
/// notifiers — the shape a large real fleet has.
pub fn config_with_projects(projects: usize) -> String {
    let mut y = String::from(
        "defaults:\n  agent: claude-code\n  notifiers: [desktop]\n  worker:\n    agent: codex\n\
         notifiers:\n  hook: {plugin: webhook, url: 'http://127.0.0.1:9/x'}\n\
         notificationRouting:\n  urgent: [desktop, hook]\n\
         reactions:\n  ci-failed: {retries: 3, escalateAfter: 3, action: send-to-agent, message: fix}\n\
         projects:\n",
    );
    for i in 0..projects {
        let _ = write!(
            y,
            "  project-{i}:\n    path: ./repos/project-{i}\n    repo: acme/project-{i}\n    \
             tracker: {{plugin: github}}\n    agentRules: Run the tests.\n    \
             agentConfig: {{model: sonnet, permissions: auto-edit}}\n    \
             orchestrator:\n      agent: claude-code\n      agentConfig: {{model: opus}}\n    \
             worker:\n      agent: codex\n      agentConfig: {{model: gpt-5-codex, permissions: auto-edit}}\n    \
             reactions:\n      agent-stuck: {{threshold: 20m}}\n"
        );
    }
    y
}
