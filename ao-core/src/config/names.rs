//! The plugin names a config may use, by kind.
//!
//! Built-ins are listed here; an embedder that registers its own adapters adds their names so
//! that validation accepts them. Names the reference tool knows but `ao` does not implement are
//! accepted with a warning, so a reference config still loads. A name `ao` knows is not always
//! one the running program can use (its tracker adapters, say, are not built in yet): names
//! taken from a registry say which ones have an adapter, so that validation can warn before a
//! command fails.

/// What kind of plugin a name selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PluginKind {
    /// A coding-agent CLI.
    Agent,
    /// A session host.
    Runtime,
    /// A checkout provider.
    Workspace,
    /// An issue tracker.
    Tracker,
    /// A source-code host.
    Scm,
    /// A notification channel.
    Notifier,
}

impl PluginKind {
    /// The word used in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Runtime => "runtime",
            Self::Workspace => "workspace",
            Self::Tracker => "tracker",
            Self::Scm => "scm",
            Self::Notifier => "notifier",
        }
    }

    /// What fails when a name of this kind has no adapter, as the end of a sentence.
    pub(crate) fn fails_without_adapter(self) -> &'static str {
        match self {
            Self::Tracker => "issues cannot be read from it: `ao spawn <issue>` fails",
            Self::Scm => "ao cannot read or claim the project's pull requests",
            Self::Notifier => "notifications to it are not sent",
            Self::Agent | Self::Runtime | Self::Workspace => "sessions that use it fail to start",
        }
    }

    fn unsupported(self) -> &'static [&'static str] {
        match self {
            Self::Agent => &["cursor"],
            Self::Runtime => &[],
            Self::Workspace => &["clone"],
            Self::Tracker | Self::Scm => &["gitlab"],
            Self::Notifier => &["composio", "openclaw"],
        }
    }
}

/// Notifiers that need no entry under `notifiers:` to be routed to: `desktop` and
/// `orchestrator` have no settings.
pub const NOTIFIERS_WITHOUT_SETTINGS: &[&str] = &["desktop", "orchestrator"];

/// How a name is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameStatus {
    /// Usable: a built-in adapter or one an embedder registered.
    Supported,
    /// Known from the reference tool, not implemented by `ao`.
    Unsupported,
    /// A name `ao` knows, but this program has no adapter for it (none is built in or
    /// registered under it), so using it fails.
    NoAdapter,
    /// Nobody knows it.
    Unknown,
}

/// The names validation accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownNames {
    agents: Vec<String>,
    runtimes: Vec<String>,
    workspaces: Vec<String>,
    trackers: Vec<String>,
    scms: Vec<String>,
    notifiers: Vec<String>,
    /// The names an adapter exists for, when that is known (names taken from a registry);
    /// `None` takes every accepted name to have one.
    adapters: Option<Vec<(PluginKind, String)>>,
}

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_string()).collect()
}

impl KnownNames {
    /// The names of `ao`'s built-in adapters.
    pub fn builtin() -> Self {
        Self {
            agents: owned(&["claude-code", "codex", "aider", "opencode", "command"]),
            runtimes: owned(&["tmux", "process"]),
            workspaces: owned(&["worktree"]),
            trackers: owned(&["github", "linear"]),
            scms: owned(&["github"]),
            notifiers: owned(&["desktop", "webhook", "slack", "discord", "orchestrator"]),
            adapters: None,
        }
    }

    /// `ao`'s built-in names, of which only those later added with [`Self::with`] have an
    /// adapter: the others are reported as [`NameStatus::NoAdapter`].
    /// [`crate::plugin::Registry::known_names`] starts from here.
    pub fn builtin_without_adapters() -> Self {
        Self {
            adapters: Some(Vec::new()),
            ..Self::builtin()
        }
    }

    /// Adds a name an embedder registered (an adapter exists for it).
    #[must_use]
    pub fn with(mut self, kind: PluginKind, name: impl Into<String>) -> Self {
        let name = name.into();
        if let Some(adapters) = &mut self.adapters
            && !adapters.iter().any(|(k, n)| *k == kind && *n == name)
        {
            adapters.push((kind, name.clone()));
        }
        let list = self.list_mut(kind);
        if !list.contains(&name) {
            list.push(name);
        }
        self
    }

    fn list(&self, kind: PluginKind) -> &Vec<String> {
        match kind {
            PluginKind::Agent => &self.agents,
            PluginKind::Runtime => &self.runtimes,
            PluginKind::Workspace => &self.workspaces,
            PluginKind::Tracker => &self.trackers,
            PluginKind::Scm => &self.scms,
            PluginKind::Notifier => &self.notifiers,
        }
    }

    fn list_mut(&mut self, kind: PluginKind) -> &mut Vec<String> {
        match kind {
            PluginKind::Agent => &mut self.agents,
            PluginKind::Runtime => &mut self.runtimes,
            PluginKind::Workspace => &mut self.workspaces,
            PluginKind::Tracker => &mut self.trackers,
            PluginKind::Scm => &mut self.scms,
            PluginKind::Notifier => &mut self.notifiers,
        }
    }

    /// The supported names of one kind.
    pub fn supported(&self, kind: PluginKind) -> impl Iterator<Item = &str> {
        self.list(kind).iter().map(String::as_str)
    }

    /// Supported and unsupported names of one kind (for "did you mean").
    pub fn all(&self, kind: PluginKind) -> impl Iterator<Item = &str> {
        self.supported(kind)
            .chain(kind.unsupported().iter().copied())
    }

    /// Whether `name` is a usable `kind`.
    pub fn status(&self, kind: PluginKind, name: &str) -> NameStatus {
        if self.list(kind).iter().any(|n| n == name) {
            match &self.adapters {
                Some(adapters) if !adapters.iter().any(|(k, n)| *k == kind && n == name) => {
                    NameStatus::NoAdapter
                }
                _ => NameStatus::Supported,
            }
        } else if kind.unsupported().contains(&name) {
            NameStatus::Unsupported
        } else {
            NameStatus::Unknown
        }
    }
}

impl Default for KnownNames {
    fn default() -> Self {
        Self::builtin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_names() {
        let names = KnownNames::builtin();
        assert_eq!(
            names.status(PluginKind::Agent, "codex"),
            NameStatus::Supported
        );
        assert_eq!(
            names.status(PluginKind::Agent, "cursor"),
            NameStatus::Unsupported
        );
        assert_eq!(names.status(PluginKind::Agent, "codx"), NameStatus::Unknown);
        let names = names.with(PluginKind::Agent, "my-agent");
        assert_eq!(
            names.status(PluginKind::Agent, "my-agent"),
            NameStatus::Supported
        );
    }

    #[test]
    fn names_from_a_registry_say_which_have_an_adapter() {
        let names = KnownNames::builtin_without_adapters()
            .with(PluginKind::Tracker, "linear")
            .with(PluginKind::Tracker, "jira");
        for (name, status) in [
            ("github", NameStatus::NoAdapter),
            ("linear", NameStatus::Supported),
            ("jira", NameStatus::Supported),
            ("gitlab", NameStatus::Unsupported),
            ("gihub", NameStatus::Unknown),
        ] {
            assert_eq!(names.status(PluginKind::Tracker, name), status, "{name}");
        }
        assert_eq!(
            names.status(PluginKind::Scm, "github"),
            NameStatus::NoAdapter
        );
    }
}
