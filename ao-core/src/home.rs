//! `AO_HOME`: where `ao` keeps everything it owns, and the layout inside it.
//!
//! It defaults to `$XDG_STATE_HOME/ao` (`~/.local/state/ao`) — deliberately apart from the
//! reference tool's directories, which `ao` never reads or writes.

use std::path::{Path, PathBuf};

use crate::domain::{ProjectId, SessionId};

/// No usable `AO_HOME`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot locate AO_HOME: set AO_HOME, XDG_STATE_HOME or HOME")]
pub struct HomeError;

/// The root of `ao`'s state, with the paths of everything in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AoHome {
    root: PathBuf,
}

impl AoHome {
    /// A home at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// `AO_HOME`, else `$XDG_STATE_HOME/ao`, else `~/.local/state/ao`.
    pub fn from_env() -> Result<Self, HomeError> {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(home) = var("AO_HOME") {
            return Ok(Self::new(home));
        }
        if let Some(state) = var("XDG_STATE_HOME").filter(|p| p.is_absolute()) {
            return Ok(Self::new(state.join("ao")));
        }
        var("HOME")
            .map(|h| Self::new(h.join(".local/state/ao")))
            .ok_or(HomeError)
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The project registry file.
    pub fn projects_file(&self) -> PathBuf {
        self.root.join("projects.json")
    }

    /// Everything of one project.
    pub fn project_dir(&self, project: &ProjectId) -> PathBuf {
        self.root.join("projects").join(project.as_str())
    }

    /// Live session records.
    pub fn sessions_dir(&self, project: &ProjectId) -> PathBuf {
        self.project_dir(project).join("sessions")
    }

    /// Archived session records.
    pub fn archive_dir(&self, project: &ProjectId) -> PathBuf {
        self.project_dir(project).join("archive")
    }

    /// The worktree of a session.
    pub fn worktree_dir(&self, project: &ProjectId, session: &SessionId) -> PathBuf {
        self.project_dir(project)
            .join("worktrees")
            .join(session.as_str())
    }

    /// The session whose worktree holds `path` (`<root>/projects/<p>/worktrees/<sid>/…`),
    /// comparing real paths.
    pub fn session_at(&self, path: &Path) -> Option<(ProjectId, SessionId)> {
        let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let projects = real(&self.root.join("projects"));
        let rest = real(path);
        let mut parts = rest.strip_prefix(&projects).ok()?.components();
        let project = parts.next()?.as_os_str().to_str()?;
        if parts.next()?.as_os_str() != "worktrees" {
            return None;
        }
        let session = parts.next()?.as_os_str().to_str()?;
        Some((ProjectId::new(project).ok()?, SessionId::new(session).ok()?))
    }

    /// Launch specs and prompt files (0600).
    pub fn launch_dir(&self, project: &ProjectId) -> PathBuf {
        self.project_dir(project).join("launch")
    }

    /// Hook events of one session, appended by `ao hook`.
    pub fn events_file(&self, project: &ProjectId, session: &SessionId) -> PathBuf {
        self.project_dir(project)
            .join("events")
            .join(format!("{session}.ndjson"))
    }

    /// The global event log.
    pub fn event_log(&self) -> PathBuf {
        self.root.join("events.ndjson")
    }

    /// The lifecycle daemon's pid, lock and log.
    pub fn daemon_dir(&self) -> PathBuf {
        self.root.join("daemon")
    }
}

impl crate::error::Classify for HomeError {
    fn class(&self) -> crate::error::ErrorClass {
        crate::error::ErrorClass::Failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_in_a_session_worktree_names_the_session() {
        let tmp = tempfile::tempdir().unwrap();
        let home = AoHome::new(tmp.path().join("ao-home"));
        let (p, s) = (
            ProjectId::new("app").unwrap(),
            SessionId::new("app-3").unwrap(),
        );
        let deep = home.worktree_dir(&p, &s).join("src/lib");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(home.session_at(&deep), Some((p.clone(), s.clone())));
        assert_eq!(
            home.session_at(&home.worktree_dir(&p, &s)),
            Some((p.clone(), s))
        );
        assert_eq!(home.session_at(&home.project_dir(&p)), None);
        assert_eq!(home.session_at(tmp.path()), None);
    }
}
