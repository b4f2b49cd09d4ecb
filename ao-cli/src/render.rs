//! Text rendering helpers shared by commands.

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
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
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
    fn yaml_like_nests() {
        let v =
            serde_json::json!({"a": {"b": [1, {"c": "x"}, null], "d": "two\nlines"}, "e": null});
        assert_eq!(
            yaml_like(&v),
            "a:\n  b:\n    - 1\n    -\n      c: x\n    - ~\n  d: |\n    two\n    lines\n"
        );
    }
}
