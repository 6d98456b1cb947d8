//! The data-driven corpus: every case under `tests/corpus/{true_positives,false_positives,
//! bypass_attempts}/*.toml` is an event, a profile (or all three), and the expected decision
//! and rule. Each case runs in a fresh temporary home and project.
//!
//! ```toml
//! [[case]]
//! name = "read-dotenv"                      # unique within the file; name the technique
//! event = { tool_name = "Read", tool_input = { file_path = "{proj}/.env" } }
//! expect = "deny"                           # or { prototype = "defer", production = "ask", ci = "deny" }
//! rule = "files.excluded"                   # the winning rule (omit for defer)
//! files = { ".env" = "X=1" }                # created under the project first
//! symlinks = { "innocent" = "{proj}/.env" } # link name under the project → target
//! policy = "classification = 'OFFICIAL-SENSITIVE'"   # the project's .claude/hookguard.toml
//! managed = "..."                           # a --policy layer (trusted)
//! permission_mode = "dontAsk"
//! headless = true                           # CLAUDE_CODE_ENTRYPOINT=sdk-cli
//! ```
//! `{proj}`, `{home}`, `{tmp}` and `{root}` (holding `audit.jsonl`) in strings are replaced by the case's directories.
//!
//! `json = '{"hook_event_name":"PreToolUse","tool_input":"ls"}'` instead of `event` gives the
//! event's exact text (placeholders filled, nothing added: no `hook_event_name`, no `cwd`), for
//! shapes a table cannot say (`null`, a non-object, a missing event name). Such a case runs
//! through the whole hook like the events below, and `exit = 2` also checks the exit code
//! (and that stderr carries the reason).
//!
//! Events other than PreToolUse (`hook_event_name = "UserPromptSubmit"`, `"PostToolUse"`) run
//! through the whole hook: `expect` is then `block`, `redact` (PostToolUse output replaced) or
//! `pass`, `rule` is the audit record's, and `not_in_output = ["…"]` lists values that must
//! appear neither on stdout nor in the audit log (a secret the case carries).

use hookguard::classification::Profile;
use hookguard::event::Event;
use hookguard::run::{Environment, HookOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CorpusFile {
    case: Vec<Case>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    event: Option<toml::Value>,
    /// The event's exact JSON text, instead of `event`.
    json: Option<String>,
    /// The exit code the whole hook must give.
    exit: Option<i32>,
    expect: Expect,
    rule: Option<String>,
    #[serde(default)]
    files: BTreeMap<String, String>,
    #[serde(default)]
    symlinks: BTreeMap<String, String>,
    policy: Option<String>,
    managed: Option<String>,
    permission_mode: Option<String>,
    #[serde(default)]
    headless: bool,
    /// The event's cwd, relative to the project (default: the project root).
    cwd: Option<String>,
    /// Values that must reach neither stdout nor the audit log.
    #[serde(default)]
    not_in_output: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum Expect {
    All(String),
    Per(BTreeMap<String, String>),
}

struct Dirs {
    root: PathBuf,
    home: PathBuf,
    proj: PathBuf,
}

impl Dirs {
    fn new(tag: &str) -> Dirs {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "hg-corpus-{}-{}-{tag}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&root);
        let home = root.join("home");
        let proj = root.join("proj");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&proj).unwrap();
        // The case's own temp directory: the system one holds the case itself, and would make
        // every path in it a write root.
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        let root = root.canonicalize().unwrap();
        Dirs {
            home: root.join("home"),
            proj: root.join("proj"),
            root,
        }
    }

    fn fill(&self, s: &str) -> String {
        s.replace("{proj}", &self.proj.to_string_lossy())
            .replace("{home}", &self.home.to_string_lossy())
            .replace("{tmp}", &self.root.join("tmp").to_string_lossy())
            .replace("{root}", &self.root.to_string_lossy())
    }
}

impl Drop for Dirs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn fill_value(v: &toml::Value, d: &Dirs) -> serde_json::Value {
    match v {
        toml::Value::String(s) => serde_json::Value::String(d.fill(s)),
        toml::Value::Integer(i) => (*i).into(),
        toml::Value::Float(f) => (*f).into(),
        toml::Value::Boolean(b) => (*b).into(),
        toml::Value::Array(a) => a.iter().map(|x| fill_value(x, d)).collect(),
        toml::Value::Table(t) => t
            .iter()
            .map(|(k, x)| (k.clone(), fill_value(x, d)))
            .collect(),
        toml::Value::Datetime(dt) => dt.to_string().into(),
    }
}

fn run_case(case: &Case, profile: Profile) -> (String, Option<String>, String) {
    let d = Dirs::new(
        &case
            .name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>(),
    );
    for (rel, content) in &case.files {
        let p = d.proj.join(d.fill(rel));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, d.fill(content)).unwrap();
    }
    for (rel, target) in &case.symlinks {
        let p = d.proj.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(d.fill(target), &p).unwrap();
    }
    if let Some(pol) = &case.policy {
        std::fs::create_dir_all(d.proj.join(".claude")).unwrap();
        std::fs::write(d.proj.join(".claude/hookguard.toml"), d.fill(pol)).unwrap();
    }
    let mut policies = Vec::new();
    if let Some(m) = &case.managed {
        let p = d.root.join("managed.toml");
        std::fs::write(&p, d.fill(m)).unwrap();
        policies.push(p);
    }
    let opts = HookOptions {
        profile: Some(profile),
        policies,
        audit_log: Some(d.root.join("audit.jsonl")),
        managed_dir: d.root.join("no-managed"),
        deadline: None,
    };
    let env = Environment {
        home: Some(d.home.clone()),
        process_cwd: Some(d.proj.clone()),
        temp_dir: d.root.join("tmp"),
        entrypoint: case.headless.then(|| "sdk-cli".to_string()),
        binary: Some(PathBuf::from("/opt/hookguard/bin/hookguard")),
        ..Environment::default()
    };
    let event = match (&case.event, &case.json) {
        (Some(e), None) => e,
        (None, Some(text)) => return run_whole_hook(case, &d, &d.fill(text), &opts, &env),
        _ => panic!("`{}`: give exactly one of `event` and `json`", case.name),
    };
    let mut json = fill_value(event, &d);
    let obj = json.as_object_mut().expect("event is a table");
    obj.entry("hook_event_name").or_insert("PreToolUse".into());
    let cwd = case
        .cwd
        .as_deref()
        .map_or(d.proj.clone(), |c| d.proj.join(d.fill(c)));
    obj.entry("cwd")
        .or_insert(cwd.to_string_lossy().into_owned().into());
    if let Some(m) = &case.permission_mode {
        obj.insert("permission_mode".into(), m.clone().into());
    }
    let ev = Event::parse(json.to_string().as_bytes()).expect("corpus event parses");
    if ev.kind() != hookguard::event::EventKind::PreToolUse || case.exit.is_some() {
        return run_whole_hook(case, &d, &json.to_string(), &opts, &env);
    }
    match hookguard::run::explain(&ev, &opts, &env) {
        Ok((_, dec)) => (dec.verdict.to_string(), dec.rule, dec.reason),
        Err(e) => ("policy-error".into(), None, e.to_string()),
    }
}

/// A prompt, a PostToolUse event or an exact event text, through the whole hook:
/// (`block`|`redact`|`deny`|`ask`|`pass`, the audit record's rule, stdout). With `exit` in the
/// case, a different exit code (or exit 2 without a reason on stderr) is a mismatch.
fn run_whole_hook(
    case: &Case,
    d: &Dirs,
    json: &str,
    opts: &HookOptions,
    env: &Environment,
) -> (String, Option<String>, String) {
    let out = hookguard::run::hook(opts, env, json.as_bytes());
    if let Some(want) = case.exit {
        let stderr = out.stderr.as_deref().unwrap_or("");
        if out.code != want || (want == 2 && !stderr.starts_with("hookguard: ")) {
            return (
                format!("exit {}", out.code),
                None,
                format!(
                    "stderr: {stderr}; stdout: {}",
                    out.stdout.unwrap_or_default()
                ),
            );
        }
    }
    let stdout = out.stdout.unwrap_or_default();
    let log = std::fs::read_to_string(d.root.join("audit.jsonl")).unwrap_or_default();
    let record: serde_json::Value = log
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    for v in &case.not_in_output {
        if stdout.contains(v.as_str()) || log.contains(v.as_str()) {
            return (
                "leaked".into(),
                None,
                format!("`{v}` reached stdout or the audit log"),
            );
        }
    }
    let got = if stdout.contains(r#""decision":"block""#) {
        "block"
    } else if stdout.contains(r#""permissionDecision":"deny""#) {
        "deny"
    } else if stdout.contains(r#""permissionDecision":"ask""#) {
        "ask"
    } else if stdout.contains("updatedToolOutput") || stdout.contains("updatedMCPToolOutput") {
        "redact"
    } else if stdout.is_empty() {
        "pass"
    } else {
        "other"
    };
    let rule = record
        .get("rule")
        .and_then(|r| r.as_str())
        .map(str::to_string);
    (got.into(), rule, stdout)
}

fn run_dir(dir: &Path) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let mut count = 0;
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    {
        let text = std::fs::read_to_string(&path).unwrap();
        let file: CorpusFile =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for case in &file.case {
            let expected: Vec<(Profile, String)> = match &case.expect {
                Expect::All(v) => Profile::ALL.iter().map(|p| (*p, v.clone())).collect(),
                Expect::Per(m) => m
                    .iter()
                    .map(|(k, v)| (Profile::parse(k).expect("profile name"), v.clone()))
                    .collect(),
            };
            for (profile, want) in expected {
                count += 1;
                let (got, rule, reason) = run_case(case, profile);
                let rule_ok = match (&case.rule, want.as_str()) {
                    (_, "defer" | "pass") => true,
                    (Some(r), _) => rule.as_deref() == Some(r.as_str()),
                    (None, _) => true,
                };
                if got != want || !rule_ok {
                    failures.push(format!(
                        "{}: `{}` [{profile}]: expected {want}{}, got {got} ({}): {reason}",
                        path.file_name().unwrap().to_string_lossy(),
                        case.name,
                        case.rule
                            .as_deref()
                            .map(|r| format!(" by {r}"))
                            .unwrap_or_default(),
                        rule.as_deref().unwrap_or("no rule"),
                    ));
                }
            }
        }
    }
    (count, failures)
}

fn check(kind: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(kind);
    let (count, failures) = run_dir(&dir);
    assert!(count > 0, "no cases in {}", dir.display());
    assert!(
        failures.is_empty(),
        "{} of {count} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn true_positives() {
    check("true_positives");
}

#[test]
fn false_positives() {
    check("false_positives");
}

#[test]
fn bypass_attempts() {
    check("bypass_attempts");
}
