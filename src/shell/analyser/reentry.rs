//! Re-entry into other code: shells (`bash -c`, `sh script`), interpreters' one-liners,
//! scripts run by path, `find -exec`, git aliases, and strings bash would run again, each
//! analysed as part of the command to a bounded depth.

use super::*;

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh", "rbash",
];

impl Analyser<'_, '_> {
    /// Programs that run other code, handled after the command itself is recorded.
    pub(super) fn after_record(&mut self, name: &str, p: &Pending) {
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
                let kind = if *change == crate::shell::Change::LinkTo {
                    AccessKind::Read
                } else {
                    AccessKind::Write
                };
                let access = crate::shell::Access {
                    path,
                    kind,
                    by: format!("{name} one-liner"),
                    recursive: *change == crate::shell::Change::RenameFrom,
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

    pub(super) fn run_script(
        &mut self,
        cwd: &Option<PathBuf>,
        raw: &str,
        fresh: bool,
        p: &Pending,
    ) {
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
    pub(super) fn walk_string(&mut self, text: &str, origin: Origin, fresh: bool) {
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
