//! What `ao init` reads: the repository around the working directory (top level, `origin`,
//! default branch) and the agent CLIs on `PATH`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::error::InitError;
use crate::config::load::repo_slug;
use crate::config::prefix::{derive_prefix, sanitize_id};
use crate::git::GitError;

/// The agent CLIs `ao init` looks for on `PATH`: (agent adapter name, program). Listed in the
/// order a default is picked: Claude Code is the built-in default agent, and aider comes last
/// because as an orchestrator it can advise but not run `ao`.
pub const AGENT_PROGRAMS: [(&str, &str); 4] = [
    ("claude-code", "claude"),
    ("codex", "codex"),
    ("opencode", "opencode"),
    ("aider", "aider"),
];

/// An agent CLI found on `PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundAgent {
    /// The agent adapter's name (`claude-code`).
    pub agent: &'static str,
    /// The program's name (`claude`).
    pub program: &'static str,
    /// Where it was found.
    pub path: PathBuf,
}

/// The agent CLIs of [`AGENT_PROGRAMS`] found on `search_path` (a `PATH`-style list; this
/// process's `PATH` when `None`), in that order.
pub fn agents_on_path(search_path: Option<&OsStr>) -> Vec<FoundAgent> {
    AGENT_PROGRAMS
        .iter()
        .filter_map(|(agent, program)| {
            crate::adapter_kit::probe::find_program(program, search_path).map(|path| FoundAgent {
                agent,
                program,
                path,
            })
        })
        .collect()
}

/// The agent both roles run when no recipe is asked for: the first of [`AGENT_PROGRAMS`] on
/// `PATH`, else the built-in default.
pub(super) fn default_agent(found: &[FoundAgent]) -> &'static str {
    found
        .first()
        .map_or(crate::config::model::DEFAULT_AGENT, |f| f.agent)
}

/// Where the default branch came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchSource {
    /// `refs/remotes/origin/HEAD`: the branch the remote calls its default.
    OriginHead,
    /// The branch checked out in the repository now.
    CurrentBranch,
    /// Neither is known (detached HEAD, no `origin/HEAD`): `main`.
    Fallback,
}

/// What the repository says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoFacts {
    /// The repository's top-level directory.
    pub root: PathBuf,
    /// A valid project id (`[a-zA-Z0-9_-]+`) made from the directory's name.
    pub project_id: String,
    /// The session prefix the directory's name derives (as a config without one would).
    pub session_prefix: String,
    /// The `origin` remote's URL, with any credentials in it removed; `None` without `origin`.
    pub origin_url: Option<String>,
    /// `owner/name` from the `origin` URL; `None` without `origin` or for a local path.
    pub repo: Option<String>,
    /// The branch worktrees start from.
    pub default_branch: String,
    /// Where [`Self::default_branch`] came from.
    pub branch_source: BranchSource,
}

/// Runs one git command in `dir`: whether it succeeded, its trimmed stdout, and its stderr.
fn git(dir: &Path, args: &[&str]) -> Result<(bool, String, String), InitError> {
    // `run_blocking` only errs when git could not be started: every answer, even a failing
    // one, is `Ok`.
    let out = crate::git::run_blocking(dir, args)
        .map_err(|source| InitError::GitUnavailable { source })?;
    Ok((out.ok, out.stdout.trim().to_string(), out.stderr))
}

/// Reads the facts `ao init` writes down from the repository around `dir`.
pub fn detect_repo(dir: &Path) -> Result<RepoFacts, InitError> {
    let (ok, top, stderr) = git(dir, &["rev-parse", "--show-toplevel"])?;
    if !ok || top.is_empty() {
        if stderr.contains("not a git repository") {
            return Err(InitError::NotARepository {
                dir: dir.to_path_buf(),
            });
        }
        return Err(InitError::Git {
            source: GitError {
                args: "rev-parse --show-toplevel".to_string(),
                detail: stderr,
            },
        });
    }
    let root = PathBuf::from(top);
    let dir_name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();

    let (has_origin, url, _) = git(&root, &["remote", "get-url", "origin"])?;
    let url = (has_origin && !url.is_empty()).then_some(url);
    let repo = url.as_deref().and_then(repo_slug);

    let (ok, head, _) = git(
        &root,
        &[
            "symbolic-ref",
            "--quiet",
            "--short",
            "refs/remotes/origin/HEAD",
        ],
    )?;
    let origin_head = head
        .strip_prefix("origin/")
        .filter(|b| ok && !b.is_empty())
        .map(str::to_string);
    let (default_branch, branch_source) = match origin_head {
        Some(branch) => (branch, BranchSource::OriginHead),
        None => {
            // `symbolic-ref HEAD` names the branch even before its first commit.
            let (ok, current, _) = git(&root, &["symbolic-ref", "--quiet", "--short", "HEAD"])?;
            if ok && !current.is_empty() {
                (current, BranchSource::CurrentBranch)
            } else {
                (
                    crate::config::model::DEFAULT_BRANCH.to_string(),
                    BranchSource::Fallback,
                )
            }
        }
    };
    Ok(RepoFacts {
        project_id: sanitize_id(&dir_name),
        session_prefix: derive_prefix(&dir_name),
        origin_url: url.as_deref().map(without_credentials),
        repo,
        default_branch,
        branch_source,
        root,
    })
}

/// A remote URL without the `user:password@` a person may have put in it: the file is meant
/// to be committed.
fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://{host}{path}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_file() {
        assert_eq!(
            without_credentials("https://me:ghp_secret@github.com/acme/app.git"),
            "https://github.com/acme/app.git"
        );
        assert_eq!(
            without_credentials("git@github.com:acme/app.git"),
            "git@github.com:acme/app.git"
        );
        assert_eq!(
            without_credentials("ssh://git@host:22/acme/app"),
            "ssh://host:22/acme/app"
        );
    }
}
