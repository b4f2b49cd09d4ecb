//! Whether a person is at a session's terminal: reactions never type over one.

use super::Orchestrator;
use crate::domain::{ProjectId, SessionId};

impl Orchestrator {
    /// Whether a person's terminal is attached to the session; `false` when the runtime
    /// cannot tell or the session has no runtime (the send path then decides).
    pub async fn person_attached(&self, project_id: &ProjectId, id: &SessionId) -> bool {
        let Ok(record) = self.record(project_id, id).await else {
            return false;
        };
        let Some(handle) = record.runtime else {
            return false;
        };
        let Ok(runtime) = self.runtime_of(&handle) else {
            return false;
        };
        runtime
            .attached(&handle)
            .await
            .ok()
            .flatten()
            .unwrap_or(false)
    }
}
