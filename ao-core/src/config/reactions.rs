//! Built-in reactions and how configured entries combine with them.
//!
//! A configured entry is merged field by field over the built-in default for its key (the
//! reference tool replaced the whole entry, so `ci-failed: {retries: 3}` silently became a
//! plain notification); a project's entry is merged over the global one the same way.

use std::sync::OnceLock;

use indexmap::IndexMap;

use super::model::{EscalateAfter, ReactionAction, ReactionConfig};
use crate::domain::Priority;

/// Reaction keys `ao` runs.
pub const SUPPORTED_REACTIONS: &[&str] = &[
    "ci-failed",
    "changes-requested",
    "merge-conflicts",
    "approved-and-green",
    "agent-stuck",
    "agent-needs-input",
    "agent-exited",
    "pr-closed",
    "all-complete",
];

/// Reaction keys the reference tool knows but `ao` does not run.
pub const UNSUPPORTED_REACTIONS: &[&str] = &[
    "bugbot-comments",
    "agent-idle",
    "report-no-acknowledge",
    "report-stale",
    "report-needs-input",
];

/// The built-in reaction table.
pub fn builtin_reactions() -> &'static IndexMap<String, ReactionConfig> {
    static TABLE: OnceLock<IndexMap<String, ReactionConfig>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let send = |message: &str| ReactionConfig {
            auto: Some(true),
            action: Some(ReactionAction::SendToAgent),
            message: Some(message.to_string()),
            ..ReactionConfig::default()
        };
        let notify = |priority: Priority, message: Option<&str>| ReactionConfig {
            auto: Some(true),
            action: Some(ReactionAction::Notify),
            priority: Some(priority),
            message: message.map(str::to_string),
            ..ReactionConfig::default()
        };
        let mut t = IndexMap::new();
        t.insert(
            "ci-failed".to_string(),
            ReactionConfig {
                retries: Some(2),
                escalate_after: Some(EscalateAfter::Attempts(2)),
                ..send("CI failed on your pull request. Read the failing checks below, fix the cause, and push.")
            },
        );
        t.insert(
            "changes-requested".to_string(),
            ReactionConfig {
                escalate_after: Some(EscalateAfter::Duration("30m".to_string())),
                ..send("A reviewer asked for changes on your pull request. Address each comment below, then push.")
            },
        );
        t.insert(
            "merge-conflicts".to_string(),
            ReactionConfig {
                escalate_after: Some(EscalateAfter::Duration("15m".to_string())),
                ..send("Your branch conflicts with the default branch. Rebase onto it, resolve the conflicts, and push.")
            },
        );
        t.insert(
            "approved-and-green".to_string(),
            ReactionConfig {
                auto: Some(false),
                ..notify(Priority::Action, Some("A pull request is approved and green: ready to merge."))
            },
        );
        t.insert(
            "agent-stuck".to_string(),
            ReactionConfig { threshold: Some("10m".to_string()), ..notify(Priority::Urgent, None) },
        );
        t.insert("agent-needs-input".to_string(), notify(Priority::Urgent, None));
        t.insert("agent-exited".to_string(), notify(Priority::Urgent, None));
        t.insert(
            "pr-closed".to_string(),
            notify(
                Priority::Action,
                Some("A pull request was closed without merging: decide whether to resume or end the session."),
            ),
        );
        t.insert("all-complete".to_string(), notify(Priority::Info, None));
        t
    })
}

impl ReactionConfig {
    /// This entry's fields where set, `base`'s elsewhere.
    #[must_use]
    pub fn merged_over(&self, base: &ReactionConfig) -> ReactionConfig {
        ReactionConfig {
            auto: self.auto.or(base.auto),
            action: self.action.or(base.action),
            message: self.message.clone().or_else(|| base.message.clone()),
            priority: self.priority.or(base.priority),
            retries: self.retries.or(base.retries),
            escalate_after: self
                .escalate_after
                .clone()
                .or_else(|| base.escalate_after.clone()),
            threshold: self.threshold.clone().or_else(|| base.threshold.clone()),
            include_summary: self.include_summary.or(base.include_summary),
            merge_method: self.merge_method.or(base.merge_method),
        }
    }

    /// Names of the fields this entry sets.
    pub fn set_fields(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let checks: [(&'static str, bool); 9] = [
            ("auto", self.auto.is_some()),
            ("action", self.action.is_some()),
            ("message", self.message.is_some()),
            ("priority", self.priority.is_some()),
            ("retries", self.retries.is_some()),
            ("escalateAfter", self.escalate_after.is_some()),
            ("threshold", self.threshold.is_some()),
            ("includeSummary", self.include_summary.is_some()),
            ("mergeMethod", self.merge_method.is_some()),
        ];
        for (name, set) in checks {
            if set {
                out.push(name);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_cover_exactly_the_supported_keys() {
        let keys: Vec<&str> = builtin_reactions().keys().map(String::as_str).collect();
        assert_eq!(keys, SUPPORTED_REACTIONS);
        let ci = &builtin_reactions()["ci-failed"];
        assert_eq!(ci.action, Some(ReactionAction::SendToAgent));
        assert_eq!(ci.retries, Some(2));
        assert_eq!(builtin_reactions()["approved-and-green"].auto, Some(false));
    }

    #[test]
    fn a_partial_entry_keeps_the_builtin_rest() {
        let user = ReactionConfig {
            retries: Some(3),
            ..ReactionConfig::default()
        };
        let merged = user.merged_over(&builtin_reactions()["ci-failed"]);
        assert_eq!(merged.retries, Some(3));
        assert_eq!(merged.action, Some(ReactionAction::SendToAgent));
        assert!(merged.message.is_some());
        assert_eq!(user.set_fields(), vec!["retries"]);
    }
}
