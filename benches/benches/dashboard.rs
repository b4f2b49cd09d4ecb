//! The dashboard over 200 sessions: the first render of the fleet page (a real GET over
//! loopback: the guard, one look at 200 stored sessions, the JSON and the HTML), and the size
//! of the Server-Sent Events update a tick pushes to every open browser.

use std::sync::Arc;

use ao_core::config::{self, KnownNames};
use ao_core::domain::{ProjectId, Role, SessionId, Timestamp};
use ao_core::fleet::Fleet;
use ao_core::home::AoHome;
use ao_core::lifecycle::daemon::DaemonFeed;
use ao_core::orchestrator::{Options, SessionFilter};
use ao_core::plugin::{FakeRuntime, Registry, Runtime};
use ao_core::store::{FileStore, SessionRecord, Store};
use ao_web::{Dashboard, FleetDoc, ProjectInfo, sse_frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn main() {
    divan::main();
}

const SESSIONS: u64 = 200;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A fleet of one project with an orchestrator and 199 workers, stored on disk.
fn fleet(tmp: &std::path::Path, tokio: &tokio::runtime::Runtime) -> (AoHome, Fleet) {
    let home = AoHome::new(tmp.join("home"));
    let file = tmp.join("agent-orchestrator.yaml");
    std::fs::write(
        &file,
        format!(
            "projects:\n  app:\n    path: {}\n    repo: acme/app\n",
            tmp.display()
        ),
    )
    .expect("config");
    let mut registry = Registry::builtin();
    let runtime = Arc::new(FakeRuntime::named("tmux"));
    registry.register_runtime("tmux", move |_| Ok(runtime.clone() as Arc<dyn Runtime>));
    let cfg = config::load(&file, &KnownNames::builtin()).expect("config");
    let store = Arc::new(FileStore::new(home.clone()));
    let project = ProjectId::new("app").expect("id");
    tokio.block_on(async {
        for n in 1..=SESSIONS {
            let (id, role) = if n == 1 {
                (
                    SessionId::new("app-orchestrator").expect("id"),
                    Role::Orchestrator,
                )
            } else {
                (SessionId::worker("app", n).expect("id"), Role::Worker)
            };
            let mut r = SessionRecord::new(id.clone(), project.clone(), role, "claude-code");
            if role == Role::Worker {
                r.branch = Some(format!("session/{id}"));
            }
            store.create(r).await.expect("stored");
        }
    });
    let mut options = Options::new(home.clone());
    options.scope = None;
    let fleet = Fleet::load(registry, store as Arc<dyn Store>, options, Some(cfg)).expect("fleet");
    (home, fleet)
}

#[divan::bench(sample_count = 30)]
fn fleet_page_first_render_200_sessions(bencher: divan::Bencher<'_, '_>) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let tokio = runtime();
    let (home, fleet) = fleet(tmp.path(), &tokio);
    let feed = DaemonFeed::new();
    feed.publish(Arc::new(fleet));
    let (port, token) = tokio.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let token = ao_web::token::random_token();
        let dashboard = Dashboard::new(home, port, token.clone(), feed.subscribe());
        tokio::spawn(ao_web::serve(listener, dashboard));
        (port, token)
    });
    let request = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: ao_dashboard_{port}={token}\r\nConnection: close\r\n\r\n"
    );
    bencher.bench_local(|| {
        tokio.block_on(async {
            let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .expect("connect");
            conn.write_all(request.as_bytes()).await.expect("write");
            let mut page = Vec::new();
            conn.read_to_end(&mut page).await.expect("read");
            assert!(page.starts_with(b"HTTP/1.1 200"), "the page is served");
            page.len()
        })
    });
}

#[divan::bench(sample_count = 30)]
fn sse_update_of_200_sessions(bencher: divan::Bencher<'_, '_>) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let tokio = runtime();
    let (_home, fleet) = fleet(tmp.path(), &tokio);
    let seen = tokio
        .block_on(fleet.observe(&SessionFilter::all()))
        .expect("look");
    let projects = ProjectInfo::of_fleet(&fleet);
    let frame = |at| {
        sse_frame(
            "fleet",
            &FleetDoc::build(&projects, &seen, None, at).to_json(),
        )
    };
    let size = frame(Timestamp::now()).len();
    eprintln!(
        "SSE update for {SESSIONS} sessions: {size} bytes ({} KiB)",
        size / 1024
    );
    bencher
        .counter(divan::counter::BytesCount::new(size))
        .bench_local(|| frame(Timestamp::now()));
}
