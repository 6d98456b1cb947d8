//! Properties of the scanners over generated text: they never panic, hits are well formed and
//! deterministic, and redaction removes every secret so that a rescan finds none.

use hookguard::scan::{Category, Scan, Scanner, redact};
use proptest::prelude::*;

/// Pieces that steer generated text into the detectors' interesting paths.
const FRAGMENTS: &[&str] = &[
    "ghp_R7kQ2mZ9xW4vB8nT1cY6pL3sD5fG0hJ2aE9u",
    "AKIA4X3YDICBBPBHM35X",
    "api_key",
    "password",
    "SECRET",
    "secret",
    "token",
    "=",
    ":",
    ": ",
    "\"",
    "'",
    "://",
    "@",
    "user:",
    "Zk3vQ9mLp2xR",
    "q8Rt2Lm9Vx4Kp7Wz3Nc6",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    "MIIEpAIBAAKCAQEAq8Rt2Lm9Vx4Kp7Wz3Nc6R7kQ2mZ9xW4vB8nT1cY6pL3sD5fG0hJ2aE9u",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.q8Rt2Lm9Vx4Kp7Wz3Nc6R7kQ2mZ9",
    "\"type\": \"service_account\"",
    "\"private_key\": \"",
    "Server=x;",
    "Password=",
    "sig=",
    "sv=",
    "OFFICIAL-SENSITIVE",
    "TOP SECRET",
    "UK EYES ONLY",
    "Classification: ",
    "4539 1488 0343 6467",
    "401 023 2137",
    "JT482915A",
    "\n",
    " ",
    "é",
    "€",
    "\u{1F600}",
    "[hookguard: ",
    " redacted]",
    "]",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
            1 => any::<String>(),
            1 => "[A-Za-z0-9+/_-]{1,48}",
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn hits_are_well_formed_and_deterministic(t in text()) {
        let s = Scanner::builtin();
        let hits = s.scan(&t, Scan::ALL);
        prop_assert_eq!(&hits, &Scanner::builtin().scan(&t, Scan::ALL));
        let mut prev = 0;
        for h in &hits {
            prop_assert!(h.start < h.end && h.end <= t.len());
            prop_assert!(t.is_char_boundary(h.start) && t.is_char_boundary(h.end));
            prop_assert!(h.start >= prev, "sorted by start");
            prev = h.start;
            prop_assert_eq!(h.line, t[..h.start].matches('\n').count() + 1);
            prop_assert_eq!(h.control, "PR-01");
            prop_assert!(!h.description.contains(&t[h.start..h.end]) || h.end - h.start < 4
                || matches!(h.kind, Category::Marking(_)));
        }
    }

    #[test]
    fn redaction_removes_every_secret(t in text()) {
        let s = Scanner::builtin();
        let hits = s.scan(&t, Scan::ALL);
        let red = s.redact_fully(&t, &hits, Scan::ALL);
        // Every hit's occurrence is gone: the value occurs fewer times than before (the same
        // characters may still occur elsewhere, outside any hit, e.g. glued to a longer word).
        for h in &hits {
            let value = &t[h.start..h.end];
            prop_assert!(
                red.matches(value).count() < t.matches(value).count(),
                "{} still in {:?}", value, red
            );
        }
        let again = s.scan(&red, Scan::SECRETS);
        prop_assert!(again.is_empty(), "rescan found {:?} in {:?}", again, red);
    }

    #[test]
    fn never_panics_on_any_string(t in any::<String>()) {
        let _ = redact(&t, &Scanner::builtin().scan(&t, Scan::ALL));
    }
}
