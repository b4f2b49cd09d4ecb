//! Whether a person is at a session's terminal: reactions never type over one.

use std::time::Duration;

use super::{Orchestrator, OrchestratorError, SendOptions};
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

    /// Delivers `message` on `ao`'s own initiative (a reaction, a notification, a fleet
    /// event): [`Orchestrator::send`] without force — refused into an open permission prompt —
    /// waiting at most `wait` for a busy agent, and refused with `PersonAttached` while a
    /// person is at the session's terminal.
    pub async fn send_unattended(
        &self,
        project_id: &ProjectId,
        id: &SessionId,
        message: &str,
        wait: Duration,
    ) -> Result<(), OrchestratorError> {
        if self.person_attached(project_id, id).await {
            return Err(OrchestratorError::PersonAttached {
                session: id.clone(),
            });
        }
        let options = SendOptions {
            wait: true,
            timeout: wait,
            force: false,
        };
        self.send(project_id, id, message, options).await
    }
}
