//! Crash-safe file writes and cross-process locks: the write discipline every `ao` state file
//! follows.
//!
//! A write goes to a temp file in the same directory, is fsynced, renamed over the target, and
//! the directory is fsynced — so a crash at any instant leaves the old or the new content,
//! never a torn file. Read-modify-write sequences hold an exclusive lock on a lock file
//! (`flock`-style, released when the process dies, so a killed writer never leaves a stale
//! lock behind).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `path` atomically and durably, with mode 0600.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("path has no parent directory"))?;
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.tmp.{}.{}",
        std::process::id(),
        next_counter()
    ));
    let result = (|| {
        let mut file = private_options().write(true).create_new(true).open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        // The write's error is what matters; a dot-file left behind is ignored by readers.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates `path` with `bytes`, atomically and durably, readable by everyone (0644 before the
/// umask) like a file a person wrote; fails with `AlreadyExists` — and changes nothing — when
/// `path` exists.
///
/// The content is written to a temp file first and then hard-linked into place: a link never
/// replaces an existing file (unlike a rename), so a file created meanwhile by someone else is
/// never overwritten, and a crash leaves no file or the whole one.
pub fn create_new_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("path has no parent directory"))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.new.{}.{}",
        std::process::id(),
        next_counter()
    ));
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    options.mode(0o644);
    let written = (|| {
        let mut file = options.write(true).create_new(true).open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    let linked = written.and_then(|()| fs::hard_link(&tmp, path));
    // The temp name is ours alone; once linked (or failed) it has no further use.
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => sync_dir(dir),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        // A file system without hard links: `create_new` still never replaces a file, at the
        // cost of a torn file should the machine crash mid-write.
        Err(_) => {
            let mut file = options.write(true).create_new(true).open(path)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            sync_dir(dir)
        }
    }
}

fn next_counter() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// Fsyncs a directory so a rename in it survives a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    options.mode(0o600);
    options
}

/// An exclusive lock, held until dropped (or the process dies).
#[derive(Debug)]
pub struct LockGuard {
    file: File,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Closing the file releases the lock anyway; this only releases it sooner.
        let _ = self.file.unlock();
    }
}

/// Blocks until this process holds the exclusive lock on `path` (created if missing).
pub fn lock_exclusive(path: &Path) -> io::Result<LockGuard> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let file = private_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    file.lock()?;
    Ok(LockGuard { file })
}

/// Whether a directory entry is one of ours in flight or hidden (temp files, locks).
pub(crate) fn is_hidden(name: &str) -> bool {
    name.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn create_new_never_replaces_a_file_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.yaml");
        create_new_atomic(&path, b"one").unwrap();
        let err = create_new_atomic(&path, b"two").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"one");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["c.yaml"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o600, 0o600, "{mode:o}");
            assert_eq!(mode & 0o133, 0, "{mode:o}");
        }
    }

    #[test]
    fn locks_exclude_each_other_across_handles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let guard = lock_exclusive(&path).unwrap();
        let other = private_options()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        drop(guard);
        assert!(other.try_lock().is_ok());
    }
}
