//! Creating sessions: `spawn` (a worker) and `start_orchestrator` — each a transaction that
//! leaves nothing behind when a step fails, and that is recorded before anything else is made.
//!
//! Record-first: the session's record is written (phase `spawning`, with where its workspace
//! and runtime session will be, and the stamp of the process making it) before the workspace
//! or runtime exist; each step then updates it. A failed step rolls back what was made and
//! archives the record with the error. A crash at any point leaves a record that listings
//! show, that `kill` can finish, and that reconciliation reports as an interrupted spawn once
//! its creator is gone.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::outcome::{SpawnOutcome, StartOutcome};
use super::request::SpawnRequest;
use super::{Orchestrator, OrchestratorError};
use crate::config::{ConfigError, OrchestratorSessionStrategy, RoleOverrides};
use crate::domain::{
    ActivityState, IssueLink, IssueRef, LaunchSpec, ProjectId, Role, RuntimeStatus, SessionId,
    SessionPhase,
};
use crate::owner::ProcessStamp;
use crate::plugin::{
    Agent, Issue, IssueState, LaunchRequest, ModelNotice, Runtime, RuntimeHandle, TrackerError,
    Workspace, WorkspaceInfo, WorkspaceRequest,
};
use crate::prompt::{WorkerPlace, orchestrator_system_prompt, worker_system_prompt, worker_task};
use crate::store::{SessionRecord, StoreError};

/// How long a spawn waits, at most, for a new agent to say which model it runs (a busy
/// machine delays an agent's first hook by a second or more).
const MODEL_WATCH: Duration = Duration::from_secs(3);

/// Undo list of a spawn in progress.
#[derive(Default)]
struct Rollback {
    workspace: Option<(Arc<dyn Workspace>, WorkspaceInfo)>,
    runtime: Option<(Arc<dyn Runtime>, RuntimeHandle)>,
}

impl Rollback {
    /// Undoes what it can. A step that fails to undo leaves its part behind unrecorded —
    /// a tagged runtime session or a worktree with no live record — which reconciliation
    /// reports and `cleanup` removes; the spawn's own error is what the caller needs.
    async fn run(self) {
        if let Some((runtime, handle)) = self.runtime {
            let _ = runtime.stop(&handle).await;
        }
        if let Some((workspace, info)) = self.workspace {
            // Just created: anything in it came from this spawn (e.g. postCreate output), and a
            // forced destroy still saves it under a rescue ref first.
            let _ = workspace.destroy(&info, true).await;
        }
    }
}

impl Orchestrator {
    /// Spawns a worker: its record first, then its workspace and its runtime session, undoing
    /// every step already taken when a later one fails (the record is archived with the error;
    /// its id is never handed out again). The new agent is watched for up to
    /// [`Options::spawn_watch`](super::Options::spawn_watch): one that dies at once is
    /// [`OrchestratorError::AgentExited`], its session kept for `restore` or `kill`.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use ao_core::config::{self, KnownNames};
    /// use ao_core::home::AoHome;
    /// use ao_core::orchestrator::{Options, Orchestrator, SpawnRequest};
    /// use ao_core::plugin::{FakeRuntime, FakeWorkspace, Registry, Runtime, Workspace};
    /// use ao_core::store::InMemoryStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("agent-orchestrator.yaml");
    /// std::fs::write(
    ///     &path,
    ///     "projects:\n  app:\n    path: .\n    sessionPrefix: app\n    agent: command\n    agentConfig: {command: [sleep, '30'], promptVia: none}\n",
    /// )?;
    /// let runtime = Arc::new(FakeRuntime::named("tmux"));
    /// let mut registry = Registry::builtin();
    /// let rt = runtime.clone();
    /// registry.register_runtime("tmux", move |_| Ok(rt.clone() as Arc<dyn Runtime>));
    /// registry.register_workspace("worktree", |_| Ok(Arc::new(FakeWorkspace::new()) as Arc<dyn Workspace>));
    /// let config = config::load(&path, &registry.known_names())?;
    /// let orch = Orchestrator::new(
    ///     config,
    ///     registry,
    ///     Arc::new(InMemoryStore::new()),
    ///     Options::new(AoHome::new(dir.path().join("ao-home"))),
    /// );
    /// let out = orch.spawn(SpawnRequest { prompt: Some("fix the test".into()), ..SpawnRequest::default() }).await?;
    /// assert_eq!(out.record.id.as_str(), "app-1");
    /// assert_eq!(out.record.branch.as_deref(), Some("session/app-1"));
    /// assert_eq!(runtime.running(), ["app-1"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn spawn(&self, req: SpawnRequest) -> Result<SpawnOutcome, OrchestratorError> {
        let project_id = match &req.project {
            Some(p) => p.clone(),
            None => match self.config.projects.values().collect::<Vec<_>>().as_slice() {
                [only] => only.id.clone(),
                several => {
                    return Err(OrchestratorError::Config(ConfigError::AmbiguousProject {
                        known: several.iter().map(|p| p.id.to_string()).collect(),
                    }));
                }
            },
        };
        let project = self.acting_on(&project_id)?;
        Self::project_path_exists(project)?;
        if req.issue.is_none()
            && req.claim_pr.is_none()
            && req.prompt.as_deref().is_some_and(|p| p.trim().is_empty())
        {
            return Err(OrchestratorError::EmptyTask);
        }
        let overrides = RoleOverrides {
            agent: req.agent.clone(),
            model: req.model.clone(),
        };
        let resolved = self
            .config
            .resolve_role(project.id.as_str(), Role::Worker, &overrides)?;
        let agent = self.agent_named(&resolved.agent.value)?;
        let runtime = self.runtime_for(project)?;
        let workspace = self.workspace_for(project)?;

        let mut warnings = Vec::new();
        let mut claim = req.claim_pr.clone();
        let (issue_ref, issue) = match &req.issue {
            None => (None, None),
            Some(text) => {
                let issue_ref = IssueRef::parse(text)?;
                let inner = match &issue_ref {
                    IssueRef::Routed { issue, .. } => issue.as_ref().clone(),
                    other => other.clone(),
                };
                if let IssueRef::PullRequest { pr } = &inner {
                    // A pull request URL means: take over that pull request.
                    claim = Some(pr.clone());
                    (None, None)
                } else {
                    let Some((tracker, ctx)) = self.tracker_for(project)? else {
                        return Err(OrchestratorError::Unsupported {
                            operation: "spawn from an issue",
                            detail: format!(
                                "project {} has no tracker (set `repo` or `tracker`)",
                                project.id
                            ),
                        });
                    };
                    let issue: Issue = match tracker.fetch(&ctx, &inner).await {
                        Ok(issue) => issue,
                        Err(TrackerError::NotFound { issue }) => {
                            return Err(OrchestratorError::IssueNotFound {
                                tracker: tracker.name().to_string(),
                                // Only a number is looked up in a repository; a Linear key
                                // in a project with a GitHub `repo` is not.
                                repo: match &inner {
                                    IssueRef::GitHub {
                                        repo: Some(repo), ..
                                    } => Some(repo.clone()),
                                    IssueRef::GitHub { repo: None, .. }
                                    | IssueRef::Number { .. } => ctx.repo.clone(),
                                    _ => None,
                                },
                                issue,
                            });
                        }
                        Err(e) => return Err(e.into()),
                    };
                    let shown = IssueLink {
                        tracker: tracker.name().to_string(),
                        id: issue.id.clone(),
                        url: issue.url.clone(),
                        title: issue.title.clone(),
                    };
                    if matches!(issue.state, IssueState::Closed | IssueState::Cancelled)
                        && !req.force
                    {
                        return Err(OrchestratorError::IssueClosed {
                            issue: shown.display_id(),
                            state: match issue.state {
                                IssueState::Cancelled => "cancelled",
                                _ => "closed",
                            }
                            .to_string(),
                        });
                    }
                    if let Some(session) = self.live_worker_on(&project_id, &shown).await? {
                        return Err(OrchestratorError::IssueHasWorker {
                            issue: shown.display_id(),
                            session,
                        });
                    }
                    let branch = tracker.branch_name(&issue);
                    (Some((inner, branch, shown)), Some(issue))
                }
            }
        };
        // Resolve a claimed pull request before anything is created: its branch is the session's.
        let claimed = match &claim {
            None => None,
            Some(pr) => Some(self.resolve_claim(project, pr, None).await?),
        };
        let claimed_branch = claimed.is_some();

        // Refused before anything is created when the config is not trusted to run commands.
        let post_create = self.post_create_commands(project)?;
        self.require_trust_for_programs(project, &resolved)?;
        // A branch the session cannot have is refused before an id is spent on it.
        let named_branch = req
            .branch
            .clone()
            .or_else(|| claimed.as_ref().map(|(_, pr)| pr.branch.clone()))
            .or_else(|| issue_ref.as_ref().map(|(_, b, _)| b.clone()));
        if let Some(branch) = &named_branch {
            workspace.check_branch(&project.path, branch).await?;
        }
        // A dry run reserves nothing: it shows the id the next spawn would get.
        let id = if req.dry_run {
            self.store
                .peek_id(&project_id, &project.session_prefix)
                .await?
        } else {
            self.store
                .allocate_id(&project_id, &project.session_prefix)
                .await?
        };
        let branch = named_branch.unwrap_or_else(|| format!("session/{id}"));
        let path = self.options.home.worktree_dir(&project_id, &id);
        let (rules, rule_warnings) = Self::worker_rules(&resolved);
        warnings.extend(rule_warnings);
        warnings.extend(agent.setup_findings(&Self::project_env(project)));
        let place = WorkerPlace {
            session_id: id.as_str(),
            workspace_path: &path,
            branch: &branch,
            base_branch: &project.default_branch,
        };
        let system = worker_system_prompt(project, &place, rules.as_deref())?;
        let task = worker_task(
            req.prompt.as_deref(),
            issue.as_ref(),
            claimed.as_ref().map(|(_, pr)| pr),
        )?;
        let system_file = if req.dry_run {
            self.write_dry_run_prompt(&project_id, &system)?
        } else {
            self.write_system_prompt(&project_id, &id, &system)?
        };
        let launch_req = self.launch_request(
            project,
            &id,
            &resolved,
            Some(system_file),
            task,
            path.clone(),
        )?;
        let mut launch = match agent.launch_spec(&launch_req) {
            Ok(spec) => spec,
            Err(e) => {
                self.remove_launch_files(&project_id, &id);
                return Err(e.into());
            }
        };
        self.leave_out_agents_child_env(&mut launch);

        let mut record = SessionRecord::new(
            id.clone(),
            project_id.clone(),
            Role::Worker,
            resolved.agent.value.clone(),
        );
        record.model = resolved.model.value.clone();
        record.branch = Some(branch.clone());
        record.workspace_path = Some(path.clone());
        if let Some((reference, _, link)) = issue_ref {
            record.issue = Some(reference);
            record.issue_link = Some(link);
        }
        record.agent_session_id = agent.assigned_session_id(&launch_req);
        record.launch_id = Self::launch_id_of(&launch_req);
        record.pr = claimed.map(|(pr, _)| pr);
        record.config_path = Some(self.config.path.clone());
        if req.dry_run {
            return Ok(SpawnOutcome {
                record,
                launch,
                warnings,
            });
        }

        // Record first: from here on a crash leaves something listings show and `kill` or
        // `cleanup` can finish.
        record.spawned_by = Some(ProcessStamp::current());
        record.runtime = Some(runtime.locate(&id));
        if let Err(e) = self.store.create(record.clone()).await {
            self.remove_launch_files(&project_id, &id);
            return Err(e.into());
        }
        let mut undo = Rollback::default();
        let result = async {
            let ws_req = WorkspaceRequest {
                project_id: project_id.clone(),
                session_id: id.clone(),
                repo_path: project.path.clone(),
                path: path.clone(),
                branch: branch.clone(),
                base_branch: project.default_branch.clone(),
                symlinks: project.settings.symlinks.clone(),
                post_create: post_create.clone(),
                existing_branch: claimed_branch,
            };
            let info = workspace.create(&ws_req).await?;
            let made = info.path.clone();
            undo.workspace = Some((workspace.clone(), info));
            self.store
                .update(
                    &project_id,
                    &id,
                    Box::new(move |r| r.workspace_path = Some(made)),
                )
                .await?;
            self.prepare_agent(&agent, &launch_req).await?;
            let handle = runtime.start(&id, &launch).await?;
            undo.runtime = Some((runtime.clone(), handle.clone()));
            self.store
                .update(
                    &project_id,
                    &id,
                    Box::new({
                        let handle = handle.clone();
                        move |r| r.runtime = Some(handle)
                    }),
                )
                .await?;
            if let Some(text) = agent.initial_input(&launch_req) {
                runtime.send(&handle, &text).await?;
            }
            let started = self
                .store
                .update(&project_id, &id, Box::new(Self::mark_started))
                .await?;
            Ok::<SessionRecord, OrchestratorError>(started)
        }
        .await;
        let record = match result {
            Ok(record) => record,
            Err(e) => {
                undo.run().await;
                self.remove_launch_files(&project_id, &id);
                self.archive_failed(&project_id, &id, &e).await;
                return Err(e);
            }
        };
        // Kept either way: a dead agent's session is for `restore` or `kill`.
        self.watch_start(agent.as_ref(), &record, &launch.program)
            .await?;
        warnings.extend(self.model_notice(&agent, &record).await);
        Ok(SpawnOutcome {
            record,
            launch,
            warnings,
        })
    }

    /// A record's change once its agent runs.
    pub(super) fn mark_started(r: &mut SessionRecord) {
        r.lifecycle.session = SessionPhase::Working;
        r.lifecycle.runtime = RuntimeStatus::Alive;
        r.spawned_by = None;
        r.error = None;
    }

    /// Archives the record of a spawn that failed and was rolled back, with why.
    async fn archive_failed(&self, project: &ProjectId, id: &SessionId, error: &OrchestratorError) {
        let why = error.to_string();
        let noted = self
            .store
            .update(
                project,
                id,
                Box::new(move |r| {
                    r.error = Some(why);
                    r.lifecycle.session = SessionPhase::Errored;
                    r.spawned_by = None;
                }),
            )
            .await;
        // If the store fails here the record keeps this process's stamp: once this process is
        // gone it is an interrupted spawn, which `cleanup` finishes — nothing is lost.
        if noted.is_ok() {
            let _ = self.store.archive(project, id).await;
        }
    }

    /// Watches a just-started agent for up to `spawn_watch`: done as soon as it reports any
    /// activity; an error naming its exit status and last screen when it has died.
    pub(super) async fn watch_start(
        &self,
        agent: &dyn Agent,
        record: &SessionRecord,
        program: &str,
    ) -> Result<(), OrchestratorError> {
        let Some(handle) = record.runtime.clone() else {
            return Ok(());
        };
        let runtime = self.runtime_of(&handle)?;
        let deadline = Instant::now() + self.options.spawn_watch;
        loop {
            let status = runtime
                .liveness(std::slice::from_ref(&handle))
                .await?
                .get(&handle.id)
                .copied()
                .unwrap_or(RuntimeStatus::Missing);
            if status != RuntimeStatus::Alive {
                // Its last words: the screen's last lines that say anything.
                let screen = runtime.output(&handle, 200).await.unwrap_or_default();
                let said: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
                let screen = said[said.len().saturating_sub(12)..].join("\n");
                // Only a hint for later listings: they observe the runtime themselves.
                let _ = self
                    .store
                    .update(
                        &record.project_id,
                        &record.id,
                        Box::new(move |r| r.lifecycle.runtime = status),
                    )
                    .await;
                return Err(OrchestratorError::AgentExited {
                    session: record.id.clone(),
                    program: program.to_string(),
                    code: match status {
                        RuntimeStatus::Exited { code } => code,
                        _ => None,
                    },
                    screen,
                });
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            // No screen is "no evidence" to the agent: it answers unknown, and the watch goes on.
            let terminal = if agent.wants_terminal() {
                runtime.output(&handle, 50).await.ok()
            } else {
                None
            };
            let probe = self.activity_probe(record, RuntimeStatus::Alive, terminal);
            let activity =
                super::observe::activity_off_thread(self.agent_named(&record.agent)?, probe).await;
            if activity.is_some_and(|a| a.state != ActivityState::Unknown) {
                return Ok(());
            }
            tokio::time::sleep(left.min(Duration::from_millis(200))).await;
        }
    }

    /// What a just-started agent reported about running another model than the configured
    /// one (its CLI may map a name to another model, saying so only on its screen and in its
    /// records): a screen and the agent's own files, looked at until it has said, for a few
    /// seconds at most.
    async fn model_notice(&self, agent: &Arc<dyn Agent>, record: &SessionRecord) -> Option<String> {
        // Nothing configured, nothing to map: the CLI's default is what was asked for.
        record.model.as_ref()?;
        let handle = record.runtime.as_ref()?;
        let runtime = self.runtime_of(handle).ok()?;
        let deadline = Instant::now() + MODEL_WATCH;
        loop {
            let terminal = runtime.output(handle, 50).await.ok();
            let probe = self.activity_probe(record, RuntimeStatus::Alive, terminal);
            let asked = agent.clone();
            let notice =
                super::observe::off_thread(async move { asked.model_notice(&probe).await }).await?;
            match notice {
                ModelNotice::Mapped(sentence) => return Some(sentence),
                ModelNotice::Nothing => return None,
                ModelNotice::NotYet if Instant::now() >= deadline => return None,
                ModelNotice::NotYet => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    /// The orchestrator's resolved role and launch (writing its system prompt file), without
    /// starting anything — what `ao start --dry-run` shows.
    pub fn orchestrator_launch(
        &self,
        project: &crate::config::Project,
        id: &SessionId,
    ) -> Result<(crate::config::ResolvedRole, LaunchSpec, LaunchRequest), OrchestratorError> {
        Self::project_path_exists(project)?;
        let project_id = project.id.clone();
        let resolved = self.config.resolve_role(
            project.id.as_str(),
            Role::Orchestrator,
            &RoleOverrides::default(),
        )?;
        self.require_trust_for_programs(project, &resolved)?;
        let agent = self.agent_named(&resolved.agent.value)?;
        let system = orchestrator_system_prompt(
            project,
            resolved.rules.inline.as_ref().map(|r| r.value.as_str()),
        )?;
        let system_file = self.write_system_prompt(&project_id, id, &system)?;
        let launch_req = self.launch_request(
            project,
            id,
            &resolved,
            Some(system_file),
            None,
            project.path.clone(),
        )?;
        let mut launch = agent.launch_spec(&launch_req)?;
        self.leave_out_agents_child_env(&mut launch);
        Ok((resolved, launch, launch_req))
    }

    /// Stops the project's orchestrator but keeps its record, so the next start relaunches it
    /// in place. `None` when it has none.
    pub async fn stop_orchestrator(
        &self,
        project_id: &ProjectId,
    ) -> Result<Option<SessionRecord>, OrchestratorError> {
        let project = self.acting_on(project_id)?;
        let id = SessionId::orchestrator(&project.session_prefix)
            .map_err(|source| OrchestratorError::InvalidId { source })?;
        let record = match self.store.get(project_id, &id).await {
            Ok(r) => r,
            Err(StoreError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if let Some(handle) = &record.runtime {
            self.runtime_of(handle)?.stop(handle).await?;
        }
        let updated = self
            .store
            .update(
                project_id,
                &id,
                Box::new(|r| {
                    // Stopped on purpose: `restore --all` leaves it; `ao start` relaunches it.
                    r.lifecycle.runtime = RuntimeStatus::Exited { code: None };
                    r.lifecycle.session = SessionPhase::Stopped;
                }),
            )
            .await?;
        Ok(Some(updated))
    }

    /// Starts (or keeps) the project's orchestrator per `orchestratorSessionStrategy`:
    /// `reuse` keeps a live one and relaunches a dead one, `delete` replaces it, `ignore`
    /// leaves an existing one alone.
    pub async fn start_orchestrator(
        &self,
        project_id: &ProjectId,
    ) -> Result<StartOutcome, OrchestratorError> {
        let project = self.acting_on(project_id)?;
        Self::project_path_exists(project)?;
        let id = SessionId::orchestrator(&project.session_prefix)
            .map_err(|source| OrchestratorError::InvalidId { source })?;
        let strategy = project
            .settings
            .orchestrator_session_strategy
            .map_or(OrchestratorSessionStrategy::Reuse, |s| s.canonical());
        let existing = match self.store.get(project_id, &id).await {
            Ok(r) => Some(r),
            Err(StoreError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        if let Some(existing) = existing {
            match strategy {
                OrchestratorSessionStrategy::Ignore => return Ok(StartOutcome::Ignored(existing)),
                OrchestratorSessionStrategy::Delete => {
                    if let Some(handle) = &existing.runtime {
                        self.runtime_of(handle)?.stop(handle).await?;
                    }
                    self.store.archive(project_id, &id).await?;
                    self.remove_launch_files(project_id, &id);
                }
                _ => {
                    if existing.lifecycle.session == SessionPhase::Spawning
                        && !existing.spawn_interrupted()
                    {
                        return Err(OrchestratorError::SpawnInProgress {
                            session: id.clone(),
                            pid: existing.spawned_by.map_or(0, |p| p.pid),
                        });
                    }
                    let alive = self.is_alive(&existing).await?;
                    if alive {
                        // Its start was cut short after the agent came up: finish the record.
                        let existing = if existing.lifecycle.session == SessionPhase::Spawning {
                            self.store
                                .update(project_id, &id, Box::new(Self::mark_started))
                                .await?
                        } else {
                            existing
                        };
                        return Ok(StartOutcome::Reused(existing));
                    }
                    let restored = self.relaunch(project, existing).await?;
                    return Ok(StartOutcome::Restored(restored));
                }
            }
        }

        let runtime = self.runtime_for(project)?;
        let (resolved, launch, launch_req) = self.orchestrator_launch(project, &id)?;
        let agent = self.agent_named(&resolved.agent.value)?;
        let mut record = SessionRecord::new(
            id.clone(),
            project_id.clone(),
            Role::Orchestrator,
            resolved.agent.value.clone(),
        );
        record.model = resolved.model.value.clone();
        record.agent_session_id = agent.assigned_session_id(&launch_req);
        record.launch_id = Self::launch_id_of(&launch_req);
        record.workspace_path = Some(project.path.clone());
        record.config_path = Some(self.config.path.clone());
        record.spawned_by = Some(ProcessStamp::current());
        record.runtime = Some(runtime.locate(&id));
        self.store.create(record).await?;
        let result = async {
            self.prepare_agent(&agent, &launch_req).await?;
            let handle = runtime.start(&id, &launch).await?;
            let update = self
                .store
                .update(
                    project_id,
                    &id,
                    Box::new({
                        let handle = handle.clone();
                        move |r| {
                            r.runtime = Some(handle);
                            Self::mark_started(r);
                        }
                    }),
                )
                .await;
            match update {
                Ok(record) => Ok(record),
                Err(e) => {
                    // Not stopped, it is found again as a session no record accounts for.
                    let _ = runtime.stop(&handle).await;
                    Err(e.into())
                }
            }
        }
        .await;
        let record = match result {
            Ok(record) => record,
            Err(e) => {
                self.archive_failed(project_id, &id, &e).await;
                return Err(e);
            }
        };
        self.watch_start(agent.as_ref(), &record, &launch.program)
            .await?;
        Ok(StartOutcome::Started(record))
    }
}
