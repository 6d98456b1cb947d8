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

use super::head::{self, Head, HeadState};
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
    /// The record is written, but something after it failed (rotation, the head): for stderr.
    pub warning: Option<String>,
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
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
            .open(&sidecar_path)
            .map_err(|e| open_error(&sidecar_path, e))?;
        if !sidecar
            .metadata()
            .map_err(|e| io(&sidecar_path, e))?
            .file_type()
            .is_file()
        {
            return Err(AuditError::NotAFile {
                path: sidecar_path.display().to_string(),
            });
        }
        if let Err(e) = self.lock(&sidecar) {
            if let AuditError::LockTimeout { ms, .. } = &e {
                // The stall is itself evidence (an agent holding the lock stops the log):
                // noted beside the log, and written into the chain by the next append.
                note_stall(
                    path,
                    &Stall {
                        at: super::time::now_rfc3339(),
                        waited_ms: *ms as u64,
                        holder: lock_holder(&sidecar),
                        session_id: record.session_id.clone(),
                        event: Some(record.event.clone()).filter(|e| !e.is_empty()),
                        tool: record.tool.clone(),
                    },
                );
            }
            return Err(e);
        }
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
        let mut stored = HeadState::read(sidecar).map_err(|e| io(sidecar_path, e))?;
        if let (HeadState::Valid(h), Some(k)) = (&stored, &self.key)
            && !h.authentic(k)
        {
            // A head the key did not seal was written by someone else: not to be trusted.
            stored = HeadState::Damaged;
        }
        let mut log = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
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
        let mut chain_records = Vec::new();
        let (mut prev, torn) = match &stored {
            // The head describes this very file: the fast path, nothing read.
            HeadState::Valid(h) if h.ino == ino && h.len == len && len > 0 => (h.clone(), false),
            _ => self.reconcile(&stored, &mut log, ino, len, record, &mut chain_records)?,
        };
        let stalls = self.take_stalls();
        for stall in &stalls {
            chain_records.push(stall_record(stall, record));
        }

        let mut bytes = Vec::new();
        if torn {
            // Never glue a record onto a torn line; verify still reports the torn one.
            bytes.push(b'\n');
        }
        let mut line = String::new();
        for r in chain_records
            .iter_mut()
            .chain(std::iter::once(&mut *record))
        {
            r.seq = prev.seq + 1;
            r.key_id = self.key.as_ref().map(|k| k.id().to_string());
            r.prev_hash = std::mem::take(&mut prev.hash);
            let (l, hash) = seal(r, self.key.as_ref()).map_err(|e| io(path, e))?;
            bytes.extend_from_slice(l.as_bytes());
            prev.seq = r.seq;
            prev.hash = hash;
            line = l;
        }
        let hash = prev.hash.clone();
        // One write of every line: with O_APPEND and the lock, records never interleave.
        let written = log.write_all(&bytes).and_then(|()| {
            if self.settings.fsync {
                log.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(e) = written {
            // A partial write (disk full) would leave half a record, and a record that could
            // not be made durable must not stand while the call is refused: cut it off again,
            // so the log stays a clean chain that says only what was answered.
            let _ = log.set_len(len);
            self.return_stalls(&stalls);
            return Err(io(path, e));
        }
        self.done_with_stalls();
        let new_len = len + bytes.len() as u64;
        let mut head = Head {
            ino,
            len: new_len,
            seq: record.seq,
            hash: hash.clone(),
            mac: None,
        };
        // The record is written: from here on nothing undoes it, and a failure is a warning
        // (the call is answered as recorded; the next append recovers the head).
        let mut warnings = Vec::new();
        let mut rotated = false;
        if self.settings.rotate_bytes > 0 && new_len >= self.settings.rotate_bytes {
            drop(log);
            match self.rotate() {
                Ok(()) => {
                    rotated = true;
                    head.ino = 0;
                    head.len = 0;
                }
                Err(e) => warnings.push(format!("the log could not be rotated: {e}")),
            }
        }
        head.seal(self.key.as_ref());
        if let Err(e) = head.write(sidecar) {
            warnings.push(format!(
                "the chain head `{}` could not be written ({e}); the next append recovers it",
                sidecar_path.display()
            ));
        }
        Ok(Appended {
            seq: record.seq,
            hash,
            line,
            rotated,
            warning: (!warnings.is_empty()).then(|| {
                format!(
                    "audit record {} written, but {}",
                    record.seq,
                    warnings.join("; ")
                )
            }),
        })
    }

    /// The slow path, when the head does not describe the live log exactly: finds where the
    /// chain really ends (the log's last line, else the last line of `.1`, else the genesis)
    /// and checks it against the head, which is authoritative. Whatever does not agree is
    /// recorded as a `gap` record of its own, never re-seeded silently; a live log started
    /// after a rotation begins with a `rotation` record naming the file it continues.
    fn reconcile(
        &self,
        stored: &HeadState,
        log: &mut File,
        ino: u64,
        len: u64,
        record: &Record,
        out: &mut Vec<Record>,
    ) -> Result<(Head, bool), AuditError> {
        let path = &self.path;
        let older = rotated_path(path, 1);
        // The end of the chain as the files show it.
        let (found, torn, from_rotated) = if len > 0 {
            let t = head::recover(log, ino, len).map_err(|e| io(path, e))?;
            (t.head, t.torn, None)
        } else {
            match super::read::open_regular(&older) {
                Ok(mut f) => {
                    let n = f.metadata().map_err(|e| io(&older, e))?.len();
                    let t = head::recover(&mut f, 0, n).map_err(|e| io(&older, e))?;
                    (t.head, false, Some((f, n)))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    (Head::genesis(), false, None)
                }
                Err(e) => return Err(io(&older, e)),
            }
        };
        let agrees = |h: &Head| found.seq == h.seq && found.hash == h.hash;
        let problem: Option<String> = match stored {
            HeadState::Empty if found.seq == 0 && from_rotated.is_none() => None,
            HeadState::Empty => Some("the chain head was missing".into()),
            HeadState::Damaged => {
                Some("the chain head was damaged or not sealed by the key".into())
            }
            HeadState::Valid(h) if len > 0 => {
                if h.len == len {
                    // The same content under another inode (copied back, say) is no gap.
                    (!agrees(h))
                        .then(|| "the log does not end with the record its head names".into())
                } else if h.len > len {
                    Some("the log is shorter than its head records".into())
                } else if h.len == 0 {
                    // Rotated, then a record written and the head not: the file must begin
                    // where the head says the chain was.
                    let first = head::first_line(log).map_err(|e| io(path, e))?;
                    let links = first.as_deref().and_then(head::prev_hash_of);
                    (links.as_deref() != Some(h.hash.as_str()))
                        .then(|| "the log does not begin where its head says the chain was".into())
                } else {
                    // A record written and the head not (a crash between the two writes): the
                    // record the head names must still end where the head says.
                    let at = head::line_ending_at(log, h.len).map_err(|e| io(path, e))?;
                    let hash = at.as_deref().and_then(super::verify::hash_field);
                    (hash != Some(h.hash.as_str()))
                        .then(|| "the log no longer holds the record its head names".into())
                }
            }
            HeadState::Valid(h) => {
                // An empty live log: rotated away (the head names the last record of `.1`),
                // or emptied or deleted.
                let rotated_ok = match &from_rotated {
                    Some((_, n)) => agrees(h) && (h.len == 0 || h.len == *n),
                    // keep = 0: the rotated file is deleted; the head is all there is.
                    None => h.len == 0 && h.seq > 0 && self.settings.keep == 0,
                };
                (!rotated_ok).then(|| "the log was emptied or deleted".into())
            }
        };
        let base = || Record {
            ts: super::time::now_rfc3339(),
            event: super::record::CHAIN_EVENT.into(),
            decision: "pass".into(),
            control: Some("PR-06".into()),
            user: record.user.clone(),
            host: record.host.clone(),
            hookguard: env!("CARGO_PKG_VERSION"),
            ..Record::default()
        };
        let head_of = |s: &HeadState| match s {
            HeadState::Valid(h) => Some(h.clone()),
            _ => None,
        };
        if let Some(problem) = problem {
            let h = head_of(stored);
            let name = path.display().to_string();
            let reason = match &h {
                Some(h) => format!(
                    "{problem}: the head names record {} ({} bytes), the log ends at record {} ({len} bytes). Records were removed or the log replaced; this gap stays in the chain and `hookguard audit verify` reports it.",
                    h.seq, h.len, found.seq
                ),
                None => format!(
                    "{problem} while the log held records up to record {}: removed records cannot be ruled out. This gap stays in the chain and `hookguard audit verify` reports it.",
                    found.seq
                ),
            };
            out.push(Record {
                rule: Some("audit.gap".into()),
                reason: Some(reason),
                subject: Some(name.clone()),
                chain: Some(super::record::ChainEvent {
                    kind: "gap".into(),
                    file: Some(name),
                    last_seq: Some(found.seq),
                    last_hash: Some(found.hash.clone()),
                    bytes: Some(len),
                    head_seq: h.as_ref().map(|h| h.seq),
                    head_hash: h.as_ref().map(|h| h.hash.clone()),
                    head_bytes: h.as_ref().map(|h| h.len),
                    ..Default::default()
                }),
                ..base()
            });
            // Sequence numbers never go back: the gap record follows the highest one known.
            let seq = h.map_or(found.seq, |h| h.seq.max(found.seq));
            return Ok((Head { seq, ..found }, torn));
        }
        let continues = match (&from_rotated, stored) {
            (Some(_), _) => true,
            (None, HeadState::Valid(h)) => len == 0 && h.seq > 0,
            _ => false,
        };
        if continues {
            let name = older
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let (seq, hash) = match stored {
                HeadState::Valid(h) if from_rotated.is_none() => (h.seq, h.hash.clone()),
                _ => (found.seq, found.hash.clone()),
            };
            out.push(Record {
                rule: Some("audit.rotated".into()),
                reason: Some(format!(
                    "this file continues `{name}`, which ends with record {seq}"
                )),
                subject: Some(name.clone()),
                chain: Some(super::record::ChainEvent {
                    kind: "rotation".into(),
                    file: Some(name),
                    last_seq: Some(seq),
                    last_hash: Some(hash.clone()),
                    bytes: from_rotated.as_ref().map(|(_, n)| *n),
                    keep: Some(self.settings.keep),
                    ..Default::default()
                }),
                ..base()
            });
            return Ok((
                Head {
                    ino,
                    len,
                    seq,
                    hash,
                    mac: None,
                },
                false,
            ));
        }
        let prev = match stored {
            // A torn last line after the record the head names: link to that record (verify
            // reports the torn line), never restart the numbering.
            HeadState::Valid(h) if torn && found.seq == 0 => Head {
                seq: h.seq,
                hash: h.hash.clone(),
                ..found
            },
            // The head is one record behind (a crash between the two writes): the log's last
            // line is the end of the chain.
            _ => found,
        };
        Ok((prev, torn))
    }

    /// The stalls recorded by calls that could not take the lock, taken for writing into the
    /// chain (renamed aside under the lock, so a stall noted meanwhile goes to a new file).
    fn take_stalls(&self) -> Vec<Stall> {
        let from = stalls_path(&self.path);
        let taken = suffixed(&self.path, "stalls.taken");
        if std::fs::rename(&from, &taken).is_err() {
            return Vec::new();
        }
        let mut text = String::new();
        if let Ok(f) = super::read::open_regular(&taken) {
            let _ = std::io::Read::read_to_string(
                &mut std::io::Read::take(f, STALLS_MAX_BYTES),
                &mut text,
            );
        }
        text.lines()
            .filter_map(|l| serde_json::from_str::<Stall>(l).ok())
            .take(STALLS_MAX)
            .collect()
    }

    /// The stalls are in the chain: forget them.
    fn done_with_stalls(&self) {
        let _ = std::fs::remove_file(suffixed(&self.path, "stalls.taken"));
    }

    /// The append failed: note the stalls again for the next one.
    fn return_stalls(&self, stalls: &[Stall]) {
        for s in stalls {
            note_stall(&self.path, s);
        }
        self.done_with_stalls();
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

/// The file where calls that could not take the lock note their stall: `audit.jsonl.stalls`.
pub fn stalls_path(log: &Path) -> PathBuf {
    suffixed(log, "stalls")
}

/// Most stalls written into the chain by one append, and most bytes of them read.
const STALLS_MAX: usize = 4096;
const STALLS_MAX_BYTES: u64 = 1024 * 1024;

/// One call that gave up waiting for the lock.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Stall {
    pub at: String,
    pub waited_ms: u64,
    pub holder: Option<String>,
    pub session_id: Option<String>,
    pub event: Option<String>,
    pub tool: Option<String>,
}

/// Appends a stall to `audit.jsonl.stalls` (one write, owner-only, never through a link).
/// Best effort: the call is refused either way.
fn note_stall(log: &Path, stall: &Stall) {
    let p = stalls_path(log);
    let Ok(mut line) = serde_json::to_string(stall) else {
        return;
    };
    line.push('\n');
    let f = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(&p);
    if let Ok(mut f) = f
        && f.metadata().is_ok_and(|m| m.file_type().is_file())
    {
        let _ = f.write_all(line.as_bytes());
    }
}

/// Who holds the flock on `sidecar`, from `/proc/locks`: `pid 4242 (sleep)`.
fn lock_holder(sidecar: &File) -> Option<String> {
    let ino = sidecar.metadata().ok()?.ino();
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    let pid = locks.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        // `1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF`
        let (pid, id) = (f.get(4)?, f.get(5)?);
        (id.rsplit(':').next()?.parse::<u64>().ok()? == ino).then(|| pid.to_string())
    })?;
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    Some(format!("pid {pid} ({})", comm.trim()))
}

/// The stalls a log holds: written into its chain, or still noted beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stalls {
    pub count: usize,
    /// When the latest gave up, how long it waited and who held the lock.
    pub latest: Option<String>,
}

/// Counts the stalls of the log set at `log` in one streaming pass (no hashing).
pub fn stalls(log: &Path) -> Stalls {
    let mut out = Stalls::default();
    let mut add = |s: Stall| {
        out.count += 1;
        out.latest = Some(format!(
            "{}, waited {} ms, lock held by {}",
            s.at,
            s.waited_ms,
            s.holder.as_deref().unwrap_or("an unknown process")
        ));
    };
    let files = super::verify::log_set(log);
    for line in super::read::lines(files, super::read::Window::default()) {
        if !line.contains("\"rule\":\"audit.lock-timeout\"") {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        let c = &v["chain"];
        add(Stall {
            at: c["at"].as_str().unwrap_or("?").to_string(),
            waited_ms: c["waited_ms"].as_u64().unwrap_or(0),
            holder: c["holder"].as_str().map(str::to_string),
            ..Stall::default()
        });
    }
    for p in [stalls_path(log), suffixed(log, "stalls.taken")] {
        let Ok(f) = super::read::open_regular(&p) else {
            continue;
        };
        let mut text = String::new();
        let _ =
            std::io::Read::read_to_string(&mut std::io::Read::take(f, STALLS_MAX_BYTES), &mut text);
        text.lines()
            .filter_map(|l| serde_json::from_str::<Stall>(l).ok())
            .for_each(&mut add);
    }
    out
}

/// `t` cut to at most `max` bytes on a character boundary.
fn short(t: &str, max: usize) -> String {
    let mut end = t.len().min(max);
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    t[..end].to_string()
}

/// The chain record of a stall.
fn stall_record(s: &Stall, current: &Record) -> Record {
    // The stalls file is the user's to write: its strings are cut short, never trusted long.
    let cut = |v: &Option<String>| v.as_deref().map(|t| short(t, 256));
    let s = &Stall {
        at: short(&s.at, 64),
        waited_ms: s.waited_ms,
        holder: cut(&s.holder),
        session_id: cut(&s.session_id),
        event: cut(&s.event),
        tool: cut(&s.tool),
    };
    let holder = s.holder.as_deref().unwrap_or("an unknown process");
    Record {
        ts: super::time::now_rfc3339(),
        event: super::record::CHAIN_EVENT.into(),
        decision: "pass".into(),
        rule: Some("audit.lock-timeout".into()),
        control: Some("PR-06".into()),
        reason: Some(format!(
            "a {} call gave up after waiting {} ms for the audit log's lock, held by {holder}; it was refused in production and ci and left no record of its own",
            s.event.as_deref().unwrap_or("hook"),
            s.waited_ms
        )),
        session_id: s.session_id.clone(),
        tool: s.tool.clone(),
        user: current.user.clone(),
        host: current.host.clone(),
        hookguard: env!("CARGO_PKG_VERSION"),
        chain: Some(super::record::ChainEvent {
            kind: "lock-timeout".into(),
            at: Some(s.at.clone()),
            waited_ms: Some(s.waited_ms),
            holder: s.holder.clone(),
            ..Default::default()
        }),
        ..Record::default()
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
