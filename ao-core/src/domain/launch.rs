//! What a runtime starts: a program with arguments, environment and working directory — never a
//! shell string.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{MASK, is_secret_name};

/// A process to start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchSpec {
    /// The program (looked up on `PATH` when not absolute).
    pub program: String,
    /// The full argument vector; `argv[0]` is the program.
    pub argv: Vec<String>,
    /// Environment variables `ao` adds (and configured ones) on top of the caller's.
    pub env: BTreeMap<String, String>,
    /// The directory the program starts in.
    pub cwd: PathBuf,
    /// Variables of the caller's environment the program does not inherit (those an agent
    /// CLI set for its own children, when `ao` runs inside one).
    #[serde(
        default,
        rename = "envRemove",
        skip_serializing_if = "BTreeSet::is_empty"
    )]
    pub env_remove: BTreeSet<String>,
}

impl LaunchSpec {
    /// A spec running `program` with `args` in `cwd`.
    pub fn new(
        program: impl Into<String>,
        args: impl IntoIterator<Item = impl Into<String>>,
        cwd: impl Into<PathBuf>,
    ) -> Self {
        let program = program.into();
        let mut argv = vec![program.clone()];
        argv.extend(args.into_iter().map(Into::into));
        Self {
            program,
            argv,
            env: BTreeMap::new(),
            cwd: cwd.into(),
            env_remove: BTreeSet::new(),
        }
    }

    /// The same spec with the values of secret-named variables shown as `***`, for output.
    #[must_use]
    pub fn redacted(&self) -> Self {
        let env = self
            .env
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    if is_secret_name(k) {
                        MASK.to_string()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect();
        Self {
            env,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_starts_with_the_program_and_secrets_are_redacted() {
        let mut spec = LaunchSpec::new("claude", ["--model", "sonnet"], "/w");
        spec.env.insert("GITHUB_TOKEN".into(), "ghp_x".into());
        spec.env.insert("AO_ROLE".into(), "worker".into());
        assert_eq!(spec.argv, ["claude", "--model", "sonnet"]);
        let r = spec.redacted();
        assert_eq!(r.env["GITHUB_TOKEN"], "***");
        assert_eq!(r.env["AO_ROLE"], "worker");
    }
}
