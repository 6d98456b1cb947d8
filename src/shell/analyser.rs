//! The walk: flattens the syntax tree into the simple commands that would run, in order,
//! tracking what bash tracks (variables, the working directory, the directory stack, IFS,
//! globbing options, functions) and what the command writes to files, so that later parts of
//! the command are analysed with what earlier parts did (`cd`, `F=-rf`, `echo … > x.sh`).
//!
//! Wrappers are peeled ([`super::wrappers`]), strings that bash would run again (`bash -c`,
//! `eval`, `trap`, aliases, scripts, one-liner `system()` calls) are re-parsed to a bounded
//! depth, and every place where the analysis has to give up records a `shell.opaque` finding.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use super::access::{self, RawAccess};
use super::ast::*;
use super::interp;
use super::parser;
use super::programs::{self, OPAQUE};
use super::word::{self, Context, Lookup};
use super::wrappers;
use super::{
    AccessKind, Arg, Connection, Origin, Redirection, ShellEnv, ShellReport, SimpleCommand,
};
use crate::decision::Finding;

/// How many times a string may be re-parsed inside another (`bash -c "eval '…'"`).
pub const MAX_REPARSE: usize = 8;
/// The largest script read from disk.
pub const MAX_SCRIPT: u64 = 256 * 1024;
/// The most script text read for one command, all scripts together.
pub const MAX_SCRIPT_TOTAL: usize = 1 << 20;
/// The most simple commands one analysis records.
pub const MAX_COMMANDS: usize = 5_000;

#[derive(Debug, Clone)]
struct State {
    vars: HashMap<String, Lookup>,
    cwd: Option<PathBuf>,
    oldpwd: Option<PathBuf>,
    dirstack: Vec<Option<PathBuf>>,
    noglob: bool,
    dotglob: bool,
    functions: HashSet<String>,
}

#[derive(Debug, Clone)]
struct Frame {
    origin: Origin,
    in_substitution: bool,
    background: bool,
    detached: bool,
    /// Commands whose output reaches every command in this frame (a pipe into a group).
    pipe_in: Option<usize>,
}

/// A command on its way to being recorded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pending {
    pub argv: Vec<Arg>,
    pub env: Vec<(String, Option<String>)>,
    pub redirects: Vec<Redirection>,
    pub wrappers: Vec<String>,
    pub fed_by: Vec<usize>,
    pub pipe_from: Option<usize>,
    /// Known standard input (here-document, here-string, piped known output).
    pub stdin: Option<String>,
    /// Standard input comes from somewhere (a pipe or `<`), known or not.
    pub stdin_redirected: bool,
    pub cwd: Option<Option<PathBuf>>,
    pub detached: bool,
}

pub(crate) struct Analyser<'e, 'a> {
    pub(crate) env: &'e ShellEnv<'a>,
    /// Shared until written: saving it around a pipeline stage or a subshell is a pointer copy,
    /// not a copy of every variable (a long pipeline after many assignments was quadratic).
    st: std::rc::Rc<State>,
    pub(crate) report: ShellReport,
    outputs: Vec<Option<String>>,
    /// What the command wrote to files so far: `None` = written with unknown content.
    files: HashMap<PathBuf, Option<String>>,
    procsubs: HashMap<String, Option<String>>,
    next_fd: u32,
    pub(crate) downloaded: HashSet<PathBuf>,
    /// The accesses already in `report.accesses`: a command of thousands of parts touches
    /// thousands of paths, and looking each up in the list was quadratic.
    seen_accesses: HashSet<super::Access>,
    frame: Frame,
    reparse: usize,
    nest: usize,
    script_bytes: usize,
    heredoc_tables: Vec<Vec<HereDoc>>,
    /// The filesystem walk all the command's globs share.
    walk: super::glob::Walk,
    /// The give-up path (`super::rescan`): the analysis stopped at a cap or a parse error
    /// somewhere in the command itself, and the strings it would have run but did not parse.
    gave_up: bool,
    gave_up_on: Vec<String>,
    gave_up_bytes: usize,
}

/// Runs the analysis of one command line.
pub(crate) fn run(command: &str, env: &ShellEnv) -> ShellReport {
    run_level(command, env, 0, &mut super::rescan::budget_for(command)).0
}

/// [`run`] at rescan depth `level` (0: the command itself), within a rescan byte budget; and
/// whether the command parsed.
pub(crate) fn run_level(
    command: &str,
    env: &ShellEnv,
    level: usize,
    budget: &mut usize,
) -> (ShellReport, bool) {
    let mut a = Analyser {
        env,
        st: std::rc::Rc::new(State {
            vars: HashMap::new(),
            cwd: Some(normalise(env.cwd)),
            oldpwd: None,
            dirstack: Vec::new(),
            noglob: false,
            dotglob: false,
            functions: HashSet::new(),
        }),
        report: ShellReport::default(),
        outputs: Vec::new(),
        files: HashMap::new(),
        procsubs: HashMap::new(),
        next_fd: 63,
        downloaded: HashSet::new(),
        seen_accesses: HashSet::new(),
        frame: Frame {
            origin: Origin::Inline,
            in_substitution: false,
            background: false,
            detached: false,
            pipe_in: None,
        },
        reparse: 0,
        nest: 0,
        script_bytes: 0,
        heredoc_tables: Vec::new(),
        walk: Default::default(),
        gave_up: false,
        gave_up_on: Vec::new(),
        gave_up_bytes: 0,
    };
    let parsed = parser::parse(command);
    let ok = parsed.is_ok();
    match parsed {
        Ok(script) => a.walk_script(&script),
        Err(e) => a.give_up(
            &excerpt(command),
            &format!("the command could not be parsed ({e})"),
        ),
    }
    programs::check_all(&mut a.report, env);
    // Where the analysis gave up, the dangerous findings of what it could read still decide.
    // The command itself is cut into fragments once, at the first level; below it only the
    // strings a fragment runs are (a fragment cut again is the same fragment).
    let mut texts: Vec<&str> = a.gave_up_on.iter().map(String::as_str).collect();
    if a.gave_up && level == 0 {
        texts.insert(0, command);
    }
    if !texts.is_empty() {
        super::rescan::rescan(&mut a.report, &texts, env, level, budget);
    }
    let lines: Vec<String> = a.report.commands.iter().map(|c| c.to_string()).collect();
    a.report.normalised = lines.join("\n");
    dedup_findings(&mut a.report.findings);
    (a.report, ok)
}

fn dedup_findings(findings: &mut Vec<Finding>) {
    let mut seen = HashSet::new();
    findings.retain(|f| seen.insert((f.rule.clone(), f.subject.clone())));
}

fn excerpt(s: &str) -> String {
    let s = s.trim();
    let mut out: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// Folds `.` and `..` lexically (symlinks are the core's business).
pub(crate) fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if out.parent().is_some() {
                    out.pop();
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push("/");
    }
    out
}

/// The program name bash would look up: the file name of a path.
pub(crate) fn program_name(arg0: &str) -> String {
    if arg0.contains('/') {
        arg0.rsplit('/')
            .find(|s| !s.is_empty())
            .unwrap_or("/")
            .to_string()
    } else {
        arg0.to_string()
    }
}

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh", "rbash",
];

/// Devices whose access is not a file access worth reporting.
fn is_harmless_device(p: &str) -> bool {
    matches!(
        p,
        "/dev/null"
            | "/dev/zero"
            | "/dev/stdin"
            | "/dev/stdout"
            | "/dev/stderr"
            | "/dev/tty"
            | "/dev/random"
            | "/dev/urandom"
    ) || p.starts_with("/dev/fd/")
}

impl<'e, 'a> Analyser<'e, 'a> {
    /// [`Self::opaque`] where the analysis stops at a cap or a parse error: the command is
    /// then rescanned for dangerous fragments (`super::rescan`).
    fn give_up(&mut self, subject: &str, what: &str) {
        self.gave_up = true;
        self.opaque(subject, what);
    }

    /// [`Self::give_up`] on a string the command would run (`bash -c`, `eval`, a script).
    /// The strings kept are bounded ([`super::rescan::KEPT_MAX`] bytes in all); the command
    /// itself, which holds every literal one, is rescanned too.
    fn give_up_on(&mut self, text: &str, what: &str) {
        self.gave_up = true;
        if self.gave_up_bytes + text.len() <= super::rescan::KEPT_MAX {
            self.gave_up_bytes += text.len();
            self.gave_up_on.push(text.to_string());
        }
        self.opaque(&excerpt(text), what);
    }

    pub(crate) fn opaque(&mut self, subject: &str, what: &str) {
        self.report.findings.push(Finding::new(
            OPAQUE,
            "PR-06",
            subject,
            format!(
                "Refused to treat this command as safe: {what}, so hookguard cannot tell what \
                 it would run or touch (PR-06). Write the command out literally, without \
                 hiding the program or its arguments behind variables, substitutions or \
                 generated strings."
            ),
        ));
    }

    fn resolve_path(&self, cwd: &Option<PathBuf>, raw: &str) -> Option<PathBuf> {
        if raw.starts_with('/') {
            return Some(normalise(Path::new(raw)));
        }
        cwd.as_ref().map(|c| normalise(&c.join(raw)))
    }

    // ------------------------------------------------------------------ tree walk

    /// Walks a freshly parsed script (its here-document table is in force while it runs).
    fn walk_script(&mut self, script: &Script) {
        self.heredoc_tables.push(script.heredocs.clone());
        self.walk_list(&script.body);
        self.heredoc_tables.pop();
    }

    fn walk_list(&mut self, list: &List) {
        self.nest += 1;
        if self.nest > parser::MAX_DEPTH {
            self.give_up("…", "the command nests deeper than hookguard analyses");
            self.nest -= 1;
            return;
        }
        for item in &list.items {
            if self.report.commands.len() >= MAX_COMMANDS {
                self.give_up(
                    "…",
                    "the command expands to more commands than hookguard analyses",
                );
                break;
            }
            let saved = self.frame.background;
            if item.background {
                self.frame.background = true;
                let start = self.report.commands.len();
                self.walk_and_or(&item.and_or);
                let subject = self
                    .report
                    .commands
                    .get(start)
                    .map(|c| c.to_string())
                    .unwrap_or_default();
                self.report
                    .findings
                    .push(programs::background::finding(&subject, "&"));
            } else {
                self.walk_and_or(&item.and_or);
            }
            self.frame.background = saved;
        }
        self.nest -= 1;
    }

    fn walk_and_or(&mut self, ao: &AndOr) {
        self.walk_pipeline(&ao.first);
        for (_, p) in &ao.rest {
            self.walk_pipeline(p);
        }
    }

    fn walk_pipeline(&mut self, p: &Pipeline) {
        let mut prev: Option<usize> = None;
        let multi = p.commands.len() > 1;
        for cmd in &p.commands {
            let saved_st = if multi { Some(self.st.clone()) } else { None };
            let saved_pipe = self.frame.pipe_in;
            if prev.is_some() {
                self.frame.pipe_in = prev;
            }
            let last = self.walk_command(cmd);
            self.frame.pipe_in = saved_pipe;
            if let Some(s) = saved_st {
                // Each stage of a multi-command pipeline runs in a subshell.
                self.st = s;
            }
            prev = last.or(prev);
        }
    }

    /// Walks one command; returns the index of the last simple command it recorded.
    fn walk_command(&mut self, cmd: &Command) -> Option<usize> {
        match cmd {
            Command::Simple(sc) => self.walk_simple(sc),
            Command::Compound(c, redirects) => {
                let before = self.report.commands.len();
                let redirs = self.resolve_redirects(redirects);
                self.walk_compound(c);
                if !redirs.0.is_empty() {
                    // Record the compound's redirections as a command of their own so that
                    // their accesses are reported.
                    let pending = Pending {
                        redirects: redirs.0,
                        ..Pending::default()
                    };
                    self.record(pending);
                }
                if self.report.commands.len() > before {
                    Some(self.report.commands.len() - 1)
                } else {
                    None
                }
            }
            Command::FunctionDef { name, body } => {
                self.st_mut().functions.insert(name.clone());
                let saved_st = self.st.clone();
                let saved = std::mem::replace(
                    &mut self.frame.origin,
                    Origin::Definition { name: name.clone() },
                );
                // The body is analysed where it is defined, as if it ran: hookguard does not
                // follow calls, so every definition counts.
                self.walk_command(body);
                self.frame.origin = saved;
                let functions = self.st.functions.clone();
                self.st = saved_st;
                self.st_mut().functions = functions;
                None
            }
        }
    }

    fn walk_compound(&mut self, c: &Compound) {
        match c {
            Compound::Subshell(list) => {
                let saved = self.st.clone();
                self.walk_list(list);
                self.st = saved;
            }
            Compound::Group(list) => self.walk_list(list),
            Compound::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    self.walk_list(cond);
                    self.walk_list(body);
                }
                if let Some(o) = otherwise {
                    self.walk_list(o);
                }
            }
            Compound::For { var, items, body } => {
                let mut values = Vec::new();
                let mut known = true;
                if let Some(items) = items {
                    for w in items {
                        match word::resolve(w, self) {
                            Ok(fields) => {
                                for f in fields {
                                    known &= !f.unknown;
                                    values.push(f.value);
                                }
                            }
                            Err(e) => {
                                self.opaque(
                                    "for",
                                    &format!("a loop list could not be resolved ({e})"),
                                );
                                known = false;
                            }
                        }
                    }
                } else {
                    known = false;
                }
                // One pass per known value (bounded), else one pass with the value unknown.
                if known && !values.is_empty() && values.len() <= 8 {
                    for v in values {
                        self.st_mut()
                            .vars
                            .insert(var.clone(), Lookup::Known(vec![v]));
                        self.walk_list(body);
                    }
                } else {
                    self.st_mut().vars.insert(var.clone(), Lookup::Unknown);
                    self.walk_list(body);
                }
            }
            // Words of compound commands are resolved only for the substitutions they run;
            // their values do not matter here.
            Compound::ArithFor { header, body } => {
                let _ = word::resolve_string(header, self);
                self.walk_list(body);
            }
            Compound::While { cond, body } => {
                self.walk_list(cond);
                self.walk_list(body);
            }
            Compound::Case { word: w, arms } => {
                let _ = word::resolve_string(w, self);
                for (patterns, body) in arms {
                    for p in patterns {
                        let _ = word::resolve_string(p, self);
                    }
                    self.walk_list(body);
                }
            }
            Compound::Arith(w) => {
                let _ = word::resolve_string(w, self);
            }
            Compound::Cond(words) => {
                for w in words {
                    let _ = word::resolve_string(w, self);
                }
            }
        }
    }

    /// Resolves redirections; returns them and the known standard input they give.
    fn resolve_redirects(
        &mut self,
        redirects: &[Redirect],
    ) -> (Vec<Redirection>, Option<String>, bool) {
        let mut out = Vec::new();
        let mut stdin = None;
        let mut stdin_redirected = false;
        for r in redirects {
            let fd = match &r.fd {
                Some(RedirFd::Number(n)) => Some(*n),
                Some(RedirFd::Var(_)) => None,
                None => None,
            };
            let reads_stdin = matches!(fd, None | Some(0));
            let (target, unknown) = match &r.target {
                RedirTarget::HereDoc(i) => {
                    let body = self
                        .heredoc_tables
                        .last()
                        .and_then(|t| t.get(*i))
                        .map(|h| h.body.clone())
                        .unwrap_or_default();
                    match word::resolve_string(&body, self) {
                        Ok(v) => v,
                        Err(_) => (String::new(), true),
                    }
                }
                RedirTarget::Word(w) => match word::resolve_string(w, self) {
                    Ok((s, u)) => {
                        if r.op == RedirOp::HereString {
                            (format!("{s}\n"), u)
                        } else {
                            (s, u)
                        }
                    }
                    Err(e) => {
                        self.opaque(
                            "redirection",
                            &format!("a redirection target could not be resolved ({e})"),
                        );
                        (String::new(), true)
                    }
                },
            };
            let is_file = match r.op {
                RedirOp::HereDoc | RedirOp::HereString => false,
                RedirOp::DupIn | RedirOp::DupOut => {
                    !(target == "-" || target.chars().all(|c| c.is_ascii_digit()))
                }
                _ => true,
            };
            if matches!(r.op, RedirOp::HereDoc | RedirOp::HereString) && reads_stdin {
                stdin = if unknown { None } else { Some(target.clone()) };
                stdin_redirected = true;
            }
            if matches!(r.op, RedirOp::In | RedirOp::ReadWrite) && reads_stdin {
                stdin_redirected = true;
            }
            let path = if is_file && !unknown {
                self.resolve_path(&self.st.cwd, &target)
            } else {
                None
            };
            if is_file && !unknown && path.is_none() {
                self.opaque(&target, "a redirection names a relative path after a change to a directory that cannot be known");
            }
            if let (Some(p), true) = (&path, matches!(r.op, RedirOp::In) && reads_stdin) {
                stdin = match self.file_text(p) {
                    FileText::Known(t) => Some(t),
                    _ => None,
                };
            }
            out.push(Redirection {
                fd,
                op: r.op,
                target,
                path,
                unknown: unknown && is_file,
            });
        }
        (out, stdin, stdin_redirected)
    }

    fn walk_simple(&mut self, sc: &SimpleCmd) -> Option<usize> {
        let sub_start = self.report.commands.len();
        let mut assigns: Vec<(String, Lookup, bool)> = Vec::new();
        for a in &sc.assignments {
            let value = match &a.value {
                AssignValue::Scalar(w) => match word::resolve_string(w, self) {
                    Ok((s, false)) => Lookup::Known(vec![s]),
                    Ok((_, true)) => Lookup::Unknown,
                    Err(e) => {
                        self.opaque(
                            &a.name,
                            &format!("the value of `{}` could not be resolved ({e})", a.name),
                        );
                        Lookup::Unknown
                    }
                },
                AssignValue::Array(words) => {
                    let mut vals = Vec::new();
                    let mut known = true;
                    for w in words {
                        match word::resolve(w, self) {
                            Ok(fields) => {
                                for f in fields {
                                    known &= !f.unknown;
                                    vals.push(f.value);
                                }
                            }
                            Err(e) => {
                                self.opaque(
                                    &a.name,
                                    &format!(
                                        "the value of `{}` could not be resolved ({e})",
                                        a.name
                                    ),
                                );
                                known = false
                            }
                        }
                    }
                    if known {
                        Lookup::Known(vals)
                    } else {
                        Lookup::Unknown
                    }
                }
            };
            assigns.push((a.name.clone(), value, a.append));
        }
        let mut argv = Vec::new();
        for w in &sc.words {
            match word::resolve(w, self) {
                Ok(fields) => argv.extend(fields.into_iter().map(|f| Arg {
                    value: f.value,
                    unknown: f.unknown,
                    pattern: f.pattern,
                })),
                Err(e) => {
                    self.give_up("…", &format!("a word could not be resolved ({e})"));
                    return None;
                }
            }
        }
        let (redirects, mut stdin, mut stdin_redirected) = self.resolve_redirects(&sc.redirects);
        let sub_end = self.report.commands.len();
        let mut fed_by: Vec<usize> = (sub_start..sub_end).collect();
        let pipe_from = self.frame.pipe_in;
        if let Some(p) = pipe_from {
            fed_by.push(p);
            // Of what feeds the upstream command, only the first downloader or decoder is
            // carried on: the full closure made a pipeline of n stages hold n²/2 indices
            // (`cat|cat|…` of 64 KB took 1.2 GB), and the first one is all C8 asks for.
            if let Some(c) = self.report.commands.get(p) {
                fed_by.extend(c.connection.fed_by.iter().copied().find(|k| {
                    self.report.commands.get(*k).is_some_and(|f| {
                        programs::remote::is_downloader(f) || programs::remote::is_decoder(f)
                    })
                }));
            }
            if !stdin_redirected {
                stdin = self.outputs.get(p).cloned().flatten();
                stdin_redirected = true;
            }
        }
        let env: Vec<(String, Option<String>)> = assigns
            .iter()
            .map(|(n, v, _)| {
                let v = match v {
                    Lookup::Known(v) => Some(v.join(" ")),
                    _ => None,
                };
                (n.clone(), v)
            })
            .collect();
        if argv.is_empty() {
            for (name, value, append) in assigns {
                let value = match (append, value, self.lookup(&name)) {
                    (true, Lookup::Known(v), Lookup::Known(old)) => {
                        Lookup::Known(vec![format!("{}{}", old.join(" "), v.join(" "))])
                    }
                    (true, _, _) => Lookup::Unknown,
                    (false, v, _) => v,
                };
                self.st_mut().vars.insert(name, value);
            }
        }
        let pending = Pending {
            argv,
            env,
            redirects,
            wrappers: Vec::new(),
            fed_by,
            pipe_from,
            stdin,
            stdin_redirected,
            cwd: None,
            detached: false,
        };
        self.run_pending(pending)
    }

    /// Unwraps, handles builtins and special programs, and records the command.
    pub(crate) fn run_pending(&mut self, mut p: Pending) -> Option<usize> {
        for _ in 0..64 {
            let Some(a0) = p.argv.first() else { break };
            if a0.unknown {
                break;
            }
            let name = program_name(&a0.value);
            let stdin = p.stdin.clone();
            let Some(peel) = wrappers::peel(&name, &p.argv, stdin.as_deref()) else {
                break;
            };
            // What the wrapper itself touches (`flock FILE cmd` opens and locks FILE).
            for raw in access::wrapper_accesses(&name, &p.argv) {
                let cwd = p.cwd.clone().unwrap_or_else(|| self.st.cwd.clone());
                match self.resolve_path(&cwd, &raw.text) {
                    Some(path) if !raw.unknown => {
                        let access = super::Access {
                            path,
                            kind: raw.kind,
                            by: raw.by.clone(),
                            recursive: false,
                            change: raw.change,
                            names: Vec::new(),
                        };
                        self.push_built(access, false, false, &raw.text);
                    }
                    _ => self.report.unresolved.push(super::Unresolved {
                        text: raw.text.clone(),
                        kind: raw.kind,
                        change: raw.change,
                        by: raw.by.clone(),
                        command: self.report.commands.len(),
                    }),
                }
            }
            if let Some(dir) = &peel.chdir {
                let cwd = p.cwd.clone().unwrap_or_else(|| self.st.cwd.clone());
                p.cwd = Some(self.resolve_path(&cwd, dir));
            }
            p.env.extend(peel.env.iter().cloned());
            p.detached |= peel.detached;
            if let Some(opaque) = &peel.opaque {
                self.opaque(&name, opaque);
            }
            if let Some((text, known)) = &peel.shell_string {
                // The wrapper runs a string through a shell: record the wrapper invocation,
                // then analyse the string.
                p.wrappers.push(name.clone());
                let idx = self.record(p.clone());
                if *known {
                    self.walk_string(text, Origin::String { by: name }, true);
                } else {
                    self.opaque(
                        &name,
                        &format!("`{name}` runs a command string that cannot be known"),
                    );
                }
                return idx;
            }
            if peel.rest.is_empty() {
                break;
            }
            p.wrappers.push(name);
            p.argv = peel.rest;
        }
        let Some(a0) = p.argv.first().cloned() else {
            return self.record(p);
        };
        if a0.unknown {
            self.opaque(
                &a0.value,
                &format!(
                    "the program name comes from `{}`, which cannot be known before the command runs",
                    a0.value
                ),
            );
            return self.record(p);
        }
        if let Some(pattern) = &a0.pattern {
            // Even where the filesystem tells us what the glob matches, a program chosen by
            // pattern (`/???/?m`) is an evasion, not a way anyone names a program.
            self.opaque(
                pattern,
                &format!("the program name comes from the glob pattern `{pattern}`"),
            );
        }
        let name = program_name(&a0.value);
        self.special(&name, &mut p);
        let idx = self.record(p.clone());
        self.after_record(&name, &p);
        idx
    }

    /// Builtins that change the analyser's state, and programs that run other code.
    fn special(&mut self, name: &str, p: &mut Pending) {
        let args: Vec<Arg> = p.argv.iter().skip(1).cloned().collect();
        let cwd = p.cwd.clone().unwrap_or_else(|| self.st.cwd.clone());
        match name {
            "cd" | "pushd" | "popd" => self.change_dir(name, &args),
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                for a in &args {
                    if a.value.starts_with('-') || a.value.starts_with('+') {
                        continue;
                    }
                    if let Some((n, v)) = a.value.split_once('=') {
                        let (n, append) = match n.strip_suffix('+') {
                            Some(n) => (n, true),
                            None => (n, false),
                        };
                        let value = if a.unknown || append || v.starts_with('(') {
                            Lookup::Unknown
                        } else {
                            Lookup::Known(vec![v.to_string()])
                        };
                        self.st_mut().vars.insert(n.to_string(), value);
                    }
                }
            }
            "unset" => {
                for a in &args {
                    if !a.value.starts_with('-') {
                        self.st_mut().vars.insert(a.value.clone(), Lookup::Unset);
                    }
                }
            }
            "read" | "mapfile" | "readarray" | "getopts" | "let" | "printf" => {
                let mut it = args.iter().peekable();
                let mut names = Vec::new();
                while let Some(a) = it.next() {
                    match a.value.as_str() {
                        "-v" | "-a" => {
                            if let Some(n) = it.next() {
                                names.push(n.value.clone());
                            }
                        }
                        v if name != "printf" && !v.starts_with('-') => {
                            names.push(v.split('=').next().unwrap_or(v).to_string())
                        }
                        _ => {}
                    }
                }
                if name == "mapfile" || name == "readarray" {
                    names.push("MAPFILE".into());
                }
                if name == "read" {
                    names.push("REPLY".into());
                }
                for n in names {
                    self.st_mut().vars.insert(n, Lookup::Unknown);
                }
            }
            "set" => {
                let mut it = args.iter();
                while let Some(a) = it.next() {
                    match a.value.as_str() {
                        "-f" => self.st_mut().noglob = true,
                        "+f" => self.st_mut().noglob = false,
                        "-o" | "+o" => {
                            let opt = it.next().map(|o| o.value.as_str());
                            if opt == Some("noglob") {
                                self.st_mut().noglob = a.value == "-o";
                            }
                        }
                        "--" => break,
                        _ => {}
                    }
                }
            }
            "shopt" => {
                let on = args.iter().any(|a| a.value == "-s");
                if args.iter().any(|a| a.value == "dotglob") {
                    self.st_mut().dotglob = on;
                }
            }
            "eval" => {
                let text: Vec<&str> = args.iter().map(|a| a.value.as_str()).collect();
                if args.iter().any(|a| a.unknown) {
                    self.opaque(
                        "eval",
                        "`eval` runs a string built from values that cannot be known",
                    );
                } else {
                    let text = text.join(" ");
                    self.walk_string(&text, Origin::String { by: "eval".into() }, false);
                }
            }
            "trap" => {
                if let Some(first) = args.first()
                    && args.len() >= 2
                    && !matches!(first.value.as_str(), "-" | "-p" | "-l" | "--" | "")
                {
                    if first.unknown {
                        self.opaque("trap", "`trap` installs a command that cannot be known");
                    } else {
                        self.walk_string(
                            &first.value.clone(),
                            Origin::String { by: "trap".into() },
                            false,
                        );
                    }
                }
            }
            "alias" => {
                for a in &args {
                    if let Some((n, v)) = a.value.split_once('=') {
                        let origin = Origin::Definition {
                            name: n.to_string(),
                        };
                        self.walk_string(v, origin, false);
                    }
                }
            }
            "source" | "." => {
                if let Some(path) = args.first() {
                    if path.unknown {
                        self.opaque(
                            &path.value,
                            "`source` reads a script whose name cannot be known",
                        );
                    } else {
                        self.run_script(&cwd, &path.value.clone(), false, p);
                    }
                }
            }
            "disown" => {
                p.detached = true;
            }
            _ => {}
        }
    }

    /// Programs that run other code, handled after the command itself is recorded.
    fn after_record(&mut self, name: &str, p: &Pending) {
        let args: Vec<Arg> = p.argv.iter().skip(1).cloned().collect();
        let cwd = p.cwd.clone().unwrap_or_else(|| self.st.cwd.clone());
        if SHELLS.contains(&name) || name == "fish" {
            self.run_shell(name, &args, &cwd, p);
            return;
        }
        if let Some(found) = interp::detect(name, &args) {
            self.run_interpreter(name, found, p);
            return;
        }
        if name == "find" {
            for spawn in wrappers::find_exec(&p.argv) {
                let child = Pending {
                    argv: spawn,
                    cwd: p.cwd.clone(),
                    ..Pending::default()
                };
                let saved = std::mem::replace(
                    &mut self.frame.origin,
                    Origin::Derived { by: "find".into() },
                );
                self.run_pending(child);
                self.frame.origin = saved;
            }
            return;
        }
        if name == "git" {
            let exp = programs::git::expand(&p.argv);
            let from_env = programs::git::command_vars(&p.env);
            for s in exp.shell_strings.into_iter().chain(from_env) {
                self.walk_string(&s, Origin::String { by: "git".into() }, true);
            }
            if let Some(argv) = exp.rewritten {
                let child = Pending {
                    argv,
                    cwd: p.cwd.clone(),
                    ..Pending::default()
                };
                let saved = std::mem::replace(
                    &mut self.frame.origin,
                    Origin::Derived {
                        by: "git alias".into(),
                    },
                );
                self.run_pending(child);
                self.frame.origin = saved;
            }
            return;
        }
        // A program run by path: a script we can read is analysed as part of the command.
        if let Some(a0) = p.argv.first()
            && a0.value.contains('/')
            && !is_system_program(&a0.value)
        {
            let path = a0.value.clone();
            if let Some(abs) = self.resolve_path(&cwd, &path) {
                if self.downloaded.contains(&abs) {
                    self.report
                        .findings
                        .push(programs::remote::downloaded_then_run(&path));
                }
                match self.file_text(&abs) {
                    FileText::Known(text) => {
                        if is_shell_script(&text) {
                            self.walk_string(&text, Origin::Script { path: abs }, true);
                        }
                    }
                    // Too large to read whole: a compiled program or a non-shell script is
                    // not ours to analyse; only a shell script we cannot read is opaque.
                    FileText::Unknown if self.is_not_shell_program(&abs) => {}
                    FileText::Unknown => {
                        self.opaque(&path, &format!("the program `{path}` cannot be read"))
                    }
                    FileText::Missing => {}
                }
            }
        }
    }

    /// Whether the file on disk is a compiled program or a script for another interpreter,
    /// judged from its first bytes. Only files never written by this command qualify.
    fn is_not_shell_program(&self, path: &Path) -> bool {
        if !self.env.read_files || self.files.contains_key(path) {
            return false;
        }
        // Only a regular file is opened (a FIFO would block the open), and only its start is
        // read: the first 512 bytes of at most `MAX_SCRIPT`.
        let Some(bytes) = crate::input::read_file_head(path, 512) else {
            return false;
        };
        let head = &bytes[..];
        let magic: [&[u8]; 6] = [
            b"\x7fELF",
            &[0xfe, 0xed, 0xfa, 0xce],
            &[0xfe, 0xed, 0xfa, 0xcf],
            &[0xce, 0xfa, 0xed, 0xfe],
            &[0xcf, 0xfa, 0xed, 0xfe],
            &[0xca, 0xfe, 0xba, 0xbe],
        ];
        if magic.iter().any(|m| head.starts_with(m)) {
            return true;
        }
        let text = String::from_utf8_lossy(head);
        text.starts_with("#!") && !is_shell_script(&text)
    }

    fn run_shell(&mut self, name: &str, args: &[Arg], cwd: &Option<PathBuf>, p: &Pending) {
        // A non-interactive bash sources `$BASH_ENV` first (sh: `$ENV`).
        for (k, v) in &p.env {
            if k == "BASH_ENV" || k == "ENV" {
                match v {
                    Some(path) => self.run_script(cwd, &path.clone(), false, p),
                    None => self.opaque(
                        k,
                        &format!("`{k}` names a startup script that cannot be known"),
                    ),
                }
            }
        }
        let mut command_mode = false;
        let mut stdin_mode = false;
        let mut operands = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let v = a.value.as_str();
            if !operands.is_empty() {
                operands.push(a.clone());
                continue;
            }
            match v {
                "--" => {
                    operands.extend(it.cloned());
                    break;
                }
                "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file" => {
                    it.next();
                }
                _ if v.starts_with("--") => {}
                _ if (v.starts_with('-') || v.starts_with('+')) && v.len() > 1 => {
                    if v.contains('c') {
                        command_mode = true;
                    }
                    if v.contains('s') {
                        stdin_mode = true;
                    }
                }
                _ => operands.push(a.clone()),
            }
        }
        if command_mode {
            match operands.first() {
                Some(s) if !s.unknown => {
                    let text = s.value.clone();
                    self.walk_string(
                        &text,
                        Origin::String {
                            by: name.to_string(),
                        },
                        true,
                    )
                }
                Some(s) => self.opaque(
                    &s.value,
                    &format!("`{name} -c` runs a command string that cannot be known"),
                ),
                None => self.opaque(name, &format!("`{name} -c` has no command string")),
            }
            return;
        }
        if !stdin_mode && let Some(script) = operands.first() {
            if script.unknown {
                self.opaque(
                    &script.value,
                    "a shell runs a script whose name cannot be known",
                );
            } else {
                let path = script.value.clone();
                self.run_script(cwd, &path, true, p);
            }
            return;
        }
        // Commands from standard input.
        match &p.stdin {
            Some(text) => {
                let text = text.clone();
                self.walk_string(
                    &text,
                    Origin::String {
                        by: name.to_string(),
                    },
                    true,
                )
            }
            None if p.stdin_redirected => self.opaque(
                name,
                &format!(
                    "`{name}` reads its commands from standard input, whose content cannot be known"
                ),
            ),
            None => {}
        }
    }

    fn run_interpreter(&mut self, name: &str, found: interp::Found, p: &Pending) {
        let code = match found.code {
            interp::Code::Inline(code) => Some(code),
            interp::Code::Stdin => match &p.stdin {
                Some(t) => Some(t.clone()),
                None if p.stdin_redirected => {
                    self.opaque(
                        name,
                        &format!("`{name}` reads its program from standard input, whose content cannot be known"),
                    );
                    None
                }
                None => None,
            },
            interp::Code::Unknown => {
                self.opaque(name, &format!("`{name}` runs code that cannot be known"));
                None
            }
            interp::Code::File(path) => {
                let cwd = p.cwd.clone().unwrap_or_else(|| self.st.cwd.clone());
                if let Some(abs) = self.resolve_path(&cwd, &path)
                    && self.downloaded.contains(&abs)
                {
                    self.report
                        .findings
                        .push(programs::remote::downloaded_then_run(&path));
                }
                None
            }
            interp::Code::None => None,
        };
        let Some(code) = code else { return };
        let scan = interp::scan(found.lang, &code);
        let cwd = p.cwd.clone().unwrap_or_else(|| self.st.cwd.clone());
        for (raw, change) in &scan.tree_ops {
            let raw = match raw.strip_prefix("~/") {
                Some(rest) => match self.env.home {
                    Some(h) => h.join(rest).to_string_lossy().into_owned(),
                    None => continue,
                },
                None => raw.clone(),
            };
            if let Some(path) = self.resolve_path(&cwd, &raw) {
                // A link's source is read, not written; a rename or mode change writes.
                let kind = if *change == super::Change::LinkTo {
                    AccessKind::Read
                } else {
                    AccessKind::Write
                };
                let access = super::Access {
                    path,
                    kind,
                    by: format!("{name} one-liner"),
                    recursive: *change == super::Change::RenameFrom,
                    change: *change,
                    names: Vec::new(),
                };
                self.push_built(access, false, false, &raw);
            }
        }
        for (raw, kind, recursive) in scan.paths {
            let raw = match raw.strip_prefix("~/") {
                Some(rest) => match self.env.home {
                    Some(h) => h.join(rest).to_string_lossy().into_owned(),
                    None => continue,
                },
                None => raw,
            };
            if let Some(path) = self.resolve_path(&cwd, &raw) {
                let by = format!("{name} one-liner");
                self.push_access(
                    path,
                    kind,
                    &by,
                    recursive,
                    kind == AccessKind::Delete && recursive,
                    false,
                    &raw,
                );
            }
        }
        for reason in scan.opaque {
            self.opaque(name, &reason);
        }
        for s in scan.commands {
            self.walk_string(
                &s,
                Origin::OneLiner {
                    by: name.to_string(),
                },
                true,
            );
        }
    }

    fn run_script(&mut self, cwd: &Option<PathBuf>, raw: &str, fresh: bool, p: &Pending) {
        let Some(abs) = self.resolve_path(cwd, raw) else {
            self.opaque(
                raw,
                "a script is named relative to a directory that cannot be known",
            );
            return;
        };
        if self.downloaded.contains(&abs) {
            self.report
                .findings
                .push(programs::remote::downloaded_then_run(raw));
        }
        if raw == "/dev/stdin" || raw == "-" {
            match &p.stdin {
                Some(t) => {
                    let t = t.clone();
                    self.walk_string(&t, Origin::String { by: "stdin".into() }, fresh);
                }
                None => self.opaque(
                    raw,
                    "a script is read from standard input, whose content cannot be known",
                ),
            }
            return;
        }
        match self.file_text(&abs) {
            FileText::Known(text) => self.walk_string(&text, Origin::Script { path: abs }, fresh),
            FileText::Unknown => self.opaque(raw, &format!("the script `{raw}` cannot be read")),
            FileText::Missing => {
                if !self.env.read_files {
                    self.opaque(raw, &format!("the script `{raw}` was not read"));
                }
            }
        }
    }

    /// Parses and walks a string bash would run. `fresh`: in a new shell (state is restored).
    fn walk_string(&mut self, text: &str, origin: Origin, fresh: bool) {
        if self.reparse >= MAX_REPARSE {
            self.give_up_on(
                text,
                "commands nest inside command strings deeper than hookguard analyses",
            );
            return;
        }
        self.script_bytes += text.len();
        if self.script_bytes > MAX_SCRIPT_TOTAL {
            self.give_up_on(
                text,
                "the command runs more script text than hookguard analyses",
            );
            return;
        }
        match parser::parse_at_depth(text, self.nest) {
            Ok(script) => {
                self.reparse += 1;
                let saved_st = if fresh { Some(self.st.clone()) } else { None };
                let saved_origin = std::mem::replace(&mut self.frame.origin, origin);
                let saved_pipe = self.frame.pipe_in.take();
                self.walk_script(&script);
                self.frame.pipe_in = saved_pipe;
                self.frame.origin = saved_origin;
                if let Some(s) = saved_st {
                    self.st = s;
                }
                self.reparse -= 1;
            }
            Err(e) => self.give_up_on(text, &format!("a command string could not be parsed ({e})")),
        }
    }

    fn change_dir(&mut self, name: &str, args: &[Arg]) {
        let operands: Vec<&Arg> = args
            .iter()
            .filter(|a| !(a.value.starts_with('-') && a.value.len() > 1) || a.value == "-")
            .filter(|a| !(name != "cd" && a.value.starts_with('+')))
            .collect();
        let target: Option<PathBuf> = match (name, operands.first()) {
            ("popd", _) => match self.st_mut().dirstack.pop() {
                Some(d) => d,
                None => self.st.cwd.clone(),
            },
            (_, None) => match name {
                "cd" => self
                    .env
                    .home
                    .map(normalise)
                    .or_else(|| match self.lookup("HOME") {
                        Lookup::Known(v) => v.first().map(|h| normalise(Path::new(h))),
                        _ => None,
                    }),
                _ => None,
            },
            (_, Some(a)) if a.unknown => None,
            (_, Some(a)) if a.value == "-" => self.st.oldpwd.clone(),
            (_, Some(a)) => self.resolve_path(&self.st.cwd, &a.value),
        };
        if name == "pushd" {
            let cwd = self.st.cwd.clone();
            self.st_mut().dirstack.push(cwd);
        }
        let cwd = self.st.cwd.clone();
        self.st_mut().oldpwd = cwd;
        self.st_mut().cwd = target;
    }

    /// The shell state, to change: copied first if a saved state still shares it.
    fn st_mut(&mut self) -> &mut State {
        std::rc::Rc::make_mut(&mut self.st)
    }

    // ------------------------------------------------------------------ recording

    fn record(&mut self, p: Pending) -> Option<usize> {
        let cwd = p.cwd.clone().unwrap_or_else(|| self.st.cwd.clone());
        let name = p
            .argv
            .first()
            .map(|a| program_name(&a.value))
            .unwrap_or_default();
        let cmd = SimpleCommand {
            argv: p.argv.clone(),
            name: name.clone(),
            cwd: cwd.clone(),
            env: p.env.clone(),
            redirects: p.redirects.clone(),
            wrappers: p.wrappers.clone(),
            connection: Connection {
                pipe_from: p.pipe_from,
                fed_by: p.fed_by.clone(),
                in_substitution: self.frame.in_substitution,
                background: self.frame.background,
                detached: p.detached || self.frame.detached,
            },
            origin: self.frame.origin.clone(),
            depth: self.reparse,
        };
        let output = command_output(&cmd, p.stdin.as_deref(), self);
        let idx = self.report.commands.len();
        // File accesses of the arguments.
        for raw in access::accesses(&cmd) {
            self.apply_raw_access(&cmd, raw);
        }
        // Redirections.
        let downloader = programs::remote::is_downloader(&cmd);
        for r in &cmd.redirects {
            let Some(path) = &r.path else { continue };
            if is_harmless_device(&r.target) {
                continue;
            }
            let kind = if r.op.writes() {
                AccessKind::Write
            } else {
                AccessKind::Read
            };
            let by = format!("{} redirect", r.op.as_str());
            self.push_access(path.clone(), kind, &by, false, false, false, &r.target);
            if r.op == RedirOp::ReadWrite {
                self.push_access(
                    path.clone(),
                    AccessKind::Read,
                    &by,
                    false,
                    false,
                    false,
                    &r.target,
                );
            }
            if r.op.writes() {
                let to_stdout = matches!(r.fd, None | Some(1));
                let content = if to_stdout { output.clone() } else { None };
                // `cat FILE > f` copies text already on disk: not text this command supplies
                // (what an earlier part of the command wrote was kept when it was written).
                let copied = name == "cat" && cmd.args().any(|a| a != "-");
                if let (Some(c), false) = (&content, copied) {
                    self.record_written(path, c, &format!("{name} {by}"));
                }
                let content = match (r.op, content, self.files.get(path)) {
                    (RedirOp::Append | RedirOp::AppendOutErr, Some(c), Some(Some(old))) => {
                        Some(format!("{old}{c}"))
                    }
                    (RedirOp::Append | RedirOp::AppendOutErr, Some(_), Some(None)) => None,
                    (_, c, _) => c,
                };
                self.files.insert(path.clone(), content);
                if downloader && to_stdout {
                    self.downloaded.insert(path.clone());
                }
            }
        }
        // Writes made by the program itself (`tee`, `cp`, `curl -o`).
        if name == "tee" {
            // `cat FILE | tee f` copies text already on disk, as `cat FILE > f` does.
            let copied = p
                .pipe_from
                .and_then(|k| self.report.commands.get(k))
                .is_some_and(|c| c.name == "cat" && c.args().any(|a| a != "-"));
            for a in cmd.args().filter(|a| !a.starts_with('-')) {
                if let Some(path) = self.resolve_path(&cwd, a) {
                    if let (Some(t), false) = (&p.stdin, copied) {
                        self.record_written(&path, t, "tee");
                    }
                    self.files.insert(path, p.stdin.clone());
                }
            }
        }
        // `sed -i`: the text its script appends, inserts, changes to or substitutes in.
        if name == "sed"
            && let Some((texts, files)) = sed_in_place(&cmd)
        {
            for f in files {
                if let Some(path) = self.resolve_path(&cwd, f) {
                    for t in &texts {
                        self.record_written(&path, t, "sed -i");
                    }
                }
            }
        }
        self.report.commands.push(cmd);
        self.outputs.push(output);
        Some(idx)
    }

    /// A write, delete or change whose target is known only when the command runs, kept for
    /// the controls that judge it by name (C17's run-time targets).
    fn push_unresolved(&mut self, raw: &RawAccess) {
        if raw.kind != AccessKind::Read && raw.kind != AccessKind::Execute {
            self.report.unresolved.push(super::Unresolved {
                text: raw.text.clone(),
                kind: raw.kind,
                change: raw.change,
                by: raw.by.clone(),
                command: self.report.commands.len(),
            });
        }
    }

    fn apply_raw_access(&mut self, cmd: &SimpleCommand, raw: RawAccess) {
        if raw.unknown {
            if raw.kind == AccessKind::Delete && (raw.recursive || raw.forced) {
                self.opaque(
                    &raw.text,
                    &format!(
                        "`{}` deletes a path that is only known when the command runs",
                        raw.by
                    ),
                );
            }
            self.push_unresolved(&raw);
            return;
        }
        if is_harmless_device(&raw.text) {
            return;
        }
        let text = match raw.text.strip_prefix("~/") {
            Some(rest) => match self.env.home {
                Some(h) => h.join(rest).to_string_lossy().into_owned(),
                None => raw.text.clone(),
            },
            None => raw.text.clone(),
        };
        let Some(path) = self.resolve_path(&cmd.cwd, &text) else {
            // Where it lands is known only at run time; what it is called is known.
            self.push_unresolved(&raw);
            self.opaque(
                &raw.text,
                &format!(
                    "`{}` uses the relative path `{}` after a change to a directory that cannot be known",
                    raw.by, raw.text
                ),
            );
            return;
        };
        if raw.if_exists {
            // `DIR/NAME` counts when DIR is a directory; any other path when it exists.
            let there = match raw.change {
                super::Change::Into => path.parent().is_some_and(Path::is_dir),
                _ => std::fs::symlink_metadata(&path).is_ok(),
            };
            if !self.env.read_files || !there {
                return;
            }
        }
        // Programs that change metadata only keep what the command wrote to the file.
        let metadata_only =
            matches!(
                cmd.name.as_str(),
                "chmod" | "chown" | "chgrp" | "touch" | "mkdir" | "setfacl"
            ) || !matches!(raw.change, super::Change::Content | super::Change::Replace);
        if raw.kind == AccessKind::Write && !metadata_only {
            self.files.insert(path.clone(), None);
            if programs::remote::is_downloader(cmd) {
                self.downloaded.insert(path.clone());
            }
        }
        let access = super::Access {
            path,
            kind: raw.kind,
            by: raw.by.clone(),
            recursive: raw.recursive,
            change: raw.change,
            names: raw.names,
        };
        self.push_built(access, raw.forced, raw.selective, &raw.text);
    }

    // The flags are what a delete needs to be judged; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push_access(
        &mut self,
        path: PathBuf,
        kind: AccessKind,
        by: &str,
        recursive: bool,
        forced: bool,
        selective: bool,
        shown: &str,
    ) {
        let access = super::Access {
            path,
            kind,
            by: by.to_string(),
            recursive,
            change: super::Change::Content,
            names: Vec::new(),
        };
        self.push_built(access, forced, selective, shown);
    }

    fn push_built(&mut self, access: super::Access, forced: bool, selective: bool, shown: &str) {
        if access.kind == AccessKind::Delete
            && (access.recursive || forced)
            && let Some(f) = programs::destructive::catastrophic(
                &access.path,
                selective,
                shown,
                &access.by,
                self.env,
            )
        {
            self.report.findings.push(f);
        }
        if self.seen_accesses.insert(access.clone()) {
            self.report.accesses.push(access);
        }
    }

    /// Keeps the text a write puts into `path`, once, within [`super::MAX_WRITTEN_BYTES`].
    fn record_written(&mut self, path: &Path, text: &str, by: &str) {
        if text.is_empty() {
            return;
        }
        let used: usize = self.report.written.iter().map(|w| w.text.len()).sum();
        if self.report.written.len() >= super::MAX_WRITTEN
            || used + text.len() > super::MAX_WRITTEN_BYTES
            || self
                .report
                .written
                .iter()
                .any(|w| w.path == path && w.text == text)
        {
            return;
        }
        self.report.written.push(super::Written {
            path: path.to_path_buf(),
            text: text.to_string(),
            by: by.to_string(),
        });
    }

    pub(crate) fn file_text(&self, path: &Path) -> FileText {
        let key = path.to_string_lossy();
        if let Some(t) = self.procsubs.get(key.as_ref()) {
            return match t {
                Some(t) => FileText::Known(t.clone()),
                None => FileText::Unknown,
            };
        }
        if let Some(t) = self.files.get(path) {
            return match t {
                Some(t) => FileText::Known(t.clone()),
                None => FileText::Unknown,
            };
        }
        if !self.env.read_files {
            return FileText::Unknown;
        }
        // A FIFO, socket or device is never opened for its content: it cannot be read, which
        // makes running it opaque (issue 16).
        match crate::input::read_file(path, MAX_SCRIPT) {
            crate::input::FileRead::Missing => FileText::Missing,
            crate::input::FileRead::Unreadable(_) => FileText::Unknown,
            crate::input::FileRead::Bytes(bytes) => {
                FileText::Known(String::from_utf8_lossy(&bytes).into_owned())
            }
        }
    }
}

/// What the analyser knows of a file's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileText {
    Known(String),
    Unknown,
    Missing,
}

fn is_system_program(path: &str) -> bool {
    ["/usr/", "/bin/", "/sbin/", "/opt/homebrew/", "/nix/store/"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// A text file bash would run as a shell script: a shell shebang, or no shebang and no NUL.
fn is_shell_script(text: &str) -> bool {
    if text.contains('\0') {
        return false;
    }
    match text.strip_prefix("#!") {
        None => true,
        Some(rest) => {
            let line = rest.lines().next().unwrap_or("");
            let mut words = line.split_whitespace();
            let prog = words.next().map(program_name).unwrap_or_default();
            let prog = if prog == "env" {
                words
                    .find(|w| !w.starts_with('-'))
                    .map(program_name)
                    .unwrap_or_default()
            } else {
                prog
            };
            SHELLS.contains(&prog.as_str())
        }
    }
}

/// For `sed -i` with a known script: the texts the script puts into the files (`a`, `i`, `c`
/// text and `s` replacements), and the files. `None` for anything else.
fn sed_in_place(cmd: &SimpleCommand) -> Option<(Vec<String>, Vec<&str>)> {
    if cmd.argv.iter().any(|x| x.unknown) {
        return None;
    }
    let mut in_place = false;
    let mut scripts: Vec<&str> = Vec::new();
    let mut operands: Vec<&str> = Vec::new();
    let mut args = cmd.args();
    while let Some(a) = args.next() {
        if a == "--" {
            operands.extend(args.by_ref());
            break;
        }
        if a == "-e" || a == "--expression" {
            scripts.push(args.next()?);
        } else if let Some(e) = a.strip_prefix("--expression=") {
            scripts.push(e);
        } else if a == "-f" || a == "--file" || a.starts_with("--file=") {
            // A script file: its text is not in the command.
            return None;
        } else if a == "--in-place" || a.starts_with("--in-place=") {
            in_place = true;
        } else if a == "-l" || a == "--line-length" {
            args.next();
        } else if a.starts_with("--") {
        } else if let Some(flags) = a.strip_prefix('-')
            && !flags.is_empty()
        {
            // `-i`, `-i.bak`, `-ni`, `-Ei`: an `i` among the flags before any suffix.
            if let Some(k) = flags.find('i') {
                in_place |= flags[..k].chars().all(|c| "nrEsuz".contains(c));
            }
            if let Some(e) = flags.strip_suffix('e')
                && e.chars().all(|c| "nrEsuz".contains(c))
            {
                scripts.push(args.next()?);
            }
        } else {
            operands.push(a);
        }
    }
    if !in_place {
        return None;
    }
    if scripts.is_empty() {
        if operands.is_empty() {
            return None;
        }
        scripts.push(operands.remove(0));
    }
    let texts: Vec<String> = scripts.iter().flat_map(|s| sed_texts(s)).collect();
    (!texts.is_empty() && !operands.is_empty()).then_some((texts, operands))
}

/// The texts a sed script writes: what follows `a`, `i` and `c` (to the end of the line, with
/// `\` continuations), and the replacement of each `s` command.
fn sed_texts(script: &str) -> Vec<String> {
    let c: Vec<char> = script.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    // Up to the next unescaped `d`; returns the text and the index after `d`.
    let until = |mut i: usize, d: char| -> (String, usize) {
        let mut t = String::new();
        while i < c.len() && c[i] != d {
            if c[i] == '\\' && i + 1 < c.len() {
                if c[i + 1] != d {
                    t.push('\\');
                }
                i += 1;
            }
            t.push(c[i]);
            i += 1;
        }
        (t, i + 1)
    };
    while i < c.len() {
        // Separators, blocks, and the address: line numbers, `$`, ranges, `/re/`, `\%re%`.
        match c[i] {
            ' ' | '\t' | '\n' | ';' | '{' | '}' | '!' | ',' | '~' | '+' | '$' => {
                i += 1;
                continue;
            }
            d if d.is_ascii_digit() => {
                i += 1;
                continue;
            }
            '/' => {
                i = until(i + 1, '/').1;
                continue;
            }
            '\\' if i + 1 < c.len() => {
                let d = c[i + 1];
                i = until(i + 2, d).1;
                continue;
            }
            _ => {}
        }
        let command = c[i];
        i += 1;
        match command {
            'a' | 'i' | 'c' => {
                if c.get(i) == Some(&'\\') {
                    i += 1;
                }
                while matches!(c.get(i), Some(' ' | '\t')) || (c.get(i) == Some(&'\n')) {
                    i += 1;
                    if c.get(i - 1) == Some(&'\n') {
                        break;
                    }
                }
                let mut t = String::new();
                while i < c.len() && c[i] != '\n' {
                    if c[i] == '\\' && c.get(i + 1) == Some(&'\n') {
                        t.push('\n');
                        i += 2;
                        continue;
                    }
                    t.push(c[i]);
                    i += 1;
                }
                if !t.is_empty() {
                    out.push(t);
                }
            }
            's' | 'y' if i < c.len() => {
                let d = c[i];
                let (_, after_pattern) = until(i + 1, d);
                let (replacement, after) = until(after_pattern, d);
                if !replacement.is_empty() {
                    out.push(replacement);
                }
                i = after;
                // Flags, up to the end of the command.
                while i < c.len() && c[i] != ';' && c[i] != '\n' && c[i] != '}' {
                    i += 1;
                }
            }
            _ => {
                while i < c.len() && c[i] != ';' && c[i] != '\n' && c[i] != '}' {
                    i += 1;
                }
            }
        }
    }
    out
}

/// The standard output of commands whose output is a function of their arguments.
fn command_output(cmd: &SimpleCommand, stdin: Option<&str>, a: &Analyser) -> Option<String> {
    if cmd.argv.iter().any(|x| x.unknown) {
        return None;
    }
    let args: Vec<&str> = cmd.args().collect();
    match cmd.name.as_str() {
        "echo" => {
            let mut i = 0;
            let mut newline = true;
            let mut escapes = false;
            while i < args.len()
                && args[i].starts_with('-')
                && args[i].len() > 1
                && args[i][1..].chars().all(|c| "neE".contains(c))
            {
                newline &= !args[i].contains('n');
                escapes |= args[i].contains('e');
                i += 1;
            }
            let mut s = args[i..].join(" ");
            if escapes {
                s = decode_escapes(&s, true);
            }
            if newline {
                s.push('\n');
            }
            Some(s)
        }
        "printf" => {
            let fmt = args.first()?;
            if fmt.starts_with('-') {
                return None;
            }
            printf(fmt, &args[1..])
        }
        "pwd" => cmd.cwd.as_ref().map(|c| format!("{}\n", c.display())),
        "cat" if args.is_empty() || args == ["-"] => stdin.map(str::to_string),
        "cat" => {
            let mut out = String::new();
            for f in args {
                if f.starts_with('-') {
                    return None;
                }
                let path = a.resolve_path(&cmd.cwd, f)?;
                match a.file_text(&path) {
                    FileText::Known(t) => out.push_str(&t),
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// Decodes the backslash escapes of `echo -e` and `printf` (`\n`, `\t`, `\xHH`, `\0NNN`
/// for echo or `\NNN` for printf, `\\`).
fn decode_escapes(s: &str, echo: bool) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let radix_digits = |i: &mut usize, radix: u32, max: usize| -> Option<u32> {
        let mut v = 0u32;
        let mut n = 0;
        while n < max {
            match chars.get(*i).and_then(|c| c.to_digit(radix)) {
                Some(d) => {
                    v = v * radix + d;
                    *i += 1;
                    n += 1;
                }
                None => break,
            }
        }
        (n > 0).then_some(v)
    };
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' || i >= chars.len() {
            out.push(c);
            continue;
        }
        let e = chars[i];
        i += 1;
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            'e' | 'E' => out.push('\x1b'),
            '\\' => out.push('\\'),
            'x' => match radix_digits(&mut i, 16, 2) {
                Some(v) => out.push(char::from_u32(v).unwrap_or('?')),
                None => out.push_str("\\x"),
            },
            '0' if echo => {
                let v = radix_digits(&mut i, 8, 3).unwrap_or(0);
                out.push(char::from_u32(v & 0xff).unwrap_or('?'));
            }
            '0'..='7' if !echo => {
                i -= 1;
                let v = radix_digits(&mut i, 8, 3).unwrap_or(0);
                out.push(char::from_u32(v & 0xff).unwrap_or('?'));
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

/// What `printf FORMAT ARGS...` prints, for `%s`, `%b`, `%d`, `%c` and `%%`; the format is
/// reused while arguments remain, as bash does. `None` for anything else.
fn printf(fmt: &str, args: &[&str]) -> Option<String> {
    let fmt: Vec<char> = decode_escapes(fmt, false).chars().collect();
    let mut out = String::new();
    let mut next = 0;
    loop {
        let mut i = 0;
        let mut consumed = false;
        while i < fmt.len() {
            let c = fmt[i];
            i += 1;
            if c != '%' {
                out.push(c);
                continue;
            }
            let spec = *fmt.get(i)?;
            i += 1;
            let arg = || args.get(next).copied().unwrap_or("");
            match spec {
                '%' => out.push('%'),
                's' | 'd' | 'i' | 'u' => {
                    out.push_str(arg());
                    next += 1;
                    consumed = true;
                }
                'b' => {
                    out.push_str(&decode_escapes(arg(), true));
                    next += 1;
                    consumed = true;
                }
                'c' => {
                    if let Some(ch) = arg().chars().next() {
                        out.push(ch);
                    }
                    next += 1;
                    consumed = true;
                }
                _ => return None,
            }
            if out.len() > word::MAX_FIELD_LEN {
                return None;
            }
        }
        if !consumed || next >= args.len() {
            return Some(out);
        }
    }
}

impl Context for Analyser<'_, '_> {
    fn lookup(&self, name: &str) -> Lookup {
        if let Some(v) = self.st.vars.get(name) {
            return v.clone();
        }
        match name {
            "HOME" => match self.env.home {
                Some(h) => Lookup::Known(vec![h.to_string_lossy().into_owned()]),
                None => Lookup::Unknown,
            },
            "PWD" => match &self.st.cwd {
                Some(c) => Lookup::Known(vec![c.to_string_lossy().into_owned()]),
                None => Lookup::Unknown,
            },
            "OLDPWD" => match &self.st.oldpwd {
                Some(c) => Lookup::Known(vec![c.to_string_lossy().into_owned()]),
                None => Lookup::Unknown,
            },
            _ => Lookup::Unknown,
        }
    }

    fn assign(&mut self, name: &str, value: Option<String>) {
        let v = match value {
            Some(v) => Lookup::Known(vec![v]),
            None => Lookup::Unknown,
        };
        self.st_mut().vars.insert(name.to_string(), v);
    }

    fn home(&self) -> Option<String> {
        match self.lookup("HOME") {
            Lookup::Known(v) => v.into_iter().next(),
            _ => None,
        }
    }

    fn cwd(&self) -> Option<PathBuf> {
        self.st.cwd.clone()
    }

    fn ifs(&self) -> Option<String> {
        match self.st.vars.get("IFS") {
            None | Some(Lookup::Unset) => Some(" \t\n".into()),
            Some(Lookup::Known(v)) => Some(v.join(" ")),
            Some(Lookup::Unknown) => None,
        }
    }

    fn glob(&self, pattern: &str) -> Option<Vec<String>> {
        if self.st.noglob || !self.env.read_files {
            return None;
        }
        let cwd = match &self.st.cwd {
            Some(c) => c.clone(),
            None if pattern.starts_with('/') => PathBuf::from("/"),
            None => return None,
        };
        super::glob::expand(pattern, &cwd, self.st.dotglob, &self.walk)
    }

    fn command_sub(&mut self, script: &Script) -> Option<String> {
        let saved_st = self.st.clone();
        let saved = self.frame.clone();
        self.frame.in_substitution = true;
        self.frame.pipe_in = None;
        let before = self.report.commands.len();
        self.walk_list(&script.body);
        self.frame = saved;
        self.st = saved_st;
        let after = self.report.commands.len();
        if after == before + 1 && script.body.items.len() == 1 {
            self.outputs.get(before).cloned().flatten()
        } else {
            None
        }
    }

    fn process_sub(&mut self, script: &Script, output: bool) -> String {
        let saved_st = self.st.clone();
        let saved = self.frame.clone();
        self.frame.in_substitution = true;
        self.frame.pipe_in = None;
        let before = self.report.commands.len();
        self.walk_list(&script.body);
        self.frame = saved;
        self.st = saved_st;
        let after = self.report.commands.len();
        let path = format!("/dev/fd/{}", self.next_fd);
        self.next_fd = self.next_fd.saturating_sub(1).max(10);
        let text = if !output && after == before + 1 {
            self.outputs.get(before).cloned().flatten()
        } else {
            None
        };
        self.procsubs.insert(path.clone(), text);
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::builtin_production_identifier;

    fn analyse(command: &str) -> ShellReport {
        let cwd = PathBuf::from("/p");
        let roots = vec![cwd.clone()];
        let env = ShellEnv {
            cwd: &cwd,
            home: None,
            project_root: &cwd,
            write_roots: &roots,
            protected_branches: &[],
            ai_markers: &[],
            is_production_identifier: &builtin_production_identifier,
            read_files: false,
        };
        run(command, &env)
    }

    fn written(command: &str) -> Vec<(String, String)> {
        analyse(command)
            .written
            .into_iter()
            .map(|w| (w.path.display().to_string(), w.text))
            .collect()
    }

    #[test]
    fn the_text_written_into_files_is_known() {
        let w = |p: &str, t: &str| vec![(p.to_string(), t.to_string())];
        assert_eq!(written("cat > a <<'EOF'\nx $y\nEOF"), w("/p/a", "x $y\n"));
        assert_eq!(written("cat >> a <<EOF\nhi\nEOF"), w("/p/a", "hi\n"));
        assert_eq!(written("V=k; echo \"$V\" > b"), w("/p/b", "k\n"));
        assert_eq!(written("printf '%s-%s' a b >> c"), w("/p/c", "a-b"));
        assert_eq!(written("echo t | tee -a d"), w("/p/d", "t\n"));
        // Only the appended part: the earlier write is its own entry.
        assert_eq!(written("echo 1 > e; echo 2 >> e").len(), 2);
        // Unknown text, standard error, or a program whose output is unknown: nothing.
        assert!(written("echo \"$X\" > f").is_empty());
        assert!(written("echo x 2> f").is_empty());
        assert!(written("ls > f").is_empty());
        // A copy of text already in a file is not text the command supplies.
        assert_eq!(written("echo s > m; cat m > n"), w("/p/m", "s\n"));
        assert_eq!(written("echo s > m; cat m | tee o"), w("/p/m", "s\n"));
        // `sed -i`: appended, inserted and substituted text.
        assert_eq!(
            written("sed -i '$a export TOKEN=x' h"),
            w("/p/h", "export TOKEN=x")
        );
        assert_eq!(
            written("sed -i.bak -e 's#old#new value#g' i"),
            w("/p/i", "new value")
        );
        assert_eq!(
            written("sed -i '1i\\\nfirst line' j"),
            w("/p/j", "first line")
        );
        assert!(written("sed 's/a/b/' k").is_empty());
        assert!(written("sed -i '/x/d' l").is_empty());
        // A loop writing the same text is kept once.
        assert_eq!(written("for i in 1 2 3; do echo x >> g; done").len(), 1);
    }

    /// The deepest inputs the limits allow must not overflow a test thread's 2 MiB stack
    /// (debug build), nor may nesting through re-parsed strings.
    #[test]
    fn deepest_allowed_nesting_fits_the_stack() {
        for n in [10, 20, 21, 22, 30, 40, 70] {
            let subs = format!("{}rm -rf /{}", "echo $(".repeat(n), ")".repeat(n));
            let _ = analyse(&subs);
            let shells = format!("{}x", "( ".repeat(n)) + &" )".repeat(n);
            let _ = analyse(&shells);
            let ifs = "if true; then ".repeat(n) + "x" + &"; fi".repeat(n);
            let _ = analyse(&ifs);
            let braces = "${a:-".repeat(n) + &"}".repeat(n);
            let _ = analyse(&format!("echo {braces}"));
        }
        // Nesting through `bash -c` strings: each level quoted once more.
        let mut cmd = String::from("rm -rf /");
        for _ in 0..12 {
            cmd = format!("bash -c {}", crate::shell::word::shell_quote(&cmd));
        }
        let report = analyse(&cmd);
        assert!(report.is_opaque() || report.rules().contains(&"shell.delete-catastrophic"));
    }

    #[test]
    fn nesting_within_the_limits_is_analysed() {
        let report = analyse("echo $(echo $(echo $(rm -rf /)))");
        assert!(report.rules().contains(&"shell.delete-catastrophic"));
        let report = analyse("bash -c \"bash -c 'sudo id'\"");
        assert!(report.rules().contains(&"shell.privileged.sudo"));
    }
}

#[cfg(test)]
mod disk_tests {
    use super::*;
    use crate::shell::builtin_production_identifier;

    /// A large compiled program run by path is not opaque; a large shell script is.
    #[test]
    fn large_binaries_are_not_opaque_but_large_scripts_are() {
        let dir = std::env::temp_dir().join(format!("hookguard-bin-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut elf = b"\x7fELF".to_vec();
        elf.resize(300 * 1024, 0);
        std::fs::write(dir.join("app"), &elf).unwrap();
        let mut script = b"#!/bin/sh\n".to_vec();
        script.resize(300 * 1024, b'#');
        std::fs::write(dir.join("big.sh"), &script).unwrap();
        let roots = vec![dir.clone()];
        let env = ShellEnv {
            cwd: &dir,
            home: None,
            project_root: &dir,
            write_roots: &roots,
            protected_branches: &[],
            ai_markers: &[],
            is_production_identifier: &builtin_production_identifier,
            read_files: true,
        };
        assert!(!run("./app --version", &env).is_opaque());
        assert!(run("./big.sh", &env).is_opaque());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
