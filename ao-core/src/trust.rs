//! Trust in config files: a config kept inside a git repository came with the repository —
//! maybe a clone of someone else's — so the commands it would run (`postCreate`) run only
//! after the user trusted that exact file.
//!
//! Trust is recorded under `AO_HOME` by the file's path and a SHA-256 of its content; any
//! change to the file withdraws it.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::adapter_kit::fsutil::{lock_exclusive, write_atomic};
use crate::domain::Timestamp;
use crate::home::AoHome;

/// Why trust could not be read or recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// File system trouble.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved: the trust file, its lock file, or the config being trusted.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The trust file is damaged (it is left as it is; nothing is trusted).
    #[error("{} is not a valid trust file: {detail}", path.display())]
    Corrupt {
        /// The trust file (`trust.json` under `AO_HOME`).
        path: PathBuf,
        /// Why it could not be parsed, as the JSON parser put it.
        detail: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    sha256: String,
    trusted_at: Timestamp,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    #[serde(default)]
    configs: BTreeMap<PathBuf, Entry>,
}

/// Where a config stands with the user's trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustState {
    /// Trusted with its current content.
    Trusted,
    /// Never trusted (or the trust was revoked).
    Untrusted,
    /// Trusted once, but the file has changed since, which withdrew the trust.
    Changed {
        /// When the earlier content was trusted.
        trusted_at: Timestamp,
    },
}

impl TrustState {
    /// Why a config that was trusted once is not now, in words (`None` unless `Changed`).
    pub fn why_withdrawn(&self) -> Option<String> {
        match self {
            Self::Changed { trusted_at } => Some(format!(
                "it was trusted on {}, but the file has changed since, which withdraws the trust",
                trusted_at.strftime("%Y-%m-%d %H:%M UTC")
            )),
            Self::Trusted | Self::Untrusted => None,
        }
    }
}

/// Whether a config needs the user's trust before it may run commands: it lives inside a git
/// repository.
pub fn needs_trust(config_path: &Path) -> bool {
    config_path
        .parent()
        .is_some_and(|dir| dir.ancestors().any(|d| d.join(".git").exists()))
}

/// The trust records of one `AO_HOME`.
#[derive(Debug, Clone)]
pub struct TrustStore {
    path: PathBuf,
    lock: PathBuf,
}

impl TrustStore {
    /// The trust records under `home`.
    pub fn new(home: &AoHome) -> Self {
        Self {
            path: home.root().join("trust.json"),
            lock: home.root().join("trust.lock"),
        }
    }

    fn io(path: &Path) -> impl FnOnce(io::Error) -> TrustError + '_ {
        move |source| TrustError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn read(&self) -> Result<File, TrustError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| TrustError::Corrupt {
                path: self.path.clone(),
                detail: e.to_string(),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(File::default()),
            Err(e) => Err(Self::io(&self.path)(e)),
        }
    }

    fn key_and_hash(config: &Path) -> Result<(PathBuf, String), TrustError> {
        let key = std::fs::canonicalize(config).map_err(Self::io(config))?;
        let bytes = std::fs::read(&key).map_err(Self::io(&key))?;
        Ok((key, format!("{:x}", Sha256::digest(&bytes))))
    }

    /// Whether `config`, with its current content, is trusted.
    pub fn is_trusted(&self, config: &Path) -> Result<bool, TrustError> {
        Ok(self.state(config)? == TrustState::Trusted)
    }

    /// Where `config` stands: trusted as it is, never trusted, or trusted before it changed.
    pub fn state(&self, config: &Path) -> Result<TrustState, TrustError> {
        let (key, hash) = Self::key_and_hash(config)?;
        Ok(match self.read()?.configs.get(&key) {
            None => TrustState::Untrusted,
            Some(e) if e.sha256 == hash => TrustState::Trusted,
            Some(e) => TrustState::Changed {
                trusted_at: e.trusted_at,
            },
        })
    }

    /// Trusts `config` as it is now.
    pub fn trust(&self, config: &Path) -> Result<(), TrustError> {
        let (key, hash) = Self::key_and_hash(config)?;
        self.modify(|file| {
            file.configs.insert(
                key,
                Entry {
                    sha256: hash,
                    trusted_at: Timestamp::now(),
                },
            );
            true
        })
        .map(drop)
    }

    /// Withdraws trust; whether there was any.
    pub fn revoke(&self, config: &Path) -> Result<bool, TrustError> {
        let key = std::fs::canonicalize(config).unwrap_or_else(|_| config.to_path_buf());
        self.modify(|file| file.configs.remove(&key).is_some())
    }

    fn modify(&self, f: impl FnOnce(&mut File) -> bool) -> Result<bool, TrustError> {
        let _lock = lock_exclusive(&self.lock).map_err(Self::io(&self.lock))?;
        let mut file = self.read()?;
        let changed = f(&mut file);
        if changed {
            let bytes = serde_json::to_vec_pretty(&file)
                .map_err(|e| Self::io(&self.path)(io::Error::other(e)))?;
            write_atomic(&self.path, &bytes).map_err(Self::io(&self.path))?;
        }
        Ok(changed)
    }
}

impl crate::error::Classify for TrustError {
    fn class(&self) -> crate::error::ErrorClass {
        crate::error::ErrorClass::Failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_follows_the_content() {
        let tmp = tempfile::tempdir().unwrap();
        let store = TrustStore::new(&AoHome::new(tmp.path().join("home")));
        let config = tmp.path().join("agent-orchestrator.yaml");
        std::fs::write(&config, "projects: {}\n").unwrap();
        assert!(!store.is_trusted(&config).unwrap());
        store.trust(&config).unwrap();
        assert!(store.is_trusted(&config).unwrap());
        std::fs::write(&config, "projects: {}\n# changed\n").unwrap();
        assert!(
            !store.is_trusted(&config).unwrap(),
            "a changed file must be trusted again"
        );
        store.trust(&config).unwrap();
        assert!(store.revoke(&config).unwrap());
        assert!(!store.is_trusted(&config).unwrap());
        assert!(!store.revoke(&config).unwrap());
    }

    #[test]
    fn only_configs_inside_a_repository_need_trust() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(!needs_trust(&tmp.path().join("agent-orchestrator.yaml")));
        std::fs::create_dir_all(tmp.path().join("repo/.git")).unwrap();
        assert!(needs_trust(
            &tmp.path().join("repo/sub/agent-orchestrator.yaml")
        ));
    }
}
