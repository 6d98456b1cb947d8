//! `hookguard install` and `uninstall` on user, project and managed scopes, run as a binary
//! against a temporary home, project and managed-settings directory.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_hookguard");
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

/// A fresh directory tree for one test: `home/`, `proj/`, `managed/`.
struct Tree(PathBuf);

impl Tree {
    fn new(name: &str) -> Tree {
        let root =
            std::env::temp_dir().join(format!("hookguard-install-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for d in ["home", "proj", "managed"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        Tree(root)
    }
    fn home(&self) -> PathBuf {
        self.0.join("home")
    }
    fn proj(&self) -> PathBuf {
        self.0.join("proj")
    }
    fn managed(&self) -> PathBuf {
        self.0.join("managed")
    }
    /// Where install keeps the settings files it replaces.
    fn state_backups(&self) -> PathBuf {
        self.home().join(".local/state/hookguard/backups")
    }
    /// Runs hookguard with a clean environment whose HOME is the tree's home.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .args([
                "--home",
                self.home().to_str().unwrap(),
                "--project",
                self.proj().to_str().unwrap(),
                "--managed-settings-dir",
                self.managed().to_str().unwrap(),
            ])
            .env_clear()
            .env("HOME", self.home())
            .env("PATH", "/usr/bin:/bin")
            .current_dir(self.proj())
            .output()
            .unwrap()
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn read(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn write(p: &Path, v: &Value) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn backups(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().contains(".hookguard-backup-"))
        .collect();
    v.sort();
    v
}

/// The hookguard handlers under one event.
fn ours(doc: &Value, event: &str) -> Vec<Value> {
    doc["hooks"][event]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["matcher"] == "*")
        .flat_map(|g| g["hooks"].as_array().cloned().unwrap_or_default())
        .filter(|h| {
            h["command"]
                .as_str()
                .is_some_and(|c| c.ends_with("hookguard"))
        })
        .collect()
}

fn assert_registered(doc: &Value, args: &[&str]) {
    let exe = std::fs::canonicalize(BIN).unwrap();
    for ev in EVENTS {
        let hs = ours(doc, ev);
        assert_eq!(hs.len(), 1, "{ev}: {doc}");
        let h = &hs[0];
        assert_eq!(h["type"], "command");
        assert_eq!(
            h["command"],
            exe.to_str().unwrap(),
            "absolute path of the binary"
        );
        assert_eq!(h["args"], json!(args), "exec form");
        assert_eq!(h["onFailure"], "block");
        assert_eq!(h["timeout"], 10);
    }
}

#[test]
fn user_scope_merges_backs_up_is_idempotent_and_uninstalls() {
    let t = Tree::new("user");
    let settings = t.home().join(".claude/settings.json");
    let other = json!({"type": "command", "command": "/usr/local/bin/lint-hook"});
    let original = json!({
        "model": "opus",
        "permissions": {"allow": ["Bash(ls)"]},
        "env": {"FOO": "1"},
        "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [other.clone()]}]}
    });
    write(&settings, &original);

    let o = t.run(&["install", "--scope", "user"]);
    assert!(o.status.success(), "{o:?}");
    assert!(stdout(&o).contains("wrote"), "{}", stdout(&o));
    let doc = read(&settings);
    assert_registered(&doc, &["hook"]);
    assert_eq!(doc["model"], "opus");
    // The person's own rules are kept; the sandbox compile adds deny rules beside them (C19).
    assert_eq!(
        doc["permissions"]["allow"],
        original["permissions"]["allow"]
    );
    assert_eq!(doc["sandbox"]["enabled"], true);
    assert_eq!(doc["env"], original["env"]);
    assert_eq!(
        doc["hooks"]["PreToolUse"][0]["hooks"][0], other,
        "other hooks kept"
    );
    assert!(
        backups(&t.home().join(".claude")).is_empty(),
        "backups are kept in the state directory, not beside the settings"
    );
    let b = backups(&t.state_backups());
    assert_eq!(b.len(), 1);
    assert_eq!(read(&b[0]), original, "the backup is the file as it was");

    let o = t.run(&["install", "--scope", "user"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("already up to date"), "{}", stdout(&o));
    assert_eq!(read(&settings), doc, "idempotent");
    assert_eq!(
        backups(&t.state_backups()).len(),
        1,
        "no backup when nothing changes"
    );

    let o = t.run(&["uninstall", "--scope", "user"]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        read(&settings),
        original,
        "uninstall restores the rest exactly"
    );
}

#[test]
fn user_scope_follows_claude_config_dir() {
    let t = Tree::new("configdir");
    let cfg = t.0.join("cfg");
    let o = Command::new(BIN)
        .args(["install", "--scope", "user"])
        .env_clear()
        .env("HOME", t.home())
        .env("CLAUDE_CONFIG_DIR", &cfg)
        .current_dir(t.proj())
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    assert_registered(&read(&cfg.join("settings.json")), &["hook"]);
    assert!(!t.home().join(".claude/settings.json").exists());
}

#[test]
fn project_scope_writes_profile_and_absolute_policy() {
    let t = Tree::new("project");
    std::fs::write(
        t.proj().join("team.toml"),
        "classification = \"OFFICIAL\"\n",
    )
    .unwrap();
    let o = t.run(&[
        "install",
        "--scope",
        "project",
        "--profile",
        "ci",
        "--policy",
        "team.toml",
    ]);
    assert!(o.status.success(), "{o:?}");
    let doc = read(&t.proj().join(".claude/settings.json"));
    let policy = t.proj().join("team.toml");
    assert_registered(
        &doc,
        &[
            "hook",
            "--profile",
            "ci",
            "--policy",
            policy.to_str().unwrap(),
        ],
    );
    assert!(doc.get("allowManagedHooksOnly").is_none());
    assert!(
        backups(&t.proj().join(".claude")).is_empty() && backups(&t.state_backups()).is_empty(),
        "no backup of nothing"
    );

    // Re-installing with another profile replaces the registration, not adds a second one.
    let o = t.run(&["install", "--scope", "project"]);
    assert!(o.status.success());
    assert_registered(&read(&t.proj().join(".claude/settings.json")), &["hook"]);

    let o = t.run(&["uninstall", "--scope", "project"]);
    assert!(o.status.success());
    assert_eq!(read(&t.proj().join(".claude/settings.json")), json!({}));
}

#[test]
fn managed_scope_locks_hooks_and_requires_a_client_that_honours_on_failure() {
    let t = Tree::new("managed");
    let file = t.managed().join("managed-settings.json");
    write(
        &file,
        &json!({"permissions": {"deny": ["Read(~/.ssh/**)"]}}),
    );
    // The hardening keys only: the sandbox part is tested in tests/install_doctor.rs.
    let o = t.run(&[
        "install",
        "--scope",
        "managed",
        "--profile",
        "production",
        "--no-sandbox",
    ]);
    assert!(o.status.success(), "{o:?}");
    let doc = read(&file);
    assert_registered(&doc, &["hook", "--profile", "production"]);
    assert_eq!(doc["allowManagedHooksOnly"], true);
    assert_eq!(doc["requiredMinimumVersion"], "2.1.295");
    assert_eq!(doc["permissions"]["deny"][0], "Read(~/.ssh/**)");
    // The snippet's hardening: no bypass mode, and Claude Code's own tools may not edit the
    // organisation's policy or the settings that register the guard.
    assert_eq!(
        doc["permissions"]["disableBypassPermissionsMode"],
        "disable"
    );
    let managed_rule = format!("Edit(/{}/**)", t.managed().display());
    assert_eq!(
        doc["permissions"]["deny"],
        json!([
            "Read(~/.ssh/**)",
            "Edit(//etc/hookguard/**)",
            managed_rule,
            "Edit(~/.claude/settings.json)"
        ])
    );
    // Installing again adds nothing twice.
    // The hardening keys only: the sandbox part is tested in tests/install_doctor.rs.
    let o = t.run(&[
        "install",
        "--scope",
        "managed",
        "--profile",
        "production",
        "--no-sandbox",
    ]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(read(&file), doc);

    let o = t.run(&["uninstall", "--scope", "managed"]);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("allowManagedHooksOnly"),
        "says what it left"
    );
    let doc = read(&file);
    assert!(doc.get("hooks").is_none());
    assert_eq!(doc["allowManagedHooksOnly"], true);
}

#[test]
fn dry_run_writes_nothing() {
    let t = Tree::new("dryrun");
    let o = t.run(&["install", "--scope", "project", "--dry-run"]);
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    assert!(out.starts_with("would write"), "{out}");
    assert!(out.contains("\"onFailure\": \"block\""), "{out}");
    assert!(!t.proj().join(".claude/settings.json").exists());
}

#[test]
fn invalid_settings_are_refused_not_overwritten() {
    let t = Tree::new("invalid");
    let file = t.proj().join(".claude/settings.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "{ \"model\": \"x\", // a comment\n}").unwrap();
    let o = t.run(&["install", "--scope", "project"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("not valid JSON"));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "{ \"model\": \"x\", // a comment\n}"
    );
}

#[test]
fn a_missing_policy_file_is_an_error() {
    let t = Tree::new("nopolicy");
    let o = t.run(&["install", "--scope", "project", "--policy", "nope.toml"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(!t.proj().join(".claude/settings.json").exists());
}

/// `settings-snippets/` and `hookguard install` describe the same registration: with the
/// binary at /usr/local/bin/hookguard, what install writes is the snippet's `hooks`.
#[test]
fn install_writes_what_the_settings_snippets_show() {
    let snippets = Path::new(env!("CARGO_MANIFEST_DIR")).join("settings-snippets");
    let t = Tree::new("snippets");
    let policy = t.0.join("org-policy.toml");
    std::fs::write(&policy, "").unwrap();
    let cases: &[(&str, &[&str], PathBuf)] = &[
        (
            "user.json",
            &["--scope", "user"],
            t.home().join(".claude/settings.json"),
        ),
        (
            "project.json",
            &["--scope", "project", "--profile", "production"],
            t.proj().join(".claude/settings.json"),
        ),
        (
            "managed-settings.json",
            &[
                "--scope",
                "managed",
                "--profile",
                "production",
                "--policy",
                policy.to_str().unwrap(),
            ],
            t.managed().join("managed-settings.json"),
        ),
    ];
    let exe = std::fs::canonicalize(BIN).unwrap();
    for (name, args, file) in cases {
        // The snippets show the registration and the hardening keys; `hookguard sandbox print`
        // shows the sandbox part, which is compiled from the policy in force.
        let mut a = vec!["install", "--no-sandbox"];
        a.extend_from_slice(args);
        let o = t.run(&a);
        assert!(o.status.success(), "{o:?}");
        let text = std::fs::read_to_string(file)
            .unwrap()
            .replace(exe.to_str().unwrap(), "/usr/local/bin/hookguard")
            .replace(policy.to_str().unwrap(), "/etc/hookguard/org-policy.toml")
            .replace(t.managed().to_str().unwrap(), "/etc/claude-code");
        let ours: Value = serde_json::from_str(&text).unwrap();
        let snippet = read(&snippets.join(name));
        assert_eq!(ours["hooks"], snippet["hooks"], "{name}");
        for key in [
            "allowManagedHooksOnly",
            "requiredMinimumVersion",
            "permissions",
        ] {
            assert_eq!(ours.get(key), snippet.get(key), "{name}: {key}");
        }
    }
}

#[test]
fn binary_names_a_stable_path() {
    let t = Tree::new("binary");
    let link = t.0.join("hookguard");
    std::os::unix::fs::symlink(BIN, &link).unwrap();
    let o = t.run(&[
        "install",
        "--scope",
        "project",
        "--binary",
        link.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{o:?}");
    let doc = read(&t.proj().join(".claude/settings.json"));
    assert_eq!(
        ours(&doc, "PreToolUse")[0]["command"],
        link.to_str().unwrap()
    );

    let o = t.run(&["install", "--scope", "project", "--binary", "hookguard"]);
    assert_eq!(o.status.code(), Some(2), "relative: {o:?}");
    let o = t.run(&[
        "install",
        "--scope",
        "project",
        "--binary",
        "/nonexistent/hookguard",
    ]);
    assert_eq!(o.status.code(), Some(2), "missing: {o:?}");
}

/// C19: install writes the sandbox settings for production and ci, only with `--sandbox` for
/// prototype, never with `--no-sandbox`; uninstall takes out exactly what install added and
/// keeps what the person had, even where it overlaps.
#[test]
fn sandbox_settings_follow_the_profile_and_uninstall_keeps_the_persons_own() {
    let t = Tree::new("sandbox");
    let settings = t.proj().join(".claude/settings.json");
    let original = json!({
        "sandbox": {"failIfUnavailable": true, "filesystem": {"denyRead": ["**/.env", "/data"]}},
        "permissions": {"deny": ["Bash(rm -rf *)"]}
    });
    write(&settings, &original);

    let o = t.run(&["install", "--scope", "project", "--profile", "prototype"]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        read(&settings)["sandbox"],
        original["sandbox"],
        "prototype: opt-in"
    );

    let o = t.run(&[
        "install",
        "--scope",
        "project",
        "--profile",
        "prototype",
        "--sandbox",
    ]);
    assert!(o.status.success(), "{o:?}");
    assert!(
        stdout(&o).contains("sandbox: the policy is compiled"),
        "{}",
        stdout(&o)
    );
    let doc = read(&settings);
    assert_eq!(doc["sandbox"]["enabled"], true);
    assert!(
        doc["sandbox"].get("allowUnsandboxedCommands").is_none(),
        "{doc}"
    );

    let o = t.run(&["install", "--scope", "project", "--profile", "ci"]);
    assert!(o.status.success(), "{o:?}");
    let doc = read(&settings);
    assert_eq!(doc["sandbox"]["allowUnsandboxedCommands"], false);
    assert_eq!(doc["sandbox"]["failIfUnavailable"], true);
    let deny_read: Vec<&str> = doc["sandbox"]["filesystem"]["denyRead"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        deny_read.iter().filter(|r| **r == "**/.env").count(),
        1,
        "{deny_read:?}"
    );
    assert!(deny_read.contains(&"~/.ssh"), "{deny_read:?}");
    assert!(
        doc["sandbox"]["filesystem"]["denyWrite"]
            .as_array()
            .unwrap()
            .contains(&json!("./.claude")),
        "{doc}"
    );
    let o = t.run(&["install", "--scope", "project", "--profile", "ci"]);
    assert!(stdout(&o).contains("already up to date"), "{}", stdout(&o));

    let o = t.run(&["uninstall", "--scope", "project"]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        read(&settings),
        original,
        "only what install added is taken out"
    );

    let o = t.run(&[
        "install",
        "--scope",
        "project",
        "--profile",
        "ci",
        "--no-sandbox",
    ]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(read(&settings)["sandbox"], original["sandbox"]);
}
