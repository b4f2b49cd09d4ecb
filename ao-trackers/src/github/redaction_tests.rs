//! Every error variant, provoked against a server that echoes the token back wherever it can,
//! rendered with `Display` and `Debug`: the token must appear in none of them.

use std::collections::BTreeSet;
use std::time::Duration;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::*;

const SECRET: &str = "ghp_R3dact10nSecretValue";

/// An answer whose message repeats the request's `Authorization` header.
fn echo(status: u16) -> impl Fn(&Request) -> ResponseTemplate {
    move |req: &Request| {
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        ResponseTemplate::new(status).set_body_json(serde_json::json!({
            "message": format!("you sent {auth}"),
        }))
    }
}

#[tokio::test]
async fn no_error_variant_renders_the_token() {
    let server = MockServer::builder().start().await;
    let issue = |n: u32| format!("/repos/acme/app/issues/{n}");
    Mock::given(method("GET"))
        .and(path(issue(1)))
        .respond_with(echo(404))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(issue(2)))
        .respond_with(echo(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(issue(3)))
        .respond_with(move |r: &Request| echo(429)(r).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(issue(4)))
        .respond_with(echo(502))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(issue(5)))
        .respond_with(move |r: &Request| echo(200)(r).set_delay(Duration::from_millis(600)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(issue(6)))
        .respond_with(|r: &Request| {
            let auth = r
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            // A number where a string is due: serde quotes the offending value.
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"number": auth}))
        })
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(issue(7)))
        .respond_with(echo(422))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(|r: &Request| {
            let auth = r
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "data": null,
                "errors": [{"type": auth, "message": format!("bad {auth}")}],
            }))
        })
        .mount(&server)
        .await;

    let config = ClientConfig {
        request_timeout: Duration::from_millis(300),
        max_retries: 1,
        backoff: Duration::from_millis(1),
        max_wait: Duration::from_secs(1),
        ..ClientConfig::default()
    };
    let credentials = Credentials::token(Token::new(SECRET).unwrap(), TokenSource::GithubToken);
    let client = GitHubClient::new(
        Endpoints::new(&server.uri(), None).unwrap(),
        credentials,
        config,
    )
    .unwrap();

    let mut errors: Vec<GitHubError> = Vec::new();
    errors.push(
        client
            .send::<serde::de::IgnoredAny>(
                &routes::UPDATE_ISSUE,
                &["acme", "app", "7"],
                Some(&serde_json::json!({"state": "closed"})),
            )
            .await
            .unwrap_err(),
    );
    // The rate limit last: it holds back every later call to the same resource.
    for n in [1, 2, 4, 5, 6, 3] {
        let n = n.to_string();
        errors.push(
            client
                .get::<wire::IssueJson>(&routes::GET_ISSUE, &["acme", "app", &n], &[])
                .await
                .unwrap_err(),
        );
    }
    errors.push(
        client
            .graphql::<serde_json::Value>(&documents::VIEWER_PROBE, serde_json::json!({}))
            .await
            .unwrap_err(),
    );
    // A URL outside the API (here carrying the token) is refused, and the refusal masks it.
    errors.push(
        client
            .get_page::<serde_json::Value>(&format!("https://elsewhere.test/x?t={SECRET}"))
            .await
            .unwrap_err(),
    );

    let seen: BTreeSet<&str> = errors.iter().map(GitHubError::variant).collect();
    let all: BTreeSet<&str> = GitHubError::VARIANTS.iter().copied().collect();
    assert_eq!(seen, all, "every variant is provoked: {errors:#?}");
    for e in &errors {
        for text in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
            assert!(!text.contains(SECRET), "the token leaked: {text}");
            assert!(
                !text.contains("R3dact10n"),
                "part of the token leaked: {text}"
            );
        }
    }
    // The echo really carried the token, so the masking above was tested.
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains(ao_core::domain::MASK)),
        "{errors:#?}"
    );
    let credentials = Credentials::token(Token::new(SECRET).unwrap(), TokenSource::GhCli);
    let tracker = GitHubTracker::with_credentials(serde_json::Map::new(), credentials.clone());
    let shared = GitHubTracker::with_client(std::sync::Arc::new(client));
    for text in [
        format!("{shared:?}"),
        format!("{shared:#?}"),
        format!("{tracker:#?}"),
        format!("{credentials:#?}"),
    ] {
        assert!(!text.contains(SECRET), "{text}");
    }
}
