//! Git: history-destroying pushes (C7), local work loss (C7), scan bypass (C9), commit and PR
//! traceability (C10), plus what git itself would run: inline aliases (`-c alias.x='!cmd'`),
//! and configuration values and environment variables that hold commands (`core.pager`,
//! `core.sshCommand`, `GIT_SSH_COMMAND`, ...), which [`expand`] hands to the analyser.

use globset::{GlobBuilder, GlobSetBuilder};

use crate::decision::Finding;
use crate::shell::word::shell_quote;
use crate::shell::{Access, AccessKind, Arg, ShellEnv, SimpleCommand};

pub const FORCE_PUSH: &str = "git.force-push-protected";
pub const WORK_LOSS: &str = "git.local-work-loss";
pub const SCAN_BYPASS: &str = "git.scan-bypass";
pub const TRACEABILITY: &str = "git.traceability";

/// Protected branches that every policy has.
pub const BUILTIN_PROTECTED: &[&str] =
    &["main", "master", "trunk", "release/*", "production", "prod"];

/// Global options that take a separate argument.
const GLOBAL_WITH_ARG: &[&str] = &[
    "-c",
    "-C",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--exec-path",
    "--config-env",
    "--super-prefix",
    "--list-cmds",
];

/// Configuration keys whose value git runs as a shell command.
const COMMAND_KEYS: &[&str] = &[
    "core.pager",
    "core.sshcommand",
    "core.editor",
    "core.fsmonitor",
    "core.askpass",
    "diff.external",
    "sequence.editor",
    "gpg.program",
    "uploadpack.packobjectshook",
    "credential.helper",
];
const COMMAND_KEY_SUFFIXES: &[&str] = &[
    ".clean",
    ".smudge",
    ".process",
    ".driver",
    ".textconv",
    ".command",
];
/// Environment variables whose value git runs as a shell command.
const COMMAND_VARS: &[&str] = &[
    "GIT_SSH_COMMAND",
    "GIT_PAGER",
    "GIT_EDITOR",
    "GIT_EXTERNAL_DIFF",
    "GIT_ASKPASS",
    "GIT_SEQUENCE_EDITOR",
    "GIT_SSH",
];

/// The subcommand and its arguments (`git -C x commit -m y` → `commit`, `[-m, y]`;
/// `git-commit …` → `commit`).
pub fn subcommand(argv: &[Arg]) -> Option<(String, Vec<Arg>)> {
    let name = crate::shell::analyser_program_name(&argv.first()?.value);
    if let Some(sub) = name.strip_prefix("git-") {
        return Some((sub.to_string(), argv[1..].to_vec()));
    }
    if name != "git" {
        return None;
    }
    let mut i = 1;
    while i < argv.len() {
        let v = argv[i].value.as_str();
        if GLOBAL_WITH_ARG.contains(&v) {
            i += 2;
        } else if v.starts_with('-') {
            i += 1;
        } else {
            return Some((v.to_string(), argv[i + 1..].to_vec()));
        }
    }
    None
}

/// `-c key=value` pairs (keys lower-cased as git compares them, except alias names).
pub fn config_pairs(argv: &[Arg]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        let v = argv[i].value.as_str();
        if v == "-c" {
            if let Some(kv) = argv.get(i + 1) {
                let (k, val) = kv.value.split_once('=').unwrap_or((&kv.value, "true"));
                out.push((k.to_string(), val.to_string()));
            }
            i += 2;
            continue;
        }
        if GLOBAL_WITH_ARG.contains(&v) {
            i += 2;
            continue;
        }
        if !v.starts_with('-') {
            break;
        }
        i += 1;
    }
    out
}

/// What git would run besides itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    /// Shell command strings (aliases with `!`, command-valued settings).
    pub shell_strings: Vec<String>,
    /// The argv after expanding a non-shell alias.
    pub rewritten: Option<Vec<Arg>>,
}

/// Expands inline aliases and command-valued settings of a git command.
pub fn expand(argv: &[Arg]) -> Expansion {
    let mut out = Expansion::default();
    let pairs = config_pairs(argv);
    for (k, v) in &pairs {
        let kl = k.to_ascii_lowercase();
        if COMMAND_KEYS.contains(&kl.as_str())
            || (kl.starts_with("pager."))
            || (COMMAND_KEY_SUFFIXES.iter().any(|s| kl.ends_with(s))
                && kl.matches('.').count() >= 2)
        {
            let cmd = v.strip_prefix('!').unwrap_or(v);
            out.shell_strings.push(cmd.to_string());
        }
    }
    if let Some((sub, rest)) = subcommand(argv) {
        // `git config alias.x '!cmd'` / `git config core.pager cmd`: the value will run later.
        if sub == "config" {
            let ops: Vec<&Arg> = rest.iter().filter(|a| !a.value.starts_with('-')).collect();
            if let [key, value, ..] = ops.as_slice() {
                let kl = key.value.to_ascii_lowercase();
                if kl.starts_with("alias.") && value.value.starts_with('!') {
                    out.shell_strings.push(value.value[1..].to_string());
                } else if COMMAND_KEYS.contains(&kl.as_str())
                    || COMMAND_KEY_SUFFIXES.iter().any(|s| kl.ends_with(s))
                {
                    out.shell_strings
                        .push(value.value.trim_start_matches('!').to_string());
                }
            }
        }
        if let Some((_, value)) = pairs
            .iter()
            .rev()
            .find(|(k, _)| k.strip_prefix("alias.") == Some(sub.as_str()))
        {
            let args: Vec<String> = rest.iter().map(|a| shell_quote(&a.value)).collect();
            if let Some(cmd) = value.strip_prefix('!') {
                let mut s = cmd.to_string();
                if !args.is_empty() {
                    s.push(' ');
                    s.push_str(&args.join(" "));
                }
                out.shell_strings.push(s);
            } else {
                let mut new = vec![Arg::known("git")];
                new.extend(value.split_whitespace().map(Arg::known));
                new.extend(rest.iter().cloned());
                out.rewritten = Some(new);
            }
        }
    }
    out
}

/// Command-valued environment variables given to git.
pub fn command_vars(env: &[(String, Option<String>)]) -> Vec<String> {
    env.iter()
        .filter(|(k, _)| COMMAND_VARS.contains(&k.as_str()))
        .filter_map(|(_, v)| v.clone())
        .collect()
}

fn is_protected(branch: &str, env: &ShellEnv) -> bool {
    let branch = branch.strip_prefix("refs/heads/").unwrap_or(branch);
    let mut b = GlobSetBuilder::new();
    for p in BUILTIN_PROTECTED
        .iter()
        .copied()
        .chain(env.protected_branches.iter().map(String::as_str))
    {
        if let Ok(g) = GlobBuilder::new(p).literal_separator(true).build() {
            b.add(g);
        }
    }
    match b.build() {
        Ok(set) => set.is_match(branch),
        Err(_) => true,
    }
}

fn short_has(args: &[Arg], c: char, long: &[&str]) -> bool {
    args.iter().any(|a| {
        let v = a.value.as_str();
        long.contains(&v) || (v.starts_with('-') && !v.starts_with("--") && v[1..].contains(c))
    })
}

pub(crate) fn check(cmd: &SimpleCommand, env: &ShellEnv, out: &mut Vec<Finding>) {
    let shown = cmd.to_string();
    // C9 through the environment, with git commit or pre-commit.
    let is_commit_like = matches!(
        subcommand(&cmd.argv).map(|s| s.0).as_deref(),
        Some("commit" | "push" | "merge" | "rebase")
    ) || cmd.name == "pre-commit";
    for (k, v) in &cmd.env {
        let bypass = match k.as_str() {
            "HUSKY" => v.as_deref() == Some("0"),
            "HUSKY_SKIP_HOOKS" | "SKIP_HOOKS" | "PRE_COMMIT_ALLOW_NO_CONFIG" => true,
            "SKIP" => is_commit_like,
            "GIT_CONFIG_PARAMETERS" | "GIT_CONFIG_COUNT" => true,
            _ => false,
        };
        if bypass {
            out.push(bypass_finding(
                &shown,
                &format!("`{k}=` turns the hooks off"),
            ));
        }
    }
    if cmd.name == "pre-commit" && cmd.args().next() == Some("uninstall") {
        out.push(bypass_finding(
            &shown,
            "`pre-commit uninstall` removes the hooks",
        ));
    }
    if cmd.name == "gh" {
        check_gh(cmd, env, out);
    }
    let Some((sub, rest)) = subcommand(&cmd.argv) else {
        return;
    };
    for (k, _) in config_pairs(&cmd.argv) {
        if k.eq_ignore_ascii_case("core.hooksPath") {
            out.push(bypass_finding(
                &shown,
                "`-c core.hooksPath` replaces the hooks",
            ));
        }
    }
    let has = |f: &str| rest.iter().any(|a| a.value == f);
    match sub.as_str() {
        "commit" | "push" | "merge" | "rebase" | "cherry-pick" | "am" | "revert" | "pull" => {
            if has("--no-verify") {
                out.push(bypass_finding(&shown, "`--no-verify` skips the hooks"));
            }
            if sub == "commit" && commit_short_n(&rest) {
                out.push(bypass_finding(&shown, "`-n` skips the hooks"));
            }
            if sub == "commit" {
                check_commit(cmd, &rest, env, out);
            }
            if sub == "push" {
                check_push(&shown, &rest, env, out);
            }
        }
        "config" => {
            let ops: Vec<&Arg> = rest.iter().filter(|a| !a.value.starts_with('-')).collect();
            let unset = rest.iter().any(|a| {
                a.value.starts_with("--unset")
                    || a.value == "--get"
                    || a.value == "--get-all"
                    || a.value == "-l"
                    || a.value == "--list"
            });
            if !unset && ops.len() >= 2 && ops[0].value.eq_ignore_ascii_case("core.hooksPath") {
                out.push(bypass_finding(
                    &shown,
                    "`git config core.hooksPath` replaces the hooks",
                ));
            }
        }
        "reset" if has("--hard") || has("--merge") => out.push(loss(
            &shown,
            "`git reset --hard` discards uncommitted changes",
        )),
        "clean" => {
            let forced = short_has(&rest, 'f', &["--force"]);
            let dry = short_has(&rest, 'n', &["--dry-run"]);
            if forced && !dry {
                out.push(loss(&shown, "`git clean -f` deletes untracked files"));
            }
        }
        "branch" => {
            let force_delete = rest.iter().any(|a| a.value == "-D")
                || (short_has(&rest, 'd', &["--delete"]) && short_has(&rest, 'f', &["--force"]));
            if force_delete {
                out.push(loss(
                    &shown,
                    "`git branch -D` deletes a branch with unmerged work",
                ));
            }
        }
        "stash" => {
            if matches!(
                rest.first().map(|a| a.value.as_str()),
                Some("clear" | "drop")
            ) {
                out.push(loss(&shown, "`git stash clear/drop` deletes stashed work"));
            }
        }
        "checkout" | "restore" | "switch" => {
            let dd = rest.iter().position(|a| a.value == "--");
            let paths: Vec<&str> = match dd {
                Some(p) => rest[p + 1..].iter().map(|a| a.value.as_str()).collect(),
                None if sub == "restore" => rest
                    .iter()
                    .filter(|a| !a.value.starts_with('-'))
                    .map(|a| a.value.as_str())
                    .collect(),
                None => rest
                    .iter()
                    .filter(|a| !a.value.starts_with('-'))
                    .map(|a| a.value.as_str())
                    .filter(|p| matches!(*p, "." | ":/" | "*"))
                    .collect(),
            };
            let staged_only =
                sub == "restore" && has("--staged") && !has("--worktree") && !has("-W");
            let whole = paths.iter().any(|p| matches!(*p, "." | ":/" | "*" | "./"));
            let forced =
                sub != "restore" && (short_has(&rest, 'f', &["--force", "--discard-changes"]));
            if (whole && !staged_only) || forced {
                out.push(loss(
                    &shown,
                    &format!("`git {sub}` overwrites uncommitted changes"),
                ));
            }
        }
        "reflog"
            if rest.first().is_some_and(|a| a.value == "expire")
                && rest
                    .iter()
                    .any(|a| a.value.contains("=now") || a.value.contains("=all")) =>
        {
            out.push(loss(
                &shown,
                "`git reflog expire` drops the safety net of the reflog",
            ));
        }
        _ => {}
    }
}

fn commit_short_n(rest: &[Arg]) -> bool {
    let with_arg = ['m', 'F', 'C', 'c', 't', 'S'];
    let mut i = 0;
    while i < rest.len() {
        let v = rest[i].value.as_str();
        if v == "--" {
            break;
        }
        if v.starts_with('-') && !v.starts_with("--") && v.len() > 1 {
            for (k, c) in v[1..].chars().enumerate() {
                if c == 'n' {
                    return true;
                }
                if with_arg.contains(&c) {
                    // The rest of this word, or the next word, is the value.
                    if k + 2 == v.len() {
                        i += 1;
                    }
                    break;
                }
            }
        } else if matches!(
            v,
            "--message"
                | "--file"
                | "--reuse-message"
                | "--reedit-message"
                | "--template"
                | "--author"
                | "--date"
                | "--cleanup"
                | "--fixup"
                | "--squash"
                | "--trailer"
        ) {
            i += 1;
        }
        i += 1;
    }
    false
}

fn bypass_finding(subject: &str, how: &str) -> Finding {
    Finding::new(
        SCAN_BYPASS,
        "PR-03",
        subject,
        format!(
            "Refused: {how}, and the security scans that run in git hooks must not be \
             disabled or bypassed (C9, PR-03). Run the command without bypassing the hooks \
             and fix whatever they report."
        ),
    )
}

fn loss(subject: &str, what: &str) -> Finding {
    Finding::new(
        WORK_LOSS,
        "PR-06",
        subject,
        format!(
            "{what}, which cannot be undone (C7, PR-06). Commit or stash the work first, or \
             name the specific files to discard, and let a person confirm."
        ),
    )
}

fn check_push(shown: &str, rest: &[Arg], env: &ShellEnv, out: &mut Vec<Finding>) {
    let mut forced = false;
    let mut delete = false;
    let mut mirror = false;
    let mut operands: Vec<&str> = Vec::new();
    let with_arg = [
        "--repo",
        "-o",
        "--push-option",
        "--receive-pack",
        "--exec",
        "--signed",
    ];
    let mut i = 0;
    while i < rest.len() {
        let v = rest[i].value.as_str();
        match v {
            "-f" | "--force" | "--force-if-includes" => forced = true,
            "-d" | "--delete" => delete = true,
            "--mirror" | "--prune" => mirror = true,
            _ if v.starts_with("--force-with-lease") => forced = true,
            _ if with_arg.contains(&v) => i += 1,
            _ if v.starts_with("--") => {}
            _ if v.starts_with('-') && v.len() > 1 => {
                forced |= v.contains('f');
                delete |= v.contains('d');
            }
            _ => operands.push(v),
        }
        i += 1;
    }
    let refspecs: Vec<&str> = operands.iter().skip(1).copied().collect();
    let mut hits: Vec<String> = Vec::new();
    if mirror {
        hits.push("every branch (--mirror/--prune)".into());
    }
    if refspecs.is_empty() && (forced || delete) {
        // No refspec: the current branch (or the configured push.default), unknown here.
        hits.push("the current branch (which may be protected)".into());
    }
    for r in refspecs {
        let (plus, r) = match r.strip_prefix('+') {
            Some(r) => (true, r),
            None => (false, r),
        };
        let (src, dst) = match r.split_once(':') {
            Some((s, d)) => (s, d),
            None => (r, r),
        };
        let dst = if dst == "HEAD" || dst.is_empty() && src == "HEAD" {
            ""
        } else {
            dst
        };
        let deleting = delete || (src.is_empty() && !dst.is_empty());
        if !(forced || plus || deleting) {
            continue;
        }
        if dst.is_empty() || dst == "HEAD" {
            hits.push("the current branch (which may be protected)".into());
        } else if is_protected(dst, env) {
            hits.push(format!("`{dst}`"));
        }
    }
    for h in hits {
        out.push(Finding::new(
            FORCE_PUSH,
            "PR-06",
            shown,
            format!(
                "Refused to force-push to or delete {h}: rewriting or deleting a protected \
                 branch destroys shared history (C7, PR-06). Push to a new branch and open a \
                 pull request instead."
            ),
        ));
    }
}

fn has_marker(text: &str, env: &ShellEnv) -> bool {
    let default = ["[AI-assisted]".to_string()];
    let markers: &[String] = if env.ai_markers.is_empty() {
        &default
    } else {
        env.ai_markers
    };
    markers.iter().any(|m| text.contains(m.as_str()))
}

fn first_marker(env: &ShellEnv) -> String {
    env.ai_markers
        .first()
        .cloned()
        .unwrap_or_else(|| "[AI-assisted]".into())
}

/// C10: the commit message must carry a marker. With no `-m`/`-F` git opens an editor, which
/// in a hook context has no terminal and fails or is interactive: there is no message to
/// check and nothing is committed without a person, so no finding.
fn check_commit(cmd: &SimpleCommand, rest: &[Arg], env: &ShellEnv, out: &mut Vec<Finding>) {
    let mut messages: Vec<(usize, String)> = Vec::new();
    let mut file: Option<String> = None;
    let mut no_edit = false;
    let mut amend = false;
    let mut reuse = false;
    let mut i = 0;
    while i < rest.len() {
        let v = rest[i].value.as_str();
        let next = rest.get(i + 1);
        match v {
            "--" => break,
            "-m" | "--message" => {
                if let Some(n) = next {
                    messages.push((i + 1, n.value.clone()));
                }
                i += 1;
            }
            "-F" | "--file" => {
                file = next.map(|n| n.value.clone());
                i += 1;
            }
            "-C" | "--reuse-message" | "-c" | "--reedit-message" | "--fixup" | "--squash" => {
                reuse = true;
                i += 1;
            }
            "--no-edit" => no_edit = true,
            "--amend" => amend = true,
            _ if v.starts_with("--message=") => {
                messages.push((i, v["--message=".len()..].to_string()))
            }
            _ if v.starts_with("--file=") => file = Some(v["--file=".len()..].to_string()),
            _ if v.starts_with("--fixup=")
                || v.starts_with("--squash=")
                || v.starts_with("--reuse-message=") =>
            {
                reuse = true
            }
            _ if v.starts_with('-') && !v.starts_with("--") && v.len() > 1 => {
                // Combined short flags: `-am msg`, `-mmsg`.
                let flags = &v[1..];
                if let Some(p) = flags.find(['m', 'F']) {
                    let attached = &flags[p + 1..];
                    let is_m = flags[p..].starts_with('m');
                    let value = if attached.is_empty() {
                        i += 1;
                        next.map(|n| n.value.clone())
                    } else {
                        Some(attached.to_string())
                    };
                    if let Some(val) = value {
                        if is_m {
                            messages.push((i, val));
                        } else {
                            file = Some(val);
                        }
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    if reuse || (amend && no_edit && messages.is_empty() && file.is_none()) {
        return;
    }
    let shown = cmd.to_string();
    let marker = first_marker(env);
    if let Some(f) = file {
        let text = if f == "-" || !env.read_files {
            None
        } else {
            let path = match &cmd.cwd {
                Some(c) => c.join(&f),
                None => std::path::PathBuf::from(&f),
            };
            crate::input::read_file(&path, (1 << 20) - 1).text_lossy()
        };
        match text {
            Some(t) if has_marker(&t, env) => {}
            Some(_) => out.push(trace(
                &shown,
                &format!("the message in `{f}` does not carry `{marker}`"),
                &format!("add `{marker}` to the message in `{f}`"),
            )),
            None => out.push(trace(
                &shown,
                &format!("the message file `{f}` could not be checked for `{marker}`"),
                &format!("use `git commit -m \"… {marker}\"`"),
            )),
        }
        return;
    }
    if messages.is_empty() {
        return;
    }
    let full: Vec<&str> = messages.iter().map(|(_, m)| m.as_str()).collect();
    if has_marker(&full.join("\n\n"), env) {
        return;
    }
    // The fixed command: the first message with the marker appended.
    let mut fixed: Vec<String> = cmd.argv.iter().map(|a| a.value.clone()).collect();
    let offset = cmd.argv.len() - rest.len();
    let (idx, msg) = &messages[0];
    let at = offset + idx;
    if let Some(slot) = fixed.get_mut(at) {
        if slot.starts_with("--message=") {
            *slot = format!("--message={msg} {marker}");
        } else if slot == msg {
            *slot = format!("{msg} {marker}");
        } else {
            slot.push_str(&format!(" {marker}"));
        }
    }
    let fixed: Vec<String> = fixed.iter().map(|s| shell_quote(s)).collect();
    out.push(trace(
        &shown,
        &format!("the commit message does not carry `{marker}`"),
        &format!("run `{}`", fixed.join(" ")),
    ));
}

fn trace(subject: &str, what: &str, fix: &str) -> Finding {
    Finding::new(
        TRACEABILITY,
        "SEGAS-00020",
        subject,
        format!(
            "Refused: {what}. Work produced with an AI assistant must be marked as such so it \
             stays traceable (C10, SEGAS-00020). Instead, {fix}."
        ),
    )
}

fn check_gh(cmd: &SimpleCommand, env: &ShellEnv, out: &mut Vec<Finding>) {
    let args: Vec<&str> = cmd.args().collect();
    if !(args.starts_with(&["pr", "create"]) || args.starts_with(&["pr", "new"])) {
        return;
    }
    if args.iter().any(|a| {
        *a == "--fill"
            || *a == "-f"
            || *a == "--fill-first"
            || *a == "--fill-verbose"
            || *a == "--web"
            || *a == "-w"
    }) {
        return;
    }
    let title = super::opt_value(cmd, &["--title", "-t"]);
    let mut body = super::opt_value(cmd, &["--body", "-b"]);
    for f in super::opt_value(cmd, &["--body-file", "-F"]) {
        if env.read_files && f != "-" {
            let path = cmd
                .cwd
                .as_ref()
                .map(|c| c.join(&f))
                .unwrap_or_else(|| f.clone().into());
            // A body that cannot be read (a FIFO, a device, over 1 MiB) is checked as empty,
            // which is what a missing one is.
            body.push(
                crate::input::read_file(&path, 1 << 20)
                    .text_lossy()
                    .unwrap_or_default(),
            );
        } else {
            body.push(String::new());
        }
    }
    if title.is_empty() && body.is_empty() {
        // Interactive prompts: nothing to check here; the person writes the text.
        return;
    }
    let all = title
        .iter()
        .chain(body.iter())
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    if has_marker(&all, env) {
        return;
    }
    let marker = first_marker(env);
    let mut fixed: Vec<String> = cmd.argv.iter().map(|a| a.value.clone()).collect();
    if let Some(p) = fixed.iter().position(|a| a == "--title" || a == "-t")
        && let Some(t) = fixed.get_mut(p + 1)
    {
        t.push_str(&format!(" {marker}"));
    } else {
        fixed.push("--title".into());
        fixed.push(marker.clone());
    }
    let fixed: Vec<String> = fixed.iter().map(|s| shell_quote(s)).collect();
    out.push(trace(
        &cmd.to_string(),
        &format!("the pull request title and body do not carry `{marker}`"),
        &format!("run `{}`", fixed.join(" ")),
    ));
}

/// C9 through files: writing or removing `.git/hooks/*`, writing `.git/config`.
pub(crate) fn check_accesses(accesses: &[Access], out: &mut Vec<Finding>) {
    for a in accesses {
        if !matches!(a.kind, AccessKind::Write | AccessKind::Delete) {
            continue;
        }
        let p = a.path.to_string_lossy();
        let hooks = p.contains("/.git/hooks/") || p.ends_with("/.git/hooks");
        let config = p.ends_with("/.git/config");
        let husky = p.contains("/.husky/") && a.kind == AccessKind::Delete;
        let precommit = p.ends_with("/.pre-commit-config.yaml") && a.kind == AccessKind::Delete;
        if hooks || config || husky || precommit {
            let what = if config {
                "`.git/config`"
            } else {
                "the git hooks"
            };
            out.push(bypass_finding(
                &p,
                &format!("`{}` changes {what} (`{p}`)", a.by),
            ));
        }
    }
}
