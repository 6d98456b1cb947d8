//! The built-in secret rules (C11): vendor token formats, private key blocks, JWTs, passwords in
//! URLs and connection strings, and high-entropy values assigned to secret-named variables.
//!
//! Each rule lists the keywords that must occur for it to match. One pass of the keyword matcher
//! (`keywords::KeywordSet`, ADR 0009: next to nothing to build, a pair-bitset filter over the
//! text) finds every keyword of every rule, overlaps included, ASCII case-insensitively; a rule
//! whose keywords are absent costs nothing, and its regex is not even compiled (`OnceLock` per
//! rule). A rule whose keywords are present runs over
//! the lines that hold them (`prefilter::line_windows`). Patterns were written from the vendors'
//! published formats, not copied from any rule set.
//!
//! Every pattern is a byte regex with Unicode off (ASCII `\b`, `\s`, classes), which keeps the
//! lazy DFA on for any input; spans are widened to character boundaries by the caller.

use std::borrow::Cow;
use std::sync::{LazyLock, OnceLock};

use regex::bytes::{Captures, Regex, RegexBuilder};

use super::checks::{
    base64url_decode, has_placeholder_word, is_documented_example, is_placeholder, is_template,
    line_fact, low_variety, shannon_entropy,
};
use super::keywords::KeywordSet;
use super::prefilter::line_windows;
use super::{Category, Found};

/// Priority when two secret rules claim overlapping text: the most specific wins.
const VENDOR: u8 = 3;
const STRUCTURAL: u8 = 2;
const GENERIC: u8 = 1;

/// A post-match check: `text` is the whole text, `caps` the match within the window starting
/// at byte `base`, `secret` the absolute span of the secret. True means report it.
type Check = fn(text: &[u8], caps: &Captures<'_>, base: usize, secret: (usize, usize)) -> bool;

/// A detector that needs more than one regex match (multi-line blocks, JSON objects): it gets
/// the text and its keyword positions (ascending, one per keyword occurrence) and pushes the
/// spans it finds.
type Custom = fn(text: &[u8], positions: &mut [usize], out: &mut Vec<(usize, usize)>);

enum Engine {
    /// A regex run over the keyword lines; `group` is the capture holding the secret.
    Regex {
        pattern: &'static str,
        group: usize,
        check: Check,
    },
    Custom(Custom),
}

/// One built-in rule. Documented by its fields: `hookguard explain` can list them.
pub(crate) struct Rule {
    /// Rule id, `secrets.<kind>`: a stable API that policies refer to.
    pub(crate) id: &'static str,
    /// What was found, for the model and the person: never the value.
    pub(crate) description: &'static str,
    /// Lowercase; matched ASCII case-insensitively by the prefilter.
    pub(crate) keywords: &'static [&'static str],
    priority: u8,
    engine: Engine,
    compiled: OnceLock<Regex>,
}

const fn rule(
    id: &'static str,
    description: &'static str,
    keywords: &'static [&'static str],
    priority: u8,
    engine: Engine,
) -> Rule {
    Rule {
        id,
        description,
        keywords,
        priority,
        engine,
        compiled: OnceLock::new(),
    }
}

const fn re(pattern: &'static str, group: usize, check: Check) -> Engine {
    Engine::Regex {
        pattern,
        group,
        check,
    }
}

/// Compiles a built-in or user pattern: bytes, Unicode off, bounded size.
pub(crate) fn build_regex(pattern: &str, unicode: bool) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(unicode)
        .size_limit(2 << 20)
        .dfa_size_limit(4 << 20)
        .build()
}

/// The built-in rules. Order does not matter; `priority` settles overlaps.
pub(crate) static RULES: [Rule; 27] = [
    rule(
        "secrets.aws-access-key-id",
        "AWS access key id",
        &["akia", "asia", "abia", "acca"],
        VENDOR,
        re(r"\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b", 1, token),
    ),
    rule(
        "secrets.aws-secret-access-key",
        "AWS secret access key",
        &[
            "secret_access_key",
            "secretaccesskey",
            "secret-access-key",
            "aws_secret",
            "aws-secret",
            "awssecret",
        ],
        VENDOR,
        re(
            r#"(?i)(?:aws[_.-]?secret(?:[_.-]?access)?[_.-]?key|secret[_.-]?access[_.-]?key)["'`]?\s{0,5}(?:=>|:=|=|:)\s{0,5}["'`]?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
            1,
            high_entropy_token,
        ),
    ),
    rule(
        "secrets.github-token",
        "GitHub token",
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        VENDOR,
        re(r"\b(gh[pousr]_[A-Za-z0-9]{36,251})\b", 1, token),
    ),
    rule(
        "secrets.github-fine-grained-pat",
        "GitHub fine-grained personal access token",
        &["github_pat_"],
        VENDOR,
        re(r"\b(github_pat_[A-Za-z0-9_]{80,251})\b", 1, token),
    ),
    rule(
        "secrets.gitlab-token",
        "GitLab token",
        &[
            "glpat-",
            "gldt-",
            "glrt-",
            "glrtr-",
            "glptt-",
            "glft-",
            "glimt-",
            "glcbt-",
            "glsoat-",
            "gloas-",
            "glagent-",
            "glffct-",
            "glwt-",
            "gr1348941",
        ],
        VENDOR,
        re(
            r"\b((?:gl(?:pat|dt|rt|rtr|ptt|ft|imt|cbt|soat|oas|agent|ffct|wt)-|GR1348941)[A-Za-z0-9_.-]{20,300})",
            1,
            token,
        ),
    ),
    rule(
        "secrets.bitbucket-app-password",
        "Bitbucket app password",
        &["atbb"],
        VENDOR,
        re(r"\b(ATBB[A-Za-z0-9_=.-]{28,100})\b", 1, token),
    ),
    rule(
        "secrets.bitbucket-access-token",
        "Bitbucket or Atlassian access token",
        &["atctt3xffgn0", "atatt3xffgf0"],
        VENDOR,
        re(
            r"\b((?:ATCTT3xFfGN0|ATATT3xFfGF0)[A-Za-z0-9_=-]{20,400})",
            1,
            token,
        ),
    ),
    rule(
        "secrets.slack-token",
        "Slack token",
        &[
            "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxe-", "xoxo-", "xoxs-",
        ],
        VENDOR,
        re(
            r"\b(xox[abeoprs]-[0-9]{1,20}-[0-9A-Za-z-]{8,250})",
            1,
            token,
        ),
    ),
    rule(
        "secrets.slack-app-token",
        "Slack app-level token",
        &["xapp-"],
        VENDOR,
        re(
            r"\b(xapp-[0-9]{1,3}-[A-Z0-9]{6,20}-[0-9]{6,20}-[A-Za-z0-9]{16,100})",
            1,
            token,
        ),
    ),
    rule(
        "secrets.slack-webhook",
        "Slack webhook URL",
        &["hooks.slack.com"],
        VENDOR,
        re(
            r"(?i)((?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,200})",
            1,
            token,
        ),
    ),
    rule(
        "secrets.stripe-secret-key",
        "Stripe secret or restricted key",
        &["sk_live_", "rk_live_", "sk_test_", "rk_test_"],
        VENDOR,
        re(
            r"\b((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,247})\b",
            1,
            token,
        ),
    ),
    rule(
        "secrets.stripe-webhook-secret",
        "Stripe webhook signing secret",
        &["whsec_"],
        VENDOR,
        re(r"\b(whsec_[A-Za-z0-9+/=]{32,100})", 1, token),
    ),
    rule(
        "secrets.google-api-key",
        "Google API key",
        &["aiza"],
        VENDOR,
        re(r"\b(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)", 1, token),
    ),
    rule(
        "secrets.google-oauth-client-secret",
        "Google OAuth client secret",
        &["gocspx-"],
        VENDOR,
        re(
            r"\b(GOCSPX-[0-9A-Za-z_-]{28})(?:[^0-9A-Za-z_-]|$)",
            1,
            token,
        ),
    ),
    rule(
        "secrets.gcp-service-account",
        "Google Cloud service-account private key",
        &["service_account"],
        VENDOR,
        Engine::Custom(service_account),
    ),
    rule(
        "secrets.azure-storage-key",
        "Azure storage account key or shared access key",
        &["accountkey", "sharedaccesskey"],
        VENDOR,
        re(
            r#"(?i)\b(?:AccountKey|SharedAccessKey)["']?\s{0,3}[=:]\s{0,3}["']?([A-Za-z0-9+/]{40,100}={0,2})"#,
            1,
            high_entropy_token,
        ),
    ),
    rule(
        "secrets.azure-sas-token",
        "Azure shared access signature",
        &["sig="],
        VENDOR,
        re(
            r"(?i)(?:^|[^A-Za-z0-9_])sig=([A-Za-z0-9%+/]{30,150}(?:=|%3D){0,2})",
            1,
            sas,
        ),
    ),
    rule(
        "secrets.anthropic-api-key",
        "Anthropic API key",
        &["sk-ant-"],
        VENDOR,
        re(
            r"\b(sk-ant-(?:api|admin|oat|sid)[0-9]{2}-[A-Za-z0-9_-]{32,200})",
            1,
            token,
        ),
    ),
    rule(
        "secrets.openai-api-key",
        "OpenAI API key",
        &["sk-proj-", "sk-svcacct-", "sk-admin-", "t3blbkfj"],
        VENDOR,
        re(
            r"\b(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,250}|sk-[A-Za-z0-9_-]{16,100}T3BlbkFJ[A-Za-z0-9_-]{16,100})",
            1,
            token,
        ),
    ),
    rule(
        "secrets.npm-token",
        "npm access token",
        &["npm_"],
        VENDOR,
        re(r"\b(npm_[A-Za-z0-9]{36})\b", 1, token),
    ),
    rule(
        "secrets.pypi-token",
        "PyPI API token",
        &["pypi-ageichlwas5vcmc", "pypi-agendgvzdc5wexbplm9yzw"],
        VENDOR,
        re(
            r"\b(pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,})",
            1,
            token,
        ),
    ),
    rule(
        "secrets.private-key",
        "private key block",
        &["private key"],
        STRUCTURAL,
        Engine::Custom(private_key),
    ),
    rule(
        "secrets.jwt",
        "JSON Web Token",
        &["eyj"],
        STRUCTURAL,
        re(
            r"\b(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})",
            1,
            jwt,
        ),
    ),
    rule(
        "secrets.url-password",
        "password embedded in a URL",
        &["://"],
        STRUCTURAL,
        re(
            r#"\b([A-Za-z][A-Za-z0-9+.-]{1,30})://([^\s:@/?#"'`<>\[\]{}\\]{1,128}):([^\s:@/?"'`<>\[\]{}\\]{1,256})@([A-Za-z0-9._-]{1,253}|\[[0-9A-Fa-f:.]+\])"#,
            3,
            url_password,
        ),
    ),
    rule(
        "secrets.connection-string-password",
        "password in a connection string",
        &["password", "pwd"],
        STRUCTURAL,
        re(
            r#"(?i)(?:^|[;"'\s])(?:password|pwd)\s{0,3}=\s{0,3}([^;"'\r\n]{1,200})"#,
            1,
            connection_string,
        ),
    ),
    rule(
        "secrets.generic-assignment",
        "high-entropy value assigned to a secret-named variable",
        &[
            "secret",
            "token",
            "passw",
            "pwd",
            "api_key",
            "apikey",
            "api-key",
            "api.key",
            "access_key",
            "accesskey",
            "access-key",
            "private_key",
            "privatekey",
            "private-key",
            "auth_key",
            "authkey",
            "credential",
        ],
        GENERIC,
        re(
            r#"(?i)([A-Za-z0-9_.-]{0,40}(?:secret|token|passw(?:or)?d|pwd|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|auth[_.-]?key|credential)[A-Za-z0-9_.-]{0,40})["'`]?[ \t]{0,5}(?:=>|:=|=|:)[ \t]{0,5}(["'`]?)([^\s"'`;,(){}\[\]<>]{8,256})"#,
            3,
            generic_assignment,
        ),
    ),
    rule(
        "secrets.basic-auth-header",
        "HTTP Basic or Bearer credential",
        &["authorization"],
        STRUCTURAL,
        re(
            r#"(?i)authorization["']?\s{0,3}[:=]\s{0,3}["']?(?:basic|bearer|token)\s+([A-Za-z0-9._~+/=-]{16,2048})"#,
            1,
            high_entropy_token,
        ),
    ),
];

/// The keywords of every built-in rule, and which rule each keyword belongs to (ADR 0009).
struct Prefilter {
    set: KeywordSet,
    rule_of: Vec<usize>,
    /// The longest keyword, in bytes.
    longest: usize,
}

static PREFILTER: LazyLock<Prefilter> = LazyLock::new(|| {
    let mut keywords = Vec::new();
    let mut rule_of = Vec::new();
    for (i, rule) in RULES.iter().enumerate() {
        for kw in rule.keywords {
            keywords.push(*kw);
            rule_of.push(i);
        }
    }
    Prefilter {
        set: KeywordSet::new(&keywords)
            .expect("built-in keywords are 3 bytes or longer and fewer than 256 (tested)"),
        rule_of,
        longest: keywords.iter().map(|k| k.len()).max().unwrap_or(0),
    }
});

impl Rule {
    pub(crate) fn info(&self) -> super::RuleInfo {
        super::RuleInfo {
            id: self.id,
            description: self.description,
            keywords: self.keywords,
            pattern: match &self.engine {
                Engine::Regex { pattern, .. } => Some(pattern),
                Engine::Custom(_) => None,
            },
        }
    }

    fn regex(&self, pattern: &str) -> &Regex {
        self.compiled.get_or_init(|| {
            // Every built-in pattern is compiled by `builtin_patterns_compile`; a failure here
            // is a programming error caught before release, not an input-dependent panic.
            build_regex(pattern, false).expect("built-in pattern compiles (tested)")
        })
    }
}

/// Runs every built-in secret rule whose keywords occur in `text`.
pub(crate) fn scan(text: &str, out: &mut Vec<Found>) {
    let mut positions = Vec::new();
    keyword_starts(text.as_bytes(), 0..text.len(), &mut positions);
    run_rules(text, positions, out);
}

/// For each rule (by index; the vector is empty when nothing matched), the ascending starts of
/// its keywords.
type Starts = Vec<Vec<usize>>;

/// Adds to `positions` the built-in keywords that start in `range` of `text` (they may end
/// past it), in ascending order of start.
fn keyword_starts(text: &[u8], range: std::ops::Range<usize>, positions: &mut Starts) {
    let pre = &*PREFILTER;
    let end = (range.end + pre.longest).min(text.len());
    let (from, to) = (range.start, range.end);
    pre.set.for_each_match(&text[from..end], |k, start| {
        if from + start >= to {
            return;
        }
        let r = pre.rule_of[k];
        if positions.len() <= r {
            positions.resize_with(RULES.len(), Vec::new);
        }
        positions[r].push(from + start);
    });
}

/// The keyword search of a long text cut into pieces that threads take in turn
/// ([`Pieces::search`]); the rules then run once over the whole text ([`Pieces::scan`]). The
/// search is most of the cost of the secret rules on a long text, and a thread that has
/// finished its other work (markings, personal data) can take a share.
pub(crate) struct Pieces<'t> {
    text: &'t str,
    next: std::sync::atomic::AtomicUsize,
}

/// Bytes of text per piece: large enough that taking one costs nothing by comparison.
const PIECE: usize = 64 * 1024;

impl<'t> Pieces<'t> {
    pub(crate) fn new(text: &'t str) -> Pieces<'t> {
        Pieces {
            text,
            next: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Searches pieces until none is left: each as `(its index, its keyword starts)`.
    pub(crate) fn search(&self) -> Vec<(usize, Starts)> {
        let mut done = Vec::new();
        loop {
            let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let from = i.saturating_mul(PIECE);
            if from >= self.text.len() {
                return done;
            }
            let mut starts = Vec::new();
            let to = (from + PIECE).min(self.text.len());
            keyword_starts(self.text.as_bytes(), from..to, &mut starts);
            done.push((i, starts));
        }
    }

    /// Runs the rules on the keyword starts of every piece, as [`scan`] would on the whole
    /// text. `searched` must hold every piece, as returned by the calls to [`Pieces::search`].
    pub(crate) fn scan(&self, mut searched: Vec<(usize, Starts)>, out: &mut Vec<Found>) {
        searched.sort_unstable_by_key(|(i, _)| *i);
        debug_assert!(searched.iter().enumerate().all(|(n, (i, _))| n == *i));
        let mut positions: Starts = Vec::new();
        for (_, starts) in searched {
            if positions.is_empty() {
                positions = starts;
                continue;
            }
            for (all, more) in positions.iter_mut().zip(starts) {
                all.extend(more);
            }
        }
        run_rules(self.text, positions, out);
    }
}

/// Runs each rule whose keywords start at `positions`.
fn run_rules(text: &str, mut positions: Starts, out: &mut Vec<Found>) {
    let bytes = text.as_bytes();
    for (rule, pos) in RULES.iter().zip(positions.iter_mut()) {
        if pos.is_empty() {
            continue;
        }
        // Ascending whatever order the matcher reports in (already sorted: linear).
        pos.sort_unstable();
        let mut spans = Vec::new();
        match &rule.engine {
            Engine::Regex {
                pattern,
                group,
                check,
            } => {
                let regex = rule.regex(pattern);
                for (ws, we) in line_windows(bytes, pos) {
                    let hay = &bytes[ws..we];
                    let mut at = 0;
                    // Not `captures_iter`: a rejected match must not hide a secret that starts
                    // inside it (`Password=ghp_…+password=<key>`), so the search resumes at the
                    // rejected value rather than after it. Values are bounded (256 bytes), so
                    // the rescanning stays linear in the window.
                    while at <= hay.len() {
                        let Some(caps) = regex.captures_at(hay, at) else {
                            break;
                        };
                        let Some(whole) = caps.get(0) else {
                            break;
                        };
                        let m = caps.get(*group).unwrap_or(whole);
                        let secret = (ws + m.start(), ws + m.end());
                        let next = if check(bytes, &caps, ws, secret) {
                            spans.push(secret);
                            m.end()
                        } else {
                            m.start()
                        };
                        at = next.max(whole.start() + 1);
                    }
                }
            }
            Engine::Custom(custom) => custom(bytes, pos, &mut spans),
        }
        out.extend(spans.into_iter().map(|(start, end)| Found {
            rule: Cow::Borrowed(rule.id),
            description: Cow::Borrowed(rule.description),
            kind: Category::Secret,
            priority: rule.priority,
            start,
            end,
        }));
    }
}

fn as_str(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

fn secret_str(text: &[u8], secret: (usize, usize)) -> &str {
    as_str(&text[secret.0..secret.1])
}

/// Vendor tokens: the format is the evidence; only placeholders are dropped.
fn token(text: &[u8], _: &Captures<'_>, _: usize, secret: (usize, usize)) -> bool {
    !is_placeholder(secret_str(text, secret))
}

/// Base64 keys with no distinctive prefix: also require the randomness of a real key.
fn high_entropy_token(text: &[u8], c: &Captures<'_>, b: usize, secret: (usize, usize)) -> bool {
    token(text, c, b, secret) && shannon_entropy(&text[secret.0..secret.1]) >= 3.5
}

/// `sig=` alone is too common: require the line to look like a SAS token or connection string.
fn sas(text: &[u8], c: &Captures<'_>, b: usize, secret: (usize, usize)) -> bool {
    line_fact(text, secret.0, ("sas", 0), |ls, le| {
        let line = as_str(&text[ls..le]).to_ascii_lowercase();
        line.contains("sv=") || line.contains("sharedaccesssignature") || line.contains("se=")
    }) && high_entropy_token(text, c, b, secret)
}

/// A JWT's header must decode to JSON naming an algorithm.
fn jwt(text: &[u8], c: &Captures<'_>, b: usize, secret: (usize, usize)) -> bool {
    let v = secret_str(text, secret);
    let header = v.split('.').next().unwrap_or("");
    let decoded = base64url_decode(header).unwrap_or_default();
    let has_alg = memchr::memmem::find(&decoded, b"\"alg\"").is_some();
    has_alg && token(text, c, b, secret)
}

/// Default and stand-in passwords seen in documentation, compose files and tutorials.
const PLACEHOLDER_PASSWORDS: &[&str] = &[
    "password", "passwd", "pass", "pwd", "secret", "changeme", "postgres", "root", "admin",
    "guest", "test", "example", "dev", "local", "user", "mysql", "redis", "rabbitmq", "sa",
    "default", "letmein", "foo", "bar", "baz", "foobar", "pw", "p", "x", "xxx", "***",
];

/// Template syntax, placeholder words, the username again, a default password, or one
/// character repeated. No variety test: people choose short passwords such as `s3cr3t`.
pub(crate) fn is_placeholder_password(pass: &str, user: &str) -> bool {
    let lower = pass.to_ascii_lowercase();
    let first = pass.chars().next();
    pass.is_empty()
        || is_template(pass)
        || is_documented_example(pass)
        || has_placeholder_word(pass)
        || pass == user
        || PLACEHOLDER_PASSWORDS.contains(&lower.as_str())
        || pass.chars().all(|c| Some(c) == first)
        || lower.contains("password")
}

/// Documentation hosts (RFC 2606 and RFC 6761) and template host names.
fn is_example_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    ["example.com", "example.org", "example.net"]
        .iter()
        .any(|d| h == *d || h.ends_with(&format!(".{d}")))
        || [".example", ".test", ".invalid"]
            .iter()
            .any(|s| h.ends_with(s))
        || matches!(
            h.as_str(),
            "example" | "host" | "hostname" | "your-host" | "server"
        )
}

fn url_password(text: &[u8], caps: &Captures<'_>, _: usize, secret: (usize, usize)) -> bool {
    let user = caps.get(2).map_or("", |m| as_str(m.as_bytes()));
    let host = caps.get(4).map_or("", |m| as_str(m.as_bytes()));
    let pass = secret_str(text, secret);
    !is_placeholder_password(pass, user) && !is_example_host(host)
}

/// `Password=` counts only on a line that looks like a connection string.
fn connection_string(text: &[u8], _: &Captures<'_>, _: usize, secret: (usize, usize)) -> bool {
    let keys = [
        "server=",
        "data source=",
        "host=",
        "hostname=",
        "uid=",
        "user id=",
        "username=",
        "database=",
        "initial catalog=",
        "accountname=",
        "dsn=",
    ];
    let pass = secret_str(text, secret).trim_end();
    line_fact(text, secret.0, ("connection-string", 0), |ls, le| {
        let line = as_str(&text[ls..le]).to_ascii_lowercase();
        line.contains(';') && keys.iter().any(|k| line.contains(k))
    }) && !is_placeholder_password(pass, "")
}

/// Parts of a variable name that say it holds something about a secret, not the secret.
const NOT_SECRET_NAME_PARTS: &[&str] = &[
    "url",
    "uri",
    "endpoint",
    "path",
    "file",
    "dir",
    "type",
    "name",
    "length",
    "len",
    "ttl",
    "expir",
    "count",
    "header",
    "field",
    "policy",
    "hash",
    "prefix",
    "format",
    "version",
    "size",
    "timeout",
    "regex",
    "pattern",
    "label",
    "mode",
    "enabled",
    "required",
    "min",
    "max",
    "limit",
    "store",
    "manager",
    "provider",
    "validator",
    "input",
    "placeholder",
    "param",
    "kind",
    "class",
    "reset",
    "expires",
    "lifetime",
    "duration",
    "age",
    "delay",
    "rotation",
    "ref",
    "arn",
    "id",
    "key_id",
    "keyid",
    "method",
    "scope",
    "audience",
    "issuer",
    "version",
    "helper",
    "ssm",
    "vault",
    "location",
    "source",
    "hint",
    "description",
    "exchange",
];

/// Tokens that are not credentials: pagination cursors, idempotency and change tokens
/// (`NextToken`, `ChangeToken`, `nextPageToken`), as AWS and Google APIs name them. Not
/// `client` or `request`: Vault's `client_token` and OAuth 1's `request_token` are credentials.
const NOT_SECRET_TOKENS: &[&str] = &[
    "next",
    "page",
    "continuation",
    "pagination",
    "change",
    "sync",
    "resume",
    "idempotency",
    "lifecycleaction",
    "update",
    "marker",
    "cursor",
];

fn secret_name_ok(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let squashed: String = lower
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if let Some(before) = squashed.strip_suffix("token")
        && NOT_SECRET_TOKENS.iter().any(|w| before.ends_with(w))
    {
        return false;
    }
    let parts: Vec<&str> = lower
        .split(['_', '-', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    // camelCase names (`tokenType`) are checked by suffix on the lowercased whole.
    !parts.iter().any(|p| NOT_SECRET_NAME_PARTS.contains(p))
        && ![
            "type", "url", "uri", "name", "path", "file", "id", "length", "hash", "endpoint",
        ]
        .iter()
        .any(|s| lower.ends_with(s))
}

/// `8-4-4-4-12` hexadecimal.
fn is_uuid(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// An ISO 8601 date or date-time (`2016-09-08T21:47:36Z`): when a password was last used, not
/// the password.
fn is_timestamp(v: &str) -> bool {
    let b = v.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10..]
            .iter()
            .all(|c| c.is_ascii_digit() || b"T:.+-Z ".contains(c))
}

/// A snake_case name in code (`x25519_check_private_key_bytes`): lower-case letters, digits and
/// at least two `_`, every part short, and three or more parts that are words (three letters or
/// more, with a vowel). Generated secrets have long random runs and, in base62, no `_` at all.
fn looks_like_identifier(v: &str) -> bool {
    if !v
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return false;
    }
    let parts: Vec<&str> = v.split('_').collect();
    let words = parts
        .iter()
        .filter(|p| {
            p.len() >= 3
                && p.bytes().all(|b| b.is_ascii_lowercase())
                && p.bytes().any(|b| b"aeiouy".contains(&b))
        })
        .count();
    parts.len() >= 3 && parts.iter().all(|p| !p.is_empty() && p.len() <= 16) && words >= 3
}

/// A code expression, path or URL rather than a literal: `config.api_token`, `./key.pem`.
fn looks_like_reference(v: &str) -> bool {
    v.starts_with('/')
        || v.starts_with('~')
        || v.starts_with('.')
        || v.starts_with('=')
        || v.starts_with('!')
        || v.contains("://")
        || v.contains("::")
        || v.contains("->")
        || (v.contains('.')
            && v.split('.').all(|seg| {
                seg.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            }))
}

fn generic_assignment(
    text: &[u8],
    caps: &Captures<'_>,
    base: usize,
    secret: (usize, usize),
) -> bool {
    let name = caps.get(1).map_or("", |m| as_str(m.as_bytes()));
    let v = secret_str(text, secret);
    if !secret_name_ok(name) || looks_like_reference(v) || v.len() > 256 {
        return false;
    }
    let name_start = base + caps.get(1).map_or(0, |m| m.start());
    let before = &text[..name_start];
    let colon_in_word = before.ends_with(b":")
        && before
            .len()
            .checked_sub(2)
            .is_some_and(|i| before[i].is_ascii_alphanumeric());
    if before.ends_with(b"/") || before.ends_with(b"::") || colon_in_word {
        // A segment of a path, a type name or an ARN (`alias/aws/secretsmanager`,
        // `AWS::IAM::AccessKey`, `…:secret:MyTestSecret-a1b2c3`), not a variable.
        return false;
    }
    let lower = name.to_ascii_lowercase();
    if is_uuid(v) && (lower.contains("client") || lower.contains("request")) {
        // AWS's idempotency tokens (`ClientToken`, `RequestToken`) are UUIDs.
        return false;
    }
    if is_timestamp(v) || looks_like_identifier(v) {
        return false;
    }
    // Cut short by an index or a call (`key=table[i]`, `pwd=derive1(x)`), or by a redaction
    // marker: an expression, or what is left of a value already redacted.
    if matches!(text.get(secret.1), Some(b'[' | b'(')) {
        return false;
    }
    let has_letter = v.bytes().any(|b| b.is_ascii_alphabetic());
    let has_digit = v.bytes().any(|b| b.is_ascii_digit());
    if !has_letter || !has_digit {
        return false;
    }
    let entropy = shannon_entropy(v.as_bytes());
    if lower.contains("pass") || lower.contains("pwd") {
        // Passwords are short and chosen by people: a lower bar, but never a placeholder.
        v.len() >= 8 && entropy >= 2.5 && !is_placeholder_password(v, "")
    } else {
        v.len() >= 16 && entropy >= 3.5 && !is_placeholder(v)
    }
}

/// `-----BEGIN … PRIVATE KEY-----` with a body of key material: the span runs to the matching
/// END line (or the end of the base64 body when there is none). A header with no body (a parser
/// constant, documentation with `...`) is not a key.
fn private_key(text: &[u8], positions: &mut [usize], out: &mut Vec<(usize, usize)>) {
    static HEADER: LazyLock<Regex> = LazyLock::new(|| {
        build_regex(
            r"-----BEGIN (?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----",
            false,
        )
        .expect("private key header pattern compiles (tested)")
    });
    const MAX_BODY: usize = 64 * 1024;
    let mut next_free = 0;
    for (ws, we) in line_windows(text, positions) {
        for m in HEADER.find_iter(&text[ws..we]) {
            let (hs, he) = (ws + m.start(), ws + m.end());
            if hs < next_free {
                continue;
            }
            let limit = (he + MAX_BODY).min(text.len());
            let (body_end, end) = match memchr::memmem::find(&text[he..limit], b"-----END ") {
                Some(i) => {
                    let es = he + i;
                    let close =
                        memchr::memmem::find(&text[es + 9..(es + 120).min(text.len())], b"-----")
                            .map_or(es + 9, |j| es + 9 + j + 5);
                    (es, close)
                }
                None => {
                    let run = text[he..limit]
                        .iter()
                        .position(|b| {
                            !(b.is_ascii_alphanumeric() || b"+/=\\\r\n\t \"',:-".contains(b))
                        })
                        .map_or(limit, |i| he + i);
                    (run, run)
                }
            };
            let body = &text[he..body_end];
            let b64 = body
                .iter()
                .filter(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b))
                .count();
            let noise = body
                .iter()
                .filter(|b| !(b.is_ascii_alphanumeric() || b"+/=\\\r\n\t \"',:-".contains(b)))
                .count();
            let dots = memchr::memmem::find(body, b"...").is_some();
            if b64 >= 64 && noise <= 2 && !dots && !low_variety(as_str(body)) {
                out.push((hs, end));
                next_free = end;
            }
        }
    }
}

/// `"type": "service_account"` with a non-empty `"private_key"` in the same JSON object: the
/// span is the private key's value.
fn service_account(text: &[u8], positions: &mut [usize], out: &mut Vec<(usize, usize)>) {
    const REACH: usize = 16 * 1024;
    positions.sort_unstable();
    let mut done_until = 0;
    for &p in positions.iter() {
        if p < done_until {
            continue;
        }
        // `"type"` then `:` then `"` straight before the keyword.
        let before = &text[p.saturating_sub(40)..p];
        let before = trim_end(before, b" \t\r\n\"");
        let before = before.strip_suffix(b":").unwrap_or(b"");
        let before = trim_end(before, b" \t\r\n");
        if !before.ends_with(b"\"type\"") {
            continue;
        }
        let lo = p.saturating_sub(REACH);
        let hi = (p + REACH).min(text.len());
        let Some(k) = memchr::memmem::find(&text[lo..hi], b"\"private_key\"") else {
            continue;
        };
        let mut i = lo + k + b"\"private_key\"".len();
        while i < hi && matches!(text[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        if i >= hi || text[i] != b':' {
            continue;
        }
        i += 1;
        while i < hi && matches!(text[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        if i >= hi || text[i] != b'"' {
            continue;
        }
        let vs = i + 1;
        let mut j = vs;
        while j < hi && text[j] != b'"' {
            j += if text[j] == b'\\' { 2 } else { 1 };
        }
        let ve = j.min(hi);
        // What earlier redaction left in place is not key material: count without it, so a
        // redacted key is not found again (a marker inserted into a real key leaves the key's
        // own material, which still counts).
        let unmarked = without_markers(&text[vs..ve]);
        let value = unmarked.as_slice();
        // A JSON string holding a PEM key: no raw newline, the PEM header, and key material.
        let b64 = value
            .iter()
            .filter(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b))
            .count();
        if b64 >= 64
            && memchr::memchr(b'\n', value).is_none()
            && memchr::memmem::find(value, b"PRIVATE KEY").is_some()
            && !low_variety(as_str(value))
            && memchr::memmem::find(value, b"...").is_none()
        {
            out.push((vs, ve));
            done_until = ve;
        }
    }
}

/// `b` with every `[hookguard: … redacted]` marker removed.
fn without_markers(b: &[u8]) -> Vec<u8> {
    let open = super::MARKER_OPEN.as_bytes();
    let close = super::MARKER_CLOSE.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut rest = b;
    while let Some(i) = memchr::memmem::find(rest, open) {
        out.extend_from_slice(&rest[..i]);
        match memchr::memmem::find(&rest[i..], close) {
            Some(j) => rest = &rest[i + j + close.len()..],
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    out.extend_from_slice(rest);
    out
}

fn trim_end<'a>(mut b: &'a [u8], set: &[u8]) -> &'a [u8] {
    while let Some((last, rest)) = b.split_last() {
        if set.contains(last) {
            b = rest;
        } else {
            break;
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_patterns_compile() {
        for rule in &RULES {
            if let Engine::Regex { pattern, group, .. } = &rule.engine {
                let re = build_regex(pattern, false).unwrap_or_else(|e| panic!("{}: {e}", rule.id));
                assert!(re.captures_len() > *group, "{}: group {group}", rule.id);
            }
            assert!(rule.id.starts_with("secrets."), "{}", rule.id);
            for kw in rule.keywords {
                assert_eq!(*kw, kw.to_ascii_lowercase(), "{}: keyword {kw}", rule.id);
            }
        }
        let _ = &PREFILTER.set;
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len(), "rule ids are unique");
    }

    #[test]
    fn every_builtin_keyword_is_found_in_any_case() {
        let keywords: Vec<&str> = RULES
            .iter()
            .flat_map(|r| r.keywords.iter().copied())
            .collect();
        let mut text = String::new();
        for kw in &keywords {
            text.push_str(&format!("x{kw}y {} {kw}{kw}\n", kw.to_ascii_uppercase()));
        }
        let mut found = Vec::new();
        PREFILTER
            .set
            .for_each_match(text.as_bytes(), |k, s| found.push((k, s)));
        let want = crate::scan::keywords::tests::reference(&keywords, text.as_bytes());
        assert!(want.len() >= 4 * keywords.len());
        found.sort_unstable();
        assert_eq!(found, want);
    }

    #[test]
    fn secret_names_table() {
        let cases = [
            ("CLIENT_SECRET", true),
            ("api_key", true),
            ("GITHUB_TOKEN", true),
            ("db_password", true),
            ("token_type", false),
            ("TOKEN_URL", false),
            ("secret_name", false),
            ("password_hash", false),
            ("tokenType", false),
            ("access_key_id", false),
        ];
        for (name, want) in cases {
            assert_eq!(secret_name_ok(name), want, "{name}");
        }
        for (name, want) in [
            ("NextToken", false),
            ("nextPageToken", false),
            ("ChangeToken", false),
            ("LifecycleActionToken", false),
            ("pagination_token", false),
            ("client_token", true),
            ("request_token", true),
            ("access_token", true),
            ("SessionToken", true),
        ] {
            assert_eq!(secret_name_ok(name), want, "{name}");
        }
    }

    #[test]
    fn timestamps_and_identifiers_are_not_values() {
        for v in [
            "2016-09-08T21:47:36Z",
            "2024-01-31",
            "2024-01-31 10:00:00+01:00",
        ] {
            assert!(is_timestamp(v), "{v}");
        }
        for v in ["20160908T21", "2016-09-08Tx", "8yhjStXnlEfhG1wUJ073"] {
            assert!(!is_timestamp(v), "{v}");
        }
        for v in [
            "x25519_check_private_key_bytes",
            "get_api_key_v2",
            "load_secret_from_env",
        ] {
            assert!(looks_like_identifier(v), "{v}");
        }
        for v in [
            "sk_live_8yhjStXnlEfhG1wUJ073",
            "a1b2_c3d4_e5f6_g7h8",
            "tok_abcdefghijklmnopqrstuvwx_y",
            "8yhjStXnlEfhG1wUJ073PIuiX7cdZfuTC4Dr5z8m",
            "dd0bdf4372ccbb92fc8958833439a004",
            "5RzOPT6LGDE7TT",
            "Tq8txbTCerE3",
            "ghp_XVG7E2OGXU1GrYldeWhWUaUWMOaVXsj9Kg3l",
        ] {
            assert!(!looks_like_identifier(v), "{v}");
        }
        // Random base64url values of every length the generic rule takes are almost never
        // identifiers: fewer than one in a thousand of 20,000 (a fixed-seed generator, so the
        // test is exact).
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut flagged = 0;
        for i in 0..20_000 {
            let len = 16 + i % 49;
            let v: String = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    alphabet[(state >> 33) as usize % alphabet.len()] as char
                })
                .collect();
            flagged += usize::from(looks_like_identifier(&v));
        }
        assert!(
            flagged < 20,
            "{flagged} of 20,000 random values look like identifiers"
        );
    }
}

#[cfg(test)]
mod marker_tests {
    use super::without_markers;

    #[test]
    fn markers_are_not_material_but_what_surrounds_them_is() {
        assert_eq!(
            without_markers(b"a[hookguard: AWS secret access key redacted]b"),
            b"ab".to_vec()
        );
        assert_eq!(
            without_markers(b"x[hookguard: open"),
            b"x[hookguard: open".to_vec()
        );
        let key = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
        let with = format!("{key}[hookguard: x redacted]{key}");
        assert_eq!(
            without_markers(with.as_bytes()),
            format!("{key}{key}").into_bytes()
        );
    }
}
