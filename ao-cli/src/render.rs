//! Text rendering helpers shared by commands.
//!
//! Colour is only ever added to words that already say everything (`ci_failed`, `FAIL`), so
//! nothing is lost without it. Styled text is printed through `anstream`, which drops the escape
//! codes when stdout is not a terminal, `NO_COLOR` is set (to anything but the empty string),
//! or `TERM` is `dumb`; JSON is never styled.

use anstyle::{AnsiColor, Style};
use ao_core::domain::{ActivityState, DisplayStatus, RuntimeStatus};
use ao_core::orchestrator::SessionView;
use serde_json::Value;

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A value's JSON word (`exited`, `waiting_input`): enums read the same in text and JSON.
pub(crate) fn word<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub(crate) fn pretty_json(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// `key = value   (source)` rows with aligned columns, each line starting with `indent`.
pub(crate) fn columns(rows: &[(String, String, String)], indent: &str) -> String {
    let w0 = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v, src) in rows {
        let line = format!("{indent}{k:<w0$} = {v:<w1$}   ({src})");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A table with a header row, columns padded to their widest cell.
pub(crate) fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    table_styled(header, rows, |_, _| Style::new())
}

/// [`table`] with each body cell in `style(row, column)`. Cells are padded as plain text and
/// only then styled, so escape codes never count towards a column's width.
pub(crate) fn table_styled<const N: usize>(
    header: &[&str; N],
    rows: &[[String; N]],
    style: impl Fn(usize, usize) -> Style,
) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<(&str, Style)>| {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, ((cell, style), w)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(&format!("{style}{cell}{style:#}"));
            // No trailing blanks after the last cell.
            if i < last {
                out.push_str(&" ".repeat(w.saturating_sub(cell.chars().count())));
            }
        }
        format!("{}\n", out.trim_end())
    };
    let mut out = line(header.iter().map(|h| (*h, Style::new())).collect());
    for (r, row) in rows.iter().enumerate() {
        out.push_str(&line(
            row.iter()
                .enumerate()
                .map(|(c, cell)| (cell.as_str(), style(r, c)))
                .collect(),
        ));
    }
    out
}

fn fg(color: AnsiColor) -> Style {
    Style::new().fg_color(Some(color.into()))
}

/// A session status's colour: red when something failed, yellow when a person is needed,
/// green or cyan while work goes on, dim once the session is over.
pub(crate) fn status_style(view: &SessionView) -> Style {
    use DisplayStatus as D;
    match view.status {
        D::CiFailed | D::Errored | D::Gone => fg(AnsiColor::Red),
        D::Exited => match view.runtime {
            RuntimeStatus::Exited { code: Some(0) } => Style::new().dimmed(),
            _ => fg(AnsiColor::Red),
        },
        D::NeedsInput | D::Stuck | D::ChangesRequested | D::Interrupted => fg(AnsiColor::Yellow),
        D::Working | D::Mergeable => fg(AnsiColor::Green),
        D::Spawning | D::PrOpen | D::ReviewPending | D::Approved => fg(AnsiColor::Cyan),
        D::Killed | D::Stopped | D::Merged | D::PrClosed | D::Done => Style::new().dimmed(),
        D::Idle => Style::new(),
    }
}

/// An agent activity's colour, on the same scheme as [`status_style`].
pub(crate) fn activity_style(state: ActivityState) -> Style {
    match state {
        ActivityState::Active => fg(AnsiColor::Green),
        ActivityState::Ready => fg(AnsiColor::Cyan),
        ActivityState::WaitingInput => fg(AnsiColor::Yellow),
        ActivityState::Blocked => fg(AnsiColor::Red),
        ActivityState::Exited | ActivityState::Unknown => Style::new().dimmed(),
        ActivityState::Idle => Style::new(),
    }
}

/// A JSON value as indented `key: value` lines, for people.
pub(crate) fn yaml_like(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, 0, &mut out);
    out
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("~".to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if s.contains('\n') => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(a) if a.is_empty() => Some("[]".to_string()),
        Value::Object(o) if o.is_empty() => Some("{}".to_string()),
        _ => None,
    }
}

fn write_value(value: &Value, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    match value {
        Value::Object(map) => {
            // An unset value says nothing to a reader; JSON output keeps it.
            for (k, v) in map.iter().filter(|(_, v)| !v.is_null()) {
                match scalar(v) {
                    Some(s) => out.push_str(&format!("{pad}{k}: {s}\n")),
                    None => {
                        out.push_str(&format!("{pad}{k}:"));
                        if let Value::String(text) = v {
                            out.push_str(" |\n");
                            for line in text.lines() {
                                out.push_str(&format!("{pad}  {line}\n"));
                            }
                        } else {
                            out.push('\n');
                            write_value(v, depth + 1, out);
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match scalar(item) {
                    Some(s) => out.push_str(&format!("{pad}- {s}\n")),
                    None => {
                        out.push_str(&format!("{pad}-\n"));
                        write_value(item, depth + 1, out);
                    }
                }
            }
        }
        other => {
            if let Some(s) = scalar(other) {
                out.push_str(&format!("{pad}{s}\n"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align() {
        let rows = vec![
            (
                "a.agent".to_string(),
                "codex".to_string(),
                "f:1 k".to_string(),
            ),
            (
                "a.permissions".to_string(),
                "default".to_string(),
                "built-in default".to_string(),
            ),
        ];
        assert_eq!(
            columns(&rows, "  "),
            "  a.agent       = codex     (f:1 k)\n  a.permissions = default   (built-in default)\n"
        );
    }

    #[test]
    fn styled_tables_align_like_plain_ones() {
        let header = ["A", "STATUS", "B"];
        let rows = [
            ["x".to_string(), "working".to_string(), "-".to_string()],
            [
                "long-id".to_string(),
                "ci_failed".to_string(),
                "main".to_string(),
            ],
        ];
        let red = fg(AnsiColor::Red);
        let styled = table_styled(
            &header,
            &rows,
            |_, c| if c == 1 { red } else { Style::new() },
        );
        let plain = table(&header, &rows);
        assert_eq!(
            plain,
            "A        STATUS     B\nx        working    -\nlong-id  ci_failed  main\n"
        );
        assert!(
            styled.contains("\u{1b}[31mworking\u{1b}[0m    -"),
            "{styled:?}"
        );
        let stripped: String = anstream::adapter::strip_str(&styled).to_string();
        assert_eq!(stripped, plain);
    }

    #[test]
    fn yaml_like_nests() {
        let v =
            serde_json::json!({"a": {"b": [1, {"c": "x"}, null], "d": "two\nlines"}, "e": null});
        assert_eq!(
            yaml_like(&v),
            "a:\n  b:\n    - 1\n    -\n      c: x\n    - ~\n  d: |\n    two\n    lines\n"
        );
    }
}
