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
//!
//! This file holds the rule table and the checks its regex rules run on a match; beside it,
//! `engine` (keyword search and running the rules), `generic` (generic-assignment heuristics)
//! and `blocks` (the multi-line detectors).

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

mod blocks;
mod engine;
mod generic;

use blocks::{private_key, service_account};
pub(crate) use engine::{Pieces, scan};
use generic::generic_assignment;

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
