//! Reading the end of append-only files (hook events, transcripts, rollouts) without reading
//! the whole file: those files only grow, and only their last records say what is going on now.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// The complete lines among the last `max_bytes` of `path`, oldest first. A line cut by the
/// window's start is dropped, and so is an unterminated last line (a writer may be mid-way
/// through it). A missing file has no lines.
pub fn lines(path: &Path, max_bytes: u64) -> io::Result<Vec<String>> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    let start = len.saturating_sub(max_bytes);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::with_capacity(usize::try_from(len - start).unwrap_or(0));
    file.take(max_bytes).read_to_end(&mut bytes)?;
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    match text.rfind('\n') {
        Some(end) => text.truncate(end),
        None => return Ok(Vec::new()),
    }
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0);
    }
    lines.retain(|l| !l.trim().is_empty());
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_whole_lines_of_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "first line\nsecond\nthird\npartial").unwrap();
        assert_eq!(
            lines(&path, 1024).unwrap(),
            ["first line", "second", "third"]
        );
        // The window starts inside "second": that line is dropped, not returned cut.
        assert_eq!(lines(&path, 17).unwrap(), ["third"]);
        assert!(lines(&dir.path().join("missing"), 10).unwrap().is_empty());
    }
}
