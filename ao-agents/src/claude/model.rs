//! Which model a Claude Code session really runs on.
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
}
