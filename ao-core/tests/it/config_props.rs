//! Laws of the config engine, checked on generated input.

use std::path::Path;

use proptest::prelude::*;

use crate::support::load_text;

/// Keys the schema knows, so generated documents reach deep into the typed decoding.
const KEYS: &[&str] = &[
    "projects",
    "app",
    "path",
    "agent",
    "worker",
    "orchestrator",
    "agentConfig",
    "model",
    "permissions",
    "defaults",
    "reactions",
    "ci-failed",
    "threshold",
    "escalateAfter",
    "notifiers",
    "notificationRouting",
    "urgent",
    "plugin",
    "lifecycle",
    "mergeCleanupIdleGraceMs",
    "sessionPrefix",
    "symlinks",
    "postCreate",
    "tracker",
    "env",
];

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("~".to_string()),
        Just("true".to_string()),
        Just("'${X}'".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "[a-z./~-]{0,8}",
        Just("10m".to_string()),
        Just("codex".to_string()),
    ]
}

/// A YAML document built from known keys and odd values, rendered in flow style.
fn document() -> impl Strategy<Value = String> {
    let leaf = scalar();
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(", "))),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(|entries| {
                let body: Vec<String> = entries.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("{{{}}}", body.join(", "))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary text never panics the loader; it is either a config or a list of errors.
    #[test]
    fn arbitrary_text_never_panics(text in "[ -~\n\t]{0,200}") {
        let _ = load_text(Path::new("/nonexistent/agent-orchestrator.yaml"), &text);
    }

    /// Structured documents over the real keys never panic either, and every error they
    /// produce is positioned inside the text.
    #[test]
    fn structured_documents_never_panic(doc in document()) {
        let lines = u32::try_from(doc.lines().count().max(1)).unwrap();
        if let Err(ao_core::config::ConfigError::Invalid { diagnostics, .. }) =
            load_text(Path::new("/nonexistent/agent-orchestrator.yaml"), &doc)
        {
            for d in diagnostics {
                prop_assert!(d.pos.line <= lines + 1, "{d} outside {doc:?}");
            }
        }
    }
}
