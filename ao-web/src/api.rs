//! The routes: the pages, their data, the live stream and the actions.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use ao_core::domain::{DisplayStatus, ProjectId, Timestamp};
use ao_core::error::ErrorClass;
use ao_core::lifecycle::{EventFilter, EventLog};
use ao_core::orchestrator::{
    KillMode, OrchestratorError, SendOptions, SessionFilter, SpawnRequest,
};
use ao_core::plugin::Destroyed;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::page::{SCRIPT, STYLE, render_page};
use crate::server::{Shared, fleet_json};

type St = State<Arc<Shared>>;

/// Every route, behind the guard.
pub(crate) fn routes(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new()
        .route("/", get(fleet_page))
        .route("/session/{id}", get(session_page))
        .route("/assets/app.js", get(script))
        .route("/assets/app.css", get(style))
        .route("/api/fleet", get(fleet))
        .route("/api/events", get(events))
        .route("/api/stream", get(stream))
        .route("/api/session/{id}", get(session))
        .route("/api/session/{id}/screen", get(screen))
        .route("/api/session/{id}/send", post(send))
        .route("/api/session/{id}/kill", post(kill))
        .route("/api/session/{id}/restore", post(restore))
        .route("/api/session/{id}/merge", post(merge))
        .route("/api/spawn", post(spawn))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            crate::guard::guard,
        ))
        .with_state(shared)
}

/// A refusal or failure, as JSON the page shows: what happened, its kind, and what to do.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    body: Value,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

impl ApiError {
    fn new(status: StatusCode, kind: &str, error: impl std::fmt::Display) -> Self {
        Self {
            status,
            body: json!({"error": error.to_string(), "kind": kind}),
        }
    }
    fn not_loaded() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_loaded",
            "the daemon has not loaded the projects yet",
        )
    }
}

impl From<OrchestratorError> for ApiError {
    fn from(e: OrchestratorError) -> Self {
        let status = match e.class() {
            ErrorClass::NotFound => StatusCode::NOT_FOUND,
            ErrorClass::InvalidInput => StatusCode::BAD_REQUEST,
            ErrorClass::Refused => StatusCode::CONFLICT,
            ErrorClass::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorClass::InvalidConfig | ErrorClass::Failed => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut out = Self::new(status, "failed", &e);
        match &e {
            OrchestratorError::WaitingForInput { .. } => {
                out.body["kind"] = "waiting_for_input".into();
                out.body["hint"] = "the agent shows a prompt waiting for a person (a permission prompt): typing now could answer it. Look at its screen first; send anyway only if the message should answer it.".into();
            }
            OrchestratorError::UnsavedWork { session, work, .. } => {
                out.body["kind"] = "unsaved_work".into();
                out.body["files"] = json!(work.files);
                out.body["commits"] = json!(work.commits);
                out.body["hint"] = ao_core::orchestrator::unsaved_work_ways_on(session).into();
            }
            OrchestratorError::RuntimeDead { .. } => {
                out.body["hint"] = "restore relaunches it".into();
            }
            _ => {}
        }
        out
    }
}

fn html(body: String) -> Response {
    Html(body).into_response()
}

async fn fleet_page(State(s): St) -> Response {
    let data = fleet_json(&s).await.unwrap_or_else(|| "null".into());
    html(render_page("fleet", "ao — fleet", &s.csrf, &data))
}

async fn session_page(State(s): St, Path(id): Path<String>) -> Result<Response, ApiError> {
    let data = session_json(&s, &id).await?;
    Ok(html(render_page(
        "session",
        &format!("ao — {id}"),
        &s.csrf,
        &data.to_string(),
    )))
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

async fn fleet(State(s): St) -> Result<Response, ApiError> {
    let json = fleet_json(&s).await.ok_or_else(ApiError::not_loaded)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// The last events kept, newest last, of one session or of all.
fn recent_events(
    s: &Shared,
    session: Option<ao_core::domain::SessionId>,
    limit: usize,
) -> Vec<Value> {
    let filter = EventFilter {
        session,
        ..EventFilter::default()
    };
    let all = EventLog::new(s.home.event_log())
        .read(&filter)
        .unwrap_or_default();
    let skip = all.len().saturating_sub(limit);
    all.into_iter()
        .skip(skip)
        .filter_map(|e| serde_json::to_value(e).ok())
        .collect()
}

#[derive(Debug, Deserialize)]
struct EventsQuery {
    limit: Option<usize>,
}

async fn events(State(s): St, Query(q): Query<EventsQuery>) -> Json<Value> {
    Json(json!(recent_events(
        &s,
        None,
        q.limit.unwrap_or(50).min(500)
    )))
}

/// One session as the fleet page shows it, looked at now.
async fn view_of(
    fleet: &ao_core::fleet::Fleet,
    project: &ProjectId,
    id: &ao_core::domain::SessionId,
) -> Result<ao_core::orchestrator::SessionView, ApiError> {
    let filter = SessionFilter {
        project: Some(project.clone()),
        ..SessionFilter::all()
    };
    let (mut seen, _) = ao_core::lifecycle::daemon::look(fleet, &filter).await?;
    let at = seen
        .sessions
        .iter()
        .position(|v| v.id == *id)
        .ok_or_else(|| OrchestratorError::SessionNotFound {
            project: project.clone(),
            id: id.clone(),
        })?;
    Ok(seen.sessions.swap_remove(at))
}

/// A session: its view, its events and its screen.
async fn session_json(s: &Shared, name: &str) -> Result<Value, ApiError> {
    let fleet = s.fleet().ok_or_else(ApiError::not_loaded)?;
    let (orch, project, id) = fleet.session(name)?;
    let view = view_of(&fleet, &project, &id).await?;
    let screen = orch.output(&project, &id, SCREEN_LINES).await.ok();
    Ok(json!({
        "session": view,
        "screen": screen,
        "events": recent_events(s, Some(id.clone()), 200),
        "projects": [],
    }))
}

/// The lines of a screen the session page shows.
const SCREEN_LINES: usize = 60;

async fn session(State(s): St, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(session_json(&s, &id).await?))
}

async fn screen(State(s): St, Path(name): Path<String>) -> Result<Json<Value>, ApiError> {
    let fleet = s.fleet().ok_or_else(ApiError::not_loaded)?;
    let (orch, project, id) = fleet.session(&name)?;
    let text = orch.output(&project, &id, SCREEN_LINES).await?;
    Ok(Json(json!({"screen": text, "at": Timestamp::now()})))
}

/// The live stream: the last look at once, then every new look and event line.
async fn stream(State(s): St) -> Response {
    let rx = s.hub.subscribe();
    let first = s.last.lock().ok().and_then(|l| l.clone());
    // A new browser wants a look now, not at the next tick.
    s.refresh.notify_one();
    let ping = tokio::time::interval(Duration::from_secs(15));
    let stream = futures_util::stream::unfold(
        (rx, ping, first),
        |(mut rx, mut ping, first)| async move {
            if let Some(frame) = first {
                return Some((
                    Ok::<_, Infallible>(Bytes::from(frame.to_string())),
                    (rx, ping, None),
                ));
            }
            loop {
                tokio::select! {
                    got = rx.recv() => match got {
                        Ok(frame) => return Some((Ok(Bytes::from(frame.to_string())), (rx, ping, None))),
                        // Too slow a reader misses frames; the next look has everything.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = ping.tick() => return Some((Ok(Bytes::from_static(b": ping\n\n")), (rx, ping, None))),
                }
            }
        },
    );
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct SendBody {
    message: String,
    #[serde(default)]
    force: bool,
}

async fn send(
    State(s): St,
    Path(name): Path<String>,
    Json(body): Json<SendBody>,
) -> Result<Json<Value>, ApiError> {
    let fleet = s.fleet().ok_or_else(ApiError::not_loaded)?;
    let (orch, project, id) = fleet.session(&name)?;
    let options = SendOptions {
        wait: true,
        timeout: Duration::from_secs(60),
        force: body.force,
    };
    orch.send(&project, &id, &body.message, options).await?;
    s.refresh.notify_one();
    Ok(Json(
        json!({"ok": true, "text": format!("delivered to {id}")}),
    ))
}

#[derive(Debug, Deserialize)]
struct KillBody {
    /// `safe` (refused over unsaved work), `keep` (keep the worktree) or `force` (rescue,
    /// then remove).
    #[serde(default)]
    mode: Option<String>,
}

async fn kill(
    State(s): St,
    Path(name): Path<String>,
    Json(body): Json<KillBody>,
) -> Result<Json<Value>, ApiError> {
    let mode = match body.mode.as_deref().unwrap_or("safe") {
        "safe" => KillMode::Safe,
        "keep" => KillMode::KeepWorkspace,
        "force" => KillMode::Force,
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("unknown kill mode `{other}`: safe, keep or force"),
            ));
        }
    };
    let fleet = s.fleet().ok_or_else(ApiError::not_loaded)?;
    let (orch, project, id) = fleet.session(&name)?;
    let out = orch.kill(&project, &id, mode).await?;
    s.refresh.notify_one();
    let text = match (out.workspace, out.kept) {
        (Some(Destroyed::RemovedAfterRescue { rescue_ref }), _) => format!(
            "killed {id}; its unsaved work is saved under {rescue_ref} and the worktree is removed. Get it back: `git switch -c <branch> {rescue_ref}` in the project's repository (`ao session rescues` lists every rescue)"
        ),
        (Some(Destroyed::Removed), _) => format!("killed {id}; worktree removed"),
        (None, Some((path, work))) => format!(
            "stopped {id}; its worktree {} and branch are kept ({} unsaved file(s), {} unpushed commit(s)); restore starts its agent again",
            path.display(),
            work.files.len(),
            work.commits.len()
        ),
        (None, None) => format!("killed {id}"),
    };
    Ok(Json(json!({"ok": true, "text": text})))
}

async fn restore(State(s): St, Path(name): Path<String>) -> Result<Json<Value>, ApiError> {
    let fleet = s.fleet().ok_or_else(ApiError::not_loaded)?;
    let (orch, project, id) = fleet.session(&name)?;
    orch.restore(&project, &id).await?;
    s.refresh.notify_one();
    Ok(Json(json!({"ok": true, "text": format!("restored {id}")})))
}

async fn merge(State(s): St, Path(name): Path<String>) -> Result<Json<Value>, ApiError> {
    let fleet = s.fleet().ok_or_else(ApiError::not_loaded)?;
    let (orch, project, id) = fleet.session(&name)?;
    let view = view_of(&fleet, &project, &id).await?;
    let Some(pr) = &view.pr else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_pr",
            format!("{id} has no pull request"),
        ));
    };
    // The dashboard merges only what the lifecycle calls mergeable: approved, green, no
    // conflicts.
    if view.status != DisplayStatus::Mergeable {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_mergeable",
            format!(
                "pull request #{} of {id} is not mergeable now (its state: {})",
                pr.number,
                serde_json::to_value(view.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            ),
        ));
    }
    // What was seen approved and green is what is merged: a push since is refused.
    let method = orch.merge_method(&project);
    orch.merge_pr(&project, pr.number, pr.head_sha.as_deref(), method)
        .await?;
    s.refresh.notify_one();
    let method = serde_json::to_value(method)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Ok(Json(
        json!({"ok": true, "text": format!("merged pull request #{} ({method})", pr.number)}),
    ))
}

#[derive(Debug, Deserialize)]
struct SpawnBody {
    project: Option<String>,
    #[serde(default)]
    issue: Option<String>,
    #[serde(default)]
    prompt: Option<String>,
}

async fn spawn(State(s): St, Json(body): Json<SpawnBody>) -> Result<Json<Value>, ApiError> {
    let fleet = s.fleet().ok_or_else(ApiError::not_loaded)?;
    let blank = |o: Option<String>| o.filter(|t| !t.trim().is_empty());
    let (issue, prompt) = (blank(body.issue), blank(body.prompt));
    if issue.is_none() && prompt.is_none() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "give an issue reference or a prompt",
        ));
    }
    let project = blank(body.project)
        .map(|p| {
            ProjectId::new(&p).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e))
        })
        .transpose()?;
    let out = fleet
        .spawn(SpawnRequest {
            project,
            issue,
            prompt,
            ..SpawnRequest::default()
        })
        .await?;
    s.refresh.notify_one();
    Ok(Json(json!({
        "ok": true,
        "text": format!("spawned {} on {}", out.record.id, out.record.branch.as_deref().unwrap_or("-")),
        "id": out.record.id,
        "warnings": out.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_send_into_a_permission_prompt_is_a_refusal_the_page_can_override() {
        let err = ApiError::from(OrchestratorError::WaitingForInput {
            session: ao_core::domain::SessionId::new("app-1").unwrap(),
        });
        assert_eq!(err.status, StatusCode::CONFLICT);
        assert_eq!(err.body["kind"], "waiting_for_input");
        assert!(
            err.body["error"]
                .as_str()
                .unwrap()
                .contains("waiting for input")
        );
        assert!(err.body["hint"].as_str().unwrap().contains("send anyway"));
        let gone = ApiError::from(OrchestratorError::RuntimeDead {
            session: ao_core::domain::SessionId::new("app-1").unwrap(),
        });
        assert_eq!(gone.body["hint"], "restore relaunches it");
    }
}
