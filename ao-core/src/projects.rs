//! The project registry, `$AO_HOME/projects.json`: which config file owns each project id.
//!
//! `ao start` and `ao project add` register; the daemon and `ao status` cover every registered
//! project. The file follows the same discipline as session records: locked read-modify-write,
//! atomic durable writes. Its calls block; async callers run them on a blocking thread.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::adapter_kit::fsutil::{lock_exclusive, write_atomic};
use crate::domain::{ProjectId, Timestamp};
use crate::home::AoHome;

/// The registry format this `ao` writes.
const VERSION: u32 = 1;

/// One registered project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredProject {
    /// The config file that defines it (absolute).
    pub config_path: PathBuf,
    /// When it was registered.
    pub registered_at: Timestamp,
    /// Its session prefix when registered (prefixes are unique across registered projects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_prefix: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    #[serde(default)]
    schema_version: u32,
    #[serde(default)]
    projects: BTreeMap<ProjectId, RegisteredProject>,
    #[serde(flatten)]
    extra: serde_json::Map<String, serde_json::Value>,
}

/// What `register` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    /// The project was added.
    Added,
    /// It was already registered to the same config.
    AlreadyRegistered,
}

/// Why the registry could not be read or changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectRegistryError {
    /// Another registered project already uses the session prefix.
    #[error(
        "session prefix `{prefix}` of project `{id}` is already used by registered project `{other}`"
    )]
    PrefixClash {
        /// The project being registered.
        id: ProjectId,
        /// The session prefix both projects would share.
        prefix: String,
        /// The project that has it.
        other: ProjectId,
    },
    /// Another config file already owns the id.
    #[error("project id `{id}` is already registered by {}", existing.display())]
    Clash {
        /// The project id another config file already registered.
        id: ProjectId,
        /// The config that owns it.
        existing: PathBuf,
    },
    /// The file is not a registry (it is left untouched).
    #[error("{} is not a valid project registry: {detail}", path.display())]
    Corrupt {
        /// The registry file (`projects.json` under `AO_HOME`).
        path: PathBuf,
        /// Why it could not be parsed, as the JSON parser put it.
        detail: String,
    },
    /// Written by a newer `ao`: readable, not rewritten.
    #[error("{} was written by a newer ao (version {found}); not modifying it", path.display())]
    NewerVersion {
        /// The registry file (`projects.json` under `AO_HOME`).
        path: PathBuf,
        /// The schema version the file declares, newer than this `ao` writes.
        found: u32,
    },
    /// File system trouble.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved: the registry, its lock file, or the config being registered.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
}

/// The registry of projects under one `AO_HOME`.
#[derive(Debug, Clone)]
pub struct ProjectRegistry {
    path: PathBuf,
    lock: PathBuf,
}

impl ProjectRegistry {
    /// The registry of `home`.
    pub fn new(home: &AoHome) -> Self {
        Self {
            path: home.projects_file(),
            lock: home.root().join("projects.lock"),
        }
    }

    fn io(path: &Path) -> impl FnOnce(io::Error) -> ProjectRegistryError + '_ {
        move |source| ProjectRegistryError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn read(&self) -> Result<File, ProjectRegistryError> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(File {
                    schema_version: VERSION,
                    ..File::default()
                });
            }
            Err(e) => return Err(Self::io(&self.path)(e)),
        };
        serde_json::from_slice(&bytes).map_err(|e| ProjectRegistryError::Corrupt {
            path: self.path.clone(),
            detail: e.to_string(),
        })
    }

    fn modify<T>(
        &self,
        f: impl FnOnce(&mut File) -> Result<(T, bool), ProjectRegistryError>,
    ) -> Result<T, ProjectRegistryError> {
        let _lock = lock_exclusive(&self.lock).map_err(Self::io(&self.lock))?;
        let mut file = self.read()?;
        if file.schema_version > VERSION {
            return Err(ProjectRegistryError::NewerVersion {
                path: self.path.clone(),
                found: file.schema_version,
            });
        }
        let (out, changed) = f(&mut file)?;
        if changed {
            file.schema_version = VERSION;
            let bytes = serde_json::to_vec_pretty(&file)
                .map_err(|e| Self::io(&self.path)(io::Error::other(e)))?;
            write_atomic(&self.path, &bytes).map_err(Self::io(&self.path))?;
        }
        Ok(out)
    }

    /// Every registered project.
    pub fn list(&self) -> Result<BTreeMap<ProjectId, RegisteredProject>, ProjectRegistryError> {
        Ok(self.read()?.projects)
    }

    /// The config of the project whose session worktree holds `dir`, when `dir` is inside
    /// one under this `AO_HOME`: a worktree has its own checked-out copy of the project's
    /// config, which must not pass for a project of its own.
    pub fn config_owning(&self, home: &AoHome, dir: &Path) -> Option<PathBuf> {
        let (project, _) = home.session_at(dir)?;
        self.list()
            .ok()?
            .remove(&project)
            .map(|entry| entry.config_path)
    }

    /// Registers `id` as defined by `config_path` with session prefix `prefix`. An id owned by
    /// another config, or a prefix another registered project uses, is a clash.
    pub fn register(
        &self,
        id: &ProjectId,
        config_path: &Path,
        prefix: &str,
    ) -> Result<Registered, ProjectRegistryError> {
        let config_path = std::path::absolute(config_path).map_err(Self::io(config_path))?;
        self.modify(|file| {
            if let Some((other, _)) = file
                .projects
                .iter()
                .find(|(other, p)| *other != id && p.session_prefix.as_deref() == Some(prefix))
            {
                return Err(ProjectRegistryError::PrefixClash {
                    id: id.clone(),
                    prefix: prefix.to_string(),
                    other: other.clone(),
                });
            }
            match file.projects.get_mut(id) {
                Some(existing) if existing.config_path == config_path => {
                    let changed = existing.session_prefix.as_deref() != Some(prefix);
                    existing.session_prefix = Some(prefix.to_string());
                    Ok((Registered::AlreadyRegistered, changed))
                }
                Some(existing) => Err(ProjectRegistryError::Clash {
                    id: id.clone(),
                    existing: existing.config_path.clone(),
                }),
                None => {
                    let entry = RegisteredProject {
                        config_path,
                        registered_at: Timestamp::now(),
                        session_prefix: Some(prefix.to_string()),
                    };
                    file.projects.insert(id.clone(), entry);
                    Ok((Registered::Added, true))
                }
            }
        })
    }

    /// Removes `id`; whether it was registered.
    pub fn remove(&self, id: &ProjectId) -> Result<bool, ProjectRegistryError> {
        self.modify(|file| {
            let removed = file.projects.remove(id).is_some();
            Ok((removed, removed))
        })
    }
}

impl crate::error::Classify for ProjectRegistryError {
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass as C;
        match self {
            Self::PrefixClash { .. } | Self::Clash { .. } | Self::NewerVersion { .. } => C::Refused,
            Self::Corrupt { .. } | Self::Io { .. } => C::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_lists_and_removes() {
        let tmp = tempfile::tempdir().unwrap();
        let reg = ProjectRegistry::new(&AoHome::new(tmp.path()));
        let app = ProjectId::new("app").unwrap();
        assert!(reg.list().unwrap().is_empty());
        assert_eq!(
            reg.register(&app, Path::new("/a/agent-orchestrator.yaml"), "app")
                .unwrap(),
            Registered::Added
        );
        assert_eq!(
            reg.register(&app, Path::new("/a/agent-orchestrator.yaml"), "app")
                .unwrap(),
            Registered::AlreadyRegistered
        );
        let clash = reg
            .register(&app, Path::new("/b/agent-orchestrator.yaml"), "app")
            .unwrap_err();
        assert_eq!(
            clash.to_string(),
            "project id `app` is already registered by /a/agent-orchestrator.yaml"
        );
        assert_eq!(
            reg.list().unwrap()[&app].config_path,
            PathBuf::from("/a/agent-orchestrator.yaml")
        );
        let api = ProjectId::new("api").unwrap();
        let err = reg
            .register(&api, Path::new("/b/agent-orchestrator.yaml"), "app")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "session prefix `app` of project `api` is already used by registered project `app`"
        );
        let api = ProjectId::new("api").unwrap();
        let err = reg
            .register(&api, Path::new("/b/agent-orchestrator.yaml"), "app")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "session prefix `app` of project `api` is already used by registered project `app`"
        );
        assert!(reg.remove(&app).unwrap());
        assert!(!reg.remove(&app).unwrap());
    }

    #[test]
    fn a_corrupt_or_newer_file_is_never_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let home = AoHome::new(tmp.path());
        let reg = ProjectRegistry::new(&home);
        let app = ProjectId::new("app").unwrap();
        fs::write(home.projects_file(), "{not json").unwrap();
        assert!(matches!(
            reg.register(&app, Path::new("/a/c.yaml"), "app"),
            Err(ProjectRegistryError::Corrupt { .. })
        ));
        assert_eq!(
            fs::read_to_string(home.projects_file()).unwrap(),
            "{not json"
        );
        fs::write(
            home.projects_file(),
            r#"{"schemaVersion": 7, "projects": {}, "future": true}"#,
        )
        .unwrap();
        assert!(reg.list().unwrap().is_empty());
        assert!(matches!(
            reg.register(&app, Path::new("/a/c.yaml"), "app"),
            Err(ProjectRegistryError::NewerVersion { found: 7, .. })
        ));
    }
}
