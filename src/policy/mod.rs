//! Policy: the built-in profiles and the layers, merged into one immutable [`Policy`].
//!
//! Stages, as in ruff's settings: [`file::PolicyFile`] (serde, every field optional, unknown
//! keys refused) ─► [`layers::Layer`] (where it came from and how far it is trusted) ─►
//! [`merge`] ─► [`Policy`] (what the controls consult, with the provenance of every entry).

pub mod claude_rules;
pub mod file;
mod keys;
pub mod layers;
mod merge;
pub mod pattern;
pub mod print;
pub mod schema;

pub use layers::{Layer, LayerKind, Locations};
pub use merge::{ProfileChoice, merge, merge_at};
pub use pattern::{PathPatterns, Pattern};

use crate::classification::{Classification, Profile};
use crate::decision::Verdict;
use regex::Regex;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The built-in base and profiles, compiled into the binary.
pub const BUILTIN_BASE: &str = include_str!("../../policies/base.toml");
pub const BUILTIN_PROTOTYPE: &str = include_str!("../../policies/prototype.toml");
pub const BUILTIN_PRODUCTION: &str = include_str!("../../policies/production.toml");
pub const BUILTIN_CI: &str = include_str!("../../policies/ci.toml");

/// The same built-in files as JSON, made by `build.rs`: what the hook parses (ADR 0012).
pub(crate) const BUILTIN_BASE_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/base.json"));

pub(crate) fn builtin_profile_json(p: Profile) -> &'static str {
    match p {
        Profile::Prototype => include_str!(concat!(env!("OUT_DIR"), "/prototype.json")),
        Profile::Production => include_str!(concat!(env!("OUT_DIR"), "/production.json")),
        Profile::Ci => include_str!(concat!(env!("OUT_DIR"), "/ci.json")),
    }
}

pub fn builtin_profile_text(p: Profile) -> &'static str {
    match p {
        Profile::Prototype => BUILTIN_PROTOTYPE,
        Profile::Production => BUILTIN_PRODUCTION,
        Profile::Ci => BUILTIN_CI,
    }
}

/// Where an entry of the merged policy was written. The line is looked up when it is first
/// asked for ([`Source::line`]), not when the policy is merged.
#[derive(Debug, Clone)]
pub struct Source {
    pub layer: LayerKind,
    pub file: String,
    at: At,
}

#[derive(Debug, Clone)]
enum At {
    /// A known line (0: none, as for the built-in defaults).
    Line(usize),
    /// The first line of the layer where this quoted string appears.
    Quoted(std::sync::Arc<layers::LineIndex>, Box<str>),
}

impl Source {
    pub fn builtin(file: &str) -> Source {
        Source::at_line(LayerKind::Builtin, file, 0)
    }

    pub fn at_line(layer: LayerKind, file: &str, line: usize) -> Source {
        Source {
            layer,
            file: file.to_string(),
            at: At::Line(line),
        }
    }

    /// The entry written as the quoted string `needle` in layer `l`.
    pub fn quoted(l: &Layer, needle: &str) -> Source {
        Source {
            layer: l.kind,
            file: l.name.clone(),
            at: At::Quoted(l.lines.clone(), needle.into()),
        }
    }

    /// The 1-based line, 0 when there is none.
    pub fn line(&self) -> usize {
        match &self.at {
            At::Line(n) => *n,
            At::Quoted(index, needle) => index.line_of(needle),
        }
    }
}

impl PartialEq for Source {
    fn eq(&self, other: &Source) -> bool {
        self.layer == other.layer && self.file == other.file && self.line() == other.line()
    }
}

impl Eq for Source {}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line() {
            0 => write!(f, "{} layer, {}", self.layer, self.file),
            line => write!(f, "{} layer, {}:{line}", self.layer, self.file),
        }
    }
}

/// Why a policy could not be loaded. Each message starts with the file and line, names the
/// key, and says what to do.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("{file}: {message}")]
    Read { file: String, message: String },
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: managed policy not trusted: {message}")]
    ManagedNotTrusted { file: String, message: String },
    #[error(
        "{file}:{line}: `{key}` may only be set by a managed or --policy layer, not the {layer} layer"
    )]
    Forbidden {
        file: String,
        line: usize,
        key: String,
        layer: LayerKind,
    },
    #[error("{file}:{line}: {message}")]
    Loosen {
        file: String,
        line: usize,
        message: String,
    },
    #[error(
        "{file}:{line}: `profile` = `{wanted}`: the profile is fixed to `{fixed}` by the {by}; remove `profile` from this file"
    )]
    ProfileFixed {
        file: String,
        line: usize,
        wanted: Profile,
        fixed: Profile,
        by: String,
    },
    #[error("{file}:{line}: {key}: {message}")]
    Invalid {
        file: String,
        line: usize,
        key: String,
        message: String,
    },
}

impl PolicyError {
    /// A lower layer tried to make `key` less strict than a more trusted layer made it.
    pub fn loosen(
        file: &str,
        line: usize,
        key: &str,
        wanted: impl std::fmt::Display,
        current: impl std::fmt::Display,
        by: &str,
        layer: LayerKind,
    ) -> PolicyError {
        PolicyError::Loosen {
            file: file.to_string(),
            line,
            message: format!(
                "`{key}` = `{wanted}` would loosen `{current}` set by the {by}; the {layer} layer may only make decisions stricter"
            ),
        }
    }
}

/// A custom rule's regex. Its syntax is checked when the policy loads, so a typo is a load
/// error with its column; it is compiled the first time a call needs it. Compiling every rule's
/// regex on every call cost about 0.25 M instructions per rule (a 50-rule policy: 12 M, several
/// milliseconds), for rules most calls never consult (ADR 0012).
#[derive(Debug, Clone)]
pub struct RuleRegex {
    pattern: String,
    /// Literals one of which every match starts with (from the parsed pattern), when there is
    /// such a finite set: a text that holds none of them cannot match, and the regex is not
    /// compiled for it. A Bash call consults every command rule, so this is what keeps a policy
    /// of many command rules from compiling them all on every call.
    needles: Option<Vec<Vec<u8>>>,
    compiled: std::sync::OnceLock<Result<Regex, String>>,
}

impl RuleRegex {
    /// Checks the pattern's syntax (the same parser and limits `regex` uses) without compiling.
    pub fn new(pattern: &str) -> Result<RuleRegex, String> {
        let hir = regex_syntax::Parser::new()
            .parse(pattern)
            .map_err(|e| e.to_string())?;
        let seq = regex_syntax::hir::literal::Extractor::new().extract(&hir);
        let needles = seq
            .literals()
            .filter(|ls| !ls.is_empty() && ls.iter().all(|l| !l.is_empty()))
            .map(|ls| ls.iter().map(|l| l.as_bytes().to_vec()).collect());
        Ok(RuleRegex {
            pattern: pattern.to_string(),
            needles,
            compiled: std::sync::OnceLock::new(),
        })
    }

    /// Whether the regex has been compiled (for tests).
    #[doc(hidden)]
    pub fn is_compiled(&self) -> bool {
        self.compiled.get().is_some()
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// The compiled regex, or why it cannot be compiled (over the size limits).
    pub fn compiled(&self) -> Result<&Regex, &str> {
        self.compiled
            .get_or_init(|| {
                regex::RegexBuilder::new(&self.pattern)
                    .size_limit(1 << 20)
                    .dfa_size_limit(1 << 20)
                    .build()
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// Whether `text` matches. A regex that cannot be compiled answers `fail_closed`: true for
    /// a rule that denies or asks (it holds), false for one that allows (it grants nothing).
    /// `policy check` reports such a regex.
    pub fn is_match_or(&self, text: &str, fail_closed: bool) -> bool {
        if let Some(needles) = &self.needles
            && !needles
                .iter()
                .any(|n| memchr::memmem::find(text.as_bytes(), n).is_some())
        {
            return false;
        }
        match self.compiled() {
            Ok(re) => re.is_match(text),
            Err(_) => fail_closed,
        }
    }
}

/// A custom rule, compiled.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    /// Empty: every tool.
    pub tools: Vec<String>,
    pub path: Option<PathPatterns>,
    pub content: Option<RuleRegex>,
    pub command: Option<RuleRegex>,
    /// A WebFetch host pattern (`example.gov.uk`, `*.internal`).
    pub domain: Option<String>,
    pub decision: Verdict,
    pub reason: String,
    pub control: String,
    /// Empty: every profile.
    pub profiles: Vec<Profile>,
    pub source: Source,
}

/// A decision table entry: the verdict for a rule id or family, and who set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictEntry {
    pub verdict: Verdict,
    pub source: Source,
}

/// The merged, immutable policy the controls consult.
#[derive(Debug, Clone)]
pub struct Policy {
    pub profile: Profile,
    /// Which layer chose the profile, and whether it was fixed.
    pub profile_source: String,
    /// `profile` lines of user and project layers that were ignored because they would have
    /// lowered the profile (or set anything but production over prototype), each with its file
    /// and line: shown by `policy check`, `explain` and `doctor`, and flagged in the audit.
    pub profile_notes: Vec<String>,
    pub classification: Classification,
    pub classification_source: String,
    /// What `ask` becomes where nobody can answer (C18).
    pub ask_without_person: Verdict,
    /// Rule id or family prefix → decision, looked up by longest dotted prefix.
    pub verdicts: BTreeMap<String, VerdictEntry>,
    /// Floors set by lower-trust layers: every rule under the prefix is at least this strict.
    pub floors: BTreeMap<String, VerdictEntry>,
    /// Rule prefixes switched off by a trusted layer.
    pub disabled: BTreeMap<String, Source>,
    pub excluded: PathPatterns,
    pub template_exceptions: bool,
    pub production_paths: PathPatterns,
    pub protected: PathPatterns,
    pub read_roots: Vec<(PathBuf, Source)>,
    pub write_roots: Vec<(PathBuf, Source)>,
    /// Globs of production identifiers, added to the built-in token rule.
    pub production_identifiers: Vec<Pattern>,
    pub web_allow: Vec<Pattern>,
    pub mcp_approved: Vec<Pattern>,
    pub protected_branches: Vec<String>,
    pub ai_markers: Vec<String>,
    pub audit_log: Option<PathBuf>,
    /// How the audit log is written (`[audit]`, trusted layers only).
    pub audit: crate::audit::Settings,
    pub rules: Vec<Rule>,
    /// The content scanners (C11, C12): the built-in rules, plus a trusted layer's gitleaks
    /// file. Patterns compile on first use, so an event with nothing to scan compiles nothing.
    pub scanner: crate::scan::Scanner,
    /// The layers, most trusted first, for `policy check` and `explain`.
    pub layers: Vec<(LayerKind, String)>,
    /// SHA-256 over every layer's name and text: which policy decided, for the audit log.
    pub sha256: String,
}

/// How a rule id came to its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Disabled(Source),
    Verdict {
        verdict: Verdict,
        /// The table key that decided (`shell.privileged` for `shell.privileged.sudo`).
        key: String,
        source: Source,
    },
}

impl Policy {
    /// The verdict for a rule id: the longest matching prefix of the decision table, raised by
    /// any floor a lower layer set. A rule with no entry at all is denied: a rule id nobody
    /// gave a decision to is a bug, and a bug must not let a call through.
    pub fn lookup(&self, rule: &str) -> Lookup {
        if let Some((_, src)) = self
            .disabled
            .iter()
            .find(|(k, _)| is_prefix_of_rule(k, rule))
        {
            return Lookup::Disabled(src.clone());
        }
        let mut best: Option<(&String, &VerdictEntry)> = None;
        for (k, e) in &self.verdicts {
            if is_prefix_of_rule(k, rule) && best.is_none_or(|(bk, _)| k.len() > bk.len()) {
                best = Some((k, e));
            }
        }
        let (mut verdict, mut key, mut source) = match best {
            Some((k, e)) => (e.verdict, k.clone(), e.source.clone()),
            None => (
                Verdict::Deny,
                rule.to_string(),
                Source::builtin("(no decision configured: denied)"),
            ),
        };
        for (k, e) in &self.floors {
            if is_prefix_of_rule(k, rule) && e.verdict > verdict {
                verdict = e.verdict;
                key = k.clone();
                source = e.source.clone();
            }
        }
        Lookup::Verdict {
            verdict,
            key,
            source,
        }
    }

    /// The layers, most trusted first, then the built-in profile and base.
    pub fn layers_by_trust(&self) -> impl Iterator<Item = &(LayerKind, String)> {
        let (builtin, others): (Vec<_>, Vec<_>) = self
            .layers
            .iter()
            .partition(|(k, _)| *k == LayerKind::Builtin);
        others.into_iter().chain(builtin.into_iter().rev())
    }

    /// Loads the layers at `loc` and merges them with the built-in policy.
    pub fn load(loc: &Locations, cli_profile: Option<Profile>) -> Result<Policy, PolicyError> {
        let layers = loc.load()?;
        let choice = cli_profile.map_or(ProfileChoice::Layers, ProfileChoice::Fixed);
        merge_at(
            &layers,
            choice,
            loc.home.as_deref(),
            Some(&loc.project_root),
        )
    }
}

/// `a.b` is a prefix of the rule `a.b` and `a.b.c`, not of `a.bc`.
pub fn is_prefix_of_rule(prefix: &str, rule: &str) -> bool {
    rule == prefix || (rule.starts_with(prefix) && rule.as_bytes().get(prefix.len()) == Some(&b'.'))
}

#[cfg(test)]
mod rule_regex_tests {
    use super::RuleRegex;

    #[test]
    fn literal_prefilter_answers_like_the_regex() {
        let patterns = [
            r"^(kubectl|helm) .*--context[= ]prod\b",
            r"(?i)terraform\s+(apply|destroy)",
            r"\bDROP\s+TABLE\b",
            r"[a-z]+@example\.gov\.uk",
            r"^git push .*--force",
            r".*",
            r"",
            r"x|",
            r"(?i)secret",
        ];
        let texts = [
            "",
            "ls -la",
            "kubectl get pods --context=prod",
            "KUBECTL get pods --context=prod",
            "helm upgrade x --context prod",
            "TERRAFORM   Apply -auto-approve",
            "psql -c 'drop table users'",
            "psql -c 'DROP   TABLE users'",
            "mail bob@example.gov.uk",
            "git push origin main --force",
            "echo SeCrEt",
            "naïve ünïcode ✓",
        ];
        for p in patterns {
            let rr = RuleRegex::new(p).unwrap();
            let re = regex::Regex::new(p).unwrap();
            for t in texts {
                assert_eq!(rr.is_match_or(t, true), re.is_match(t), "{p:?} on {t:?}");
            }
        }
        // A command that holds none of a rule's literals never compiles its regex.
        let rr = RuleRegex::new(r"^(kubectl|helm) .*--context[= ]prod\b").unwrap();
        assert!(!rr.is_match_or("cargo test", true));
        assert!(!rr.is_compiled());
        assert!(rr.is_match_or("kubectl apply --context prod", true));
        assert!(rr.is_compiled());
    }
}
