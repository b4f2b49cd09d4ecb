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
    #[error("unknown {} `{name}`; known: {}", kind.noun(), known.join(", "))]
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

    /// The names config validation accepts: `ao`'s built-in names plus every registered one.
    pub fn known_names(&self) -> KnownNames {
        let mut known = KnownNames::builtin();
        for (kind, names) in self.names() {
            for name in names {
                known = known.with(kind, name);
            }
        }
        known
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
        assert_eq!(
            names.status(PluginKind::Agent, "codex"),
            NameStatus::Supported
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
