//! User-supplied secret rules in gitleaks' TOML format, loaded at run time.
//!
//! Read: `[[rules]]` with `id`, `description`, `regex`, `secretGroup`, `entropy`, `keywords`,
//! and allowlists (`[rules.allowlist]`, `[[rules.allowlists]]`, global `[allowlist]` and
//! `[[allowlists]]`) with `regexes`, `stopwords` and `regexTarget` (`secret`, `match`, `line`).
//! Ignored: `path`-only rules (there is no file path here), `paths`, `commits`, `tags`,
//! `[extend]` (the built-in rules are always on). Unknown fields are ignored, as gitleaks does.
//!
//! Regexes are compiled when the file is loaded, so that a bad rule is reported at load time
//! (the caller fails closed) rather than silently skipped in the middle of a scan. gitleaks
//! patterns are RE2: compiled with Unicode off first (RE2's `\w`, `\b` and `\s` are ASCII),
//! and with Unicode on only if the pattern needs it (`\p{L}`).

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::Regex;
use serde::Deserialize;

use super::checks::{line_bounds, line_fact, shannon_entropy};
use super::error::ScanError;
use super::prefilter::line_windows;
use super::secrets::build_regex;
use super::{Category, Found};

/// An ASCII case-insensitive automaton that reports every keyword occurrence, overlaps
/// included. User keywords can be of any length (one byte, say) and there can be any number of
/// them, which the built-in rules' `KeywordSet` does not accept, so user rules keep
/// aho-corasick (ADR 0009).
fn keyword_automaton<S: AsRef<[u8]>>(
    keywords: &[S],
) -> Result<AhoCorasick, aho_corasick::BuildError> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(keywords)
}

#[derive(Deserialize)]
struct GitleaksFile {
    #[serde(default)]
    rules: Vec<RuleFile>,
    allowlist: Option<AllowlistFile>,
    #[serde(default)]
    allowlists: Vec<AllowlistFile>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RuleFile {
    id: Option<String>,
    description: Option<String>,
    regex: Option<String>,
    path: Option<String>,
    secret_group: Option<usize>,
    entropy: Option<f64>,
    #[serde(default)]
    keywords: Vec<String>,
    allowlist: Option<AllowlistFile>,
    #[serde(default)]
    allowlists: Vec<AllowlistFile>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AllowlistFile {
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    regex_target: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Secret,
    Match,
    Line,
}

#[derive(Debug, Clone)]
struct Allowlist {
    regexes: Vec<Regex>,
    /// Lowercase.
    stopwords: Vec<String>,
    target: Target,
}

#[derive(Debug, Clone)]
struct UserRule {
    /// `secrets.custom.<id>`.
    rule: String,
    description: String,
    regex: Regex,
    group: Option<usize>,
    entropy: Option<f64>,
    allowlists: Vec<Allowlist>,
    /// Lowercase; empty means the rule runs over the whole text.
    keywords: Vec<String>,
}

/// A compiled set of user rules with its own keyword prefilter.
#[derive(Debug, Clone)]
pub struct SecretRules {
    rules: Vec<UserRule>,
    global: Vec<Allowlist>,
    automaton: Option<AhoCorasick>,
    /// For each automaton pattern, the rule it belongs to.
    rule_of: Vec<usize>,
}

impl SecretRules {
    /// Parses and compiles a gitleaks-format TOML file.
    pub fn from_gitleaks_toml(toml: &str) -> Result<SecretRules, ScanError> {
        let file: GitleaksFile = toml::from_str(toml).map_err(|e| {
            let line = e
                .span()
                .map_or(0, |s| crate::lines::line_col(toml, s.start).0);
            ScanError::Toml {
                line,
                message: e.message().to_string(),
            }
        })?;
        let mut global = Vec::new();
        for a in file.allowlist.into_iter().chain(file.allowlists) {
            global.push(compile_allowlist("(global allowlist)", a)?);
        }
        let mut rules = Vec::new();
        for (index, r) in file.rules.into_iter().enumerate() {
            let index = index + 1;
            let id = r.id.ok_or(ScanError::MissingField { index, field: "id" })?;
            if id.is_empty()
                || id.len() > 64
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                return Err(ScanError::BadId { index, id });
            }
            let Some(pattern) = r.regex else {
                if r.path.is_some() {
                    // A path-only rule flags files by name; hookguard's C2 does that job.
                    continue;
                }
                return Err(ScanError::MissingField {
                    index,
                    field: "regex",
                });
            };
            let regex = compile(&id, "regex", &pattern)?;
            let groups = regex.captures_len() - 1;
            if let Some(g) = r.secret_group
                && g > groups
            {
                return Err(ScanError::SecretGroup {
                    id,
                    group: g,
                    groups,
                });
            }
            if let Some(e) = r.entropy
                && !(0.0..=8.0).contains(&e)
            {
                return Err(ScanError::Entropy { id, value: e });
            }
            let mut allowlists = Vec::new();
            for a in r.allowlist.into_iter().chain(r.allowlists) {
                allowlists.push(compile_allowlist(&id, a)?);
            }
            rules.push(UserRule {
                rule: format!("secrets.custom.{id}"),
                description: r
                    .description
                    .filter(|d| !d.trim().is_empty())
                    .unwrap_or_else(|| format!("secret matching custom rule `{id}`")),
                regex,
                group: r.secret_group.filter(|g| *g > 0),
                entropy: r.entropy,
                allowlists,
                keywords: r
                    .keywords
                    .iter()
                    .filter(|k| !k.is_empty())
                    .map(|k| k.to_ascii_lowercase())
                    .collect(),
            });
        }
        SecretRules::assemble(rules, global)
    }

    /// Builds the keyword automaton over the rules' keywords; checks ids are unique.
    fn assemble(rules: Vec<UserRule>, global: Vec<Allowlist>) -> Result<SecretRules, ScanError> {
        let mut seen = std::collections::HashSet::new();
        for r in &rules {
            if !seen.insert(r.rule.clone()) {
                return Err(ScanError::DuplicateId {
                    id: r.rule.trim_start_matches("secrets.custom.").to_string(),
                });
            }
        }
        let mut keywords = Vec::new();
        let mut rule_of = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for k in &r.keywords {
                keywords.push(k.as_str());
                rule_of.push(i);
            }
        }
        let automaton = if keywords.is_empty() {
            None
        } else {
            Some(keyword_automaton(&keywords).map_err(|e| ScanError::Regex {
                id: "(keywords)".into(),
                what: "keyword set",
                message: e.to_string(),
            })?)
        };
        Ok(SecretRules {
            rules,
            global,
            automaton,
            rule_of,
        })
    }

    /// Appends `other`'s rules and allowlists; ids must stay unique.
    pub(crate) fn merge(self, other: SecretRules) -> Result<SecretRules, ScanError> {
        let mut rules = self.rules;
        rules.extend(other.rules);
        let mut global = self.global;
        global.extend(other.global);
        SecretRules::assemble(rules, global)
    }

    /// Runs the rules over `text`.
    pub(crate) fn scan(&self, text: &str, out: &mut Vec<Found>) {
        let bytes = text.as_bytes();
        let mut positions: Vec<Vec<usize>> = vec![Vec::new(); self.rules.len()];
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(bytes) {
                positions[self.rule_of[m.pattern().as_usize()]].push(m.start());
            }
        }
        for (rule, pos) in self.rules.iter().zip(positions.iter_mut()) {
            let windows = if !rule.keywords.is_empty() {
                if pos.is_empty() {
                    continue;
                }
                line_windows(bytes, pos)
            } else {
                vec![(0, bytes.len())]
            };
            for (ws, we) in windows {
                for caps in rule.regex.captures_iter(&bytes[ws..we]) {
                    let whole = caps.get(0).expect("group 0 always matches");
                    let secret = match rule.group {
                        Some(g) => caps.get(g),
                        None => caps.iter().skip(1).flatten().find(|m| !m.is_empty()),
                    }
                    .unwrap_or(whole);
                    if secret.is_empty() {
                        continue;
                    }
                    let (s, e) = (ws + secret.start(), ws + secret.end());
                    let value = &bytes[s..e];
                    if rule.entropy.is_some_and(|min| shannon_entropy(value) < min) {
                        continue;
                    }
                    let m = (ws + whole.start(), ws + whole.end());
                    let allowed = rule
                        .allowlists
                        .iter()
                        .chain(&self.global)
                        .any(|a| a.allows(bytes, (s, e), m));
                    if allowed {
                        continue;
                    }
                    out.push(Found {
                        rule: Cow::Owned(rule.rule.clone()),
                        description: Cow::Owned(rule.description.clone()),
                        kind: Category::Secret,
                        priority: 2,
                        start: s,
                        end: e,
                    });
                }
            }
        }
    }
}

impl Allowlist {
    fn allows(&self, bytes: &[u8], secret: (usize, usize), whole: (usize, usize)) -> bool {
        let target: Option<&[u8]> = match self.target {
            Target::Secret => Some(&bytes[secret.0..secret.1]),
            Target::Match => Some(&bytes[whole.0..whole.1]),
            // A match within one line: the line is tested once however many matches it holds
            // (a long line was tested again for each: quadratic).
            Target::Line if memchr::memchr(b'\n', &bytes[whole.0..whole.1]).is_none() => {
                let key = ("gitleaks-allowlist-line", self as *const Allowlist as usize);
                if line_fact(bytes, whole.0, key, |ls, le| {
                    self.regexes.iter().any(|r| r.is_match(&bytes[ls..le]))
                }) {
                    return true;
                }
                None
            }
            Target::Line => {
                let (ls, _) = line_bounds(bytes, whole.0);
                let (_, le) = line_bounds(bytes, whole.1);
                Some(&bytes[ls..le])
            }
        };
        if target.is_some_and(|t| self.regexes.iter().any(|r| r.is_match(t))) {
            return true;
        }
        let secret = String::from_utf8_lossy(&bytes[secret.0..secret.1]).to_ascii_lowercase();
        self.stopwords.iter().any(|w| secret.contains(w.as_str()))
    }
}

fn compile(id: &str, what: &'static str, pattern: &str) -> Result<Regex, ScanError> {
    build_regex(pattern, false)
        .or_else(|_| build_regex(pattern, true))
        .map_err(|e| ScanError::Regex {
            id: id.to_string(),
            what,
            message: e
                .to_string()
                .lines()
                .last()
                .unwrap_or("invalid")
                .trim()
                .to_string(),
        })
}

fn compile_allowlist(id: &str, a: AllowlistFile) -> Result<Allowlist, ScanError> {
    let target = match a.regex_target.as_deref() {
        None | Some("secret") => Target::Secret,
        Some("match") => Target::Match,
        Some("line") => Target::Line,
        Some(other) => {
            return Err(ScanError::Regex {
                id: id.to_string(),
                what: "allowlist regexTarget",
                message: format!("unknown target `{other}`: expected `secret`, `match` or `line`"),
            });
        }
    };
    let regexes = a
        .regexes
        .iter()
        .map(|r| compile(id, "allowlist regex", r))
        .collect::<Result<_, _>>()?;
    Ok(Allowlist {
        regexes,
        stopwords: a.stopwords.iter().map(|s| s.to_ascii_lowercase()).collect(),
        target,
    })
}
