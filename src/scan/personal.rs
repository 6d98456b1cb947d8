//! UK personal data that can be validated (C12): National Insurance numbers, NHS numbers and
//! payment card numbers. Each candidate must pass its check (prefix rules, modulus 11, Luhn and
//! issuer prefix), so bare digit runs, phone numbers, dates and timestamps are not reported.
//!
//! A candidate must also stand alone: not part of a longer digit run, a hex string, a UUID, a
//! version number or a decimal (`standalone`). Documented test values (NHS Digital's example
//! number, the card networks' published test numbers) are not personal data and are skipped.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::bytes::Regex;

use super::checks::{line_bounds, line_fact};
use super::secrets::build_regex;
use super::{Category, Found};

static NINO: LazyLock<Regex> = LazyLock::new(|| {
    build_regex(
        r"\b([A-Z])([A-Z]) ?([0-9]{2}) ?([0-9]{2}) ?([0-9]{2}) ?([A-D])\b",
        false,
    )
    .expect("NINO pattern compiles (tested)")
});

static NHS: LazyLock<Regex> = LazyLock::new(|| {
    build_regex(r"\b([0-9]{3})([ -]?)([0-9]{3})([ -]?)([0-9]{4})\b", false)
        .expect("NHS pattern compiles (tested)")
});

static CARD: LazyLock<Regex> = LazyLock::new(|| {
    build_regex(r"\b[0-9](?:[ -]?[0-9]){12,18}\b", false).expect("card pattern compiles (tested)")
});

/// NHS numbers published as examples (NHS Digital's data dictionary uses 943 476 5919).
const EXAMPLE_NHS: &[&str] = &["9434765919"];

/// Card numbers the networks and payment providers publish for testing.
const TEST_CARDS: &[&str] = &[
    "4111111111111111",
    "4242424242424242",
    "4000056655665556",
    "4012888888881881",
    "4222222222222",
    "5555555555554444",
    "5105105105105100",
    "5200828282828210",
    "2223003122003222",
    "378282246310005",
    "371449635398431",
    "378734493671000",
    "6011111111111117",
    "6011000990139424",
    "3566002020360505",
    "3530111333300000",
    "6200000000000005",
    "30569309025904",
    "38520000023237",
];

/// Finds National Insurance, NHS and payment card numbers in `text`.
///
/// Prefilter: every identifier here holds at least six digits, so the patterns run only over
/// lines with six or more digits (merged into windows), which most prose and code lines lack.
pub(crate) fn scan(text: &str, out: &mut Vec<Found>) {
    let bytes = text.as_bytes();
    for (ws, we) in digit_windows(bytes) {
        scan_window(bytes, ws, we, out);
    }
}

/// Lines holding at least six ASCII digits, adjacent lines merged.
///
/// Walks the text in 64-byte blocks: a block without a digit (most of any source file) is
/// skipped with one vectorised test and a newline search, and only blocks holding a digit are
/// walked byte by byte. Same windows as a line-by-line count (tested against it), at about a
/// third of the instructions on 1 MB of source (ADR 0008).
fn digit_windows(bytes: &[u8]) -> Vec<(usize, usize)> {
    const BLOCK: usize = 64;
    let mut windows: Vec<(usize, usize)> = Vec::new();
    let mut emit = |start: usize, end: usize| match windows.last_mut() {
        Some(last) if last.1 + 1 == start => last.1 = end,
        _ => windows.push((start, end)),
    };
    // The current line starts at `start` and holds `digits` digits before `pos`.
    let (mut start, mut digits, mut pos) = (0, 0usize, 0);
    while pos < bytes.len() {
        let end = (pos + BLOCK).min(bytes.len());
        let block = &bytes[pos..end];
        let any_digit = block
            .iter()
            .fold(0u8, |a, &b| a | u8::from(b.wrapping_sub(b'0') < 10));
        if any_digit == 0 {
            if let Some(last) = memchr::memrchr(b'\n', block) {
                if digits >= 6 {
                    let first = memchr::memchr(b'\n', block).unwrap_or(last);
                    emit(start, pos + first);
                }
                // Lines that start and end inside the block hold no digit.
                start = pos + last + 1;
                digits = 0;
            }
        } else {
            for (i, &b) in block.iter().enumerate() {
                if b == b'\n' {
                    if digits >= 6 {
                        emit(start, pos + i);
                    }
                    start = pos + i + 1;
                    digits = 0;
                } else if b.is_ascii_digit() {
                    digits += 1;
                }
            }
        }
        pos = end;
    }
    if digits >= 6 {
        emit(start, bytes.len());
    }
    windows
}

fn scan_window(bytes: &[u8], ws: usize, we: usize, out: &mut Vec<Found>) {
    let hay = &bytes[ws..we];
    for caps in NINO.captures_iter(hay) {
        let whole = caps.get(0).expect("group 0 always matches");
        let (s, e) = (ws + whole.start(), ws + whole.end());
        let (a, b) = (caps[1][0], caps[2][0]);
        if nino_prefix_ok(a, b) && standalone(bytes, s, e, true) {
            out.push(found(
                "national-insurance-number",
                "National Insurance number",
                s,
                e,
            ));
        }
    }
    for caps in NHS.captures_iter(hay) {
        let whole = caps.get(0).expect("group 0 always matches");
        let (s, e) = (ws + whole.start(), ws + whole.end());
        if caps[2] != caps[4] || !standalone(bytes, s, e, true) {
            continue;
        }
        let digits: Vec<u8> = whole
            .as_bytes()
            .iter()
            .copied()
            .filter(u8::is_ascii_digit)
            .collect();
        let spaced = !caps[2].is_empty();
        // A bare ten-digit run is an NHS number only with an NHS word nearby: unformatted, it
        // is far more often a constant, an id or a timestamp (one in eleven passes mod 11).
        if nhs_ok(&digits, spaced)
            && (spaced || (nhs_context(bytes, s) && !numeric_table(bytes, s)))
        {
            out.push(found("nhs-number", "NHS number", s, e));
        }
    }
    for m in CARD.find_iter(hay) {
        if let Some((s, e, network)) = card_in(bytes, ws + m.start(), ws + m.end()) {
            let mut f = found("payment-card", "", s, e);
            f.description = Cow::Owned(format!("payment card number ({network})"));
            out.push(f);
        }
    }
}

/// The line of `pos` or one of the two before it mentions NHS, a patient or a CHI number.
fn nhs_context(bytes: &[u8], pos: usize) -> bool {
    line_fact(bytes, pos, ("nhs-context", 0), |mut ls, le| {
        for _ in 0..2 {
            if ls == 0 {
                break;
            }
            ls = line_bounds(bytes, ls - 1).0;
        }
        let ctx = String::from_utf8_lossy(&bytes[ls..le]).to_ascii_lowercase();
        ["nhs", "patient", "chi number", "chi_number", "chi no"]
            .iter()
            .any(|w| ctx.contains(w))
    })
}

/// A table of constants (powers, ioctl numbers, decimal hashes), not identifiers written by
/// people: the line of `pos` and the two lines either side hold at least two runs of ten or
/// more digits that are not valid card numbers. A list of real card numbers is not a table.
fn numeric_table(bytes: &[u8], pos: usize) -> bool {
    line_fact(bytes, pos, ("numeric-table", 0), |ls, le| {
        numeric_table_around(bytes, ls, le)
    })
}

fn numeric_table_around(bytes: &[u8], mut ls: usize, mut le: usize) -> bool {
    for _ in 0..2 {
        if ls > 0 {
            ls = line_bounds(bytes, ls - 1).0;
        }
        if le < bytes.len() {
            le = line_bounds(bytes, le + 1).1;
        }
    }
    let mut invalid = 0;
    let mut i = ls;
    while i < le {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < le && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let run = &bytes[start..i];
        if run.len() >= 10 && !(network(run).is_some() && luhn(run)) {
            invalid += 1;
        }
    }
    invalid >= 2
}

fn found(kind: &'static str, description: &'static str, start: usize, end: usize) -> Found {
    let rule = match kind {
        "national-insurance-number" => "content.personal-data.national-insurance-number",
        "nhs-number" => "content.personal-data.nhs-number",
        _ => "content.personal-data.payment-card",
    };
    Found {
        rule: Cow::Borrowed(rule),
        description: Cow::Borrowed(description),
        kind: Category::PersonalData,
        priority: 1,
        start,
        end,
    }
}

/// HMRC's rules: neither letter D, F, I, Q, U or V; the second not O; and not one of the
/// prefixes never issued (BG, GB, NK, KN, TN, NT, ZZ).
pub(crate) fn nino_prefix_ok(a: u8, b: u8) -> bool {
    let bad = |c: u8| matches!(c, b'D' | b'F' | b'I' | b'Q' | b'U' | b'V');
    !bad(a)
        && !bad(b)
        && b != b'O'
        && !matches!(
            &[a, b],
            b"BG" | b"GB" | b"NK" | b"KN" | b"TN" | b"NT" | b"ZZ"
        )
}

/// Modulus 11 over ten digits; check value 10 is invalid and 11 means 0.
pub(crate) fn nhs_mod11(d: &[u8]) -> bool {
    if d.len() != 10 {
        return false;
    }
    let sum: u32 = d[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        c => c,
    };
    u32::from(d[9] - b'0') == check
}

/// A valid NHS number that is not all one digit, not in the 999 test range, not a documented
/// example, and, when written without spaces, in an issued range (England, Wales and the Isle of
/// Man 4xx and 6xx–7xx, Northern Ireland 3xx, the older 9xx series): bare ten-digit runs starting
/// 0–2, 5 or 8 are far more often timestamps and ids than NHS numbers.
fn nhs_ok(d: &[u8], spaced: bool) -> bool {
    let first = d[0];
    if d.iter().all(|&c| c == first) || d.starts_with(b"999") {
        return false;
    }
    if EXAMPLE_NHS.iter().any(|e| e.as_bytes() == d) {
        return false;
    }
    if !spaced && !matches!(first, b'3' | b'4' | b'6' | b'7' | b'9') {
        return false;
    }
    nhs_mod11(d)
}

/// Luhn over ASCII digits.
pub(crate) fn luhn(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let v = u32::from(c - b'0');
            if i % 2 == 1 {
                let x = v * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                v
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The card network whose issuer prefix and length fit, if any.
pub(crate) fn network(d: &[u8]) -> Option<&'static str> {
    let len = d.len();
    let prefix = |n: usize| -> u32 {
        d[..n.min(len)]
            .iter()
            .fold(0, |acc, c| acc * 10 + u32::from(c - b'0'))
    };
    let (p1, p2, p3, p4, p6) = (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6));
    let range16_19 = (16..=19).contains(&len);
    if p1 == 4 && matches!(len, 13 | 16 | 19) {
        Some("Visa")
    } else if ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16 {
        Some("Mastercard")
    } else if matches!(p2, 34 | 37) && len == 15 {
        Some("American Express")
    } else if (p4 == 6011 || p2 == 65 || (644..=649).contains(&p3)) && range16_19 {
        Some("Discover")
    } else if (3528..=3589).contains(&p4) && range16_19 {
        Some("JCB")
    } else if p2 == 62 && range16_19 {
        Some("UnionPay")
    } else if (matches!(
        p4,
        5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761 | 6762 | 6763
    ) || p6 == 676770
        || p6 == 676774)
        && (13..=19).contains(&len)
    {
        Some("Maestro")
    } else if (p2 == 36 || (300..=305).contains(&p3)) && (14..=19).contains(&len) {
        Some("Diners Club")
    } else {
        None
    }
}

/// Groupings card numbers are written in: fours (the last group may be shorter), Amex 4-6-5,
/// Diners 4-6-4.
fn grouping_ok(groups: &[usize]) -> bool {
    if groups.len() == 1 {
        return true;
    }
    let fours = groups[..groups.len() - 1].iter().all(|&g| g == 4)
        && (1..=4).contains(groups.last().unwrap_or(&0));
    fours || groups == [4, 6, 5] || groups == [4, 6, 4]
}

/// Looks for a valid card number at the start of the candidate `s..e`, trying shorter runs of
/// whole groups when the regex took in a trailing group (a date, a reference).
fn card_in(bytes: &[u8], s: usize, e: usize) -> Option<(usize, usize, &'static str)> {
    let cand = &bytes[s..e];
    let sep = cand.iter().find(|b| matches!(b, b' ' | b'-')).copied();
    // One kind of separator throughout, and never doubled.
    if let Some(sep) = sep
        && cand.iter().any(|b| matches!(b, b' ' | b'-') && *b != sep)
    {
        return None;
    }
    // Group boundaries: end offsets (relative) of each digit group.
    let mut ends = Vec::new();
    let mut lens = Vec::new();
    let mut run = 0;
    for (i, b) in cand.iter().enumerate() {
        if b.is_ascii_digit() {
            run += 1;
        } else {
            ends.push(i);
            lens.push(run);
            run = 0;
        }
    }
    ends.push(cand.len());
    lens.push(run);
    for k in (1..=lens.len()).rev() {
        let end = s + ends[k - 1];
        let digits: Vec<u8> = bytes[s..end]
            .iter()
            .copied()
            .filter(u8::is_ascii_digit)
            .collect();
        if !(13..=19).contains(&digits.len()) || !grouping_ok(&lens[..k]) {
            continue;
        }
        if !standalone(bytes, s, end, false) {
            continue;
        }
        let first = digits[0];
        if digits.iter().all(|&c| c == first) || TEST_CARDS.iter().any(|t| t.as_bytes() == digits) {
            return None;
        }
        let bare = k == 1;
        if let Some(sep) = sep
            && !bare
            && in_run_of_groups(bytes, s, end, sep)
        {
            return None;
        }
        if let Some(net) = network(&digits)
            && luhn(&digits)
            && !(bare && numeric_table(bytes, s))
        {
            return Some((s, end, net));
        }
    }
    None
}

/// The grouped number `s..e` is inside a longer run of four-character groups with the same
/// separator, two or more beyond it (`52BB 5352 5354 5353 5351 5366`: a table of code points
/// or hex words), not a card.
fn in_run_of_groups(bytes: &[u8], s: usize, e: usize, sep: u8) -> bool {
    let group = |from: usize| {
        bytes
            .get(from..from + 4)
            .is_some_and(|g| g.iter().all(u8::is_ascii_alphanumeric))
            && (from == 0 || !bytes[from - 1].is_ascii_alphanumeric())
            && bytes
                .get(from + 4)
                .is_none_or(|c| !c.is_ascii_alphanumeric())
    };
    let before = |n: usize| s >= 5 * n && bytes[s - 5 * n + 4] == sep && group(s - 5 * n);
    let after = |n: usize| bytes.get(e + 5 * (n - 1)) == Some(&sep) && group(e + 5 * (n - 1) + 1);
    // One neighbouring group is a label or a year (`AMEX 3400 …`, `… 6467 2027`); two or more
    // make a table.
    let (b1, a1) = (before(1), after(1));
    usize::from(b1) + usize::from(b1 && before(2)) + usize::from(a1) + usize::from(a1 && after(2))
        >= 2
}

/// Not glued to a longer identifier: the neighbours are not alphanumeric, and a neighbouring
/// separator (`-`, `.`, `/`, `:`, `_`) does not lead on to more alphanumerics (UUIDs, versions,
/// decimals, paths, times); with `space_glues`, a neighbouring space does not lead on to another
/// digit (the rest of a longer spaced number such as a phone number). Card numbers do not use
/// that last rule: Luhn, length and issuer prefix already rule out phone numbers, and a card is
/// often followed by its expiry date.
fn standalone(bytes: &[u8], s: usize, e: usize, space_glues: bool) -> bool {
    let before = s.checked_sub(1).map(|i| bytes[i]);
    let before2 = s.checked_sub(2).map(|i| bytes[i]);
    let after = bytes.get(e).copied();
    let after2 = bytes.get(e + 1).copied();
    let glued = |near: Option<u8>, far: Option<u8>| match near {
        None => false,
        Some(c) if c.is_ascii_alphanumeric() || c >= 0x80 => true,
        Some(b'-' | b'.' | b'/' | b':' | b'_' | b'+') => {
            far.is_some_and(|f| f.is_ascii_alphanumeric())
        }
        Some(b' ') if space_glues => far.is_some_and(|f| f.is_ascii_digit()),
        Some(_) => false,
    };
    !glued(before, before2) && !glued(after, after2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line-by-line count `digit_windows` replaced.
    fn digit_windows_by_line(bytes: &[u8]) -> Vec<(usize, usize)> {
        let mut windows: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        while start <= bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
            let digits = bytes[start..end]
                .iter()
                .filter(|b| b.is_ascii_digit())
                .count();
            if digits >= 6 {
                match windows.last_mut() {
                    Some(last) if last.1 + 1 == start => last.1 = end,
                    _ => windows.push((start, end)),
                }
            }
            start = end + 1;
        }
        windows
    }

    #[test]
    fn digit_windows_match_the_line_by_line_count() {
        // Deterministic pseudo-random texts over digits, newlines and letters, with lines
        // shorter and longer than a block.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for case in 0..3000 {
            let len = case % 400;
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let newline_rate = 1 + case % 97;
                    match x % 200 {
                        r if r < newline_rate as u64 % 40 => b'\n',
                        r if r < 60 => b'0' + (r % 10) as u8,
                        r => b'a' + (r % 26) as u8,
                    }
                })
                .collect();
            assert_eq!(
                digit_windows(&text),
                digit_windows_by_line(&text),
                "case {case}: {:?}",
                String::from_utf8_lossy(&text)
            );
        }
        for text in ["", "\n", "123456", "123456\n", "\n123456\n12345\n1234567"] {
            assert_eq!(
                digit_windows(text.as_bytes()),
                digit_windows_by_line(text.as_bytes())
            );
        }
    }

    fn rules(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        scan(text, &mut out);
        out.iter().map(|f| f.rule.to_string()).collect()
    }

    const NI: &str = "content.personal-data.national-insurance-number";
    const NHSR: &str = "content.personal-data.nhs-number";
    const CARDR: &str = "content.personal-data.payment-card";

    #[test]
    fn personal_data_table() {
        let cases: &[(&str, &[&str])] = &[
            // National Insurance numbers.
            ("NINO: AB123456C", &[NI]),
            ("NINO: AB 12 34 56 C", &[NI]),
            ("JT 48 29 15 A", &[NI]),
            ("QQ 12 34 56 C", &[]),
            ("DA123456C", &[]),
            ("AO123456C", &[]),
            ("GB123456A", &[]),
            ("ZZ123456A", &[]),
            ("AB123456E", &[]),
            ("XAB123456C", &[]),
            ("ab123456c", &[]),
            // NHS numbers (modulus 11).
            ("NHS 401 023 2137", &[NHSR]),
            ("NHS 401-023-2137", &[NHSR]),
            ("NHS no 4010232137", &[NHSR]),
            ("patient\nid\n4010232137", &[NHSR]),
            ("4010232137", &[]),
            ("[4010232137, 4010232137, 4010232137] // nhs", &[]),
            ("943 476 5919", &[]),
            ("401 023 2138", &[]),
            ("401-023 2137", &[]),
            ("4444444444", &[]),
            ("1700000000", &[]),
            ("12 401 023 2137", &[]),
            ("v4010232137", &[]),
            // Cards (Luhn, network prefix, length).
            ("card 4539 1488 0343 6467", &[CARDR]),
            ("card 4539-1488-0343-6467", &[CARDR]),
            ("4539148803436467", &[CARDR]),
            ("4539148803436467,\n5425233430109903,", &[CARDR, CARDR]),
            (
                "6316162333127736719,\n4539148803436467,\n3801320885861987401,",
                &[],
            ),
            ("5425 2334 3010 9903", &[CARDR]),
            ("3714 496353 98431", &[]),
            ("3782 822463 10005", &[]),
            ("3400 000000 00009", &[CARDR]),
            ("4539 1488 0343 6467 2024", &[CARDR]),
            ("4111 1111 1111 1111", &[]),
            ("4539 1488 0343 6468", &[]),
            ("1234 5678 9012 3456", &[]),
            ("4539 1488-0343 6467", &[]),
            ("0.4539148803436467", &[]),
            ("id-4539148803436467", &[]),
            ("4539148803436467a", &[]),
            ("deadbeef4539148803436467", &[]),
            ("+44 20 7946 0958", &[]),
            ("07700 900123", &[]),
            ("2024-01-15 10:30:00", &[]),
            ("123e4567-e89b-12d3-a456-426614174000", &[]),
            ("12345678-1234-5678-1234-567812345678", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(rules(text), *want, "text {text:?}");
        }
    }

    #[test]
    fn check_digits() {
        assert!(nhs_mod11(b"9434765919"));
        assert!(!nhs_mod11(b"9434765918"));
        assert!(luhn(b"4111111111111111"));
        assert!(!luhn(b"4111111111111112"));
        assert_eq!(network(b"2221000000000009"), Some("Mastercard"));
        assert_eq!(network(b"3528000000000007"), Some("JCB"));
        assert_eq!(network(b"1234567890123"), None);
    }
}
