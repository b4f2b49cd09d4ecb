//! The documents the page is drawn from: the fleet grouped by project, orchestrators apart.

use ao_core::domain::{ProjectId, Role, Timestamp};
use ao_core::fleet::Fleet;
use ao_core::lifecycle::daemon::DaemonInfo;
use ao_core::orchestrator::{Observation, RemoteMeta, SessionView};
use serde::Serialize;

/// A project as the page names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectInfo {
    /// Its id.
    pub id: ProjectId,
    /// Its display name.
    pub name: String,
    /// Its `owner/name` on the forge, when it has one.
    pub repo: Option<String>,
}

impl ProjectInfo {
    /// Every project of `fleet`.
    pub fn of_fleet(fleet: &Fleet) -> Vec<Self> {
        fleet
            .projects()
            .map(|p| Self {
                id: p.id.clone(),
                name: p.name.clone(),
                repo: p.repo.clone(),
            })
            .collect()
    }
}

/// One project's sessions: its orchestrators (no pull request columns) and its workers.
#[derive(Debug, Serialize)]
pub struct ProjectDoc<'a> {
    /// The project.
    #[serde(flatten)]
    pub project: ProjectInfo,
    /// Its orchestrator sessions.
    pub orchestrators: Vec<&'a SessionView>,
    /// Its workers.
    pub workers: Vec<&'a SessionView>,
}

/// What the fleet page shows: the same session views `ao status --json` prints, by project.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetDoc<'a> {
    /// When the look was taken.
    pub at: Timestamp,
    /// Every project, in the fleet's order.
    pub projects: Vec<ProjectDoc<'a>>,
    /// What could not be looked at.
    pub warnings: &'a [String],
    /// How fresh the forge's answers are, per repository.
    pub remote: Option<&'a RemoteMeta>,
    /// The daemon's own account, when one runs.
    pub daemon: Option<&'a DaemonInfo>,
}

impl<'a> FleetDoc<'a> {
    /// Groups `seen` by the projects of `projects` (a session of a project not listed gets a
    /// group of its own, so nothing seen is hidden).
    pub fn build(
        projects: &[ProjectInfo],
        seen: &'a Observation,
        daemon: Option<&'a DaemonInfo>,
        at: Timestamp,
    ) -> Self {
        let mut groups: Vec<ProjectDoc<'a>> = projects
            .iter()
            .map(|p| ProjectDoc {
                project: p.clone(),
                orchestrators: Vec::new(),
                workers: Vec::new(),
            })
            .collect();
        for view in &seen.sessions {
            let i = match groups.iter().position(|g| g.project.id == view.project_id) {
                Some(i) => i,
                None => {
                    groups.push(ProjectDoc {
                        project: ProjectInfo {
                            id: view.project_id.clone(),
                            name: view.project_id.to_string(),
                            repo: None,
                        },
                        orchestrators: Vec::new(),
                        workers: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            match view.role {
                Role::Orchestrator => groups[i].orchestrators.push(view),
                Role::Worker => groups[i].workers.push(view),
            }
        }
        Self {
            at,
            projects: groups,
            warnings: &seen.warnings,
            remote: seen.remote.as_ref(),
            daemon,
        }
    }

    /// The document as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

/// One Server-Sent Events message: `event: <kind>` and the JSON on one `data:` line (JSON
/// text has no raw newline, so it never needs splitting).
pub fn sse_frame(kind: &str, json: &str) -> String {
    format!("event: {kind}\ndata: {json}\n\n")
}
