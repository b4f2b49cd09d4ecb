//! Which model a Claude Code session really runs on, and whether claude put another model in
//! place of the configured one.
//!
//! claude 2.1.332 resolves aliases (`sonnet` → `claude-sonnet-5-5`) and silently remaps some
//! retired models to their successors (`claude-opus-4-1` → `claude-opus-5-5`): the request
//! goes out with the new name, while its banner keeps the configured one. What it records is
//! the model it really runs: the `SessionStart` hook's `model` (at start, before any turn),
//! the transcript's `attachment` of type `model` (`identity.modelId`, at each prompt) and each
//! `assistant` record's `message.model` (what the API answered with). The remap itself is
//! said only in words: on its screen (`⚠ Claude Opus 4.1 now runs as the latest Opus · /model
//! to change`) and, without a terminal, on stderr (`⚠ claude-opus-4-1 is automatically
//! remapped to Opus 5.5 (the latest Opus). Set CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP=1 to
//! keep the requested model.`).

use ao_core::adapter_kit::hook::HookEvent;
use ao_core::domain::Timestamp;

use super::AGENT_NAME;

/// The variable that makes claude keep a retired model it would otherwise remap.
const KEEP_MODEL_VARIABLE: &str = "CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP";

/// claude's model aliases (`--model` accepts them; each follows its family's latest model).
const ALIASES: &[&str] = &["sonnet", "opus", "haiku", "fable", "best", "opusplan"];

/// The model one transcript record says the session runs, with the record's time.
fn record_model(record: &serde_json::Value) -> Option<String> {
    // A subagent's records may name its own, smaller model.
    if record.get("isSidechain") == Some(&true.into()) {
        return None;
    }
    let model = match record.get("type")?.as_str()? {
        "assistant" => record.pointer("/message/model")?.as_str()?,
        "attachment" if record.pointer("/attachment/type")?.as_str()? == "model" => {
            record.pointer("/attachment/identity/modelId")?.as_str()?
        }
        _ => return None,
    };
    // `<synthetic>` marks a message claude wrote itself (an API error), not a model's.
    (!model.is_empty() && !model.starts_with('<')).then(|| model.to_string())
}

/// The latest model the transcript names (`lines` oldest first), with its record's time.
pub(crate) fn from_transcript(lines: &[String]) -> Option<(Timestamp, String)> {
    lines.iter().rev().find_map(|line| {
        let record: serde_json::Value = serde_json::from_str(line).ok()?;
        let model = record_model(&record)?;
        let at = record.get("timestamp")?.as_str()?.parse().ok()?;
        Some((at, model))
    })
}

/// The model the latest claude hook event carrying one (`SessionStart`) names.
pub(crate) fn from_hooks(events: &[HookEvent]) -> Option<(Timestamp, String)> {
    events
        .iter()
        .rev()
        .filter(|e| e.agent == AGENT_NAME)
        .find_map(|e| {
            Some((
                e.ts,
                e.field("model").filter(|m| !m.is_empty())?.to_string(),
            ))
        })
}

/// The fresher of the two.
pub(crate) fn freshest(
    a: Option<(Timestamp, String)>,
    b: Option<(Timestamp, String)>,
) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if a.0 >= b.0 { a.1 } else { b.1 }),
        (a, b) => a.or(b).map(|(_, m)| m),
    }
}

/// Whether `model` is one of claude's aliases (`opus`, `sonnet[1m]`, …).
fn is_alias(model: &str) -> bool {
    let bare = model.trim().to_lowercase();
    let bare = bare
        .strip_suffix("[1m]")
        .or_else(|| bare.strip_suffix("[2m]"))
        .unwrap_or(&bare);
    ALIASES.contains(&bare)
}

/// A model id without what does not change the model: case, a context-size suffix (`[1m]`)
/// and a release date (`-20250805`).
fn base(model: &str) -> String {
    let mut m = model.trim().to_lowercase();
    for suffix in ["[1m]", "[2m]"] {
        if let Some(s) = m.strip_suffix(suffix) {
            m = s.to_string();
        }
    }
    if let Some((head, date)) = m.rsplit_once('-')
        && date.len() == 8
        && date.bytes().all(|b| b.is_ascii_digit())
    {
        m = head.to_string();
    }
    m
}

/// Whether running `in_use` for the configured `configured` means claude put another model in
/// its place: not an alias it resolved, nor the same model under a dated name.
pub(crate) fn mapped(configured: &str, in_use: &str) -> bool {
    !is_alias(configured) && base(configured) != base(in_use)
}

/// The screen's remap line in claude's words (`Claude Opus 4.1 now runs as the latest Opus`).
pub(crate) fn remap_on_screen(screen: &str) -> Option<String> {
    let line = screen.lines().find(|l| l.contains(" now runs as "))?;
    let text = line.trim().trim_start_matches('⚠').trim();
    // The rest of the line (`· /model to change`) is for someone at the terminal.
    let text = text.split(" · ").next().unwrap_or(text).trim();
    Some(ao_core::adapter_kit::text::strip_controls(text))
}

/// The sentence `ao spawn` warns with when claude runs another model than `configured`: from
/// what its screen said (`said`) and its records (`in_use`); `None` when neither shows a
/// mapping.
pub(crate) fn notice(configured: &str, in_use: Option<&str>, said: Option<&str>) -> Option<String> {
    let mapped_to = in_use.filter(|m| mapped(configured, m));
    let head = match (mapped_to, said) {
        (None, None) => return None,
        (Some(m), _) => format!("{AGENT_NAME} runs {m}, not the configured {configured}"),
        (None, Some(_)) => format!("{AGENT_NAME} does not run the configured {configured}"),
    };
    let quoted = said
        .map(|s| format!(" — claude says \"{s}\""))
        .unwrap_or_default();
    Some(format!(
        "{head}{quoted}; set {KEEP_MODEL_VARIABLE}=1 in the project's env to keep the configured model, or configure a current one"
    ))
}

/// claude's warnings about the model a launch names (a remap, a retirement), from what it
/// printed on stderr when it ran without a terminal.
pub(crate) fn warnings(stderr: &str) -> Vec<String> {
    ao_core::adapter_kit::text::strip_ansi(stderr)
        .lines()
        .filter_map(|l| l.trim().strip_prefix('⚠'))
        .map(str::trim)
        .filter(|l| l.to_lowercase().contains("model"))
        .map(ao_core::adapter_kit::text::strip_controls)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    fn events(text: &str) -> Vec<HookEvent> {
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn the_transcript_names_the_model_that_answered() {
        // Recorded with no model configured: claude 2.1.332's default is claude-opus-5-5.
        for sample in [
            include_str!("../../tests/fixtures/claude/transcript-done.jsonl"),
            include_str!("../../tests/fixtures/claude/transcript-tool-pending.jsonl"),
        ] {
            let (_, model) = from_transcript(&lines(sample)).unwrap();
            assert_eq!(model, "claude-opus-5-5");
        }
        // Before the first prompt there is nothing to read.
        assert_eq!(from_transcript(&[]), None);
    }

    #[test]
    fn a_remapped_session_records_the_model_it_runs() {
        // Configured `claude-opus-4-1`; the mock received `claude-opus-5-5`.
        let sample = lines(include_str!(
            "../../tests/fixtures/claude/transcript-model-remapped.jsonl"
        ));
        let (_, model) = from_transcript(&sample).unwrap();
        assert_eq!(model, "claude-opus-5-5");
        // The attachment written at the prompt says so before the answer arrives.
        let before_answer: Vec<String> = sample
            .iter()
            .take_while(|l| !l.contains("\"type\":\"assistant\""))
            .cloned()
            .collect();
        assert_eq!(
            from_transcript(&before_answer).map(|(_, m)| m).as_deref(),
            Some("claude-opus-5-5")
        );
        let hooks = events(include_str!(
            "../../tests/fixtures/claude/hooks-model-remapped.ndjson"
        ));
        assert_eq!(
            from_hooks(&hooks).map(|(_, m)| m).as_deref(),
            Some("claude-opus-5-5")
        );
    }

    #[test]
    fn api_errors_and_subagents_do_not_name_the_sessions_model() {
        let sample = lines(concat!(
            r#"{"type":"assistant","message":{"model":"claude-opus-5-5"},"timestamp":"2026-11-30T10:00:00Z"}"#,
            "\n",
            r#"{"type":"assistant","isSidechain":true,"message":{"model":"claude-haiku-5-5"},"timestamp":"2026-11-30T10:00:01Z"}"#,
            "\n",
            r#"{"type":"assistant","isApiErrorMessage":true,"message":{"model":"<synthetic>"},"timestamp":"2026-11-30T10:00:02Z"}"#,
        ));
        assert_eq!(
            from_transcript(&sample).map(|(_, m)| m).as_deref(),
            Some("claude-opus-5-5")
        );
    }

    #[test]
    fn the_fresher_record_wins() {
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        let start = Some((at("2026-11-30T10:00:00Z"), "claude-opus-5-5".to_string()));
        let later = Some((at("2026-11-30T10:05:00Z"), "claude-sonnet-5-5".to_string()));
        assert_eq!(
            freshest(start.clone(), later.clone()).as_deref(),
            Some("claude-sonnet-5-5")
        );
        assert_eq!(
            freshest(later, start.clone()).as_deref(),
            Some("claude-sonnet-5-5")
        );
        assert_eq!(freshest(None, start).as_deref(), Some("claude-opus-5-5"));
        assert_eq!(freshest(None, None), None);
    }

    #[test]
    fn aliases_and_dated_names_are_not_mappings() {
        assert!(mapped("claude-opus-4-1", "claude-opus-5-5"));
        assert!(!mapped("opus", "claude-opus-5-5"));
        assert!(!mapped("sonnet[1m]", "claude-sonnet-5-5"));
        assert!(!mapped("claude-opus-4-1", "claude-opus-4-1-20250805"));
        assert!(!mapped("Claude-Opus-4-1[1m]", "claude-opus-4-1"));
        assert!(!mapped("claude-opus-5-5", "claude-opus-5-5"));
    }

    #[test]
    fn the_screen_line_and_the_records_make_one_warning() {
        let screen = include_str!("../../tests/fixtures/claude/screen-model-remapped.txt");
        let said = remap_on_screen(screen).unwrap();
        assert_eq!(said, "Claude Opus 4.1 now runs as the latest Opus");
        assert_eq!(
            remap_on_screen(include_str!("../../tests/fixtures/claude/screen-done.txt")),
            None
        );
        let both = notice("claude-opus-4-1", Some("claude-opus-5-5"), Some(&said)).unwrap();
        assert!(
            both.starts_with("claude-code runs claude-opus-5-5, not the configured claude-opus-4-1 — claude says \"Claude Opus 4.1 now runs as the latest Opus\""),
            "{both}"
        );
        assert!(
            both.contains("CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP=1"),
            "{both}"
        );
        // Either source alone is enough.
        assert!(notice("claude-opus-4-1", Some("claude-opus-5-5"), None).is_some());
        assert!(
            notice("claude-opus-4-1", None, Some(&said))
                .unwrap()
                .starts_with("claude-code does not run the configured claude-opus-4-1")
        );
        // An alias resolved is what was asked for.
        assert_eq!(notice("opus", Some("claude-opus-5-5"), None), None);
        assert_eq!(notice("claude-opus-4-1", None, None), None);
    }

    #[test]
    fn the_launch_checks_warnings_about_models_are_kept() {
        // claude 2.1.332's stderr without a terminal, for `--model claude-opus-4-1` and
        // `--model claude-sonnet-4-5` (its stdout said "Not logged in · Please run /login").
        let remapped = "⚠ claude-opus-4-1 is automatically remapped to Opus 5.5 (the latest Opus). Set CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP=1 to keep the requested model.\n";
        assert_eq!(
            warnings(remapped),
            [
                "claude-opus-4-1 is automatically remapped to Opus 5.5 (the latest Opus). Set CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP=1 to keep the requested model."
            ]
        );
        let retired = "⚠ Claude Sonnet 4.5 was retired on November 30, 2026. Consider switching to a newer model.\n";
        assert_eq!(warnings(retired).len(), 1);
        assert!(warnings("").is_empty());
        assert!(warnings("some other line\n").is_empty());
    }
}
