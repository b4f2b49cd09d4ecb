//! The HTTP side: a hyper server on its own thread and current-thread runtime, and the pipeline
//! every request goes through — record, latency, injected faults, credentials, rate budget,
//! route, ETag/304, headers.
//!
//! The server owns its runtime so that a plain `#[test]` and a `#[tokio::test]` start it the
//! same way; nothing holds a lock across an `.await`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use jiff::Timestamp;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use super::control::{Control, Fault, RecordedRequest, Resource, token_fingerprint, token_of};
use super::shapes::{self, Ctx};
use super::state::World;
use super::{graphql, rest};

/// The largest request body the fake reads.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// State shared by the handle and the server.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) world: Mutex<World>,
    pub(crate) control: Mutex<Control>,
    /// The REST base URL (`http://127.0.0.1:<port>`).
    pub(crate) api: String,
}

impl Shared {
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn control(&self) -> MutexGuard<'_, Control> {
        self.control.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A request, decoded.
#[derive(Debug)]
pub(crate) struct Req {
    pub(crate) method: hyper::Method,
    /// Path segments, percent-decoded.
    pub(crate) segments: Vec<String>,
    /// Query pairs, percent-decoded, in order.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Bytes,
    /// Whether the request carried credentials (private repositories hide from others).
    pub(crate) authenticated: bool,
}

impl Req {
    /// The last value of a query parameter.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A response before it becomes HTTP.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
    pub(crate) headers: Vec<(String, String)>,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    pub(crate) fn ok(body: Value) -> Self {
        Self::json(200, body)
    }

    pub(crate) fn error(status: u16, message: &str) -> Self {
        Self::json(status, shapes::error(message, status))
    }

    pub(crate) fn not_found() -> Self {
        Self::error(404, "Not Found")
    }

    /// GitHub's `422 Validation Failed` with one error entry.
    pub(crate) fn invalid(resource: &str, field: &str, code: &str) -> Self {
        Self::json(
            422,
            json!({
                "message": "Validation Failed",
                "errors": [{ "resource": resource, "field": field, "code": code }],
                "documentation_url": shapes::DOCS,
                "status": "422",
            }),
        )
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// Starts serving on `listener` until `shutdown` fires.
pub(crate) async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(_) => return,
    };
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let shared = Arc::clone(&shared);
                        async move { Ok::<_, Infallible>(handle(&shared, req, peer).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

/// The whole pipeline for one request.
async fn handle(
    shared: &Shared,
    req: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let raw_path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().map(str::to_owned);
    let mut headers = Vec::new();
    let mut auth_header: Option<String> = None;
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == hyper::header::AUTHORIZATION {
            auth_header = Some(value);
        } else {
            headers.push((name.as_str().to_owned(), value));
        }
    }
    let token = auth_header
        .as_deref()
        .map(token_of)
        .filter(|t| !t.is_empty());
    let fingerprint = token.map(token_fingerprint);
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(_) => Err(Reply::error(413, "Payload Too Large")),
    };
    let record = |status: u16, body: &Bytes, accounting: Accounting| RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path: raw_path.clone(),
        query: raw_query.clone(),
        headers: headers.clone(),
        authorization: fingerprint.clone(),
        body: String::from_utf8_lossy(body).into_owned(),
        status,
        cost: accounting.cost,
        repositories: accounting.repositories,
    };

    // Latency, configured and injected; then the first fault that is not a delay.
    let fault = loop {
        let (latency, fault) = {
            let mut control = shared.control();
            (control.latency, control.take_fault(&raw_path))
        };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match fault {
            Some(Fault::Latency(delay)) => tokio::time::sleep(delay).await,
            other => break other,
        }
    };

    let body_bytes = match &body {
        Ok(b) => b.clone(),
        Err(_) => Bytes::new(),
    };
    let resource = if raw_path == "/graphql" {
        Some(Resource::Graphql)
    } else if raw_path == "/rate_limit" {
        None
    } else {
        Some(Resource::Core)
    };
    let if_none_match = parts
        .headers
        .get(hyper::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);

    let (reply, accounting) = match (fault, body) {
        (Some(fault), _) => (
            fault_reply(shared, &fault, fingerprint.as_deref(), resource),
            Accounting::default(),
        ),
        (None, Err(reply)) => (reply, Accounting::default()),
        (None, Ok(body)) => {
            let req = Req {
                method: parts.method.clone(),
                segments: decode_segments(&raw_path),
                query: raw_query.as_deref().map(parse_query).unwrap_or_default(),
                body,
                authenticated: token.is_some(),
            };
            serve_one(
                shared,
                &req,
                fingerprint.as_deref(),
                resource,
                if_none_match.as_deref(),
                peer,
            )
        }
    };

    let status = reply.status;
    shared
        .control()
        .requests
        .push(record(status, &body_bytes, accounting));
    into_response(reply)
}

/// What a request cost and which repositories it touched, for the request log.
#[derive(Debug, Default)]
struct Accounting {
    cost: u32,
    repositories: Vec<String>,
}

/// Credentials, budget, routing, ETag.
fn serve_one(
    shared: &Shared,
    req: &Req,
    fingerprint: Option<&str>,
    resource: Option<Resource>,
    if_none_match: Option<&str>,
    peer: SocketAddr,
) -> (Reply, Accounting) {
    {
        let control = shared.control();
        if let (Some(accepted), Some(fp)) = (&control.accepted, fingerprint)
            && !accepted.contains(fp)
        {
            return (Reply::error(401, "Bad credentials"), Accounting::default());
        }
    }
    if resource == Some(Resource::Graphql) && fingerprint.is_none() {
        let reply = Reply::json(
            401,
            json!({
                "message": "This endpoint requires you to be authenticated.",
                "documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql",
                "status": "401",
            }),
        );
        return (reply, Accounting::default());
    }
    let charged = resource.unwrap_or(Resource::Core);
    // The repository a REST path names, as the world spells it.
    let path_repo = match req.segments.as_slice() {
        [first, owner, name, ..] if first == "repos" => Some(
            shared
                .world()
                .repo(owner, name)
                .map_or_else(|| format!("{owner}/{name}"), |d| d.repo.full_name()),
        ),
        _ => None,
    };

    // A spent budget answers before anything is served.
    let spent = {
        let mut control = shared.control();
        let bucket = *control.bucket(fingerprint, charged);
        (bucket.remaining() == 0).then_some(bucket)
    };
    if spent.is_some() {
        let who = match fingerprint {
            Some(_) => {
                let viewer = shared.world().viewer.clone();
                format!("user ID {}", shapes::user_id(&viewer))
            }
            None => peer.ip().to_string(),
        };
        let message = format!("API rate limit exceeded for {who}.");
        let reply = if charged == Resource::Graphql {
            Reply::ok(json!({ "errors": [{ "type": "RATE_LIMITED", "message": message }] }))
        } else {
            Reply::error(403, &message)
        };
        return (
            with_rate_headers(shared, reply, fingerprint, charged),
            Accounting::default(),
        );
    }

    if charged == Resource::Graphql {
        return serve_graphql(shared, req, fingerprint);
    }

    let reply = {
        let mut world = shared.world();
        let viewer = world.viewer.clone();
        let ctx = Ctx { api: &shared.api };
        if resource.is_none() {
            rate_limit_overview(shared, fingerprint)
        } else {
            rest::route(&mut world, ctx, &viewer, req)
        }
    };

    let mut reply = reply;
    if req.method == hyper::Method::GET
        && reply.status == 200
        && let Some(body) = &reply.body
    {
        let etag = etag(body);
        if if_none_match.is_some_and(|inm| etag_matches(inm, &etag)) {
            let not_modified = Reply {
                status: 304,
                body: None,
                headers: vec![("etag".to_owned(), etag)],
            };
            let accounting = Accounting {
                cost: 0,
                repositories: path_repo.into_iter().collect(),
            };
            return (
                with_rate_headers(shared, not_modified, fingerprint, charged),
                accounting,
            );
        }
        reply.headers.push(("etag".to_owned(), etag));
    }
    let cost = u32::from(resource.is_some());
    if resource.is_some() {
        shared.control().bucket(fingerprint, charged).used += 1;
    }
    let accounting = Accounting {
        cost,
        repositories: path_repo.into_iter().collect(),
    };
    (
        with_rate_headers(shared, reply, fingerprint, charged),
        accounting,
    )
}

/// A GraphQL query: priced by GitHub's static rule, charged up front (so that `rateLimit` in
/// the query reports this request's cost), refused as GitHub does when it asks for too many
/// nodes or costs more than is left, then run.
fn serve_graphql(shared: &Shared, req: &Req, fingerprint: Option<&str>) -> (Reply, Accounting) {
    let charged = Resource::Graphql;
    let prepared = graphql::prepare(&req.body);
    let points = match &prepared {
        Ok(p) => p.cost.points(),
        Err(_) => 1,
    };
    let charge = {
        let mut control = shared.control();
        let bucket = control.bucket(fingerprint, charged);
        if bucket.remaining() < points {
            Err(*bucket)
        } else {
            bucket.used += points;
            Ok(*bucket)
        }
    };
    let bucket = match charge {
        Ok(bucket) => bucket,
        Err(_) => {
            let reply = Reply::ok(json!({ "errors": [{
                "type": "RATE_LIMITED",
                "message": format!("This query costs {points} points, more than the rate limit has left."),
            }] }));
            return (
                with_rate_headers(shared, reply, fingerprint, charged),
                Accounting::default(),
            );
        }
    };
    let accounting = |repositories| Accounting {
        cost: points,
        repositories,
    };
    let (body, repositories) = match prepared {
        Err(body) => (body, Vec::new()),
        Ok(p) if p.cost.nodes > graphql::MAX_NODES => {
            (graphql::too_many_nodes(p.cost.nodes), Vec::new())
        }
        Ok(p) => {
            let rate = graphql::Charged {
                bucket,
                cost: points,
                nodes: p.cost.nodes,
            };
            let world = shared.world();
            let executed = graphql::execute(&world, &p, rate);
            drop(world);
            (executed.body, executed.repositories)
        }
    };
    (
        with_rate_headers(shared, Reply::ok(body), fingerprint, charged),
        accounting(repositories),
    )
}

/// The answer to an injected fault.
fn fault_reply(
    shared: &Shared,
    fault: &Fault,
    fingerprint: Option<&str>,
    resource: Option<Resource>,
) -> Reply {
    let charged = resource.unwrap_or(Resource::Core);
    let reply = match fault {
        Fault::TooManyRequests { retry_after_secs } => {
            Reply::error(429, "Too Many Requests").header("retry-after", retry_after_secs.to_string())
        }
        Fault::SecondaryRateLimit { retry_after_secs } => Reply::error(
            403,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
        )
        .header("retry-after", retry_after_secs.to_string()),
        Fault::PrimaryRateLimit { reset_in_secs } => {
            let mut control = shared.control();
            let bucket = *control.bucket(fingerprint, charged);
            drop(control);
            let reset = Timestamp::now().as_second() + i64::try_from(*reset_in_secs).unwrap_or(i64::MAX / 2);
            return Reply::error(403, "API rate limit exceeded.")
                .header("x-ratelimit-limit", bucket.limit.to_string())
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-used", bucket.limit.to_string())
                .header("x-ratelimit-reset", reset.to_string())
                .header("x-ratelimit-resource", charged.as_str());
        }
        Fault::ServerError { status } => {
            let status = if (500..600).contains(status) { *status } else { 500 };
            Reply::json(status, json!({ "message": "Server Error" }))
        }
        Fault::Latency(_) => Reply::error(500, "Server Error"),
    };
    with_rate_headers(shared, reply, fingerprint, charged)
}

/// `GET /rate_limit` (free, as on GitHub).
fn rate_limit_overview(shared: &Shared, fingerprint: Option<&str>) -> Reply {
    let mut control = shared.control();
    let core = *control.bucket(fingerprint, Resource::Core);
    let graphql = if fingerprint.is_some() {
        *control.bucket(fingerprint, Resource::Graphql)
    } else {
        super::control::Bucket {
            limit: 0,
            used: 0,
            reset: core.reset,
        }
    };
    drop(control);
    let b = |bucket: super::control::Bucket| json!({ "limit": bucket.limit, "used": bucket.used, "remaining": bucket.remaining(), "reset": bucket.reset });
    let fixed =
        |limit: u32| json!({ "limit": limit, "used": 0, "remaining": limit, "reset": core.reset });
    Reply::ok(json!({
        "resources": {
            "core": b(core),
            "search": fixed(30),
            "graphql": b(graphql),
            "integration_manifest": fixed(5000),
            "source_import": fixed(100),
            "actions_runner_registration": fixed(10000),
            "scim": fixed(15000),
            "dependency_snapshots": fixed(100),
            "code_search": fixed(10),
            "code_scanning_autofix": fixed(10),
        },
        "rate": b(core),
    }))
}

/// Adds the `x-ratelimit-*` headers (unless already set) and GitHub's constant headers.
fn with_rate_headers(
    shared: &Shared,
    mut reply: Reply,
    fingerprint: Option<&str>,
    resource: Resource,
) -> Reply {
    if !reply.headers.iter().any(|(n, _)| n == "x-ratelimit-limit") {
        let bucket = *shared.control().bucket(fingerprint, resource);
        reply.headers.extend([
            ("x-ratelimit-limit".to_owned(), bucket.limit.to_string()),
            (
                "x-ratelimit-remaining".to_owned(),
                bucket.remaining().to_string(),
            ),
            ("x-ratelimit-used".to_owned(), bucket.used.to_string()),
            ("x-ratelimit-reset".to_owned(), bucket.reset.to_string()),
            (
                "x-ratelimit-resource".to_owned(),
                resource.as_str().to_owned(),
            ),
        ]);
    }
    reply.headers.push((
        "x-github-api-version-selected".to_owned(),
        "2022-11-28".to_owned(),
    ));
    reply.headers.push((
        "x-github-media-type".to_owned(),
        "github.v3; format=json".to_owned(),
    ));
    reply
}

/// A weak ETag over the body, as GitHub sends.
fn etag(body: &Value) -> String {
    let digest = Sha256::digest(body.to_string().as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

/// Whether an `If-None-Match` value matches (weak comparison, lists, `*`).
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let bare = |s: &str| {
        s.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .to_owned()
    };
    let wanted = bare(etag);
    if_none_match
        .split(',')
        .any(|candidate| candidate.trim() == "*" || bare(candidate) == wanted)
}

fn into_response(reply: Reply) -> Response<Full<Bytes>> {
    let body = match &reply.body {
        Some(v) => Bytes::from(v.to_string()),
        None => Bytes::new(),
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if reply.body.is_some() {
        headers.insert(
            hyper::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
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

/// Splits a path into percent-decoded segments (empty segments dropped).
fn decode_segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode(s, false))
        .collect()
}

/// Parses `a=b&c=d` with percent-decoding and `+` as space.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
