//! Program knowledge: what well-known programs do, as findings. One module per family, each a
//! table that is easy to extend. The families run over the flattened, unwrapped commands
//! after the walk; catastrophic deletes are checked as accesses are recorded.
//!
//! | module | controls | rule ids |
//! |---|---|---|
//! | [`privileged`] | C5 | `shell.privileged.<word>` |
//! | [`production`] | C6 | `production.system`, `infra.mutating` |
//! | [`destructive`] | C7 | `shell.delete-catastrophic` |
//! | [`git`] | C7, C9, C10 | `git.force-push-protected`, `git.local-work-loss`, `git.scan-bypass`, `git.traceability` |
//! | [`remote`] | C8 | `shell.remote-code` |
//! | [`deps`] | C14 | `deps.new`, `deps.unofficial-source` |
//! | [`background`] | C16 | `background.task` |

pub mod background;
pub mod deps;
pub mod destructive;
pub mod git;
pub mod privileged;
pub mod production;
pub mod remote;

use super::{ShellEnv, ShellReport, SimpleCommand};

/// The rule id of everything the analyser could not decide.
pub const OPAQUE: &str = "shell.opaque";

/// Runs every family over the commands of a report.
pub(crate) fn check_all(report: &mut ShellReport, env: &ShellEnv) {
    let mut out = Vec::new();
    for (i, cmd) in report.commands.iter().enumerate() {
        privileged::check(cmd, &mut out);
        production::check(i, &report.commands, env, &mut out);
        git::check(cmd, env, &mut out);
        deps::check(cmd, &mut out);
        remote::check(i, &report.commands, &mut out);
        background::check(cmd, &mut out);
    }
    privileged::check_accesses(&report.accesses, &mut out);
    git::check_accesses(&report.accesses, &mut out);
    report.findings.extend(out);
}

/// The values given to the options `opts`, as text ([`super::options::values`]).
pub(crate) fn opt_value(cmd: &SimpleCommand, opts: &[&str]) -> Vec<String> {
    super::options::values(cmd, opts)
        .into_iter()
        .map(|a| a.value)
        .collect()
}

/// The operands after the first `skip` arguments, as text ([`super::options::operands`]).
pub(crate) fn operands<'c>(cmd: &'c SimpleCommand, with_arg: &[&str], skip: usize) -> Vec<&'c str> {
    super::options::operands(cmd, with_arg, skip)
        .into_iter()
        .map(|a| a.value.as_str())
        .collect()
}

/// The host of a URL with a scheme, lower-cased ([`crate::url::scheme_host`]); the checks read
/// other texts (`user@host:path`, a bare name) themselves.
pub(crate) use crate::url::scheme_host as host_of;
