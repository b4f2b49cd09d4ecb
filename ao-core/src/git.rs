//! Running git: one place that sets up the environment, timeouts and error text.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// A git command that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("git {args}: {detail}")]
pub(crate) struct GitError {
    /// The arguments (for the message).
    pub(crate) args: String,
    /// What git said, or why it did not run.
    pub(crate) detail: String,
}

/// What a git command printed.
#[derive(Debug, Clone)]
pub(crate) struct GitOutput {
    pub(crate) ok: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `git -C dir args…` (never prompting, messages in English), with an optional timeout
/// and extra environment.
pub(crate) async fn run(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    timeout: Option<Duration>,
) -> Result<GitOutput, GitError> {
    let mut cmd = tokio::process::Command::new("git");
    cmd.arg("-C").arg(dir).args(args);
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .env("GIT_ASKPASS", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let err = |detail: String| GitError {
        args: args.join(" "),
        detail,
    };
    let child = cmd
        .spawn()
        .map_err(|e| err(format!("cannot run git: {e}")))?;
    let output = match timeout {
        Some(limit) => tokio::time::timeout(limit, child.wait_with_output())
            .await
            .map_err(|_| err(format!("timed out after {}s", limit.as_secs())))?,
        None => child.wait_with_output().await,
    }
    .map_err(|e| err(e.to_string()))?;
    Ok(GitOutput {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
    })
}

/// Runs git and returns its stdout, or an error with its stderr.
pub(crate) async fn checked(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let out = run(dir, args, &[], None).await?;
    if out.ok {
        Ok(out.stdout)
    } else {
        Err(GitError {
            args: args.join(" "),
            detail: out.stderr,
        })
    }
}

/// Whether `reference` names a commit in the repository at `dir`.
pub(crate) async fn ref_exists(dir: &Path, reference: &str) -> Result<bool, GitError> {
    Ok(run(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{reference}^{{commit}}"),
        ],
        &[],
        None,
    )
    .await?
    .ok)
}

/// The branch checked out in the worktree at `dir`; `None` when it is not a git checkout or
/// its HEAD is detached.
pub(crate) async fn current_branch(dir: &Path) -> Option<String> {
    // Only a checkout of its own: git would otherwise answer for a repository around `dir`.
    if !dir.join(".git").exists() {
        return None;
    }
    let out = run(
        dir,
        &["symbolic-ref", "--quiet", "--short", "HEAD"],
        &[],
        None,
    )
    .await
    .ok()?;
    let branch = out.stdout.trim();
    (out.ok && !branch.is_empty()).then(|| branch.to_string())
}

/// Whether `branch` is contained in `target` in the repository at `repo` (`false` when either
/// ref is missing).
pub(crate) fn is_ancestor(repo: &Path, branch: &str, target: &str) -> std::io::Result<bool> {
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "merge-base",
            "--is-ancestor",
            "--end-of-options",
            branch,
            target,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    Ok(status.success())
}

/// Whether `branch` has moved since it was created (its tip differs from the oldest entry of
/// its reflog). A branch nobody committed to is "contained" in every descendant of its start —
/// that must not count as merged work. Without a reflog the answer is `false` (keep the work).
pub(crate) fn has_moved_since_created(repo: &Path, branch: &str) -> std::io::Result<bool> {
    let run = |args: &[&str]| -> std::io::Result<Option<String>> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(args)
            .stderr(Stdio::null())
            .output()?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned()))
    };
    let reference = format!("refs/heads/{branch}");
    let Some(tip) = run(&[
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        &reference,
    ])?
    else {
        return Ok(false);
    };
    let Some(log) = run(&[
        "reflog",
        "show",
        "--format=%H",
        "--end-of-options",
        &reference,
    ])?
    else {
        return Ok(false);
    };
    Ok(log
        .lines()
        .last()
        .is_some_and(|created| created.trim() != tip.trim()))
}
