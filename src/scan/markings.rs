//! UK Government Security Classifications markings (C12): banner lines and labelled fields.
//!
//! A marking is reported only where it is used as a marking, never as a word in code or prose:
//!
//! - a **banner line**: after stripping comment leaders, decoration and whitespace the line is
//!   nothing but a level (`OFFICIAL`, `OFFICIAL-SENSITIVE`, `SECRET`, `TOP SECRET`, with an
//!   optional `UK` prefix, or a pre-2014 `PROTECT`/`RESTRICTED`/`CONFIDENTIAL`) followed by
//!   descriptors, handling instructions and national caveats, all in capitals;
//! - a **labelled field**: `Classification:`, `Security classification:` or `Protective
//!   marking:` (any case) followed by such a marking in capitals.
//!
//! So `CLIENT_SECRET=`, `# SECRET_TOKEN`, `top secret recipe`, `const SECRET = …` and
//! `// OFFICIAL API` are not markings. A case-sensitive keyword prefilter picks the candidate
//! lines; lines longer than 512 bytes are never banners.
//!
//! Pre-2014 levels map to the level the 2014 transition guidance moved most such material to,
//! choosing the higher where the guidance allowed either (see `docs/adr/0003-scanners.md`):
//! `PROTECT` → `OFFICIAL`, `RESTRICTED` → `OFFICIAL-SENSITIVE`, `CONFIDENTIAL` → `SECRET`.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use super::checks::line_bounds;
use super::classification::Classification;
use super::{Category, Found};

/// Every banner holds one of these level words, in capitals.
const LEVEL_WORDS: &[&str] = &[
    "OFFICIAL",
    "SECRET",
    "RESTRICTED",
    "CONFIDENTIAL",
    "PROTECT",
];

const MAX_LINE: usize = 512;

/// One `memmem` finder per level word: five vectorised passes over the text cost less than
/// one Aho-Corasick pass (about 2.3 against 5.3 million instructions on 1 MB of source),
/// because the words are capitalised and their rare byte pairs seldom occur (ADR 0008).
static LEVELS: LazyLock<Vec<memchr::memmem::Finder<'static>>> = LazyLock::new(|| {
    LEVEL_WORDS
        .iter()
        .map(|w| memchr::memmem::Finder::new(w.as_bytes()))
        .collect()
});

/// Start offsets of every level word in `bytes`, ascending. Only the lines they fall on
/// matter, and no level word spans a line, so this finds the same lines as a leftmost search.
fn level_positions(bytes: &[u8]) -> Vec<usize> {
    let mut at: Vec<usize> = LEVELS.iter().flat_map(|f| f.find_iter(bytes)).collect();
    at.sort_unstable();
    at
}

/// The marking grammar. `level` names the level; everything after it must be descriptors,
/// handling instructions or caveats, joined by spaces or the separators banners use.
static MARKING: LazyLock<Regex> = LazyLock::new(|| {
    let sep = r"(?:[\x20\t]*[-–—/:|,][\x20\t]*|[\x20\t]+)";
    let extra = r"(?:
          PERSONAL(?:\x20DATA)?
        | COMMERCIAL
        | LEGAL\x20PROFESSIONAL\x20PRIVILEGE
        | MARKET\x20SENSITIVE
        | HR\x20?/\x20?MANAGEMENT
        | LOCSEN
        | SENSITIVE
        | RECIPIENTS\x20ONLY
        | (?:[A-Z][A-Z0-9&]+\x20){1,4}USE\x20ONLY
        | EMBARGOED(?:\x20UNTIL\x20[^\r\n]{1,60})?
        | (?:UK|FIVE|[A-Z]{2,4}(?:/[A-Z]{2,4})+)\x20EYES\x20ONLY
        | NATO | ATOMAL | CABINET | POLICY | STAFF | MANAGEMENT | CONTRACTS
    )";
    let pattern = format!(
        r#"(?x)^
        (?P<label>["']?(?i:(?:security[\x20\t]+)?classification|protective[\x20\t]+marking)["']?
            [*_]*[\x20\t]*[:=][\x20\t]*[*_]*[\x20\t]*["']?)?
        (?P<mark>
            (?:UK\x20)?
            (?P<level>OFFICIAL\x20?[-–—]?\x20?SENSITIVE|OFFICIAL|TOP\x20SECRET|SECRET|RESTRICTED|CONFIDENTIAL|PROTECT)
            (?:{sep}{extra})*
        )
        (?P<tail>["']?[\x20\t]*,?)$"#
    );
    Regex::new(&pattern).expect("marking pattern compiles (tested)")
});

/// Maps a matched level (any spacing or dash) to its classification.
fn level_of(level: &str) -> Classification {
    match level {
        "SECRET" => Classification::Secret,
        "TOP SECRET" => Classification::TopSecret,
        "PROTECT" | "OFFICIAL" => Classification::Official,
        "RESTRICTED" => Classification::OfficialSensitive,
        "CONFIDENTIAL" => Classification::Secret,
        // Every spelling of OFFICIAL-SENSITIVE (space, hyphen, en or em dash).
        _ => Classification::OfficialSensitive,
    }
}

/// Leading characters that are comment leaders or decoration, never part of a marking.
fn is_leader(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '/'
            | '#'
            | '*'
            | ';'
            | '%'
            | '!'
            | '<'
            | '-'
            | '='
            | '_'
            | '~'
            | '|'
            | '>'
            | '\r'
            | '\u{feff}'
    )
}

/// Trailing decoration: comment closers, rules, table pipes.
fn is_trailer(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '/' | '#' | '*' | '-' | '=' | '_' | '~' | '|' | '>' | '\r'
    )
}

/// Finds every marking in `text`.
pub(crate) fn scan(text: &str, out: &mut Vec<Found>) {
    let bytes = text.as_bytes();
    let mut last_line_end: Option<usize> = None;
    for start in level_positions(bytes) {
        if last_line_end.is_some_and(|e| start <= e) {
            continue;
        }
        let (ls, le) = line_bounds(bytes, start);
        last_line_end = Some(le);
        if le - ls > MAX_LINE {
            continue;
        }
        let line = &text[ls..le];
        let body = line.trim_start_matches(is_leader);
        let body = body.trim_end_matches(is_trailer);
        let offset = ls + (line.len() - line.trim_start_matches(is_leader).len());
        let Some(caps) = MARKING.captures(body) else {
            continue;
        };
        let (Some(mark), Some(level)) = (caps.name("mark"), caps.name("level")) else {
            continue;
        };
        let classification = level_of(level.as_str());
        out.push(Found {
            rule: Cow::Borrowed("content.marking"),
            description: Cow::Owned(format!(
                "{} classification marking",
                classification.as_str()
            )),
            kind: Category::Marking(classification),
            priority: 1,
            start: offset + mark.start(),
            end: offset + mark.end(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Classification::*;

    fn levels(text: &str) -> Vec<Classification> {
        let mut out = Vec::new();
        scan(text, &mut out);
        out.iter()
            .map(|f| match f.kind {
                Category::Marking(c) => c,
                _ => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn markings_table() {
        let cases: &[(&str, &[Classification])] = &[
            ("OFFICIAL-SENSITIVE", &[OfficialSensitive]),
            ("OFFICIAL SENSITIVE", &[OfficialSensitive]),
            ("OFFICIAL – SENSITIVE", &[OfficialSensitive]),
            ("OFFICIAL–SENSITIVE", &[OfficialSensitive]),
            ("OFFICIAL", &[Official]),
            ("SECRET", &[Secret]),
            ("TOP SECRET", &[TopSecret]),
            ("UK SECRET", &[Secret]),
            ("UK OFFICIAL-SENSITIVE", &[OfficialSensitive]),
            ("SECRET UK EYES ONLY", &[Secret]),
            ("TOP SECRET – UK/US EYES ONLY", &[TopSecret]),
            ("SECRET FIVE EYES ONLY", &[Secret]),
            ("OFFICIAL-SENSITIVE PERSONAL DATA", &[OfficialSensitive]),
            ("OFFICIAL-SENSITIVE COMMERCIAL", &[OfficialSensitive]),
            (
                "OFFICIAL-SENSITIVE: LEGAL PROFESSIONAL PRIVILEGE",
                &[OfficialSensitive],
            ),
            ("OFFICIAL-SENSITIVE MARKET SENSITIVE", &[OfficialSensitive]),
            ("OFFICIAL-SENSITIVE HR / MANAGEMENT", &[OfficialSensitive]),
            ("OFFICIAL-SENSITIVE RECIPIENTS ONLY", &[OfficialSensitive]),
            ("OFFICIAL-SENSITIVE HMG USE ONLY", &[OfficialSensitive]),
            (
                "OFFICIAL-SENSITIVE CABINET OFFICE USE ONLY",
                &[OfficialSensitive],
            ),
            (
                "OFFICIAL-SENSITIVE EMBARGOED UNTIL 09:30 1 MAY 2025",
                &[OfficialSensitive],
            ),
            ("RESTRICTED", &[OfficialSensitive]),
            ("CONFIDENTIAL", &[Secret]),
            ("PROTECT", &[Official]),
            ("PROTECT - PERSONAL", &[Official]),
            ("// OFFICIAL-SENSITIVE", &[OfficialSensitive]),
            ("# SECRET", &[Secret]),
            ("<!-- OFFICIAL-SENSITIVE -->", &[OfficialSensitive]),
            ("/* TOP SECRET */", &[TopSecret]),
            ("  ===== SECRET =====", &[Secret]),
            ("**OFFICIAL-SENSITIVE**", &[OfficialSensitive]),
            ("Classification: OFFICIAL-SENSITIVE", &[OfficialSensitive]),
            ("Security classification: SECRET", &[Secret]),
            ("Protective marking: RESTRICTED", &[OfficialSensitive]),
            ("classification = \"SECRET\"", &[Secret]),
            ("**Classification:** OFFICIAL", &[Official]),
            (
                "line one\nSECRET\nline three\nTOP SECRET",
                &[Secret, TopSecret],
            ),
            // Not markings.
            ("CLIENT_SECRET=abc", &[]),
            ("# SECRET_TOKEN", &[]),
            ("top secret recipe", &[]),
            ("Top Secret", &[]),
            ("const SECRET = 42;", &[]),
            ("// OFFICIAL API", &[]),
            ("The OFFICIAL-SENSITIVE tier tightens every profile.", &[]),
            ("    \"SECRET\",", &[]),
            ("Classification: official", &[]),
            ("SECRETS", &[]),
            ("UNOFFICIAL", &[]),
            ("SECRET SAUCE", &[]),
            ("CONFIDENTIAL_FIELD = 1", &[]),
            ("PROTECTED", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(levels(text), *want, "text {text:?}");
        }
    }

    #[test]
    fn span_covers_the_marking_only() {
        let text = "x\n// UK SECRET - UK EYES ONLY\n";
        let mut out = Vec::new();
        scan(text, &mut out);
        assert_eq!(&text[out[0].start..out[0].end], "UK SECRET - UK EYES ONLY");
    }
}
