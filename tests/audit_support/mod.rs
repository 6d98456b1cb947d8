//! Helpers shared by the `audit_*` integration tests: scratch directories, the real binary,
//! hook events, and a tmpfs mount for real disk faults.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary under test: this build's, or `HOOKGUARD_TEST_BIN` (a release build, for the
/// benchmark script's full concurrency run).
pub fn bin() -> PathBuf {
    std::env::var_os("HOOKGUARD_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_hookguard")))
}

/// A scratch directory removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "hg-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(p.join("project")).unwrap();
        std::fs::create_dir_all(p.join("managed")).unwrap();
        Scratch(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
    /// Writes a policy file (a trusted `--policy` layer) and returns its path.
    pub fn policy(&self, text: &str) -> PathBuf {
        let p = self.join("policy.toml");
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A PreToolUse Read event in the scratch project.
pub fn read_event(s: &Scratch, session: &str) -> String {
    let project = s.join("project");
    serde_json::json!({
        "hook_event_name": "PreToolUse",
        "session_id": session,
        "tool_name": "Read",
        "tool_input": { "file_path": project.join("README.md") },
        "cwd": project,
    })
    .to_string()
}

/// Runs `hookguard hook` on `event` with the given profile, log and extra arguments.
pub fn hook(s: &Scratch, profile: &str, log: &Path, extra: &[&str], event: &str) -> Output {
    hook_via(&[], s, profile, log, extra, event)
}

/// As [`hook`], through a wrapper command (`setpriv --reuid=…` to run as another user).
pub fn hook_via(
    wrapper: &[&str],
    s: &Scratch,
    profile: &str,
    log: &Path,
    extra: &[&str],
    event: &str,
) -> Output {
    let mut cmd = match wrapper.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin());
            c
        }
        None => Command::new(bin()),
    };
    cmd.arg("hook")
        .arg("--profile")
        .arg(profile)
        .arg("--managed-dir")
        .arg(s.join("managed"))
        .arg("--audit-log")
        .arg(log)
        .args(extra)
        .env("HOME", s.path())
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_STATE_HOME")
        .env_remove("CLAUDE_PROJECT_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(event.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Runs `hookguard ARGS…` and returns its output.
pub fn hookguard(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// A tmpfs mounted for one test (needs root and mount rights); unmounted on drop.
pub struct Tmpfs(pub PathBuf);

impl Tmpfs {
    /// `None` (with a note on stderr) where this machine cannot mount one.
    pub fn mount(at: &Path, options: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("note: cannot mount a tmpfs here; the disk fault is not exercised");
            return None;
        }
        Some(Tmpfs(at.to_path_buf()))
    }
    pub fn remount(&self, options: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.0)
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount {options}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Every line of a log (and its rotated files, oldest first) as JSON.
pub fn records(log: &Path) -> Vec<serde_json::Value> {
    hookguard::audit::verify::log_set(log)
        .iter()
        .filter(|p| p.exists())
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whether an external program the test needs is installed. Missing is a skip (with a note)
/// on a developer's machine, and a failure where `HOOKGUARD_REQUIRE_TOOLS=1` (CI, after
/// `scripts/ci-deps.sh`).
pub fn have_tool(program: &str) -> bool {
    let found = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
            .any(|d| d.join(program).is_file())
    });
    if !found {
        assert!(
            std::env::var_os("HOOKGUARD_REQUIRE_TOOLS").is_none_or(|v| v != "1"),
            "`{program}` is required (HOOKGUARD_REQUIRE_TOOLS=1); run scripts/ci-deps.sh"
        );
        eprintln!("note: `{program}` is not installed; skipping (scripts/ci-deps.sh installs it)");
    }
    found
}

/// Waits up to `secs` for `f` to hold.
pub fn wait_for(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed().as_secs() < secs {
        if f() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    f()
}
