//! Paths written in a config: `~` and relative paths, resolved without touching the disk.

use std::path::{Component, Path, PathBuf};

/// Resolves a config path: `~` is the home directory, relative paths start at `base`; `.` and
/// `..` are folded without touching the file system.
pub(crate) fn resolve_path(raw: &str, base: &Path, home: Option<&Path>) -> PathBuf {
    let expanded = match (raw.strip_prefix('~'), home) {
        (Some(""), Some(home)) => home.to_path_buf(),
        (Some(rest), Some(home)) if rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(raw),
    };
    let joined = if expanded.is_absolute() {
        expanded
    } else {
        base.join(expanded)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_home_relative_and_dot_segments() {
        let home = Path::new("/home/u");
        let base = Path::new("/etc/cfg");
        assert_eq!(
            resolve_path("~/code/app", base, Some(home)),
            PathBuf::from("/home/u/code/app")
        );
        assert_eq!(
            resolve_path("~", base, Some(home)),
            PathBuf::from("/home/u")
        );
        assert_eq!(
            resolve_path("../app", base, Some(home)),
            PathBuf::from("/etc/app")
        );
        assert_eq!(
            resolve_path("./x/./y", base, Some(home)),
            PathBuf::from("/etc/cfg/x/y")
        );
        assert_eq!(
            resolve_path("/abs", base, Some(home)),
            PathBuf::from("/abs")
        );
        assert_eq!(
            resolve_path("~other/x", base, Some(home)),
            PathBuf::from("/etc/cfg/~other/x")
        );
    }
}
