//! The walk: flattens the syntax tree into the simple commands that would run, in order,
//! tracking what bash tracks (variables, the working directory, the directory stack, IFS,
//! globbing options, functions) and what the command writes to files, so that later parts of
//! the command are analysed with what earlier parts did (`cd`, `F=-rf`, `echo … > x.sh`).
//!
//! Wrappers are peeled ([`super::wrappers`]), strings that bash would run again (`bash -c`,
//! `eval`, `trap`, aliases, scripts, one-liner `system()` calls) are re-parsed to a bounded
//! depth, and every place where the analysis has to give up records a `shell.opaque` finding.
//!
//! This file holds the analyser's state and its entry points; the rooms beside it hold one idea
//! each: `walk` (the tree walk and wrapper peeling), `builtins` (state-changing builtins),
//! `reentry` (shells, interpreters, scripts and strings run again), `emulate` (what `echo`,
//! `printf`, `cat` and `sed -i` print or write) and `record` (commands, accesses, written text).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

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
use crate::paths::fold;

mod builtins;
mod emulate;
mod record;
mod reentry;
mod walk;

use record::FileText;

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
            cwd: Some(fold(env.cwd)),
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
            return Some(fold(Path::new(raw)));
        }
        cwd.as_ref().map(|c| fold(&c.join(raw)))
    }

    /// The shell state, to change: copied first if a saved state still shares it.
    fn st_mut(&mut self) -> &mut State {
        std::rc::Rc::make_mut(&mut self.st)
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
        let (before, after) = self.walk_substitution(script);
        if after == before + 1 && script.body.items.len() == 1 {
            self.outputs.get(before).cloned().flatten()
        } else {
            None
        }
    }

    fn process_sub(&mut self, script: &Script, output: bool) -> String {
        let (before, after) = self.walk_substitution(script);
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
    use crate::shell::TestEnv;

    fn analyse(command: &str) -> ShellReport {
        run(command, &TestEnv::new("/p").env())
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
    use crate::shell::TestEnv;

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
        let env = TestEnv::new(&dir).read_files(true);
        assert!(!env.analyse("./app --version").is_opaque());
        assert!(env.analyse("./big.sh").is_opaque());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
