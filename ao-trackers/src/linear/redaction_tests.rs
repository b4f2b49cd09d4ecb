//! Every error variant, provoked against a server that echoes the key back wherever it can,
//! rendered with `Display` and `Debug`: the key must appear in none of them.

use std::collections::BTreeSet;
use std::time::Duration;

use ao_core::plugin::{Tracker, TrackerContext};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::wire::{CommentCreateData, ViewerData};
use super::*;

const SECRET: &str = "lin_api_R3dact10nSecretValue";

/// The request's `Authorization` header.
fn auth(req: &Request) -> String {
    req.headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn answer(
    server: &MockServer,
    operation: &str,
    respond: impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static,
) {
    Mock::given(method("POST"))
        .and(body_partial_json(json!({ "operationName": operation })))
        .respond_with(respond)
        .mount(server)
        .await;
}

fn case(name: &'static str) -> Document {
    Document {
        name,
        text: "query Case { viewer { id name displayName } }",
    }
}

#[tokio::test]
async fn no_error_variant_renders_the_key() {
    let server = MockServer::builder().start().await;
    answer(&server, "NotFound", |r| {
        ResponseTemplate::new(400).set_body_json(json!({
            "data": null,
            "errors": [{"message": format!("Entity not found: Issue {}", auth(r)),
                        "extensions": {"code": "INPUT_ERROR", "userPresentableMessage": auth(r)}}],
        }))
    })
    .await;
    answer(&server, "Auth", |r| {
        ResponseTemplate::new(401).set_body_string(format!("you sent {}", auth(r)))
    })
    .await;
    answer(&server, "Limited", |r| {
        ResponseTemplate::new(400)
            .insert_header("retry-after", "3600")
            .set_body_json(json!({
                "errors": [{"message": format!("slow down {}", auth(r)),
                            "extensions": {"code": "RATELIMITED"}}],
            }))
    })
    .await;
    answer(&server, "Down", |r| {
        ResponseTemplate::new(502).set_body_json(json!({"errors": [{"message": auth(r)}]}))
    })
    .await;
    answer(&server, "Slow", |r| {
        ResponseTemplate::new(200)
            .set_body_json(json!({"data": {"echo": auth(r)}}))
            .set_delay(Duration::from_millis(600))
    })
    .await;
    answer(&server, "CommentCreate", |r| {
        // A string where a boolean is due: serde quotes the offending value.
        ResponseTemplate::new(200)
            .set_body_json(json!({"data": {"commentCreate": {"success": auth(r)}}}))
    })
    .await;
    answer(&server, "Rejected", |r| {
        ResponseTemplate::new(413).set_body_string(format!("too large: {}", auth(r)))
    })
    .await;
    answer(&server, "Bad", |r| {
        ResponseTemplate::new(200).set_body_json(json!({
            "data": null,
            "errors": [{"message": format!("bad {}", auth(r)), "extensions": {"code": auth(r)}}],
        }))
    })
    .await;

    let config = ClientConfig {
        request_timeout: Duration::from_millis(300),
        max_retries: 1,
        backoff: Duration::from_millis(1),
        max_wait: Duration::from_secs(1),
        ..ClientConfig::default()
    };
    let credentials = Credentials::key(ApiKey::new(SECRET).unwrap(), KeySource::LinearApiKey);
    let client = LinearClient::new(
        Endpoint::new(&format!("{}/graphql", server.uri())).unwrap(),
        credentials.clone(),
        config.clone(),
    )
    .unwrap();

    let mut errors: Vec<LinearError> = Vec::new();
    for name in ["NotFound", "Auth", "Down", "Slow", "Rejected", "Bad"] {
        errors.push(
            client
                .graphql::<ViewerData>(&case(name), json!({}))
                .await
                .unwrap_err(),
        );
    }
    errors.push(
        client
            .graphql::<CommentCreateData>(&documents::COMMENT_CREATE, json!({"input": {}}))
            .await
            .unwrap_err(),
    );
    // The rate limit last: it holds back every later call with this key.
    errors.push(
        client
            .graphql::<ViewerData>(&case("Limited"), json!({}))
            .await
            .unwrap_err(),
    );
    // A key no header can carry is refused, and the refusal does not repeat it.
    let unsendable = Credentials::key(
        ApiKey::new(format!("{SECRET}\nsecond line")).unwrap(),
        KeySource::Explicit,
    );
    errors.push(
        LinearClient::new(Endpoint::linear_app(), unsendable, config)
            .map(|_| ())
            .unwrap_err(),
    );

    let seen: BTreeSet<&str> = errors.iter().map(LinearError::variant).collect();
    let all: BTreeSet<&str> = LinearError::VARIANTS.iter().copied().collect();
    assert_eq!(seen, all, "every variant is provoked: {errors:#?}");
    for e in &errors {
        for text in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
            assert!(!text.contains(SECRET), "the key leaked: {text}");
            assert!(
                !text.contains("R3dact10n"),
                "part of the key leaked: {text}"
            );
        }
    }
    // The echo really carried the key, so the masking above was tested.
    assert!(
        errors
            .iter()
            .filter(|e| e.to_string().contains(ao_core::domain::MASK))
            .count()
            >= 5,
        "{errors:#?}"
    );

    // The tracker's errors and every Debug on the way.
    let tracker = LinearTracker::with_client(std::sync::Arc::new(client), serde_json::Map::new());
    let ctx = TrackerContext {
        project_id: ao_core::domain::ProjectId::new("app").unwrap(),
        repo: None,
        settings: serde_json::Map::new(),
    };
    let e = tracker
        .fetch(&ctx, &ao_core::domain::IssueRef::parse("INT-1").unwrap())
        .await
        .unwrap_err();
    let with_key = LinearTracker::with_credentials(serde_json::Map::new(), credentials.clone());
    for text in [
        e.to_string(),
        format!("{e:?}"),
        format!("{tracker:#?}"),
        format!("{with_key:#?}"),
        format!("{credentials:#?}"),
    ] {
        assert!(!text.contains(SECRET), "{text}");
    }
    let sent: Vec<Value> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect();
    assert!(
        sent.iter().all(|b| !b.to_string().contains(SECRET)),
        "the key only ever goes in the header"
    );
}
