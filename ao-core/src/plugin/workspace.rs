//! `Workspace`: an isolated checkout per session that never loses work.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::{ProjectId, SessionId};

/// What to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceRequest {
    /// The project the workspace is for.
    pub project_id: ProjectId,
    /// The session that will work in the workspace.
    pub session_id: SessionId,
    /// The project's main checkout.
    pub repo_path: PathBuf,
    /// Where the workspace goes.
    pub path: PathBuf,
    /// The session's branch.
    pub branch: String,
    /// The branch it starts from.
    pub base_branch: String,
    /// Files to symlink from the main checkout (relative paths).
    pub symlinks: Vec<String>,
    /// Commands to run in the new workspace (only for trusted configs).
    pub post_create: Vec<String>,
    /// The branch already exists on the forge (a claimed pull request's head): it is fetched
    /// and checked out from there rather than created from the base branch.
    pub existing_branch: bool,
}

/// A created workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceInfo {
    /// The project the workspace belongs to.
    pub project_id: ProjectId,
    /// The session that works in the workspace.
    pub session_id: SessionId,
    /// The workspace's directory (the request's `path`).
    pub path: PathBuf,
    /// The branch checked out in the workspace: the session's branch.
    pub branch: String,
    /// The project's main checkout.
    #[serde(default)]
    pub repo_path: PathBuf,
    /// The branch it started from (its commits are not unsaved work).
    #[serde(default)]
    pub base_branch: String,
    /// Things worth telling the person (e.g. a fetch that failed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Work that exists only in a workspace: uncommitted files and commits on no remote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsavedWork {
    /// Changed or untracked (not ignored) files.
    pub files: Vec<String>,
    /// Commits (`<sha> <subject>`) in no remote-tracking branch and not in the default branch.
    pub commits: Vec<String>,
}

impl UnsavedWork {
    /// Whether there is nothing to lose.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.commits.is_empty()
    }
}

/// What `destroy` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destroyed {
    /// Removed; there was nothing unsaved.
    Removed,
    /// Removed after saving the unsaved work under this ref.
    RemovedAfterRescue {
        /// The rescue ref, new and never reused (`refs/ao/rescue/<sid>/<UTC time>-<commit>`).
        rescue_ref: String,
    },
}

/// Unsaved work a forced removal saved: a commit of the whole workspace under a ref of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rescue {
    /// The project whose repository holds the ref.
    pub project_id: ProjectId,
    /// The session whose workspace it saved, as the ref names it.
    pub session: String,
    /// The ref (`refs/ao/rescue/…`).
    pub reference: String,
    /// The commit it points at.
    pub commit: String,
    /// When it was made (RFC 3339).
    pub created: String,
    /// The repository that holds the ref (the project's main checkout).
    pub repo_path: PathBuf,
}

/// Why a workspace operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkspaceError {
    /// The workspace kind does not offer this capability.
    #[error("{implementer} does not support {operation}")]
    Unsupported {
        /// The capability asked for, in words (e.g. `merge check`).
        operation: &'static str,
        /// The workspace kind.
        implementer: String,
    },
    /// Removal refused: the workspace holds work that exists nowhere else.
    #[error("{} has unsaved work ({} file(s), {} commit(s))", path.display(), work.files.len(), work.commits.len())]
    UnsavedWork {
        /// The directory of the workspace that was not removed.
        path: PathBuf,
        /// What would be lost.
        work: UnsavedWork,
    },
    /// The branch name is one git does not accept.
    #[error("`{branch}` is not a valid branch name: {reason}")]
    InvalidBranch {
        /// The name asked for.
        branch: String,
        /// What git said.
        reason: String,
    },
    /// The branch is checked out in another worktree, where git will not take it from.
    #[error("branch `{branch}` is checked out at {}", path.display())]
    BranchInUse {
        /// The branch asked for.
        branch: String,
        /// The worktree that has it.
        path: PathBuf,
    },
    /// Something is already at the target path.
    #[error("{} already exists", path.display())]
    AlreadyExists {
        /// The target path, where something already exists.
        path: PathBuf,
    },
    /// A `postCreate` command failed; the workspace was rolled back.
    #[error("postCreate command `{command}` failed: {output}")]
    PostCreate {
        /// The `postCreate` command that failed, as configured.
        command: String,
        /// What it printed.
        output: String,
    },
    /// A git command failed.
    #[error("git {operation} failed: {detail}")]
    Git {
        /// The git operation.
        operation: String,
        /// What git said.
        detail: String,
    },
    /// File system trouble.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory the operation failed on.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

/// A checkout provider.
///
/// Contract:
/// - `create` MUST leave nothing behind when it fails (including after a failed `postCreate`).
/// - `unsaved_work` MUST report every uncommitted change and every commit not on a remote or
///   the default branch.
/// - `destroy` MUST refuse with `UnsavedWork` while there is unsaved work unless `force`; with
///   `force` it MUST first save that work under a rescue ref that is new (no earlier rescue,
///   of this or any other `AO_HOME`, is ever overwritten) and that `rescues` lists.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Workspace: Send + Sync + 'static {
    /// The workspace kind's config name.
    fn name(&self) -> &str;

    /// Creates the workspace.
    async fn create(&self, req: &WorkspaceRequest) -> Result<WorkspaceInfo, WorkspaceError>;

    /// Whether the workspace still exists.
    async fn exists(&self, info: &WorkspaceInfo) -> Result<bool, WorkspaceError>;

    /// What would be lost by removing it.
    async fn unsaved_work(&self, info: &WorkspaceInfo) -> Result<UnsavedWork, WorkspaceError>;

    /// Removes the workspace (see the contract about unsaved work).
    async fn destroy(&self, info: &WorkspaceInfo, force: bool)
    -> Result<Destroyed, WorkspaceError>;

    /// Whether a session could work on `branch` in the repository at `repo_path` — asked before
    /// anything is created, so a bad name costs nothing. The default accepts every name.
    async fn check_branch(&self, repo_path: &Path, branch: &str) -> Result<(), WorkspaceError> {
        let _ = (repo_path, branch);
        Ok(())
    }

    /// The rescues kept in the repository at `repo_path`, oldest first. `Unsupported` when
    /// this kind of workspace keeps none.
    async fn rescues(
        &self,
        project_id: &ProjectId,
        repo_path: &Path,
    ) -> Result<Vec<Rescue>, WorkspaceError> {
        let _ = (project_id, repo_path);
        Err(WorkspaceError::Unsupported {
            operation: "rescue listing",
            implementer: self.name().to_string(),
        })
    }

    /// Whether the workspace's branch was merged: it moved since the workspace was made, and
    /// its head is contained in `origin/<base branch>`. `Unsupported` when this kind of
    /// workspace cannot tell (then nothing is cleaned up as merged).
    async fn is_merged(&self, info: &WorkspaceInfo) -> Result<bool, WorkspaceError> {
        let _ = info;
        Err(WorkspaceError::Unsupported {
            operation: "merge check",
            implementer: self.name().to_string(),
        })
    }
}

/// A workspace for tests: a plain directory at the requested path, no git. Every file in it
/// counts as unsaved work (a fresh one is empty), so it passes the same conformance suite as
/// the worktree workspace; a forced removal keeps the names of the files it rescued. Extra
/// unsaved work and failures can be injected per session.
#[derive(Debug, Default)]
pub struct FakeWorkspace {
    live: Mutex<HashMap<String, WorkspaceInfo>>,
    unsaved: Mutex<HashMap<String, UnsavedWork>>,
    rescued: Mutex<HashMap<String, Vec<String>>>,
    rescues: Mutex<Vec<Rescue>>,
    fail_create: Mutex<bool>,
}

/// Every file under `dir`, as sorted paths relative to it.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                out.push(rel.display().to_string());
            }
        }
    }
    out.sort();
    out
}

impl FakeWorkspace {
    /// An empty fake.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the next `create` fail.
    pub fn fail_next_create(&self) {
        if let Ok(mut f) = self.fail_create.lock() {
            *f = true;
        }
    }

    /// Adds unsaved work a session's workspace reports beside its files.
    pub fn set_unsaved(&self, session: &str, work: UnsavedWork) {
        if let Ok(mut u) = self.unsaved.lock() {
            u.insert(session.to_string(), work);
        }
    }

    /// Sessions whose workspace exists.
    pub fn live(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .live
            .lock()
            .map(|m| {
                m.iter()
                    .filter(|(_, info)| info.path.is_dir())
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }

    /// The files a forced removal of a session's workspace rescued.
    pub fn rescued(&self, session: &str) -> Vec<String> {
        self.rescued
            .lock()
            .ok()
            .and_then(|r| r.get(session).cloned())
            .unwrap_or_default()
    }

    fn poisoned(path: &std::path::Path) -> WorkspaceError {
        WorkspaceError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other("fake workspace state poisoned"),
        }
    }
}

#[async_trait]
impl Workspace for FakeWorkspace {
    fn name(&self) -> &str {
        "fake"
    }

    async fn create(&self, req: &WorkspaceRequest) -> Result<WorkspaceInfo, WorkspaceError> {
        if std::mem::take(
            &mut *self
                .fail_create
                .lock()
                .map_err(|_| Self::poisoned(&req.path))?,
        ) {
            return Err(WorkspaceError::Git {
                operation: "worktree add".into(),
                detail: "injected failure".into(),
            });
        }
        if req.path.exists() {
            return Err(WorkspaceError::AlreadyExists {
                path: req.path.clone(),
            });
        }
        std::fs::create_dir_all(&req.path).map_err(|source| WorkspaceError::Io {
            path: req.path.clone(),
            source,
        })?;
        let info = WorkspaceInfo {
            project_id: req.project_id.clone(),
            session_id: req.session_id.clone(),
            path: req.path.clone(),
            branch: req.branch.clone(),
            repo_path: req.repo_path.clone(),
            base_branch: req.base_branch.clone(),
            warnings: Vec::new(),
        };
        self.live
            .lock()
            .map_err(|_| Self::poisoned(&req.path))?
            .insert(req.session_id.to_string(), info.clone());
        Ok(info)
    }

    async fn exists(&self, info: &WorkspaceInfo) -> Result<bool, WorkspaceError> {
        Ok(info.path.is_dir())
    }

    async fn unsaved_work(&self, info: &WorkspaceInfo) -> Result<UnsavedWork, WorkspaceError> {
        let mut work = self
            .unsaved
            .lock()
            .map_err(|_| Self::poisoned(&info.path))?
            .get(info.session_id.as_str())
            .cloned()
            .unwrap_or_default();
        work.files.extend(files_under(&info.path));
        work.files.sort();
        work.files.dedup();
        Ok(work)
    }

    async fn destroy(
        &self,
        info: &WorkspaceInfo,
        force: bool,
    ) -> Result<Destroyed, WorkspaceError> {
        if !info.path.exists() {
            return Ok(Destroyed::Removed);
        }
        let work = self.unsaved_work(info).await?;
        if !work.is_empty() && !force {
            return Err(WorkspaceError::UnsavedWork {
                path: info.path.clone(),
                work,
            });
        }
        let mut rescue_ref = None;
        if !work.is_empty() {
            self.rescued
                .lock()
                .map_err(|_| Self::poisoned(&info.path))?
                .insert(info.session_id.to_string(), work.files.clone());
            let mut rescues = self
                .rescues
                .lock()
                .map_err(|_| Self::poisoned(&info.path))?;
            let n = rescues.len() + 1;
            let reference = format!("refs/ao/rescue/{}/{n}", info.session_id);
            rescues.push(Rescue {
                project_id: info.project_id.clone(),
                session: info.session_id.to_string(),
                reference: reference.clone(),
                commit: format!("{n:040x}"),
                created: crate::domain::Timestamp::now().to_string(),
                repo_path: info.repo_path.clone(),
            });
            rescue_ref = Some(reference);
        }
        std::fs::remove_dir_all(&info.path).map_err(|source| WorkspaceError::Io {
            path: info.path.clone(),
            source,
        })?;
        self.unsaved
            .lock()
            .map_err(|_| Self::poisoned(&info.path))?
            .remove(info.session_id.as_str());
        Ok(match rescue_ref {
            None => Destroyed::Removed,
            Some(rescue_ref) => Destroyed::RemovedAfterRescue { rescue_ref },
        })
    }

    async fn rescues(
        &self,
        project_id: &ProjectId,
        repo_path: &Path,
    ) -> Result<Vec<Rescue>, WorkspaceError> {
        Ok(self
            .rescues
            .lock()
            .map_err(|_| Self::poisoned(repo_path))?
            .iter()
            .filter(|r| &r.project_id == project_id && r.repo_path == repo_path)
            .cloned()
            .collect())
    }
}

impl crate::error::Classify for WorkspaceError {
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass as C;
        match self {
            Self::UnsavedWork { .. } | Self::BranchInUse { .. } => C::Refused,
            Self::InvalidBranch { .. } => C::InvalidInput,
            Self::Unsupported { .. } => C::Unavailable,
            Self::AlreadyExists { .. }
            | Self::PostCreate { .. }
            | Self::Git { .. }
            | Self::Io { .. } => C::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(dir: &std::path::Path, id: &str) -> WorkspaceRequest {
        WorkspaceRequest {
            project_id: ProjectId::new("app").unwrap(),
            session_id: SessionId::new(id).unwrap(),
            repo_path: "/repo".into(),
            path: dir.join(id),
            branch: format!("session/{id}"),
            base_branch: "main".into(),
            symlinks: vec![],
            post_create: vec![],
            existing_branch: false,
        }
    }

    #[tokio::test]
    async fn the_fake_honours_the_unsaved_work_contract() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = FakeWorkspace::new();
        let info = ws.create(&request(tmp.path(), "app-1")).await.unwrap();
        ws.set_unsaved(
            "app-1",
            UnsavedWork {
                files: vec![],
                commits: vec!["abc wip".into()],
            },
        );
        std::fs::write(info.path.join("a.rs"), "x").unwrap();
        assert!(matches!(
            ws.destroy(&info, false).await,
            Err(WorkspaceError::UnsavedWork { .. })
        ));
        assert!(ws.exists(&info).await.unwrap());
        let done = ws.destroy(&info, true).await.unwrap();
        assert_eq!(
            done,
            Destroyed::RemovedAfterRescue {
                rescue_ref: "refs/ao/rescue/app-1/1".into()
            }
        );
        assert_eq!(ws.rescued("app-1"), ["a.rs"]);
        assert!(!ws.exists(&info).await.unwrap());
        ws.fail_next_create();
        assert!(ws.create(&request(tmp.path(), "app-2")).await.is_err());
        assert!(ws.create(&request(tmp.path(), "app-2")).await.is_ok());
        assert_eq!(ws.live(), ["app-2"]);
    }
}
