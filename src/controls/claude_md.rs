//! C13, CLAUDE.md hygiene (PR-08): the memory files the model reads at every start must not
//! carry production URLs or endpoints, nor secrets (found by the content scanners, see
//! `content::pre_tool_use`, and reported under [`SECRET_RULE`]).

use super::production;
use crate::decision::Finding;
use crate::paths::NormPath;
use crate::policy::Policy;

/// The rule a secret written into a memory file is reported under (C13, PR-08).
pub const SECRET_RULE: &str = "claude-md.secret";

/// CLAUDE.md, CLAUDE.local.md, AGENTS.md (read by other agents and often imported), and Markdown under a `.claude/` directory (rules, commands,
/// agents), which all become context.
pub fn is_memory_file(p: &NormPath) -> bool {
    let name = p
        .lexical
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if name.eq_ignore_ascii_case("CLAUDE.md")
        || name.eq_ignore_ascii_case("CLAUDE.local.md")
        || name.eq_ignore_ascii_case("AGENTS.md")
    {
        return true;
    }
    name.to_ascii_lowercase().ends_with(".md")
        && p.lexical.components().any(|c| c.as_os_str() == ".claude")
}

pub fn check(p: &NormPath, text: &str, policy: &Policy, out: &mut Vec<Finding>) {
    if !is_memory_file(p) {
        return;
    }
    for url in production::urls(text) {
        let Some(host) = crate::url::host(url) else {
            continue;
        };
        if let Some(why) = production::identifier(&host, policy) {
            out.push(Finding::new(
                "claude-md.production-url",
                "PR-08",
                host.clone(),
                format!(
                    "writing {} was refused: it would put the production endpoint `{host}` (matched by {why}) into a memory file the model reads every session, and CLAUDE.md must not include production system URLs or endpoints (C13, PR-08). Describe the environment generically (\"the production API\") instead.",
                    p.display()
                ),
            ));
            return;
        }
    }
}
