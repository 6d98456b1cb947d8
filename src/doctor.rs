//! `hookguard doctor`: is the guard really on? One line per check, each failure with its fix.
//!
//! Not part of the hook pipeline: it reads what Claude Code would read (the settings layers,
//! most authoritative first) and what the hook would load (policy layers, audit log), and says
//! where a registration would silently switch the guard off: a binary that is not there, an
//! event not registered, shell form, no `onFailure: block`, a client too old to honour it,
//! managed settings that lock out the layer hookguard is registered in.

use crate::classification::{Classification, Profile};
use crate::install::{self, EVENTS, MIN_CLAUDE_VERSION, Roots};
use crate::run::{Environment, HookOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How a check came out. Only `Fail` makes `doctor` exit non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub status: Status,
    pub name: String,
    pub detail: String,
    pub fix: Option<String>,
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self.status {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        };
        write!(f, "{s} {}: {}", self.name, self.detail)?;
        if let Some(fix) = &self.fix {
            write!(f, "; fix: {fix}")?;
        }
        Ok(())
    }
}

/// What `doctor` looks at.
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    pub roots: Roots,
    /// The `claude` binary to ask for its version; `None`: look on `PATH`.
    pub claude: Option<PathBuf>,
    /// `PATH`, for finding `claude`.
    pub path_var: Option<std::ffi::OsString>,
    /// `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC` in the environment doctor runs in.
    pub traffic_env: Option<String>,
    /// The environment the hook would see (home, XDG directories).
    pub env: Environment,
    /// Where hookguard's managed policy lives (`/etc/hookguard`).
    pub managed_policy_dir: PathBuf,
}

/// One settings file Claude Code reads.
struct Layer {
    label: &'static str,
    path: PathBuf,
    doc: Option<Value>,
}

fn check(status: Status, name: &str, detail: String, fix: Option<String>) -> Check {
    Check {
        status,
        name: name.to_string(),
        detail,
        fix,
    }
}

/// Runs every check.
pub fn run(o: &DoctorOptions) -> Vec<Check> {
    let mut out = Vec::new();
    let layers = read_layers(&o.roots, &mut out);

    // Where hookguard is registered, and whether anything switches those layers off.
    let managed_locks = layers.iter().any(|l| {
        l.label.starts_with("managed")
            && l.doc
                .as_ref()
                .and_then(|d| d.get("allowManagedHooksOnly"))
                .is_some_and(|v| v != &Value::Bool(false))
    });
    let registered: Vec<&Layer> = layers
        .iter()
        .filter(|l| l.doc.as_ref().is_some_and(|d| !handlers(d).is_empty()))
        .collect();
    let effective: Vec<&Layer> = registered
        .iter()
        .copied()
        .filter(|l| !managed_locks || l.label.starts_with("managed"))
        .collect();
    let scope_fix =
        "run `hookguard install --scope user` (or `--scope project`, or `--scope managed` as root)";
    if registered.is_empty() {
        out.push(check(
            Status::Fail,
            "registration",
            "no settings file registers hookguard, so Claude Code never runs it".into(),
            Some(scope_fix.into()),
        ));
    } else {
        let names: Vec<String> = registered
            .iter()
            .map(|l| format!("{} ({})", l.label, l.path.display()))
            .collect();
        out.push(check(
            Status::Ok,
            "registration",
            format!("hookguard is registered in {}", names.join(", ")),
            None,
        ));
    }
    if managed_locks {
        if effective.is_empty() && !registered.is_empty() {
            out.push(check(
                Status::Fail,
                "managed lock",
                "managed settings set allowManagedHooksOnly, so the user and project registrations of hookguard never run".into(),
                Some("as root, run `hookguard install --scope managed`".into()),
            ));
        } else {
            out.push(check(
                Status::Ok,
                "managed lock",
                "managed settings lock hooks (allowManagedHooksOnly) and register hookguard".into(),
                None,
            ));
        }
    } else if !registered.is_empty() && !registered.iter().any(|l| l.label.starts_with("managed")) {
        out.push(check(
            Status::Warn,
            "managed lock",
            "hooks are not locked by managed settings: a person can switch hookguard off in their own settings".into(),
            Some("for a machine you administer, run `hookguard install --scope managed` as root".into()),
        ));
    }
    for l in &layers {
        let disabled = l
            .doc
            .as_ref()
            .and_then(|d| d.get("disableAllHooks"))
            .and_then(Value::as_bool)
            == Some(true);
        // disableAllHooks outside managed settings cannot switch off managed hooks.
        let hits = effective
            .iter()
            .any(|e| l.label.starts_with("managed") || !e.label.starts_with("managed"));
        if disabled && hits {
            out.push(check(
                Status::Fail,
                "disableAllHooks",
                format!(
                    "{} ({}) sets disableAllHooks, which switches hookguard off",
                    l.label,
                    l.path.display()
                ),
                Some(format!("remove disableAllHooks from {}", l.path.display())),
            ));
        }
    }

    out.extend(differing_registrations(&effective));

    // The registrations that run: events, form, binary, onFailure, timeout.
    let mut events_seen = std::collections::BTreeSet::new();
    let mut first_args: Option<Vec<String>> = None;
    for l in &effective {
        let doc = l.doc.as_ref().expect("registered layers have a document");
        let reinstall = format!(
            "run `hookguard install --scope {}`",
            if l.label.starts_with("managed") {
                "managed"
            } else if l.label == "local" {
                "project"
            } else {
                l.label
            }
        );
        let hs = handlers(doc);
        for (ev, _, _) in &hs {
            events_seen.insert(ev.clone());
        }
        let mut seen = std::collections::BTreeSet::new();
        for (ev, matcher, h) in &hs {
            if ev == "PreToolUse" && !matches!(matcher.as_deref(), None | Some("*") | Some("")) {
                out.push(check(
                    Status::Fail,
                    "matcher",
                    format!(
                        "{}: PreToolUse matcher `{}` lets other tools past hookguard",
                        l.label,
                        matcher.as_deref().unwrap_or("")
                    ),
                    Some(reinstall.clone()),
                ));
            }
            if !seen.insert(h.to_string()) {
                continue;
            }
            out.extend(handler_checks(l.label, h, &reinstall));
            if first_args.is_none() {
                first_args = Some(
                    h.get("args")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default(),
                );
            }
        }
    }
    if !effective.is_empty() {
        let missing: Vec<&str> = EVENTS
            .iter()
            .copied()
            .filter(|e| !events_seen.contains(*e))
            .collect();
        if missing.is_empty() {
            out.push(check(
                Status::Ok,
                "events",
                format!(
                    "every event hookguard handles is registered ({})",
                    EVENTS.len()
                ),
                None,
            ));
        } else {
            out.push(check(
                Status::Fail,
                "events",
                format!("not registered for {}", missing.join(", ")),
                Some(scope_fix.into()),
            ));
        }
    }

    out.push(claude_version(o));
    let policy = policy_checks(o, first_args.as_deref().unwrap_or(&[]), &mut out);
    if let Some(reg) = effective.first() {
        let args = first_args.as_deref().unwrap_or(&[]);
        out.push(sandbox_check(o, &layers, &registered, reg, args));
    }
    if let Some(p) = policy
        && p.classification >= Classification::OfficialSensitive
    {
        out.push(traffic_check(o, &layers, p.classification));
    }
    out
}

/// A warning when the registrations that run differ (user `--profile production`, project
/// `--profile ci`): Claude Code runs every matching hook, so each call is decided twice, under
/// two policies, and audited twice. Identical registrations are one (Claude Code runs a
/// command once however many files name it).
fn differing_registrations(effective: &[&Layer]) -> Option<Check> {
    let mut runs: Vec<(String, Vec<&'static str>)> = Vec::new();
    for l in effective {
        let Some(doc) = l.doc.as_ref() else { continue };
        for (_, _, h) in handlers(doc) {
            let cmd = h.get("command").and_then(Value::as_str).unwrap_or("");
            let args: Vec<&str> = h
                .get("args")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let line = std::iter::once(cmd)
                .chain(args)
                .collect::<Vec<_>>()
                .join(" ");
            match runs.iter_mut().find(|(r, _)| *r == line) {
                Some((_, labels)) if !labels.contains(&l.label) => labels.push(l.label),
                Some(_) => {}
                None => runs.push((line, vec![l.label])),
            }
        }
    }
    if runs.len() < 2 {
        return None;
    }
    let listed: Vec<String> = runs
        .iter()
        .map(|(line, labels)| format!("{} runs `{line}`", labels.join(" and ")))
        .collect();
    Some(check(
        Status::Warn,
        "registrations",
        format!(
            "{} registrations differ and all run on every call ({}): each call is decided and audited once per registration, and the strictest answer wins",
            runs.len(),
            listed.join("; ")
        ),
        Some("keep one: `hookguard uninstall --scope user` or `--scope project` for the one you do not want".into()),
    ))
}

/// C19: the sandbox settings are on, can run here, and match the policy (`crate::sandbox`).
fn sandbox_check(
    o: &DoctorOptions,
    layers: &[Layer],
    registered: &[&Layer],
    reg: &Layer,
    args: &[String],
) -> Check {
    let mut scopes = Vec::new();
    for l in registered {
        let s = match l.label {
            l if l.starts_with("managed") => install::Scope::Managed,
            "user" => install::Scope::User,
            _ => install::Scope::Project,
        };
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    let docs: Vec<(&str, &Value)> = layers
        .iter()
        .filter_map(|l| l.doc.as_ref().map(|d| (l.label, d)))
        .collect();
    let binary = reg
        .doc
        .as_ref()
        .and_then(|d| handlers(d).into_iter().next())
        .and_then(|(_, _, h)| h.get("command").and_then(Value::as_str).map(PathBuf::from));
    crate::sandbox::check(
        &docs,
        &scopes,
        &o.roots.project,
        &hook_options(args, o),
        &o.env,
        binary.as_deref(),
        o.path_var.as_deref(),
    )
}

/// Managed (and its drop-ins), user, project, local: each that exists, parsed.
fn read_layers(roots: &Roots, out: &mut Vec<Check>) -> Vec<Layer> {
    let files = roots.settings_layers();
    let mut layers = Vec::new();
    for (label, path) in files {
        match install::read_settings(&path) {
            Ok(Some(doc)) => layers.push(Layer {
                label,
                path,
                doc: Some(doc),
            }),
            Ok(None) => {}
            Err(e) => {
                out.push(check(
                    Status::Fail,
                    "settings",
                    format!("{label}: {e}"),
                    Some(format!(
                        "fix the JSON in {}; Claude Code ignores a file it cannot parse",
                        path.display()
                    )),
                ));
                layers.push(Layer {
                    label,
                    path,
                    doc: None,
                });
            }
        }
    }
    layers
}

/// Every hookguard handler in a settings document: (event, matcher, handler).
fn handlers(doc: &Value) -> Vec<(String, Option<String>, Value)> {
    let mut v = Vec::new();
    let Some(events) = doc.get("hooks").and_then(Value::as_object) else {
        return v;
    };
    for (ev, groups) in events {
        for g in groups.as_array().into_iter().flatten() {
            let matcher = g.get("matcher").and_then(Value::as_str).map(String::from);
            for h in g
                .get("hooks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if install::is_hookguard_handler(h) {
                    v.push((ev.clone(), matcher.clone(), h.clone()));
                }
            }
        }
    }
    v
}

fn handler_checks(label: &str, h: &Value, reinstall: &str) -> Vec<Check> {
    let mut out = Vec::new();
    let cmd = h.get("command").and_then(Value::as_str).unwrap_or("");
    let exec = h.get("args").is_some();
    if exec {
        out.push(check(
            Status::Ok,
            "exec form",
            format!("{label}: `{cmd}` runs without a shell"),
            None,
        ));
    } else {
        out.push(check(
            Status::Fail,
            "exec form",
            format!("{label}: `{cmd}` is shell form: quoting, shell profiles and a missing shell can change what runs"),
            Some(reinstall.to_string()),
        ));
    }
    let program = if exec {
        cmd.to_string()
    } else {
        cmd.split_whitespace()
            .find(|w| w.contains("hookguard"))
            .unwrap_or("")
            .trim_matches(['"', '\''])
            .to_string()
    };
    let p = Path::new(&program);
    if !p.is_absolute() {
        out.push(check(
            Status::Fail,
            "binary",
            format!("{label}: `{program}` is not an absolute path, so what runs depends on PATH"),
            Some(reinstall.to_string()),
        ));
    } else if is_executable(p) {
        out.push(check(
            Status::Ok,
            "binary",
            format!("{label}: {program} exists and is executable"),
            None,
        ));
    } else {
        out.push(check(
            Status::Fail,
            "binary",
            format!("{label}: {program} does not exist or is not executable; every call would fail (blocked with onFailure, let through without)"),
            Some(format!("install the binary there, or {reinstall} with the installed binary")),
        ));
    }
    match h.get("onFailure").and_then(Value::as_str) {
        Some("block") => out.push(check(
            Status::Ok,
            "onFailure",
            format!("{label}: a failed hook call blocks (needs Claude Code {MIN_CLAUDE_VERSION} or later)"),
            None,
        )),
        other => out.push(check(
            Status::Fail,
            "onFailure",
            format!(
                "{label}: onFailure is {}, so a crash, a timeout or a missing binary lets every call through",
                other.map_or("not set".to_string(), |o| format!("`{o}`"))
            ),
            Some(reinstall.to_string()),
        )),
    }
    match h.get("timeout").and_then(Value::as_f64) {
        Some(t) if t > 0.0 && t <= 60.0 => out.push(check(
            Status::Ok,
            "timeout",
            format!("{label}: {t} s"),
            None,
        )),
        Some(t) => out.push(check(
            Status::Warn,
            "timeout",
            format!("{label}: {t} s (seconds, not milliseconds); a stuck hook stalls the session that long"),
            Some(reinstall.to_string()),
        )),
        None => out.push(check(
            Status::Warn,
            "timeout",
            format!("{label}: no timeout, so Claude Code's default of 600 s applies"),
            Some(reinstall.to_string()),
        )),
    }
    out
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `claude --version` is at least the version that honours `onFailure`.
fn claude_version(o: &DoctorOptions) -> Check {
    let bin = o.claude.clone().or_else(|| {
        std::env::split_paths(o.path_var.as_deref()?)
            .map(|d| d.join("claude"))
            .find(|p| is_executable(p))
    });
    let Some(bin) = bin else {
        return check(
            Status::Warn,
            "claude version",
            "`claude` is not on PATH, so its version could not be checked".into(),
            Some(format!(
                "make sure the Claude Code that runs here is {MIN_CLAUDE_VERSION} or later"
            )),
        );
    };
    match version_of(&bin) {
        Some(v) if install::version_at_least(&v, MIN_CLAUDE_VERSION) => check(
            Status::Ok,
            "claude version",
            format!("{} reports {v}", bin.display()),
            None,
        ),
        Some(v) => check(
            Status::Fail,
            "claude version",
            format!(
                "{} reports {v}; before {MIN_CLAUDE_VERSION} Claude Code ignores onFailure and a failed hook lets the call through",
                bin.display()
            ),
            Some(format!(
                "npm install -g @anthropic-ai/claude-code@latest (at least {MIN_CLAUDE_VERSION}), and set requiredMinimumVersion in managed settings"
            )),
        ),
        None => check(
            Status::Warn,
            "claude version",
            format!("{} --version did not answer", bin.display()),
            None,
        ),
    }
}

/// Runs `bin --version` for at most 30 seconds.
fn version_of(bin: &Path) -> Option<String> {
    let mut child = std::process::Command::new(bin)
        .arg("--version")
        .env("DISABLE_AUTOUPDATER", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut s = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut s).ok()?;
    let v = s.split_whitespace().next()?.to_string();
    Some(v)
}

/// The options of the registered `hook` command: `--profile`, `--policy`, `--audit-log`.
fn hook_options(args: &[String], o: &DoctorOptions) -> HookOptions {
    let mut opts = HookOptions {
        managed_dir: o.managed_policy_dir.clone(),
        ..HookOptions::default()
    };
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (a.as_str(), None),
        };
        let mut val = || inline.clone().or_else(|| it.next().cloned());
        match key {
            "--profile" => opts.profile = val().as_deref().and_then(Profile::parse),
            "--policy" => opts.policies.extend(val().map(PathBuf::from)),
            "--audit-log" => opts.audit_log = val().map(PathBuf::from),
            "--managed-dir" => opts.managed_dir = val().map(PathBuf::from).unwrap_or_default(),
            _ => {}
        }
    }
    opts
}

/// The policy layers load, and the audit log is writable with its chain intact.
fn policy_checks(
    o: &DoctorOptions,
    args: &[String],
    out: &mut Vec<Check>,
) -> Option<crate::policy::Policy> {
    let opts = hook_options(args, o);
    let policy = match crate::run::load_policy(&opts, &o.env, &o.roots.project) {
        Ok(p) => {
            out.push(check(
                Status::Ok,
                "policy",
                format!(
                    "the policy layers load: profile {}, classification {} ({} layers)",
                    p.profile,
                    p.classification,
                    p.layers.len()
                ),
                None,
            ));
            for n in &p.profile_notes {
                out.push(check(
                    Status::Warn,
                    "policy",
                    format!("a policy line has no force: {n}"),
                    Some(
                        "remove the line, or choose the profile in the hook registration (--profile) or a managed policy".into(),
                    ),
                ));
            }
            Some(p)
        }
        Err(e) => {
            out.push(check(
                Status::Fail,
                "policy",
                format!("the policy does not load, so the hook refuses every call: {e}"),
                Some(
                    "correct the file named above; `hookguard policy check` shows the result"
                        .into(),
                ),
            ));
            None
        }
    };
    let log = opts
        .audit_log
        .clone()
        .or_else(|| policy.as_ref().and_then(|p| p.audit_log.clone()))
        .or_else(|| {
            crate::audit::default_path(o.env.xdg_state_home.as_deref(), o.env.home.as_deref())
        });
    let Some(log) = log else {
        out.push(check(
            Status::Fail,
            "audit log",
            "no audit log location (no --audit-log, no [audit] log, no HOME)".into(),
            Some("register the hook with `--audit-log PATH`, or set HOME".into()),
        ));
        return policy;
    };
    out.push(audit_check(&log));
    out.extend(audit_stall_check(&log));
    policy
}

/// Calls that gave up waiting for the audit log's lock (something held it: an agent running
/// `flock` on the head stops the log), as the chain records them or as still noted beside it.
fn audit_stall_check(log: &Path) -> Option<Check> {
    let s = crate::audit::log::stalls(log);
    (s.count > 0).then(|| {
        check(
            Status::Warn,
            "audit lock",
            format!(
                "{} call(s) gave up waiting for the lock of {} and were refused; the latest: {}",
                s.count,
                log.display(),
                s.latest.as_deref().unwrap_or("unknown")
            ),
            Some(
                "find what held the lock (the record names the process) and report it to your security team; `hookguard audit verify` lists every stall"
                    .into(),
            ),
        )
    })
}

fn audit_check(log: &Path) -> Check {
    let fix = Some(format!(
        "make {} writable by the user Claude Code runs as",
        log.parent().unwrap_or(log).display()
    ));
    if log.exists() {
        if let Err(e) = std::fs::OpenOptions::new().append(true).open(log) {
            return check(
                Status::Fail,
                "audit log",
                format!("{} is not writable: {e}", log.display()),
                fix,
            );
        }
        return match crate::audit::verify(log, None) {
            Ok(r) => match r.first_error {
                None => check(
                    Status::Ok,
                    "audit log",
                    format!("{} is writable, {} records, chain intact", log.display(), r.records),
                    None,
                ),
                // A keyed chain can only be checked with the key, which the user cannot read.
                Some(b) if b.needs_key => check(
                    Status::Ok,
                    "audit log",
                    format!("{} is writable; its chain is keyed (the security team verifies it with the key)", log.display()),
                    None,
                ),
                Some(b) => check(
                    Status::Fail,
                    "audit log",
                    format!("{}:{}: chain broken: {}", b.file.display(), b.line, b.message),
                    Some("keep the log for investigation, move it aside with its head and rotated files (`audit.jsonl*`), and report the break to your security team".into()),
                ),
            },
            Err(e) => check(
                Status::Fail,
                "audit log",
                format!("{} cannot be read: {e}", log.display()),
                fix,
            ),
        };
    }
    // No log yet: the directory must take a new file. Probe it the way the hook will.
    let dir = log.parent().unwrap_or(Path::new("."));
    let probe = dir.join(format!(".hookguard-doctor-{}", std::process::id()));
    let r = std::fs::create_dir_all(dir).and_then(|_| std::fs::write(&probe, b""));
    let _ = std::fs::remove_file(&probe);
    match r {
        Ok(()) => check(
            Status::Ok,
            "audit log",
            format!(
                "{} does not exist yet; its directory is writable",
                log.display()
            ),
            None,
        ),
        Err(e) => check(
            Status::Fail,
            "audit log",
            format!("{} cannot be created: {e}", log.display()),
            fix,
        ),
    }
}

/// OFFICIAL-SENSITIVE: Claude Code's non-essential traffic (telemetry, error reports,
/// auto-update checks) is switched off.
fn traffic_check(o: &DoctorOptions, layers: &[Layer], c: Classification) -> Check {
    const VAR: &str = "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC";
    let on = |v: &str| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false");
    let in_settings = layers.iter().find(|l| {
        l.doc
            .as_ref()
            .and_then(|d| d.pointer(&format!("/env/{VAR}")))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
            .is_some_and(|v| on(&v))
    });
    if let Some(l) = in_settings {
        return check(
            Status::Ok,
            "non-essential traffic",
            format!("{c} project: {VAR} is set in {} settings", l.label),
            None,
        );
    }
    if o.traffic_env.as_deref().is_some_and(on) {
        return check(
            Status::Ok,
            "non-essential traffic",
            format!("{c} project: {VAR} is set in this environment"),
            None,
        );
    }
    check(
        Status::Fail,
        "non-essential traffic",
        format!("{c} project: {VAR} is not set, so Claude Code sends telemetry and error reports"),
        Some(format!(
            "add \"env\": {{\"{VAR}\": \"1\"}} to the managed or project settings"
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_options_read_the_registered_args() {
        let o = DoctorOptions {
            roots: Roots {
                home: None,
                claude_config_dir: None,
                project: PathBuf::from("/p"),
                managed_dir: PathBuf::from("/m"),
            },
            claude: None,
            path_var: None,
            traffic_env: None,
            env: Environment::default(),
            managed_policy_dir: PathBuf::from("/etc/hookguard"),
        };
        let args: Vec<String> = [
            "hook",
            "--profile",
            "ci",
            "--policy=/a.toml",
            "--audit-log",
            "/l",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let h = hook_options(&args, &o);
        assert_eq!(h.profile, Some(Profile::Ci));
        assert_eq!(h.policies, vec![PathBuf::from("/a.toml")]);
        assert_eq!(h.audit_log, Some(PathBuf::from("/l")));
    }

    #[test]
    fn a_check_reads_as_one_line() {
        let c = check(
            Status::Fail,
            "binary",
            "gone".into(),
            Some("reinstall".into()),
        );
        assert_eq!(c.to_string(), "FAIL binary: gone; fix: reinstall");
    }
}

/// `hookguard doctor`.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// The `claude` binary whose version to check (default: `claude` on PATH).
    #[arg(long, value_name = "PATH")]
    pub claude: Option<PathBuf>,
    /// Where hookguard's managed policy lives.
    #[arg(long, value_name = "DIR", default_value = crate::policy::layers::MANAGED_DIR, hide = true)]
    pub managed_dir: PathBuf,
    #[command(flatten)]
    pub roots: install::RootArgs,
}

/// Runs `doctor` for `main`: the report, and whether all is well.
pub fn run_doctor(a: &DoctorArgs) -> (String, bool) {
    let roots = a.roots.roots();
    let mut env = Environment::from_process();
    if a.roots.home.is_some() {
        // A stated home stands for the whole user environment: the XDG directories of the
        // process running doctor are not that user's.
        env.home = roots.home.clone();
        env.xdg_config_home = None;
        env.xdg_state_home = None;
        env.claude_config_dir = None;
    }
    env.claude_project_dir = None;
    let o = DoctorOptions {
        roots,
        claude: a.claude.clone(),
        path_var: std::env::var_os("PATH"),
        traffic_env: std::env::var("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC").ok(),
        env,
        managed_policy_dir: a.managed_dir.clone(),
    };
    let checks = run(&o);
    let fails = checks.iter().filter(|c| c.status == Status::Fail).count();
    let mut s: String = checks.iter().map(|c| format!("{c}\n")).collect();
    if fails == 0 {
        s.push_str("all is well: hookguard guards Claude Code here\n");
    } else {
        s.push_str(&format!(
            "{fails} problem{} found: hookguard may not guard Claude Code here\n",
            if fails == 1 { "" } else { "s" }
        ));
    }
    (s, fails == 0)
}
