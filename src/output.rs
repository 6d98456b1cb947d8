//! Decision → Claude Code's JSON: the only place that decides what goes to stdout.
//!
//! Each answer is exactly one JSON object on one line, with `hookEventName` always set (a
//! missing or wrong one makes the client ignore the decision, failing open). "No opinion" is
//! empty stdout.

use crate::decision::{Decision, Verdict};
use serde_json::json;

/// Every reason the model or the person reads starts with this, so they know who refused.
pub const PREFIX: &str = "hookguard: ";

/// The PreToolUse answer: `None` for defer.
pub fn pre_tool_use(d: &Decision) -> Option<String> {
    if d.verdict == Verdict::Defer {
        return None;
    }
    Some(pre_tool_use_json(d.verdict, &d.reason))
}

pub fn pre_tool_use_json(verdict: Verdict, reason: &str) -> String {
    json!({
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": verdict.as_str(),
            "permissionDecisionReason": format!("{PREFIX}{reason}"),
        }
    })
    .to_string()
}

/// The answer that blocks a prompt or a configuration change.
pub fn block(reason: &str) -> String {
    json!({"decision": "block", "reason": format!("{PREFIX}{reason}")}).to_string()
}

/// The PostToolUse answer that replaces what the model receives: `output` has the tool's own
/// output shape (`updatedMCPToolOutput` for MCP tools), and `context` says what was withheld.
pub fn post_tool_use_redacted(output: serde_json::Value, mcp: bool, context: &str) -> String {
    let key = if mcp {
        "updatedMCPToolOutput"
    } else {
        "updatedToolOutput"
    };
    let mut specific = serde_json::Map::new();
    specific.insert("hookEventName".into(), "PostToolUse".into());
    specific.insert(key.into(), output);
    specific.insert("additionalContext".into(), context.into());
    json!({ "hookSpecificOutput": specific }).to_string()
}

/// Writes the hook's answer (`stdout`, then `stderr`) and returns the exit code to use.
///
/// An answer that cannot be delivered on stdout (a broken pipe, a full disk, a stdout that was
/// closed, which the Rust runtime reopens on `/dev/null`) is a refusal: the exit code becomes
/// 2, which the client treats as a block whatever stdout held, and the reason goes to stderr.
pub fn emit(stdout: Option<&str>, stderr: Option<&str>, code: i32) -> u8 {
    use std::io::Write;
    let mut code = code;
    let mut stderr = stderr.map(str::to_string);
    if let Some(out) = stdout {
        let written = !stdout_is_discarded() && {
            let mut s = std::io::stdout().lock();
            writeln!(s, "{out}").and_then(|()| s.flush()).is_ok()
        };
        if !written {
            code = 2;
            let why = "the decision could not be written to stdout, so hookguard refuses the call with exit 2 (fail closed)";
            stderr = Some(match stderr {
                Some(e) => format!("{e}\n{PREFIX}{why}"),
                None => format!("{PREFIX}{why}"),
            });
        }
    }
    if let Some(err) = stderr {
        let _ = writeln!(std::io::stderr(), "{err}");
    }
    u8::try_from(code).unwrap_or(2)
}

/// Whether stdout is `/dev/null`: where a closed stdout ends up (the runtime reopens fds 0–2
/// on it), and where no client reads an answer.
fn stdout_is_discarded() -> bool {
    use std::os::unix::fs::MetadataExt;
    let (Ok(out), Ok(null)) = (
        std::fs::metadata("/proc/self/fd/1"),
        std::fs::metadata("/dev/null"),
    ) else {
        return false;
    };
    out.dev() == null.dev() && out.ino() == null.ino()
}

/// Context added at the start of a session.
pub fn session_start(context: &str) -> String {
    json!({
        "hookSpecificOutput": {
            "hookEventName": "SessionStart",
            "additionalContext": context,
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defer_prints_nothing() {
        assert_eq!(pre_tool_use(&Decision::defer()), None);
    }

    #[test]
    fn deny_is_one_object_with_the_event_name() {
        let d = Decision::failure("input.unusable", "bad".into());
        let out = pre_tool_use(&d).unwrap();
        assert_eq!(
            out,
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"hookguard: bad"}}"#
        );
    }
}
