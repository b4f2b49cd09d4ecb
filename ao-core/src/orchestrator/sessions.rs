//! Working with existing sessions: send, output, status, kill, cleanup, restore, claim a PR.

use std::time::{Duration, Instant};

use super::observe::{clean_orphans, observe};
use super::outcome::{CleanupEntry, CleanupReport, KillOutcome, Observation};
use super::request::{KillMode, SendOptions, SessionFilter};
use super::{Orchestrator, OrchestratorError, Scope, SessionView};
use crate::adapter_kit::text::strip_controls;
use crate::config::{Project, RoleOverrides};
use crate::domain::{
    ActivityState, PrRef, ProjectId, Role, RuntimeStatus, SessionId, SessionPhase,
};
use crate::plugin::{
    ActivityProbe, PullRequest, RegistryError, Rescue, UnsavedWork, WorkspaceError, WorkspaceInfo,
    WorkspaceRequest,
};
use crate::prompt::{WorkerPlace, orchestrator_system_prompt, worker_system_prompt};
use crate::store::SessionRecord;

fn workspace_info(project: &Project, record: &SessionRecord) -> Option<WorkspaceInfo> {
    Some(WorkspaceInfo {
        project_id: record.project_id.clone(),
        session_id: record.id.clone(),
        path: record.workspace_path.clone()?,
        branch: record.branch.clone()?,
        repo_path: project.path.clone(),
        base_branch: project.default_branch.clone(),
        warnings: Vec::new(),
    })
}

impl Orchestrator {
    /// The runtime's view of one session.
    pub(super) async fn liveness_of(
        &self,
        record: &SessionRecord,
    ) -> Result<RuntimeStatus, OrchestratorError> {
        let Some(handle) = &record.runtime else {
            return Ok(RuntimeStatus::Missing);
        };
        let statuses = self
            .runtime_of(handle)?
            .liveness(std::slice::from_ref(handle))
            .await?;
        Ok(statuses
            .get(&handle.id)
            .copied()
            .unwrap_or(RuntimeStatus::Missing))
    }

    pub(super) async fn is_alive(&self, record: &SessionRecord) -> Result<bool, OrchestratorError> {
        Ok(self.liveness_of(record).await? == RuntimeStatus::Alive)
    }

    /// Relaunches a session in place: same id, workspace (recreated from its branch when
    /// missing), system prompt; the agent resumes its own session when it can.
    pub(super) async fn relaunch(
        &self,
        project: &Project,
        record: SessionRecord,
    ) -> Result<SessionRecord, OrchestratorError> {
        let overrides = RoleOverrides {
            agent: Some(record.agent.clone()),
            model: record.model.clone(),
        };
        let resolved = self
            .config
            .resolve_role(project.id.as_str(), record.role, &overrides)?;
        self.require_trust_for_programs(project, &resolved)?;
        let agent = self.agent_named(&record.agent)?;
        let runtime = self.runtime_for(project)?;
        let cwd = record
            .workspace_path
            .clone()
            .unwrap_or_else(|| project.path.clone());
        let system = match record.role {
            Role::Orchestrator => orchestrator_system_prompt(
                project,
                resolved.rules.inline.as_ref().map(|r| r.value.as_str()),
            )?,
            Role::Worker => {
                if let Some(info) = workspace_info(project, &record) {
                    let workspace = self.workspace_for(project)?;
                    if !workspace.exists(&info).await? {
                        let req = WorkspaceRequest {
                            project_id: record.project_id.clone(),
                            session_id: record.id.clone(),
                            repo_path: project.path.clone(),
                            path: info.path.clone(),
                            branch: info.branch.clone(),
                            base_branch: project.default_branch.clone(),
                            symlinks: project.settings.symlinks.clone(),
                            post_create: self.post_create_commands(project)?,
                            existing_branch: record.pr.is_some(),
                        };
                        workspace.create(&req).await?;
                    }
                }
                let (rules, _) = Self::worker_rules(&resolved);
                let branch = record.branch.clone().unwrap_or_default();
                let place = WorkerPlace {
                    session_id: record.id.as_str(),
                    workspace_path: &cwd,
                    branch: &branch,
                    base_branch: &project.default_branch,
                };
                worker_system_prompt(project, &place, rules.as_deref())?
            }
        };
        let system_file = self.write_system_prompt(&record.project_id, &record.id, &system)?;
        let req =
            self.launch_request(project, &record.id, &resolved, Some(system_file), None, cwd)?;
        // Agents that pick their own session id (codex) report it once it exists.
        let known_id = match &record.agent_session_id {
            Some(id) => Some(id.clone()),
            None => {
                let probe = self.activity_probe(&record, RuntimeStatus::Missing, None);
                let agent = agent.clone();
                // No id to resume from is what a failure means here: the agent starts afresh.
                super::observe::off_thread(async move { agent.session_info(&probe).await.ok() })
                    .await
                    .flatten()
                    .and_then(|i| i.agent_session_id)
            }
        };
        let (mut spec, fresh_id) = match known_id.as_deref().map(|sid| agent.resume_spec(&req, sid))
        {
            Some(Ok(spec)) => (spec, known_id),
            // Nothing to resume: a fresh conversation, under the id the agent takes now.
            _ => (agent.launch_spec(&req)?, agent.assigned_session_id(&req)),
        };
        self.leave_out_agents_child_env(&mut spec);
        self.prepare_agent(&agent, &req).await?;
        // The new launch's evidence counts from its first event on: recorded before it starts.
        let launch_id = Self::launch_id_of(&req);
        self.store
            .update(
                &record.project_id,
                &record.id,
                Box::new(move |r| r.launch_id = launch_id),
            )
            .await?;
        // In place: where the record says it runs (an exited program's session there is
        // replaced), never wherever this caller would start new sessions.
        let handle = match &record.runtime {
            Some(old) => self.runtime_of(old)?.restart(old, &spec).await?,
            None => runtime.start(&record.id, &spec).await?,
        };
        let updated = self
            .store
            .update(
                &record.project_id,
                &record.id,
                Box::new(move |r| {
                    r.runtime = Some(handle);
                    if fresh_id.is_some() {
                        r.agent_session_id = fresh_id;
                    }
                    Self::mark_started(r);
                }),
            )
            .await?;
        self.watch_start(agent.as_ref(), &updated, &spec.program)
            .await?;
        Ok(updated)
    }

    /// Relaunches a session whose agent is not running — gone with its runtime, or exited
    /// with its session kept — in place. Refused while the agent runs, or while another `ao`
    /// is still spawning it.
    pub async fn restore(
        &self,
        project_id: &ProjectId,
        id: &SessionId,
    ) -> Result<SessionRecord, OrchestratorError> {
        let project = self.acting_on(project_id)?;
        let record = self.record(project_id, id).await?;
        if record.lifecycle.session == SessionPhase::Spawning && !record.spawn_interrupted() {
            return Err(OrchestratorError::SpawnInProgress {
                session: id.clone(),
                pid: record.spawned_by.map_or(0, |p| p.pid),
            });
        }
        if self.is_alive(&record).await? {
            return Err(OrchestratorError::StillRunning {
                session: id.clone(),
            });
        }
        self.relaunch(project, record).await
    }

    /// Relaunches every session whose process is gone (after a reboot, or a killed tmux
    /// server) — except those stopped on purpose (killed, stopped, done), spawns (in progress,
    /// or interrupted: `cleanup` finishes those) and errored ones. Returns the restored ones and, for
    /// each that failed, why.
    pub async fn restore_all(
        &self,
        project: Option<&ProjectId>,
    ) -> Result<(Vec<SessionRecord>, Vec<(SessionId, OrchestratorError)>), OrchestratorError> {
        if let Some(p) = project {
            self.in_scope(p)?;
        }
        let scope = self.scope_of(project.or(self.options.scope.as_ref()))?;
        restore_all(&scope).await
    }

    /// The projects of this config an observation covers (one, or all).
    pub(crate) fn scope_of(
        &self,
        project: Option<&ProjectId>,
    ) -> Result<Vec<Scope<'_>>, OrchestratorError> {
        Ok(match project {
            Some(p) => vec![Scope {
                orch: self,
                project: self.project(p)?,
            }],
            None => self
                .config
                .projects
                .values()
                .map(|project| Scope {
                    orch: self,
                    project,
                })
                .collect(),
        })
    }

    /// Delivers a message to a session's agent, waiting while it is busy.
    pub async fn send(
        &self,
        project_id: &ProjectId,
        id: &SessionId,
        message: &str,
        options: SendOptions,
    ) -> Result<(), OrchestratorError> {
        self.acting_on(project_id)?;
        // Checked as delivered: what is left once control characters are removed.
        if strip_controls(message).trim().is_empty() {
            return Err(OrchestratorError::EmptyMessage {
                session: id.clone(),
            });
        }
        let record = self.record(project_id, id).await?;
        let handle = record
            .runtime
            .clone()
            .ok_or_else(|| OrchestratorError::RuntimeDead {
                session: id.clone(),
            })?;
        if !self.is_alive(&record).await? {
            return Err(OrchestratorError::RuntimeDead {
                session: id.clone(),
            });
        }
        let runtime = self.runtime_of(&handle)?;
        let agent = self.agent_named(&record.agent)?;
        let started = Instant::now();
        let state = loop {
            // Without a screen the agent judges by its other evidence (or answers unknown).
            let terminal = runtime.output(&handle, 50).await.ok();
            let probe = self.activity_probe(&record, RuntimeStatus::Alive, terminal);
            let state = super::observe::activity_off_thread(agent.clone(), probe.clone())
                .await
                .map_or(ActivityState::Unknown, |a| a.state);
            if state == ActivityState::WaitingInput && !options.force {
                return Err(OrchestratorError::WaitingForInput {
                    session: id.clone(),
                });
            }
            // Even unhurried (`--no-wait`), nothing is typed into a CLI still starting: the
            // text or its Enter would be lost, and the next message glued to it.
            let asked = agent.clone();
            let ready = state == ActivityState::WaitingInput
                || super::observe::off_thread(async move { asked.accepts_input(&probe).await })
                    .await
                    .flatten()
                    != Some(false);
            if ready && !(state.is_busy() && options.wait) {
                break state;
            }
            if started.elapsed() >= options.timeout {
                return Err(if ready {
                    OrchestratorError::SendTimeout {
                        session: id.clone(),
                        waited: started.elapsed(),
                    }
                } else {
                    OrchestratorError::NotReady {
                        session: id.clone(),
                        waited: started.elapsed(),
                    }
                });
            }
            tokio::time::sleep(self.options.poll_interval.min(options.timeout)).await;
        };
        let text = strip_controls(message);
        let sent_at = crate::domain::Timestamp::now();
        runtime.send(&handle, &text).await?;
        let clean = crate::delivery::sanitize(&text);
        // A message that answers a prompt, or a slash command, is not a new prompt: nothing
        // will report it as one.
        let is_prompt = state != ActivityState::WaitingInput
            && crate::delivery::method(&clean) == crate::delivery::Method::Paste;
        if is_prompt && options.wait {
            let confirmed = self.confirm_submitted(agent, &record, sent_at).await;
            if confirmed.is_err() {
                // Taken back out of the input (Backspaces only: harmless if it is not there),
                // so the next message is not glued to it. A runtime that cannot leaves it.
                let _ = runtime.erase(&handle, clean.chars().count()).await;
            }
            confirmed?;
        }
        Ok(())
    }

    /// Waits until the agent reports taking in a prompt sent at `sent_at`; adapters that
    /// cannot tell are trusted to have taken it.
    async fn confirm_submitted(
        &self,
        agent: std::sync::Arc<dyn crate::plugin::Agent>,
        record: &SessionRecord,
        sent_at: crate::domain::Timestamp,
    ) -> Result<(), OrchestratorError> {
        let started = Instant::now();
        loop {
            let probe = self.activity_probe(record, RuntimeStatus::Alive, None);
            let asked = agent.clone();
            let taken =
                super::observe::off_thread(
                    async move { asked.submitted_since(&probe, sent_at).await },
                )
                .await
                .flatten();
            match taken {
                None | Some(true) => return Ok(()),
                Some(false) if started.elapsed() >= self.options.submit_timeout => {
                    return Err(OrchestratorError::NotSubmitted {
                        session: record.id.clone(),
                        waited: started.elapsed(),
                    });
                }
                Some(false) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// What an agent adapter gets to look at for one session.
    pub(super) fn activity_probe(
        &self,
        record: &SessionRecord,
        runtime: RuntimeStatus,
        terminal: Option<String>,
    ) -> ActivityProbe {
        let env = self
            .config
            .projects
            .get(record.project_id.as_str())
            .map(Self::project_env)
            .unwrap_or_default();
        ActivityProbe {
            session: record.clone(),
            terminal,
            runtime,
            ao_home: self.options.home.root().to_path_buf(),
            ready_threshold: Duration::from_millis(self.config.file.ready_threshold_ms),
            env,
        }
    }

    /// The project and id of a session named on a command line (its prefix names the project).
    pub fn locate_session(
        &self,
        session: &str,
    ) -> Result<(ProjectId, SessionId), OrchestratorError> {
        let unknown = || OrchestratorError::UnknownSession {
            session: session.to_string(),
        };
        let id = SessionId::new(session).map_err(|_| unknown())?;
        let project = self
            .config
            .project_for_session(session)
            .ok_or_else(unknown)?;
        Ok((project.id.clone(), id))
    }

    /// The command that attaches a terminal to a session.
    pub async fn attach_command(
        &self,
        project_id: &ProjectId,
        id: &SessionId,
    ) -> Result<Vec<String>, OrchestratorError> {
        self.project(project_id)?;
        let record = self.record(project_id, id).await?;
        let handle = record
            .runtime
            .ok_or_else(|| OrchestratorError::RuntimeDead {
                session: id.clone(),
            })?;
        Ok(self.runtime_of(&handle)?.attach_command(&handle)?)
    }

    /// The last `lines` lines of a session's screen.
    pub async fn output(
        &self,
        project_id: &ProjectId,
        id: &SessionId,
        lines: usize,
    ) -> Result<String, OrchestratorError> {
        self.acting_on(project_id)?;
        let record = self.record(project_id, id).await?;
        let handle = record
            .runtime
            .ok_or_else(|| OrchestratorError::RuntimeDead {
                session: id.clone(),
            })?;
        Ok(self.runtime_of(&handle)?.output(&handle, lines).await?)
    }

    /// Waits up to `timeout` for `needle` on a session's screen (its last 40 lines); the
    /// screen that showed it.
    pub async fn wait_for_output(
        &self,
        project_id: &ProjectId,
        id: &SessionId,
        needle: &str,
        timeout: Duration,
    ) -> Result<String, OrchestratorError> {
        let started = Instant::now();
        loop {
            let screen = self.output(project_id, id, 40).await?;
            if screen.contains(needle) {
                return Ok(screen);
            }
            if started.elapsed() >= timeout {
                return Err(OrchestratorError::OutputTimeout {
                    session: id.clone(),
                    needle: needle.to_string(),
                    waited: started.elapsed(),
                    screen,
                });
            }
            tokio::time::sleep(self.options.poll_interval.min(Duration::from_millis(100))).await;
        }
    }

    /// Every session of `project` (or of every configured project), observed in a fixed
    /// number of runtime calls, with the workers' pull requests, checks and reviews (one batch
    /// per repository).
    pub async fn status(
        &self,
        project: Option<&ProjectId>,
    ) -> Result<Vec<SessionView>, OrchestratorError> {
        let filter = SessionFilter {
            project: project.cloned(),
            ..SessionFilter::all()
        };
        Ok(self.status_report(&filter).await?.sessions)
    }

    /// What `ao status` shows for `filter`: one look at the sessions, with the agents' own
    /// summaries and the workers' pull requests, checks and reviews read in one batch per
    /// repository ([`Observation::remote`] says how fresh they are).
    pub async fn status_report(
        &self,
        filter: &SessionFilter,
    ) -> Result<Observation, OrchestratorError> {
        let scope = self.scope_of(filter.project.as_ref())?;
        super::observe::status(&scope, filter, None).await
    }

    /// What one look at the sessions of `filter.project` (or every configured project) finds:
    /// the sessions it shows, unreadable records, and what crashes left behind.
    pub async fn observe(&self, filter: &SessionFilter) -> Result<Observation, OrchestratorError> {
        let scope = self.scope_of(filter.project.as_ref())?;
        observe(&scope, filter).await
    }

    /// Stops a session and removes its workspace — unless that would lose unsaved work: then
    /// [`KillMode::Safe`] changes nothing and returns `UnsavedWork` naming it,
    /// [`KillMode::KeepWorkspace`] stops the agent and keeps the workspace, and
    /// [`KillMode::Force`] removes it after saving the work under a new rescue ref.
    ///
    /// The record is written before the agent is stopped, so a store that cannot be written
    /// (a read-only `AO_HOME`) stops nothing.
    pub async fn kill(
        &self,
        project_id: &ProjectId,
        id: &SessionId,
        mode: KillMode,
    ) -> Result<KillOutcome, OrchestratorError> {
        let project = self.acting_on(project_id)?;
        let record = self.record(project_id, id).await?;
        let workspace = match workspace_info(project, &record) {
            Some(info) if record.role == Role::Worker => {
                let workspace = self.workspace_for(project)?;
                if workspace.exists(&info).await? {
                    let work = workspace.unsaved_work(&info).await?;
                    if !work.is_empty() && mode == KillMode::Safe {
                        return Err(OrchestratorError::UnsavedWork {
                            session: id.clone(),
                            path: info.path,
                            work,
                        });
                    }
                    Some((workspace, info, work))
                } else {
                    None
                }
            }
            _ => None,
        };
        let before = record.lifecycle;
        self.store
            .update(
                project_id,
                id,
                Box::new(|r| {
                    r.lifecycle.session = SessionPhase::Killed;
                    r.lifecycle.runtime = RuntimeStatus::Exited { code: None };
                }),
            )
            .await?;
        if let Some(handle) = &record.runtime {
            let stopped = match self.runtime_of(handle) {
                Ok(runtime) => runtime.stop(handle).await.map_err(OrchestratorError::from),
                Err(e) => Err(e),
            };
            if let Err(e) = stopped {
                // Still running: the record must not say otherwise. Should this write fail
                // too, the next observation sees the live runtime anyway.
                let _ = self
                    .store
                    .update(project_id, id, Box::new(move |r| r.lifecycle = before))
                    .await;
                return Err(e);
            }
        }
        let mut outcome = KillOutcome {
            id: id.clone(),
            workspace: None,
            kept: None,
        };
        if let Some((workspace, info, work)) = workspace {
            if mode == KillMode::KeepWorkspace {
                outcome.kept = Some((info.path, work));
                return Ok(outcome);
            }
            outcome.workspace = Some(workspace.destroy(&info, mode == KillMode::Force).await?);
        }
        self.store.archive(project_id, id).await?;
        self.remove_launch_files(project_id, id);
        Ok(outcome)
    }

    /// The live worker of `project` that works on `issue`, if any (a killed, finished or
    /// failed one does not count).
    pub(super) async fn live_worker_on(
        &self,
        project: &ProjectId,
        issue: &crate::domain::IssueLink,
    ) -> Result<Option<SessionId>, OrchestratorError> {
        let listing = self.store.list(project).await?;
        Ok(listing
            .records
            .into_iter()
            .find(|r| {
                r.role == Role::Worker
                    && !matches!(
                        r.lifecycle.session,
                        SessionPhase::Killed | SessionPhase::Done | SessionPhase::Errored
                    )
                    && r.issue_link
                        .as_ref()
                        .is_some_and(|l| l.tracker == issue.tracker && l.id == issue.id)
            })
            .map(|r| r.id))
    }

    /// The unsaved work forced kills saved, in the repositories of `project` (or of every
    /// configured project), oldest first.
    pub async fn rescues(
        &self,
        project: Option<&ProjectId>,
    ) -> Result<Vec<Rescue>, OrchestratorError> {
        rescues(&self.scope_of(project)?).await
    }

    /// Removes workers whose process is gone or whose branch is merged into
    /// `origin/<defaultBranch>`, and what crashes left behind; never an orchestrator, never
    /// unsaved work (reported instead).
    pub async fn cleanup(
        &self,
        project: Option<&ProjectId>,
        dry_run: bool,
    ) -> Result<CleanupReport, OrchestratorError> {
        // A scoped caller cleans its own project only.
        if let Some(p) = project {
            self.in_scope(p)?;
        }
        let scope = self.scope_of(project.or(self.options.scope.as_ref()))?;
        cleanup(&scope, dry_run).await
    }

    /// Finishes a spawn whose creator died: stops its runtime session, removes its worktree
    /// and archives the record — unless the worktree holds unsaved work, which is returned
    /// (the record then stays, marked errored, for `kill --force`).
    pub(crate) async fn finish_interrupted(
        &self,
        project_id: &ProjectId,
        id: &SessionId,
        dry_run: bool,
    ) -> Result<Option<UnsavedWork>, OrchestratorError> {
        let project = self.project(project_id)?;
        let record = self.record(project_id, id).await?;
        if let Some(info) = workspace_info(project, &record) {
            let workspace = self.workspace_for(project)?;
            if workspace.exists(&info).await? {
                let work = workspace.unsaved_work(&info).await?;
                if !work.is_empty() {
                    if !dry_run {
                        // Recorded first: a store that cannot be written stops nothing.
                        self.store
                            .update(
                                project_id,
                                id,
                                Box::new(|r| {
                                    r.spawned_by = None;
                                    r.lifecycle.session = SessionPhase::Errored;
                                    r.error = Some("its spawn was cut short".into());
                                }),
                            )
                            .await?;
                        if let Some(handle) = &record.runtime {
                            self.runtime_of(handle)?.stop(handle).await?;
                        }
                    }
                    return Ok(Some(work));
                }
            }
        }
        if !dry_run {
            self.kill(project_id, id, KillMode::Safe).await?;
        }
        Ok(None)
    }

    /// Makes a worker the owner of an existing pull request. Orchestrators are refused.
    pub async fn claim_pr(
        &self,
        project_id: &ProjectId,
        id: &SessionId,
        pr: &PrRef,
    ) -> Result<SessionRecord, OrchestratorError> {
        let project = self.acting_on(project_id)?;
        let record = self.record(project_id, id).await?;
        if record.role == Role::Orchestrator {
            return Err(OrchestratorError::OrchestratorOwnsNoPr {
                session: id.clone(),
            });
        }
        let (claimed, found) = self.resolve_claim(project, pr, Some(id)).await?;
        let branch = found.branch;
        Ok(self
            .store
            .update(
                project_id,
                id,
                Box::new(move |r| {
                    r.pr = Some(claimed);
                    r.branch = Some(branch);
                }),
            )
            .await?)
    }

    /// Looks a pull request up for a worker to own: the full reference and the pull request.
    /// Refused when another live worker (not `claimant`) owns it, or when its branch lives in
    /// a fork.
    pub(super) async fn resolve_claim(
        &self,
        project: &Project,
        pr: &PrRef,
        claimant: Option<&SessionId>,
    ) -> Result<(PrRef, PullRequest), OrchestratorError> {
        let unsupported = |detail: String| OrchestratorError::Unsupported {
            operation: "claiming a pull request",
            detail,
        };
        let (scm, ctx) = match self.scm_for(project) {
            Ok(Some(found)) => found,
            Ok(None) => return Err(unsupported(format!("project {} has no `repo`", project.id))),
            Err(OrchestratorError::Plugin(RegistryError::UnknownName { name, .. })) => {
                return Err(unsupported(format!("no `{name}` SCM adapter is available")));
            }
            Err(e) => return Err(e),
        };
        let found = scm.resolve_pr(&ctx, pr).await?;
        let shown = format!("#{}", found.number);
        if let Some(fork) = &found.fork {
            return Err(OrchestratorError::PrFromFork {
                pr: shown,
                fork: fork.clone(),
                pushable: found.head_pushable,
            });
        }
        let owner = self
            .store
            .list(&project.id)
            .await?
            .records
            .into_iter()
            .find(|r| {
                r.role == Role::Worker
                    && Some(&r.id) != claimant
                    && !matches!(
                        r.lifecycle.session,
                        SessionPhase::Killed | SessionPhase::Done | SessionPhase::Errored
                    )
                    && r.pr.as_ref().is_some_and(|p| {
                        p.number == found.number
                            && p.repo.as_deref().is_none_or(|repo| repo == ctx.repo)
                    })
            });
        if let Some(owner) = owner {
            return Err(OrchestratorError::PrOwned {
                pr: shown,
                session: owner.id,
            });
        }
        Ok((
            PrRef {
                repo: Some(ctx.repo.clone()),
                number: found.number,
                url: Some(found.url.clone()),
            },
            found,
        ))
    }
}

/// The rescues kept in the repositories of the projects in `scope`, oldest first (projects
/// whose workspace kind keeps none are skipped).
pub(crate) async fn rescues(scope: &[Scope<'_>]) -> Result<Vec<Rescue>, OrchestratorError> {
    let mut all = Vec::new();
    for s in scope {
        match s
            .orch
            .workspace_for(s.project)?
            .rescues(&s.project.id, &s.project.path)
            .await
        {
            Ok(found) => all.extend(found),
            Err(WorkspaceError::Unsupported { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    all.sort_by(|a, b| a.created.cmp(&b.created));
    Ok(all)
}

/// Relaunches every session in `scope` whose runtime is not alive, except those stopped on
/// purpose and spawns.
pub(crate) async fn restore_all(
    scope: &[Scope<'_>],
) -> Result<(Vec<SessionRecord>, Vec<(SessionId, OrchestratorError)>), OrchestratorError> {
    let mut restored = Vec::new();
    let mut failed = Vec::new();
    let seen = observe(scope, &SessionFilter::all()).await?;
    for view in seen.sessions {
        if view.runtime == RuntimeStatus::Alive {
            continue;
        }
        let Some(s) = scope.iter().find(|s| s.project.id == view.project_id) else {
            continue;
        };
        let record = s.orch.record(&view.project_id, &view.id).await?;
        // Stopped on purpose, or a spawn (in progress, or cut short and kept for its unsaved
        // work): a person decides about those.
        if matches!(
            record.lifecycle.session,
            SessionPhase::Killed
                | SessionPhase::Done
                | SessionPhase::Stopped
                | SessionPhase::Spawning
                | SessionPhase::Errored
        ) {
            continue;
        }
        match s.orch.relaunch(s.project, record).await {
            Ok(r) => restored.push(r),
            Err(e) => failed.push((view.id.clone(), e)),
        }
    }
    Ok((restored, failed))
}

/// Removes the workers in `scope` whose process is gone or whose branch is merged, and what
/// crashes left behind (see [`Orchestrator::cleanup`]).
pub(crate) async fn cleanup(
    scope: &[Scope<'_>],
    dry_run: bool,
) -> Result<CleanupReport, OrchestratorError> {
    let mut report = CleanupReport::default();
    // With the forge's view of each worker's pull request: a squash or rebase merge leaves the
    // branch's commits outside the base branch, so git alone would call it unmerged.
    let seen = super::observe::status(scope, &SessionFilter::all(), None).await?;
    report.warnings = seen.warnings.clone();
    for view in &seen.sessions {
        if view.role != Role::Worker {
            continue;
        }
        let Some(s) = scope.iter().find(|s| s.project.id == view.project_id) else {
            continue;
        };
        let (orch, project) = (s.orch, s.project);
        let record = orch.record(&view.project_id, &view.id).await?;
        // Spawns are not finished here unless interrupted (below, with the orphans).
        if record.lifecycle.session == SessionPhase::Spawning {
            continue;
        }
        let dead = view.runtime != RuntimeStatus::Alive;
        let entry = |reason: String| CleanupEntry {
            id: Some(view.id.clone()),
            project_id: Some(view.project_id.clone()),
            kind: None,
            path: None,
            reason,
        };
        let info = workspace_info(project, &record);
        let pr = view
            .pr
            .as_ref()
            .and_then(|p| p.state.map(|state| (p.number, state)));
        if let Some((number, crate::domain::PrState::Closed)) = pr {
            report.kept.push(entry(format!(
                "pull request #{number} was closed without merging; `ao session kill {}` removes it",
                view.id
            )));
            continue;
        }
        let merged_on_forge = matches!(pr, Some((_, crate::domain::PrState::Merged)));
        let merged = match &info {
            _ if merged_on_forge => true,
            None => false,
            Some(info) => match orch.workspace_for(project)?.is_merged(info).await {
                Ok(merged) => merged,
                Err(WorkspaceError::Unsupported { .. }) => false,
                // Whether it is merged does not matter for a session whose process is gone.
                Err(_) if dead => false,
                Err(e) => {
                    report.kept.push(entry(format!(
                        "could not tell whether its branch is merged: {e}"
                    )));
                    continue;
                }
            },
        };
        if !dead && !merged {
            continue;
        }
        let reason = if let (true, Some((number, _))) = (merged_on_forge, pr) {
            format!("pull request #{number} merged")
        } else if merged {
            "branch merged".to_string()
        } else {
            "process gone".to_string()
        };
        if let Some(info) = info {
            let workspace = orch.workspace_for(project)?;
            if workspace.exists(&info).await? {
                let work = workspace.unsaved_work(&info).await?;
                if !work.is_empty() {
                    report.kept.push(entry(format!(
                        "{reason}, but unsaved work: {} file(s), {} commit(s)",
                        work.files.len(),
                        work.commits.len()
                    )));
                    continue;
                }
            }
        }
        if !dry_run {
            orch.kill(&view.project_id, &view.id, KillMode::Safe)
                .await?;
        }
        report.cleaned.push(entry(reason));
    }
    let (cleaned, kept) = clean_orphans(scope, &seen.orphans, dry_run).await?;
    report.cleaned.extend(cleaned);
    report.kept.extend(kept);
    Ok(report)
}
