//! Durations as the config writes them: `30s`, `10m`, `1h`.

use std::time::Duration;

/// Parses `<digits><s|m|h>`; anything else is `None`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let digits = &text[..text.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let secs = match unit {
        's' => n,
        'm' => n.checked_mul(60)?,
        'h' => n.checked_mul(3600)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

/// The hint shown for a malformed duration.
pub(crate) const DURATION_HINT: &str =
    "write a whole number followed by s, m or h, e.g. `30s`, `10m`, `1h`";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_seconds_minutes_hours() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("0s"), Some(Duration::ZERO));
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "", "m", "10", "10 m", "1.5h", "10ms", "-1m", "1d", "ten m", "10m5s", "1é",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
        assert_eq!(parse_duration("99999999999999999999h"), None);
    }
}
