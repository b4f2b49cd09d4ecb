//! The process runtime: sessions without tmux. Each session's pseudo-terminal lives in a small
//! host process (`ao __pty-host`) reachable over `$AO_HOME/run/<hash>.sock`, so it outlives the
//! command that started it and any `ao` process can talk to it. A handle records its host's
//! socket; the host keeps serving (with the program's exit status) after the program ends,
//! until it is stopped.

mod host;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use async_trait::async_trait;

pub use host::HOST_ARG;

/// The argument that makes a binary attach the terminal to a process-runtime session.
pub const ATTACH_ARG: &str = "__pty-attach";
use host::{Reply, Request};

use crate::delivery::{Method, looks_unsubmitted, method, sanitize};
use crate::domain::{LaunchSpec, RuntimeStatus, SessionId};
use crate::home::AoHome;
use crate::plugin::{Observed, Runtime, RuntimeError, RuntimeHandle};
use crate::trampoline::{ExecSpec, Handoff};

/// Sessions as pseudo-terminals in host processes.
#[derive(Debug, Clone)]
pub struct ProcessRuntime {
    home: AoHome,
    exe: PathBuf,
    enter_delay: Duration,
    size: (u16, u16),
}

/// The hidden jobs of the process runtime a binary must answer (see
/// [`crate::run_if_invoked`]): the session host, and attaching a terminal to one.
pub const ENTRY_POINTS: [crate::trampoline::EntryPoint; 2] = [
    crate::trampoline::EntryPoint {
        arg: HOST_ARG,
        run: run_host,
    },
    crate::trampoline::EntryPoint {
        arg: ATTACH_ARG,
        run: run_attach,
    },
];

/// Runs the pty host (`<exe> __pty-host …`).
fn run_host(args: &[String]) -> ! {
    match host::run(args) {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!("ao: pty host: {e}");
            std::process::exit(1)
        }
    }
}

/// Runs `<exe> __pty-attach <socket>`.
fn run_attach(args: &[String]) -> ! {
    let result = match args {
        [socket] => host::attach_terminal(std::path::Path::new(socket)),
        _ => Err(format!("usage: {ATTACH_ARG} <socket>")),
    };
    match result {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!("ao: attach: {e}");
            std::process::exit(1)
        }
    }
}

impl ProcessRuntime {
    /// A runtime keeping its sockets under `home`, hosting sessions with `exe` (normally the
    /// current executable, which must call `ao_core::run_if_invoked` first in `main`).
    pub fn new(home: AoHome, exe: PathBuf) -> Self {
        Self {
            home,
            exe,
            enter_delay: Duration::from_millis(200),
            size: (50, 200),
        }
    }

    /// A runtime for `home` hosted by the current executable.
    pub fn from_env(home: AoHome) -> Result<Self, RuntimeError> {
        let exe = std::env::current_exe().map_err(|e| RuntimeError::Io {
            operation: "locate executable",
            source: e,
        })?;
        Ok(Self::new(home, exe))
    }

    /// The socket of a session: short, since unix socket paths are capped at 108 bytes.
    fn socket(&self, name: &str) -> PathBuf {
        let hash = crate::hash::stable_hash(&[
            self.home.root().as_os_str().as_encoded_bytes(),
            &[0],
            name.as_bytes(),
        ]);
        self.home.root().join("run").join(format!("{hash}.sock"))
    }

    /// The host socket a handle records (older handles: the one its name gives).
    fn socket_of(&self, handle: &RuntimeHandle) -> PathBuf {
        handle
            .data
            .get("socket")
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| self.socket(&handle.id), PathBuf::from)
    }

    async fn ask(&self, handle: &RuntimeHandle, request: &Request) -> Result<Reply, RuntimeError> {
        self.ask_at(&self.socket_of(handle), &handle.id, request)
            .await
    }

    async fn ask_at(
        &self,
        socket: &std::path::Path,
        name: &str,
        request: &Request,
    ) -> Result<Reply, RuntimeError> {
        host::request(socket, request)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => {
                    RuntimeError::NotFound { name: name.into() }
                }
                _ => RuntimeError::Io {
                    operation: "talk to the session host",
                    source: e,
                },
            })
    }

    fn handle_at(&self, socket: &std::path::Path, name: &str) -> RuntimeHandle {
        RuntimeHandle {
            runtime: "process".into(),
            id: name.to_string(),
            data: serde_json::json!({ "socket": socket }),
        }
    }

    /// Starts `spec` as session `name` in a host serving on `socket`.
    async fn start_at(
        &self,
        socket: &std::path::Path,
        name: &str,
        spec: &LaunchSpec,
    ) -> Result<RuntimeHandle, RuntimeError> {
        if self.ask_at(socket, name, &Request::Status).await.is_ok() {
            return Err(RuntimeError::AlreadyExists { name: name.into() });
        }
        let run = self.home.root().join("run");
        std::fs::create_dir_all(&run).map_err(|e| RuntimeError::Io {
            operation: "create run directory",
            source: e,
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Tightening only: the handoff and host sockets below check their peers anyway.
            let _ = std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700));
        }
        let mut exec = ExecSpec::for_launch(spec);
        exec.env
            .entry("TERM".into())
            .or_insert_with(|| "xterm-256color".into());
        let handoff = Handoff::bind(&run, &exec).map_err(|e| RuntimeError::Launch {
            operation: "prepare launch",
            source: e,
        })?;
        // `setsid` puts the host in a session of its own: it survives this command and its terminal.
        let spawned = std::process::Command::new("setsid")
            .arg(&self.exe)
            .arg(HOST_ARG)
            .arg(socket)
            .arg(handoff.path())
            .arg(self.size.0.to_string())
            .arg(self.size.1.to_string())
            .arg(name)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if let Err(e) = spawned {
            return Err(RuntimeError::Unavailable {
                program: "setsid".into(),
                detail: e.to_string(),
            });
        }
        handoff
            .deliver(Duration::from_secs(10))
            .await
            .map_err(|e| RuntimeError::Launch {
                operation: "start",
                source: e,
            })?;
        let started = Instant::now();
        while self.ask_at(socket, name, &Request::Status).await.is_err() {
            if started.elapsed() > Duration::from_secs(10) {
                return Err(RuntimeError::Failed {
                    operation: "start",
                    detail: "the session host did not come up".into(),
                });
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(self.handle_at(socket, name))
    }

    async fn write(&self, handle: &RuntimeHandle, data: String) -> Result<(), RuntimeError> {
        let reply = self.ask(handle, &Request::Write { data }).await?;
        match reply.error {
            Some(e) => Err(RuntimeError::Failed {
                operation: "write to the session",
                detail: e,
            }),
            None => Ok(()),
        }
    }
}

#[async_trait]
impl Runtime for ProcessRuntime {
    fn name(&self) -> &str {
        "process"
    }

    fn locate(&self, session: &SessionId) -> RuntimeHandle {
        self.handle_at(&self.socket(session.as_str()), session.as_str())
    }

    async fn start(
        &self,
        session: &SessionId,
        spec: &LaunchSpec,
    ) -> Result<RuntimeHandle, RuntimeError> {
        let name = session.as_str();
        self.start_at(&self.socket(name), name, spec).await
    }

    async fn restart(
        &self,
        handle: &RuntimeHandle,
        spec: &LaunchSpec,
    ) -> Result<RuntimeHandle, RuntimeError> {
        let socket = self.socket_of(handle);
        match self.ask_at(&socket, &handle.id, &Request::Status).await {
            Ok(r) if r.alive => {
                return Err(RuntimeError::AlreadyExists {
                    name: handle.id.clone(),
                });
            }
            // The program ended but its host still serves: stop it to make way.
            Ok(_) => self.stop(handle).await?,
            Err(_) => {}
        }
        self.start_at(&socket, &handle.id, spec).await
    }

    async fn send(&self, handle: &RuntimeHandle, text: &str) -> Result<(), RuntimeError> {
        let mode = self.ask(handle, &Request::Mode).await?;
        let clean = sanitize(text);
        if clean.is_empty() {
            return Err(RuntimeError::Failed {
                operation: "send",
                detail: "the message is empty".into(),
            });
        }
        let data = match method(&clean) {
            Method::Paste if mode.bracketed_paste => format!("\x1b[200~{clean}\x1b[201~"),
            _ => clean.clone(),
        };
        self.write(handle, data).await?;
        tokio::time::sleep(self.enter_delay).await;
        self.write(handle, "\r".into()).await?;
        tokio::time::sleep(self.enter_delay + Duration::from_millis(100)).await;
        let screen = self.ask(handle, &Request::Output { lines: 50 }).await?.text;
        if looks_unsubmitted(&screen, &clean) {
            self.write(handle, "\r".into()).await?;
        }
        Ok(())
    }

    async fn erase(&self, handle: &RuntimeHandle, chars: usize) -> Result<(), RuntimeError> {
        if chars == 0 {
            return Ok(());
        }
        // DEL is what a terminal's Backspace key sends.
        self.write(handle, "\x7f".repeat(chars)).await
    }

    async fn output(&self, handle: &RuntimeHandle, lines: usize) -> Result<String, RuntimeError> {
        Ok(self.ask(handle, &Request::Output { lines }).await?.text)
    }

    async fn liveness(
        &self,
        handles: &[RuntimeHandle],
    ) -> Result<HashMap<String, RuntimeStatus>, RuntimeError> {
        let mut out = HashMap::new();
        for h in handles {
            let status = match self.ask(h, &Request::Status).await {
                Ok(r) if r.alive => RuntimeStatus::Alive,
                Ok(r) => RuntimeStatus::Exited { code: r.code },
                Err(_) => RuntimeStatus::Missing,
            };
            out.insert(h.id.clone(), status);
        }
        Ok(out)
    }

    fn attach_command(&self, handle: &RuntimeHandle) -> Result<Vec<String>, RuntimeError> {
        Ok(vec![
            self.exe.display().to_string(),
            ATTACH_ARG.to_string(),
            self.socket_of(handle).display().to_string(),
        ])
    }

    async fn inventory(&self, known: &[RuntimeHandle]) -> Result<Vec<Observed>, RuntimeError> {
        // Every host socket under `run/` (handoffs aside), plus any a handle records elsewhere.
        let run = self.home.root().join("run");
        let mut sockets: Vec<PathBuf> = std::fs::read_dir(&run)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.ends_with(".sock") && !crate::trampoline::is_handoff(&name)
            })
            .map(|e| e.path())
            .collect();
        for h in known {
            let s = self.socket_of(h);
            if !sockets.contains(&s) {
                sockets.push(s);
            }
        }
        sockets.sort();
        let mut out = Vec::new();
        for socket in sockets {
            let Ok(reply) = host::request(&socket, &Request::Status).await else {
                continue;
            };
            let name = reply.session.clone().or_else(|| {
                known
                    .iter()
                    .find(|h| self.socket_of(h) == socket)
                    .map(|h| h.id.clone())
            });
            let Some(name) = name else { continue };
            out.push(Observed {
                handle: self.handle_at(&socket, &name),
                status: if reply.alive {
                    RuntimeStatus::Alive
                } else {
                    RuntimeStatus::Exited { code: reply.code }
                },
            });
        }
        Ok(out)
    }

    async fn stop(&self, handle: &RuntimeHandle) -> Result<(), RuntimeError> {
        match self.ask(handle, &Request::Stop).await {
            Ok(_) => {
                // The host answers, then ends the program and removes its socket: wait for that,
                // so that a stopped session never still looks alive.
                let socket = self.socket_of(handle);
                let started = Instant::now();
                while socket.exists() && started.elapsed() < Duration::from_secs(5) {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Ok(())
            }
            Err(RuntimeError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
