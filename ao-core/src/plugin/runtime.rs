//! `Runtime`: runs a launch spec and talks to it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::domain::{LaunchSpec, RuntimeHandle, RuntimeStatus, SessionId};

/// Why a runtime operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The runtime does not offer this capability.
    #[error("{implementer} does not support {operation}")]
    Unsupported {
        /// The capability asked for, in words.
        operation: &'static str,
        /// The runtime's config name (`tmux`, `process`, …).
        implementer: String,
    },
    /// A session with this name already exists.
    #[error("runtime session {name} already exists")]
    AlreadyExists {
        /// The runtime's name for the session (a handle's `id`, e.g. the tmux session name).
        name: String,
    },
    /// No session with this name.
    #[error("runtime session {name} does not exist")]
    NotFound {
        /// The runtime's name for the missing session (a handle's `id`).
        name: String,
    },
    /// A session with this name exists but was not created by this `ao` home; it is never
    /// touched.
    #[error(
        "runtime session {name} was not created by ao (or by another AO_HOME); leaving it alone"
    )]
    Foreign {
        /// The runtime's name for the session `ao` did not create.
        name: String,
    },
    /// The runtime's program (e.g. tmux) is missing.
    #[error("{program} is not available: {detail}")]
    Unavailable {
        /// The program the runtime needs (`tmux`, `setsid`, …).
        program: String,
        /// Why it could not be run, e.g. that it is not installed.
        detail: String,
    },
    /// The operating system refused something the runtime needed.
    #[error("{operation} failed: {source}")]
    Io {
        /// What the runtime was doing, in words (`write to tmux`, `create run directory`, …).
        operation: &'static str,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The program's launch could not be handed over (see [`crate::trampoline`]).
    #[error("{operation} failed: {source}")]
    Launch {
        /// What the runtime was doing, in words (`start`, `prepare launch`).
        operation: &'static str,
        /// Why the handoff to the trampoline failed.
        #[source]
        source: crate::trampoline::TrampolineError,
    },
    /// Any other runtime failure, described in `detail`.
    #[error("{operation} failed: {detail}")]
    Failed {
        /// What the runtime was doing, in words (`start`, `send`, …).
        operation: &'static str,
        /// What went wrong, in words fit for the user.
        detail: String,
    },
}

impl crate::error::Classify for RuntimeError {
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass as C;
        match self {
            Self::Unsupported { .. } | Self::Unavailable { .. } => C::Unavailable,
            Self::Foreign { .. } => C::Refused,
            // A session that is gone is a failure of what was asked (with a restore hint), not
            // a missing name: its record exists.
            Self::AlreadyExists { .. }
            | Self::NotFound { .. }
            | Self::Io { .. }
            | Self::Launch { .. }
            | Self::Failed { .. } => C::Failed,
        }
    }
}

/// A session a runtime holds, as it found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// How to reach it.
    pub handle: RuntimeHandle,
    /// How it is.
    pub status: RuntimeStatus,
}

/// A session host (tmux, a pseudo-terminal host process, …).
///
/// A handle records *where* its session runs (a tmux server, a host's socket); every operation
/// on a handle goes there, never to wherever the runtime would start a new session today.
///
/// Contract:
/// - `start` MUST run exactly the spec's argv with its env and cwd (no shell), MUST fail with
///   `AlreadyExists` rather than reuse a session — also one whose program has exited but which
///   was not stopped — and SHOULD keep the exit status observable until `stop`.
/// - Every operation MUST address exactly the handle's session at the handle's location (no
///   prefix matching) and MUST refuse (`Foreign`) a session it did not create.
/// - `send` MUST deliver text as text: control characters removed, submitted once.
/// - `liveness`, `inventory` and `screens` MUST answer for all handles in a number of round
///   trips that does not grow with the number of sessions, where the runtime allows.
/// - `restart` MUST refuse (`AlreadyExists`) while the session's program runs, and otherwise
///   replace the session in place, at the handle's location.
/// - `stop` MUST be idempotent: stopping a gone session is success.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Runtime: Send + Sync + 'static {
    /// The runtime's config name.
    fn name(&self) -> &str;

    /// Starts `spec` as session `session`.
    async fn start(
        &self,
        session: &SessionId,
        spec: &LaunchSpec,
    ) -> Result<RuntimeHandle, RuntimeError>;

    /// Delivers `text` to the session as one message.
    async fn send(&self, handle: &RuntimeHandle, text: &str) -> Result<(), RuntimeError>;

    /// The last `lines` lines of the session's screen.
    async fn output(&self, handle: &RuntimeHandle, lines: usize) -> Result<String, RuntimeError>;

    /// The status of each handle, keyed by handle id.
    async fn liveness(
        &self,
        handles: &[RuntimeHandle],
    ) -> Result<HashMap<String, RuntimeStatus>, RuntimeError>;

    /// Stops the session.
    async fn stop(&self, handle: &RuntimeHandle) -> Result<(), RuntimeError>;

    /// Deletes up to `chars` characters before the cursor of the session's terminal (that
    /// many Backspaces): how a message typed but never submitted is taken back out of an
    /// agent's input, so the next one is not glued to it.
    async fn erase(&self, handle: &RuntimeHandle, chars: usize) -> Result<(), RuntimeError> {
        let _ = (handle, chars);
        Err(RuntimeError::Unsupported {
            operation: "erase",
            implementer: self.name().to_string(),
        })
    }

    /// Whether a person's terminal is attached to the session right now (`None`: this
    /// runtime cannot tell). Reactions put a delivery off while one is, so nothing is typed
    /// into a line a person is writing.
    async fn attached(&self, handle: &RuntimeHandle) -> Result<Option<bool>, RuntimeError> {
        let _ = handle;
        Ok(None)
    }

    /// The command a person runs to attach to the session.
    fn attach_command(&self, handle: &RuntimeHandle) -> Result<Vec<String>, RuntimeError> {
        let _ = handle;
        Err(RuntimeError::Unsupported {
            operation: "attach",
            implementer: self.name().to_string(),
        })
    }

    /// The handle `start` would return for `session`: where it will run. Recorded before the
    /// start, so a crash in between still leaves the place to look.
    fn locate(&self, session: &SessionId) -> RuntimeHandle {
        RuntimeHandle {
            runtime: self.name().to_string(),
            id: session.to_string(),
            data: serde_json::Value::Null,
        }
    }

    /// Every session this runtime holds for this `AO_HOME`, with its status: those at its own
    /// location and at every location the `known` handles name — including sessions no
    /// handle names (what a crash left behind).
    async fn inventory(&self, known: &[RuntimeHandle]) -> Result<Vec<Observed>, RuntimeError> {
        let statuses = self.liveness(known).await?;
        Ok(known
            .iter()
            .filter_map(|h| {
                let status = *statuses.get(&h.id)?;
                (status != RuntimeStatus::Missing).then(|| Observed {
                    handle: h.clone(),
                    status,
                })
            })
            .collect())
    }

    /// The last `lines` lines of each session's screen, keyed by handle id; sessions that are
    /// gone are left out.
    async fn screens(
        &self,
        handles: &[RuntimeHandle],
        lines: usize,
    ) -> Result<HashMap<String, String>, RuntimeError> {
        let mut out = HashMap::new();
        for h in handles {
            if let Ok(text) = self.output(h, lines).await {
                out.insert(h.id.clone(), text);
            }
        }
        Ok(out)
    }

    /// Starts `spec` in place of `handle`'s session, at the handle's location: a session there
    /// whose program has exited is stopped first; a running one is `AlreadyExists`.
    async fn restart(
        &self,
        handle: &RuntimeHandle,
        spec: &LaunchSpec,
    ) -> Result<RuntimeHandle, RuntimeError> {
        let status = self
            .liveness(std::slice::from_ref(handle))
            .await?
            .get(&handle.id)
            .copied()
            .unwrap_or(RuntimeStatus::Missing);
        if status == RuntimeStatus::Alive {
            return Err(RuntimeError::AlreadyExists {
                name: handle.id.clone(),
            });
        }
        self.stop(handle).await?;
        let session = SessionId::new(handle.id.as_str()).map_err(|e| RuntimeError::Failed {
            operation: "restart",
            detail: e.to_string(),
        })?;
        self.start(&session, spec).await
    }
}

/// One session of the [`FakeRuntime`]: a real child process with pipes.
struct FakeSession {
    spec: LaunchSpec,
    sent: Vec<String>,
    erased: usize,
    screen: Arc<Mutex<String>>,
    status: Arc<Mutex<RuntimeStatus>>,
    stdin: Arc<tokio::sync::Mutex<Option<tokio::process::ChildStdin>>>,
    /// Ends the program; the value is the exit code to report (an injected exit).
    kill: Option<tokio::sync::oneshot::Sender<Option<i32>>>,
}

impl FakeSession {
    fn status(&self) -> RuntimeStatus {
        self.status.lock().map_or(RuntimeStatus::Unknown, |s| *s)
    }
}

/// The most output a fake session keeps.
const FAKE_SCREEN_BYTES: usize = 256 * 1024;

/// A runtime for tests that keeps everything in this process: each session is a real child
/// process with pipes instead of a terminal (its "screen" is what it printed, its input what
/// was sent). It passes the same conformance suite as tmux and the process runtime — a program
/// that cannot start exits 127, an exited session stays until stopped — and it records what
/// was started and sent; failures and exits can be injected.
pub struct FakeRuntime {
    name: String,
    sessions: Mutex<HashMap<String, FakeSession>>,
    fail_start: Mutex<bool>,
}

impl std::fmt::Debug for FakeRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeRuntime")
            .field("name", &self.name)
            .field("running", &self.running())
            .finish_non_exhaustive()
    }
}

impl Default for FakeRuntime {
    fn default() -> Self {
        Self::named("fake")
    }
}

impl FakeRuntime {
    /// An empty fake called `fake`.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty fake that calls itself `name` (the name it is registered under), as the
    /// handles it hands out say which runtime owns them.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            sessions: Mutex::default(),
            fail_start: Mutex::default(),
        }
    }

    /// Makes the next `start` fail.
    pub fn fail_next_start(&self) {
        if let Ok(mut f) = self.fail_start.lock() {
            *f = true;
        }
    }

    /// Ends a session's program as if it had exited with `code` (the session stays, exited,
    /// until stopped).
    pub fn exit(&self, id: &str, code: Option<i32>) {
        if let Ok(mut sessions) = self.sessions.lock()
            && let Some(s) = sessions.get_mut(id)
        {
            if let Ok(mut status) = s.status.lock() {
                *status = RuntimeStatus::Exited { code };
            }
            if let Some(kill) = s.kill.take() {
                let _ = kill.send(code);
            }
        }
    }

    /// The spec a session was started with.
    pub fn spec(&self, id: &str) -> Option<LaunchSpec> {
        Some(self.sessions.lock().ok()?.get(id)?.spec.clone())
    }

    /// How many characters were erased from a session's input, in all.
    pub fn erased(&self, id: &str) -> usize {
        self.sessions
            .lock()
            .ok()
            .and_then(|m| m.get(id).map(|s| s.erased))
            .unwrap_or(0)
    }

    /// Messages sent to a session.
    pub fn sent(&self, id: &str) -> Vec<String> {
        self.sessions
            .lock()
            .ok()
            .and_then(|m| m.get(id).map(|s| s.sent.clone()))
            .unwrap_or_default()
    }

    /// Ids of live sessions.
    pub fn running(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .sessions
            .lock()
            .map(|m| {
                m.iter()
                    .filter(|(_, s)| s.status() == RuntimeStatus::Alive)
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }

    fn poisoned() -> RuntimeError {
        RuntimeError::Failed {
            operation: "lock",
            detail: "fake runtime state poisoned".into(),
        }
    }

    fn handle(&self, name: &str) -> RuntimeHandle {
        RuntimeHandle {
            runtime: self.name.clone(),
            id: name.to_string(),
            data: serde_json::Value::Null,
        }
    }

    /// Starts the program as a child process, or records why it could not start as the
    /// trampoline does (exit 127, the reason on its screen).
    fn launch(spec: &LaunchSpec) -> FakeSession {
        let screen = Arc::new(Mutex::new(String::new()));
        let status = Arc::new(Mutex::new(RuntimeStatus::Alive));
        let exec = crate::trampoline::ExecSpec::for_launch(spec);
        let child = tokio::process::Command::new(&spec.program)
            .args(&spec.argv[1..])
            .current_dir(&spec.cwd)
            .env_clear()
            .envs(&exec.env)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn();
        let mut session = FakeSession {
            spec: spec.clone(),
            sent: Vec::new(),
            erased: 0,
            screen: screen.clone(),
            status: status.clone(),
            stdin: Arc::default(),
            kill: None,
        };
        let mut child = match child {
            Ok(child) => child,
            Err(e) => {
                if let Ok(mut s) = screen.lock() {
                    *s = format!("ao: cannot run {}: {e}\n", spec.program);
                }
                if let Ok(mut s) = status.lock() {
                    *s = RuntimeStatus::Exited { code: Some(127) };
                }
                return session;
            }
        };
        session.stdin = Arc::new(tokio::sync::Mutex::new(child.stdin.take()));
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn AsyncRead>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn AsyncRead>),
        ]
        .into_iter()
        .flatten()
        {
            let screen = screen.clone();
            tokio::spawn(async move {
                use tokio::io::AsyncReadExt;
                let mut pipe = Box::into_pin(pipe);
                let mut buf = vec![0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut s) = screen.lock() {
                        s.push_str(&String::from_utf8_lossy(&buf[..n]));
                        if s.len() > FAKE_SCREEN_BYTES {
                            let cut = s.len() - FAKE_SCREEN_BYTES / 2;
                            let cut = (cut..s.len())
                                .find(|i| s.is_char_boundary(*i))
                                .unwrap_or(s.len());
                            s.drain(..cut);
                        }
                    }
                }
            });
        }
        let (kill, mut killed) = tokio::sync::oneshot::channel::<Option<i32>>();
        session.kill = Some(kill);
        tokio::spawn(async move {
            let code = tokio::select! {
                exit = child.wait() => exit.ok().and_then(|s| {
                    use std::os::unix::process::ExitStatusExt;
                    s.code().or_else(|| s.signal().map(|sig| 128 + sig))
                }),
                injected = &mut killed => {
                    let _ = child.kill().await;
                    injected.ok().flatten()
                }
            };
            if let Ok(mut s) = status.lock()
                && *s == RuntimeStatus::Alive
            {
                *s = RuntimeStatus::Exited { code };
            }
        });
        session
    }
}

/// A child's output pipe.
trait AsyncRead: tokio::io::AsyncRead + Send + 'static {}
impl<T: tokio::io::AsyncRead + Send + 'static> AsyncRead for T {}

#[async_trait]
impl Runtime for FakeRuntime {
    fn name(&self) -> &str {
        &self.name
    }

    async fn start(
        &self,
        session: &SessionId,
        spec: &LaunchSpec,
    ) -> Result<RuntimeHandle, RuntimeError> {
        if std::mem::take(&mut *self.fail_start.lock().map_err(|_| Self::poisoned())?) {
            return Err(RuntimeError::Failed {
                operation: "start",
                detail: "injected failure".into(),
            });
        }
        crate::trampoline::ExecSpec::for_launch(spec)
            .validate()
            .map_err(|e| RuntimeError::Failed {
                operation: "start",
                detail: e.to_string(),
            })?;
        let name = session.to_string();
        if self
            .sessions
            .lock()
            .map_err(|_| Self::poisoned())?
            .contains_key(&name)
        {
            // Exited but not stopped counts too: tmux keeps such a pane, a host keeps serving.
            return Err(RuntimeError::AlreadyExists { name });
        }
        let launched = Self::launch(spec);
        self.sessions
            .lock()
            .map_err(|_| Self::poisoned())?
            .insert(name.clone(), launched);
        Ok(self.handle(&name))
    }

    async fn erase(&self, handle: &RuntimeHandle, chars: usize) -> Result<(), RuntimeError> {
        let stdin = {
            let mut sessions = self.sessions.lock().map_err(|_| Self::poisoned())?;
            match sessions.get_mut(&handle.id) {
                Some(s) if s.status() == RuntimeStatus::Alive => {
                    s.erased += chars;
                    s.stdin.clone()
                }
                _ => {
                    return Err(RuntimeError::NotFound {
                        name: handle.id.clone(),
                    });
                }
            }
        };
        use tokio::io::AsyncWriteExt;
        if let Some(pipe) = stdin.lock().await.as_mut() {
            pipe.write_all("\x7f".repeat(chars).as_bytes())
                .await
                .map_err(|e| RuntimeError::Io {
                    operation: "erase",
                    source: e,
                })?;
        }
        Ok(())
    }

    async fn send(&self, handle: &RuntimeHandle, text: &str) -> Result<(), RuntimeError> {
        let clean = crate::delivery::sanitize(text);
        if clean.is_empty() {
            return Err(RuntimeError::Failed {
                operation: "send",
                detail: "the message is empty".into(),
            });
        }
        let stdin = {
            let mut sessions = self.sessions.lock().map_err(|_| Self::poisoned())?;
            match sessions.get_mut(&handle.id) {
                Some(s) if s.status() == RuntimeStatus::Alive => {
                    s.sent.push(text.to_string());
                    s.stdin.clone()
                }
                _ => {
                    return Err(RuntimeError::NotFound {
                        name: handle.id.clone(),
                    });
                }
            }
        };
        use tokio::io::AsyncWriteExt;
        let mut stdin = stdin.lock().await;
        if let Some(pipe) = stdin.as_mut() {
            let line = format!("{clean}\n");
            pipe.write_all(line.as_bytes())
                .await
                .map_err(|e| RuntimeError::Io {
                    operation: "send",
                    source: e,
                })?;
            let _ = pipe.flush().await;
        }
        Ok(())
    }

    async fn output(&self, handle: &RuntimeHandle, lines: usize) -> Result<String, RuntimeError> {
        let sessions = self.sessions.lock().map_err(|_| Self::poisoned())?;
        let s = sessions
            .get(&handle.id)
            .ok_or_else(|| RuntimeError::NotFound {
                name: handle.id.clone(),
            })?;
        let screen = s.screen.lock().map_err(|_| Self::poisoned())?;
        let all: Vec<&str> = screen.trim_end().lines().collect();
        Ok(all[all.len().saturating_sub(lines)..].join("\n"))
    }

    async fn liveness(
        &self,
        handles: &[RuntimeHandle],
    ) -> Result<HashMap<String, RuntimeStatus>, RuntimeError> {
        let sessions = self.sessions.lock().map_err(|_| Self::poisoned())?;
        Ok(handles
            .iter()
            .map(|h| {
                (
                    h.id.clone(),
                    sessions
                        .get(&h.id)
                        .map_or(RuntimeStatus::Missing, FakeSession::status),
                )
            })
            .collect())
    }

    async fn inventory(&self, _known: &[RuntimeHandle]) -> Result<Vec<Observed>, RuntimeError> {
        let sessions = self.sessions.lock().map_err(|_| Self::poisoned())?;
        Ok(sessions
            .iter()
            .map(|(name, s)| Observed {
                handle: self.handle(name),
                status: s.status(),
            })
            .collect())
    }

    async fn stop(&self, handle: &RuntimeHandle) -> Result<(), RuntimeError> {
        // Dropping the session drops its kill switch, which ends the program.
        self.sessions
            .lock()
            .map_err(|_| Self::poisoned())?
            .remove(&handle.id);
        Ok(())
    }

    fn attach_command(&self, handle: &RuntimeHandle) -> Result<Vec<String>, RuntimeError> {
        Ok(vec!["fake-attach".into(), handle.id.clone()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_fake_runs_programs_and_records_starts_sends_and_exits() {
        let rt = FakeRuntime::new();
        let id = SessionId::new("app-1").unwrap();
        let spec = LaunchSpec::new("cat", Vec::<String>::new(), "/");
        let handle = rt.start(&id, &spec).await.unwrap();
        assert!(matches!(
            rt.start(&id, &spec).await,
            Err(RuntimeError::AlreadyExists { .. })
        ));
        rt.send(&handle, "hello\nworld").await.unwrap();
        let start = std::time::Instant::now();
        while rt.output(&handle, 1).await.unwrap() != "world" {
            assert!(start.elapsed() < std::time::Duration::from_secs(5));
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(rt.sent("app-1"), ["hello\nworld"]);
        rt.exit("app-1", Some(3));
        let live = rt.liveness(std::slice::from_ref(&handle)).await.unwrap();
        assert_eq!(live["app-1"], RuntimeStatus::Exited { code: Some(3) });
        rt.stop(&handle).await.unwrap();
        rt.fail_next_start();
        assert!(rt.start(&id, &spec).await.is_err());

        // A program that is not there exits 127 and says why, as through the trampoline.
        let missing = rt
            .start(
                &SessionId::new("app-2").unwrap(),
                &LaunchSpec::new("no-such-program-xyz", Vec::<String>::new(), "/"),
            )
            .await
            .unwrap();
        let live = rt.liveness(std::slice::from_ref(&missing)).await.unwrap();
        assert_eq!(live["app-2"], RuntimeStatus::Exited { code: Some(127) });
        assert!(
            rt.output(&missing, 5)
                .await
                .unwrap()
                .contains("cannot run no-such-program-xyz")
        );
    }
}
