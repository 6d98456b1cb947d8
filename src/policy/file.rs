//! `PolicyFile`: one policy file as written, checked for shape but not yet merged.
//!
//! First of the three policy stages (`PolicyFile` ─► layers merged ─► compiled `Policy`). Every
//! field is optional and unknown keys are errors, so a typo is reported rather than silently
//! ignored: a security team must be able to trust that what they wrote is what runs. The same
//! schema serves the built-in profiles in `policies/` and every layer.

use crate::classification::{Classification, Profile};
use crate::decision::Verdict;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One policy file.
///
/// ```toml
/// profile = "production"          # choose a profile (see the precedence table)
/// classification = "OFFICIAL"     # the data the project holds
/// [verdicts]
/// "deps.new" = "deny"             # a rule id or family prefix, and its decision
/// ```
#[derive(Debug, Default, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct PolicyFile {
    /// The profile to use: `prototype`, `production` (default) or `ci`.
    pub profile: Option<Profile>,
    /// Managed and `--policy` layers only: lower layers may not choose another profile.
    pub fix_profile: Option<bool>,
    /// The data classification the project holds. Default `OFFICIAL`; the highest declared wins.
    pub classification: Option<Classification>,
    /// What an `ask` becomes where no person can answer (C18): `deny` or `ask`.
    pub ask_without_person: Option<Verdict>,
    /// Rule id or family prefix → decision. Lower layers may only make a decision stricter.
    pub verdicts: Option<BTreeMap<String, Verdict>>,
    /// Managed and `--policy` layers only: built-in rule ids or prefixes to switch off.
    pub disable: Option<Vec<String>>,
    pub files: Option<FilesSection>,
    pub production: Option<ProductionSection>,
    pub web: Option<WebSection>,
    pub mcp: Option<McpSection>,
    pub git: Option<GitSection>,
    pub audit: Option<AuditSection>,
    pub secrets: Option<SecretsSection>,
    /// Custom rules.
    pub rule: Option<Vec<RuleFile>>,
    /// Claude Code permission rules that refuse (`"Bash(terraform apply:*)"`, `"Read(./secrets/**)"`).
    pub deny: Option<Vec<String>>,
    /// Claude Code permission rules that ask.
    pub ask: Option<Vec<String>>,
    /// Claude Code permission rules that allow (managed and `--policy` layers only).
    pub allow: Option<Vec<String>>,
    /// Tests the policy carries: `hookguard policy test` runs them.
    pub test: Option<Vec<TestFile>>,
}

/// `[[test]]`: an event (or a shorthand for one) and the decision it must get.
///
/// ```toml
/// [[test]]
/// bash = "terraform apply"        # or read, write, edit, grep, glob, webfetch, websearch,
///                                 # mcp (a tool name), prompt; or a full `event = {…}`
/// profile = "production"          # or profiles = [...]; default: every profile
/// expect = "ask"
/// rule = "infra.mutating"         # optional
/// ```
#[derive(Debug, Default, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct TestFile {
    pub name: Option<String>,
    pub bash: Option<String>,
    pub read: Option<String>,
    pub write: Option<String>,
    pub edit: Option<String>,
    pub grep: Option<String>,
    pub glob: Option<String>,
    pub webfetch: Option<String>,
    pub websearch: Option<String>,
    pub mcp: Option<String>,
    pub prompt: Option<String>,
    /// Written content, for `write` and `edit`.
    pub content: Option<String>,
    #[cfg_attr(
        test,
        schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")
    )]
    pub event: Option<toml::Value>,
    pub profile: Option<Profile>,
    pub profiles: Option<Vec<Profile>>,
    pub permission_mode: Option<String>,
    pub expect: Option<String>,
    pub rule: Option<String>,
}

/// `[files]`: paths the controls protect and the roots the project may use.
#[derive(Debug, Default, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct FilesSection {
    /// C2: globs of files no tool may read, write or move (`**/private/**`).
    pub exclude: Option<Vec<String>>,
    /// C2: whether `.env.example`, `.env.sample`, `.env.template`, `.env.dist` stay readable.
    /// Any layer may set `false`; only managed and `--policy` layers may set `true`.
    pub template_exceptions: Option<bool>,
    /// C4: globs of production paths.
    pub production: Option<Vec<String>>,
    /// C17: further paths no tool may write (the guard's own files are always protected).
    pub protect: Option<Vec<String>>,
    /// C3, managed and `--policy` only: directories readable besides the project.
    pub read_roots: Option<Vec<String>>,
    /// C3, managed and `--policy` only: directories writable besides the project and temp.
    pub write_roots: Option<Vec<String>>,
}

/// `[production]`: names that mark a production system (C6), as globs (`*.live.example.gov.uk`).
#[derive(Debug, Default, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProductionSection {
    pub identifiers: Option<Vec<String>>,
}

/// `[web]`, managed and `--policy` only: domains WebFetch and WebSearch may reach (C16).
#[derive(Debug, Default, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct WebSection {
    pub allow_domains: Option<Vec<String>>,
}

/// `[mcp]`, managed and `--policy` only: approved MCP server names, as globs (C16).
#[derive(Debug, Default, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct McpSection {
    pub approved_servers: Option<Vec<String>>,
}

/// `[git]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct GitSection {
    /// C7: branch globs that may not be force-pushed or deleted (added to the built-in ones).
    pub protected_branches: Option<Vec<String>>,
    /// C10, managed and `--policy` only: the markers a commit message must carry (any one).
    pub ai_markers: Option<Vec<String>>,
}

/// `[audit]`, managed and `--policy` only; the most trusted layer that sets a key decides it.
///
/// ```toml
/// [audit]
/// log = "/var/log/hookguard/alice/audit.jsonl"
/// fsync = true                    # fdatasync every record (default false)
/// rotate-bytes = 67108864         # rotate at 64 MiB (default; 0 never rotates)
/// keep = 9                        # rotated files kept (default 9)
/// hmac-key = "/etc/hookguard/audit.key"   # root-only key: HMAC-SHA256 chain
/// syslog = true                   # also send each record to syslog (default false)
/// syslog-socket = "/dev/log"      # default
/// lock-timeout-ms = 3000          # default
/// ```
#[derive(Debug, Default, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct AuditSection {
    /// Where the audit log is written (the `--audit-log` option wins).
    pub log: Option<String>,
    /// `fdatasync` each record before answering. Default `false`.
    pub fsync: Option<bool>,
    /// Rotate the live log at this size in bytes; `0` never rotates. Default 64 MiB.
    pub rotate_bytes: Option<u64>,
    /// Rotated files kept (`audit.jsonl.1` …). Default 9.
    pub keep: Option<u32>,
    /// Absolute path of a root-only file holding the HMAC key of a keyed chain. Default none.
    pub hmac_key: Option<String>,
    /// Also send every record to the local syslog daemon (`syslog(3)` framing). Default `false`.
    pub syslog: Option<bool>,
    /// The syslog socket (a Unix datagram socket). Default `/dev/log`.
    pub syslog_socket: Option<String>,
    /// How long an append waits for the log's lock, in milliseconds. Default 3000.
    pub lock_timeout_ms: Option<u64>,
}

impl AuditSection {
    /// Fills the keys this section leaves unset from `less_trusted`.
    pub fn fill_from(&mut self, less_trusted: &AuditSection) {
        let l = less_trusted.clone();
        self.log = self.log.take().or(l.log);
        self.fsync = self.fsync.or(l.fsync);
        self.rotate_bytes = self.rotate_bytes.or(l.rotate_bytes);
        self.keep = self.keep.or(l.keep);
        self.hmac_key = self.hmac_key.take().or(l.hmac_key);
        self.syslog = self.syslog.or(l.syslog);
        self.syslog_socket = self.syslog_socket.take().or(l.syslog_socket);
        self.lock_timeout_ms = self.lock_timeout_ms.or(l.lock_timeout_ms);
    }

    /// The first key set, for the error when an untrusted layer sets one.
    pub fn first_key(&self) -> Option<&'static str> {
        [
            ("log", self.log.is_some()),
            ("fsync", self.fsync.is_some()),
            ("rotate-bytes", self.rotate_bytes.is_some()),
            ("keep", self.keep.is_some()),
            ("hmac-key", self.hmac_key.is_some()),
            ("syslog", self.syslog.is_some()),
            ("syslog-socket", self.syslog_socket.is_some()),
            ("lock-timeout-ms", self.lock_timeout_ms.is_some()),
        ]
        .into_iter()
        .find_map(|(k, set)| set.then_some(k))
    }
}

/// `[secrets]`, managed and `--policy` only.
#[derive(Debug, Default, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct SecretsSection {
    /// An absolute path to a gitleaks-format TOML file whose `[[rules]]` are added to the
    /// built-in secret rules (reported as `secrets.custom.<id>`). A file that cannot be read
    /// or compiled makes the policy fail to load, so every call is refused. Example:
    /// `gitleaks = "/etc/hookguard/gitleaks.toml"`.
    pub gitleaks: Option<String>,
}

/// `[[rule]]`: a custom rule. Every condition given must hold.
///
/// ```toml
/// [[rule]]
/// id = "team.no-migrations"
/// tool = ["Write", "Edit"]
/// path = "**/migrations/**"
/// decision = "ask"
/// reason = "migrations are reviewed by the DBA team; describe the change instead"
/// control = "PR-06"
/// ```
#[derive(Debug, Default, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleFile {
    /// Stable id, reported in decisions and the audit log.
    pub id: Option<String>,
    /// Tool names the rule applies to (`"*"` or absent: every tool).
    pub tool: Option<OneOrMany>,
    /// A glob the tool's path must match.
    pub path: Option<String>,
    /// A regex the written content, prompt or tool input must match.
    pub content: Option<String>,
    /// A regex the (normalised) shell command must match.
    pub command: Option<String>,
    /// `deny`, `ask`, or (managed and `--policy` only) `allow`.
    pub decision: Option<Verdict>,
    /// For the model: what is refused, why, what to do instead.
    pub reason: Option<String>,
    /// The guidance control the rule enforces (`PR-06`).
    pub control: Option<String>,
    /// The profiles the rule applies in (absent: all).
    pub profiles: Option<Vec<Profile>>,
}

/// A string or a list of strings.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

impl PolicyFile {
    /// Parses TOML text; the error carries the line and column of the problem.
    pub fn parse(text: &str) -> Result<PolicyFile, ParseError> {
        toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            ParseError {
                line,
                column,
                message: with_suggestion(e.message().trim_end_matches('\n')),
            }
        })
    }
}

/// Adds "did you mean" to serde's "unknown field `x`, expected one of `a`, `b`" messages.
fn with_suggestion(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((unknown, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match closest(unknown, &candidates) {
        Some(best) => format!("{message}; did you mean `{best}`?"),
        None => message.to_string(),
    }
}

/// The candidate nearest to `word` by edit distance, if it is near enough to be a typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| {
            (
                edit_distance(&word.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                *c,
            )
        })
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A TOML syntax or shape error, located.
/// The line finders of the policy's users ([`crate::lines`]).
pub use crate::lines::{line_col, line_of};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_with_a_line() {
        let e = PolicyFile::parse("profile = \"ci\"\n[files]\nexclud = []\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("exclud"), "{}", e.message);
    }

    #[test]
    fn unknown_keys_suggest_the_nearest() {
        let e = PolicyFile::parse("[files]\nexclud = []\n").unwrap_err();
        assert!(
            e.message.ends_with("did you mean `exclude`?"),
            "{}",
            e.message
        );
        let e = PolicyFile::parse("clasification = \"SECRET\"\n").unwrap_err();
        assert!(
            e.message.ends_with("did you mean `classification`?"),
            "{}",
            e.message
        );
        let e = PolicyFile::parse("zzz = 1\n").unwrap_err();
        assert!(!e.message.contains("did you mean"), "{}", e.message);
    }

    #[test]
    fn bad_values_name_the_choices() {
        let e = PolicyFile::parse("profile = \"staging\"\n").unwrap_err();
        assert!(e.message.contains("`staging`"), "{}", e.message);
        let e = PolicyFile::parse("[verdicts]\n\"deps.new\" = \"block\"\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn rules_parse() {
        let p = PolicyFile::parse(
            "[[rule]]\nid = \"x\"\ntool = \"Bash\"\ncommand = \"terraform\"\ndecision = \"ask\"\n",
        )
        .unwrap();
        assert_eq!(p.rule.unwrap()[0].tool.as_ref().unwrap().to_vec(), ["Bash"]);
    }
}
