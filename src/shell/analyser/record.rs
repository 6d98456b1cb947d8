//! Recording: each simple command, what it reads and writes (redirections and program
//! accesses), and what it leaves in files, for later parts of the command and for the checks.

use super::emulate::{command_output, sed_in_place};
use super::*;

impl Analyser<'_, '_> {
    pub(super) fn record(&mut self, p: Pending) -> Option<usize> {
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
            self.report.unresolved.push(crate::shell::Unresolved {
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
                crate::shell::Change::Into => path.parent().is_some_and(Path::is_dir),
                _ => std::fs::symlink_metadata(&path).is_ok(),
            };
            if !self.env.read_files || !there {
                return;
            }
        }
        // Programs that change metadata only keep what the command wrote to the file.
        let metadata_only = matches!(
            cmd.name.as_str(),
            "chmod" | "chown" | "chgrp" | "touch" | "mkdir" | "setfacl"
        ) || !matches!(
            raw.change,
            crate::shell::Change::Content | crate::shell::Change::Replace
        );
        if raw.kind == AccessKind::Write && !metadata_only {
            self.files.insert(path.clone(), None);
            if programs::remote::is_downloader(cmd) {
                self.downloaded.insert(path.clone());
            }
        }
        let access = crate::shell::Access {
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
        let access = crate::shell::Access {
            path,
            kind,
            by: by.to_string(),
            recursive,
            change: crate::shell::Change::Content,
            names: Vec::new(),
        };
        self.push_built(access, forced, selective, shown);
    }

    pub(super) fn push_built(
        &mut self,
        access: crate::shell::Access,
        forced: bool,
        selective: bool,
        shown: &str,
    ) {
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

    /// Keeps the text a write puts into `path`, once, within [`crate::shell::MAX_WRITTEN_BYTES`].
    fn record_written(&mut self, path: &Path, text: &str, by: &str) {
        if text.is_empty() {
            return;
        }
        let used: usize = self.report.written.iter().map(|w| w.text.len()).sum();
        if self.report.written.len() >= crate::shell::MAX_WRITTEN
            || used + text.len() > crate::shell::MAX_WRITTEN_BYTES
            || self
                .report
                .written
                .iter()
                .any(|w| w.path == path && w.text == text)
        {
            return;
        }
        self.report.written.push(crate::shell::Written {
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
