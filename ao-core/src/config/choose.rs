//! Which project a command means when it does not say, and which project a session belongs
//! to.

use std::path::Path;

use super::error::ConfigError;
use super::loaded::{Config, Project};

/// The project a command means, among `known` projects: `explicit` if given; else the only one
/// of `defaults` (the projects of the config the command was pointed at, or all); else
/// `env_project` (`AO_PROJECT_ID`); else the one whose path contains `cwd` (the deepest); else
/// an error listing them.
pub fn choose_project<'a>(
    known: &[&'a Project],
    defaults: &[&'a Project],
    explicit: Option<&str>,
    env_project: Option<&str>,
    cwd: &Path,
) -> Result<&'a Project, ConfigError> {
    let ids = || known.iter().map(|p| p.id.to_string()).collect::<Vec<_>>();
    let find = |id: &str| {
        known
            .iter()
            .copied()
            .find(|p| p.id == id)
            .ok_or_else(|| ConfigError::UnknownProject {
                id: id.to_string(),
                known: ids(),
            })
    };
    if let Some(id) = explicit {
        return find(id);
    }
    if let [only] = defaults {
        return Ok(only);
    }
    if let Some(id) = env_project.filter(|s| !s.is_empty()) {
        return find(id);
    }
    // The deepest project path containing cwd (worktrees live under AO_HOME, not here).
    known
        .iter()
        .copied()
        .filter(|p| cwd.starts_with(&p.path))
        .max_by_key(|p| p.path.components().count())
        .ok_or_else(|| ConfigError::AmbiguousProject { known: ids() })
}

impl Config {
    /// The project a command acts on, among this config's (see [`choose_project`]).
    pub fn choose_project(
        &self,
        explicit: Option<&str>,
        env_project: Option<&str>,
        cwd: &Path,
    ) -> Result<&Project, ConfigError> {
        let all: Vec<&Project> = self.projects.values().collect();
        choose_project(&all, &all, explicit, env_project, cwd)
    }

    /// The project whose session prefix names this session (`<prefix>-<n>`,
    /// `<prefix>-orchestrator`); the longest prefix wins.
    pub fn project_for_session(&self, session: &str) -> Option<&Project> {
        self.projects
            .values()
            .filter(|p| p.names_session(session))
            .max_by_key(|p| p.session_prefix.len())
    }
}

impl Project {
    /// Whether `session` is named like one of this project's sessions (`<prefix>-…`).
    pub fn names_session(&self, session: &str) -> bool {
        session
            .strip_prefix(self.session_prefix.as_str())
            .is_some_and(|rest| rest.len() > 1 && rest.starts_with('-'))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{ConfigError, KnownNames, load_str};

    #[test]
    fn chooses_explicit_only_env_then_cwd() {
        let two = load_str(
            Path::new("/c/a.yaml"),
            "projects:\n  web: {path: /src/web}\n  api: {path: /src/api, sessionPrefix: web-api}\n",
            &KnownNames::builtin(),
            &|_| None,
        )
        .unwrap();
        let cwd = Path::new("/elsewhere");
        assert_eq!(
            two.choose_project(Some("api"), None, cwd).unwrap().id,
            "api"
        );
        assert!(matches!(
            two.choose_project(None, None, cwd),
            Err(ConfigError::AmbiguousProject { .. })
        ));
        assert_eq!(
            two.choose_project(None, Some("web"), cwd).unwrap().id,
            "web"
        );
        assert_eq!(
            two.choose_project(None, None, Path::new("/src/api/sub"))
                .unwrap()
                .id,
            "api"
        );
        assert!(matches!(
            two.choose_project(Some("nope"), None, cwd),
            Err(ConfigError::UnknownProject { .. })
        ));

        // Prefixes: `web-api-3` belongs to `api` (the longer prefix), `web-3` to `web`.
        assert_eq!(two.project_for_session("web-api-3").unwrap().id, "api");
        assert_eq!(two.project_for_session("web-3").unwrap().id, "web");
        assert_eq!(
            two.project_for_session("web-orchestrator").unwrap().id,
            "web"
        );
        assert!(two.project_for_session("other-1").is_none());
    }
}
