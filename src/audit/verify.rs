//! `hookguard audit verify`: checks every record's hash and its link to the one before, and
//! names the first line that breaks the chain.

use super::GENESIS;
use std::io::BufRead;
use std::path::Path;

/// The result of checking a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub records: usize,
    /// The first bad line (1-based) and what is wrong with it.
    pub first_error: Option<(usize, String)>,
}

/// The value of the trailing `"hash"` field of a record line, if the line ends with one.
pub fn hash_field(line: &str) -> Option<&str> {
    let rest = line.strip_suffix("\"}")?;
    let (_, hash) = rest.rsplit_once(",\"hash\":\"")?;
    (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hash)
}

/// Checks one line: returns its hash, or what is wrong.
fn check_line(line: &str, prev: &str) -> Result<String, String> {
    let hash = hash_field(line).ok_or("the record has no trailing hash (truncated or edited)")?;
    let body_len = line.len() - hash.len() - ",\"hash\":\"\"}".len();
    let body = format!("{}}}", &line[..body_len]);
    let actual = crate::digest::sha256_hex(body.as_bytes());
    if actual != hash {
        return Err("the record's content does not match its hash (edited)".into());
    }
    let v: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| format!("the record is not valid JSON: {e}"))?;
    let linked = v.get("prev_hash").and_then(|p| p.as_str()).unwrap_or("");
    if linked != prev {
        return Err(if prev == GENESIS {
            "the first record does not start the chain (records before it were removed)".into()
        } else {
            "the record does not link to the one before it (a record was removed, inserted or reordered)".into()
        });
    }
    Ok(hash.to_string())
}

/// Verifies the log at `path`.
pub fn verify(path: &Path) -> std::io::Result<VerifyReport> {
    let file = std::fs::File::open(path)?;
    let mut prev = GENESIS.to_string();
    let mut records = 0;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        match check_line(&line, &prev) {
            Ok(h) => {
                prev = h;
                records += 1;
            }
            Err(e) => {
                return Ok(VerifyReport {
                    records,
                    first_error: Some((i + 1, e)),
                });
            }
        }
    }
    Ok(VerifyReport {
        records,
        first_error: None,
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
    fn intact_chain_verifies() {
        let (_d, p) = log_with(5);
        assert_eq!(
            verify(&p).unwrap(),
            VerifyReport {
                records: 5,
                first_error: None
            }
        );
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
            let r = verify(&p).unwrap();
            assert_eq!(
                r.first_error.as_ref().map(|e| e.0),
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
        assert_eq!(
            verify(&p).unwrap(),
            VerifyReport {
                records: 200,
                first_error: None
            }
        );
    }
}
