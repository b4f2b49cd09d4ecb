//! The GitHub client against a loopback wiremock server: conditional reads, the shared budget,
//! retries and waits, typed errors, pagination, GraphQL and the doctor probe.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ao_trackers::github::documents::VIEWER_PROBE;
use ao_trackers::github::routes::{CREATE_COMMENT, GET_ISSUE, LIST_ISSUES};
use ao_trackers::github::{
    ClientConfig, Credentials, Endpoints, GitHubClient, GitHubError, Page, TokenSource,
};
use serde::de::IgnoredAny;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const ISSUE_1: &str = "/repos/acme/app/issues/1";

async fn get_issue(client: &GitHubClient, n: &str) -> Result<Value, GitHubError> {
    client
        .get::<Value>(&GET_ISSUE, &["acme", "app", n], &[])
        .await
}

#[tokio::test]
async fn sends_githubs_headers_and_the_token_only_when_there_is_one() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .and(path(ISSUE_1))
        .respond_with(ResponseTemplate::new(200).set_body_json(issue_json(&server, 1, "t", "open")))
        .mount(&server)
        .await;
    get_issue(&client(&server), "1").await.unwrap();
    get_issue(
        &client_with(&server, Credentials::anonymous(), quick()),
        "1",
    )
    .await
    .unwrap();
    let requests = server.received_requests().await.unwrap();
    let h = |i: usize, name: &str| {
        requests[i]
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(h(0, "authorization").as_deref(), Some("Bearer ghp_test"));
    assert_eq!(
        h(0, "accept").as_deref(),
        Some("application/vnd.github+json")
    );
    assert_eq!(h(0, "x-github-api-version").as_deref(), Some("2022-11-28"));
    assert!(h(0, "user-agent").is_some_and(|ua| ua.starts_with("ao/")));
    assert_eq!(
        h(1, "authorization"),
        None,
        "anonymous requests carry no token"
    );
}

#[tokio::test]
async fn a_conditional_read_sends_the_etag_and_a_304_is_free() {
    let server = MockServer::builder().start().await;
    let reset = now() + 3600;
    Mock::given(method("GET"))
        .and(path(ISSUE_1))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(with_limits(ResponseTemplate::new(304), 4990, reset))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ISSUE_1))
        .respond_with(
            with_limits(ResponseTemplate::new(200), 4990, reset)
                .insert_header("etag", "\"v1\"")
                .set_body_json(issue_json(&server, 1, "Cached", "open")),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    let first = get_issue(&client, "1").await.unwrap();
    let second = get_issue(&client, "1").await.unwrap();
    assert_eq!(first, second, "a 304 serves the cached body");
    assert_eq!(second["title"], "Cached");
    let budget = client.budget();
    assert_eq!((budget.requests, budget.not_modified), (2, 1));
    let core = budget.core().unwrap();
    assert_eq!((core.limit, core.remaining, core.used), (5000, 4990, 10));
    assert_eq!(core.reset.unwrap().as_second(), reset);
}

#[tokio::test]
async fn a_changed_answer_replaces_the_cached_one_and_one_without_an_etag_drops_it() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .and(path(ISSUE_1))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"v": 2})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ISSUE_1))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"v1\"")
                .set_body_json(json!({"v": 1})),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    assert_eq!(get_issue(&client, "1").await.unwrap()["v"], 1);
    assert_eq!(
        get_issue(&client, "1").await.unwrap()["v"],
        2,
        "changed: the new body"
    );
    assert_eq!(get_issue(&client, "1").await.unwrap()["v"], 1);
    let sent: Vec<bool> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers.contains_key("if-none-match"))
        .collect();
    assert_eq!(
        sent,
        [false, true, false],
        "no stale validator after an answer without one"
    );
    assert_eq!(client.budget().not_modified, 0);
}

#[tokio::test]
async fn one_budget_per_token_and_api_is_shared_by_every_client() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(
            with_limits(ResponseTemplate::new(200), 77, now() + 60).set_body_json(json!({})),
        )
        .mount(&server)
        .await;
    let a = client(&server);
    let b = client(&server);
    let other_token = client_with(&server, token("ghp_other"), quick());
    get_issue(&a, "1").await.unwrap();
    assert_eq!(b.budget().requests, 1, "the same token's budget");
    assert_eq!(b.budget().core().unwrap().remaining, 77);
    assert_eq!(
        other_token.budget().requests,
        0,
        "another token's own budget"
    );

    // The process's shared clients: one per token and API.
    let endpoints = Endpoints::new(&server.uri(), None).unwrap();
    let s1 = GitHubClient::shared(endpoints.clone(), token("ghp_shared")).unwrap();
    let s2 = GitHubClient::shared(endpoints.clone(), token("ghp_shared")).unwrap();
    let s3 = GitHubClient::shared(endpoints, token("ghp_shared_other")).unwrap();
    assert!(Arc::ptr_eq(&s1, &s2));
    assert!(!Arc::ptr_eq(&s1, &s3));
    let settings = json!({"apiUrl": server.uri()})
        .as_object()
        .cloned()
        .unwrap();
    let f1 = GitHubClient::for_settings(&settings).await.unwrap();
    let f2 = GitHubClient::for_settings(&settings).await.unwrap();
    assert!(Arc::ptr_eq(&f1, &f2));
    assert_eq!(f1.endpoints().api(), server.uri());
}

#[tokio::test]
async fn a_5xx_is_retried_with_backoff_then_given_up_on() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .and(path(ISSUE_1))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ISSUE_1))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/issues/2"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"message": "down"})))
        .mount(&server)
        .await;
    let client = client(&server);
    assert_eq!(get_issue(&client, "1").await.unwrap()["ok"], true);
    assert_eq!(received(&server).await, 3);
    let e = err(get_issue(&client, "2").await);
    assert!(
        matches!(&e, GitHubError::Unavailable { status: Some(503), detail, .. } if detail.contains("down")),
        "{e:?}"
    );
    assert_eq!(
        received(&server).await,
        3 + 1 + 2,
        "one try and two retries"
    );
}

#[tokio::test]
async fn a_change_is_not_repeated_after_a_5xx() {
    let server = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/app/issues/1/comments"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let e = err(client(&server)
        .send::<IgnoredAny>(
            &CREATE_COMMENT,
            &["acme", "app", "1"],
            Some(&json!({"body": "x"})),
        )
        .await);
    assert!(
        matches!(
            e,
            GitHubError::Unavailable {
                status: Some(502),
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .and(path(ISSUE_1))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ISSUE_1))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    let started = Instant::now();
    assert_eq!(get_issue(&client(&server), "1").await.unwrap()["ok"], true);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(received(&server).await, 2);
}

#[tokio::test]
async fn a_secondary_limit_403_waits_for_the_reset_or_a_pause() {
    let server = MockServer::builder().start().await;
    // With the window spent, the wait lasts until x-ratelimit-reset (now: no wait).
    Mock::given(method("GET"))
        .and(path(ISSUE_1))
        .respond_with(
            with_limits(ResponseTemplate::new(403), 0, now())
                .set_body_json(json!({"message": "You have exceeded a secondary rate limit."})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    // Without any hint, the configured pause.
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/issues/2"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    let client = client(&server);
    let started = Instant::now();
    assert_eq!(get_issue(&client, "1").await.unwrap()["ok"], true);
    assert_eq!(get_issue(&client, "2").await.unwrap()["ok"], true);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(received(&server).await, 4);
}

#[tokio::test]
async fn a_spent_window_fails_fast_with_the_reset_and_holds_later_calls_back() {
    let server = MockServer::builder().start().await;
    let reset = now() + 3600;
    Mock::given(method("GET"))
        .and(path(ISSUE_1))
        .respond_with(
            with_limits(ResponseTemplate::new(403), 0, reset)
                .set_body_json(json!({"message": "API rate limit exceeded for user ID 1."})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_with(&server, token("ghp_spent_window"), quick());
    let started = Instant::now();
    let e = err(get_issue(&client, "1").await);
    match &e {
        GitHubError::RateLimited {
            reset: Some(r),
            resource,
            ..
        } => {
            assert_eq!(r.as_second(), reset);
            assert_eq!(resource.as_deref(), Some("core"));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    // Nothing more is sent until the reset: GitHub may ban callers that keep going.
    let e = err(get_issue(&client, "2").await);
    assert!(matches!(e, GitHubError::RateLimited { reset: Some(r), .. } if r.as_second() == reset));
    assert_eq!(received(&server).await, 1);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(client.budget().core().unwrap().remaining, 0);
    // Another client of the same token and API is held back too.
    let same_token = client_with(&server, token("ghp_spent_window"), quick());
    let e = err(get_issue(&same_token, "3").await);
    assert!(matches!(e, GitHubError::RateLimited { .. }), "{e:?}");
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn a_wait_longer_than_the_cap_fails_at_once() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    let e = err(get_issue(&client_with(&server, token("ghp_over_cap"), quick()), "1").await);
    let GitHubError::RateLimited { reset: Some(r), .. } = e else {
        panic!("expected RateLimited, got {e:?}");
    };
    let ahead = r.as_second() - now();
    assert!((100..=121).contains(&ahead), "reset {ahead} s ahead");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_typed() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(800)))
        .mount(&server)
        .await;
    let slow = client_with(
        &server,
        token("ghp_t"),
        ClientConfig {
            request_timeout: Duration::from_millis(150),
            ..quick()
        },
    );
    let e = err(get_issue(&slow, "1").await);
    assert!(matches!(e, GitHubError::Timeout { .. }), "{e:?}");
    assert!(e.to_string().contains("150ms"), "{e}");

    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = GitHubClient::new(
        Endpoints::new(&format!("http://127.0.0.1:{port}"), None).unwrap(),
        token("ghp_t"),
        quick(),
    )
    .unwrap();
    let e = err(get_issue(&closed, "1").await);
    assert!(
        matches!(e, GitHubError::Unavailable { status: None, .. }),
        "{e:?}"
    );
    assert_eq!(closed.budget().requests, 3, "one try and two retries");
}

#[tokio::test]
async fn statuses_map_to_typed_errors() {
    let server = MockServer::builder().start().await;
    for (n, status) in [(1, 401), (2, 403), (3, 404), (4, 410), (5, 422)] {
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/app/issues/{n}")))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_json(json!({"message": format!("m{status}")})),
            )
            .mount(&server)
            .await;
    }
    let client = &client(&server);
    let e = |n: &'static str| async move { err(get_issue(client, n).await) };
    assert!(
        matches!(e("1").await, GitHubError::Auth { status: 401, detail, .. } if detail == "m401")
    );
    assert!(matches!(
        e("2").await,
        GitHubError::Auth { status: 403, .. }
    ));
    assert!(
        matches!(e("3").await, GitHubError::NotFound { what } if what == "GET /repos/acme/app/issues/3")
    );
    assert!(matches!(e("4").await, GitHubError::NotFound { .. }));
    assert!(matches!(
        e("5").await,
        GitHubError::Rejected { status: 422, .. }
    ));
    // Each answered once: none of these is worth a retry.
    assert_eq!(received(&server).await, 5);
}

#[tokio::test]
async fn pages_follow_link_headers_and_never_leave_the_api() {
    let server = MockServer::builder().start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/issues"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"n": 2}])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/issues"))
        .and(query_param("state", "open"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "link",
                    format!(r#"<{base}/repos/acme/app/issues?state=open&page=2>; rel="next", <{base}/repos/acme/app/issues?state=open&page=2>; rel="last""#).as_str(),
                )
                .set_body_json(json!([{"n": 1}])),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/issues"))
        .and(query_param("state", "closed"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "link",
                    r#"<https://elsewhere.test/steal?page=2>; rel="next""#,
                )
                .set_body_json(json!([])),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    let first = client
        .url(&LIST_ISSUES, &["acme", "app"], &[("state", "open")])
        .unwrap();
    let page: Page<Value> = client.get_page(&first).await.unwrap();
    assert_eq!(page.items, [json!({"n": 1})]);
    let next = page.next.expect("a next page");
    let page: Page<Value> = client.get_page(&next).await.unwrap();
    assert_eq!((page.items, page.next), (vec![json!({"n": 2})], None));

    let closed = client
        .url(&LIST_ISSUES, &["acme", "app"], &[("state", "closed")])
        .unwrap();
    let e = err(client.get_page::<Value>(&closed).await);
    assert!(matches!(e, GitHubError::Decode { .. }), "{e:?}");
    let e = err(client
        .get_page::<Value>("https://elsewhere.test/repos")
        .await);
    assert!(matches!(e, GitHubError::Config { .. }), "{e:?}");
    // Calling a route with the wrong verb is refused before anything is sent.
    let e = err(client
        .get::<Value>(&CREATE_COMMENT, &["a", "b", "1"], &[])
        .await);
    assert!(matches!(e, GitHubError::Config { .. }), "{e:?}");
    assert_eq!(received(&server).await, 3);
}

#[tokio::test]
async fn graphql_sends_the_document_and_shares_the_budget_rules() {
    let server = MockServer::builder().start().await;
    let graphql_limits = |t: ResponseTemplate, remaining: u64| {
        with_limits(t, remaining, now()).insert_header("x-ratelimit-resource", "graphql")
    };
    // GraphQL reports a spent limit as a 200 with a RATE_LIMITED error.
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(json!({"query": VIEWER_PROBE.text})))
        .respond_with(
            graphql_limits(ResponseTemplate::new(200), 0).set_body_json(json!({
                "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]
            })),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(json!({"query": VIEWER_PROBE.text, "variables": {}})))
        .respond_with(graphql_limits(ResponseTemplate::new(200), 4999).set_body_json(json!({
            "data": {"viewer": {"login": "octocat"}, "rateLimit": {"limit": 5000, "remaining": 4999, "used": 1, "resetAt": "2026-01-01T00:00:00Z"}}
        })))
        .mount(&server)
        .await;
    let client = client(&server);
    let data: Value = client.graphql(&VIEWER_PROBE, json!({})).await.unwrap();
    assert_eq!(data["viewer"]["login"], "octocat");
    assert_eq!(received(&server).await, 2);
    let budget = client.budget();
    assert_eq!(
        budget.graphql().unwrap().remaining,
        0,
        "same window: the lowest count stands"
    );
    assert!(budget.core().is_none());
}

#[tokio::test]
async fn graphql_errors_are_typed() {
    let server = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"repository": null},
            "errors": [{"type": "NOT_FOUND", "message": "Could not resolve to a Repository with the name 'acme/nope'."}]
        })))
        .mount(&server)
        .await;
    let e = err(client(&server)
        .graphql::<Value>(&VIEWER_PROBE, json!({}))
        .await);
    match e {
        GitHubError::GraphQl {
            what,
            kinds,
            detail,
        } => {
            assert_eq!(what, "ViewerProbe");
            assert_eq!(kinds, ["NOT_FOUND"]);
            assert!(detail.contains("Could not resolve"));
        }
        other => panic!("expected GraphQl, got {other:?}"),
    }
}

#[tokio::test]
async fn doctor_reports_the_token_source_reachability_repository_and_budget() {
    let server = MockServer::builder().start().await;
    let reset = now() + 1800;
    Mock::given(method("GET"))
        .and(path("/rate_limit"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "resources": {
                "core": {"limit": 5000, "used": 10, "remaining": 4990, "reset": reset},
                "graphql": {"limit": 5000, "used": 0, "remaining": 5000, "reset": reset},
            },
            "rate": {"limit": 5000, "used": 10, "remaining": 4990, "reset": reset},
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header_exists("authorization"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"viewer": {"login": "octocat"}}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "full_name": "acme/app", "private": true, "has_issues": true,
            "permissions": {"admin": false, "push": true, "pull": true}
        })))
        .mount(&server)
        .await;
    let report = client(&server).doctor(Some("acme/app")).await;
    assert_eq!(report.api_url, server.uri());
    assert_eq!(report.token_source, Some(TokenSource::Explicit));
    assert_eq!(report.warning, None);
    assert!(report.reachable.is_ok());
    assert_eq!(report.viewer.unwrap().unwrap(), "octocat");
    let repo = report.repository.unwrap().unwrap();
    assert_eq!(
        (
            repo.full_name.as_str(),
            repo.private,
            repo.has_issues,
            repo.can_push
        ),
        ("acme/app", true, true, Some(true))
    );
    assert_eq!(report.budget.core().unwrap().remaining, 4990);
    assert_eq!(report.budget.graphql().unwrap().limit, 5000);

    // Without a token: a warning, no viewer; a repository it cannot see is NotFound.
    let anonymous = client_with(&server, Credentials::anonymous(), quick());
    let report = anonymous.doctor(Some("acme/private")).await;
    assert_eq!(report.token_source, None);
    assert!(report.warning.is_some_and(|w| w.contains("GITHUB_TOKEN")));
    assert!(report.viewer.is_none());
    assert!(matches!(
        report.repository,
        Some(Err(GitHubError::NotFound { .. }))
    ));

    // Nothing listening: unreachable, and nothing else is tried.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = GitHubClient::new(
        Endpoints::new(&format!("http://127.0.0.1:{port}"), None).unwrap(),
        token("ghp_t"),
        quick(),
    )
    .unwrap();
    let report = down.doctor(Some("acme/app")).await;
    assert!(matches!(
        report.reachable,
        Err(GitHubError::Unavailable { .. })
    ));
    assert!(report.viewer.is_none() && report.repository.is_none());
}
