//! Finding programs and running them briefly, for `ao doctor` and the agent adapters' checks:
//! where a program is, what version it says it is, and what it does with an argument list when
//! nothing it could reach is real (an empty home, no keys, a closed port).

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where `program` is: itself when it names a path, else the first match on `path` (a
/// `PATH`-style list; this process's `PATH` when `None`).
pub fn find_program(program: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return is_executable(&p).then_some(p);
    }
    let search = path
        .map(OsStr::to_os_string)
        .or_else(|| std::env::var_os("PATH"))?;
    std::env::split_paths(&search)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

/// A file named `program` that [`find_program`] passed over because it is not executable (a
/// download without `chmod +x`), to say so instead of "not installed".
pub fn find_unexecutable(program: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return (p.is_file() && !is_executable(&p)).then_some(p);
    }
    let search = path
        .map(OsStr::to_os_string)
        .or_else(|| std::env::var_os("PATH"))?;
    std::env::split_paths(&search)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file() && !is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// What a short run of a program did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The exit code (`None` when killed, e.g. at the time limit).
    pub code: Option<i32>,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
    /// Whether it was killed for running past the time limit.
    pub timed_out: bool,
}

/// Runs `argv` in `cwd` with exactly `env` (nothing inherited), stdin closed, killing it and
/// everything it started after `limit`. `None` when it cannot be started.
pub fn run(
    argv: &[String],
    cwd: &Path,
    env: &BTreeMap<String, String>,
    limit: Duration,
) -> Option<Run> {
    let (program, args) = argv.split_first()?;
    let mut command = Command::new(program);
    // Its own process group, so a time-out stops its children too (a node wrapper's native
    // binary would otherwise keep the output pipes open).
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        // A program that cannot be started is what `None` reports.
        .ok()?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() >= limit => {
                timed_out = true;
                #[cfg(unix)]
                if let Some(group) = i32::try_from(child.id())
                    .ok()
                    .and_then(rustix::process::Pid::from_raw)
                {
                    let _ =
                        rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
                }
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break None,
        }
    };
    Some(Run {
        code: status.and_then(|s| s.code()),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        timed_out,
    })
}

/// An environment in which an agent CLI can parse its arguments but reach nothing real: the
/// launch's variables without anything secret-looking, `PATH`, `LANG`, a fresh `HOME` and
/// `AO_HOME` under `scratch` (the agent's hooks run `ao hook`, which must not record a probe's
/// events against a live session), and `extra` (the adapter's own: config dirs, base URLs at
/// a closed port).
pub fn isolated_env(
    launch_env: &BTreeMap<String, String>,
    scratch: &Path,
    extra: &[(&str, String)],
) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = launch_env
        .iter()
        .filter(|(k, _)| !crate::config::is_secret_name(k) && k.as_str() != "PATH")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    env.insert("HOME".into(), scratch.join("home").display().to_string());
    env.insert(
        "AO_HOME".into(),
        scratch.join("ao-home").display().to_string(),
    );
    for name in ["PATH", "LANG", "TERM"] {
        if let Ok(value) = std::env::var(name) {
            env.insert(name.to_string(), value);
        }
    }
    for (k, v) in extra {
        env.insert((*k).to_string(), v.clone());
    }
    env
}

/// A closed loopback port, for base URLs a probe must never reach.
pub const CLOSED_PORT_URL: &str = "http://127.0.0.1:9";

/// The first non-empty line a program prints for `args` (e.g. `--version`) within 10 s.
pub fn version(binary: &Path, args: &[&str]) -> Option<String> {
    let mut env = BTreeMap::new();
    for name in ["PATH", "HOME", "LANG"] {
        if let Ok(value) = std::env::var(name) {
            env.insert(name.to_string(), value);
        }
    }
    let argv: Vec<String> = std::iter::once(binary.display().to_string())
        .chain(args.iter().map(|a| (*a).to_string()))
        .collect();
    let dir = std::env::temp_dir();
    let out = run(&argv, &dir, &env, Duration::from_secs(10))?;
    if out.code != Some(0) {
        return None;
    }
    out.stdout
        .lines()
        .chain(out.stderr.lines())
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_programs_and_runs_them_within_limits() {
        let sh = find_program("sh", None).unwrap();
        assert!(sh.is_absolute());
        assert!(find_program("surely-no-such-program-here", None).is_none());
        assert!(find_program("/nonexistent/sh", None).is_none());
        let env = BTreeMap::from([("X".to_string(), "from-env".to_string())]);
        let argv = |s: &str| vec![sh.display().to_string(), "-c".to_string(), s.to_string()];
        let out = run(
            &argv("echo \"$X\"; echo err >&2; exit 3"),
            Path::new("/"),
            &env,
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(
            (out.code, out.stdout.trim(), out.stderr.trim()),
            (Some(3), "from-env", "err")
        );
        let slow = run(
            &argv("sleep 5"),
            Path::new("/"),
            &env,
            Duration::from_millis(100),
        )
        .unwrap();
        assert!(slow.timed_out && slow.code.is_none(), "{slow:?}");
        assert_eq!(
            version(&sh, &["-c", "echo; echo v1.2"]).as_deref(),
            Some("v1.2")
        );
    }
}
