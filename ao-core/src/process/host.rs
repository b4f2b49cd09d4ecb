//! `ao __pty-host`: the small process that owns one session's pseudo-terminal.
//!
//! It outlives the command that started it (it runs in its own session), keeps the screen in a
//! terminal emulator so `output` shows what a person would see, records the program's exit
//! status, and answers one JSON request per connection on its unix socket. It ends when told
//! to stop.
//!
//! The host has nobody to report to: a client that went away mid-answer, a flush that failed,
//! a terminal it could not restore, a socket it could not remove are let go (`let _ =`) — the
//! next request, or reconciliation, sees the result.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::trampoline::EXEC_ARG;

/// The argument that makes a binary act as the pty host.
pub const HOST_ARG: &str = "__pty-host";

/// A request to the host.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub(crate) enum Request {
    Status,
    Output {
        lines: usize,
    },
    Mode,
    Write {
        data: String,
    },
    Stop,
    /// Stream: after the reply, the connection carries the terminal both ways.
    Attach,
}

/// The host's answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Reply {
    #[serde(default)]
    pub(crate) alive: bool,
    #[serde(default)]
    pub(crate) code: Option<i32>,
    #[serde(default)]
    pub(crate) text: String,
    #[serde(default)]
    pub(crate) bracketed_paste: bool,
    #[serde(default)]
    pub(crate) error: Option<String>,
    /// The session the host serves.
    #[serde(default)]
    pub(crate) session: Option<String>,
}

struct State {
    session: Option<String>,
    parser: vt100::Parser,
    exit: Option<Option<i32>>,
    /// Output for attached terminals.
    tee: tokio::sync::broadcast::Sender<Vec<u8>>,
}

/// Runs the host (`<exe> __pty-host <socket> <launch> <rows> <cols> [session]`); returns on
/// stop or failure.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let (socket, spec, rows, cols, session) = match args {
        [socket, spec, rows, cols] => (socket, spec, rows, cols, None),
        [socket, spec, rows, cols, session] => (socket, spec, rows, cols, Some(session.clone())),
        _ => {
            return Err(format!(
                "usage: {HOST_ARG} <socket> <launch> <rows> <cols> [session]"
            ));
        }
    };
    let rows: u16 = rows.parse().map_err(|_| "bad rows")?;
    let cols: u16 = cols.parse().map_err(|_| "bad cols")?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(serve(
        PathBuf::from(socket),
        PathBuf::from(spec),
        (rows, cols),
        session,
    ))
}

async fn serve(
    socket: PathBuf,
    spec: PathBuf,
    (rows, cols): (u16, u16),
    session: Option<String>,
) -> Result<(), String> {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let err = |e: rustix::io::Errno| e.to_string();
    let master =
        openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).map_err(err)?;
    grantpt(&master).map_err(err)?;
    unlockpt(&master).map_err(err)?;
    let name = ptsname(&master, Vec::new()).map_err(err)?;
    rustix::termios::tcsetwinsize(
        &master,
        rustix::termios::Winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        },
    )
    .map_err(err)?;
    let slave_path = PathBuf::from(name.to_string_lossy().into_owned());
    let open_slave = || {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&slave_path)
    };
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // `setsid -c` makes the pty the program's controlling terminal, so job control and
    // terminal signals behave as in any terminal.
    let mut child = tokio::process::Command::new("setsid")
        .arg("-c")
        .arg(&exe)
        .arg(EXEC_ARG)
        .arg(&spec)
        .stdin(Stdio::from(open_slave().map_err(|e| e.to_string())?))
        .stdout(Stdio::from(open_slave().map_err(|e| e.to_string())?))
        .stderr(Stdio::from(open_slave().map_err(|e| e.to_string())?))
        .spawn()
        .map_err(|e| format!("cannot start the program: {e}"))?;

    let (tee, _) = tokio::sync::broadcast::channel(256);
    let state = Arc::new(Mutex::new(State {
        session,
        parser: vt100::Parser::new(rows, cols, 2000),
        exit: None,
        tee,
    }));
    let master = std::fs::File::from(master);
    let writer = Arc::new(tokio::sync::Mutex::new(tokio::fs::File::from_std(
        master.try_clone().map_err(|e| e.to_string())?,
    )));
    let mut reader = tokio::fs::File::from_std(master);

    let read_state = state.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 8192];
        // EIO once the program and everything holding the terminal have gone.
        while let Ok(n) = reader.read(&mut buf).await {
            if n == 0 {
                break;
            }
            if let Ok(mut s) = read_state.lock() {
                s.parser.process(&buf[..n]);
                let _ = s.tee.send(buf[..n].to_vec());
            }
        }
    });
    let wait_state = state.clone();
    let pid = child.id();
    tokio::spawn(async move {
        let status = child.wait().await.ok();
        let code = status.and_then(|s| {
            use std::os::unix::process::ExitStatusExt;
            s.code().or_else(|| s.signal().map(|sig| 128 + sig))
        });
        if let Ok(mut s) = wait_state.lock() {
            s.exit = Some(code);
        }
    });

    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket).map_err(|e| format!("{}: {e}", socket.display()))?;
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        if handle(stream, &state, &writer).await {
            break;
        }
    }
    if let Some(pid) = pid.and_then(|p| rustix::process::Pid::from_raw(p as i32)) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::HUP);
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
    }
    let _ = std::fs::remove_file(&socket);
    Ok(())
}

/// Answers one request; `true` when the host should stop.
async fn handle(
    stream: UnixStream,
    state: &Arc<Mutex<State>>,
    writer: &Arc<tokio::sync::Mutex<tokio::fs::File>>,
) -> bool {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut line = String::new();
    if read.read_line(&mut line).await.is_err() {
        return false;
    }
    let mut reply = Reply::default();
    let mut stop = false;
    match serde_json::from_str::<Request>(&line) {
        Err(e) => reply.error = Some(e.to_string()),
        Ok(request) => {
            if let Ok(s) = state.lock() {
                reply.session = s.session.clone();
                reply.alive = s.exit.is_none();
                reply.code = s.exit.flatten();
                reply.bracketed_paste = s.parser.screen().bracketed_paste();
                if let Request::Output { lines } = request {
                    let contents = s.parser.screen().contents();
                    let all: Vec<&str> = contents.trim_end().lines().collect();
                    reply.text = all[all.len().saturating_sub(lines)..].join("\n");
                }
            }
            match request {
                Request::Write { data } => {
                    let mut w = writer.lock().await;
                    if let Err(e) = w.write_all(data.as_bytes()).await {
                        reply.error = Some(e.to_string());
                    }
                    let _ = w.flush().await;
                }
                Request::Stop => stop = true,
                _ => {}
            }
        }
    }
    let mut out = serde_json::to_string(&reply).unwrap_or_default();
    out.push('\n');
    let _ = write.write_all(out.as_bytes()).await;
    if matches!(serde_json::from_str::<Request>(&line), Ok(Request::Attach)) {
        attach(read, write, state, writer.clone());
    }
    stop
}

/// Connects an attached terminal: its keys go to the program, the program's output (after a
/// redraw of the current screen) goes to it, until either side closes.
fn attach(
    mut read: BufReader<tokio::net::unix::OwnedReadHalf>,
    mut write: tokio::net::unix::OwnedWriteHalf,
    state: &Arc<Mutex<State>>,
    writer: Arc<tokio::sync::Mutex<tokio::fs::File>>,
) {
    let (screen, mut output) = match state.lock() {
        Ok(s) => (s.parser.screen().contents_formatted(), s.tee.subscribe()),
        Err(_) => return,
    };
    tokio::spawn(async move {
        if write.write_all(&screen).await.is_err() {
            return;
        }
        while let Ok(chunk) = output.recv().await {
            if write.write_all(&chunk).await.is_err() {
                break;
            }
        }
    });
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        while let Ok(n) = read.read(&mut buf).await {
            if n == 0 {
                break;
            }
            let mut w = writer.lock().await;
            if w.write_all(&buf[..n]).await.is_err() {
                break;
            }
            let _ = w.flush().await;
        }
    });
}

/// `<exe> __pty-attach <socket>`: puts this terminal in raw mode and connects it to a session
/// until the session ends or `Ctrl-]` is pressed.
pub(crate) fn attach_terminal(socket: &Path) -> Result<(), String> {
    use rustix::termios::{OptionalActions, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin).map_err(|e| format!("not a terminal: {e}"))?;
    let mut raw = saved.clone();
    raw.make_raw();
    tcsetattr(&stdin, OptionalActions::Now, &raw).map_err(|e| e.to_string())?;
    let result = (|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            let stream = UnixStream::connect(socket)
                .await
                .map_err(|e| format!("{}: {e}", socket.display()))?;
            let (read, mut write) = stream.into_split();
            write
                .write_all(b"{\"op\":\"attach\"}\n")
                .await
                .map_err(|e| e.to_string())?;
            let mut read = BufReader::new(read);
            let mut reply = String::new();
            read.read_line(&mut reply)
                .await
                .map_err(|e| e.to_string())?;
            let to_screen = async {
                let mut out = tokio::io::stdout();
                let mut buf = vec![0u8; 8192];
                while let Ok(n) = read.read(&mut buf).await {
                    if n == 0 || out.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                    let _ = out.flush().await;
                }
            };
            let from_keys = async {
                let mut keys = tokio::io::stdin();
                let mut buf = vec![0u8; 1024];
                while let Ok(n) = keys.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    // Ctrl-] detaches, as in telnet.
                    if let Some(i) = buf[..n].iter().position(|b| *b == 0x1d) {
                        let _ = write.write_all(&buf[..i]).await;
                        break;
                    }
                    if write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            };
            tokio::select! {
                () = to_screen => {},
                () = from_keys => {},
            }
            Ok::<(), String>(())
        })
    })();
    let _ = tcsetattr(&stdin, OptionalActions::Now, &saved);
    result
}

/// How long a host may take to answer: a hung host must not hang every `ao status`.
const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);

/// Sends one request to the host at `socket`.
pub(crate) async fn request(socket: &Path, request: &Request) -> std::io::Result<Reply> {
    tokio::time::timeout(ANSWER_WITHIN, ask(socket, request))
        .await
        .map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("{} did not answer", socket.display()),
            )
        })?
}

async fn ask(socket: &Path, request: &Request) -> std::io::Result<Reply> {
    let stream = UnixStream::connect(socket).await?;
    let (read, mut write) = stream.into_split();
    let mut line = serde_json::to_string(request).map_err(std::io::Error::other)?;
    line.push('\n');
    write.write_all(line.as_bytes()).await?;
    let mut answer = String::new();
    BufReader::new(read).read_line(&mut answer).await?;
    serde_json::from_str(&answer).map_err(std::io::Error::other)
}
