//! C9 through files, for every tool: writing or removing the git hooks (`.git/hooks/*`),
//! writing `.git/config`, removing or moving `.husky/` or `.pre-commit-config.yaml`.
//!
//! A function of the call's effects (ADR 0014): `Write .git/hooks/pre-commit`, `Edit
//! .git/config`, `mv .git/hooks x` and `python3 -c "os.chmod('.git/hooks/pre-commit', 0)"` are
//! the same bypass. The git subcommands that bypass the hooks (`--no-verify`,
//! `core.hooksPath`) are program knowledge and stay in the shell analyser.

use crate::decision::Finding;
use crate::effects::{Effect, Op};
use crate::paths::glob_text;

/// The finding for one effect, if it disables or bypasses a scan.
pub fn check_effect(e: &Effect, out: &mut Vec<Finding>) {
    if !e.op.mutates() || matches!(e.op, Op::Create | Op::Lock) {
        return;
    }
    let removes = matches!(e.op, Op::Delete | Op::Rename | Op::Replace | Op::Attributes);
    for form in e.path.forms() {
        let p = glob_text(form);
        let lower = p.to_lowercase();
        let hooks = lower.contains("/.git/hooks/") || lower.ends_with("/.git/hooks");
        let config = lower.ends_with("/.git/config");
        let husky = removes && (lower.contains("/.husky/") || lower.ends_with("/.husky"));
        let precommit = removes && lower.ends_with("/.pre-commit-config.yaml");
        if hooks || config || husky || precommit {
            let what = if config {
                "`.git/config`"
            } else {
                "the git hooks"
            };
            out.push(Finding::new(
                "git.scan-bypass",
                "PR-03",
                e.path.display(),
                format!(
                    "Refused: {} ({}) changes {what} (`{p}`), and the security scans that run in git hooks must not be disabled or bypassed (C9, PR-03). Leave the hooks in place and fix whatever they report.",
                    e.by,
                    e.op.as_str()
                ),
            ));
            return;
        }
    }
}
