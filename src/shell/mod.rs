//! The shell analyser: understands a Bash command the way bash would run it.
//!
//! Pipeline position: `event` → **shell** → controls. [`analyse`] parses the command
//! ([`parser`]), walks the tree resolving words as bash would ([`word`], `analyser`), peels
//! wrappers off each simple command ([`wrappers`]), records the files each command touches
//! ([`access`]) and runs the program-knowledge tables ([`programs`]) over the result. What it
//! cannot know makes the command opaque: a finding with rule `shell.opaque`, never a pass.
//!
//! The analyser reports; it does not decide. Path controls (C2, C3, C4, C17) are the core's,
//! applied to [`ShellReport::accesses`]; the profile turns findings into verdicts.
//!
//! The access table and the program checks read options and operands through one reader
//! (`options`); tests, benchmarks and fuzz targets build their environment with [`TestEnv`].

pub mod access;
mod analyser;
pub mod ast;
pub mod glob;
pub mod interp;
mod options;
pub mod parser;
pub mod programs;
pub mod rescan;
mod testenv;
pub mod word;
pub mod wrappers;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::decision::Finding;

pub use ast::RedirOp;
pub use testenv::TestEnv;

/// What the analyser knows about the environment the command runs in.
pub struct ShellEnv<'a> {
    /// Absolute: the event's `cwd`.
    pub cwd: &'a Path,
    pub home: Option<&'a Path>,
    pub project_root: &'a Path,
    /// The project root, the temp directory and policy additions.
    pub write_roots: &'a [PathBuf],
    /// Globs such as `release/*`; the built-in list is always added (see
    /// [`programs::git::BUILTIN_PROTECTED`]).
    pub protected_branches: &'a [String],
    /// Markers a commit message or PR must carry; default `["[AI-assisted]"]`.
    pub ai_markers: &'a [String],
    /// Whether a name is a production identifier (the core passes its policy-aware test).
    pub is_production_identifier: &'a dyn Fn(&str) -> bool,
    /// When false the analyser never touches the disk (scripts, globs, kubeconfig, `-F` files).
    pub read_files: bool,
}

/// The built-in production identifier test: a token `prod`, `production`, `prd` or `live`
/// delimited by the start or end of the name or by a non-alphanumeric character.
pub fn builtin_production_identifier(name: &str) -> bool {
    name.split(|c: char| !c.is_ascii_alphanumeric()).any(|tok| {
        let t = tok.to_ascii_lowercase();
        matches!(t.as_str(), "prod" | "production" | "prd" | "live")
    })
}

/// The program name bash would look up for `arg0`: the file name of a path.
pub(crate) fn analyser_program_name(arg0: &str) -> String {
    analyser::program_name(arg0)
}

/// Analyses a Bash command. Total: bounded time and memory, never panics.
pub fn analyse(command: &str, env: &ShellEnv) -> ShellReport {
    analyser::run(command, env)
}

/// What the command would do.
#[derive(Debug, Clone, Default)]
pub struct ShellReport {
    /// The simple commands that would run, flattened and resolved, in execution order.
    pub commands: Vec<SimpleCommand>,
    /// Every file path the command reads, writes, deletes or executes, absolute.
    pub accesses: Vec<Access>,
    /// Program knowledge; what could not be analysed has rule `shell.opaque`.
    pub findings: Vec<Finding>,
    /// The resolved commands, one per line, for custom regex rules and the audit log.
    pub normalised: String,
    /// Writes, deletes and metadata changes of paths only known when the command runs
    /// (`rm "$f"`, `… | xargs rm`), as written.
    pub unresolved: Vec<Unresolved>,
    /// The text the command writes into files, where the analyser knows it (`cat > f <<EOF`,
    /// `echo … > f`, `printf … >> f`, `… | tee f`): what the content controls read
    /// (`crate::effects`). Bounded by [`MAX_WRITTEN_BYTES`]; repeats are kept once.
    pub written: Vec<Written>,
}

/// Most bytes of written text a report keeps; beyond it the command's own text is still scanned.
pub const MAX_WRITTEN_BYTES: usize = 4 * 1024 * 1024;
/// Most written texts a report keeps.
pub const MAX_WRITTEN: usize = 1024;

/// Text a command writes into a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Absolute, as in [`Access::path`].
    pub path: PathBuf,
    /// What this write adds: for an append, the appended text.
    pub text: String,
    /// The command word and how (`cat`, `> redirect`): `echo > redirect`, `tee`.
    pub by: String,
}

/// A mutating access whose path is only known at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The argument as written, unknown parts shown as in the command (`$f`, `$(…)`).
    pub text: String,
    pub kind: AccessKind,
    pub change: Change,
    pub by: String,
    /// Index in [`ShellReport::commands`] of the command that makes it.
    pub command: usize,
}

impl ShellReport {
    /// Whether any part of the command could not be analysed.
    pub fn is_opaque(&self) -> bool {
        self.findings.iter().any(|f| f.rule == programs::OPAQUE)
    }

    /// The rule ids of the findings, in order, without duplicates.
    pub fn rules(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in &self.findings {
            if !out.contains(&f.rule.as_str()) {
                out.push(&f.rule);
            }
        }
        out
    }
}

/// A file access.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Access {
    pub path: PathBuf,
    pub kind: AccessKind,
    /// The command word that does it (`cat`, `rm`, `> redirect`).
    pub by: String,
    pub recursive: bool,
    /// What a write or delete changes; `Content` for reads and plain writes.
    pub change: Change,
    /// For a selective delete over a tree (`find -name X -delete`): the name patterns that
    /// choose what goes; empty when every file under the path may.
    pub names: Vec<String>,
}

/// What a mutating access changes, finer than [`AccessKind`], for the effects model
/// (`crate::effects`): a rename, a mode change or a link acts on a directory's whole tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Change {
    /// Bytes of the file (or, for reads and executes, nothing changes).
    #[default]
    Content,
    /// A new empty file or directory (`touch`, `mkdir`): nothing under it changes.
    Create,
    /// Mode, owner, ACL or attributes (`chmod`, `chown`, `setfacl`, `chattr`).
    Attributes,
    /// The path is moved away (`mv` source, `git mv` source).
    RenameFrom,
    /// A link is made to the path (`ln` source): later writes through the link land in it.
    LinkTo,
    /// The path is replaced as a whole (`ln -sfn X dir`, `mv -T`, `cp -rT`).
    Replace,
    /// A file copied, moved or linked into this directory: judged as `DIR/NAME` (the access
    /// path), and only when the directory exists.
    Into,
    /// A lock is taken on the file (`flock FILE`): it is opened and may be created.
    Lock,
}

/// How a file is accessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessKind {
    Read,
    Write,
    Delete,
    Execute,
}

impl AccessKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessKind::Read => "read",
            AccessKind::Write => "write",
            AccessKind::Delete => "delete",
            AccessKind::Execute => "execute",
        }
    }
}

/// One resolved argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub value: String,
    /// Part of the value is unknown (environment, command output); shown as written.
    pub unknown: bool,
    /// The glob pattern the argument came from, if pathname expansion applied.
    pub pattern: Option<String>,
}

impl Arg {
    pub fn known(value: impl Into<String>) -> Arg {
        Arg {
            value: value.into(),
            unknown: false,
            pattern: None,
        }
    }
}

/// A resolved redirection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirection {
    pub fd: Option<u32>,
    pub op: RedirOp,
    /// The target as resolved (a path, an fd number, or here-document text).
    pub target: String,
    /// The absolute path for file targets, when known.
    pub path: Option<PathBuf>,
    pub unknown: bool,
}

/// Where a command came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Written in the command itself.
    Inline,
    /// A string run by `bash -c`, `su -c`, `eval`, `watch`, `trap`, a git alias, ...
    String { by: String },
    /// A script file, read from disk or from what the command wrote earlier.
    Script { path: PathBuf },
    /// A command string found in an interpreter one-liner (`os.system("...")`).
    OneLiner { by: String },
    /// Derived from another command (`find -exec`, `xargs`).
    Derived { by: String },
    /// A function body or alias, analysed where it is defined.
    Definition { name: String },
}

/// How a command is connected to the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connection {
    /// The command whose output this one reads through a pipe.
    pub pipe_from: Option<usize>,
    /// The commands whose output flows into this one: the commands inside this command's
    /// substitutions, the one it reads through a pipe, and the first downloader or decoder
    /// (`curl`, `base64 -d`) further up the pipeline, however many stages away. Not the whole
    /// closure, which grows with the square of the pipeline's length.
    pub fed_by: Vec<usize>,
    /// Inside `$(...)`, backticks, `<(...)` or `>(...)` of another command.
    pub in_substitution: bool,
    /// Run in the background with `&`.
    pub background: bool,
    /// Detached from the session (`nohup`, `setsid`, `disown`).
    pub detached: bool,
}

/// A simple command that would run, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    /// The argv of the command that really runs, after unwrapping. Empty for a bare
    /// assignment or redirection.
    pub argv: Vec<Arg>,
    /// The program name: `argv[0]`'s file name (`/usr/bin/sudo` → `sudo`).
    pub name: String,
    /// The working directory at this point; `None` when it cannot be known.
    pub cwd: Option<PathBuf>,
    /// Environment given to this command (`VAR=x cmd`, `env VAR=x`); `None` value = unknown.
    pub env: Vec<(String, Option<String>)>,
    pub redirects: Vec<Redirection>,
    /// The wrappers peeled off, outermost first (`sudo`, `env`, `timeout`, ...).
    pub wrappers: Vec<String>,
    pub connection: Connection,
    pub origin: Origin,
    /// Nesting depth of re-parsed strings and scripts (0 = the command itself).
    pub depth: usize,
}

impl SimpleCommand {
    /// The argument values, `argv[1..]`.
    pub fn args(&self) -> impl Iterator<Item = &str> {
        self.argv.iter().skip(1).map(|a| a.value.as_str())
    }

    /// Whether any argument equals `flag`.
    pub fn has(&self, flag: &str) -> bool {
        self.args().any(|a| a == flag)
    }

    /// Whether a wrapper or the program itself is `name`.
    pub fn runs_as(&self, name: &str) -> bool {
        self.name == name || self.wrappers.iter().any(|w| w == name)
    }
}

impl fmt::Display for SimpleCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (k, v) in &self.env {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{k}={}", word::shell_quote(v.as_deref().unwrap_or("$?")))?;
        }
        for a in &self.argv {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            if a.unknown {
                f.write_str(&a.value)?;
            } else {
                f.write_str(&word::shell_quote(&a.value))?;
            }
        }
        for r in &self.redirects {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            if let Some(fd) = r.fd {
                write!(f, "{fd}")?;
            }
            let target = match r.op {
                RedirOp::HereDoc | RedirOp::HereString => "…".to_string(),
                _ => word::shell_quote(&r.target),
            };
            write!(f, "{}{target}", r.op.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! production {
        ($($name:ident: $id:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() { assert_eq!(builtin_production_identifier($id), $want, "{}", $id); }
        )*};
    }

    production! {
        prod: "prod" => true;
        production_word: "production" => true;
        prd: "prd" => true;
        live: "live" => true;
        eu_prod_1: "eu-prod-1" => true;
        host: "app.prod.example.gov.uk" => true;
        live_db: "live-db" => true;
        upper: "PROD_DB" => true;
        prd_upper: "PRD" => true;
        db_live: "db_live" => true;
        production2: "production2" => false;
        liver: "liver" => false;
        product: "product" => false;
        delivery: "delivery" => false;
        olive: "olive" => false;
        staging: "staging" => false;
        prodigy: "prodigy" => false;
        empty: "" => false;
    }

    #[test]
    fn display_quotes_what_needs_quoting() {
        let cmd = SimpleCommand {
            argv: vec![
                Arg::known("git"),
                Arg::known("commit"),
                Arg::known("-m"),
                Arg::known("a b"),
            ],
            name: "git".into(),
            cwd: None,
            env: vec![("A".into(), Some("1".into()))],
            redirects: Vec::new(),
            wrappers: Vec::new(),
            connection: Connection::default(),
            origin: Origin::Inline,
            depth: 0,
        };
        assert_eq!(cmd.to_string(), "A=1 git commit -m 'a b'");
    }
}
