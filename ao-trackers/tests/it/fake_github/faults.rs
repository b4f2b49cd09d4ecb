//! Fault injection and the request record.

use std::time::{Duration, Instant};

use ao_trackers::fake::{FakeGitHub, Fault, Repo, token_fingerprint};
use serde_json::json;

use super::http::{get, request};

fn fake() -> FakeGitHub {
    let gh = FakeGitHub::start();
    gh.add_repo(Repo::new("acme/app"));
    gh
}

#[test]
fn too_many_requests_answers_the_next_n_with_retry_after_and_costs_nothing() {
    let gh = fake();
    gh.inject(
        Fault::TooManyRequests {
            retry_after_secs: 7,
        },
        2,
    );
    for _ in 0..2 {
        let limited = get(gh.url(), "/repos/acme/app").token("t").send();
        assert_eq!(limited.status, 429);
        assert_eq!(limited.header("retry-after"), Some("7"));
        assert_eq!(limited.rate_remaining(), 5000);
    }
    let served = get(gh.url(), "/repos/acme/app").token("t").send();
    assert_eq!(served.status, 200);
    assert_eq!(served.rate_remaining(), 4999);
}

#[test]
fn a_path_prefix_limits_a_fault_to_matching_requests() {
    let gh = fake();
    gh.inject_on("/graphql", Fault::ServerError { status: 502 }, 1);
    assert_eq!(get(gh.url(), "/repos/acme/app").send().status, 200);
    let body = json!({ "query": "{ viewer { login } }" });
    let failed = request(gh.url(), "POST", "/graphql")
        .token("t")
        .json(&body)
        .send();
    assert_eq!(failed.status, 502);
    let ok = request(gh.url(), "POST", "/graphql")
        .token("t")
        .json(&body)
        .send();
    assert_eq!(ok.status, 200);
}

#[test]
fn secondary_limits_server_error_bursts_and_primary_exhaustion_look_like_githubs() {
    let gh = fake();
    gh.inject(
        Fault::SecondaryRateLimit {
            retry_after_secs: 60,
        },
        1,
    );
    let secondary = get(gh.url(), "/repos/acme/app").token("t").send();
    assert_eq!(secondary.status, 403);
    assert_eq!(secondary.header("retry-after"), Some("60"));
    assert!(
        secondary.json()["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("You have exceeded a secondary rate limit")),
        "{}",
        secondary.body
    );
    assert!(
        secondary.rate_remaining() > 0,
        "a secondary limit leaves the primary budget"
    );

    gh.inject(Fault::ServerError { status: 500 }, 3);
    let statuses: Vec<u16> = (0..4)
        .map(|_| get(gh.url(), "/repos/acme/app").send().status)
        .collect();
    assert_eq!(statuses, [500, 500, 500, 200]);

    gh.inject(Fault::PrimaryRateLimit { reset_in_secs: 120 }, 1);
    let primary = get(gh.url(), "/repos/acme/app").token("t").send();
    assert_eq!(primary.status, 403);
    assert_eq!(primary.rate_remaining(), 0);
    let reset: i64 = primary
        .header("x-ratelimit-reset")
        .and_then(|r| r.parse().ok())
        .expect("reset");
    assert!(reset >= jiff::Timestamp::now().as_second() + 100);
    assert_eq!(
        get(gh.url(), "/repos/acme/app").token("t").send().status,
        200
    );
}

#[test]
fn latency_delays_responses() {
    let gh = fake();
    gh.inject(Fault::Latency(Duration::from_millis(300)), 1);
    let started = Instant::now();
    assert_eq!(get(gh.url(), "/repos/acme/app").send().status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    get(gh.url(), "/repos/acme/app").send();
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "only the next request was delayed"
    );

    gh.set_latency(Duration::from_millis(150));
    let started = Instant::now();
    get(gh.url(), "/repos/acme/app").send();
    assert!(started.elapsed() >= Duration::from_millis(150));
    gh.clear_faults();
    let started = Instant::now();
    get(gh.url(), "/repos/acme/app").send();
    assert!(started.elapsed() < Duration::from_millis(150));
}

#[test]
fn every_request_is_recorded_without_its_token() {
    let gh = fake();
    let token = "ghp_supersecretvalue123";
    get(gh.url(), "/repos/acme/app/issues?state=all&labels=a%20b")
        .token(token)
        .send();
    request(gh.url(), "POST", "/repos/acme/app/issues/9/comments")
        .json(&json!({ "body": "hi" }))
        .send();
    let recorded = gh.requests();
    assert_eq!(recorded.len(), 2);
    let first = &recorded[0];
    assert_eq!(first.method, "GET");
    assert_eq!(first.path, "/repos/acme/app/issues");
    assert_eq!(first.query.as_deref(), Some("state=all&labels=a%20b"));
    assert_eq!(first.query_param("state"), Some("all"));
    assert_eq!(first.header("user-agent"), Some("ao-tests"));
    assert!(first.header("authorization").is_none());
    assert_eq!(first.authorization, Some(token_fingerprint(token)));
    assert!(FakeGitHub::sent_token(first, token));
    assert_eq!(first.status, 200);
    let second = &recorded[1];
    assert_eq!((second.method.as_str(), second.status), ("POST", 404));
    assert!(!second.authenticated());
    assert_eq!(second.json(), Some(json!({ "body": "hi" })));
    assert!(
        !format!("{recorded:?}").contains(token),
        "the token leaked into the record"
    );

    gh.clear_requests();
    assert!(gh.requests().is_empty());
}
