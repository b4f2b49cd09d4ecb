//! Session prefixes: derived from a project's directory name when not given, unique across a
//! config (a derived prefix another project has gets `-2`, `-3`, …).

use super::loaded::PrefixOrigin;

/// Derives a session prefix from a directory name, as the reference tool does: up to 4
/// characters are kept (lowercased); CamelCase gives its capitals (`PyTorch` → `pt`);
/// kebab- or snake-case gives initials (`agent-orchestrator` → `ao`); otherwise the first 3
/// characters (`integrator` → `int`). Characters a prefix cannot hold are dropped, and an
/// empty result becomes `ao`.
pub fn derive_prefix(dir_name: &str) -> String {
    let raw: String = if dir_name.chars().count() <= 4 {
        dir_name.to_string()
    } else if dir_name.chars().filter(char::is_ascii_uppercase).count() > 1 {
        dir_name.chars().filter(char::is_ascii_uppercase).collect()
    } else if dir_name.contains('-') || dir_name.contains('_') {
        let sep = if dir_name.contains('-') { '-' } else { '_' };
        dir_name
            .split(sep)
            .filter_map(|w| w.chars().next())
            .collect()
    } else {
        dir_name.chars().take(3).collect()
    };
    let clean: String = raw
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    if clean.is_empty() {
        "ao".to_string()
    } else {
        clean
    }
}

/// Turns a directory name into a project id (`[a-zA-Z0-9_-]+`), replacing other characters.
pub fn sanitize_id(name: &str) -> String {
    let id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let id = id.trim_matches('-').to_string();
    if id.is_empty() {
        "project".to_string()
    } else {
        id
    }
}

/// The derived prefix of `dir_name` ([`derive_prefix`]), with `-2`, `-3`, … added while
/// `taken` says another project has it; and which of the two it is.
pub(crate) fn derive_unique_prefix(
    dir_name: &str,
    taken: impl Fn(&str) -> bool,
) -> (String, PrefixOrigin) {
    let derived = derive_prefix(dir_name);
    let mut candidate = derived.clone();
    let mut n = 2;
    while taken(&candidate) {
        candidate = format!("{derived}-{n}");
        n += 1;
    }
    let origin = if candidate == derived {
        PrefixOrigin::Derived
    } else {
        PrefixOrigin::DerivedWithSuffix
    };
    (candidate, origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::is_valid_id;

    #[test]
    fn derives_like_the_reference() {
        assert_eq!(derive_prefix("app"), "app");
        assert_eq!(derive_prefix("Docs"), "docs");
        assert_eq!(derive_prefix("PyTorch"), "pt");
        assert_eq!(derive_prefix("agent-orchestrator"), "ao");
        assert_eq!(derive_prefix("my_cool_app"), "mca");
        assert_eq!(derive_prefix("integrator"), "int");
    }

    #[test]
    fn derived_prefixes_are_always_valid() {
        for name in [
            "my.app.js",
            "日本語のプロジェクト",
            "....",
            "a--b",
            "x.y",
            "",
        ] {
            let p = derive_prefix(name);
            assert!(is_valid_id(&p), "{name:?} -> {p:?}");
        }
        assert_eq!(derive_prefix("a--b"), "a--b");
        assert_eq!(derive_prefix("foo--bar"), "fb");
    }

    #[test]
    fn ids_are_sanitized() {
        assert_eq!(sanitize_id("my.app"), "my-app");
        assert_eq!(sanitize_id("ok_id-1"), "ok_id-1");
        assert_eq!(sanitize_id("..."), "project");
        assert!(is_valid_id(&sanitize_id("weird name!")));
        assert!(!is_valid_id("a.b"));
        assert!(!is_valid_id(""));
    }
}
