//! Shared fixtures.

use std::path::{Path, PathBuf};
use std::process::Command;

use ao_core::config::{self, Config, ConfigError, Diagnostic, KnownNames};

/// The sample-config directory.
pub(crate) fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sample-configs")
}

/// Runs git in `dir`, failing the test when it fails.
pub(crate) fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes an (empty) commit with a throwaway identity; `ao` itself never needs one.
pub(crate) fn commit(repo: &Path, message: &str) {
    git(
        repo,
        &[
            "-c",
            "user.email=t@e",
            "-c",
            "user.name=t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            message,
        ],
    );
}

/// A fresh git repository in a temp dir.
pub(crate) fn git_repo(parent: &Path, name: &str) -> PathBuf {
    let dir = parent.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    dir
}

/// Loads `text` as the config at `path` with no environment variables set.
pub(crate) fn load_text(path: &Path, text: &str) -> Result<Config, ConfigError> {
    config::load_str(path, text, &KnownNames::builtin(), &|_| None)
}

/// The diagnostics of a config that must be invalid.
pub(crate) fn invalid(result: Result<Config, ConfigError>) -> Vec<Diagnostic> {
    match result {
        Err(ConfigError::Invalid { diagnostics, .. }) => diagnostics,
        Err(other) => panic!("expected an invalid config, got {other:?}"),
        Ok(cfg) => panic!(
            "expected an invalid config, it loaded with warnings {:#?}",
            cfg.warnings
        ),
    }
}

/// The errors only.
pub(crate) fn errors(result: Result<Config, ConfigError>) -> Vec<Diagnostic> {
    invalid(result)
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect()
}

/// A stand-in agent program at `dir/name` for the fake runtime, which really runs programs: it
/// echoes what it is sent, and keeps running. Returns its absolute path.
pub(crate) fn agent_program(dir: &Path, name: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(&path, "#!/bin/sh\nexec cat\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}
