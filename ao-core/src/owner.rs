//! Which process made something, and whether that process still runs.
//!
//! A spawn in progress, a launch waiting for its trampoline: things a crash can leave half-done.
//! Each carries the stamp of the process that made it, so reconciliation can tell "still being
//! made" from "abandoned" without a lock held across the whole operation. A pid alone is not
//! enough — pids are reused — so the stamp adds the process's start time where the system
//! reports one (Linux: field 22 of `/proc/<pid>/stat`).

use serde::{Deserialize, Serialize};

/// A process, identified well enough to tell whether it still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProcessStamp {
    /// The process id (which, once the process ends, may be reused).
    pub pid: u32,
    /// Its start time in clock ticks since boot, where the system says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<u64>,
}

/// The start time of `pid` (ticks since boot), from `/proc`.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so fields are counted
    // after its last `)`; starttime is field 22, the 20th after comm.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

impl ProcessStamp {
    /// The stamp of the calling process: its pid and, where known, start time.
    pub fn current() -> Self {
        let pid = std::process::id();
        Self {
            pid,
            start: start_time(pid),
        }
    }

    /// Whether the process still runs (the same process: a reused pid does not count).
    pub fn is_alive(&self) -> bool {
        let Some(pid) = i32::try_from(self.pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        else {
            return false;
        };
        match rustix::process::test_kill_process(pid) {
            // EPERM: it exists but belongs to someone else — a reused pid, as ours are ours.
            Err(e) if e == rustix::io::Errno::PERM => return false,
            Err(_) => return false,
            Ok(()) => {}
        }
        match (self.start, start_time(self.pid)) {
            (Some(recorded), Some(now)) => recorded == now,
            // A zombie or a system without /proc: the pid is all there is to go on.
            _ => true,
        }
    }

    /// A compact form for file names: `<pid>-<start>`.
    pub fn to_file_part(&self) -> String {
        format!("{}-{}", self.pid, self.start.unwrap_or(0))
    }

    /// The stamp in a file name part made by [`Self::to_file_part`].
    pub fn from_file_part(part: &str) -> Option<Self> {
        let (pid, start) = part.split_once('-')?;
        let start: u64 = start.parse().ok()?;
        Some(Self {
            pid: pid.parse().ok()?,
            start: (start != 0).then_some(start),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_finished_one_is_not() {
        let me = ProcessStamp::current();
        assert!(me.is_alive());
        assert_eq!(ProcessStamp::from_file_part(&me.to_file_part()), Some(me));

        let mut child = std::process::Command::new("true").spawn().unwrap();
        let stamp = ProcessStamp {
            pid: child.id(),
            start: start_time(child.id()),
        };
        child.wait().unwrap();
        assert!(!stamp.is_alive(), "a reaped child is gone");

        // The same pid with another start time is another process.
        let reused = ProcessStamp {
            start: me.start.map(|s| s + 1),
            ..me
        };
        if me.start.is_some() {
            assert!(!reused.is_alive());
        }
    }
}
