//! `Head`: the chain's head kept in a small sidecar (`audit.jsonl.head`) beside the log.
//!
//! The sidecar is also the lock file: every append locks it, reads the head, writes the record
//! and then the new head, so finding the hash to link to costs one small read whatever the
//! log's size. The head is trusted only while it describes the live log exactly (same inode,
//! same length); otherwise (a crash between the two writes, a deleted sidecar, a log replaced
//! by hand) it is recovered from the log's last line. It is written in place with a fixed
//! width, so a torn write leaves a line that does not parse and is recovered the same way.

use super::GENESIS;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;

/// Fixed length of the sidecar's one line (192 before heads carried a MAC; those still read).
pub const HEAD_LEN: usize = 256;

/// The last record of the chain, and the live log it was read against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Inode of the live log when the head was written; 0 after a rotation, before the next
    /// log exists.
    pub ino: u64,
    /// Length of the live log in bytes when the head was written.
    pub len: u64,
    /// `seq` of the last record (0: none yet).
    pub seq: u64,
    /// `hash` of the last record ([`GENESIS`] before the first).
    pub hash: String,
    /// In a keyed log, the HMAC of the other fields: a head cannot be made up without the
    /// key (say, to name an earlier record after the log's tail was cut off).
    pub mac: Option<String>,
}

impl Head {
    pub fn genesis() -> Head {
        Head {
            ino: 0,
            len: 0,
            seq: 0,
            hash: GENESIS.to_string(),
            mac: None,
        }
    }

    /// What the MAC covers.
    fn mac_input(&self) -> String {
        format!(
            "hookguard-head ino={} len={} seq={} hash={}",
            self.ino, self.len, self.seq, self.hash
        )
    }

    /// Sets the MAC with `key` (or clears it without one).
    pub fn seal(&mut self, key: Option<&super::ChainKey>) {
        self.mac = key.map(|k| k.mac_hex(self.mac_input().as_bytes()));
    }

    /// Whether the head's MAC is `key`'s over its fields.
    pub fn authentic(&self, key: &super::ChainKey) -> bool {
        self.mac.as_deref() == Some(key.mac_hex(self.mac_input().as_bytes()).as_str())
    }

    /// The sidecar's text: one line padded to [`HEAD_LEN`] bytes.
    pub fn encode(&self) -> String {
        let mut s = format!(
            "hookguard-head v1 ino={} len={} seq={} hash={}",
            self.ino, self.len, self.seq, self.hash
        );
        if let Some(mac) = &self.mac {
            s.push_str(" mac=");
            s.push_str(mac);
        }
        while s.len() < HEAD_LEN - 1 {
            s.push(' ');
        }
        s.push('\n');
        s
    }

    pub fn decode(text: &str) -> Option<Head> {
        let mut it = text.trim_end().split(' ');
        if it.next()? != "hookguard-head" || it.next()? != "v1" {
            return None;
        }
        let mut field = |name: &str| it.next()?.strip_prefix(name).map(str::to_string);
        let ino = field("ino=")?.parse().ok()?;
        let len = field("len=")?.parse().ok()?;
        let seq = field("seq=")?.parse().ok()?;
        let hash = field("hash=")?;
        let mac = match it.next() {
            None => None,
            Some(m) => Some(m.strip_prefix("mac=")?.to_string()),
        };
        let hex = |h: &str| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit());
        (hex(&hash) && mac.as_deref().is_none_or(hex) && it.next().is_none()).then_some(Head {
            ino,
            len,
            seq,
            hash,
            mac,
        })
    }

    /// Reads the head from the sidecar; `None` when it is empty or unreadable as a head.
    pub fn read(sidecar: &File) -> std::io::Result<Option<Head>> {
        Ok(match HeadState::read(sidecar)? {
            HeadState::Valid(h) => Some(h),
            _ => None,
        })
    }

    /// Writes the head in place (fixed width: no truncation needed).
    pub fn write(&self, sidecar: &File) -> std::io::Result<()> {
        sidecar.write_all_at(self.encode().as_bytes(), 0)
    }
}

/// What the sidecar holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadState {
    /// Nothing: a sidecar just created (a new log), or one emptied.
    Empty,
    /// Bytes that are not a head.
    Damaged,
    Valid(Head),
}

impl HeadState {
    pub fn read(sidecar: &File) -> std::io::Result<HeadState> {
        let mut buf = [0u8; HEAD_LEN];
        let n = sidecar.read_at(&mut buf, 0)?;
        if n == 0 {
            return Ok(HeadState::Empty);
        }
        Ok(std::str::from_utf8(&buf[..n])
            .ok()
            .and_then(Head::decode)
            .map_or(HeadState::Damaged, HeadState::Valid))
    }
}

/// The complete line that ends at byte `end` of `f` (without its newline), read with one
/// bounded read; `None` when no line ends there (`end` is not just after a newline).
pub fn line_ending_at(f: &File, end: u64) -> std::io::Result<Option<String>> {
    if end == 0 {
        return Ok(None);
    }
    let start = end.saturating_sub(TAIL);
    let mut buf = vec![0u8; (end - start) as usize];
    f.read_exact_at(&mut buf, start)?;
    if buf.last() != Some(&b'\n') {
        return Ok(None);
    }
    buf.pop();
    let from = buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if from == 0 && start > 0 {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&buf[from..]).into_owned()))
}

/// The first line of `f` (without its newline), read with one bounded read.
pub fn first_line(f: &File) -> std::io::Result<Option<String>> {
    let mut buf = vec![0u8; TAIL as usize];
    let mut n = 0;
    while n < buf.len() {
        let got = f.read_at(&mut buf[n..], n as u64)?;
        if got == 0 {
            break;
        }
        n += got;
    }
    Ok(buf[..n]
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| String::from_utf8_lossy(&buf[..i]).into_owned()))
}

/// The `prev_hash` of a record line.
pub fn prev_hash_of(line: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()?
        .get("prev_hash")?
        .as_str()
        .map(str::to_string)
}

/// How much of the log's end is read to find the last record. Records are bounded (subjects
/// are cut to 2 KiB), so the last line always fits.
const TAIL: u64 = 64 * 1024;

/// What the log's last line says: the head, and whether the file ends mid-line (a torn write
/// or a truncation, which the next record must not be glued onto).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    pub head: Head,
    pub torn: bool,
}

/// Recovers the head from the last complete record of `log` (length `len`, inode `ino`): a
/// bounded read from the end, never the whole file. A last line without a valid hash links as
/// `unknown`, which `audit verify` reports at that line.
pub fn recover(log: &mut File, ino: u64, len: u64) -> std::io::Result<Tail> {
    if len == 0 {
        return Ok(Tail {
            head: Head {
                ino,
                ..Head::genesis()
            },
            torn: false,
        });
    }
    let start = len.saturating_sub(TAIL);
    log.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::with_capacity((len - start) as usize);
    log.take(len - start).read_to_end(&mut buf)?;
    let torn = buf.last() != Some(&b'\n');
    let text = String::from_utf8_lossy(&buf);
    let last = text
        .trim_end_matches('\n')
        .rsplit('\n')
        .next()
        .unwrap_or("");
    let hash = super::verify::hash_field(last).map(str::to_string);
    let seq = serde_json::from_str::<serde_json::Value>(last)
        .ok()
        .and_then(|v| v.get("seq").and_then(|s| s.as_u64()))
        .unwrap_or(0);
    Ok(Tail {
        head: Head {
            ino,
            len,
            seq,
            hash: hash.unwrap_or_else(|| "unknown".to_string()),
            mac: None,
        },
        torn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_to_a_fixed_width_and_back() {
        let h = Head {
            ino: u64::MAX,
            len: u64::MAX,
            seq: u64::MAX,
            hash: "ab".repeat(32),
            mac: None,
        };
        let text = h.encode();
        assert_eq!(text.len(), HEAD_LEN);
        assert_eq!(Head::decode(&text), Some(h.clone()));
        let key = crate::audit::ChainKey::from_bytes(b"0123456789abcdef");
        let mut keyed = h;
        keyed.seal(Some(&key));
        let text = keyed.encode();
        assert_eq!(text.len(), HEAD_LEN);
        let back = Head::decode(&text).unwrap();
        assert!(back.authentic(&key));
        let forged = Head { seq: 7, ..back };
        assert!(!forged.authentic(&key));
        assert_eq!(Head::genesis().encode().len(), HEAD_LEN);
    }

    #[test]
    fn damaged_heads_do_not_decode() {
        let good = Head::genesis().encode();
        for bad in [
            "",
            "hookguard-head v2 ino=0 len=0 seq=0 hash=00",
            &good[..40],
            &good.replace("len=", "size="),
            &good.replace("seq=0", "seq=x"),
        ] {
            assert_eq!(Head::decode(bad), None, "{bad:?}");
        }
    }
}
