//! Every example event, example policy, built-in policy and settings snippet is exercised here,
//! so none of them rots.

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

/// What the binary answered, in the vocabulary of `examples/expected.toml`.
fn answer(r: &Run) -> String {
    assert!(r.code == 0, "exit {}: {}", r.code, r.stderr);
    if r.stdout.is_empty() {
        return "pass".into();
    }
    let v = r.json();
    if v.get("decision").is_some() {
        return v["decision"].as_str().unwrap().to_string();
    }
    match v["hookSpecificOutput"]["hookEventName"].as_str() {
        Some("PreToolUse") => v["hookSpecificOutput"]["permissionDecision"]
            .as_str()
            .unwrap()
            .into(),
        Some("SessionStart") => "context".into(),
        other => panic!("unexpected output for {other:?}: {v}"),
    }
}

#[test]
fn example_events_decide_as_documented() {
    let expected: toml::Table =
        toml::from_str(&std::fs::read_to_string(root().join("examples/expected.toml")).unwrap())
            .unwrap();
    let events = files("examples/events", "json");
    assert_eq!(
        events.len(),
        expected.len(),
        "every event is listed in expected.toml and vice versa"
    );
    for ev in events {
        let name = ev.file_stem().unwrap().to_string_lossy().to_string();
        let want = expected
            .get(&name)
            .unwrap_or_else(|| panic!("{name} missing from expected.toml"));
        let input = std::fs::read_to_string(&ev).unwrap();
        for profile in ["prototype", "production", "ci"] {
            let s = Scratch::new("example");
            let r = hook(&s, &["--profile", profile], &input);
            let got = answer(&r);
            let pre_tool_defer = got == "pass" && input.contains("\"PreToolUse\"");
            let got = if pre_tool_defer {
                "defer".to_string()
            } else {
                got
            };
            assert_eq!(
                Some(got.as_str()),
                want[profile].as_str(),
                "{name} under {profile}: {}",
                r.stdout
            );
        }
    }
}

#[test]
fn example_policies_load() {
    for p in files("examples/policies", "toml") {
        let s = Scratch::new("expol");
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let managed = s.root.join("no-managed");
        let r = if name.starts_with("prototype") {
            // A project policy: it lives in the project.
            std::fs::create_dir_all(s.proj().join(".claude")).unwrap();
            std::fs::copy(&p, s.proj().join(".claude/hookguard.toml")).unwrap();
            run(
                &[
                    "policy",
                    "check",
                    "--managed-dir",
                    managed.to_str().unwrap(),
                    "--cwd",
                    s.proj().to_str().unwrap(),
                ],
                b"",
                &s.home(),
                &[],
            )
        } else {
            run(
                &[
                    "policy",
                    "check",
                    "--managed-dir",
                    managed.to_str().unwrap(),
                    "--cwd",
                    s.proj().to_str().unwrap(),
                    p.to_str().unwrap(),
                ],
                b"",
                &s.home(),
                &[],
            )
        };
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        assert!(r.stdout.contains("[verdicts]"), "{name}: {}", r.stdout);
    }
}

#[test]
fn builtin_policies_parse() {
    for p in files("policies", "toml") {
        hookguard::policy::file::PolicyFile::parse(&std::fs::read_to_string(&p).unwrap())
            .unwrap_or_else(|e| panic!("{}:{}: {}", p.display(), e.line, e.message));
    }
}

const EVENTS: &[&str] = &[
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "UserPromptSubmit",
    "SessionStart",
    "SessionEnd",
    "Stop",
    "ConfigChange",
    "PermissionDenied",
];

#[test]
fn settings_snippets_register_every_event_fail_closed_in_exec_form() {
    let snippets = files("settings-snippets", "json");
    assert!(snippets.len() >= 4);
    for p in snippets {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(
            hookguard::session::registers_hookguard(&v),
            "{}",
            p.display()
        );
        for ev in EVENTS {
            let groups = v["hooks"][ev]
                .as_array()
                .unwrap_or_else(|| panic!("{}: {ev}", p.display()));
            for g in groups {
                assert_eq!(g["matcher"], "*", "{}: {ev}", p.display());
                for h in g["hooks"].as_array().unwrap() {
                    assert_eq!(h["type"], "command");
                    assert_eq!(h["onFailure"], "block", "{}: {ev}", p.display());
                    assert!(h["timeout"].as_u64().is_some_and(|t| (1..=60).contains(&t)));
                    let args = h["args"].as_array().expect("exec form: args present");
                    assert_eq!(args[0], "hook");
                    assert!(h["command"].as_str().unwrap().ends_with("hookguard"));
                }
            }
        }
        if p.file_name().unwrap() == "managed-settings.json" {
            assert_eq!(v["allowManagedHooksOnly"], true);
            assert_eq!(v["requiredMinimumVersion"], "2.1.295");
        }
    }
}

#[test]
fn readme_commands_name_real_files() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for path in ["examples/events/read-dotenv.json", ".ci/run"] {
        assert!(readme.contains(path), "README mentions {path}");
        assert!(Path::new(&root().join(path)).exists(), "{path} exists");
    }
}
