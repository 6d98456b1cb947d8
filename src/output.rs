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
