//! Content scanners (C11, C12, C13): secrets, UK classification markings and UK personal data.
//!
//! A pure library: the controls hand it text (Write content, an Edit's `new_string`, a Bash
//! command, a prompt, one string field of a tool's output) and get back [`Hit`]s with byte
//! spans, line numbers and rule ids. Nothing here decides deny or ask, knows the declared
//! classification, or prints: [`hit_to_finding`] turns a hit into the shared [`Finding`], and
//! [`redact`] rewrites one string so the integrator can rebuild each tool's exact output shape
//! field by field.
//!
//! ```text
//! text ─► keyword prefilter (one pass, ADR 0009) ─► rules whose keywords occur ─► lazily
//!         compiled regex over the keyword lines ─► checks (entropy, placeholders, mod 11, Luhn)
//!      ─► merge overlaps, most specific rule wins ─► Vec<Hit> sorted by start
//! ```
//!
//! Rule ids are a stable API: `secrets.<kind>` (and `secrets.custom.<id>` for a user's
//! gitleaks rules), `content.marking`, `content.personal-data.<kind>`; all report control
//! `PR-01`. No value that matched is ever put in a description, reason, subject or error.

mod checks;
mod classification;
mod error;
mod gitleaks;
mod keywords;
mod markings;
mod personal;
mod prefilter;
mod secrets;

use std::borrow::Cow;

pub use classification::Classification;
pub use error::ScanError;
pub use gitleaks::SecretRules;

use crate::decision::Finding;

/// The control every scanner finding enforces (the guidance's "never put credentials, personal
/// data or classified material in front of the model").
pub const CONTROL: &str = "PR-01";

/// Texts at least this long are scanned on two threads (a 1 MB Write: the secret rules'
/// keyword search is about two thirds of the scan, and is shared; markings and personal data
/// are the rest).
const PARALLEL_SCAN_MIN: usize = 256 * 1024;

/// What a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// A credential (C11).
    Secret,
    /// A classification marking at the given level (C12); the caller compares it with the
    /// declared classification.
    Marking(Classification),
    /// UK personal data (C12).
    PersonalData,
}

/// One thing a scanner found. Holds where it is, never what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Stable rule id: `secrets.aws-access-key-id`, `content.marking`,
    /// `content.personal-data.nhs-number`, `secrets.custom.<id>`.
    pub rule: Cow<'static, str>,
    /// Always [`CONTROL`].
    pub control: &'static str,
    pub kind: Category,
    /// Byte offsets into the scanned text, on character boundaries: `text[start..end]` is the
    /// matched value (the secret itself, not its variable name).
    pub start: usize,
    pub end: usize,
    /// 1-based line of `start`.
    pub line: usize,
    /// What was found (`AWS access key id`, `SECRET classification marking`); never the value.
    pub description: String,
}

/// Which scanners to run. Like a set of bit flags: combine with `|`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scan {
    pub secrets: bool,
    pub markings: bool,
    pub personal: bool,
}

impl Scan {
    pub const NONE: Scan = Scan {
        secrets: false,
        markings: false,
        personal: false,
    };
    pub const SECRETS: Scan = Scan {
        secrets: true,
        ..Scan::NONE
    };
    pub const MARKINGS: Scan = Scan {
        markings: true,
        ..Scan::NONE
    };
    pub const PERSONAL: Scan = Scan {
        personal: true,
        ..Scan::NONE
    };
    pub const ALL: Scan = Scan {
        secrets: true,
        markings: true,
        personal: true,
    };
}

impl std::ops::BitOr for Scan {
    type Output = Scan;
    fn bitor(self, rhs: Scan) -> Scan {
        Scan {
            secrets: self.secrets || rhs.secrets,
            markings: self.markings || rhs.markings,
            personal: self.personal || rhs.personal,
        }
    }
}

/// What a built-in secret rule looks for, for `hookguard explain` and documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: &'static str,
    pub description: &'static str,
    /// Lowercase keywords of the prefilter; the rule runs only where one occurs.
    pub keywords: &'static [&'static str],
    /// The regex, where the rule is one (byte regex, Unicode off); `None` for multi-step rules.
    pub pattern: Option<&'static str>,
}

/// The built-in secret rules, in a stable order.
pub fn builtin_secret_rules() -> impl Iterator<Item = RuleInfo> {
    secrets::RULES.iter().map(secrets::Rule::info)
}

/// A detector's raw result, before spans are snapped, overlaps merged and lines counted.
pub(crate) struct Found {
    pub(crate) rule: Cow<'static, str>,
    pub(crate) description: Cow<'static, str>,
    pub(crate) kind: Category,
    /// Higher wins when two rules of the same category claim overlapping text.
    pub(crate) priority: u8,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// The scanners with the built-in rules and, optionally, a user's gitleaks rules.
///
/// Cheap to construct: built-in patterns and the keyword set are built on first use and shared
/// by every `Scanner` in the process.
#[derive(Debug, Clone, Default)]
pub struct Scanner {
    user: Option<SecretRules>,
    /// The last small text scanned with every scanner, and what was found in it: a Bash
    /// command is scanned for the decision (C11) and again to redact it for the audit record,
    /// and the second scan is answered from here (ADR 0012). Keyed by the text itself, so an
    /// answer is only ever reused for the same bytes.
    memo: std::sync::Arc<std::sync::Mutex<Memo>>,
}

/// A text and the hits of a scan of it with every scanner.
type Memo = Option<(String, Vec<Hit>)>;

/// The longest text [`Scanner::scan`] remembers: a typical command, not a file.
const MEMO_MAX: usize = 4096;

impl Scanner {
    /// The built-in rules only.
    pub fn builtin() -> Scanner {
        Scanner::default()
    }

    /// Adds the secret rules of a gitleaks-format TOML file (`[[rules]]` with `id`, `regex`,
    /// `keywords`, `entropy`, `secretGroup`, allowlists). Rules are reported as
    /// `secrets.custom.<id>`. Calling it again adds more rules.
    pub fn with_gitleaks(self, toml: &str) -> Result<Scanner, ScanError> {
        let rules = SecretRules::from_gitleaks_toml(toml)?;
        let user = match self.user {
            Some(existing) => existing.merge(rules)?,
            None => rules,
        };
        Ok(Scanner {
            user: Some(user),
            memo: Default::default(),
        })
    }

    /// `text` with `hits` redacted, and then whatever a scan of the result still finds, until
    /// nothing is found: taking one value out can complete another around it (a token glued to
    /// a name that only reads as an assignment once the token is gone). Each round only shrinks
    /// secrets into placeholders; after [`REDACT_ROUNDS`] rounds whatever is still found is
    /// redacted once more without looking again, so the cost stays linear in the text.
    pub fn redact_fully(&self, text: &str, hits: &[Hit], what: Scan) -> String {
        let mut out = redact(text, hits);
        if hits.is_empty() {
            return out;
        }
        for _ in 0..REDACT_ROUNDS {
            let again = self.scan(&out, what);
            if again.is_empty() {
                break;
            }
            out = redact(&out, &again);
        }
        out
    }

    /// Scans `text`: hits sorted by start; overlapping hits of one category merged into one,
    /// reported under the most specific rule. Linear in the text; never panics.
    pub fn scan(&self, text: &str, what: Scan) -> Vec<Hit> {
        if what != Scan::ALL || text.len() > MEMO_MAX {
            return self.scan_now(text, what);
        }
        // A poisoned memo is only a cache: it is used as it stands.
        let memo = || self.memo.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((t, hits)) = &*memo()
            && t == text
        {
            return hits.clone();
        }
        let hits = self.scan_now(text, what);
        *memo() = Some((text.to_string(), hits.clone()));
        hits
    }

    fn scan_now(&self, text: &str, what: Scan) -> Vec<Hit> {
        let others = Scan {
            secrets: false,
            ..what
        };
        if text.len() < PARALLEL_SCAN_MIN || !what.secrets {
            return finish(text, self.found(text, what));
        }
        // A large text: the secret keyword search on both threads, in pieces each takes in
        // turn; markings and personal data on the second thread first. The hits are the same,
        // in the same order, as one after the other.
        let pieces = secrets::Pieces::new(text);
        let found = std::thread::scope(|scope| {
            // No thread to be had (a process limit): the whole scan on this one.
            let side = std::thread::Builder::new()
                .spawn_scoped(scope, || (self.found(text, others), pieces.search()))
                .ok()?;
            let mut searched = pieces.search();
            let (theirs, more) = side.join().ok()?;
            searched.extend(more);
            let mut found = Vec::new();
            checks::forget_lines();
            pieces.scan(searched, &mut found);
            if let Some(user) = &self.user {
                user.scan(text, &mut found);
            }
            found.extend(theirs);
            Some(found)
        });
        // No second thread, or it panicked (whatever it had taken is lost): all again, here.
        finish(text, found.unwrap_or_else(|| self.found(text, what)))
    }

    fn found(&self, text: &str, what: Scan) -> Vec<Found> {
        checks::forget_lines();
        let mut found = Vec::new();
        if what.secrets {
            secrets::scan(text, &mut found);
            if let Some(user) = &self.user {
                user.scan(text, &mut found);
            }
        }
        if what.markings {
            markings::scan(text, &mut found);
        }
        if what.personal {
            personal::scan(text, &mut found);
        }
        found
    }

    /// [`Scanner::scan`] on one thread whatever the size, for tests.
    #[doc(hidden)]
    pub fn scan_serial(&self, text: &str, what: Scan) -> Vec<Hit> {
        finish(text, self.found(text, what))
    }
}

/// Snaps spans to character boundaries, merges overlaps within a category, numbers lines.
fn finish(text: &str, mut found: Vec<Found>) -> Vec<Hit> {
    for f in &mut found {
        (f.start, f.end) = checks::snap(text, f.start, f.end);
    }
    found.retain(|f| f.end > f.start);
    found.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));

    let class = |k: Category| match k {
        Category::Secret => 0,
        Category::Marking(_) => 1,
        Category::PersonalData => 2,
    };
    let mut kept: Vec<Found> = Vec::with_capacity(found.len());
    let mut last_of_class: [Option<usize>; 3] = [None; 3];
    for f in found {
        let c = class(f.kind);
        if let Some(i) = last_of_class[c]
            && f.start < kept[i].end
        {
            let k = &mut kept[i];
            k.end = k.end.max(f.end);
            if f.priority > k.priority {
                k.rule = f.rule;
                k.description = f.description;
                k.priority = f.priority;
                k.kind = f.kind;
            } else if let (Category::Marking(a), Category::Marking(b)) = (k.kind, f.kind)
                && b > a
            {
                k.kind = f.kind;
                k.description = f.description;
            }
            continue;
        }
        last_of_class[c] = Some(kept.len());
        kept.push(f);
    }

    let bytes = text.as_bytes();
    let (mut line, mut at) = (1, 0);
    kept.into_iter()
        .map(|f| {
            line += memchr::memchr_iter(b'\n', &bytes[at..f.start]).count();
            at = f.start;
            Hit {
                rule: f.rule,
                control: CONTROL,
                kind: f.kind,
                start: f.start,
                end: f.end,
                line,
                description: f.description.into_owned(),
            }
        })
        .collect()
}

/// Opens every redaction marker: `[hookguard: AWS secret access key redacted]`.
pub const MARKER_OPEN: &str = "[hookguard: ";
/// Closes every redaction marker.
pub const MARKER_CLOSE: &str = " redacted]";

/// The marker that replaces a withheld value: `[hookguard: <what> redacted]`, where `what` is a
/// hit's description (the kind, never the value). Brackets and control characters in `what`
/// (a user's gitleaks rule can describe itself freely) become spaces, so the marker stays one
/// greppable line; an empty `what` becomes `value`.
pub fn marker(what: &str) -> String {
    let what: String = what
        .chars()
        .take(80)
        .map(|c| {
            if c.is_control() || c == '[' || c == ']' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let what = what.trim();
    let what = if what.is_empty() { "value" } else { what };
    format!("{MARKER_OPEN}{what}{MARKER_CLOSE}")
}

/// How many times [`Scanner::redact_fully`] looks again at what it redacted.
pub const REDACT_ROUNDS: usize = 4;

/// Replaces each hit's span with its [`marker`], named by the hit's description (a marking's
/// only as `classification marking`: its description repeats the marked level). Overlapping
/// spans are merged and take the description of the hit that starts first (a secret before
/// personal data before a marking when they start together). Spans outside the text or off
/// character boundaries are widened or clamped, so any `hits` are safe to pass.
pub fn redact(text: &str, hits: &[Hit]) -> String {
    let mut spans: Vec<(usize, usize, u8, &str)> = hits
        .iter()
        .map(|h| {
            let (s, e) = checks::snap(text, h.start, h.end);
            let rank = match h.kind {
                Category::Secret => 0,
                Category::PersonalData => 1,
                Category::Marking(_) => 2,
            };
            // A marking's description names its level, which is the marked text itself.
            let what = match h.kind {
                Category::Marking(_) => "classification marking",
                _ => h.description.as_str(),
            };
            (s, e, rank, what)
        })
        .filter(|(s, e, _, _)| e > s)
        .collect();
    spans.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut i = 0;
    while i < spans.len() {
        let (start, mut end, _, what) = spans[i];
        i += 1;
        while i < spans.len() && spans[i].0 < end {
            end = end.max(spans[i].1);
            i += 1;
        }
        let start = start.max(at);
        out.push_str(&text[at..start]);
        out.push_str(&marker(what));
        at = end.max(at);
    }
    out.push_str(&text[at..]);
    out
}

/// Turns a hit into the shared [`Finding`]: `where_` says where the text came from (`Write
/// content`, `Bash command`, `prompt`, `Read output`). The reason tells the model what was found
/// and where, and what to do instead; it never holds the value.
pub fn hit_to_finding(hit: &Hit, where_: &str) -> Finding {
    let line = hit.line;
    let reason = match hit.kind {
        Category::Secret => format!(
            "{where_} contains a secret ({}) at line {line}: credentials must never be written \
             into files, commands or prompts. Read it at run time from an environment variable \
             or the secret manager instead, and rotate it if it was real",
            hit.description
        ),
        Category::Marking(level) => format!(
            "{where_} carries a {level} classification marking at line {line}: material above \
             the project's declared classification must not be given to the model. Remove the \
             material, or work on it only in an environment accredited for {level}"
        ),
        Category::PersonalData => format!(
            "{where_} contains UK personal data ({}) at line {line}: personal data must not be \
             given to the model. Use synthetic or anonymised test data instead",
            hit.description
        ),
    };
    Finding::new(
        hit.rule.to_string(),
        hit.control,
        format!("{where_}, line {line}"),
        reason,
    )
}

#[cfg(test)]
mod tests {

    /// A text scanned again is answered from the memo with the same hits, and only for the
    /// same bytes: a different text of the same length is scanned afresh.
    #[test]
    fn a_repeated_scan_gives_the_same_hits() {
        let s = Scanner::builtin();
        let a = "aws s3 ls --key AKIAZ3MTQ5LYXW4BN7KD";
        let b = "aws s3 ls --key AKIAZ3MTQ5LYXW4BN7KX".replace("BN7KX", "     ");
        let first = s.scan(a, Scan::ALL);
        assert!(!first.is_empty());
        assert_eq!(s.scan(a, Scan::ALL), first);
        assert_eq!(
            s.scan(&b, Scan::ALL),
            Scanner::builtin().scan(&b, Scan::ALL)
        );
        assert_eq!(s.scan(a, Scan::ALL), first);
        assert_eq!(s.scan(a, Scan::NONE), Vec::new());
    }
    use super::*;

    fn hit(rule: &'static str, kind: Category, start: usize, end: usize) -> Hit {
        Hit {
            rule: Cow::Borrowed(rule),
            control: CONTROL,
            kind,
            start,
            end,
            line: 1,
            description: format!("kind {}", rule.rsplit('.').next().unwrap_or(rule)),
        }
    }

    /// Taking a token out can leave an assignment that only reads as one once the token is
    /// gone (found by proptest, seed kept in tests/scan_props.proptest-regressions).
    #[test]
    fn redact_fully_redacts_what_the_first_round_uncovers() {
        let t = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.q8Rt2Lm9Vx4Kp7Wz3Nc6R7kQ2mZ9user:Password=Zk3vQ9mLp2xRghp_R7kQ2mZ9xW4vB8nT1cY6pL3sD5fG0hJ2aE9u";
        let s = Scanner::builtin();
        let hits = s.scan(t, Scan::ALL);
        assert!(!s.scan(&redact(t, &hits), Scan::SECRETS).is_empty());
        let red = s.redact_fully(t, &hits, Scan::ALL);
        assert!(s.scan(&red, Scan::SECRETS).is_empty(), "{red}");
        assert!(!red.contains("Zk3vQ9mLp2xR"), "{red}");
    }

    #[test]
    fn redact_table() {
        let s = Category::Secret;
        let p = Category::PersonalData;
        let cases: &[(&str, Vec<Hit>, &str)] = &[
            ("abc", vec![], "abc"),
            (
                "key=XYZ;",
                vec![hit("secrets.a", s, 4, 7)],
                "key=[hookguard: kind a redacted];",
            ),
            (
                "aaXXXXbb",
                vec![hit("secrets.a", s, 2, 5), hit("secrets.b", s, 4, 6)],
                "aa[hookguard: kind a redacted]bb",
            ),
            (
                "aaXXXXbb",
                vec![
                    hit("content.personal-data.x", p, 2, 6),
                    hit("secrets.b", s, 2, 4),
                ],
                "aa[hookguard: kind b redacted]bb",
            ),
            (
                "é€",
                vec![hit("secrets.a", s, 1, 3)],
                "[hookguard: kind a redacted]",
            ),
            (
                "ab",
                vec![hit("secrets.a", s, 1, 99)],
                "a[hookguard: kind a redacted]",
            ),
            ("ab", vec![hit("secrets.a", s, 5, 9)], "ab"),
        ];
        assert_eq!(
            marker("AWS secret access key"),
            "[hookguard: AWS secret access key redacted]"
        );
        assert_eq!(marker(" x]\n[y "), "[hookguard: x   y redacted]");
        assert_eq!(marker(""), "[hookguard: value redacted]");
        for (text, hits, want) in cases {
            assert_eq!(redact(text, hits), *want, "text {text:?}");
        }
    }

    #[test]
    fn finding_never_holds_the_value() {
        let text = "token = \"ghp_R7kQ2mZ9xW4vB8nT1cY6pL3sD5fG0hJ2aE9u\"";
        let hits = Scanner::builtin().scan(text, Scan::ALL);
        assert_eq!(hits.len(), 1);
        let f = hit_to_finding(&hits[0], "Write content");
        let value = &text[hits[0].start..hits[0].end];
        assert!(!f.reason.contains(value) && !f.subject.contains(value));
        assert_eq!(f.rule, "secrets.github-token");
        assert_eq!(f.control, "PR-01");
        assert!(f.reason.contains("line 1") && f.reason.contains("environment variable"));
    }
}
