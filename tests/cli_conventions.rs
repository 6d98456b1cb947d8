//! Issue 18's command-line conventions, through the binary: `--since/--until` with offsets and
//! times before now, install backups outside the project, and `doctor` on two registrations
//! that differ.

use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_hookguard");

struct Tree(PathBuf);

impl Tree {
    fn new(name: &str) -> Tree {
        let root = std::env::temp_dir().join(format!("hg-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for d in ["home", "proj", "managed", "policy"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        Tree(root)
    }
    fn p(&self, d: &str) -> PathBuf {
        self.0.join(d)
    }
    /// `hookguard ARGS` with HOME in the tree and no other environment.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .env_clear()
            .env("HOME", self.p("home"))
            .env("PATH", "/usr/bin:/bin")
            .current_dir(self.p("proj"))
            .output()
            .unwrap()
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
        .map(String::from)
        .to_vec()
    }
    fn install(&self, extra: &[&str]) -> Output {
        let mut a = vec!["install"];
        a.extend_from_slice(extra);
        let roots = self.roots();
        a.extend(roots.iter().map(String::as_str));
        self.run(&a)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// Writes one audit record now and returns the log.
fn a_record(t: &Tree) -> PathBuf {
    let log = t.p("audit.jsonl");
    let ev = serde_json::json!({
        "hook_event_name": "PreToolUse", "session_id": "s", "tool_name": "Read",
        "tool_input": {"file_path": t.p("proj").join("README.md")}, "cwd": t.p("proj"),
    });
    let mut c = Command::new(BIN)
        .args(["hook", "--managed-dir"])
        .arg(t.p("policy"))
        .arg("--audit-log")
        .arg(&log)
        .env_clear()
        .env("HOME", t.p("home"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut c.stdin.take().unwrap(), ev.to_string().as_bytes()).unwrap();
    assert!(c.wait().unwrap().success());
    log
}

#[test]
fn since_and_until_take_offsets_and_times_before_now() {
    let t = Tree::new("since");
    let log = a_record(&t);
    let log = log.to_str().unwrap();
    let count = |args: &[&str]| -> usize {
        let mut a = vec!["audit", "export", "--format", "ecs"];
        a.extend_from_slice(args);
        a.push(log);
        let o = t.run(&a);
        assert!(o.status.success(), "{args:?}: {}", out(&o));
        String::from_utf8_lossy(&o.stdout).lines().count()
    };
    assert_eq!(count(&["--since", "1h"]), 1);
    assert_eq!(
        count(&["--since", "1d12h", "--until", "2000-01-01T00:00:00+01:00"]),
        0
    );
    assert_eq!(
        count(&["--until", "1h"]),
        0,
        "the record is newer than an hour ago"
    );
    // The same instant written with two offsets.
    assert_eq!(count(&["--since", "2000-01-01T05:30:00+05:30"]), 1);
    assert_eq!(count(&["--until", "2999-12-31T23:00:00-01:00"]), 1);
    let o = t.run(&["audit", "report", "--since", "7d", log]);
    assert!(o.status.success(), "{}", out(&o));
    for bad in ["yesterday", "2026-11-21T09:00:00", "1y"] {
        let o = t.run(&["audit", "export", "--format", "ecs", "--since", bad, log]);
        assert!(!o.status.success(), "{bad}");
        assert!(out(&o).contains("30m, 1h, 7d"), "{bad}: {}", out(&o));
    }
}

#[test]
fn install_keeps_its_backups_out_of_the_project() {
    let t = Tree::new("backups");
    let settings = t.p("proj/.claude/settings.json");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(&settings, "{\"model\": \"opus\"}\n").unwrap();
    let o = t.install(&["--scope", "project"]);
    assert!(o.status.success(), "{}", out(&o));
    let names: Vec<String> = std::fs::read_dir(t.p("proj/.claude"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["settings.json"], "nothing beside the settings");
    let backups = t.p("home/.local/state/hookguard/backups");
    let kept: Vec<PathBuf> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        std::fs::read_to_string(&kept[0]).unwrap(),
        "{\"model\": \"opus\"}\n"
    );
    let name = kept[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.contains("proj%.claude%settings.json.hookguard-backup-"),
        "{name}"
    );
    assert!(
        out(&o).contains(&kept[0].display().to_string()),
        "{}",
        out(&o)
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&backups).unwrap().permissions().mode() & 0o777,
        0o700
    );
    // In a git repository the project stays clean.
    if Command::new("git").arg("--version").output().is_ok() {
        let git = |args: &[&str]| {
            Command::new("git")
                .args(args)
                .current_dir(t.p("proj"))
                .env("HOME", t.p("home"))
                .output()
                .unwrap()
        };
        let _ = std::fs::remove_file(&settings);
        git(&["init", "-q"]);
        std::fs::write(&settings, "{}\n").unwrap();
        git(&["add", "-A"]);
        git(&[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "x",
        ]);
        let o = t.install(&["--scope", "project", "--profile", "ci"]);
        assert!(o.status.success(), "{}", out(&o));
        let status = String::from_utf8_lossy(&git(&["status", "--porcelain"]).stdout).into_owned();
        assert_eq!(status.trim(), "M .claude/settings.json", "{status}");
    }
}

fn doctor(t: &Tree) -> String {
    let policy = t.p("policy");
    let mut a: Vec<String> = vec!["doctor".into(), "--managed-dir".into()];
    a.push(policy.to_str().unwrap().into());
    a.extend(t.roots());
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    out(&t.run(&a))
}

#[test]
fn doctor_warns_when_two_different_registrations_both_run() {
    let t = Tree::new("doctor2");
    assert!(
        t.install(&["--scope", "user", "--profile", "production"])
            .status
            .success()
    );
    assert!(
        t.install(&["--scope", "project", "--profile", "ci"])
            .status
            .success()
    );
    let report = doctor(&t);
    let line = report
        .lines()
        .find(|l| l.contains("registrations differ"))
        .unwrap_or_else(|| panic!("no warning:\n{report}"));
    assert!(line.starts_with("warn"), "{line}");
    assert!(
        line.contains("user runs `") && line.contains("--profile production"),
        "{line}"
    );
    assert!(
        line.contains("project runs `") && line.contains("--profile ci"),
        "{line}"
    );

    // The same registration in two files is one: no warning.
    let t = Tree::new("doctor1");
    assert!(
        t.install(&["--scope", "user", "--profile", "ci"])
            .status
            .success()
    );
    assert!(
        t.install(&["--scope", "project", "--profile", "ci"])
            .status
            .success()
    );
    let report = doctor(&t);
    assert!(!report.contains("registrations differ"), "{report}");
}
