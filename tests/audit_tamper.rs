//! The tampering set of issue 16: 35 ways to rewrite an audit log, each applied to a keyed
//! and to an unkeyed log with rotated files, and what catches it. Every tampering of a keyed
//! log is caught; of an unkeyed log, all but the resealings that no check of the files alone
//! can see (the forger recomputes SHA-256 hashes, which needs no secret). Two need the
//! shipped copy whatever the key (the log and its head rolled back together, a tail cut and
//! an old head put back): `audit verify --against` catches them. The table in
//! `docs/audit.md` ("What is caught, and by what") is this file in prose.

mod audit_support;

use audit_support::Scratch;
use hookguard::audit::head::Head;
use hookguard::audit::log::{head_path, rotated_path};
use hookguard::audit::verify::{Options, Source, compare, hash_field, log_set, verify_with};
use hookguard::audit::{ChainKey, GENESIS, Log, Record, Settings};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Which check catches a tampering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caught {
    /// `audit verify` of the files (with the key for a keyed log).
    Verify,
    /// `audit verify` with a key; an unkeyed log passes it (a resealing).
    VerifyIfKeyed,
    /// Only the comparison with the shipped copy (`audit verify --against`).
    Shipped,
}

struct Ctx {
    _s: Scratch,
    p: PathBuf,
    log: Log,
    key: Option<ChainKey>,
    /// The set and its head after 14 records, for a rollback.
    snapshot: Vec<(PathBuf, Vec<u8>)>,
    shipped: PathBuf,
}

fn rec(i: usize) -> Record {
    Record {
        ts: "2026-12-04T10:00:00.000Z".into(),
        event: "PreToolUse".into(),
        tool: Some("Bash".into()),
        decision: "defer".into(),
        subject: Some(format!("cargo test --package p{i:03}")),
        ..Record::default()
    }
}

fn setup(keyed: bool, rotate: bool) -> Ctx {
    let s = Scratch::new("tamper");
    let p = s.join("audit.jsonl");
    let key = keyed.then(|| ChainKey::from_bytes(b"a key the forger does not hold"));
    let settings = Settings {
        rotate_bytes: if rotate { 3_000 } else { 0 },
        keep: 5,
        ..Settings::default()
    };
    let log = Log::with_key(&p, &settings, key.clone());
    let mut snapshot = Vec::new();
    for i in 0..20 {
        if i == 14 {
            for f in log_set(&p).into_iter().chain([head_path(&p)]) {
                if let Ok(b) = std::fs::read(&f) {
                    snapshot.push((f, b));
                }
            }
        }
        log.append(&mut rec(i)).unwrap();
    }
    if rotate {
        assert!(rotated_path(&p, 2).exists(), "the set has rotated files");
    }
    // What the shipper sent: every record, as an ECS export.
    let shipped = s.join("shipped.ecs");
    let files = hookguard::audit::read::files(std::slice::from_ref(&p)).unwrap();
    let mut out = Vec::new();
    hookguard::audit::export::export(
        hookguard::audit::export::Format::Ecs,
        hookguard::audit::read::lines(files, Default::default()),
        &mut out,
    )
    .unwrap();
    std::fs::write(&shipped, out).unwrap();
    Ctx {
        _s: s,
        p,
        log,
        key,
        snapshot,
        shipped,
    }
}

fn lines(f: &Path) -> Vec<String> {
    std::fs::read_to_string(f)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// Rewrites `f` in place (same inode).
fn put(f: &Path, lines: &[String]) {
    let text = if lines.is_empty() {
        String::new()
    } else {
        lines.join("\n") + "\n"
    };
    std::fs::write(f, text).unwrap();
}

/// Rewrites `f` as `sed -i` does: a new file renamed over it (a new inode).
fn put_new_inode(f: &Path, lines: &[String]) {
    let tmp = f.with_extension("sed-tmp");
    put(&tmp, lines);
    std::fs::rename(&tmp, f).unwrap();
}

/// Re-hashes `lines[from..]` (SHA-256, or HMAC with `key`), each linked to the one before,
/// as a forger would; with `renumber`, `seq` runs on from the record before too.
fn reseal(lines: &mut [String], from: usize, key: Option<&ChainKey>, renumber: bool) {
    let (mut prev, mut seq) = if from == 0 {
        (GENESIS.to_string(), 0)
    } else {
        let v: serde_json::Value = serde_json::from_str(&lines[from - 1]).unwrap();
        (
            hash_field(&lines[from - 1]).unwrap().to_string(),
            v["seq"].as_u64().unwrap(),
        )
    };
    for line in &mut lines[from..] {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("hash");
        o.remove("prev_hash");
        match key {
            Some(k) => o.insert("key_id".into(), k.id().into()),
            None => o.remove("key_id"),
        };
        if renumber {
            seq += 1;
            o.insert("seq".into(), seq.into());
        }
        o.insert("prev_hash".into(), prev.clone().into());
        let body = serde_json::to_string(&v).unwrap();
        let hash = match key {
            Some(k) => k.mac_hex(body.as_bytes()),
            None => hookguard::digest::sha256_hex(body.as_bytes()),
        };
        *line = format!("{},\"hash\":\"{hash}\"}}", &body[..body.len() - 1]);
        prev = hash;
    }
}

/// Writes a head naming the last record of the live log, as a forger can (no key: no MAC).
fn forge_head(p: &Path) {
    let l = lines(p);
    let last = l.last().unwrap();
    let v: serde_json::Value = serde_json::from_str(last).unwrap();
    let meta = std::fs::metadata(p).unwrap();
    let h = Head {
        ino: meta.ino(),
        len: meta.len(),
        seq: v["seq"].as_u64().unwrap(),
        hash: hash_field(last).unwrap().to_string(),
        mac: None,
    };
    std::fs::write(head_path(p), h.encode()).unwrap();
}

fn edit(line: &str) -> String {
    let e = line.replacen("\"decision\":\"defer\"", "\"decision\":\"allow\"", 1);
    assert_ne!(e, line);
    e
}

type Tamper = fn(&Ctx);

fn cases() -> Vec<(&'static str, bool, Tamper, Caught)> {
    use Caught::*;
    vec![
        (
            "a field edited in the live log",
            true,
            |c| {
                let mut l = lines(&c.p);
                l[2] = edit(&l[2]);
                put(&c.p, &l);
            },
            Verify,
        ),
        (
            "a field edited in a rotated file",
            true,
            |c| {
                let f = rotated_path(&c.p, 1);
                let mut l = lines(&f);
                l[1] = edit(&l[1]);
                put(&f, &l);
            },
            Verify,
        ),
        (
            "the hash field alone edited",
            true,
            |c| {
                let mut l = lines(&c.p);
                let hash = hash_field(&l[1]).unwrap().to_string();
                let flipped = if hash.starts_with('0') { "1" } else { "0" };
                l[1] = l[1].replace(&hash, &format!("{flipped}{}", &hash[1..]));
                put(&c.p, &l);
            },
            Verify,
        ),
        (
            "a record deleted from the middle",
            true,
            |c| {
                let mut l = lines(&c.p);
                l.remove(2);
                put(&c.p, &l);
            },
            Verify,
        ),
        (
            "a record deleted from the oldest file",
            true,
            |c| {
                let f = rotated_path(&c.p, 2);
                let mut l = lines(&f);
                l.remove(3);
                put(&f, &l);
            },
            Verify,
        ),
        (
            "two records swapped",
            true,
            |c| {
                let mut l = lines(&c.p);
                l.swap(1, 2);
                put(&c.p, &l);
            },
            Verify,
        ),
        (
            "a record duplicated",
            true,
            |c| {
                let mut l = lines(&c.p);
                let d = l[1].clone();
                l.insert(2, d);
                put(&c.p, &l);
            },
            Verify,
        ),
        (
            "a record of another file inserted",
            true,
            |c| {
                let from = lines(&rotated_path(&c.p, 1));
                let mut l = lines(&c.p);
                l.insert(2, from[2].clone());
                put(&c.p, &l);
            },
            Verify,
        ),
        (
            "sed -i '$d' (the last record, a new inode)",
            true,
            |c| {
                let mut l = lines(&c.p);
                l.pop();
                put_new_inode(&c.p, &l);
            },
            Verify,
        ),
        (
            "the last record truncated away in place",
            true,
            |c| {
                let mut l = lines(&c.p);
                l.pop();
                put(&c.p, &l);
            },
            Verify,
        ),
        (
            "truncated in place, then one more call",
            true,
            |c| {
                let mut l = lines(&c.p);
                l.truncate(l.len() - 2);
                put(&c.p, &l);
                c.log.append(&mut rec(100)).unwrap();
            },
            Verify,
        ),
        (
            "sed -i '$d', then one more call",
            true,
            |c| {
                let mut l = lines(&c.p);
                l.pop();
                put_new_inode(&c.p, &l);
                c.log.append(&mut rec(100)).unwrap();
            },
            Verify,
        ),
        (
            "the last record cut mid-line",
            true,
            |c| {
                let t = std::fs::read(&c.p).unwrap();
                std::fs::write(&c.p, &t[..t.len() - 40]).unwrap();
            },
            Verify,
        ),
        (
            "the head deleted",
            true,
            |c| {
                std::fs::remove_file(head_path(&c.p)).unwrap();
            },
            Verify,
        ),
        (
            "the head deleted, then one more call",
            true,
            |c| {
                std::fs::remove_file(head_path(&c.p)).unwrap();
                c.log.append(&mut rec(100)).unwrap();
            },
            Verify,
        ),
        (
            "the head damaged",
            true,
            |c| {
                std::fs::write(head_path(&c.p), "hookguard-head v1 ino=1 len=x\n").unwrap();
            },
            Verify,
        ),
        (
            "a FIFO in place of the head",
            true,
            |c| {
                std::fs::remove_file(head_path(&c.p)).unwrap();
                let ok = std::process::Command::new("mkfifo")
                    .arg(head_path(&c.p))
                    .status()
                    .unwrap()
                    .success();
                assert!(ok);
            },
            Verify,
        ),
        (
            "the head replaced by a link to an older copy",
            true,
            |c| {
                let head = head_path(&c.p);
                let old = c.snapshot.iter().find(|(f, _)| *f == head).unwrap();
                let copy = c.p.with_extension("old-head");
                std::fs::write(&copy, &old.1).unwrap();
                std::fs::remove_file(&head).unwrap();
                std::os::unix::fs::symlink(&copy, &head).unwrap();
            },
            Verify,
        ),
        (
            "the live log deleted",
            true,
            |c| {
                std::fs::remove_file(&c.p).unwrap();
            },
            Verify,
        ),
        (
            "the live log deleted, then one more call",
            true,
            |c| {
                std::fs::remove_file(&c.p).unwrap();
                c.log.append(&mut rec(100)).unwrap();
            },
            Verify,
        ),
        (
            "the live log emptied, then one more call",
            true,
            |c| {
                put(&c.p, &[]);
                c.log.append(&mut rec(100)).unwrap();
            },
            Verify,
        ),
        (
            "a rotated file from the middle deleted",
            true,
            |c| {
                std::fs::remove_file(rotated_path(&c.p, 1)).unwrap();
            },
            Verify,
        ),
        (
            "the oldest rotated file deleted",
            true,
            |c| {
                let mut n = 1;
                while rotated_path(&c.p, n + 1).exists() {
                    n += 1;
                }
                std::fs::remove_file(rotated_path(&c.p, n)).unwrap();
            },
            Verify,
        ),
        (
            "the first records of the oldest file deleted",
            true,
            |c| {
                let f = rotated_path(&c.p, 2);
                let l = lines(&f);
                put(&f, &l[3..]);
            },
            Verify,
        ),
        (
            "a prefix deleted and an empty LOG.1 left",
            false,
            |c| {
                let l = lines(&c.p);
                put(&c.p, &l[5..]);
                put(&rotated_path(&c.p, 1), &[]);
            },
            Verify,
        ),
        (
            "a prefix deleted from a log never rotated",
            false,
            |c| {
                let l = lines(&c.p);
                put(&c.p, &l[5..]);
            },
            Verify,
        ),
        (
            "two rotated files swapped",
            true,
            |c| {
                let (a, b) = (rotated_path(&c.p, 1), rotated_path(&c.p, 2));
                let tmp = c.p.with_extension("swap");
                std::fs::rename(&a, &tmp).unwrap();
                std::fs::rename(&b, &a).unwrap();
                std::fs::rename(&tmp, &b).unwrap();
            },
            Verify,
        ),
        (
            "a rotation faked by splitting the live log",
            true,
            |c| {
                let mut n = 1;
                while rotated_path(&c.p, n).exists() {
                    n += 1;
                }
                for k in (1..n).rev() {
                    std::fs::rename(rotated_path(&c.p, k), rotated_path(&c.p, k + 1)).unwrap();
                }
                let l = lines(&c.p);
                put(&rotated_path(&c.p, 1), &l[..2]);
                put(&c.p, &l[2..]);
            },
            Verify,
        ),
        (
            "resealed from an edited record, the head left as it was",
            true,
            |c| {
                let mut l = lines(&c.p);
                l[2] = edit(&l[2]);
                reseal(&mut l, 2, None, false);
                put(&c.p, &l);
            },
            Verify,
        ),
        (
            "a record keyed with the forger's own key",
            true,
            |c| {
                let mut l = lines(&c.p);
                l[2] = edit(&l[2]);
                let own = ChainKey::from_bytes(b"the forger's own key, not ours");
                reseal(&mut l, 2, Some(&own), false);
                put(&c.p, &l);
                forge_head(&c.p);
            },
            Verify,
        ),
        (
            "resealed from an edited record, with a head to match",
            true,
            |c| {
                let mut l = lines(&c.p);
                l[2] = edit(&l[2]);
                reseal(&mut l, 2, None, false);
                put(&c.p, &l);
                forge_head(&c.p);
            },
            VerifyIfKeyed,
        ),
        (
            "a forged record appended",
            true,
            |c| {
                let mut l = lines(&c.p);
                let mut forged = l.last().unwrap().clone();
                forged = forged.replacen("p019", "p999", 1);
                l.push(forged);
                let n = l.len();
                reseal(&mut l, n - 1, None, true);
                put(&c.p, &l);
            },
            VerifyIfKeyed,
        ),
        (
            "the tail cut and a head made up to match",
            true,
            |c| {
                let mut l = lines(&c.p);
                l.truncate(l.len() - 2);
                put(&c.p, &l);
                forge_head(&c.p);
            },
            VerifyIfKeyed,
        ),
        (
            "the whole set replaced by an unkeyed chain from genesis",
            true,
            |c| {
                let mut all: Vec<String> = log_set(&c.p)
                    .iter()
                    .flat_map(|f| lines(f))
                    .filter(|l| !l.contains("\"event\":\"(audit)\""))
                    .collect();
                reseal(&mut all, 0, None, true);
                let mut n = 1;
                while rotated_path(&c.p, n).exists() {
                    std::fs::remove_file(rotated_path(&c.p, n)).unwrap();
                    n += 1;
                }
                put_new_inode(&c.p, &all);
                forge_head(&c.p);
            },
            VerifyIfKeyed,
        ),
        (
            "the log and its head rolled back together",
            true,
            |c| {
                for f in log_set(&c.p).into_iter().chain([head_path(&c.p)]) {
                    let _ = std::fs::remove_file(f);
                }
                for (f, b) in &c.snapshot {
                    std::fs::write(f, b).unwrap();
                }
            },
            Shipped,
        ),
    ]
}

fn caught_by_verify(c: &Ctx) -> Result<(), String> {
    let opts = Options {
        key: c.key.as_ref(),
        no_head: false,
    };
    match verify_with(&c.p, opts) {
        Ok(r) => match r.first_error {
            Some(_) => Ok(()),
            None => Err(format!(
                "verify passed ({} records, notes {:?})",
                r.records, r.notes
            )),
        },
        // A log that cannot be read at all is not passed either.
        Err(_) => Ok(()),
    }
}

fn caught_against_shipped(c: &Ctx) -> bool {
    compare(&c.p, Source::Log, &c.shipped, Source::Ecs).is_ok_and(|x| !x.agrees())
}

#[test]
fn thirty_five_kinds_of_tampering_and_what_catches_each() {
    let cases = cases();
    assert_eq!(cases.len(), 35);
    let mut missed = Vec::new();
    for keyed in [true, false] {
        for (name, rotate, tamper, caught) in &cases {
            let c = setup(keyed, *rotate);
            // Before any tampering: intact, and in agreement with what was shipped.
            caught_by_verify(&c).expect_err(&format!("{name}: intact log reported"));
            assert!(!caught_against_shipped(&c), "{name}: intact log differs");
            tamper(&c);
            let by_verify = caught_by_verify(&c);
            let expected_by_verify = match caught {
                Caught::Verify => true,
                Caught::VerifyIfKeyed => keyed,
                Caught::Shipped => false,
            };
            if by_verify.is_ok() != expected_by_verify {
                missed.push(format!(
                    "{} / {name}: verify {} ({by_verify:?})",
                    if keyed { "keyed" } else { "unkeyed" },
                    if expected_by_verify {
                        "missed it"
                    } else {
                        "caught it, unexpectedly"
                    }
                ));
            }
            if !expected_by_verify && *caught == Caught::Shipped {
                assert!(
                    caught_against_shipped(&c),
                    "{name}: the shipped copy misses it"
                );
            }
            // A resealing of records already shipped differs from the shipped copy too.
            if !keyed && *caught == Caught::VerifyIfKeyed && !name.contains("appended") {
                assert!(
                    caught_against_shipped(&c),
                    "{name}: the shipped copy misses it"
                );
            }
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}
