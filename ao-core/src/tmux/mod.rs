//! The tmux runtime: each session is a tmux session named after its id, on the user's
//! default server or the one `AO_TMUX_SOCKET` names.
//!
//! Mechanics that matter:
//! - every target is exact (`=<name>:`) — tmux otherwise matches prefixes, so `pj-1` would hit
//!   `pj-10`;
//! - every session carries `@ao-home` (a hash of `AO_HOME`) and no operation touches a session
//!   without ours — a same-named session of someone else is an error, never killed;
//! - a placeholder starts the session, `remain-on-exit` is set, then `respawn-pane -k` runs the
//!   trampoline — so even a program that exits at once leaves its exit status behind;
//! - tmux client commands run with a minimal environment, so a tmux server they start never
//!   holds the caller's secrets (the program gets the full environment via the trampoline).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use tokio::io::AsyncWriteExt;

pub use crate::delivery::{Method, looks_unsubmitted, method, sanitize};

use crate::domain::{LaunchSpec, RuntimeStatus, SessionId};
use crate::home::AoHome;
use crate::plugin::{Runtime, RuntimeError, RuntimeHandle};
use crate::trampoline::{EXEC_ARG, ExecSpec, write_spec};

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
/// `ao` started for itself — tests, the demo — never the user's.
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

/// Whether a tmux binary can be run.
pub fn is_available() -> bool {
    std::process::Command::new("tmux")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
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
    /// `-L` socket name; `None` is the user's default server.
    pub socket: Option<String>,
    /// `AO_HOME` (its hash tags our sessions; exec specs are written under it).
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
        let exe = std::env::current_exe().map_err(|e| RuntimeError::Failed {
            operation: "locate executable",
            detail: e.to_string(),
        })?;
        Ok(Self {
            socket: std::env::var("AO_TMUX_SOCKET")
                .ok()
                .filter(|s| !s.is_empty()),
            home,
            exe,
            enter_delay: Duration::from_millis(200),
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

/// A stable 64-bit FNV-1a hash, hex: tags sessions with the `AO_HOME` that owns them.
fn home_tag(home: &AoHome) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in home.root().as_os_str().as_encoded_bytes() {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
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

/// Which of our sessions tmux knows, and how each is.
enum Tagged {
    Missing,
    Foreign,
    Ours,
}

impl TmuxRuntime {
    /// A runtime with these options.
    pub fn new(options: TmuxOptions) -> Self {
        let tag = home_tag(&options.home);
        Self { options, tag }
    }

    /// The tmux server's socket name, if not the default.
    pub fn socket(&self) -> Option<&str> {
        self.options.socket.as_deref()
    }

    fn base_args(&self) -> Vec<String> {
        match &self.options.socket {
            Some(s) => vec!["-L".into(), s.clone()],
            None => Vec::new(),
        }
    }

    async fn tmux(&self, args: &[&str], stdin: Option<&[u8]>) -> Result<TmuxOutput, RuntimeError> {
        // A server that is shutting down (`kill-server` returns before it has gone) drops
        // clients that reach it without running their command; once it has gone, the same
        // command finds no server or starts a fresh one.
        let mut out = self.tmux_once(args, stdin).await?;
        for _ in 0..5 {
            if out.ok || !server_dying(&out.stderr) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            out = self.tmux_once(args, stdin).await?;
        }
        Ok(out)
    }

    async fn tmux_once(
        &self,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Result<TmuxOutput, RuntimeError> {
        let mut cmd = tokio::process::Command::new("tmux");
        cmd.args(self.base_args()).args(args).env_clear();
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
            pipe.write_all(data)
                .await
                .map_err(|e| RuntimeError::Failed {
                    operation: "write to tmux",
                    detail: e.to_string(),
                })?;
            drop(pipe);
        }
        let out = child
            .wait_with_output()
            .await
            .map_err(|e| RuntimeError::Failed {
                operation: "run tmux",
                detail: e.to_string(),
            })?;
        Ok(TmuxOutput {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }

    async fn checked(
        &self,
        operation: &'static str,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Result<String, RuntimeError> {
        let out = self.tmux(args, stdin).await?;
        if out.ok {
            Ok(out.stdout)
        } else {
            Err(RuntimeError::Failed {
                operation,
                detail: out.stderr,
            })
        }
    }

    async fn tagged(&self, name: &str) -> Result<Tagged, RuntimeError> {
        let out = self
            .tmux(
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
            .tmux(&["has-session", "-t", &target(name)], None)
            .await?
            .ok;
        Ok(if exists {
            Tagged::Foreign
        } else {
            Tagged::Missing
        })
    }

    async fn require_ours(&self, name: &str) -> Result<(), RuntimeError> {
        match self.tagged(name).await? {
            Tagged::Ours => Ok(()),
            Tagged::Foreign => Err(RuntimeError::Foreign { name: name.into() }),
            Tagged::Missing => Err(RuntimeError::NotFound { name: name.into() }),
        }
    }

    /// Sends SIGCHLD to the tmux server so that it reaps exited panes.
    async fn nudge_server(&self) {
        let Ok(out) = self.tmux(&["display-message", "-p", "#{pid}"], None).await else {
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

    /// The first pane of every session tagged with our home, in one tmux call (no server
    /// means no sessions).
    async fn list_panes(&self) -> Result<HashMap<String, PaneState>, RuntimeError> {
        // `:` cannot occur in a session name; a tab would come back as `_` from a tmux client
        // without a UTF-8 locale.
        let format =
            "#{session_name}:#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}:#{@ao-home}";
        let out = self.tmux(&["list-panes", "-a", "-F", format], None).await?;
        let mut seen = HashMap::new();
        if !out.ok {
            if server_gone(&out.stderr) {
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

    fn handle(&self, name: &str) -> RuntimeHandle {
        RuntimeHandle {
            runtime: "tmux".into(),
            id: name.to_string(),
            data: match &self.options.socket {
                Some(s) => serde_json::json!({ "socket": s }),
                None => serde_json::Value::Null,
            },
        }
    }

    async fn press_enter(&self, name: &str) -> Result<(), RuntimeError> {
        self.checked(
            "send Enter",
            &["send-keys", "-t", &target(name), "Enter"],
            None,
        )
        .await
        .map(drop)
    }
}

#[async_trait]
impl Runtime for TmuxRuntime {
    fn name(&self) -> &str {
        "tmux"
    }

    async fn start(
        &self,
        session: &SessionId,
        spec: &LaunchSpec,
    ) -> Result<RuntimeHandle, RuntimeError> {
        let name = session.as_str();
        match self.tagged(name).await? {
            Tagged::Ours => return Err(RuntimeError::AlreadyExists { name: name.into() }),
            Tagged::Foreign => return Err(RuntimeError::Foreign { name: name.into() }),
            Tagged::Missing => {}
        }
        // The program gets the caller's whole environment plus ao's additions, via the spec.
        let exec = ExecSpec::for_launch(spec);
        let dir = self.options.home.root().join("launch");
        let spec_path = write_spec(&dir, name, &exec).map_err(|e| RuntimeError::Failed {
            operation: "write launch spec",
            detail: e.to_string(),
        })?;
        let result = async {
            let (w, h) = (
                self.options.size.0.to_string(),
                self.options.size.1.to_string(),
            );
            let cwd = spec.cwd.display().to_string();
            self.checked(
                "new-session",
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
                ],
                None,
            )
            .await?;
            let t = target(name);
            self.checked(
                "tag session",
                &["set-option", "-t", &t, "@ao-home", &self.tag],
                None,
            )
            .await?;
            self.checked(
                "set remain-on-exit",
                &["set-option", "-w", "-t", &t, "remain-on-exit", "on"],
                None,
            )
            .await?;
            let exe = self.options.exe.display().to_string();
            let spec_arg = spec_path.display().to_string();
            self.checked(
                "respawn-pane",
                &[
                    "respawn-pane",
                    "-k",
                    "-t",
                    &t,
                    "-c",
                    &cwd,
                    &exe,
                    EXEC_ARG,
                    &spec_arg,
                ],
                None,
            )
            .await?;
            Ok::<(), RuntimeError>(())
        }
        .await;
        if let Err(e) = result {
            let _ = std::fs::remove_file(&spec_path);
            if matches!(self.tagged(name).await, Ok(Tagged::Ours)) {
                let _ = self
                    .tmux(&["kill-session", "-t", &target(name)], None)
                    .await;
            }
            return Err(e);
        }
        Ok(self.handle(name))
    }

    async fn send(&self, handle: &RuntimeHandle, text: &str) -> Result<(), RuntimeError> {
        let name = handle.id.as_str();
        self.require_ours(name).await?;
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
                    "load message",
                    &["load-buffer", "-b", &buffer, "-"],
                    Some(clean.as_bytes()),
                )
                .await?;
                self.checked(
                    "paste message",
                    &["paste-buffer", "-p", "-r", "-d", "-b", &buffer, "-t", &t],
                    None,
                )
                .await?;
            }
        }
        tokio::time::sleep(self.options.enter_delay).await;
        self.press_enter(name).await?;
        // Confirm the submission: an Enter swallowed by a busy composer is retried once.
        tokio::time::sleep(self.options.enter_delay + Duration::from_millis(100)).await;
        let screen = self
            .checked("read screen", &["capture-pane", "-p", "-J", "-t", &t], None)
            .await?;
        if looks_unsubmitted(&screen, &clean) {
            self.press_enter(name).await?;
        }
        Ok(())
    }

    async fn output(&self, handle: &RuntimeHandle, lines: usize) -> Result<String, RuntimeError> {
        let name = handle.id.as_str();
        self.require_ours(name).await?;
        let start = format!("-{}", lines.max(1));
        let text = self
            .checked(
                "capture-pane",
                &[
                    "capture-pane",
                    "-p",
                    "-J",
                    "-t",
                    &target(name),
                    "-S",
                    &start,
                ],
                None,
            )
            .await?;
        let all: Vec<&str> = text.trim_end().lines().collect();
        Ok(all[all.len().saturating_sub(lines)..].join("\n"))
    }

    async fn liveness(
        &self,
        handles: &[RuntimeHandle],
    ) -> Result<HashMap<String, RuntimeStatus>, RuntimeError> {
        let mut seen = self.list_panes().await?;
        // tmux marks a pane dead when its terminal closes and records the exit status when it
        // reaps the process. tmux 3.3 sometimes misses that wakeup and leaves the process a
        // zombie until some other child exits; a SIGCHLD makes it reap — so wait briefly,
        // nudge once, and only then report an exit without its status.
        for attempt in 0..20 {
            if !handles
                .iter()
                .any(|h| seen.get(&h.id) == Some(&PaneState::Closing))
            {
                break;
            }
            if attempt == 4 {
                self.nudge_server().await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            seen = self.list_panes().await?;
        }
        Ok(handles
            .iter()
            .map(|h| {
                let status = match seen.get(&h.id) {
                    None => RuntimeStatus::Missing,
                    Some(PaneState::Alive) => RuntimeStatus::Alive,
                    Some(PaneState::Exited(code)) => RuntimeStatus::Exited { code: Some(*code) },
                    Some(PaneState::Closing) => RuntimeStatus::Exited { code: None },
                };
                (h.id.clone(), status)
            })
            .collect())
    }

    async fn stop(&self, handle: &RuntimeHandle) -> Result<(), RuntimeError> {
        let name = handle.id.as_str();
        match self.tagged(name).await? {
            Tagged::Missing => Ok(()),
            Tagged::Foreign => Err(RuntimeError::Foreign { name: name.into() }),
            Tagged::Ours => {
                let out = self
                    .tmux(&["kill-session", "-t", &target(name)], None)
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
        cmd.extend(self.base_args());
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
    fn targets_are_exact() {
        assert_eq!(target("pj-1"), "=pj-1:");
    }
}
