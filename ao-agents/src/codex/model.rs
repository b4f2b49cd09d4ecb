//! Which model a Codex session really runs on: each turn's `turn_context` record in the
//! rollout carries the `model` that turn was sent to (a `/model` switch shows in the next
//! turn's record). Before the first turn there is no rollout, so nothing is known.

/// The model of the latest turn among `lines` (a rollout's tail, oldest first).
pub(crate) fn from_rollout(lines: &[String]) -> Option<String> {
    lines.iter().rev().find_map(|line| {
        // Cheap test first: most records are not turn contexts, and some are large.
        if !line.contains("\"turn_context\"") {
            return None;
        }
        let record: serde_json::Value = serde_json::from_str(line).ok()?;
        if record.get("type")?.as_str()? != "turn_context" {
            return None;
        }
        let model = record.pointer("/payload/model")?.as_str()?;
        (!model.is_empty()).then(|| model.to_string())
    })
}

#[cfg(test)]
mod tests {
    //! Rollouts recorded from the real codex 0.169.0 (`tests/fixtures/codex/README.md`).
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn the_latest_turn_names_the_model() {
        for sample in [
            include_str!("../../tests/fixtures/codex/rollout-working.jsonl"),
            include_str!("../../tests/fixtures/codex/rollout-done.jsonl"),
            include_str!("../../tests/fixtures/codex/rollout-aborted.jsonl"),
        ] {
            assert_eq!(from_rollout(&lines(sample)).as_deref(), Some("gpt-5.5"));
        }
        // A session whose model changed between turns (the aborted run's three turns, the
        // last one sent to another model): the latest turn counts.
        let mut switched = lines(include_str!(
            "../../tests/fixtures/codex/rollout-aborted.jsonl"
        ));
        let last = switched
            .iter()
            .rposition(|l| l.contains("\"type\":\"turn_context\""))
            .unwrap();
        let mut record: serde_json::Value = serde_json::from_str(&switched[last]).unwrap();
        record["payload"]["model"] = "gpt-6-sol".into();
        switched[last] = record.to_string();
        assert_eq!(from_rollout(&switched).as_deref(), Some("gpt-6-sol"));
        assert_eq!(from_rollout(&switched[..last]).as_deref(), Some("gpt-5.5"));
    }

    #[test]
    fn no_turn_no_model() {
        let done = lines(include_str!(
            "../../tests/fixtures/codex/rollout-done.jsonl"
        ));
        // The session's first record (its `session_meta`) comes before any turn.
        assert_eq!(from_rollout(&done[..1]), None);
        assert_eq!(from_rollout(&[]), None);
    }
}
