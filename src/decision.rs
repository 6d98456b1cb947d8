//! Verdicts and decisions: what a control concludes about one event, with its provenance.
//!
//! Every control produces [`Finding`]s (a rule id, a control id, a reason for the model); the
//! active profile maps each rule id to a [`Verdict`]; the most severe verdict wins and becomes
//! the [`Decision`] that `output` prints and `audit` records.

use std::fmt;

/// What hookguard answers, least severe first so that `max` picks the winner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// No opinion: empty stdout, Claude Code's own permission flow applies.
    Defer,
    /// Skip the person's prompt. Only explicit allow rules in trusted layers produce it.
    Allow,
    /// Ask the person (turned into deny where nobody can answer, C18).
    Ask,
    /// Refuse the call.
    Deny,
}

impl Verdict {
    /// The name used in policies, audit records and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Defer => "defer",
            Verdict::Allow => "allow",
            Verdict::Ask => "ask",
            Verdict::Deny => "deny",
        }
    }

    /// Parses a policy's spelling of a verdict.
    pub fn parse(s: &str) -> Option<Verdict> {
        match s {
            "defer" => Some(Verdict::Defer),
            "allow" => Some(Verdict::Allow),
            "ask" => Some(Verdict::Ask),
            "deny" => Some(Verdict::Deny),
            _ => None,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Verdict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Verdict::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown decision `{s}`, expected one of `deny`, `ask`, `allow`, `defer`"
            ))
        })
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing a control noticed about an event, before the profile gives it a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable rule id, dotted (`files.excluded`, `shell.privileged.sudo`). The profile's verdict
    /// for a rule is looked up by the longest matching dotted prefix.
    pub rule: String,
    /// The guidance control it enforces (`PR-05`, `P-01`, `SEGAS-00020`).
    pub control: &'static str,
    /// For the model: what was refused, why, and what to do instead. Never holds a secret.
    pub reason: String,
    /// What the finding is about (a path, a command word, a host), secrets redacted.
    pub subject: String,
}

impl Finding {
    pub fn new(
        rule: impl Into<String>,
        control: &'static str,
        subject: impl Into<String>,
        reason: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: rule.into(),
            control,
            reason: reason.into(),
            subject: subject.into(),
        }
    }
}
