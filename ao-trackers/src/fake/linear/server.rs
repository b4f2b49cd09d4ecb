//! The fake Linear's HTTP side: a hyper server on its own thread and current-thread runtime,
//! and the pipeline every request goes through — record, latency, injected faults,
//! authentication, rate budget, GraphQL, rate-limit headers.
//!
//! Linear answers a request whose errors leave no data with HTTP 400 (a missing entity, a
//! spent rate limit, an invalid document) and with 200 otherwise; the fake does the same.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use jiff::Timestamp;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::Fault;
use super::schema::{self, Mutation, Query};
use super::state::World;
use crate::fake::control::{RecordedRequest, token_fingerprint};
use crate::fake::graphql::{Roots, execute_with};

/// The largest request body the fake reads.
const MAX_BODY: usize = 1024 * 1024;

/// The complexity budget reported beside the request budget (Linear's headers carry both).
const COMPLEXITY_LIMIT: u64 = 3_000_000;

/// Complexity charged per request (the fake does not compute query complexity).
const COMPLEXITY_PER_REQUEST: u64 = 100;

/// One key's request window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bucket {
    pub(crate) used: u32,
    /// Epoch milliseconds at which the window resets.
    pub(crate) reset_ms: i64,
}

/// Everything the test controls besides the world.
#[derive(Debug)]
pub(crate) struct Control {
    /// Fingerprints of the accepted `Authorization` values; `None` accepts any.
    pub(crate) accepted: Option<HashSet<String>>,
    /// Requests allowed per hour and key.
    pub(crate) limit: u32,
    pub(crate) buckets: HashMap<String, Bucket>,
    /// Faults waiting, with the operation they are for (`None`: any) and how many are left.
    pub(crate) faults: VecDeque<(Fault, Option<String>, usize)>,
    pub(crate) latency: Duration,
    pub(crate) requests: Vec<RecordedRequest>,
}

impl Control {
    pub(crate) fn new() -> Self {
        Self {
            accepted: None,
            limit: super::DEFAULT_LIMIT,
            buckets: HashMap::new(),
            faults: VecDeque::new(),
            latency: Duration::ZERO,
            requests: Vec::new(),
        }
    }

    /// The window of the key with this fingerprint, refilled when it has passed.
    pub(crate) fn bucket(&mut self, who: &str) -> &mut Bucket {
        let now = Timestamp::now().as_millisecond();
        let bucket = self.buckets.entry(who.to_owned()).or_insert(Bucket {
            used: 0,
            reset_ms: now + 3_600_000,
        });
        if now >= bucket.reset_ms {
            bucket.used = 0;
            bucket.reset_ms = now + 3_600_000;
        }
        bucket
    }

    /// Takes the next fault that applies to a request for `operation`, if any.
    fn take_fault(&mut self, operation: Option<&str>) -> Option<Fault> {
        let index = self.faults.iter().position(|(_, only, remaining)| {
            *remaining > 0 && only.as_deref().is_none_or(|o| Some(o) == operation)
        })?;
        let (fault, _, remaining) = self.faults.get_mut(index)?;
        let fault = fault.clone();
        *remaining -= 1;
        if *remaining == 0 {
            self.faults.remove(index);
        }
        Some(fault)
    }
}

/// State shared by the handle and the server.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) world: Mutex<World>,
    pub(crate) control: Mutex<Control>,
}

impl Shared {
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn control(&self) -> MutexGuard<'_, Control> {
        self.control.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An answer before it becomes HTTP.
struct Reply {
    status: u16,
    body: Value,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn new(status: u16, body: Value) -> Self {
        Self {
            status,
            body,
            headers: Vec::new(),
        }
    }
}

/// Serves on `listener` until `shutdown` fires.
pub(crate) async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let shared = Arc::clone(&shared);
                        async move { Ok::<_, Infallible>(handle(&shared, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

/// Linear's authentication error.
fn auth_error(message: &str) -> Value {
    json!({ "errors": [{
        "message": message,
        "extensions": {
            "type": "authentication error",
            "code": "AUTHENTICATION_ERROR",
            "statusCode": 401,
            "userError": true,
            "userPresentableMessage": "You need to authenticate to access this operation.",
        },
    }]})
}

/// Linear's rate-limit error.
fn rate_limited(limit: u32) -> Value {
    json!({ "errors": [{
        "message": format!(
            "Rate limit exceeded. Only {limit} requests are allowed per 1 hour."
        ),
        "extensions": {
            "type": "ratelimited",
            "code": "RATELIMITED",
            "statusCode": 429,
            "userError": true,
            "userPresentableMessage": "Too many requests. Please try again later.",
        },
    }]})
}

/// The whole pipeline for one request.
async fn handle(shared: &Shared, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);
    let mut headers = Vec::new();
    let mut authorization: Option<String> = None;
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == hyper::header::AUTHORIZATION {
            authorization = Some(value);
        } else {
            headers.push((name.as_str().to_owned(), value));
        }
    }
    // The whole header value, so that a test can tell a bare personal key from `Bearer …`.
    let fingerprint = authorization.as_deref().map(token_fingerprint);
    let body = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .ok();

    let operation = body
        .as_ref()
        .and_then(|b| serde_json::from_slice::<Value>(b).ok())
        .and_then(|v| v["operationName"].as_str().map(str::to_owned));
    let fault = loop {
        let (latency, fault) = {
            let mut control = shared.control();
            (control.latency, control.take_fault(operation.as_deref()))
        };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match fault {
            Some(Fault::Latency(delay)) => tokio::time::sleep(delay).await,
            other => break other,
        }
    };

    let reply = match (&fault, &body) {
        _ if path != "/graphql" => {
            Reply::new(404, json!({ "errors": [{ "message": "Not Found" }] }))
        }
        _ if parts.method != hyper::Method::POST => Reply::new(
            405,
            json!({ "errors": [{ "message": "Only POST requests are served here" }] }),
        ),
        (Some(fault), _) => fault_reply(shared, fault, fingerprint.as_deref()),
        (None, None) => Reply::new(
            413,
            json!({ "errors": [{ "message": "Payload Too Large" }] }),
        ),
        (None, Some(body)) => serve_one(shared, body, fingerprint.as_deref()),
    };

    let mut reply = reply;
    if let Some(fp) = fingerprint.as_deref()
        && !reply.headers.iter().any(|(n, _)| n.ends_with("-remaining"))
    {
        let (limit, bucket) = {
            let mut control = shared.control();
            (control.limit, *control.bucket(fp))
        };
        reply.headers.extend(rate_headers(limit, bucket));
    }
    let recorded = RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path,
        query,
        headers,
        authorization: fingerprint,
        body: body
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default(),
        status: reply.status,
        // GitHub's cost and repositories mean nothing to Linear.
        cost: 0,
        repositories: Vec::new(),
    };
    shared.control().requests.push(recorded);
    into_response(reply)
}

/// `X-RateLimit-*` headers for a key's window.
fn rate_headers(limit: u32, bucket: Bucket) -> Vec<(String, String)> {
    let remaining = limit.saturating_sub(bucket.used);
    let complexity_used = u64::from(bucket.used).saturating_mul(COMPLEXITY_PER_REQUEST);
    vec![
        ("x-ratelimit-requests-limit".into(), limit.to_string()),
        (
            "x-ratelimit-requests-remaining".into(),
            remaining.to_string(),
        ),
        (
            "x-ratelimit-requests-reset".into(),
            bucket.reset_ms.to_string(),
        ),
        (
            "x-ratelimit-complexity-limit".into(),
            COMPLEXITY_LIMIT.to_string(),
        ),
        (
            "x-ratelimit-complexity-remaining".into(),
            COMPLEXITY_LIMIT.saturating_sub(complexity_used).to_string(),
        ),
        (
            "x-ratelimit-complexity-reset".into(),
            bucket.reset_ms.to_string(),
        ),
    ]
}

/// The answer to an injected fault.
fn fault_reply(shared: &Shared, fault: &Fault, fingerprint: Option<&str>) -> Reply {
    match fault {
        Fault::RateLimited { status, reset_in } => {
            let limit = shared.control().limit;
            let reset = Timestamp::now().as_millisecond()
                + i64::try_from(reset_in.as_millis()).unwrap_or(i64::MAX / 2);
            let mut reply = Reply::new(*status, rate_limited(limit));
            let used = match fingerprint {
                Some(fp) => shared.control().bucket(fp).used,
                None => 0,
            };
            reply.headers = rate_headers(
                limit,
                Bucket {
                    used: used.max(limit),
                    reset_ms: reset,
                },
            );
            reply
        }
        Fault::ServerError { status } => {
            let status = if (500..600).contains(status) {
                *status
            } else {
                500
            };
            Reply::new(
                status,
                json!({ "errors": [{ "message": "Internal server error" }] }),
            )
        }
        Fault::Latency(_) => Reply::new(
            500,
            json!({ "errors": [{ "message": "Internal server error" }] }),
        ),
    }
}

/// Authentication, budget, GraphQL.
fn serve_one(shared: &Shared, body: &Bytes, fingerprint: Option<&str>) -> Reply {
    let Some(fp) = fingerprint else {
        return Reply::new(
            400,
            auth_error("Authentication required, not authenticated"),
        );
    };
    {
        let control = shared.control();
        if let Some(accepted) = &control.accepted
            && !accepted.contains(fp)
        {
            return Reply::new(400, auth_error("Authentication failed: invalid API key"));
        }
    }
    {
        let mut control = shared.control();
        let limit = control.limit;
        let bucket = control.bucket(fp);
        if bucket.used >= limit {
            let spent = *bucket;
            let mut reply = Reply::new(400, rate_limited(limit));
            reply.headers = rate_headers(limit, spent);
            return reply;
        }
        bucket.used += 1;
    }
    let answer = {
        let mut world = shared.world();
        let snapshot = std::rc::Rc::new(world.clone());
        let cell = RefCell::new(world.clone());
        let answer = {
            let roots = Roots {
                query: std::rc::Rc::new(Query::new(snapshot)),
                mutation: Some(std::rc::Rc::new(Mutation::new(&cell))),
                types: schema::TYPES,
                service: "The fake Linear",
            };
            execute_with(body, &roots)
        };
        *world = cell.into_inner();
        answer
    };
    shape(answer)
}

/// Linear's status and `data` for an executed document: every root field is non-null in
/// Linear's schema, so an error that nulled one nulls `data`, and such an answer is a 400.
fn shape(mut answer: Value) -> Reply {
    let has_errors = answer
        .get("errors")
        .and_then(Value::as_array)
        .is_some_and(|e| !e.is_empty());
    if !has_errors {
        return Reply::new(200, answer);
    }
    let nulled = match answer.get("data") {
        None | Some(Value::Null) => true,
        Some(Value::Object(fields)) => fields.values().any(Value::is_null),
        Some(_) => false,
    };
    if nulled && let Value::Object(map) = &mut answer {
        map.insert("data".into(), Value::Null);
    }
    Reply::new(if nulled { 400 } else { 200 }, answer)
}

fn into_response(reply: Reply) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body.to_string())));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    for (name, value) in &reply.headers {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_that_nulls_a_root_field_is_a_400_without_data() {
        let r = shape(json!({"data": {"issue": null}, "errors": [{"message": "x"}]}));
        assert_eq!(r.status, 400);
        assert_eq!(r.body["data"], Value::Null);
        let r = shape(json!({"data": {"viewer": {"id": "u"}}}));
        assert_eq!(r.status, 200);
        let r = shape(json!({"errors": [{"message": "invalid"}]}));
        assert_eq!(r.status, 400);
    }
}
