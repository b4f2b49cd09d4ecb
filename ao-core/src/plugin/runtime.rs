//! `Runtime`: runs a launch spec and talks to it.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::{LaunchSpec, RuntimeStatus, SessionId};

/// How to find a running session again, stored in its record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeHandle {
    /// The runtime's name (`tmux`, `process`, …).
    pub runtime: String,
    /// The runtime's id for the session (the tmux session name, …).
    pub id: String,
    /// Runtime-specific data.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub data: serde_json::Value,
}

/// Why a runtime operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The runtime does not offer this capability.
    #[error("{implementer} does not support {operation}")]
    Unsupported {
        /// The operation.
        operation: &'static str,
        /// The runtime.
        implementer: String,
    },
    /// A session with this name already exists.
    #[error("runtime session {name} already exists")]
    AlreadyExists {
        /// The name.
        name: String,
    },
    /// No session with this name.
    #[error("runtime session {name} does not exist")]
    NotFound {
        /// The name.
        name: String,
    },
    /// A session with this name exists but was not created by this `ao` home; it is never
    /// touched.
    #[error(
        "runtime session {name} was not created by ao (or by another AO_HOME); leaving it alone"
    )]
    Foreign {
        /// The name.
        name: String,
    },
    /// The runtime's program (e.g. tmux) is missing.
    #[error("{program} is not available: {detail}")]
    Unavailable {
        /// The program.
        program: String,
        /// What happened.
        detail: String,
    },
    /// Anything else.
    #[error("{operation} failed: {detail}")]
    Failed {
        /// The operation.
        operation: &'static str,
        /// What happened.
        detail: String,
    },
}

/// A session host (tmux, a pseudo-terminal host process, …).
///
/// Contract:
/// - `start` MUST run exactly the spec's argv with its env and cwd (no shell), MUST fail with
///   `AlreadyExists` rather than reuse a session, and SHOULD keep the exit status observable.
/// - Every operation MUST address exactly the handle's session (no prefix matching) and MUST
///   refuse (`Foreign`) a session it did not create.
/// - `send` MUST deliver text as text: control characters removed, submitted once.
/// - `liveness` MUST answer for all handles in one round trip where the runtime allows.
/// - `stop` MUST be idempotent: stopping a gone session is success.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Runtime: Send + Sync + 'static {
    /// The runtime's config name.
    fn name(&self) -> &str;

    /// Starts `spec` as session `session`.
    async fn start(
        &self,
        session: &SessionId,
        spec: &LaunchSpec,
    ) -> Result<RuntimeHandle, RuntimeError>;

    /// Delivers `text` to the session as one message.
    async fn send(&self, handle: &RuntimeHandle, text: &str) -> Result<(), RuntimeError>;

    /// The last `lines` lines of the session's screen.
    async fn output(&self, handle: &RuntimeHandle, lines: usize) -> Result<String, RuntimeError>;

    /// The status of each handle, keyed by handle id.
    async fn liveness(
        &self,
        handles: &[RuntimeHandle],
    ) -> Result<HashMap<String, RuntimeStatus>, RuntimeError>;

    /// Stops the session.
    async fn stop(&self, handle: &RuntimeHandle) -> Result<(), RuntimeError>;

    /// The command a person runs to attach to the session.
    fn attach_command(&self, handle: &RuntimeHandle) -> Result<Vec<String>, RuntimeError> {
        let _ = handle;
        Err(RuntimeError::Unsupported {
            operation: "attach",
            implementer: self.name().to_string(),
        })
    }
}

#[derive(Debug, Default)]
struct FakeSession {
    spec: Option<LaunchSpec>,
    sent: Vec<String>,
    status: RuntimeStatus,
}

/// An in-memory runtime for tests: records what was started and sent; failures can be
/// injected.
#[derive(Debug)]
pub struct FakeRuntime {
    name: String,
    sessions: Mutex<HashMap<String, FakeSession>>,
    fail_start: Mutex<bool>,
}

impl Default for FakeRuntime {
    fn default() -> Self {
        Self::named("fake")
    }
}

impl FakeRuntime {
    /// An empty fake called `fake`.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty fake that calls itself `name` (the name it is registered under), as the
    /// handles it hands out say which runtime owns them.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            sessions: Mutex::default(),
            fail_start: Mutex::default(),
        }
    }

    /// Makes the next `start` fail.
    pub fn fail_next_start(&self) {
        if let Ok(mut f) = self.fail_start.lock() {
            *f = true;
        }
    }

    /// Marks a session as exited.
    pub fn exit(&self, id: &str, code: Option<i32>) {
        if let Some(s) = self
            .sessions
            .lock()
            .ok()
            .as_mut()
            .and_then(|m| m.get_mut(id))
        {
            s.status = RuntimeStatus::Exited { code };
        }
    }

    /// The spec a session was started with.
    pub fn spec(&self, id: &str) -> Option<LaunchSpec> {
        self.sessions.lock().ok()?.get(id)?.spec.clone()
    }

    /// Messages sent to a session.
    pub fn sent(&self, id: &str) -> Vec<String> {
        self.sessions
            .lock()
            .ok()
            .and_then(|m| m.get(id).map(|s| s.sent.clone()))
            .unwrap_or_default()
    }

    /// Ids of live sessions.
    pub fn running(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .sessions
            .lock()
            .map(|m| {
                m.iter()
                    .filter(|(_, s)| s.status == RuntimeStatus::Alive)
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }

    fn poisoned() -> RuntimeError {
        RuntimeError::Failed {
            operation: "lock",
            detail: "fake runtime state poisoned".into(),
        }
    }
}

#[async_trait]
impl Runtime for FakeRuntime {
    fn name(&self) -> &str {
        &self.name
    }

    async fn start(
        &self,
        session: &SessionId,
        spec: &LaunchSpec,
    ) -> Result<RuntimeHandle, RuntimeError> {
        if std::mem::take(&mut *self.fail_start.lock().map_err(|_| Self::poisoned())?) {
            return Err(RuntimeError::Failed {
                operation: "start",
                detail: "injected failure".into(),
            });
        }
        let mut sessions = self.sessions.lock().map_err(|_| Self::poisoned())?;
        let name = session.to_string();
        if sessions
            .get(&name)
            .is_some_and(|s| s.status == RuntimeStatus::Alive)
        {
            return Err(RuntimeError::AlreadyExists { name });
        }
        sessions.insert(
            name.clone(),
            FakeSession {
                spec: Some(spec.clone()),
                sent: Vec::new(),
                status: RuntimeStatus::Alive,
            },
        );
        Ok(RuntimeHandle {
            runtime: self.name.clone(),
            id: name,
            data: serde_json::Value::Null,
        })
    }

    async fn send(&self, handle: &RuntimeHandle, text: &str) -> Result<(), RuntimeError> {
        let mut sessions = self.sessions.lock().map_err(|_| Self::poisoned())?;
        match sessions.get_mut(&handle.id) {
            Some(s) if s.status == RuntimeStatus::Alive => {
                s.sent.push(text.to_string());
                Ok(())
            }
            _ => Err(RuntimeError::NotFound {
                name: handle.id.clone(),
            }),
        }
    }

    async fn output(&self, handle: &RuntimeHandle, lines: usize) -> Result<String, RuntimeError> {
        let sessions = self.sessions.lock().map_err(|_| Self::poisoned())?;
        let s = sessions
            .get(&handle.id)
            .ok_or_else(|| RuntimeError::NotFound {
                name: handle.id.clone(),
            })?;
        let all: Vec<&str> = s.sent.iter().flat_map(|m| m.lines()).collect();
        Ok(all[all.len().saturating_sub(lines)..].join("\n"))
    }

    async fn liveness(
        &self,
        handles: &[RuntimeHandle],
    ) -> Result<HashMap<String, RuntimeStatus>, RuntimeError> {
        let sessions = self.sessions.lock().map_err(|_| Self::poisoned())?;
        Ok(handles
            .iter()
            .map(|h| {
                (
                    h.id.clone(),
                    sessions
                        .get(&h.id)
                        .map_or(RuntimeStatus::Missing, |s| s.status),
                )
            })
            .collect())
    }

    async fn stop(&self, handle: &RuntimeHandle) -> Result<(), RuntimeError> {
        let mut sessions = self.sessions.lock().map_err(|_| Self::poisoned())?;
        if let Some(s) = sessions.get_mut(&handle.id) {
            s.status = RuntimeStatus::Exited { code: None };
        }
        Ok(())
    }

    fn attach_command(&self, handle: &RuntimeHandle) -> Result<Vec<String>, RuntimeError> {
        Ok(vec!["fake-attach".into(), handle.id.clone()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_fake_records_starts_sends_and_exits() {
        let rt = FakeRuntime::new();
        let id = SessionId::new("app-1").unwrap();
        let spec = LaunchSpec::new("agent", ["--x"], "/w");
        let handle = rt.start(&id, &spec).await.unwrap();
        assert!(matches!(
            rt.start(&id, &spec).await,
            Err(RuntimeError::AlreadyExists { .. })
        ));
        rt.send(&handle, "hello\nworld").await.unwrap();
        assert_eq!(rt.output(&handle, 1).await.unwrap(), "world");
        rt.exit("app-1", Some(3));
        let live = rt.liveness(std::slice::from_ref(&handle)).await.unwrap();
        assert_eq!(live["app-1"], RuntimeStatus::Exited { code: Some(3) });
        rt.stop(&handle).await.unwrap();
        rt.fail_next_start();
        assert!(
            rt.start(&SessionId::new("app-2").unwrap(), &spec)
                .await
                .is_err()
        );
    }
}
