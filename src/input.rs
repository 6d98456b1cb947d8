//! Reading the hook event, and hashing a large one while it is still being read.
//!
//! Every audit record carries the SHA-256 of the event's bytes. Without SHA extensions that is
//! about 3 ms for a 1 MB Write on the 2-core VM, as much as everything else the hook does, so it
//! runs on a second thread. Started only once the whole event is in memory, it waits for the
//! read, while that core sits idle; started here, as soon as the event proves large, it hashes
//! what has arrived while the rest is read (Claude Code writes the event into a pipe of 64 KiB,
//! so a large event arrives over many reads). The hashing thread gets copies of what has
//! arrived, 64 KiB at a time in at most two buffers, reused, so that the read never waits for
//! it; what it has not been given by the end it reads from the finished event itself.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::thread::JoinHandle;

/// Events at least this large are hashed on a second thread (smaller ones in a few
/// microseconds on the main thread, where a thread would cost more than it saves).
pub const PARALLEL_DIGEST_MIN: usize = 128 * 1024;

/// Bytes asked of the reader at a time: the client's pipe holds 64 KiB.
const STEP: u64 = 64 * 1024;

/// An event read from stdin, and its SHA-256 if a thread is computing it.
pub struct ReadEvent {
    pub bytes: Arc<Vec<u8>>,
    /// The thread hashing a large event: its answer is the digest of all of `bytes`, or `None`
    /// if it was not given them all (then hash `bytes` here).
    pub digest: Option<JoinHandle<Option<[u8; 32]>>>,
}

/// What the main thread gives the hashing thread.
enum Piece {
    /// A copy of the next bytes; the buffer comes back through the spare channel.
    Copy(Vec<u8>),
    /// The whole event: hash it from this offset on, then finish.
    Rest(Arc<Vec<u8>>, usize),
}

/// The hashing thread and the channels to it.
struct Hasher {
    pieces: SyncSender<Piece>,
    spares: Receiver<Vec<u8>>,
    /// Buffers made so far (at most two).
    made: usize,
    /// Bytes of the event given to the thread so far.
    given: usize,
    handle: JoinHandle<Option<[u8; 32]>>,
}

impl Hasher {
    fn spawn() -> io::Result<Hasher> {
        let (pieces, incoming) = sync_channel::<Piece>(2);
        let (spare, spares) = sync_channel::<Vec<u8>>(2);
        let handle = std::thread::Builder::new()
            .name("hookguard-digest".into())
            .spawn(move || {
                let mut sha = crate::digest::Sha256::new();
                for piece in incoming {
                    match piece {
                        Piece::Copy(buf) => {
                            sha.update(&buf);
                            // The reader may be gone already; the buffer is then just dropped.
                            let _ = spare.send(buf);
                        }
                        Piece::Rest(all, from) => {
                            sha.update(&all[from..]);
                            return Some(sha.finish());
                        }
                    }
                }
                // The reader stopped without giving the whole event (a read error).
                None
            })?;
        Ok(Hasher {
            pieces,
            spares,
            made: 0,
            given: 0,
            handle,
        })
    }

    /// Gives the thread a copy of the next bytes it has not had (at most [`STEP`]: the buffers
    /// stay small, and a thread that has fallen behind reads the rest from the event at the
    /// end rather than from copies), if a buffer is free.
    fn offer(&mut self, bytes: &[u8]) {
        let end = bytes.len().min(self.given + STEP as usize);
        if self.given == end {
            return;
        }
        let mut buf = match self.spares.try_recv() {
            Ok(buf) => buf,
            Err(TryRecvError::Empty) if self.made < 2 => {
                self.made += 1;
                Vec::new()
            }
            // Both buffers are with the thread, or it has gone: it gets the rest at the end.
            Err(_) => return,
        };
        buf.clear();
        buf.extend_from_slice(&bytes[self.given..end]);
        if self.pieces.try_send(Piece::Copy(buf)).is_ok() {
            self.given = end;
        }
    }
}

/// Reads `r` to its end or to `limit` bytes, whichever is first; an event reaching
/// [`PARALLEL_DIGEST_MIN`] bytes is hashed on a second thread as it is read.
pub fn read(r: impl Read, limit: u64) -> io::Result<ReadEvent> {
    let mut r = r.take(limit);
    let mut bytes = Vec::new();
    let mut hasher: Option<Hasher> = None;
    loop {
        // No reserving ahead: `read_to_end` grows the buffer as the data comes, so a typical
        // event of a few hundred bytes costs what it did (reserving 64 KiB up front cost a
        // small event about 28 page faults and 60 k instructions).
        if (&mut r).take(STEP).read_to_end(&mut bytes)? == 0 {
            break;
        }
        if hasher.is_none() && bytes.len() >= PARALLEL_DIGEST_MIN {
            // No thread (resource limits): the digest is computed after the read instead.
            hasher = Hasher::spawn().ok();
        }
        if let Some(h) = &mut hasher {
            h.offer(&bytes);
        }
    }
    // The buffer doubled as it grew: a 62 MiB event left 128 MiB reserved. Give back what it
    // does not use (an event's address space counts against the 256 MB of issue 16); not for
    // a small spare, where the shrink would be a copy of the event for little.
    if bytes.capacity() - bytes.len() > 8 << 20 {
        bytes.shrink_to_fit();
    }
    let bytes = Arc::new(bytes);
    let digest = hasher.and_then(|h| {
        h.pieces
            .send(Piece::Rest(Arc::clone(&bytes), h.given))
            .ok()
            .map(|()| h.handle)
    });
    Ok(ReadEvent { bytes, digest })
}

/// What [`read_file`] found at a path.
#[derive(Debug)]
pub enum FileRead {
    /// A regular file of at most the cap: its bytes.
    Bytes(Vec<u8>),
    /// Nothing there (`ENOENT`, or a path through something that is not a directory).
    Missing,
    /// Something that cannot be read as a file's content: a FIFO, socket, device or
    /// directory, a file larger than the cap, or an error reading it.
    Unreadable(String),
}

impl FileRead {
    /// The bytes, or `None` for anything else.
    pub fn ok(self) -> Option<Vec<u8>> {
        match self {
            FileRead::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The content as text (invalid UTF-8 replaced), or `None`.
    pub fn text_lossy(self) -> Option<String> {
        self.ok().map(|b| {
            String::from_utf8(b)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        })
    }
}

/// Reads the file at `path` only if it is a regular file of at most `cap` bytes (issue 16).
///
/// Every file the hook reads because a tool call or a policy names it goes through here: a
/// FIFO would block the open or the read for ever, `/dev/zero` would grow without end, and a
/// socket or terminal has no content to judge. The path is checked with `stat` first (a device
/// is never opened), then opened non-blocking and checked again with `fstat` on the open file,
/// so that a FIFO swapped in between is still refused without waiting for a writer; the read
/// stops one byte past the cap.
pub fn read_file(path: &std::path::Path, cap: u64) -> FileRead {
    let file = match open_regular(path) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let too_large = || FileRead::Unreadable("larger than hookguard reads".into());
    if file.metadata().is_ok_and(|m| m.len() > cap) {
        return too_large();
    }
    let mut bytes = Vec::new();
    match file.take(cap.saturating_add(1)).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() as u64 > cap => too_large(),
        Ok(_) => FileRead::Bytes(bytes),
        Err(e) => FileRead::Unreadable(e.to_string()),
    }
}

/// The first `n` bytes of the file at `path` (fewer if it is shorter), if it is a regular
/// file: the same checks as [`read_file`], whatever its size.
pub fn read_file_head(path: &std::path::Path, n: u64) -> Option<Vec<u8>> {
    let file = open_regular(path).ok()?;
    let mut bytes = Vec::new();
    file.take(n).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Opens `path` for reading if it is a regular file: `stat` first, so that a device is never
/// opened, then a non-blocking open (a FIFO swapped in meanwhile does not wait for a writer)
/// and `fstat` on what was opened.
fn open_regular(path: &std::path::Path) -> Result<std::fs::File, FileRead> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::metadata(path) {
        Err(e) if is_missing(&e) => return Err(FileRead::Missing),
        Err(e) => return Err(FileRead::Unreadable(e.to_string())),
        Ok(m) if !m.is_file() => return Err(FileRead::Unreadable(kind_of(&m).into())),
        Ok(_) => {}
    }
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if is_missing(&e) => return Err(FileRead::Missing),
        Err(e) => return Err(FileRead::Unreadable(e.to_string())),
    };
    match file.metadata() {
        Ok(m) if !m.is_file() => Err(FileRead::Unreadable(kind_of(&m).into())),
        Ok(_) => Ok(file),
        Err(e) => Err(FileRead::Unreadable(e.to_string())),
    }
}

fn is_missing(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

fn kind_of(m: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    if t.is_fifo() {
        "a FIFO, not a regular file"
    } else if t.is_socket() {
        "a socket, not a regular file"
    } else if t.is_char_device() || t.is_block_device() {
        "a device, not a regular file"
    } else if t.is_dir() {
        "a directory, not a regular file"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A reader that hands out its bytes a few at a time, as a pipe might.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        sizes: Vec<usize>,
        turn: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let want = self.sizes[self.turn % self.sizes.len()].max(1);
            self.turn += 1;
            let n = want.min(out.len()).min(self.data.len() - self.at);
            out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn digest_of(ev: ReadEvent) -> (Vec<u8>, [u8; 32]) {
        let bytes = ev.bytes.as_ref().clone();
        let digest = ev
            .digest
            .map(|h| h.join().unwrap().unwrap())
            .unwrap_or_else(|| crate::digest::sha256(&bytes));
        (bytes, digest)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Whatever sizes the reads come in, the bytes are the input and the digest theirs.
        #[test]
        fn bytes_and_digest_are_the_input_s(
            len in prop_oneof![0usize..300, 120_000usize..700_000],
            sizes in prop::collection::vec(1usize..200_000, 1..6),
            seed in any::<u8>(),
        ) {
            let data: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect();
            let ev = read(Trickle { data: data.clone(), at: 0, sizes, turn: 0 }, u64::MAX).unwrap();
            prop_assert_eq!(ev.digest.is_some(), len >= PARALLEL_DIGEST_MIN);
            let (bytes, digest) = digest_of(ev);
            prop_assert!(bytes == data);
            prop_assert_eq!(digest, crate::digest::sha256(&data));
        }
    }

    #[test]
    fn stops_at_the_limit() {
        let data = vec![7u8; 300_000];
        let ev = read(&data[..], 200_001).unwrap();
        assert_eq!(ev.bytes.len(), 200_001);
        let (bytes, digest) = digest_of(ev);
        assert_eq!(digest, crate::digest::sha256(&bytes));
    }

    #[test]
    fn a_read_error_is_an_error() {
        struct Broken(usize);
        impl Read for Broken {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if self.0 >= 200_000 {
                    return Err(io::Error::other("pipe broke"));
                }
                let n = out.len().min(1000);
                out[..n].fill(b'x');
                self.0 += n;
                Ok(n)
            }
        }
        let e = read(Broken(0), u64::MAX).err().unwrap();
        assert!(e.to_string().contains("pipe broke"));
    }

    #[test]
    fn only_regular_files_within_the_cap_are_read() {
        let dir = std::env::temp_dir().join(format!("hg-read-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("f");
        std::fs::write(&f, b"hello").unwrap();
        assert_eq!(read_file(&f, 5).ok().unwrap(), b"hello");
        assert!(matches!(read_file(&f, 4), FileRead::Unreadable(_)));
        assert!(matches!(read_file(&dir.join("none"), 5), FileRead::Missing));
        assert!(matches!(read_file(&f.join("under"), 5), FileRead::Missing));
        assert!(matches!(read_file(&dir, 5), FileRead::Unreadable(_)));
        // A FIFO with no writer: refused at once, never waited on.
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(matches!(read_file(&fifo, 5), FileRead::Unreadable(m) if m.contains("FIFO")));
        }
        assert!(
            matches!(read_file(std::path::Path::new("/dev/zero"), 1 << 20), FileRead::Unreadable(m) if m.contains("device"))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
