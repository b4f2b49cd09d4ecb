//! What `ao doctor` asks of Linear: does the key work (the viewer query, which also shows that
//! the API answers), can the project's team be read, how much budget is left. The probes return
//! facts; turning them into findings is the tracker's.

use super::budget::RateBudget;
use super::client::LinearClient;
use super::documents::{TEAM, TEAM_BY_KEY, VIEWER, is_uuid};
use super::error::LinearError;
use super::key::{KeyKind, KeySource};
use super::wire::{TeamData, TeamJson, TeamsData, ViewerData};

/// What the probes found.
#[derive(Debug)]
#[non_exhaustive]
pub struct DoctorReport {
    /// The endpoint probed.
    pub api_url: String,
    /// Where the key came from; `None`: there is none (and nothing was probed).
    pub key_source: Option<KeySource>,
    /// The key's kind.
    pub key_kind: Option<KeyKind>,
    /// Whose key it is (`viewer`); `None` without a key.
    pub viewer: Option<Result<Viewer, LinearError>>,
    /// Whether the team can be read; `None` when none was named or the API did not answer.
    pub team: Option<Result<TeamAccess, LinearError>>,
    /// The budget after the probes.
    pub budget: RateBudget,
}

/// The key's user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The user's full name.
    pub name: String,
    /// The user's display (nick) name.
    pub display_name: String,
}

/// A team the key can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamAccess {
    /// The team's id.
    pub id: String,
    /// The team's key (`INT`), the prefix of its issues' identifiers.
    pub key: String,
    /// The team's name.
    pub name: String,
}

impl LinearClient {
    /// Probes the key, the API and `team_id` for `ao doctor`: at most two requests, none without
    /// a key (Linear answers nothing without one).
    pub async fn doctor(&self, team_id: Option<&str>) -> DoctorReport {
        let viewer = match self.key_source() {
            Some(_) => Some(
                self.graphql::<ViewerData>(&VIEWER, serde_json::json!({}))
                    .await
                    .map(|d| Viewer {
                        name: d.viewer.name,
                        display_name: d.viewer.display_name,
                    }),
            ),
            None => None,
        };
        let usable = matches!(viewer, Some(Ok(_)));
        let team = match (usable, team_id) {
            (true, Some(id)) => Some(self.team(id).await.map(|t| TeamAccess {
                id: t.id,
                key: t.key,
                name: t.name,
            })),
            _ => None,
        };
        DoctorReport {
            api_url: self.endpoint().url().to_string(),
            key_source: self.key_source(),
            key_kind: self.key_kind(),
            viewer,
            team,
            budget: self.budget(),
        }
    }

    /// The team `id` names: its UUID (`team(id:)`), else its key (`teams` filtered by key, as
    /// people know teams by their key); `NotFound` when the key names none the key's user sees.
    async fn team(&self, id: &str) -> Result<TeamJson, LinearError> {
        if is_uuid(id) {
            return self
                .graphql::<TeamData>(&TEAM, serde_json::json!({ "id": id }))
                .await
                .map(|d| d.team);
        }
        let found: TeamsData = self
            .graphql(&TEAM_BY_KEY, serde_json::json!({ "key": id }))
            .await?;
        found
            .teams
            .nodes
            .into_iter()
            .next()
            .ok_or_else(|| LinearError::NotFound {
                what: TEAM_BY_KEY.name.to_string(),
                detail: format!("no team with the key {id}"),
            })
    }
}
