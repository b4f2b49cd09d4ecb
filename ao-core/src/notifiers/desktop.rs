//! `desktop`: the platform's own notifications — on Linux the freedesktop notification service
//! through `notify-send`, on macOS Notification Center through `osascript`. Without either (a
//! headless server, no session bus) the notification is only noted: not an error, since the
//! other notifiers still carry it.

use std::path::PathBuf;
use std::process::Stdio;

use async_trait::async_trait;

use super::text::{clip, whereabouts};
use crate::domain::{Notification, Priority};
use crate::plugin::{Delivered, Notifier, NotifierError};

/// How a desktop notification is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mechanism {
    /// `notify-send` (freedesktop notifications over the session bus).
    NotifySend(PathBuf),
    /// `osascript` (macOS).
    Osascript(PathBuf),
    /// Nothing can show it, for this reason.
    Headless(String),
}

/// Shows notifications on the desktop of the machine `ao` runs on.
#[derive(Debug)]
pub struct DesktopNotifier {
    name: String,
    mechanism: Mechanism,
}

impl DesktopNotifier {
    /// The desktop notifier this machine supports, found once: `osascript` on macOS,
    /// `notify-send` with a session bus elsewhere, else one that only notes notifications.
    pub fn detect(name: &str) -> Self {
        let find = |p: &str| crate::adapter_kit::probe::find_program(p, None);
        let mechanism = if cfg!(target_os = "macos") {
            find("osascript").map_or_else(
                || Mechanism::Headless("osascript was not found".into()),
                Mechanism::Osascript,
            )
        } else if !has_session_bus() {
            Mechanism::Headless("no desktop session bus (headless)".into())
        } else {
            find("notify-send").map_or_else(
                || Mechanism::Headless("notify-send was not found (install libnotify-bin)".into()),
                Mechanism::NotifySend,
            )
        };
        Self {
            name: name.to_string(),
            mechanism,
        }
    }

    /// A desktop notifier that runs `program` with `notify-send`'s arguments (for tests and
    /// unusual setups).
    pub fn with_notify_send(name: &str, program: impl Into<PathBuf>) -> Self {
        Self {
            name: name.to_string(),
            mechanism: Mechanism::NotifySend(program.into()),
        }
    }

    /// A desktop notifier for a machine without one: it only notes notifications.
    pub fn headless(name: &str) -> Self {
        Self {
            name: name.to_string(),
            mechanism: Mechanism::Headless("no desktop notification service".into()),
        }
    }

    /// Why nothing can be shown, when nothing can.
    pub fn headless_reason(&self) -> Option<&str> {
        match &self.mechanism {
            Mechanism::Headless(why) => Some(why),
            _ => None,
        }
    }
}

/// Whether a freedesktop session bus can be reached: its address is set, or the standard
/// socket under `XDG_RUNTIME_DIR` exists.
fn has_session_bus() -> bool {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty())
        || std::env::var_os("XDG_RUNTIME_DIR")
            .is_some_and(|dir| PathBuf::from(dir).join("bus").exists())
}

#[async_trait]
impl Notifier for DesktopNotifier {
    fn name(&self) -> &str {
        &self.name
    }

    async fn notify(&self, n: &Notification) -> Result<Delivered, NotifierError> {
        // Control characters (a NUL cannot even be an argument) are dropped.
        let clean = crate::adapter_kit::text::strip_controls;
        let title = clip(&clean(&format!("ao: {}", n.title)), 120);
        let body = clip(&clean(&format!("{}\n{}", whereabouts(n), n.message)), 600);
        let mut command = match &self.mechanism {
            Mechanism::Headless(why) => return Ok(Delivered::Noted(why.clone())),
            Mechanism::NotifySend(program) => {
                let urgency = match n.priority {
                    Priority::Urgent => "critical",
                    Priority::Action | Priority::Warning => "normal",
                    Priority::Info => "low",
                };
                let mut c = tokio::process::Command::new(program);
                c.args(["--app-name=ao", &format!("--urgency={urgency}"), "--"])
                    .arg(&title)
                    .arg(&body);
                c
            }
            Mechanism::Osascript(program) => {
                // The texts are arguments, never part of the script: nothing in them runs.
                let mut c = tokio::process::Command::new(program);
                c.args([
                    "-e",
                    "on run argv",
                    "-e",
                    "display notification (item 2 of argv) with title (item 1 of argv)",
                    "-e",
                    "end run",
                ])
                .arg(&title)
                .arg(&body);
                c
            }
        };
        let output = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| NotifierError::Delivery {
                notifier: self.name.clone(),
                detail: format!("the notification program could not run: {e}"),
            })?;
        if output.status.success() {
            Ok(Delivered::Sent)
        } else {
            let said = String::from_utf8_lossy(&output.stderr);
            Err(NotifierError::Delivery {
                notifier: self.name.clone(),
                detail: format!(
                    "the notification program exited with {}: {}",
                    output.status,
                    clip(said.trim(), 200)
                ),
            })
        }
    }
}
