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
    let bytes = Arc::new(bytes);
    let digest = hasher.and_then(|h| {
        h.pieces
            .send(Piece::Rest(Arc::clone(&bytes), h.given))
            .ok()
            .map(|()| h.handle)
    });
    Ok(ReadEvent { bytes, digest })
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
}
