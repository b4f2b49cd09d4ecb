//! The fakes that ship with the traits pass the same conformance suites as the real
//! implementations, so tests built on them cannot drift from what the real ones do.

use std::sync::Arc;

use ao_core::domain::{ProjectId, SessionId};
use ao_core::plugin::{FakeRuntime, FakeWorkspace, WorkspaceRequest};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_runtime_passes_the_runtime_conformance_suite() {
    let tmp = tempfile::tempdir().unwrap();
    ao_core::plugin::conformance::runtime(Arc::new(FakeRuntime::new()), "fk", tmp.path()).await;
}

#[tokio::test]
async fn the_fake_workspace_passes_the_workspace_conformance_suite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    ao_core::plugin::conformance::workspace(Arc::new(FakeWorkspace::new()), move |name| {
        WorkspaceRequest {
            project_id: ProjectId::new("app").unwrap(),
            session_id: SessionId::new(name).unwrap(),
            repo_path: dir.join("repo"),
            path: dir.join("worktrees").join(name),
            branch: format!("session/{name}"),
            base_branch: "main".into(),
            symlinks: vec![],
            post_create: vec![],
        }
    })
    .await;
}
