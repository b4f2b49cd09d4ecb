//! `ao doctor`: what would stop `ao` from running here, found before the first spawn — each
//! finding names the project and role it concerns and says how to fix it.
//!
//! Machine checks ([`machine_checks`]) cover git, tmux and `AO_HOME`; per-config checks
//! (`Orchestrator::doctor`) cover each project's roles: the agent's binary and version, its
//! launch accepted by that binary (an isolated argument check, never a model turn), trust,
//! whether the project's tracker and SCM have an adapter in this program, and what the tracker
//! probes itself (`Tracker::doctor`: for GitHub the token's source, the API, the repository, the
//! rate budget) or else whether its credential is set (values are never shown).

use std::path::Path;

use serde::Serialize;

use crate::domain::Role;
use crate::home::AoHome;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Passed: nothing to fix.
    Ok,
    /// Works, but deserves a look.
    Warning,
    /// Something will fail.
    Failed,
    /// A required program is missing.
    Missing,
    /// A config file is invalid.
    Invalid,
}

/// One finding of `ao doctor`: what was checked, for which project and role,
/// how it came out and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// What was checked (`git`, `tmux`, `ao-home`, `config`, `agent`, `launch`, `trust`,
    /// `tracker`, `scm`).
    pub check: String,
    /// The project it concerns.
    pub project_id: Option<String>,
    /// The role it concerns.
    pub role: Option<Role>,
    /// Whether it passed (warnings count as passed).
    pub ok: bool,
    /// How it came out.
    pub outcome: Outcome,
    /// What was found.
    pub detail: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Check {
    /// A finding with `outcome`.
    pub fn new(check: &str, outcome: Outcome, detail: impl Into<String>) -> Self {
        Self {
            check: check.into(),
            project_id: None,
            role: None,
            ok: matches!(outcome, Outcome::Ok | Outcome::Warning),
            outcome,
            detail: detail.into(),
            hint: None,
        }
    }

    /// The same, about `project` (and `role`).
    pub fn about(mut self, project: &str, role: Option<Role>) -> Self {
        self.project_id = Some(project.to_string());
        self.role = role;
        self
    }

    /// The same, with a fix hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// The exit class of a set of findings: an invalid config first, then a missing program, then
/// any failure; warnings alone are fine.
pub fn worst(checks: &[Check]) -> Outcome {
    checks
        .iter()
        .map(|c| c.outcome)
        .max()
        .unwrap_or(Outcome::Ok)
}

fn program_check(name: &str, version_args: &[&str], required: bool, hint: &str) -> Check {
    match crate::adapter_kit::probe::find_program(name, None) {
        Some(binary) => {
            let version = crate::adapter_kit::probe::version(&binary, version_args)
                .unwrap_or_else(|| "version unknown".into());
            Check::new(
                name,
                Outcome::Ok,
                format!("{} ({version})", binary.display()),
            )
        }
        None if required => {
            Check::new(name, Outcome::Missing, format!("{name} is not on PATH")).hint(hint)
        }
        None => Check::new(name, Outcome::Warning, format!("{name} is not on PATH")).hint(hint),
    }
}

/// Checks of this machine: git (required), tmux (sessions fall back to the process runtime
/// without it), and a writable `AO_HOME`.
pub fn machine_checks(home: &AoHome) -> Vec<Check> {
    vec![
        program_check(
            "git",
            &["--version"],
            true,
            "install git (e.g. `apt-get install git`)",
        ),
        program_check(
            "tmux",
            &["-V"],
            false,
            "install tmux (e.g. `apt-get install tmux`); until then sessions run in the process runtime",
        ),
        home_check(home.root()),
    ]
}

fn home_check(root: &Path) -> Check {
    let probe = root.join(format!(".doctor.{}", std::process::id()));
    let result = std::fs::create_dir_all(root)
        .and_then(|()| std::fs::write(&probe, b"ok"))
        .and_then(|()| std::fs::remove_file(&probe));
    match result {
        Ok(()) => Check::new(
            "ao-home",
            Outcome::Ok,
            format!("{} is writable", root.display()),
        ),
        Err(e) => Check::new(
            "ao-home",
            Outcome::Failed,
            format!("{} is not writable: {e}", root.display()),
        )
        .hint("set AO_HOME to a writable directory"),
    }
}

/// The environment variable a tracker plugin reads its credentials from.
pub fn tracker_credential(plugin: &str) -> Option<&'static str> {
    match plugin {
        "github" => Some("GITHUB_TOKEN"),
        "linear" => Some("LINEAR_API_KEY"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_finding_decides() {
        let ok = Check::new("git", Outcome::Ok, "");
        let warn = Check::new("tmux", Outcome::Warning, "");
        let missing = Check::new("agent", Outcome::Missing, "");
        let failed = Check::new("launch", Outcome::Failed, "");
        assert!(warn.ok && !missing.ok);
        assert_eq!(worst(&[ok.clone(), warn.clone()]), Outcome::Warning);
        assert_eq!(worst(&[failed.clone(), missing, warn]), Outcome::Missing);
        assert_eq!(worst(&[ok, failed]), Outcome::Failed);
        assert_eq!(worst(&[]), Outcome::Ok);
    }

    #[test]
    fn home_must_be_writable() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(home_check(&dir.path().join("h")).outcome, Outcome::Ok);
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        assert_eq!(home_check(&file.join("h")).outcome, Outcome::Failed);
    }
}
