//! Errors from loading user-supplied scanner rules (a gitleaks-format TOML file).
//!
//! Scanning itself cannot fail: every built-in pattern is compiled in a test, and a scan of any
//! UTF-8 text returns hits. Only a user's rule file can be wrong, and then the caller must fail
//! closed (the policy does not load). Messages follow the house style (lowercase, no final
//! period, user input in backticks, location first) and never quote scanned content.

use thiserror::Error;

/// Why a gitleaks-format rule file could not be loaded.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScanError {
    /// The file is not valid TOML, or a field has the wrong type.
    #[error("gitleaks rules:{line}: {message}")]
    Toml { line: usize, message: String },
    /// A `[[rules]]` entry lacks a field that every rule needs.
    #[error("gitleaks rules: rule {index}: missing `{field}`")]
    MissingField { index: usize, field: &'static str },
    /// A rule id that would not make a stable dotted rule id.
    #[error(
        "gitleaks rules: rule {index}: id `{id}` must be 1 to 64 letters, digits, `-`, `_` or `.`"
    )]
    BadId { index: usize, id: String },
    /// Two rules share an id.
    #[error("gitleaks rules: rule `{id}`: id used twice")]
    DuplicateId { id: String },
    /// A rule's `regex` (or an allowlist regex) does not compile or is too large.
    #[error("gitleaks rules: rule `{id}`: {what} does not compile: {message}")]
    Regex {
        id: String,
        what: &'static str,
        message: String,
    },
    /// `secretGroup` names a capture group the regex does not have.
    #[error("gitleaks rules: rule `{id}`: secretGroup {group} but the regex has {groups} groups")]
    SecretGroup {
        id: String,
        group: usize,
        groups: usize,
    },
    /// `entropy` outside what Shannon entropy over bytes can be.
    #[error("gitleaks rules: rule `{id}`: entropy {value} is not between 0 and 8")]
    Entropy { id: String, value: f64 },
}
