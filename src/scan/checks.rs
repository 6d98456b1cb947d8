//! Small checks the detectors share after a pattern matches: Shannon entropy, the placeholder
//! policy, documented example values, base64url decoding for JWT headers, and span helpers.
//!
//! The placeholder policy is deliberately one place (see `docs/adr/0003-scanners.md`): a value
//! that is obviously not a real credential (template syntax, `xxxx`, `your_token_here`, a run of
//! one character, a vendor's documented example) is not reported.

/// Shannon entropy of `s` in bits per byte (0 for empty input, at most 8).
pub(crate) fn shannon_entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let len = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / len;
            -p * p.log2()
        })
        .sum()
}

/// Values their vendors publish in documentation. Treated as known examples, not secrets, so
/// that documentation and tests that quote them do not trip the guard.
const DOCUMENTED_EXAMPLES: &[&str] = &[
    // AWS: the access key id and secret key used throughout AWS documentation.
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    // Stripe: the test-mode keys in Stripe's API reference.
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    // Azurite / Azure Storage Emulator: the published development account key.
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    // jwt.io's default token (signature part).
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
];

/// Words that mark a value as a stand-in rather than a credential. Matched case-insensitively
/// as substrings; each is long or odd enough that a random token almost never contains it.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "placeholder",
    "xxxx",
    "changeme",
    "change_me",
    "change-me",
    "replace",
    "redacted",
    "dummy",
    "sample",
    "your_",
    "your-",
    "yourtoken",
    "yourkey",
    "yoursecret",
    "yourpassword",
    "insert",
    "fake",
    "notreal",
    "not_real",
    "not-real",
    "secret_here",
    "token_here",
    "key_here",
    "goes_here",
    "0123456",
    "1234567",
    "abcdefgh",
    "qwerty",
    "********",
    "••••",
];

/// Template and reference syntax: the value names where the secret comes from. Also what is
/// left of a value hookguard already redacted (`[hookguard: … redacted]`, or its start when the
/// text was cut): a marker is not a secret, and redacting it again would never converge.
pub(crate) fn is_template(v: &str) -> bool {
    v.starts_with("[hookguard:")
        || v.starts_with('$')
        || v.starts_with('%')
        || v.starts_with('<')
        || v.starts_with('{')
        || v.starts_with("@@")
        || v.contains("${")
        || v.contains("{{")
        || v.contains("$(")
        || v.contains("%(")
        || v.contains("#{")
        || v.contains('<') && v.contains('>')
}

/// True when `value` is a documented example, template syntax, a placeholder word, or has too
/// little variety in its tail to be random (`ghp_000000…`, `aaaaaaaa`).
///
/// Placeholder words are only looked for in values of up to 128 bytes: in a long random value
/// (a private key, a long JWT) a short word turns up by chance often enough to hide real keys.
pub(crate) fn is_placeholder(value: &str) -> bool {
    value.is_empty()
        || is_template(value)
        || is_documented_example(value)
        || (value.len() <= 128 && has_placeholder_word(value))
        || low_variety(value)
}

/// Contains a value that a vendor publishes as an example.
///
/// AWS marks every credential in its documentation and SDK examples with `EXAMPLE` in capitals
/// inside the value (`AQoEXAMPLEH4aoAH0gN…`); seven given capitals occur in a random value by
/// chance about once in 2^42 positions, so the word is taken as the mark at any length.
pub(crate) fn is_documented_example(value: &str) -> bool {
    value.contains("EXAMPLE") || DOCUMENTED_EXAMPLES.iter().any(|e| value.contains(e))
}

/// Contains one of the placeholder words, ignoring case.
pub(crate) fn has_placeholder_word(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w))
}

/// Fewer than four distinct characters among the last sixteen alphanumerics of the value.
pub(crate) fn low_variety(value: &str) -> bool {
    let tail: Vec<u8> = value
        .bytes()
        .rev()
        .filter(u8::is_ascii_alphanumeric)
        .take(16)
        .collect();
    let mut seen = [false; 256];
    let mut distinct = 0;
    for b in &tail {
        if !seen[*b as usize] {
            seen[*b as usize] = true;
            distinct += 1;
        }
    }
    distinct < 4
}

/// Decodes base64url (or standard base64) without padding into bytes; `None` if malformed.
pub(crate) fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Widens `start..end` to the nearest UTF-8 character boundaries of `text`, so that a byte
/// pattern that stopped inside a multi-byte character still yields a sliceable span.
pub(crate) fn snap(text: &str, start: usize, end: usize) -> (usize, usize) {
    let mut s = start.min(text.len());
    let mut e = end.min(text.len()).max(s);
    while !text.is_char_boundary(s) {
        s -= 1;
    }
    while !text.is_char_boundary(e) {
        e += 1;
    }
    (s, e)
}

/// What a validator found out about one line of the text being scanned, kept while the scan
/// stays on that line (issue 16: each finding on one long line lower-cased and searched the
/// whole line again, so a 352 KB line of `password=…` took 2.5 s).
struct LineMemo {
    /// The text (address and length) and the line's `start..end` in it.
    text: (usize, usize),
    line: (usize, usize),
    facts: Vec<((&'static str, usize), bool)>,
}

thread_local! {
    static LINE: std::cell::RefCell<Option<LineMemo>> = const { std::cell::RefCell::new(None) };
}

/// Forgets what [`line_fact`] knew: called whenever a scan of a text starts, so that a later
/// text at the same address is never judged by an earlier one's lines.
pub(crate) fn forget_lines() {
    LINE.with(|l| *l.borrow_mut() = None);
}

/// `test(start, end)` on the line of `bytes` holding `pos`, computed once per line and `key`
/// while findings stay on that line: the finding after it on the same line costs a comparison,
/// not a search of the line. Linear in the text however many findings one line holds.
pub(crate) fn line_fact(
    bytes: &[u8],
    pos: usize,
    key: (&'static str, usize),
    test: impl FnOnce(usize, usize) -> bool,
) -> bool {
    let text = (bytes.as_ptr() as usize, bytes.len());
    let cached = LINE.with(|l| {
        let l = l.borrow();
        let m = l.as_ref()?;
        (m.text == text && m.line.0 <= pos && pos <= m.line.1)
            .then(|| m.facts.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
            .map(|v| (m.line, v))
    });
    let (line, known) = match cached {
        Some((line, known)) => (line, known),
        None => (line_bounds(bytes, pos), None),
    };
    if let Some(v) = known {
        return v;
    }
    let v = test(line.0, line.1);
    LINE.with(|l| {
        let mut l = l.borrow_mut();
        match l.as_mut() {
            Some(m) if m.text == text && m.line == line => m.facts.push((key, v)),
            _ => {
                *l = Some(LineMemo {
                    text,
                    line,
                    facts: vec![(key, v)],
                })
            }
        }
    });
    v
}

/// The line of `bytes` that holds offset `pos`, without its newline: `start..end`.
pub(crate) fn line_bounds(bytes: &[u8], pos: usize) -> (usize, usize) {
    let pos = pos.min(bytes.len());
    let start = memchr::memrchr(b'\n', &bytes[..pos]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The memo gives what testing each line afresh gives, for findings in any order, on
        /// texts that follow one another at the same address.
        #[test]
        fn line_facts_are_the_lines_own(
            texts in proptest::collection::vec("[ab\n]{0,40}", 1..4),
            picks in proptest::collection::vec(0usize..64, 1..20),
        ) {
            let mut buf = String::new();
            for t in &texts {
                buf.clear();
                buf.push_str(t);
                forget_lines();
                let bytes = buf.as_bytes();
                for &p in &picks {
                    let pos = p.min(bytes.len());
                    let (ls, le) = line_bounds(bytes, pos);
                    let want = bytes[ls..le].contains(&b'a');
                    let got = line_fact(bytes, pos, ("has-a", 0), |s, e| bytes[s..e].contains(&b'a'));
                    proptest::prop_assert_eq!(got, want);
                }
            }
        }
    }

    #[test]
    fn entropy_table() {
        let cases: &[(&str, f64, f64)] = &[
            ("", 0.0, 0.0),
            ("aaaaaaaa", 0.0, 0.0),
            ("abababab", 1.0, 1.0),
            ("abcdefgh", 3.0, 3.0),
            ("wJ4lrXUtnFEMIxK7MDENGabPxRfiCY2z", 4.0, 5.0),
        ];
        for (s, lo, hi) in cases {
            let e = shannon_entropy(s.as_bytes());
            assert!(e >= *lo - 1e-9 && e <= *hi + 1e-9, "{s:?}: {e}");
        }
    }

    #[test]
    fn placeholder_table() {
        let yes = [
            "AKIAIOSFODNN7EXAMPLE",
            "${CLIENT_SECRET}",
            "$TOKEN",
            "<token>",
            "{{ secrets.TOKEN }}",
            "xxxxxxxxxxxxxxxxxxxx",
            "your_api_key_here",
            "ghp_000000000000000000000000000000000000",
            "changeme",
            "%(password)s",
            "FAKEKEY9q8w7e6r5t4y3u2i1o",
        ];
        for v in yes {
            assert!(is_placeholder(v), "{v:?} should be a placeholder");
        }
        let no = [
            "ghp_R7kQ2mZ9xW4vB8nT1cY6pL3sD5fG0hJ2aE9u",
            "q8Rt2Lm9Vx4Kp7Wz",
            "Zq4!r9Lm#2Tx",
        ];
        for v in no {
            assert!(!is_placeholder(v), "{v:?} should not be a placeholder");
        }
    }

    #[test]
    fn base64url_table() {
        assert_eq!(
            base64url_decode("eyJhbGciOiJIUzI1NiJ9").unwrap(),
            br#"{"alg":"HS256"}"#
        );
        assert_eq!(base64url_decode("aGk").unwrap(), b"hi");
        assert!(base64url_decode("a.b").is_none());
    }

    #[test]
    fn snap_widens_to_char_boundaries() {
        let t = "aé€b";
        assert_eq!(snap(t, 2, 4), (1, 6));
        assert_eq!(snap(t, 0, 99), (0, t.len()));
    }
}
