//! GitHub's protocol around the bodies: ETags and 304s, rate-limit headers and budgets,
//! credentials, pagination links.

use std::time::Duration;

use ao_trackers::fake::{FakeGitHub, Issue, UNAUTHENTICATED_LIMIT};
use serde_json::json;

use super::http::{get, request};
use super::{REPO, seeded};

#[test]
fn a_matching_if_none_match_gets_an_empty_304_that_costs_nothing() {
    let s = seeded();
    let path = format!("/repos/{REPO}/issues/{}", s.issue);
    let first = get(s.gh.url(), &path).token("t").send();
    assert_eq!(first.status, 200);
    let etag = first.header("etag").expect("an ETag").to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");
    let before = first.rate_remaining();

    let cached = get(s.gh.url(), &path)
        .token("t")
        .header("if-none-match", &etag)
        .send();
    assert_eq!(cached.status, 304);
    assert!(cached.body.is_empty());
    assert_eq!(cached.header("etag"), Some(etag.as_str()));
    assert_eq!(cached.rate_remaining(), before, "a 304 is free");
    // Strong spelling and lists match too.
    let strong = etag.trim_start_matches("W/");
    let listed = format!("\"other\", {strong}");
    assert_eq!(
        get(s.gh.url(), &path)
            .token("t")
            .header("if-none-match", &listed)
            .send()
            .status,
        304
    );

    // A change makes a new ETag, and the old one no longer matches.
    request(s.gh.url(), "PATCH", &path)
        .token("t")
        .json(&json!({ "title": "Changed" }))
        .send();
    let changed = get(s.gh.url(), &path)
        .token("t")
        .header("if-none-match", &etag)
        .send();
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
    assert_eq!(
        changed.rate_remaining(),
        before - 2,
        "the PATCH and this GET were charged"
    );
}

#[test]
fn each_token_has_its_own_budget_and_anonymous_requests_get_sixty() {
    let gh = FakeGitHub::start();
    gh.add_repo(ao_trackers::fake::Repo::new("acme/app"));
    gh.set_rate_limit("small", 2);
    let call = |token: Option<&str>| {
        let req = get(gh.url(), "/repos/acme/app");
        match token {
            Some(t) => req.token(t),
            None => req,
        }
        .send()
    };
    let one = call(Some("small"));
    assert_eq!(one.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(one.header("x-ratelimit-remaining"), Some("1"));
    assert_eq!(one.header("x-ratelimit-used"), Some("1"));
    assert_eq!(one.header("x-ratelimit-resource"), Some("core"));
    let reset: i64 = one
        .header("x-ratelimit-reset")
        .and_then(|r| r.parse().ok())
        .expect("reset");
    assert!(reset > jiff::Timestamp::now().as_second());
    assert_eq!(call(Some("small")).rate_remaining(), 0);
    let spent = call(Some("small"));
    assert_eq!(spent.status, 403);
    assert!(
        spent.json()["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("API rate limit exceeded"))
    );
    assert_eq!(spent.rate_remaining(), 0);

    let other = call(Some("big"));
    assert_eq!(other.header("x-ratelimit-limit"), Some("5000"));
    assert_eq!(other.rate_remaining(), 4999);
    let anonymous = call(None);
    assert_eq!(
        anonymous.header("x-ratelimit-limit"),
        Some(UNAUTHENTICATED_LIMIT.to_string().as_str())
    );
    assert_eq!(anonymous.rate_remaining(), UNAUTHENTICATED_LIMIT - 1);
    assert_eq!(gh.rate_remaining(Some("big")), 4999);

    // /rate_limit is free and reports the same budget.
    let overview = get(gh.url(), "/rate_limit").token("big").send();
    assert_eq!(overview.rate_remaining(), 4999);
    assert_eq!(overview.json()["resources"]["core"]["remaining"], 4999);
    assert_eq!(overview.json()["rate"]["used"], 1);
}

#[test]
fn an_exhausted_budget_answers_403_until_its_reset() {
    let gh = FakeGitHub::start();
    gh.add_repo(ao_trackers::fake::Repo::new("acme/app"));
    gh.exhaust_rate_limit(Some("t"), Duration::from_secs(1));
    let spent = get(gh.url(), "/repos/acme/app").token("t").send();
    assert_eq!(spent.status, 403);
    assert_eq!(spent.rate_remaining(), 0);
    let reset: i64 = spent
        .header("x-ratelimit-reset")
        .and_then(|r| r.parse().ok())
        .expect("reset");
    assert!(reset <= jiff::Timestamp::now().as_second() + 1);
    assert_eq!(gh.rate_remaining(Some("t")), 0);
    std::thread::sleep(Duration::from_millis(2100));
    let after = get(gh.url(), "/repos/acme/app").token("t").send();
    assert_eq!(after.status, 200);
    assert_eq!(after.rate_remaining(), 4999);
}

#[test]
fn only_accepted_tokens_pass_once_a_set_is_configured() {
    let gh = FakeGitHub::start();
    gh.add_repo(ao_trackers::fake::Repo::new("acme/app"));
    assert_eq!(
        get(gh.url(), "/repos/acme/app")
            .token("anything")
            .send()
            .status,
        200
    );
    gh.accept_tokens(&["good"]);
    let bad = get(gh.url(), "/repos/acme/app").token("bad").send();
    assert_eq!(bad.status, 401);
    assert_eq!(bad.json()["message"], "Bad credentials");
    assert_eq!(
        get(gh.url(), "/repos/acme/app").token("good").send().status,
        200
    );
    let legacy = get(gh.url(), "/repos/acme/app")
        .header("authorization", "token good")
        .send();
    assert_eq!(legacy.status, 200);
    assert_eq!(
        get(gh.url(), "/repos/acme/app").send().status,
        200,
        "anonymous stays allowed"
    );
}

#[test]
fn lists_paginate_with_github_link_headers() {
    let gh = FakeGitHub::start();
    for i in 0..75 {
        gh.add_issue("acme/app", Issue::new(&format!("issue {i}")));
    }
    let first = get(gh.url(), "/repos/acme/app/issues?state=open&per_page=30").send();
    assert_eq!(first.json().as_array().map(Vec::len), Some(30));
    let link = first.header("link").expect("a Link header").to_owned();
    let base = gh.url();
    assert_eq!(
        link,
        format!(
            "<{base}/repos/acme/app/issues?state=open&per_page=30&page=2>; rel=\"next\", \
             <{base}/repos/acme/app/issues?state=open&per_page=30&page=3>; rel=\"last\""
        )
    );

    // Following `next` visits every issue once.
    let mut seen = Vec::new();
    let mut next = Some("/repos/acme/app/issues?per_page=30".to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        let page = get(gh.url(), &path).send();
        pages += 1;
        seen.extend(
            page.json()
                .as_array()
                .expect("a page")
                .iter()
                .map(|i| i["number"].as_u64().expect("number")),
        );
        next = page.header("link").and_then(|l| {
            l.split(", ")
                .find(|part| part.ends_with("rel=\"next\""))
                .and_then(|part| part.split(['<', '>']).nth(1))
                .map(|url| url.trim_start_matches(base).to_owned())
        });
    }
    assert_eq!(pages, 3);
    seen.sort_unstable();
    assert_eq!(seen, (1..=75).collect::<Vec<u64>>());

    let last = get(gh.url(), "/repos/acme/app/issues?per_page=30&page=3").send();
    assert_eq!(last.json().as_array().map(Vec::len), Some(15));
    let link = last.header("link").expect("a Link header");
    assert!(
        link.contains("page=2>; rel=\"prev\"") && link.contains("page=1>; rel=\"first\""),
        "{link}"
    );
    assert!(!link.contains("rel=\"next\""));
    let beyond = get(gh.url(), "/repos/acme/app/issues?page=9").send();
    assert_eq!(beyond.json(), json!([]));
    let clamped = get(gh.url(), "/repos/acme/app/issues?per_page=500").send();
    assert_eq!(clamped.json().as_array().map(Vec::len), Some(75));
    assert!(
        clamped.header("link").is_none(),
        "one page of at most 100 needs no links"
    );
}
