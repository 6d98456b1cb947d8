//! C17, self-protection: no tool may rewrite the guard's policies, binary or audit log, nor the
//! Claude Code settings that register it ("who watches the watchmen", claude-code#32376).

use super::Context;
use crate::decision::Finding;
use crate::paths::{NormPath, glob_text, is_within};
use crate::policy::Policy;
use std::path::Path;

/// Directories whose every file is protected, whatever the session.
const MANAGED_SETTINGS_DIRS: &[&str] = &[
    "/etc/claude-code",
    "/Library/Application Support/ClaudeCode",
];

/// Why `path` is protected, if it is.
pub fn protected_because(path: &Path, policy: &Policy, ctx: &Context) -> Option<String> {
    let text = glob_text(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let parent_name = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if parent_name == ".claude"
        && matches!(
            name.as_ref(),
            "settings.json" | "settings.local.json" | "hookguard.toml"
        )
    {
        return Some(format!(
            "`.claude/{name}` registers or configures the guard"
        ));
    }
    if let Some(home) = &ctx.home
        && path.parent() == Some(home.join(".claude").as_path())
        && name.starts_with("settings")
        && name.ends_with(".json")
    {
        return Some("the user's Claude Code settings register the guard".into());
    }
    for d in MANAGED_SETTINGS_DIRS {
        if is_within(path, Path::new(d)) {
            return Some(format!("`{d}` holds the managed Claude Code settings"));
        }
    }
    if is_within(path, &ctx.managed_policy_dir) {
        return Some("it is the managed hookguard policy".into());
    }
    if let Some(u) = &ctx.user_policy_dir
        && is_within(path, u)
    {
        return Some("it is the user's hookguard policy".into());
    }
    if policy.layers.iter().any(|(_, f)| Path::new(f) == path) {
        return Some("it is a hookguard policy file in force".into());
    }
    if audit_file(path, &ctx.audit_log) {
        return Some("it is the hookguard audit log".into());
    }
    if let Some(bin) = &ctx.binary
        && path == bin
    {
        return Some("it is the hookguard binary".into());
    }
    if let Some(p) = policy.protected.first_match(&text) {
        return Some(format!("it matches the protected pattern `{}`", p.written));
    }
    None
}

/// The log itself, its rotated files and sidecars (`audit.jsonl.1`, `audit.jsonl.head`), and,
/// when the log lives in a directory of its own named after hookguard, everything in it.
fn audit_file(path: &Path, log: &Path) -> bool {
    let Some(dir) = log.parent() else {
        return path == log;
    };
    let own_dir = dir
        .file_name()
        .is_some_and(|n| n.to_string_lossy().contains("hookguard"));
    if own_dir && is_within(path, dir) {
        return true;
    }
    let log_name = log
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.parent() == Some(dir)
        && path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(log_name.as_ref()))
}

pub fn check(p: &NormPath, tool: &str, policy: &Policy, ctx: &Context, out: &mut Vec<Finding>) {
    if let Some(why) = p.forms().find_map(|f| protected_because(f, policy, ctx)) {
        out.push(Finding::new(
            "self.protected",
            "PR-06",
            p.display(),
            format!(
                "{tool} of {} was refused: {why}, and the guard's own configuration, binary and audit trail may not be changed by the agent it guards (C17, PR-06). Ask the person to make this change themselves.",
                p.display()
            ),
        ));
    }
}
