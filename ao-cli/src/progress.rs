//! Progress for the long commands (`batch-spawn`, `doctor`, `session restore --all`,
//! `session cleanup`), drawn on stderr only when stderr is a terminal.
//!
//! Never on stdout: scripts read the ids printed there. And nothing at all when stderr is a
//! pipe or a file: a log should hold what happened, not a hundred redraws of a spinner.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A spinner or a bar on stderr; cleared when dropped.
#[derive(Debug)]
pub(crate) struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A spinner for a step whose length is unknown.
    pub(crate) fn spinner(message: impl Into<String>) -> Self {
        Self::new(None, "{spinner} {elapsed:>3} {wide_msg}", message.into())
    }

    /// A bar for `len` steps.
    pub(crate) fn bar(len: usize, message: impl Into<String>) -> Self {
        let len = u64::try_from(len).unwrap_or(u64::MAX);
        Self::new(
            Some(len),
            "{spinner} {elapsed:>3} [{bar:20}] {pos}/{len} {wide_msg}",
            message.into(),
        )
    }

    fn new(len: Option<u64>, template: &str, message: String) -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(len, target);
        // The templates are constants; should one not parse, the default style still works.
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message);
        if !bar.is_hidden() {
            // Drawn at once and kept moving, so a slow step still shows it is alive.
            bar.enable_steady_tick(Duration::from_millis(100));
        }
        Self { bar }
    }

    /// Says what is happening now.
    pub(crate) fn set_message(&self, message: impl Into<String>) {
        self.bar.set_message(message.into());
    }

    /// One step done.
    pub(crate) fn inc(&self) {
        self.bar.inc(1);
    }

    /// Runs `f` (which prints) with the bar out of the way, then draws it again.
    pub(crate) fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
