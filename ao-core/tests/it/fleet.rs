//! The fleet over the project registry: lookups by session and project from anywhere,
//! registration on first use, prefixes unique across projects.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ao_core::config;
use ao_core::domain::ProjectId;
use ao_core::fleet::Fleet;
use ao_core::home::AoHome;
use ao_core::orchestrator::{ErrorClass, Options, OrchestratorError, SessionFilter, SpawnRequest};
use ao_core::plugin::{FakeRuntime, FakeWorkspace, Registry, Runtime, Workspace};
use ao_core::projects::ProjectRegistry;
use ao_core::store::{FileStore, Store};

struct Fx {
    tmp: tempfile::TempDir,
    home: AoHome,
    runtime: Arc<FakeRuntime>,
    workspace: Arc<FakeWorkspace>,
}

impl Fx {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        Self {
            home: AoHome::new(tmp.path().join("ao-home")),
            tmp,
            runtime: Arc::new(FakeRuntime::named("tmux")),
            workspace: Arc::new(FakeWorkspace::new()),
        }
    }

    /// A config `<name>.yaml` with one project `name` (prefix `prefix`) running `cat`.
    fn config(&self, name: &str, prefix: &str) -> std::path::PathBuf {
        let path = self.tmp.path().join(name);
        std::fs::create_dir_all(&path).unwrap();
        let file = self.tmp.path().join(format!("{name}.yaml"));
        std::fs::write(
            &file,
            format!(
                "projects:\n  {name}:\n    path: {}\n    sessionPrefix: {prefix}\n    agent: command\n    agentConfig: {{command: [cat], promptVia: none}}\n",
                path.display()
            ),
        )
        .unwrap();
        file
    }

    fn registry(&self) -> Registry {
        let mut registry = Registry::builtin();
        let r = self.runtime.clone();
        registry.register_runtime("tmux", move |_| Ok(r.clone() as Arc<dyn Runtime>));
        let w = self.workspace.clone();
        registry.register_workspace("worktree", move |_| Ok(w.clone() as Arc<dyn Workspace>));
        registry
    }

    fn fleet(&self, extra: Option<&Path>) -> Fleet {
        let mut options = Options::new(self.home.clone());
        options.scope = None;
        options.spawn_watch = Duration::from_millis(20);
        let extra = extra.map(|p| config::load(p, &self.registry().known_names()).unwrap());
        let store: Arc<dyn Store> = Arc::new(FileStore::new(self.home.clone()));
        Fleet::load(self.registry(), store, options, extra).unwrap()
    }
}

fn pid(s: &str) -> ProjectId {
    ProjectId::new(s).unwrap()
}

fn spawn(project: &str) -> SpawnRequest {
    SpawnRequest {
        project: Some(pid(project)),
        prompt: Some("x".into()),
        ..SpawnRequest::default()
    }
}

#[tokio::test]
async fn sessions_and_projects_resolve_from_anywhere_once_registered() {
    let fx = Fx::new();
    let app = fx.config("app", "app");
    let web = fx.config("web", "web");
    // A spawn registers its project: afterwards it is part of every fleet.
    let pointed = fx.fleet(Some(&app));
    pointed.spawn(spawn("app")).await.unwrap();
    assert!(
        ProjectRegistry::new(&fx.home)
            .list()
            .unwrap()
            .contains_key(&pid("app"))
    );
    fx.fleet(Some(&web)).spawn(spawn("web")).await.unwrap();

    // From nowhere in particular: no config given.
    let fleet = fx.fleet(None);
    let (orch, project, id) = fleet.session("web-1").unwrap();
    assert_eq!((project.as_str(), id.as_str()), ("web", "web-1"));
    assert!(orch.config().path.ends_with("web.yaml"));
    assert!(matches!(
        fleet.session("zz-1"),
        Err(OrchestratorError::UnknownSession { .. })
    ));
    assert_eq!(
        fleet
            .choose_project(Some("web"), None, Path::new("/"))
            .unwrap(),
        pid("web")
    );
    let err = fleet
        .choose_project(None, None, Path::new("/"))
        .unwrap_err();
    assert_eq!(err.class(), ErrorClass::NotFound);
    assert!(err.to_string().contains("app, web"), "{err}");
    assert_eq!(
        fleet
            .choose_project(None, None, &fx.tmp.path().join("web/src"))
            .unwrap(),
        pid("web")
    );
    let ids: Vec<String> = fleet
        .observe(&SessionFilter::all())
        .await
        .unwrap()
        .sessions
        .iter()
        .map(|v| v.id.to_string())
        .collect();
    assert_eq!(ids, ["app-1", "web-1"]);
    fleet.spawn(spawn("web")).await.unwrap();
    assert_eq!(fx.runtime.running(), ["app-1", "web-1", "web-2"]);
}

#[tokio::test]
async fn a_prefix_another_registered_project_owns_is_refused_before_anything_is_made() {
    let fx = Fx::new();
    let app = fx.config("app", "ap");
    fx.fleet(Some(&app)).spawn(spawn("app")).await.unwrap();
    let other = fx.config("other", "ap");
    let fleet = fx.fleet(Some(&other));
    let err = fleet.spawn(spawn("other")).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Refused, "{err}");
    assert!(err.to_string().contains("already used"), "{err}");
    assert_eq!(fx.runtime.running(), ["ap-1"], "nothing else started");
    assert!(
        !fx.home.project_dir(&pid("other")).join("sessions").exists(),
        "no record was made"
    );
    // Its sessions would have been indistinguishable: `ap-1` is still app's.
    let (_, project, _) = fleet.session("ap-1").unwrap();
    assert_eq!(project, pid("app"));
}

#[tokio::test]
async fn a_registered_config_that_no_longer_loads_is_reported_not_fatal() {
    let fx = Fx::new();
    let app = fx.config("app", "app");
    let web = fx.config("web", "web");
    fx.fleet(Some(&app)).spawn(spawn("app")).await.unwrap();
    fx.fleet(Some(&web)).register(&pid("web")).unwrap();
    std::fs::write(&web, "projects: [not, a, map]\n").unwrap();
    let fleet = fx.fleet(None);
    assert_eq!(fleet.problems().len(), 1);
    assert!(
        fleet.problems()[0].to_string().contains("web"),
        "{}",
        fleet.problems()[0]
    );
    assert_eq!(fleet.projects().count(), 1);
    let stopped = fleet.stop_all().await;
    assert_eq!(stopped.len(), 1);
    assert!(matches!(stopped[0].1, Ok(None)), "app has no orchestrator");
}

/// A tick decides, persists and logs each transition once; a new fleet (a restarted daemon)
/// goes on from the persisted states without logging them again; both registered projects
/// are covered by one tick.
#[tokio::test]
async fn a_tick_logs_each_transition_once_and_a_restart_goes_on_from_the_persisted_state() {
    use ao_core::domain::DisplayStatus;
    use ao_core::lifecycle::{EventFilter, EventLog, tick};
    let fx = Fx::new();
    let a = fx.config("alpha", "al");
    let b = fx.config("beta", "be");
    let first = fx.fleet(Some(&a));
    first.spawn(spawn("alpha")).await.unwrap();
    let second = fx.fleet(Some(&b));
    second.spawn(spawn("beta")).await.unwrap();
    let log = EventLog::new(fx.home.event_log());

    let fleet = fx.fleet(None);
    let report = tick(&fleet, &log, false).await.unwrap();
    assert_eq!(report.projects, vec![pid("alpha"), pid("beta")]);
    let to: Vec<_> = report
        .events
        .iter()
        .map(|e| (e.session_id.clone().unwrap().to_string(), e.from, e.to))
        .collect();
    assert_eq!(
        to,
        vec![
            (
                "al-1".to_string(),
                Some(DisplayStatus::Spawning),
                Some(DisplayStatus::Working)
            ),
            (
                "be-1".to_string(),
                Some(DisplayStatus::Spawning),
                Some(DisplayStatus::Working)
            ),
        ]
    );
    assert!(tick(&fleet, &log, false).await.unwrap().events.is_empty());
    // A restart: a new fleet, the same records.
    let restarted = fx.fleet(None);
    assert!(
        tick(&restarted, &log, false)
            .await
            .unwrap()
            .events
            .is_empty()
    );
    // The agent ends: one more transition, and the `agent-exited` reaction asks for a
    // notification (once: the next tick adds nothing).
    fx.runtime.exit("al-1", Some(3));
    let report = tick(&restarted, &log, false).await.unwrap();
    assert_eq!(report.events.len(), 2, "{:?}", report.events);
    assert_eq!(report.events[0].to, Some(DisplayStatus::Exited));
    assert_eq!(report.events[0].detail["exitCode"], 3);
    assert_eq!(report.events[1].kind, "notify.requested");
    assert_eq!(report.events[1].detail["reaction"], "agent-exited");
    assert_eq!(report.events[1].detail["priority"], "urgent");
    assert!(
        tick(&restarted, &log, false)
            .await
            .unwrap()
            .events
            .is_empty()
    );
    let logged = log.read(&EventFilter::default()).unwrap();
    assert_eq!(logged.len(), 4);
    let record = restarted.observe(&SessionFilter::all()).await.unwrap();
    let al = record
        .sessions
        .iter()
        .find(|v| v.id.as_str() == "al-1")
        .unwrap();
    assert_eq!(al.lifecycle_state.unwrap().state, DisplayStatus::Exited);
}
