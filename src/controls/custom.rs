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
    /// For shell tools: the files the command reads and writes (both path forms), so rules
    /// written for the file tools (`Read(./secrets/**)`, `tool = "Edit"`) hold for `cat` and
    /// `>` too.
    pub reads: Vec<String>,
    pub writes: Vec<String>,
}

impl<'a> Subject<'a> {
    /// The subject of a PreToolUse event.
    pub fn of_tool(
        ev: &'a Event,
        ctx: &Context,
        shell: Option<&crate::shell::ShellReport>,
        effects: &crate::effects::Effects,
        policy: &Policy,
    ) -> Subject<'a> {
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
        // Only a rule with a `content` pattern reads it: without one, a 1 MB Write is not
        // copied (nor an MCP input serialised) for nothing.
        let content = if policy.rules.iter().any(|r| r.content.is_some()) {
            match kind {
                ToolKind::Write => Some(super::written_text(ev)),
                // The command, then the text it writes into files (a heredoc, `echo >`): a
                // content rule holds for what lands in a file whichever tool puts it there.
                ToolKind::Shell => ev.input_str("command").map(|c| {
                    let mut t = c.to_string();
                    for w in effects.effects.iter().flat_map(|e| &e.content) {
                        t.push('\n');
                        t.push_str(&w.text);
                    }
                    t
                }),
                _ => ev.tool_input.as_ref().map(|v| v.to_string()),
            }
        } else {
            None
        };
        let command = shell.map(super::shellcmd::subcommand_lines);
        let (reads, writes) = if kind == ToolKind::Shell {
            effect_paths(effects)
        } else {
            Default::default()
        };
        if kind == ToolKind::Shell {
            paths.extend(reads.iter().chain(&writes).cloned());
        }
        let host = match kind {
            ToolKind::WebFetch => ev.input_str("url").and_then(crate::url::host),
            _ => None,
        };
        Subject {
            tool,
            paths,
            content,
            command,
            host,
            reads,
            writes,
        }
    }
}

/// The paths the call's effects read and change (both forms of each), so that rules written
/// for the file tools hold for every spelling of the same effect.
fn effect_paths(effects: &crate::effects::Effects) -> (Vec<String>, Vec<String>) {
    let (mut reads, mut writes) = (Vec::new(), Vec::new());
    for e in &effects.effects {
        // A link's source is read, not written (`ln -s /usr/bin/python3 venv/python`).
        let target = if e.op.mutates() && e.op != crate::effects::Op::Link {
            &mut writes
        } else {
            &mut reads
        };
        for f in e.path.forms() {
            let f = glob_text(f);
            if !target.contains(&f) {
                target.push(f);
            }
        }
    }
    (reads, writes)
}

fn matches(rule: &Rule, s: &Subject, policy: &Policy) -> bool {
    if !rule.profiles.is_empty() && !rule.profiles.contains(&policy.profile) {
        return false;
    }
    let named = rule.tools.is_empty()
        || rule.tools.iter().any(|t| {
            t == s.tool || (t.contains('*') && crate::policy::pattern::wildcard(t, s.tool))
        });
    // A path rule for the file tools also holds for a shell command that reads or writes the
    // same files: `Read(./secrets/**)` refuses `cat secrets/x`, `Edit(...)` refuses `> x`.
    let mut shell_paths: Vec<&String> = Vec::new();
    if !named {
        if rule.path.is_none() || ToolKind::of(s.tool) != ToolKind::Shell {
            return false;
        }
        let has = |set: &[&str]| rule.tools.iter().any(|t| set.contains(&t.as_str()));
        if has(crate::policy::claude_rules::READ_TOOLS) {
            shell_paths.extend(&s.reads);
        }
        if has(crate::policy::claude_rules::EDIT_TOOLS) {
            shell_paths.extend(&s.writes);
        }
        if shell_paths.is_empty() {
            return false;
        }
    }
    if let Some(d) = &rule.domain
        && !s
            .host
            .as_deref()
            .is_some_and(|h| crate::policy::pattern::domain_matches(d, h))
    {
        return false;
    }
    if let Some(set) = &rule.path {
        let hit = if named {
            s.paths.iter().any(|p| !set.matches(p).is_empty())
        } else {
            shell_paths.iter().any(|p| !set.matches(p).is_empty())
        };
        if !hit {
            return false;
        }
    }
    let fail_closed = rule.decision != crate::decision::Verdict::Allow;
    if let Some(re) = &rule.content
        && !s
            .content
            .as_deref()
            .is_some_and(|c| re.is_match_or(c, fail_closed))
    {
        return false;
    }
    if let Some(re) = &rule.command
        && !s
            .command
            .as_deref()
            .is_some_and(|c| re.is_match_or(c, fail_closed))
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
