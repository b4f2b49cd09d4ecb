//! `orchestrator`: hands a notification to the project's orchestrator session as a message,
//! through the normal `send` path, so the supervising agent can act on an escalation before a
//! person is bothered. When no orchestrator runs, or it cannot take the message now (busy past
//! the wait, waiting for an answer, a person attached), delivery fails and the route goes on
//! to the next notifier.

use std::time::Duration;

use async_trait::async_trait;

use crate::domain::{Notification, SessionId};
use crate::orchestrator::{Orchestrator, OrchestratorError};
use crate::plugin::{Delivered, Notifier, NotifierError};

/// How long a busy orchestrator is waited for before the notification falls through.
const SEND_WAIT: Duration = Duration::from_secs(5);

/// Sends notifications to the project's orchestrator session.
#[derive(Debug)]
pub struct OrchestratorNotifier {
    name: String,
    orch: Orchestrator,
}

impl OrchestratorNotifier {
    /// A notifier sending through `orch`.
    pub fn new(name: &str, orch: Orchestrator) -> Self {
        Self {
            name: name.to_string(),
            orch,
        }
    }

    fn refused(&self, detail: impl Into<String>) -> NotifierError {
        NotifierError::Delivery {
            notifier: self.name.clone(),
            detail: detail.into(),
        }
    }
}

/// The message the orchestrator agent receives for `n`.
pub(crate) fn message(n: &Notification) -> String {
    let mut text = format!(
        "[ao notification, {}] {} ({})\n\n{}",
        n.priority.as_str(),
        n.title,
        super::text::whereabouts(n),
        n.message.trim_end()
    );
    for link in &n.links {
        text.push_str(&format!("\n{}: {}", link.label, link.url));
    }
    text
}

#[async_trait]
impl Notifier for OrchestratorNotifier {
    fn name(&self) -> &str {
        &self.name
    }

    async fn notify(&self, n: &Notification) -> Result<Delivered, NotifierError> {
        let project = self
            .orch
            .config()
            .project(n.project_id.as_str())
            .ok_or_else(|| {
                self.refused(format!("project {} is not in this config", n.project_id))
            })?;
        let id = SessionId::orchestrator(&project.session_prefix)
            .map_err(|e| self.refused(e.to_string()))?;
        if n.session_id.as_ref() == Some(&id) {
            return Err(self.refused("the notification is about the orchestrator itself"));
        }
        match self
            .orch
            .send_unattended(&n.project_id, &id, &message(n), SEND_WAIT)
            .await
        {
            Ok(()) => Ok(Delivered::Sent),
            Err(OrchestratorError::PersonAttached { .. }) => {
                Err(self.refused("a person is attached to the orchestrator's terminal"))
            }
            Err(OrchestratorError::SessionNotFound { .. }) => Err(self.refused(format!(
                "no orchestrator session exists for project {}",
                n.project_id
            ))),
            Err(OrchestratorError::RuntimeDead { .. }) => {
                Err(self.refused(format!("the orchestrator session {id} is not running")))
            }
            Err(e) => Err(self.refused(e.to_string())),
        }
    }
}
