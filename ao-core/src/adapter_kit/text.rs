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

/// `text` as one word for a POSIX shell: as it is when it holds only characters no shell
/// treats specially, else in single quotes.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// `argv` as one line a POSIX shell runs as the same argv.
pub fn shell_line<S: AsRef<str>>(argv: &[S]) -> String {
    argv.iter()
        .map(|a| shell_word(a.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A task as an agent CLI must receive it so that it is only ever read as a task.
///
/// CLIs take a first word equal to one of their subcommands for that subcommand even after
/// `--` (claude `doctor`, `mcp`, `update`, …): a leading space prevents that, as no subcommand
/// or flag starts with one. Agents also act on a first character of their own: `/` runs a
/// slash command (claude, aider), `!` a shell command (claude, aider), `#` writes a memory
/// (claude), a lone `{` opens multi-line input (aider) — and claude trims the task before it
/// looks, so such a task is labelled `Task: …` instead.
pub fn as_task(task: &str) -> String {
    if task.trim_start().starts_with(['/', '!', '#', '{']) {
        format!("Task: {}", task.trim_start())
    } else if task.starts_with(char::is_whitespace) {
        task.to_string()
    } else {
        format!(" {task}")
    }
}

/// `text` without terminal escape sequences (colours, cursor moves, titles): what a person
/// reads, for matching a program's messages whether or not it coloured them.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            // CSI: parameters and intermediates, then one final byte in `@`..=`~`.
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC: up to BEL or ST (`ESC \\`).
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            // A two-character sequence (`ESC =`, `ESC 7`, …).
            _ => {}
        }
    }
    out
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
    fn a_task_never_starts_with_a_word_a_cli_could_act_on() {
        assert_eq!(as_task("doctor"), " doctor");
        assert_eq!(as_task("--help"), " --help");
        assert_eq!(as_task("fix the parser"), " fix the parser");
        assert_eq!(as_task(" already spaced"), " already spaced");
        assert_eq!(as_task("/logout"), "Task: /logout");
        assert_eq!(as_task("\n !rm -rf x"), "Task: !rm -rf x");
        assert_eq!(as_task("#remember this"), "Task: #remember this");
        assert_eq!(as_task("{"), "Task: {");
    }

    #[test]
    fn shell_words_survive_a_shell() {
        let argv = [
            "claude",
            "--model",
            "sonnet",
            "--",
            " it's $HOME; `x`",
            "",
            "a\nb",
        ];
        let line = shell_line(&argv);
        assert_eq!(
            line,
            "claude --model sonnet -- ' it'\\''s $HOME; `x`' '' 'a\nb'"
        );
        let out = std::process::Command::new("sh")
            .args(["-c", &format!("printf '%s\\0' {line}")])
            .output()
            .unwrap();
        let back: Vec<&str> = std::str::from_utf8(&out.stdout)
            .unwrap()
            .split_terminator('\0')
            .collect();
        assert_eq!(back, argv);
    }

    #[test]
    fn escape_sequences_are_dropped_and_text_kept() {
        assert_eq!(
            strip_ansi("\x1b[91m\x1b[1mError: \x1b[0mSession not found"),
            "Error: Session not found"
        );
        assert_eq!(strip_ansi("\x1b]0;title\x07a\x1b]8;;u\x1b\\b\x1b=c"), "abc");
        assert_eq!(strip_ansi("plain ✓"), "plain ✓");
    }

    #[test]
    fn fences_outgrow_the_content() {
        assert_eq!(fence_for("no ticks"), "```");
        assert_eq!(fence_for("a ``` b"), "````");
        assert_eq!(fence_for("`````"), "``````");
    }
}
