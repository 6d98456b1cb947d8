//! `hookguard audit verify`: checks every record's hash and its link to the one before, across
//! the rotated files in order, and names the first line that breaks the chain.
//!
//! What is caught: an edited record (its hash no longer matches), a removed, reordered or
//! inserted one (the link breaks), a truncated line (no hash), records removed from the end
//! (the head sidecar names a record the log no longer has), and, with an HMAC key, a chain
//! rewritten from an edit onwards. What cannot be caught locally: the oldest rotated files
//! deleted outright, or the log and its sidecar both rolled back; shipping each record off the
//! machine as it is written (syslog, a log shipper) covers those.

use super::GENESIS;
use super::head::Head;
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// The files checked, oldest first.
    pub files: Vec<PathBuf>,
    /// Records verified before the first break (all of them when intact).
    pub records: usize,
    pub first_error: Option<ChainBreak>,
    /// Facts worth knowing that are not breaks (records rotated away, unkeyed prefix).
    pub notes: Vec<String>,
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
    while rotated_path(path, n).exists() {
        files.push(rotated_path(path, n));
        n += 1;
    }
    files.reverse();
    if path.exists() || files.is_empty() {
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

/// Whether `path` names a rotated file (`audit.jsonl.3`).
fn is_rotated(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
}

/// The chain state carried from one line (and one file) to the next.
struct Walker<'k> {
    key: Option<&'k ChainKey>,
    prev: String,
    prev_seq: u64,
    /// The first record seen may link to a record rotated away.
    first_may_continue: bool,
    seen_keyed: bool,
    unkeyed_before_key: usize,
    records: usize,
}

impl Walker<'_> {
    /// Checks one line: returns its hash, or what is wrong.
    fn check(&mut self, line: &str) -> Result<String, String> {
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
            (Some(_), Some(k)) => {
                self.seen_keyed = true;
                k.mac_hex(body.as_bytes())
            }
            (None, _) if self.seen_keyed => {
                return Err(
                    "the record is not keyed but follows keyed records (the chain was rewritten without the key)"
                        .into(),
                );
            }
            (None, key) => {
                if key.is_some() {
                    self.unkeyed_before_key += 1;
                }
                crate::digest::sha256_hex(body.as_bytes())
            }
        };
        if actual != hash {
            return Err("the record's content does not match its hash (edited)".into());
        }
        let linked = v.get("prev_hash").and_then(|p| p.as_str()).unwrap_or("");
        let seq = v.get("seq").and_then(|s| s.as_u64()).unwrap_or(0);
        if self.records == 0 && self.first_may_continue && linked != GENESIS {
            // The oldest kept file begins where a rotated-away file ended.
        } else if linked != self.prev {
            return Err(if self.prev == GENESIS {
                "the first record does not start the chain (records before it were removed)".into()
            } else {
                "the record does not link to the one before it (a record was removed, inserted or reordered)".into()
            });
        }
        self.prev = hash.to_string();
        self.prev_seq = seq;
        self.records += 1;
        Ok(hash.to_string())
    }
}

/// Verifies the log at `path` and its rotated files (`path.1` …), oldest first. With `key`,
/// keyed records are authenticated; without it, a keyed record is reported as unverifiable.
pub fn verify(path: &Path, key: Option<&ChainKey>) -> std::io::Result<VerifyReport> {
    // A consistent snapshot: under a brief shared lock (writers hold it exclusively for one
    // append), list and open every file and read the head. Open files stay valid if a writer
    // rotates them afterwards, and the long read happens after the lock is released, so a
    // verify of a large log never makes a hook wait.
    let sidecar = std::fs::File::open(head_path(path)).ok();
    let locked = sidecar.as_ref().is_some_and(lock_shared_briefly);
    let files = log_set(path);
    let mut opened = Vec::with_capacity(files.len());
    for file in &files {
        match std::fs::File::open(file) {
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
    let head = sidecar.as_ref().and_then(|f| Head::read(f).ok().flatten());
    if locked && let Some(f) = &sidecar {
        let _ = f.unlock();
    }
    if opened.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such audit log",
        ));
    }
    let mut w = Walker {
        key,
        prev: GENESIS.to_string(),
        prev_seq: 0,
        // The oldest file is a rotated one (or a rotated file is checked on its own): its
        // first record may link to a file rotated away.
        first_may_continue: files[0] != path || is_rotated(path),
        seen_keyed: false,
        unkeyed_before_key: 0,
        records: 0,
    };
    let mut notes = Vec::new();
    let fail = |file: &Path, line: usize, message: String, w: &Walker, notes: Vec<String>| {
        Ok(VerifyReport {
            files: files.clone(),
            records: w.records,
            first_error: Some(ChainBreak {
                file: file.to_path_buf(),
                line,
                needs_key: message.contains("pass --key"),
                message,
            }),
            notes,
        })
    };
    for (file, f, len) in opened {
        let file = &file;
        let live = file == path;
        let ino = f.metadata()?.ino();
        let limit = if live && locked { len } else { u64::MAX };
        let mut reader = std::io::BufReader::new(std::io::Read::take(f, limit));
        let (mut offset, mut line_no, mut buf) = (0u64, 0usize, Vec::new());
        let mut hash_at_head = None;
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
            // complete, and a record cut short inside what the head covers still fails below
            // ("records were removed from the end"). With the lock, a torn line is a break.
            if live
                && !locked
                && !buf.ends_with(b"\n")
                && head
                    .as_ref()
                    .is_some_and(|h| h.ino == ino && offset >= h.len)
            {
                notes.push(
                    "a record being appended while verify read the log was left for the next run"
                        .to_string(),
                );
                break;
            }
            line_no += 1;
            offset += n as u64;
            let first_seq_pending = w.records == 0;
            let text = match std::str::from_utf8(&buf) {
                Ok(t) => t.strip_suffix('\n').unwrap_or(t),
                Err(_) => {
                    let m = "the record is not UTF-8 (edited or corrupted)".to_string();
                    return fail(file, line_no, m, &w, notes);
                }
            };
            match w.check(text) {
                Ok(h) => {
                    if first_seq_pending && w.prev_seq > 1 {
                        notes.push(format!(
                            "the chain starts at record {} in `{}`: the {} records before it were rotated away",
                            w.prev_seq,
                            file.display(),
                            w.prev_seq - 1
                        ));
                    }
                    if live && head.as_ref().is_some_and(|h| h.len == offset) {
                        hash_at_head = Some(h);
                    }
                }
                Err(m) => return fail(file, line_no, m, &w, notes),
            }
        }
        if live && let Some(h) = head.as_ref().filter(|h| h.ino == ino && h.len > 0) {
            if h.len > offset {
                let m = format!(
                    "the log ends at byte {offset} but its head records {} bytes and record {}: records were removed from the end",
                    h.len, h.seq
                );
                return fail(file, line_no + 1, m, &w, notes);
            }
            if hash_at_head.as_deref() != Some(h.hash.as_str()) {
                let m = format!(
                    "no record ends at byte {} with the hash the head records: the log was rewritten",
                    h.len
                );
                return fail(file, line_no, m, &w, notes);
            }
        }
    }
    if w.unkeyed_before_key > 0 {
        notes.push(format!(
            "{} records before the first keyed one are chained with SHA-256 only",
            w.unkeyed_before_key
        ));
    }
    Ok(VerifyReport {
        files,
        records: w.records,
        first_error: None,
        notes,
    })
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
