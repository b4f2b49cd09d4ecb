//! The server: its shared state, the live feed it pushes, and how the daemon runs it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ao_core::domain::Timestamp;
use ao_core::fleet::Fleet;
use ao_core::home::AoHome;
use ao_core::lifecycle::EventLog;
use ao_core::lifecycle::daemon::{self, FeedState};
use ao_core::orchestrator::SessionFilter;
use tokio::sync::{Notify, broadcast, watch};

use crate::token::{DashboardInfo, ensure_token, write_info};
use crate::view::{FleetDoc, ProjectInfo, sse_frame};

/// The port a dashboard listens on when no config sets `port` (the reference's).
pub const DEFAULT_PORT: u16 = 3000;

/// How often the event log is read for new lines.
const EVENT_POLL: Duration = Duration::from_millis(400);

/// What every request handler shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) home: AoHome,
    pub(crate) port: u16,
    pub(crate) token: String,
    /// Sent back by the page's actions; a page of another site cannot read it.
    pub(crate) csrf: String,
    pub(crate) feed: watch::Receiver<FeedState>,
    /// Server-Sent Events frames, ready to write, for every open stream.
    pub(crate) hub: broadcast::Sender<Arc<str>>,
    /// Asks for a new look at once (after an action).
    pub(crate) refresh: Notify,
    /// The last fleet frame, for a stream that opens between looks.
    pub(crate) last: Mutex<Option<Arc<str>>>,
}

impl Shared {
    /// The fleet the daemon supervises now, when it has loaded one.
    pub(crate) fn fleet(&self) -> Option<Arc<Fleet>> {
        self.feed.borrow().fleet.clone()
    }
}

/// A dashboard: the router and the live feed of one fleet.
#[derive(Debug, Clone)]
pub struct Dashboard {
    shared: Arc<Shared>,
}

impl Dashboard {
    /// The dashboard of `home` for requests addressed to port `port`, logging in with `token`,
    /// showing the fleets `feed` publishes.
    pub fn new(home: AoHome, port: u16, token: String, feed: watch::Receiver<FeedState>) -> Self {
        Self {
            shared: Arc::new(Shared {
                home,
                port,
                token,
                csrf: crate::token::random_token(),
                feed,
                hub: broadcast::channel(64).0,
                refresh: Notify::new(),
                last: Mutex::new(None),
            }),
        }
    }

    /// The routes, every one behind the guard.
    pub fn router(&self) -> axum::Router {
        crate::api::routes(Arc::clone(&self.shared))
    }
}

/// The variable that overrides the configured `port` (`0`: any free port), e.g. for a second
/// `AO_HOME` on one machine, or tests that must not take a fixed port.
pub const PORT_VAR: &str = "AO_DASHBOARD_PORT";

/// The port of `fleet`'s dashboard: [`PORT_VAR`] when it holds a port, else the `port` of the
/// first config it loaded.
pub fn port_of(fleet: &Fleet) -> u16 {
    if let Some(port) = std::env::var(PORT_VAR)
        .ok()
        .and_then(|v| v.trim().parse().ok())
    {
        return port;
    }
    fleet
        .orchestrators()
        .first()
        .map_or(DEFAULT_PORT, |o| o.config().file.port)
}

/// Serves `dashboard` on `listener` until the future is dropped, pushing a new look after
/// each publication of its feed and each new event line.
pub async fn serve(listener: tokio::net::TcpListener, dashboard: Dashboard) -> std::io::Result<()> {
    let shared = Arc::clone(&dashboard.shared);
    let app = dashboard.router();
    tokio::select! {
        r = axum::serve(listener, app) => r,
        () = looks(Arc::clone(&shared)) => Ok(()),
        () = events(shared) => Ok(()),
    }
}

/// One look at the fleet as the page's JSON.
pub(crate) async fn fleet_json(shared: &Shared) -> Option<String> {
    let fleet = shared.fleet()?;
    let filter = SessionFilter {
        archived: false,
        ..SessionFilter::all()
    };
    let (seen, info) = match daemon::look(&fleet, &filter).await {
        Ok(seen) => seen,
        Err(e) => {
            return Some(
                serde_json::json!({"error": e.to_string(), "at": Timestamp::now()}).to_string(),
            );
        }
    };
    let projects = ProjectInfo::of_fleet(&fleet);
    Some(FleetDoc::build(&projects, &seen, info.as_ref(), Timestamp::now()).to_json())
}

/// After each tick (or action), one look for every open stream: computed once, whatever the
/// number of browsers, and only while one is open.
async fn looks(shared: Arc<Shared>) {
    let mut feed = shared.feed.clone();
    loop {
        tokio::select! {
            changed = feed.changed() => if changed.is_err() {
                // The daemon is gone: nothing new will come.
                std::future::pending::<()>().await;
            },
            () = shared.refresh.notified() => {}
        }
        if shared.hub.receiver_count() == 0 {
            continue;
        }
        let Some(json) = fleet_json(&shared).await else {
            continue;
        };
        let frame: Arc<str> = Arc::from(sse_frame("fleet", &json));
        let same = shared
            .last
            .lock()
            .ok()
            .and_then(|l| l.clone())
            .is_some_and(|l| l == frame);
        if !same {
            if let Ok(mut last) = shared.last.lock() {
                *last = Some(Arc::clone(&frame));
            }
            let _ = shared.hub.send(frame);
        }
    }
}

/// Each new line of the event log, to every open stream.
async fn events(shared: Arc<Shared>) {
    let mut follower = EventLog::new(shared.home.event_log()).follow();
    loop {
        tokio::time::sleep(EVENT_POLL).await;
        for entry in follower.poll() {
            if let Ok(json) = serde_json::to_string(&entry) {
                let _ = shared.hub.send(Arc::from(sse_frame("event", &json)));
            }
        }
    }
}

/// What the daemon runs beside its ticks: once its projects are loaded, the dashboard on
/// 127.0.0.1 at the first config's `port`. A port that is taken is logged (and recorded in
/// `daemon/dashboard.json`, which `ao dashboard` reads) and tried again when the configured
/// port changes; the ticks go on either way.
pub async fn run_beside_daemon(home: AoHome, mut feed: watch::Receiver<FeedState>) {
    let token = match ensure_token(&home) {
        Ok(t) => t,
        Err(e) => {
            daemon::log(&home, &format!("error: the dashboard is off: {e}"));
            return;
        }
    };
    let mut tried: Option<u16> = None;
    loop {
        let fleet = feed.borrow_and_update().fleet.clone();
        if let Some(fleet) = fleet {
            let port = port_of(&fleet);
            if tried != Some(port) {
                tried = Some(port);
                let bound = tokio::net::TcpListener::bind(("127.0.0.1", port))
                    .await
                    .and_then(|l| Ok((l.local_addr()?.port(), l)));
                match bound {
                    // Port 0 asks for any free one: the one given is what the page answers to.
                    Ok((port, listener)) => {
                        let _ = write_info(
                            &home,
                            &DashboardInfo {
                                pid: std::process::id(),
                                port,
                                error: None,
                            },
                        );
                        daemon::log(
                            &home,
                            &format!(
                                "dashboard on http://127.0.0.1:{port}/ (`ao dashboard` prints the address that logs in)"
                            ),
                        );
                        let dashboard = Dashboard::new(home.clone(), port, token, feed.clone());
                        if let Err(e) = serve(listener, dashboard).await {
                            daemon::log(&home, &format!("error: the dashboard stopped: {e}"));
                        }
                        return;
                    }
                    Err(e) => {
                        let error = format!(
                            "the dashboard cannot listen on 127.0.0.1:{port}: {e}; set another `port` in the config"
                        );
                        daemon::log(&home, &format!("error: {error}"));
                        let _ = write_info(
                            &home,
                            &DashboardInfo {
                                pid: std::process::id(),
                                port,
                                error: Some(error),
                            },
                        );
                    }
                }
            }
        }
        if feed.changed().await.is_err() {
            return;
        }
    }
}
