//! The facade itself: one config's projects, the plugins of a registry, the records of a store.

use std::sync::Arc;

use super::error::OrchestratorError;
use super::options::Options;
use crate::config::{Config, Project};
use crate::domain::{ProjectId, SessionId};
use crate::plugin::{PluginContext, Registry, Scm, ScmContext, Tracker, TrackerContext};
use crate::store::{SessionRecord, Store, StoreError};

/// A project's tracker with the context its calls take.
pub(crate) type TrackerFor = (Arc<dyn Tracker>, TrackerContext);

/// A project's SCM with the context its calls take.
pub(crate) type ScmFor = (Arc<dyn Scm>, ScmContext);

/// One project in an observation, and the facade that owns it.
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub(crate) orch: &'a Orchestrator,
    pub(crate) project: &'a Project,
}

impl std::fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Scope").field(&self.project.id).finish()
    }
}

/// Runs sessions of the projects of one config, with plugins from a registry and records in a
/// store. Cloning it is cheap: the clone shares config, registry and store.
#[derive(Clone)]
pub struct Orchestrator {
    pub(crate) config: Arc<Config>,
    pub(crate) registry: Arc<Registry>,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) options: Options,
}

impl std::fmt::Debug for Orchestrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orchestrator")
            .field("config", &self.config.path)
            .field("registry", &self.registry)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Orchestrator {
    /// A facade over `config`, building plugins from `registry`, keeping records in `store`.
    pub fn new(
        config: Config,
        registry: Registry,
        store: Arc<dyn Store>,
        options: Options,
    ) -> Self {
        Self {
            config: Arc::new(config),
            registry: Arc::new(registry),
            store,
            options,
        }
    }

    /// A facade over `config` sharing a registry (as every project of a [`crate::fleet::Fleet`]
    /// does).
    pub fn with_shared_registry(
        config: Config,
        registry: Arc<Registry>,
        store: Arc<dyn Store>,
        options: Options,
    ) -> Self {
        Self {
            config: Arc::new(config),
            registry,
            store,
            options,
        }
    }

    /// The options in use.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The config in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The store in use.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Refuses when a scoped caller (an orchestrator) acts on another project.
    pub(crate) fn in_scope(&self, project: &ProjectId) -> Result<(), OrchestratorError> {
        match &self.options.scope {
            Some(scope) if scope != project => Err(OrchestratorError::OutOfScope {
                scope: scope.clone(),
                project: project.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// The project an acting command works on, checked against the caller's scope.
    pub(super) fn acting_on(&self, id: &ProjectId) -> Result<&Project, OrchestratorError> {
        self.in_scope(id)?;
        self.project(id)
    }

    pub(crate) fn project(&self, id: &ProjectId) -> Result<&Project, OrchestratorError> {
        Ok(self.config.require_project(id.as_str())?)
    }

    pub(super) fn plugin_context(&self, name: &str, settings: serde_json::Value) -> PluginContext {
        PluginContext {
            name: name.to_string(),
            settings,
            home: self.options.home.clone(),
        }
    }

    pub(crate) async fn record(
        &self,
        project: &ProjectId,
        id: &SessionId,
    ) -> Result<SessionRecord, OrchestratorError> {
        match self.store.get(project, id).await {
            Err(StoreError::NotFound { .. }) => Err(OrchestratorError::SessionNotFound {
                project: project.clone(),
                id: id.clone(),
            }),
            other => Ok(other?),
        }
    }
}
