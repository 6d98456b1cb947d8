//! `hookguard audit verify`: checks every record's hash and its link to the one before, across
//! the rotated files in order, then the head, and names the first line that breaks the chain.
//!
//! What is caught: an edited record (its hash no longer matches), a removed, reordered,
//! inserted or renumbered one (the link or `seq` breaks), a truncated line, records removed from
//! the end whatever the inode (the head names a record the log no longer has), a missing or
//! damaged head, a deleted prefix or rotated file (a file may begin mid-chain only with a
//! rotation record that `keep` explains), the gaps the hook recorded, and with a key every
//! unkeyed record and a head not sealed by it. What the files alone cannot show (an unkeyed
//! chain resealed by whoever can write it; the log and head put back or deleted together) is
//! caught against what was shipped: [`compare`]. The table is in `docs/audit.md`.

use super::GENESIS;
use super::head::HeadState;
use super::key::ChainKey;
use super::log::{head_path, rotated_path};
use std::io::BufRead;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub file: PathBuf,
    /// 1-based line in `file`.
    pub line: usize,
    pub message: String,
    /// The line is keyed and no key was given: not evidence of tampering, just unverifiable.
    pub needs_key: bool,
}

/// The result of checking a log and its rotated files.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerifyReport {
    /// The files checked, oldest first.
    pub files: Vec<PathBuf>,
    /// Records verified before the first break (all of them when intact).
    pub records: usize,
    pub first_error: Option<ChainBreak>,
    /// Facts worth knowing that are not breaks (records rotated away, a window's start).
    pub notes: Vec<String>,
    /// Calls that gave up waiting for the log's lock, as the chain records them.
    pub stalls: Vec<String>,
}

/// How `verify` reads and what it requires.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'k> {
    /// With a key every record must be keyed with it: an unkeyed record is a failure.
    pub key: Option<&'k ChainKey>,
    /// Check a copy of a log without its head (truncation of the tail cannot be ruled out).
    pub no_head: bool,
}

/// The value of the trailing `"hash"` field of a record line, if the line ends with one.
pub fn hash_field(line: &str) -> Option<&str> {
    let rest = line.strip_suffix("\"}")?;
    let (_, hash) = rest.rsplit_once(",\"hash\":\"")?;
    (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hash)
}

/// The files of the set rooted at `path`, oldest first: `path.N` … `path.1`, `path`.
pub fn log_set(path: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut n = 1;
    while rotated_path(path, n).symlink_metadata().is_ok() {
        files.push(rotated_path(path, n));
        n += 1;
    }
    files.reverse();
    if path.symlink_metadata().is_ok() || files.is_empty() {
        files.push(path.to_path_buf());
    }
    files
}

/// Takes a shared lock on the sidecar, waiting at most a second; without it the snapshot is
/// still taken, only without the guarantee that no append is half done.
fn lock_shared_briefly(f: &std::fs::File) -> bool {
    let start = std::time::Instant::now();
    loop {
        match f.try_lock_shared() {
            Ok(()) => return true,
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed().as_secs() < 1 => {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Err(_) => return false,
        }
    }
}

/// The rotation number of a file name (`audit.jsonl.3` → 3).
fn rotation_number(path: &Path) -> Option<u32> {
    path.extension()
        .and_then(|e| e.to_str())
        .filter(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|e| e.parse().ok())
}

/// Where a line sits, for the rules that depend on files.
#[derive(Debug, Clone, Copy)]
struct Place {
    /// The first line of its file (always false in an export: files run together there).
    first_in_file: bool,
    /// The file's rotation number (0 for the live log); `None` when files do not matter.
    rotation: Option<u32>,
    /// The length of the file before, when one was read.
    prev_file_len: Option<u64>,
}

/// The chain state carried from one line (and one file) to the next.
struct Walker<'k> {
    key: Option<&'k ChainKey>,
    prev: String,
    prev_seq: u64,
    /// The first record may continue a chain that began elsewhere (an export's window, a
    /// rotated file checked on its own).
    loose_start: bool,
    records: usize,
    notes: Vec<String>,
    stalls: Vec<String>,
}

impl Walker<'_> {
    fn new(key: Option<&ChainKey>, loose_start: bool) -> Walker<'_> {
        Walker {
            key,
            prev: GENESIS.to_string(),
            prev_seq: 0,
            loose_start,
            records: 0,
            notes: Vec::new(),
            stalls: Vec::new(),
        }
    }

    /// Checks one line: returns its hash, or what is wrong.
    fn check(&mut self, line: &str, place: Place) -> Result<String, String> {
        let hash =
            hash_field(line).ok_or("the record has no trailing hash (truncated or edited)")?;
        let body_len = line.len() - hash.len() - ",\"hash\":\"\"}".len();
        let body = format!("{}}}", &line[..body_len]);
        let v: serde_json::Value = serde_json::from_str(&body)
            .map_err(|e| format!("the record is not valid JSON: {e}"))?;
        let key_id = v.get("key_id").and_then(|k| k.as_str());
        let actual = match (key_id, self.key) {
            (Some(id), None) => {
                return Err(format!(
                    "the record is keyed (HMAC key id `{id}`); pass --key FILE to verify it"
                ));
            }
            (Some(id), Some(k)) if id != k.id() => {
                return Err(format!(
                    "the record is keyed with key id `{id}`, not the given key `{}`",
                    k.id()
                ));
            }
            (Some(_), Some(k)) => k.mac_hex(body.as_bytes()),
            (None, Some(_)) => {
                return Err(
                    "the record is not keyed, but the chain is checked with a key: in a keyed log every record must carry the MAC (an unkeyed record or chain stands in for keyed ones)"
                        .into(),
                );
            }
            (None, None) => crate::digest::sha256_hex(body.as_bytes()),
        };
        if actual != hash {
            return Err("the record's content does not match its hash (edited)".into());
        }
        let linked = v.get("prev_hash").and_then(|p| p.as_str()).unwrap_or("");
        let seq = v.get("seq").and_then(|s| s.as_u64()).unwrap_or(0);
        let chain = v.get("chain");
        let kind = chain.and_then(|c| c.get("kind")).and_then(|k| k.as_str());
        let field = |k: &str| chain.and_then(|c| c.get(k));
        match kind {
            Some("gap") => {
                let reason = v.get("reason").and_then(|r| r.as_str()).unwrap_or("");
                return Err(format!(
                    "the hook found a gap in the chain and recorded it: {reason}"
                ));
            }
            Some("lock-timeout") => {
                let s = |k: &str| field(k).and_then(|x| x.as_str()).unwrap_or("?").to_string();
                self.stalls.push(format!(
                    "{}: a call waited {} ms for the lock, held by {}",
                    s("at"),
                    field("waited_ms").and_then(|x| x.as_u64()).unwrap_or(0),
                    field("holder")
                        .and_then(|x| x.as_str())
                        .unwrap_or("an unknown process")
                ));
            }
            _ => {}
        }
        let rotation = kind == Some("rotation");
        if self.records == 0 {
            if linked == GENESIS {
                if seq != 1 {
                    return Err(format!(
                        "the first record of the chain has seq {seq}, not 1"
                    ));
                }
            } else if self.loose_start {
                if seq > 1 {
                    self.notes.push(format!(
                        "the records checked begin at record {seq}: the {} before it are not part of this check",
                        seq - 1
                    ));
                }
            } else if rotation {
                let keep = field("keep").and_then(|k| k.as_u64()).unwrap_or(0);
                let number = u64::from(place.rotation.unwrap_or(0));
                if number < keep {
                    return Err(format!(
                        "the file begins by continuing a rotated file that is missing (rotation keeps {keep} files, and this is only number {number}): records were deleted"
                    ));
                }
                self.notes.push(format!(
                    "the chain starts at record {seq}: the {} records before it were rotated away",
                    seq - 1
                ));
            } else {
                return Err(
                    "the first record does not start the chain and is no rotation record (records before it were removed)"
                        .into(),
                );
            }
        } else {
            if linked != self.prev {
                return Err(
                    "the record does not link to the one before it (a record was removed, inserted or reordered)"
                        .into(),
                );
            }
            if seq != self.prev_seq + 1 {
                return Err(format!(
                    "the record's seq is {seq} where {} follows (records were removed, inserted or renumbered)",
                    self.prev_seq + 1
                ));
            }
            if place.rotation.is_some() {
                if place.first_in_file && !rotation {
                    return Err(
                        "the file does not begin with a rotation record: it is not a file the log rotated"
                            .into(),
                    );
                }
                if rotation && !place.first_in_file {
                    return Err("a rotation record in the middle of a file".into());
                }
            }
            if rotation {
                let last_seq = field("last_seq").and_then(|x| x.as_u64());
                let bytes = field("bytes").and_then(|x| x.as_u64());
                if last_seq != Some(self.prev_seq)
                    || (place.first_in_file
                        && bytes.is_some()
                        && place.prev_file_len.is_some()
                        && bytes != place.prev_file_len)
                {
                    return Err(
                        "the rotation record does not describe the file before it (its last record or its length differ)"
                            .into(),
                    );
                }
            }
        }
        self.prev = hash.to_string();
        self.prev_seq = seq;
        self.records += 1;
        Ok(hash.to_string())
    }

    fn report(self, files: Vec<PathBuf>, first_error: Option<ChainBreak>) -> VerifyReport {
        VerifyReport {
            files,
            records: self.records,
            first_error,
            notes: self.notes,
            stalls: self.stalls,
        }
    }
}

fn chain_break(file: &Path, line: usize, message: String) -> Option<ChainBreak> {
    Some(ChainBreak {
        file: file.to_path_buf(),
        line,
        needs_key: message.contains("pass --key"),
        message,
    })
}

/// Verifies the log at `path` and its rotated files (`path.1` …), oldest first. With `key`,
/// keyed records are authenticated; without it, a keyed record is reported as unverifiable.
pub fn verify(path: &Path, key: Option<&ChainKey>) -> std::io::Result<VerifyReport> {
    verify_with(
        path,
        Options {
            key,
            no_head: false,
        },
    )
}

/// What the sidecar of a log is, read without ever blocking on it.
enum Sidecar {
    Absent,
    NotRegular,
    Present(std::fs::File),
}

fn open_sidecar(path: &Path) -> std::io::Result<Sidecar> {
    match super::read::open_regular_nofollow(path) {
        Ok(f) => Ok(Sidecar::Present(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Sidecar::Absent),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(Sidecar::NotRegular),
        Err(e) => Err(e),
    }
}

/// As [`verify`], with [`Options`].
pub fn verify_with(path: &Path, opts: Options) -> std::io::Result<VerifyReport> {
    // A rotated file checked on its own has no head and may start mid-chain.
    let alone = rotation_number(path).is_some();
    let use_head = !alone && !opts.no_head;
    let sidecar_path = head_path(path);
    // A consistent snapshot: under a brief shared lock (writers hold it exclusively for one
    // append), list and open every file and read the head. Open files stay valid if a writer
    // rotates them afterwards, and the long read happens after the lock is released, so a
    // verify of a large log never makes a hook wait.
    let sidecar = if use_head {
        open_sidecar(&sidecar_path)?
    } else {
        Sidecar::Absent
    };
    let locked = matches!(&sidecar, Sidecar::Present(f) if lock_shared_briefly(f));
    let files = log_set(path);
    let mut opened = Vec::with_capacity(files.len());
    for file in &files {
        // The path named may be a link to the log; the files the log set adds to it may not.
        let open = if file == path {
            super::read::open_regular(file)
        } else {
            super::read::open_regular_nofollow(file)
        };
        match open {
            Ok(f) => {
                // Under the lock no append is half done: the length now is where the snapshot
                // of the live file ends, whatever is appended while it is read.
                let len = f.metadata()?.len();
                opened.push((file.clone(), f, len));
            }
            // A live log that does not exist yet (just rotated, or never written) is empty.
            Err(e) if file == path && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    let head = match &sidecar {
        Sidecar::Present(f) => Some(HeadState::read(f)?),
        _ => None,
    };
    if locked && let Sidecar::Present(f) = &sidecar {
        let _ = f.unlock();
    }
    if opened.is_empty() {
        if let Some(HeadState::Valid(h)) = &head {
            let m = format!(
                "the log's files are gone, but its head names record {}: the log was deleted",
                h.seq
            );
            return Ok(Walker::new(opts.key, alone).report(files.clone(), chain_break(path, 1, m)));
        }
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such audit log",
        ));
    }
    let valid_head = match &head {
        Some(HeadState::Valid(h)) => Some(h.clone()),
        _ => None,
    };
    let mut w = Walker::new(opts.key, alone);
    let mut head_found = false;
    let mut prev_file_len = None;
    let mut last = (path.to_path_buf(), 0usize);
    for (file, f, len) in opened {
        let file = &file;
        let live = file == path;
        let ino = f.metadata()?.ino();
        if !live && len == 0 {
            let m = "the rotated file is empty: the log never rotates an empty file, so it stands in for deleted records".to_string();
            return Ok(w.report(files.clone(), chain_break(file, 0, m)));
        }
        let limit = if live && locked { len } else { u64::MAX };
        let mut reader = std::io::BufReader::new(std::io::Read::take(f, limit));
        let (mut offset, mut line_no, mut buf) = (0u64, 0usize, Vec::new());
        let rotation = if alone {
            None
        } else {
            Some(rotation_number(file).unwrap_or(0))
        };
        loop {
            buf.clear();
            let n = reader.read_until(b'\n', &mut buf)?;
            if n == 0 {
                break;
            }
            // Without the lock (a writer held it for over a second) the snapshot of the live
            // file has no fixed end, and an append can be half written there. A last line
            // without its newline that starts at or after the end the head records is that
            // append, not a truncation: the head is rewritten only after the record is
            // complete. With the lock, a torn line is a break.
            if live
                && !locked
                && !buf.ends_with(b"\n")
                && valid_head
                    .as_ref()
                    .is_some_and(|h| h.ino == ino && offset >= h.len)
            {
                w.notes.push(
                    "a record being appended while verify read the log was left for the next run"
                        .to_string(),
                );
                break;
            }
            line_no += 1;
            offset += n as u64;
            let text = match std::str::from_utf8(&buf) {
                Ok(t) => t.strip_suffix('\n').unwrap_or(t),
                Err(_) => {
                    let m = "the record is not UTF-8 (edited or corrupted)".to_string();
                    return Ok(w.report(files.clone(), chain_break(file, line_no, m)));
                }
            };
            let place = Place {
                first_in_file: line_no == 1,
                rotation,
                prev_file_len,
            };
            match w.check(text, place) {
                Ok(hash) => {
                    if valid_head
                        .as_ref()
                        .is_some_and(|h| h.seq == w.prev_seq && h.hash == hash)
                    {
                        head_found = true;
                    }
                }
                Err(m) => return Ok(w.report(files.clone(), chain_break(file, line_no, m))),
            }
        }
        prev_file_len = Some(offset);
        last = (file.clone(), line_no);
    }
    if use_head {
        // The head is authoritative: it names the last record written, whatever the inode.
        let problem = match (&sidecar, &head) {
            (Sidecar::NotRegular, _) => Some(format!(
                "the chain head `{}` is not a regular file (a link, FIFO, socket or device): it was replaced",
                sidecar_path.display()
            )),
            (_, None) | (_, Some(HeadState::Empty)) if w.records > 0 => Some(format!(
                "the chain head `{}` is missing or empty while the log holds records: records removed from the end cannot be ruled out (to check a copy of a log without its head, pass --no-head)",
                sidecar_path.display()
            )),
            (_, Some(HeadState::Damaged)) => Some(format!(
                "the chain head `{}` is damaged",
                sidecar_path.display()
            )),
            (_, Some(HeadState::Valid(h))) if opts.key.is_some_and(|k| !h.authentic(k)) => {
                Some(format!(
                    "the chain head `{}` is not sealed by the key: it was written by someone else",
                    sidecar_path.display()
                ))
            }
            (_, Some(HeadState::Valid(h))) if !head_found => Some(format!(
                "the log does not hold the record its head names (record {}, {} bytes into the live file): records were removed from the end, or the log was replaced",
                h.seq, h.len
            )),
            _ => None,
        };
        if let Some(m) = problem {
            return Ok(w.report(files.clone(), chain_break(&last.0, last.1 + 1, m)));
        }
    } else if !alone && w.records > 0 {
        w.notes.push(
            "checked without the head: records removed from the end cannot be ruled out".into(),
        );
    }
    Ok(w.report(files, None))
}

/// Verifies a sequence of record lines that did not come from a log set with its head: an
/// export's original lines, or the records a SIEM received. The first may begin anywhere in
/// the chain; every one after it must follow.
pub fn verify_lines(
    origin: &Path,
    lines: impl Iterator<Item = Result<(usize, String), (usize, String)>>,
    key: Option<&ChainKey>,
) -> VerifyReport {
    let mut w = Walker::new(key, true);
    let files = vec![origin.to_path_buf()];
    for item in lines {
        let place = Place {
            first_in_file: false,
            rotation: None,
            prev_file_len: None,
        };
        let res = match item {
            Ok((line_no, text)) => w.check(&text, place).map_err(|m| (line_no, m)),
            Err(e) => Err(e),
        };
        if let Err((line_no, m)) = res {
            return w.report(files, chain_break(origin, line_no, m));
        }
    }
    w.report(files, None)
}

/// What `audit verify` reads at PATH (and `--against`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    /// The log set (`PATH.N` … `PATH`) with its head.
    Log,
    /// Record lines without a head: a copy, or the lines a SIEM received (`_raw`, syslog
    /// message bodies).
    Lines,
    /// `audit export --format otlp-json`.
    OtlpJson,
    /// `audit export --format splunk-hec`.
    SplunkHec,
    /// `audit export --format ecs`.
    Ecs,
}

type Numbered = Result<(usize, String), (usize, String)>;

/// The record lines a file of `source` holds (not `Log`), with the file's line numbers; a
/// line that cannot be used is an error at its number.
fn shipped_lines(path: &Path, source: Source) -> std::io::Result<impl Iterator<Item = Numbered>> {
    let f = super::read::open_regular(path)?;
    let format = match source {
        Source::Log | Source::Lines => None,
        Source::OtlpJson => Some(super::export::Format::OtlpJson),
        Source::SplunkHec => Some(super::export::Format::SplunkHec),
        Source::Ecs => Some(super::export::Format::Ecs),
    };
    // Streamed, one line of the file at a time.
    Ok(std::io::BufReader::new(f)
        .split(b'\n')
        .enumerate()
        .flat_map(move |(i, line)| -> Vec<Numbered> {
            let n = i + 1;
            let line = match line {
                Ok(l) => String::from_utf8_lossy(&l).into_owned(),
                Err(e) => return vec![Err((n, format!("cannot be read: {e}")))],
            };
            if line.trim().is_empty() {
                return Vec::new();
            }
            match format {
                None => vec![Ok((n, line))],
                Some(format) => match super::export::originals(format, &line) {
                    Ok(lines) => lines.into_iter().map(|l| Ok((n, l))).collect(),
                    Err(m) => vec![Err((n, m))],
                },
            }
        }))
}

/// Verifies PATH as `source` says.
pub fn verify_source(path: &Path, source: Source, opts: Options) -> std::io::Result<VerifyReport> {
    match source {
        Source::Log => verify_with(path, opts),
        _ => Ok(verify_lines(path, shipped_lines(path, source)?, opts.key)),
    }
}

/// `seq` and a digest of the whole line of every record of PATH read as `source` (the line,
/// not its `hash` field, so an edit left unsealed counts as a difference too).
fn seq_hashes(path: &Path, source: Source) -> Result<Vec<(u64, String)>, String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let entry = |l: &str| {
        let v: serde_json::Value = serde_json::from_str(l).ok()?;
        Some((
            v.get("seq")?.as_u64()?,
            crate::digest::sha256_hex(l.as_bytes()),
        ))
    };
    Ok(match source {
        // Streamed: a large log set is never held whole.
        Source::Log => {
            let files = super::read::files(&[path.to_path_buf()])?;
            super::read::lines(files, super::read::Window::default())
                .filter_map(|l| entry(&l))
                .collect()
        }
        _ => shipped_lines(path, source)
            .map_err(err)?
            .filter_map(Result::ok)
            .filter_map(|(_, l)| entry(&l))
            .collect(),
    })
}

/// A log compared with what was shipped from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    pub shipped: usize,
    pub identical: usize,
    /// In both, with different content (same `seq`, another `hash`).
    pub altered: Vec<u64>,
    /// In the log, within the range shipped, but not shipped.
    pub not_shipped: Vec<u64>,
    /// Shipped, but no longer in the log: removed, or the log rolled back.
    pub not_in_log: Vec<u64>,
    /// In the log before the first record shipped, and after the last.
    pub before: usize,
    pub after: usize,
}

impl Comparison {
    pub fn agrees(&self) -> bool {
        self.altered.is_empty() && self.not_shipped.is_empty() && self.not_in_log.is_empty()
    }

    pub fn describe(&self, log: &Path, shipped: &Path) -> String {
        let list = |v: &[u64]| {
            let mut s: Vec<String> = v.iter().take(20).map(u64::to_string).collect();
            if v.len() > 20 {
                s.push(format!("… {} more", v.len() - 20));
            }
            s.join(", ")
        };
        let mut out = format!(
            "compared with {}: {} records shipped, {} identical in {}\n",
            shipped.display(),
            self.shipped,
            self.identical,
            log.display()
        );
        for (v, what) in [
            (
                &self.altered,
                "altered (the log and the shipped copy differ)",
            ),
            (
                &self.not_in_log,
                "shipped but missing from the log (removed, or the log rolled back)",
            ),
            (
                &self.not_shipped,
                "in the log but missing from the shipped copy",
            ),
        ] {
            if !v.is_empty() {
                out.push_str(&format!("{} records {what}: seq {}\n", v.len(), list(v)));
            }
        }
        if self.before + self.after > 0 {
            out.push_str(&format!(
                "note: {} records of the log come before the first shipped and {} after the last\n",
                self.before, self.after
            ));
        }
        out
    }
}

/// Compares the records at `log` (read as `log_source`) with those at `shipped`.
pub fn compare(
    log: &Path,
    log_source: Source,
    shipped: &Path,
    shipped_source: Source,
) -> Result<Comparison, String> {
    let local = seq_hashes(log, log_source)?;
    let remote = seq_hashes(shipped, shipped_source)?;
    let mut c = Comparison {
        shipped: remote.len(),
        ..Comparison::default()
    };
    let (Some(lo), Some(hi)) = (
        remote.iter().map(|r| r.0).min(),
        remote.iter().map(|r| r.0).max(),
    ) else {
        c.after = local.len();
        return Ok(c);
    };
    let mut shipped_by_seq: std::collections::HashMap<u64, Vec<&str>> = Default::default();
    for (seq, hash) in &remote {
        shipped_by_seq.entry(*seq).or_default().push(hash);
    }
    let mut in_log = std::collections::HashSet::new();
    for (seq, hash) in &local {
        in_log.insert(*seq);
        match shipped_by_seq.get(seq) {
            Some(hashes) if hashes.iter().all(|h| h == hash) => c.identical += 1,
            Some(_) => c.altered.push(*seq),
            None if *seq < lo => c.before += 1,
            None if *seq > hi => c.after += 1,
            None => c.not_shipped.push(*seq),
        }
    }
    let mut gone: Vec<u64> = shipped_by_seq
        .keys()
        .filter(|s| !in_log.contains(s))
        .copied()
        .collect();
    gone.sort_unstable();
    c.not_in_log = gone;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::super::{Record, append};
    use super::*;

    fn log_with(n: usize) -> (tempdir::Dir, std::path::PathBuf) {
        let d = tempdir::Dir::new();
        let p = d.path().join("audit.jsonl");
        for i in 0..n {
            let mut r = Record {
                event: "PreToolUse".into(),
                decision: "defer".into(),
                subject: Some(format!("s{i}")),
                ..Record::default()
            };
            append(&p, &mut r).unwrap();
        }
        (d, p)
    }

    mod tempdir {
        pub struct Dir(std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                use std::sync::atomic::{AtomicUsize, Ordering};
                static N: AtomicUsize = AtomicUsize::new(0);
                let p = std::env::temp_dir().join(format!(
                    "hg-verify-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::SeqCst)
                ));
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
            pub fn path(&self) -> &std::path::Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    fn rewrite(p: &Path, f: impl FnOnce(&mut Vec<String>)) {
        let mut lines: Vec<String> = std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        f(&mut lines);
        std::fs::write(p, lines.join("\n") + "\n").unwrap();
    }

    #[test]
    fn an_append_in_progress_is_not_a_break_but_a_torn_line_is() {
        use std::io::Write;
        let (_d, p) = log_with(3);
        let whole = std::fs::read(&p).unwrap();
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"ts\":\"2026-11-22T00:00:00Z\",\"event\":\"Pre")
            .unwrap();
        // Nobody holds the lock: the line is torn (a crash mid-write), and that is reported.
        let r = verify(&p, None).unwrap();
        assert_eq!(r.first_error.as_ref().map(|e| e.line), Some(4), "{r:?}");
        // A writer holds the lock (verify gives up waiting after a second): the same line past
        // the end the head records is a record being appended, left for the next run.
        let sidecar = std::fs::File::open(head_path(&p)).unwrap();
        sidecar.lock().unwrap();
        let r = verify(&p, None).unwrap();
        sidecar.unlock().unwrap();
        assert_eq!((r.records, &r.first_error), (3, &None), "{r:?}");
        assert!(
            r.notes.iter().any(|n| n.contains("being appended")),
            "{r:?}"
        );
        // The last committed record cut short is a break either way.
        std::fs::write(&p, &whole[..whole.len() - 20]).unwrap();
        let r = verify(&p, None).unwrap();
        assert!(r.first_error.is_some(), "{r:?}");
    }

    #[test]
    fn intact_chain_verifies() {
        let (_d, p) = log_with(5);
        let r = verify(&p, None).unwrap();
        assert_eq!((r.records, r.first_error), (5, None));
    }

    #[test]
    fn each_tampering_is_named_at_its_line() {
        type Tamper = Box<dyn FnOnce(&mut Vec<String>)>;
        let cases: Vec<(&str, Tamper, usize)> = vec![
            ("edited", Box::new(|l| l[2] = l[2].replace("s2", "s9")), 3),
            (
                "deleted",
                Box::new(|l| {
                    l.remove(2);
                }),
                3,
            ),
            ("reordered", Box::new(|l| l.swap(1, 2)), 2),
            (
                "inserted",
                Box::new(|l| {
                    let c = l[1].clone();
                    l.insert(3, c)
                }),
                4,
            ),
            (
                "head removed",
                Box::new(|l| {
                    l.remove(0);
                }),
                1,
            ),
            ("truncated", Box::new(|l| l[4].truncate(30)), 5),
        ];
        for (name, f, line) in cases {
            let (_d, p) = log_with(5);
            rewrite(&p, f);
            let r = verify(&p, None).unwrap();
            assert_eq!(
                r.first_error.as_ref().map(|e| e.line),
                Some(line),
                "{name}: {r:?}"
            );
        }
    }

    #[test]
    fn concurrent_appends_keep_one_chain() {
        let (_d, p) = log_with(0);
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let p = p.clone();
                std::thread::spawn(move || {
                    for i in 0..25 {
                        let mut r = Record {
                            event: "PreToolUse".into(),
                            decision: "defer".into(),
                            subject: Some(format!("t{t}-{i}")),
                            ..Record::default()
                        };
                        append(&p, &mut r).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let r = verify(&p, None).unwrap();
        assert_eq!((r.records, r.first_error), (200, None));
    }
}
