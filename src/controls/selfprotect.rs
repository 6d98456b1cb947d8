//! C17, self-protection: no tool may rewrite the guard's policies, binary or audit log, nor the
//! Claude Code settings that register it ("who watches the watchmen", claude-code#32376).
//!
//! Judged on effects (ADR 0014), not spellings: any write, delete, rename, link, lock or change
//! of mode or owner whose path *is* a protected file, *lies within* a protected directory, or
//! *contains* a protected file (an effect on a directory is an effect on everything under it).
//! Names match case-insensitively (`.CLAUDE/Settings.json` is the same file on macOS), globs in
//! a literal path are matched against the protected files, a hard link to a protected file is
//! the file, and a target only known at run time that could be a protected file is refused in
//! ci and asked about in production (`self.protected-runtime`).

use super::Context;
use crate::decision::Finding;
use crate::effects::{Effect, Effects, Op, RuntimeEffect};
use crate::paths::{NormPath, glob_text};
use crate::policy::Policy;
use std::path::{Path, PathBuf};

/// Directories whose every file is protected, whatever the session.
const MANAGED_SETTINGS_DIRS: &[&str] = &[
    "/etc/claude-code",
    "/Library/Application Support/ClaudeCode",
    "C:/ProgramData/ClaudeCode",
];

/// The subdirectories of `.claude` that hold what a project adds to Claude Code (commands,
/// agents, skills, …): copying a tree of that name into `.claude` is everyday work.
const CLAUDE_SUBDIRS: &[&str] = &[
    "commands",
    "agents",
    "skills",
    "hooks",
    "output-styles",
    "rules",
    "plugins",
];

/// The names under a `.claude` directory that register or configure the guard.
const CLAUDE_DIR_FILES: &[&str] = &["settings.json", "settings.local.json", "hookguard.toml"];

fn lower(s: &std::ffi::OsStr) -> String {
    s.to_string_lossy().to_lowercase()
}

/// `a == b`, comparing each component without regard to case.
pub fn same_ci(a: &Path, b: &Path) -> bool {
    a.components().count() == b.components().count() && within_ci(a, b)
}

/// `p` is `root` or lies beneath it, comparing components without regard to case.
pub fn within_ci(p: &Path, root: &Path) -> bool {
    let mut pc = p.components();
    for r in root.components() {
        match pc.next() {
            Some(c) if lower(c.as_os_str()) == lower(r.as_os_str()) => {}
            _ => return false,
        }
    }
    true
}

fn name_ci(p: &Path) -> String {
    p.file_name().map(lower).unwrap_or_default()
}

/// Why `path` is protected (it is, or lies within, a protected file or directory), if it is.
pub fn protected_because(
    path: &Path,
    policy: &Policy,
    ctx: &Context,
    real_bin: Option<&Path>,
) -> Option<String> {
    let name = name_ci(path);
    let parent = path.parent();
    let parent_name = parent.map(name_ci).unwrap_or_default();
    if parent_name == ".claude" && CLAUDE_DIR_FILES.contains(&name.as_str()) {
        return Some(format!(
            "`.claude/{name}` registers or configures the guard"
        ));
    }
    let settings_name = name.starts_with("settings") && name.ends_with(".json");
    if let Some(home) = &ctx.home
        && settings_name
        && parent.is_some_and(|p| same_ci(p, &home.join(".claude")))
    {
        return Some("the user's Claude Code settings register the guard".into());
    }
    if let Some(dir) = &ctx.claude_config_dir
        && settings_name
        && parent.is_some_and(|p| same_ci(p, dir))
    {
        return Some(format!(
            "`{}` is the Claude Code configuration directory (CLAUDE_CONFIG_DIR), whose settings register the guard",
            dir.display()
        ));
    }
    for d in MANAGED_SETTINGS_DIRS {
        if within_ci(path, Path::new(d)) {
            return Some(format!("`{d}` holds the managed Claude Code settings"));
        }
    }
    if within_ci(path, &ctx.managed_policy_dir) {
        return Some("it is the managed hookguard policy".into());
    }
    if let Some(u) = &ctx.user_policy_dir
        && within_ci(path, u)
    {
        return Some("it is the user's hookguard policy".into());
    }
    if policy
        .layers
        .iter()
        .any(|(_, f)| same_ci(Path::new(f), path))
    {
        return Some("it is a hookguard policy file in force".into());
    }
    if audit_file(path, &ctx.audit_log) {
        return Some("it is the hookguard audit log, or its head or lock file".into());
    }
    if let Some(bin) = &ctx.binary
        && (same_ci(path, bin) || real_bin.is_some_and(|r| same_ci(path, r)))
    {
        return Some("it is the hookguard binary".into());
    }
    // A program of the guard's name in a `bin` directory would shadow it on `PATH` for a
    // registration that names it bare (`"command": "hookguard"`).
    if let Some(bin) = &ctx.binary
        && bin.file_name().map(lower) == Some(name.clone())
        && parent_name == "bin"
    {
        return Some(format!(
            "a program named `{name}` in a `bin` directory would stand in for the hookguard binary"
        ));
    }
    if let Some(p) = policy.protected.first_match(&glob_text(path)) {
        return Some(format!("it matches the protected pattern `{}`", p.written));
    }
    None
}

/// The log itself, its rotated files and sidecars (`audit.jsonl.1`, `audit.jsonl.head`), and,
/// when the log lives in a directory of its own named after hookguard, everything in it.
fn audit_file(path: &Path, log: &Path) -> bool {
    if log.as_os_str().is_empty() {
        return false;
    }
    let Some(dir) = log.parent() else {
        return same_ci(path, log);
    };
    let own_dir = dir
        .file_name()
        .is_some_and(|n| n.to_string_lossy().contains("hookguard"));
    if own_dir && within_ci(path, dir) {
        return true;
    }
    let log_name = name_ci(log);
    path.parent().is_some_and(|p| same_ci(p, dir)) && name_ci(path).starts_with(&log_name)
}

/// What one event's C17 checks share, worked out once: the protected paths known by name and
/// where the binary really is.
#[derive(Debug, Clone)]
pub struct Guarded {
    pub targets: Vec<PathBuf>,
    pub real_binary: Option<PathBuf>,
    /// Directory entries the walks for nested protected files may still look at, for the
    /// whole event: a command of a thousand `rm -rf` costs no more than one.
    walk_budget: std::cell::Cell<usize>,
}

impl Guarded {
    pub fn new(policy: &Policy, ctx: &Context) -> Guarded {
        Guarded {
            targets: known_targets(policy, ctx),
            real_binary: ctx.binary.as_deref().map(crate::paths::resolve),
            walk_budget: std::cell::Cell::new(WALK_ENTRIES),
        }
    }
}

/// The protected files and directories this session knows by name, for the questions "does
/// this directory contain one?", "does this glob name one?" and "is this a hard link to one?".
pub fn known_targets(policy: &Policy, ctx: &Context) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let claude = ctx.project_root.join(".claude");
    out.extend(CLAUDE_DIR_FILES.iter().map(|n| claude.join(n)));
    if let Some(h) = &ctx.home {
        let d = h.join(".claude");
        out.push(d.join("settings.json"));
        out.push(d.join("settings.local.json"));
    }
    if let Some(d) = &ctx.claude_config_dir {
        out.push(d.join("settings.json"));
        out.push(d.join("settings.local.json"));
    }
    out.extend(MANAGED_SETTINGS_DIRS.iter().map(PathBuf::from));
    out.push(ctx.managed_policy_dir.clone());
    out.extend(ctx.user_policy_dir.iter().cloned());
    out.extend(policy.layers.iter().map(|(_, f)| PathBuf::from(f)));
    if !ctx.audit_log.as_os_str().is_empty() {
        out.push(ctx.audit_log.clone());
        out.push(crate::audit::log::head_path(&ctx.audit_log));
    }
    out.extend(ctx.binary.iter().cloned());
    out
}

/// Why a directory effect on `dir` reaches a protected file, if it does: a protected target
/// that exists under it, or `dir` is a `.claude` directory. `names` narrows a selective delete.
fn contains_protected(dir: &Path, names: &[String], targets: &[PathBuf]) -> Option<String> {
    let picks = |p: &Path| {
        names.is_empty()
            || names.iter().any(|n| {
                globset::GlobBuilder::new(n)
                    .case_insensitive(true)
                    .build()
                    .map(|g| g.compile_matcher().is_match(name_ci(p)))
                    .unwrap_or(true)
            })
    };
    if names.is_empty() && name_ci(dir) == ".claude" {
        return Some(format!(
            "`{}` is a `.claude` directory, which holds the Claude Code settings that register the guard",
            dir.display()
        ));
    }
    targets
        .iter()
        .find(|t| {
            !same_ci(t, dir)
                && within_ci(t, dir)
                && std::fs::symlink_metadata(t).is_ok()
                && picks(t)
        })
        .map(|t| format!("it holds {}, which the guard protects", t.display()))
}

/// How many directory entries the walks for nested protected files look at, at most, per event.
const WALK_ENTRIES: usize = 2000;

/// Why a directory holds a protected file the guard does not know by name (a nested
/// `.claude/settings.json`, a file a policy `protect` glob names), looking at no more than
/// [`WALK_ENTRIES`] entries and never following a symlink. The project root and what lies
/// above it are not walked: their protected files are known by name.
fn walk_for_protected(
    dir: &Path,
    names: &[String],
    policy: &Policy,
    ctx: &Context,
    budget: &std::cell::Cell<usize>,
) -> Option<String> {
    if within_ci(&ctx.project_root, dir) || budget.get() == 0 {
        return None;
    }
    let picks = |p: &Path| {
        names.is_empty()
            || names
                .iter()
                .any(|n| glob(n).is_none_or(|g| g.is_match(name_ci(p))))
    };
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            if budget.get() == 0 {
                return None;
            }
            budget.set(budget.get() - 1);
            let p = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(p);
            } else if picks(&p)
                && let Some(why) = protected_because(&p, policy, ctx, None)
            {
                return Some(format!("it holds {} ({why})", p.display()));
            }
        }
    }
    None
}

/// Why an existing file is a hard link to a protected one, if it is.
fn hard_link_to(path: &Path, targets: &[PathBuf]) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path).ok()?;
    if !m.is_file() || m.nlink() < 2 {
        return None;
    }
    targets
        .iter()
        .filter(|t| !same_ci(t, path))
        .find(|t| std::fs::metadata(t).is_ok_and(|tm| tm.dev() == m.dev() && tm.ino() == m.ino()))
        .map(|t| {
            format!(
                "it is a hard link to {}, which the guard protects",
                t.display()
            )
        })
}

fn glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '[']) || (s.contains('{') && s.contains(',') && s.contains('}'))
}

fn glob(pattern: &str) -> Option<globset::GlobMatcher> {
    globset::GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(false)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

/// A protected target (or, for a whole-tree effect, a directory holding one) that a glob names.
fn glob_names(pattern: &str, whole_tree: bool, targets: &[PathBuf]) -> Option<PathBuf> {
    let g = glob(pattern)?;
    targets.iter().find_map(|t| {
        if g.is_match(glob_text(t)) {
            return Some(t.clone());
        }
        if whole_tree {
            return t
                .ancestors()
                .skip(1)
                .take_while(|a| a.components().count() > 2)
                .find(|a| g.is_match(glob_text(a)))
                .map(Path::to_path_buf);
        }
        None
    })
}

/// Why one effect touches a protected file, if it does.
fn effect_because(
    e: &Effect,
    form: &Path,
    policy: &Policy,
    ctx: &Context,
    g: &Guarded,
) -> Option<String> {
    let text = glob_text(form);
    if glob_chars(&text)
        && let Some(t) = glob_names(&text, e.op.whole_tree() || e.recursive, &g.targets)
    {
        return Some(format!(
            "the pattern `{}` names {}, which the guard protects",
            e.path.display(),
            t.display()
        ));
    }
    if let Some(why) = protected_because(form, policy, ctx, g.real_binary.as_deref()) {
        return Some(why);
    }
    if matches!(e.op, Op::Create | Op::Lock) {
        return None;
    }
    // Copying, moving or installing files straight into a `.claude` directory is how its
    // settings are replaced wholesale (`install -t .claude f`, `cp -t .claude build/*`); its
    // subdirectories (`commands/`, `agents/`) stay open.
    if e.op == Op::Into
        && form.parent().map(name_ci).as_deref() == Some(".claude")
        && !CLAUDE_SUBDIRS.contains(&name_ci(form).as_str())
    {
        return Some(format!(
            "it copies or moves a file straight into {}, which holds the Claude Code settings that register the guard",
            form.parent()
                .map_or_else(String::new, |p| p.display().to_string())
        ));
    }
    // A recursive write into the project root (or above) is every build, extraction and
    // checkout: what it overwrites is only known when it runs (docs/residual-risks.md). Below
    // the root, a tree written into a `.claude` directory is judged by what it holds.
    let tree_write =
        matches!(e.op, Op::Write | Op::Into) && e.recursive && !within_ci(&ctx.project_root, form);
    let tree = e.op.whole_tree() || tree_write;
    // A delete that picks files by a rule not known here (`git clean`) is judged by what it
    // could reach below the project root; over the whole project it is every clean-up (S2).
    let unknown_pick = e.selective && e.names.is_empty() && within_ci(&ctx.project_root, form);
    if tree && !unknown_pick {
        let names = if e.op == Op::Delete {
            &e.names[..]
        } else {
            &[]
        };
        if let Some(why) = contains_protected(form, names, &g.targets) {
            return Some(why);
        }
        if let Some(why) = walk_for_protected(form, names, policy, ctx, &g.walk_budget) {
            return Some(why);
        }
    }
    if matches!(e.op, Op::Write | Op::Attributes | Op::Into | Op::Replace) {
        return hard_link_to(form, &g.targets);
    }
    None
}

fn finding(e: &Effect, why: &str) -> Finding {
    let what = match e.op {
        Op::Write | Op::Into => "writing to",
        Op::Create => "creating",
        Op::Delete => "deleting",
        Op::Attributes => "changing the mode or owner of",
        Op::Rename => "moving",
        Op::Link => "linking to",
        Op::Replace => "replacing",
        Op::Lock => "locking",
        _ => "touching",
    };
    Finding::new(
        "self.protected",
        "PR-06",
        e.path.display(),
        format!(
            "{} {what} {} was refused: {why}, and the guard's own configuration, binary and audit trail may not be changed by the agent it guards (C17, PR-06). Ask the person to make this change themselves.",
            e.by,
            e.path.display()
        ),
    )
}

/// Why a run-time target could be protected, if it could.
fn runtime_because(
    r: &RuntimeEffect,
    policy: &Policy,
    ctx: &Context,
    g: &Guarded,
) -> Option<String> {
    let whole = r.op.whole_tree() || r.op == Op::Write;
    if let Some(p) = &r.pattern
        && let Some(t) = glob_names(p, whole, &g.targets)
    {
        return Some(format!(
            "it could be {}, which the guard protects",
            t.display()
        ));
    }
    for p in &r.fed_from {
        for form in p.forms() {
            let holds = protected_because(form, policy, ctx, g.real_binary.as_deref())
                .or_else(|| contains_protected(form, &[], &g.targets));
            if let Some(why) = holds {
                return Some(format!(
                    "it is taken from the output of a command that reads {} ({why})",
                    p.display()
                ));
            }
        }
    }
    None
}

/// C17 for one effect.
pub fn check_effect(
    e: &Effect,
    policy: &Policy,
    ctx: &Context,
    g: &Guarded,
    out: &mut Vec<Finding>,
) {
    if !e.op.mutates() {
        return;
    }
    if let Some(why) = e
        .path
        .forms()
        .find_map(|f| effect_because(e, f, policy, ctx, g))
    {
        out.push(finding(e, &why));
    }
}

/// C17 for the targets only known at run time.
pub fn check_runtime(
    runtime: &[RuntimeEffect],
    policy: &Policy,
    ctx: &Context,
    g: &Guarded,
    out: &mut Vec<Finding>,
) {
    for r in runtime {
        if let Some(why) = runtime_because(r, policy, ctx, g) {
            out.push(Finding::new(
                "self.protected-runtime",
                "PR-06",
                r.shown.clone(),
                format!(
                    "{} {} of `{}` was refused: the path is only known when the command runs, and {why}; the guard's own configuration, binary and audit trail may not be changed by the agent it guards (C17, PR-06). Name the file literally, or ask the person to make this change themselves.",
                    r.by,
                    r.op.as_str(),
                    r.shown
                ),
            ));
        }
    }
}

/// C17 over every effect of the call.
pub fn check_effects(effects: &Effects, policy: &Policy, ctx: &Context, out: &mut Vec<Finding>) {
    let g = Guarded::new(policy, ctx);
    for e in &effects.effects {
        check_effect(e, policy, ctx, &g, out);
    }
    check_runtime(&effects.runtime, policy, ctx, &g, out);
}

/// C17 for one path a tool writes (kept for callers outside the effects pipeline).
pub fn check(p: &NormPath, tool: &str, policy: &Policy, ctx: &Context, out: &mut Vec<Finding>) {
    let e = Effect {
        op: Op::Write,
        path: p.clone(),
        by: tool.to_string(),
        recursive: false,
        names: Vec::new(),
        selective: false,
        content: Vec::new(),
    };
    check_effects(
        &Effects {
            effects: vec![e],
            runtime: Vec::new(),
            actions: Vec::new(),
        },
        policy,
        ctx,
        out,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(root: &Path) -> Context {
        Context {
            cwd: root.join("proj"),
            project_root: root.join("proj"),
            home: Some(root.join("home")),
            temp_dir: root.join("tmp"),
            audit_log: root.join("state/hookguard/audit.jsonl"),
            binary: Some(PathBuf::from("/opt/hg/bin/hookguard")),
            user_policy_dir: Some(root.join("home/.config/hookguard")),
            managed_policy_dir: PathBuf::from("/etc/hookguard"),
            claude_config_dir: Some(root.join("cfg")),
            headless: false,
        }
    }

    fn policy() -> Policy {
        crate::policy::merge(&[], None, None).unwrap()
    }

    fn effect(op: Op, path: &Path) -> Effect {
        Effect {
            op,
            path: NormPath {
                lexical: path.to_path_buf(),
                real: path.to_path_buf(),
            },
            by: "test".into(),
            recursive: false,
            names: Vec::new(),
            content: Vec::new(),
            selective: false,
        }
    }

    fn refused(e: &Effect, c: &Context) -> bool {
        let p = policy();
        let mut out = Vec::new();
        check_effect(e, &p, c, &Guarded::new(&p, c), &mut out);
        out.iter().any(|f| f.rule == "self.protected")
    }

    #[test]
    fn names_match_without_regard_to_case() {
        let c = ctx(Path::new("/r"));
        assert!(refused(
            &effect(Op::Write, Path::new("/r/proj/.CLAUDE/Settings.JSON")),
            &c
        ));
        assert!(refused(
            &effect(Op::Write, Path::new("/R/HOME/.claude/settings.local.json")),
            &c
        ));
        assert!(!refused(
            &effect(Op::Write, Path::new("/r/proj/.claude/commands/x.md")),
            &c
        ));
    }

    #[test]
    fn claude_config_dir_settings_and_audit_sidecars_are_protected() {
        let c = ctx(Path::new("/r"));
        assert!(refused(
            &effect(Op::Write, Path::new("/r/cfg/settings.json")),
            &c
        ));
        assert!(refused(
            &effect(Op::Lock, Path::new("/r/state/hookguard/audit.jsonl.head")),
            &c
        ));
        assert!(refused(
            &effect(Op::Write, Path::new("/opt/hg/bin/HOOKGUARD")),
            &c
        ));
        assert!(!refused(
            &effect(Op::Write, Path::new("/r/cfg/notes.json")),
            &c
        ));
    }

    #[test]
    fn a_directory_effect_reaches_the_files_under_it() {
        let root = std::env::temp_dir().join(format!("hg-selfprotect-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("proj/.claude")).unwrap();
        std::fs::create_dir_all(root.join("proj/src")).unwrap();
        std::fs::write(root.join("proj/.claude/settings.json"), "{}").unwrap();
        let c = ctx(&root);
        for op in [Op::Delete, Op::Rename, Op::Attributes, Op::Replace] {
            assert!(
                refused(&effect(op, &root.join("proj/.claude")), &c),
                "{op:?}"
            );
            assert!(
                refused(&effect(op, &root.join("proj")), &c),
                "{op:?} of the root"
            );
            assert!(!refused(&effect(op, &root.join("proj/src")), &c), "{op:?}");
        }
        // Creating the directory touches nothing under it; writing a tree into the project
        // root is every build (docs/residual-risks.md, S1); into `.claude`, it is refused.
        assert!(!refused(
            &effect(Op::Create, &root.join("proj/.claude")),
            &c
        ));
        let mut tree = effect(Op::Write, &root.join("proj"));
        tree.recursive = true;
        assert!(!refused(&tree, &c));
        tree.path = NormPath::new(".claude", &root.join("proj"), None);
        assert!(refused(&tree, &c));
        // A selective delete is judged by the names it picks.
        let mut pick = effect(Op::Delete, &root.join("proj"));
        pick.names = vec!["*.pyc".into()];
        assert!(!refused(&pick, &c));
        pick.names = vec!["SETTINGS*".into()];
        assert!(refused(&pick, &c));
        // A hard link to a protected file is the file.
        std::fs::hard_link(root.join("proj/.claude/settings.json"), root.join("proj/x")).unwrap();
        assert!(refused(&effect(Op::Write, &root.join("proj/x")), &c));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn globs_in_a_literal_path_are_matched_against_protected_files() {
        let c = ctx(Path::new("/r"));
        assert!(refused(
            &effect(Op::Write, Path::new("/r/proj/.claude/setting?.json")),
            &c
        ));
        assert!(refused(
            &effect(Op::Write, Path::new("/r/proj/.claude/settings.{json,bak}")),
            &c
        ));
        assert!(!refused(
            &effect(Op::Write, Path::new("/r/proj/src/*.rs")),
            &c
        ));
    }

    #[test]
    fn run_time_targets_are_judged_by_what_is_known_of_them() {
        let c = ctx(Path::new("/r"));
        let p = policy();
        let judge = |shown: &str, op: Op| {
            let r = RuntimeEffect {
                op,
                pattern: crate::effects::runtime_pattern(shown, None, &c),
                shown: shown.into(),
                by: "test".into(),
                fed_from: Vec::new(),
            };
            let mut out = Vec::new();
            check_runtime(&[r], &p, &c, &Guarded::new(&p, &c), &mut out);
            out.iter().any(|f| f.rule == "self.protected-runtime")
        };
        assert!(judge("$D/settings.json", Op::Write));
        assert!(judge(".claude/$NAME", Op::Write));
        assert!(judge("${X}/.claude", Op::Delete));
        assert!(!judge("$F", Op::Delete));
        assert!(!judge("$(mktemp)", Op::Write));
        assert!(!judge("$OUT/build.log", Op::Write));
    }
}
