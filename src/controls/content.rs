//! C11 and C12 (and the secret half of C13): the content scanners on every text a call or a
//! prompt would put in front of the model or into a file.
//!
//! ```text
//! event ─► texts (the content of every write effect: Write content, Edit new_string, a Bash
//!           heredoc or echo into a file; the command, URL, query, MCP strings, prompt)
//!       ─► Scanner::scan ─► hits the policy cares about ─► Finding per rule ─► decide
//! ```
//!
//! Which hits count ([`relevant`]) is shared with the PostToolUse redaction in
//! [`super::tool_output`]: secrets and personal data always, markings only above the project's
//! declared classification, and nothing whose rule a trusted layer disabled or set below ask.

use super::Context;
use super::claude_md;
use crate::decision::{Finding, Verdict};
use crate::effects::Effects;
use crate::event::{Event, ToolKind};
use crate::policy::{Lookup, Policy};
use crate::scan::{self, Category, Hit, Scan};
use serde_json::Value;
use std::borrow::Cow;

/// Largest file an Edit is replayed against to catch a secret split across the edit boundary;
/// larger files are checked on `new_string` alone.
const MAX_REPLAY_BYTES: u64 = 8 * 1024 * 1024;

/// Deepest nesting of an MCP input that is walked (a JSON document deeper than this is cut
/// off by serde's own recursion limit long before).
const MAX_DEPTH: usize = 128;

/// One text an event carries, and where it came from (for the reason).
#[derive(Debug)]
pub struct Text<'a> {
    /// `the Write content`, `the MCP input field `query.token``: never the value.
    pub where_: String,
    pub text: Cow<'a, str>,
    /// Only hits overlapping this byte range count (a replayed Edit: the edited part), and the
    /// line numbers start at `first_line`.
    pub focus: Option<(usize, usize)>,
    pub first_line: usize,
    /// The memory file (CLAUDE.md…) the text is written into, as shown: a secret in it is
    /// `claude-md.secret` (C13).
    pub memory: Option<String>,
}

impl<'a> Text<'a> {
    fn new(where_: impl Into<String>, text: impl Into<Cow<'a, str>>) -> Text<'a> {
        Text {
            where_: where_.into(),
            text: text.into(),
            focus: None,
            first_line: 1,
            memory: None,
        }
    }
}

/// The hits of `hits` that this policy acts on: markings above the declared classification,
/// and rules whose verdict is at least ask (a trusted layer may disable or lower a rule).
pub fn relevant(hits: Vec<Hit>, policy: &Policy) -> Vec<Hit> {
    hits.into_iter()
        .filter(|h| match h.kind {
            Category::Marking(level) => level > policy.classification,
            _ => true,
        })
        .filter(|h| match policy.lookup(&h.rule) {
            Lookup::Disabled(_) => false,
            Lookup::Verdict { verdict, .. } => verdict >= Verdict::Ask,
        })
        .collect()
}

/// The texts of a PreToolUse event that the scanners read. What a call writes into files is
/// read from its write effects (ADR 0014), so a heredoc written by Bash is scanned as the
/// Write tool's `content` is.
pub fn tool_texts<'e>(ev: &'e Event, ctx: &Context, effects: &'e Effects) -> Vec<Text<'e>> {
    let tool = ev.tool();
    let mut out = Vec::new();
    let Some(input) = ev.tool_input.as_ref() else {
        return out;
    };
    let field = |k: &str| input.get(k).and_then(Value::as_str);
    let kind = ToolKind::of(tool);
    if kind == ToolKind::Shell
        && let Some(s) = field("command")
    {
        out.push(Text::new(format!("the {tool} command"), s));
    }
    // The same text written to two paths (a Write naming two path fields) is read once.
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for e in &effects.effects {
        let memory = claude_md::is_memory_file(&e.path).then(|| e.path.display());
        for c in &e.content {
            if seen.contains(&(c.from.as_str(), c.text.as_str())) {
                continue;
            }
            seen.push((c.from.as_str(), c.text.as_str()));
            let mut t = Text::new(c.from.clone(), c.text.as_str());
            t.memory = memory.clone();
            out.push(t);
        }
    }
    match kind {
        ToolKind::Write => {
            if let Some(mut t) = replayed_edit(ev, ctx) {
                t.memory = effects
                    .effects
                    .iter()
                    .find(|e| claude_md::is_memory_file(&e.path))
                    .map(|e| e.path.display());
                out.push(t);
            }
        }
        ToolKind::WebFetch => {
            for key in ["url", "prompt"] {
                if let Some(s) = field(key) {
                    out.push(Text::new(format!("the WebFetch `{key}`"), s));
                }
            }
        }
        ToolKind::WebSearch => {
            if let Some(s) = field("query") {
                out.push(Text::new("the WebSearch query", s));
            }
        }
        ToolKind::Agent => {
            for key in ["prompt", "description"] {
                if let Some(s) = field(key) {
                    out.push(Text::new(format!("the {tool} `{key}`"), s));
                }
            }
        }
        ToolKind::Mcp => {
            let mut strings = Vec::new();
            json_strings(input, String::new(), &mut strings, 0);
            for (path, s) in strings {
                out.push(Text::new(format!("the MCP input field `{path}`"), s));
            }
        }
        ToolKind::Shell
        | ToolKind::Read
        | ToolKind::Grep
        | ToolKind::Glob
        | ToolKind::Lsp
        | ToolKind::Other => {}
    }
    out
}

/// Every string of a JSON value, keys included, with a dotted path to it.
pub fn json_strings<'v>(
    v: &'v Value,
    path: String,
    out: &mut Vec<(String, &'v str)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    // A key names the path only when it looks like a name: a key can be a value too.
    let join = |k: &str| {
        let k = if k.len() <= 40
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            k
        } else {
            "…"
        };
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::String(s) => out.push((
            if path.is_empty() {
                "(input)".into()
            } else {
                path
            },
            s,
        )),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                json_strings(x, join(&i.to_string()), out, depth + 1);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                // A key can carry a value too (`{"<token>": true}`).
                out.push((format!("{} (a key)", join(k)), k.as_str()));
                json_strings(x, join(k), out, depth + 1);
            }
        }
        _ => {}
    }
}

/// An Edit replayed against the file on disk: the lines around the edit as they would read
/// afterwards, so that a secret written in two halves (one already in the file, one in
/// `new_string`) is seen whole. Only hits that touch the new text count.
fn replayed_edit<'e>(ev: &'e Event, ctx: &Context) -> Option<Text<'e>> {
    if ev.tool() != "Edit" {
        return None;
    }
    let path = ev.input_str("file_path")?;
    let old = ev.input_str("old_string")?;
    let new = ev.input_str("new_string")?;
    if old.is_empty() {
        return None;
    }
    let p = ctx.path(path);
    let file =
        String::from_utf8(crate::input::read_file(&p.lexical, MAX_REPLAY_BYTES).ok()?).ok()?;
    let at = file.find(old)?;
    // From the start of the line before the edit to the end of the line after it.
    let before = &file[..at];
    let start = before
        .trim_end_matches(|c| c != '\n')
        .trim_end_matches('\n')
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let rest = &file[at + old.len()..];
    let mut end_rel = 0;
    for _ in 0..2 {
        match rest[end_rel..].find('\n') {
            Some(i) => end_rel += i + 1,
            None => {
                end_rel = rest.len();
                break;
            }
        }
    }
    let window = format!("{}{new}{}", &file[start..at], &rest[..end_rel]);
    let focus = (at - start, at - start + new.len());
    Some(Text {
        where_: format!("`{path}` as this Edit would leave it"),
        text: Cow::Owned(window),
        focus: Some(focus),
        first_line: 1 + memchr::memchr_iter(b'\n', &file.as_bytes()[..start]).count(),
        memory: None,
    })
}

/// Scans `texts` and reports one finding per rule (the first place it occurs), in the order
/// the texts were given. `refused` opens each reason: `Write was refused`, `this prompt was
/// not sent to the model`. In a memory file ([`Text::memory`]) a secret is `claude-md.secret`
/// (C13).
pub fn check(texts: &[Text<'_>], refused: &str, policy: &Policy, out: &mut Vec<Finding>) {
    let mut seen: Vec<String> = Vec::new();
    for t in texts {
        if t.text.is_empty() {
            continue;
        }
        let hits = relevant(policy.scanner.scan(&t.text, Scan::ALL), policy);
        for mut hit in hits {
            if let Some((s, e)) = t.focus
                && (hit.end <= s || hit.start >= e)
            {
                continue;
            }
            hit.line += t.first_line - 1;
            let mut f = scan::hit_to_finding(&hit, &t.where_);
            if let (Category::Secret, Some(file)) = (hit.kind, t.memory.as_deref()) {
                f.rule = claude_md::SECRET_RULE.to_string();
                f.control = "PR-08";
                f.reason = format!(
                    "{refused}: {file} is a memory file the model reads at the start of every session, and must never hold a secret (C13, PR-08). {}",
                    f.reason
                );
            } else {
                let controls = match hit.kind {
                    Category::Secret => "C11, P-03, PR-01",
                    _ => "C12, PR-01",
                };
                f.reason = format!("{refused}: {} ({controls})", f.reason);
            }
            if seen.contains(&f.rule) {
                continue;
            }
            seen.push(f.rule.clone());
            out.push(f);
        }
    }
}

/// C11, C12, C13 for a PreToolUse event.
pub fn pre_tool_use(
    ev: &Event,
    policy: &Policy,
    ctx: &Context,
    effects: &Effects,
    out: &mut Vec<Finding>,
) {
    let texts = tool_texts(ev, ctx, effects);
    if texts.is_empty() {
        // Nothing to scan: nothing compiled (a Read, a Glob).
        return;
    }
    let refused = format!("{} was refused", ev.tool());
    check(&texts, &refused, policy, out);
}

/// C11, C12 for a prompt (UserPromptSubmit).
pub fn prompt(ev: &Event, policy: &Policy, out: &mut Vec<Finding>) {
    let Some(p) = ev.prompt.as_deref() else {
        return;
    };
    // A background subagent's report reaches the main conversation as a prompt of its own
    // (`<task-notification>…`): say so, since no person wrote it.
    let (what, refused) = if p.trim_start().starts_with("<task-notification>") {
        (
            "the background agent's report",
            "a background agent's report was not passed to the model",
        )
    } else {
        ("the prompt", "this prompt was not sent to the model")
    };
    check(&[Text::new(what, p)], refused, policy, out);
}
