//! What the facade did: spawns, starts, kills, cleanups, observations — and what a crash left.

use std::path::PathBuf;

use serde::Serialize;

use super::view::SessionView;
use crate::domain::{LaunchSpec, ProjectId, SessionId};
use crate::plugin::{Destroyed, RuntimeHandle};
use crate::store::{CorruptRecord, SessionRecord};

/// A spawned (or dry-run) worker.
#[derive(Debug, Clone, PartialEq)]
pub struct SpawnOutcome {
    /// The session's record (as stored, or as it would be).
    pub record: SessionRecord,
    /// What was (or would be) started.
    pub launch: LaunchSpec,
    /// Things worth telling the person.
    pub warnings: Vec<String>,
}

/// What `start_orchestrator` did.
#[derive(Debug, Clone, PartialEq)]
pub enum StartOutcome {
    /// A new orchestrator was started.
    Started(SessionRecord),
    /// A live orchestrator was kept (`reuse`).
    Reused(SessionRecord),
    /// A dead orchestrator was relaunched in place (`reuse`).
    Restored(SessionRecord),
    /// An existing orchestrator was left alone and nothing started (`ignore`).
    Ignored(SessionRecord),
}

impl StartOutcome {
    /// The orchestrator's record.
    pub fn record(&self) -> &SessionRecord {
        match self {
            Self::Started(r) | Self::Reused(r) | Self::Restored(r) | Self::Ignored(r) => r,
        }
    }
}

/// What `kill` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KillOutcome {
    /// The session that was killed.
    pub id: SessionId,
    /// What happened to its workspace (none for orchestrators, a gone workspace, or one
    /// kept on purpose).
    pub workspace: Option<Destroyed>,
    /// The workspace kept by [`super::KillMode::KeepWorkspace`], with the work it holds.
    pub kept: Option<(std::path::PathBuf, crate::plugin::UnsavedWork)>,
}

/// One session, or one thing a crash left behind, in a cleanup report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CleanupEntry {
    /// The session (none for a stray launch handoff).
    pub id: Option<SessionId>,
    /// The project, when known.
    pub project_id: Option<ProjectId>,
    /// What a crash left behind; none for a session with a record.
    pub kind: Option<OrphanKind>,
    /// Its file or directory, for things a crash left behind.
    pub path: Option<PathBuf>,
    /// Why it was (or would be) cleaned, or why it was kept.
    pub reason: String,
}

/// What `cleanup` did (or would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CleanupReport {
    /// Cleaned (with `dry_run`: would be cleaned).
    pub cleaned: Vec<CleanupEntry>,
    /// Candidates kept because they hold unsaved work, or because a person should decide (a
    /// pull request closed without merging).
    pub kept: Vec<CleanupEntry>,
    /// What could not be looked at (a forge that could not be asked: its last known answers
    /// were used).
    pub warnings: Vec<String>,
}

/// What a crash can leave behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrphanKind {
    /// A runtime session (e.g. tmux) tagged with this `AO_HOME` that no record names.
    RuntimeSession,
    /// A worktree under `AO_HOME` that no record owns.
    Worktree,
    /// A record of a spawn whose creating process died before it finished.
    InterruptedSpawn,
    /// A launch handoff (or an older `ao`'s launch spec file) that no program fetched.
    LaunchHandoff,
}

/// Something a crash left behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Orphan {
    /// What it is.
    pub kind: OrphanKind,
    /// The project it belongs to, when known.
    pub project_id: Option<ProjectId>,
    /// The session it was (or would have been), when known.
    pub session: Option<SessionId>,
    /// Its file or directory, when it has one.
    pub path: Option<PathBuf>,
    /// What it is, in words.
    pub detail: String,
    /// Where a runtime session runs.
    #[serde(skip)]
    pub handle: Option<RuntimeHandle>,
}

/// What one observation found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Observation {
    /// The sessions the filter shows.
    pub sessions: Vec<SessionView>,
    /// Records that could not be read (set aside in `sessions/corrupt/`).
    pub corrupt: Vec<CorruptRecord>,
    /// What crashes left behind.
    pub orphans: Vec<Orphan>,
    /// What could not be looked at, and why (a runtime or agent adapter that is not available,
    /// an adapter that failed): those sessions show what their record last said.
    pub warnings: Vec<String>,
    /// What the forge said, per repository, when it was asked (`status`); `None` otherwise.
    pub remote: Option<super::remote::RemoteMeta>,
}
