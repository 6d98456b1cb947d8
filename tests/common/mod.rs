//! Helpers for the tests that run the real `hookguard` binary.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    /// The decision JSON, asserting stdout holds exactly one JSON object on one line.
    pub fn json(&self) -> serde_json::Value {
        let lines: Vec<&str> = self.stdout.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "one line of stdout expected: {:?}",
            self.stdout
        );
        assert!(
            lines[0].starts_with('{'),
            "stdout starts with {{: {:?}",
            self.stdout
        );
        serde_json::from_str(lines[0]).expect("stdout is JSON")
    }

    /// The PreToolUse permission decision, or `defer` for empty stdout.
    pub fn decision(&self) -> String {
        if self.stdout.is_empty() {
            return "defer".into();
        }
        let v = self.json();
        assert_eq!(
            v["hookSpecificOutput"]["hookEventName"], "PreToolUse",
            "{v}"
        );
        v["hookSpecificOutput"]["permissionDecision"]
            .as_str()
            .expect("permissionDecision")
            .to_string()
    }
}

/// A scratch directory with `home/` and `proj/`, removed on drop.
pub struct Scratch {
    pub root: PathBuf,
}

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "hg-it-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("home")).unwrap();
        std::fs::create_dir_all(root.join("proj")).unwrap();
        Scratch { root }
    }
    pub fn home(&self) -> PathBuf {
        self.root.join("home")
    }
    pub fn proj(&self) -> PathBuf {
        self.root.join("proj")
    }
    pub fn audit(&self) -> PathBuf {
        self.root.join("state/audit.jsonl")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_hookguard")
}

/// Runs `hookguard ARGS` with `input` on stdin, in a clean environment rooted at `home`.
pub fn run(args: &[&str], input: &[u8], home: &Path, extra_env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("USER", "tester")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn hookguard");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        // The guard may stop reading early (oversized input): a broken pipe is expected then.
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// Runs `hookguard hook` with the scratch's audit log and no managed policy.
pub fn hook(s: &Scratch, extra_args: &[&str], event: &str) -> Run {
    let audit = s.audit();
    let managed = s.root.join("no-managed");
    let mut args = vec![
        "hook",
        "--audit-log",
        audit.to_str().unwrap(),
        "--managed-dir",
        managed.to_str().unwrap(),
    ];
    args.extend_from_slice(extra_args);
    run(&args, event.as_bytes(), &s.home(), &[])
}

/// The audit records written so far.
pub fn records(s: &Scratch) -> Vec<serde_json::Value> {
    std::fs::read_to_string(s.audit())
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
        .collect()
}
