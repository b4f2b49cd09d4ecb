//! The trampoline: how a runtime starts a program without a shell, a command-line length
//! limit, or a secret in sight.
//!
//! The runtime writes an [`ExecSpec`] (argv, cwd, and the caller's full environment plus
//! `ao`'s additions) to a 0600 file under `AO_HOME` and starts `<this executable> __exec
//! <file>`. That process — any binary embedding `ao-core` calls [`run_if_invoked`] first in
//! `main` — reads the file, unlinks it at once, and `exec`s the program. So tmux only ever sees
//! a short command (it refuses commands over ~16 KB), no secret shows in `ps`, the tmux
//! command line or `show-environment`, and none stays on disk.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::fsutil::write_atomic;

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
    /// Working directory.
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
        /// Its size.
        bytes: usize,
    },
    /// Nothing to run.
    #[error("the launch has no program")]
    EmptyArgv,
    /// The spec file can be read or written by others; it is not trusted.
    #[error("{} is accessible to other users (mode {mode:o}); refusing to run it", path.display())]
    Insecure {
        /// The file.
        path: PathBuf,
        /// Its mode.
        mode: u32,
    },
    /// The spec file is not a spec.
    #[error("{} is not a launch spec: {detail}", path.display())]
    BadSpec {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// File trouble.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// `exec` failed.
    #[error("cannot run {program}: {source}")]
    Exec {
        /// The program.
        program: String,
        /// The error.
        #[source]
        source: io::Error,
    },
}

impl ExecSpec {
    /// The spec that runs `launch` with the caller's whole environment plus the launch's
    /// additions — a runtime's session host would otherwise hand the program its own
    /// environment. A surrounding tmux session's variables are not passed on.
    pub fn for_launch(launch: &crate::domain::LaunchSpec) -> Self {
        let mut env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        env.remove("TMUX");
        env.remove("TMUX_PANE");
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

/// Validates `spec` and writes it (0600) into `dir` under a fresh name; returns its path.
pub fn write_spec(
    dir: &Path,
    name_hint: &str,
    spec: &ExecSpec,
) -> Result<PathBuf, TrampolineError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    spec.validate()?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = dir.join(format!(
        "{name_hint}.{}.{nanos}.{}.exec.json",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let bytes = serde_json::to_vec(spec).map_err(|e| TrampolineError::BadSpec {
        path: path.clone(),
        detail: e.to_string(),
    })?;
    write_atomic(&path, &bytes).map_err(|source| TrampolineError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// Call first in `main`: when this process was started as `<exe> __exec <spec>`, runs the spec
/// and never returns (exit 127 with a message on failure); as `<exe> __pty-host …` it runs a
/// process-runtime session host; otherwise it returns at once.
pub fn run_if_invoked() {
    let mut args = std::env::args_os().skip(1);
    let first = args.next();
    let is = |arg: &str| first.as_deref() == Some(std::ffi::OsStr::new(arg));
    if is(crate::process::HOST_ARG) || is(crate::process::ATTACH_ARG) {
        let rest: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
        if is(crate::process::HOST_ARG) {
            crate::process::run_host(&rest);
        }
        crate::process::run_attach(&rest);
    }
    if first.as_deref() != Some(std::ffi::OsStr::new(EXEC_ARG)) {
        return;
    }
    let Some(path) = args.next() else {
        eprintln!("ao: {EXEC_ARG} needs a spec file");
        std::process::exit(127);
    };
    let err = exec_from(Path::new(&path));
    eprintln!("ao: {err}");
    std::process::exit(127);
}

/// Reads, unlinks and executes a spec file; returns only on failure.
pub fn exec_from(path: &Path) -> TrampolineError {
    let io_err = |source| TrampolineError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return io_err(e),
    };
    let bytes = std::fs::read(path);
    // Gone before anything else happens, whatever it holds.
    let removed = std::fs::remove_file(path);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return TrampolineError::Insecure {
                path: path.to_path_buf(),
                mode,
            };
        }
    }
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return io_err(e),
    };
    if let Err(e) = removed {
        return io_err(e);
    }
    let spec: ExecSpec = match serde_json::from_slice(&bytes) {
        Ok(s) => s,
        Err(e) => {
            return TrampolineError::BadSpec {
                path: path.to_path_buf(),
                detail: e.to_string(),
            };
        }
    };
    if let Err(e) = spec.validate() {
        return e;
    }
    exec(&spec)
}

#[cfg(unix)]
fn exec(spec: &ExecSpec) -> TrampolineError {
    use std::os::unix::process::CommandExt;
    let program = spec.argv[0].clone();
    let err = std::process::Command::new(&program)
        .args(&spec.argv[1..])
        .current_dir(&spec.cwd)
        .env_clear()
        .envs(&spec.env)
        .exec();
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
        let dir = tempfile::tempdir().unwrap();
        assert!(write_spec(dir.path(), "s", &spec(&["p", &big])).is_err());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing written"
        );
    }

    #[test]
    fn a_spec_is_unlinked_even_when_it_cannot_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_spec(dir.path(), "s", &spec(&["/nonexistent/program"])).unwrap();
        let err = exec_from(&path);
        assert!(matches!(err, TrampolineError::Exec { .. }), "{err}");
        assert!(!path.exists());

        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                exec_from(&bad),
                TrampolineError::Insecure { mode: 0o644, .. }
            ));
            assert!(!bad.exists());
        }
    }
}
