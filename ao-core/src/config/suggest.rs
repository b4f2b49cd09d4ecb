//! "Did you mean" suggestions for misspelt keys and names.

/// Suggests the closest of `candidates` to `input`, when one is close enough to be a typo.
///
/// Close enough means a small edit distance relative to the length, or a case-only difference
/// (`sessionprefix` for `sessionPrefix`), or a difference only in `-`/`_`.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(input, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The candidate closest to `input`, if any is within typo distance.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let folded = fold(input);
    let budget = match input.chars().count() {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .filter(|c| *c != input)
        .filter_map(|c| {
            let d = if fold(c) == folded {
                0
            } else {
                strsim::damerau_levenshtein(&folded, &fold(c))
            };
            (d <= budget).then_some((d, c))
        })
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_typos_and_case_slips() {
        let keys = ["notifiers", "notificationRouting", "sessionPrefix", "path"];
        assert_eq!(closest("notifier", keys), Some("notifiers"));
        assert_eq!(closest("sessionprefix", keys), Some("sessionPrefix"));
        assert_eq!(closest("session_prefix", keys), Some("sessionPrefix"));
        assert_eq!(closest("pth", keys), Some("path"));
    }

    #[test]
    fn stays_quiet_when_nothing_is_close() {
        assert_eq!(closest("banana", ["notifiers", "path"]), None);
        assert_eq!(did_you_mean("zzz", ["path"]), None);
    }
}
