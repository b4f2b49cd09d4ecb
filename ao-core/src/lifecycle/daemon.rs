//! The daemon: one per `AO_HOME`, supervising every registered project with ticks.
//!
//! One daemon per `AO_HOME` is enforced with an exclusive `flock` on `daemon/daemon.lock`,
//! held for the daemon's life: the kernel releases it when the process dies however it dies,
//! so a stale lock is simply taken over — no pid-file guessing. The pid file and `status.json`
//! (last tick, projects, rate budget) are what `ao daemon status` reads.
//!
//! Each tick rebuilds the fleet from the project registry, so newly registered projects and
//! edited configs are picked up; when a config that was good becomes invalid, the last good
//! fleet is kept (and the problem logged) until it is fixed. Hook event files are watched
//! (inotify): an agent's activity change triggers a tick within about a second, one that does
//! not ask the forge, so hooks never spend the rate budget.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::LifecycleError;
use super::events::EventLog;
use super::notifications::Dispatcher;
use super::tick::{TickReport, tick};
use crate::domain::{ProjectId, Timestamp};
use crate::fleet::Fleet;
use crate::home::AoHome;
use crate::plugin::RateBudget;

/// The poll interval when no config sets `lifecycle.pollIntervalMs`.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);

/// How long hook events are gathered before the tick they trigger.
const HOOK_DEBOUNCE: Duration = Duration::from_millis(300);

/// Size at which `daemon.log` is rotated.
const LOG_MAX_BYTES: u64 = 1024 * 1024;

/// What the running daemon says about itself (`daemon/status.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonInfo {
    /// Its process id.
    pub pid: u32,
    /// When it started.
    pub started_at: Timestamp,
    /// When its last tick finished.
    pub last_tick: Option<Timestamp>,
    /// The projects it watches.
    pub projects: Vec<ProjectId>,
    /// How many sessions its last tick looked at.
    pub sessions: usize,
    /// Its poll interval in milliseconds.
    pub interval_ms: u64,
    /// The tightest rate budget a forge reported at its last full tick.
    pub rate_limit: Option<RateBudget>,
}

/// The daemon's files under `$AO_HOME/daemon/`.
#[derive(Debug, Clone)]
pub struct DaemonFiles {
    dir: PathBuf,
}

impl DaemonFiles {
    /// The files of `home`'s daemon.
    pub fn new(home: &AoHome) -> Self {
        Self {
            dir: home.daemon_dir(),
        }
    }
    /// The lock file (held with `flock` while a daemon runs).
    pub fn lock(&self) -> PathBuf {
        self.dir.join("daemon.lock")
    }
    /// The pid file.
    pub fn pid(&self) -> PathBuf {
        self.dir.join("daemon.pid")
    }
    /// What the daemon says about itself.
    pub fn status(&self) -> PathBuf {
        self.dir.join("status.json")
    }
    /// The daemon's log.
    pub fn log(&self) -> PathBuf {
        self.dir.join("daemon.log")
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LifecycleError {
    let path = path.to_path_buf();
    move |source| LifecycleError::Io { path, source }
}

/// The lock a running daemon holds; dropped (or the process gone), another may start.
#[derive(Debug)]
pub struct DaemonLock {
    _file: std::fs::File,
    files: DaemonFiles,
}

impl Drop for DaemonLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.files.pid());
    }
}

/// Takes the daemon lock of `home`, or says which daemon holds it.
pub fn acquire(home: &AoHome) -> Result<DaemonLock, LifecycleError> {
    let files = DaemonFiles::new(home);
    std::fs::create_dir_all(&files.dir).map_err(io(&files.dir))?;
    let path = files.lock();
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io(&path))?;
    if rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
        return Err(LifecycleError::AlreadyRunning {
            pid: read_pid(&files).unwrap_or(0),
        });
    }
    let pid = std::process::id();
    std::fs::write(files.pid(), format!("{pid}\n")).map_err(io(&files.pid()))?;
    Ok(DaemonLock { _file: file, files })
}

fn read_pid(files: &DaemonFiles) -> Option<u32> {
    std::fs::read_to_string(files.pid())
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The pid of the daemon running for `home`, if one is: its lock is held.
pub fn running_pid(home: &AoHome) -> Option<u32> {
    let files = DaemonFiles::new(home);
    let file = OpenOptions::new().write(true).open(files.lock()).ok()?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        // Nobody holds it (closing the file releases what was just taken).
        Ok(()) => None,
        Err(_) => Some(read_pid(&files).unwrap_or(0)),
    }
}

/// What the running daemon of `home` says about itself; `None` when none runs.
pub fn status(home: &AoHome) -> Option<DaemonInfo> {
    let pid = running_pid(home)?;
    let files = DaemonFiles::new(home);
    let info = std::fs::read(files.status())
        .ok()
        .and_then(|b| serde_json::from_slice::<DaemonInfo>(&b).ok())
        .filter(|i| i.pid == pid);
    // Before its first tick wrote its status: it started when it wrote its pid file.
    let started_at = std::fs::metadata(files.pid())
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| Timestamp::try_from(t).ok())
        .unwrap_or_else(Timestamp::now);
    Some(info.unwrap_or(DaemonInfo {
        pid,
        started_at,
        last_tick: None,
        projects: Vec::new(),
        sessions: 0,
        interval_ms: 0,
        rate_limit: None,
    }))
}

/// What a person's look at the fleet shows (`ao status`, a dashboard): while this `AO_HOME`'s
/// daemon runs, the forge's answers its ticks keep fresh — younger than two of its intervals —
/// with no request of the look's own; otherwise [`Fleet::status`] asks the forge now. Returns
/// the daemon's own account too, when one runs.
pub async fn look(
    fleet: &Fleet,
    filter: &crate::orchestrator::SessionFilter,
) -> Result<
    (crate::orchestrator::Observation, Option<DaemonInfo>),
    crate::orchestrator::OrchestratorError,
> {
    let daemon = status(fleet.home());
    let seen = match &daemon {
        // Two intervals: a tick may be running late; never below 5 s for a fast test daemon.
        Some(d) => {
            let fresh = Duration::from_millis(d.interval_ms.saturating_mul(2).max(5_000));
            fleet.status_cached(filter, fresh).await?
        }
        None => fleet.status(filter).await?,
    };
    Ok((seen, daemon))
}

/// What [`start`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    /// A daemon was started with this pid.
    Started(u32),
    /// One was already running (this pid): nothing was done.
    AlreadyRunning(u32),
}

/// Starts the daemon in the background unless one runs: `program args…` (e.g. `ao daemon
/// run`) in a session of its own (`setsid`), stdin closed, output appended to `daemon.log`.
/// Waits until it holds its lock.
pub fn start(home: &AoHome, program: &Path, args: &[&str]) -> Result<Started, LifecycleError> {
    if let Some(pid) = running_pid(home) {
        return Ok(Started::AlreadyRunning(pid));
    }
    let files = DaemonFiles::new(home);
    std::fs::create_dir_all(&files.dir).map_err(io(&files.dir))?;
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(files.log())
        .map_err(io(&files.log()))?;
    let err = log.try_clone().map_err(io(&files.log()))?;
    // `setsid` puts it in a session and process group of its own: it outlives the command
    // and its terminal, and a Ctrl-C there does not reach it.
    let mut child = std::process::Command::new("setsid")
        .arg(program)
        .args(args)
        .env("AO_HOME", home.root())
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(err)
        .spawn()
        .map_err(|e| LifecycleError::Start {
            detail: format!("cannot run setsid: {e}"),
        })?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(pid) = running_pid(home) {
            // `setsid` has exec'd the daemon (same pid) or forked it; either way it is up.
            let _ = child.try_wait();
            return Ok(Started::Started(pid));
        }
        if let Ok(Some(status)) = child.try_wait()
            && !status.success()
        {
            return Err(LifecycleError::Start {
                detail: format!("it exited with {status}; see {}", files.log().display()),
            });
        }
        if std::time::Instant::now() > deadline {
            return Err(LifecycleError::Start {
                detail: format!(
                    "it did not take its lock within 10s; see {}",
                    files.log().display()
                ),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stops the daemon of `home` (SIGTERM, then SIGKILL after 10 s) and waits until its lock is
/// free; the pid it stopped, or `None` when none ran.
pub fn stop(home: &AoHome) -> Result<Option<u32>, LifecycleError> {
    let Some(pid) = running_pid(home) else {
        return Ok(None);
    };
    let Some(process) = rustix::process::Pid::from_raw(pid as i32) else {
        return Err(LifecycleError::Start {
            detail: format!("the daemon's pid file holds no pid ({pid})"),
        });
    };
    let _ = rustix::process::kill_process(process, rustix::process::Signal::TERM);
    let started = std::time::Instant::now();
    let mut killed = false;
    while running_pid(home).is_some() {
        if !killed && started.elapsed() > Duration::from_secs(10) {
            let _ = rustix::process::kill_process(process, rustix::process::Signal::KILL);
            killed = true;
        }
        if started.elapsed() > Duration::from_secs(20) {
            return Err(LifecycleError::Start {
                detail: format!("process {pid} did not stop"),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Some(pid))
}

/// Builds the fleet a tick covers (every registered project, the binary's adapters).
pub type FleetFactory =
    Box<dyn Fn() -> Result<Fleet, crate::orchestrator::OrchestratorError> + Send + Sync>;

/// What a daemon shares with a server running beside it in its process (the dashboard): the
/// fleet it supervises, republished after each tick so that watchers wake up.
#[derive(Debug, Clone)]
pub struct DaemonFeed {
    tx: tokio::sync::watch::Sender<FeedState>,
}

/// One publication of a [`DaemonFeed`].
#[derive(Debug, Clone, Default)]
pub struct FeedState {
    /// The fleet the last tick covered (none before the projects could first be loaded).
    pub fleet: Option<Arc<Fleet>>,
    /// How many ticks have finished (each publication after a tick adds one).
    pub ticks: u64,
}

impl Default for DaemonFeed {
    fn default() -> Self {
        Self::new()
    }
}

impl DaemonFeed {
    /// A feed nobody watches yet.
    pub fn new() -> Self {
        Self {
            tx: tokio::sync::watch::Sender::new(FeedState::default()),
        }
    }
    /// A watcher of what is published from now on (it sees the latest publication at once).
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<FeedState> {
        self.tx.subscribe()
    }
    /// Publishes `fleet` after a tick.
    pub fn publish(&self, fleet: Arc<Fleet>) {
        self.tx.send_modify(|s| {
            s.fleet = Some(fleet);
            s.ticks += 1;
        });
    }
}

/// Appends a line to the daemon's log of `home` (what runs beside the daemon says its own
/// errors there too).
pub fn log(home: &AoHome, text: &str) {
    let logger = EventLog::new(DaemonFiles::new(home).log()).with_max_bytes(LOG_MAX_BYTES);
    let _ = logger.append_line(&format!("{} {text}", Timestamp::now()));
}

/// Runs the daemon of `home` until SIGTERM/SIGINT or until `home` is removed: takes the
/// lock (or fails when another daemon holds it), then ticks.
pub async fn run(home: AoHome, make_fleet: FleetFactory) -> Result<(), LifecycleError> {
    run_with(home, make_fleet, DaemonFeed::new()).await
}

/// [`run`], publishing the fleet to `feed` after each tick.
pub async fn run_with(
    home: AoHome,
    make_fleet: FleetFactory,
    feed: DaemonFeed,
) -> Result<(), LifecycleError> {
    let _lock = acquire(&home)?;
    let files = DaemonFiles::new(&home);
    let logger = EventLog::new(files.log()).with_max_bytes(LOG_MAX_BYTES);
    let say = |text: String| {
        let _ = logger.append_line(&format!("{} {text}", Timestamp::now()));
    };
    let events = EventLog::new(home.event_log());
    let notifications = Dispatcher::new(&home, events.clone(), Some(logger.clone()));
    let started_at = Timestamp::now();
    say(format!("daemon started (pid {})", std::process::id()));

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if res.is_ok_and(|e| e.kind.is_modify() || e.kind.is_create()) {
            let _ = tx.send(());
        }
    })
    .map_err(|e| LifecycleError::Start {
        detail: format!("cannot watch hook event files: {e}"),
    })?;
    let mut watched: Vec<PathBuf> = Vec::new();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(io(Path::new("SIGTERM")))?;
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(io(Path::new("SIGINT")))?;

    let mut last_good: Option<Arc<Fleet>> = None;
    let mut full = true;
    let mut next_full = tokio::time::Instant::now();
    loop {
        if !home.root().exists() {
            say("AO_HOME is gone: stopping".into());
            break;
        }
        let fleet = match make_fleet() {
            Ok(fleet) => {
                let regressed = last_good.as_ref().is_some_and(|old| {
                    fleet.problems().iter().any(|p| {
                        p.projects
                            .iter()
                            .any(|id| old.projects().any(|q| q.id == *id))
                    })
                });
                for p in fleet.problems() {
                    say(format!("warning: {p}"));
                }
                if regressed {
                    say("a config that was good is invalid now: keeping the last good one until it is fixed".into());
                } else {
                    last_good = Some(Arc::new(fleet));
                }
                last_good.as_ref()
            }
            Err(e) => {
                say(format!("error: the projects could not be loaded: {e}"));
                last_good.as_ref()
            }
        };
        let mut interval = DEFAULT_INTERVAL;
        if let Some(fleet) = fleet {
            interval = fleet
                .orchestrators()
                .iter()
                .map(|o| Duration::from_millis(o.config().file.lifecycle.poll_interval_ms))
                .min()
                .unwrap_or(DEFAULT_INTERVAL);
            // Watch the hook event folders of every project (new ones included).
            for project in fleet.projects() {
                let dir = home.project_dir(&project.id).join("events");
                if !watched.contains(&dir) && std::fs::create_dir_all(&dir).is_ok() {
                    use notify::Watcher;
                    match watcher.watch(&dir, notify::RecursiveMode::NonRecursive) {
                        Ok(()) => watched.push(dir),
                        Err(e) => say(format!("warning: cannot watch {}: {e}", dir.display())),
                    }
                }
            }
            match tick(fleet, &events, full).await {
                Ok(report) => {
                    log_report(&say, &report);
                    // Delivered in tasks of their own: a slow notifier never holds a tick.
                    notifications.dispatch(fleet, &report.events);
                    let info = DaemonInfo {
                        pid: std::process::id(),
                        started_at,
                        last_tick: Some(Timestamp::now()),
                        projects: report.projects.clone(),
                        sessions: report.sessions,
                        interval_ms: u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
                        rate_limit: report.remote.as_ref().and_then(|r| r.rate_limit()),
                    };
                    if let Ok(bytes) = serde_json::to_vec(&info) {
                        let _ = crate::adapter_kit::fsutil::write_atomic(&files.status(), &bytes);
                    }
                }
                Err(e) => say(format!("error: tick failed: {e}")),
            }
            feed.publish(Arc::clone(fleet));
        }
        if full {
            next_full = tokio::time::Instant::now() + interval;
        }
        tokio::select! {
            _ = tokio::time::sleep_until(next_full) => full = true,
            Some(()) = rx.recv() => {
                // Gather the burst a tool call writes, then look without asking the forge.
                tokio::time::sleep(HOOK_DEBOUNCE).await;
                while rx.try_recv().is_ok() {}
                full = tokio::time::Instant::now() >= next_full;
            }
            _ = term.recv() => { say("SIGTERM: stopping".into()); break; }
            _ = int.recv() => { say("SIGINT: stopping".into()); break; }
        }
    }
    let _ = std::fs::remove_file(files.status());
    Ok(())
}

fn log_report(say: &impl Fn(String), report: &TickReport) {
    for e in &report.events {
        if let (Some(s), Some(from), Some(to)) = (&e.session_id, e.from, e.to) {
            say(format!("{s}: {from:?} -> {to:?}"));
        }
    }
    for w in &report.warnings {
        say(format!("warning: {w}"));
    }
    for o in &report.orphans {
        say(format!("orphan: {}", o.detail));
    }
}
