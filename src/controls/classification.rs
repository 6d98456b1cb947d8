//! C1, the classification gate, and the OFFICIAL-SENSITIVE tightening.
//!
//! The guidance's matrix: SECRET and TOP SECRET data may not be used with Claude Code in any
//! environment, so every tool call is refused and every prompt blocked. OFFICIAL-SENSITIVE
//! tightens every profile: no web access, no reads outside the project (see `files`), shell and
//! MCP calls at least ask, no background tasks (see `controls::pre_tool_use`).

use crate::classification::Classification;
use crate::decision::Finding;
use crate::event::{Event, ToolKind};
use crate::policy::Policy;

/// C1: SECRET and above are not permitted in any environment.
pub fn check(policy: &Policy, out: &mut Vec<Finding>) {
    if policy.classification >= Classification::Secret {
        out.push(not_permitted(policy.classification));
    }
}

pub fn not_permitted(c: Classification) -> Finding {
    Finding::new(
        "classification.not-permitted",
        "PR-01",
        c.as_str(),
        format!(
            "this project is declared {c}: Claude Code must not be used with data classified SECRET or above in any environment (C1, PR-01 data classification matrix). Stop here and work on this project without the assistant."
        ),
    )
}

/// The OFFICIAL-SENSITIVE restrictions that depend only on the tool.
pub fn sensitive(ev: &Event, kind: ToolKind, policy: &Policy, out: &mut Vec<Finding>) {
    let c = policy.classification;
    if c != Classification::OfficialSensitive {
        // Above it, C1 already refuses everything; below it, nothing to tighten.
        return;
    }
    let tool = ev.tool();
    match kind {
        ToolKind::WebFetch | ToolKind::WebSearch => out.push(Finding::new(
            "sensitive.web",
            "PR-04",
            tool,
            format!(
                "{tool} was refused: web access is restricted on {c} projects (restrictions on agentic features when handling sensitive data, PR-04). Work from the project's own files, or ask the person to fetch what you need."
            ),
        )),
        ToolKind::Shell => out.push(Finding::new(
            "sensitive.shell",
            "PR-04",
            tool,
            format!(
                "{tool} needs a person's approval on {c} projects (restrictions on agentic features when handling sensitive data, PR-04)."
            ),
        )),
        ToolKind::Mcp => out.push(Finding::new(
            "sensitive.mcp",
            "PR-04",
            tool,
            format!(
                "{tool} needs a person's approval on {c} projects (restrictions on agentic features when handling sensitive data, PR-04)."
            ),
        )),
        _ => {}
    }
}
