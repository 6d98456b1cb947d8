//! False-positive survey of the content scanners over real files (a measurement, not a test).
//!
//! `cargo run --release --example scan_survey -- DIR...` scans every text file under each DIR
//! (UTF-8, at most 1 MiB; symbolic links not followed) with every built-in scanner, as the hook
//! does for a Write at the OFFICIAL classification: secrets, markings above OFFICIAL, personal
//! data. It prints, per file extension, how many files were scanned and how many had any hit,
//! then each flagged file with its rule ids and lines (never the values), and the throughput.
//!
//! A flagged file is not necessarily a false positive: test fixtures hold real private keys and
//! documentation quotes markings. docs/performance.md and ADR 0003 record how each was judged.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hookguard::scan::{Category, Classification, Scan, Scanner};

const MAX_BYTES: u64 = 1 << 20;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let Ok(t) = e.file_type() else { continue };
        if t.is_dir() {
            walk(&e.path(), out);
        } else if t.is_file() {
            out.push(e.path());
        }
    }
}

#[derive(Default)]
struct Tally {
    files: usize,
    flagged: usize,
}

fn main() {
    let dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        eprintln!("usage: scan_survey DIR...");
        std::process::exit(2);
    }
    let scanner = Scanner::builtin();
    let mut by_ext: BTreeMap<String, Tally> = BTreeMap::new();
    let mut flagged: Vec<(PathBuf, Vec<String>)> = Vec::new();
    let (mut skipped, mut bytes, mut spent) = (0usize, 0usize, Duration::ZERO);
    for dir in &dirs {
        let mut paths = Vec::new();
        walk(dir, &mut paths);
        for p in paths {
            let too_big = std::fs::metadata(&p).map_or(true, |m| m.len() > MAX_BYTES);
            let text = (!too_big)
                .then(|| std::fs::read(&p).ok())
                .flatten()
                .and_then(|b| String::from_utf8(b).ok());
            let Some(text) = text else {
                skipped += 1;
                continue;
            };
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .map_or_else(|| "(none)".to_string(), str::to_ascii_lowercase);
            let t = Instant::now();
            let hits = scanner.scan(&text, Scan::ALL);
            spent += t.elapsed();
            bytes += text.len();
            // As the hook judges a Write at OFFICIAL: a marking counts only above it.
            let hits: Vec<String> = hits
                .iter()
                .filter(|h| match h.kind {
                    Category::Marking(level) => level > Classification::Official,
                    _ => true,
                })
                .map(|h| format!("{}@{}", h.rule, h.line))
                .collect();
            let tally = by_ext.entry(ext).or_default();
            tally.files += 1;
            if !hits.is_empty() {
                tally.flagged += 1;
                flagged.push((p, hits));
            }
        }
    }
    let total: usize = by_ext.values().map(|t| t.files).sum();
    println!("| extension | files | flagged | per 1,000 |");
    println!("|---|---:|---:|---:|");
    let mut rows: Vec<_> = by_ext.iter().collect();
    rows.sort_by_key(|(_, t)| std::cmp::Reverse(t.files));
    for (ext, t) in rows.iter().filter(|(_, t)| t.files >= 20) {
        println!(
            "| {ext} | {} | {} | {:.2} |",
            t.files,
            t.flagged,
            t.flagged as f64 * 1000.0 / t.files as f64
        );
    }
    let small: (usize, usize) = rows
        .iter()
        .filter(|(_, t)| t.files < 20)
        .fold((0, 0), |(f, g), (_, t)| (f + t.files, g + t.flagged));
    println!("| (others) | {} | {} | |", small.0, small.1);
    println!(
        "| **all** | {total} | {} | {:.2} |",
        flagged.len(),
        flagged.len() as f64 * 1000.0 / total.max(1) as f64
    );
    println!(
        "\n{skipped} files skipped (binary, not UTF-8, or over 1 MiB). Scanned {:.1} MB in {:.2} s: {:.0} MB/s.\n",
        bytes as f64 / 1e6,
        spent.as_secs_f64(),
        bytes as f64 / 1e6 / spent.as_secs_f64().max(1e-9)
    );
    for (p, hits) in &flagged {
        println!("{}: {}", p.display(), hits.join(", "));
    }
}
