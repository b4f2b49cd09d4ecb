//! The trampoline: how a runtime starts a program without a shell, a command-line length
//! limit, or a secret in sight — or at rest.
//!
//! A runtime cannot simply pass the program's environment along: a tmux pane inherits the tmux
//! *server's* environment, not the caller's, and tmux refuses commands over ~16 KB. So the
//! runtime starts `<this executable> __exec <socket>` instead, and hands the [`ExecSpec`]
//! (argv, cwd, the caller's full environment plus `ao`'s additions) to that process over a
//! one-shot unix socket ([`Handoff`]). Any binary embedding `ao-core` calls
//! [`crate::run_if_invoked`] first in `main`; as the trampoline it connects, reads the spec,
//! and `exec`s the program.
//!
//! Why a socket and not a file: the spec holds the caller's whole environment, API keys
//! included. A file — even 0600, even unlinked by the trampoline at once — stays on disk when
//! the launching `ao` is killed between writing it and the trampoline reading it. The socket
//! holds nothing: the spec only ever lives in the memory of the launching process, which
//! serves it to the first process of the same user that connects, then removes the socket. A
//! crash leaves at most an empty socket file, named after the process that made it, which
//! reconciliation removes ([`stale_handoffs`]). And `start` returns only once the program has
//! its spec, so a launch that never began is an error, not a silent empty pane.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The argument that makes a binary act as the trampoline.
pub const EXEC_ARG: &str = "__exec";

/// The largest single argument accepted (the kernel caps one at 128 KiB); bigger prompts go
/// through files.
pub const MAX_ARG_BYTES: usize = 100 * 1024;

/// What the trampoline executes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecSpec {
    /// Program and arguments; `argv[0]` is the program.
    pub argv: Vec<String>,
    /// The directory the program starts in.
    pub cwd: PathBuf,
    /// The complete environment of the program.
    pub env: BTreeMap<String, String>,
}

/// Why a launch through the trampoline failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrampolineError {
    /// An argument is too large to pass on a command line.
    #[error(
        "argument {index} is {bytes} bytes; the limit is {} (pass large text through a file)",
        MAX_ARG_BYTES
    )]
    ArgumentTooLarge {
        /// Its position in argv.
        index: usize,
        /// Its length in bytes, over [`MAX_ARG_BYTES`].
        bytes: usize,
    },
    /// Nothing to run.
    #[error("the launch has no program")]
    EmptyArgv,
    /// The handoff socket's path is longer than unix sockets allow.
    #[error(
        "{} is too long for a unix socket ({} bytes, at most {}); use a shorter AO_HOME",
        path.display(), path.as_os_str().len(), MAX_SOCKET_PATH
    )]
    SocketPathTooLong {
        /// The socket path, longer than [`MAX_SOCKET_PATH`] bytes.
        path: PathBuf,
    },
    /// The launch was handed over to nobody in time: the trampoline never started.
    #[error("the program was not started within {}s (nothing fetched its launch)", waited.as_secs())]
    NotFetched {
        /// How long it waited.
        waited: Duration,
    },
    /// What came over the handoff socket is not a spec.
    #[error("{} did not hand over a launch spec: {detail}", path.display())]
    BadSpec {
        /// The handoff socket the spec came from (or was to be served on).
        path: PathBuf,
        /// What the JSON decoder (or encoder) said.
        detail: String,
    },
    /// Socket or file trouble.
    #[error("{}: {source}", path.display())]
    Io {
        /// The handoff socket, or the directory it was to be made in.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// `exec` of the program failed, e.g. because it does not exist.
    #[error("cannot run {program}: {source}")]
    Exec {
        /// The program, `argv[0]` of the spec, as given.
        program: String,
        /// What the operating system said when `exec` failed.
        #[source]
        source: io::Error,
    },
}

/// The longest path a unix socket address holds (`sun_path` is 108 bytes with its NUL).
pub const MAX_SOCKET_PATH: usize = 107;

/// The file-name prefix of handoff sockets.
const HANDOFF_PREFIX: &str = "exec-";

impl ExecSpec {
    /// The spec that runs `launch` with the caller's whole environment plus the launch's
    /// additions — a runtime's session host would otherwise hand the program its own
    /// environment. A surrounding tmux session's variables are not passed on, nor those the
    /// launch leaves out (`env_remove`).
    pub fn for_launch(launch: &crate::domain::LaunchSpec) -> Self {
        let mut env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        env.remove("TMUX");
        env.remove("TMUX_PANE");
        for name in &launch.env_remove {
            env.remove(name);
        }
        env.extend(launch.env.clone());
        Self {
            argv: launch.argv.clone(),
            cwd: launch.cwd.clone(),
            env,
        }
    }

    /// Checks that the spec can be executed.
    pub fn validate(&self) -> Result<(), TrampolineError> {
        if self.argv.first().is_none_or(String::is_empty) {
            return Err(TrampolineError::EmptyArgv);
        }
        if let Some((index, arg)) = self
            .argv
            .iter()
            .enumerate()
            .find(|(_, a)| a.len() > MAX_ARG_BYTES)
        {
            return Err(TrampolineError::ArgumentTooLarge {
                index,
                bytes: arg.len(),
            });
        }
        Ok(())
    }
}

/// A launch spec waiting for its trampoline: a one-shot unix socket that hands the spec to
/// the first process of this user that connects, then goes away (also when dropped).
#[derive(Debug)]
pub struct Handoff {
    path: PathBuf,
    listener: tokio::net::UnixListener,
    bytes: Vec<u8>,
}

impl Handoff {
    /// Validates `spec` and opens a socket for it in `dir` (created 0700). Needs a tokio
    /// runtime.
    pub fn bind(dir: &Path, spec: &ExecSpec) -> Result<Self, TrampolineError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        spec.validate()?;
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| TrampolineError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io_err(dir))?;
        }
        let path = dir.join(format!(
            "{HANDOFF_PREFIX}{}-{}.sock",
            crate::owner::ProcessStamp::current().to_file_part(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        if path.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(TrampolineError::SocketPathTooLong { path });
        }
        // The name is unique to this process; anything there is a leftover of a reused pid.
        let _ = std::fs::remove_file(&path);
        let listener = tokio::net::UnixListener::bind(&path).map_err(io_err(&path))?;
        let bytes = serde_json::to_vec(spec).map_err(|e| TrampolineError::BadSpec {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        Ok(Self {
            path,
            listener,
            bytes,
        })
    }

    /// The socket: the argument the trampoline gets after [`EXEC_ARG`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Waits up to `timeout` for the trampoline and hands it the spec. Connections from other
    /// users are turned away.
    pub async fn deliver(self, timeout: Duration) -> Result<(), TrampolineError> {
        use tokio::io::AsyncWriteExt;
        let me = rustix::process::geteuid().as_raw();
        let io_err = |source| TrampolineError::Io {
            path: self.path.clone(),
            source,
        };
        let started = std::time::Instant::now();
        loop {
            let left = timeout.saturating_sub(started.elapsed());
            let accepted = tokio::time::timeout(left, self.listener.accept()).await;
            let Ok(accepted) = accepted else {
                return Err(TrampolineError::NotFetched { waited: timeout });
            };
            let (mut stream, _) = accepted.map_err(io_err)?;
            if stream.peer_cred().map(|c| c.uid()).ok() != Some(me) {
                continue;
            }
            stream.write_all(&self.bytes).await.map_err(io_err)?;
            stream.shutdown().await.map_err(io_err)?;
            return Ok(());
        }
    }
}

impl Drop for Handoff {
    /// A socket that cannot be removed holds nothing; reconciliation removes it later.
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Handoff sockets in `dir` whose launching process is gone: left by a crash, holding nothing,
/// safe to remove.
pub fn stale_handoffs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_prefix(HANDOFF_PREFIX)?.strip_suffix(".sock")?;
            // `<pid>-<start>-<counter>`
            let (owner, _) = stem.rsplit_once('-')?;
            let owner = crate::owner::ProcessStamp::from_file_part(owner)?;
            (!owner.is_alive()).then(|| e.path())
        })
        .collect();
    stale.sort();
    stale
}

/// Whether `name` is a handoff socket's file name.
pub fn is_handoff(name: &str) -> bool {
    name.starts_with(HANDOFF_PREFIX) && name.ends_with(".sock")
}

/// Another hidden job a binary embedding `ao-core` can be started for (`<exe> <arg> …`), e.g.
/// the process runtime's session host.
#[derive(Debug, Clone, Copy)]
pub struct EntryPoint {
    /// The first argument that selects it.
    pub arg: &'static str,
    /// What runs, given the arguments after `arg`; it never returns.
    pub run: fn(&[String]) -> !,
}

/// Call first in `main` (or [`crate::run_if_invoked`], which passes ao-core's own entry
/// points): started as `<exe> __exec <socket>`, this process fetches its launch and becomes
/// the program, never returning (exit 127 with a message on failure); started as one of
/// `entries`, it runs that; otherwise it returns at once.
pub fn run_if_invoked_with(entries: &[EntryPoint]) {
    let mut args = std::env::args_os().skip(1);
    let Some(first) = args.next() else {
        return;
    };
    if let Some(entry) = entries.iter().find(|e| first == *e.arg) {
        let rest: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
        (entry.run)(&rest);
    }
    if first != EXEC_ARG {
        return;
    }
    let Some(path) = args.next() else {
        eprintln!("ao: {EXEC_ARG} needs the launch's socket");
        std::process::exit(127);
    };
    let err = exec_from(Path::new(&path));
    eprintln!("ao: {err}");
    std::process::exit(127);
}

/// Fetches a spec from the handoff socket at `path` and executes it; returns only on failure.
pub fn exec_from(path: &Path) -> TrampolineError {
    match fetch(path) {
        Ok(spec) => exec(&spec),
        Err(e) => e,
    }
}

/// Reads the spec a [`Handoff`] serves at `path`.
pub fn fetch(path: &Path) -> Result<ExecSpec, TrampolineError> {
    use std::io::Read;
    let io_err = |source| TrampolineError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut stream = std::os::unix::net::UnixStream::connect(path).map_err(io_err)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(io_err)?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).map_err(io_err)?;
    let spec: ExecSpec = serde_json::from_slice(&bytes).map_err(|e| TrampolineError::BadSpec {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    spec.validate()?;
    Ok(spec)
}

#[cfg(unix)]
fn exec(spec: &ExecSpec) -> TrampolineError {
    use std::os::unix::process::CommandExt;
    let program = spec.argv[0].clone();
    let mut cmd = std::process::Command::new(&program);
    cmd.args(&spec.argv[1..])
        .current_dir(&spec.cwd)
        .env_clear()
        .envs(&spec.env);
    // A spec with no terminal type (the caller's was its agent's, e.g. codex's `dumb`) gets the
    // one of the terminal it runs in.
    if !spec.env.contains_key("TERM")
        && let Ok(term) = std::env::var("TERM")
    {
        cmd.env("TERM", term);
    }
    let err = cmd.exec();
    TrampolineError::Exec {
        program,
        source: err,
    }
}

#[cfg(not(unix))]
fn exec(spec: &ExecSpec) -> TrampolineError {
    TrampolineError::Exec {
        program: spec.argv[0].clone(),
        source: io::Error::other("exec is only available on unix"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(argv: &[&str]) -> ExecSpec {
        ExecSpec {
            argv: argv.iter().map(|s| (*s).to_string()).collect(),
            cwd: "/".into(),
            env: BTreeMap::new(),
        }
    }

    #[test]
    fn oversized_and_empty_launches_are_refused() {
        let big = "x".repeat(MAX_ARG_BYTES + 1);
        let err = spec(&["prog", "ok", &big]).validate().unwrap_err();
        assert!(
            matches!(err, TrampolineError::ArgumentTooLarge { index: 2, .. }),
            "{err}"
        );
        assert!(
            spec(&["prog", &"x".repeat(MAX_ARG_BYTES)])
                .validate()
                .is_ok()
        );
        assert!(matches!(
            spec(&[]).validate(),
            Err(TrampolineError::EmptyArgv)
        ));
    }

    #[tokio::test]
    async fn a_handoff_serves_its_spec_once_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let mut want = spec(&["prog", "arg"]);
        want.env.insert("SECRET".into(), "s3cr3t".into());
        let handoff = Handoff::bind(dir.path(), &want).unwrap();
        let path = handoff.path().to_path_buf();
        assert!(path.exists());
        let fetcher = tokio::task::spawn_blocking({
            let path = path.clone();
            move || fetch(&path)
        });
        handoff.deliver(Duration::from_secs(5)).await.unwrap();
        assert_eq!(fetcher.await.unwrap().unwrap(), want);
        assert!(!path.exists(), "the socket is gone once served");
        assert!(
            fetch(&path).is_err(),
            "nobody serves a second copy of the spec"
        );

        // Nobody came: an error, and the socket is gone too.
        let handoff = Handoff::bind(dir.path(), &want).unwrap();
        let path = handoff.path().to_path_buf();
        let err = handoff
            .deliver(Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(matches!(err, TrampolineError::NotFetched { .. }), "{err}");
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn handoffs_of_a_dead_process_are_stale_and_live_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let live = Handoff::bind(dir.path(), &spec(&["p"])).unwrap();
        let dead = dir
            .path()
            .join(format!("{HANDOFF_PREFIX}999999999-1-0.sock"));
        std::fs::write(&dead, "").unwrap();
        assert_eq!(stale_handoffs(dir.path()), [dead]);
        assert!(is_handoff(
            &live.path().file_name().unwrap().to_string_lossy()
        ));
    }
}
