//! Why `ao init` could not write a config, and what kind of failure that is.

use std::path::PathBuf;

use crate::error::{Classify, ErrorClass};
use crate::git::GitError;

/// Why `ao init` could not write a config.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// The directory is not inside a git repository's working tree.
    #[error("{} is not inside a git repository", dir.display())]
    NotARepository {
        /// The directory `ao init` ran in.
        dir: PathBuf,
    },
    /// git could not be run at all.
    #[error("git is not available: {source}")]
    GitUnavailable {
        /// Why it could not be run.
        #[source]
        source: GitError,
    },
    /// git ran and failed.
    #[error("cannot read the repository: {source}")]
    Git {
        /// What git said.
        #[source]
        source: GitError,
    },
    /// A config file is already there; it is never replaced.
    #[error("{} already exists", path.display())]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
    /// The file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl Classify for InitError {
    fn class(&self) -> ErrorClass {
        match self {
            Self::NotARepository { .. } => ErrorClass::NotFound,
            Self::GitUnavailable { .. } => ErrorClass::Unavailable,
            Self::Exists { .. } => ErrorClass::Refused,
            Self::Git { .. } | Self::Write { .. } => ErrorClass::Failed,
        }
    }
}
