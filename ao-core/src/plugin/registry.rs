//! Name → factory, per plugin kind: how a config's `agent: codex` becomes an adapter.
//!
//! The CLI fills a registry with the built-in adapters; an embedder adds its own. Validation
//! asks the registry which names exist ([`Registry::known_names`]), so an embedder's adapter
//! names validate like the built-ins.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::{Agent, Notifier, Runtime, Scm, Tracker, Workspace};
use crate::config::{KnownNames, NameStatus, PluginKind};
use crate::home::AoHome;

/// What a factory gets to build a plugin.
#[derive(Debug, Clone)]
pub struct PluginContext {
    /// The name it was asked for.
    pub name: String,
    /// Plugin settings from the config (`${VAR}` already expanded), or null.
    pub settings: serde_json::Value,
    /// The `AO_HOME` in use, for plugins that keep files there (e.g. the runtimes).
    pub home: AoHome,
}

/// Builds one kind of plugin.
pub type Factory<T> = Arc<dyn Fn(&PluginContext) -> Result<Arc<T>, RegistryError> + Send + Sync>;

/// Why a plugin could not be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Nothing is registered under this name.
    #[error("{}", unknown_name(*kind, name, known))]
    UnknownName {
        /// The plugin kind that was asked for.
        kind: PluginKind,
        /// The name asked for, under which no factory is registered.
        name: String,
        /// Registered names of that kind.
        known: Vec<String>,
    },
    /// A name known from the reference tool that `ao` does not implement.
    #[error("{} `{name}` is not supported by ao", kind.noun())]
    Unsupported {
        /// The plugin kind that was asked for.
        kind: PluginKind,
        /// The name asked for, known from the reference tool but not implemented by `ao`.
        name: String,
    },
    /// The factory failed.
    #[error("cannot create {} `{name}`: {detail}", kind.noun())]
    Failed {
        /// The kind of plugin that could not be built.
        kind: PluginKind,
        /// The name whose factory failed.
        name: String,
        /// The factory's error, as text.
        detail: String,
    },
}

/// Says that no adapter is registered under `name`, and which ones are: a name `ao` knows (a
/// tracker `github` before the tracker adapters ship) is not called unknown, and an empty list
/// says so rather than ending in "known: ".
fn unknown_name(kind: PluginKind, name: &str, known: &[String]) -> String {
    let noun = kind.noun();
    let ao_knows = KnownNames::builtin().status(kind, name) == NameStatus::Supported;
    match (ao_knows, known.is_empty()) {
        (true, true) => format!(
            "no {noun} adapter `{name}` is built into this ao: it has no {noun} adapters yet"
        ),
        (true, false) => format!(
            "no {noun} adapter `{name}` is built into this ao; known: {}",
            known.join(", ")
        ),
        (false, true) => {
            format!("unknown {noun} `{name}`: this ao has no {noun} adapters yet")
        }
        (false, false) => format!("unknown {noun} `{name}`; known: {}", known.join(", ")),
    }
}

struct Slot<T: ?Sized> {
    kind: PluginKind,
    factories: BTreeMap<String, Factory<T>>,
}

impl<T: ?Sized> Slot<T> {
    fn new(kind: PluginKind) -> Self {
        Self {
            kind,
            factories: BTreeMap::new(),
        }
    }

    fn names(&self) -> Vec<String> {
        self.factories.keys().cloned().collect()
    }

    fn build(&self, ctx: &PluginContext) -> Result<Arc<T>, RegistryError> {
        match self.factories.get(&ctx.name) {
            Some(factory) => factory(ctx),
            None if KnownNames::builtin().status(self.kind, &ctx.name)
                == NameStatus::Unsupported =>
            {
                Err(RegistryError::Unsupported {
                    kind: self.kind,
                    name: ctx.name.clone(),
                })
            }
            None => Err(RegistryError::UnknownName {
                kind: self.kind,
                name: ctx.name.clone(),
                known: self.names(),
            }),
        }
    }
}

/// Name → factory for every plugin kind: how `agent: codex` in a config becomes an adapter.
/// Start from [`Registry::builtin`] (or empty, [`Registry::new`]) and register your own; config
/// validation accepts every registered name.
///
/// ```
/// use std::sync::Arc;
///
/// use ao_core::config::{NameStatus, PluginKind};
/// use ao_core::home::AoHome;
/// use ao_core::plugin::{Agent, FakeAgent, PluginContext, Registry};
///
/// let mut registry = Registry::builtin();
/// registry.register_agent("notes-bot", |ctx| {
///     Ok(Arc::new(FakeAgent::new(ctx.name.clone(), "notes-bot")) as Arc<dyn Agent>)
/// });
/// assert_eq!(
///     registry.known_names().status(PluginKind::Agent, "notes-bot"),
///     NameStatus::Supported
/// );
/// let agent = registry.agent(&PluginContext {
///     name: "notes-bot".into(),
///     settings: serde_json::Value::Null,
///     home: AoHome::new("/tmp/ao"),
/// })?;
/// assert_eq!(agent.name(), "notes-bot");
/// assert!(registry.agent(&PluginContext { name: "nope".into(), settings: serde_json::Value::Null, home: AoHome::new("/tmp/ao") }).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Registry {
    agents: Slot<dyn Agent>,
    runtimes: Slot<dyn Runtime>,
    workspaces: Slot<dyn Workspace>,
    trackers: Slot<dyn Tracker>,
    scms: Slot<dyn Scm>,
    notifiers: Slot<dyn Notifier>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Registry");
        for (kind, names) in self.names() {
            s.field(kind.noun(), &names);
        }
        s.finish()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

macro_rules! slot_methods {
    ($register:ident, $build:ident, $field:ident, $trait:ident, $noun:literal) => {
        #[doc = concat!("Registers a ", $noun, " factory under `name` (replacing any earlier one).")]
        pub fn $register(
            &mut self,
            name: impl Into<String>,
            factory: impl Fn(&PluginContext) -> Result<Arc<dyn $trait>, RegistryError>
            + Send
            + Sync
            + 'static,
        ) -> &mut Self {
            self.$field.factories.insert(name.into(), Arc::new(factory));
            self
        }

        #[doc = concat!("Builds the ", $noun, " named in `ctx`.")]
        pub fn $build(&self, ctx: &PluginContext) -> Result<Arc<dyn $trait>, RegistryError> {
            self.$field.build(ctx)
        }
    };
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self {
            agents: Slot::new(PluginKind::Agent),
            runtimes: Slot::new(PluginKind::Runtime),
            workspaces: Slot::new(PluginKind::Workspace),
            trackers: Slot::new(PluginKind::Tracker),
            scms: Slot::new(PluginKind::Scm),
            notifiers: Slot::new(PluginKind::Notifier),
        }
    }

    /// Registered names of every kind.
    fn names(&self) -> [(PluginKind, Vec<String>); 6] {
        [
            (PluginKind::Agent, self.agents.names()),
            (PluginKind::Runtime, self.runtimes.names()),
            (PluginKind::Workspace, self.workspaces.names()),
            (PluginKind::Tracker, self.trackers.names()),
            (PluginKind::Scm, self.scms.names()),
            (PluginKind::Notifier, self.notifiers.names()),
        ]
    }

    /// The names agents are registered under.
    pub fn agent_names(&self) -> Vec<String> {
        self.agents.names()
    }

    slot_methods!(register_agent, agent, agents, Agent, "agent");
    slot_methods!(register_runtime, runtime, runtimes, Runtime, "runtime");
    slot_methods!(
        register_workspace,
        workspace,
        workspaces,
        Workspace,
        "workspace"
    );
    slot_methods!(register_tracker, tracker, trackers, Tracker, "tracker");
    slot_methods!(register_scm, scm, scms, Scm, "scm");
    slot_methods!(register_notifier, notifier, notifiers, Notifier, "notifier");

    /// The names config validation accepts: `ao`'s built-in names plus every registered one;
    /// a built-in name nothing is registered under is [`NameStatus::NoAdapter`], so that a
    /// config choosing it gets a warning rather than a failure when the adapter is first used.
    pub fn known_names(&self) -> KnownNames {
        let mut known = KnownNames::builtin_without_adapters();
        for (kind, names) in self.names() {
            for name in names {
                known = known.with(kind, name);
            }
        }
        // Built by the lifecycle from the running facade, not by a factory: always there.
        known.with(PluginKind::Notifier, "orchestrator")
    }
}

impl crate::error::Classify for RegistryError {
    fn class(&self) -> crate::error::ErrorClass {
        // A plugin that cannot be had is a program or service that is not available.
        crate::error::ErrorClass::Unavailable
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::FakeAgent;

    fn ctx(name: &str) -> PluginContext {
        PluginContext {
            name: name.into(),
            settings: serde_json::Value::Null,
            home: AoHome::new("/tmp/ao"),
        }
    }

    #[test]
    fn builds_by_name_and_lists_known_names_when_unknown() {
        let mut r = Registry::new();
        r.register_agent("my-agent", |c| {
            Ok(Arc::new(FakeAgent::new(c.name.clone(), "true")) as Arc<dyn Agent>)
        });
        assert_eq!(r.agent(&ctx("my-agent")).unwrap().name(), "my-agent");
        let err = r.agent(&ctx("nope")).err().expect("an error");
        assert_eq!(err.to_string(), "unknown agent `nope`; known: my-agent");
        let err = r.agent(&ctx("codex")).err().expect("an error");
        assert_eq!(
            err.to_string(),
            "no agent adapter `codex` is built into this ao; known: my-agent"
        );
        // With nothing registered, the message says so instead of listing nothing.
        let err = r.tracker(&ctx("github")).err().expect("an error");
        assert_eq!(
            err.to_string(),
            "no tracker adapter `github` is built into this ao: it has no tracker adapters yet"
        );
        let err = r.scm(&ctx("forgejo")).err().expect("an error");
        assert_eq!(
            err.to_string(),
            "unknown scm `forgejo`: this ao has no scm adapters yet"
        );
        assert!(matches!(
            r.agent(&ctx("cursor")),
            Err(RegistryError::Unsupported { .. })
        ));
    }

    #[test]
    fn registered_names_validate() {
        let mut r = Registry::new();
        r.register_agent("my-agent", |c| {
            Ok(Arc::new(FakeAgent::new(c.name.clone(), "true")) as Arc<dyn Agent>)
        });
        let names = r.known_names();
        assert_eq!(
            names.status(PluginKind::Agent, "my-agent"),
            NameStatus::Supported
        );
        // A name ao knows is still accepted, but said to have no adapter here.
        assert_eq!(
            names.status(PluginKind::Agent, "codex"),
            NameStatus::NoAdapter
        );
        let cfg = crate::config::load_str(
            std::path::Path::new("/x/c.yaml"),
            "projects: {app: {path: /tmp, agent: my-agent}}\n",
            &names,
            &|_| None,
        );
        assert!(cfg.is_ok());
    }
}
