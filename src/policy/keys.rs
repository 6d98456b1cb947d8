//! Every `[verdicts]` and `disable` key must name a rule: a key that names none (`"dep.new"`
//! for `"deps.new"`) would load and silently change nothing, so it is an error, with the
//! nearest known id as a suggestion.
//!
//! A key names a rule when it is a built-in rule id (`rules::RULES`) or a custom rule's id, a
//! family above one (`shell` for `shell.privileged`), or a member beneath one (rules report
//! finer ids such as `shell.privileged.sudo` or `secrets.custom.acme-key`). Built-in keys are
//! not checked here: a test keeps the profiles' tables within `RULES`.

use super::{LayerKind, Policy, PolicyError, Source};

/// Checks the keys of the merged policy `p` that a policy file wrote.
pub fn check(p: &Policy) -> Result<(), PolicyError> {
    let written = p
        .verdicts
        .iter()
        .map(|(k, e)| (k, &e.source))
        .chain(p.floors.iter().map(|(k, e)| (k, &e.source)))
        .chain(p.disabled.iter())
        .filter(|(_, src)| src.layer != LayerKind::Builtin);
    for (key, source) in written {
        if !names_a_rule(key, p) {
            return Err(unknown(key, source, p));
        }
    }
    Ok(())
}

fn known_ids(p: &Policy) -> impl Iterator<Item = &str> {
    crate::rules::RULES
        .iter()
        .map(|d| d.id)
        .chain(p.rules.iter().map(|r| r.id.as_str()))
}

fn names_a_rule(key: &str, p: &Policy) -> bool {
    known_ids(p).any(|id| super::is_prefix_of_rule(key, id) || super::is_prefix_of_rule(id, key))
}

fn unknown(key: &str, source: &Source, p: &Policy) -> PolicyError {
    // Candidates: every id and every family above one.
    let mut candidates: Vec<&str> = Vec::new();
    for id in known_ids(p) {
        let mut end = id.len();
        loop {
            candidates.push(&id[..end]);
            match id[..end].rfind('.') {
                Some(i) => end = i,
                None => break,
            }
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    let hint = match super::file::closest(key, &candidates) {
        Some(best) => format!("; did you mean `{best}`?"),
        None => "; `hookguard policy reference` lists the rule ids".to_string(),
    };
    PolicyError::Invalid {
        file: source.file.clone(),
        line: source.line(),
        key: key.to_string(),
        message: format!(
            "no rule has this id or lies beneath it, so the entry would change nothing{hint}"
        ),
    }
}
