//! Shell commands (Bash, PowerShell, Monitor): the shell analyser's program knowledge (C5–C10,
//! C14, C16, opaque commands). The path controls (C2, C3, C4, C17) judge the command's effects
//! (`crate::effects`), exactly as for the file tools.

use super::{Context, production};
use crate::decision::Finding;
use crate::event::Event;
use crate::policy::Policy;
use crate::shell::{ShellEnv, ShellReport};

/// Analyses the event's `command`, if it has one.
pub fn report(ev: &Event, policy: &Policy, ctx: &Context) -> Option<ShellReport> {
    let command = ev.input_str("command")?;
    let write_roots = ctx.write_roots(policy);
    let is_prod = |name: &str| production::identifier(name, policy).is_some();
    let env = ShellEnv {
        cwd: &ctx.cwd,
        home: ctx.home.as_deref(),
        project_root: &ctx.project_root,
        write_roots: &write_roots,
        protected_branches: &policy.protected_branches,
        ai_markers: &policy.ai_markers,
        is_production_identifier: &is_prod,
        read_files: true,
    };
    Some(crate::shell::analyse(command, &env))
}

/// The simple commands as "each subcommand" rules see them: the program and its arguments,
/// wrappers and `VAR=value` prefixes removed, quotes resolved; one per line.
pub fn subcommand_lines(report: &ShellReport) -> String {
    report
        .commands
        .iter()
        .map(|c| {
            c.argv
                .iter()
                .map(|a| a.value.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Findings for one analysed command.
pub fn check(report: &ShellReport, out: &mut Vec<Finding>) {
    // Opaque is the explanation of last resort: where it ties with a finding that names what
    // the command does (`curl … | sh` is remote code, and also `sh` reading stdin), that one
    // explains.
    let (opaque, known): (Vec<&Finding>, Vec<&Finding>) = report
        .findings
        .iter()
        .partition(|f| f.rule == crate::shell::programs::OPAQUE);
    out.extend(known.into_iter().cloned());
    out.extend(opaque.into_iter().cloned());
}
