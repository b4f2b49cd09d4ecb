//! Which config file a command uses: exactly one file, never a layering of several.
//!
//! Order: `--config PATH`, then `AO_CONFIG_PATH`, then — in a session's worktree — the config
//! of the project that owns it (not the worktree's checked-out copy, which would pass for a
//! second project with the same prefix), then `agent-orchestrator.yaml` (or `.yml`) found
//! walking up from the working directory, then the user config
//! `$XDG_CONFIG_HOME/ao/config.yaml` (`~/.config/ao/config.yaml`). A path that was named
//! explicitly (flag or variable) but does not exist is an error, not a reason to look
//! elsewhere: running with a different config than the one asked for is how settings get lost.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::error::{ConfigError, ConfigOrigin};

/// The file names searched for in each directory, in order.
pub const CONFIG_FILE_NAMES: &[&str] = &["agent-orchestrator.yaml", "agent-orchestrator.yml"];

/// The chosen config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// Absolute path of the file.
    pub path: PathBuf,
    /// How it was chosen.
    pub origin: ConfigOrigin,
}

/// Everything discovery looks at, so it can be exercised without touching the process.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryInput {
    /// `--config`, if given.
    pub explicit: Option<PathBuf>,
    /// The value of `AO_CONFIG_PATH`.
    pub env_path: Option<OsString>,
    /// The working directory.
    pub cwd: PathBuf,
    /// The value of `XDG_CONFIG_HOME`.
    pub xdg_config_home: Option<OsString>,
    /// The home directory.
    pub home: Option<PathBuf>,
    /// The config of the project owning the session worktree `cwd` is in, if it is in one
    /// (see [`crate::projects::ProjectRegistry::config_owning`]).
    pub owner: Option<PathBuf>,
}

impl DiscoveryInput {
    /// Reads the process's working directory and environment.
    pub fn from_process(explicit: Option<PathBuf>) -> Result<Self, ConfigError> {
        let cwd = std::env::current_dir().map_err(|source| ConfigError::Read {
            path: PathBuf::from("."),
            source,
        })?;
        Ok(Self {
            explicit,
            env_path: std::env::var_os("AO_CONFIG_PATH"),
            cwd,
            xdg_config_home: std::env::var_os("XDG_CONFIG_HOME"),
            home: home_dir(),
            owner: None,
        })
    }
}

/// The user's home directory, from `HOME`.
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Picks the config file.
pub fn discover(input: &DiscoveryInput) -> Result<Discovered, ConfigError> {
    let absolute = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            input.cwd.join(p)
        }
    };

    if let Some(explicit) = &input.explicit {
        return existing(absolute(explicit), ConfigOrigin::Flag);
    }
    if let Some(env) = input.env_path.as_ref().filter(|v| !v.is_empty()) {
        return existing(absolute(Path::new(env)), ConfigOrigin::Env);
    }
    if let Some(owner) = &input.owner {
        return existing(owner.clone(), ConfigOrigin::Worktree);
    }

    let mut searched = Vec::new();
    for dir in input.cwd.ancestors() {
        for name in CONFIG_FILE_NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(Discovered {
                    path: candidate,
                    origin: ConfigOrigin::Search,
                });
            }
        }
        searched.push(dir.join(CONFIG_FILE_NAMES[0]));
    }

    let config_home = input
        .xdg_config_home
        .as_ref()
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| input.home.as_ref().map(|h| h.join(".config")));
    if let Some(config_home) = config_home {
        let user = config_home.join("ao").join("config.yaml");
        if user.is_file() {
            return Ok(Discovered {
                path: user,
                origin: ConfigOrigin::UserConfig,
            });
        }
        searched.push(user);
    }
    Err(ConfigError::NoConfig { searched })
}

fn existing(path: PathBuf, origin: ConfigOrigin) -> Result<Discovered, ConfigError> {
    if path.is_file() {
        Ok(Discovered { path, origin })
    } else {
        Err(ConfigError::NotFound { path, origin })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "projects: {}\n").unwrap();
    }

    fn input(cwd: &Path, home: &Path) -> DiscoveryInput {
        DiscoveryInput {
            cwd: cwd.to_path_buf(),
            home: Some(home.to_path_buf()),
            ..Default::default()
        }
    }

    #[test]
    fn walks_up_from_the_working_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        let deep = repo.join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        touch(&repo.join("agent-orchestrator.yml"));
        let found = discover(&input(&deep, tmp.path())).unwrap();
        assert_eq!(found.path, repo.join("agent-orchestrator.yml"));
        assert_eq!(found.origin, ConfigOrigin::Search);

        // .yaml wins over .yml in the same directory.
        touch(&repo.join("agent-orchestrator.yaml"));
        assert_eq!(
            discover(&input(&deep, tmp.path())).unwrap().path,
            repo.join("agent-orchestrator.yaml")
        );
    }

    #[test]
    fn in_a_session_worktree_the_owning_config_beats_the_checked_out_copy() {
        let tmp = tempfile::tempdir().unwrap();
        let worktree = tmp.path().join("ao-home/projects/app/worktrees/app-1");
        touch(&worktree.join("agent-orchestrator.yaml"));
        let owner = tmp.path().join("owner.yaml");
        touch(&owner);
        let mut inp = input(&worktree.join("src"), tmp.path());
        inp.owner = Some(owner.clone());
        let found = discover(&inp).unwrap();
        assert_eq!((found.path, found.origin), (owner, ConfigOrigin::Worktree));
        // Named explicitly, a file still wins.
        inp.env_path = Some(worktree.join("agent-orchestrator.yaml").into());
        assert_eq!(discover(&inp).unwrap().origin, ConfigOrigin::Env);
    }

    #[test]
    fn flag_beats_env_beats_search() {
        let tmp = tempfile::tempdir().unwrap();
        touch(&tmp.path().join("agent-orchestrator.yaml"));
        touch(&tmp.path().join("env.yaml"));
        touch(&tmp.path().join("flag.yaml"));
        let mut inp = input(tmp.path(), tmp.path());
        inp.env_path = Some("env.yaml".into());
        assert_eq!(discover(&inp).unwrap().origin, ConfigOrigin::Env);
        assert_eq!(discover(&inp).unwrap().path, tmp.path().join("env.yaml"));
        inp.explicit = Some(PathBuf::from("flag.yaml"));
        assert_eq!(discover(&inp).unwrap().path, tmp.path().join("flag.yaml"));
    }

    #[test]
    fn a_named_file_that_is_missing_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        touch(&tmp.path().join("agent-orchestrator.yaml"));
        let mut inp = input(tmp.path(), tmp.path());
        inp.env_path = Some("nope.yaml".into());
        assert!(matches!(
            discover(&inp),
            Err(ConfigError::NotFound {
                origin: ConfigOrigin::Env,
                ..
            })
        ));
        inp.explicit = Some(PathBuf::from("/definitely/not/here.yaml"));
        assert!(matches!(
            discover(&inp),
            Err(ConfigError::NotFound {
                origin: ConfigOrigin::Flag,
                ..
            })
        ));
    }

    #[test]
    fn falls_back_to_the_user_config() {
        let tmp = tempfile::tempdir().unwrap();
        let cwd = tmp.path().join("work");
        std::fs::create_dir_all(&cwd).unwrap();
        let home = tmp.path().join("home");
        let mut inp = input(&cwd, &home);
        let err = discover(&inp).unwrap_err();
        let ConfigError::NoConfig { searched } = err else {
            panic!("{err:?}")
        };
        assert!(searched.contains(&home.join(".config/ao/config.yaml")));

        touch(&home.join(".config/ao/config.yaml"));
        assert_eq!(discover(&inp).unwrap().origin, ConfigOrigin::UserConfig);

        let xdg = tmp.path().join("xdg");
        touch(&xdg.join("ao/config.yaml"));
        inp.xdg_config_home = Some(xdg.clone().into());
        assert_eq!(discover(&inp).unwrap().path, xdg.join("ao/config.yaml"));
    }
}
