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
            existing_branch: false,
        }
    })
    .await;
}

#[tokio::test]
async fn the_fake_tracker_passes_the_tracker_conformance_suite() {
    use ao_core::domain::IssueRef;
    use ao_core::plugin::conformance::{TrackerFixture, tracker};
    use ao_core::plugin::{FakeTracker, Issue, IssueState, TrackerContext};
    let issue = |id: &str, state| Issue {
        id: id.into(),
        title: format!("issue {id} `$(not run)`"),
        body: "body\n```\nfenced\n```".into(),
        url: format!("https://example.invalid/issues/{id}"),
        state,
        labels: vec!["bug".into()],
        assignees: vec!["someone".into()],
        branch_hint: None,
    };
    let fixture = TrackerFixture {
        open: issue("7", IssueState::Open),
        closed: issue("8", IssueState::Closed),
        pull_request: Some(9),
        missing: IssueRef::Number { number: 404 },
        foreign: None,
    };
    let fake = FakeTracker::new();
    fake.insert(fixture.open.clone());
    fake.insert(fixture.closed.clone());
    fake.insert_pull_request(9);
    let ctx = TrackerContext {
        project_id: ProjectId::new("app").unwrap(),
        repo: Some("o/r".into()),
        settings: Default::default(),
    };
    tracker(Arc::new(fake), &ctx, &fixture).await;
}
