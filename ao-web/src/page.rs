//! The page: one HTML template compiled in, with the data it starts from embedded as JSON.

/// The page's HTML template.
const TEMPLATE: &str = include_str!("../assets/index.html");
/// The page's script.
pub(crate) const SCRIPT: &str = include_str!("../assets/app.js");
/// The page's style sheet.
pub(crate) const STYLE: &str = include_str!("../assets/app.css");

/// `text` safe as HTML text or a quoted attribute value.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON text safe inside a `<script type="application/json">` element: nothing in it can
/// close the element or open a comment (`<`, `>` and `&` as `\u` escapes; the line
/// separators some parsers treat as newlines too).
pub fn json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The page of `kind` (`fleet` or `session`), titled `title`, starting from `data` (JSON),
/// with the CSRF token the page's actions send back.
pub fn render_page(kind: &str, title: &str, csrf: &str, data: &str) -> String {
    TEMPLATE
        .replace("{{TITLE}}", &escape_html(title))
        .replace("{{KIND}}", &escape_html(kind))
        .replace("{{CSRF}}", &escape_html(csrf))
        .replace("{{DATA}}", &json_for_script(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_agents_cannot_become_markup() {
        assert_eq!(
            escape_html("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        let json =
            serde_json::json!({"t": "</script><script>alert(1)</script>\u{2028}"}).to_string();
        let safe = json_for_script(&json);
        assert!(!safe.contains('<') && !safe.contains('>'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(
            back["t"], "</script><script>alert(1)</script>\u{2028}",
            "the data is unchanged once parsed"
        );
        let page = render_page("fleet", "<b>", "c\"srf", &json);
        assert!(page.contains("&lt;b&gt;") && page.contains("c&quot;srf"));
        assert!(!page.contains("<script>alert"));
    }
}
