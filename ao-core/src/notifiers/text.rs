//! Text shared by the notifiers' messages.

use crate::domain::Notification;

/// "session app-1 · project app" (or just the project).
pub(super) fn whereabouts(n: &Notification) -> String {
    match &n.session_id {
        Some(s) => format!("session {s} · project {}", n.project_id),
        None => format!("project {}", n.project_id),
    }
}

/// Cuts `text` to at most `max` characters, marking the cut.
pub(super) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
