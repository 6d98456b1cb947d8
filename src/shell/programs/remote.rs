//! C8 remote code execution: a download or a decoder feeding a shell or an interpreter
//! (through a pipe, a process substitution, `$(…)` or `eval`), and a file downloaded earlier
//! in the same command that the command then runs.

use crate::decision::Finding;
use crate::shell::SimpleCommand;
use crate::shell::interp;

pub const RULE: &str = "shell.remote-code";

const DOWNLOADERS: &[&str] = &[
    "curl",
    "wget",
    "fetch",
    "iwr",
    "Invoke-WebRequest",
    "irm",
    "Invoke-RestMethod",
    "http",
    "https",
    "xh",
    "aria2c",
    "lwp-download",
    "lwp-request",
    "GET",
    "httpie",
    "ftp",
    "tftp",
    "nc",
    "ncat",
    "socat",
];

const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "mksh",
    "ash",
    "yash",
    "fish",
    "pwsh",
    "powershell",
    "iex",
    "Invoke-Expression",
];

/// Whether a command downloads.
pub fn is_downloader(cmd: &SimpleCommand) -> bool {
    DOWNLOADERS.contains(&cmd.name.as_str())
}

/// Whether a command decodes data into something that could be code.
pub fn is_decoder(cmd: &SimpleCommand) -> bool {
    let has = |f: &str| cmd.args().any(|a| a == f);
    let short = |c: char| {
        cmd.args()
            .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains(c))
    };
    match cmd.name.as_str() {
        "base64" | "base32" | "basenc" => has("--decode") || short('d') || has("-D"),
        "xxd" => short('r') || has("-revert"),
        "openssl" => {
            (has("enc") || has("base64") || cmd.args().next().is_some_and(|a| a.starts_with('-')))
                && has("-d")
        }
        "uudecode" | "gunzip" | "zcat" | "bunzip2" | "unxz" | "xzcat" | "unzstd" | "zstdcat"
        | "brotli" => true,
        "gzip" | "xz" | "zstd" | "bzip2" => short('d') || has("--decompress"),
        "rev" | "tr" => false,
        _ => false,
    }
}

/// Whether the command runs code that arrives through its input or a substitution.
fn runs_fed_code(cmd: &SimpleCommand) -> bool {
    let name = cmd.name.as_str();
    let args: Vec<&crate::shell::Arg> = cmd.argv.iter().skip(1).collect();
    let substituted = |a: &crate::shell::Arg| {
        a.unknown || a.value.starts_with("/dev/fd/") || a.value == "/dev/stdin"
    };
    if matches!(name, "eval" | "source" | "." | "iex" | "Invoke-Expression") {
        return true;
    }
    if SHELLS.contains(&name) {
        let operands: Vec<&&crate::shell::Arg> = args
            .iter()
            .filter(|a| !a.value.starts_with('-') && !a.value.starts_with('+'))
            .collect();
        return operands.is_empty()
            || operands.iter().any(|a| substituted(a))
            || args.iter().any(|a| a.value == "-s");
    }
    if let Some(found) = interp::detect(name, &cmd.argv[1.min(cmd.argv.len())..]) {
        return match found.code {
            interp::Code::Stdin | interp::Code::Unknown => true,
            interp::Code::File(f) => f.starts_with("/dev/fd/") || f == "/dev/stdin",
            _ => args.iter().any(|a| a.unknown),
        };
    }
    false
}

pub(crate) fn check(i: usize, cmds: &[SimpleCommand], out: &mut Vec<Finding>) {
    let cmd = &cmds[i];
    if !runs_fed_code(cmd) {
        return;
    }
    let feeder = cmd
        .connection
        .fed_by
        .iter()
        .filter_map(|k| cmds.get(*k))
        .find(|c| is_downloader(c) || is_decoder(c));
    if let Some(f) = feeder {
        let what = if is_downloader(f) {
            "downloaded"
        } else {
            "decoded"
        };
        out.push(Finding::new(
            RULE,
            "PR-06",
            format!("{f} → {cmd}"),
            format!(
                "Refused to run code that is {what} by `{}` and fed straight into `{}`: it \
                 cannot be reviewed before it runs (C8, PR-06). Download or decode to a file, \
                 read it, and run it only once it has been reviewed.",
                f.name, cmd.name
            ),
        ));
    }
}

/// The finding for running a file that the same command downloaded.
pub fn downloaded_then_run(path: &str) -> Finding {
    Finding::new(
        RULE,
        "PR-06",
        path,
        format!(
            "Refused to run `{path}`, which this same command downloads: remote code would run \
             without review (C8, PR-06). Download it in one step, read it, and run it only \
             after review."
        ),
    )
}
