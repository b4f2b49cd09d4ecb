//! How tests use the fake: from a plain synchronous test (as ao-cli's, which run `ao` as a
//! child process), from an async test, and as environment for a child process.

use std::net::TcpStream;

use ao_trackers::fake::{FakeGitHub, Issue};

use super::http::get;

#[test]
fn a_plain_test_starts_the_fake_talks_to_it_and_stops_it_by_dropping() {
    let gh = FakeGitHub::start();
    let n = gh.add_issue("acme/app", Issue::new("From a sync test"));
    let response = get(gh.url(), &format!("/repos/acme/app/issues/{n}"))
        .token("dummy")
        .send();
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["title"], "From a sync test");
    assert_eq!(gh.graphql_url(), format!("{}/graphql", gh.url()));
    assert!(gh.url().starts_with("http://127.0.0.1:"));
    let addr = gh.addr();
    drop(gh);
    assert!(
        TcpStream::connect(addr).is_err(),
        "the port is closed once the fake is dropped"
    );
}

#[test]
fn env_points_a_child_process_at_the_fake() {
    let gh = FakeGitHub::start();
    let env = gh.env();
    assert_eq!(env[0], ("GITHUB_API_URL", gh.url().to_owned()));
    assert_eq!(env[1], ("GITHUB_GRAPHQL_URL", gh.graphql_url()));
    // A child process sees them (the shell prints what it was given).
    let out = std::process::Command::new("sh")
        .args(["-c", "printf %s \"$GITHUB_API_URL\""])
        .envs(env)
        .output()
        .expect("run sh");
    assert_eq!(String::from_utf8_lossy(&out.stdout), gh.url());
}

#[tokio::test]
async fn an_async_test_starts_and_drops_the_fake_inside_a_runtime() {
    let gh = FakeGitHub::start();
    gh.add_issue("acme/app", Issue::new("From an async test"));
    let url = gh.url().to_owned();
    let response =
        tokio::task::spawn_blocking(move || get(&url, "/repos/acme/app/issues/1").send())
            .await
            .expect("the blocking request");
    assert_eq!(response.json()["title"], "From an async test");
    drop(gh);
}

#[test]
fn two_fakes_run_side_by_side() {
    let a = FakeGitHub::start();
    let b = FakeGitHub::start();
    assert_ne!(a.url(), b.url());
    a.add_issue("acme/app", Issue::new("only in a"));
    assert_eq!(get(a.url(), "/repos/acme/app/issues/1").send().status, 200);
    assert_eq!(get(b.url(), "/repos/acme/app/issues/1").send().status, 404);
}
