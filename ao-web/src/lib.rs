//! The `ao` dashboard: every project's sessions live in a browser, served by the daemon.
//!
//! An [axum] server on `127.0.0.1:<port>` whose page, style sheet and script are compiled in
//! (no frontend build). It reads the fleet the daemon supervises (a
//! [`ao_core::lifecycle::daemon::DaemonFeed`]) and pushes a new look after each tick, and each
//! new line of the event log, over Server-Sent Events. Actions (send, kill, restore, spawn,
//! merge) call the same `ao-core` facade the commands call.
//!
//! Safe on a shared machine: loopback only; every request needs the per-install token (kept
//! 0600 under `$AO_HOME/daemon/`), exchanged once from the URL `ao dashboard` prints for an
//! HttpOnly SameSite=Strict cookie; `Host` and `Origin` are checked against DNS rebinding;
//! actions are POSTs that need a CSRF token and a same-origin `Origin`; what agents, issues
//! and pull requests say is only ever put in the page as text.

mod api;
mod guard;
mod page;
mod server;
pub mod token;
mod view;

use std::path::PathBuf;

pub use page::{escape_html, json_for_script, render_page};
pub use server::{DEFAULT_PORT, Dashboard, PORT_VAR, port_of, run_beside_daemon, serve};
pub use view::{FleetDoc, ProjectInfo, sse_frame};

/// Why the dashboard could not be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    /// A file under `$AO_HOME/daemon/` could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The token file can be read by other users: it is not used.
    #[error("{} can be read by other users (mode {mode:o}); run `chmod 600` on it, or delete it for a new token", path.display())]
    TokenExposed {
        /// The token file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The token file does not hold a token.
    #[error("{} does not hold a dashboard token; delete it and a new one is made", path.display())]
    TokenDamaged {
        /// The token file.
        path: PathBuf,
    },
}
