//! What can go wrong in the lifecycle engine.

use std::path::PathBuf;

use crate::error::{Classify, ErrorClass};

/// A failure of the event log, a tick or the daemon.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LifecycleError {
    /// A file under `AO_HOME` could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// An event or state could not be encoded.
    #[error("cannot encode: {detail}")]
    Encode {
        /// What went wrong.
        detail: String,
    },
    /// Observing or updating sessions failed.
    #[error(transparent)]
    Orchestrator(#[from] crate::orchestrator::OrchestratorError),
    /// The daemon could not be started.
    #[error("the daemon did not start: {detail}")]
    Start {
        /// What happened instead (see `daemon.log`).
        detail: String,
    },
    /// Another daemon already runs for this `AO_HOME`.
    #[error("a daemon already runs for this AO_HOME (pid {pid})")]
    AlreadyRunning {
        /// Its process id.
        pid: u32,
    },
}

impl Classify for LifecycleError {
    fn class(&self) -> ErrorClass {
        match self {
            Self::Orchestrator(e) => e.class(),
            Self::AlreadyRunning { .. } => ErrorClass::Refused,
            _ => ErrorClass::Failed,
        }
    }
}
