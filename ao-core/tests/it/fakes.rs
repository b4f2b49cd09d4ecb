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

#[tokio::test]
async fn the_fake_scm_passes_the_scm_conformance_suite() {
    use ao_core::domain::{CiStatus, PrState, ReviewStatus};
    use ao_core::plugin::conformance::{ScmFixture, scm};
    use ao_core::plugin::{
        CheckFailure, CiReport, FakeScm, PrDetails, PullRequest, ReviewComment, ScmContext,
    };
    let pr = |number: u64, branch: &str, state, fork: Option<&str>| PullRequest {
        number,
        url: format!("https://example.invalid/o/r/pull/{number}"),
        title: format!("#{number} `$(not run)`"),
        body: "body\n```\nfenced\n```".into(),
        branch: branch.into(),
        base: "main".into(),
        state,
        head_sha: Some(format!("{number:040}")),
        base_sha: None,
        fork: fork.map(str::to_string),
        head_pushable: fork.is_none(),
    };
    let details = |pr: PullRequest, ci: CiReport, unresolved: Vec<ReviewComment>| PrDetails {
        pr,
        mergeable: Some(true),
        merge_state: Some("clean".into()),
        conflicts: false,
        review: ReviewStatus::None,
        ci,
        unresolved,
    };
    let ci = CiReport {
        state: CiStatus::Failing,
        total: 3,
        passed: 1,
        pending: 1,
        failed: vec![CheckFailure {
            name: "test".into(),
            summary: None,
            url: Some("https://example.invalid/runs/1".into()),
        }],
    };
    let thread = ReviewComment {
        id: "c1".into(),
        author: "reviewer".into(),
        body: "why?".into(),
        path: Some("src/lib.rs".into()),
        line: Some(3),
        url: "https://example.invalid/o/r/pull/7#c1".into(),
    };
    let fixture = ScmFixture {
        open: pr(7, "feat/x", PrState::Open, None),
        open_ci: ci.clone(),
        open_unresolved: vec!["why?".into()],
        open_resolved: vec![],
        fork_same_branch: Some(9),
        closed: pr(8, "feat/old", PrState::Closed, None),
        branch_without_pr: "feat/none".into(),
        missing: 404,
    };
    let fake = FakeScm::new();
    fake.insert(details(fixture.open.clone(), ci, vec![thread]));
    fake.insert(details(fixture.closed.clone(), CiReport::default(), vec![]));
    fake.insert(details(
        pr(9, "feat/x", PrState::Open, Some("someone/r")),
        CiReport::default(),
        vec![],
    ));
    let ctx = ScmContext {
        project_id: ProjectId::new("app").unwrap(),
        repo: "o/r".into(),
        settings: Default::default(),
    };
    scm(Arc::new(fake), &ctx, &fixture).await;
}

#[tokio::test]
async fn the_fake_notifier_passes_the_notifier_conformance_suite() {
    let fake = Arc::new(ao_core::plugin::FakeNotifier::new());
    ao_core::plugin::conformance::notifier(fake.clone(), true, &[]).await;
    assert_eq!(fake.events().len(), 2);
    assert_eq!(
        fake.events()[0],
        ao_core::plugin::conformance::sample_notification()
    );
}
