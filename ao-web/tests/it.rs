//! The dashboard over real HTTP on loopback: each refusal (no token, a foreign Host or
//! Origin, a cross-site or token-less action), the login exchange, escaping, the live stream
//! and the actions, against a fleet whose agents are real processes.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ao_core::config;
use ao_core::fleet::Fleet;
use ao_core::home::AoHome;
use ao_core::lifecycle::daemon::DaemonFeed;
use ao_core::orchestrator::Options;
use ao_core::plugin::{
    FakeRuntime, FakeTracker, FakeWorkspace, Issue, IssueState, Registry, Runtime, Tracker,
    UnsavedWork, Workspace,
};
use ao_core::store::{FileStore, Store};
use ao_web::{Dashboard, serve, token};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A dashboard serving a one-project fleet on a free loopback port.
struct Fx {
    tmp: tempfile::TempDir,
    home: AoHome,
    port: u16,
    token: String,
    cookie: String,
    feed: DaemonFeed,
    workspace: Arc<FakeWorkspace>,
    runtime: Arc<FakeRuntime>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for Fx {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The agent every session runs: it prints markup, then records what it is sent.
const AGENT: &str =
    "printf 'READY <script>alert(1)</script><img src=x onerror=alert(2)>\\n'; exec cat";

impl Fx {
    async fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let home = AoHome::new(tmp.path().join("ao-home"));
        let project = tmp.path().join("app");
        std::fs::create_dir_all(&project).unwrap();
        let file = tmp.path().join("app.yaml");
        std::fs::write(
            &file,
            format!(
                "projects:\n  app:\n    name: The <b>App</b>\n    path: {}\n    sessionPrefix: app\n    tracker:\n      plugin: fake\n    agent: command\n    agentConfig:\n      command: [sh, -c, {}]\n      promptVia: none\n",
                project.display(),
                serde_json::to_string(AGENT).unwrap()
            ),
        )
        .unwrap();
        let runtime = Arc::new(FakeRuntime::named("tmux"));
        let workspace = Arc::new(FakeWorkspace::new());
        let mut registry = Registry::builtin();
        let r = runtime.clone();
        registry.register_runtime("tmux", move |_| Ok(r.clone() as Arc<dyn Runtime>));
        let w = workspace.clone();
        registry.register_workspace("worktree", move |_| Ok(w.clone() as Arc<dyn Workspace>));
        // One issue to spawn on: #7, open.
        let tracker = Arc::new(FakeTracker::new());
        tracker.insert(Issue {
            id: "7".into(),
            title: "Fix the <login> page".into(),
            body: "It breaks.".into(),
            url: "https://tracker.example/7".into(),
            state: IssueState::Open,
            labels: Vec::new(),
            assignees: Vec::new(),
            branch_hint: None,
        });
        registry.register_tracker("fake", move |_| Ok(tracker.clone() as Arc<dyn Tracker>));
        let cfg = config::load(&file, &registry.known_names()).unwrap();
        let mut options = Options::new(home.clone());
        options.scope = None;
        options.spawn_watch = Duration::from_millis(20);
        let store: Arc<dyn Store> = Arc::new(FileStore::new(home.clone()));
        let fleet = Fleet::load(registry, store, options, Some(cfg)).unwrap();
        fleet
            .register(&ao_core::domain::ProjectId::new("app").unwrap())
            .unwrap();
        let feed = DaemonFeed::new();
        feed.publish(Arc::new(fleet));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let token = token::ensure_token(&home).unwrap();
        let dashboard = Dashboard::new(home.clone(), port, token.clone(), feed.subscribe());
        let server = tokio::spawn(serve(listener, dashboard));
        Self {
            cookie: format!("ao_dashboard_{port}={token}"),
            tmp,
            home,
            port,
            token,
            feed,
            workspace,
            runtime,
            server,
        }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A GET with the login cookie and the right Host.
    async fn get(&self, path: &str) -> Resp {
        self.raw(
            "GET",
            path,
            &[("Host", &self.host()), ("Cookie", &self.cookie)],
            "",
        )
        .await
    }

    /// The page's CSRF token.
    async fn csrf(&self) -> String {
        let page = self.get("/").await;
        let at = page.body.find("name=\"ao-csrf\" content=\"").unwrap() + 24;
        page.body[at..at + 64].to_string()
    }

    /// An action as the page sends it: cookie, same Origin, CSRF token, JSON.
    async fn post(&self, path: &str, body: &str) -> Resp {
        let csrf = self.csrf().await;
        self.raw(
            "POST",
            path,
            &[
                ("Host", &self.host()),
                ("Cookie", &self.cookie),
                ("Origin", &self.origin()),
                ("x-ao-csrf", &csrf),
                ("Content-Type", "application/json"),
            ],
            body,
        )
        .await
    }

    /// One request exactly as written, over a new loopback connection.
    async fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .unwrap();
        let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        conn.write_all(req.as_bytes()).await.unwrap();
        let mut bytes = Vec::new();
        tokio::time::timeout(Duration::from_secs(60), conn.read_to_end(&mut bytes))
            .await
            .expect("the server answers")
            .unwrap();
        Resp::parse(&String::from_utf8_lossy(&bytes))
    }

    async fn spawn_worker(&self) -> String {
        let resp = self
            .post("/api/spawn", r#"{"project":"app","prompt":"do it"}"#)
            .await;
        assert_eq!(resp.status, 200, "{}", resp.body);
        let json: serde_json::Value = serde_json::from_str(&resp.body).unwrap();
        json["id"].as_str().unwrap().to_string()
    }

    async fn wait_screen(&self, id: &str, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let resp = self.get(&format!("/api/session/{id}/screen")).await;
            if resp.status == 200 && resp.body.contains(needle) {
                return resp.body;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{needle} never on {id}: {}",
                resp.body
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[derive(Debug)]
struct Resp {
    status: u16,
    head: String,
    body: String,
}

impl Resp {
    fn parse(text: &str) -> Self {
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Self {
            status,
            head: head.to_string(),
            body: body.to_string(),
        }
    }

    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

#[tokio::test]
async fn every_request_without_the_token_is_refused() {
    let fx = Fx::new().await;
    for path in [
        "/",
        "/api/fleet",
        "/api/stream",
        "/assets/app.js",
        "/session/app-1",
    ] {
        let resp = fx.raw("GET", path, &[("Host", &fx.host())], "").await;
        assert_eq!(resp.status, 401, "{path}: {resp:?}");
        assert!(
            resp.body.contains("ao dashboard"),
            "says how to log in: {}",
            resp.body
        );
    }
    let wrong = fx
        .raw(
            "GET",
            "/?token=0000000000000000000000000000000000000000000000000000000000000000",
            &[("Host", &fx.host())],
            "",
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("set-cookie").is_none());
    let bad_cookie = fx
        .raw(
            "GET",
            "/api/fleet",
            &[
                ("Host", &fx.host()),
                ("Cookie", &format!("ao_dashboard_{}=nope", fx.port)),
            ],
            "",
        )
        .await;
    assert_eq!(bad_cookie.status, 401);
    // Another port's cookie (another install's dashboard) does not log in here.
    let other = fx
        .raw(
            "GET",
            "/api/fleet",
            &[
                ("Host", &fx.host()),
                ("Cookie", &format!("ao_dashboard_1={}", fx.token)),
            ],
            "",
        )
        .await;
    assert_eq!(other.status, 401);
}

#[tokio::test]
async fn the_token_is_exchanged_once_for_a_strict_httponly_cookie_and_leaves_the_address() {
    let fx = Fx::new().await;
    let login = fx
        .raw(
            "GET",
            &format!("/?token={}", fx.token),
            &[("Host", &fx.host())],
            "",
        )
        .await;
    assert_eq!(login.status, 303, "{login:?}");
    assert_eq!(login.header("location").as_deref(), Some("/"));
    let cookie = login.header("set-cookie").unwrap();
    assert!(
        cookie.starts_with(&format!("ao_dashboard_{}={}", fx.port, fx.token)),
        "{cookie}"
    );
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
    // The redirect stays on this server.
    let away = fx
        .raw(
            "GET",
            &format!("//evil.example/?token={}", fx.token),
            &[("Host", &fx.host())],
            "",
        )
        .await;
    assert_eq!(away.header("location").as_deref(), Some("/"), "{away:?}");
    let page = fx.get("/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("name=\"ao-csrf\""));
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(
        page.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    // The token in a POST's address logs nobody in.
    let post = fx
        .raw(
            "POST",
            &format!("/api/spawn?token={}", fx.token),
            &[("Host", &fx.host()), ("Origin", &fx.origin())],
            "{}",
        )
        .await;
    assert_eq!(post.status, 401);
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(token::token_path(&fx.home))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn a_foreign_host_is_refused_against_dns_rebinding() {
    let fx = Fx::new().await;
    let other_port = format!("127.0.0.1:{}", fx.port.wrapping_add(1));
    let evil = format!("evil.example:{}", fx.port);
    for host in [evil.as_str(), other_port.as_str(), "127.0.0.1", "[::1]"] {
        let resp = fx
            .raw(
                "GET",
                "/api/fleet",
                &[("Host", host), ("Cookie", &fx.cookie)],
                "",
            )
            .await;
        assert_eq!(resp.status, 403, "{host}: {resp:?}");
        assert!(resp.body.contains("answers only to"), "{}", resp.body);
    }
    let none = fx
        .raw("GET", "/api/fleet", &[("Cookie", &fx.cookie)], "")
        .await;
    assert_eq!(none.status, 403, "no Host at all");
    let localhost = format!("localhost:{}", fx.port);
    let ok = fx
        .raw(
            "GET",
            "/api/fleet",
            &[("Host", &localhost), ("Cookie", &fx.cookie)],
            "",
        )
        .await;
    assert_eq!(ok.status, 200, "{ok:?}");
}

#[tokio::test]
async fn a_foreign_origin_is_refused() {
    let fx = Fx::new().await;
    let localhost_origin = format!("http://localhost:{}", fx.port);
    for origin in [
        "http://evil.example",
        "null",
        localhost_origin.as_str(),
        "https://127.0.0.1",
    ] {
        let resp = fx
            .raw(
                "GET",
                "/api/fleet",
                &[
                    ("Host", &fx.host()),
                    ("Cookie", &fx.cookie),
                    ("Origin", origin),
                ],
                "",
            )
            .await;
        assert_eq!(resp.status, 403, "{origin}: {resp:?}");
    }
    let same = fx
        .raw(
            "GET",
            "/api/fleet",
            &[
                ("Host", &fx.host()),
                ("Cookie", &fx.cookie),
                ("Origin", &fx.origin()),
            ],
            "",
        )
        .await;
    assert_eq!(same.status, 200);
}

#[tokio::test]
async fn cross_site_and_token_less_actions_are_refused() {
    let fx = Fx::new().await;
    let csrf = fx.csrf().await;
    let body = r#"{"project":"app","prompt":"x"}"#;
    let base = [
        ("Host", fx.host()),
        ("Cookie", fx.cookie.clone()),
        ("Content-Type", "application/json".to_string()),
    ];
    let with = |extra: &[(&'static str, String)]| {
        let mut h: Vec<(&str, String)> = base.iter().map(|(k, v)| (*k, v.clone())).collect();
        h.extend(extra.iter().cloned());
        h
    };
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("no Origin", with(&[("x-ao-csrf", csrf.clone())])),
        (
            "a foreign Origin",
            with(&[
                ("Origin", "http://evil.example".into()),
                ("x-ao-csrf", csrf.clone()),
            ]),
        ),
        ("no CSRF token", with(&[("Origin", fx.origin())])),
        (
            "a wrong CSRF token",
            with(&[("Origin", fx.origin()), ("x-ao-csrf", "0".repeat(64))]),
        ),
    ];
    for (what, headers) in cases {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let resp = fx.raw("POST", "/api/spawn", &h, body).await;
        assert_eq!(resp.status, 403, "{what}: {resp:?}");
    }
    // A form post from another site (no JSON) gets nowhere either, even with the token right.
    let form = fx
        .raw(
            "POST",
            "/api/spawn",
            &[
                ("Host", &fx.host()),
                ("Cookie", &fx.cookie),
                ("Origin", &fx.origin()),
                ("x-ao-csrf", &csrf),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            "prompt=x",
        )
        .await;
    assert_eq!(form.status, 415, "{form:?}");
    // Actions are POSTs only.
    assert_eq!(fx.get("/api/session/app-1/send").await.status, 405);
    assert!(fx.runtime.running().is_empty(), "nothing was spawned");
    // Right: it reaches the action, which says what is missing.
    let empty = fx.post("/api/spawn", r#"{"project":"app"}"#).await;
    assert_eq!(empty.status, 400);
    assert!(
        empty.body.contains("give an issue reference or a prompt"),
        "{}",
        empty.body
    );
}

#[tokio::test]
async fn what_agents_print_reaches_the_page_as_data_never_markup() {
    let fx = Fx::new().await;
    let id = fx.spawn_worker().await;
    fx.wait_screen(&id, "READY").await;
    let page = fx.get(&format!("/session/{id}")).await;
    assert_eq!(page.status, 200, "{page:?}");
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(!page.body.contains("<img src=x"), "{}", page.body);
    assert!(
        !page.body.contains("<b>App"),
        "the project's name is data too"
    );
    assert!(
        page.body
            .contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"),
        "{}",
        page.body
    );
    // The JSON the page reads says exactly what the agent printed.
    let data: serde_json::Value =
        serde_json::from_str(&fx.get(&format!("/api/session/{id}")).await.body).unwrap();
    assert!(
        data["screen"]
            .as_str()
            .unwrap()
            .contains("<script>alert(1)</script>")
    );
    // The script never turns text into markup.
    let js = fx.get("/assets/app.js").await.body;
    assert!(
        !js.contains("innerHTML")
            && !js.contains("outerHTML")
            && !js.contains("insertAdjacentHTML")
            && !js.contains("document.write")
    );
}

#[tokio::test]
async fn the_fleet_page_shows_projects_with_orchestrators_apart() {
    let fx = Fx::new().await;
    let id = fx.spawn_worker().await;
    let fleet: serde_json::Value = serde_json::from_str(&fx.get("/api/fleet").await.body).unwrap();
    let project = &fleet["projects"][0];
    assert_eq!(project["id"], "app");
    assert_eq!(project["name"], "The <b>App</b>");
    assert_eq!(project["orchestrators"], serde_json::json!([]));
    assert_eq!(project["workers"][0]["id"], id.as_str());
    assert_eq!(project["workers"][0]["role"], "worker");
    let page = fx.get("/").await.body;
    assert!(
        page.contains(&format!("\"id\":\"{id}\"")),
        "the first look is in the page"
    );
}

#[tokio::test]
async fn the_stream_pushes_looks_and_event_lines() {
    let fx = Fx::new().await;
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", fx.port))
        .await
        .unwrap();
    let req = format!(
        "GET /api/stream HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\n\r\n",
        fx.host(),
        fx.cookie
    );
    conn.write_all(req.as_bytes()).await.unwrap();
    let mut seen = String::new();
    let mut read_until = async |needle: &str, seen: &mut String| {
        let start = Instant::now();
        let mut buf = [0u8; 8192];
        while !seen.contains(needle) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{needle} never came: {seen}"
            );
            if let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_millis(500), conn.read(&mut buf)).await
            {
                assert!(n > 0, "the stream closed: {seen}");
                seen.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }
    };
    read_until("event: fleet", &mut seen).await;
    assert!(seen.contains("text/event-stream"));
    // A new session shows up with the next look (an action asks for one at once).
    let id = fx.spawn_worker().await;
    read_until(&format!("\"id\":\"{id}\""), &mut seen).await;
    // A tick publishes the fleet again: a look follows.
    let before = seen.matches("event: fleet").count();
    fx.runtime.exit(&id, Some(3));
    let fleet = fx.feed.subscribe().borrow().fleet.clone().unwrap();
    fx.feed.publish(fleet);
    let start = Instant::now();
    while seen.matches("event: fleet").count() == before {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no new look: {seen}"
        );
        let mut more = String::new();
        read_until("event: fleet", &mut more).await;
        seen.push_str(&more);
    }
    // An event line written by anyone reaches the stream.
    let log = ao_core::lifecycle::EventLog::new(fx.home.event_log());
    log.append(&[ao_core::lifecycle::EventEntry {
        ts: ao_core::domain::Timestamp::now(),
        project_id: ao_core::domain::ProjectId::new("app").unwrap(),
        session_id: Some(ao_core::domain::SessionId::new(&id).unwrap()),
        role: Some(ao_core::Role::Worker),
        kind: "session.state".into(),
        from: Some(ao_core::domain::DisplayStatus::Working),
        to: Some(ao_core::domain::DisplayStatus::PrOpen),
        detail: serde_json::json!({"pr": 7}),
    }])
    .unwrap();
    let mut rest = String::new();
    read_until("event: event", &mut rest).await;
    read_until("\"to\":\"pr_open\"", &mut rest).await;
}

#[tokio::test]
async fn actions_send_kill_with_its_refusal_and_rescue_and_restore() {
    let fx = Fx::new().await;
    let id = fx.spawn_worker().await;
    fx.wait_screen(&id, "READY").await;
    let sent = fx
        .post(
            &format!("/api/session/{id}/send"),
            r#"{"message":"please rebase <now>"}"#,
        )
        .await;
    assert_eq!(sent.status, 200, "{sent:?}");
    assert!(
        fx.runtime
            .sent(&id)
            .concat()
            .contains("please rebase <now>")
    );
    let empty = fx
        .post(&format!("/api/session/{id}/send"), r#"{"message":"  "}"#)
        .await;
    assert_eq!(empty.status, 400, "{empty:?}");

    fx.workspace.set_unsaved(
        &id,
        UnsavedWork {
            files: vec!["src/lib.rs".into()],
            commits: vec!["abc123 wip".into()],
        },
    );
    let refused = fx.post(&format!("/api/session/{id}/kill"), "{}").await;
    assert_eq!(refused.status, 409, "{refused:?}");
    let json: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
    assert_eq!(json["kind"], "unsaved_work");
    assert_eq!(json["files"], serde_json::json!(["src/lib.rs"]));
    assert!(json["hint"].as_str().unwrap().contains("rescue"), "{json}");
    assert!(fx.runtime.running().contains(&id), "nothing was changed");

    let kept = fx
        .post(&format!("/api/session/{id}/kill"), r#"{"mode":"keep"}"#)
        .await;
    assert_eq!(kept.status, 200, "{kept:?}");
    assert!(kept.body.contains("kept"), "{}", kept.body);
    let restored = fx.post(&format!("/api/session/{id}/restore"), "{}").await;
    assert_eq!(restored.status, 200, "{restored:?}");
    fx.wait_screen(&id, "READY").await;
    let forced = fx
        .post(&format!("/api/session/{id}/kill"), r#"{"mode":"force"}"#)
        .await;
    assert_eq!(forced.status, 200, "{forced:?}");
    assert!(forced.body.contains("rescue"), "{}", forced.body);
    assert_eq!(fx.workspace.rescued(&id).len(), 1);
    let bad = fx
        .post(&format!("/api/session/{id}/kill"), r#"{"mode":"nuke"}"#)
        .await;
    assert_eq!(bad.status, 400);
    let unknown = fx.post("/api/session/zz-9/restore", "{}").await;
    assert_eq!(unknown.status, 404, "{unknown:?}");
    // Merging needs a mergeable pull request.
    let id2 = fx.spawn_worker().await;
    let merge = fx.post(&format!("/api/session/{id2}/merge"), "{}").await;
    assert_eq!(merge.status, 409, "{merge:?}");
    assert!(merge.body.contains("no pull request"), "{}", merge.body);
    let _ = Path::new(fx.tmp.path());
}

#[tokio::test]
async fn a_worker_is_spawned_from_an_issue_reference_and_a_missing_one_is_named() {
    let fx = Fx::new().await;
    let resp = fx
        .post("/api/spawn", r#"{"project":"app","issue":"7"}"#)
        .await;
    assert_eq!(resp.status, 200, "{resp:?}");
    let json: serde_json::Value = serde_json::from_str(&resp.body).unwrap();
    let id = json["id"].as_str().unwrap().to_string();
    assert!(
        json["text"].as_str().unwrap().contains("issue-7"),
        "the worker's branch names the issue: {json}"
    );
    // The page lists it with its issue.
    let fleet = fx.get("/api/fleet").await;
    assert_eq!(fleet.status, 200, "{fleet:?}");
    assert!(
        fleet.body.contains(&id) && fleet.body.contains("tracker.example/7"),
        "{}",
        fleet.body
    );
    // A second worker on the same issue is refused, as `ao spawn` refuses it.
    let again = fx
        .post("/api/spawn", r#"{"project":"app","issue":"7"}"#)
        .await;
    assert_eq!(again.status, 409, "{again:?}");
    assert!(again.body.contains(&id), "{}", again.body);
    // An issue the tracker does not have: not found, naming it.
    let missing = fx
        .post("/api/spawn", r#"{"project":"app","issue":"99"}"#)
        .await;
    assert_eq!(missing.status, 404, "{missing:?}");
    assert!(missing.body.contains("99"), "{}", missing.body);
}
