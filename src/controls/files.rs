//! C2 excluded files, C3 project scope and C4 production paths, for every tool that names a
//! path (and, once the shell analyser reports its accesses, for Bash too).
//!
//! Both forms of a path are tested against the exclusion and production globs (the name the
//! tool used and where a symlink really leads), so a link can hide neither. Scope is judged on
//! the real form alone: what matters is where the bytes are.

use super::{Access, Context, within_any};
use crate::classification::Classification;
use crate::decision::Finding;
use crate::paths::{NormPath, glob_text};
use crate::policy::Policy;
use std::path::Path;

/// Names of secret-free templates that stay readable although `**/.env.*` matches them.
pub const ENV_TEMPLATES: &[&str] = &[".env.example", ".env.sample", ".env.template", ".env.dist"];

/// All path controls for one access.
pub fn check(
    p: &NormPath,
    access: Access,
    tool: &str,
    policy: &Policy,
    ctx: &Context,
    out: &mut Vec<Finding>,
) {
    check_excluded(p, tool, policy, out);
    check_placement(p, access, tool, policy, ctx, out);
}

/// C4 then C3: where the path lies (production paths, project scope).
pub fn check_placement(
    p: &NormPath,
    access: Access,
    tool: &str,
    policy: &Policy,
    ctx: &Context,
    out: &mut Vec<Finding>,
) {
    check_production(p, access, tool, policy, out);
    check_scope(p, access, tool, policy, ctx, out);
}

/// The excluded pattern a path matches, if any, honouring the template exception.
pub fn excluded_by<'p>(path: &Path, policy: &'p Policy) -> Option<&'p str> {
    let text = glob_text(path);
    let hits = policy.excluded.matches(&text);
    if hits.is_empty() {
        return None;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if policy.template_exceptions && ENV_TEMPLATES.contains(&name.as_str()) {
        // A template is exempt from the `.env.*` pattern only; under `secrets/` it is still
        // excluded by that pattern.
        return hits
            .iter()
            .map(|&i| &policy.excluded.patterns[i])
            .find(|pat| !pat.written.ends_with(".env.*"))
            .map(|pat| pat.written.as_str());
    }
    Some(policy.excluded.patterns[hits[0]].written.as_str())
}

/// C2: the path is an excluded file.
pub fn check_excluded(p: &NormPath, tool: &str, policy: &Policy, out: &mut Vec<Finding>) {
    if let Some((form, pat)) = p
        .forms()
        .find_map(|f| excluded_by(f, policy).map(|pat| (f, pat)))
    {
        let via = if form == p.lexical {
            String::new()
        } else {
            format!(" (through a symlink to {})", form.display())
        };
        out.push(Finding::new(
            "files.excluded",
            "PR-05",
            p.display(),
            format!(
                "{tool} of {}{via} was refused: it matches the excluded pattern `{pat}`, files that may hold credentials or production configuration and must never enter the model's context (C2, PR-05, P-01). Use a template with placeholder values (such as .env.example) or ask the person for the specific non-secret value you need.",
                p.display()
            ),
        ));
    }
}

/// C4: a production path.
fn check_production(
    p: &NormPath,
    access: Access,
    tool: &str,
    policy: &Policy,
    out: &mut Vec<Finding>,
) {
    let Some(pat) = p
        .forms()
        .find_map(|f| policy.production_paths.first_match(&glob_text(f)))
    else {
        return;
    };
    let (rule, verb) = match access {
        Access::Read => ("production.path-read", "reading"),
        Access::Write => ("production.path-write", "changing"),
    };
    out.push(Finding::new(
        rule,
        "PR-06",
        p.display(),
        format!(
            "{tool} of {} was refused: it matches the production path pattern `{}`, and agents must not be {verb} production configuration or infrastructure (C4, PR-06). Work on a non-production copy, or describe the change for a person to make.",
            p.display(),
            pat.written
        ),
    ));
}

/// C3: outside the project and the read or write roots.
fn check_scope(
    p: &NormPath,
    access: Access,
    tool: &str,
    policy: &Policy,
    ctx: &Context,
    out: &mut Vec<Finding>,
) {
    let (roots, rule, what) = match access {
        Access::Read => (ctx.read_roots(policy), "scope.read-outside", "read"),
        Access::Write => (ctx.write_roots(policy), "scope.write-outside", "write"),
    };
    if within_any(&p.real, &roots) {
        return;
    }
    if access == Access::Read && policy.classification >= Classification::OfficialSensitive {
        out.push(Finding::new(
            "sensitive.read-outside",
            "PR-05",
            p.display(),
            format!(
                "{tool} of {} was refused: reads outside the project are not permitted on {} projects (controls for large context windows, PR-05). Work inside the project.",
                p.display(),
                policy.classification
            ),
        ));
    }
    out.push(Finding::new(
        rule,
        "PR-06",
        p.display(),
        format!(
            "{tool} of {} was refused: it is outside the project ({}) and the directories this project may {what}, and agents must not access files outside the defined project scope (C3, PR-06). Work inside the project, or ask the person to copy what you need into it.",
            p.display(),
            ctx.project_root.display()
        ),
    ));
}

/// A probe name used to ask "would a file inside this directory be excluded?".
const PROBE: &str = "hookguard-probe-entry";

/// Grep and Glob: a search root that is an excluded file, or lies inside an excluded
/// directory, is refused (C2); a search root outside the project is a read outside (C3).
pub fn check_search_root(
    p: &NormPath,
    tool: &str,
    policy: &Policy,
    ctx: &Context,
    out: &mut Vec<Finding>,
) {
    let before = out.len();
    check_excluded(p, tool, policy, out);
    if out.len() == before {
        let inside = NormPath {
            lexical: p.lexical.join(PROBE),
            real: p.real.join(PROBE),
        };
        let mut probe = Vec::new();
        check_excluded(&inside, tool, policy, &mut probe);
        if let Some(f) = probe.into_iter().next() {
            out.push(Finding {
                subject: p.display(),
                reason: f.reason.replace(&inside.display(), &p.display()),
                ..f
            });
        }
    }
    check_production(p, Access::Read, tool, policy, out);
    check_scope(p, Access::Read, tool, policy, ctx, out);
}

/// Files a Grep `glob` might be aimed at. A glob that selects one of these but not ordinary
/// source files is a targeted search of excluded files (C2). A broad glob (`*`) is not refused
/// up front: its results are filtered after the search instead.
const EXCLUDED_SAMPLES: &[&str] = &[
    ".env",
    ".env.local",
    ".env.production",
    "server.pem",
    "server.key",
    "cert.p12",
    "cert.pfx",
    "vault.kdbx",
    ".netrc",
    ".git-credentials",
    ".pypirc",
    ".npmrc",
    ".vault-token",
    "terraform.tfstate",
    "terraform.tfvars",
    "terraform.tfstate.backup",
    "kubeconfig",
    "secrets/app.yaml",
    "keys/app.json",
    "credentials/app.json",
    "config/production.yml",
    "config/secrets.yml",
    "service-account-keys/app.json",
];
const ORDINARY_SAMPLES: &[&str] = &["main.rs", "README.md", "src/app.py", "index.ts"];

pub fn check_grep_glob(glob: &str, policy: &Policy, out: &mut Vec<Finding>) {
    let Ok(g) = globset::GlobBuilder::new(glob)
        .case_insensitive(true)
        .build()
        .map(|g| g.compile_matcher())
    else {
        return;
    };
    if ORDINARY_SAMPLES.iter().any(|s| g.is_match(s)) {
        return;
    }
    let Some(sample) = EXCLUDED_SAMPLES
        .iter()
        .find(|s| g.is_match(s) && excluded_by(&Path::new("/probe").join(s), policy).is_some())
    else {
        return;
    };
    out.push(Finding::new(
        "files.excluded",
        "PR-05",
        glob,
        format!(
            "Grep with glob `{glob}` was refused: it selects excluded files such as `{sample}`, which may hold credentials and must never enter the model's context (C2, PR-05). Search the source files instead."
        ),
    ));
}
