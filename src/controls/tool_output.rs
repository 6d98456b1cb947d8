//! C11, C12 and C2 after the fact (PostToolUse): redact what a tool returned before the model
//! sees it.
//!
//! ```text
//! tool_response ─► copy ─► Grep: lines from excluded files ─► every string: scan, redact
//!               ─► same shape, strings replaced ─► updatedToolOutput (updatedMCPToolOutput)
//!                                                  + additionalContext: what was withheld
//! ```
//!
//! Claude Code 2.1.330 replaces what the model receives only when the replacement has the
//! tool's exact output shape, and silently ignores it otherwise. So nothing is rebuilt: the
//! response is copied and each string in it is redacted in place, which keeps every field,
//! type and key the client sent (`interrupted`, `numLines`, fields this version does not know).
//! Object keys are left as they are.

use super::{Context, content, files};
use crate::event::{Event, ToolKind};
use crate::policy::Policy;
use crate::scan::{self, Scan};
use serde_json::Value;
use std::collections::HashMap;

/// What replaces a Grep line that comes from an excluded file, after its `path:line:` prefix.
pub const EXCLUDED_LINE: &str = "[hookguard: excluded file content redacted]";

/// Deepest nesting of a tool response that is walked.
const MAX_DEPTH: usize = 128;

/// One kind of thing withheld from the model, with how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withheld {
    /// `secrets.aws-access-key-id`, `content.personal-data.nhs-number`, `files.excluded`.
    pub rule: String,
    /// `AWS access key id`: never the value.
    pub what: String,
    pub count: usize,
}

/// A tool's output with what the model must not see taken out.
#[derive(Debug, Clone)]
pub struct Redaction {
    /// The tool response with the same shape, strings redacted.
    pub output: Value,
    /// An MCP tool: the client reads `updatedMCPToolOutput` instead of `updatedToolOutput`.
    pub mcp: bool,
    pub withheld: Vec<Withheld>,
}

impl Redaction {
    /// What the model is told (`additionalContext`): kinds and counts, never a value.
    pub fn context(&self, tool: &str) -> String {
        let list: Vec<String> = self
            .withheld
            .iter()
            .map(|w| format!("{} × {} ({})", w.count, w.what, w.rule))
            .collect();
        format!(
            "hookguard redacted this {tool} output before you received it: {}. Each was replaced by a `[hookguard: <kind> redacted]` marker; the rest of the output is intact. Credentials, personal data, classified material above this project's classification and the content of excluded files must never be put in front of the model (C2, C11, C12, PR-01, PR-05). Do not try to recover or reconstruct the values: where a credential is needed, read it at run time from an environment variable or the secret manager.",
            list.join(", ")
        )
    }

    /// Red flags for the audit record: `redacted:<rule>:<count>`.
    pub fn red_flags(&self) -> Vec<String> {
        self.withheld
            .iter()
            .map(|w| format!("redacted:{}:{}", w.rule, w.count))
            .collect()
    }
}

/// Whether PostToolUse output of this tool is redacted: every tool's but those of Write,
/// Edit, MultiEdit and NotebookEdit, which echo what the model itself wrote (already scanned
/// before the call), and Glob, which returns file names only. LSP results quote source code;
/// tools hookguard has no family for (AskUserQuestion's answers, Skill, SendMessage, task
/// tools, tools newer than this version) are covered too, in whatever shape they have: only
/// strings holding a finding change, so the shape is kept.
pub fn covers(kind: ToolKind) -> bool {
    !matches!(kind, ToolKind::Write | ToolKind::Glob)
}

/// The redacted output of a PostToolUse event, or `None` when nothing needs withholding.
pub fn redact(ev: &Event, policy: &Policy, ctx: &Context) -> Option<Redaction> {
    let kind = ToolKind::of(ev.tool());
    if !covers(kind) {
        return None;
    }
    let response = ev.tool_response.as_ref()?;
    if kind == ToolKind::Read && response.get("type").and_then(Value::as_str) == Some("image") {
        return None;
    }
    let excluded = (kind == ToolKind::Grep)
        .then(|| response.get("content").and_then(Value::as_str))
        .flatten()
        .and_then(|text| excluded_lines(text, policy, ctx));
    // What is withheld from one string of the output.
    let hits = |s: &str| {
        if s.is_empty() {
            Vec::new()
        } else {
            content::relevant(policy.scanner.scan(s, Scan::ALL), policy)
        }
    };
    // Almost every output has nothing to withhold: find that out on the borrowed output, so
    // that a large one is not copied for nothing. The hits of each string are kept, in the
    // order `walk` visits the strings, so that the rewrite scans nothing again (issue 16).
    let mut withheld: Vec<Withheld> = Vec::new();
    let mut found: Vec<Vec<scan::Hit>> = Vec::new();
    let mut output = match excluded {
        None => {
            each_string(response, &mut |s| found.push(hits(s)), 0);
            if found.iter().all(Vec::is_empty) {
                return None;
            }
            response.clone()
        }
        // Grep lines from excluded files go first; what is left of them is scanned.
        Some((new, n)) => {
            let mut output = response.clone();
            if let Some(Value::String(text)) = output.get_mut("content") {
                *text = new;
                note(
                    &mut withheld,
                    "files.excluded",
                    "line(s) from excluded files",
                    n,
                );
            }
            each_string(&output, &mut |s| found.push(hits(s)), 0);
            output
        }
    };
    let mut found = found.into_iter();
    walk(
        &mut output,
        &mut |s: &mut String| {
            let hits = found.next().unwrap_or_default();
            if hits.is_empty() {
                return;
            }
            for h in &hits {
                note(&mut withheld, &h.rule, &h.description, 1);
            }
            *s = policy.scanner.redact_fully(s, &hits, Scan::ALL);
        },
        0,
    );
    if withheld.is_empty() {
        return None;
    }
    // Most serious first: the first one names the audit record's rule.
    withheld.sort_by_key(|w| {
        if w.rule.starts_with("secrets.") {
            0
        } else if w.rule == "files.excluded" {
            1
        } else if w.rule.starts_with("content.personal-data") {
            2
        } else {
            3
        }
    });
    Some(Redaction {
        output,
        mcp: kind == ToolKind::Mcp,
        withheld,
    })
}

/// The output with every string withheld, for an output that could not be scanned in time:
/// the same shape (objects, arrays, numbers, booleans kept, so that the client takes it as the
/// tool's output), each string replaced by one marker. Only short identifier-like values of
/// `type` and `mode` stay (`"type": "text"`), as the shapes need them. Linear; scans nothing.
pub fn withhold_all(v: &Value) -> Value {
    const MARK: &str = "[hookguard: output withheld, not scanned in time]";
    fn keep(key: &str, s: &str) -> bool {
        matches!(key, "type" | "mode")
            && s.len() <= 32
            && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    }
    fn go(v: &Value, key: &str, depth: usize) -> Value {
        match v {
            _ if depth > MAX_DEPTH => Value::Null,
            Value::String(s) if keep(key, s) => Value::String(s.clone()),
            Value::String(s) if s.is_empty() => Value::String(String::new()),
            Value::String(_) => Value::String(MARK.into()),
            Value::Array(a) => Value::Array(a.iter().map(|x| go(x, "", depth + 1)).collect()),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, x)| (k.clone(), go(x, k, depth + 1)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    go(v, "", 0)
}

fn note(withheld: &mut Vec<Withheld>, rule: &str, what: &str, n: usize) {
    match withheld.iter_mut().find(|w| w.rule == rule) {
        Some(w) => w.count += n,
        None => withheld.push(Withheld {
            rule: rule.to_string(),
            what: what.to_string(),
            count: n,
        }),
    }
}

/// Every string of `v`, in place. Image data (`base64`) is skipped.
fn walk(v: &mut Value, f: &mut dyn FnMut(&mut String), depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter_mut().for_each(|x| walk(x, f, depth + 1)),
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if k != "base64" {
                    walk(x, f, depth + 1);
                }
            }
        }
        _ => {}
    }
}

/// `f` on every string [`walk`] would visit, in the same order.
fn each_string(v: &Value, f: &mut dyn FnMut(&str), depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| each_string(x, f, depth + 1)),
        Value::Object(o) => {
            for (k, x) in o {
                if k != "base64" {
                    each_string(x, f, depth + 1);
                }
            }
        }
        _ => {}
    }
}

/// C2 for Grep content output: lines whose `path:line:` (or `path-line-`, `path:`) prefix
/// names an excluded file keep the prefix and lose the text. Returns the new content and how
/// many lines went, or `None` when none did.
pub fn excluded_lines(content: &str, policy: &Policy, ctx: &Context) -> Option<(String, usize)> {
    let mut cache: HashMap<&str, bool> = HashMap::new();
    let mut out = String::with_capacity(content.len());
    let mut n = 0;
    for line in content.split_inclusive('\n') {
        match excluded_prefix(line, policy, ctx, &mut cache) {
            Some(end) => {
                out.push_str(&line[..end]);
                out.push_str(EXCLUDED_LINE);
                if line.ends_with('\n') {
                    out.push('\n');
                }
                n += 1;
            }
            None => out.push_str(line),
        }
    }
    (n > 0).then_some((out, n))
}

/// Where the text of a Grep output line starts, if its path prefix is an excluded file.
/// Candidates, in order: a separator followed by a line number and the same separator
/// (`path:12:`, `path-12-`; the first such is the path, so the search stops there), and the
/// first `:` (output without line numbers). Each distinct candidate is checked once.
fn excluded_prefix<'l>(
    line: &'l str,
    policy: &Policy,
    ctx: &Context,
    cache: &mut HashMap<&'l str, bool>,
) -> Option<usize> {
    let bytes = line.as_bytes();
    let limit = bytes.len().min(4096);
    let mut first_colon = true;
    for i in 1..limit {
        let sep = bytes[i];
        if sep != b':' && sep != b'-' {
            continue;
        }
        let digits = bytes[i + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let strong = digits > 0 && bytes.get(i + 1 + digits) == Some(&sep);
        let weak = sep == b':' && first_colon;
        if sep == b':' {
            first_colon = false;
        }
        if !strong && !weak {
            continue;
        }
        let cand = &line[..i];
        let excluded = *cache.entry(cand).or_insert_with(|| {
            let p = ctx.path(cand);
            p.forms().any(|f| files::excluded_by(f, policy).is_some())
        });
        if excluded {
            return Some(if strong { i + digits + 2 } else { i + 1 });
        }
        if strong {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::withhold_all;
    use serde_json::json;

    /// Past the deadline an output is withheld whole in the tool's own shape: every key, type
    /// and number kept, every string but short `type`/`mode` values replaced.
    #[test]
    fn withholding_keeps_the_shape_and_drops_every_string() {
        let read = json!({"type": "text", "file": {"filePath": "/p/.env", "content": "KEY=ghp_x",
            "numLines": 1, "startLine": 1, "totalLines": 1}});
        let bash =
            json!({"stdout": "secret", "stderr": "", "interrupted": false, "isImage": false});
        let mcp = json!([{"type": "text", "text": "secret"}, {"type": "Not A Type", "n": 2.5}]);
        for v in [read, bash, mcp] {
            let w = withhold_all(&v);
            let (a, b) = (v.to_string(), w.to_string());
            assert!(
                !b.contains("secret") && !b.contains("ghp_") && !b.contains("/p/.env"),
                "{b}"
            );
            // The same keys and non-string values, in the same places.
            fn skeleton(v: &serde_json::Value) -> serde_json::Value {
                match v {
                    serde_json::Value::String(_) => serde_json::Value::Null,
                    serde_json::Value::Array(a) => a.iter().map(skeleton).collect(),
                    serde_json::Value::Object(o) => {
                        o.iter().map(|(k, x)| (k.clone(), skeleton(x))).collect()
                    }
                    other => other.clone(),
                }
            }
            assert_eq!(skeleton(&v), skeleton(&w), "{a} → {b}");
        }
        let w = withhold_all(&json!({"type": "text", "mode": "content", "name": "text"}));
        assert_eq!(w["type"], "text");
        assert_eq!(w["mode"], "content");
        assert_ne!(w["name"], "text");
    }
}
