//! The tree walk: lists, pipelines, compound commands, redirections and simple commands, in
//! the order bash would run them, down to [`Analyser::run_pending`], which peels wrappers and
//! hands each command to the builtins, the recording and the re-entry into other code.

use super::*;

impl Analyser<'_, '_> {
    /// Walks the body of a command or process substitution in a subshell: the shell state
    /// and the frame are restored after it. The indices of the commands it recorded.
    pub(super) fn walk_substitution(&mut self, script: &Script) -> (usize, usize) {
        let saved_st = self.st.clone();
        let saved = self.frame.clone();
        self.frame.in_substitution = true;
        self.frame.pipe_in = None;
        let before = self.report.commands.len();
        self.walk_list(&script.body);
        self.frame = saved;
        self.st = saved_st;
        (before, self.report.commands.len())
    }

    /// Walks a freshly parsed script (its here-document table is in force while it runs).
    pub(super) fn walk_script(&mut self, script: &Script) {
        self.heredoc_tables.push(script.heredocs.clone());
        self.walk_list(&script.body);
        self.heredoc_tables.pop();
    }

    pub(super) fn walk_list(&mut self, list: &List) {
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
                        let access = crate::shell::Access {
                            path,
                            kind: raw.kind,
                            by: raw.by.clone(),
                            recursive: false,
                            change: raw.change,
                            names: Vec::new(),
                        };
                        self.push_built(access, false, false, &raw.text);
                    }
                    _ => self.report.unresolved.push(crate::shell::Unresolved {
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
}
