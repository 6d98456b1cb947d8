//! `hookguard doctor`: each check, good and broken, against a temporary home, project and
//! managed-settings directory.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_hookguard");

struct Tree(PathBuf);

impl Tree {
    fn new(name: &str) -> Tree {
        let root =
            std::env::temp_dir().join(format!("hookguard-doctor-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for d in ["home", "proj", "managed", "policy", "bin"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        Tree(root)
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
    fn roots(&self) -> Vec<String> {
        [
            "--home",
            self.p("home").to_str().unwrap(),
            "--project",
            self.p("proj").to_str().unwrap(),
            "--managed-settings-dir",
            self.p("managed").to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }
    /// Runs `bin` (hookguard, or a copy of it) with a clean environment.
    fn run_with(&self, bin: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = Command::new(bin);
        c.args(args)
            .args(self.roots())
            .env_clear()
            .env("HOME", self.p("home"))
            .env("PATH", self.p("bin"))
            .current_dir(self.p("proj"));
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }
    fn install(&self, extra: &[&str]) {
        let mut args = vec!["install"];
        args.extend_from_slice(extra);
        let o = self.run_with(Path::new(BIN), &args, &[]);
        assert!(o.status.success(), "{o:?}");
    }
    fn doctor(&self, env: &[(&str, &str)]) -> (bool, String) {
        let policy_dir = self.p("policy");
        let o = self.run_with(
            Path::new(BIN),
            &["doctor", "--managed-dir", policy_dir.to_str().unwrap()],
            env,
        );
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(matches!(o.status.code(), Some(0 | 1)), "{o:?}");
        (o.status.success(), out)
    }
    /// A fake `claude` on the PATH that reports `version`.
    fn fake_claude(&self, version: &str) {
        use std::os::unix::fs::PermissionsExt;
        let p = self.p("bin/claude");
        std::fs::write(&p, format!("#!/bin/sh\necho '{version} (Claude Code)'\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn line<'a>(out: &'a str, name: &str) -> Vec<&'a str> {
    out.lines()
        .filter(|l| {
            l.get(5..)
                .is_some_and(|r| r.starts_with(&format!("{name}:")))
        })
        .collect()
}

fn write(p: &Path, v: &Value) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
}

#[test]
fn a_fresh_project_install_is_well() {
    let t = Tree::new("well");
    t.install(&["--scope", "project"]);
    t.fake_claude("2.1.330");
    let (ok, out) = t.doctor(&[]);
    assert!(ok, "{out}");
    for name in [
        "registration",
        "exec form",
        "binary",
        "onFailure",
        "timeout",
        "events",
        "claude version",
        "policy",
        "audit log",
    ] {
        let l = line(&out, name);
        assert!(
            !l.is_empty() && l.iter().all(|l| l.starts_with("ok")),
            "{name}: {out}"
        );
    }
    assert!(
        out.trim_end()
            .ends_with("all is well: hookguard guards Claude Code here")
    );
}

#[test]
fn nothing_registered_fails() {
    let t = Tree::new("none");
    let (ok, out) = t.doctor(&[]);
    assert!(!ok);
    assert!(line(&out, "registration")[0].starts_with("FAIL"), "{out}");
    assert!(
        out.contains("fix: run `hookguard install --scope user`"),
        "{out}"
    );
}

#[test]
fn a_missing_binary_fails_with_a_fix() {
    let t = Tree::new("missing");
    let copy = t.p("hg/hookguard");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    std::fs::copy(BIN, &copy).unwrap();
    let o = t.run_with(&copy, &["install", "--scope", "user"], &[]);
    assert!(o.status.success(), "{o:?}");
    std::fs::remove_file(&copy).unwrap();
    let (ok, out) = t.doctor(&[]);
    assert!(!ok, "{out}");
    let l = line(&out, "binary");
    assert!(
        l[0].starts_with("FAIL") && l[0].contains("does not exist"),
        "{out}"
    );
    assert!(l[0].contains("fix:"), "{out}");
}

#[test]
fn shell_form_without_on_failure_and_missing_events_fail() {
    let t = Tree::new("shell");
    write(
        &t.p("proj/.claude/settings.json"),
        &json!({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
            {"type": "command", "command": format!("{BIN} hook")}
        ]}]}}),
    );
    let (ok, out) = t.doctor(&[]);
    assert!(!ok);
    assert!(line(&out, "exec form")[0].starts_with("FAIL"), "{out}");
    assert!(line(&out, "onFailure")[0].starts_with("FAIL"), "{out}");
    assert!(line(&out, "matcher")[0].starts_with("FAIL"), "{out}");
    let ev = line(&out, "events")[0];
    assert!(
        ev.starts_with("FAIL") && ev.contains("UserPromptSubmit"),
        "{out}"
    );
    assert!(line(&out, "timeout")[0].starts_with("warn"), "{out}");
}

#[test]
fn managed_lock_without_a_managed_registration_fails() {
    let t = Tree::new("locked");
    t.install(&["--scope", "project"]);
    write(
        &t.p("managed/managed-settings.json"),
        &json!({"allowManagedHooksOnly": true}),
    );
    let (ok, out) = t.doctor(&[]);
    assert!(!ok);
    let l = line(&out, "managed lock");
    assert!(
        l[0].starts_with("FAIL") && l[0].contains("never run"),
        "{out}"
    );

    t.install(&["--scope", "managed"]);
    let (ok, out) = t.doctor(&[]);
    assert!(ok, "{out}");
    assert!(line(&out, "managed lock")[0].starts_with("ok"), "{out}");
}

#[test]
fn disable_all_hooks_fails() {
    let t = Tree::new("disabled");
    t.install(&["--scope", "project"]);
    write(
        &t.p("proj/.claude/settings.local.json"),
        &json!({"disableAllHooks": true}),
    );
    let (ok, out) = t.doctor(&[]);
    assert!(!ok);
    assert!(
        line(&out, "disableAllHooks")[0].starts_with("FAIL"),
        "{out}"
    );
}

#[test]
fn an_old_client_fails() {
    let t = Tree::new("oldclient");
    t.install(&["--scope", "project"]);
    t.fake_claude("2.1.200");
    let (ok, out) = t.doctor(&[]);
    assert!(!ok);
    let l = line(&out, "claude version");
    assert!(
        l[0].starts_with("FAIL") && l[0].contains("2.1.295"),
        "{out}"
    );
}

#[test]
fn a_broken_policy_fails() {
    let t = Tree::new("badpolicy");
    t.install(&["--scope", "project"]);
    std::fs::write(t.p("proj/.claude/hookguard.toml"), "no-such-key = 1\n").unwrap();
    let (ok, out) = t.doctor(&[]);
    assert!(!ok);
    assert!(line(&out, "policy")[0].starts_with("FAIL"), "{out}");
}

#[test]
fn a_broken_audit_chain_fails() {
    let t = Tree::new("chain");
    t.install(&["--scope", "project"]);
    let log = t.p("home/.local/state/hookguard/audit.jsonl");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::write(&log, "{\"event\":\"x\",\"hash\":\"00\"}\n").unwrap();
    let (ok, out) = t.doctor(&[]);
    assert!(!ok);
    let l = line(&out, "audit log");
    assert!(
        l[0].starts_with("FAIL") && l[0].contains("chain broken"),
        "{out}"
    );
}

#[test]
fn official_sensitive_needs_nonessential_traffic_off() {
    let t = Tree::new("sensitive");
    t.install(&["--scope", "project"]);
    std::fs::write(
        t.p("proj/.claude/hookguard.toml"),
        "classification = \"OFFICIAL-SENSITIVE\"\n",
    )
    .unwrap();
    let (ok, out) = t.doctor(&[]);
    assert!(!ok);
    let l = line(&out, "non-essential traffic");
    assert!(l[0].starts_with("FAIL") && l[0].contains("fix:"), "{out}");

    let (ok, out) = t.doctor(&[("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")]);
    assert!(ok, "{out}");

    let settings = t.p("proj/.claude/settings.json");
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&settings).unwrap()).unwrap();
    doc["env"] = json!({"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"});
    write(&settings, &doc);
    let (ok, out) = t.doctor(&[]);
    assert!(ok, "{out}");
    assert!(
        line(&out, "non-essential traffic")[0].starts_with("ok"),
        "{out}"
    );
}

/// C19: a fresh install compiles the policy into the sandbox settings and doctor says they
/// match; a policy changed afterwards is drift, named with its fix, until install runs again.
#[test]
fn the_sandbox_is_on_and_drift_is_named() {
    let t = Tree::new("sandbox");
    t.install(&["--scope", "project"]);
    t.fake_claude("2.1.330");
    let (ok, out) = t.doctor(&[]);
    assert!(ok, "{out}");
    assert_eq!(
        line(&out, "sandbox"),
        vec!["ok   sandbox: on, consistent with the policy"],
        "{out}"
    );

    std::fs::write(
        t.p("proj/.claude/hookguard.toml"),
        "[files]\nexclude = [\"**/notes/private.txt\"]\n",
    )
    .unwrap();
    let (ok, out) = t.doctor(&[]);
    assert!(!ok, "{out}");
    let l = line(&out, "sandbox");
    assert!(
        l[0].starts_with("FAIL")
            && l[0].contains("`sandbox.filesystem.denyRead` lacks \"**/notes/private.txt\"")
            && l[0].contains("fix: run `hookguard install --scope project`"),
        "{out}"
    );

    // Someone loosens the settings by hand: named too.
    let settings = t.p("proj/.claude/settings.json");
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&settings).unwrap()).unwrap();
    doc["sandbox"]["allowUnsandboxedCommands"] = json!(true);
    write(&settings, &doc);
    let (_, out) = t.doctor(&[]);
    assert!(
        line(&out, "sandbox")[0].contains("`sandbox.allowUnsandboxedCommands` is true"),
        "{out}"
    );

    t.install(&["--scope", "project"]);
    let (ok, out) = t.doctor(&[]);
    assert!(ok, "{out}");
    assert!(line(&out, "sandbox")[0].starts_with("ok"), "{out}");

    // Left out: a warning for production, with the fix.
    t.install(&["--scope", "project", "--no-sandbox"]);
    let doc: Value = serde_json::from_slice(&std::fs::read(&settings).unwrap()).unwrap();
    // Everything install added is gone; the value set by hand before the last install is
    // what that install found, so it is what is left.
    assert_eq!(
        doc["sandbox"],
        json!({"allowUnsandboxedCommands": true}),
        "{doc}"
    );
    let (ok, out) = t.doctor(&[]);
    assert!(ok, "{out}");
    let l = line(&out, "sandbox");
    assert!(l[0].starts_with("warn") && l[0].contains("off"), "{out}");
}
