//! `[audit] syslog` and the shipped rsyslog configuration, against a real rsyslogd (Debian
//! package `rsyslog`) in its stock parsing configuration: imuxsock with its default parser,
//! exactly as Debian's `/etc/rsyslog.conf` loads it, on a socket of the test's own instead of
//! `/dev/log`. A second rsyslogd plays the SIEM (imtcp on loopback), so what is checked is what
//! leaves the machine. `settings-snippets/shippers/rsyslog-hookguard.conf` is used as shipped,
//! with only the SIEM's address, the TLS lines and the log's location changed.

mod audit_support;

use audit_support::{Scratch, have_tool, hook, read_event, text, wait_for};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn rsyslogd() -> PathBuf {
    ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("rsyslogd"))
}

/// One rsyslogd, in the foreground, with its own configuration and work directory.
struct Rsyslog {
    child: Option<Child>,
    dir: PathBuf,
}

impl Rsyslog {
    fn start(dir: &Path, conf: &str) -> Rsyslog {
        std::fs::create_dir_all(dir.join("work")).unwrap();
        std::fs::write(dir.join("rsyslog.conf"), conf).unwrap();
        let mut r = Rsyslog {
            child: None,
            dir: dir.to_path_buf(),
        };
        r.restart();
        r
    }

    fn restart(&mut self) {
        assert!(self.child.is_none());
        let _ = std::fs::remove_file(self.dir.join("rsyslog.pid"));
        let child = Command::new(rsyslogd())
            .args(["-n", "-f"])
            .arg(self.dir.join("rsyslog.conf"))
            .arg("-i")
            .arg(self.dir.join("rsyslog.pid"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.dir.join("stderr")).unwrap())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let pid = self.dir.join("rsyslog.pid");
        assert!(
            wait_for(10, || pid.exists()),
            "rsyslogd did not start: {}",
            std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default()
        );
    }

    /// A clean stop (SIGTERM), as `systemctl stop rsyslog` does: queues are saved.
    fn stop(&mut self) {
        let mut c = self.child.take().expect("running");
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let _ = c.wait();
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A loopback port nobody is using now, and not handed to another test of this run (the
/// kernel may offer a port again once its listener is closed).
fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap();
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// The SIEM: receives RFC 5424 over TCP and writes `app-name|severity|msgid|msg` per record.
fn siem(dir: &Path, port: u16) -> Rsyslog {
    let d = dir.display();
    let r = Rsyslog::start(
        dir,
        &format!(
            r#"global(workDirectory="{d}/work")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="{port}")
template(name="fields" type="string" string="%app-name%|%syslogseverity%|%msgid%|%msg%\n")
*.* action(type="omfile" file="{d}/received.log" template="fields")
"#
        ),
    );
    assert!(
        wait_for(10, || std::net::TcpStream::connect(("127.0.0.1", port))
            .is_ok()),
        "the SIEM did not listen"
    );
    r
}

/// The shipped rsyslog configuration, pointed at the test's SIEM (plain TCP: the TLS lines
/// are the only ones left out) and at `log` for imfile.
fn shipped_conf(port: u16, log: &Path) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("settings-snippets/shippers/rsyslog-hookguard.conf");
    let t = std::fs::read_to_string(p).unwrap();
    let default = "/home/*/.local/state/hookguard/audit.jsonl*";
    assert!(t.contains(default));
    assert!(t.contains(r#"target="siem.example.gov.uk" port="6514""#));
    t.replace(default, &format!("{}*", log.display()))
        .replace(
            r#"target="siem.example.gov.uk" port="6514""#,
            &format!(r#"target="127.0.0.1" port="{port}""#),
        )
        .lines()
        .filter(|l| !l.trim_start().starts_with("StreamDriver"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The machine's rsyslog: Debian's stock settings that matter here (imuxsock with its default
/// parser, a work directory, auth.log), the shipped file included as from `/etc/rsyslog.d/`.
fn collector(dir: &Path, port: u16, log: &Path) -> Rsyslog {
    std::fs::create_dir_all(dir).unwrap();
    let shipped = dir.join("60-hookguard.conf");
    std::fs::write(&shipped, shipped_conf(port, log)).unwrap();
    let d = dir.display();
    let r = Rsyslog::start(
        dir,
        &format!(
            r#"module(load="imuxsock" SysSock.Name="{d}/log.sock")
global(workDirectory="{d}/work")
$IncludeConfig {d}/60-hookguard.conf
auth,authpriv.*                 {d}/auth.log
"#
        ),
    );
    assert!(
        wait_for(10, || dir.join("log.sock").exists()),
        "rsyslogd did not open its socket"
    );
    r
}

fn received(siem: &Path) -> Vec<String> {
    std::fs::read_to_string(siem.join("received.log"))
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

/// Every record line of `log` and its rotated files.
fn local_lines(log: &Path) -> Vec<String> {
    hookguard::audit::verify::log_set(log)
        .iter()
        .filter(|p| p.exists())
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn a_stock_rsyslog_forwards_records_by_program_name() {
    if !have_tool("rsyslogd") {
        return;
    }
    let s = Scratch::new("syslog");
    let port = free_port();
    let _siem = siem(&s.join("siem"), port);
    // imfile watches a log nobody writes: here the records come through the socket only.
    let _collector = collector(&s.join("rsyslog"), port, &s.join("elsewhere/audit.jsonl"));
    let sock = s.join("rsyslog/log.sock");
    let policy = s.policy(&format!(
        "[audit]\nsyslog = true\nsyslog-socket = \"{}\"\n",
        sock.display()
    ));
    let log = s.join("log/audit.jsonl");
    let args = ["--policy", policy.to_str().unwrap()];
    let read = read_event(&s, "sess-syslog");
    let env_read = read.replace("README.md", ".env");
    for event in [&read, &env_read] {
        let o = hook(&s, "production", &log, &args, event);
        assert!(o.status.code() == Some(0), "{}", text(&o.stderr));
        assert_eq!(text(&o.stderr), "", "no syslog warning");
    }
    assert!(
        wait_for(15, || received(&s.join("siem")).len() >= 2),
        "the SIEM did not receive both records: {:?}",
        std::fs::read_to_string(s.join("rsyslog/stderr"))
    );
    let local = local_lines(&log);
    let got = received(&s.join("siem"));
    assert_eq!(got.len(), 2, "{got:?}");
    for (i, (decision, severity)) in [("defer", "6"), ("deny", "4")].into_iter().enumerate() {
        let f: Vec<&str> = got[i].splitn(4, '|').collect();
        assert_eq!(f[0], "hookguard", "program name: {}", got[i]);
        assert_eq!(f[1], severity, "severity by decision: {}", got[i]);
        assert_eq!(f[2], decision, "MSGID: {}", got[i]);
        // The message is the sealed record, byte for byte, hash included.
        assert_eq!(f[3], local[i], "{}", got[i]);
    }
    // Forwarded and stopped: hookguard's records do not also fill auth.log.
    let auth = std::fs::read_to_string(s.join("rsyslog/auth.log")).unwrap_or_default();
    assert!(!auth.contains("hookguard"), "{auth}");
}

#[test]
fn imfile_loses_nothing_across_a_collector_restart_and_rotations() {
    if !have_tool("rsyslogd") {
        return;
    }
    let s = Scratch::new("imfile");
    let port = free_port();
    let log = s.join("log/audit.jsonl");
    let _siem = siem(&s.join("siem"), port);
    let mut collector = collector(&s.join("rsyslog"), port, &log);
    // Small files, so the log rotates several times, and while the collector is down.
    let policy = s.policy("[audit]\nrotate-bytes = 2500\nkeep = 50\n");
    let args = ["--policy", policy.to_str().unwrap()];
    let mut n = 0;
    let mut write = |count: usize| {
        for _ in 0..count {
            n += 1;
            let ev = read_event(&s, &format!("sess-{n}"));
            let ev = if n % 3 == 0 {
                ev.replace("README.md", ".env")
            } else {
                ev
            };
            let o = hook(&s, "production", &log, &args, &ev);
            assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        }
    };
    write(8);
    assert!(
        wait_for(15, || received(&s.join("siem")).len() >= 8),
        "the first records did not arrive"
    );
    collector.stop();
    write(12);
    collector.restart();
    write(8);
    let rotated = hookguard::audit::verify::log_set(&log)
        .iter()
        .filter(|p| p.exists())
        .count();
    assert!(rotated >= 4, "the log rotated only {rotated} times");
    let local = local_lines(&log);
    // One record per call, and each rotated file's successor opens with a rotation record.
    let calls = local
        .iter()
        .filter(|l| !l.contains("\"rule\":\"audit.rotated\""))
        .count();
    assert_eq!(calls, 28);
    assert!(local.len() > 28, "no rotation records");
    let all_arrived = || {
        let got: std::collections::HashSet<String> = received(&s.join("siem"))
            .into_iter()
            .filter_map(|l| l.splitn(4, '|').nth(3).map(String::from))
            .collect();
        local.iter().all(|l| got.contains(l))
    };
    assert!(
        wait_for(20, all_arrived),
        "records were lost: {} of {} arrived",
        received(&s.join("siem")).len(),
        local.len()
    );
    // What arrived is records as written (at least once), and nothing else (no sidecar).
    for line in received(&s.join("siem")) {
        let f: Vec<&str> = line.splitn(4, '|').collect();
        assert_eq!(f[0], "hookguard", "{line}");
        assert!(local.iter().any(|l| l == f[3]), "not a record: {line}");
        let r: serde_json::Value = serde_json::from_str(f[3]).unwrap();
        let want = match r["decision"].as_str().unwrap() {
            "deny" => "4",
            _ => "6",
        };
        assert_eq!(f[1], want, "{line}");
    }
}

#[test]
fn an_unreachable_syslog_warns_and_the_record_is_still_written() {
    let s = Scratch::new("nosyslog");
    let policy = s.policy(&format!(
        "[audit]\nsyslog = true\nsyslog-socket = \"{}\"\n",
        s.join("absent.sock").display()
    ));
    let log = s.join("log/audit.jsonl");
    let o = hook(
        &s,
        "production",
        &log,
        &["--policy", policy.to_str().unwrap()],
        &read_event(&s, "x"),
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stdout), "");
    assert!(
        text(&o.stderr).contains("not sent to syslog"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(audit_support::records(&log).len(), 1);
}

#[test]
fn a_stopped_syslog_daemon_does_not_hold_the_hook() {
    // A socket that is bound but never read, with a full queue: what a SIGSTOPped daemon is.
    let s = Scratch::new("stoppedsyslog");
    let sock = s.join("log.sock");
    let daemon = std::os::unix::net::UnixDatagram::bind(&sock).unwrap();
    daemon.set_nonblocking(true).unwrap();
    let filler = std::os::unix::net::UnixDatagram::unbound().unwrap();
    filler.set_nonblocking(true).unwrap();
    while filler.send_to(&[b'x'; 4096], &sock).is_ok() {}
    let policy = s.policy(&format!(
        "[audit]\nsyslog = true\nsyslog-socket = \"{}\"\n",
        sock.display()
    ));
    let log = s.join("log/audit.jsonl");
    let args = ["--policy", policy.to_str().unwrap()];
    let ev = read_event(&s, "x");
    // The same call without syslog, for the time a hook takes on this machine.
    let plain = s.join("plain.toml");
    std::fs::write(&plain, "[audit]\nsyslog = false\n").unwrap();
    let time = |args: &[&str]| {
        let t = std::time::Instant::now();
        let o = hook(&s, "production", &log, args, &ev);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        (t.elapsed(), o)
    };
    let mut base = std::time::Duration::MAX;
    let mut with = std::time::Duration::MAX;
    for _ in 0..3 {
        base = base.min(time(&["--policy", plain.to_str().unwrap()]).0);
        let (t, o) = time(&args);
        assert!(
            text(&o.stderr).contains("not sent to syslog"),
            "{}",
            text(&o.stderr)
        );
        with = with.min(t);
    }
    assert!(
        with < base + std::time::Duration::from_millis(100),
        "with a stopped daemon {with:?}, without syslog {base:?}"
    );
    drop(daemon);
}

#[test]
fn a_sigstopped_rsyslogd_does_not_hold_the_hook() {
    if !have_tool("rsyslogd") {
        return;
    }
    let s = Scratch::new("sigstop");
    let port = free_port();
    let _siem = siem(&s.join("siem"), port);
    let mut collector = collector(&s.join("rsyslog"), port, &s.join("elsewhere/audit.jsonl"));
    let sock = s.join("rsyslog/log.sock");
    let pid = collector.child.as_ref().unwrap().id().to_string();
    assert!(
        Command::new("kill")
            .args(["-STOP", &pid])
            .status()
            .unwrap()
            .success()
    );
    // Every thread stopped (state `T`) before the queue is filled, so nothing reads it after.
    let stopped = || {
        std::fs::read_dir(format!("/proc/{pid}/task")).is_ok_and(|rd| {
            rd.filter_map(Result::ok).all(|t| {
                std::fs::read_to_string(t.path().join("stat")).is_ok_and(|st| {
                    st.rsplit_once(") ")
                        .is_some_and(|(_, rest)| rest.starts_with('T'))
                })
            })
        })
    };
    assert!(wait_for(5, stopped), "rsyslogd did not stop");
    // Fill the stopped daemon's socket queue, as a busy machine would.
    let filler = std::os::unix::net::UnixDatagram::unbound().unwrap();
    filler.set_nonblocking(true).unwrap();
    let mut sent = 0;
    while filler
        .send_to(b"<14>Dec  4 12:00:00 filler: x", &sock)
        .is_ok()
    {
        sent += 1;
        assert!(sent < 1_000_000, "the queue never filled");
    }
    let policy = s.policy(&format!(
        "[audit]\nsyslog = true\nsyslog-socket = \"{}\"\n",
        sock.display()
    ));
    let log = s.join("log/audit.jsonl");
    let args = ["--policy", policy.to_str().unwrap()];
    let plain = s.join("plain.toml");
    std::fs::write(&plain, "[audit]\nsyslog = false\n").unwrap();
    let plain_args = ["--policy", plain.to_str().unwrap()];
    // The quickest of five calls each way, so that a busy machine does not decide the test.
    let (mut with, mut without) = (std::time::Duration::MAX, std::time::Duration::MAX);
    for i in 0..5 {
        let ev = read_event(&s, &format!("s{i}"));
        let t = std::time::Instant::now();
        let o = hook(&s, "production", &log, &args, &ev);
        with = with.min(t.elapsed());
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains("not sent to syslog"),
            "{}",
            text(&o.stderr)
        );
        let t = std::time::Instant::now();
        let o = hook(&s, "production", &log, &plain_args, &ev);
        without = without.min(t.elapsed());
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
    let _ = Command::new("kill").args(["-CONT", &pid]).status();
    // Every record is in the log, chained, whatever syslog did.
    assert_eq!(audit_support::records(&log).len(), 10);
    // Before the 5 ms bound each call waited 200 ms more than one without syslog.
    assert!(
        with < without + std::time::Duration::from_millis(100),
        "with a stopped rsyslogd {with:?}, without syslog {without:?}"
    );
    collector.stop();
}
