//! `Settings`: how the audit log is written, as the policy's `[audit]` section decided it.
//!
//! Built by `policy::merge` from the trusted layers (managed and `--policy`); `Log` reads it on
//! every append. The defaults are the ones documented in `docs/audit.md`.

use std::path::PathBuf;
use std::time::Duration;

/// Size at which the live log is rotated, unless the policy says otherwise (64 MiB).
pub const DEFAULT_ROTATE_BYTES: u64 = 64 * 1024 * 1024;
/// Rotated files kept beside the live log, unless the policy says otherwise.
pub const DEFAULT_KEEP: u32 = 9;
/// How long an append waits for another hook process to release the lock.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(3);
/// The local syslog daemon's socket.
pub const DEFAULT_SYSLOG_SOCKET: &str = "/dev/log";

/// The audit log's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `fsync` (strictly `fdatasync`) each record before the decision is returned.
    pub fsync: bool,
    /// Rotate the live log once it reaches this many bytes; `0` never rotates.
    pub rotate_bytes: u64,
    /// How many rotated files (`audit.jsonl.1` … `audit.jsonl.N`) are kept.
    pub keep: u32,
    /// A root-only file holding the key of the HMAC-SHA256 chain.
    pub hmac_key: Option<PathBuf>,
    /// Also send every record to this syslog socket (`syslog(3)` framing).
    pub syslog: Option<PathBuf>,
    pub lock_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            fsync: false,
            rotate_bytes: DEFAULT_ROTATE_BYTES,
            keep: DEFAULT_KEEP,
            hmac_key: None,
            syslog: None,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }
}

impl Settings {
    /// The settings a merged `[audit]` section asks for, defaults elsewhere.
    pub fn from_section(a: &crate::policy::file::AuditSection) -> Settings {
        let d = Settings::default();
        Settings {
            fsync: a.fsync.unwrap_or(d.fsync),
            rotate_bytes: a.rotate_bytes.unwrap_or(d.rotate_bytes),
            keep: a.keep.unwrap_or(d.keep),
            hmac_key: a.hmac_key.as_deref().map(PathBuf::from),
            syslog: a.syslog.unwrap_or(false).then(|| {
                PathBuf::from(a.syslog_socket.as_deref().unwrap_or(DEFAULT_SYSLOG_SOCKET))
            }),
            lock_timeout: a
                .lock_timeout_ms
                .map_or(d.lock_timeout, Duration::from_millis),
        }
    }
}

/// The settings as `[audit]` TOML lines, for `policy check`.
pub fn policy_text(s: &Settings) -> String {
    let mut t = format!(
        "fsync = {}\nrotate-bytes = {}\nkeep = {}\nlock-timeout-ms = {}\n",
        s.fsync,
        s.rotate_bytes,
        s.keep,
        s.lock_timeout.as_millis()
    );
    if let Some(k) = &s.hmac_key {
        t.push_str(&format!("hmac-key = {:?}\n", k.display().to_string()));
    }
    t.push_str(&format!("syslog = {}\n", s.syslog.is_some()));
    if let Some(sock) = &s.syslog {
        t.push_str(&format!(
            "syslog-socket = {:?}\n",
            sock.display().to_string()
        ));
    }
    t
}
