//! Table tests for the secret scanner through the public API: spans cover exactly the secret,
//! lines are counted, overlapping rules report once, values never leak into descriptions or
//! findings, and user gitleaks rules load, run and fail with clear errors.

use hookguard::scan::{Category, Scan, ScanError, Scanner, hit_to_finding, redact};

/// `secret!(name, text, rule, value)`: scanning `text` for secrets yields one hit of `rule`
/// whose span is exactly `value`.
macro_rules! secret {
    ($name:ident, $text:expr, $rule:expr, $value:expr) => {
        #[test]
        fn $name() {
            let text: String = $text;
            let hits = Scanner::builtin().scan(&text, Scan::SECRETS);
            assert_eq!(hits.len(), 1, "{hits:?}");
            assert_eq!(hits[0].rule, $rule);
            assert_eq!(&text[hits[0].start..hits[0].end], $value);
            assert_eq!(hits[0].kind, Category::Secret);
            assert!(!hits[0].description.contains($value));
        }
    };
}

/// `no_secret!(name, text)`: no secret hit.
macro_rules! no_secret {
    ($name:ident, $text:expr) => {
        #[test]
        fn $name() {
            let text: String = $text;
            let hits = Scanner::builtin().scan(&text, Scan::SECRETS);
            assert!(hits.is_empty(), "{hits:?}");
        }
    };
}

// Values are assembled from parts so that this file itself holds no full token.
fn gh() -> String {
    ["ghp_", "R7kQ2mZ9xW4vB8nT1cY6", "pL3sD5fG0hJ2aE9u"].concat()
}
fn aws_id() -> String {
    ["AKIA", "4X3YDICB", "BPBHM35X"].concat()
}

secret!(
    github_span_is_token,
    format!("token={}\n", gh()),
    "secrets.github-token",
    &gh()
);
secret!(
    aws_id_in_json,
    format!("{{\"k\":\"{}\"}}", aws_id()),
    "secrets.aws-access-key-id",
    &aws_id()
);
secret!(
    generic_span_is_value_not_name,
    "api_key: \"q8Rt2Lm9Vx4Kp7Wz3Nc6\"".to_string(),
    "secrets.generic-assignment",
    "q8Rt2Lm9Vx4Kp7Wz3Nc6"
);
secret!(
    url_password_span_is_password,
    "postgres://svc:Zk3vQ9mLp2xR@db-01.internal/app".to_string(),
    "secrets.url-password",
    "Zk3vQ9mLp2xR"
);
secret!(
    vendor_rule_wins_over_generic,
    format!("GITHUB_TOKEN = \"{}\"", gh()),
    "secrets.github-token",
    &gh()
);
secret!(
    connection_string_wins_over_generic,
    "Server=sql-01;Database=app;User Id=app;Password=Qm7vT2pLx9;".to_string(),
    "secrets.connection-string-password",
    "Qm7vT2pLx9"
);
secret!(
    token_after_multibyte_text,
    format!("café → naïve: {}", gh()),
    "secrets.github-token",
    &gh()
);

no_secret!(
    placeholder_env,
    "CLIENT_SECRET=${CLIENT_SECRET}".to_string()
);
no_secret!(documented_aws, "AKIAIOSFODNN7EXAMPLE".to_string());
no_secret!(token_inside_longer_word, format!("x{}y", &gh()[..20]));
no_secret!(empty, String::new());
no_secret!(
    keyword_only,
    "ghp_ secret token password api_key ://".to_string()
);

#[test]
fn lines_are_one_based_and_hits_sorted() {
    let text = format!("a\n\nGH={}\nb\nAWS={}\n", gh(), aws_id());
    let hits = Scanner::builtin().scan(&text, Scan::SECRETS);
    let got: Vec<(&str, usize)> = hits.iter().map(|h| (h.rule.as_ref(), h.line)).collect();
    assert_eq!(
        got,
        [
            ("secrets.github-token", 3),
            ("secrets.aws-access-key-id", 5)
        ]
    );
}

#[test]
fn scan_flags_select_scanners() {
    let text = format!("OFFICIAL-SENSITIVE\nGH={}\nNHS 401 023 2137\n", gh());
    let s = Scanner::builtin();
    let rules = |what| -> Vec<String> {
        s.scan(&text, what)
            .iter()
            .map(|h| h.rule.to_string())
            .collect()
    };
    assert_eq!(rules(Scan::SECRETS), ["secrets.github-token"]);
    assert_eq!(rules(Scan::MARKINGS), ["content.marking"]);
    assert_eq!(rules(Scan::PERSONAL), ["content.personal-data.nhs-number"]);
    assert_eq!(rules(Scan::SECRETS | Scan::PERSONAL).len(), 2);
    assert_eq!(rules(Scan::ALL).len(), 3);
    assert!(rules(Scan::NONE).is_empty());
}

#[test]
fn redact_then_rescan_is_clean() {
    let text = format!("GH={}\nurl=postgres://a:Zk3vQ9mLp2xR@db/x\n", gh());
    let s = Scanner::builtin();
    let hits = s.scan(&text, Scan::ALL);
    let red = redact(&text, &hits);
    assert_eq!(
        red,
        "GH=[hookguard: GitHub token redacted]\nurl=postgres://a:[hookguard: password embedded in a URL redacted]@db/x\n"
    );
    assert!(s.scan(&red, Scan::ALL).is_empty());
}

#[test]
fn findings_name_kind_and_place_not_value() {
    let text = format!("\n\nkey = \"{}\"", gh());
    let hit = &Scanner::builtin().scan(&text, Scan::ALL)[0];
    let f = hit_to_finding(hit, "prompt");
    assert_eq!(f.subject, "prompt, line 3");
    assert!(
        f.reason
            .starts_with("prompt contains a secret (GitHub token) at line 3")
    );
    assert!(!f.reason.contains(&gh()) && !f.subject.contains(&gh()));
}

const GITLEAKS: &str = r#"
title = "department rules"

[[rules]]
id = "dept-api-key"
description = "Department API key"
regex = '''\b(dept_[a-z0-9]{24})\b'''
keywords = ["dept_"]

[[rules]]
id = "ticket-token"
regex = '''ticket=([A-Za-z0-9]{16,})'''
secretGroup = 1
entropy = 3.0
[rules.allowlist]
stopwords = ["sandbox"]

[[rules]]
id = "key-files"
path = '''\.key$'''

[allowlist]
regexes = ['''^dept_0{24}$''']
"#;

#[test]
fn gitleaks_rules_run() {
    let s = Scanner::builtin().with_gitleaks(GITLEAKS).unwrap();
    let cases: &[(&str, &[&str])] = &[
        (
            "k = dept_a1b2c3d4e5f6g7h8i9j0k1l2",
            &["secrets.custom.dept-api-key"],
        ),
        ("k = dept_000000000000000000000000", &[]),
        (
            "GET /x?ticket=Q9w8E7r6T5y4U3i2",
            &["secrets.custom.ticket-token"],
        ),
        ("GET /x?ticket=aaaaaaaaaaaaaaaa", &[]),
        ("GET /x?ticket=sandboxQ9w8E7r6T5", &[]),
        ("nothing here", &[]),
    ];
    for (text, want) in cases {
        let got: Vec<String> = s
            .scan(text, Scan::SECRETS)
            .iter()
            .map(|h| h.rule.to_string())
            .collect();
        assert_eq!(got, *want, "text {text:?}");
    }
    let hit = &s.scan("dept_a1b2c3d4e5f6g7h8i9j0k1l2", Scan::SECRETS)[0];
    assert_eq!(hit.description, "Department API key");
    // Adding more rules keeps the first set; the same id twice is refused.
    let more = "[[rules]]\nid = \"other\"\nregex = 'zz[0-9]{8}'\n";
    let s = s.with_gitleaks(more).unwrap();
    assert_eq!(s.scan("zz12345678", Scan::SECRETS).len(), 1);
    assert!(matches!(
        s.with_gitleaks(more),
        Err(ScanError::DuplicateId { .. })
    ));
}

#[test]
fn gitleaks_errors_are_clear() {
    let cases: &[(&str, &str)] = &[
        ("[[rules]\n", "gitleaks rules:1: "),
        (
            "[[rules]]\nregex = 'a'\n",
            "gitleaks rules: rule 1: missing `id`",
        ),
        (
            "[[rules]]\nid = 'x'\n",
            "gitleaks rules: rule 1: missing `regex`",
        ),
        (
            "[[rules]]\nid = 'a b'\nregex = 'a'\n",
            "gitleaks rules: rule 1: id `a b` must be",
        ),
        (
            "[[rules]]\nid = 'x'\nregex = '(a'\n",
            "gitleaks rules: rule `x`: regex does not compile: ",
        ),
        (
            "[[rules]]\nid = 'x'\nregex = '(a)'\nsecretGroup = 2\n",
            "gitleaks rules: rule `x`: secretGroup 2 but the regex has 1 groups",
        ),
        (
            "[[rules]]\nid = 'x'\nregex = 'a'\nentropy = 9.0\n",
            "gitleaks rules: rule `x`: entropy 9 is not between 0 and 8",
        ),
        (
            "[[rules]]\nid = 'x'\nregex = 'a'\n[[rules]]\nid = 'x'\nregex = 'b'\n",
            "gitleaks rules: rule `x`: id used twice",
        ),
        (
            "[[rules]]\nid = 'x'\nregex = 'a'\n[rules.allowlist]\nregexTarget = 'file'\n",
            "unknown target `file`",
        ),
        (
            "[[rules]]\nid = 'x'\nregex = 'a{99999}{99999}'\n",
            "gitleaks rules: rule `x`: regex does not compile: ",
        ),
    ];
    for (toml, want) in cases {
        let err = Scanner::builtin()
            .with_gitleaks(toml)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains(want), "{toml:?}: {err}");
    }
}

#[test]
fn large_texts_scanned_on_two_threads_find_the_same() {
    // From 256 KiB the secret rules and the other scanners run side by side; the hits must be
    // those of the one-thread scan, in the same order.
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 600 * 1024 {
        text.push_str("fn main() { let x = compute(42); println!(\"{x}\"); }\n");
        match i % 997 {
            0 => text.push_str("token = \"ghp_XVG7E2OGXU1GrYldeWhWUaUWMOaVXsj9Kg3l\"\n"),
            331 => text.push_str("OFFICIAL-SENSITIVE\n"),
            662 => text.push_str("NHS number 401 023 2137\n"),
            _ => {}
        }
        i += 1;
    }
    let s = Scanner::builtin();
    let parallel = s.scan(&text, Scan::ALL);
    assert!(parallel.len() >= 6, "{}", parallel.len());
    assert_eq!(parallel, s.scan_serial(&text, Scan::ALL));
    assert_eq!(
        s.scan(&text, Scan::SECRETS),
        s.scan_serial(&text, Scan::SECRETS)
    );
}

#[test]
fn secrets_across_the_cuts_of_a_long_text_are_found() {
    // A long text's keyword search is cut into 64 KiB pieces that two threads take in turn; a
    // secret whose keyword or value straddles a cut, or starts right at it, must be found as
    // the one-thread scan finds it. Each cut of each text gets a line starting `d` bytes
    // before it, for every `d` from 0 to 44 over the texts, with three kinds of secret.
    const PIECE: usize = 64 * 1024;
    let lines = [
        format!("token = \"{}\"\n", gh()),
        "api_key: \"q8Rt2Lm9Vx4Kp7Wz3Nc6\"\n".to_string(),
        "postgres://svc:Zk3vQ9mLp2xR@db-01.internal/app\n".to_string(),
    ];
    let s = Scanner::builtin();
    let mut d = 0;
    for round in 0..9 {
        let mut text = String::new();
        let mut placed = 0;
        for cut in (1..6).map(|k| k * PIECE) {
            let line = &lines[(round + cut / PIECE) % lines.len()];
            while text.len() + 40 < cut - d {
                text.push_str("let x = compute(42); // filler\n");
            }
            while text.len() < cut - d {
                text.push(' ');
            }
            text.push_str(line);
            placed += 1;
            d += 1;
        }
        while text.len() < 6 * PIECE {
            text.push_str("let x = compute(42); // filler\n");
        }
        let parallel = s.scan(&text, Scan::SECRETS);
        assert_eq!(parallel.len(), placed, "round {round}: {parallel:?}");
        assert_eq!(parallel, s.scan_serial(&text, Scan::SECRETS));
        assert_eq!(s.scan(&text, Scan::ALL), s.scan_serial(&text, Scan::ALL));
    }
}
