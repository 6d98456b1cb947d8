//! Builtins that change what the analyser tracks: variables, the working directory and the
//! directory stack, functions, aliases, shell options, and the strings builtins run again.

use super::*;

impl Analyser<'_, '_> {
    /// Builtins that change the analyser's state, and programs that run other code.
    pub(super) fn special(&mut self, name: &str, p: &mut Pending) {
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
                    .map(fold)
                    .or_else(|| match self.lookup("HOME") {
                        Lookup::Known(v) => v.first().map(|h| fold(Path::new(h))),
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
}
