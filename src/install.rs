//! `hookguard install` and `uninstall`: write hookguard's registration into a Claude Code
//! settings file, and take it out again.
//!
//! Not part of the hook pipeline: this runs when a person (or a provisioning script) sets the
//! guard up. A registration is only as good as what it says, so everything the protocol
//! reference asks of a guard's registration is written here, in one place: the absolute path of
//! this binary, exec form (`command` + `args`, no shell), matcher `"*"`, every event the hook
//! handles, a timeout in seconds, and `"onFailure": "block"` so that a missing binary, a crash or
//! a timeout blocks instead of failing open. `doctor` checks settings against the same
//! definitions.
//!
//! The edit is a merge: every other key and every other hook is kept, an existing hookguard
//! registration is replaced (so running it twice changes nothing), and the file is backed up
//! before it is written. Keys come out in sorted order (serde_json's map), values unchanged.

use crate::classification::Profile;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// Every event `hookguard hook` answers or audits, in the order they are written.
pub const EVENTS: &[&str] = &[
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "UserPromptSubmit",
    "SessionStart",
    "SessionEnd",
    "Stop",
    "ConfigChange",
    "PermissionDenied",
];

/// Seconds Claude Code waits for one hook call. The hook answers in milliseconds; ten seconds
/// leaves room for a slow disk under the audit lock without stalling a session, and with
/// `onFailure: block` a hook that does hang blocks the call rather than letting it through.
pub const TIMEOUT_SECS: u64 = 10;

/// The oldest Claude Code that honours `onFailure` (it arrived in 2.1.295; older clients ignore
/// it and fail open).
pub const MIN_CLAUDE_VERSION: &str = "2.1.295";

/// Where Linux reads file-based managed settings.
pub const MANAGED_SETTINGS_DIR: &str = "/etc/claude-code";

/// Which settings file to edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `~/.claude/settings.json` (or `$CLAUDE_CONFIG_DIR/settings.json`): this person, every project.
    User,
    /// `.claude/settings.json` in the project: everyone who works on it.
    Project,
    /// `/etc/claude-code/managed-settings.json`: this machine, and no one can switch it off.
    Managed,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "user" => Some(Scope::User),
            "project" => Some(Scope::Project),
            "managed" => Some(Scope::Managed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::Project => "project",
            Scope::Managed => "managed",
        }
    }
}

/// Where the settings files are. Read from the process in `main`; tests state them.
#[derive(Debug, Clone)]
pub struct Roots {
    pub home: Option<PathBuf>,
    /// `CLAUDE_CONFIG_DIR`, which replaces `~/.claude` for user settings.
    pub claude_config_dir: Option<PathBuf>,
    pub project: PathBuf,
    /// Where managed settings live (`/etc/claude-code`).
    pub managed_dir: PathBuf,
}

impl Roots {
    pub fn user_settings(&self) -> Option<PathBuf> {
        self.claude_config_dir
            .clone()
            .or_else(|| self.home.as_ref().map(|h| h.join(".claude")))
            .map(|d| d.join("settings.json"))
    }

    pub fn project_settings(&self) -> PathBuf {
        self.project.join(".claude/settings.json")
    }

    pub fn local_settings(&self) -> PathBuf {
        self.project.join(".claude/settings.local.json")
    }

    pub fn managed_settings(&self) -> PathBuf {
        self.managed_dir.join("managed-settings.json")
    }

    /// Every settings file Claude Code reads hooks from, most authoritative first, labelled:
    /// managed, its `managed-settings.d/*.json` drop-ins (in name order), user, project, local.
    pub fn settings_layers(&self) -> Vec<(&'static str, PathBuf)> {
        let mut files: Vec<(&'static str, PathBuf)> = vec![("managed", self.managed_settings())];
        if let Ok(rd) = std::fs::read_dir(self.managed_dir.join("managed-settings.d")) {
            let mut extra: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            extra.sort();
            files.extend(extra.into_iter().map(|p| ("managed drop-in", p)));
        }
        if let Some(u) = self.user_settings() {
            files.push(("user", u));
        }
        files.push(("project", self.project_settings()));
        files.push(("local", self.local_settings()));
        files
    }

    /// The file `scope` edits.
    pub fn settings_file(&self, scope: Scope) -> Result<PathBuf, InstallError> {
        match scope {
            Scope::User => self.user_settings().ok_or(InstallError::NoHome),
            Scope::Project => Ok(self.project_settings()),
            Scope::Managed => Ok(self.managed_settings()),
        }
    }
}

/// What the registration runs.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Absolute path of the hookguard binary.
    pub binary: PathBuf,
    pub profile: Option<Profile>,
    /// Absolute paths of `--policy` files.
    pub policies: Vec<PathBuf>,
    pub timeout: u64,
}

impl Registration {
    /// `hook` and its options, as the registration's `args`.
    pub fn args(&self) -> Vec<String> {
        let mut a = vec!["hook".to_string()];
        if let Some(p) = self.profile {
            a.push("--profile".into());
            a.push(p.as_str().into());
        }
        for p in &self.policies {
            a.push("--policy".into());
            a.push(p.display().to_string());
        }
        a
    }

    /// One hook handler, as written under every event.
    pub fn handler(&self) -> Value {
        json!({
            "type": "command",
            "command": self.binary.display().to_string(),
            "args": self.args(),
            "timeout": self.timeout,
            "onFailure": "block",
        })
    }

    /// The `hooks` object this registration adds: matcher `"*"` on every event.
    pub fn hooks(&self) -> Value {
        let mut m = Map::new();
        for ev in EVENTS {
            m.insert(
                (*ev).to_string(),
                json!([{ "matcher": "*", "hooks": [self.handler()] }]),
            );
        }
        Value::Object(m)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("no home directory: set HOME or use another scope")]
    NoHome,
    #[error("no state directory for the backup of the settings file: set HOME or XDG_STATE_HOME")]
    NoBackupDir,
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path}: not valid JSON ({source}); fix or move the file first, hookguard will not overwrite it"
    )]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error("{path}: expected a JSON object at the top level")]
    NotObject { path: String },
    #[error("{path}: `{key}` is not what Claude Code expects ({expected}); fix it first")]
    Shape {
        path: String,
        key: String,
        expected: &'static str,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> InstallError + '_ {
    move |source| InstallError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Whether a hook handler runs hookguard's hook: exec form whose program is named `hookguard*`
/// with `hook` as first argument, or shell form whose command runs `… hookguard hook`.
pub fn is_hookguard_handler(h: &Value) -> bool {
    let Some(cmd) = h.get("command").and_then(Value::as_str) else {
        return false;
    };
    let named = |prog: &str| {
        Path::new(prog)
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("hookguard"))
    };
    match h.get("args").and_then(Value::as_array) {
        Some(args) => named(cmd) && args.first().and_then(Value::as_str) == Some("hook"),
        None => {
            let words: Vec<&str> = cmd.split_whitespace().collect();
            words
                .windows(2)
                .any(|w| named(w[0].trim_matches(['"', '\''])) && w[1] == "hook")
        }
    }
}

/// Reads a settings file: `None` if it does not exist.
pub fn read_settings(path: &Path) -> Result<Option<Value>, InstallError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path)(e)),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Some(Value::Object(Map::new())));
    }
    let v: Value = serde_json::from_slice(&bytes).map_err(|source| InstallError::Json {
        path: path.display().to_string(),
        source,
    })?;
    if !v.is_object() {
        return Err(InstallError::NotObject {
            path: path.display().to_string(),
        });
    }
    Ok(Some(v))
}

/// Takes every hookguard handler out of `doc`'s hooks. A matcher group left with no handlers
/// is dropped, and so is an event left with no groups, and `hooks` if it ends up empty; groups
/// and handlers that are not hookguard's are left exactly as they were.
pub fn remove(doc: &mut Value, path: &Path) -> Result<usize, InstallError> {
    let shape = |key: &str, expected| InstallError::Shape {
        path: path.display().to_string(),
        key: key.to_string(),
        expected,
    };
    let Some(hooks) = doc.get_mut("hooks") else {
        return Ok(0);
    };
    let Some(events) = hooks.as_object_mut() else {
        return Err(shape("hooks", "an object of event names"));
    };
    let mut removed = 0;
    for (name, groups) in events.iter_mut() {
        let Some(groups) = groups.as_array_mut() else {
            return Err(shape(&format!("hooks.{name}"), "a list of matcher groups"));
        };
        groups.retain_mut(|g| {
            let Some(hs) = g.get_mut("hooks").and_then(Value::as_array_mut) else {
                return true;
            };
            let before = hs.len();
            hs.retain(|h| !is_hookguard_handler(h));
            removed += before - hs.len();
            // Drop only a group that hookguard emptied, not one that was already empty.
            !(hs.is_empty() && before > 0)
        });
    }
    events.retain(|_, g| g.as_array().is_none_or(|a| !a.is_empty()));
    if events.is_empty() {
        doc.as_object_mut().map(|o| o.remove("hooks"));
    }
    Ok(removed)
}

/// `doc` with hookguard registered by `reg`: any earlier hookguard registration replaced,
/// everything else kept. Managed scope also locks hooks to managed ones and requires a client
/// that honours `onFailure`.
pub fn merged(
    mut doc: Value,
    reg: &Registration,
    scope: Scope,
    path: &Path,
) -> Result<Value, InstallError> {
    remove(&mut doc, path)?;
    let obj = doc.as_object_mut().ok_or_else(|| InstallError::NotObject {
        path: path.display().to_string(),
    })?;
    let hooks = obj
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| InstallError::Shape {
            path: path.display().to_string(),
            key: "hooks".into(),
            expected: "an object of event names",
        })?;
    if let Value::Object(ours) = reg.hooks() {
        for (ev, groups) in ours {
            let slot = hooks.entry(ev).or_insert_with(|| Value::Array(Vec::new()));
            if let (Some(list), Value::Array(new)) = (slot.as_array_mut(), groups) {
                list.extend(new);
            }
        }
    }
    if scope == Scope::Managed {
        // Without this a user or project setting could add hooks that run beside ours, or a
        // plugin could; with it only what the machine's owner ships runs.
        obj.insert("allowManagedHooksOnly".into(), Value::Bool(true));
        // Keep a higher minimum that an administrator already set.
        let keep = obj
            .get("requiredMinimumVersion")
            .and_then(Value::as_str)
            .is_some_and(|v| version_at_least(v, MIN_CLAUDE_VERSION));
        if !keep {
            obj.insert(
                "requiredMinimumVersion".into(),
                Value::String(MIN_CLAUDE_VERSION.into()),
            );
        }
        harden(obj, path)?;
    }
    Ok(doc)
}

/// The `permissions.deny` rules a managed install adds (as `settings-snippets/managed-settings.json`
/// has them): nobody edits the organisation's policy, the managed settings, or the user
/// settings through Claude Code's own tools. `settings` is the managed settings file.
pub fn hardening_deny(settings: &Path) -> Vec<String> {
    let dir = settings.parent().unwrap_or(Path::new(MANAGED_SETTINGS_DIR));
    let mut v = vec![
        format!("Edit(/{}/**)", crate::policy::layers::MANAGED_DIR),
        format!("Edit(/{}/**)", dir.display()),
        "Edit(~/.claude/settings.json)".to_string(),
    ];
    v.dedup();
    v
}

/// Managed scope: `permissions.disableBypassPermissionsMode = "disable"` (no session can skip
/// the permission flow hookguard's `ask` relies on) and the [`hardening_deny`] rules, added to
/// whatever the administrator already denies.
fn harden(obj: &mut Map<String, Value>, path: &Path) -> Result<(), InstallError> {
    let shape = |key: &str, expected: &'static str| InstallError::Shape {
        path: path.display().to_string(),
        key: key.into(),
        expected,
    };
    let perms = obj
        .entry("permissions")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| shape("permissions", "an object"))?;
    perms.insert(
        "disableBypassPermissionsMode".into(),
        Value::String("disable".into()),
    );
    let deny = perms
        .entry("deny")
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
        .ok_or_else(|| shape("permissions.deny", "an array of rules"))?;
    for rule in hardening_deny(path) {
        if !deny.iter().any(|r| r.as_str() == Some(rule.as_str())) {
            deny.push(Value::String(rule));
        }
    }
    Ok(())
}

/// `a >= b` for dotted numeric versions (`2.1.330` ≥ `2.1.295`); anything unparseable is
/// treated as lower.
pub fn version_at_least(a: &str, b: &str) -> bool {
    let parse = |s: &str| -> Option<Vec<u64>> {
        s.trim()
            .trim_start_matches('v')
            .split(['.', '-', ' '])
            .take(3)
            .map(|p| p.parse().ok())
            .collect()
    };
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x >= y,
        _ => false,
    }
}

/// What an install or uninstall did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub path: PathBuf,
    /// The file's new content, as written.
    pub content: String,
    /// Whether the file changes.
    pub changed: bool,
    pub backup: Option<PathBuf>,
    pub dry_run: bool,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = self.path.display();
        match (self.dry_run, self.changed) {
            (true, true) => write!(f, "would write {p}:\n{}", self.content),
            (true, false) => write!(f, "{p} is already up to date; nothing would change"),
            (false, false) => write!(f, "{p} is already up to date; nothing changed"),
            (false, true) => {
                write!(f, "wrote {p}")?;
                if let Some(b) = &self.backup {
                    write!(f, " (the previous version is in {})", b.display())?;
                }
                Ok(())
            }
        }
    }
}

/// Where `install` and `uninstall` keep the settings files they replace: hookguard's state
/// directory (`$XDG_STATE_HOME/hookguard/backups`, else `~/.local/state/hookguard/backups`),
/// not beside the file, where a project's backups would show as untracked files in git.
/// `XDG_STATE_HOME` counts only for the process's own home (not under `--home`).
pub fn backup_dir(roots: &Roots) -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|_| roots.home == crate::paths::home_dir());
    crate::audit::default_path(xdg.as_deref(), roots.home.as_deref())
        .and_then(|log| log.parent().map(|d| d.join("backups")))
}

/// [`write_to`] with the backup in the state directory of the process's own home.
pub fn write(
    path: &Path,
    old: Option<&Value>,
    doc: &Value,
    dry_run: bool,
) -> Result<Report, InstallError> {
    let roots = Roots {
        home: crate::paths::home_dir(),
        claude_config_dir: None,
        project: PathBuf::from("/"),
        managed_dir: PathBuf::from(MANAGED_SETTINGS_DIR),
    };
    write_to(path, old, doc, dry_run, backup_dir(&roots).as_deref())
}

/// Writes `doc` to `path` unless it is what the file already holds: the old file is copied to
/// a timestamped backup in `backups` first (owner-only: settings can hold tokens), and the new
/// one replaces it in one rename.
pub fn write_to(
    path: &Path,
    old: Option<&Value>,
    doc: &Value,
    dry_run: bool,
    backups: Option<&Path>,
) -> Result<Report, InstallError> {
    let mut content = serde_json::to_string_pretty(doc).expect("a JSON value serialises");
    content.push('\n');
    let changed = old != Some(doc);
    let mut report = Report {
        path: path.to_path_buf(),
        content,
        changed,
        backup: None,
        dry_run,
    };
    if dry_run || !changed {
        return Ok(report);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let mode = std::fs::metadata(path).ok().map(|m| m.permissions());
    if old.is_some() {
        let stamp: String = crate::audit::time::now_rfc3339()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let backup = backup_path(path, backups, &stamp)?;
        std::fs::copy(path, &backup).map_err(io_err(&backup))?;
        report.backup = Some(backup);
    }
    let tmp = dir.join(format!(
        ".{}.hookguard-tmp-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("settings"),
        std::process::id()
    ));
    std::fs::write(&tmp, report.content.as_bytes()).map_err(io_err(&tmp))?;
    if let Some(perm) = mode {
        std::fs::set_permissions(&tmp, perm).map_err(io_err(&tmp))?;
    }
    std::fs::rename(&tmp, path).map_err(io_err(path))?;
    Ok(report)
}

/// `backups/<the file's path, / as %>.hookguard-backup-<stamp>`, the directory made 0700.
fn backup_path(path: &Path, backups: Option<&Path>, stamp: &str) -> Result<PathBuf, InstallError> {
    use std::os::unix::fs::DirBuilderExt;
    let Some(dir) = backups else {
        return Err(InstallError::NoBackupDir);
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_err(dir))?;
    let flat = path
        .display()
        .to_string()
        .trim_start_matches('/')
        .replace('/', "%");
    Ok(dir.join(format!("{flat}.hookguard-backup-{stamp}")))
}

/// `hookguard install`.
pub fn install(
    scope: Scope,
    roots: &Roots,
    reg: &Registration,
    dry_run: bool,
    sandbox: Option<&mut crate::sandbox::Install>,
) -> Result<Report, InstallError> {
    let path = roots.settings_file(scope)?;
    let old = read_settings(&path)?;
    let mut doc = merged(
        old.clone().unwrap_or_else(|| Value::Object(Map::new())),
        reg,
        scope,
        &path,
    )?;
    if let Some(sb) = sandbox {
        sb.merge(&mut doc, &path)?;
    }
    write_to(
        &path,
        old.as_ref(),
        &doc,
        dry_run,
        backup_dir(roots).as_deref(),
    )
}

/// `hookguard uninstall`: every hookguard handler out of the scope's settings file. Managed
/// scope leaves `allowManagedHooksOnly` and `requiredMinimumVersion` alone: they may be the
/// administrator's own choice, and the backup holds what was there before.
pub fn uninstall(
    scope: Scope,
    roots: &Roots,
    dry_run: bool,
    sandbox: Option<&mut crate::sandbox::Install>,
) -> Result<Report, InstallError> {
    let path = roots.settings_file(scope)?;
    let Some(old) = read_settings(&path)? else {
        return Ok(Report {
            path,
            content: String::new(),
            changed: false,
            backup: None,
            dry_run,
        });
    };
    let mut doc = old.clone();
    remove(&mut doc, &path)?;
    if let Some(sb) = sandbox {
        sb.merge(&mut doc, &path)?;
    }
    write_to(
        &path,
        Some(&old),
        &doc,
        dry_run,
        backup_dir(roots).as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg() -> Registration {
        Registration {
            binary: PathBuf::from("/opt/hookguard/bin/hookguard"),
            profile: Some(Profile::Ci),
            policies: vec![],
            timeout: TIMEOUT_SECS,
        }
    }

    #[test]
    fn recognises_hookguard_handlers() {
        let yes = [
            json!({"type":"command","command":"/usr/local/bin/hookguard","args":["hook"]}),
            json!({"type":"command","command":"hookguard","args":["hook","--profile","ci"]}),
            json!({"type":"command","command":"/x/hookguard hook --profile ci"}),
            json!({"type":"command","command":"'/x y/hookguard' hook"}),
        ];
        let no = [
            json!({"type":"command","command":"/usr/local/bin/hookguard","args":["explain"]}),
            json!({"type":"command","command":"/usr/bin/other-guard","args":["hook"]}),
            json!({"type":"command","command":"echo hookguard"}),
            json!({"type":"http","url":"http://x"}),
        ];
        for h in &yes {
            assert!(is_hookguard_handler(h), "{h}");
        }
        for h in &no {
            assert!(!is_hookguard_handler(h), "{h}");
        }
    }

    #[test]
    fn merge_keeps_other_hooks_and_replaces_ours() {
        let p = Path::new("s.json");
        let other = json!({"type":"command","command":"/bin/lint"});
        let old = json!({
            "model": "x",
            "hooks": {"PreToolUse": [
                {"matcher": "Bash", "hooks": [other.clone()]},
                {"matcher": "*", "hooks": [{"type":"command","command":"/old/hookguard","args":["hook"]}]}
            ]}
        });
        let new = merged(old, &reg(), Scope::Project, p).unwrap();
        assert_eq!(new["model"], "x");
        let pre = new["hooks"]["PreToolUse"].as_array().unwrap();
        assert_eq!(pre.len(), 2);
        assert_eq!(pre[0]["hooks"][0], other);
        assert_eq!(
            pre[1]["hooks"][0]["command"],
            "/opt/hookguard/bin/hookguard"
        );
        for ev in EVENTS {
            assert_eq!(
                new["hooks"][ev].as_array().unwrap().len(),
                if *ev == "PreToolUse" { 2 } else { 1 }
            );
        }
        let again = merged(new.clone(), &reg(), Scope::Project, p).unwrap();
        assert_eq!(again, new, "idempotent");
        assert!(new.get("allowManagedHooksOnly").is_none());
    }

    #[test]
    fn remove_leaves_foreign_groups() {
        let p = Path::new("s.json");
        let mut doc = merged(json!({}), &reg(), Scope::User, p).unwrap();
        assert_eq!(remove(&mut doc, p).unwrap(), EVENTS.len());
        assert_eq!(doc, json!({}));
        let mut doc = json!({"hooks": {"Stop": [{"hooks": []}]}});
        assert_eq!(remove(&mut doc, p).unwrap(), 0);
        assert_eq!(doc, json!({"hooks": {"Stop": [{"hooks": []}]}}));
    }

    #[test]
    fn managed_locks_hooks_and_keeps_a_higher_minimum() {
        let p = Path::new("m.json");
        let new = merged(json!({}), &reg(), Scope::Managed, p).unwrap();
        assert_eq!(new["allowManagedHooksOnly"], true);
        assert_eq!(new["requiredMinimumVersion"], "2.1.295");
        let new = merged(
            json!({"requiredMinimumVersion": "2.1.300"}),
            &reg(),
            Scope::Managed,
            p,
        )
        .unwrap();
        assert_eq!(new["requiredMinimumVersion"], "2.1.300");
        let new = merged(
            json!({"requiredMinimumVersion": "2.1.100"}),
            &reg(),
            Scope::Managed,
            p,
        )
        .unwrap();
        assert_eq!(new["requiredMinimumVersion"], "2.1.295");
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(version_at_least("2.1.330", "2.1.295"));
        assert!(version_at_least("2.1.295", "2.1.295"));
        assert!(version_at_least("2.1.330 (Claude Code)", "2.1.295"));
        assert!(!version_at_least("2.1.99", "2.1.295"));
        assert!(!version_at_least("garbage", "2.1.295"));
    }
}

/// The options `install`, `uninstall` and `doctor` share: where the settings files are.
#[derive(Debug, Clone, clap::Args)]
pub struct RootArgs {
    /// The project whose `.claude/settings.json` is meant (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// The home directory to use instead of $HOME (for tests and provisioning images).
    #[arg(long, value_name = "DIR", hide = true)]
    pub home: Option<PathBuf>,
    /// Where managed settings live instead of /etc/claude-code (for tests).
    #[arg(long, value_name = "DIR", hide = true, default_value = MANAGED_SETTINGS_DIR)]
    pub managed_settings_dir: PathBuf,
}

impl RootArgs {
    /// The roots, from these options and the process environment. `CLAUDE_CONFIG_DIR` moves
    /// the user settings, as it does for Claude Code, unless `--home` says where home is.
    pub fn roots(&self) -> Roots {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let abs = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                cwd.join(p)
            }
        };
        let claude_config_dir = match &self.home {
            Some(_) => None,
            None => std::env::var_os("CLAUDE_CONFIG_DIR")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        };
        Roots {
            home: self
                .home
                .as_deref()
                .map(abs)
                .or_else(crate::paths::home_dir),
            claude_config_dir,
            project: self.project.as_deref().map_or_else(|| cwd.clone(), abs),
            managed_dir: abs(&self.managed_settings_dir),
        }
    }
}

/// `hookguard install`.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// Which settings file: user (~/.claude/settings.json), project (.claude/settings.json) or
    /// managed (/etc/claude-code/managed-settings.json, as root).
    #[arg(long, value_parser = parse_scope)]
    pub scope: Scope,
    /// The profile the registration fixes: prototype, production or ci.
    #[arg(long, value_parser = parse_profile)]
    pub profile: Option<Profile>,
    /// A policy file the registration passes to the hook, trusted like the managed policy
    /// (repeatable).
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// Seconds Claude Code waits for one hook call.
    #[arg(long, default_value_t = TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// The binary the registration runs, as an absolute path (default: this binary, symlinks
    /// resolved). Name a stable symlink here if upgrades swap what it points at.
    #[arg(long, value_name = "PATH")]
    pub binary: Option<PathBuf>,
    /// Print the settings file that would be written, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also compile the policy into Claude Code's sandbox settings for the prototype profile
    /// (production and ci get them by default).
    #[arg(long, conflicts_with = "no_sandbox")]
    pub sandbox: bool,
    /// Leave the sandbox settings out (and take out what an earlier install added).
    #[arg(long)]
    pub no_sandbox: bool,
    #[command(flatten)]
    pub roots: RootArgs,
}

/// `hookguard uninstall`.
#[derive(Debug, clap::Args)]
pub struct UninstallArgs {
    /// Which settings file: user, project or managed.
    #[arg(long, value_parser = parse_scope)]
    pub scope: Scope,
    /// Print the settings file that would be written, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub roots: RootArgs,
}

fn parse_scope(s: &str) -> Result<Scope, String> {
    Scope::parse(s).ok_or_else(|| format!("unknown scope `{s}`, expected user, project or managed"))
}

fn parse_profile(s: &str) -> Result<Profile, String> {
    Profile::parse(s)
        .ok_or_else(|| format!("unknown profile `{s}`, expected prototype, production or ci"))
}

/// Runs `install` for `main`: the report, or the error for stderr.
pub fn run_install(a: &InstallArgs) -> Result<String, String> {
    // The registration must name this very binary, wherever it was run from: a relative name
    // would depend on the PATH and cwd of every future session.
    let binary = match &a.binary {
        Some(b) if !b.is_absolute() => {
            return Err(format!(
                "--binary `{}` must be an absolute path",
                b.display()
            ));
        }
        Some(b) => b.clone(),
        None => std::env::current_exe()
            .map_err(|e| format!("cannot tell where this hookguard binary is: {e}"))?,
    };
    {
        use std::os::unix::fs::PermissionsExt;
        let runnable = std::fs::metadata(&binary)
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
        if !runnable {
            return Err(format!(
                "`{}` is not an executable file; the registration would block every call",
                binary.display()
            ));
        }
    }
    let cwd = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
    let mut policies = Vec::new();
    for p in &a.policies {
        let abs = if p.is_absolute() {
            p.clone()
        } else {
            cwd.join(p)
        };
        if !abs.is_file() {
            return Err(format!("policy file `{}` does not exist", abs.display()));
        }
        policies.push(abs);
    }
    let reg = Registration {
        binary,
        profile: a.profile,
        policies,
        timeout: a.timeout,
    };
    let roots = a.roots.roots();
    let choice = crate::sandbox::Choice::from_flags(a.sandbox, a.no_sandbox);
    let mut sb =
        crate::sandbox::for_install(a.scope, &roots, &reg, choice, a.roots.home.is_some())?;
    let r = install(a.scope, &roots, &reg, a.dry_run, Some(&mut sb)).map_err(|e| e.to_string())?;
    if !a.dry_run {
        sb.commit()?;
    }
    Ok(format!("{r}\n{}", sb.summary()))
}

/// Runs `uninstall` for `main`.
pub fn run_uninstall(a: &UninstallArgs) -> Result<String, String> {
    let roots = a.roots.roots();
    let mut sb = crate::sandbox::for_uninstall(a.scope, &roots, a.roots.home.is_some())?;
    let r = uninstall(a.scope, &roots, a.dry_run, Some(&mut sb)).map_err(|e| e.to_string())?;
    if !a.dry_run {
        sb.commit()?;
    }
    let mut s = r.to_string();
    if a.scope == Scope::Managed && r.changed {
        s.push_str("\nnote: allowManagedHooksOnly, requiredMinimumVersion, permissions.disableBypassPermissionsMode and the permissions.deny rules were left as they are; remove them by hand if only hookguard needed them");
    }
    Ok(s)
}
