//! The tmux runtime: each session is a tmux session named after its id, on the user's
//! default server or the one `AO_TMUX_SOCKET` names — and, once started, on the server its
//! handle records, whatever `AO_TMUX_SOCKET` says later.
//!
//! Mechanics that matter:
//! - every target is exact (`=<name>:`) — tmux otherwise matches prefixes, so `pj-1` would hit
//!   `pj-10`;
//! - every session carries `@ao-home` (a hash of `AO_HOME`) and no operation touches a session
//!   without ours — a same-named session of someone else is an error, never killed;
//! - one tmux invocation creates the session with a placeholder, tags it, sets
//!   `remain-on-exit` and respawns the pane with the trampoline — so a killed `ao` never leaves
//!   an untagged session, and even a program that exits at once leaves its exit status behind;
//! - observing many sessions costs a fixed number of tmux processes: one `list-panes -a` per
//!   server gives liveness, exit status and tags; screens come from one invocation running a
//!   `capture-pane` per session with a marker printed between them; the version is asked once
//!   per process;
//! - tmux client commands run with a minimal environment, so a tmux server they start never
//!   holds the caller's secrets (the program gets the full environment via the trampoline).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use async_trait::async_trait;
use tokio::io::AsyncWriteExt;

pub use crate::delivery::{Method, looks_unsubmitted, method, sanitize};

use crate::domain::{LaunchSpec, RuntimeStatus, SessionId};
use crate::home::AoHome;
use crate::plugin::{Observed, Runtime, RuntimeError, RuntimeHandle};
use crate::trampoline::{EXEC_ARG, ExecSpec, Handoff};

/// Environment variables a tmux client keeps; everything else is left out.
const CLIENT_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TERM",
    "TMUX_TMPDIR",
];

/// How long a started pane's trampoline may take to fetch its launch.
const HANDOFF_TIMEOUT: Duration = Duration::from_secs(10);

/// The most argument bytes one tmux invocation carries: tmux refuses a command whose
/// arguments (with their NULs) exceed 16 KiB less a message header.
const MAX_COMMAND_BYTES: usize = 16 * 1024 - 512;

/// Where tmux keeps the socket of the server named `label` (`-L label`):
/// `$TMUX_TMPDIR` (default `/tmp`) `/tmux-<uid>/<label>`.
pub fn socket_path(label: &str) -> PathBuf {
    let dir = std::env::var_os("TMUX_TMPDIR")
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    dir.join(format!("tmux-{}", rustix::process::getuid().as_raw()))
        .join(label)
}

/// Stops the private tmux server `label` and everything on it, and removes its socket file
/// (tmux 3.3 leaves it behind), and the socket directory if that is then empty. For servers
/// `ao` started for itself — tests, the demo — never the user's; a teardown, so best effort:
/// a server that is already gone is what was wanted.
pub fn kill_private_server(label: &str) {
    let _ = std::process::Command::new("tmux")
        .args(["-L", label, "kill-server"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let socket = socket_path(label);
    let _ = std::fs::remove_file(&socket);
    if let Some(dir) = socket.parent() {
        // Fails, harmlessly, while any other server's socket is there.
        let _ = std::fs::remove_dir(dir);
    }
}

/// The installed tmux's version (`tmux 3.3a`), asked once per process; `None` when tmux cannot
/// be run.
pub fn version() -> Option<&'static str> {
    static VERSION: OnceLock<Option<String>> = OnceLock::new();
    VERSION
        .get_or_init(|| {
            let out = std::process::Command::new("tmux")
                .arg("-V")
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        })
        .as_deref()
}

/// Whether a tmux binary can be run (asked once per process).
pub fn is_available() -> bool {
    version().is_some()
}

/// Whether tmux's error says there is no server (any more) to ask.
fn server_gone(stderr: &str) -> bool {
    stderr.contains("no server running")
        || stderr.contains("error connecting")
        || server_dying(stderr)
}

/// Whether tmux's error says the server went away while the client talked to it.
fn server_dying(stderr: &str) -> bool {
    stderr.contains("server exited unexpectedly") || stderr.contains("lost server")
}

/// How to build a [`TmuxRuntime`].
#[derive(Debug, Clone)]
pub struct TmuxOptions {
    /// `-L` socket name new sessions go to; `None` is the user's default server.
    pub socket: Option<String>,
    /// `AO_HOME` (its hash tags our sessions; launch handoffs live under it).
    pub home: AoHome,
    /// The binary that acts as the trampoline (runs `__exec`); normally the current executable.
    pub exe: PathBuf,
    /// Pause between pasting and pressing Enter (agents drop an Enter that comes too soon).
    pub enter_delay: Duration,
    /// Width and height of new sessions.
    pub size: (u16, u16),
}

impl TmuxOptions {
    /// Options from the environment: `AO_TMUX_SOCKET` and the current executable.
    pub fn from_env(home: AoHome) -> Result<Self, RuntimeError> {
        let exe = std::env::current_exe().map_err(|e| RuntimeError::Io {
            operation: "locate executable",
            source: e,
        })?;
        Ok(Self {
            socket: std::env::var("AO_TMUX_SOCKET")
                .ok()
                .filter(|s| !s.is_empty()),
            home,
            exe,
            enter_delay: Duration::from_millis(300),
            size: (200, 50),
        })
    }
}

/// Sessions as tmux sessions.
#[derive(Debug, Clone)]
pub struct TmuxRuntime {
    options: TmuxOptions,
    tag: String,
}

/// A tmux server: its `-L` socket name, or `None` for the user's default server.
type Server = Option<String>;

/// The server a handle records (`data.socket`; none: the default server).
fn server_of(handle: &RuntimeHandle) -> Server {
    handle
        .data
        .get("socket")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
}

/// The tag of sessions owned by `home`.
fn home_tag(home: &AoHome) -> String {
    crate::hash::stable_hash(&[home.root().as_os_str().as_encoded_bytes()])
}

fn target(name: &str) -> String {
    format!("={name}:")
}

struct TmuxOutput {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// A pane's process as tmux reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PaneState {
    Alive,
    Exited(i32),
    /// Dead, but its exit status is not recorded yet.
    Closing,
}

impl PaneState {
    fn status(self) -> RuntimeStatus {
        match self {
            Self::Alive => RuntimeStatus::Alive,
            Self::Exited(code) => RuntimeStatus::Exited { code: Some(code) },
            Self::Closing => RuntimeStatus::Exited { code: None },
        }
    }
}

/// Which of our sessions tmux knows, and how each is.
enum Tagged {
    Missing,
    Foreign,
    Ours,
}

/// Handles grouped by the server they live on.
fn by_server(handles: &[RuntimeHandle]) -> BTreeMap<Server, Vec<&RuntimeHandle>> {
    let mut out: BTreeMap<Server, Vec<&RuntimeHandle>> = BTreeMap::new();
    for h in handles {
        out.entry(server_of(h)).or_default().push(h);
    }
    out
}

/// The last `lines` lines of a captured screen.
fn last_lines(text: &str, lines: usize) -> String {
    let mut all: Vec<&str> = text.trim_end().lines().collect();
    // A dead pane keeps the rows between its program's last output and tmux's own last line
    // ("Pane is dead (status 3, …)"): empty rows, not output.
    if all.last().is_some_and(|l| l.starts_with("Pane is dead")) {
        let dead = all.len() - 1;
        let blank = all[..dead]
            .iter()
            .rev()
            .take_while(|l| l.trim().is_empty())
            .count();
        all.drain(dead - blank..dead);
    }
    all[all.len().saturating_sub(lines)..].join("\n")
}

impl TmuxRuntime {
    /// A runtime with these options.
    pub fn new(options: TmuxOptions) -> Self {
        let tag = home_tag(&options.home);
        Self { options, tag }
    }

    /// The tmux server's socket name new sessions go to, if not the default.
    pub fn socket(&self) -> Option<&str> {
        self.options.socket.as_deref()
    }

    fn own(&self) -> Server {
        self.options.socket.clone()
    }

    async fn tmux(
        &self,
        server: &Server,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Result<TmuxOutput, RuntimeError> {
        // A server that is shutting down (`kill-server` returns before it has gone) drops
        // clients that reach it without running their command; once it has gone, the same
        // command finds no server or starts a fresh one.
        let mut out = self.tmux_once(server, args, stdin).await?;
        for _ in 0..5 {
            if out.ok || !server_dying(&out.stderr) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            out = self.tmux_once(server, args, stdin).await?;
        }
        Ok(out)
    }

    async fn tmux_once(
        &self,
        server: &Server,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Result<TmuxOutput, RuntimeError> {
        let mut cmd = tokio::process::Command::new("tmux");
        if let Some(label) = server {
            cmd.args(["-L", label]);
        }
        cmd.args(args).env_clear();
        for key in CLIENT_ENV {
            if let Some(v) = std::env::var_os(key) {
                cmd.env(key, v);
            }
        }
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|e| RuntimeError::Unavailable {
            program: "tmux".into(),
            detail: if e.kind() == std::io::ErrorKind::NotFound {
                "not installed (install tmux, or use `runtime: process`)".into()
            } else {
                e.to_string()
            },
        })?;
        if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(data).await.map_err(|e| RuntimeError::Io {
                operation: "write to tmux",
                source: e,
            })?;
            drop(pipe);
        }
        let out = child
            .wait_with_output()
            .await
            .map_err(|e| RuntimeError::Io {
                operation: "run tmux",
                source: e,
            })?;
        Ok(TmuxOutput {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }

    async fn checked(
        &self,
        server: &Server,
        operation: &'static str,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Result<String, RuntimeError> {
        let out = self.tmux(server, args, stdin).await?;
        if out.ok {
            Ok(out.stdout)
        } else {
            Err(RuntimeError::Failed {
                operation,
                detail: out.stderr,
            })
        }
    }

    async fn tagged(&self, server: &Server, name: &str) -> Result<Tagged, RuntimeError> {
        let out = self
            .tmux(
                server,
                &["show-options", "-t", &target(name), "-v", "@ao-home"],
                None,
            )
            .await?;
        if out.ok {
            return Ok(if out.stdout.trim() == self.tag {
                Tagged::Ours
            } else {
                Tagged::Foreign
            });
        }
        // The session exists but has no tag: someone else's.
        let exists = self
            .tmux(server, &["has-session", "-t", &target(name)], None)
            .await?
            .ok;
        Ok(if exists {
            Tagged::Foreign
        } else {
            Tagged::Missing
        })
    }

    async fn require_ours(&self, server: &Server, name: &str) -> Result<(), RuntimeError> {
        match self.tagged(server, name).await? {
            Tagged::Ours => Ok(()),
            Tagged::Foreign => Err(RuntimeError::Foreign { name: name.into() }),
            Tagged::Missing => Err(RuntimeError::NotFound { name: name.into() }),
        }
    }

    /// Sends SIGCHLD to the tmux server so that it reaps exited panes (best effort: without it
    /// an exit is reported without its status a moment later).
    async fn nudge_server(&self, server: &Server) {
        let Ok(out) = self
            .tmux(server, &["display-message", "-p", "#{pid}"], None)
            .await
        else {
            return;
        };
        let pid = out
            .stdout
            .trim()
            .parse::<i32>()
            .ok()
            .and_then(rustix::process::Pid::from_raw);
        if let Some(pid) = pid {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::CHILD);
        }
    }

    /// The first pane of every session tagged with our home on `server`, in one tmux call (no
    /// server means no sessions).
    async fn list_panes(
        &self,
        server: &Server,
    ) -> Result<HashMap<String, PaneState>, RuntimeError> {
        // `:` cannot occur in a session name; a tab would come back as `_` from a tmux client
        // without a UTF-8 locale.
        let format =
            "#{session_name}:#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}:#{@ao-home}";
        let out = self
            .tmux(server, &["list-panes", "-a", "-F", format], None)
            .await?;
        let mut seen = HashMap::new();
        if !out.ok {
            // A server whose last session just ended answers "no current target" until it
            // exits: it has no panes either way.
            if server_gone(&out.stderr) || out.stderr.contains("no current target") {
                return Ok(seen);
            }
            return Err(RuntimeError::Failed {
                operation: "list-panes",
                detail: out.stderr,
            });
        }
        for line in out.stdout.lines() {
            let f: Vec<&str> = line.splitn(5, ':').collect();
            let [name, dead, status, signal, tag] = f.as_slice() else {
                continue;
            };
            if *tag != self.tag || seen.contains_key(*name) {
                continue;
            }
            let state = match (*dead, status.parse::<i32>(), signal.parse::<i32>()) {
                ("1", Ok(code), _) => PaneState::Exited(code),
                // Killed by a signal: the shell convention, 128 + signal.
                ("1", _, Ok(sig)) => PaneState::Exited(128 + sig),
                ("1", _, _) => PaneState::Closing,
                _ => PaneState::Alive,
            };
            seen.insert((*name).to_string(), state);
        }
        Ok(seen)
    }

    /// [`Self::list_panes`], waiting briefly for panes of interest that are closing to get
    /// their exit status.
    async fn settled_panes(
        &self,
        server: &Server,
        of_interest: impl Fn(&str) -> bool,
    ) -> Result<HashMap<String, PaneState>, RuntimeError> {
        let mut seen = self.list_panes(server).await?;
        // tmux marks a pane dead when its terminal closes and records the exit status when it
        // reaps the process. tmux 3.3 sometimes misses that wakeup and leaves the process a
        // zombie until some other child exits; a SIGCHLD makes it reap — so wait briefly,
        // nudge once, and only then report an exit without its status.
        for attempt in 0..20 {
            if !seen
                .iter()
                .any(|(name, state)| *state == PaneState::Closing && of_interest(name))
            {
                break;
            }
            if attempt == 4 {
                self.nudge_server(server).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            seen = self.list_panes(server).await?;
        }
        Ok(seen)
    }

    fn handle_at(&self, server: &Server, name: &str) -> RuntimeHandle {
        RuntimeHandle {
            runtime: "tmux".into(),
            id: name.to_string(),
            data: match server {
                Some(s) => serde_json::json!({ "socket": s }),
                None => serde_json::Value::Null,
            },
        }
    }

    async fn press_enter(&self, server: &Server, name: &str) -> Result<(), RuntimeError> {
        self.checked(
            server,
            "send Enter",
            &["send-keys", "-t", &target(name), "Enter"],
            None,
        )
        .await
        .map(drop)
    }

    /// Cleans up after a failed start; the start's error is what matters, and a session left
    /// behind is tagged, so reconciliation finds it.
    async fn kill_if_ours(&self, server: &Server, name: &str) {
        if matches!(self.tagged(server, name).await, Ok(Tagged::Ours)) {
            let _ = self
                .tmux(server, &["kill-session", "-t", &target(name)], None)
                .await;
        }
    }

    /// Starts `spec` as session `name` on `server`.
    async fn start_at(
        &self,
        server: &Server,
        name: &str,
        spec: &LaunchSpec,
    ) -> Result<RuntimeHandle, RuntimeError> {
        // The program gets the caller's whole environment plus ao's additions, via the
        // handoff — and the server it really runs on, so the `ao` it calls finds it again.
        let mut exec = ExecSpec::for_launch(spec);
        match server {
            Some(label) => exec.env.insert("AO_TMUX_SOCKET".into(), label.clone()),
            None => exec.env.remove("AO_TMUX_SOCKET"),
        };
        let handoff = Handoff::bind(&self.options.home.root().join("run"), &exec).map_err(|e| {
            RuntimeError::Launch {
                operation: "prepare launch",
                source: e,
            }
        })?;
        let (w, h) = (
            self.options.size.0.to_string(),
            self.options.size.1.to_string(),
        );
        let cwd = spec.cwd.display().to_string();
        let t = target(name);
        let exe = self.options.exe.display().to_string();
        let socket = handoff.path().display().to_string();
        // One invocation: whatever happens to this process, the session either does not exist
        // or is tagged, keeps its exit status, and runs the trampoline.
        let out = self
            .tmux(
                server,
                &[
                    "new-session",
                    "-d",
                    "-s",
                    name,
                    "-x",
                    &w,
                    "-y",
                    &h,
                    "-c",
                    &cwd,
                    "sleep",
                    "2147483647",
                    ";",
                    "set-option",
                    "-t",
                    &t,
                    "@ao-home",
                    &self.tag,
                    ";",
                    "set-option",
                    "-w",
                    "-t",
                    &t,
                    "remain-on-exit",
                    "on",
                    ";",
                    "respawn-pane",
                    "-k",
                    "-t",
                    &t,
                    "-c",
                    &cwd,
                    &exe,
                    EXEC_ARG,
                    &socket,
                ],
                None,
            )
            .await?;
        if !out.ok {
            if out.stderr.contains("duplicate session") {
                return Err(match self.tagged(server, name).await? {
                    Tagged::Ours => RuntimeError::AlreadyExists { name: name.into() },
                    _ => RuntimeError::Foreign { name: name.into() },
                });
            }
            self.kill_if_ours(server, name).await;
            return Err(RuntimeError::Failed {
                operation: "new-session",
                detail: out.stderr,
            });
        }
        if let Err(e) = handoff.deliver(HANDOFF_TIMEOUT).await {
            self.kill_if_ours(server, name).await;
            return Err(RuntimeError::Launch {
                operation: "start",
                source: e,
            });
        }
        Ok(self.handle_at(server, name))
    }

    /// Screens of `names` on `server`, captured in as few invocations as the command-size
    /// limit allows: `capture-pane` per session, a marker printed after each. A session that
    /// vanished ends its invocation early; the rest are asked again.
    async fn capture_many(
        &self,
        server: &Server,
        names: &[&str],
        lines: usize,
    ) -> Result<HashMap<String, String>, RuntimeError> {
        // Short forms (`capturep -pJS-N -t=NAME:`, `display`) fit ~200 sessions per call.
        let flags = format!("-pJS-{}", lines.max(1));
        let marker = format!(
            "__ao-screen-{:x}__",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
                ^ u64::from(std::process::id())
        );
        let mut out = HashMap::new();
        let mut rest = names;
        while !rest.is_empty() {
            let mut targets = Vec::new();
            let mut bytes = 0;
            for name in rest {
                let t = format!("-t{}", target(name));
                // Every argument with its NUL: capturep, flags, target, `;`, display, -p,
                // marker, `;`.
                let cost = 9 + flags.len() + 1 + t.len() + 1 + 2 + 8 + 3 + marker.len() + 1 + 2;
                if !targets.is_empty() && bytes + cost > MAX_COMMAND_BYTES {
                    break;
                }
                bytes += cost;
                targets.push(t);
            }
            let mut args: Vec<&str> = Vec::new();
            for t in &targets {
                if !args.is_empty() {
                    args.push(";");
                }
                args.extend(["capturep", &flags, t, ";", "display", "-p", &marker]);
            }
            let result = self.tmux(server, &args, None).await?;
            let mut done = 0;
            let mut screen = String::new();
            for line in result.stdout.lines() {
                if line == marker {
                    out.insert(rest[done].to_string(), last_lines(&screen, lines));
                    screen.clear();
                    done += 1;
                    if done == targets.len() {
                        break;
                    }
                } else {
                    screen.push_str(line);
                    screen.push('\n');
                }
            }
            if done < targets.len() {
                if result.ok || server_gone(&result.stderr) {
                    break;
                }
                // The session after the last marker is gone; skip it.
                done += 1;
            }
            rest = &rest[done..];
        }
        Ok(out)
    }
}

#[async_trait]
impl Runtime for TmuxRuntime {
    fn name(&self) -> &str {
        "tmux"
    }

    fn locate(&self, session: &SessionId) -> RuntimeHandle {
        self.handle_at(&self.own(), session.as_str())
    }

    async fn start(
        &self,
        session: &SessionId,
        spec: &LaunchSpec,
    ) -> Result<RuntimeHandle, RuntimeError> {
        self.start_at(&self.own(), session.as_str(), spec).await
    }

    async fn restart(
        &self,
        handle: &RuntimeHandle,
        spec: &LaunchSpec,
    ) -> Result<RuntimeHandle, RuntimeError> {
        let server = server_of(handle);
        let name = handle.id.as_str();
        let panes = self.settled_panes(&server, |n| n == name).await?;
        match panes.get(name) {
            Some(PaneState::Alive) => {
                return Err(RuntimeError::AlreadyExists { name: name.into() });
            }
            // Ours (the listing only has tagged sessions), its program gone: make way.
            Some(_) => {
                let out = self
                    .tmux(&server, &["kill-session", "-t", &target(name)], None)
                    .await?;
                if !out.ok && !out.stderr.contains("can't find session") {
                    return Err(RuntimeError::Failed {
                        operation: "kill-session",
                        detail: out.stderr,
                    });
                }
            }
            None => {}
        }
        self.start_at(&server, name, spec).await
    }

    async fn attached(&self, handle: &RuntimeHandle) -> Result<Option<bool>, RuntimeError> {
        let server = server_of(handle);
        let out = self
            .checked(
                &server,
                "display-message",
                &[
                    "display-message",
                    "-p",
                    "-t",
                    &target(handle.id.as_str()),
                    "#{session_attached}",
                ],
                None,
            )
            .await?;
        Ok(out.trim().parse::<u32>().ok().map(|n| n > 0))
    }

    async fn send(&self, handle: &RuntimeHandle, text: &str) -> Result<(), RuntimeError> {
        let server = server_of(handle);
        let name = handle.id.as_str();
        self.require_ours(&server, name).await?;
        let clean = sanitize(text);
        if clean.is_empty() {
            return Err(RuntimeError::Failed {
                operation: "send",
                detail: "the message is empty".into(),
            });
        }
        let t = target(name);
        match method(&clean) {
            Method::Typed => {
                self.checked(
                    &server,
                    "type message",
                    &["send-keys", "-t", &t, "-l", "--", &clean],
                    None,
                )
                .await?;
            }
            Method::Paste => {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos());
                let buffer = format!("ao-{name}-{}-{nanos}", std::process::id());
                self.checked(
                    &server,
                    "paste message",
                    &[
                        "load-buffer",
                        "-b",
                        &buffer,
                        "-",
                        ";",
                        "paste-buffer",
                        "-p",
                        "-r",
                        "-d",
                        "-b",
                        &buffer,
                        "-t",
                        &t,
                    ],
                    Some(clean.as_bytes()),
                )
                .await?;
            }
        }
        tokio::time::sleep(self.options.enter_delay).await;
        self.press_enter(&server, name).await?;
        // Confirm the submission: an Enter swallowed by a busy composer is retried once.
        tokio::time::sleep(self.options.enter_delay + Duration::from_millis(100)).await;
        let screen = self
            .checked(
                &server,
                "read screen",
                &["capture-pane", "-p", "-J", "-t", &t],
                None,
            )
            .await?;
        if looks_unsubmitted(&screen, &clean) {
            self.press_enter(&server, name).await?;
        }
        Ok(())
    }

    async fn erase(&self, handle: &RuntimeHandle, chars: usize) -> Result<(), RuntimeError> {
        if chars == 0 {
            return Ok(());
        }
        let server = server_of(handle);
        let name = handle.id.as_str();
        self.require_ours(&server, name).await?;
        let count = chars.to_string();
        self.checked(
            &server,
            "erase input",
            &["send-keys", "-t", &target(name), "-N", &count, "BSpace"],
            None,
        )
        .await
        .map(drop)
    }

    async fn output(&self, handle: &RuntimeHandle, lines: usize) -> Result<String, RuntimeError> {
        let server = server_of(handle);
        let name = handle.id.as_str();
        let t = target(name);
        let start = format!("-{}", lines.max(1));
        // The tag and the screen in one invocation; the tag line comes first.
        let out = self
            .tmux(
                &server,
                &[
                    "show-options",
                    "-t",
                    &t,
                    "-v",
                    "@ao-home",
                    ";",
                    "capture-pane",
                    "-p",
                    "-J",
                    "-t",
                    &t,
                    "-S",
                    &start,
                ],
                None,
            )
            .await?;
        if !out.ok {
            self.require_ours(&server, name).await?;
            return Err(RuntimeError::Failed {
                operation: "capture-pane",
                detail: out.stderr,
            });
        }
        let (tag, screen) = out.stdout.split_once('\n').unwrap_or((&out.stdout, ""));
        if tag.trim() != self.tag {
            return Err(RuntimeError::Foreign { name: name.into() });
        }
        Ok(last_lines(screen, lines))
    }

    async fn liveness(
        &self,
        handles: &[RuntimeHandle],
    ) -> Result<HashMap<String, RuntimeStatus>, RuntimeError> {
        let mut out = HashMap::new();
        for (server, group) in by_server(handles) {
            let seen = self
                .settled_panes(&server, |n| group.iter().any(|h| h.id == n))
                .await?;
            for h in group {
                let status = seen
                    .get(&h.id)
                    .map_or(RuntimeStatus::Missing, |p| p.status());
                out.insert(h.id.clone(), status);
            }
        }
        Ok(out)
    }

    async fn inventory(&self, known: &[RuntimeHandle]) -> Result<Vec<Observed>, RuntimeError> {
        let mut servers = by_server(known).into_keys().collect::<Vec<_>>();
        if !servers.contains(&self.own()) {
            servers.push(self.own());
        }
        let mut out = Vec::new();
        for server in servers {
            let seen = self.settled_panes(&server, |_| true).await?;
            let mut names: Vec<_> = seen.into_iter().collect();
            names.sort_by(|a, b| a.0.cmp(&b.0));
            out.extend(names.into_iter().map(|(name, pane)| Observed {
                handle: self.handle_at(&server, &name),
                status: pane.status(),
            }));
        }
        Ok(out)
    }

    async fn screens(
        &self,
        handles: &[RuntimeHandle],
        lines: usize,
    ) -> Result<HashMap<String, String>, RuntimeError> {
        let mut out = HashMap::new();
        for (server, group) in by_server(handles) {
            let names: Vec<&str> = group.iter().map(|h| h.id.as_str()).collect();
            out.extend(self.capture_many(&server, &names, lines).await?);
        }
        Ok(out)
    }

    async fn stop(&self, handle: &RuntimeHandle) -> Result<(), RuntimeError> {
        let server = server_of(handle);
        let name = handle.id.as_str();
        match self.tagged(&server, name).await? {
            Tagged::Missing => Ok(()),
            Tagged::Foreign => Err(RuntimeError::Foreign { name: name.into() }),
            Tagged::Ours => {
                let out = self
                    .tmux(&server, &["kill-session", "-t", &target(name)], None)
                    .await?;
                if out.ok || out.stderr.contains("can't find session") || server_gone(&out.stderr) {
                    Ok(())
                } else {
                    Err(RuntimeError::Failed {
                        operation: "kill-session",
                        detail: out.stderr,
                    })
                }
            }
        }
    }

    fn attach_command(&self, handle: &RuntimeHandle) -> Result<Vec<String>, RuntimeError> {
        let mut cmd = vec!["tmux".to_string()];
        if let Some(label) = server_of(handle) {
            cmd.extend(["-L".to_string(), label]);
        }
        cmd.extend(["attach-session".into(), "-t".into(), target(&handle.id)]);
        Ok(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_differ_per_home_and_are_stable() {
        let a = home_tag(&AoHome::new("/a"));
        assert_eq!(a, home_tag(&AoHome::new("/a")));
        assert_ne!(a, home_tag(&AoHome::new("/b")));
        assert_eq!(a.len(), 16);
    }

    #[test]
    fn a_dead_panes_empty_rows_are_not_output() {
        let screen = format!("hello\n{}Pane is dead (status 3)\n\n", "\n".repeat(48));
        assert_eq!(last_lines(&screen, 50), "hello\nPane is dead (status 3)");
        assert_eq!(last_lines(&screen, 1), "Pane is dead (status 3)");
        assert_eq!(
            last_lines("a\n\nb\n\n", 50),
            "a\n\nb",
            "a live screen keeps its rows"
        );
    }

    #[test]
    fn targets_are_exact() {
        assert_eq!(target("pj-1"), "=pj-1:");
    }
}
