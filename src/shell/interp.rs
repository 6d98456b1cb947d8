//! Interpreter one-liners: `python -c`, `python -` fed by a pipe or here-document, `node -e`,
//! `perl -e`, `ruby -e`, `php -r`, `deno eval`, ...
//!
//! The code is not executed or fully parsed: it is scanned for string literals. Literals passed
//! to shell-running calls (`os.system`, `subprocess.run([...])`, `child_process.execSync`,
//! backticks) are handed back as shell commands for the analyser to re-parse; literals passed to
//! deleting calls (`shutil.rmtree`, `fs.rmSync`, `os.remove`, `unlink`) become deletes; other
//! path-like literals become reads (writes for `open(…, 'w')` and friends). Code built at run time
//! (`exec(b64decode(…))`, `eval(…)` of a non-literal) is opaque. Bounded: at most
//! [`MAX_LITERALS`] literals, each looked at within a fixed window.

use std::sync::LazyLock;

use regex::Regex;

use super::AccessKind;

/// The most string literals one program is scanned for.
pub const MAX_LITERALS: usize = 2000;
const WINDOW: usize = 400;

/// The language of a one-liner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    Node,
    Perl,
    Ruby,
    Php,
    Other,
}

/// Where an interpreter gets its program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    Inline(String),
    Stdin,
    File(String),
    /// Code given in a form that cannot be known (`-c "$X"`).
    Unknown,
    /// A module or nothing we scan (`python -m venv`).
    None,
}

/// An interpreter invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub lang: Lang,
    pub code: Code,
}

fn lang_of(name: &str) -> Option<Lang> {
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    Some(match base {
        "python" | "pypy" | "python-" => Lang::Python,
        "node" | "nodejs" | "deno" | "bun" => Lang::Node,
        "perl" => Lang::Perl,
        "ruby" | "jruby" => Lang::Ruby,
        "php" => Lang::Php,
        "lua" | "luajit" | "Rscript" | "osascript" => Lang::Other,
        _ => return None,
    })
}

/// Recognises an interpreter and where its program comes from.
pub fn detect(name: &str, args: &[super::Arg]) -> Option<Found> {
    let lang = lang_of(name)?;
    let (code_opts, arg_opts, stop_opts): (&[&str], &[&str], &[&str]) = match (lang, name) {
        (Lang::Python, _) => (&["-c"], &["-W", "-X", "-Q"], &["-m"]),
        (Lang::Node, "deno") => (
            &["eval"],
            &[],
            &[
                "run", "test", "fmt", "lint", "task", "check", "compile", "install", "bench",
                "serve",
            ],
        ),
        (Lang::Node, "bun") => (
            &["-e", "--eval", "-p", "--print"],
            &[],
            &[
                "run", "test", "install", "add", "x", "build", "remove", "update", "create",
                "init", "pm",
            ],
        ),
        (Lang::Node, _) => (
            &["-e", "--eval", "-p", "--print"],
            &[
                "-r",
                "--require",
                "--import",
                "--loader",
                "--env-file",
                "--inspect-port",
                "--title",
            ],
            &[],
        ),
        (Lang::Perl, _) => (&["-e", "-E"], &["-I", "-M", "-m"], &[]),
        (Lang::Ruby, _) => (&["-e"], &["-r", "-I", "-C", "-E"], &[]),
        (Lang::Php, _) => (
            &["-r"],
            &["-d", "-c", "-z"],
            &["-S", "-l", "-m", "-i", "-v"],
        ),
        (Lang::Other, _) => (&["-e"], &["-l"], &[]),
    };
    let mut code = String::new();
    let mut has_code = false;
    let mut unknown = false;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let v = a.value.as_str();
        if stop_opts.contains(&v) {
            return Some(Found {
                lang,
                code: Code::None,
            });
        }
        if code_opts.contains(&v) {
            match args.get(i + 1) {
                Some(c) => {
                    unknown |= c.unknown;
                    if has_code {
                        code.push('\n');
                    }
                    code.push_str(&c.value);
                    has_code = true;
                }
                None => {
                    return Some(Found {
                        lang,
                        code: Code::None,
                    });
                }
            }
            i += 2;
            continue;
        }
        if lang == Lang::Python && v.starts_with("-c") && v.len() > 2 {
            code.push_str(&v[2..]);
            has_code = true;
            i += 1;
            continue;
        }
        if has_code {
            // Arguments after the code go to the program.
            break;
        }
        if v == "-" {
            return Some(Found {
                lang,
                code: Code::Stdin,
            });
        }
        if lang == Lang::Php && v == "-f" {
            return args.get(i + 1).map(|f| Found {
                lang,
                code: Code::File(f.value.clone()),
            });
        }
        if v.starts_with('-') && v.len() > 1 {
            i += if arg_opts.contains(&v) { 2 } else { 1 };
            continue;
        }
        return Some(Found {
            lang,
            code: if a.unknown {
                Code::Unknown
            } else {
                Code::File(v.to_string())
            },
        });
    }
    Some(Found {
        lang,
        code: if unknown {
            Code::Unknown
        } else if has_code {
            Code::Inline(code)
        } else if matches!(name, "deno" | "bun") {
            Code::None
        } else {
            Code::Stdin
        },
    })
}

/// What a scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Path literals with how they are used and whether a delete is recursive.
    pub paths: Vec<(String, AccessKind, bool)>,
    /// Shell command strings the code would run.
    pub commands: Vec<String>,
    /// Why part of the code cannot be known.
    pub opaque: Vec<String>,
    /// Path literals a call renames, links to, or changes the mode or owner of
    /// (`os.rename(p, …)`, `os.chmod(p, 0)`, `Path(p).unlink()`, Perl's bare `rename p, …`):
    /// effects on everything under the path (ADR 0014).
    pub tree_ops: Vec<(String, super::Change)>,
}

#[derive(Debug, Clone)]
struct Lit {
    start: usize,
    text: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CallKind {
    Shell,
    DeleteRecursive,
    Delete,
    Write,
    Open,
    CodeEval,
}

fn call_kind(lang: Lang, name: &str) -> Option<CallKind> {
    let last = name.rsplit('.').next().unwrap_or(name);
    use CallKind::*;
    Some(match (lang, last) {
        (
            _,
            "system" | "popen" | "getoutput" | "getstatusoutput" | "check_output" | "check_call"
            | "call" | "run" | "Popen" | "spawn" | "spawnSync" | "execSync" | "execFile"
            | "execFileSync" | "shell_exec" | "passthru" | "proc_open" | "capture2" | "capture3"
            | "popen3" | "qx" | "execa" | "execaSync" | "execvp" | "execv" | "execl" | "execlp"
            | "spawnv" | "spawnvp",
        ) => Shell,
        (Lang::Python, "exec" | "eval" | "compile") => CodeEval,
        // Ruby's `File.write(path, data)`, `IO.binwrite(path, data)`.
        (Lang::Ruby, "write" | "binwrite") => Write,
        (Lang::Node, "eval" | "Function") => CodeEval,
        (
            Lang::Perl | Lang::Ruby | Lang::Php,
            "eval" | "instance_eval" | "class_eval" | "create_function",
        ) => CodeEval,
        (_, "exec") => Shell,
        (
            _,
            "rmtree"
            | "rmSync"
            | "rm_rf"
            | "rm_r"
            | "remove_tree"
            | "remove_dir_all"
            | "rmdirSync"
            | "rimraf"
            | "emptyDirSync"
            | "removeSync"
            | "remove_entry_secure"
            | "rm",
        ) => DeleteRecursive,
        (
            _,
            "remove" | "unlink" | "unlinkSync" | "rmdir" | "delete" | "removedirs" | "remove_file"
            | "unlinkat",
        ) => Delete,
        (
            _,
            "writeFile" | "writeFileSync" | "appendFile" | "appendFileSync" | "write_text"
            | "write_bytes" | "file_put_contents" | "copyfile" | "copy" | "copy2" | "copytree"
            | "move" | "rename" | "renameSync" | "copyFileSync" | "cpSync" | "symlink" | "chmod"
            | "chown" | "truncate" | "mkdir" | "makedirs" | "mkdirSync" | "touch",
        ) => Write,
        (
            _,
            "open" | "fopen" | "readFile" | "readFileSync" | "read_text" | "read_bytes"
            | "createReadStream" | "createWriteStream" | "file_get_contents" | "load" | "Path"
            | "File" | "readlines" | "read",
        ) => Open,
        _ => return None,
    })
}

static DYNAMIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?x)
        b64decode | b32decode | a85decode | fromhex | codecs\.decode | decompress | marshal\.loads | pickle\.loads
      | __import__ | importlib | getattr\s*\( | globals\s*\(\s*\) | \bchr\s*\(
      | Buffer\.from\s*\([^)]*base64 | \batob\s*\( | String\.fromCharCode | new\s+Function
      | \bpack\s*\( | \bunpack\s*\( | MIME::Base64 | decode_base64
      | Base64\.decode | \.unpack1?\s*\( | \bsend\s*\( | public_send | base64_decode | gzinflate | str_rot13
    ").expect("static regex")
});

static BARE_TREE_OP: LazyLock<Regex> = LazyLock::new(|| {
    // Perl/Ruby file calls without parentheses: `rename "a", "b"`, `chmod 0, "f"`.
    Regex::new(
        r"\b(unlink|rename|chmod|chown|symlink|link|rmtree|remove_tree|truncate|rmdir)\b[^;\n]*",
    )
    .expect("static regex")
});

/// What a call named `name` does to its first argument beyond reading it, if anything.
fn tree_change(name: &str) -> Option<super::Change> {
    let last = name.rsplit('.').next().unwrap_or(name);
    Some(match last {
        "rename" | "renameSync" | "move" | "replace" | "renames" => super::Change::RenameFrom,
        "chmod" | "chown" | "lchmod" | "lchown" | "chmodSync" | "chownSync" | "chflags" => {
            super::Change::Attributes
        }
        "symlink" | "link" | "symlinkSync" | "linkSync" | "symlink_to" | "hardlink_to" => {
            super::Change::LinkTo
        }
        _ => return None,
    })
}

/// What a `pathlib.Path(p)` is used for, from the method called on it.
fn path_method(masked: &[char], open: usize) -> Option<(AccessKind, Option<super::Change>)> {
    let mut depth = 0usize;
    let mut i = open;
    while i < masked.len() {
        match masked[i] {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let rest: String = masked.get(i + 1..)?.iter().take(24).collect();
    let method = rest
        .strip_prefix('.')?
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()?
        .to_string();
    Some(match method.as_str() {
        "write_text" | "write_bytes" | "touch" | "mkdir" => (AccessKind::Write, None),
        "unlink" | "rmdir" => (AccessKind::Delete, None),
        m => match tree_change(m) {
            Some(c) => (AccessKind::Write, Some(c)),
            None => return None,
        },
    })
}

static BARE_SHELL: LazyLock<Regex> = LazyLock::new(|| {
    // Perl/Ruby calls without parentheses: `system "cmd"`, `exec 'cmd'`.
    Regex::new(r#"\b(system|exec)\s+["']"#).expect("static regex")
});

/// Scans one-liner code.
pub fn scan(lang: Lang, code: &str) -> Scan {
    let chars: Vec<char> = code.chars().collect();
    let (lits, masked) = literals(lang, &chars);
    let mut out = Scan::default();
    // Code built at run time.
    let masked_str: String = masked.iter().collect();
    if let Some(m) = DYNAMIC.find(&masked_str) {
        out.opaque.push(format!(
            "the one-liner builds data or code at run time (`{}`), which cannot be analysed",
            m.as_str().trim()
        ));
    }
    // Backticks and %x() in Perl/Ruby/PHP run shell commands.
    if matches!(lang, Lang::Perl | Lang::Ruby | Lang::Php) {
        for l in &lits {
            if chars.get(l.start) == Some(&'`') {
                out.commands.push(l.text.clone());
            }
        }
    }
    // Group literals by the call they are an argument of.
    let mut handled = vec![false; lits.len()];
    let mut shell_calls: Vec<(usize, Vec<usize>, bool)> = Vec::new();
    for (k, l) in lits.iter().enumerate() {
        let Some(call) = enclosing_call(&masked, l.start) else {
            continue;
        };
        let Some(kind) = call_kind(lang, &call.name) else {
            continue;
        };
        match kind {
            CallKind::Shell => {
                if let Some(entry) = shell_calls.iter_mut().find(|(pos, _, _)| *pos == call.open) {
                    entry.1.push(k);
                } else {
                    shell_calls.push((call.open, vec![k], call.in_list));
                }
                handled[k] = true;
            }
            CallKind::CodeEval => {
                handled[k] = true;
            }
            CallKind::DeleteRecursive | CallKind::Delete if call.arg_index == 0 => {
                out.paths.push((
                    l.text.clone(),
                    AccessKind::Delete,
                    kind == CallKind::DeleteRecursive,
                ));
                handled[k] = true;
            }
            CallKind::Write if call.arg_index == 0 && tree_change(&call.name).is_some() => {
                if let Some(c) = tree_change(&call.name) {
                    out.tree_ops.push((l.text.clone(), c));
                }
                out.paths.push((l.text.clone(), AccessKind::Read, false));
                handled[k] = true;
            }
            CallKind::Write if call.arg_index <= 1 => {
                let is_dest = call.arg_index == 1
                    || call.name.ends_with("writeFile")
                    || call.name.ends_with("writeFileSync")
                    || call.name.ends_with("File.write")
                    || call.name.ends_with("IO.write")
                    || call.name.ends_with("binwrite")
                    || call.name.ends_with("write_text")
                    || call.name.ends_with("file_put_contents")
                    || call.name.ends_with("appendFile")
                    || call.name.ends_with("appendFileSync")
                    || call.name.contains("mkdir")
                    || call.name.ends_with("touch")
                    || call.name.ends_with("makedirs")
                    || call.name.ends_with("chmod")
                    || call.name.ends_with("truncate");
                if is_path_like(&l.text) || call.arg_index == 0 {
                    let kind = if is_dest {
                        AccessKind::Write
                    } else {
                        AccessKind::Read
                    };
                    out.paths.push((l.text.clone(), kind, false));
                }
                handled[k] = true;
            }
            CallKind::Open
                if call.arg_index == 0
                    && call.name.ends_with("Path")
                    && path_method(&masked, call.open).is_some() =>
            {
                if let Some((kind, change)) = path_method(&masked, call.open) {
                    match change {
                        Some(c) => {
                            out.tree_ops.push((l.text.clone(), c));
                            out.paths.push((l.text.clone(), AccessKind::Read, false));
                        }
                        None => out.paths.push((l.text.clone(), kind, false)),
                    }
                }
                handled[k] = true;
            }
            CallKind::Open if call.arg_index == 0 => {
                // The mode is the next literal, if it is an argument of the same call.
                let mode = lits.get(k + 1).and_then(|m| {
                    enclosing_call(&masked, m.start)
                        .filter(|c| c.open == call.open && c.arg_index == 1)
                        .map(|_| m.text.clone())
                });
                let writes = mode.is_some_and(|m| m.contains(['w', 'a', 'x', '+']));
                let kind = if writes {
                    AccessKind::Write
                } else {
                    AccessKind::Read
                };
                out.paths.push((l.text.clone(), kind, false));
                handled[k] = true;
            }
            _ => {}
        }
    }
    for (_, ks, in_list) in &shell_calls {
        let parts: Vec<&str> = ks.iter().map(|k| lits[*k].text.as_str()).collect();
        let cmd = if *in_list {
            parts
                .iter()
                .map(|p| super::word::shell_quote(p))
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            parts.first().map(|s| s.to_string()).unwrap_or_default()
        };
        out.commands.push(cmd);
    }
    // Shell calls whose command is not a literal.
    let names = shell_call_positions(lang, &masked);
    for (name, after) in names {
        let next = masked[after..]
            .iter()
            .find(|c| !c.is_whitespace() && **c != '[' && **c != '(');
        if !matches!(next, Some('\u{1}' | '"' | '\'' | '`')) {
            out.opaque.push(format!(
                "the one-liner passes a computed value to `{name}`, which runs a command or deletes a path that cannot be known"
            ));
        }
    }
    if matches!(lang, Lang::Perl | Lang::Ruby) {
        for m in BARE_SHELL.find_iter(&masked_str) {
            // The literal that starts at the quote the match ends with.
            let quote_at = masked_str[..m.end()].chars().count().saturating_sub(1);
            if let Some(k) = lits.iter().position(|l| l.start == quote_at)
                && !handled[k]
            {
                out.commands.push(lits[k].text.clone());
                handled[k] = true;
            }
        }
    }
    if matches!(lang, Lang::Perl | Lang::Ruby) {
        for m in BARE_TREE_OP.find_iter(&masked_str) {
            let from = masked_str[..m.start()].chars().count();
            let to = masked_str[..m.end()].chars().count();
            let change =
                match &m.as_str()[..m.as_str().find([' ', '(', '"', '\'']).unwrap_or(m.len())] {
                    "unlink" | "rmtree" | "remove_tree" | "rmdir" => None,
                    "chmod" | "chown" => Some(super::Change::Attributes),
                    "symlink" | "link" => Some(super::Change::LinkTo),
                    "truncate" => Some(super::Change::Content),
                    _ => Some(super::Change::RenameFrom),
                };
            for (k, l) in lits.iter().enumerate() {
                if handled[k] || l.start < from || l.start >= to || !is_path_like(&l.text) {
                    continue;
                }
                match change {
                    None => out.paths.push((l.text.clone(), AccessKind::Delete, false)),
                    Some(c) => out.tree_ops.push((l.text.clone(), c)),
                }
            }
        }
    }
    for (k, l) in lits.iter().enumerate() {
        if !handled[k] && is_path_like(&l.text) {
            out.paths.push((l.text.clone(), AccessKind::Read, false));
        }
    }
    out
}

/// Literals and a masked copy of the code where each literal's characters are `\u{1}`.
fn literals(lang: Lang, chars: &[char]) -> (Vec<Lit>, Vec<char>) {
    let mut lits = Vec::new();
    let mut masked = chars.to_vec();
    let mut i = 0;
    while i < chars.len() && lits.len() < MAX_LITERALS {
        let c = chars[i];
        let is_quote = c == '"' || c == '\'' || (c == '`' && lang != Lang::Python);
        if c == '#' && matches!(lang, Lang::Python | Lang::Ruby | Lang::Perl) {
            // A comment to end of line.
            while i < chars.len() && chars[i] != '\n' {
                masked[i] = ' ';
                i += 1;
            }
            continue;
        }
        if !is_quote {
            i += 1;
            continue;
        }
        let triple =
            lang == Lang::Python && chars.get(i + 1) == Some(&c) && chars.get(i + 2) == Some(&c);
        let start = i;
        let mut j = if triple { i + 3 } else { i + 1 };
        let mut text = String::new();
        let mut closed = false;
        while j < chars.len() {
            let d = chars[j];
            if d == '\\' && c != '`' {
                if let Some(&n) = chars.get(j + 1) {
                    match n {
                        'n' => text.push('\n'),
                        't' => text.push('\t'),
                        other => text.push(other),
                    }
                }
                j += 2;
                continue;
            }
            if d == c && (!triple || (chars.get(j + 1) == Some(&c) && chars.get(j + 2) == Some(&c)))
            {
                closed = true;
                j += if triple { 3 } else { 1 };
                break;
            }
            text.push(d);
            j += 1;
        }
        let end = j.min(chars.len());
        for m in masked.iter_mut().take(end).skip(start) {
            *m = '\u{1}';
        }
        masked[start] = c;
        lits.push(Lit { start, text });
        if !closed {
            break;
        }
        i = end;
    }
    (lits, masked)
}

struct Call {
    name: String,
    open: usize,
    arg_index: usize,
    in_list: bool,
}

/// The call whose argument list holds position `pos`, looking back at most [`WINDOW`] chars.
fn enclosing_call(masked: &[char], pos: usize) -> Option<Call> {
    let mut depth = 0usize;
    let mut commas = 0usize;
    let mut in_list = false;
    let mut i = pos;
    let lower = pos.saturating_sub(WINDOW);
    while i > lower {
        i -= 1;
        match masked[i] {
            ')' | ']' | '}' => depth += 1,
            '(' | '[' | '{' if depth > 0 => depth -= 1,
            '[' | '{' => {
                in_list = true;
                commas = 0;
            }
            '(' => {
                // The identifier chain before the parenthesis.
                let mut j = i;
                while j > 0 && masked[j - 1].is_whitespace() {
                    j -= 1;
                }
                let end = j;
                while j > 0
                    && (masked[j - 1].is_alphanumeric()
                        || masked[j - 1] == '_'
                        || masked[j - 1] == '.'
                        || masked[j - 1] == '$'
                        || masked[j - 1] == ':')
                {
                    j -= 1;
                }
                let name: String = masked[j..end].iter().collect();
                let name = name.trim_start_matches("::").replace("::", ".");
                if name.is_empty() {
                    continue;
                }
                return Some(Call {
                    name,
                    open: i,
                    arg_index: commas,
                    in_list,
                });
            }
            ',' if depth == 0 && !in_list => commas += 1,
            _ => {}
        }
    }
    None
}

/// Positions right after `name(` of calls that run shell commands.
fn shell_call_positions(lang: Lang, masked: &[char]) -> Vec<(String, usize)> {
    static CALL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(").expect("static regex"));
    let s: String = masked.iter().collect();
    let mut out = Vec::new();
    for cap in CALL.captures_iter(&s) {
        let (Some(name), Some(whole)) = (cap.get(1), cap.get(0)) else {
            continue;
        };
        if matches!(
            call_kind(lang, name.as_str()),
            Some(CallKind::Shell | CallKind::CodeEval | CallKind::DeleteRecursive)
        ) {
            let last = name.as_str().rsplit('.').next().unwrap_or("");
            // `run`/`call` are too generic outside `subprocess`.
            if matches!(last, "run" | "call") && !name.as_str().contains("subprocess") {
                continue;
            }
            let after = s[..whole.end()].chars().count();
            out.push((name.as_str().to_string(), after));
        }
    }
    out
}

fn is_path_like(s: &str) -> bool {
    if s.is_empty() || s.len() > 4096 || s.contains(char::is_whitespace) || s.contains("://") {
        return false;
    }
    if !s.chars().any(|c| c.is_alphanumeric()) {
        return s == "/" || s == "~";
    }
    s.starts_with('/')
        || s.starts_with("~/")
        || s.starts_with("./")
        || s.starts_with("../")
        || (s.starts_with('.') && s.len() > 1 && !s.contains(['(', '%', '{']))
        || (s.contains('/') && !s.contains(['<', '>', '(', ')', '%', '{', '}', '=', ',', ';', '*']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_system_string_is_a_command() {
        let s = scan(Lang::Python, "import os; os.system('sudo rm -rf /')");
        assert_eq!(s.commands, vec!["sudo rm -rf /"]);
    }

    #[test]
    fn python_subprocess_list_is_joined() {
        let s = scan(
            Lang::Python,
            "import subprocess; subprocess.run(['sudo', 'id'])",
        );
        assert_eq!(s.commands, vec!["sudo id"]);
    }

    #[test]
    fn rmtree_is_a_recursive_delete() {
        let s = scan(Lang::Python, "import shutil; shutil.rmtree('/')");
        assert_eq!(s.paths, vec![("/".to_string(), AccessKind::Delete, true)]);
    }

    #[test]
    fn node_rmsync() {
        let s = scan(Lang::Node, "require('fs').rmSync('/', {recursive: true})");
        assert!(
            s.paths
                .contains(&("/".to_string(), AccessKind::Delete, true))
        );
    }

    #[test]
    fn open_for_write() {
        let s = scan(
            Lang::Python,
            "open('.git/hooks/pre-commit', 'w').write('x')",
        );
        assert_eq!(
            s.paths,
            vec![(
                ".git/hooks/pre-commit".to_string(),
                AccessKind::Write,
                false
            )]
        );
    }

    #[test]
    fn env_file_read() {
        let s = scan(Lang::Python, "print(open('.env').read())");
        assert_eq!(s.paths, vec![(".env".to_string(), AccessKind::Read, false)]);
    }

    #[test]
    fn computed_exec_is_opaque() {
        let s = scan(
            Lang::Python,
            "import base64;exec(base64.b64decode('cHJpbnQoMSk='))",
        );
        assert!(!s.opaque.is_empty());
    }

    #[test]
    fn perl_system_without_parentheses() {
        let s = scan(Lang::Perl, "system \"sudo id\"; print 1");
        assert_eq!(s.commands, vec!["sudo id"]);
    }

    #[test]
    fn detects_where_the_code_comes_from() {
        let args = |v: &[&str]| {
            v.iter()
                .map(|s| super::super::Arg::known(*s))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            detect("python3", &args(&["-c", "x"])).map(|f| f.code),
            Some(Code::Inline("x".into()))
        );
        assert_eq!(
            detect("python3", &args(&["-"])).map(|f| f.code),
            Some(Code::Stdin)
        );
        assert_eq!(
            detect("python3", &args(&["-m", "pip"])).map(|f| f.code),
            Some(Code::None)
        );
        assert_eq!(
            detect("node", &args(&["app.js"])).map(|f| f.code),
            Some(Code::File("app.js".into()))
        );
        assert_eq!(
            detect("perl", &args(&["-e", "a", "-e", "b"])).map(|f| f.code),
            Some(Code::Inline("a\nb".into()))
        );
        assert_eq!(detect("ls", &args(&[])), None);
    }

    #[test]
    fn plain_print_is_clean() {
        let s = scan(Lang::Python, "print('hello world', 1+2)");
        assert_eq!(s, Scan::default());
    }
}
