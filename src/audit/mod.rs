//! The audit trail: one JSON line per hook invocation, whatever the decision, chained by
//! SHA-256 so that an edited, deleted, reordered or inserted record is detected.
//!
//! Last stage of the pipeline (`Decision ─┬─► output` / `└─► audit`). A record never holds file
//! contents or prompt text, only what the guidance asks a log to show: who, when, what was
//! attempted, what was decided and why, and which files entered the context (path, size and
//! digest).

pub mod log;
pub mod record;
pub mod time;
pub mod verify;

pub use log::{AuditError, append, default_path};
pub use record::Record;
pub use verify::{VerifyReport, verify};

/// `prev_hash` of the first record of a log.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
