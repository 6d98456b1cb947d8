//! File accesses by program: which arguments of which programs are files read, written,
//! deleted or executed. One row per program family in [`access_rule`]; what is not listed
//! reports no argument accesses (redirections are always reported by the analyser). The
//! programs whose arguments need more than a row have their own rooms: `download` (`curl`,
//! `wget`) and `git`.

use super::wrappers::find_starts;
use super::{AccessKind, Change, SimpleCommand};

mod download;
mod git;

use download::{curl, wget};
use git::git;

/// An access before path resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawAccess {
    pub text: String,
    pub kind: AccessKind,
    pub by: String,
    pub recursive: bool,
    pub forced: bool,
    /// Deletes only some files under the path (`find -name x -delete`, `git clean`).
    pub selective: bool,
    pub unknown: bool,
    /// What a write or delete changes (see [`Change`]).
    pub change: Change,
    /// For a selective delete: the name patterns that choose what goes (`find -name`).
    pub names: Vec<String>,
    /// Reported only when the path exists (`git checkout X` names a branch or a path).
    pub if_exists: bool,
}

/// How a program's operands are used.
struct Rule {
    /// Options that take a separate argument (skipped when collecting operands).
    with_arg: &'static [&'static str],
    /// The first operand is a pattern or script, not a file (unless `-e`/`-f` supplies it).
    pattern_first: bool,
    /// What the operands are.
    operands: Operands,
    /// Options whose argument is a file read (`grep -f`, `awk -f`, `openssl -in`).
    read_opts: &'static [&'static str],
    /// Options whose argument is a file written (`openssl -out`, `curl -o`).
    write_opts: &'static [&'static str],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Operands {
    Read,
    Write,
    ReadWrite,
    /// Sources read, last operand written (`cp`, `install`, `ln`).
    CopyLike,
    /// Sources read and removed, last operand written.
    MoveLike,
    /// First operand (mode/owner) skipped, rest written.
    SkipFirstWrite,
    Delete,
}

const fn rule(operands: Operands, with_arg: &'static [&'static str]) -> Rule {
    Rule {
        with_arg,
        pattern_first: false,
        operands,
        read_opts: &[],
        write_opts: &[],
    }
}

fn access_rule(name: &str) -> Option<Rule> {
    use Operands::*;
    Some(match name {
        "cat" | "tac" | "nl" | "less" | "more" | "most" | "bat" | "batcat" | "view" | "strings"
        | "od" | "hexdump" | "xxd" | "base64" | "base32" | "wc" | "cmp" | "diff" | "sdiff"
        | "comm" | "paste" | "fold" | "fmt" | "rev" | "column" | "zcat" | "zless" | "bzcat"
        | "xzcat" | "lzcat" | "zstdcat" | "iconv" | "md5sum" | "sha1sum" | "sha256sum"
        | "sha512sum" | "cksum" | "file" | "source" | "." | "expand" | "unexpand" | "look"
        | "pr" | "gpg" | "split" => rule(
            Read,
            &["-n", "-c", "-s", "-w", "-f", "-t", "-l", "-o", "-L"],
        ),
        "head" | "tail" => rule(
            Read,
            &[
                "-n",
                "-c",
                "--lines",
                "--bytes",
                "-s",
                "--sleep-interval",
                "--pid",
            ],
        ),
        "sort" | "uniq" => Rule {
            write_opts: &["-o", "--output"],
            ..rule(
                Read,
                &["-k", "-t", "-S", "-T", "--parallel", "-f", "-s", "-w"],
            )
        },
        "cut" | "tr" | "join" => rule(
            Read,
            &["-d", "-f", "-c", "-b", "-t", "-1", "-2", "-o", "-j"],
        ),
        "grep" | "egrep" | "fgrep" | "rg" | "ag" | "ack" | "zgrep" => Rule {
            pattern_first: true,
            read_opts: &["-f", "--file"],
            ..rule(
                Read,
                &[
                    "-e",
                    "-f",
                    "-m",
                    "-A",
                    "-B",
                    "-C",
                    "--regexp",
                    "--file",
                    "--max-count",
                    "--context",
                    "-g",
                    "--glob",
                    "-t",
                    "--type",
                    "-T",
                    "--type-not",
                    "-j",
                    "--threads",
                    "-M",
                    "--max-columns",
                    "--include",
                    "--exclude",
                    "-d",
                    "-D",
                    "--color",
                    "--colour",
                    "-E",
                    "--encoding",
                    "--iglob",
                    "--max-depth",
                ],
            )
        },
        "sed" => Rule {
            pattern_first: true,
            read_opts: &["-f", "--file"],
            ..rule(Read, &["-e", "-f", "--expression", "--file", "-l"])
        },
        "awk" | "gawk" | "mawk" | "nawk" => Rule {
            pattern_first: true,
            read_opts: &["-f"],
            ..rule(Read, &["-f", "-v", "-F"])
        },
        "jq" | "yq" | "gojq" => Rule {
            pattern_first: true,
            read_opts: &["--slurpfile", "--rawfile", "--from-file"],
            ..rule(Read, &["--arg", "--argjson", "--indent", "--tab"])
        },
        "vi" | "vim" | "nvim" | "nano" | "emacs" | "pico" | "ed" | "ex" => {
            rule(ReadWrite, &["-c", "-u", "-S"])
        }
        "tee" => rule(Write, &[]),
        "touch" => rule(Write, &["-d", "-r", "-t", "--date", "--reference"]),
        "mkdir" => rule(Write, &["-m", "--mode"]),
        "truncate" => rule(Write, &["-s", "--size", "-r", "--reference"]),
        "chmod" | "chown" | "chgrp" | "setfacl" => rule(SkipFirstWrite, &["--reference"]),
        "cp" | "install" | "ln" | "rsync" | "scp" => rule(
            CopyLike,
            &[
                "-t",
                "--target-directory",
                "-m",
                "--mode",
                "-o",
                "-g",
                "-S",
                "-e",
                "--rsh",
                "-P",
                "-i",
                "-F",
                "--exclude",
                "--include",
                "-c",
                "-J",
                "-l",
                "--suffix",
                "--chown",
                "--backup-dir",
                "--exclude-from",
                "--files-from",
            ],
        ),
        "mv" => rule(MoveLike, &["-t", "--target-directory", "-S", "--suffix"]),
        "rm" | "rmdir" | "unlink" | "shred" | "srm" | "wipe" | "trash" | "trash-put"
        | "rmtrash" => rule(Delete, &["-n", "--iterations", "-s", "--size"]),
        _ => return None,
    })
}

/// The operands of `cmd` ([`super::options::operands`]).
fn operands<'c>(cmd: &'c SimpleCommand, with_arg: &[&str]) -> Vec<&'c super::Arg> {
    super::options::operands(cmd, with_arg, 0)
}

fn raw(a: &super::Arg, kind: AccessKind, by: &str) -> RawAccess {
    RawAccess {
        text: a.value.clone(),
        kind,
        by: by.to_string(),
        recursive: false,
        forced: false,
        selective: false,
        unknown: a.unknown,
        change: Change::Content,
        names: Vec::new(),
        if_exists: false,
    }
}

fn text(s: &str, kind: AccessKind, by: &str) -> RawAccess {
    RawAccess {
        text: s.to_string(),
        kind,
        by: by.to_string(),
        recursive: false,
        forced: false,
        selective: false,
        unknown: false,
        change: Change::Content,
        names: Vec::new(),
        if_exists: false,
    }
}

fn is_remote(s: &str) -> bool {
    // `host:path`, `user@host:path`, `rsync://`, but not `./a:b` or `/a:b`.
    if s.contains("://") {
        return true;
    }
    match s.split_once(':') {
        Some((host, _)) => !host.is_empty() && !host.contains('/'),
        None => false,
    }
}

fn short_flag(cmd: &SimpleCommand, c: char, long: &[&str]) -> bool {
    cmd.args().any(|a| {
        long.contains(&a) || (a.starts_with('-') && !a.starts_with("--") && a[1..].contains(c))
    })
}

/// What a wrapper touches itself, before the command it runs: `flock [OPTS] FILE CMD…` opens
/// (and may create) FILE and holds a lock on it for as long as CMD runs.
pub(crate) fn wrapper_accesses(name: &str, argv: &[super::Arg]) -> Vec<RawAccess> {
    if name != "flock" {
        return Vec::new();
    }
    let mut it = argv.iter().skip(1);
    while let Some(a) = it.next() {
        let v = a.value.as_str();
        if matches!(
            v,
            "-w" | "--wait" | "--timeout" | "-E" | "--conflict-exit-code"
        ) {
            it.next();
            continue;
        }
        if v.starts_with('-') {
            continue;
        }
        if v.chars().all(|c| c.is_ascii_digit()) {
            // A file descriptor already open in the shell.
            return Vec::new();
        }
        return vec![RawAccess {
            change: Change::Lock,
            ..raw(a, AccessKind::Write, "flock")
        }];
    }
    Vec::new()
}

/// The file accesses a command's arguments make.
pub(crate) fn accesses(cmd: &SimpleCommand) -> Vec<RawAccess> {
    let mut out = argument_accesses(cmd);
    match cmd.name.as_str() {
        "sed" | "gsed" => out.extend(sed_writes(cmd)),
        "awk" | "gawk" | "mawk" | "nawk" => out.extend(awk_writes(cmd)),
        _ => {}
    }
    out
}

/// The scripts a `sed` or `awk` runs: `-e`/`--expression` values, else the first operand.
fn scripts(cmd: &SimpleCommand, opts: &[&str], with_arg: &[&str]) -> Vec<String> {
    let given: Vec<String> = super::options::values(cmd, opts)
        .into_iter()
        .map(|a| a.value.clone())
        .chain(
            cmd.args()
                .filter_map(|a| a.strip_prefix("--expression=").map(str::to_string)),
        )
        .collect();
    if !given.is_empty() || cmd.has("-f") || cmd.has("--file") {
        return given;
    }
    operands(cmd, with_arg)
        .first()
        .map(|a| vec![a.value.clone()])
        .unwrap_or_default()
}

/// Files a `sed` script writes: the `w FILE` command (after an optional address) and the `w`
/// flag of `s///`.
fn sed_writes(cmd: &SimpleCommand) -> Vec<RawAccess> {
    let mut out = Vec::new();
    for script in scripts(
        cmd,
        &["-e", "--expression"],
        &["-e", "-f", "--expression", "--file", "-l"],
    ) {
        for piece in script.split(['\n', ';']) {
            let p = piece.trim();
            let file = if let Some(d) = p.strip_prefix('s').and_then(|r| r.chars().next()) {
                // `s/a/b/gw FILE`: the flags after the third delimiter.
                let parts: Vec<&str> = p[1 + d.len_utf8()..].splitn(3, d).collect();
                parts
                    .get(2)
                    .and_then(|flags| flags.find('w').map(|i| flags[i + 1..].trim()))
            } else {
                let body = p.trim_start_matches(|c: char| {
                    c.is_ascii_digit() || c == ',' || c == '$' || c == '!'
                });
                let body = match body.strip_prefix('/') {
                    Some(rest) => rest.split_once('/').map_or("", |(_, after)| after),
                    None => body,
                };
                let body = body.trim_start();
                body.strip_prefix('w')
                    .or_else(|| body.strip_prefix('W'))
                    .filter(|r| r.starts_with(char::is_whitespace))
                    .map(str::trim)
            };
            if let Some(f) =
                file.filter(|f| !f.is_empty() && *f != "/dev/stdout" && *f != "/dev/stderr")
            {
                out.push(text(f, AccessKind::Write, "sed w"));
            }
        }
    }
    out
}

/// Files an `awk` program writes with `print … > "FILE"` or `>> "FILE"`.
fn awk_writes(cmd: &SimpleCommand) -> Vec<RawAccess> {
    static REDIRECT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"\bprintf?\b[^;{}]*?>>?\s*"([^"]+)""#).expect("static regex")
    });
    let mut out = Vec::new();
    for program in scripts(cmd, &[], &["-f", "-v", "-F", "-i", "--include"]) {
        for c in REDIRECT.captures_iter(&program) {
            let f = &c[1];
            if f != "/dev/stdout" && f != "/dev/stderr" {
                out.push(text(f, AccessKind::Write, "awk print >"));
            }
        }
    }
    out
}

/// The file accesses of a command's arguments, program by program.
fn argument_accesses(cmd: &SimpleCommand) -> Vec<RawAccess> {
    let by = cmd.name.as_str();
    let mut out = Vec::new();
    match by {
        "curl" => return curl(cmd),
        "wget" => return wget(cmd),
        "tar" | "bsdtar" | "gtar" => return tar(cmd),
        "zip" => {
            let ops = operands(cmd, &["-x", "-i", "-b", "-n", "-P", "-t", "-tt"]);
            // `-m`/`--move`: the files are deleted once archived.
            let moves = cmd.has("--move")
                || cmd
                    .args()
                    .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('m'));
            if moves {
                for a in ops.iter().skip(1) {
                    out.push(RawAccess {
                        recursive: true,
                        ..raw(a, AccessKind::Delete, "zip -m")
                    });
                }
            }
            for (k, a) in ops.iter().enumerate() {
                out.push(raw(
                    a,
                    if k == 0 {
                        AccessKind::Write
                    } else {
                        AccessKind::Read
                    },
                    by,
                ));
            }
            return out;
        }
        "unzip" => {
            let ops = operands(cmd, &["-d", "-x", "-P"]);
            if let Some(a) = ops.first() {
                out.push(raw(a, AccessKind::Read, by));
            }
            // Named members land at DIR/MEMBER (they are patterns; C17 matches them as such).
            if !cmd.has("-l") && !cmd.has("-p") && !cmd.has("-t") {
                let dir = super::options::values(cmd, &["-d"])
                    .first()
                    .map_or(".".to_string(), |d| d.value.clone());
                for m in ops.iter().skip(1) {
                    out.push(RawAccess {
                        text: format!("{}/{}", dir.trim_end_matches('/'), m.value),
                        recursive: true,
                        ..raw(m, AccessKind::Write, by)
                    });
                }
            }
            match super::options::values(cmd, &["-d"]).first() {
                Some(d) => out.push(RawAccess {
                    recursive: true,
                    ..raw(d, AccessKind::Write, by)
                }),
                None if !cmd.has("-l") && !cmd.has("-p") => out.push(RawAccess {
                    recursive: true,
                    ..text(".", AccessKind::Write, by)
                }),
                None => {}
            }
            return out;
        }
        "dd" => {
            for a in cmd.argv.iter().skip(1) {
                if let Some(f) = a.value.strip_prefix("if=") {
                    out.push(RawAccess {
                        text: f.into(),
                        ..raw(a, AccessKind::Read, by)
                    });
                }
                if let Some(f) = a.value.strip_prefix("of=") {
                    out.push(RawAccess {
                        text: f.into(),
                        ..raw(a, AccessKind::Write, by)
                    });
                }
            }
            return out;
        }
        "openssl" => {
            for a in &super::options::values(
                cmd,
                &[
                    "-in", "-key", "-inkey", "-kfile", "-passin", "-CAfile", "-cert",
                ],
            ) {
                let t = a.value.strip_prefix("file:").unwrap_or(&a.value);
                if a.value.starts_with("pass:") || a.value.starts_with("env:") {
                    continue;
                }
                out.push(RawAccess {
                    text: t.into(),
                    ..raw(a, AccessKind::Read, by)
                });
            }
            for a in &super::options::values(cmd, &["-out", "-keyout"]) {
                out.push(raw(a, AccessKind::Write, by));
            }
            return out;
        }
        "find" => {
            let deletes = cmd.has("-delete");
            let selective = cmd.args().any(|a| {
                matches!(
                    a,
                    "-name"
                        | "-iname"
                        | "-path"
                        | "-ipath"
                        | "-regex"
                        | "-iregex"
                        | "-newer"
                        | "-mtime"
                        | "-mmin"
                        | "-atime"
                        | "-ctime"
                        | "-size"
                        | "-empty"
                        | "-user"
                        | "-perm"
                        | "-wholename"
                        | "-lname"
                        | "-links"
                        | "-inum"
                        | "-samefile"
                )
            });
            if deletes {
                let names = find_names(cmd);
                for s in find_starts(&cmd.argv) {
                    out.push(RawAccess {
                        recursive: true,
                        selective,
                        names: names.clone(),
                        ..raw(&s, AccessKind::Delete, "find -delete")
                    });
                }
            }
            return out;
        }
        "sed"
            if short_flag(cmd, 'i', &["--in-place"])
                || cmd
                    .args()
                    .any(|a| a.starts_with("--in-place=") || a.starts_with("-i")) =>
        {
            let has_script_opt = cmd
                .args()
                .any(|a| a == "-e" || a == "-f" || a == "--expression" || a == "--file");
            let ops = operands(cmd, &["-e", "-f", "--expression", "--file", "-l"]);
            let skip = usize::from(!has_script_opt);
            for a in ops.into_iter().skip(skip) {
                out.push(raw(a, AccessKind::Read, by));
                out.push(raw(a, AccessKind::Write, "sed -i"));
            }
            return out;
        }
        "git" => return git(cmd),
        "perl" | "ruby" if in_place_script(cmd) => return in_place(cmd),
        "awk" | "gawk"
            if cmd.argv.windows(2).any(|w| {
                (w[0].value == "-i" || w[0].value == "--include") && w[1].value == "inplace"
            }) || cmd.has("--include=inplace")
                || cmd.has("-iinplace") =>
        {
            let mut ops = operands(cmd, &["-f", "-v", "-F", "-i", "--include"]);
            if !cmd.has("-f") && !ops.is_empty() {
                ops.remove(0);
            }
            for a in ops {
                out.push(raw(a, AccessKind::Read, by));
                out.push(raw(a, AccessKind::Write, "awk -i inplace"));
            }
            return out;
        }
        // Compressors replace each file with its archive unless told to keep it.
        "gzip" | "bzip2" | "xz" | "lzma" | "lzip" | "compress" | "gunzip" | "bunzip2" | "unxz"
            if !cmd.args().any(|a| {
                matches!(
                    a,
                    "-c" | "-k" | "--stdout" | "--keep" | "-l" | "--list" | "-t" | "--test"
                ) || (a.starts_with('-')
                    && !a.starts_with("--")
                    && (a.contains('c') || a.contains('k')))
            }) =>
        {
            for a in operands(cmd, &["-S", "--suffix"]) {
                out.push(raw(a, AccessKind::Read, by));
                out.push(raw(a, AccessKind::Delete, by));
            }
            return out;
        }
        "zstd" | "lz4" if cmd.has("--rm") => {
            for a in operands(cmd, &["-o"]) {
                out.push(raw(a, AccessKind::Read, by));
                out.push(raw(a, AccessKind::Delete, by));
            }
            return out;
        }
        "mkfifo" | "mknod" => {
            if let Some(a) = operands(cmd, &["-m", "--mode", "-Z", "--context"]).first() {
                out.push(RawAccess {
                    change: Change::Create,
                    ..raw(a, AccessKind::Write, by)
                });
            }
            return out;
        }
        // `patch FILE < diff`, `patch -o OUT`, `patch -i DIFF`.
        "patch" => {
            for a in &super::options::values(cmd, &["-i", "--input"]) {
                out.push(raw(a, AccessKind::Read, by));
            }
            for a in &super::options::values(cmd, &["-o", "--output"]) {
                out.push(raw(a, AccessKind::Write, by));
            }
            let ops = operands(
                cmd,
                &[
                    "-i",
                    "--input",
                    "-o",
                    "--output",
                    "-p",
                    "-d",
                    "--directory",
                    "-r",
                    "-B",
                    "-F",
                    "-z",
                    "-V",
                    "-D",
                ],
            );
            if let Some(a) = ops.first() {
                out.push(raw(a, AccessKind::Read, by));
                out.push(raw(a, AccessKind::Write, by));
            }
            return out;
        }
        "sponge" => {
            for a in operands(cmd, &[]) {
                out.push(raw(a, AccessKind::Write, by));
            }
            return out;
        }
        "sqlite3" | "sqlite" => return sqlite(cmd),
        "chattr" => {
            for a in cmd.argv.iter().skip(1).filter(|a| {
                !(a.value.starts_with('-') || a.value.starts_with('+') || a.value.starts_with('='))
            }) {
                out.push(RawAccess {
                    change: Change::Attributes,
                    recursive: cmd.has("-R"),
                    ..raw(a, AccessKind::Write, by)
                });
            }
            return out;
        }
        "sh" | "bash" | "zsh" | "dash" | "ksh" | "mksh" | "ash" | "yash" => {
            // The script operand, when the shell is not given `-c` or `-s`.
            let mut it = cmd.argv.iter().skip(1);
            while let Some(a) = it.next() {
                let v = a.value.as_str();
                if matches!(v, "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file") {
                    it.next();
                    continue;
                }
                if v.starts_with('-') || v.starts_with('+') {
                    if !v.starts_with("--") && (v.contains('c') || v.contains('s')) {
                        return out;
                    }
                    continue;
                }
                out.push(raw(a, AccessKind::Read, by));
                break;
            }
            return out;
        }
        _ => {}
    }
    if let Some(found) = super::interp::detect(by, &cmd.argv[1.min(cmd.argv.len())..])
        && let super::interp::Code::File(f) = found.code
    {
        let unknown = cmd.argv.iter().any(|a| a.value == f && a.unknown);
        out.push(RawAccess {
            unknown,
            ..text(&f, AccessKind::Read, by)
        });
        return out;
    }
    let Some(r) = access_rule(by) else {
        return out;
    };
    for a in &super::options::values(cmd, r.read_opts) {
        out.push(raw(a, AccessKind::Read, by));
    }
    for a in &super::options::values(cmd, r.write_opts) {
        out.push(raw(a, AccessKind::Write, by));
    }
    let mut ops = operands(cmd, r.with_arg);
    if matches!(by, "chmod" | "chown" | "chgrp") {
        // A symbolic mode like `-x` looks like an option: take the first argument that is
        // not a real option as the mode.
        let real = [
            "-R",
            "-v",
            "-c",
            "-f",
            "-h",
            "-H",
            "-L",
            "-P",
            "--recursive",
            "--verbose",
            "--changes",
            "--silent",
            "--quiet",
            "--no-dereference",
            "--dereference",
        ];
        ops = cmd
            .argv
            .iter()
            .skip(1)
            .filter(|a| {
                !real.contains(&a.value.as_str())
                    && !a.value.starts_with("--reference")
                    && a.value != "--"
            })
            .collect();
    }
    let script_given = cmd.args().any(|a| {
        a == "-e"
            || a == "-f"
            || a == "--regexp"
            || a == "--file"
            || a == "--expression"
            || a.starts_with("--regexp=")
            || a.starts_with("--expression=")
    });
    if r.pattern_first && !script_given && !ops.is_empty() {
        ops.remove(0);
    }
    let recursive = short_flag(cmd, 'r', &["--recursive"]) || short_flag(cmd, 'R', &[]);
    let forced = short_flag(cmd, 'f', &["--force"]);
    match r.operands {
        Operands::Read => out.extend(ops.iter().map(|a| raw(a, AccessKind::Read, by))),
        Operands::Write => {
            let change = if matches!(by, "touch" | "mkdir") {
                Change::Create
            } else {
                Change::Content
            };
            out.extend(ops.iter().map(|a| RawAccess {
                change,
                ..raw(a, AccessKind::Write, by)
            }));
        }
        Operands::ReadWrite => {
            for a in ops {
                out.push(raw(a, AccessKind::Read, by));
                out.push(raw(a, AccessKind::Write, by));
            }
        }
        Operands::SkipFirstWrite => out.extend(ops.iter().skip(1).map(|a| RawAccess {
            recursive,
            change: Change::Attributes,
            ..raw(a, AccessKind::Write, by)
        })),
        Operands::CopyLike | Operands::MoveLike => {
            let target_opt = super::options::values(cmd, &["-t", "--target-directory"]);
            let (sources, target): (Vec<_>, Option<&super::Arg>) = match target_opt.first() {
                Some(t) => (ops.clone(), Some(t)),
                None if ops.len() >= 2 => (ops[..ops.len() - 1].to_vec(), ops.last().copied()),
                None if by == "ln" => (ops.clone(), None),
                None => (ops.clone(), None),
            };
            // `-T`, and `ln -n`: the target is replaced as a whole, never entered.
            let no_target_dir = cmd.has("-T")
                || cmd.has("--no-target-directory")
                || (by == "ln" && (short_flag(cmd, 'n', &["--no-dereference"])))
                || cmd
                    .args()
                    .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('T'));
            // The target is certainly a directory: `-t`, several sources, or a trailing `/`.
            let into_certain = !target_opt.is_empty()
                || sources.len() > 1
                || target.is_some_and(|t| t.value.ends_with('/'));
            let remote_tool = by == "scp" || by == "rsync";
            for s in &sources {
                if is_remote(&s.value) && remote_tool {
                    continue;
                }
                out.push(RawAccess {
                    recursive,
                    ..raw(s, AccessKind::Read, by)
                });
                if r.operands == Operands::MoveLike {
                    out.push(RawAccess {
                        recursive: true,
                        change: Change::RenameFrom,
                        ..raw(s, AccessKind::Write, by)
                    });
                }
                if by == "rsync" && cmd.has("--remove-source-files") {
                    out.push(RawAccess {
                        recursive: true,
                        ..raw(s, AccessKind::Delete, "rsync --remove-source-files")
                    });
                }
                if by == "ln" {
                    // Nothing is written to the source: a read, with the link noted.
                    out.push(RawAccess {
                        change: Change::LinkTo,
                        ..raw(s, AccessKind::Read, by)
                    });
                }
                // What lands inside a target directory: `DIR/NAME`, judged as the file it is.
                if let Some(t) = target
                    && !no_target_dir
                    && !(remote_tool && is_remote(&t.value))
                {
                    // `cp -r SRC/. DIR`, `rsync SRC/ DIR`: the contents land in DIR itself.
                    let contents =
                        s.value.ends_with("/.") || (by == "rsync" && s.value.ends_with('/'));
                    let name = s
                        .value
                        .trim_end_matches('/')
                        .rsplit('/')
                        .next()
                        .unwrap_or("");
                    if contents {
                        out.push(RawAccess {
                            recursive: true,
                            change: Change::Into,
                            unknown: t.unknown || s.unknown,
                            ..raw(t, AccessKind::Write, by)
                        });
                    } else if !name.is_empty() && name != "." && name != ".." {
                        out.push(RawAccess {
                            text: format!("{}/{name}", t.value.trim_end_matches('/')),
                            recursive: recursive || r.operands == Operands::MoveLike,
                            change: Change::Into,
                            if_exists: !into_certain,
                            unknown: t.unknown || s.unknown,
                            ..raw(t, AccessKind::Write, by)
                        });
                    }
                }
            }
            match target {
                Some(t) if !(remote_tool && is_remote(&t.value)) => {
                    out.push(RawAccess {
                        recursive: recursive || r.operands == Operands::MoveLike,
                        change: if no_target_dir {
                            Change::Replace
                        } else {
                            Change::Content
                        },
                        ..raw(t, AccessKind::Write, by)
                    });
                    if by == "rsync" && cmd.args().any(|a| a.starts_with("--delete")) {
                        out.push(RawAccess {
                            recursive: true,
                            selective: true,
                            ..raw(t, AccessKind::Delete, "rsync --delete")
                        });
                    }
                }
                _ => {}
            }
            if by == "ln" && target.is_none() && ops.len() == 1 {
                let name = ops[0].value.rsplit('/').next().unwrap_or(".").to_string();
                out.push(text(&name, AccessKind::Write, by));
            }
        }
        Operands::Delete => {
            for a in ops {
                out.push(RawAccess {
                    recursive: recursive && by == "rm",
                    forced: forced || by == "shred" || by == "srm",
                    ..raw(a, AccessKind::Delete, by)
                });
            }
        }
    }
    out
}

fn tar(cmd: &SimpleCommand) -> Vec<RawAccess> {
    let mut out = Vec::new();
    let args: Vec<&super::Arg> = cmd.argv.iter().skip(1).collect();
    let mut mode = None;
    let mut archive: Option<&super::Arg> = None;
    let mut dir: Option<&super::Arg> = None;
    let mut operands = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let v = args[i].value.as_str();
        let next = args.get(i + 1).copied();
        if v == "-C" || v == "--directory" {
            dir = next;
            i += 2;
            continue;
        }
        if let Some(d) = v.strip_prefix("--directory=") {
            let _ = d;
            dir = Some(args[i]);
        }
        if v == "-f" || v == "--file" {
            archive = next;
            i += 2;
            continue;
        }
        if let Some(f) = v.strip_prefix("--file=") {
            let _ = f;
            archive = Some(args[i]);
        }
        let long_mode = match v {
            "--extract" | "--get" => Some('x'),
            "--create" => Some('c'),
            "--list" => Some('t'),
            "--append" => Some('r'),
            "--update" => Some('u'),
            _ => None,
        };
        if long_mode.is_some() {
            mode = long_mode;
        } else if (i == 0 && !v.starts_with('-')) || (v.starts_with('-') && !v.starts_with("--")) {
            let flags = v.trim_start_matches('-');
            for c in flags.chars() {
                if "xctru".contains(c) {
                    mode = Some(c);
                }
            }
            if let Some(fpos) = flags.find('f') {
                // `-xzf archive` / `xzf archive`: the next argument is the archive.
                if fpos + 1 == flags.len() {
                    archive = next;
                    i += 2;
                    continue;
                }
            }
        } else if !v.starts_with('-') {
            operands.push(args[i]);
        }
        i += 1;
    }
    let strip = |a: &super::Arg, prefix: &str| -> String {
        a.value.strip_prefix(prefix).unwrap_or(&a.value).to_string()
    };
    match mode {
        Some('x') => {
            if let Some(a) = archive {
                out.push(RawAccess {
                    text: strip(a, "--file="),
                    ..raw(a, AccessKind::Read, "tar")
                });
            }
            let d = dir
                .map(|d| (strip(d, "--directory="), d.unknown))
                .unwrap_or((".".into(), false));
            out.push(RawAccess {
                recursive: true,
                unknown: d.1,
                ..text(&d.0, AccessKind::Write, "tar")
            });
            // Named members land at DIR/MEMBER.
            for o in operands {
                out.push(RawAccess {
                    text: format!("{}/{}", d.0.trim_end_matches('/'), o.value),
                    recursive: true,
                    ..raw(o, AccessKind::Write, "tar")
                });
            }
        }
        Some('c') | Some('r') | Some('u') => {
            if let Some(a) = archive {
                out.push(RawAccess {
                    text: strip(a, "--file="),
                    ..raw(a, AccessKind::Write, "tar")
                });
            }
            for o in operands {
                let t = match dir {
                    Some(d) if !o.value.starts_with('/') => {
                        format!("{}/{}", strip(d, "--directory="), o.value)
                    }
                    _ => o.value.clone(),
                };
                out.push(RawAccess {
                    text: t,
                    recursive: true,
                    ..raw(o, AccessKind::Read, "tar")
                });
            }
        }
        Some('t') => {
            if let Some(a) = archive {
                out.push(RawAccess {
                    text: strip(a, "--file="),
                    ..raw(a, AccessKind::Read, "tar")
                });
            }
        }
        _ => {}
    }
    out
}

/// `find`'s name tests (`-name`, `-iname`): what a selective delete may remove.
fn find_names(cmd: &SimpleCommand) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = cmd.argv.iter().skip(1);
    while let Some(a) = it.next() {
        if matches!(a.value.as_str(), "-name" | "-iname")
            && let Some(n) = it.next()
        {
            out.push(n.value.clone());
        }
    }
    // Any other test may select anything: no names, so the whole tree counts.
    let other = cmd.args().any(|a| {
        matches!(
            a,
            "-path"
                | "-ipath"
                | "-regex"
                | "-iregex"
                | "-wholename"
                | "-lname"
                | "-samefile"
                | "-inum"
                | "-o"
                | "-or"
                | "-not"
                | "!"
        )
    });
    if other { Vec::new() } else { out }
}

/// `perl -i`/`ruby -i`: the script edits its file operands in place (`-i`, `-i.bak`, `-pi`,
/// `-pie`, `-p -i -e`).
fn in_place_script(cmd: &SimpleCommand) -> bool {
    cmd.args().take_while(|a| *a != "--").any(|a| {
        a.starts_with('-')
            && !a.starts_with("--")
            && a[1..]
                .chars()
                .take_while(|c| "acnpslwWXtTUi0".contains(*c))
                .any(|c| c == 'i')
    })
}

/// The files a `perl -i`/`ruby -i` one-liner rewrites: every operand after the script.
fn in_place(cmd: &SimpleCommand) -> Vec<RawAccess> {
    let by = format!("{} -i", cmd.name);
    let mut out = Vec::new();
    let mut script_given = false;
    let mut i = 1;
    let mut operands = Vec::new();
    while i < cmd.argv.len() {
        let v = cmd.argv[i].value.as_str();
        if v == "--" {
            operands.extend(cmd.argv[i + 1..].iter());
            break;
        }
        if v.starts_with('-') && v.len() > 1 {
            // `-e CODE`, `-pe CODE`, `-pie CODE`: the next argument is code.
            let flags = &v[1..];
            if !flags.starts_with('i') && flags.contains('e') && flags.ends_with('e') {
                script_given = true;
                i += 2;
                continue;
            }
            if matches!(v, "-I" | "-M" | "-m" | "-r") {
                i += 2;
                continue;
            }
            i += 1;
            continue;
        }
        operands.push(&cmd.argv[i]);
        i += 1;
    }
    let skip = usize::from(!script_given);
    for a in operands.into_iter().skip(skip) {
        out.push(raw(a, AccessKind::Read, &by));
        out.push(raw(a, AccessKind::Write, &by));
    }
    out
}

/// `sqlite3 DB SQL…`: the database is read and may be written; dot-commands that write files
/// (`.output F`, `.once F`, `.save F`, `.backup F`) write them.
fn sqlite(cmd: &SimpleCommand) -> Vec<RawAccess> {
    let by = cmd.name.as_str();
    let mut out = Vec::new();
    let ops = operands(
        cmd,
        &["-cmd", "-separator", "-newline", "-nullvalue", "-init"],
    );
    if let Some(db) = ops.first() {
        out.push(raw(db, AccessKind::Read, by));
        out.push(raw(db, AccessKind::Write, by));
    }
    let given = super::options::values(cmd, &["-cmd"]);
    let texts = ops.iter().skip(1).copied().chain(&given);
    for a in texts {
        for line in a.value.split(['\n', ';']) {
            let mut words = line.split_whitespace();
            if let Some(dot) = words.next()
                && matches!(dot, ".output" | ".once" | ".save" | ".backup" | ".log")
                && let Some(f) = words.last()
            {
                let f = f.trim_matches(['"', '\'']);
                if !f.is_empty() && f != "stdout" && f != "stderr" && f != "off" {
                    out.push(RawAccess {
                        unknown: a.unknown,
                        ..text(f, AccessKind::Write, by)
                    });
                }
            }
        }
    }
    out
}
