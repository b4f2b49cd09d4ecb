//! The fleet: every registered project's sessions, as one.
//!
//! An [`Orchestrator`] serves the projects of one config file. A person, the daemon and an
//! orchestrator agent think in sessions and projects instead — `ao send app-3` from any
//! directory, `ao status` over everything, `ao stop --all` — so the [`Fleet`] holds one
//! facade per config: every config of the project registry (`$AO_HOME/projects.json`), plus
//! optionally the config a command was pointed at. It owns what spans projects: which project
//! a session or project id means, observing every session in a fixed number of runtime calls,
//! reconciliation, cleanup and restore across projects, stopping every orchestrator — and it
//! registers a project before its first session, so that every session shows up everywhere
//! and session prefixes stay unique.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{self, Config, ConfigError, Project};
use crate::domain::{ProjectId, SessionId};
use crate::home::AoHome;
use crate::orchestrator::{
    CleanupReport, Observation, Options, Orchestrator, OrchestratorError, Orphan, SessionFilter,
    SpawnOutcome, SpawnRequest, StartOutcome,
};
use crate::plugin::Registry;
use crate::projects::{ProjectRegistry, Registered};
use crate::store::{SessionRecord, Store};

/// What config discovery looks at in this process (`--config` given as `explicit`), knowing
/// which project owns the session worktree the working directory is in, if any: there the
/// owning project's config is used, not the worktree's checked-out copy.
pub fn discovery_input(explicit: Option<PathBuf>) -> Result<config::DiscoveryInput, ConfigError> {
    let mut input = config::DiscoveryInput::from_process(explicit)?;
    if let Ok(home) = AoHome::from_env() {
        input.owner = ProjectRegistry::new(&home).config_owning(&home, &input.cwd);
    }
    Ok(input)
}

/// A registered project whose config cannot be used now; its sessions are left out.
#[derive(Debug)]
pub struct FleetProblem {
    /// The registered projects it concerns.
    pub projects: Vec<ProjectId>,
    /// Their config file.
    pub config: PathBuf,
    /// What is wrong.
    pub error: ConfigError,
}

impl std::fmt::Display for FleetProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.projects.iter().map(ProjectId::as_str).collect();
        write!(
            f,
            "registered project(s) {} left out: {}",
            ids.join(", "),
            self.error
        )
    }
}

/// Which facade serves a project.
#[derive(Debug, Clone, Copy)]
struct Owner {
    member: usize,
    registered: bool,
}

/// Every registered project (plus an optional extra config's), each served by the
/// [`Orchestrator`] of its config.
///
/// ```
/// use std::sync::Arc;
///
/// use ao_core::config::{self, KnownNames};
/// use ao_core::fleet::Fleet;
/// use ao_core::home::AoHome;
/// use ao_core::orchestrator::{Options, SessionFilter, SpawnRequest};
/// use ao_core::plugin::{FakeRuntime, FakeWorkspace, Registry, Runtime, Workspace};
/// use ao_core::store::FileStore;
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("agent-orchestrator.yaml");
/// std::fs::write(
///     &path,
///     "projects:\n  app:\n    path: .\n    sessionPrefix: app\n    agent: command\n    agentConfig: {command: [sleep, '30'], promptVia: none}\n",
/// )?;
/// // ao-core's adapters, with in-process stand-ins for tmux and git worktrees.
/// let mut registry = Registry::builtin();
/// let runtime = Arc::new(FakeRuntime::named("tmux"));
/// registry.register_runtime("tmux", move |_| Ok(runtime.clone() as Arc<dyn Runtime>));
/// let workspace = Arc::new(FakeWorkspace::new());
/// registry.register_workspace("worktree", move |_| Ok(workspace.clone() as Arc<dyn Workspace>));
///
/// let home = AoHome::new(dir.path().join("ao-home"));
/// let config = config::load(&path, &registry.known_names())?;
/// let fleet = Fleet::load(registry, Arc::new(FileStore::new(home.clone())), Options::new(home), Some(config))?;
///
/// // A spawn registers its project: from now on every fleet of this AO_HOME sees it.
/// let spawned = fleet.spawn(SpawnRequest { prompt: Some("fix the test".into()), ..SpawnRequest::default() }).await?;
/// let (_, project, id) = fleet.session("app-1")?;
/// assert_eq!((project.as_str(), id), ("app", spawned.record.id));
/// let seen = fleet.observe(&SessionFilter::all()).await?;
/// assert_eq!(seen.sessions.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Fleet {
    home: AoHome,
    /// Whether the first member is the config the command was pointed at.
    pointed: bool,
    members: Vec<Orchestrator>,
    owners: BTreeMap<ProjectId, Owner>,
    problems: Vec<FleetProblem>,
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fleet")
            .field("home", &self.home)
            .field("projects", &self.owners.keys().collect::<Vec<_>>())
            .field("problems", &self.problems)
            .finish_non_exhaustive()
    }
}

/// Whether two config paths name the same file (a path that cannot be resolved — gone, say —
/// is compared as written).
fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || std::fs::canonicalize(a)
            .ok()
            .zip(std::fs::canonicalize(b).ok())
            .is_some_and(|(a, b)| a == b)
}

impl Fleet {
    /// The fleet of `options.home`: every registered project, and every project of `extra`
    /// (the config a command was pointed at, registered or not), with `registry`'s adapters
    /// and records in `store`. A registered config that cannot be loaded is left out and
    /// reported in [`Self::problems`]; an unreadable project registry is an error.
    pub fn load(
        registry: Registry,
        store: Arc<dyn Store>,
        options: Options,
        extra: Option<Config>,
    ) -> Result<Self, OrchestratorError> {
        let home = options.home.clone();
        let registry = Arc::new(registry);
        let names = registry.known_names();
        let registered = ProjectRegistry::new(&home).list()?;
        let mut fleet = Self {
            home,
            pointed: extra.is_some(),
            members: Vec::new(),
            owners: BTreeMap::new(),
            problems: Vec::new(),
        };
        let member = |config: Config| {
            Orchestrator::with_shared_registry(
                config,
                registry.clone(),
                store.clone(),
                options.clone(),
            )
        };
        if let Some(config) = extra {
            fleet.members.push(member(config));
        }
        let mut by_config: BTreeMap<PathBuf, Vec<ProjectId>> = BTreeMap::new();
        for (id, entry) in registered {
            by_config.entry(entry.config_path).or_default().push(id);
        }
        for (path, ids) in by_config {
            let index = match fleet
                .members
                .iter()
                .position(|m| same_file(&m.config().path, &path))
            {
                Some(i) => i,
                None => match config::load(&path, &names) {
                    Ok(config) => {
                        fleet.members.push(member(config));
                        fleet.members.len() - 1
                    }
                    Err(error) => {
                        fleet.problems.push(FleetProblem {
                            projects: ids,
                            config: path,
                            error,
                        });
                        continue;
                    }
                },
            };
            let mut missing = Vec::new();
            for id in ids {
                if fleet.members[index].config().project(id.as_str()).is_some() {
                    fleet.owners.insert(
                        id,
                        Owner {
                            member: index,
                            registered: true,
                        },
                    );
                } else {
                    missing.push(id);
                }
            }
            if !missing.is_empty() {
                let known = fleet.members[index]
                    .config()
                    .projects
                    .keys()
                    .cloned()
                    .collect();
                fleet.problems.push(FleetProblem {
                    error: ConfigError::UnknownProject {
                        id: missing[0].to_string(),
                        known,
                    },
                    projects: missing,
                    config: path,
                });
            }
        }
        // The extra config's own projects, unless registered to another config (which wins;
        // registering this one would be refused as a clash).
        if let (true, Some(first)) = (fleet.pointed, fleet.members.first()) {
            let ids: Vec<ProjectId> = first
                .config()
                .projects
                .values()
                .map(|p| p.id.clone())
                .collect();
            for id in ids {
                fleet.owners.entry(id).or_insert(Owner {
                    member: 0,
                    registered: false,
                });
            }
        }
        Ok(fleet)
    }

    /// The `AO_HOME` holding the project registry and every session's state.
    pub fn home(&self) -> &AoHome {
        &self.home
    }

    /// Whether the fleet has no project at all.
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }

    /// Every project, by id.
    pub fn projects(&self) -> impl Iterator<Item = &Project> {
        self.owners
            .iter()
            .filter_map(|(id, o)| self.members[o.member].config().project(id.as_str()))
    }

    /// Every facade (one per config).
    pub fn orchestrators(&self) -> &[Orchestrator] {
        &self.members
    }

    /// Registered projects left out, and why.
    pub fn problems(&self) -> &[FleetProblem] {
        &self.problems
    }

    fn known(&self) -> Vec<String> {
        self.owners.keys().map(ToString::to_string).collect()
    }

    /// The facade serving `project`.
    pub fn orchestrator(&self, project: &ProjectId) -> Result<&Orchestrator, OrchestratorError> {
        self.owners
            .get(project)
            .map(|o| &self.members[o.member])
            .ok_or_else(|| OrchestratorError::ProjectNotFound {
                project: project.to_string(),
                known: self.known(),
            })
    }

    /// The project a command means: `explicit` if given (any project of the fleet); else the
    /// only project of the config the command was pointed at (or of the fleet, without one);
    /// else `env_project` (`AO_PROJECT_ID`); else the one whose path contains `cwd`; else an
    /// error listing them (see [`crate::config::choose_project`]).
    pub fn choose_project(
        &self,
        explicit: Option<&str>,
        env_project: Option<&str>,
        cwd: &Path,
    ) -> Result<ProjectId, OrchestratorError> {
        let known: Vec<&Project> = self.projects().collect();
        let pointed: Vec<&Project> = match (self.pointed, self.members.first()) {
            (true, Some(m)) => known
                .iter()
                .copied()
                .filter(|p| m.config().project(p.id.as_str()).is_some())
                .collect(),
            _ => known.clone(),
        };
        Ok(
            crate::config::choose_project(&known, &pointed, explicit, env_project, cwd)?
                .id
                .clone(),
        )
    }

    /// The facade, project and id of a session named on a command line: its prefix names the
    /// project (prefixes are unique among registered projects).
    pub fn session(
        &self,
        name: &str,
    ) -> Result<(&Orchestrator, ProjectId, SessionId), OrchestratorError> {
        let unknown = || OrchestratorError::UnknownSession {
            session: name.to_string(),
        };
        let id = SessionId::new(name).map_err(|_| unknown())?;
        let (project, owner) = self
            .owners
            .iter()
            .filter_map(|(pid, o)| {
                let project = self.members[o.member].config().project(pid.as_str())?;
                project
                    .names_session(name)
                    .then_some((pid, o, project.session_prefix.len()))
            })
            .max_by_key(|(_, o, len)| (*len, o.registered))
            .map(|(pid, o, _)| (pid.clone(), *o))
            .ok_or_else(unknown)?;
        Ok((&self.members[owner.member], project, id))
    }

    /// The facade a command that acts on `project` uses: the config the command was pointed at
    /// when that defines it (so registering it reports a clash with another config's project
    /// of the same id), else the one serving it.
    pub fn acting_on(&self, project: &ProjectId) -> Result<&Orchestrator, OrchestratorError> {
        match self.members.first() {
            Some(first) if self.pointed && first.config().project(project.as_str()).is_some() => {
                Ok(first)
            }
            _ => self.orchestrator(project),
        }
    }

    /// Registers `project` with its config (what `ao start` and `ao spawn` do first): an id
    /// another config owns, or a prefix another registered project uses, is refused.
    pub fn register(&self, project: &ProjectId) -> Result<Registered, OrchestratorError> {
        let orch = self.acting_on(project)?;
        let p = orch.project(project)?;
        Ok(ProjectRegistry::new(&self.home).register(
            project,
            &orch.config().path,
            &p.session_prefix,
        )?)
    }

    /// Registers the request's project, then spawns a worker in it (a dry run registers
    /// nothing). Without a project, the fleet's only one.
    pub async fn spawn(&self, mut req: SpawnRequest) -> Result<SpawnOutcome, OrchestratorError> {
        let project = match req.project.take() {
            Some(p) => p,
            None => self.only_project()?,
        };
        let orch = self.acting_on(&project)?;
        if !req.dry_run {
            self.register(&project)?;
        }
        req.project = Some(project);
        orch.spawn(req).await
    }

    fn only_project(&self) -> Result<ProjectId, OrchestratorError> {
        match self.owners.keys().collect::<Vec<_>>().as_slice() {
            [only] => Ok((*only).clone()),
            _ => Err(OrchestratorError::Config(ConfigError::AmbiguousProject {
                known: self.known(),
            })),
        }
    }

    /// Registers `project`, then starts (or keeps) its orchestrator.
    pub async fn start(&self, project: &ProjectId) -> Result<StartOutcome, OrchestratorError> {
        let orch = self.acting_on(project)?;
        self.register(project)?;
        orch.start_orchestrator(project).await
    }

    /// Stops every project's orchestrator (records kept); per project, the stopped record
    /// (none when it had no orchestrator) or why it could not be stopped.
    pub async fn stop_all(
        &self,
    ) -> Vec<(ProjectId, Result<Option<SessionRecord>, OrchestratorError>)> {
        let mut out = Vec::new();
        for (id, owner) in &self.owners {
            let orch = &self.members[owner.member];
            if orch.in_scope(id).is_err() {
                continue;
            }
            out.push((id.clone(), orch.stop_orchestrator(id).await));
        }
        out
    }

    /// The projects an operation covers: one (checked to exist) or all.
    fn scope(
        &self,
        project: Option<&ProjectId>,
    ) -> Result<Vec<crate::orchestrator::Scope<'_>>, OrchestratorError> {
        use crate::orchestrator::Scope;
        let mut out = Vec::new();
        for (id, owner) in &self.owners {
            if project.is_some_and(|p| p != id) {
                continue;
            }
            let orch = &self.members[owner.member];
            out.push(Scope {
                orch,
                project: orch.project(id)?,
            });
        }
        if let Some(p) = project
            && out.is_empty()
        {
            return Err(OrchestratorError::ProjectNotFound {
                project: p.to_string(),
                known: self.known(),
            });
        }
        Ok(out)
    }

    /// One look at the sessions `filter` shows, across projects — in a fixed number of runtime
    /// calls — with unreadable records and what crashes left behind.
    pub async fn observe(&self, filter: &SessionFilter) -> Result<Observation, OrchestratorError> {
        let scope = self.scope(filter.project.as_ref())?;
        crate::orchestrator::observe::observe(&scope, filter).await
    }

    /// [`Self::observe`], with the agents' summaries and the workers' pull requests, checks and
    /// reviews from the forge — one batch per repository, last known answers marked stale
    /// when the forge cannot be asked.
    pub async fn status(&self, filter: &SessionFilter) -> Result<Observation, OrchestratorError> {
        let scope = self.scope(filter.project.as_ref())?;
        crate::orchestrator::observe::status(&scope, filter, None).await
    }

    /// [`Self::status`], taking a repository's kept answers as they are when they were fetched
    /// less than `max_age` ago (by the daemon's ticks), so that a look spends no request of its
    /// own while the daemon keeps them fresh.
    pub async fn status_cached(
        &self,
        filter: &SessionFilter,
        max_age: std::time::Duration,
    ) -> Result<Observation, OrchestratorError> {
        let scope = self.scope(filter.project.as_ref())?;
        crate::orchestrator::observe::status(&scope, filter, Some(max_age)).await
    }

    /// What crashes left behind across projects — runtime sessions and worktrees no record
    /// accounts for, spawns whose creator died, launch handoffs nobody fetched — which
    /// [`Self::cleanup`] removes.
    pub async fn reconcile(&self) -> Result<Vec<Orphan>, OrchestratorError> {
        Ok(self.observe(&SessionFilter::all()).await?.orphans)
    }

    /// The projects a caller may act on: one, or all — only its own for a scoped caller (an
    /// orchestrator agent).
    fn acting_scope(
        &self,
        project: Option<&ProjectId>,
    ) -> Result<Vec<crate::orchestrator::Scope<'_>>, OrchestratorError> {
        let scoped = self.members.first().and_then(|m| m.options().scope.clone());
        if let (Some(p), Some(first)) = (project, self.members.first()) {
            first.in_scope(p)?;
        }
        self.scope(project.or(scoped.as_ref()))
    }

    /// Removes, across projects, workers whose process is gone or whose branch is merged and
    /// what crashes left behind — never unsaved work.
    pub async fn cleanup(
        &self,
        project: Option<&ProjectId>,
        dry_run: bool,
    ) -> Result<CleanupReport, OrchestratorError> {
        let scope = self.acting_scope(project)?;
        crate::orchestrator::sessions::cleanup(&scope, dry_run).await
    }

    /// The unsaved work forced kills saved, across projects (or in `project`), oldest first.
    pub async fn rescues(
        &self,
        project: Option<&ProjectId>,
    ) -> Result<Vec<crate::plugin::Rescue>, OrchestratorError> {
        crate::orchestrator::sessions::rescues(&self.scope(project)?).await
    }

    /// Relaunches, across projects, every session whose process is gone (not those stopped on
    /// purpose); the restored records and, per failure, why.
    pub async fn restore_all(
        &self,
        project: Option<&ProjectId>,
    ) -> Result<(Vec<SessionRecord>, Vec<(SessionId, OrchestratorError)>), OrchestratorError> {
        let scope = self.acting_scope(project)?;
        crate::orchestrator::sessions::restore_all(&scope).await
    }
}
