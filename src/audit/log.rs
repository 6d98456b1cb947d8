//! Appending to the audit log: one `write` per record, under an exclusive file lock, extending
//! the hash chain from the log's last line.
//!
//! Claude Code runs hooks for parallel tool calls and subagents at the same time, so appends
//! are serialised with an OS lock on the log itself; the chain head is read back from the tail
//! of the file under that same lock (a bounded read from the end, never the whole log).

use super::GENESIS;
use super::record::Record;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long an append waits for another hook process to release the lock.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(3);

/// How much of the log's end is read to find the last record. Records are bounded (subjects
/// are cut to 2 KiB), so the last line always fits.
const TAIL: u64 = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log `{path}`: {message}")]
    Io { path: String, message: String },
    #[error("audit log `{path}` is a symbolic link; refusing to follow it")]
    Symlink { path: String },
    #[error("audit log `{path}`: another process held the lock for more than {secs} s")]
    LockTimeout { path: String, secs: u64 },
    #[error("no audit log location: set --audit-log, XDG_STATE_HOME or HOME")]
    NoLocation,
}

fn io(path: &Path, e: impl std::fmt::Display) -> AuditError {
    AuditError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// `$XDG_STATE_HOME/hookguard/audit.jsonl`, else `~/.local/state/hookguard/audit.jsonl`.
pub fn default_path(xdg_state_home: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    match (xdg_state_home, home) {
        (Some(x), _) if x.is_absolute() => Some(x.join("hookguard").join("audit.jsonl")),
        (_, Some(h)) => Some(h.join(".local/state/hookguard/audit.jsonl")),
        _ => None,
    }
}

/// Appends `record` to the log at `path`, filling in `prev_hash`; returns the record's hash.
pub fn append(path: &Path, record: &mut Record) -> Result<String, AuditError> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.exists()
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| io(dir, e))?;
    }
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(AuditError::Symlink {
            path: path.display().to_string(),
        });
    }
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io(path, e))?;
    lock(&file, path)?;
    let result = (|| {
        record.prev_hash = last_hash(&mut file).map_err(|e| io(path, e))?;
        let (line, hash) = seal(record).map_err(|e| io(path, e))?;
        // One write of the whole line: with O_APPEND and the lock, records never interleave.
        file.write_all(line.as_bytes()).map_err(|e| io(path, e))?;
        Ok(hash)
    })();
    let _ = file.unlock();
    result
}

fn lock(file: &File, path: &Path) -> Result<(), AuditError> {
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) => {
                if start.elapsed() > LOCK_TIMEOUT {
                    return Err(AuditError::LockTimeout {
                        path: path.display().to_string(),
                        secs: LOCK_TIMEOUT.as_secs(),
                    });
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(path, e)),
        }
    }
}

/// Serialises a record (with its `prev_hash`), hashes those bytes, and appends the hash as the
/// last field. Returns the full line (with newline) and the hash.
pub fn seal(record: &Record) -> Result<(String, String), serde_json::Error> {
    let body = serde_json::to_string(record)?;
    let hash = crate::digest::sha256_hex(body.as_bytes());
    let mut line = body;
    line.pop(); // the closing brace
    line.push_str(",\"hash\":\"");
    line.push_str(&hash);
    line.push_str("\"}\n");
    Ok((line, hash))
}

/// The `hash` of the last complete line, or [`GENESIS`] for an empty log. A last line that
/// carries no hash (a torn write) links as `unknown`, which `audit verify` reports.
fn last_hash(file: &mut File) -> std::io::Result<String> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(GENESIS.to_string());
    }
    let start = len.saturating_sub(TAIL);
    file.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::with_capacity((len - start) as usize);
    file.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf);
    let last = text
        .trim_end_matches('\n')
        .rsplit('\n')
        .next()
        .unwrap_or("");
    Ok(super::verify::hash_field(last)
        .map(str::to_string)
        .unwrap_or_else(|| "unknown".to_string()))
}
