//! `hookguard policy test`: the `[[test]]` entries a policy carries, run against the merged
//! layers under each profile they name, reported as `N passed, N failed` with a diff for each
//! failure.
//!
//! Tests run in a fixed, virtual place (`/hookguard-policy-test/project`, home
//! `/hookguard-policy-test/home`) unless `--cwd` names a real project, so a policy's tests give
//! the same answer on every machine.

use crate::classification::Profile;
use crate::controls::Context;
use crate::decision::nobody_to_ask;
use crate::event::Event;
use crate::policy::file::TestFile;
use crate::policy::{Layer, LayerKind, Policy, ProfileChoice, merge_at};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The built-in profiles' own tests.
pub const BUILTIN_TESTS: &str = include_str!("../policies/tests.toml");

const VIRTUAL: &str = "/hookguard-policy-test";

/// What `policy test` prints, and whether every test passed.
pub struct Report {
    pub text: String,
    pub passed: usize,
    pub failed: usize,
}

/// Runs the tests of `files` (and the built-in tests when `builtin`) against the layers:
/// `files` as `--policy` layers, plus the project layer of `cwd` when given.
pub fn run(files: &[PathBuf], builtin: bool, cwd: Option<&Path>) -> Result<Report, String> {
    let project = cwd.map_or_else(|| PathBuf::from(VIRTUAL).join("project"), Path::to_path_buf);
    let home = PathBuf::from(VIRTUAL).join("home");
    let mut layers = Vec::new();
    for f in files.iter().rev() {
        let layer = Layer::load(LayerKind::CommandLine, f)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{}: no such file", f.display()))?;
        layers.push(layer);
    }
    if cwd.is_some() {
        let p = project.join(".claude/hookguard.toml");
        if let Some(l) = Layer::load(LayerKind::Project, &p).map_err(|e| e.to_string())? {
            layers.push(l);
        }
    }
    let mut suites: Vec<(String, std::sync::Arc<str>, Vec<TestFile>)> = layers
        .iter()
        .map(|l| {
            (
                l.name.clone(),
                l.text.clone(),
                l.file.test.clone().unwrap_or_default(),
            )
        })
        .collect();
    if builtin {
        let l = Layer::parse(
            LayerKind::Builtin,
            "policies/tests.toml".into(),
            BUILTIN_TESTS.into(),
        )
        .map_err(|e| e.to_string())?;
        suites.push((l.name, l.text, l.file.test.unwrap_or_default()));
    }
    let mut policies: BTreeMap<Profile, Policy> = BTreeMap::new();
    let mut text = String::new();
    let (mut passed, mut failed) = (0, 0);
    for (file, source, tests) in &suites {
        for (i, t) in tests.iter().enumerate() {
            let line = nth_test_line(source, i);
            let name = t.name.clone().unwrap_or_else(|| describe(t));
            let profiles: Vec<Profile> = match (&t.profile, &t.profiles) {
                (Some(p), _) => vec![*p],
                (None, Some(ps)) if !ps.is_empty() => ps.clone(),
                _ => Profile::ALL.to_vec(),
            };
            let Some(expect) = t.expect.as_deref() else {
                failed += 1;
                text.push_str(&format!("{file}:{line}: test `{name}`: no `expect`\n"));
                continue;
            };
            let ev = match event(t, &project) {
                Ok(ev) => ev,
                Err(e) => {
                    failed += 1;
                    text.push_str(&format!("{file}:{line}: test `{name}`: {e}\n"));
                    continue;
                }
            };
            for p in profiles {
                let policy = match policies.entry(p) {
                    std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::btree_map::Entry::Vacant(e) => e.insert(
                        merge_at(
                            &layers,
                            ProfileChoice::Forced(p),
                            Some(&home),
                            Some(&project),
                        )
                        .map_err(|e| e.to_string())?,
                    ),
                };
                let ctx = context(&project, &home);
                let nobody = nobody_to_ask(p, ev.permission_mode.as_deref(), false);
                let (label, d) = crate::run::evaluate(&ev, policy, &ctx, nobody);
                let rule_ok = t
                    .rule
                    .as_deref()
                    .is_none_or(|r| d.rule.as_deref() == Some(r));
                if label == expect && rule_ok {
                    passed += 1;
                } else {
                    failed += 1;
                    let want_rule = t
                        .rule
                        .as_deref()
                        .map(|r| format!(" by `{r}`"))
                        .unwrap_or_default();
                    let got_rule = d
                        .rule
                        .as_deref()
                        .map(|r| format!(" by `{r}`"))
                        .unwrap_or_default();
                    text.push_str(&format!(
                        "{file}:{line}: test `{name}` [{p}] failed\n  - expected: {expect}{want_rule}\n  + got:      {label}{got_rule}\n"
                    ));
                    if !d.reason.is_empty() {
                        text.push_str(&format!("    reason: {}\n", d.reason));
                    }
                }
            }
        }
    }
    text.push_str(&format!("{passed} passed, {failed} failed\n"));
    Ok(Report {
        text,
        passed,
        failed,
    })
}

fn context(project: &Path, home: &Path) -> Context {
    Context {
        cwd: project.to_path_buf(),
        project_root: project.to_path_buf(),
        home: Some(home.to_path_buf()),
        temp_dir: PathBuf::from(VIRTUAL).join("tmp"),
        audit_log: home.join(".local/state/hookguard/audit.jsonl"),
        binary: Some(PathBuf::from("/usr/local/bin/hookguard")),
        user_policy_dir: Some(home.join(".config/hookguard")),
        managed_policy_dir: PathBuf::from(crate::policy::layers::MANAGED_DIR),
        claude_config_dir: None,
        headless: false,
    }
}

fn describe(t: &TestFile) -> String {
    let pairs = [
        ("bash", &t.bash),
        ("read", &t.read),
        ("write", &t.write),
        ("edit", &t.edit),
        ("grep", &t.grep),
        ("glob", &t.glob),
        ("webfetch", &t.webfetch),
        ("websearch", &t.websearch),
        ("mcp", &t.mcp),
        ("prompt", &t.prompt),
    ];
    pairs
        .iter()
        .find_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
        .unwrap_or_else(|| "event".into())
}

/// The event a test describes.
pub fn event(t: &TestFile, project: &Path) -> Result<Event, String> {
    let content = t.content.clone().unwrap_or_default();
    let (name, tool, input): (&str, Option<String>, serde_json::Value) = if let Some(c) = &t.bash {
        ("PreToolUse", Some("Bash".into()), json!({"command": c}))
    } else if let Some(p) = &t.read {
        ("PreToolUse", Some("Read".into()), json!({"file_path": p}))
    } else if let Some(p) = &t.write {
        (
            "PreToolUse",
            Some("Write".into()),
            json!({"file_path": p, "content": content}),
        )
    } else if let Some(p) = &t.edit {
        (
            "PreToolUse",
            Some("Edit".into()),
            json!({"file_path": p, "old_string": "", "new_string": content}),
        )
    } else if let Some(p) = &t.grep {
        (
            "PreToolUse",
            Some("Grep".into()),
            json!({"pattern": "x", "path": p}),
        )
    } else if let Some(p) = &t.glob {
        (
            "PreToolUse",
            Some("Glob".into()),
            json!({"pattern": "*", "path": p}),
        )
    } else if let Some(u) = &t.webfetch {
        (
            "PreToolUse",
            Some("WebFetch".into()),
            json!({"url": u, "prompt": ""}),
        )
    } else if let Some(q) = &t.websearch {
        ("PreToolUse", Some("WebSearch".into()), json!({"query": q}))
    } else if let Some(m) = &t.mcp {
        ("PreToolUse", Some(m.clone()), json!({}))
    } else if let Some(p) = &t.prompt {
        let mut ev = Event {
            hook_event_name: Some("UserPromptSubmit".into()),
            prompt: Some(p.clone()),
            cwd: Some(project.display().to_string()),
            ..Event::default()
        };
        ev.permission_mode = t.permission_mode.clone();
        return Ok(ev);
    } else if let Some(e) = &t.event {
        let v = serde_json::to_value(e).map_err(|e| e.to_string())?;
        let mut ev = Event::parse(v.to_string().as_bytes()).map_err(|e| e.to_string())?;
        ev.hook_event_name
            .get_or_insert_with(|| "PreToolUse".into());
        ev.cwd.get_or_insert_with(|| project.display().to_string());
        return Ok(ev);
    } else {
        return Err("a test needs one of bash, read, write, edit, grep, glob, webfetch, websearch, mcp, prompt or event".into());
    };
    Ok(Event {
        hook_event_name: Some(name.into()),
        tool_name: tool,
        tool_input: Some(input),
        cwd: Some(project.display().to_string()),
        permission_mode: t.permission_mode.clone(),
        ..Event::default()
    })
}

fn nth_test_line(text: &str, i: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[test]]")
        .nth(i)
        .map_or(1, |(n, _)| n + 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_builtin_tests_pass() {
        let r = super::run(&[], true, None).unwrap();
        assert!(r.passed > 20, "{}", r.text);
        assert_eq!(r.failed, 0, "{}", r.text);
    }
}
