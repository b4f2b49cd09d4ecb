//! The spawn path's own cost: `WorktreeWorkspace::create` + `TmuxRuntime::start` against the
//! raw `git worktree add` + `tmux new-session` they wrap (target: under 50 ms of overhead).
//! Needs git and tmux; uses a private tmux server.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use ao_core::domain::{LaunchSpec, ProjectId, SessionId};
use ao_core::home::AoHome;
use ao_core::plugin::{Runtime, Workspace, WorkspaceRequest};
use ao_core::tmux::{TmuxOptions, TmuxRuntime};
use ao_core::worktree::WorktreeWorkspace;

fn main() {
    ao_core::run_if_invoked();
    divan::main();
}

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    repo: PathBuf,
    socket: String,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        ao_core::tmux::kill_private_server(&self.socket);
    }
}

fn run(dir: &Path, program: &str, args: &[&str]) {
    let ok = Command::new(program)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs")
        .status
        .success();
    assert!(ok, "{program} {args:?}");
}

fn fixture(name: &str) -> Fixture {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_path_buf();
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).expect("repo dir");
    run(&repo, "git", &["init", "-q", "-b", "main"]);
    run(
        &repo,
        "git",
        &[
            "-c",
            "user.email=b@e",
            "-c",
            "user.name=b",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "base",
        ],
    );
    Fixture {
        _tmp: tmp,
        dir,
        repo,
        socket: format!("ao-bench-{name}-{}", std::process::id()),
    }
}

static N: AtomicU32 = AtomicU32::new(0);

#[divan::bench(sample_count = 20, sample_size = 1)]
fn raw_git_worktree_and_tmux(bencher: divan::Bencher<'_, '_>) {
    let f = fixture("raw");
    bencher.bench_local(|| {
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = f.dir.join(format!("raw-{n}"));
        run(
            &f.repo,
            "git",
            &[
                "worktree",
                "add",
                "--quiet",
                "--no-track",
                "-b",
                &format!("raw/{n}"),
                path.to_str().expect("utf-8"),
                "main",
            ],
        );
        run(
            &f.dir,
            "tmux",
            &[
                "-L",
                &f.socket,
                "new-session",
                "-d",
                "-s",
                &format!("raw-{n}"),
                "-c",
                path.to_str().expect("utf-8"),
                "sleep",
                "600",
            ],
        );
    });
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn ao_workspace_and_runtime(bencher: divan::Bencher<'_, '_>) {
    let f = fixture("ao");
    let home = AoHome::new(f.dir.join("home"));
    let ws = WorktreeWorkspace::new(home.clone());
    let mut options = TmuxOptions::from_env(home).expect("options");
    options.socket = Some(f.socket.clone());
    let rt = TmuxRuntime::new(options);
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    bencher.bench_local(|| {
        let n = N.fetch_add(1, Ordering::Relaxed);
        let id = SessionId::new(format!("ao-{n}")).expect("id");
        let req = WorkspaceRequest {
            project_id: ProjectId::new("bench").expect("id"),
            session_id: id.clone(),
            repo_path: f.repo.clone(),
            path: f.dir.join(format!("ao-{n}")),
            branch: format!("session/ao-{n}"),
            base_branch: "main".into(),
            symlinks: vec![],
            post_create: vec![],
            existing_branch: false,
        };
        tokio.block_on(async {
            let info = ws.create(&req).await.expect("worktree");
            rt.start(&id, &LaunchSpec::new("sleep", ["600"], info.path))
                .await
                .expect("tmux");
        });
    });
}
