//! The git worktree workspace on real repositories (with and without a remote), and the trust
//! gate on `postCreate`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use ao_core::domain::{ProjectId, SessionId};
use ao_core::home::AoHome;
use ao_core::plugin::{Destroyed, Workspace, WorkspaceError, WorkspaceRequest};
use ao_core::worktree::WorktreeWorkspace;

use crate::support::{commit, git, git_repo};

fn git_out(repo: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

struct Repo {
    tmp: tempfile::TempDir,
    repo: PathBuf,
}

/// A repository with one commit on `main`, optionally pushed to a bare `origin`.
fn repo(with_origin: bool) -> Repo {
    let tmp = tempfile::tempdir().unwrap();
    let repo = git_repo(tmp.path(), "app");
    std::fs::write(repo.join("README.md"), "hello\n").unwrap();
    std::fs::write(repo.join(".gitignore"), "target/\n").unwrap();
    git(&repo, &["add", "."]);
    commit(&repo, "base");
    if with_origin {
        let origin = tmp.path().join("origin.git");
        git(
            tmp.path(),
            &[
                "init",
                "-q",
                "--bare",
                "-b",
                "main",
                origin.to_str().unwrap(),
            ],
        );
        git(
            &repo,
            &["remote", "add", "origin", origin.to_str().unwrap()],
        );
        git(&repo, &["push", "-q", "origin", "main"]);
    }
    Repo { tmp, repo }
}

impl Repo {
    fn workspace(&self) -> WorktreeWorkspace {
        WorktreeWorkspace::new(AoHome::new(self.tmp.path().join("home")))
            .with_fetch_timeout(Duration::from_secs(5))
    }

    fn request(&self, session: &str) -> WorkspaceRequest {
        WorkspaceRequest {
            project_id: ProjectId::new("app").unwrap(),
            session_id: SessionId::new(session).unwrap(),
            repo_path: self.repo.clone(),
            path: self.tmp.path().join("worktrees").join(session),
            branch: format!("session/{session}"),
            base_branch: "main".into(),
            symlinks: vec![],
            post_create: vec![],
            existing_branch: false,
        }
    }
}

#[tokio::test]
async fn worktree_workspace_passes_the_workspace_conformance_suite() {
    for with_origin in [true, false] {
        let r = repo(with_origin);
        ao_core::plugin::conformance::workspace(Arc::new(r.workspace()), |s| r.request(s)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_worktrees_on_one_repository_all_succeed() {
    let r = repo(true);
    let ws = Arc::new(r.workspace());
    let mut tasks = Vec::new();
    for n in 1..=20 {
        let (ws, req) = (ws.clone(), r.request(&format!("app-{n}")));
        tasks.push(tokio::spawn(async move { ws.create(&req).await }));
    }
    for t in tasks {
        let info = t.await.unwrap().unwrap_or_else(|e| panic!("{e}"));
        assert!(info.warnings.is_empty(), "{:?}", info.warnings);
    }
    let (_, list) = git_out(&r.repo, &["worktree", "list", "--porcelain"]);
    assert_eq!(list.matches("branch refs/heads/session/app-").count(), 20);
}

#[tokio::test]
async fn forced_destroy_keeps_untracked_work_in_a_rescue_ref() {
    let r = repo(true);
    let ws = r.workspace();
    let info = ws.create(&r.request("app-1")).await.unwrap();
    std::fs::create_dir_all(info.path.join("src")).unwrap();
    std::fs::write(info.path.join("src/new.rs"), "fn main() {}\n").unwrap();
    std::fs::write(info.path.join("README.md"), "changed\n").unwrap();
    std::fs::create_dir_all(info.path.join("target")).unwrap();
    std::fs::write(info.path.join("target/ignored.o"), "x").unwrap();
    let err = ws.destroy(&info, false).await.unwrap_err();
    let WorkspaceError::UnsavedWork { work, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(
        work.files,
        ["README.md", "src/new.rs"],
        "ignored files are not work"
    );

    let Destroyed::RemovedAfterRescue { rescue_ref } = ws.destroy(&info, true).await.unwrap()
    else {
        panic!("a forced destroy of unsaved work rescues it");
    };
    assert!(
        rescue_ref.starts_with("refs/ao/rescue/app-1/"),
        "{rescue_ref}"
    );
    assert!(!info.path.exists());
    let (_, files) = git_out(&r.repo, &["ls-tree", "-r", "--name-only", &rescue_ref]);
    assert_eq!(
        files.lines().collect::<Vec<_>>(),
        [".gitignore", "README.md", "src/new.rs"]
    );
    let (_, readme) = git_out(&r.repo, &["show", &format!("{rescue_ref}:README.md")]);
    assert_eq!(readme, "changed\n");
    let (_, parent) = git_out(&r.repo, &["rev-parse", &format!("{rescue_ref}^")]);
    let (_, main) = git_out(&r.repo, &["rev-parse", "main"]);
    assert_eq!(parent, main, "the rescue commit sits on the branch head");
    assert!(
        !git_out(
            &r.repo,
            &["rev-parse", "--verify", "refs/heads/session/app-1"]
        )
        .0,
        "forced: branch deleted"
    );
}

#[tokio::test]
async fn rescues_from_two_ao_homes_and_an_older_ao_are_all_kept() {
    let r = repo(true);
    // What an older `ao` left: a rescue under the bare session id.
    let (_, main) = git_out(&r.repo, &["rev-parse", "main"]);
    git(
        &r.repo,
        &["update-ref", "refs/ao/rescue/app-1", main.trim()],
    );
    let mut made = Vec::new();
    for home in ["home-a", "home-b"] {
        let ws = WorktreeWorkspace::new(AoHome::new(r.tmp.path().join(home)));
        let mut req = r.request("app-1");
        req.path = r.tmp.path().join(home).join("app-1");
        let info = ws.create(&req).await.unwrap();
        std::fs::write(info.path.join("notes.txt"), home).unwrap();
        let Destroyed::RemovedAfterRescue { rescue_ref } = ws.destroy(&info, true).await.unwrap()
        else {
            panic!("rescued");
        };
        let (_, notes) = git_out(&r.repo, &["show", &format!("{rescue_ref}:notes.txt")]);
        assert_eq!(notes, home);
        made.push(rescue_ref);
    }
    assert_ne!(made[0], made[1]);
    let listed = r
        .workspace()
        .rescues(&ProjectId::new("app").unwrap(), &r.repo)
        .await
        .unwrap();
    let refs: Vec<&str> = listed.iter().map(|x| x.reference.as_str()).collect();
    for reference in made
        .iter()
        .map(String::as_str)
        .chain(["refs/ao/rescue/app-1"])
    {
        assert!(refs.contains(&reference), "{reference} in {refs:?}");
    }
    assert!(listed.iter().all(|x| x.session == "app-1"), "{listed:?}");
    let (_, old) = git_out(&r.repo, &["rev-parse", "refs/ao/rescue/app-1"]);
    assert_eq!(old, main, "the older rescue is untouched");
}

#[tokio::test]
async fn an_unpushed_commit_is_unsaved_until_it_is_pushed() {
    let r = repo(true);
    let ws = r.workspace();
    let info = ws.create(&r.request("app-1")).await.unwrap();
    commit(&info.path, "work in progress");
    let work = ws.unsaved_work(&info).await.unwrap();
    assert!(work.files.is_empty());
    assert_eq!(work.commits.len(), 1);
    assert!(
        work.commits[0].ends_with(" work in progress"),
        "{:?}",
        work.commits
    );
    assert!(matches!(
        ws.destroy(&info, false).await,
        Err(WorkspaceError::UnsavedWork { .. })
    ));

    git(&info.path, &["push", "-q", "origin", "session/app-1"]);
    assert!(ws.unsaved_work(&info).await.unwrap().is_empty());
    // Pushed but not merged: the worktree goes, the branch stays.
    assert_eq!(ws.destroy(&info, false).await.unwrap(), Destroyed::Removed);
    assert!(
        git_out(
            &r.repo,
            &["rev-parse", "--verify", "refs/heads/session/app-1"]
        )
        .0
    );
    // The branch is reused by the next worktree that asks for it.
    let again = ws.create(&r.request("app-1")).await.unwrap();
    let (_, log) = git_out(&again.path, &["log", "--format=%s", "-1"]);
    assert_eq!(log.trim(), "work in progress");
}

#[tokio::test]
async fn a_merged_branch_is_deleted_with_its_worktree() {
    let r = repo(false);
    let ws = r.workspace();
    let info = ws.create(&r.request("app-1")).await.unwrap();
    assert_eq!(ws.destroy(&info, false).await.unwrap(), Destroyed::Removed);
    assert!(
        !git_out(
            &r.repo,
            &["rev-parse", "--verify", "refs/heads/session/app-1"]
        )
        .0,
        "merged: branch deleted"
    );
}

#[tokio::test]
async fn a_failing_post_create_leaves_no_worktree_and_no_branch() {
    let r = repo(true);
    let ws = r.workspace();
    let mut req = r.request("app-1");
    req.post_create = vec![
        "echo preparing > prepared.txt".into(),
        "echo boom >&2; exit 3".into(),
    ];
    let err = ws.create(&req).await.unwrap_err();
    assert!(
        matches!(&err, WorkspaceError::PostCreate { command, output } if command.contains("exit 3") && output == "boom"),
        "{err}"
    );
    assert!(!req.path.exists());
    assert!(
        !git_out(
            &r.repo,
            &["rev-parse", "--verify", "refs/heads/session/app-1"]
        )
        .0
    );
    let (_, list) = git_out(&r.repo, &["worktree", "list"]);
    assert_eq!(list.lines().count(), 1, "{list}");

    req.post_create = vec!["echo ready > prepared.txt".into()];
    let info = ws.create(&req).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(info.path.join("prepared.txt")).unwrap(),
        "ready\n"
    );
}

#[tokio::test]
async fn symlinks_come_from_the_main_checkout_and_are_not_unsaved_work() {
    let r = repo(false);
    std::fs::write(r.repo.join(".env"), "SECRET=1\n").unwrap();
    let ws = r.workspace();
    let mut req = r.request("app-1");
    req.symlinks = vec![".env".into(), "missing.txt".into(), "../escape".into()];
    let info = ws.create(&req).await.unwrap();
    let link = info.path.join(".env");
    assert_eq!(std::fs::read_link(&link).unwrap(), r.repo.join(".env"));
    assert!(ws.unsaved_work(&info).await.unwrap().is_empty());
    assert_eq!(info.warnings.len(), 2, "{:?}", info.warnings);
    assert!(!r.tmp.path().join("escape").exists());
}

#[tokio::test]
async fn an_unreachable_origin_falls_back_to_the_local_branch_with_a_warning() {
    let r = repo(false);
    git(
        &r.repo,
        &["remote", "add", "origin", "/nonexistent/origin.git"],
    );
    let info = r.workspace().create(&r.request("app-1")).await.unwrap();
    assert_eq!(info.warnings.len(), 1);
    assert!(
        info.warnings[0].contains("fetch of origin/main failed"),
        "{:?}",
        info.warnings
    );
    let (_, head) = git_out(&info.path, &["rev-parse", "HEAD"]);
    let (_, main) = git_out(&r.repo, &["rev-parse", "main"]);
    assert_eq!(head, main);
}

mod trust {
    use super::*;
    use ao_core::config::{self, KnownNames};
    use ao_core::orchestrator::{
        ErrorClass, Options, Orchestrator, OrchestratorError, SpawnRequest,
    };
    use ao_core::plugin::{Agent, FakeAgent, FakeRuntime, Registry, Runtime};
    use ao_core::store::InMemoryStore;
    use ao_core::trust::TrustStore;

    fn orchestrator(r: &Repo, config: &Path) -> Orchestrator {
        let home = AoHome::new(r.tmp.path().join("home"));
        let mut registry = Registry::new();
        let rt = Arc::new(FakeRuntime::named("tmux"));
        registry.register_runtime("tmux", move |_| Ok(rt.clone() as Arc<dyn Runtime>));
        let ws = Arc::new(WorktreeWorkspace::new(home.clone()));
        registry.register_workspace("worktree", move |_| Ok(ws.clone() as Arc<dyn Workspace>));
        let program = crate::support::agent_program(&r.tmp.path().join("bin"), "claude");
        let agent = Arc::new(FakeAgent::new("claude-code", program));
        registry.register_agent("claude-code", move |_| Ok(agent.clone() as Arc<dyn Agent>));
        registry.register_agent("command", |_| {
            Ok(Arc::new(ao_core::command_agent::CommandAgent::default()) as Arc<dyn Agent>)
        });
        let cfg = config::load(config, &KnownNames::builtin()).unwrap();
        Orchestrator::new(
            cfg,
            registry,
            Arc::new(InMemoryStore::new()),
            Options::new(home),
        )
    }

    #[tokio::test]
    async fn an_untrusted_in_repo_config_never_runs_post_create() {
        let r = repo(false);
        let config = r.repo.join("agent-orchestrator.yaml");
        std::fs::write(&config, "postCreate:\n  - touch ran-post-create\n").unwrap();
        let orch = orchestrator(&r, &config);
        let req = || SpawnRequest {
            prompt: Some("x".into()),
            ..SpawnRequest::default()
        };
        let err = orch.spawn(req()).await.unwrap_err();
        assert!(matches!(err, OrchestratorError::Untrusted { .. }), "{err}");
        assert_eq!(err.class(), ErrorClass::Refused);
        assert!(err.to_string().contains("postCreate"), "{err}");
        assert!(
            !r.tmp.path().join("home/projects/app/worktrees").exists(),
            "nothing was created"
        );

        TrustStore::new(&AoHome::new(r.tmp.path().join("home")))
            .trust(&config)
            .unwrap();
        let out = orch.spawn(req()).await.unwrap();
        assert!(
            out.record
                .workspace_path
                .unwrap()
                .join("ran-post-create")
                .exists()
        );

        // Editing the file withdraws the trust.
        std::fs::write(
            &config,
            "postCreate:\n  - touch ran-post-create\n  - touch more\n",
        )
        .unwrap();
        let orch = orchestrator(&r, &config);
        let err = orch.spawn(req()).await.unwrap_err();
        assert!(
            matches!(
                err,
                OrchestratorError::Untrusted {
                    changed_since: Some(_),
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string().contains("has changed since"),
            "says why the trust is gone: {err}"
        );
    }

    #[tokio::test]
    async fn an_untrusted_in_repo_config_never_runs_its_own_programs() {
        let r = repo(false);
        let config = r.repo.join("agent-orchestrator.yaml");
        let marker = r.tmp.path().join("ran");
        let req = || SpawnRequest {
            prompt: Some("x".into()),
            ..SpawnRequest::default()
        };
        for yaml in [
            format!(
                "projects:\n  app:\n    path: .\n    agent: command\n    agentConfig:\n      command: [touch, {}]\n      promptVia: none\n",
                marker.display()
            ),
            "projects:\n  app:\n    path: .\n    env:\n      PATH: ./bin\n".to_string(),
            "projects:\n  app:\n    path: .\n    env:\n      LD_PRELOAD: ./evil.so\n".to_string(),
        ] {
            std::fs::write(&config, &yaml).unwrap();
            let orch = orchestrator(&r, &config);
            let err = orch.spawn(req()).await.unwrap_err();
            assert!(
                matches!(err, OrchestratorError::Untrusted { .. }),
                "{yaml}: {err}"
            );
            assert_eq!(err.class(), ErrorClass::Refused);
            let err = orch
                .start_orchestrator(&"app".parse().unwrap())
                .await
                .unwrap_err();
            assert!(
                matches!(err, OrchestratorError::Untrusted { .. }),
                "{yaml}: {err}"
            );
            assert!(!marker.exists(), "{yaml}: nothing ran");
            assert!(
                !r.tmp.path().join("home/projects/app/worktrees").exists(),
                "{yaml}: nothing was created"
            );
        }
        // Trusted, the command agent's program runs.
        std::fs::write(
            &config,
            format!(
                "projects:\n  app:\n    path: .\n    agent: command\n    agentConfig:\n      command: [touch, {}]\n      promptVia: none\n",
                marker.display()
            ),
        )
        .unwrap();
        TrustStore::new(&AoHome::new(r.tmp.path().join("home")))
            .trust(&config)
            .unwrap();
        let orch = orchestrator(&r, &config);
        let _ = orch.spawn(req()).await;
        let start = std::time::Instant::now();
        while !marker.exists() && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(marker.exists(), "the trusted config's program ran");
    }
}

#[tokio::test]
async fn a_claimed_branch_that_only_the_forge_has_is_fetched_and_checked_out() {
    let r = repo(true);
    // Someone else pushed `fix-login` with a commit of its own; this clone never fetched it.
    let other = r.tmp.path().join("other");
    git(
        r.tmp.path(),
        &[
            "clone",
            "-q",
            r.tmp.path().join("origin.git").to_str().unwrap(),
            other.to_str().unwrap(),
        ],
    );
    git(&other, &["checkout", "-q", "-b", "fix-login"]);
    std::fs::write(other.join("fix.txt"), "fixed\n").unwrap();
    git(&other, &["add", "."]);
    commit(&other, "the fix");
    git(&other, &["push", "-q", "origin", "fix-login"]);
    let (_, pushed) = git_out(&other, &["rev-parse", "HEAD"]);

    let ws = r.workspace();
    let mut req = r.request("app-1");
    req.branch = "fix-login".into();
    req.existing_branch = true;
    let info = ws.create(&req).await.unwrap();
    assert!(info.warnings.is_empty(), "{:?}", info.warnings);
    let (_, head) = git_out(&info.path, &["rev-parse", "HEAD"]);
    assert_eq!(head, pushed, "the worktree starts from the forge's branch");
    assert!(info.path.join("fix.txt").exists());
    let (_, branch) = git_out(&info.path, &["branch", "--show-current"]);
    assert_eq!(branch.trim(), "fix-login");
}
