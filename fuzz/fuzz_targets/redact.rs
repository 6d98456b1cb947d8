//! Fuzz target: the redaction rewrite (`scan::redact`, what replaces a PostToolUse output's
//! values) on any text, with the scanner's own hits and with arbitrary spans. It must never
//! panic, its output must stay linear in the input (no value rescanned or repeated), and a
//! value the scanner found must not survive unless the text also holds it outside every hit.
//! `cargo +nightly fuzz run redact`.
#![no_main]

use hookguard::scan::{self, Category, Hit, Scan, Scanner, MARKER_CLOSE, MARKER_OPEN};
use libfuzzer_sys::fuzz_target;

/// The longest marker: its description is cut to 80 characters of up to 4 bytes.
const MAX_MARKER: usize = MARKER_OPEN.len() + 80 * 4 + MARKER_CLOSE.len();

fuzz_target!(|data: &[u8]| {
    // The first bytes choose arbitrary spans, the rest is the text.
    let (spec, text) = data.split_at(data.len().min(16));
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    assert_eq!(scan::redact(text, &[]), text);

    let arbitrary: Vec<Hit> = spec
        .chunks(4)
        .filter(|c| c.len() == 4)
        .map(|c| {
            let a = usize::from(u16::from_le_bytes([c[0], c[1]]));
            let b = usize::from(u16::from_le_bytes([c[2], c[3]]));
            Hit {
                rule: "fuzz".into(),
                control: "PR-01",
                kind: Category::Secret,
                start: a.min(b),
                end: a.max(b),
                line: 1,
                description: "fuzz value".into(),
            }
        })
        .collect();
    let out = scan::redact(text, &arbitrary);
    assert!(out.len() <= text.len() + arbitrary.len() * MAX_MARKER);

    let hits = Scanner::builtin().scan(text, Scan::ALL);
    let out = scan::redact(text, &hits);
    assert!(out.len() <= text.len() + hits.len() * MAX_MARKER);
    // What lies outside every hit, with the hits blanked.
    let mut outside = String::with_capacity(text.len());
    let mut at = 0;
    for h in &hits {
        if h.start >= at {
            outside.push_str(&text[at..h.start]);
            outside.push('\0');
        }
        at = at.max(h.end);
    }
    outside.push_str(&text[at.min(text.len())..]);
    let markers: Vec<String> = hits
        .iter()
        .map(|h| scan::marker(&h.description))
        .chain([scan::marker("classification marking")])
        .collect();
    for h in &hits {
        let value = &text[h.start..h.end];
        let in_marker = markers.iter().any(|m| m.contains(value));
        if value.len() >= 16 && !outside.contains(value) && !in_marker {
            assert!(!out.contains(value), "a found value survived the rewrite");
        }
    }
});
