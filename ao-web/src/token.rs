//! The per-install dashboard token (`$AO_HOME/daemon/dashboard.token`, mode 0600) and the
//! file in which the daemon says where its dashboard listens (`daemon/dashboard.json`).

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ao_core::home::AoHome;
use serde::{Deserialize, Serialize};

use crate::WebError;

/// Where the token of `home`'s dashboard is kept.
pub fn token_path(home: &AoHome) -> PathBuf {
    home.daemon_dir().join("dashboard.token")
}

/// Where the daemon says where its dashboard listens.
pub fn info_path(home: &AoHome) -> PathBuf {
    home.daemon_dir().join("dashboard.json")
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WebError {
    let path = path.to_path_buf();
    move |source| WebError::Io { path, source }
}

/// A new random token: 256 bits from the operating system's generator, as hex.
pub fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The token of `home`'s dashboard, created (0600, readable by its owner only) on first use.
/// A token file that others may read is refused: whoever reads it controls the agents.
pub fn ensure_token(home: &AoHome) -> Result<String, WebError> {
    let path = token_path(home);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let mode = std::fs::metadata(&path)
                .map_err(io(&path))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(WebError::TokenExposed {
                    path,
                    mode: mode & 0o777,
                });
            }
            let token = text.trim().to_string();
            if token.len() < 32 || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(WebError::TokenDamaged { path });
            }
            Ok(token)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let dir = home.daemon_dir();
            std::fs::create_dir_all(&dir).map_err(io(&dir))?;
            let token = random_token();
            // `create_new`: of two processes creating it at once, one wins; the other reads.
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
            {
                Ok(mut file) => {
                    file.write_all(format!("{token}\n").as_bytes())
                        .map_err(io(&path))?;
                    Ok(token)
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => ensure_token(home),
                Err(e) => Err(io(&path)(e)),
            }
        }
        Err(e) => Err(io(&path)(e)),
    }
}

/// Where the dashboard of a running daemon listens, or why it does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DashboardInfo {
    /// The daemon's process id.
    pub pid: u32,
    /// The port (on 127.0.0.1) it listens on, or wanted to.
    pub port: u16,
    /// Why it does not listen, when it does not (the port is taken…).
    pub error: Option<String>,
}

/// Records where the dashboard listens.
pub fn write_info(home: &AoHome, info: &DashboardInfo) -> Result<(), WebError> {
    let path = info_path(home);
    let bytes = serde_json::to_vec(info).map_err(|e| WebError::Io {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    ao_core::adapter_kit::fsutil::write_atomic(&path, &bytes).map_err(io(&path))
}

/// What the daemon of `home` last said about its dashboard (possibly a previous daemon's:
/// compare the pid).
pub fn read_info(home: &AoHome) -> Option<DashboardInfo> {
    let bytes = std::fs::read(info_path(home)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Waits up to `within` for the daemon `pid` to say where its dashboard listens (once its
/// projects are loaded), checking every 100 ms; `None` when it has not said by then.
pub fn wait_for_info(
    home: &AoHome,
    pid: u32,
    within: std::time::Duration,
) -> Option<DashboardInfo> {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(info) = read_info(home).filter(|i| i.pid == pid) {
            return Some(info);
        }
        if std::time::Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The address that logs in: the token is exchanged for a cookie and dropped from the URL.
pub fn login_url(port: u16, token: &str) -> String {
    format!("http://127.0.0.1:{port}/?token={token}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_token_is_created_once_private_and_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let home = AoHome::new(tmp.path());
        let first = ensure_token(&home).unwrap();
        assert_eq!(first.len(), 64);
        let mode = std::fs::metadata(token_path(&home))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(ensure_token(&home).unwrap(), first, "kept across calls");
        assert_ne!(random_token(), random_token());
    }

    #[test]
    fn a_token_others_can_read_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let home = AoHome::new(tmp.path());
        ensure_token(&home).unwrap();
        let path = token_path(&home);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = ensure_token(&home).unwrap_err();
        assert!(
            matches!(err, WebError::TokenExposed { mode: 0o644, .. }),
            "{err}"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(&path, "short\n").unwrap();
        assert!(matches!(
            ensure_token(&home).unwrap_err(),
            WebError::TokenDamaged { .. }
        ));
    }
}
