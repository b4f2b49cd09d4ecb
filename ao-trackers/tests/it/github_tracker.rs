//! The GitHub tracker against a loopback wiremock server: ao-core's tracker conformance suite,
//! then what the suite does not cover (other repositories, filters, pagination, updates, typed
//! rate limits, the registry).

use std::sync::Arc;

use ao_core::domain::{IssueRef, ProjectId};
use ao_core::home::AoHome;
use ao_core::plugin::conformance::{TrackerFixture, tracker as conformance};
use ao_core::plugin::{
    Issue, IssueFilter, IssueState, IssueUpdate, PluginContext, Registry, RegistryError, Tracker,
    TrackerContext, TrackerError,
};
use ao_trackers::github::GitHubTracker;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

fn ctx(repo: Option<&str>) -> TrackerContext {
    TrackerContext {
        project_id: ProjectId::new("app").unwrap(),
        repo: repo.map(str::to_string),
        settings: serde_json::Map::new(),
    }
}

fn tracker(server: &MockServer) -> Arc<dyn Tracker> {
    Arc::new(GitHubTracker::with_client(Arc::new(client(server))))
}

fn expected(server: &MockServer, n: u64, title: &str, state: IssueState) -> Issue {
    let json = issue_json(
        server,
        n,
        title,
        if state == IssueState::Open {
            "open"
        } else {
            "closed"
        },
    );
    Issue {
        id: n.to_string(),
        title: title.into(),
        body: json["body"].as_str().unwrap().into(),
        url: format!("https://github.com/acme/app/issues/{n}"),
        state,
        labels: vec!["bug".into()],
        assignees: vec!["ann".into(), "bob".into()],
        branch_hint: None,
    }
}

async fn serve(server: &MockServer, route: &str, status: u16, body: Value) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn passes_the_tracker_conformance_suite() {
    let server = MockServer::builder().start().await;
    serve(
        &server,
        "/repos/acme/app/issues/1",
        200,
        issue_json(&server, 1, "Open one", "open"),
    )
    .await;
    serve(
        &server,
        "/repos/acme/app/issues/2",
        200,
        issue_json(&server, 2, "Closed one", "closed"),
    )
    .await;
    serve(
        &server,
        "/repos/acme/app/issues/3",
        200,
        pull_json(&server, 3),
    )
    .await;
    serve(
        &server,
        "/repos/acme/app/issues/99",
        404,
        json!({"message": "Not Found"}),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/issues"))
        .and(query_param("state", "open"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            issue_json(&server, 1, "Open one", "open"),
            pull_json(&server, 3),
        ])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/issues"))
        .and(query_param("state", "closed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([issue_json(
            &server,
            2,
            "Closed one",
            "closed"
        )])))
        .mount(&server)
        .await;
    let fixture = TrackerFixture {
        open: expected(&server, 1, "Open one", IssueState::Open),
        closed: expected(&server, 2, "Closed one", IssueState::Closed),
        pull_request: Some(3),
        missing: IssueRef::Number { number: 99 },
        foreign: Some(IssueRef::parse("Linear:ABC-1").unwrap()),
    };
    conformance(tracker(&server), &ctx(Some("acme/app")), &fixture).await;
}

#[tokio::test]
async fn fetch_reads_the_repository_a_reference_names_and_says_which_is_missing() {
    let server = MockServer::builder().start().await;
    serve(
        &server,
        "/repos/other/lib/issues/5",
        200,
        issue_json(&server, 5, "Elsewhere", "open"),
    )
    .await;
    let t = tracker(&server);
    let elsewhere = IssueRef::parse("https://github.com/other/lib/issues/5").unwrap();
    assert_eq!(
        t.fetch(&ctx(Some("acme/app")), &elsewhere)
            .await
            .unwrap()
            .title,
        "Elsewhere"
    );
    let e = err(t
        .fetch(&ctx(Some("acme/app")), &IssueRef::Number { number: 6 })
        .await);
    assert!(matches!(&e, TrackerError::NotFound { .. }), "{e:?}");
    assert_eq!(e.to_string(), "issue #6 not found");
    let e = err(t.fetch(&ctx(None), &IssueRef::Number { number: 6 }).await);
    assert!(
        matches!(&e, TrackerError::Unavailable { detail, .. } if detail.contains("repo: owner/name")),
        "{e:?}"
    );
    assert_eq!(
        received(&server).await,
        2,
        "no request without a repository"
    );

    // Without a token, a missing issue may be a private repository's.
    let anonymous = GitHubTracker::with_client(Arc::new(client_with(
        &server,
        ao_trackers::github::Credentials::anonymous(),
        quick(),
    )));
    let e = err(anonymous
        .fetch(&ctx(Some("acme/app")), &IssueRef::Number { number: 6 })
        .await);
    assert!(e.to_string().contains("private repository"), "{e}");
}

#[tokio::test]
async fn list_filters_follows_pages_skips_pull_requests_and_stops_at_the_limit() {
    let server = MockServer::builder().start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/issues"))
        .and(query_param("state", "all"))
        .and(query_param("labels", "bug,p1"))
        .and(query_param("assignee", "ann"))
        .and(query_param("per_page", "100"))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "link",
                    format!(r#"<{base}/repos/acme/app/issues?state=all&page=2>; rel="next""#)
                        .as_str(),
                )
                .set_body_json(json!([
                    issue_json(&server, 1, "one", "open"),
                    pull_json(&server, 2)
                ])),
        )
        .mount(&server)
        .await;
    let mut cancelled = issue_json(&server, 4, "four", "closed");
    cancelled["state_reason"] = json!("not_planned");
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/issues"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            issue_json(&server, 3, "three", "closed"),
            cancelled
        ])))
        .mount(&server)
        .await;
    let t = tracker(&server);
    let filter = IssueFilter {
        states: vec![IssueState::Open, IssueState::Cancelled],
        labels: vec!["bug".into(), "p1".into()],
        assignee: Some("ann".into()),
        limit: None,
    };
    let found = t.list(&ctx(Some("acme/app")), &filter).await.unwrap();
    let ids: Vec<_> = found.iter().map(|i| (i.id.as_str(), i.state)).collect();
    assert_eq!(ids, [("1", IssueState::Open), ("4", IssueState::Cancelled)]);

    // A limit asks for no more than it needs and stops reading pages once it has them.
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/issues"))
        .and(query_param("state", "open"))
        .and(query_param("per_page", "1"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "link",
                    format!(r#"<{base}/repos/acme/app/issues?page=2>; rel="next""#).as_str(),
                )
                .set_body_json(json!([issue_json(&server, 1, "one", "open")])),
        )
        .mount(&server)
        .await;
    let before = received(&server).await;
    let one = t
        .list(
            &ctx(Some("acme/app")),
            &IssueFilter {
                limit: Some(1),
                ..IssueFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(received(&server).await, before + 1);
}

#[tokio::test]
async fn update_comments_labels_and_closes_in_that_order() {
    let server = MockServer::builder().start().await;
    let issue = "/repos/acme/app/issues/7";
    Mock::given(method("POST"))
        .and(path(format!("{issue}/comments")))
        .and(body_json(json!({"body": "Done in #8."})))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": 1, "body": "Done in #8."})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{issue}/labels")))
        .and(body_json(json!({"labels": ["done", "ao"]})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"name": "done"}, {"name": "ao"}])),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{issue}/labels/needs%20triage")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{issue}/labels/absent")))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"message": "Label does not exist"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(issue))
        .and(body_json(
            json!({"state": "closed", "state_reason": "not_planned"}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(issue_json(&server, 7, "t", "closed")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let t = tracker(&server);
    let update = IssueUpdate {
        state: Some(IssueState::Cancelled),
        add_labels: vec!["done".into(), "ao".into()],
        remove_labels: vec!["needs triage".into(), "absent".into()],
        comment: Some("Done in #8.".into()),
    };
    t.update(
        &ctx(Some("acme/app")),
        &IssueRef::Number { number: 7 },
        &update,
    )
    .await
    .unwrap();
    let order: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(order, ["POST", "POST", "DELETE", "DELETE", "PATCH"]);

    // GitHub has no "in progress": refused before anything is sent.
    let e = err(t
        .update(
            &ctx(Some("acme/app")),
            &IssueRef::Number { number: 7 },
            &IssueUpdate {
                state: Some(IssueState::InProgress),
                comment: Some("x".into()),
                ..IssueUpdate::default()
            },
        )
        .await);
    assert!(matches!(e, TrackerError::Unsupported { .. }), "{e:?}");
    assert_eq!(received(&server).await, 5);
}

#[tokio::test]
async fn rate_limits_and_refusals_reach_the_caller_typed() {
    let server = MockServer::builder().start().await;
    let reset = now() + 3600;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/issues/1"))
        .respond_with(
            with_limits(ResponseTemplate::new(403), 0, reset)
                .set_body_json(json!({"message": "API rate limit exceeded"})),
        )
        .mount(&server)
        .await;
    let t = GitHubTracker::with_client(Arc::new(client_with(
        &server,
        token("ghp_tracker_spent"),
        quick(),
    )));
    let e = err(t
        .fetch(&ctx(Some("acme/app")), &IssueRef::Number { number: 1 })
        .await);
    match e {
        TrackerError::RateLimited {
            tracker,
            reset: Some(r),
        } => {
            assert_eq!(tracker, "github");
            assert_eq!(r.as_second(), reset);
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }

    serve(
        &server,
        "/repos/acme/app/issues/2",
        401,
        json!({"message": "Bad credentials"}),
    )
    .await;
    let e = err(tracker(&server)
        .fetch(&ctx(Some("acme/app")), &IssueRef::Number { number: 2 })
        .await);
    assert!(
        matches!(&e, TrackerError::Auth { detail, .. } if detail.contains("Bad credentials")),
        "{e:?}"
    );
    assert!(!format!("{e} {e:?}").contains("ghp_test"));
}

#[tokio::test]
async fn is_registered_as_github_and_built_from_the_projects_settings() {
    let server = MockServer::builder().start().await;
    serve(
        &server,
        "/repos/acme/app/issues/1",
        200,
        issue_json(&server, 1, "Via registry", "open"),
    )
    .await;
    let mut registry = Registry::new();
    ao_trackers::register(&mut registry);
    assert_eq!(
        registry
            .known_names()
            .status(ao_core::config::PluginKind::Tracker, "github"),
        ao_core::config::NameStatus::Supported
    );
    let plugin = |settings: Value| PluginContext {
        name: "github".into(),
        settings,
        home: AoHome::new("/tmp/ao-trackers-test"),
    };
    let t = registry
        .tracker(&plugin(json!({"apiUrl": server.uri()})))
        .unwrap();
    assert_eq!(t.name(), "github");
    assert_eq!(
        t.branch_name(&expected(&server, 42, "x", IssueState::Open)),
        "feat/issue-42"
    );
    let issue = t
        .fetch(&ctx(Some("acme/app")), &IssueRef::Number { number: 1 })
        .await
        .unwrap();
    assert_eq!(issue.title, "Via registry");
    assert!(registry.tracker(&plugin(Value::Null)).is_ok());
    for bad in [json!({"apiUrl": "not a url"}), json!("a string")] {
        assert!(
            matches!(
                registry.tracker(&plugin(bad.clone())),
                Err(RegistryError::Failed { .. })
            ),
            "{bad}"
        );
    }
}

/// The tracker against the fake GitHub the CLI tests use: the suite passes there too, so the
/// fake and the tracker agree on GitHub's shapes (and neither drifted alone).
#[tokio::test]
async fn passes_the_tracker_conformance_suite_against_the_fake_github() {
    use ao_trackers::fake::{self, FakeGitHub};
    let gh = tokio::task::spawn_blocking(FakeGitHub::start)
        .await
        .unwrap();
    let mut open = fake::Issue::new("Open one");
    open.body = Some("The body".into());
    open.labels = vec!["bug".into()];
    open.assignees = vec!["ann".into()];
    let open = gh.add_issue("acme/app", open);
    let mut closed = fake::Issue::new("Closed one");
    closed.state = fake::IssueState::Closed;
    let closed = gh.add_issue("acme/app", closed);
    let pull = gh.add_pull("acme/app", fake::PullRequest::new("A fix", "fix"));
    let settings = json!({"apiUrl": gh.url(), "graphqlUrl": gh.graphql_url()});
    let tracker = GitHubTracker::with_credentials(
        settings.as_object().unwrap().clone(),
        ao_trackers::github::Credentials::token(
            ao_trackers::github::Token::new("ghp_conformance").unwrap(),
            ao_trackers::github::TokenSource::Explicit,
        ),
    );
    let issue = |n: u64, title: &str, state, body: &str, labels: &[&str], who: &[&str]| Issue {
        id: n.to_string(),
        title: title.into(),
        body: body.into(),
        url: format!("https://github.com/acme/app/issues/{n}"),
        state,
        labels: labels.iter().map(|l| l.to_string()).collect(),
        assignees: who.iter().map(|a| a.to_string()).collect(),
        branch_hint: None,
    };
    let fixture = TrackerFixture {
        open: issue(
            open,
            "Open one",
            IssueState::Open,
            "The body",
            &["bug"],
            &["ann"],
        ),
        closed: issue(closed, "Closed one", IssueState::Closed, "", &[], &[]),
        pull_request: Some(pull),
        missing: IssueRef::Number { number: 999 },
        foreign: Some(IssueRef::parse("Linear:ABC-1").unwrap()),
    };
    conformance(Arc::new(tracker), &ctx(Some("acme/app")), &fixture).await;
    let _ = tokio::task::spawn_blocking(move || drop(gh)).await;
}
