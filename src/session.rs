//! SessionStart context, and the ConfigChange check that keeps hookguard registered (C17).

use crate::classification::Classification;
use crate::decision::Verdict;
use crate::policy::{Lookup, Policy};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Families named to the model at the start of a session, in words it can act on.
const FAMILIES: &[(&str, &str)] = &[
    (
        "files.excluded",
        "reading or writing excluded files (.env, keys, credentials, terraform state)",
    ),
    (
        "scope.write-outside",
        "writing outside the project and the temp directory",
    ),
    (
        "scope.read-outside",
        "reading outside the project and toolchain directories",
    ),
    (
        "production.path-write",
        "changing production configuration paths",
    ),
    (
        "production.path-read",
        "reading production configuration paths",
    ),
    (
        "production.system",
        "touching production systems (hosts, contexts, URLs named prod/live)",
    ),
    (
        "shell.privileged",
        "privileged commands (sudo and the like)",
    ),
    (
        "shell.delete-catastrophic",
        "deleting /, ~, the project or .git",
    ),
    (
        "git.force-push-protected",
        "force-pushing or deleting protected branches",
    ),
    (
        "git.local-work-loss",
        "discarding local work (reset --hard, clean -fdx)",
    ),
    ("shell.remote-code", "piping downloads into a shell"),
    (
        "git.scan-bypass",
        "bypassing hooks and security scans (--no-verify)",
    ),
    (
        "git.traceability",
        "commits without the [AI-assisted] marker",
    ),
    ("secrets", "secrets in files, commands or prompts"),
    ("deps.new", "adding new dependencies"),
    (
        "prohibited.area",
        "writing crypto, authentication, payment, firewall or safety-critical code",
    ),
    ("background.task", "background tasks"),
    (
        "web.domain-not-allowed",
        "web access to domains not on the allow list",
    ),
    (
        "mcp.server-not-approved",
        "MCP servers not on the approved list",
    ),
    (
        "self.protected",
        "changing hookguard's policies, audit log or Claude Code settings",
    ),
];

/// A few lines telling the model what is in force, so it stops trying what will be refused.
pub fn context(policy: &Policy, nobody: Option<&str>) -> String {
    let c = policy.classification;
    if c >= Classification::Secret {
        return format!(
            "hookguard: this project is declared {c}. Claude Code must not be used with SECRET or TOP SECRET data, so every tool call and prompt will be refused (C1). Stop and tell the person."
        );
    }
    let (mut deny, mut ask) = (Vec::new(), Vec::new());
    for (rule, words) in FAMILIES {
        if let Lookup::Verdict { verdict, .. } = policy.lookup(rule) {
            match verdict {
                Verdict::Deny => deny.push(*words),
                Verdict::Ask if nobody.is_some() && policy.ask_without_person == Verdict::Deny => {
                    deny.push(*words)
                }
                Verdict::Ask => ask.push(*words),
                _ => {}
            }
        }
    }
    let mut s = format!(
        "hookguard is guarding this session: profile {}, classification {c}.\nRefused: {}.",
        policy.profile,
        deny.join("; ")
    );
    if !ask.is_empty() {
        s.push_str(&format!(
            "\nNeeds the person's approval: {}.",
            ask.join("; ")
        ));
    }
    if c == Classification::OfficialSensitive {
        s.push_str("\nOFFICIAL-SENSITIVE: no web access, no reads outside the project, no background tasks; shell and MCP calls need approval.");
    }
    if let Some(why) = nobody {
        s.push_str(&format!(
            "\nNobody can answer prompts here ({why}), so what would need approval is refused."
        ));
    }
    s.push_str("\nWork inside the project, use templates such as .env.example for configuration, and end commit messages with [AI-assisted].");
    s
}

/// The settings files Claude Code reads hooks from, most authoritative first.
pub fn settings_files(
    project_root: &Path,
    home: Option<&Path>,
    claude_config_dir: Option<&Path>,
) -> Vec<PathBuf> {
    let roots = crate::install::Roots {
        home: home.map(Path::to_path_buf),
        claude_config_dir: claude_config_dir.map(Path::to_path_buf),
        project: project_root.to_path_buf(),
        managed_dir: PathBuf::from("/etc/claude-code"),
    };
    roots
        .settings_layers()
        .into_iter()
        .map(|(_, path)| path)
        .collect()
}

/// The matcher groups a settings document registers for PreToolUse (none when it has none).
fn pre_tool_use_groups(settings: &Value) -> &[Value] {
    settings
        .pointer("/hooks/PreToolUse")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Whether a settings document registers hookguard for PreToolUse.
pub fn registers_hookguard(settings: &Value) -> bool {
    pre_tool_use_groups(settings).iter().any(|g| {
        g.get("hooks").and_then(Value::as_array).is_some_and(|hs| {
            hs.iter().any(|h| {
                h.get("command")
                    .and_then(Value::as_str)
                    .is_some_and(|c| c.contains("hookguard"))
            })
        })
    })
}

/// The largest settings file read: one that is larger, or is not a regular file, is judged as
/// unreadable.
const SETTINGS_CAP: u64 = 16 * 1024 * 1024;

/// ConfigChange: the reason to block, if the change would switch hookguard off.
///
/// With `inv` (how this hookguard was started), the registration must still *run* it: a
/// PreToolUse handler for every tool, in exec form (or a shell form that is exactly the same
/// words, with nothing for a shell to interpret), whose program is this binary and whose
/// arguments are this invocation's. `"command": "true || hookguard"` names hookguard and runs
/// nothing.
pub fn config_change_block(
    changed: Option<&Path>,
    files: &[PathBuf],
    inv: Option<&Invocation>,
) -> Option<String> {
    // A settings file that was deleted or is unreadable is judged by what remains registered.
    if let Some(path) = changed
        && let Some(bytes) = crate::input::read_file(path, SETTINGS_CAP).ok()
    {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) if v.get("disableAllHooks").and_then(Value::as_bool) == Some(true) => {
                return Some(format!(
                    "the change to {} sets disableAllHooks, which would switch off the hookguard guard (C17). Ask the person to make this change outside the session.",
                    path.display()
                ));
            }
            Ok(_) => {}
            Err(_) => {
                return Some(format!(
                    "{} is no longer valid JSON, so the hooks it registers (hookguard among them) may be lost (C17). Restore the file.",
                    path.display()
                ));
            }
        }
    }
    let still_registered = files.iter().any(|f| {
        crate::input::read_file(f, SETTINGS_CAP)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .is_some_and(|v| match inv {
                Some(inv) => registers_invocation(&v, inv),
                None => registers_hookguard(&v),
            })
    });
    if still_registered {
        None
    } else {
        Some(format!(
            "after the change to {}, no settings file registers this hookguard ({}) to run on every PreToolUse call any more, which would switch off the guard (C17). Ask the person to make this change outside the session.",
            changed.map_or_else(|| "the settings".to_string(), |p| p.display().to_string()),
            inv.map_or_else(
                || "hookguard hook".to_string(),
                |i| format!("{} {}", i.program.display(), i.args.join(" "))
            )
        ))
    }
}

/// How this hookguard was started: what a registration must run to keep it in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub program: PathBuf,
    pub args: Vec<String>,
}

/// Whether `settings` has a PreToolUse handler, for every tool, that runs exactly `inv`.
pub fn registers_invocation(settings: &Value, inv: &Invocation) -> bool {
    pre_tool_use_groups(settings).iter().any(|g| {
        let every_tool = match g.get("matcher") {
            None | Some(Value::Null) => true,
            Some(Value::String(m)) => matches!(m.as_str(), "" | "*" | ".*"),
            Some(_) => false,
        };
        every_tool
            && g.get("hooks")
                .and_then(Value::as_array)
                .is_some_and(|hs| hs.iter().any(|h| runs_invocation(h, inv)))
    })
}

/// Whether one handler runs `inv`: type `command`, not `async` (an async hook cannot block),
/// program this binary, arguments this invocation's.
pub fn runs_invocation(h: &Value, inv: &Invocation) -> bool {
    if h.get("type").and_then(Value::as_str) != Some("command")
        || h.get("async").and_then(Value::as_bool) == Some(true)
    {
        return false;
    }
    let Some(cmd) = h.get("command").and_then(Value::as_str) else {
        return false;
    };
    let (program, args): (String, Vec<String>) = match h.get("args") {
        Some(Value::Array(a)) => {
            let Some(args) = a
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
            else {
                return false;
            };
            (cmd.to_string(), args)
        }
        Some(_) => return false,
        None => {
            // Shell form: only the plain words of an exec, nothing a shell would interpret.
            if cmd.contains([
                ';', '|', '&', '$', '`', '<', '>', '(', ')', '{', '}', '\n', '*', '?', '!', '#',
                '\\', '=',
            ]) {
                return false;
            }
            let mut words = cmd
                .split_whitespace()
                .map(|w| w.trim_matches(['"', '\'']).to_string());
            let Some(first) = words.next() else {
                return false;
            };
            (first, words.collect())
        }
    };
    args == inv.args && same_program(&program, &inv.program)
}

/// Whether `registered` (absolute, or a name looked up on `PATH`) is the binary `running`.
fn same_program(registered: &str, running: &Path) -> bool {
    let running = crate::paths::resolve(running);
    let candidate = |p: &Path| p.is_absolute() && crate::paths::resolve(p) == running;
    let reg = Path::new(registered);
    if reg.is_absolute() {
        return candidate(reg);
    }
    if registered.contains('/') {
        return false;
    }
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join(registered))
            .find(|p| p.is_file())
            .is_some_and(|p| candidate(&p))
    })
}
