//! The effects model: what a call *does*, whatever its tool or spelling (ADR 0014).
//!
//! Every PreToolUse event is reduced once, before the path controls run, to a list of typed
//! [`Effect`]s: a file read or searched, written, created, deleted, renamed, linked, its mode or
//! owner changed, locked; a file run. File tools give one effect per path field; Bash gives the
//! effects of every access the shell analyser found, plus the targets it could only know at run
//! time. Paths are normalised here, once ([`NormPath`]: absolute, `~`/`$HOME`, `..`, symlinks
//! where they exist), and links made earlier in the same command are followed: a write through
//! a link is also a write to what it points at.
//!
//! The path controls (C2, C3, C4, C17) are functions of these effects: they never read a tool's
//! fields again.

use crate::controls::Context;
use crate::event::{Event, ToolKind};
use crate::paths::NormPath;
use crate::shell::{AccessKind, Change, ShellReport};
use std::path::PathBuf;

/// What an effect does to its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// The file's bytes may enter the context.
    Read,
    /// A search over the path (Grep, Glob): a read of everything under it.
    Search,
    /// The file's bytes change (or, with `recursive`, files under the directory do).
    Write,
    /// A new empty file or directory; nothing under it changes.
    Create,
    Delete,
    /// Mode, owner, ACL, attributes. On a directory: everything under it.
    Attributes,
    /// Moved away: everything under it goes with it.
    Rename,
    /// A link is made to it: later writes through the link land in it.
    Link,
    /// Replaced as a whole (`ln -sfn X dir`, `mv -T`).
    Replace,
    /// A file that lands inside a directory (`cp f DIR/`): the effect's path is `DIR/NAME`.
    Into,
    /// A lock is taken on it (`flock FILE`).
    Lock,
    /// The file is run.
    Exec,
    /// A tool this version does not know names the path.
    Named,
}

impl Op {
    /// Whether the effect can change the file system.
    pub fn mutates(self) -> bool {
        !matches!(self, Op::Read | Op::Search | Op::Exec | Op::Named)
    }

    /// Whether the effect acts on everything under a directory it names, not on the name alone.
    pub fn whole_tree(self) -> bool {
        matches!(
            self,
            Op::Delete | Op::Attributes | Op::Rename | Op::Link | Op::Replace
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Search => "search",
            Op::Write => "write",
            Op::Create => "create",
            Op::Delete => "delete",
            Op::Attributes => "attributes",
            Op::Rename => "rename",
            Op::Link => "link",
            Op::Replace => "replace",
            Op::Into => "write into",
            Op::Lock => "lock",
            Op::Exec => "exec",
            Op::Named => "named",
        }
    }
}

/// One thing a call does to one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub op: Op,
    pub path: NormPath,
    /// What does it: the tool, or the tool and the command word (`Bash (\`rm\`)`).
    pub by: String,
    /// The effect reaches every file under the path (`rm -r`, `chmod -R`, `tar -x -C`).
    pub recursive: bool,
    /// For a delete that picks files by name (`find -name X -delete`): the name globs.
    /// Empty: every file under the path may go.
    pub names: Vec<String>,
    /// Only some files under the path are touched, by a rule not known here (`git clean`).
    pub selective: bool,
    /// The text a write puts into the file, where it is known: the Write `content`, the Edit
    /// `new_string`, a here-document or `echo` written by Bash. The content controls (C11,
    /// C12, C13) read it here, whatever wrote it. Empty when nothing is known.
    pub content: Vec<Content>,
}

/// Text an effect writes, and where it came from (for the reason: never the text itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    /// `the Write `content``, `the text `cat > redirect` writes to `CLAUDE.md``.
    pub from: String,
    pub text: String,
}

/// A mutating effect whose path is only known when the command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeEffect {
    pub op: Op,
    /// The argument as written (`$f`, `.claude/$name`, `$(ls .claude)`).
    pub shown: String,
    /// The same with each unknown part replaced by `*`, made absolute; `None` when nothing
    /// of it is known.
    pub pattern: Option<String>,
    pub by: String,
    /// Paths named by the commands whose output feeds this one (`ls .claude | xargs rm`).
    pub fed_from: Vec<NormPath>,
}

/// Everything one event does to files: the `Subject` every path control is handed.
#[derive(Debug, Clone, Default)]
pub struct Effects {
    pub effects: Vec<Effect>,
    pub runtime: Vec<RuntimeEffect>,
    /// Programs run, hosts contacted, environment set: recorded in the audit log. The
    /// controls C5–C8 still read the shell report and the tools' fields for these.
    pub actions: Vec<Action>,
}

/// An effect that is not on a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A program run (`git`, an MCP tool), with its arguments as resolved.
    Run { program: String, args: Vec<String> },
    /// A host contacted (a WebFetch URL, a URL or `ssh` destination in a command).
    Network { host: String, by: String },
    /// An environment variable set for a program (`VAR=x cmd`, `env VAR=x`, `export VAR`):
    /// the name only.
    Env { name: String, by: String },
}

impl Effects {
    /// Reduces a PreToolUse event to its effects.
    pub fn of_tool(ev: &Event, ctx: &Context, shell: Option<&ShellReport>) -> Effects {
        let tool = ev.tool();
        let kind = ToolKind::of(tool);
        let mut out = Effects::default();
        let mut push = |op: Op, raw: &str| {
            out.effects.push(Effect {
                op,
                path: ctx.path(raw),
                by: tool.to_string(),
                recursive: false,
                names: Vec::new(),
                selective: false,
                content: Vec::new(),
            })
        };
        match kind {
            ToolKind::Read | ToolKind::Lsp => {
                for raw in crate::controls::path_fields(ev) {
                    push(Op::Read, raw);
                }
            }
            ToolKind::Write => {
                for raw in crate::controls::path_fields(ev) {
                    push(Op::Write, raw);
                }
                let written = tool_content(ev);
                for e in &mut out.effects {
                    e.content = written.clone();
                }
            }
            ToolKind::Grep | ToolKind::Glob => {
                let raw = ev.input_str("path").unwrap_or("");
                if raw.is_empty() {
                    push(Op::Search, &ctx.cwd.to_string_lossy());
                } else {
                    push(Op::Search, raw);
                }
            }
            ToolKind::Other => {
                for raw in crate::controls::path_fields(ev) {
                    push(Op::Named, raw);
                }
            }
            ToolKind::Shell => {
                if let Some(r) = shell {
                    out.add_shell(r, tool, ctx);
                    out.add_actions(r);
                }
            }
            ToolKind::WebFetch => {
                if let Some(host) = ev.input_str("url").and_then(crate::url::host) {
                    out.actions.push(Action::Network {
                        host,
                        by: tool.to_string(),
                    });
                }
            }
            ToolKind::Mcp => out.actions.push(Action::Run {
                program: tool.to_string(),
                args: Vec::new(),
            }),
            _ => {}
        }
        out
    }

    /// The programs a command runs, the hosts named in its URLs and `ssh`-like destinations,
    /// and the environment it sets.
    fn add_actions(&mut self, r: &ShellReport) {
        for c in &r.commands {
            if c.name.is_empty() {
                continue;
            }
            let args: Vec<String> = c
                .argv
                .iter()
                .skip(1)
                .map(|a| {
                    if a.unknown {
                        "…".to_string()
                    } else {
                        a.value.clone()
                    }
                })
                .collect();
            let by = format!("`{}`", c.name);
            for (name, _) in &c.env {
                self.actions.push(Action::Env {
                    name: name.clone(),
                    by: by.clone(),
                });
            }
            if c.name == "export" {
                for a in c.args().filter(|a| !a.starts_with('-')) {
                    let name = a.split('=').next().unwrap_or(a);
                    self.actions.push(Action::Env {
                        name: name.to_string(),
                        by: by.clone(),
                    });
                }
            }
            let ssh_like = matches!(c.name.as_str(), "ssh" | "scp" | "sftp" | "rsync");
            for a in c.argv.iter().skip(1).filter(|a| !a.unknown) {
                let host = if a.value.contains("://") {
                    crate::url::host(&a.value)
                } else if ssh_like && !a.value.starts_with('-') && a.value.contains('@') {
                    a.value
                        .split('@')
                        .nth(1)
                        .map(|h| h.split(':').next().unwrap_or(h).to_string())
                } else {
                    None
                };
                if let Some(host) = host.filter(|h| !h.is_empty()) {
                    self.actions.push(Action::Network {
                        host,
                        by: by.clone(),
                    });
                }
            }
            self.actions.push(Action::Run {
                program: c.name.clone(),
                args,
            });
        }
    }

    fn add_shell(&mut self, r: &ShellReport, tool: &str, ctx: &Context) {
        // Links made by the command, link path → what it points at, followed by later effects.
        let mut links: Vec<(PathBuf, PathBuf)> = Vec::new();
        let mut pending_link: Option<PathBuf> = None;
        for a in &r.accesses {
            let op = match (a.kind, a.change) {
                (_, Change::LinkTo) => Op::Link,
                (AccessKind::Read, _) => Op::Read,
                (AccessKind::Execute, _) => Op::Exec,
                (AccessKind::Delete, _) => Op::Delete,
                (AccessKind::Write, Change::Content) => Op::Write,
                (AccessKind::Write, Change::Create) => Op::Create,
                (AccessKind::Write, Change::Attributes) => Op::Attributes,
                (AccessKind::Write, Change::RenameFrom) => Op::Rename,
                (AccessKind::Write, Change::Replace) => Op::Replace,
                (AccessKind::Write, Change::Into) => Op::Into,
                (AccessKind::Write, Change::Lock) => Op::Lock,
            };
            // `find DIR -exec rm {} +`: `{}` is each file found under DIR.
            let (lexical, found) = match a
                .path
                .components()
                .position(|c| c.as_os_str().to_string_lossy().contains("{}"))
            {
                Some(k) => (a.path.components().take(k).collect::<PathBuf>(), true),
                None => (a.path.clone(), false),
            };
            let path = NormPath {
                real: crate::paths::resolve(&lexical),
                lexical,
            };
            if op == Op::Link {
                pending_link = Some(path.real.clone());
            } else if a.by == "ln"
                && matches!(op, Op::Write | Op::Replace | Op::Into)
                && let Some(src) = pending_link.take()
            {
                links.push((a.path.clone(), src));
            }
            let by = format!("{tool} (`{}`)", a.by);
            // A write through a link made earlier in the command lands in its target.
            if op.mutates() && op != Op::Link {
                for (link, target) in &links {
                    if a.path != *link
                        && let Ok(rest) = a.path.strip_prefix(link)
                    {
                        let through = target.join(rest);
                        self.effects.push(Effect {
                            op,
                            path: NormPath {
                                lexical: through.clone(),
                                real: crate::paths::resolve(&through),
                            },
                            by: format!("{by} through the link {}", link.display()),
                            recursive: a.recursive,
                            names: a.names.clone(),
                            selective: false,
                            content: written_to(r, a, op),
                        });
                    } else if a.path == *link && !matches!(a.by.as_str(), "ln") {
                        self.effects.push(Effect {
                            op,
                            path: NormPath {
                                lexical: target.clone(),
                                real: crate::paths::resolve(target),
                            },
                            by: format!("{by} through the link {}", link.display()),
                            recursive: a.recursive,
                            names: a.names.clone(),
                            selective: false,
                            content: written_to(r, a, op),
                        });
                    }
                }
            }
            // The target of a copy or move that is an existing directory receives what lands
            // in it (the `Into` effects); the directory itself is not rewritten.
            let into_dir = op == Op::Write
                && matches!(
                    a.by.as_str(),
                    "cp" | "mv" | "install" | "ln" | "rsync" | "scp"
                )
                && path.real.is_dir();
            let names = if found {
                find_names_for(r, &path.lexical, ctx)
            } else {
                a.names.clone()
            };
            self.effects.push(Effect {
                op,
                path,
                by,
                recursive: (a.recursive || found) && !into_dir,
                names,
                selective: a.by == "git clean" || a.by == "rsync --delete",
                content: written_to(r, a, op),
            });
        }
        // A patch writes the files it names (`git apply p.diff`, `patch -p1 < p.diff`).
        for c in &r.commands {
            let cwd = c.cwd.clone().unwrap_or_else(|| ctx.cwd.clone());
            let mut patches: Vec<PathBuf> = Vec::new();
            let dry = c.argv.iter().any(|a| {
                matches!(
                    a.value.as_str(),
                    "--check" | "--stat" | "--numstat" | "--summary" | "--cached" | "--dry-run"
                )
            });
            if dry {
                continue;
            }
            if c.name == "patch" {
                patches.extend(
                    c.redirects
                        .iter()
                        .filter(|rd| rd.op == crate::shell::RedirOp::In)
                        .filter_map(|rd| rd.path.clone()),
                );
                let mut it = c.argv.iter();
                while let Some(a) = it.next() {
                    if (a.value == "-i" || a.value == "--input")
                        && let Some(f) = it.next()
                    {
                        patches.push(crate::paths::lexical(&f.value, &cwd, ctx.home.as_deref()));
                    }
                }
            } else if c.name == "git"
                && c.argv
                    .iter()
                    .skip(1)
                    .any(|a| a.value == "apply" || a.value == "am")
            {
                let after = c
                    .argv
                    .iter()
                    .skip_while(|a| a.value != "apply" && a.value != "am")
                    .skip(1);
                patches.extend(
                    after
                        .filter(|a| !a.value.starts_with('-') && !a.unknown)
                        .map(|a| crate::paths::lexical(&a.value, &cwd, ctx.home.as_deref())),
                );
            }
            for p in patches {
                for target in patch_targets(&p) {
                    let lexical = crate::paths::lexical(&target, &cwd, ctx.home.as_deref());
                    self.effects.push(Effect {
                        op: Op::Write,
                        path: NormPath {
                            real: crate::paths::resolve(&lexical),
                            lexical,
                        },
                        by: format!("{tool} (`{}`, a file named in {})", c.name, p.display()),
                        recursive: false,
                        names: Vec::new(),
                        selective: false,
                        content: Vec::new(),
                    });
                }
            }
        }
        for u in &r.unresolved {
            let op = match (u.kind, u.change) {
                (AccessKind::Delete, _) => Op::Delete,
                (_, Change::Attributes) => Op::Attributes,
                (_, Change::RenameFrom) => Op::Rename,
                (_, Change::LinkTo) => Op::Link,
                (_, Change::Create) => Op::Create,
                _ => Op::Write,
            };
            let cmd = r.commands.get(u.command);
            // After a `cd` to a directory only known at run time, a relative path may be
            // anywhere: `*/NAME`.
            let cwd_unknown = cmd.is_some_and(|c| c.cwd.is_none());
            let pattern = if cwd_unknown && !u.text.starts_with(['/', '~', '$']) {
                runtime_pattern(&format!("$CWD/{}", u.text), None, ctx)
            } else {
                runtime_pattern(&u.text, cmd.and_then(|c| c.cwd.as_deref()), ctx)
            };
            self.runtime.push(RuntimeEffect {
                op,
                pattern,
                shown: u.text.clone(),
                by: format!("{tool} (`{}`)", u.by),
                fed_from: cmd.map(|c| fed_paths(r, c, ctx)).unwrap_or_default(),
            });
        }
        // Redirections to a target only known at run time (`> "$f"`).
        for c in &r.commands {
            // Unknown targets, and known names after a `cd` to an unknown directory.
            let runtime = |rd: &&crate::shell::Redirection| {
                rd.op.writes()
                    && (rd.unknown
                        || (rd.path.is_none()
                            && !rd.target.is_empty()
                            && rd.target != "-"
                            && !rd.target.chars().all(|ch| ch.is_ascii_digit())))
            };
            for rd in c.redirects.iter().filter(runtime) {
                let pattern = if !rd.unknown && c.cwd.is_none() && !rd.target.starts_with('/') {
                    runtime_pattern(&format!("$CWD/{}", rd.target), None, ctx)
                } else {
                    runtime_pattern(&rd.target, c.cwd.as_deref(), ctx)
                };
                self.runtime.push(RuntimeEffect {
                    op: Op::Write,
                    pattern,
                    shown: rd.target.clone(),
                    by: format!("{tool} (`{} redirect`)", rd.op.as_str()),
                    fed_from: fed_paths(r, c, ctx),
                });
            }
        }
    }

    /// The mutating effects.
    pub fn changes(&self) -> impl Iterator<Item = &Effect> {
        self.effects.iter().filter(|e| e.op.mutates())
    }
}

/// The `-name`/`-iname` globs of the `find` whose `-exec` made an access under `dir` (the
/// `find` that starts there): what it can be handed. Empty (every file) when another test also
/// chooses, or when no such `find` is known.
/// Most effects an audit record lists; the rest are counted.
pub const MAX_RECORDED: usize = 32;
/// Longest entry an audit record keeps for one effect.
pub const MAX_RECORDED_ENTRY: usize = 256;

impl Effects {
    /// The effects as the audit record lists them: `op path` (with ` (recursive)`, or
    /// ` (at run time)` for a target only known when the command runs), then `run PROGRAM`,
    /// `network HOST (by)`, `env NAME (by)`; never content or an environment value;
    /// repeats once, at most [`MAX_RECORDED`] entries of at most [`MAX_RECORDED_ENTRY`]
    /// bytes. `redact` is applied to each entry (a path or an argument can hold a token).
    pub fn for_record(&self, redact: impl Fn(&str) -> String) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for e in &self.effects {
            let mut s = format!("{} {}", e.op.as_str(), e.path.display());
            if e.recursive {
                s.push_str(" (recursive)");
            }
            all.push(s);
        }
        for r in &self.runtime {
            all.push(format!("{} {} (at run time)", r.op.as_str(), r.shown));
        }
        for a in &self.actions {
            all.push(match a {
                // The program only: its arguments are the subject's, and can be content.
                Action::Run { program, .. } => format!("run {program}"),
                Action::Network { host, by } => format!("network {host} ({by})"),
                Action::Env { name, by } => format!("env {name} ({by})"),
            });
        }
        let mut out: Vec<String> = Vec::new();
        let mut more = 0usize;
        for s in all {
            let s = cut(&redact(&s), MAX_RECORDED_ENTRY);
            if out.contains(&s) {
                continue;
            }
            if out.len() == MAX_RECORDED {
                more += 1;
                continue;
            }
            out.push(s);
        }
        if more > 0 {
            out.push(format!("… {more} more"));
        }
        out
    }
}

/// `s` cut to `max` bytes on a character boundary, marked when cut.
fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// The text a write tool puts into its file: Write `content`, Edit `new_string`, MultiEdit
/// `edits[].new_string`, NotebookEdit `new_source`, each named as the reasons name it.
fn tool_content(ev: &Event) -> Vec<Content> {
    let tool = ev.tool();
    let Some(input) = ev.tool_input.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in ["content", "new_string", "new_source"] {
        if let Some(s) = input.get(key).and_then(serde_json::Value::as_str) {
            out.push(Content {
                from: format!("the {tool} `{key}`"),
                text: s.to_string(),
            });
        }
    }
    if let Some(edits) = input.get("edits").and_then(serde_json::Value::as_array) {
        for (i, e) in edits.iter().enumerate() {
            if let Some(s) = e.get("new_string").and_then(serde_json::Value::as_str) {
                out.push(Content {
                    from: format!("the {tool} edit {}", i + 1),
                    text: s.to_string(),
                });
            }
        }
    }
    out
}

/// The text the command is known to write into the file of a content write `a`.
fn written_to(r: &ShellReport, a: &crate::shell::Access, op: Op) -> Vec<Content> {
    if op != Op::Write {
        return Vec::new();
    }
    r.written
        .iter()
        .filter(|w| w.path == a.path)
        .map(|w| Content {
            from: format!("the text `{}` writes to `{}`", w.by, w.path.display()),
            text: w.text.clone(),
        })
        .collect()
}

fn find_names_for(r: &ShellReport, dir: &std::path::Path, ctx: &Context) -> Vec<String> {
    let starts_at = |c: &crate::shell::SimpleCommand| {
        let cwd = c.cwd.clone().unwrap_or_else(|| ctx.cwd.clone());
        crate::shell::wrappers::find_starts(&c.argv)
            .iter()
            .any(|s| crate::paths::lexical(&s.value, &cwd, ctx.home.as_deref()) == *dir)
    };
    let Some(find) = r
        .commands
        .iter()
        .rev()
        .find(|c| c.name == "find" && starts_at(c))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut it = find.argv.iter().skip(1);
    while let Some(a) = it.next() {
        if matches!(a.value.as_str(), "-name" | "-iname")
            && let Some(n) = it.next()
        {
            out.push(n.value.clone());
        }
        if matches!(
            a.value.as_str(),
            "-path" | "-ipath" | "-regex" | "-iregex" | "-wholename" | "-o" | "-or" | "-not" | "!"
        ) {
            return Vec::new();
        }
    }
    out
}

/// The files a unified or git diff on disk would change, as the patch names them (`+++ b/X`,
/// `rename to X`), with a leading `a/` or `b/` taken off. Only a regular file of at most
/// 256 KiB is read: never a FIFO or device.
fn patch_targets(path: &std::path::Path) -> Vec<String> {
    const MAX: u64 = 256 * 1024;
    let Ok(meta) = std::fs::metadata(path) else {
        return Vec::new();
    };
    if !meta.is_file() || meta.len() > MAX {
        return Vec::new();
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in text.lines() {
        let named = line
            .strip_prefix("+++ ")
            .or_else(|| line.strip_prefix("--- "))
            .or_else(|| line.strip_prefix("rename to "))
            .or_else(|| line.strip_prefix("rename from "))
            .or_else(|| line.strip_prefix("copy to "));
        let Some(named) = named else { continue };
        let name = named.split('\t').next().unwrap_or("").trim();
        if name.is_empty() || name == "/dev/null" {
            continue;
        }
        let name = name
            .strip_prefix("a/")
            .or_else(|| name.strip_prefix("b/"))
            .unwrap_or(name)
            .to_string();
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The operands of the commands whose output feeds `c` (its pipeline upstream and its
/// substitutions), as paths: a run-time target derived from a listing of `.claude` is one
/// of `.claude`'s files.
fn fed_paths(r: &ShellReport, c: &crate::shell::SimpleCommand, ctx: &Context) -> Vec<NormPath> {
    let mut out = Vec::new();
    for &i in c
        .connection
        .fed_by
        .iter()
        .chain(c.connection.pipe_from.iter())
    {
        let Some(up) = r.commands.get(i) else {
            continue;
        };
        let cwd = up.cwd.clone().unwrap_or_else(|| ctx.cwd.clone());
        // `$(which hookguard)`, `$(command -v hookguard)`: the program's path on `PATH`.
        let looks_up = matches!(up.name.as_str(), "which" | "whereis" | "type" | "command");
        for a in up.argv.iter().skip(1).filter(|a| !a.unknown) {
            if a.value.starts_with('-') || a.value.is_empty() {
                continue;
            }
            if looks_up
                && let Some(bin) = &ctx.binary
                && bin
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy() == a.value)
            {
                out.push(NormPath {
                    lexical: bin.clone(),
                    real: crate::paths::resolve(bin),
                });
            }
            out.push(NormPath::new(&a.value, &cwd, ctx.home.as_deref()));
        }
    }
    out
}

/// A run-time argument as a glob: each unknown part (`$x`, `${x}`, `$(…)`, `` `…` ``) becomes
/// `*`; `None` when nothing but unknown parts and separators is left.
pub fn runtime_pattern(text: &str, cwd: Option<&std::path::Path>, ctx: &Context) -> Option<String> {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '$' || c == '`' {
            // Skip to the end of the expansion.
            let close = match chars.get(i + 1) {
                _ if c == '`' => Some('`'),
                Some('(') => Some(')'),
                Some('{') => Some('}'),
                _ => None,
            };
            match close {
                Some(cl) => {
                    let mut depth = 0usize;
                    let mut j = i + 1;
                    while j < chars.len() {
                        if c != '`' && chars[j] == chars[i + 1] {
                            depth += 1;
                        } else if chars[j] == cl {
                            if c == '`' || depth <= 1 {
                                break;
                            }
                            depth -= 1;
                        }
                        j += 1;
                    }
                    i = j + 1;
                }
                None => {
                    i += 1;
                    while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                        i += 1;
                    }
                }
            }
            if !out.ends_with('*') {
                out.push('*');
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    if out.chars().all(|c| c == '*' || c == '/' || c == '.') {
        return None;
    }
    // A leading unknown part may be an absolute path: the pattern stays unanchored.
    if out.starts_with('*') {
        return Some(out);
    }
    let base = cwd.unwrap_or(&ctx.cwd);
    Some(crate::paths::glob_text(&crate::paths::lexical(
        &out,
        base,
        ctx.home.as_deref(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            cwd: PathBuf::from("/w/p"),
            project_root: PathBuf::from("/w/p"),
            home: Some(PathBuf::from("/h")),
            temp_dir: PathBuf::from("/tmp"),
            audit_log: PathBuf::new(),
            binary: None,
            user_policy_dir: None,
            managed_policy_dir: PathBuf::from("/etc/hookguard"),
            claude_config_dir: None,
            headless: false,
        }
    }

    #[test]
    fn unknown_parts_become_stars() {
        let c = ctx();
        let p = |t: &str| runtime_pattern(t, None, &c);
        assert_eq!(p("$D/settings.json").as_deref(), Some("*/settings.json"));
        assert_eq!(p("${D}/x").as_deref(), Some("*/x"));
        assert_eq!(
            p(".claude/$(ls .claude | head -1)").as_deref(),
            Some("/w/p/.claude/*")
        );
        assert_eq!(p("`pwd`/.claude").as_deref(), Some("*/.claude"));
        assert_eq!(p("a$X$Y.json").as_deref(), Some("/w/p/a*.json"));
        assert_eq!(p("~/.claude/$F").as_deref(), Some("/h/.claude/*"));
        assert_eq!(p("$F"), None);
        assert_eq!(p("$(mktemp)"), None);
        assert_eq!(p("$A/$B"), None);
    }

    #[test]
    fn whole_tree_ops_are_the_directory_ones() {
        for op in [
            Op::Delete,
            Op::Attributes,
            Op::Rename,
            Op::Link,
            Op::Replace,
        ] {
            assert!(op.whole_tree() && op.mutates(), "{op:?}");
        }
        for op in [Op::Write, Op::Create, Op::Into, Op::Lock] {
            assert!(!op.whole_tree() && op.mutates(), "{op:?}");
        }
        for op in [Op::Read, Op::Search, Op::Exec, Op::Named] {
            assert!(!op.mutates(), "{op:?}");
        }
    }
}
