//! `--since`/`--until` values: an instant as RFC 3339 with any offset, a UTC date, or a time
//! before now (`90m`, `1h`, `7d`, `2w`, `1d12h`).

/// Milliseconds since the Unix epoch that `s` names, `now` being the current instant.
pub fn parse_instant(s: &str, now: i64) -> Option<i64> {
    let s = s.trim();
    if let Some(ago) = duration_millis(s) {
        return Some(now - ago);
    }
    if s.len() == 10 {
        return super::time::parse_millis(s);
    }
    // `…Z`, `…z`, `…+01:00`, `…-05:30` (RFC 3339 §5.6).
    if let Some(base) = s.strip_suffix(['Z', 'z']) {
        return super::time::parse_millis(&format!("{base}Z"));
    }
    let (base, zone) = s.split_at(s.len().checked_sub(6)?);
    let sign = match zone.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hh, mm) = zone[1..].split_once(':')?;
    if hh.len() != 2 || mm.len() != 2 || !(hh.bytes().chain(mm.bytes())).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (hh, mm): (i64, i64) = (hh.parse().ok()?, mm.parse().ok()?);
    if hh > 23 || mm > 59 || base.len() < 19 {
        return None;
    }
    let local = super::time::parse_millis(&format!("{base}Z"))?;
    Some(local - sign * (hh * 60 + mm) * 60_000)
}

/// `90s`, `30m`, `1h`, `7d`, `2w`, or several (`1d12h`), in milliseconds.
fn duration_millis(s: &str) -> Option<i64> {
    if s.is_empty() || !s.as_bytes()[0].is_ascii_digit() || s.contains(['-', ':', 'T']) {
        return None;
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: i64 = match c {
            's' => 1_000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            'w' => 7 * 86_400_000,
            _ => return None,
        };
        let n: i64 = digits.parse().ok()?;
        digits.clear();
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    digits.is_empty().then_some(total)
}

/// Now, in milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_298_709_123; // 2026-11-21T22:05:09.123Z

    #[test]
    fn instants_with_any_offset() {
        let utc = super::super::time::parse_millis("2026-11-21T09:00:00Z").unwrap();
        for (s, want) in [
            ("2026-11-21T09:00:00Z", utc),
            ("2026-11-21T09:00:00z", utc),
            ("2026-11-21T10:00:00+01:00", utc),
            ("2026-11-21T03:30:00-05:30", utc),
            ("2026-11-21T09:00:00.250+00:00", utc + 250),
            ("2026-11-21 09:00:00Z", utc),
            ("2026-11-21", utc - 9 * 3_600_000),
        ] {
            assert_eq!(parse_instant(s, NOW), Some(want), "{s}");
        }
    }

    #[test]
    fn times_before_now() {
        for (s, ago) in [
            ("90s", 90_000),
            ("30m", 1_800_000),
            ("1h", 3_600_000),
            ("7d", 7 * 86_400_000),
            ("2w", 14 * 86_400_000),
            ("1d12h", 36 * 3_600_000),
        ] {
            assert_eq!(parse_instant(s, NOW), Some(NOW - ago), "{s}");
        }
    }

    #[test]
    fn nonsense_is_refused() {
        for s in [
            "",
            "h",
            "1",
            "1y",
            "7 d",
            "2026-11-21T09:00:00",
            "2026-11-21T09:00:00+1:00",
            "2026-11-21T09:00:00+25:00",
            "2026-11-21T09:00:00+01:60",
            "yesterday",
            "99999999999999999999d",
        ] {
            assert_eq!(parse_instant(s, NOW), None, "{s}");
        }
    }
}
