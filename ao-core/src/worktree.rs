//! The git worktree workspace: one worktree and branch per session, and nothing lost.
//!
//! - Branch: the requested one is reused when it exists locally (and is not checked out in
//!   another worktree), taken from `origin/<branch>` when only the remote has it, else created
//!   with `--no-track` from `origin/<defaultBranch>` (fetched first, 10 s timeout; on failure a
//!   warning and the local branch).
//! - Fetch and `worktree add` of one repository run under one cross-process lock: parallel
//!   fetches otherwise fail on git's own ref locks.
//! - Unsaved work is every uncommitted change (untracked included, ignored excluded, our own
//!   symlinks excluded) and every commit in no remote-tracking branch and not in the default
//!   branch. `destroy` refuses while there is some, unless forced — and then it first saves the
//!   whole worktree (untracked files included) as a commit under a ref of its own,
//!   `refs/ao/rescue/<sid>/<UTC time>-<commit>`, never overwritten (`rescues` lists them).
//! - The branch is deleted only when merged into the base, or when forced.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;

use crate::adapter_kit::fsutil::lock_exclusive;
use crate::domain::ProjectId;
use crate::git::{self, GitError};
use crate::home::AoHome;
use crate::plugin::{
    Destroyed, Rescue, UnsavedWork, Workspace, WorkspaceError, WorkspaceInfo, WorkspaceRequest,
};

/// How long a fetch before a worktree may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Where rescue refs live.
pub const RESCUE_PREFIX: &str = "refs/ao/rescue/";

/// Worktrees under `AO_HOME`.
#[derive(Debug, Clone)]
pub struct WorktreeWorkspace {
    home: AoHome,
    fetch_timeout: Duration,
}

fn git_err(e: GitError) -> WorkspaceError {
    WorkspaceError::Git {
        operation: e.args,
        detail: e.detail,
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> WorkspaceError + '_ {
    move |source| WorkspaceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether a configured symlink stays inside the project.
pub fn is_safe_relative(path: &str) -> bool {
    let p = Path::new(path);
    !path.trim().is_empty()
        && !p.is_absolute()
        && !path.starts_with('~')
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

impl WorktreeWorkspace {
    /// Worktrees for sessions under `home`.
    pub fn new(home: AoHome) -> Self {
        Self {
            home,
            fetch_timeout: FETCH_TIMEOUT,
        }
    }

    /// Changes the fetch timeout (tests use a short one).
    #[must_use]
    pub fn with_fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = timeout;
        self
    }

    fn lock_path(&self, repo: &Path) -> PathBuf {
        let canonical = std::fs::canonicalize(repo).unwrap_or_else(|_| repo.to_path_buf());
        let hash = crate::hash::stable_hash(&[canonical.as_os_str().as_encoded_bytes()]);
        self.home
            .root()
            .join("locks")
            .join(format!("repo-{hash}.lock"))
    }

    /// Fetches the default branch, chooses the base and adds the worktree; returns whether the
    /// branch was created here, and warnings.
    async fn add_worktree(
        &self,
        req: &WorkspaceRequest,
    ) -> Result<(bool, Vec<String>), WorkspaceError> {
        let repo = req.repo_path.as_path();
        let mut warnings = Vec::new();
        let has_origin = git::run(repo, &["remote", "get-url", "origin"], &[], None)
            .await
            .map_err(git_err)?
            .ok;
        if has_origin {
            let fetched = git::run(
                repo,
                &["fetch", "--quiet", "origin", &req.base_branch],
                &[],
                Some(self.fetch_timeout),
            )
            .await;
            match fetched {
                Ok(out) if out.ok => {}
                Ok(out) => warnings.push(format!(
                    "fetch of origin/{} failed ({}); using the local branch",
                    req.base_branch, out.stderr
                )),
                Err(e) => warnings.push(format!(
                    "fetch of origin/{} failed ({}); using the local branch",
                    req.base_branch, e.detail
                )),
            }
        }
        // A claimed pull request's branch lives on the forge: bring it in, so the worktree
        // starts from its commits rather than from the base branch.
        if has_origin && req.existing_branch {
            let refspec = format!("+refs/heads/{0}:refs/remotes/origin/{0}", req.branch);
            let fetched = git::run(
                repo,
                &["fetch", "--quiet", "origin", &refspec],
                &[],
                Some(self.fetch_timeout),
            )
            .await;
            let failed = match fetched {
                Ok(out) if out.ok => None,
                Ok(out) => Some(out.stderr),
                Err(e) => Some(e.detail),
            };
            if let Some(why) = failed {
                warnings.push(format!(
                    "fetch of origin/{} failed ({why}); its local branch or the base is used",
                    req.branch
                ));
            }
        }
        let remote_base = format!("refs/remotes/origin/{}", req.base_branch);
        let base = if git::ref_exists(repo, &remote_base).await.map_err(git_err)? {
            remote_base
        } else if git::ref_exists(repo, &format!("refs/heads/{}", req.base_branch))
            .await
            .map_err(git_err)?
        {
            format!("refs/heads/{}", req.base_branch)
        } else {
            return Err(WorkspaceError::Git {
                operation: "find base branch".into(),
                detail: format!(
                    "neither origin/{0} nor {0} exists in {1}",
                    req.base_branch,
                    repo.display()
                ),
            });
        };
        let path = req.path.display().to_string();
        // A worktree whose directory vanished (e.g. AO_HOME deleted) still blocks its branch
        // and path until pruned.
        let _ = git::run(repo, &["worktree", "prune"], &[], None).await;
        let local = format!("refs/heads/{}", req.branch);
        let created = if git::ref_exists(repo, &local).await.map_err(git_err)? {
            // Reuse the branch — git itself refuses when another worktree has it checked out.
            git::checked(repo, &["worktree", "add", "--quiet", &path, &req.branch])
                .await
                .map_err(git_err)?;
            false
        } else {
            let remote = format!("refs/remotes/origin/{}", req.branch);
            let start = if git::ref_exists(repo, &remote).await.map_err(git_err)? {
                remote
            } else {
                base
            };
            git::checked(
                repo,
                &[
                    "worktree",
                    "add",
                    "--quiet",
                    "--no-track",
                    "-b",
                    &req.branch,
                    &path,
                    &start,
                ],
            )
            .await
            .map_err(git_err)?;
            true
        };
        Ok((created, warnings))
    }

    /// Removes a worktree git's way, then by hand when git could not (a half-made checkout),
    /// then forgets it: every step is a fallback for the one before, and only called once the
    /// unsaved work was dealt with.
    async fn remove_worktree(&self, repo: &Path, path: &Path) {
        let p = path.display().to_string();
        let _ = git::run(
            repo,
            &["worktree", "remove", "--force", "--force", &p],
            &[],
            None,
        )
        .await;
        if path.exists() {
            let _ = std::fs::remove_dir_all(path);
        }
        let _ = git::run(repo, &["worktree", "prune"], &[], None).await;
    }

    async fn link(
        &self,
        req: &WorkspaceRequest,
        warnings: &mut Vec<String>,
    ) -> Result<(), WorkspaceError> {
        for entry in &req.symlinks {
            if !is_safe_relative(entry) {
                warnings.push(format!(
                    "symlink `{entry}` skipped: it must be a relative path inside the project"
                ));
                continue;
            }
            let source = req.repo_path.join(entry);
            let target = req.path.join(entry);
            if !source.exists() {
                warnings.push(format!(
                    "symlink `{entry}` skipped: {} does not exist",
                    source.display()
                ));
                continue;
            }
            if target.symlink_metadata().is_ok() {
                warnings.push(format!(
                    "symlink `{entry}` skipped: the worktree already has it"
                ));
                continue;
            }
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(io_err(parent))?;
            }
            #[cfg(unix)]
            std::os::unix::fs::symlink(&source, &target).map_err(io_err(&target))?;
        }
        Ok(())
    }

    async fn post_create(&self, req: &WorkspaceRequest) -> Result<(), WorkspaceError> {
        for command in &req.post_create {
            let out = tokio::process::Command::new("sh")
                .arg("-c")
                .arg(command)
                .current_dir(&req.path)
                .stdin(std::process::Stdio::null())
                .output()
                .await
                .map_err(io_err(&req.path))?;
            if !out.status.success() {
                let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
                output.push_str(&String::from_utf8_lossy(&out.stderr));
                let output = output.trim().to_string();
                let tail: String = output
                    .chars()
                    .rev()
                    .take(2000)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                return Err(WorkspaceError::PostCreate {
                    command: command.clone(),
                    output: tail,
                });
            }
        }
        Ok(())
    }

    /// Saves the worktree (untracked files included) as a commit on top of its HEAD under
    /// `refs/ao/rescue/<sid>`.
    async fn rescue(&self, info: &WorkspaceInfo) -> Result<String, WorkspaceError> {
        let path = info.path.as_path();
        let index = tempfile::NamedTempFile::new().map_err(io_err(path))?;
        let index_path = index.path().display().to_string();
        let env = [("GIT_INDEX_FILE", index_path.as_str())];
        let head_ok = git::ref_exists(path, "HEAD").await.map_err(git_err)?;
        if head_ok {
            let out = git::run(path, &["read-tree", "HEAD"], &env, None)
                .await
                .map_err(git_err)?;
            if !out.ok {
                return Err(WorkspaceError::Git {
                    operation: "read-tree".into(),
                    detail: out.stderr,
                });
            }
        }
        for args in [&["add", "-A", "--", "."][..]] {
            let out = git::run(path, args, &env, None).await.map_err(git_err)?;
            if !out.ok {
                return Err(WorkspaceError::Git {
                    operation: "add (rescue)".into(),
                    detail: out.stderr,
                });
            }
        }
        let tree = git::run(path, &["write-tree"], &env, None)
            .await
            .map_err(git_err)?;
        if !tree.ok {
            return Err(WorkspaceError::Git {
                operation: "write-tree".into(),
                detail: tree.stderr,
            });
        }
        let tree = tree.stdout.trim().to_string();
        let message = format!(
            "ao: rescue of session {} before its worktree was removed",
            info.session_id
        );
        let mut args = vec![
            "-c",
            "user.name=ao",
            "-c",
            "user.email=ao@localhost",
            "commit-tree",
            tree.as_str(),
            "-m",
            message.as_str(),
        ];
        if head_ok {
            args.extend(["-p", "HEAD"]);
        }
        let commit = git::checked(path, &args)
            .await
            .map_err(git_err)?
            .trim()
            .to_string();
        // A name of its own, created only if new (an empty old value): refs under `refs/ao/`
        // keep no reflog, so an overwritten rescue would be left to garbage collection.
        let stamp = jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        let short = commit.get(..12).unwrap_or(&commit);
        let sid = &info.session_id;
        // `<sid>.<…>` where a rescue ref of an older `ao` (`refs/ao/rescue/<sid>`) is in the
        // way of the `<sid>/` directory.
        let legacy = git::ref_exists(path, &format!("{RESCUE_PREFIX}{sid}"))
            .await
            .map_err(git_err)?;
        let sep = if legacy { '.' } else { '/' };
        for n in 0..100 {
            let name = match n {
                0 => format!("{RESCUE_PREFIX}{sid}{sep}{stamp}-{short}"),
                n => format!("{RESCUE_PREFIX}{sid}{sep}{stamp}-{short}-{n}"),
            };
            let out = git::run(path, &["update-ref", &name, &commit, ""], &[], None)
                .await
                .map_err(git_err)?;
            if out.ok {
                return Ok(name);
            }
            if !git::ref_exists(path, &name).await.map_err(git_err)? {
                return Err(WorkspaceError::Git {
                    operation: "update-ref (rescue)".into(),
                    detail: out.stderr,
                });
            }
        }
        Err(WorkspaceError::Git {
            operation: "update-ref (rescue)".into(),
            detail: format!("no free rescue ref name for {commit}"),
        })
    }

    /// The main checkout of the worktree at `path`.
    async fn main_checkout(path: &Path) -> Option<PathBuf> {
        let out = git::run(
            path,
            &["rev-parse", "--path-format=absolute", "--git-common-dir"],
            &[],
            None,
        )
        .await
        .ok()?;
        out.ok
            .then(|| PathBuf::from(out.stdout.trim()))
            .and_then(|d| d.parent().map(Path::to_path_buf))
    }
}

#[async_trait]
impl Workspace for WorktreeWorkspace {
    fn name(&self) -> &str {
        "worktree"
    }

    async fn create(&self, req: &WorkspaceRequest) -> Result<WorkspaceInfo, WorkspaceError> {
        if req.path.symlink_metadata().is_ok() {
            return Err(WorkspaceError::AlreadyExists {
                path: req.path.clone(),
            });
        }
        if let Some(parent) = req.path.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        let lock_path = self.lock_path(&req.repo_path);
        let guard =
            tokio::task::spawn_blocking(move || lock_exclusive(&lock_path).map(|g| (g, lock_path)))
                .await
                .map_err(|e| WorkspaceError::Io {
                    path: req.repo_path.clone(),
                    source: std::io::Error::other(e),
                })?
                .map_err(io_err(&req.repo_path))?;
        let added = self.add_worktree(req).await;
        drop(guard);
        let (created_branch, mut warnings) = added?;

        let rest = async {
            self.link(req, &mut warnings).await?;
            self.post_create(req).await
        }
        .await;
        if let Err(e) = rest {
            // Leave nothing behind: the worktree, and the branch when this call created it.
            self.remove_worktree(&req.repo_path, &req.path).await;
            if created_branch {
                let _ = git::run(
                    &req.repo_path,
                    &["branch", "-D", "--", &req.branch],
                    &[],
                    None,
                )
                .await;
            }
            return Err(e);
        }
        Ok(WorkspaceInfo {
            project_id: req.project_id.clone(),
            session_id: req.session_id.clone(),
            path: req.path.clone(),
            branch: req.branch.clone(),
            repo_path: req.repo_path.clone(),
            base_branch: req.base_branch.clone(),
            warnings,
        })
    }

    async fn exists(&self, info: &WorkspaceInfo) -> Result<bool, WorkspaceError> {
        Ok(info.path.join(".git").exists())
    }

    async fn unsaved_work(&self, info: &WorkspaceInfo) -> Result<UnsavedWork, WorkspaceError> {
        let path = info.path.as_path();
        if !self.exists(info).await? {
            return Ok(UnsavedWork::default());
        }
        let main = Self::main_checkout(path).await;
        let status = git::checked(
            path,
            &["status", "--porcelain=v1", "-z", "--untracked-files=all"],
        )
        .await
        .map_err(git_err)?;
        let mut files = Vec::new();
        let mut entries = status.split('\0').filter(|e| !e.is_empty());
        while let Some(entry) = entries.next() {
            let (code, file) = entry.split_at(entry.len().min(3));
            if code.starts_with('R') || code.starts_with('C') {
                entries.next(); // the original name of a rename or copy
            }
            // Our own symlinks into the main checkout hold nothing that could be lost.
            if code == "?? " {
                let full = path.join(file);
                if let (Ok(target), Some(main)) = (std::fs::read_link(&full), &main)
                    && target.starts_with(main)
                {
                    continue;
                }
            }
            files.push(file.to_string());
        }
        let mut exclude = vec!["--not".to_string(), "--remotes".to_string()];
        for base in [
            format!("refs/heads/{}", info.base_branch),
            format!("refs/remotes/origin/{}", info.base_branch),
        ] {
            if !info.base_branch.is_empty()
                && git::ref_exists(path, &base).await.map_err(git_err)?
            {
                exclude.push(base);
            }
        }
        let mut args = vec!["log", "--format=%h %s", "HEAD"];
        args.extend(exclude.iter().map(String::as_str));
        let has_head = git::ref_exists(path, "HEAD").await.map_err(git_err)?;
        let commits = if has_head {
            git::checked(path, &args)
                .await
                .map_err(git_err)?
                .lines()
                .map(str::to_string)
                .collect()
        } else {
            Vec::new()
        };
        Ok(UnsavedWork { files, commits })
    }

    async fn check_branch(&self, repo_path: &Path, branch: &str) -> Result<(), WorkspaceError> {
        let format = git::run(
            repo_path,
            &["check-ref-format", "--branch", branch],
            &[],
            None,
        )
        .await
        .map_err(git_err)?;
        if !format.ok {
            return Err(WorkspaceError::InvalidBranch {
                branch: branch.to_string(),
                reason: if format.stderr.trim().is_empty() {
                    "git check-ref-format refuses it".to_string()
                } else {
                    format.stderr.trim().to_string()
                },
            });
        }
        let list = git::checked(repo_path, &["worktree", "list", "--porcelain"])
            .await
            .map_err(git_err)?;
        let wanted = format!("branch refs/heads/{branch}");
        let mut path = None;
        for line in list.lines() {
            if let Some(p) = line.strip_prefix("worktree ") {
                path = Some(PathBuf::from(p));
            } else if line == wanted
                && let Some(p) = &path
                // A worktree whose directory is gone is pruned before `worktree add`.
                && p.exists()
            {
                return Err(WorkspaceError::BranchInUse {
                    branch: branch.to_string(),
                    path: p.clone(),
                });
            }
        }
        Ok(())
    }

    async fn rescues(
        &self,
        project_id: &ProjectId,
        repo_path: &Path,
    ) -> Result<Vec<Rescue>, WorkspaceError> {
        let out = git::checked(
            repo_path,
            &[
                "for-each-ref",
                "--sort=creatordate",
                "--format=%(refname)%09%(objectname)%09%(creatordate:iso-strict)",
                RESCUE_PREFIX,
            ],
        )
        .await
        .map_err(git_err)?;
        Ok(out
            .lines()
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let (reference, commit, created) = (fields.next()?, fields.next()?, fields.next()?);
                // `<sid>/<time>-<commit>`; `<sid>.<time>-<commit>` beside a ref of an older
                // `ao`, which named them just `<sid>`.
                let name = reference.strip_prefix(RESCUE_PREFIX)?;
                let session = name.split(['/', '.']).next().unwrap_or(name);
                Some(Rescue {
                    project_id: project_id.clone(),
                    session: session.to_string(),
                    reference: reference.to_string(),
                    commit: commit.to_string(),
                    created: created.to_string(),
                    repo_path: repo_path.to_path_buf(),
                })
            })
            .collect())
    }

    async fn is_merged(&self, info: &WorkspaceInfo) -> Result<bool, WorkspaceError> {
        let repo = info.repo_path.as_path();
        let target = format!("origin/{}", info.base_branch);
        Ok(git::has_moved_since_created(repo, &info.branch)
            .await
            .map_err(git_err)?
            && git::is_ancestor(repo, &info.branch, &target)
                .await
                .map_err(git_err)?)
    }

    async fn destroy(
        &self,
        info: &WorkspaceInfo,
        force: bool,
    ) -> Result<Destroyed, WorkspaceError> {
        let mut outcome = Destroyed::Removed;
        if self.exists(info).await? {
            let work = self.unsaved_work(info).await?;
            if !work.is_empty() {
                if !force {
                    return Err(WorkspaceError::UnsavedWork {
                        path: info.path.clone(),
                        work,
                    });
                }
                outcome = Destroyed::RemovedAfterRescue {
                    rescue_ref: self.rescue(info).await?,
                };
            }
            self.remove_worktree(&info.repo_path, &info.path).await;
        }
        let repo = info.repo_path.as_path();
        if !info.branch.is_empty()
            && git::ref_exists(repo, &format!("refs/heads/{}", info.branch))
                .await
                .map_err(git_err)?
        {
            let head = format!("refs/heads/{}", info.branch);
            let mut merged = false;
            for base in [
                format!("refs/remotes/origin/{}", info.base_branch),
                format!("refs/heads/{}", info.base_branch),
            ] {
                merged = merged
                    || git::is_ancestor(repo, &head, &base)
                        .await
                        .map_err(git_err)?;
            }
            if merged || force {
                // A branch left behind holds nothing unsaved (merged, or rescued when forced).
                let _ = git::run(repo, &["branch", "-D", "--", &info.branch], &[], None).await;
            }
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlink_entries_must_stay_inside() {
        assert!(is_safe_relative(".env"));
        assert!(is_safe_relative("config/local.toml"));
        for bad in ["", "/etc/passwd", "../x", "a/../../b", "~/.ssh"] {
            assert!(!is_safe_relative(bad), "{bad}");
        }
    }
}
