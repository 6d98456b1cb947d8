//! The audit log's robustness, through the library and `hookguard audit verify`: the sidecar
//! head and its recovery, rotation with the chain continuing across files, tamper evidence,
//! the keyed chain, owner-only permissions and symlink refusal.

mod audit_support;

use audit_support::{Scratch, Tmpfs, hookguard, is_root, text};
use hookguard::audit::head::Head;
use hookguard::audit::log::{head_path, rotated_path};
use hookguard::audit::{ChainKey, GENESIS, Log, Record, Settings, verify};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

fn rec(i: usize) -> Record {
    Record {
        ts: "2026-11-21T22:05:09.123Z".into(),
        event: "PreToolUse".into(),
        decision: "defer".into(),
        subject: Some(format!("s{i}")),
        ..Record::default()
    }
}

fn write_n(log: &Log, from: usize, n: usize) {
    for i in from..from + n {
        log.append(&mut rec(i)).unwrap();
    }
}

fn plain(path: &Path, settings: Settings) -> Log {
    Log::with_key(path, &settings, None)
}

fn verify_cli(path: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["audit", "verify"];
    args.extend_from_slice(extra);
    let p = path.to_str().unwrap();
    args.push(p);
    let o = hookguard(&args);
    (o.status.code().unwrap(), text(&o.stdout) + &text(&o.stderr))
}

#[test]
fn the_head_is_kept_in_the_sidecar_and_matches_the_log() {
    let s = Scratch::new("head");
    let p = s.join("log/audit.jsonl");
    let log = plain(&p, Settings::default());
    write_n(&log, 0, 3);
    let head = Head::decode(&std::fs::read_to_string(head_path(&p)).unwrap()).unwrap();
    let meta = std::fs::metadata(&p).unwrap();
    assert_eq!((head.ino, head.len, head.seq), (meta.ino(), meta.len(), 3));
    let last = std::fs::read_to_string(&p).unwrap();
    assert!(
        last.trim_end()
            .ends_with(&format!("\"hash\":\"{}\"}}", head.hash))
    );
}

#[test]
fn a_head_one_record_behind_is_recovered_from_the_last_line() {
    // A crash between the record and the head: the head is one record behind, and the record
    // it names still ends where it says. Nothing was lost, so the chain simply continues.
    let s = Scratch::new("recover");
    let p = s.join("audit.jsonl");
    let log = plain(&p, Settings::default());
    write_n(&log, 0, 2);
    let h = std::fs::read(head_path(&p)).unwrap();
    write_n(&log, 100, 1);
    std::fs::write(head_path(&p), h).unwrap();
    assert_eq!(verify(&p, None).unwrap().first_error, None);
    write_n(&log, 200, 2);
    let r = verify(&p, None).unwrap();
    assert_eq!((r.records, r.first_error), (5, None));
    let seqs: Vec<u64> = audit_support::records(&p)
        .iter()
        .map(|v| v["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=5).collect::<Vec<_>>());
}

#[test]
fn a_missing_or_damaged_head_is_recorded_as_a_gap_never_reseeded() {
    for (name, damage) in [("missing", None), ("garbage", Some("not a head\n"))] {
        let s = Scratch::new("gap");
        let p = s.join("audit.jsonl");
        let log = plain(&p, Settings::default());
        write_n(&log, 0, 2);
        match damage {
            None => std::fs::remove_file(head_path(&p)).unwrap(),
            Some(t) => std::fs::write(head_path(&p), t).unwrap(),
        }
        // verify sees it before any hook runs …
        assert!(verify(&p, None).unwrap().first_error.is_some(), "{name}");
        // … and the next append records it as an event of its own, which verify reports.
        write_n(&log, 10, 1);
        let v = audit_support::records(&p);
        assert_eq!(v.len(), 4, "{name}");
        assert_eq!(v[2]["rule"], "audit.gap", "{name}");
        assert_eq!(v[2]["chain"]["kind"], "gap", "{name}");
        assert_eq!(v[2]["prev_hash"], v[1]["hash"], "{name}");
        assert_eq!(v[3]["prev_hash"], v[2]["hash"], "{name}");
        let b = verify(&p, None).unwrap().first_error.expect(name);
        assert_eq!(b.line, 3, "{name}");
        assert!(b.message.contains("gap"), "{name}: {b:?}");
    }
}

#[test]
fn rotation_keeps_n_files_and_the_chain_continues_across_them() {
    let s = Scratch::new("rotate");
    let p = s.join("audit.jsonl");
    let settings = Settings {
        rotate_bytes: 2_000,
        keep: 3,
        ..Settings::default()
    };
    let log = plain(&p, settings);
    write_n(&log, 0, 40);
    if !p.exists() {
        // The 40th record rotated the live file away: start the next one.
        write_n(&log, 40, 1);
    }
    for n in 1..=3 {
        assert!(rotated_path(&p, n).exists(), "{n}");
    }
    assert!(!rotated_path(&p, 4).exists());
    // The first record of each file links to the last of the one before.
    let files = hookguard::audit::verify::log_set(&p);
    for pair in files.windows(2) {
        let older = std::fs::read_to_string(&pair[0]).unwrap();
        let newer = std::fs::read_to_string(&pair[1]).unwrap();
        let last: serde_json::Value = serde_json::from_str(older.lines().last().unwrap()).unwrap();
        let first: serde_json::Value = serde_json::from_str(newer.lines().next().unwrap()).unwrap();
        assert_eq!(first["prev_hash"], last["hash"]);
        assert_eq!(first["seq"].as_u64(), last["seq"].as_u64().map(|s| s + 1));
    }
    let r = verify(&p, None).unwrap();
    assert_eq!(r.first_error, None);
    assert_eq!(r.files.len(), 4);
    assert!(r.notes.iter().any(|n| n.contains("rotated away")), "{r:?}");
    let (code, out) = verify_cli(&p, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("in 4 files"), "{out}");

    // A rotated file checked on its own may start mid-chain.
    let (code, out) = verify_cli(&rotated_path(&p, 2), &[]);
    assert_eq!(code, 0, "{out}");
    // A log that does not exist is an error, not an empty intact chain.
    let (code, out) = verify_cli(&s.join("absent.jsonl"), &[]);
    assert_eq!(code, 2, "{out}");

    // Tampering in a rotated file is named with that file and line.
    let victim = rotated_path(&p, 2);
    let t = std::fs::read_to_string(&victim).unwrap();
    let line2 = t.lines().nth(1).unwrap();
    let edited = line2.replacen("\"decision\":\"defer\"", "\"decision\":\"allow\"", 1);
    std::fs::write(&victim, t.replacen(line2, &edited, 1)).unwrap();
    let (code, out) = verify_cli(&p, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{}:2: chain broken", victim.display())),
        "{out}"
    );
}

#[test]
fn a_rotated_file_removed_from_the_middle_is_caught() {
    let s = Scratch::new("rotgap");
    let p = s.join("audit.jsonl");
    let log = plain(
        &p,
        Settings {
            rotate_bytes: 2_000,
            keep: 5,
            ..Settings::default()
        },
    );
    write_n(&log, 0, 30);
    std::fs::rename(rotated_path(&p, 1), s.join("elsewhere")).unwrap();
    // `.1` gone: the set is just the live file, whose first record links to a removed one.
    let r = verify(&p, None).unwrap();
    assert_eq!(r.first_error.map(|b| b.line), Some(1));
}

#[test]
fn the_chain_continues_after_a_rotation_and_a_lost_head_is_a_gap() {
    let s = Scratch::new("rotrec");
    let p = s.join("audit.jsonl");
    let settings = Settings {
        rotate_bytes: 2_500,
        keep: 2,
        ..Settings::default()
    };
    let log = plain(&p, settings);
    let mut i = 0;
    while !rotated_path(&p, 1).exists() {
        write_n(&log, i, 1);
        i += 1;
    }
    // After a rotation with no record since, the head names the last record of `.1`.
    assert!(!p.exists());
    assert_eq!(verify(&p, None).unwrap().first_error, None);
    write_n(&log, 10, 1);
    let r = verify(&p, None).unwrap();
    assert_eq!(r.first_error, None, "{r:?}");
    // The live file begins with a rotation record naming the file it continues.
    let live_first = || -> serde_json::Value {
        let t = std::fs::read_to_string(&p).unwrap();
        serde_json::from_str(t.lines().next().unwrap()).unwrap()
    };
    let first = live_first();
    assert_eq!(first["chain"]["kind"], "rotation");
    assert_eq!(first["chain"]["file"], "audit.jsonl.1");
    // The live file and the head both lost: the chain continues from `.1`, with a gap.
    std::fs::remove_file(&p).unwrap();
    std::fs::remove_file(head_path(&p)).unwrap();
    write_n(&log, 20, 1);
    assert_eq!(live_first()["rule"], "audit.gap");
    assert!(verify(&p, None).unwrap().first_error.is_some());
}

#[test]
fn every_tampering_is_reported_by_the_cli_at_its_line() {
    type Tamper = fn(&mut Vec<String>);
    let cases: &[(&str, Tamper, &str)] = &[
        ("edited", |l| l[2] = l[2].replace("s2", "s9"), ":3:"),
        ("deleted", |l| drop(l.remove(2)), ":3:"),
        ("reordered", |l| l.swap(1, 2), ":2:"),
        ("inserted", |l| l.insert(3, l[1].clone()), ":4:"),
        ("first removed", |l| drop(l.remove(0)), ":1:"),
        ("truncated mid-line", |l| l[4].truncate(40), ":5:"),
        ("last removed", |l| drop(l.pop()), ":5:"),
    ];
    for (name, tamper, at) in cases {
        let s = Scratch::new("tamper");
        let p = s.join("audit.jsonl");
        write_n(&plain(&p, Settings::default()), 0, 5);
        let mut lines: Vec<String> = std::fs::read_to_string(&p)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        tamper(&mut lines);
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        let (code, out) = verify_cli(&p, &[]);
        assert_eq!(code, 1, "{name}: {out}");
        assert!(
            out.contains(at) && out.contains("chain broken"),
            "{name}: {out}"
        );
    }
}

#[test]
fn a_torn_last_line_is_reported_and_the_next_record_starts_a_new_line() {
    let s = Scratch::new("torn");
    let p = s.join("audit.jsonl");
    let log = plain(&p, Settings::default());
    write_n(&log, 0, 3);
    let t = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, &t[..t.len() - 30]).unwrap();
    write_n(&log, 3, 1);
    // The log is shorter than its head: a gap record, then the record, each on a line.
    let after = std::fs::read_to_string(&p).unwrap();
    assert_eq!(after.lines().count(), 5);
    assert!(after.lines().nth(3).unwrap().contains("\"audit.gap\""));
    let r = verify(&p, None).unwrap();
    assert_eq!(r.first_error.map(|b| b.line), Some(3));
}

#[test]
fn the_log_is_owner_only_and_tightened_if_loosened() {
    let s = Scratch::new("perm");
    let p = s.join("state/hookguard/audit.jsonl");
    let log = plain(&p, Settings::default());
    write_n(&log, 0, 1);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().mode() & 0o777;
    assert_eq!(mode(p.parent().unwrap()), 0o700);
    assert_eq!(mode(&p), 0o600);
    assert_eq!(mode(&head_path(&p)), 0o600);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    write_n(&log, 1, 1);
    assert_eq!(mode(&p), 0o600);
}

#[test]
fn symbolic_links_are_refused() {
    type Setup = fn(&Scratch) -> std::path::PathBuf;
    let cases: &[(&str, Setup)] = &[
        ("log", |s| {
            std::fs::write(s.join("target"), "").unwrap();
            std::os::unix::fs::symlink(s.join("target"), s.join("audit.jsonl")).unwrap();
            s.join("audit.jsonl")
        }),
        ("dangling log", |s| {
            std::os::unix::fs::symlink(s.join("nowhere"), s.join("audit.jsonl")).unwrap();
            s.join("audit.jsonl")
        }),
        ("sidecar", |s| {
            std::fs::write(s.join("target"), "").unwrap();
            std::os::unix::fs::symlink(s.join("target"), s.join("audit.jsonl.head")).unwrap();
            s.join("audit.jsonl")
        }),
        ("directory", |s| {
            std::fs::create_dir(s.join("real")).unwrap();
            std::os::unix::fs::symlink(s.join("real"), s.join("linked")).unwrap();
            s.join("linked/audit.jsonl")
        }),
    ];
    for (name, setup) in cases {
        let s = Scratch::new("symlink");
        let p = setup(&s);
        let e = plain(&p, Settings::default())
            .append(&mut rec(0))
            .unwrap_err();
        assert!(
            matches!(e, hookguard::audit::AuditError::Symlink { .. }),
            "{name}: {e}"
        );
        assert!(e.to_string().contains("symbolic link"), "{name}: {e}");
        if s.join("target").exists() {
            assert_eq!(
                std::fs::read_to_string(s.join("target")).unwrap(),
                "",
                "{name}"
            );
        }
    }
}

#[test]
fn a_keyed_chain_catches_a_rewritten_chain() {
    let s = Scratch::new("hmac");
    let p = s.join("audit.jsonl");
    let key_file = s.join("audit.key");
    std::fs::write(&key_file, "0123456789abcdef0123456789abcdef\n").unwrap();
    let key = ChainKey::load_unchecked(&key_file).unwrap();
    let log = Log::with_key(&p, &Settings::default(), Some(key.clone()));
    write_n(&log, 0, 4);
    let first: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&p).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(first["key_id"], key.id());
    let key_arg = key_file.to_str().unwrap();
    assert_eq!(verify_cli(&p, &["--key", key_arg]).0, 0);
    let (code, out) = verify_cli(&p, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(":1:") && out.contains("--key"), "{out}");

    // Rewrite the whole chain from record 2 with plain SHA-256, as a user without the key
    // would: an unkeyed record after keyed ones.
    let rewrite = |key: Option<ChainKey>| {
        let text = std::fs::read_to_string(&p).unwrap();
        let mut prev = String::new();
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            if i < 1 {
                out.push_str(line);
                out.push('\n');
                prev = hookguard::audit::verify::hash_field(line)
                    .unwrap()
                    .to_string();
                continue;
            }
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            let o = v.as_object_mut().unwrap();
            o.remove("hash");
            o.insert("prev_hash".into(), prev.clone().into());
            if i == 2 {
                o.insert("decision".into(), "allow".into());
            }
            match &key {
                Some(k) => o.insert("key_id".into(), k.id().into()),
                None => o.remove("key_id"),
            };
            let body = serde_json::to_string(&v).unwrap();
            let hash = match &key {
                Some(k) => k.mac_hex(body.as_bytes()),
                None => hookguard::digest::sha256_hex(body.as_bytes()),
            };
            out.push_str(&format!(
                "{},\"hash\":\"{hash}\"}}\n",
                &body[..body.len() - 1]
            ));
            prev = hash;
        }
        std::fs::write(&p, out).unwrap();
        let _ = std::fs::remove_file(head_path(&p));
    };
    rewrite(None);
    let (code, out) = verify_cli(&p, &["--key", key_arg]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(":2:") && out.contains("not keyed"), "{out}");
    // With a guessed key, the key id gives it away.
    rewrite(Some(ChainKey::from_bytes(b"guessed-guessed-guessed!")));
    let (code, out) = verify_cli(&p, &["--key", key_arg]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(":2:"), "{out}");
    // And a forged key id does not help either.
    let text = std::fs::read_to_string(&p).unwrap().replace(
        ChainKey::from_bytes(b"guessed-guessed-guessed!").id(),
        key.id(),
    );
    std::fs::write(&p, text).unwrap();
    let (code, out) = verify_cli(&p, &["--key", key_arg]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(":2:") && out.contains("edited"), "{out}");
}

#[test]
fn a_key_file_that_others_can_read_is_refused_and_never_printed() {
    let s = Scratch::new("keyperm");
    let key_file = s.join("audit.key");
    std::fs::write(&key_file, "0123456789abcdef0123456789abcdef").unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let settings = Settings {
        hmac_key: Some(key_file.clone()),
        ..Settings::default()
    };
    let e = Log::new(&s.join("audit.jsonl"), &settings)
        .unwrap_err()
        .to_string();
    assert!(e.contains("readable by no one else"), "{e}");
    assert!(!e.contains("0123456789abcdef"), "{e}");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(
        Log::new(&s.join("audit.jsonl"), &settings).is_ok(),
        is_root()
    );
}

#[test]
fn a_full_disk_leaves_no_half_record_behind() {
    if !is_root() {
        eprintln!("note: not root; the full-disk fault is covered by audit_faults where possible");
        return;
    }
    let s = Scratch::new("full");
    let Some(fs) = Tmpfs::mount(&s.join("mnt"), "size=64k,mode=0700") else {
        return;
    };
    let p = fs.0.join("audit.jsonl");
    let log = plain(&p, Settings::default());
    write_n(&log, 0, 2);
    // Fill every free page, leaving the log's last page partly empty: the next record is
    // written in part, then ENOSPC.
    let mut filler = std::fs::File::create(fs.0.join("filler")).unwrap();
    let block = vec![b'x'; 4096];
    while std::io::Write::write_all(&mut filler, &block).is_ok() {}
    drop(filler);
    let mut failed = 0;
    for i in 2..40 {
        if log.append(&mut rec(i)).is_err() {
            failed += 1;
        }
    }
    assert!(failed > 0, "the disk never filled");
    let r = verify(&p, None).unwrap();
    assert_eq!(r.first_error, None, "{r:?}");
    std::fs::remove_file(fs.0.join("filler")).unwrap();
    write_n(&log, 50, 2);
    assert_eq!(verify(&p, None).unwrap().first_error, None);
}

#[test]
fn an_empty_log_starts_from_the_genesis() {
    let s = Scratch::new("genesis");
    let p = s.join("audit.jsonl");
    write_n(&plain(&p, Settings::default()), 0, 1);
    let v = &audit_support::records(&p)[0];
    assert_eq!(v["prev_hash"], GENESIS);
    assert_eq!(v["seq"], 1);
}

#[test]
fn a_torn_write_after_the_head_is_stepped_over_and_reported() {
    // A crash part-way through a write leaves bytes after the record the head names: the next
    // record starts a new line, links to the head's record and continues its numbering.
    let s = Scratch::new("tornafter");
    let p = s.join("audit.jsonl");
    let log = plain(&p, Settings::default());
    write_n(&log, 0, 3);
    let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
    std::io::Write::write_all(
        &mut f,
        b"{\"ts\":\"2026-12-04T10:00:00.000Z\",\"seq\":4,\"ev",
    )
    .unwrap();
    write_n(&log, 3, 1);
    let text = std::fs::read_to_string(&p).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5);
    let last: serde_json::Value = serde_json::from_str(lines[4]).unwrap();
    let third: serde_json::Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(last["seq"], 4);
    assert_eq!(last["prev_hash"], third["hash"]);
    assert_eq!(
        verify(&p, None).unwrap().first_error.map(|b| b.line),
        Some(4)
    );
}

#[test]
fn with_keep_zero_the_next_file_still_says_what_it_continues() {
    let s = Scratch::new("keep0");
    let p = s.join("audit.jsonl");
    let log = plain(
        &p,
        Settings {
            rotate_bytes: 1_500,
            keep: 0,
            ..Settings::default()
        },
    );
    let mut i = 0;
    while p.exists() || i == 0 {
        write_n(&log, i, 1);
        i += 1;
    }
    // Rotated away and deleted: the head alone remembers the chain.
    write_n(&log, 100, 1);
    let v = audit_support::records(&p);
    assert_eq!(v[0]["chain"]["kind"], "rotation");
    assert_eq!(v[0]["chain"]["keep"], 0);
    let r = verify(&p, None).unwrap();
    assert_eq!(r.first_error, None, "{r:?}");
    assert!(r.notes.iter().any(|n| n.contains("rotated away")), "{r:?}");
}
