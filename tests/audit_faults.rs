//! Fail-closed behaviour of `hookguard hook` when its audit record cannot be written, with
//! real faults: a read-only file system (or directory), a full file system, and the log's lock
//! held by another process. Production and ci answer deny and exit 2 naming the cause;
//! prototype keeps its decision and warns on stderr. Stdout never carries the warning.

mod audit_support;

use audit_support::{Scratch, Tmpfs, hook_via, is_root, read_event, text};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

fn hook(
    s: &Scratch,
    profile: &str,
    log: &Path,
    extra: &[&str],
    event: &str,
) -> std::process::Output {
    audit_support::hook(s, profile, log, extra, event)
}

/// Checks the answers of the three profiles to a call whose record cannot be written.
fn assert_fails_closed(s: &Scratch, log: &Path, extra: &[&str], cause: &str) {
    assert_fails_closed_via(&[], s, log, extra, cause);
}

/// As [`assert_fails_closed`], running the hook through `wrapper`.
fn assert_fails_closed_via(wrapper: &[&str], s: &Scratch, log: &Path, extra: &[&str], cause: &str) {
    let hook = |s: &Scratch, profile: &str, log: &Path, extra: &[&str], event: &str| {
        hook_via(wrapper, s, profile, log, extra, event)
    };
    let event = read_event(s, "fault");
    for profile in ["production", "ci"] {
        let o = hook(s, profile, log, extra, &event);
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert_eq!(o.status.code(), Some(2), "{profile}: {out} {err}");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        let answer = &v["hookSpecificOutput"];
        assert_eq!(answer["permissionDecision"], "deny", "{profile}: {out}");
        let reason = answer["permissionDecisionReason"].as_str().unwrap();
        assert!(
            reason.contains("audit record could not be written"),
            "{reason}"
        );
        assert!(
            reason.contains(cause),
            "{profile}: expected `{cause}` in {reason}"
        );
        assert!(err.contains(cause), "{profile}: {err}");
    }
    let o = hook(s, "prototype", log, extra, &event);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "prototype: {out} {err}");
    // The Read in the project is deferred: empty stdout, the warning on stderr only.
    assert_eq!(out, "", "prototype stdout");
    assert!(
        err.contains("warning") && err.contains(cause),
        "prototype: {err}"
    );
}

#[test]
fn a_read_only_log_directory_fails_closed() {
    let s = Scratch::new("ro");
    let dir = s.join("ro");
    // Held until the end of the test.
    let _mounted = if is_root() {
        // Root writes through permission bits, so the fault is a read-only file system.
        let Some(fs) = Tmpfs::mount(&dir, "size=1m,mode=0700") else {
            return;
        };
        fs.remount("ro");
        Some(fs)
    } else {
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
        None
    };
    let cause = if is_root() {
        "Read-only file system"
    } else {
        "Permission denied"
    };
    assert_fails_closed(&s, &dir.join("audit.jsonl"), &[], cause);
}

#[test]
fn a_full_file_system_fails_closed_and_leaves_the_chain_intact() {
    if !is_root() {
        eprintln!("note: not root; cannot mount a small tmpfs, the full-disk fault is skipped");
        return;
    }
    let s = Scratch::new("full");
    let Some(fs) = Tmpfs::mount(&s.join("mnt"), "size=32k,mode=0700") else {
        return;
    };
    let log = fs.0.join("audit.jsonl");
    let event = read_event(&s, "fill");
    assert_eq!(
        hook(&s, "production", &log, &[], &event).status.code(),
        Some(0)
    );
    let mut filler = std::fs::File::create(fs.0.join("filler")).unwrap();
    while std::io::Write::write_all(&mut filler, &[b'x'; 1024]).is_ok() {}
    drop(filler);
    // Use up the slack in the log's last page too, with records that still fit.
    for _ in 0..8 {
        hook(&s, "prototype", &log, &[], &event);
    }
    assert_fails_closed(&s, &log, &[], "No space left on device");
    let o = audit_support::hookguard(&["audit", "verify", log.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
}

#[test]
fn a_lock_held_by_another_process_times_out_fails_closed_and_is_recorded() {
    let s = Scratch::new("lock");
    // Where doctor looks for the user's log (HOME is the scratch directory).
    let log = s.join(".local/state/hookguard/audit.jsonl");
    let policy = s.policy("[audit]\nlock-timeout-ms = 200\n");
    let policy = policy.to_str().unwrap();
    let event = read_event(&s, "lock");
    let o = hook(&s, "production", &log, &["--policy", policy], &event);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // flock(1) takes the same flock(2) lock the guard uses, in another process; --no-fork so
    // that killing it releases the lock.
    let sidecar = hookguard::audit::log::head_path(&log);
    let mut holder = Command::new("flock")
        .args(["--exclusive", "--no-fork"])
        .arg(&sidecar)
        .args(["sleep", "60"])
        .stdout(Stdio::null())
        .spawn()
        .expect("flock(1) from util-linux");
    let f = std::fs::File::open(&sidecar).unwrap();
    let start = std::time::Instant::now();
    while f.try_lock_shared().is_ok() {
        f.unlock().unwrap();
        assert!(start.elapsed().as_secs() < 20, "flock never took the lock");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // flock(1) takes the lock, then becomes `sleep`: wait for that, so the records name it.
    let comm = format!("/proc/{}/comm", holder.id());
    while std::fs::read_to_string(&comm).unwrap_or_default().trim() != "sleep" {
        assert!(start.elapsed().as_secs() < 20, "flock never ran sleep");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_fails_closed(
        &s,
        &log,
        &["--policy", policy],
        "held the lock for more than 200 ms",
    );
    holder.kill().unwrap();
    holder.wait().unwrap();
    // Released: the next call is recorded again, on the same chain, after a record of each
    // call that gave up (production, ci, prototype), naming what held the lock.
    let o = hook(&s, "production", &log, &["--policy", policy], &event);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v = audit_support::records(&log);
    assert_eq!(v.len(), 5, "{v:?}");
    // The holder is read from /proc/locks when the wait gives up: named where it was found (on
    // a loaded machine one lookup in a CI run came back empty), and found at least once.
    let mut named = 0;
    for r in &v[1..4] {
        assert_eq!(r["rule"], "audit.lock-timeout", "{r}");
        assert_eq!(r["chain"]["waited_ms"], 200, "{r}");
        if let Some(h) = r["chain"]["holder"].as_str() {
            assert!(h.contains("(sleep)"), "{r}");
            named += 1;
        }
        assert_eq!(r["session_id"], "fault");
    }
    assert!(named > 0, "no record names what held the lock: {v:?}");
    for w in v.windows(2) {
        assert_eq!(w[1]["prev_hash"], w[0]["hash"]);
    }
    let o = audit_support::hookguard(&["audit", "verify", log.to_str().unwrap()]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_eq!(out.matches("stall: ").count(), 3, "{out}");
    // doctor reports it.
    let o = audit_support::hookguard(&[
        "doctor",
        "--home",
        s.path().to_str().unwrap(),
        "--project",
        s.join("project").to_str().unwrap(),
        "--managed-settings-dir",
        s.join("managed-settings").to_str().unwrap(),
        "--managed-dir",
        s.join("managed").to_str().unwrap(),
    ]);
    let out = text(&o.stdout);
    let line = out
        .lines()
        .find(|l| l.contains("audit lock:"))
        .unwrap_or_else(|| panic!("no audit lock line in {out}"));
    assert!(
        line.starts_with("warn") && line.contains("3 call(s)") && line.contains("(sleep)"),
        "{line}"
    );
}

#[test]
fn a_symlinked_log_fails_closed() {
    let s = Scratch::new("symlink");
    std::fs::write(s.join("decoy"), "").unwrap();
    let log = s.join("audit.jsonl");
    std::os::unix::fs::symlink(s.join("decoy"), &log).unwrap();
    assert_fails_closed(&s, &log, &[], "symbolic link");
    assert_eq!(std::fs::read_to_string(s.join("decoy")).unwrap(), "");
}

#[test]
fn the_hook_keys_its_chain_with_a_root_only_key_and_refuses_an_exposed_one() {
    let s = Scratch::new("hmac-hook");
    let key = s.join("audit.key");
    std::fs::write(&key, "0123456789abcdef0123456789abcdef\n").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let policy = s.policy(&format!("[audit]\nhmac-key = \"{}\"\n", key.display()));
    let args = ["--policy", policy.to_str().unwrap()];
    let log = s.join("log/audit.jsonl");
    let event = read_event(&s, "keyed");
    if is_root() {
        // Root-owned and 0600: the records are keyed, and verify needs the key.
        for _ in 0..3 {
            let o = hook(&s, "production", &log, &args, &event);
            assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        }
        let verify = |extra: &[&str]| {
            let mut a = vec!["audit", "verify"];
            a.extend_from_slice(extra);
            a.push(log.to_str().unwrap());
            audit_support::hookguard(&a).status.code()
        };
        assert_eq!(verify(&["--key", key.to_str().unwrap()]), Some(0));
        assert_eq!(verify(&[]), Some(1));
        assert!(
            audit_support::records(&log)
                .iter()
                .all(|r| r["key_id"].is_string())
        );
    }
    // Readable by others: the key may have leaked, so the chain cannot be trusted.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_fails_closed(&s, &log, &args, "readable by no one else");
}

#[test]
fn a_log_directory_the_user_cannot_write_fails_closed() {
    if !is_root() {
        // Covered by the 0500 directory in `a_read_only_log_directory_fails_closed`.
        return;
    }
    if !audit_support::have_tool("setpriv") {
        return;
    }
    // The log directory belongs to root (0700); the hook runs as `nobody`: EACCES.
    let s = Scratch::new("eacces");
    let dir = s.join("rootonly");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let nobody = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ];
    assert_fails_closed_via(
        &nobody,
        &s,
        &dir.join("audit.jsonl"),
        &[],
        "Permission denied",
    );
}

#[test]
fn large_events_are_decided_where_no_thread_can_be_started() {
    // A large event is hashed, and its content scanned, on a second thread; a process limit
    // (RLIMIT_NPROC, here 1 for a user with no other process) can forbid threads. The hook
    // then does that work on its one thread: the same answer and the same digest, not a panic
    // and a blanket refusal.
    if !is_root() || !audit_support::have_tool("setpriv") || !audit_support::have_tool("prlimit") {
        return;
    }
    let s = Scratch::new("nproc");
    let dir = s.join("log");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let log = dir.join("audit.jsonl");
    let project = s.join("project");
    let event = |content: &str| {
        serde_json::json!({
            "hook_event_name": "PreToolUse", "session_id": "nproc", "tool_name": "Write",
            "tool_input": { "file_path": project.join("big.rs"), "content": content },
            "cwd": project,
        })
        .to_string()
    };
    let nobody = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "prlimit",
        "--nproc=1",
    ];
    let last_record = || -> serde_json::Value {
        let log = std::fs::read_to_string(&log).unwrap();
        serde_json::from_str(log.lines().last().unwrap()).unwrap()
    };
    let big = "fn main() { let x = compute(42); }\n".repeat(12_000);
    let clean = event(&big);
    let o = hook_via(&nobody, &s, "prototype", &log, &[], &clean);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "", "{}", text(&o.stderr));
    assert_eq!(
        last_record()["input_sha256"],
        hookguard::digest::sha256_hex(clean.as_bytes())
    );

    let token = ["ghp_", "R7kQ2mZ9xW4vB8nT1cY6", "pL3sD5fG0hJ2aE9u"].concat();
    let o = hook_via(
        &nobody,
        &s,
        "prototype",
        &log,
        &[],
        &event(&format!("{big}const T: &str = \"{token}\";\n")),
    );
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        out.contains("\"deny\"") && out.contains("secret (GitHub token)"),
        "{out}"
    );
    assert_eq!(last_record()["rule"], "secrets.github-token");
}

/// Runs `hookguard hook` without `--audit-log`, so that the log is where the policy says.
fn hook_configured(s: &Scratch, extra: &[&str], event: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(audit_support::bin())
        .args(["hook", "--profile", "production", "--managed-dir"])
        .arg(s.join("managed"))
        .args(extra)
        .env("HOME", s.path())
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_STATE_HOME")
        .env_remove("CLAUDE_PROJECT_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(event.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn failure_records_go_to_the_configured_log_keyed_with_the_configured_key() {
    let s = Scratch::new("failcfg");
    let log = s.join("configured/audit.jsonl");
    let key = s.join("audit.key");
    std::fs::write(&key, "0123456789abcdef0123456789abcdef\n").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    // The key is trusted only when root owns it: elsewhere the location alone is checked.
    let keyed = is_root();
    let audit = if keyed {
        format!(
            "[audit]\nlog = \"{}\"\nhmac-key = \"{}\"\n",
            log.display(),
            key.display()
        )
    } else {
        format!("[audit]\nlog = \"{}\"\n", log.display())
    };
    let policy = s.join("policy.toml");
    let args = ["--policy", policy.to_str().unwrap()];
    let event = read_event(&s, "failcfg");
    let cases: &[(&str, String, &str, &str)] = &[
        ("valid", audit.clone(), &event, ""),
        (
            "unreadable event",
            audit.clone(),
            "{not json",
            "input.unusable",
        ),
        (
            "TOML that does not parse after [audit]",
            format!("{audit}[files]\nread-roots = [\n"),
            &event,
            "policy.unloadable",
        ),
        (
            "TOML that does not parse before [audit]",
            format!("profile = \n{audit}"),
            &event,
            "policy.unloadable",
        ),
        (
            "an invalid value",
            format!("profile = \"nonsense\"\n{audit}"),
            &event,
            "policy.unloadable",
        ),
    ];
    for (name, text_of_policy, ev, rule) in cases {
        std::fs::write(&policy, text_of_policy).unwrap();
        let o = hook_configured(&s, &args, ev);
        let want = if rule.is_empty() { 0 } else { 2 };
        assert_eq!(o.status.code(), Some(want), "{name}: {}", text(&o.stderr));
        let v = audit_support::records(&log);
        let last = v
            .last()
            .unwrap_or_else(|| panic!("{name}: nothing in {}", log.display()));
        if !rule.is_empty() {
            assert_eq!(last["rule"], *rule, "{name}");
            assert_eq!(last["decision"], "deny", "{name}");
        }
        assert_eq!(last["key_id"].is_string(), keyed, "{name}: {last}");
    }
    // Nothing went to the default location, and the keyed chain is whole.
    assert!(!s.join(".local/state/hookguard/audit.jsonl").exists());
    let mut verify = vec!["audit", "verify"];
    if keyed {
        verify.extend_from_slice(&["--key", key.to_str().unwrap()]);
    }
    verify.push(log.to_str().unwrap());
    let o = audit_support::hookguard(&verify);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("5 records"), "{}", text(&o.stdout));
}

/// Runs `program args…`, killing it if it has not finished within `secs`.
fn run_within(secs: u64, program: &std::path::Path, args: &[&str]) -> std::process::Output {
    let child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output().unwrap()));
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(o) => o,
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("`{} {args:?}` hung", program.display());
        }
    }
}

#[test]
fn a_fifo_in_place_of_the_head_or_the_log_is_refused_never_waited_on() {
    let s = Scratch::new("fifo");
    let log = s.join("audit.jsonl");
    let event = read_event(&s, "fifo");
    assert_eq!(
        hook(&s, "production", &log, &[], &event).status.code(),
        Some(0)
    );
    let head = hookguard::audit::log::head_path(&log);
    std::fs::remove_file(&head).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(&head)
            .status()
            .unwrap()
            .success()
    );
    let bin = audit_support::bin();
    let o = run_within(20, &bin, &["audit", "verify", log.to_str().unwrap()]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("not a regular file"), "{out}");
    // The hook neither waits on it: production and ci refuse, prototype warns.
    assert_fails_closed_via(&["timeout", "20"], &s, &log, &[], "not a regular file");
    // The log itself a FIFO: verify cannot read it (exit 2), at once.
    std::fs::remove_file(&head).unwrap();
    std::fs::remove_file(&log).unwrap();
    assert!(Command::new("mkfifo").arg(&log).status().unwrap().success());
    let o = run_within(20, &bin, &["audit", "verify", log.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("not a regular file"));
}

#[test]
fn a_head_that_cannot_be_written_leaves_the_record_saying_what_was_answered() {
    if !is_root() {
        eprintln!("note: not root; cannot mount a small tmpfs, the head-write fault is skipped");
        return;
    }
    let s = Scratch::new("headfail");
    let Some(fs) = Tmpfs::mount(&s.join("mnt"), "size=64k,mode=0700") else {
        return;
    };
    let log = fs.0.join("audit.jsonl");
    let event = read_event(&s, "headfail");
    assert_eq!(
        hook(&s, "production", &log, &[], &event).status.code(),
        Some(0)
    );
    let fill = |name: &str| {
        let mut f = std::fs::File::create(fs.0.join(name)).unwrap();
        while std::io::Write::write_all(&mut f, &[b'x'; 1024]).is_ok() {}
    };
    fill("filler");
    // Free the head's page and use it up again: the next head cannot be written, while the
    // log's last page still has room for the records.
    std::fs::write(hookguard::audit::log::head_path(&log), "").unwrap();
    fill("filler2");
    let o = hook(&s, "production", &log, &[], &event);
    let err = text(&o.stderr);
    // The record is written, so the answer is the decision it records (the Read is
    // deferred), with a warning; never a refusal recorded as a deferral.
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(text(&o.stdout), "", "{err}");
    assert!(
        err.contains("could not be written") && err.contains("No space left"),
        "{err}"
    );
    let v = audit_support::records(&log);
    assert_eq!(v.last().unwrap()["decision"], "defer");
    assert_eq!(v.last().unwrap()["session_id"], "headfail");
}

#[test]
fn a_hook_call_after_the_tail_was_cut_records_the_gap_and_verify_reports_it() {
    // Issue 16: an in-place truncation followed by one more call used to re-seed the head
    // from the truncated log, and the log verified. The call now goes ahead as decided, and
    // the chain holds a gap record naming what the head said.
    let s = Scratch::new("cut");
    let log = s.join("audit.jsonl");
    let event = read_event(&s, "cut");
    for _ in 0..3 {
        assert_eq!(
            hook(&s, "production", &log, &[], &event).status.code(),
            Some(0)
        );
    }
    let text_before = std::fs::read_to_string(&log).unwrap();
    let keep: Vec<&str> = text_before.lines().take(2).collect();
    std::fs::write(&log, keep.join("\n") + "\n").unwrap();
    let o = hook(&s, "production", &log, &[], &event);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v = audit_support::records(&log);
    assert_eq!(v.len(), 4);
    assert_eq!(v[2]["rule"], "audit.gap");
    assert_eq!(v[2]["chain"]["head_seq"], 3);
    assert_eq!(v[2]["chain"]["last_seq"], 2);
    assert_eq!(v[2]["seq"], 4, "seq never goes back");
    let o = audit_support::hookguard(&["audit", "verify", log.to_str().unwrap()]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(":3: chain broken") && out.contains("gap"),
        "{out}"
    );
}
