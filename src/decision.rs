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

/// A finding with the verdict the policy gave it and where that verdict was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub finding: Finding,
    pub verdict: Verdict,
    /// The guidance control (a custom rule's own, or the finding's).
    pub control: String,
    /// The decision-table key or custom rule id that gave the verdict.
    pub key: String,
    /// The layer and file that gave it.
    pub source: String,
}

/// The answer for one event, with the trail that led to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    /// The winning rule, when any rule fired.
    pub rule: Option<String>,
    pub control: Option<String>,
    /// For the model (deny) or the person (ask): what, why, what instead.
    pub reason: String,
    pub subject: Option<String>,
    /// Every finding, judged, most severe first; disabled ones are left out.
    pub trail: Vec<Judged>,
    /// C18 turned an `ask` into this decision because nobody can answer.
    pub converted_from_ask: bool,
}

impl Decision {
    /// No rule fired.
    pub fn defer() -> Decision {
        Decision {
            verdict: Verdict::Defer,
            rule: None,
            control: None,
            reason: String::new(),
            subject: None,
            trail: Vec::new(),
            converted_from_ask: false,
        }
    }

    /// A refusal that no rule produced: unusable input, a policy that does not load, an audit
    /// record that cannot be written, a panic. Failure is a decision, and it is deny.
    pub fn failure(rule: &str, reason: String) -> Decision {
        Decision {
            verdict: Verdict::Deny,
            rule: Some(rule.to_string()),
            control: Some("PR-06".to_string()),
            reason,
            subject: None,
            trail: Vec::new(),
            converted_from_ask: false,
        }
    }
}

/// Why nobody can answer a prompt, if that is so (C18).
pub fn nobody_to_ask(
    profile: crate::classification::Profile,
    permission_mode: Option<&str>,
    headless: bool,
) -> Option<&'static str> {
    if profile == crate::classification::Profile::Ci {
        Some("the ci profile runs without a person")
    } else if permission_mode == Some("dontAsk") {
        Some("the permission mode is dontAsk")
    } else if headless {
        Some("this is a headless run (CLAUDE_CODE_ENTRYPOINT sdk-*)")
    } else {
        None
    }
}

/// Judges built-in findings against the policy, adds custom rule verdicts, and picks the most
/// severe. Ties go to a custom rule, then to the first finding (controls report the most
/// specific first).
pub fn decide(
    findings: Vec<Finding>,
    custom: Vec<Judged>,
    policy: &crate::policy::Policy,
    nobody: Option<&str>,
) -> Decision {
    use crate::policy::Lookup;
    // Rules a policy author wrote come first, so where verdicts tie their reason explains.
    let mut trail: Vec<Judged> = custom;
    trail.extend(
        findings
            .into_iter()
            .filter_map(|f| match policy.lookup(&f.rule) {
                Lookup::Disabled(_) => None,
                Lookup::Verdict {
                    verdict,
                    key,
                    source,
                } => Some(Judged {
                    control: f.control.to_string(),
                    finding: f,
                    verdict,
                    key,
                    source: source.to_string(),
                }),
            }),
    );
    // Stable sort: most severe first, report order kept within a verdict.
    trail.sort_by_key(|j| std::cmp::Reverse(j.verdict));
    let Some(top) = trail.first().filter(|j| j.verdict > Verdict::Defer) else {
        return Decision {
            trail,
            ..Decision::defer()
        };
    };
    let mut verdict = top.verdict;
    let same: Vec<&Judged> = trail.iter().filter(|j| j.verdict == verdict).collect();
    let mut reason = same[0].finding.reason.clone();
    if same.len() > 1 {
        let others: Vec<String> = same[1..]
            .iter()
            .take(3)
            .map(|j| format!("`{}`", j.finding.rule))
            .collect();
        reason.push_str(&format!(" Also: {}.", others.join(", ")));
    }
    let mut converted = false;
    if verdict == Verdict::Ask
        && policy.ask_without_person == Verdict::Deny
        && let Some(why) = nobody
    {
        verdict = Verdict::Deny;
        converted = true;
        reason.push_str(&format!(
            " This would need a person's approval, but {why}, so hookguard refuses instead of asking (C18)."
        ));
    }
    if verdict == Verdict::Ask {
        // An ask goes to the person, not the model: say what needs their approval.
        reason = reason.replacen(" was refused: ", " needs your approval: ", 1);
    }
    Decision {
        verdict,
        rule: Some(top.finding.rule.clone()),
        control: Some(top.control.clone()),
        reason,
        subject: Some(top.finding.subject.clone()),
        converted_from_ask: converted,
        trail,
    }
}
