//! Custom rules from policy files: a tool (or all), a path glob, a regex on content or on the
//! (normalised) shell command, with their own decision, reason and control id.

use super::Context;
use crate::decision::{Finding, Judged};
use crate::event::{Event, ToolKind};
use crate::paths::glob_text;
use crate::policy::{Policy, Rule};

/// What a custom rule can look at in one event.
#[derive(Debug, Default)]
pub struct Subject<'a> {
    pub tool: &'a str,
    /// Normalised paths (both forms) the call touches.
    pub paths: Vec<String>,
    /// Written content, the prompt, or the tool input as JSON.
    pub content: Option<String>,
    /// The shell command, one normalised command per line.
    pub command: Option<String>,
    /// The host a WebFetch would reach.
    pub host: Option<String>,
}

impl<'a> Subject<'a> {
    /// The subject of a PreToolUse event.
    pub fn of_tool(ev: &'a Event, ctx: &Context) -> Subject<'a> {
        let tool = ev.tool();
        let kind = ToolKind::of(tool);
        let mut paths = Vec::new();
        let mut raws = super::path_fields(ev);
        if matches!(kind, ToolKind::Grep | ToolKind::Glob) && raws.is_empty() {
            raws.push("");
        }
        for raw in raws {
            let p = if raw.is_empty() {
                ctx.path(&ctx.cwd.to_string_lossy())
            } else {
                ctx.path(raw)
            };
            for f in p.forms() {
                paths.push(glob_text(f));
            }
        }
        let content = match kind {
            ToolKind::Write => Some(super::written_text(ev)),
            ToolKind::Shell => ev.input_str("command").map(str::to_string),
            _ => ev.tool_input.as_ref().map(|v| v.to_string()),
        };
        let command = match kind {
            ToolKind::Shell => ev.input_str("command").map(subcommands),
            _ => None,
        };
        let host = match kind {
            ToolKind::WebFetch => ev.input_str("url").and_then(super::production::url_host),
            _ => None,
        };
        Subject {
            tool,
            paths,
            content,
            command,
            host,
        }
    }
}

/// The simple commands of a command line, one per line, for rules that match "each subcommand":
/// split at `;`, `&&`, `||`, `|`, `&` and newlines outside quotes, with leading `VAR=value`
/// assignments and common wrappers (`sudo`, `env`, `timeout N`, `nice`, `nohup`, `time`,
/// `command`, `builtin`, `exec`, `xargs`, `stdbuf`) removed.
pub fn subcommands(command: &str) -> String {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, '\\') => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (None, ';' | '\n' | '|' | '&' | '(' | ')' | '`') => {
                if matches!(chars.peek(), Some('&' | '|')) {
                    chars.next();
                }
                parts.push(std::mem::take(&mut cur));
            }
            (None, c) => cur.push(c),
        }
    }
    parts.push(cur);
    parts
        .iter()
        .map(|p| strip_prefixes(p.trim()))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn strip_prefixes(cmd: &str) -> String {
    let mut words: Vec<&str> = cmd.split_whitespace().collect();
    loop {
        match words.first() {
            Some(w) if w.contains('=') && !w.starts_with('=') && !w.starts_with('-') => {
                words.remove(0);
            }
            Some(
                &("sudo" | "env" | "nice" | "nohup" | "time" | "command" | "builtin" | "exec"
                | "xargs" | "stdbuf"),
            ) => {
                words.remove(0);
                while words.first().is_some_and(|w| w.starts_with('-')) {
                    words.remove(0);
                }
            }
            Some(&"timeout") => {
                words.remove(0);
                while words.first().is_some_and(|w| w.starts_with('-')) {
                    words.remove(0);
                }
                if !words.is_empty() {
                    words.remove(0);
                }
            }
            _ => break,
        }
    }
    words.join(" ")
}

fn matches(rule: &Rule, s: &Subject, policy: &Policy) -> bool {
    if !rule.profiles.is_empty() && !rule.profiles.contains(&policy.profile) {
        return false;
    }
    if !rule.tools.is_empty()
        && !rule.tools.iter().any(|t| {
            t == s.tool || (t.contains('*') && crate::policy::pattern::wildcard(t, s.tool))
        })
    {
        return false;
    }
    if let Some(d) = &rule.domain
        && !s
            .host
            .as_deref()
            .is_some_and(|h| crate::policy::pattern::domain_matches(d, h))
    {
        return false;
    }
    if let Some(set) = &rule.path
        && !s.paths.iter().any(|p| !set.matches(p).is_empty())
    {
        return false;
    }
    if let Some(re) = &rule.content
        && !s.content.as_deref().is_some_and(|c| re.is_match(c))
    {
        return false;
    }
    if let Some(re) = &rule.command
        && !s.command.as_deref().is_some_and(|c| re.is_match(c))
    {
        return false;
    }
    true
}

/// The custom rules that match, each with its own decision.
pub fn check(s: &Subject, policy: &Policy) -> Vec<Judged> {
    policy
        .rules
        .iter()
        .filter(|r| matches(r, s, policy))
        .map(|r| Judged {
            finding: Finding {
                rule: r.id.clone(),
                control: "policy",
                reason: format!("{} ({}, rule `{}`)", r.reason, r.control, r.id),
                subject: s
                    .paths
                    .first()
                    .cloned()
                    .unwrap_or_else(|| s.tool.to_string()),
            },
            control: r.control.clone(),
            verdict: r.decision,
            key: r.id.clone(),
            source: r.source.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::subcommands;

    #[test]
    fn subcommands_split_and_unwrap() {
        assert_eq!(
            subcommands("git status && rm -rf x"),
            "git status\nrm -rf x"
        );
        assert_eq!(
            subcommands("FOO=1 timeout 5 terraform apply | tee log"),
            "terraform apply\ntee log"
        );
        assert_eq!(
            subcommands("echo 'a && b'; sudo -E make install"),
            "echo 'a && b'\nmake install"
        );
        assert_eq!(subcommands("(cd x; npm test)"), "cd x\nnpm test");
    }
}
