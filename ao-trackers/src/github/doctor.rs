//! What `ao doctor` asks of GitHub: is there a token, does the API answer, can the project's
//! repository be read, how much budget is left. The probes return facts; rendering is the
//! caller's.

use serde::Deserialize;

use super::budget::RateBudget;
use super::client::GitHubClient;
use super::documents::VIEWER_PROBE;
use super::error::GitHubError;
use super::routes::{GET_REPOSITORY, split_repo};
use super::token::TokenSource;
use super::wire::RepositoryJson;

/// What the probes found.
#[derive(Debug)]
#[non_exhaustive]
pub struct DoctorReport {
    /// The REST API base URL probed.
    pub api_url: String,
    /// Where the token came from; `None`: requests go unauthenticated.
    pub token_source: Option<TokenSource>,
    /// A warning-level fact to show (no token), if any.
    pub warning: Option<&'static str>,
    /// Whether the API answered (`GET /rate_limit`, which costs nothing).
    pub reachable: Result<(), GitHubError>,
    /// The token's account (GraphQL `viewer`); `None` without a token or when the API did not
    /// answer.
    pub viewer: Option<Result<String, GitHubError>>,
    /// Whether the repository can be read; `None` when none was named or the API did not
    /// answer.
    pub repository: Option<Result<RepositoryAccess, GitHubError>>,
    /// The budget after the probes.
    pub budget: RateBudget,
}

/// What the token may do with a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryAccess {
    /// `owner/name` as GitHub spells it (a renamed repository answers with its new name).
    pub full_name: String,
    /// Whether it is private.
    pub private: bool,
    /// Whether it has issues turned on.
    pub has_issues: bool,
    /// Whether the token may push; `None` when GitHub did not say (no token).
    pub can_push: Option<bool>,
}

#[derive(Deserialize)]
struct ViewerData {
    viewer: Viewer,
}

#[derive(Deserialize)]
struct Viewer {
    login: String,
}

impl GitHubClient {
    /// Probes the API, the token and `repo` (`owner/name`) for `ao doctor`. Costs at most one
    /// REST read and one GraphQL query against the budget.
    pub async fn doctor(&self, repo: Option<&str>) -> DoctorReport {
        let reachable = match self.refresh_budget().await {
            // An Enterprise server with rate limiting turned off has no /rate_limit.
            Ok(_) | Err(GitHubError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        };
        let answered = !matches!(
            reachable,
            Err(GitHubError::Unavailable { .. } | GitHubError::Timeout { .. })
        );
        let viewer = match (answered, self.token_source()) {
            (true, Some(_)) => Some(
                self.graphql::<ViewerData>(&VIEWER_PROBE, serde_json::json!({}))
                    .await
                    .map(|d| d.viewer.login),
            ),
            _ => None,
        };
        let repository = match (answered, repo) {
            (true, Some(repo)) => Some(self.probe_repository(repo).await),
            _ => None,
        };
        DoctorReport {
            api_url: self.endpoints().api().to_string(),
            token_source: self.token_source(),
            warning: self.unauthenticated_warning(),
            reachable,
            viewer,
            repository,
            budget: self.budget(),
        }
    }

    async fn probe_repository(&self, repo: &str) -> Result<RepositoryAccess, GitHubError> {
        let (owner, name) = split_repo(repo)?;
        let r: RepositoryJson = self.get(&GET_REPOSITORY, &[owner, name], &[]).await?;
        Ok(RepositoryAccess {
            full_name: r.full_name,
            private: r.private,
            has_issues: r.has_issues,
            can_push: r.permissions.map(|p| p.push),
        })
    }
}
