//! The dashboard the daemon serves, end to end: `ao dashboard` starts the daemon and prints
//! the address that logs in; a port already taken is a clear error while the ticks go on;
//! and, in headless Chromium over WebDriver, a fleet of an orchestrator and two workers with a
//! red and a green pull request on the fake GitHub — what is shown, a message sent from the
//! page arriving in the worker, a state change arriving without a reload, a screenshot.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use ao_trackers::fake::{CheckConclusion, CheckRun, FakeGitHub, PullRequest, Review, ReviewState};
use fantoccini::{ClientBuilder, Locator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::sessions::{Env, env};
use crate::{stderr, stdout};

const TOKEN: &str = "ghp_aoDashboardTestSecret0123456789ab";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The env's project on `acme/app`, polled every second, its dashboard on `port`.
fn configure(e: &Env, port: u16) {
    let path = e.dir().join("agent-orchestrator.yaml");
    let cfg = std::fs::read_to_string(&path).unwrap();
    let cfg = cfg.replace(
        "    sessionPrefix: app\n",
        "    sessionPrefix: app\n    repo: acme/app\n",
    );
    std::fs::write(
        &path,
        format!("port: {port}\nlifecycle:\n  pollIntervalMs: 1000\n{cfg}"),
    )
    .unwrap();
}

fn ao_gh(e: &Env, gh: &FakeGitHub, args: &[&str]) -> Output {
    e.cmd(args)
        .envs(gh.env())
        .env("GITHUB_TOKEN", TOKEN)
        // `ao dashboard` starts the daemon itself.
        .env("AO_DAEMON_AUTOSTART", "1")
        // On the port the config names.
        .env_remove("AO_DASHBOARD_PORT")
        .output()
        .unwrap()
}

fn ok(e: &Env, gh: &FakeGitHub, args: &[&str]) -> String {
    let out = ao_gh(e, gh, args);
    assert_eq!(out.status.code(), Some(0), "ao {args:?}: {}", stderr(&out));
    stdout(&out)
}

fn daemon_log(e: &Env) -> String {
    std::fs::read_to_string(e.dir().join("ao-home/daemon/daemon.log")).unwrap_or_default()
}

/// A GET over loopback exactly as written; the status line and the rest.
async fn get(port: u16, path: &str, headers: &str) -> String {
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{headers}\r\n"
    );
    conn.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    conn.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn ao_dashboard_starts_the_daemon_and_prints_the_address_that_logs_in() {
    let gh = FakeGitHub::start();
    let e = env();
    let port = free_port();
    configure(&e, port);
    ok(&e, &gh, &["project", "add", "agent-orchestrator.yaml"]);
    // Told not to start the daemon, it says how to.
    let refused = e.ao(&["dashboard", "--no-open"]);
    assert_eq!(refused.status.code(), Some(6), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("ao daemon start"),
        "{}",
        stderr(&refused)
    );
    let url = ok(&e, &gh, &["dashboard", "--no-open"]);
    let url = url.trim();
    let token = std::fs::read_to_string(e.dir().join("ao-home/daemon/dashboard.token")).unwrap();
    assert_eq!(
        url,
        format!("http://127.0.0.1:{port}/?token={}", token.trim())
    );
    let login = get(port, &format!("/?token={}", token.trim()), "").await;
    assert!(login.starts_with("HTTP/1.1 303"), "{login}");
    assert!(get(port, "/", "").await.starts_with("HTTP/1.1 401"));
    // A second call finds the running daemon and says the same.
    assert_eq!(ok(&e, &gh, &["dashboard", "--no-open"]).trim(), url);
    ok(&e, &gh, &["daemon", "stop"]);
}

#[tokio::test]
async fn a_taken_port_is_a_clear_error_and_the_daemon_ticks_on() {
    let gh = FakeGitHub::start();
    let e = env();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    configure(&e, port);
    ok(&e, &gh, &["project", "add", "agent-orchestrator.yaml"]);
    let out = ao_gh(&e, &gh, &["dashboard", "--no-open"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(err.contains("port"), "{err}");
    assert!(
        daemon_log(&e).contains("cannot listen"),
        "{}",
        daemon_log(&e)
    );
    // The ticks go on.
    ok(&e, &gh, &["spawn", "--prompt", "x"]);
    let start = Instant::now();
    while !ok(&e, &gh, &["events", "--json", "--session", "app-1"]).contains("\"to\":\"working\"") {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no tick: {}",
            daemon_log(&e)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    ok(&e, &gh, &["daemon", "stop"]);
    drop(taken);
}

/// Chromium and its WebDriver, when installed (`.ci/run` installs them).
fn browser() -> Option<(PathBuf, PathBuf)> {
    let find = |names: &[&str]| {
        names.iter().find_map(|n| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join(n))
                    .find(|p| p.is_file())
            })
        })
    };
    Some((
        find(&["chromium", "chromium-browser"])?,
        find(&["chromedriver"])?,
    ))
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_text(client: &fantoccini::Client, css: &str, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let text = match client.find(Locator::Css(css)).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(needle) {
            return text;
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "{needle:?} never in {css}: {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn attr(client: &fantoccini::Client, css: &str, name: &str) -> Option<String> {
    client
        .find(Locator::Css(css))
        .await
        .ok()?
        .attr(name)
        .await
        .ok()?
}

#[tokio::test]
async fn the_dashboard_in_a_real_browser() {
    let Some((chromium, chromedriver)) = browser() else {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "CI must run the browser test: install chromium and chromium-driver"
        );
        eprintln!("note: skipped the browser test: chromium or chromedriver is not installed");
        return;
    };
    let gh = FakeGitHub::start();
    let e = env();
    let port = free_port();
    configure(&e, port);
    ok(&e, &gh, &["start"]);
    ok(&e, &gh, &["spawn", "--prompt", "fix the login test"]);
    ok(&e, &gh, &["spawn", "--prompt", "document the API"]);
    // app-1's pull request is red, app-2's approved and green.
    let red = gh.add_pull(
        "acme/app",
        PullRequest::new("Fix the login test", "session/app-1"),
    );
    let red_sha = gh.pull("acme/app", red).unwrap().head_sha;
    gh.add_check_run(
        "acme/app",
        &red_sha,
        CheckRun::completed("unit-tests", CheckConclusion::Failure),
    );
    let green = gh.add_pull(
        "acme/app",
        PullRequest::new("Document the API", "session/app-2"),
    );
    let green_sha = gh.pull("acme/app", green).unwrap().head_sha;
    gh.add_check_run(
        "acme/app",
        &green_sha,
        CheckRun::completed("unit-tests", CheckConclusion::Success),
    );
    gh.add_review("acme/app", green, Review::new("bob", ReviewState::Approved));
    let url = ok(&e, &gh, &["dashboard", "--no-open"]).trim().to_string();

    let driver_port = free_port();
    let _driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = e.dir().join("chromium-profile");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1500,950",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let start = Instant::now();
    let client = loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
        {
            Ok(c) => break c,
            Err(err) => {
                assert!(
                    start.elapsed() < Duration::from_secs(20),
                    "chromedriver: {err}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    // A failure leaves the daemon to stop itself once the test's AO_HOME is removed.
    scenario(&client, &e, &gh, &url, (red, green)).await;
    let _ = client.close().await;
    ok(&e, &gh, &["daemon", "stop"]);
}

async fn scenario(
    client: &fantoccini::Client,
    e: &Env,
    gh: &FakeGitHub,
    url: &str,
    (red, green): (u64, u64),
) {
    client.goto(url).await.unwrap();
    // The token left the address.
    let now = client.current_url().await.unwrap();
    assert!(!now.as_str().contains("token"), "{now}");
    wait_text(client, "#live", "live").await;

    // The orchestrator on top, labelled, without PR columns.
    let orch = wait_text(
        client,
        "tr[data-session='app-orchestrator']",
        "orchestrator",
    )
    .await;
    assert!(orch.contains("command"), "{orch}");
    let orch_headers = client
        .find(Locator::Css(
            "section[data-project='app'] table:first-of-type thead",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .to_lowercase();
    assert!(
        orch_headers.starts_with("orchestrator") && !orch_headers.contains("pr"),
        "{orch_headers}"
    );
    // The red one: failing, its failed check linked; the green one: approved and passing.
    let row1 = wait_text(client, "tr[data-session='app-1']", "failing").await;
    assert!(
        row1.contains("ci failed") && row1.contains(&format!("#{red}")),
        "{row1}"
    );
    assert!(
        row1.contains("unit-tests"),
        "the failed check is named: {row1}"
    );
    let check_link = attr(client, "tr[data-session='app-1'] a.check", "href").await;
    assert!(
        check_link.is_some_and(|h| h.starts_with("http")),
        "the failed check is linked"
    );
    let row2 = wait_text(client, "tr[data-session='app-2']", "mergeable").await;
    assert!(
        row2.contains("passing") && row2.contains("approved"),
        "{row2}"
    );
    assert_eq!(
        attr(client, "tr[data-session='app-2']", "data-status")
            .await
            .as_deref(),
        Some("mergeable")
    );
    // The events feed has the fleet's transitions.
    wait_text(client, "#feed", "ci failed").await;
    let shot = client.screenshot().await.unwrap();
    save_screenshot(&shot, e.dir());

    // A state change arrives without a reload: the agent pushes a fix whose check passes
    // (a second later: the fake's list ETag is its whole-second `updated_at`).
    client
        .execute("window.__aoNoReload = 42; return null;", vec![])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let fix = "2222222222222222222222222222222222222222";
    gh.add_check_run(
        "acme/app",
        fix,
        CheckRun::completed("unit-tests", CheckConclusion::Success),
    );
    gh.update_pull("acme/app", red, |p| fix.clone_into(&mut p.head_sha));
    let start = Instant::now();
    loop {
        let status = attr(client, "tr[data-session='app-1']", "data-status").await;
        if status.as_deref().is_some_and(|s| s != "ci_failed") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "app-1 stayed {status:?}\n{}",
            daemon_log(e)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let marker = client
        .execute("return window.__aoNoReload;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, serde_json::json!(42), "the page was not reloaded");

    // The session page: its screen, then a message sent from the page arrives in the worker.
    client
        .find(Locator::Css("tr[data-session='app-1'] a.sid"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(client, "#screen", "READY app-1").await;
    wait_text(client, "#details", "Fix the login test").await;
    let message = "please rebase on main <b>now</b>";
    client
        .find(Locator::Css("#message"))
        .await
        .unwrap()
        .send_keys(message)
        .await
        .unwrap();
    client
        .find(Locator::Css("#send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(client, "#action-result", "delivered to app-1").await;
    let received = e.dir().join("out/app-1.bin");
    let start = Instant::now();
    while !std::fs::read_to_string(&received).is_ok_and(|t| t.contains(message)) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the message never arrived"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // The green pull request is merged from its worker's page.
    let base = url.split("/?token").next().unwrap();
    client.goto(&format!("{base}/session/app-2")).await.unwrap();
    wait_text(client, "#details", "Document the API").await;
    let start = Instant::now();
    while attr(client, "#merge", "disabled").await.is_some() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "merge stays disabled"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    client
        .find(Locator::Css("#merge"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(
        client,
        "#action-result",
        &format!("merged pull request #{green}"),
    )
    .await;
    assert!(gh.pull("acme/app", green).unwrap().merged_at.is_some());
}

/// Keeps the screenshot with the test's files, and where `AO_DASHBOARD_SCREENSHOT` says
/// (how `docs/dashboard.png` is made).
fn save_screenshot(png: &[u8], dir: &Path) {
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    assert!(png.len() > 10_000, "a real picture: {} bytes", png.len());
    std::fs::write(dir.join("dashboard.png"), png).unwrap();
    if let Some(path) = std::env::var_os("AO_DASHBOARD_SCREENSHOT") {
        std::fs::write(path, png).unwrap();
    }
}
