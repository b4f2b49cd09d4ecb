//! Positioned findings about a config file: what is wrong, where, and what to do.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::node::Pos;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file cannot be used.
    Error,
    /// The file works, but probably not as its author meant.
    Warning,
}

/// What kind of finding a diagnostic is: programs decide by this, never by its wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Code {
    /// The file is not UTF-8, not YAML, empty, or not a mapping.
    Syntax,
    /// A key no version of the format has.
    UnknownKey,
    /// An agent, runtime, notifier, reaction or other name nobody knows.
    UnknownName,
    /// A value of the wrong form (a duration, a repository name, a number out of range, …).
    InvalidValue,
    /// A project id or session prefix that is not `[a-zA-Z0-9_-]+`.
    InvalidId,
    /// Two projects with the same session prefix.
    PrefixClash,
    /// Two projects with the same main checkout (`path`).
    PathClash,
    /// A project without a usable `path`, or a file a key names that does not exist.
    MissingPath,
    /// A key or name the reference tool knows that `ao` does not implement (using it at run
    /// time fails).
    Unsupported,
    /// A `${VAR}` whose variable is not set (using the value fails).
    UnsetVariable,
    /// A plugin name `ao` knows that this program has no adapter for (none is built in or
    /// registered under it): using it fails.
    NoAdapter,
    /// A key in plugin settings close to one `ao` knows: probably a typo.
    NearMiss,
    /// A legacy spelling or a reference-tool key `ao` ignores.
    Legacy,
    /// No projects at all.
    NoProjects,
    /// A role block replaces what the project or the defaults set (the role block wins).
    RoleBlockReplaces,
    /// An empty `orchestrator:` / `worker:` in a project while `defaults.<role>` names an
    /// agent: an empty mapping hides that default, an empty value does not.
    EmptyRoleBlock,
    /// A reaction entry merged over the built-in one (the reference replaced it).
    ReactionMerged,
}

impl Code {
    /// Whether a person should see this warning before any command (it makes something fail
    /// later), not only in `ao config validate`.
    pub fn fails_at_run_time(self) -> bool {
        matches!(
            self,
            Self::Unsupported | Self::UnsetVariable | Self::NoAdapter
        )
    }
}

/// One finding about a config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What kind of finding it is.
    pub code: Code,
    /// The config file.
    pub file: PathBuf,
    /// Where in the file (`0:0` when the finding is about the file as a whole).
    #[serde(flatten)]
    pub pos: Pos,
    /// Key path as written in the file (`projects.app.worker.agent`); empty for the root.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error of kind `code` at `pos` about `key`.
    pub fn error(
        code: Code,
        file: &Path,
        pos: Pos,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Error,
            code,
            file: file.to_path_buf(),
            pos,
            key: key.into(),
            message: message.into(),
            hint: None,
        }
    }

    /// A warning of kind `code` at `pos` about `key`.
    pub fn warning(
        code: Code,
        file: &Path,
        pos: Pos,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, file, pos, key, message)
        }
    }

    /// Adds a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Whether this finding makes the file unusable.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `file:line:col: error: key: message` followed by an indented hint line.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.pos.is_known() {
            write!(f, ":{}:{}", self.pos.line, self.pos.column)?;
        }
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {level}: ")?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}
