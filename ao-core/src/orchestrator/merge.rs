//! Merging a session's pull request, for the `auto-merge` reaction.
//!
//! The head is checked just before merging: a push after the approval would otherwise merge
//! commits nobody approved or tested.

use super::{Orchestrator, OrchestratorError};
use crate::domain::{PrRef, ProjectId};
use crate::plugin::{MergeMethod, ScmError};

impl Orchestrator {
    /// How `project_id` merges pull requests: its `approved-and-green` reaction's
    /// `mergeMethod` (squash when unset).
    pub fn merge_method(&self, project_id: &ProjectId) -> MergeMethod {
        self.config()
            .reactions(project_id.as_str())
            .ok()
            .and_then(|r| r.get("approved-and-green").map(|r| r.merge_method))
            .unwrap_or_default()
    }

    /// Merges pull request `number` of `project_id` with `method`, provided its head is
    /// still `head_sha` (when one is given).
    pub async fn merge_pr(
        &self,
        project_id: &ProjectId,
        number: u64,
        head_sha: Option<&str>,
        method: MergeMethod,
    ) -> Result<(), OrchestratorError> {
        let project = self.acting_on(project_id)?;
        let Some((scm, ctx)) = self.scm_for(project)? else {
            return Err(ScmError::Unsupported {
                operation: "merge (the project has no `repo`)",
                implementer: "none".to_string(),
            }
            .into());
        };
        if let Some(expected) = head_sha {
            let pr = PrRef {
                repo: Some(ctx.repo.clone()),
                number,
                url: None,
            };
            let now = scm.resolve_pr(&ctx, &pr).await?;
            if now.head_sha.as_deref() != Some(expected) {
                return Err(ScmError::Refused {
                    scm: scm.name().to_string(),
                    detail: format!(
                        "the head of #{number} moved from {expected} to {} since it was approved and green",
                        now.head_sha.as_deref().unwrap_or("(unknown)")
                    ),
                }
                .into());
            }
        }
        scm.merge(&ctx, number, method).await?;
        Ok(())
    }
}
