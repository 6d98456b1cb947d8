//! RFC 3339 UTC timestamps with milliseconds, without a date-time dependency.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, as `2026-11-21T22:05:09.123Z`.
pub fn now_rfc3339() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format_unix_millis(d.as_millis() as i64)
}

/// Formats milliseconds since the Unix epoch (civil-from-days, Howard Hinnant's algorithm).
pub fn format_unix_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(format_unix_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_unix_millis(951_782_400_000),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            format_unix_millis(1_795_298_709_123),
            "2026-11-21T22:05:09.123Z"
        );
    }
}

/// Milliseconds since the Unix epoch of `2026-11-21T22:05:09.123Z`, `2026-11-21T22:05:09Z` or
/// (midnight UTC) `2026-11-21`; other offsets than `Z` are not written by hookguard.
pub fn parse_millis(s: &str) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if s.get(4..5) != Some("-") || s.get(7..8) != Some("-") || !(1..=12).contains(&month) {
        return None;
    }
    if !(1..=31).contains(&day) {
        return None;
    }
    let (mut h, mut m, mut sec, mut milli) = (0, 0, 0, 0);
    if s.len() > 10 {
        if !matches!(s.get(10..11), Some("T" | " ")) || !s.ends_with('Z') {
            return None;
        }
        (h, m, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if s.len() > 20 {
            let frac = s.get(20..s.len() - 1)?;
            milli = format!("{frac:0<3}").get(..3)?.parse().ok()?;
        }
    } else if s.len() != 10 {
        return None;
    }
    // days-from-civil, Howard Hinnant's algorithm.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3600 + m * 60 + sec) * 1000) + milli)
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn parses_what_it_formats() {
        for ms in [0, 951_782_400_000, 1_795_298_709_123, 4_102_444_800_999] {
            assert_eq!(parse_millis(&format_unix_millis(ms)), Some(ms), "{ms}");
        }
        assert_eq!(parse_millis("2026-11-21"), Some(1_795_219_200_000));
        assert_eq!(
            parse_millis("2026-11-21T22:05:09Z"),
            Some(1_795_298_709_000)
        );
        for bad in [
            "",
            "2026",
            "2026-13-01",
            "2026-11-21T22:05",
            "2026-11-21T22:05:09+01:00",
        ] {
            assert_eq!(parse_millis(bad), None, "{bad}");
        }
    }
}
