//! The few git questions the core asks directly (the worktree workspace has its own, richer
//! git layer).

use std::path::Path;
use std::process::Command;

/// Whether `branch` is contained in `target` in the repository at `repo` (`false` when either
/// ref is missing).
pub(crate) fn is_ancestor(repo: &Path, branch: &str, target: &str) -> std::io::Result<bool> {
    let status = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "merge-base",
            "--is-ancestor",
            "--end-of-options",
            branch,
            target,
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()?;
    Ok(status.success())
}
