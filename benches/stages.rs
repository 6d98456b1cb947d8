//! In-process cost of each stage of `hookguard hook`, and of the whole `run::hook` per event.
//!
//! ```text
//! cargo bench --bench stages                 # every stage
//! cargo bench --bench stages -- shell        # only benches whose name contains `shell`
//! cargo bench --bench stages -- --list       # names only
//! BENCH_TIME_MS=3000 cargo bench --bench stages   # longer sampling per bench (default 1000)
//! ```
//!
//! A small harness of its own (ADR 0010): warm-up, then timed samples of one call each (or of a
//! batch, for calls under 20 µs), reporting the median, the 10th and 90th percentiles and the
//! first call's time, in µs per call. The first call is the one a hook process makes: automata,
//! compiled patterns and the built-in policy text are built on first use and shared by every
//! later call in the process, so the median is the steady state and `first` the cold cost.
//! Wall time on a shared machine is noisy: compare medians of runs made close together, and
//! use `scripts/bench.sh` (callgrind) for repeatable instruction counts.
//!
//! Never run by CI: these are measurements, not timed assertions.

use hookguard::audit::{self, Record, Settings};
use hookguard::event::Event;
use hookguard::policy::{Locations, Policy};
use hookguard::run::{self, Environment, HookOptions};
use hookguard::scan::{Scan, Scanner};
use hookguard::shell;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Harness

struct Harness {
    filter: Option<String>,
    list: bool,
    budget: Duration,
    rows: usize,
}

struct Stats {
    first: f64,
    median: f64,
    p10: f64,
    p90: f64,
    samples: usize,
    per_sample: usize,
}

impl Harness {
    fn from_args() -> Harness {
        let mut filter = None;
        let mut list = false;
        // `cargo bench` passes `--bench`; other flags of the libtest harness are ignored.
        for a in std::env::args().skip(1) {
            match a.as_str() {
                "--list" => list = true,
                a if a.starts_with("--") => {}
                a => filter = Some(a.to_string()),
            }
        }
        let ms = std::env::var("BENCH_TIME_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        Harness {
            filter,
            list,
            budget: Duration::from_millis(ms),
            rows: 0,
        }
    }

    fn wanted(&self, name: &str) -> bool {
        self.filter.as_deref().is_none_or(|f| name.contains(f))
    }

    /// Times `f`: one cold call, a warm-up of a tenth of the budget, then samples until the
    /// budget is spent (at least 11, at most 10,000).
    fn bench<T>(&mut self, name: &str, bytes: usize, mut f: impl FnMut() -> T) {
        if !self.wanted(name) {
            return;
        }
        if self.list {
            println!("{name}");
            return;
        }
        let t = Instant::now();
        black_box(f());
        let first = t.elapsed();

        let warm_until = Instant::now() + self.budget / 10;
        let mut warm = 0usize;
        let t = Instant::now();
        while warm < 3 || Instant::now() < warm_until {
            black_box(f());
            warm += 1;
        }
        let one = t.elapsed().as_secs_f64() / warm as f64;
        // Batch short calls so that each sample is well above the clock's resolution.
        let per_sample = ((20e-6 / one).ceil() as usize).max(1);
        let samples =
            ((self.budget.as_secs_f64() / (one * per_sample as f64)) as usize).clamp(11, 10_000);
        let mut times = Vec::with_capacity(samples);
        for _ in 0..samples {
            let t = Instant::now();
            for _ in 0..per_sample {
                black_box(f());
            }
            times.push(t.elapsed().as_secs_f64() * 1e6 / per_sample as f64);
        }
        times.sort_by(f64::total_cmp);
        let q = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
        let s = Stats {
            first: first.as_secs_f64() * 1e6,
            median: q(0.5),
            p10: q(0.1),
            p90: q(0.9),
            samples,
            per_sample,
        };
        self.report(name, bytes, &s);
    }

    fn report(&mut self, name: &str, bytes: usize, s: &Stats) {
        if self.rows == 0 {
            println!(
                "| stage | input bytes | median µs | p10 µs | p90 µs | first call µs | samples |"
            );
            println!("|---|---:|---:|---:|---:|---:|---:|");
        }
        self.rows += 1;
        let batch = if s.per_sample > 1 {
            format!(" × {}", s.per_sample)
        } else {
            String::new()
        };
        println!(
            "| {name} | {bytes} | {} | {} | {} | {} | {}{batch} |",
            fmt(s.median),
            fmt(s.p10),
            fmt(s.p90),
            fmt(s.first),
            s.samples
        );
    }
}

fn fmt(us: f64) -> String {
    if us >= 100.0 {
        format!("{us:.0}")
    } else if us >= 10.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.2}")
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs (deterministic)

/// A small linear congruential generator: the same text on every run, no dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// Rust-like source text of `n` bytes (the same shape as `scripts/bench.sh` generates).
fn source_text(n: usize) -> String {
    const WORDS: &[&str] = &[
        "fn", "let", "mut", "match", "Some", "None", "Ok", "Err", "Result", "Option", "Vec",
        "String", "impl", "struct", "self", "pub", "use", "crate", "return", "if", "else", "for",
        "while", "loop",
    ];
    let mut rng = Lcg(7);
    let mut s = String::with_capacity(n + 80);
    while s.len() < n {
        s.push_str("   ");
        for _ in 0..4 + rng.next(7) {
            s.push(' ');
            s.push_str(WORDS[rng.next(WORDS.len())]);
        }
        s.push_str(";\n");
    }
    s.truncate(n);
    s
}

const CWD: &str = "/home/dev/service";

fn event(name: &str, fields: serde_json::Value) -> Vec<u8> {
    let mut v = serde_json::json!({
        "session_id": "bench",
        "transcript_path": "/tmp/t.jsonl",
        "cwd": CWD,
        "permission_mode": "default",
        "hook_event_name": name,
    });
    if let (Some(o), serde_json::Value::Object(f)) = (v.as_object_mut(), fields) {
        o.extend(f);
    }
    serde_json::to_vec(&v).expect("an event serialises")
}

fn pre(tool: &str, input: serde_json::Value) -> Vec<u8> {
    event(
        "PreToolUse",
        serde_json::json!({"tool_name": tool, "tool_input": input}),
    )
}

/// The events of `scripts/bench.sh`, by the same names.
fn events() -> Vec<(&'static str, Vec<u8>)> {
    use serde_json::json;
    let command_100k = format!("echo '{}' > /dev/null", source_text(100 * 1024));
    vec![
        (
            "bash-benign",
            pre(
                "Bash",
                json!({"command": "cargo test --workspace 2>&1 | tail -20"}),
            ),
        ),
        (
            "bash-deny",
            pre("Bash", json!({"command": "rm -rf / --no-preserve-root"})),
        ),
        (
            "read",
            pre("Read", json!({"file_path": format!("{CWD}/src/main.rs")})),
        ),
        (
            "write-4k",
            pre(
                "Write",
                json!({"file_path": format!("{CWD}/src/a.rs"), "content": source_text(4096)}),
            ),
        ),
        (
            "write-1m",
            pre(
                "Write",
                json!({"file_path": format!("{CWD}/src/big.rs"), "content": source_text(1 << 20)}),
            ),
        ),
        (
            "edit",
            pre(
                "Edit",
                json!({"file_path": format!("{CWD}/src/lib.rs"), "old_string": "fn old() {}",
                       "new_string": "fn new() -> Result<(), Error> { Ok(()) }"}),
            ),
        ),
        (
            "grep",
            pre(
                "Grep",
                json!({"pattern": "TODO", "path": format!("{CWD}/src"), "glob": "*.rs"}),
            ),
        ),
        (
            "command-100k",
            pre("Bash", json!({"command": command_100k})),
        ),
        (
            "prompt",
            event(
                "UserPromptSubmit",
                json!({"prompt": "Please refactor the parser module so that errors carry spans, and add tests."}),
            ),
        ),
        (
            "post-1m",
            event(
                "PostToolUse",
                json!({"tool_name": "Read",
                       "tool_input": {"file_path": format!("{CWD}/src/big.rs")},
                       "tool_response": {"type": "text", "file": {
                           "filePath": format!("{CWD}/src/big.rs"), "content": source_text(1 << 20),
                           "numLines": 1, "startLine": 1, "totalLines": 1}}}),
            ),
        ),
    ]
}

/// A temporary directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let p = std::env::temp_dir().join(format!("hookguard-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("dir");
    std::fs::write(path, text).expect("write");
}

/// A realistic project layer: path and command rules, as a team would write them.
const PROJECT_POLICY: &str = r#"
[files]
exclude = ["**/fixtures/real/**"]

[[rule]]
id = "team.migrations"
tool = ["Write", "Edit"]
path = "**/migrations/**"
decision = "ask"
reason = "migrations are reviewed"

[[rule]]
id = "team.no-terraform-apply"
tool = ["Bash"]
command = "^terraform (apply|destroy)"
decision = "deny"
reason = "terraform runs in the pipeline"
"#;

// ---------------------------------------------------------------------------------------------
// Benches

fn main() {
    let mut h = Harness::from_args();
    let tmp = TempDir::new();
    let root = &tmp.0;
    let events = events();

    // Event parse.
    for name in ["bash-benign", "write-1m", "post-1m"] {
        let bytes = &events.iter().find(|(n, _)| *n == name).expect("event").1;
        h.bench(&format!("event parse: {name}"), bytes.len(), || {
            Event::parse(black_box(bytes)).expect("parses")
        });
    }

    // Policy load: built-in only, then with managed, user and project layers.
    let bare = Locations {
        project_root: root.join("bare-project"),
        home: Some(root.join("bare-home")),
        xdg_config_home: None,
        managed_dir: root.join("bare-managed"),
        policy_files: Vec::new(),
    };
    h.bench("policy load: built-in only", 0, || {
        Policy::load(&bare, None).expect("loads")
    });
    let layered = Locations {
        project_root: root.join("project"),
        home: Some(root.join("home")),
        xdg_config_home: None,
        managed_dir: root.join("managed"),
        policy_files: Vec::new(),
    };
    let managed = include_str!("../examples/policies/production-service.toml");
    let user =
        "[files]\nexclude = [\"**/secrets-local/**\"]\n\n[git]\nprotected-branches = [\"demo\"]\n";
    write(&layered.managed_file(), managed);
    write(&layered.user_file().expect("home"), user);
    write(&layered.project_file(), PROJECT_POLICY);
    // A managed layer counts only if root owns it; otherwise name it with --policy instead.
    let layered = if Policy::load(&layered, None).is_ok() {
        layered
    } else {
        let _ = std::fs::remove_file(layered.managed_file());
        let cli = root.join("cli-policy.toml");
        write(&cli, managed);
        Locations {
            policy_files: vec![cli],
            ..layered
        }
    };
    let layer_bytes = managed.len() + user.len() + PROJECT_POLICY.len();
    h.bench("policy load: managed + user + project", layer_bytes, || {
        Policy::load(&layered, None).expect("loads")
    });

    // Shell parse and analysis.
    let shell_env = shell::TestEnv::new(CWD)
        .home("/home/dev")
        .write_root("/tmp")
        .ai_markers(&["[AI-assisted]"]);
    let env = shell_env.env();
    let benign = "cargo test --workspace 2>&1 | tail -20";
    let long = format!("echo '{}' > /dev/null", source_text(100 * 1024));
    for (name, cmd) in [("benign", benign), ("100 KB", long.as_str())] {
        h.bench(&format!("shell parse: {name}"), cmd.len(), || {
            shell::parser::parse(black_box(cmd)).is_ok()
        });
        h.bench(&format!("shell analyse: {name}"), cmd.len(), || {
            shell::analyse(black_box(cmd), &env)
        });
    }

    // Content scanners.
    let scanner = Scanner::builtin();
    for (name, n) in [("4 KB", 4096), ("1 MB", 1 << 20)] {
        let text = source_text(n);
        for (what, scan) in [
            ("secrets", Scan::SECRETS),
            ("markings", Scan::MARKINGS),
            ("personal", Scan::PERSONAL),
            ("all", Scan::ALL),
        ] {
            h.bench(&format!("scan {what}: {name}"), n, || {
                scanner.scan(black_box(&text), scan)
            });
        }
    }

    // Audit append (default settings: no fsync, rotation at 64 MiB).
    let log = root.join("audit").join("audit.jsonl");
    let record = Record {
        ts: audit::time::now_rfc3339(),
        event: "PreToolUse".into(),
        session_id: Some("bench".into()),
        tool: Some("Bash".into()),
        decision: "allow".into(),
        profile: Some("prototype".into()),
        cwd: Some(CWD.into()),
        project: Some(CWD.into()),
        subject: Some(benign.into()),
        input_sha256: Some("0".repeat(64)),
        policy_sha256: Some("0".repeat(64)),
        hookguard: env!("CARGO_PKG_VERSION"),
        ..Record::default()
    };
    let settings = Settings::default();
    h.bench("audit append: no fsync", 0, || {
        let mut r = record.clone();
        audit::write(&log, &settings, &mut r).expect("appends")
    });
    let fsync = Settings {
        fsync: true,
        ..Settings::default()
    };
    h.bench("audit append: fsync", 0, || {
        let mut r = record.clone();
        audit::write(&log, &fsync, &mut r).expect("appends")
    });

    // The whole in-process hook, per event (policy load, decision, audit append included).
    let opts = HookOptions {
        audit_log: Some(root.join("hook-audit").join("audit.jsonl")),
        managed_dir: root.join("hook-managed"),
        ..HookOptions::default()
    };
    let env = Environment {
        home: Some(root.join("hook-home")),
        user: Some("bench".into()),
        host: Some("bench".into()),
        process_cwd: Some(PathBuf::from(CWD)),
        temp_dir: PathBuf::from("/tmp"),
        ..Environment::default()
    };
    for (name, bytes) in &events {
        h.bench(&format!("run::hook: {name}"), bytes.len(), || {
            run::hook(&opts, &env, black_box(bytes))
        });
    }
}
