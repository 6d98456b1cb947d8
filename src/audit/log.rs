//! `Log`: appending to the audit log under an exclusive lock, in O(1) of the log's size.
//!
//! ```text
//! lock audit.jsonl.head ─► read head ─► open audit.jsonl ─► head stale? recover from last line
//!   ─► seal record (prev_hash, seq, hash) ─► one write ─► fdatasync? ─► rotate? ─► write head
//! ```
//!
//! Claude Code runs hooks for parallel tool calls and subagents at the same time, so appends
//! are serialised with an OS lock (`flock`) on the sidecar, which is never rotated; the live
//! log is opened only under that lock, so a rotation cannot leave a writer holding the old
//! file. Every failure is returned, never swallowed: the caller decides (production and ci
//! fail closed, prototype warns).

use super::head::{self, Head};
use super::key::{ChainKey, KeyError};
use super::record::Record;
use super::settings::Settings;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long an append waits for the lock when no settings say otherwise.
pub const LOCK_TIMEOUT: Duration = super::settings::DEFAULT_LOCK_TIMEOUT;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log `{path}`: {message}")]
    Io { path: String, message: String },
    #[error("audit log `{path}` is a symbolic link; refusing to follow it")]
    Symlink { path: String },
    #[error("audit log `{path}` is not a regular file")]
    NotAFile { path: String },
    #[error("audit log `{path}`: another process held the lock for more than {ms} ms")]
    LockTimeout { path: String, ms: u128 },
    #[error("no audit log location: set --audit-log, XDG_STATE_HOME or HOME")]
    NoLocation,
    #[error(transparent)]
    Key(#[from] KeyError),
}

fn io(path: &Path, e: impl std::fmt::Display) -> AuditError {
    AuditError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Maps an `open` error, naming a symbolic link for what it is (`O_NOFOLLOW` gives `ELOOP`).
fn open_error(path: &Path, e: std::io::Error) -> AuditError {
    if e.raw_os_error() == Some(libc::ELOOP) {
        AuditError::Symlink {
            path: path.display().to_string(),
        }
    } else {
        io(path, e)
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

/// The sidecar beside `log`: `audit.jsonl` → `audit.jsonl.head`.
pub fn head_path(log: &Path) -> PathBuf {
    suffixed(log, "head")
}

/// A rotated file: `audit.jsonl` → `audit.jsonl.3`.
pub fn rotated_path(log: &Path, n: u32) -> PathBuf {
    suffixed(log, &n.to_string())
}

fn suffixed(log: &Path, suffix: &str) -> PathBuf {
    let mut s = log.as_os_str().to_owned();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

/// What one append wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub seq: u64,
    pub hash: String,
    /// The line as written, with its newline (for syslog).
    pub line: String,
    /// The live log was rotated after this record.
    pub rotated: bool,
}

/// An audit log at a path, with its settings and (optionally) its chain key.
#[derive(Debug, Clone)]
pub struct Log {
    path: PathBuf,
    settings: Settings,
    key: Option<ChainKey>,
}

impl Log {
    /// Prepares the log; loads and checks the HMAC key if the settings name one.
    pub fn new(path: &Path, settings: &Settings) -> Result<Log, AuditError> {
        let key = match &settings.hmac_key {
            Some(k) => Some(ChainKey::load(k)?),
            None => None,
        };
        Ok(Log {
            path: path.to_path_buf(),
            settings: settings.clone(),
            key,
        })
    }

    /// A log with an already loaded key (tests, benchmarks).
    pub fn with_key(path: &Path, settings: &Settings, key: Option<ChainKey>) -> Log {
        Log {
            path: path.to_path_buf(),
            settings: settings.clone(),
            key,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record`, filling in `seq`, `key_id` and `prev_hash`.
    pub fn append(&self, record: &mut Record) -> Result<Appended, AuditError> {
        let path = &self.path;
        self.prepare_dir()?;
        let sidecar_path = head_path(path);
        let sidecar = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&sidecar_path)
            .map_err(|e| open_error(&sidecar_path, e))?;
        self.lock(&sidecar)?;
        // The lock is released when `sidecar` is closed, on every path out of here.
        let result = self.append_locked(&sidecar, &sidecar_path, record);
        let _ = sidecar.unlock();
        result
    }

    fn prepare_dir(&self) -> Result<(), AuditError> {
        let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) else {
            return Ok(());
        };
        match std::fs::symlink_metadata(dir) {
            // A symlinked directory would let whoever controls the link choose where the
            // records go (or make them vanish): refuse it like a symlinked file.
            Ok(m) if m.file_type().is_symlink() => Err(AuditError::Symlink {
                path: dir.display().to_string(),
            }),
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| io(dir, e)),
            Err(e) => Err(io(dir, e)),
        }
    }

    fn lock(&self, file: &File) -> Result<(), AuditError> {
        let start = Instant::now();
        let mut pause = Duration::from_micros(200);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(()),
                Err(std::fs::TryLockError::WouldBlock) => {
                    // Never wait forever: a hook that hangs stalls the session; a timeout
                    // is a decision (fail closed in production and ci).
                    if start.elapsed() >= self.settings.lock_timeout {
                        return Err(AuditError::LockTimeout {
                            path: self.path.display().to_string(),
                            ms: self.settings.lock_timeout.as_millis(),
                        });
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(5));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(&self.path, e)),
            }
        }
    }

    fn append_locked(
        &self,
        sidecar: &File,
        sidecar_path: &Path,
        record: &mut Record,
    ) -> Result<Appended, AuditError> {
        let path = &self.path;
        let stored = Head::read(sidecar).map_err(|e| io(sidecar_path, e))?;
        let mut log = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
            .map_err(|e| open_error(path, e))?;
        let meta = log.metadata().map_err(|e| io(path, e))?;
        if !meta.file_type().is_file() {
            return Err(AuditError::NotAFile {
                path: path.display().to_string(),
            });
        }
        if meta.mode() & 0o077 != 0 {
            // Owner-only: records name files, commands and people.
            log.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|e| io(path, e))?;
        }
        let (ino, len) = (meta.ino(), meta.len());
        let (prev, torn) = match stored {
            // The head describes this very file: the fast path.
            Some(h) if (h.ino == ino || h.ino == 0) && h.len == len => (h, false),
            // The log is empty but the head remembers records: the file was deleted or
            // truncated under us. Continue from the head, so that `audit verify` shows the gap.
            Some(h) if len == 0 => (h, false),
            // Stale or missing: the log is the truth.
            _ if len > 0 => {
                let t = head::recover(&mut log, ino, len).map_err(|e| io(path, e))?;
                (t.head, t.torn)
            }
            _ => (self.recover_from_rotated()?, false),
        };

        record.seq = prev.seq + 1;
        record.key_id = self.key.as_ref().map(|k| k.id().to_string());
        record.prev_hash = prev.hash;
        let (line, hash) = seal(record, self.key.as_ref()).map_err(|e| io(path, e))?;
        let mut bytes = Vec::with_capacity(line.len() + 1);
        if torn {
            // Never glue a record onto a torn line; verify still reports the torn one.
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(line.as_bytes());
        // One write of the whole line: with O_APPEND and the lock, records never interleave.
        if let Err(e) = log.write_all(&bytes) {
            // A partial write (disk full) would leave half a record: cut it off again, so the
            // log stays a clean chain for the next writer, and report the failure.
            let _ = log.set_len(len);
            return Err(io(path, e));
        }
        let new_len = len + bytes.len() as u64;
        if self.settings.fsync {
            log.sync_data().map_err(|e| io(path, e))?;
        }
        let mut head = Head {
            ino,
            len: new_len,
            seq: record.seq,
            hash: hash.clone(),
        };
        let rotated = self.settings.rotate_bytes > 0 && new_len >= self.settings.rotate_bytes;
        if rotated {
            drop(log);
            self.rotate()?;
            head.ino = 0;
            head.len = 0;
        }
        head.write(sidecar).map_err(|e| io(sidecar_path, e))?;
        Ok(Appended {
            seq: record.seq,
            hash,
            line,
            rotated,
        })
    }

    /// The head when the live log is empty and the sidecar says nothing: the last record of
    /// the newest rotated file, so the chain continues across files; else the genesis.
    fn recover_from_rotated(&self) -> Result<Head, AuditError> {
        let older = rotated_path(&self.path, 1);
        match File::open(&older) {
            Ok(mut f) => {
                let len = f.metadata().map_err(|e| io(&older, e))?.len();
                let t = head::recover(&mut f, 0, len).map_err(|e| io(&older, e))?;
                Ok(Head {
                    ino: 0,
                    len: 0,
                    ..t.head
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Head::genesis()),
            Err(e) => Err(io(&older, e)),
        }
    }

    /// `audit.jsonl` → `.1` → `.2` … → `.keep`, dropping the oldest.
    fn rotate(&self) -> Result<(), AuditError> {
        let keep = self.settings.keep;
        if keep == 0 {
            return std::fs::remove_file(&self.path).map_err(|e| io(&self.path, e));
        }
        let oldest = rotated_path(&self.path, keep);
        match std::fs::remove_file(&oldest) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&oldest, e)),
        }
        for n in (1..keep).rev() {
            let from = rotated_path(&self.path, n);
            match std::fs::rename(&from, rotated_path(&self.path, n + 1)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&from, e)),
            }
        }
        std::fs::rename(&self.path, rotated_path(&self.path, 1)).map_err(|e| io(&self.path, e))?;
        if self.settings.fsync
            && let Some(dir) = self.path.parent()
        {
            // The renames are directory entries: make them durable too.
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| io(dir, e))?;
        }
        Ok(())
    }
}

/// Appends `record` to the log at `path` with the default settings; returns the record's hash.
pub fn append(path: &Path, record: &mut Record) -> Result<String, AuditError> {
    Log::with_key(path, &Settings::default(), None)
        .append(record)
        .map(|a| a.hash)
}

/// Serialises a record (with its `prev_hash`), hashes those bytes (SHA-256, or HMAC-SHA256
/// with a key), and appends the hash as the last field. Returns the full line (with newline)
/// and the hash.
pub fn seal(
    record: &Record,
    key: Option<&ChainKey>,
) -> Result<(String, String), serde_json::Error> {
    let body = serde_json::to_string(record)?;
    let hash = match key {
        Some(k) => k.mac_hex(body.as_bytes()),
        None => crate::digest::sha256_hex(body.as_bytes()),
    };
    let mut line = body;
    line.pop(); // the closing brace
    line.push_str(",\"hash\":\"");
    line.push_str(&hash);
    line.push_str("\"}\n");
    Ok((line, hash))
}
