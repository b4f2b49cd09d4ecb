//! The notifiers against loopback HTTP servers: exact payloads, retries, timeouts, routing
//! with fall-through, delivery once per notifier across restarts, and secrets that appear in
//! no event, log line or error.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ao_core::config;
use ao_core::domain::{Priority, ProjectId, Role, SessionId, Timestamp};
use ao_core::fleet::Fleet;
use ao_core::home::AoHome;
use ao_core::lifecycle::{Dispatcher, EventEntry, EventFilter, EventLog, NOTIFY_REQUESTED};
use ao_core::notifiers::{
    DeliveryPolicy, DesktopNotifier, DiscordNotifier, SlackNotifier, WebhookNotifier, deliver,
};
use ao_core::orchestrator::Options;
use ao_core::plugin::conformance::{notifier as conformance, sample_notification};
use ao_core::plugin::{Delivered, Notifier, Registry};
use ao_core::store::{FileStore, Store};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET_PATH: &str = "/hook/T0SECRET-path-8f3a";
const SECRET_TOKEN: &str = "tok-secret-4711";

/// A quick policy for tests: short timeout, short backoff.
fn quick() -> DeliveryPolicy {
    DeliveryPolicy {
        timeout: Duration::from_millis(500),
        attempts: 3,
        backoff: Duration::from_millis(10),
    }
}

struct Fx {
    tmp: tempfile::TempDir,
    home: AoHome,
    env: HashMap<String, String>,
}

impl Fx {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        Self {
            home: AoHome::new(tmp.path().join("ao-home")),
            tmp,
            env: HashMap::new(),
        }
    }

    /// A fleet of one project `app` whose config ends with `notify` (notifiers and routing).
    fn fleet(&self, notify: &str) -> Fleet {
        let repo = self.tmp.path().join("app");
        std::fs::create_dir_all(&repo).unwrap();
        let file = self.tmp.path().join("app.yaml");
        std::fs::write(
            &file,
            format!(
                "projects:\n  app:\n    path: {}\n    sessionPrefix: app\n    agent: command\n    agentConfig: {{command: [cat], promptVia: none}}\n{notify}",
                repo.display()
            ),
        )
        .unwrap();
        let registry = Registry::builtin();
        let env = self.env.clone();
        let cfg = config::load_str(
            &file,
            &std::fs::read_to_string(&file).unwrap(),
            &registry.known_names(),
            &move |k| env.get(k).cloned(),
        )
        .unwrap();
        let store: Arc<dyn Store> = Arc::new(FileStore::new(self.home.clone()));
        Fleet::load(registry, store, Options::new(self.home.clone()), Some(cfg)).unwrap()
    }

    fn log(&self) -> EventLog {
        EventLog::new(self.home.event_log())
    }

    fn daemon_log(&self) -> EventLog {
        EventLog::new(self.home.daemon_dir().join("daemon.log"))
    }

    fn dispatcher(&self) -> Dispatcher {
        let env = self.env.clone();
        Dispatcher::new(&self.home, self.log(), Some(self.daemon_log()))
            .with_policy(quick())
            .with_env(move |k| env.get(k).cloned())
    }

    /// What a tick logs when a reaction asks for a notification, logged as the tick would.
    fn requested(&self, priority: Priority, text: &str) -> EventEntry {
        let entry = EventEntry {
            ts: Timestamp::now(),
            project_id: ProjectId::new("app").unwrap(),
            session_id: Some(SessionId::new("app-1").unwrap()),
            role: Some(Role::Worker),
            kind: NOTIFY_REQUESTED.to_string(),
            from: None,
            to: None,
            detail: json!({"reaction": "ci-failed", "priority": priority, "escalation": true, "text": text}),
        };
        self.log().append(std::slice::from_ref(&entry)).unwrap();
        entry
    }

    /// The `notify.*` outcomes logged so far, as (kind, notifier, detail).
    fn outcomes(&self) -> Vec<(String, String, Value)> {
        self.log()
            .read(&EventFilter::default())
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == "notify.sent" || e.kind == "notify.failed")
            .map(|e| {
                (
                    e.kind,
                    e.detail["notifier"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    e.detail,
                )
            })
            .collect()
    }

    /// Everything written under AO_HOME (events, daemon log, ledger), as one text.
    fn everything_written(&self) -> String {
        let mut text = String::new();
        for path in [
            self.home.event_log(),
            self.home.daemon_dir().join("daemon.log"),
            self.home.daemon_dir().join("notified.ndjson"),
        ] {
            text.push_str(&std::fs::read_to_string(path).unwrap_or_default());
        }
        text
    }
}

async fn wait_all(tasks: Vec<tokio::task::JoinHandle<()>>) {
    for t in tasks {
        t.await.unwrap();
    }
}

async fn server_answering(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn the_webhook_posts_the_event_as_ao_events_prints_it_with_headers_from_variables() {
    let server = server_answering(200).await;
    let mut fx = Fx::new();
    fx.env
        .insert("HOOK_URL".into(), format!("{}{SECRET_PATH}", server.uri()));
    fx.env.insert("HOOK_TOKEN".into(), SECRET_TOKEN.into());
    let fleet = fx.fleet(
        "notifiers:\n  hook:\n    plugin: webhook\n    url: ${HOOK_URL}\n    headers: {X-Ao-Token: '${HOOK_TOKEN}'}\nnotificationRouting:\n  urgent: [hook]\n",
    );
    let entry = fx.requested(
        Priority::Urgent,
        "CI failed\n- unit-tests: https://ci.example/run/1",
    );
    wait_all(
        fx.dispatcher()
            .dispatch(&fleet, std::slice::from_ref(&entry)),
    )
    .await;

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.path(), SECRET_PATH);
    assert_eq!(requests[0].headers["x-ao-token"], SECRET_TOKEN);
    assert_eq!(requests[0].headers["content-type"], "application/json");
    // Exactly the line `ao events --json` prints for the request.
    let printed: Value = serde_json::to_value(&entry).unwrap();
    assert_eq!(bodies(&server).await, vec![printed]);

    let outcomes = fx.outcomes();
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert_eq!(outcomes[0].0, "notify.sent");
    assert_eq!(outcomes[0].1, "hook");
    assert_eq!(outcomes[0].2["attempts"], 1);
    let written = fx.everything_written();
    assert!(written.contains("notify: hook delivered"), "{written}");
    assert!(!written.contains("T0SECRET"), "{written}");
    assert!(!written.contains(SECRET_TOKEN), "{written}");
}

#[tokio::test]
async fn slack_gets_a_readable_message_with_links_and_escaped_text() {
    let server = server_answering(200).await;
    let slack = SlackNotifier::from_settings(
        "team",
        &json!({"webhookUrl": format!("{}/services/T/B/X", server.uri()), "channel": "#ops"}),
    )
    .unwrap();
    assert_eq!(
        slack.notify(&sample_notification()).await.unwrap(),
        Delivered::Sent
    );
    let mut hostile = sample_notification();
    hostile.message = "<!channel> & <https://evil|click>".into();
    hostile.links.clear();
    slack.notify(&hostile).await.unwrap();
    assert_eq!(
        bodies(&server).await,
        vec![
            json!({
                "text": ":rotating_light: *ci-failed on app-1 needs a person* (urgent)\nsession app-1 · project app\n\nCI failed on your pull request.\n- unit-tests: https://ci.example/run/1\n\n<https://github.com/acme/app/pull/7|PR #7>",
                "channel": "#ops",
            }),
            json!({
                "text": ":rotating_light: *ci-failed on app-1 needs a person* (urgent)\nsession app-1 · project app\n\n&lt;!channel&gt; &amp; &lt;https://evil|click&gt;",
                "channel": "#ops",
            }),
        ]
    );
}

#[tokio::test]
async fn discord_gets_the_same_content_as_an_embed_with_mentions_off() {
    let server = server_answering(204).await;
    let discord = DiscordNotifier::from_settings(
        "chat",
        &json!({"webhook": format!("{}/api/webhooks/1/tok", server.uri())}),
    )
    .unwrap();
    assert_eq!(
        discord.notify(&sample_notification()).await.unwrap(),
        Delivered::Sent
    );
    assert_eq!(
        bodies(&server).await,
        vec![json!({
            "content": "**ci-failed on app-1 needs a person** (urgent)",
            "embeds": [{
                "title": "ci-failed on app-1 needs a person",
                "description": "CI failed on your pull request.\n- unit-tests: https://ci.example/run/1\n\n[PR #7](https://github.com/acme/app/pull/7)",
                "url": "https://github.com/acme/app/pull/7",
                "color": 0x00d0_3030,
                "fields": [
                    {"name": "Project", "value": "app", "inline": true},
                    {"name": "Session", "value": "app-1", "inline": true},
                    {"name": "Priority", "value": "urgent", "inline": true},
                ],
                "timestamp": "2026-01-02T03:04:05Z",
            }],
            "allowed_mentions": {"parse": []},
        })]
    );
}

#[tokio::test]
async fn the_http_notifiers_pass_the_conformance_suite_delivering_and_refusing() {
    let ok = server_answering(200).await;
    let refused = server_answering(404).await;
    for (server, delivers) in [(&ok, true), (&refused, false)] {
        let url = format!("{}{SECRET_PATH}", server.uri());
        let notifiers: Vec<Arc<dyn Notifier>> = vec![
            Arc::new(WebhookNotifier::from_settings("w", &json!({"url": url})).unwrap()),
            Arc::new(SlackNotifier::from_settings("s", &json!({"webhook": url})).unwrap()),
            Arc::new(DiscordNotifier::from_settings("d", &json!({"url": url})).unwrap()),
        ];
        for n in notifiers {
            conformance(n, delivers, &[SECRET_PATH, "T0SECRET"]).await;
        }
    }
    // Nothing listens here: refused, without the address in the error.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}{SECRET_PATH}", closed.local_addr().unwrap());
    drop(closed);
    let n = Arc::new(WebhookNotifier::from_settings("w", &json!({"url": url})).unwrap());
    conformance(n, false, &[SECRET_PATH]).await;
}

#[tokio::test]
async fn the_desktop_notifier_runs_notify_send_and_only_notes_when_headless() {
    let tmp = tempfile::tempdir().unwrap();
    let args = tmp.path().join("args");
    let program = tmp.path().join("notify-send");
    std::fs::write(
        &program,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s|' \"$a\"; done >> {}\n",
            args.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &program,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let desktop = Arc::new(DesktopNotifier::with_notify_send("desk", &program));
    let n = sample_notification();
    assert_eq!(desktop.notify(&n).await.unwrap(), Delivered::Sent);
    let seen = std::fs::read_to_string(&args).unwrap();
    assert!(
        seen.starts_with("--app-name=ao|--urgency=critical|--|ao: ci-failed on app-1 needs a person|session app-1 · project app\nCI failed"),
        "{seen}"
    );
    conformance(desktop, true, &[]).await;

    let headless = DesktopNotifier::headless("desk");
    assert!(matches!(
        headless.notify(&n).await.unwrap(),
        Delivered::Noted(_)
    ));
    conformance(Arc::new(headless), true, &[]).await;

    // A program that fails is a failed delivery.
    let failing = Arc::new(DesktopNotifier::with_notify_send("desk", "/bin/false"));
    conformance(failing, false, &[]).await;
}

#[tokio::test]
async fn a_500_is_retried_then_delivered_and_a_404_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/gone"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let n = sample_notification();
    let flaky =
        WebhookNotifier::from_settings("w", &json!({"url": format!("{}/flaky", server.uri())}))
            .unwrap();
    let done = deliver(&flaky, "w", &n, &quick()).await;
    assert_eq!(done.result.unwrap(), Delivered::Sent);
    assert_eq!(done.attempts, 2);

    let gone =
        WebhookNotifier::from_settings("w", &json!({"url": format!("{}/gone", server.uri())}))
            .unwrap();
    let done = deliver(&gone, "w", &n, &quick()).await;
    assert_eq!(done.attempts, 1);
    let err = done.result.unwrap_err();
    assert!(!err.is_transient());
    assert!(err.to_string().contains("answered 404"), "{err}");
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(paths, ["/flaky", "/flaky", "/gone"]);
}

#[tokio::test]
async fn a_timeout_is_retried_a_bounded_number_of_times_then_reported_without_the_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let url = format!("{}{SECRET_PATH}", server.uri());
    let slow = WebhookNotifier::from_settings("w", &json!({"url": url})).unwrap();
    let policy = DeliveryPolicy {
        timeout: Duration::from_millis(200),
        attempts: 2,
        backoff: Duration::from_millis(10),
    };
    let done = deliver(&slow, "w", &sample_notification(), &policy).await;
    assert_eq!(done.attempts, 2);
    let err = done.result.unwrap_err();
    assert!(err.is_transient());
    assert_eq!(err.to_string(), "w: delivery failed: timed out after 200ms");
}

#[tokio::test]
async fn dispatch_returns_before_a_slow_notifier_answers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let mut fx = Fx::new();
    fx.env
        .insert("HOOK_URL".into(), format!("{}/slow", server.uri()));
    let fleet = fx.fleet("notifiers:\n  hook: {plugin: webhook, url: '${HOOK_URL}'}\ndefaults:\n  notifiers: [hook]\n");
    let entry = fx.requested(Priority::Warning, "stuck");
    let dispatcher = fx.dispatcher().with_policy(DeliveryPolicy {
        timeout: Duration::from_secs(10),
        ..quick()
    });
    let tasks = dispatcher.dispatch(&fleet, &[entry]);
    // The tick that dispatched goes on while the notifier has not answered yet.
    assert!(fx.outcomes().is_empty());
    assert_eq!(tasks.len(), 1);
    wait_all(tasks).await;
    assert_eq!(fx.outcomes()[0].0, "notify.sent");
}

#[tokio::test]
async fn a_notification_reaches_each_notifier_once_across_restarts() {
    let server = server_answering(200).await;
    let mut fx = Fx::new();
    fx.env
        .insert("HOOK_URL".into(), format!("{}/once", server.uri()));
    let fleet = fx.fleet("notifiers:\n  hook: {plugin: webhook, url: '${HOOK_URL}'}\nnotificationRouting:\n  action: [hook, hook]\n");
    let first = fx.requested(Priority::Action, "ready to merge");
    let d = fx.dispatcher();
    wait_all(d.dispatch(&fleet, std::slice::from_ref(&first))).await;
    // The same request again (a tick repeating itself) and after a restart: not sent again.
    wait_all(d.dispatch(&fleet, std::slice::from_ref(&first))).await;
    wait_all(
        fx.dispatcher()
            .dispatch(&fleet, std::slice::from_ref(&first)),
    )
    .await;
    assert_eq!(bodies(&server).await.len(), 1);

    // A request logged but not delivered (the daemon stopped first): the restarted daemon's
    // first dispatch takes it up, once.
    let second = fx.requested(Priority::Action, "another one");
    wait_all(fx.dispatcher().dispatch(&fleet, &[])).await;
    wait_all(fx.dispatcher().dispatch(&fleet, &[second])).await;
    let got = bodies(&server).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1]["detail"]["text"], "another one");
}

#[tokio::test]
async fn without_a_running_orchestrator_the_route_falls_through_and_bad_settings_fail_alone() {
    let server = server_answering(200).await;
    let mut fx = Fx::new();
    fx.env
        .insert("HOOK_URL".into(), format!("{}/after", server.uri()));
    let fleet = fx.fleet(
        "notifiers:\n  hook: {plugin: webhook, url: '${HOOK_URL}'}\n  broken: {plugin: slack, webhook: '${NOT_SET_URL}'}\nnotificationRouting:\n  urgent: [orchestrator, broken, hook]\n",
    );
    let entry = fx.requested(Priority::Urgent, "stuck for 10m");
    wait_all(fx.dispatcher().dispatch(&fleet, &[entry])).await;
    let outcomes = fx.outcomes();
    let summary: Vec<(&str, &str)> = outcomes
        .iter()
        .map(|(k, n, _)| (k.as_str(), n.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("notify.failed", "orchestrator"),
            ("notify.failed", "broken"),
            ("notify.sent", "hook")
        ]
    );
    assert_eq!(
        outcomes[0].2["reason"],
        "orchestrator: delivery failed: no orchestrator session exists for project app"
    );
    let reason = outcomes[1].2["reason"].as_str().unwrap();
    assert!(
        reason.contains("NOT_SET_URL") && reason.contains("notifiers.broken.webhook"),
        "{reason}"
    );
    assert_eq!(bodies(&server).await.len(), 1);
}
