//! The `command` agent: any program, configured as `agentConfig.command: [program, args…]`.
//!
//! Its task prompt goes as the last argument (`promptVia: arg`, the default), is typed into
//! its terminal once it runs (`stdin`), or is not given (`none`); the system prompt's file is
//! in `AO_SYSTEM_PROMPT_FILE`. Knowing nothing about the program, it reads activity from the
//! terminal: active while the screen changes, idle after a quiet period, exited when the
//! program has ended (and unknown on first sight, so a message is not held back).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;

use crate::config::PromptVia;
use crate::domain::{
    Activity, ActivitySource, ActivityState, LaunchSpec, RuntimeStatus, Timestamp,
};
use crate::plugin::{ActivityProbe, Agent, AgentError, LaunchRequest};

/// The agent's config name.
pub const AGENT_NAME: &str = "command";

/// How long an unchanged screen means idle.
pub const DEFAULT_QUIET: Duration = Duration::from_secs(5);

/// Runs a configured program.
#[derive(Debug)]
pub struct CommandAgent {
    quiet: Duration,
    /// Per session: the screen's hash, since when, and whether it is the first screen seen
    /// (a first sight says nothing about change).
    screens: Mutex<HashMap<String, (u64, Timestamp, bool)>>,
}

impl Default for CommandAgent {
    fn default() -> Self {
        Self::new(DEFAULT_QUIET)
    }
}

impl CommandAgent {
    /// An agent that calls a screen unchanged for `quiet` idle.
    pub fn new(quiet: Duration) -> Self {
        Self {
            quiet,
            screens: Mutex::new(HashMap::new()),
        }
    }
}

#[async_trait]
impl Agent for CommandAgent {
    fn wants_terminal(&self) -> bool {
        true
    }

    fn name(&self) -> &str {
        AGENT_NAME
    }

    fn launch_spec(&self, req: &LaunchRequest) -> Result<LaunchSpec, AgentError> {
        let command = req.settings.command.as_deref().unwrap_or_default();
        let Some((program, args)) = command.split_first().filter(|(p, _)| !p.trim().is_empty())
        else {
            return Err(AgentError::InvalidSettings {
                agent: "command".into(),
                detail: "agentConfig.command must name the program to run".into(),
            });
        };
        let mut spec = LaunchSpec::new(program.clone(), args.iter().cloned(), req.cwd.clone());
        if let (PromptVia::Arg, Some(task)) = (
            req.settings.prompt_via.unwrap_or_default(),
            &req.task_prompt,
        ) {
            spec.argv.push(task.clone());
        }
        spec.env = req.env.clone();
        if let Some(file) = &req.system_prompt_file {
            spec.env
                .insert("AO_SYSTEM_PROMPT_FILE".into(), file.display().to_string());
        }
        Ok(spec)
    }

    fn initial_input(&self, req: &LaunchRequest) -> Option<String> {
        match req.settings.prompt_via.unwrap_or_default() {
            PromptVia::Stdin => req.task_prompt.clone(),
            PromptVia::Arg | PromptVia::None => None,
        }
    }

    async fn activity(&self, probe: &ActivityProbe) -> Result<Activity, AgentError> {
        let now = Timestamp::now();
        if matches!(
            probe.runtime,
            RuntimeStatus::Exited { .. } | RuntimeStatus::Missing
        ) {
            return Ok(Activity {
                state: ActivityState::Exited,
                since: now,
                source: ActivitySource::Runtime,
            });
        }
        let Some(screen) = &probe.terminal else {
            return Ok(Activity {
                state: ActivityState::Unknown,
                since: now,
                source: ActivitySource::None,
            });
        };
        let mut hasher = DefaultHasher::new();
        screen.hash(&mut hasher);
        let hash = hasher.finish();
        let mut screens = self.screens.lock().map_err(|_| AgentError::Failed {
            agent: "command".into(),
            detail: "activity state poisoned".into(),
        })?;
        let key = probe.session.id.to_string();
        let quiet = jiff::SignedDuration::try_from(self.quiet)
            .unwrap_or(jiff::SignedDuration::from_secs(5));
        let (since, first) = match screens.get(&key) {
            Some((h, at, first)) if *h == hash => (*at, *first),
            Some(_) => {
                screens.insert(key, (hash, now, false));
                return Ok(Activity {
                    state: ActivityState::Active,
                    since: now,
                    source: ActivitySource::Terminal,
                });
            }
            None => {
                screens.insert(key, (hash, now, true));
                return Ok(Activity {
                    state: ActivityState::Unknown,
                    since: now,
                    source: ActivitySource::Terminal,
                });
            }
        };
        let idle_from = since.checked_add(quiet).unwrap_or(since);
        let state = match (now >= idle_from, first) {
            (true, _) => ActivityState::Idle,
            (false, true) => ActivityState::Unknown,
            (false, false) => ActivityState::Active,
        };
        Ok(Activity {
            state,
            since: if state == ActivityState::Idle {
                idle_from
            } else {
                since
            },
            source: ActivitySource::Terminal,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AgentConfig;
    use crate::domain::{ProjectId, Role, SessionId};
    use crate::store::SessionRecord;

    fn request(command: &[&str], via: Option<PromptVia>) -> LaunchRequest {
        LaunchRequest {
            project_id: ProjectId::new("app").unwrap(),
            session_id: SessionId::new("app-1").unwrap(),
            role: Role::Worker,
            model: None,
            permissions: crate::config::Permissions::Permissionless,
            system_prompt_file: Some("/h/launch/app-1.system.md".into()),
            system_prompt: Some("be good".into()),
            agent_session_id: None,
            task_prompt: Some("do it".into()),
            cwd: "/w".into(),
            settings: AgentConfig {
                command: Some(command.iter().map(|s| (*s).to_string()).collect()),
                prompt_via: via,
                ..AgentConfig::default()
            }
            .into(),
            env: Default::default(),
            trusted: true,
        }
    }

    #[test]
    fn the_prompt_goes_where_prompt_via_says() {
        let agent = CommandAgent::default();
        let spec = agent
            .launch_spec(&request(&["my-agent", "--fast"], None))
            .unwrap();
        assert_eq!(spec.argv, ["my-agent", "--fast", "do it"]);
        assert_eq!(
            spec.env["AO_SYSTEM_PROMPT_FILE"],
            "/h/launch/app-1.system.md"
        );
        assert_eq!(agent.initial_input(&request(&["a"], None)), None);
        let stdin = request(&["my-agent"], Some(PromptVia::Stdin));
        assert_eq!(agent.launch_spec(&stdin).unwrap().argv, ["my-agent"]);
        assert_eq!(agent.initial_input(&stdin).as_deref(), Some("do it"));
        let none = request(&["my-agent"], Some(PromptVia::None));
        assert_eq!(agent.launch_spec(&none).unwrap().argv, ["my-agent"]);
        assert_eq!(agent.initial_input(&none), None);
        assert!(matches!(
            agent.launch_spec(&request(&[], None)),
            Err(AgentError::InvalidSettings { .. })
        ));
    }

    #[tokio::test]
    async fn activity_follows_the_screen() {
        let agent = CommandAgent::new(Duration::from_millis(50));
        let record = SessionRecord::new(
            SessionId::new("app-1").unwrap(),
            ProjectId::new("app").unwrap(),
            Role::Worker,
            "command",
        );
        let probe = |screen: &str, runtime| ActivityProbe {
            session: record.clone(),
            terminal: Some(screen.to_string()),
            runtime,
            ao_home: "/h".into(),
            ready_threshold: std::time::Duration::from_secs(300),
            env: Default::default(),
        };
        // A first sight says nothing about change.
        assert_eq!(
            agent
                .activity(&probe("a", RuntimeStatus::Alive))
                .await
                .unwrap()
                .state,
            ActivityState::Unknown
        );
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(
            agent
                .activity(&probe("a", RuntimeStatus::Alive))
                .await
                .unwrap()
                .state,
            ActivityState::Idle
        );
        assert_eq!(
            agent
                .activity(&probe("ab", RuntimeStatus::Alive))
                .await
                .unwrap()
                .state,
            ActivityState::Active
        );
        let exited = agent
            .activity(&probe("ab", RuntimeStatus::Exited { code: Some(0) }))
            .await
            .unwrap();
        assert_eq!(
            (exited.state, exited.source),
            (ActivityState::Exited, ActivitySource::Runtime)
        );
    }
}
