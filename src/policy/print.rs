//! `policy check`: the merged policy as TOML, written with a TOML writer (`toml_edit`), with
//! where each value came from as comments.
//!
//! The output is a policy file: loaded again as a `--policy` layer it merges to the same
//! policy (`tests/authoring.rs` checks the round trip). Values that are facts about the merge
//! rather than settings (the layers, `policy-sha256`) are comments.

use super::{LayerKind, Lookup, Pattern, Policy, Rule, Source};
use crate::decision::Verdict;
use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, Value};

/// The merged policy `p` as a commented policy file.
pub fn to_toml(p: &Policy) -> String {
    let mut header = String::from("# the effective hookguard policy, merged from:\n");
    for (k, f) in p.layers_by_trust() {
        header.push_str(&format!("#   {k}: {}\n", one_line(f)));
    }
    header.push_str(&format!("# policy-sha256: {}\n", p.sha256));

    let mut doc = DocumentMut::new();
    doc["profile"] = commented(p.profile.as_str().into(), &p.profile_source);
    // A profile fixed by a layer stays fixed (one fixed by `--profile` on the command line is
    // the registration's business, not the policy's).
    if p.profile_source.starts_with("fixed by the ")
        && !p.profile_source.contains("hook command's --profile")
    {
        doc["fix-profile"] = Item::Value(true.into());
    }
    doc["classification"] = commented(p.classification.as_str().into(), &p.classification_source);
    doc["ask-without-person"] = Item::Value(p.ask_without_person.as_str().into());
    if !p.disabled.is_empty() {
        doc["disable"] = list(entries(
            p.disabled
                .iter()
                .map(|(k, src)| (k.as_str().into(), src.to_string()))
                .collect(),
        ));
    }
    for verdict in [Verdict::Deny, Verdict::Ask, Verdict::Allow] {
        let rules: Vec<(Value, String)> = p
            .rules
            .iter()
            .filter(|r| r.decision == verdict && is_permission_rule(r))
            .map(|r| (r.id.as_str().into(), r.source.to_string()))
            .collect();
        if !rules.is_empty() {
            doc[verdict.as_str()] = list(entries(rules));
        }
    }

    // Each key with the verdict a rule of exactly that id gets (floors from lower layers
    // applied): loaded again, the keys are applied in order, a family before its members, so the
    // table comes back as printed and every lookup as it was.
    let mut verdicts = Table::new();
    let keys: std::collections::BTreeSet<&String> =
        p.verdicts.keys().chain(p.floors.keys()).collect();
    for k in keys {
        let (v, comment) = match (p.lookup(k), p.verdicts.get(k)) {
            (
                Lookup::Verdict {
                    verdict,
                    key,
                    source,
                },
                _,
            ) if key == *k => (verdict, source.to_string()),
            (
                Lookup::Verdict {
                    verdict,
                    key,
                    source,
                },
                _,
            ) => (verdict, format!("as `{key}`: {source}")),
            (Lookup::Disabled(_), Some(e)) => (e.verdict, format!("{} (disabled)", e.source)),
            (Lookup::Disabled(_), None) => (p.floors[k].verdict, "disabled".to_string()),
        };
        // A floor that did not decide (a stricter entry did) is still worth knowing about.
        let comment = match p.floors.get(k) {
            Some(f) if !comment.contains(&f.source.to_string()) => {
                format!("at least `{}` by the {}; {comment}", f.verdict, f.source)
            }
            _ => comment,
        };
        verdicts.insert(k, commented(v.as_str().into(), &comment));
    }
    doc["verdicts"] = Item::Table(verdicts);

    let mut files = Table::new();
    files.insert("exclude", patterns(&p.excluded.patterns));
    files.insert(
        "template-exceptions",
        Item::Value(p.template_exceptions.into()),
    );
    files.insert("production", patterns(&p.production_paths.patterns));
    files.insert("protect", patterns(&p.protected.patterns));
    let roots = |rs: &[(std::path::PathBuf, Source)]| {
        list(
            rs.iter()
                .map(|(r, src)| Entry {
                    value: r.display().to_string().into(),
                    comment: src.to_string(),
                    builtin: src.layer == LayerKind::Builtin,
                })
                .collect(),
        )
    };
    files.insert("read-roots", roots(&p.read_roots));
    files.insert("write-roots", roots(&p.write_roots));
    doc["files"] = Item::Table(files);

    doc["production"] = section("identifiers", patterns(&p.production_identifiers));
    doc["web"] = section("allow-domains", patterns(&p.web_allow));
    doc["mcp"] = section("approved-servers", patterns(&p.mcp_approved));
    // The built-in lists these extend: the built-in layers alone, for the same profile.
    let base = super::merge(&[], Some(p.profile), None).ok();
    let (branches, markers) = base.as_ref().map_or((&[][..], &[][..]), |b| {
        (&b.protected_branches[..], &b.ai_markers[..])
    });
    let mut git = Table::new();
    git.insert(
        "protected-branches",
        strings_over(&p.protected_branches, branches),
    );
    git.insert("ai-markers", strings_over(&p.ai_markers, markers));
    doc["git"] = Item::Table(git);

    let mut audit = Table::new();
    if let Some(l) = &p.audit_log {
        audit.insert("log", Item::Value(l.display().to_string().into()));
    }
    let settings: DocumentMut = crate::audit::settings::policy_text(&p.audit)
        .parse()
        .expect("the audit settings print as TOML");
    for (k, v) in settings.iter() {
        audit.insert(k, v.clone());
    }
    doc["audit"] = Item::Table(audit);

    if let Some((path, layer)) = gitleaks(p) {
        let mut secrets = Table::new();
        secrets.insert("gitleaks", commented(path.into(), &layer));
        doc["secrets"] = Item::Table(secrets);
    }

    let mut rules = ArrayOfTables::new();
    for r in p.rules.iter().filter(|r| !is_permission_rule(r)) {
        rules.push(custom_rule(r));
    }
    if !rules.is_empty() {
        doc["rule"] = Item::ArrayOfTables(rules);
    }
    format!("{header}{doc}")
}

/// `[secrets] gitleaks` of the most trusted layer that sets it. The merged policy keeps the
/// compiled rules, not the path, so the trusted layers' files are read again for it.
fn gitleaks(p: &Policy) -> Option<(String, String)> {
    p.layers
        .iter()
        .filter(|(k, _)| k.trusted() && *k != LayerKind::Builtin)
        .find_map(|(k, name)| {
            let text = std::fs::read_to_string(name).ok()?;
            let file = super::file::PolicyFile::parse(&text).ok()?;
            let path = file.secrets?.gitleaks?;
            Some((path, format!("{k} layer, {name}")))
        })
}

/// A rule that came from a Claude Code permission rule (`deny = ["Bash(rm:*)"]`): its id is
/// the rule as written, and it prints back as written.
fn is_permission_rule(r: &Rule) -> bool {
    r.control == "policy"
        && r.reason
            .split_once(" by the permission rule `")
            .is_some_and(|(_, rest)| rest.starts_with(&format!("{}` in ", r.id)))
}

fn custom_rule(r: &Rule) -> Table {
    let mut t = Table::new();
    t.decor_mut()
        .set_prefix(format!("\n# {}\n", one_line(&r.source.to_string())));
    t.insert("id", Item::Value(r.id.as_str().into()));
    t.insert("decision", Item::Value(r.decision.as_str().into()));
    t.insert("control", Item::Value(r.control.as_str().into()));
    t.insert("reason", Item::Value(r.reason.as_str().into()));
    if !r.tools.is_empty() {
        t.insert("tool", strings(&r.tools));
    }
    if let Some(pp) = &r.path
        && let Some(first) = pp.patterns.first()
    {
        t.insert("path", Item::Value(first.written.as_str().into()));
    }
    if let Some(c) = &r.content {
        t.insert("content", Item::Value(c.as_str().into()));
    }
    if let Some(c) = &r.command {
        t.insert("command", Item::Value(c.as_str().into()));
    }
    if !r.profiles.is_empty() {
        let ps: Vec<String> = r.profiles.iter().map(|p| p.as_str().to_string()).collect();
        t.insert("profiles", strings(&ps));
    }
    t
}

fn section(key: &str, item: Item) -> Item {
    let mut t = Table::new();
    t.insert(key, item);
    Item::Table(t)
}

/// A value with its provenance as a trailing comment.
fn commented(mut v: Value, comment: &str) -> Item {
    v.decor_mut()
        .set_suffix(format!("  # {}", one_line(comment)));
    Item::Value(v)
}

/// Built-in entries are listed as comments: every load starts from the built-in layers, so
/// writing them again would add them twice.
fn patterns(ps: &[Pattern]) -> Item {
    list(
        ps.iter()
            .map(|p| Entry {
                value: p.written.as_str().into(),
                comment: p.source.to_string(),
                builtin: p.source.layer == LayerKind::Builtin,
            })
            .collect(),
    )
}

/// `all` after the built-in `base` it starts with (as a list without sources merges).
fn strings_over(all: &[String], base: &[String]) -> Item {
    let n = if all.starts_with(base) { base.len() } else { 0 };
    list(
        all.iter()
            .enumerate()
            .map(|(i, s)| Entry {
                value: s.as_str().into(),
                comment: if i < n {
                    "built-in".into()
                } else {
                    "a policy layer".into()
                },
                builtin: i < n,
            })
            .collect(),
    )
}

fn strings(items: &[String]) -> Item {
    Item::Value(Value::Array(items.iter().map(String::as_str).collect()))
}

/// One element of a printed list.
struct Entry {
    value: Value,
    comment: String,
    /// Shown as a comment, not as an element.
    builtin: bool,
}

fn entries(items: Vec<(Value, String)>) -> Vec<Entry> {
    items
        .into_iter()
        .map(|(value, comment)| Entry {
            value,
            comment,
            builtin: false,
        })
        .collect()
}

/// An array, one element a line, each followed by its comma and then its comment.
fn list(items: Vec<Entry>) -> Item {
    let mut a = Array::new();
    // What follows the previous element's comma (or the `[`): that element's comment, and
    // any built-in entries listed as comments.
    let mut pending = String::new();
    for Entry {
        mut value,
        comment,
        builtin,
    } in items
    {
        if builtin {
            pending.push_str(&format!(
                "\n    # {}  ({})",
                value.to_string().trim(),
                one_line(&comment)
            ));
            continue;
        }
        value.decor_mut().set_prefix(format!("{pending}\n    "));
        value.decor_mut().set_suffix("");
        a.push_formatted(value);
        pending = format!(" # {}", one_line(&comment));
    }
    if !pending.is_empty() {
        a.set_trailing_comma(!a.is_empty());
        a.set_trailing(format!("{pending}\n"));
    }
    Item::Value(Value::Array(a))
}

/// A comment stays on its line whatever a file name holds.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commented_lists_keep_their_commas() {
        let mut doc = DocumentMut::new();
        doc["x"] = list(entries(vec![
            ("a".into(), "one".into()),
            ("b".into(), "two\nthree".into()),
        ]));
        doc["y"] = list(Vec::new());
        doc["z"] = list(vec![
            Entry {
                value: "c".into(),
                comment: "base".into(),
                builtin: true,
            },
            Entry {
                value: "d".into(),
                comment: "mine".into(),
                builtin: false,
            },
        ]);
        doc["w"] = list(vec![Entry {
            value: "e".into(),
            comment: "base".into(),
            builtin: true,
        }]);
        let text = doc.to_string();
        assert_eq!(
            text,
            "x = [\n    \"a\", # one\n    \"b\", # two three\n]\ny = []\n\
             z = [\n    # \"c\"  (base)\n    \"d\", # mine\n]\nw = [\n    # \"e\"  (base)\n]\n"
        );
        let v: toml::Value = toml::from_str(&text).unwrap();
        assert_eq!(v["x"].as_array().unwrap().len(), 2);
        assert_eq!(v["z"].as_array().unwrap().len(), 1);
        assert_eq!(v["w"].as_array().unwrap().len(), 0);
    }
}
