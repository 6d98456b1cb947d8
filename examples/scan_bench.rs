//! Scanner throughput (a benchmark, not a test). The false-positive survey over real files is
//! `examples/scan_survey.rs`.
//!
//! `cargo run --release --example scan_bench [DIR]` builds about 1 MB of mixed real source text
//! from DIR (default: the local cargo registry sources), then times:
//! the full scan, each scanner alone, one Aho-Corasick pass over the keywords (the prefilter before
//! ADR 0009), memchr::memmem searches for each keyword (one pass per keyword), and a
//! `regex::bytes::RegexSet` of every built-in secret pattern with no prefilter.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hookguard::scan::{Scan, Scanner, builtin_secret_rules};

fn files(dir: &Path, out: &mut Vec<PathBuf>, limit: usize) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if out.len() >= limit {
            return;
        }
        if p.is_dir() {
            files(&p, out, limit);
        } else if p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            matches!(
                e,
                "rs" | "toml"
                    | "md"
                    | "json"
                    | "yml"
                    | "yaml"
                    | "txt"
                    | "lock"
                    | "py"
                    | "js"
                    | "sh"
                    | "c"
                    | "h"
            )
        }) {
            out.push(p);
        }
    }
}

/// CPU time of this thread (Linux), so that other work on a shared machine does not inflate
/// the figures; wall-clock time where `/proc` is not there.
fn cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(
        s.split_whitespace().next()?.parse().ok()?,
    ))
}

/// Mean CPU time (or wall time) of `runs` runs of `f`: the kernel accounts CPU time in ticks,
/// so one run is too short to time on its own.
fn median<F: FnMut()>(runs: usize, mut f: F) -> Duration {
    let (c, t) = (cpu_time(), Instant::now());
    for _ in 0..runs {
        f();
    }
    let total = match (c, cpu_time()) {
        (Some(a), Some(b)) => b - a,
        _ => t.elapsed(),
    };
    total / runs as u32
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var("HOME").unwrap_or_default();
            Path::new(&home).join(".cargo/registry/src")
        });
    let mut paths = Vec::new();
    files(&dir, &mut paths, 5000);
    let mut corpus = String::new();
    for p in &paths {
        if corpus.len() >= 1 << 20 {
            break;
        }
        if let Ok(t) = std::fs::read_to_string(p) {
            corpus.push_str(
                &t[..t.len().min(64 * 1024)]
                    .chars()
                    .take(64 * 1024)
                    .collect::<String>(),
            );
        }
    }
    let mb = corpus.len() as f64 / (1 << 20) as f64;
    println!(
        "corpus: {:.2} MB from {} ({} files available)",
        mb,
        dir.display(),
        paths.len()
    );

    let s = Scanner::builtin();
    let _ = s.scan(&corpus, Scan::ALL); // compile what the corpus needs
    let runs = 100;
    for (name, what) in [
        ("scan ALL", Scan::ALL),
        ("scan SECRETS", Scan::SECRETS),
        ("scan MARKINGS", Scan::MARKINGS),
        ("scan PERSONAL", Scan::PERSONAL),
    ] {
        let d = median(runs, || {
            std::hint::black_box(s.scan(&corpus, what));
        });
        println!(
            "{name:<28} {:>8.2} ms  {:>7.0} MB/s",
            d.as_secs_f64() * 1e3,
            mb / d.as_secs_f64()
        );
    }

    let rules: Vec<_> = builtin_secret_rules().collect();
    let keywords: Vec<&str> = rules
        .iter()
        .flat_map(|r| r.keywords.iter().copied())
        .collect();
    let ac = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(&keywords)
        .unwrap();
    let d = median(runs, || {
        std::hint::black_box(ac.find_overlapping_iter(corpus.as_bytes()).count());
    });
    println!(
        "{:<28} {:>8.2} ms  ({} keywords)",
        "prefilter: aho-corasick",
        d.as_secs_f64() * 1e3,
        keywords.len()
    );
    let lower = corpus.to_ascii_lowercase();
    let finders: Vec<_> = keywords
        .iter()
        .map(|k| memchr::memmem::Finder::new(k.as_bytes()))
        .collect();
    let d = median(runs, || {
        let n: usize = finders
            .iter()
            .map(|f| f.find_iter(lower.as_bytes()).count())
            .sum();
        std::hint::black_box(n);
    });
    println!(
        "{:<28} {:>8.2} ms  (one pass per keyword, text pre-lowercased)",
        "prefilter: memchr memmem",
        d.as_secs_f64() * 1e3
    );
    let patterns: Vec<&str> = rules.iter().filter_map(|r| r.pattern).collect();
    let t = Instant::now();
    let set = regex::bytes::RegexSetBuilder::new(&patterns)
        .unicode(false)
        .size_limit(64 << 20)
        .dfa_size_limit(64 << 20)
        .build()
        .unwrap();
    let build = t.elapsed();
    let d = median(20, || {
        std::hint::black_box(set.matches(corpus.as_bytes()).matched_any());
    });
    println!(
        "{:<28} {:>8.2} ms  (build {:.1} ms, {} patterns, which-matched only)",
        "regex::bytes::RegexSet",
        d.as_secs_f64() * 1e3,
        build.as_secs_f64() * 1e3,
        patterns.len()
    );
    let t = Instant::now();
    let fresh = Scanner::builtin();
    let _ = fresh.scan("x", Scan::ALL);
    println!(
        "{:<28} {:>8.2} ms",
        "first scan of tiny text",
        t.elapsed().as_secs_f64() * 1e3
    );
}
