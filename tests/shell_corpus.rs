//! The shell analyser's data-driven corpus: `tests/corpus/shell/{true_positives,
//! false_positives,bypass_attempts}/*.toml`.
//!
//! Each case is a command with optional files to create and a directory to start in, run in a
//! fresh layout (`proj/` the project root and cwd, `home/` the home directory, `tmp/` the temp
//! write root) under the system temp directory. A case lists the rule ids it expects (a rule
//! matches by dotted prefix: `shell.privileged` matches `shell.privileged.sudo`) and the rule
//! ids it must not produce; a case with no `expect` must produce no finding at all. `accesses`
//! lists `kind:path` entries that must be reported (paths relative to the project root, or
//! `~/…`, or absolute).
//!
//! ```toml
//! [[case]]
//! name = "variable holds the flags"
//! technique = "variable-expansion"
//! command = "F=-rf; rm $F /"
//! expect = ["shell.delete-catastrophic"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use hookguard::shell::TestEnv;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CorpusFile {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    technique: String,
    command: String,
    #[serde(default)]
    expect: Option<Vec<String>>,
    #[serde(default)]
    absent: Vec<String>,
    #[serde(default)]
    files: BTreeMap<String, String>,
    #[serde(default)]
    cwd: Option<String>,
    #[serde(default)]
    accesses: Vec<String>,
    #[serde(default = "yes")]
    read_files: bool,
}

fn yes() -> bool {
    true
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

struct Layout {
    base: PathBuf,
    proj: PathBuf,
    home: PathBuf,
    tmp: PathBuf,
}

impl Layout {
    fn new() -> Layout {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let base =
            std::env::temp_dir().join(format!("hookguard-corpus-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let proj = base.join("proj");
        let home = base.join("home");
        let tmp = base.join("tmp");
        for d in [&proj, &home, &tmp] {
            std::fs::create_dir_all(d).expect("create test layout");
        }
        Layout {
            base,
            proj,
            home,
            tmp,
        }
    }

    fn resolve(&self, p: &str) -> PathBuf {
        let joined = if let Some(rest) = p.strip_prefix("~/") {
            self.home.join(rest)
        } else if p.starts_with('/') {
            PathBuf::from(p)
        } else {
            self.proj.join(p)
        };
        // Fold `..` as the analyser does.
        let mut out = PathBuf::new();
        for c in joined.components() {
            match c {
                std::path::Component::ParentDir => {
                    out.pop();
                }
                std::path::Component::CurDir => {}
                other => out.push(other),
            }
        }
        out
    }
}

impl Drop for Layout {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

fn rule_matches(expected: &str, actual: &str) -> bool {
    actual == expected || actual.starts_with(&format!("{expected}."))
}

fn run_case(file: &Path, case: &Case, default_none: bool) -> Result<(), String> {
    let layout = Layout::new();
    for (path, content) in &case.files {
        let p = layout.resolve(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&p, content).map_err(|e| e.to_string())?;
    }
    let cwd = match &case.cwd {
        Some(c) => {
            let p = layout.resolve(c);
            std::fs::create_dir_all(&p).map_err(|e| e.to_string())?;
            p
        }
        None => layout.proj.clone(),
    };
    let report = TestEnv::new(&layout.proj)
        .cwd(cwd)
        .home(&layout.home)
        .write_root(&layout.tmp)
        .read_files(case.read_files)
        .analyse(&case.command);
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    let describe = || {
        let short = |s: String| -> String {
            if s.len() > 1500 {
                format!("{}…", s.chars().take(1500).collect::<String>())
            } else {
                s
            }
        };
        short(format!(
            "{}: case `{}` ({})\n  command: {:?}\n  normalised:\n    {}\n  findings: {:?}\n  accesses: {:?}",
            file.display(),
            case.name,
            case.technique,
            case.command,
            report.normalised.replace('\n', "\n    "),
            report
                .findings
                .iter()
                .map(|f| format!("{} {}", f.rule, f.subject))
                .collect::<Vec<_>>(),
            report
                .accesses
                .iter()
                .map(|a| format!("{}:{}", a.kind.as_str(), a.path.display()))
                .collect::<Vec<_>>(),
        ))
    };
    match &case.expect {
        Some(expected) => {
            for e in expected {
                if !rules.iter().any(|r| rule_matches(e, r)) {
                    return Err(format!("expected rule `{e}` missing\n{}", describe()));
                }
            }
        }
        None if default_none => {
            if !rules.is_empty() {
                return Err(format!("expected no findings\n{}", describe()));
            }
        }
        None => return Err(format!("case needs `expect`\n{}", describe())),
    }
    for a in &case.absent {
        if rules.iter().any(|r| rule_matches(a, r)) {
            return Err(format!("rule `{a}` must not be reported\n{}", describe()));
        }
    }
    for want in &case.accesses {
        let (kind, path) = want.split_once(':').ok_or("access must be kind:path")?;
        let path = layout.resolve(path);
        if !report
            .accesses
            .iter()
            .any(|a| a.kind.as_str() == kind && a.path == path)
        {
            return Err(format!("access `{want}` missing\n{}", describe()));
        }
    }
    Ok(())
}

fn run_dir(dir: &str, default_none: bool) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/shell")
        .join(dir);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    entries.sort();
    let mut failures = Vec::new();
    let mut count = 0;
    for path in entries {
        let text = std::fs::read_to_string(&path).expect("read corpus file");
        let file: CorpusFile =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for case in &file.case {
            count += 1;
            if let Err(e) = run_case(&path, case, default_none) {
                failures.push(e);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    count
}

#[test]
fn true_positives() {
    let n = run_dir("true_positives", false);
    eprintln!("{n} true-positive cases");
}

#[test]
fn false_positives() {
    let n = run_dir("false_positives", true);
    eprintln!("{n} false-positive cases");
}

#[test]
fn bypass_attempts() {
    let n = run_dir("bypass_attempts", false);
    eprintln!("{n} bypass cases");
}

/// Every command of the corpus, for the property tests.
pub fn all_commands() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["true_positives", "false_positives", "bypass_attempts"] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/corpus/shell")
            .join(dir);
        if let Ok(rd) = std::fs::read_dir(root) {
            for e in rd.flatten() {
                if let Ok(text) = std::fs::read_to_string(e.path())
                    && let Ok(file) = toml::from_str::<CorpusFile>(&text)
                {
                    out.extend(file.case.into_iter().map(|c| c.command));
                }
            }
        }
    }
    out
}
