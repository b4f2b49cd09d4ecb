//! Conformance suites for runtimes, workspaces, trackers, SCMs and notifiers: every
//! implementation runs them in its own tests.
//!
//! A failed check panics with what was expected. The suites start real programs (`sh`), so
//! they need a POSIX shell.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{
    Destroyed, Runtime, RuntimeError, RuntimeHandle, Workspace, WorkspaceError, WorkspaceRequest,
};
use crate::domain::{IssueRef, LaunchSpec, RuntimeStatus, SessionId};

const WAIT: Duration = Duration::from_secs(15);

fn sh(script: &str, cwd: &Path) -> LaunchSpec {
    LaunchSpec::new("sh", ["-c", script], cwd)
}

fn id(prefix: &str, suffix: &str) -> SessionId {
    SessionId::new(format!("{prefix}-{suffix}")).expect("valid session id")
}

async fn eventually_output(rt: &dyn Runtime, handle: &RuntimeHandle, needle: &str) -> String {
    assert!(
        !needle.is_empty(),
        "waiting for empty output proves nothing"
    );
    let start = Instant::now();
    loop {
        let out = rt.output(handle, 50).await.unwrap_or_default();
        if out.contains(needle) {
            return out;
        }
        assert!(
            start.elapsed() < WAIT,
            "{needle:?} never appeared in the output of {}; last screen:\n{out}",
            handle.id
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn eventually_status(rt: &dyn Runtime, handle: &RuntimeHandle, want: RuntimeStatus) {
    let start = Instant::now();
    loop {
        let got = rt
            .liveness(std::slice::from_ref(handle))
            .await
            .expect("liveness")[&handle.id];
        if got == want {
            return;
        }
        assert!(
            start.elapsed() < WAIT,
            "{} stayed {got:?}, expected {want:?}",
            handle.id
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs every runtime check. Session names start with `prefix`; programs run in `cwd`.
pub async fn runtime(rt: Arc<dyn Runtime>, prefix: &str, cwd: &Path) {
    let rt = rt.as_ref();

    // A program starts, sees its environment, and its output can be read; the handle is the
    // one `locate` announced.
    let mut spec = sh("echo \"ready:$AO_CONFORMANCE\"; exec sleep 60", cwd);
    spec.env.insert("AO_CONFORMANCE".into(), "value-42".into());
    let located = rt.locate(&id(prefix, "1"));
    let a = rt.start(&id(prefix, "1"), &spec).await.expect("start");
    assert_eq!(a, located, "start returns the handle locate announced");
    eventually_output(rt, &a, "ready:value-42").await;
    eventually_status(rt, &a, RuntimeStatus::Alive).await;

    // The same name again is refused, never reused.
    assert!(
        matches!(
            rt.start(&id(prefix, "1"), &spec).await,
            Err(RuntimeError::AlreadyExists { .. })
        ),
        "a second start of the same session must fail with AlreadyExists"
    );

    // Names are exact: `-1` and `-10` are different sessions.
    let b = rt
        .start(&id(prefix, "10"), &sh("echo ten; exec sleep 60", cwd))
        .await
        .expect("start -10");
    eventually_output(rt, &b, "ten").await;
    rt.stop(&a).await.expect("stop");
    eventually_status(rt, &b, RuntimeStatus::Alive).await;
    let gone = rt
        .liveness(std::slice::from_ref(&a))
        .await
        .expect("liveness")[&a.id];
    assert!(
        matches!(gone, RuntimeStatus::Missing | RuntimeStatus::Exited { .. }),
        "stopped session is {gone:?}"
    );
    rt.stop(&a).await.expect("stopping twice is fine");

    // A message arrives as one line of input.
    let c = rt
        .start(
            &id(prefix, "2"),
            &sh(
                "echo listening; read -r line; echo \"got:$line\"; exec sleep 60",
                cwd,
            ),
        )
        .await
        .expect("start");
    eventually_output(rt, &c, "listening").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    rt.send(&c, "hello 'quoted' $(not run) world\n")
        .await
        .expect("send");
    eventually_output(rt, &c, "got:hello 'quoted' $(not run) world").await;

    // The exit status of a program that ends at once is kept.
    let d = rt
        .start(&id(prefix, "3"), &sh("exit 7", cwd))
        .await
        .expect("start");
    eventually_status(rt, &d, RuntimeStatus::Exited { code: Some(7) }).await;

    // An exited program's session stays until stopped: its status and last screen are kept,
    // a plain start of the same name is refused, and a restart replaces it in place.
    let e = rt
        .start(&id(prefix, "4"), &sh("echo first-run; exit 3", cwd))
        .await
        .expect("start");
    eventually_status(rt, &e, RuntimeStatus::Exited { code: Some(3) }).await;
    eventually_output(rt, &e, "first-run").await;
    assert!(
        matches!(
            rt.start(&id(prefix, "4"), &spec).await,
            Err(RuntimeError::AlreadyExists { .. })
        ),
        "a session whose program exited but which was not stopped is still there"
    );
    let e2 = rt
        .restart(&e, &sh("echo second-run; exec sleep 60", cwd))
        .await
        .expect("restart of an exited session");
    assert_eq!(e2.id, e.id);
    eventually_output(rt, &e2, "second-run").await;
    eventually_status(rt, &e2, RuntimeStatus::Alive).await;
    assert!(
        matches!(
            rt.restart(&e2, &spec).await,
            Err(RuntimeError::AlreadyExists { .. })
        ),
        "a running session is never restarted over"
    );

    // The inventory finds every session, also those no handle names.
    let found = rt.inventory(&[]).await.expect("inventory");
    let status_of = |name: &str| found.iter().find(|o| o.handle.id == name).map(|o| o.status);
    assert_eq!(status_of(&b.id), Some(RuntimeStatus::Alive), "{found:?}");
    assert_eq!(
        status_of(&d.id),
        Some(RuntimeStatus::Exited { code: Some(7) }),
        "{found:?}"
    );
    assert_eq!(
        status_of(&a.id),
        None,
        "a stopped session is gone: {found:?}"
    );
    let again = found
        .iter()
        .find(|o| o.handle.id == b.id)
        .map(|o| o.handle.clone())
        .expect("b in the inventory");
    assert_eq!(again, b, "the inventory's handle reaches the same session");

    // Screens of many sessions at once; a gone one is left out.
    let screens = rt
        .screens(&[b.clone(), a.clone(), e2.clone()], 20)
        .await
        .expect("screens");
    assert!(screens[&b.id].contains("ten"), "{screens:?}");
    assert!(screens[&e2.id].contains("second-run"), "{screens:?}");
    assert!(!screens.contains_key(&a.id), "{screens:?}");

    // Liveness answers for many handles at once, unknown ones included.
    let unknown = RuntimeHandle {
        runtime: rt.name().to_string(),
        id: format!("{prefix}-404"),
        data: serde_json::Value::Null,
    };
    let all = rt
        .liveness(&[b.clone(), d.clone(), unknown.clone()])
        .await
        .expect("liveness");
    assert_eq!(all[&b.id], RuntimeStatus::Alive);
    assert_eq!(all[&unknown.id], RuntimeStatus::Missing);
    assert!(
        matches!(
            rt.send(&unknown, "x").await,
            Err(RuntimeError::NotFound { .. })
        ),
        "sending to a missing session"
    );

    for h in [&b, &c, &d, &e2] {
        rt.stop(h).await.expect("stop");
    }
    let left = rt.inventory(&[]).await.expect("inventory");
    assert!(
        left.iter().all(|o| !o.handle.id.starts_with(prefix)),
        "everything stopped: {left:?}"
    );
}

/// Runs every workspace check. `request(name)` makes a request for a fresh session `name`; the
/// workspace must live in the file system at the requested path.
pub async fn workspace(ws: Arc<dyn Workspace>, request: impl Fn(&str) -> WorkspaceRequest) {
    let ws = ws.as_ref();

    // A fresh workspace exists and holds nothing unsaved.
    let info = ws.create(&request("ws-1")).await.expect("create");
    assert!(
        info.path.is_dir(),
        "{} is not a directory",
        info.path.display()
    );
    assert!(ws.exists(&info).await.expect("exists"));
    assert!(
        ws.unsaved_work(&info).await.expect("unsaved").is_empty(),
        "a fresh workspace has unsaved work"
    );

    // The same path again is refused.
    assert!(
        matches!(
            ws.create(&request("ws-1")).await,
            Err(WorkspaceError::AlreadyExists { .. })
        ),
        "creating over an existing workspace must fail with AlreadyExists"
    );

    // An untracked file is unsaved work: removal is refused and names it.
    std::fs::write(info.path.join("notes.txt"), "precious").expect("write a file");
    let work = ws.unsaved_work(&info).await.expect("unsaved");
    assert_eq!(work.files, ["notes.txt"], "unsaved files");
    match ws.destroy(&info, false).await {
        Err(WorkspaceError::UnsavedWork { work, .. }) => assert_eq!(work.files, ["notes.txt"]),
        other => panic!("destroy with unsaved work must refuse, got {other:?}"),
    }
    assert!(
        info.path.join("notes.txt").exists(),
        "the refused destroy touched the file"
    );

    // Forced removal rescues first.
    let done = ws.destroy(&info, true).await.expect("forced destroy");
    let Destroyed::RemovedAfterRescue { rescue_ref: first } = done else {
        panic!("forced destroy of unsaved work: {done:?}");
    };
    assert!(!ws.exists(&info).await.expect("exists"));

    // The same session id again (another AO_HOME, or a reused id): a second rescue never
    // replaces the first, and both are listed.
    let again = ws.create(&request("ws-1")).await.expect("create again");
    std::fs::write(again.path.join("notes.txt"), "more").expect("write a file");
    let Ok(Destroyed::RemovedAfterRescue { rescue_ref: second }) = ws.destroy(&again, true).await
    else {
        panic!("the second forced destroy rescues too");
    };
    assert_ne!(first, second, "a rescue ref was reused");
    let listed = ws
        .rescues(&info.project_id, &info.repo_path)
        .await
        .expect("rescues");
    for reference in [&first, &second] {
        let rescue = listed
            .iter()
            .find(|r| &r.reference == reference)
            .unwrap_or_else(|| panic!("{reference} is not listed: {listed:?}"));
        assert_eq!(rescue.session, "ws-1");
    }
    assert!(
        matches!(ws.destroy(&info, false).await, Ok(Destroyed::Removed)),
        "destroying a gone workspace is fine"
    );

    // A clean workspace goes without ceremony.
    let clean = ws.create(&request("ws-2")).await.expect("create");
    assert_eq!(
        ws.destroy(&clean, false).await.expect("destroy"),
        Destroyed::Removed
    );
    assert!(!clean.path.exists());
}

/// What a tracker's backend holds for [`tracker`]: the caller puts these there first.
#[derive(Debug, Clone)]
pub struct TrackerFixture {
    /// An open issue, as the tracker will return it (its id is looked up by number or key).
    pub open: super::Issue,
    /// A closed issue.
    pub closed: super::Issue,
    /// A number that is a pull request's, for trackers that number both alike (`None`: no
    /// such thing).
    pub pull_request: Option<u64>,
    /// A reference no issue has.
    pub missing: IssueRef,
    /// A reference meant for another kind of tracker (`Linear:ABC-1` for GitHub), for trackers
    /// of one kind (`None`: it serves every form).
    pub foreign: Option<IssueRef>,
}

/// Runs every tracker check against a tracker whose backend holds `fixture`.
pub async fn tracker(
    t: Arc<dyn super::Tracker>,
    ctx: &super::TrackerContext,
    fixture: &TrackerFixture,
) {
    let t = t.as_ref();
    let reference = |issue: &super::Issue| {
        IssueRef::parse(&issue.id).unwrap_or_else(|e| panic!("the fixture's id {}: {e}", issue.id))
    };

    // An issue comes back whole, untrusted text as it was written.
    for expected in [&fixture.open, &fixture.closed] {
        let got = t
            .fetch(ctx, &reference(expected))
            .await
            .unwrap_or_else(|e| panic!("fetch {}: {e}", expected.id));
        assert_eq!(&got, expected, "fetch {}", expected.id);
    }
    assert_eq!(fixture.closed.state, super::IssueState::Closed);

    // A missing issue is NotFound, never an outage or an empty issue.
    match t.fetch(ctx, &fixture.missing).await {
        Err(super::TrackerError::NotFound { .. }) => {}
        other => panic!("fetch of a missing issue must be NotFound, got {other:?}"),
    }

    // A pull request's number is not an issue.
    if let Some(number) = fixture.pull_request {
        match t.fetch(ctx, &IssueRef::Number { number }).await {
            Err(super::TrackerError::PullRequest { .. }) => {}
            other => panic!("fetch of pull request #{number} must be PullRequest, got {other:?}"),
        }
    }

    // A reference for another kind of tracker is WrongTracker.
    if let Some(foreign) = &fixture.foreign {
        match t.fetch(ctx, foreign).await {
            Err(super::TrackerError::WrongTracker { .. }) => {}
            other => panic!("{foreign} is for another tracker: WrongTracker, got {other:?}"),
        }
    }

    // One branch per issue, the same every time, and one git accepts.
    let branch = t.branch_name(&fixture.open);
    assert_eq!(branch, t.branch_name(&fixture.open));
    assert_ne!(branch, t.branch_name(&fixture.closed));
    assert!(
        !branch.is_empty()
            && !branch.contains("..")
            && !branch.starts_with(['-', '/'])
            && !branch.ends_with(['/', '.'])
            && branch
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"~^:?*[\\".contains(c)),
        "{branch:?} is not a branch name git accepts"
    );

    // Listing, where offered: open issues by default, closed ones when asked.
    match t.list(ctx, &super::IssueFilter::default()).await {
        Err(super::TrackerError::Unsupported { .. }) => {}
        Err(e) => panic!("list: {e}"),
        Ok(open) => {
            assert!(
                open.iter().any(|i| i.id == fixture.open.id),
                "the open issue is listed"
            );
            assert!(
                open.iter().all(|i| i.id != fixture.closed.id),
                "a closed issue is not listed by default"
            );
            let closed = t
                .list(
                    ctx,
                    &super::IssueFilter {
                        states: vec![super::IssueState::Closed],
                        ..super::IssueFilter::default()
                    },
                )
                .await
                .expect("list closed");
            assert!(closed.iter().any(|i| i.id == fixture.closed.id));
        }
    }
}

/// What an SCM's host holds for [`scm`]: the caller puts these there first.
#[derive(Debug, Clone)]
pub struct ScmFixture {
    /// An open pull request of the project's repository that can be merged, as the SCM returns
    /// it. The suite merges it last.
    pub open: super::PullRequest,
    /// The checks of `open`'s head commit as the host should count them (the failed ones are
    /// compared by name).
    pub open_ci: super::CiReport,
    /// The bodies of `open`'s unresolved review threads, oldest first.
    pub open_unresolved: Vec<String>,
    /// The bodies of `open`'s resolved review threads (never listed).
    pub open_resolved: Vec<String>,
    /// A pull request from a fork whose head branch has `open`'s branch name, opened after
    /// `open` (`None`: the host has no forks).
    pub fork_same_branch: Option<u64>,
    /// A closed, unmerged pull request of the project's repository.
    pub closed: super::PullRequest,
    /// A branch of the project's repository without a pull request.
    pub branch_without_pr: String,
    /// A number no pull request has.
    pub missing: u64,
}

/// Runs every SCM check against an SCM whose host holds `fixture`, in `ctx`'s repository. It
/// merges `fixture.open` at the end.
pub async fn scm(s: Arc<dyn super::Scm>, ctx: &super::ScmContext, fixture: &ScmFixture) {
    use super::{MergeMethod, PrQuery, ScmError};
    use crate::domain::{PrRef, PrState};
    let s = s.as_ref();
    let open = &fixture.open;
    let number = |n: u64| PrRef {
        repo: None,
        number: n,
        url: None,
    };

    // The pull request of a branch is the project's own, never a fork's of the same name.
    let found = s
        .pr_for_branch(ctx, &open.branch)
        .await
        .unwrap_or_else(|e| panic!("pr_for_branch {}: {e}", open.branch));
    assert_eq!(found.as_ref(), Some(open), "pr_for_branch {}", open.branch);
    assert_eq!(
        open.fork, None,
        "the fixture's open pull request is not a fork's"
    );
    let none = s
        .pr_for_branch(ctx, &fixture.branch_without_pr)
        .await
        .expect("pr_for_branch of a branch without a pull request");
    assert_eq!(
        none, None,
        "{} has no pull request",
        fixture.branch_without_pr
    );

    // A reference resolves by number, `#n` and `owner/name#n`; a missing one is NotFound, and
    // so is one of another repository.
    for reference in [
        number(open.number),
        PrRef::parse(&format!("#{}", open.number)).expect("#n parses"),
        PrRef::parse(&format!("{}#{}", ctx.repo, open.number)).expect("owner/name#n parses"),
    ] {
        let got = s
            .resolve_pr(ctx, &reference)
            .await
            .unwrap_or_else(|e| panic!("resolve_pr {reference}: {e}"));
        assert_eq!(&got, open, "resolve_pr {reference}");
    }
    match s.resolve_pr(ctx, &number(fixture.missing)).await {
        Err(ScmError::NotFound { .. }) => {}
        other => panic!("resolve_pr of a missing pull request must be NotFound, got {other:?}"),
    }
    let elsewhere = PrRef {
        repo: Some("someone-else/elsewhere".into()),
        number: open.number,
        url: None,
    };
    match s.resolve_pr(ctx, &elsewhere).await {
        Err(ScmError::NotFound { .. }) => {}
        other => panic!("{elsewhere} is not the project's: NotFound, got {other:?}"),
    }
    if let Some(fork) = fixture.fork_same_branch {
        let got = s
            .resolve_pr(ctx, &number(fork))
            .await
            .unwrap_or_else(|e| panic!("resolve_pr #{fork} (from a fork): {e}"));
        assert_eq!(got.number, fork);
        assert!(got.fork.is_some(), "#{fork} comes from a fork");
        assert_eq!(got.branch, open.branch);
    }

    // One batch answers every question, in order.
    let queries = vec![
        PrQuery::Number(open.number),
        PrQuery::Branch(fixture.branch_without_pr.clone()),
        PrQuery::Branch(open.branch.clone()),
        PrQuery::Number(fixture.missing),
        PrQuery::Number(fixture.closed.number),
    ];
    let first = s
        .pr_batch(ctx, &queries, None)
        .await
        .unwrap_or_else(|e| panic!("pr_batch: {e}"));
    let asked: Vec<&PrQuery> = first.answers.iter().map(|a| &a.query).collect();
    assert_eq!(
        asked,
        queries.iter().collect::<Vec<_>>(),
        "one answer per query, in order"
    );
    let details = first.answers[0]
        .pr
        .as_ref()
        .unwrap_or_else(|| panic!("pr_batch found no #{}", open.number));
    assert_eq!(&details.pr, open, "pr_batch #{}", open.number);
    assert_eq!(first.answers[1].pr, None, "a branch without a pull request");
    assert_eq!(
        first.answers[2].pr.as_ref().map(|d| d.pr.number),
        Some(open.number),
        "the branch's pull request is the project's own, not a fork's"
    );
    assert_eq!(
        first.answers[3].pr, None,
        "no pull request #{}",
        fixture.missing
    );
    let closed = first.answers[4]
        .pr
        .as_ref()
        .unwrap_or_else(|| panic!("pr_batch found no #{}", fixture.closed.number));
    assert_eq!(closed.pr.state, PrState::Closed);

    // Checks are counted whole, and the failed ones named.
    let ci = &details.ci;
    let failed = u32::try_from(ci.failed.len()).expect("a count");
    assert_eq!(ci.total, ci.passed + ci.pending + failed, "{ci:?}");
    let want = &fixture.open_ci;
    assert_eq!(
        (ci.state, ci.total, ci.passed, ci.pending),
        (want.state, want.total, want.passed, want.pending),
        "the checks of #{}",
        open.number
    );
    let names = |r: &super::CiReport| r.failed.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(ci),
        names(want),
        "the failed checks of #{}",
        open.number
    );

    // Only unresolved threads are listed, oldest first.
    let bodies: Vec<&str> = details.unresolved.iter().map(|c| c.body.as_str()).collect();
    assert_eq!(
        bodies, fixture.open_unresolved,
        "the unresolved threads of #{}",
        open.number
    );
    for resolved in &fixture.open_resolved {
        assert!(
            !bodies.contains(&resolved.as_str()),
            "{resolved:?} is resolved"
        );
    }

    // Asked again with nothing changed, the answers are the same.
    let second = s
        .pr_batch(ctx, &queries, Some(first.clone()))
        .await
        .unwrap_or_else(|e| panic!("pr_batch with the previous batch: {e}"));
    assert_eq!(second.answers, first.answers, "nothing changed");
    assert!(second.fetched_at >= first.fetched_at);

    // A closed pull request is not merged; an open, mergeable one is.
    match s
        .merge(ctx, fixture.closed.number, MergeMethod::Squash)
        .await
    {
        Err(ScmError::Refused { .. }) => {}
        Err(ScmError::Unsupported { .. }) => return,
        other => panic!(
            "merging closed #{} must be Refused, got {other:?}",
            fixture.closed.number
        ),
    }
    s.merge(ctx, open.number, MergeMethod::Squash)
        .await
        .unwrap_or_else(|e| panic!("merge #{}: {e}", open.number));
    let merged = s
        .resolve_pr(ctx, &number(open.number))
        .await
        .unwrap_or_else(|e| panic!("resolve_pr #{} after merging: {e}", open.number));
    assert_eq!(merged.state, PrState::Merged);
}

/// A notification as the lifecycle produces them, about session `app-1` of project `app`.
pub fn sample_notification() -> crate::domain::Notification {
    use crate::domain::{Link, Notification, Priority, ProjectId, Timestamp};
    let ts: Timestamp = "2026-01-02T03:04:05Z"
        .parse()
        .unwrap_or_else(|_| Timestamp::now());
    Notification {
        id: "0123456789abcdef".into(),
        priority: Priority::Urgent,
        project_id: ProjectId::new("app").unwrap_or_else(|_| unreachable!("a valid id")),
        session_id: Some(SessionId::new("app-1").unwrap_or_else(|_| unreachable!("a valid id"))),
        timestamp: ts,
        title: "ci-failed on app-1 needs a person".into(),
        message: "CI failed on your pull request.\n- unit-tests: https://ci.example/run/1".into(),
        links: vec![Link {
            label: "PR #7".into(),
            url: "https://github.com/acme/app/pull/7".into(),
        }],
        event: serde_json::json!({"kind": "notify.requested", "projectId": "app"}),
    }
}

/// The notifier suite. `n` is given [`sample_notification`] and one with hostile text
/// (control characters, mentions, markup, 100 000 characters); with `delivers` it must take
/// both (sent or noted), else refuse both. Either way it answers within the suite's wait, has
/// a name, and no error it gives contains any of `secrets` (its URL, its token).
pub async fn notifier(n: Arc<dyn super::Notifier>, delivers: bool, secrets: &[&str]) {
    assert!(!n.name().is_empty(), "a notifier has a name");
    let mut hostile = sample_notification();
    hostile.id = "fedcba9876543210".into();
    hostile.title = "<!channel> @everyone \u{1b}[2J *bold* [x](javascript:alert(1))".into();
    hostile.message = format!("\0\u{7}<script>{}", "x".repeat(100_000));
    for notification in [sample_notification(), hostile] {
        let result = tokio::time::timeout(WAIT, n.notify(&notification))
            .await
            .unwrap_or_else(|_| panic!("{} did not answer within {WAIT:?}", n.name()));
        match result {
            Ok(_) => assert!(delivers, "{} delivered what it should refuse", n.name()),
            Err(e) => {
                let text = format!("{e} {e:?}");
                for secret in secrets {
                    assert!(
                        !text.contains(secret),
                        "{}'s error shows a secret: {text}",
                        n.name()
                    );
                }
                assert!(!delivers, "{} refused: {e}", n.name());
            }
        }
    }
}
