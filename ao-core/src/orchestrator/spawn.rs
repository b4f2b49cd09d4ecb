//! Creating sessions: `spawn` (a worker) and `start_orchestrator` — each a transaction that
//! leaves nothing behind when a step fails.

use std::sync::Arc;

use super::{Orchestrator, OrchestratorError};
use crate::config::{OrchestratorSessionStrategy, RoleOverrides};
use crate::domain::{
    IssueRef, LaunchSpec, PrRef, ProjectId, Role, RuntimeStatus, SessionId, SessionPhase,
};
use crate::plugin::{
    Issue, LaunchRequest, Runtime, RuntimeHandle, Workspace, WorkspaceInfo, WorkspaceRequest,
};
use crate::prompt::{WorkerPlace, orchestrator_system_prompt, task_prompt, worker_system_prompt};
use crate::store::{SessionRecord, StoreError};

/// What to spawn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpawnRequest {
    /// The project.
    pub project: Option<ProjectId>,
    /// An issue reference as typed (`123`, `INT-9`, a URL, …).
    pub issue: Option<String>,
    /// The task in words (with or without an issue).
    pub prompt: Option<String>,
    /// Agent override for this worker.
    pub agent: Option<String>,
    /// Model override for this worker.
    pub model: Option<String>,
    /// Branch override.
    pub branch: Option<String>,
    /// An existing pull request the worker takes over (its branch becomes the session's).
    pub claim_pr: Option<PrRef>,
    /// Build the launch (and write its prompt files) without creating anything else.
    pub dry_run: bool,
}

/// A spawned (or dry-run) worker.
#[derive(Debug, Clone, PartialEq)]
pub struct SpawnOutcome {
    /// The session's record (as stored, or as it would be).
    pub record: SessionRecord,
    /// What was (or would be) started.
    pub launch: LaunchSpec,
    /// Things worth telling the person.
    pub warnings: Vec<String>,
}

/// What `start_orchestrator` did.
#[derive(Debug, Clone, PartialEq)]
pub enum StartOutcome {
    /// A new orchestrator was started.
    Started(SessionRecord),
    /// A live orchestrator was kept (`reuse`).
    Reused(SessionRecord),
    /// A dead orchestrator was relaunched in place (`reuse`).
    Restored(SessionRecord),
    /// An existing orchestrator was left alone and nothing started (`ignore`).
    Ignored(SessionRecord),
}

impl StartOutcome {
    /// The orchestrator's record.
    pub fn record(&self) -> &SessionRecord {
        match self {
            Self::Started(r) | Self::Reused(r) | Self::Restored(r) | Self::Ignored(r) => r,
        }
    }
}

/// Undo list of a spawn in progress.
#[derive(Default)]
struct Rollback {
    workspace: Option<(Arc<dyn Workspace>, WorkspaceInfo)>,
    runtime: Option<(Arc<dyn Runtime>, RuntimeHandle)>,
}

impl Rollback {
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
    /// Spawns a worker: reserve id → workspace → runtime → record, undoing every step already
    /// taken when a later one fails. The id of a failed spawn is never handed out again.
    pub async fn spawn(&self, req: SpawnRequest) -> Result<SpawnOutcome, OrchestratorError> {
        let project_id = match &req.project {
            Some(p) => p.clone(),
            None => match self.config.projects.keys().collect::<Vec<_>>().as_slice() {
                [only] => {
                    ProjectId::new(only.as_str()).map_err(|e| OrchestratorError::Unsupported {
                        operation: "spawn",
                        detail: e.to_string(),
                    })?
                }
                _ => {
                    return Err(OrchestratorError::Unsupported {
                        operation: "spawn",
                        detail: "several projects are configured; name one".into(),
                    });
                }
            },
        };
        let project = self.acting_on(&project_id)?;
        let overrides = RoleOverrides {
            agent: req.agent.clone(),
            model: req.model.clone(),
        };
        let resolved = self
            .config
            .resolve_role(&project.id, Role::Worker, &overrides)?;
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
                    let issue: Issue = tracker.fetch(&ctx, &inner).await?;
                    let branch = tracker.branch_name(&issue);
                    (Some((inner, branch)), Some(issue))
                }
            }
        };
        // Resolve a claimed pull request before anything is created: its branch is the session's.
        let claimed = match &claim {
            None => None,
            Some(pr) => Some(self.resolve_claim(project, pr).await?),
        };

        // Refused before anything is created when the config is not trusted to run commands.
        let post_create = self.post_create_commands(project)?;
        let id = self
            .store
            .allocate_id(&project_id, &project.session_prefix)
            .await?;
        let branch = req
            .branch
            .clone()
            .or_else(|| claimed.as_ref().map(|(_, b)| b.clone()))
            .or_else(|| issue_ref.as_ref().map(|(_, b)| b.clone()))
            .unwrap_or_else(|| format!("session/{id}"));
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
        let task = task_prompt(req.prompt.as_deref(), issue.as_ref())?;
        let system_file = self.write_system_prompt(&project_id, &id, &system)?;
        let launch_req = self.launch_request(
            project,
            &id,
            &resolved,
            Some(system_file),
            task,
            path.clone(),
        )?;
        let launch = match agent.launch_spec(&launch_req) {
            Ok(spec) => spec,
            Err(e) => {
                self.remove_launch_files(&project_id, &id);
                return Err(e.into());
            }
        };

        let mut record = SessionRecord::new(
            id.clone(),
            project_id.clone(),
            Role::Worker,
            resolved.agent.value.clone(),
        );
        record.model = resolved.model.value.clone();
        record.branch = Some(branch.clone());
        record.workspace_path = Some(path.clone());
        record.issue = issue_ref.map(|(r, _)| r);
        record.agent_session_id = agent.assigned_session_id(&launch_req);
        record.pr = claimed.map(|(pr, _)| pr);
        record.config_path = Some(self.config.path.clone());
        if req.dry_run {
            return Ok(SpawnOutcome {
                record,
                launch,
                warnings,
            });
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
            };
            let info = workspace.create(&ws_req).await?;
            record.workspace_path = Some(info.path.clone());
            undo.workspace = Some((workspace.clone(), info));
            self.prepare_agent(&agent, &launch_req).await?;
            let handle = runtime.start(&id, &launch).await?;
            record.runtime = Some(handle.clone());
            undo.runtime = Some((runtime.clone(), handle.clone()));
            if let Some(text) = agent.initial_input(&launch_req) {
                runtime.send(&handle, &text).await?;
            }
            record.lifecycle.session = SessionPhase::Working;
            record.lifecycle.runtime = RuntimeStatus::Alive;
            self.store.create(record.clone()).await?;
            Ok::<(), OrchestratorError>(())
        }
        .await;
        match result {
            Ok(()) => Ok(SpawnOutcome {
                record,
                launch,
                warnings,
            }),
            Err(e) => {
                undo.run().await;
                self.remove_launch_files(&project_id, &id);
                Err(e)
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
        let project_id = self.project_id(project)?;
        let resolved =
            self.config
                .resolve_role(&project.id, Role::Orchestrator, &RoleOverrides::default())?;
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
        let launch = agent.launch_spec(&launch_req)?;
        Ok((resolved, launch, launch_req))
    }

    /// Stops the project's orchestrator but keeps its record, so the next start relaunches it
    /// in place. `None` when it has none.
    pub async fn stop_orchestrator(
        &self,
        project_id: &ProjectId,
    ) -> Result<Option<SessionRecord>, OrchestratorError> {
        let project = self.acting_on(project_id)?;
        let id = SessionId::orchestrator(&project.session_prefix).map_err(|e| {
            OrchestratorError::Unsupported {
                operation: "stop",
                detail: e.to_string(),
            }
        })?;
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
                    r.lifecycle.session = SessionPhase::Killed;
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
        let id = SessionId::orchestrator(&project.session_prefix).map_err(|e| {
            OrchestratorError::Unsupported {
                operation: "start",
                detail: e.to_string(),
            }
        })?;
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
                    let alive = self.is_alive(&existing).await?;
                    if alive {
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
        let agent_session_id = agent.assigned_session_id(&launch_req);
        self.prepare_agent(&agent, &launch_req).await?;
        let handle = runtime.start(&id, &launch).await?;
        let mut record = SessionRecord::new(
            id.clone(),
            project_id.clone(),
            Role::Orchestrator,
            resolved.agent.value.clone(),
        );
        record.model = resolved.model.value.clone();
        record.agent_session_id = agent_session_id;
        record.workspace_path = Some(project.path.clone());
        record.runtime = Some(handle.clone());
        record.config_path = Some(self.config.path.clone());
        record.lifecycle.session = SessionPhase::Working;
        record.lifecycle.runtime = RuntimeStatus::Alive;
        if let Err(e) = self.store.create(record.clone()).await {
            let _ = runtime.stop(&handle).await;
            return Err(e.into());
        }
        Ok(StartOutcome::Started(record))
    }
}
