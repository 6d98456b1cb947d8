//! The controls of CONTROLS.md, one module per family. Each looks at a normalised event and
//! reports [`Finding`]s; the profile turns findings into verdicts (see `decide`).
//!
//! Third stage of the pipeline (`normalise ─► controls(policy) ─► Decision`). Nothing here
//! prints, exits or writes: controls are pure functions of the event, the policy and the
//! [`Context`], so the corpus tests call them in-process.

pub mod classification;
pub mod claude_md;
pub mod content;
pub mod custom;
pub mod files;
pub mod mcp;
pub mod production;
pub mod prohibited;
pub mod scanbypass;
pub mod selfprotect;
pub mod shellcmd;
pub mod tool_output;
pub mod web;

use crate::decision::Finding;
use crate::event::{Event, ToolKind};
use crate::paths::NormPath;
use crate::policy::Policy;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What the controls know besides the event and the policy: where the project, the home and
/// the guard's own files are, and whether a person can answer a prompt.
#[derive(Debug, Clone)]
pub struct Context {
    /// The event's `cwd`, absolute (the process's own directory if the event has none).
    pub cwd: PathBuf,
    /// `CLAUDE_PROJECT_DIR`, else `cwd`; symlinks resolved.
    pub project_root: PathBuf,
    pub home: Option<PathBuf>,
    pub temp_dir: PathBuf,
    /// The audit log this invocation writes to (C17 protects it).
    pub audit_log: PathBuf,
    /// This binary (C17 protects it).
    pub binary: Option<PathBuf>,
    /// The user policy directory and the managed one (C17 protects both).
    pub user_policy_dir: Option<PathBuf>,
    /// `CLAUDE_CONFIG_DIR`, where Claude Code reads user settings instead of `~/.claude`
    /// (C17 protects its settings files).
    pub claude_config_dir: Option<PathBuf>,
    pub managed_policy_dir: PathBuf,
    /// `CLAUDE_CODE_ENTRYPOINT` starts with `sdk`: a headless run, nobody to ask (C18).
    pub headless: bool,
}

impl Context {
    /// Normalises a path named by a tool.
    pub fn path(&self, raw: &str) -> NormPath {
        NormPath::new(raw, &self.cwd, self.home.as_deref())
    }

    /// Where the project may write: the project root, the temp directory, and what trusted
    /// layers added (C3).
    pub fn write_roots(&self, policy: &Policy) -> Vec<PathBuf> {
        let mut roots = vec![self.project_root.clone(), self.temp_dir.clone()];
        roots.extend(
            policy
                .write_roots
                .iter()
                .map(|(p, _)| crate::paths::resolve(p)),
        );
        roots
    }

    /// Where the project may read: the write roots, toolchain and library directories, and what
    /// trusted layers added (C3).
    pub fn read_roots(&self, policy: &Policy) -> Vec<PathBuf> {
        let mut roots = self.write_roots(policy);
        roots.push(PathBuf::from("/usr"));
        if let Some(h) = &self.home {
            for sub in TOOLCHAIN_DIRS {
                roots.push(h.join(sub));
            }
        }
        roots.extend(
            policy
                .read_roots
                .iter()
                .map(|(p, _)| crate::paths::resolve(p)),
        );
        roots
    }
}

/// Toolchain and package caches under the home directory that a build reads (C3 read roots).
pub const TOOLCHAIN_DIRS: &[&str] = &[
    ".cargo/registry",
    ".cargo/git",
    ".rustup",
    ".npm",
    ".cache/pip",
    ".cache/uv",
    ".cache/pypoetry",
    ".cache/go-build",
    "go/pkg/mod",
    ".m2/repository",
    ".gradle/caches",
    ".nvm",
    ".pyenv",
    ".gem",
    ".local/share/virtualenvs",
];

/// How a tool touches a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// Everything the built-in controls find about a PreToolUse event.
pub fn pre_tool_use(
    ev: &Event,
    policy: &Policy,
    ctx: &Context,
    shell: Option<&crate::shell::ShellReport>,
    effects: &crate::effects::Effects,
) -> Vec<Finding> {
    let mut out = Vec::new();
    classification::check(policy, &mut out);
    let tool = ev.tool();
    let kind = ToolKind::of(tool);
    classification::sensitive(ev, kind, policy, &mut out);
    // C11, C12, C13: secrets, markings and personal data in what the call carries. First, so
    // that where verdicts tie the reason names the secret's kind rather than, say, the shell
    // finding that quotes the same value.
    content::pre_tool_use(ev, policy, ctx, effects, &mut out);
    // Every path control judges the call's effects (ADR 0014), whatever the tool.
    if kind == ToolKind::Shell
        && let Some(report) = shell
    {
        shellcmd::check(report, &mut out);
    }
    let mut path_findings = Vec::new();
    path_controls(effects, policy, ctx, &mut path_findings);
    // One finding per rule and path: `cat a b a` need not say the same thing three times.
    for f in path_findings {
        if !out
            .iter()
            .any(|o| o.rule == f.rule && o.subject == f.subject)
        {
            out.push(f);
        }
    }
    // C15 and the URL half of C13 on what each write puts into a file: every write of a
    // write tool, and every Bash write whose text the command itself supplies (a heredoc,
    // `echo … >`, `tee`): code written by the shell is code written.
    for e in &effects.effects {
        let authored =
            e.op == crate::effects::Op::Write && (kind == ToolKind::Write || !e.content.is_empty());
        if !authored {
            continue;
        }
        prohibited::check(&e.path, tool, &mut out);
        if claude_md::is_memory_file(&e.path) {
            let text: String = e
                .content
                .iter()
                .flat_map(|c| [c.text.as_str(), "\n"])
                .collect();
            claude_md::check(&e.path, &text, policy, &mut out);
        }
    }
    match kind {
        ToolKind::Grep => {
            if let Some(glob) = ev.input_str("glob") {
                files::check_grep_glob(glob, policy, &mut out);
            }
        }
        ToolKind::WebFetch => web::fetch(ev, policy, &mut out),
        ToolKind::WebSearch => web::search(ev, policy, &mut out),
        ToolKind::Mcp => mcp::check(ev, policy, &mut out),
        _ => {}
    }

    if matches!(kind, ToolKind::Shell | ToolKind::Agent) && ev.input_bool("run_in_background") {
        out.push(Finding::new(
            "background.task",
            "PR-06",
            tool,
            format!(
                "{tool} with run_in_background was refused: agentic tasks must not be left running unattended (C16, PR-06). Run it in the foreground and wait for it to finish."
            ),
        ));
        if policy.classification >= crate::classification::Classification::OfficialSensitive {
            out.push(Finding::new(
                "sensitive.background",
                "PR-06",
                tool,
                format!(
                    "{tool} with run_in_background was refused: background tasks are not permitted on {} projects (PR-06). Run it in the foreground.",
                    policy.classification
                ),
            ));
        }
    }
    out
}

/// C2, C3, C4, C9 (through files) and C17 over the call's effects. For each effect the most specific control
/// comes first (excluded, then self-protection, then where the path lies), so that where
/// verdicts tie the first finding explains.
pub fn path_controls(
    effects: &crate::effects::Effects,
    policy: &Policy,
    ctx: &Context,
    out: &mut Vec<Finding>,
) {
    use crate::effects::Op;
    if effects.effects.is_empty() && effects.runtime.is_empty() {
        return;
    }
    let guarded = selfprotect::Guarded::new(policy, ctx);
    for e in &effects.effects {
        let by = e.by.as_str();
        match e.op {
            Op::Read | Op::Exec | Op::Link => {
                files::check(&e.path, Access::Read, by, policy, ctx, out)
            }
            Op::Search => files::check_search_root(&e.path, by, policy, ctx, out),
            Op::Named => files::check_excluded(&e.path, by, policy, out),
            Op::Write
            | Op::Into
            | Op::Create
            | Op::Delete
            | Op::Attributes
            | Op::Rename
            | Op::Replace
            | Op::Lock => {
                files::check_excluded(&e.path, by, policy, out);
                selfprotect::check_effect(e, policy, ctx, &guarded, out);
                scanbypass::check_effect(e, out);
                files::check_placement(&e.path, Access::Write, by, policy, ctx, out);
            }
        }
        if e.op == Op::Link {
            selfprotect::check_effect(e, policy, ctx, &guarded, out);
        }
    }
    selfprotect::check_runtime(&effects.runtime, policy, ctx, &guarded, out);
}

/// The path-like fields of a tool's input: `file_path` (Read, Write, Edit), `notebook_path`
/// (NotebookEdit), `filePath` (LSP), `path` (unknown tools).
pub fn path_fields(ev: &Event) -> Vec<&str> {
    ["file_path", "notebook_path", "filePath", "path"]
        .iter()
        .filter_map(|k| ev.input_str(k))
        .filter(|s| !s.is_empty())
        .collect()
}

/// The text a write tool would put into a file: Write `content`, Edit `new_string`, MultiEdit
/// `edits[].new_string`, NotebookEdit `new_source`.
pub fn written_text(ev: &Event) -> String {
    let Some(input) = ev.tool_input.as_ref() else {
        return String::new();
    };
    let mut out = String::new();
    for key in ["content", "new_string", "new_source"] {
        if let Some(s) = input.get(key).and_then(Value::as_str) {
            out.push_str(s);
            out.push('\n');
        }
    }
    if let Some(edits) = input.get("edits").and_then(Value::as_array) {
        for e in edits {
            if let Some(s) = e.get("new_string").and_then(Value::as_str) {
                out.push_str(s);
                out.push('\n');
            }
        }
    }
    out
}

/// `p` is one of `roots` or inside one.
pub fn within_any(p: &Path, roots: &[PathBuf]) -> bool {
    roots.iter().any(|r| crate::paths::is_within(p, r))
}
