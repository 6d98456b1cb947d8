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
    /// Each test under each profile it names, in order: for `--format json|junit`.
    pub cases: Vec<Case>,
}

/// One test under one profile (`None`: the test could not run under any).
pub struct Case {
    pub file: String,
    pub line: usize,
    pub name: String,
    pub profile: Option<Profile>,
    /// What went wrong, as the text report shows it; `None` when the test passed.
    pub failure: Option<String>,
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
    let mut cases = Vec::new();
    let mut case = |file: &str, line: usize, name: &str, profile, failure: Option<String>| {
        cases.push(Case {
            file: file.to_string(),
            line,
            name: name.to_string(),
            profile,
            failure,
        });
    };
    for (file, source, tests) in &suites {
        for (i, t) in tests.iter().enumerate() {
            let line = crate::lines::header_line(source, "[[test]]", i);
            let name = t.name.clone().unwrap_or_else(|| describe(t));
            let profiles: Vec<Profile> = match (&t.profile, &t.profiles) {
                (Some(p), _) => vec![*p],
                (None, Some(ps)) if !ps.is_empty() => ps.clone(),
                _ => Profile::ALL.to_vec(),
            };
            let Some(expect) = t.expect.as_deref() else {
                failed += 1;
                let msg = format!("{file}:{line}: test `{name}`: no `expect`\n");
                text.push_str(&msg);
                case(file, line, &name, None, Some(msg));
                continue;
            };
            let ev = match event(t, &project) {
                Ok(ev) => ev,
                Err(e) => {
                    failed += 1;
                    let msg = format!("{file}:{line}: test `{name}`: {e}\n");
                    text.push_str(&msg);
                    case(file, line, &name, None, Some(msg));
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
                    case(file, line, &name, Some(p), None);
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
                    let mut msg = format!(
                        "{file}:{line}: test `{name}` [{p}] failed\n  - expected: {expect}{want_rule}\n  + got:      {label}{got_rule}\n"
                    );
                    if !d.reason.is_empty() {
                        msg.push_str(&format!("    reason: {}\n", d.reason));
                    }
                    text.push_str(&msg);
                    case(file, line, &name, Some(p), Some(msg));
                }
            }
        }
    }
    text.push_str(&format!("{passed} passed, {failed} failed\n"));
    Ok(Report {
        text,
        passed,
        failed,
        cases,
    })
}

impl Report {
    /// `{"passed": N, "failed": N, "tests": [{file, line, name, profile, passed, failure}]}`.
    pub fn json(&self) -> String {
        let tests: Vec<serde_json::Value> = self
            .cases
            .iter()
            .map(|c| {
                json!({
                    "file": c.file, "line": c.line, "name": c.name,
                    "profile": c.profile.map(|p| p.as_str()),
                    "passed": c.failure.is_none(), "failure": c.failure,
                })
            })
            .collect();
        let mut s =
            json!({ "passed": self.passed, "failed": self.failed, "tests": tests }).to_string();
        s.push('\n');
        s
    }

    /// JUnit XML as CI systems read it: one `<testsuite>` per policy file, one `<testcase>`
    /// per test and profile, a `<failure>` with the same diff as the text report.
    pub fn junit(&self) -> String {
        let mut files: Vec<&str> = Vec::new();
        for c in &self.cases {
            if !files.contains(&c.file.as_str()) {
                files.push(&c.file);
            }
        }
        let mut x = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"hookguard policy test\" tests=\"{}\" failures=\"{}\">\n",
            self.cases.len(),
            self.cases.iter().filter(|c| c.failure.is_some()).count()
        );
        for f in files {
            let cases: Vec<&Case> = self.cases.iter().filter(|c| c.file == f).collect();
            x.push_str(&format!(
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n",
                xml(f),
                cases.len(),
                cases.iter().filter(|c| c.failure.is_some()).count()
            ));
            for c in cases {
                let name = match c.profile {
                    Some(p) => format!("{} [{p}]", c.name),
                    None => c.name.clone(),
                };
                x.push_str(&format!(
                    "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                    xml(&name),
                    xml(f),
                    xml(f),
                    c.line
                ));
                match &c.failure {
                    None => x.push_str("/>\n"),
                    Some(msg) => x.push_str(&format!(
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                        xml(msg.lines().next().unwrap_or("")),
                        xml(msg)
                    )),
                }
            }
            x.push_str("  </testsuite>\n");
        }
        x.push_str("</testsuites>\n");
        x
    }
}

/// Text for an XML attribute or element; characters XML 1.0 cannot hold become U+FFFD.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_builtin_tests_pass() {
        let r = super::run(&[], true, None).unwrap();
        assert!(r.passed > 20, "{}", r.text);
        assert_eq!(r.failed, 0, "{}", r.text);
    }
}
