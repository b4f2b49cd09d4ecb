//! Text that crosses a trust boundary: from trackers and forges into prompts, from users into
//! terminals.

/// Removes ESC and every other C0/C1 control character except newline and tab.
///
/// Control characters in text bound for a terminal could end a bracketed paste early and turn
/// the rest into keystrokes; in a prompt they hide text from the person reading it.
pub fn strip_controls(text: &str) -> String {
    text.chars()
        .filter(|c| matches!(c, '\n' | '\t') || !(c.is_control()))
        .collect()
}

/// A Markdown code fence longer than any run of backticks inside `text`, so the text cannot
/// close the fence early.
pub fn fence_for(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_controls_but_keeps_layout() {
        assert_eq!(
            strip_controls("a\x1b[201~b\r\nc\td\u{7}\u{9b}e"),
            "a[201~b\nc\tde"
        );
        assert_eq!(strip_controls("plain text ✓"), "plain text ✓");
    }

    #[test]
    fn fences_outgrow_the_content() {
        assert_eq!(fence_for("no ticks"), "```");
        assert_eq!(fence_for("a ``` b"), "````");
        assert_eq!(fence_for("`````"), "``````");
    }
}
