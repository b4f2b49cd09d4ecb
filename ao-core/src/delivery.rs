//! How text becomes input to an agent's terminal, for every runtime: cleaned, then typed or
//! pasted, then submitted with its own Enter.

use crate::adapter_kit::text::strip_controls;

/// How a message is put into the composer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Typed literally (`send-keys -l`): slash commands, which a paste would not trigger.
    Typed,
    /// One bracketed paste from a named buffer (`paste-buffer -p -r`): newlines stay inside
    /// the message instead of submitting it line by line.
    Paste,
}

/// Cleans a message for delivery: ESC and every other control character removed (they could
/// end a bracketed paste early and turn the rest into keystrokes), newlines and tabs kept, and
/// exactly one trailing newline dropped (the submission is a separate Enter).
pub fn sanitize(text: &str) -> String {
    let mut clean = strip_controls(text);
    if clean.ends_with('\n') {
        clean.pop();
    }
    clean
}

/// How a sanitized message is delivered.
pub fn method(clean: &str) -> Method {
    if clean.starts_with('/') {
        Method::Typed
    } else {
        Method::Paste
    }
}

/// Whether the screen suggests the message still sits unsubmitted in the composer: its last
/// non-blank line is the message's last line.
pub fn looks_unsubmitted(screen: &str, clean: &str) -> bool {
    let Some(tail) = clean.lines().rev().map(str::trim).find(|l| !l.is_empty()) else {
        return false;
    };
    let Some(last) = screen.lines().rev().map(str::trim).find(|l| !l.is_empty()) else {
        return false;
    };
    tail.chars().count() >= 4 && last.ends_with(tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sanitizes_as_documented() {
        assert_eq!(sanitize("hello\n"), "hello");
        assert_eq!(sanitize("two\n\n"), "two\n");
        assert_eq!(sanitize("a\x1b[201~b\tc\r\nd\u{7}"), "a[201~b\tc\nd");
        assert_eq!(
            sanitize("ünïcødé `$(x)` \\ \"q\""),
            "ünïcødé `$(x)` \\ \"q\""
        );
    }

    #[test]
    fn slash_commands_are_typed_everything_else_pasted() {
        assert_eq!(method("/compact"), Method::Typed);
        assert_eq!(method("fix /tmp handling"), Method::Paste);
        assert_eq!(method("line one\n/two"), Method::Paste);
    }

    #[test]
    fn detects_text_left_in_the_composer() {
        assert!(looks_unsubmitted(
            "> please fix the tests\n\n",
            "please fix the tests"
        ));
        assert!(!looks_unsubmitted(
            "> please fix the tests\n• Working…\n",
            "please fix the tests"
        ));
        assert!(!looks_unsubmitted("anything", ""));
    }

    proptest! {
        #[test]
        fn sanitized_text_has_no_control_characters_but_keeps_the_rest(text in "\\PC*|[\\x00-\\x1f\\x7f -~é✓]{0,200}") {
            let clean = sanitize(&text);
            prop_assert!(clean.chars().all(|c| c == '\n' || c == '\t' || !c.is_control()));
            let expected: String = text.chars().filter(|c| *c == '\n' || *c == '\t' || !c.is_control()).collect();
            let expected = expected.strip_suffix('\n').unwrap_or(&expected).to_string();
            prop_assert_eq!(clean, expected);
        }

        #[test]
        fn sanitizing_twice_only_drops_another_trailing_newline(text in "[a-z\\n\\x1b]{0,50}") {
            let once = sanitize(&text);
            let twice = sanitize(&once);
            prop_assert_eq!(twice.as_str(), once.strip_suffix('\n').unwrap_or(&once));
        }
    }
}
