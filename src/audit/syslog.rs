//! Sending each record to the local syslog daemon in the format every stock collector parses,
//! so rsyslog or journald carry it to the department's SIEM with the machine's security logs.
//!
//! After `Log::append` (the local log is the record of truth): a record that cannot be sent is
//! a warning, never a refusal, because the record is already safely written and chained.
//!
//! ```text
//! <84>Nov 21 22:05:09 hookguard[4242]: {"ts":"2026-11-21T22:05:09.123Z",…,"hash":"…"}
//! ```
//! This is what glibc's `syslog(3)` writes to `/dev/log` (RFC 3164 framing, no hostname on the
//! local socket), which is what the default parsers expect: rsyslog's `imuxsock` with its
//! special parser on, and journald's `/dev/log` socket, both take `hookguard` as the program
//! name (`$programname`, `SYSLOG_IDENTIFIER`) and the sealed JSON record, byte for byte, as the
//! message. The header time is the record's own time in UTC, to the second (the record carries
//! the milliseconds); collectors stamp local messages with their receive time by default.
//!
//! Facility `authpriv` (10): security and authorisation messages. Severity by decision:
//! `deny`/`block` warning (4), `ask`/`redact` notice (5), `allow`/`defer`/`pass` and anything
//! else informational (6).
//!
//! The hook never waits on the daemon for more than [`SEND_TIMEOUT`]: a daemon that is stopped
//! or whose queue is full costs a warning and a missed copy, not a slow tool call. The audit
//! log is the spool; a collector that tails it (imfile, filelog, Vector, Fluent Bit) loses
//! nothing (`settings-snippets/shippers/`).

use super::record::Record;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::Duration;

const FACILITY_AUTHPRIV: u8 = 10;

/// The longest the hook waits for the daemon's socket to take a message.
pub const SEND_TIMEOUT: Duration = Duration::from_millis(5);

/// Every decision label an audit record carries (`Record::decision`), for the shipper
/// configurations' severity maps (`tests/audit_shippers.rs` checks each covers them all).
pub const DECISIONS: [&str; 7] = ["deny", "block", "ask", "redact", "allow", "defer", "pass"];

/// The syslog severity for a decision label.
pub fn severity(decision: &str) -> u8 {
    match decision {
        "deny" | "block" => 4,
        "ask" | "redact" => 5,
        _ => 6,
    }
}

/// The message for `record`, whose sealed JSON line is `line`, from process `pid`.
pub fn message(record: &Record, line: &str, pid: u32) -> String {
    let pri = FACILITY_AUTHPRIV * 8 + severity(&record.decision);
    format!(
        "<{pri}>{} hookguard[{pid}]: {}",
        rfc3164_time(&record.ts),
        line.trim_end_matches('\n')
    )
}

/// `2026-11-01T22:05:09.123Z` → `Nov  1 22:05:09` (RFC 3164 §4.1.2: the day padded with a
/// space). A timestamp that is not RFC 3339 (it always is: the log writes it) gives the epoch's.
fn rfc3164_time(ts: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let b = ts.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<usize> {
        ts.get(r)
            .filter(|s| s.bytes().all(|c| c.is_ascii_digit()))?
            .parse()
            .ok()
    };
    let parsed = (|| {
        if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
            return None;
        }
        let month = MONTHS.get(num(5..7)?.checked_sub(1)?)?;
        let day = num(8..10)?;
        let clock = ts.get(11..19).filter(|c| {
            c.bytes().enumerate().all(|(i, x)| {
                if i == 2 || i == 5 {
                    x == b':'
                } else {
                    x.is_ascii_digit()
                }
            })
        })?;
        Some(format!("{month} {day:>2} {clock}"))
    })();
    parsed.unwrap_or_else(|| "Jan  1 00:00:00".into())
}

/// Sends one message to the datagram socket at `socket`, waiting at most [`SEND_TIMEOUT`].
pub fn send(socket: &Path, message: &str) -> std::io::Result<()> {
    let s = UnixDatagram::unbound()?;
    s.set_write_timeout(Some(SEND_TIMEOUT))?;
    s.send_to(message.as_bytes(), socket)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(decision: &str, ts: &str) -> Record {
        Record {
            ts: ts.into(),
            seq: 12,
            event: "PreToolUse".into(),
            decision: decision.into(),
            ..Record::default()
        }
    }

    #[test]
    fn formats_what_syslog_3_writes() {
        let m = message(
            &record("deny", "2026-11-21T22:05:09.123Z"),
            "{\"x\":1}\n",
            42,
        );
        assert_eq!(m, "<84>Nov 21 22:05:09 hookguard[42]: {\"x\":1}");
        let m = message(&record("ask", "2026-01-01T03:04:05.000Z"), "{}", 7);
        assert_eq!(m, "<85>Jan  1 03:04:05 hookguard[7]: {}");
    }

    #[test]
    fn every_decision_has_a_severity() {
        let want = [4, 4, 5, 5, 6, 6, 6];
        for (d, s) in DECISIONS.iter().zip(want) {
            assert_eq!(severity(d), s, "{d}");
        }
    }

    #[test]
    fn a_malformed_time_still_gives_a_header() {
        assert_eq!(rfc3164_time("yesterday"), "Jan  1 00:00:00");
        assert_eq!(rfc3164_time("2026-13-01T00:00:00Z"), "Jan  1 00:00:00");
        assert_eq!(rfc3164_time("2026-12-04T15:30:00Z"), "Dec  4 15:30:00");
    }

    #[test]
    fn a_stopped_daemon_costs_milliseconds_not_the_call() {
        let dir = std::env::temp_dir().join(format!("hg-syslog-full-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let sock = dir.join("log.sock");
        // A bound socket nobody reads: its queue fills, as a SIGSTOPped daemon's does.
        let _daemon = UnixDatagram::bind(&sock).unwrap();
        let big = "x".repeat(60_000);
        // How long each refused send waited (200 ms each before the bound).
        let mut waits = Vec::new();
        for _ in 0..100 {
            let t = std::time::Instant::now();
            if send(&sock, &big).is_err() {
                waits.push(t.elapsed());
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        assert!(waits.len() > 50, "the queue never filled: {}", waits.len());
        // The median, so that a busy machine's scheduling does not decide the test.
        waits.sort();
        let median = waits[waits.len() / 2];
        assert!(median < Duration::from_millis(50), "{median:?}");
    }
}
