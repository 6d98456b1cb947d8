//! The audit trail: one JSON line per hook invocation, whatever the decision, chained by
//! SHA-256 (or HMAC-SHA256 with a key) so that an edited, deleted, reordered or inserted record
//! is detected.
//!
//! Last stage of the pipeline (`Decision ─┬─► output` / `└─► audit`). A record never holds file
//! contents or prompt text, only what the guidance asks a log to show: who, when, what was
//! attempted, what was decided and why, and which files entered the context (path, size and
//! digest).
//!
//! ```text
//! Record ─► Log::append (lock, head, chain, write, fsync?, rotate?) ─► audit.jsonl ─► syslog?
//!                                                                          │
//!                 audit verify ◄── audit.jsonl.N … .1, audit.jsonl ◄───────┤
//!                 audit export (OTLP JSON, Splunk HEC, ECS) ◄──────────────┤
//!                 audit report (text, JSON, HTML) ◄────────────────────────┘
//! ```

pub mod command;
pub mod export;
pub mod head;
pub mod html;
pub mod key;
pub mod log;
pub mod read;
pub mod record;
pub mod report;
pub mod settings;
pub mod syslog;
pub mod time;
pub mod verify;
pub mod when;

pub use key::ChainKey;
pub use log::{AuditError, Log, append, default_path};
pub use record::Record;
pub use settings::Settings;
pub use verify::{VerifyReport, verify};

/// `prev_hash` of the first record of a log.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Writes `record` to the log at `path` as `settings` say, then sends it to syslog if asked.
/// Returns a warning for stderr when the record is written but syslog could not take it.
pub fn write(
    path: &std::path::Path,
    settings: &Settings,
    record: &mut Record,
) -> Result<Option<String>, AuditError> {
    let appended = Log::new(path, settings)?.append(record)?;
    let mut warnings: Vec<String> = appended.warning.iter().cloned().collect();
    if let Some(socket) = &settings.syslog {
        let message = syslog::message(record, &appended.line, std::process::id());
        // The record is already written and chained: a syslog failure is reported, not fatal.
        if let Err(e) = syslog::send(socket, &message) {
            warnings.push(format!(
                "audit record {} written, but not sent to syslog `{}`: {e}",
                appended.seq,
                socket.display()
            ));
        }
    }
    Ok((!warnings.is_empty()).then(|| format!("warning: {}", warnings.join("; "))))
}
