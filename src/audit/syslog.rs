//! Sending each record to the local syslog daemon as RFC 5424, so rsyslog or journald carry it
//! to the department's SIEM with the rest of the machine's security logs.
//!
//! After `Log::append` (the local log is the record of truth): a record that cannot be sent is
//! a warning, never a refusal, because the record is already safely written and chained.
//!
//! ```text
//! <84>1 2026-11-21T22:05:09.123Z host hookguard 4242 deny [hookguard@32473 seq="12" …] {"ts":…}
//! ```
//! Facility `authpriv` (10): security and authorisation messages. Severity by decision:
//! `deny`/`block` warning (4), `ask` notice (5), everything else informational (6). The
//! enterprise number 32473 is the one RFC 5612 reserves for documentation; the SD-ID is
//! configurable in the receiving pipeline, not here.

use super::record::Record;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::Duration;

/// The structured-data id of hookguard's parameters.
pub const SD_ID: &str = "hookguard@32473";
const FACILITY_AUTHPRIV: u8 = 10;

/// The RFC 5424 message for `record`, whose sealed JSON line is `line`.
pub fn message(record: &Record, hash: &str, line: &str, pid: u32) -> String {
    let severity = match record.decision.as_str() {
        "deny" | "block" => 4,
        "ask" => 5,
        _ => 6,
    };
    let pri = FACILITY_AUTHPRIV * 8 + severity;
    let host = header_field(record.host.as_deref(), 255);
    let msgid = header_field(Some(&record.decision), 32);
    let mut sd = format!("[{SD_ID}");
    let mut param = |name: &str, value: Option<&str>| {
        if let Some(v) = value {
            sd.push_str(&format!(" {name}=\"{}\"", escape_param(v)));
        }
    };
    param("seq", Some(&record.seq.to_string()));
    param("event", Some(&record.event));
    param("decision", Some(&record.decision));
    param("rule", record.rule.as_deref());
    param("control", record.control.as_deref());
    param("tool", record.tool.as_deref());
    param("session", record.session_id.as_deref());
    param("profile", record.profile.as_deref());
    param("hash", Some(hash));
    sd.push(']');
    format!(
        "<{pri}>1 {} {host} hookguard {pid} {msgid} {sd} {}",
        record.ts,
        line.trim_end_matches('\n')
    )
}

/// A header field: printable US-ASCII without spaces, at most `max` characters, or `-`.
fn header_field(v: Option<&str>, max: usize) -> String {
    let s: String = v
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(max)
        .collect();
    if s.is_empty() { "-".into() } else { s }
}

/// RFC 5424 §6.3.3: `"`, `\` and `]` are escaped with a backslash.
fn escape_param(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        if matches!(c, '"' | '\\' | ']') {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

/// Sends one message to the datagram socket at `socket`, waiting at most 200 ms.
pub fn send(socket: &Path, message: &str) -> std::io::Result<()> {
    let s = UnixDatagram::unbound()?;
    s.set_write_timeout(Some(Duration::from_millis(200)))?;
    s.send_to(message.as_bytes(), socket)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_an_rfc_5424_message() {
        let r = Record {
            ts: "2026-11-21T22:05:09.123Z".into(),
            seq: 12,
            event: "PreToolUse".into(),
            decision: "deny".into(),
            rule: Some("files.excluded".into()),
            control: Some("PR-05".into()),
            host: Some("dev box".into()),
            session_id: Some("a\"b]c\\".into()),
            ..Record::default()
        };
        let m = message(&r, "ab", "{\"x\":1}\n", 42);
        assert_eq!(
            m,
            "<84>1 2026-11-21T22:05:09.123Z devbox hookguard 42 deny [hookguard@32473 seq=\"12\" event=\"PreToolUse\" decision=\"deny\" rule=\"files.excluded\" control=\"PR-05\" session=\"a\\\"b\\]c\\\\\" hash=\"ab\"] {\"x\":1}"
        );
    }
}
