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
        // An MCP input's strings are walked by [`check_json`] instead: a label for each of
        // hundreds of thousands of fields would cost more memory than the text itself.
        ToolKind::Mcp => {}
        ToolKind::Shell
        | ToolKind::Read
        | ToolKind::Grep
        | ToolKind::Glob
        | ToolKind::Lsp
        | ToolKind::Other => {}
    }
    out
}

/// One step of the path to a string in a JSON value: borrowed, so that walking an input
/// builds no label until a finding needs one.
#[derive(Debug, Clone, Copy)]
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

/// The dotted path `steps` names (`rows.3.text`). A key names the path only when it looks like
/// a name: a key can be a value too, and is shown as `…` otherwise.
fn json_path(steps: &[Step<'_>]) -> String {
    let mut out = String::new();
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        match step {
            Step::Key(k)
                if k.len() <= 40
                    && k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
            {
                out.push_str(k)
            }
            Step::Key(_) => out.push('…'),
            Step::Index(n) => out.push_str(&n.to_string()),
        }
    }
    out
}

/// Calls `f` on every string of a JSON value, keys included (a key can carry a value too:
/// `{"<token>": true}`), in document order, with the path to it and whether it is a key.
fn json_strings<'v>(
    v: &'v Value,
    path: &mut Vec<Step<'v>>,
    depth: usize,
    f: &mut dyn FnMut(&'v str, &[Step<'v>], bool),
) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::String(s) => f(s, path, false),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(Step::Index(i));
                json_strings(x, path, depth + 1, f);
                path.pop();
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                path.push(Step::Key(k));
                f(k, path, true);
                json_strings(x, path, depth + 1, f);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The label of a string of an MCP input, as a reason names it (never the value).
fn mcp_label(steps: &[Step<'_>], key: bool) -> String {
    match (steps.is_empty(), key) {
        (true, _) => "the MCP input field `(input)`".to_string(),
        (false, false) => format!("the MCP input field `{}`", json_path(steps)),
        (false, true) => format!("the MCP input field `{} (a key)`", json_path(steps)),
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
    let mut checker = Checker {
        refused,
        policy,
        seen: Vec::new(),
        out,
    };
    for t in texts {
        checker.text(&t.text, t.focus, t.first_line, t.memory.as_deref(), || {
            t.where_.clone()
        });
    }
}

/// What [`check`] carries from one text to the next: the rules already reported.
struct Checker<'c> {
    refused: &'c str,
    policy: &'c Policy,
    seen: Vec<String>,
    out: &'c mut Vec<Finding>,
}

impl Checker<'_> {
    /// Scans one text; `where_` is called only when a hit needs the label.
    fn text(
        &mut self,
        text: &str,
        focus: Option<(usize, usize)>,
        first_line: usize,
        memory: Option<&str>,
        where_: impl FnOnce() -> String,
    ) {
        if text.is_empty() {
            return;
        }
        let hits = relevant(self.policy.scanner.scan(text, Scan::ALL), self.policy);
        if hits.is_empty() {
            return;
        }
        let where_ = where_();
        let refused = self.refused;
        for mut hit in hits {
            if let Some((s, e)) = focus
                && (hit.end <= s || hit.start >= e)
            {
                continue;
            }
            hit.line += first_line - 1;
            let mut f = scan::hit_to_finding(&hit, &where_);
            if let (Category::Secret, Some(file)) = (hit.kind, memory) {
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
            if self.seen.contains(&f.rule) {
                continue;
            }
            self.seen.push(f.rule.clone());
            self.out.push(f);
        }
    }
}

/// C11, C12 for an MCP input: every string of it, keys included, scanned where it lies in the
/// parsed input; the field's label is built only for a string with a finding.
fn check_json(input: &Value, refused: &str, policy: &Policy, out: &mut Vec<Finding>) {
    let mut checker = Checker {
        refused,
        policy,
        seen: Vec::new(),
        out,
    };
    let mut path = Vec::new();
    json_strings(input, &mut path, 0, &mut |s, steps, key| {
        checker.text(s, None, 1, None, || mcp_label(steps, key));
    });
}

/// C11, C12, C13 for a PreToolUse event.
pub fn pre_tool_use(
    ev: &Event,
    policy: &Policy,
    ctx: &Context,
    effects: &Effects,
    out: &mut Vec<Finding>,
) {
    if ToolKind::of(ev.tool()) == ToolKind::Mcp {
        if let Some(input) = ev.tool_input.as_ref() {
            check_json(input, &format!("{} was refused", ev.tool()), policy, out);
        }
        return;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(input: &Value) -> Vec<Finding> {
        let policy = crate::policy::merge(&[], None, None).unwrap();
        let mut out = Vec::new();
        check_json(input, "mcp__db__put was refused", &policy, &mut out);
        out
    }

    /// The label is built only for a string with a finding, and names the path to it as the
    /// list of every field's label did.
    #[test]
    fn an_mcp_finding_names_the_field_it_is_in() {
        let key = "AKIAZ3MTQ5LYXW4BN7KD";
        let input = serde_json::json!({
            "rows": [{"id": 1, "note": "fine"}, {"auth": {"token": key}}],
            "a key, not a name": "x",
        });
        let out = findings(&input);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(
            out[0]
                .reason
                .starts_with("mcp__db__put was refused: the MCP input field `rows.1.auth.token` contains a secret"),
            "{}",
            out[0].reason
        );
        let out = findings(&serde_json::json!({"ok": {"a key, not a name": {"x": [key]}}}));
        assert!(
            out[0].reason.contains("the MCP input field `ok.….x.0`"),
            "{}",
            out[0].reason
        );
        let out = findings(&serde_json::json!(key));
        assert!(out[0].reason.contains("the MCP input field `(input)`"));
        let out = findings(&serde_json::json!({"ok": {format!("{key}/"): true}}));
        assert!(
            out[0].reason.contains("the MCP input field `ok.… (a key)`"),
            "{}",
            out[0].reason
        );
    }
}
