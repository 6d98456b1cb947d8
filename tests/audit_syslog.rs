//! `[audit] syslog`: every record also reaches a real rsyslog, started by the test on its own
//! socket, as RFC 5424 that rsyslog parses (app-name, msgid, structured data) with the sealed
//! JSON record as the message. Needs `rsyslogd` (Debian package `rsyslog`).

mod audit_support;

use audit_support::{Scratch, have_tool, hook, read_event, text, wait_for};
use std::process::{Child, Command, Stdio};

struct Rsyslog(Child);

impl Drop for Rsyslog {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_rsyslog(s: &Scratch) -> Rsyslog {
    let dir = s.join("rsyslog");
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.display();
    let conf = format!(
        r#"global(workDirectory="{d}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{d}/log.sock" UseSpecialParser="off" ParseHostname="on"
      RateLimit.Interval="0")
template(name="fields" type="string"
         string="%app-name%|%msgid%|%pri%|%structured-data%|%msg%\n")
*.* action(type="omfile" file="{d}/out.log" template="fields")
"#
    );
    std::fs::write(dir.join("rsyslog.conf"), conf).unwrap();
    let child = Command::new("rsyslogd")
        .args(["-n", "-f"])
        .arg(dir.join("rsyslog.conf"))
        .arg("-i")
        .arg(dir.join("rsyslog.pid"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let r = Rsyslog(child);
    assert!(
        wait_for(10, || dir.join("log.sock").exists()),
        "rsyslogd did not open its socket"
    );
    r
}

#[test]
fn records_reach_a_real_rsyslog_as_rfc_5424() {
    if !have_tool("rsyslogd") {
        return;
    }
    let s = Scratch::new("syslog");
    let _rsyslog = start_rsyslog(&s);
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
    let out = s.join("rsyslog/out.log");
    assert!(
        wait_for(10, || std::fs::read_to_string(&out)
            .is_ok_and(|t| t.lines().count() >= 2)),
        "rsyslog did not write both records"
    );
    let got = std::fs::read_to_string(&out).unwrap();
    let local: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let lines: Vec<&str> = got.lines().collect();
    for (i, (line, decision, pri)) in [(lines[0], "defer", "86"), (lines[1], "deny", "84")]
        .into_iter()
        .enumerate()
    {
        let f: Vec<&str> = line.splitn(5, '|').collect();
        assert_eq!(f[0], "hookguard", "{line}");
        assert_eq!(f[1], decision, "{line}");
        assert_eq!(f[2], pri, "authpriv, severity by decision: {line}");
        assert!(f[3].starts_with("[hookguard@32473 seq=\""), "{line}");
        assert!(f[3].contains(&format!("decision=\"{decision}\"")), "{line}");
        assert!(f[3].contains("session=\"sess-syslog\""), "{line}");
        // The message is the sealed record, byte for byte, hash included.
        assert_eq!(f[4].trim_start(), local[i], "{line}");
    }
    assert!(lines[1].contains("rule=\"files.excluded\""), "{}", lines[1]);
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
