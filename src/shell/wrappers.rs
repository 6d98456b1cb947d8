//! Wrappers: programs that run another program (`sudo`, `env`, `timeout`, `xargs`, ...).
//!
//! [`peel`] takes a wrapper off the front of an argv and says what really runs, with the
//! environment, directory and detachment the wrapper adds; wrappers that run a command string
//! through a shell (`su -c`, `watch`, `script -c`, `flock -c`, `parallel`) hand the string
//! back for re-parsing. Each wrapper is one row of [`WRAPPERS`]: easy to extend.

use super::Arg;
use super::word::shell_quote;

/// What peeling a wrapper gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Peel {
    /// The command that really runs (empty: the wrapper runs nothing we can name).
    pub rest: Vec<Arg>,
    pub env: Vec<(String, Option<String>)>,
    /// A directory change (`env -C`, `sudo -D`).
    pub chdir: Option<String>,
    pub detached: bool,
    /// A command string run through a shell, and whether it is fully known.
    pub shell_string: Option<(String, bool)>,
    /// Why part of the wrapper's behaviour cannot be known.
    pub opaque: Option<String>,
}

/// How a wrapper's argv is laid out.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// `wrapper [options] command...`
    Options,
    /// `wrapper [options] OPERAND command...` (`timeout 5 cmd`, `chroot dir cmd`).
    OptionsThenOperand,
    /// `busybox applet ...`
    Applet,
}

struct Wrapper {
    name: &'static str,
    shape: Shape,
    /// Options that take a separate argument.
    with_arg: &'static [&'static str],
    /// Options after which nothing runs (`command -v`, `taskset -p`).
    no_command: &'static [&'static str],
    /// Options whose argument is a shell command string.
    command_string: &'static [&'static str],
    /// `NAME=value` words before the command are environment.
    assignments: bool,
    detached: bool,
}

const fn w(name: &'static str, shape: Shape, with_arg: &'static [&'static str]) -> Wrapper {
    Wrapper {
        name,
        shape,
        with_arg,
        no_command: &[],
        command_string: &[],
        assignments: false,
        detached: false,
    }
}

/// The wrapper table.
static WRAPPERS: &[Wrapper] = &[
    Wrapper {
        assignments: true,
        no_command: &[
            "-e",
            "--edit",
            "-l",
            "--list",
            "-v",
            "--validate",
            "-k",
            "-K",
        ],
        ..w(
            "sudo",
            Shape::Options,
            &[
                "-u",
                "-g",
                "-C",
                "-D",
                "-h",
                "-p",
                "-r",
                "-t",
                "-U",
                "-T",
                "--user",
                "--group",
                "--chdir",
                "--prompt",
                "--role",
                "--type",
                "--host",
                "--close-from",
                "--other-user",
                "--command-timeout",
            ],
        )
    },
    w("doas", Shape::Options, &["-u", "-C"]),
    w("pkexec", Shape::Options, &["--user"]),
    Wrapper {
        command_string: &["-c", "--command"],
        ..w(
            "runuser",
            Shape::Options,
            &[
                "-u",
                "-g",
                "-G",
                "--user",
                "--group",
                "--supp-group",
                "-s",
                "--shell",
                "-w",
                "--whitelist-environment",
            ],
        )
    },
    Wrapper {
        command_string: &["-c", "--command", "--session-command"],
        ..w(
            "su",
            Shape::OptionsThenOperand,
            &[
                "-s",
                "--shell",
                "-g",
                "--group",
                "-G",
                "--supp-group",
                "-w",
                "--whitelist-environment",
            ],
        )
    },
    Wrapper {
        assignments: true,
        ..w(
            "env",
            Shape::Options,
            &[
                "-u",
                "--unset",
                "-C",
                "--chdir",
                "-S",
                "--split-string",
                "-P",
                "--default-signal",
                "--ignore-signal",
                "--block-signal",
            ],
        )
    },
    Wrapper {
        no_command: &["-v", "-V"],
        ..w("command", Shape::Options, &[])
    },
    w("builtin", Shape::Options, &[]),
    w("exec", Shape::Options, &["-a"]),
    w("nice", Shape::Options, &["-n", "--adjustment"]),
    Wrapper {
        detached: true,
        ..w("nohup", Shape::Options, &[])
    },
    Wrapper {
        detached: true,
        ..w("setsid", Shape::Options, &[])
    },
    w(
        "timeout",
        Shape::OptionsThenOperand,
        &["-s", "--signal", "-k", "--kill-after"],
    ),
    w(
        "time",
        Shape::Options,
        &["-f", "--format", "-o", "--output"],
    ),
    w(
        "stdbuf",
        Shape::Options,
        &["-i", "-o", "-e", "--input", "--output", "--error"],
    ),
    Wrapper {
        no_command: &["-p", "--pid", "-P", "--pgid", "-u", "--uid"],
        ..w(
            "ionice",
            Shape::Options,
            &["-c", "--class", "-n", "--classdata"],
        )
    },
    Wrapper {
        no_command: &["-p", "--pid"],
        ..w(
            "chrt",
            Shape::OptionsThenOperand,
            &[
                "-T",
                "--sched-runtime",
                "-P",
                "--sched-period",
                "-D",
                "--sched-deadline",
            ],
        )
    },
    Wrapper {
        no_command: &["-p", "--pid"],
        ..w("taskset", Shape::OptionsThenOperand, &[])
    },
    Wrapper {
        command_string: &["-c", "--command"],
        ..w(
            "script",
            Shape::Options,
            &[
                "-T",
                "--log-timing",
                "-I",
                "--log-in",
                "-O",
                "--log-out",
                "-B",
                "--log-io",
                "-m",
                "--logging-format",
                "-E",
                "--echo",
            ],
        )
    },
    Wrapper {
        command_string: &["-c", "--command"],
        ..w(
            "flock",
            Shape::OptionsThenOperand,
            &["-E", "--conflict-exit-code", "-w", "--wait", "--timeout"],
        )
    },
    w(
        "chroot",
        Shape::OptionsThenOperand,
        &["--userspec", "--groups"],
    ),
    w(
        "nsenter",
        Shape::Options,
        &["-t", "--target", "-S", "--setuid", "-G", "--setgid"],
    ),
    w(
        "unshare",
        Shape::Options,
        &[
            "--setuid",
            "--setgid",
            "-S",
            "-G",
            "--propagation",
            "-R",
            "--root",
            "-w",
            "--wd",
        ],
    ),
    Wrapper {
        no_command: &["-p"],
        ..w(
            "strace",
            Shape::Options,
            &[
                "-o", "-e", "-s", "-u", "-E", "-a", "-b", "-I", "-O", "-S", "-X", "-P",
            ],
        )
    },
    Wrapper {
        no_command: &["-p"],
        ..w(
            "ltrace",
            Shape::Options,
            &["-o", "-e", "-s", "-u", "-n", "-a", "-l"],
        )
    },
    Wrapper {
        detached: true,
        ..w("coproc", Shape::Options, &[])
    },
    Wrapper {
        command_string: &["-c"],
        ..w("sg", Shape::OptionsThenOperand, &[])
    },
    w("busybox", Shape::Applet, &[]),
    w("toybox", Shape::Applet, &[]),
    w("caffeinate", Shape::Options, &["-t", "-w"]),
    w("catchsegv", Shape::Options, &[]),
    w("proxychains", Shape::Options, &["-f"]),
    w("proxychains4", Shape::Options, &["-f"]),
    w("torsocks", Shape::Options, &[]),
    w("doppler", Shape::Options, &[]),
];

fn is_assignment(s: &str) -> bool {
    match s.split_once('=') {
        Some((n, _)) => {
            let mut c = n.chars();
            matches!(c.next(), Some(x) if x == '_' || x.is_ascii_alphabetic())
                && c.all(|x| x == '_' || x.is_ascii_alphanumeric())
        }
        None => false,
    }
}

/// Peels one wrapper off `argv` (whose program name is `name`). `stdin` is the known standard
/// input (for `xargs`).
pub fn peel(name: &str, argv: &[Arg], stdin: Option<&str>) -> Option<Peel> {
    match name {
        "xargs" => return Some(peel_xargs(argv, stdin)),
        "parallel" => return Some(peel_parallel(argv)),
        "watch" => return peel_watch(argv),
        "doppler" => return peel_after_double_dash(argv),
        _ => {}
    }
    let wr = WRAPPERS.iter().find(|w| w.name == name)?;
    let mut out = Peel {
        detached: wr.detached,
        ..Peel::default()
    };
    let mut i = 1;
    let mut operand_taken = false;
    if let Shape::Applet = wr.shape {
        let a = argv.get(1)?;
        if a.value.starts_with('-') {
            return None;
        }
        out.rest = argv[1..].to_vec();
        return Some(out);
    }
    while i < argv.len() {
        let a = &argv[i];
        let v = a.value.as_str();
        if v == "--" {
            i += 1;
            break;
        }
        if wr.no_command.contains(&v) {
            return None;
        }
        let combined = v.starts_with('-')
            && !v.starts_with("--")
            && v.len() > 2
            && wr
                .command_string
                .iter()
                .any(|cs| cs.len() == 2 && v.ends_with(&cs[1..]));
        if wr.command_string.contains(&v) || combined {
            let s = argv.get(i + 1)?;
            out.shell_string = Some((s.value.clone(), !s.unknown));
            return Some(out);
        }
        if let Some((opt, val)) = v.split_once('=')
            && opt.starts_with("--")
            && wr.command_string.contains(&opt)
        {
            out.shell_string = Some((val.to_string(), !a.unknown));
            return Some(out);
        }
        if wr.assignments && !v.starts_with('-') && is_assignment(v) {
            let (n, val) = v.split_once('=').unwrap_or((v, ""));
            out.env
                .push((n.to_string(), (!a.unknown).then(|| val.to_string())));
            i += 1;
            continue;
        }
        if name == "env" {
            match v {
                "-S" | "--split-string" => {
                    let s = argv.get(i + 1)?;
                    if s.unknown {
                        out.opaque = Some("`env -S` splits a string that cannot be known".into());
                        return Some(out);
                    }
                    let mut rest: Vec<Arg> = s.value.split_whitespace().map(Arg::known).collect();
                    rest.extend(argv[i + 2..].iter().cloned());
                    // The split words may hold assignments and options: peel again.
                    let mut again = vec![Arg::known("env")];
                    again.extend(rest);
                    let inner = peel("env", &again, stdin)?;
                    out.env.extend(inner.env);
                    out.chdir = inner.chdir.or(out.chdir);
                    out.rest = inner.rest;
                    return Some(out);
                }
                "-C" | "--chdir" => {
                    out.chdir = argv.get(i + 1).map(|a| a.value.clone());
                }
                _ => {}
            }
            if let Some(dir) = v.strip_prefix("--chdir=") {
                out.chdir = Some(dir.to_string());
            }
            if let Some(s) = v.strip_prefix("-S").filter(|s| !s.is_empty()) {
                let mut again = vec![Arg::known("env"), Arg::known("-S"), Arg::known(s)];
                again.extend(argv[i + 1..].iter().cloned());
                return peel("env", &again, stdin);
            }
        }
        if name == "sudo" && (v == "-D" || v == "--chdir") {
            out.chdir = argv.get(i + 1).map(|a| a.value.clone());
        }
        if v.starts_with('-') && v.len() > 1 {
            // `nice -10`, `sudo -u root`, `timeout -s KILL`.
            if wr.with_arg.contains(&v) {
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        if let Shape::OptionsThenOperand = wr.shape
            && !operand_taken
        {
            operand_taken = true;
            i += 1;
            if name == "flock" {
                // `flock FILE -c CMD` or `flock FILE cmd`; `flock FD` runs nothing.
                if a.value.chars().all(|c| c.is_ascii_digit()) && argv.len() == i {
                    return None;
                }
                if let Some(n) = argv.get(i)
                    && (n.value == "-c" || n.value == "--command")
                {
                    let s = argv.get(i + 1)?;
                    out.shell_string = Some((s.value.clone(), !s.unknown));
                    return Some(out);
                }
            }
            continue;
        }
        break;
    }
    out.rest = argv.get(i..).map(<[Arg]>::to_vec).unwrap_or_default();
    if name == "chroot" && out.rest.is_empty() {
        out.rest = vec![Arg::known("sh")];
    }
    Some(out)
}

fn peel_after_double_dash(argv: &[Arg]) -> Option<Peel> {
    let pos = argv.iter().position(|a| a.value == "--")?;
    Some(Peel {
        rest: argv[pos + 1..].to_vec(),
        ..Peel::default()
    })
}

fn peel_xargs(argv: &[Arg], stdin: Option<&str>) -> Peel {
    let with_arg = [
        "-n",
        "-L",
        "-I",
        "-d",
        "-P",
        "-s",
        "-E",
        "-a",
        "--max-args",
        "--max-lines",
        "--replace",
        "--delimiter",
        "--max-procs",
        "--arg-file",
        "--max-chars",
        "--eof",
        "--process-slot-var",
    ];
    let mut i = 1;
    let mut replace: Option<String> = None;
    let mut null = false;
    let mut from_file = false;
    while i < argv.len() {
        let v = argv[i].value.as_str();
        if v == "--" {
            i += 1;
            break;
        }
        if !v.starts_with('-') || v.len() == 1 {
            break;
        }
        if v == "-I" || v == "--replace" {
            replace = argv.get(i + 1).map(|a| a.value.clone());
        } else if let Some(r) = v.strip_prefix("-I") {
            replace = Some(r.to_string());
        } else if v == "-i" {
            replace = Some("{}".into());
        } else if let Some(r) = v.strip_prefix("--replace=") {
            replace = Some(r.to_string());
        } else if v == "-0" || v == "--null" {
            null = true;
        } else if v == "-a" || v == "--arg-file" || v.starts_with("--arg-file=") {
            from_file = true;
        }
        i += if with_arg.contains(&v) { 2 } else { 1 };
    }
    let mut rest: Vec<Arg> = argv.get(i..).map(<[Arg]>::to_vec).unwrap_or_default();
    if rest.is_empty() {
        rest.push(Arg::known("echo"));
    }
    let items: Option<Vec<String>> = match (stdin, from_file) {
        (Some(text), false) => Some(if null {
            text.split('\0')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        } else if replace.is_some() {
            text.lines()
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().to_string())
                .collect()
        } else {
            text.split_whitespace().map(str::to_string).collect()
        }),
        _ => None,
    };
    let unknown = Arg {
        value: "…".into(),
        unknown: true,
        pattern: None,
    };
    match (&replace, items) {
        (Some(r), Some(items)) => {
            let first = items.into_iter().next().unwrap_or_default();
            for a in rest.iter_mut() {
                if a.value.contains(r.as_str()) {
                    a.value = a.value.replace(r.as_str(), &first);
                }
            }
        }
        (Some(r), None) => {
            for a in rest.iter_mut() {
                if a.value.contains(r.as_str()) {
                    a.unknown = true;
                }
            }
        }
        (None, Some(items)) => rest.extend(items.into_iter().map(Arg::known)),
        (None, None) => rest.push(unknown),
    }
    Peel {
        rest,
        ..Peel::default()
    }
}

fn peel_parallel(argv: &[Arg]) -> Peel {
    let with_arg = [
        "-j",
        "--jobs",
        "-S",
        "--sshlogin",
        "-a",
        "--arg-file",
        "--colsep",
        "-d",
        "--delimiter",
        "-I",
        "-N",
        "-n",
        "-L",
        "--delay",
        "--timeout",
        "--joblog",
        "--results",
        "--tmpdir",
        "--env",
        "--halt",
        "--retries",
    ];
    let mut i = 1;
    while i < argv.len() {
        let v = argv[i].value.as_str();
        if !v.starts_with('-') || v.starts_with(":::") {
            break;
        }
        i += if with_arg.contains(&v) { 2 } else { 1 };
    }
    let end = argv[i.min(argv.len())..]
        .iter()
        .position(|a| a.value.starts_with(":::"))
        .map(|p| p + i)
        .unwrap_or(argv.len());
    let cmd = &argv[i.min(end)..end];
    let inputs: Vec<&Arg> = argv
        .get(end + 1..)
        .unwrap_or(&[])
        .iter()
        .filter(|a| !a.value.starts_with(":::"))
        .collect();
    let known = cmd.iter().all(|a| !a.unknown) && inputs.iter().all(|a| !a.unknown);
    let mut text: String = if cmd.len() == 1 {
        cmd[0].value.clone()
    } else {
        cmd.iter()
            .map(|a| shell_quote(&a.value))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let first = inputs.first().map(|a| shell_quote(&a.value));
    match first {
        Some(f) if text.contains("{}") => text = text.replace("{}", &f),
        Some(f) => {
            text.push(' ');
            text.push_str(&f);
        }
        None => {}
    }
    Peel {
        shell_string: Some((text, known && (!inputs.is_empty() || !cmd.is_empty()))),
        ..Peel::default()
    }
}

fn peel_watch(argv: &[Arg]) -> Option<Peel> {
    let with_arg = ["-n", "--interval", "-q", "--equexit"];
    let mut i = 1;
    let mut exec = false;
    while i < argv.len() {
        let v = argv[i].value.as_str();
        if v == "--" {
            i += 1;
            break;
        }
        if !v.starts_with('-') {
            break;
        }
        if v == "-x" || v == "--exec" {
            exec = true;
        }
        i += if with_arg.contains(&v) { 2 } else { 1 };
    }
    let cmd = argv.get(i..)?;
    if cmd.is_empty() {
        return None;
    }
    if exec {
        return Some(Peel {
            rest: cmd.to_vec(),
            ..Peel::default()
        });
    }
    let text = cmd
        .iter()
        .map(|a| a.value.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    Some(Peel {
        shell_string: Some((text, cmd.iter().all(|a| !a.unknown))),
        ..Peel::default()
    })
}

/// The commands `find -exec/-execdir/-ok/-okdir` would run. `{}` becomes `START/{}`: a file
/// somewhere under each starting point.
pub fn find_exec(argv: &[Arg]) -> Vec<Vec<Arg>> {
    let starts = find_starts(argv);
    let mut out = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        let v = argv[i].value.as_str();
        if matches!(v, "-exec" | "-execdir" | "-ok" | "-okdir") {
            let mut cmd = Vec::new();
            i += 1;
            while i < argv.len() && argv[i].value != ";" && argv[i].value != "+" {
                cmd.push(argv[i].clone());
                i += 1;
            }
            for s in &starts {
                let under = if s.value.ends_with('/') {
                    format!("{}{{}}", s.value)
                } else {
                    format!("{}/{{}}", s.value)
                };
                let argv: Vec<Arg> = cmd
                    .iter()
                    .map(|a| Arg {
                        value: a.value.replace("{}", &under),
                        unknown: a.unknown || s.unknown,
                        pattern: None,
                    })
                    .collect();
                if !argv.is_empty() {
                    out.push(argv);
                }
            }
        }
        i += 1;
    }
    out
}

/// The starting points of a `find` command (default `.`).
pub fn find_starts(argv: &[Arg]) -> Vec<Arg> {
    let mut i = 1;
    while i < argv.len() {
        let v = argv[i].value.as_str();
        if matches!(v, "-H" | "-L" | "-P") || v.starts_with("-O") {
            i += 1;
        } else if v == "-D" {
            i += 2;
        } else {
            break;
        }
    }
    let mut starts = Vec::new();
    while i < argv.len() {
        let v = argv[i].value.as_str();
        if v.starts_with('-') || v == "(" || v == "!" || v == ")" {
            break;
        }
        starts.push(argv[i].clone());
        i += 1;
    }
    if starts.is_empty() {
        starts.push(Arg::known("."));
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<Arg> {
        s.split_whitespace().map(Arg::known).collect()
    }

    fn rest(s: &str) -> Vec<String> {
        let a = args(s);
        let name = a[0].value.clone();
        peel(&name, &a, None)
            .map(|p| p.rest.into_iter().map(|a| a.value).collect())
            .unwrap_or_default()
    }

    macro_rules! peels {
        ($($name:ident: $src:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() { assert_eq!(rest($src).join(" "), $want, "{}", $src); }
        )*};
    }

    peels! {
        sudo: "sudo -u root rm -rf /" => "rm -rf /";
        sudo_env: "sudo FOO=1 rm x" => "rm x";
        env_vars: "env -i A=1 B=2 rm x" => "rm x";
        env_unset: "env -u A rm x" => "rm x";
        env_split: "env -Srm x" => "rm x";
        nice_n: "nice -n 10 rm x" => "rm x";
        nice_dash: "nice -10 rm x" => "rm x";
        timeout: "timeout -s KILL 5 rm x" => "rm x";
        stdbuf: "stdbuf -oL rm x" => "rm x";
        ionice: "ionice -c 3 rm x" => "rm x";
        chrt: "chrt -f 10 rm x" => "rm x";
        taskset: "taskset -c 0 rm x" => "rm x";
        command_p: "command -p rm x" => "rm x";
        command_v: "command -v rm" => "";
        busybox: "busybox rm -rf x" => "rm -rf x";
        chroot: "chroot /mnt rm x" => "rm x";
        nohup: "nohup rm x" => "rm x";
        xargs: "xargs -n 1 rm -rf" => "rm -rf …";
    }

    #[test]
    fn su_c_gives_a_string() {
        let a = args("su root -c id");
        assert_eq!(
            peel("su", &a, None).unwrap().shell_string,
            Some(("id".into(), true))
        );
    }

    #[test]
    fn find_exec_substitutes_under_each_start() {
        let a = args("find / -name x -exec rm -rf {} ;");
        assert_eq!(
            find_exec(&a)[0]
                .iter()
                .map(|a| a.value.as_str())
                .collect::<Vec<_>>(),
            ["rm", "-rf", "/{}"]
        );
    }
}
