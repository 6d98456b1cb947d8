//! One audit record. Field order is fixed (it is the struct's order), which keeps the hashed
//! bytes stable and the log readable by eye.

use serde::Serialize;

/// What entered the model's context through a read: never the content itself.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ContextFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// One line of the audit log.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Record {
    pub ts: String,
    /// Position in the chain, from 1, continuing across rotated files. Filled in by `append`;
    /// a SIEM can spot a gap in what it received from it.
    pub seq: u64,
    pub event: String,
    pub session_id: Option<String>,
    pub prompt_id: Option<String>,
    pub tool_use_id: Option<String>,
    pub agent_id: Option<String>,
    pub agent_type: Option<String>,
    pub tool: Option<String>,
    /// `deny`, `ask`, `allow`, `defer`, `block` or `pass`.
    pub decision: String,
    pub rule: Option<String>,
    pub control: Option<String>,
    pub reason: Option<String>,
    /// Every rule that fired, as `rule=verdict`, most severe first.
    pub findings: Vec<String>,
    pub converted_from_ask: bool,
    pub profile: Option<String>,
    pub classification: Option<String>,
    pub permission_mode: Option<String>,
    pub cwd: Option<String>,
    pub project: Option<String>,
    pub user: Option<String>,
    pub host: Option<String>,
    /// The path, or the command with secrets redacted, cut to a bounded length.
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_file: Option<ContextFile>,
    /// What the content scanners found (`refused:<rule>`, `redacted:<rule>:<count>`): kinds
    /// and counts, never a value. Absent when empty, so older records hash as before.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub red_flags: Vec<String>,
    /// What the call does to files (ADR 0014), as `op path`: `write /p/CLAUDE.md`,
    /// `delete /p/build (recursive)`. Never content; bounded and redacted like the subject.
    /// Absent when empty, so older records hash as before.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub effects: Vec<String>,
    /// An event of the log itself (`event` `(audit)`): a rotation, a gap the hook found, a
    /// stall on the lock. Absent on every other record, so they hash as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainEvent>,
    pub input_sha256: Option<String>,
    pub policy_sha256: Option<String>,
    pub hookguard: &'static str,
    /// The id of the HMAC key when the chain is keyed. Filled in by `append`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Filled in by `append`.
    pub prev_hash: String,
}

/// The `event` of the log's own records.
pub const CHAIN_EVENT: &str = "(audit)";

/// What a record of the log itself says, in fields `audit verify` checks.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ChainEvent {
    /// `rotation`, `gap` or `lock-timeout`.
    pub kind: String,
    /// rotation: the file this one continues (its name when it was rotated); gap: the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// rotation: the last record of the rotated file; gap: the last record found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_hash: Option<String>,
    /// rotation: the rotated file's length; gap: the length of the log as found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// rotation: how many rotated files were kept, so `verify` knows which may be gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep: Option<u32>,
    /// gap: what the head recorded (absent when the head was missing or damaged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_bytes: Option<u64>,
    /// lock-timeout: when the call gave up, how long it waited, and who held the lock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waited_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
}

/// Longest subject kept in a record; the rest is replaced by a marker with the byte count.
pub const MAX_SUBJECT: usize = 2048;

/// Cuts a subject to [`MAX_SUBJECT`] bytes on a character boundary.
pub fn bounded(s: &str) -> String {
    bounded_beyond(s, 0)
}

/// [`bounded`] for `s`, the start of a longer text of which `beyond` more bytes were left out
/// before it got here (a huge command is redacted only as far as the record can keep).
pub fn bounded_beyond(s: &str, beyond: usize) -> String {
    if s.len() <= MAX_SUBJECT && beyond == 0 {
        return s.to_string();
    }
    let mut end = MAX_SUBJECT.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[{} more bytes]", &s[..end], s.len() - end + beyond)
}
