//! C16 background tasks: `&`, `nohup … &`, `setsid`, `disown` leave work running unattended.

use crate::decision::Finding;
use crate::shell::SimpleCommand;

pub const RULE: &str = "background.task";

/// The finding for a command started in the background (`how`: `&`, `setsid`, `disown`).
pub fn finding(subject: &str, how: &str) -> Finding {
    Finding::new(
        RULE,
        "PR-06",
        subject,
        format!(
            "Refused to start a background task with `{how}`: work left running unattended \
             cannot be supervised (C16, PR-06: do not leave agentic tasks running \
             unattended). Run the command in the foreground and wait for it to finish."
        ),
    )
}

pub(crate) fn check(cmd: &SimpleCommand, out: &mut Vec<Finding>) {
    for how in ["setsid", "coproc"] {
        if cmd.runs_as(how) {
            out.push(finding(&cmd.to_string(), how));
        }
    }
    if cmd.name == "disown" {
        out.push(finding(&cmd.to_string(), "disown"));
    }
}
