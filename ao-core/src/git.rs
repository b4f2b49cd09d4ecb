//! Running git: one place that sets up the environment, timeouts and error text.
//!
//! Every git `ao` runs — worktrees, rescue refs, merge checks, a flat config's `origin`, the
//! demo's scratch repository — goes through [`command`]: never a prompt for credentials
//! (`GIT_TERMINAL_PROMPT=0`, `GIT_ASKPASS=true`), messages in English (`LC_ALL=C`) so that
//! what `ao` reads from them means what it expects, stdin closed.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// A git command that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("git {args}: {detail}")]
pub struct GitError {
    /// The arguments (for the message).
    pub args: String,
    /// What git said, or why it did not run.
    pub detail: String,
}

/// What a git command printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitOutput {
    /// Whether it exited 0.
    pub ok: bool,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error, trimmed.
    pub stderr: String,
}

/// `git -C dir args…` with the hardened environment and `env` added.
pub fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Command {
    let mut cmd = std::process::Command::new("git");
    cmd.arg("-C").arg(dir).args(args);
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .env("GIT_ASKPASS", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn output(out: std::process::Output) -> GitOutput {
    GitOutput {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
    }
}

fn failed(args: &[&str], detail: String) -> GitError {
    GitError {
        args: args.join(" "),
        detail,
    }
}

/// Runs `git -C dir args…` (see [`command`]), with an optional timeout and extra environment.
pub async fn run(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    timeout: Option<Duration>,
) -> Result<GitOutput, GitError> {
    let mut cmd = tokio::process::Command::from(command(dir, args, env));
    cmd.kill_on_drop(true);
    let child = cmd
        .spawn()
        .map_err(|e| failed(args, format!("cannot run git: {e}")))?;
    let out = match timeout {
        Some(limit) => tokio::time::timeout(limit, child.wait_with_output())
            .await
            .map_err(|_| failed(args, format!("timed out after {}s", limit.as_secs())))?,
        None => child.wait_with_output().await,
    }
    .map_err(|e| failed(args, e.to_string()))?;
    Ok(output(out))
}

/// [`run`] for code that is not async (it blocks; no timeout).
pub fn run_blocking(dir: &Path, args: &[&str]) -> Result<GitOutput, GitError> {
    let out = command(dir, args, &[])
        .output()
        .map_err(|e| failed(args, format!("cannot run git: {e}")))?;
    Ok(output(out))
}

/// Runs git and returns its stdout, or an error with its stderr.
pub async fn checked(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let out = run(dir, args, &[], None).await?;
    if out.ok {
        Ok(out.stdout)
    } else {
        Err(failed(args, out.stderr))
    }
}

/// Whether `reference` names a commit in the repository at `dir`.
pub async fn ref_exists(dir: &Path, reference: &str) -> Result<bool, GitError> {
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

/// The branch checked out in the worktree at `dir`; `None` when it is not a git checkout of
/// its own or its HEAD is detached.
pub async fn current_branch(dir: &Path) -> Result<Option<String>, GitError> {
    // Only a checkout of its own: git would otherwise answer for a repository around `dir`.
    if !dir.join(".git").exists() {
        return Ok(None);
    }
    let out = run(
        dir,
        &["symbolic-ref", "--quiet", "--short", "HEAD"],
        &[],
        None,
    )
    .await?;
    let branch = out.stdout.trim();
    Ok((out.ok && !branch.is_empty()).then(|| branch.to_string()))
}

/// Whether `branch` is contained in `target` in the repository at `repo` (`false` when either
/// ref is missing: git answers 1 then too).
pub async fn is_ancestor(repo: &Path, branch: &str, target: &str) -> Result<bool, GitError> {
    let args = [
        "merge-base",
        "--is-ancestor",
        "--end-of-options",
        branch,
        target,
    ];
    let out = run(repo, &args, &[], None).await?;
    match (out.ok, out.stderr.is_empty()) {
        (true, _) => Ok(true),
        (false, true) => Ok(false),
        // A missing ref is "not contained"; anything else is a failure to report.
        (false, false) if out.stderr.contains("Not a valid") => Ok(false),
        (false, false) => Err(failed(&args, out.stderr)),
    }
}

/// Whether `branch` has moved since it was created (its tip differs from the oldest entry of
/// its reflog). A branch nobody committed to is "contained" in every descendant of its start —
/// that must not count as merged work. Without a reflog the answer is `false` (keep the work).
pub async fn has_moved_since_created(repo: &Path, branch: &str) -> Result<bool, GitError> {
    let reference = format!("refs/heads/{branch}");
    let tip = run(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &reference,
        ],
        &[],
        None,
    )
    .await?;
    if !tip.ok {
        return Ok(false);
    }
    let log = run(
        repo,
        &[
            "reflog",
            "show",
            "--format=%H",
            "--end-of-options",
            &reference,
        ],
        &[],
        None,
    )
    .await?;
    if !log.ok {
        return Ok(false);
    }
    Ok(log
        .stdout
        .lines()
        .last()
        .is_some_and(|created| created.trim() != tip.stdout.trim()))
}
