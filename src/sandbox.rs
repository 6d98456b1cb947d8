//! C19 OS containment: the merged policy compiled into Claude Code's own sandbox and permission
//! settings, so that what no hook can see (a project script, a Makefile, an interpreter that
//! computes its paths, time-of-use) is still held by the kernel.
//!
//! Not part of the hook pipeline. `install` writes what [`compile`] produces beside the hook
//! registration ([`apply`]), records what it added in a manifest in hookguard's state directory,
//! and `uninstall` takes out only that ([`undo`]). `doctor` compiles again and compares
//! ([`checks`]). How each setting treats globs, `~`, relative paths and directories was measured
//! in the pinned client (2.1.330, Linux, bubblewrap): see docs/adr/0018-os-containment.md and the
//! mapping table in docs/policy.md ([`MAPPING_MARKDOWN`]).

use crate::classification::{Classification, Profile};
use crate::decision::Verdict;
use crate::install::Scope;
use crate::policy::{Lookup, PathPatterns, Policy};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Where the compiled settings are written, and what they protect.
#[derive(Debug, Clone)]
pub struct Target {
    pub scope: Scope,
    /// The project the install runs in (project scope: the settings' own root).
    pub project_root: PathBuf,
    pub home: Option<PathBuf>,
    /// The audit log the registered hook writes (C17).
    pub audit_log: Option<PathBuf>,
    /// The binary the registration runs (C17).
    pub binary: Option<PathBuf>,
}

/// The compiled settings, and what could not be expressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    /// `{"sandbox": {…}, "permissions": {"deny": […]}}`, only the keys hookguard sets.
    pub doc: Value,
    /// One sentence each: a policy entry the sandbox cannot hold, and why.
    pub notes: Vec<String>,
}

/// A boolean the sandbox reads, and its strict value: an existing strict value is never
/// replaced, a loose one is.
const STRICT: &[(&str, bool)] = &[
    ("/sandbox/enabled", true),
    ("/sandbox/failIfUnavailable", true),
    ("/sandbox/allowUnsandboxedCommands", false),
    ("/sandbox/network/strictAllowlist", true),
    ("/sandbox/network/allowManagedDomainsOnly", true),
];

/// Lists hookguard adds entries to; every other entry in them is left alone.
const LISTS: &[&str] = &[
    "/sandbox/filesystem/denyRead",
    "/sandbox/filesystem/allowRead",
    "/sandbox/filesystem/denyWrite",
    "/sandbox/filesystem/allowWrite",
    "/sandbox/network/allowedDomains",
    "/sandbox/network/deniedDomains",
    "/permissions/deny",
];

/// Directories that every command reads (the loader, certificates, users): denying them would
/// stop every sandboxed command, so a policy pattern under them is held by the hook alone.
const SYSTEM_ROOTS: &[&str] = &[
    "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/proc", "/dev", "/sys", "/opt", "/var",
];

/// At most this many directory entries are looked at when globs are expanded against the
/// project tree; past it the expansion stops and says so.
const WALK_LIMIT: usize = 200_000;

fn verdict(policy: &Policy, rule: &str) -> Option<Verdict> {
    match policy.lookup(rule) {
        Lookup::Verdict { verdict, .. } => Some(verdict),
        Lookup::Disabled(_) => None,
    }
}

fn denies(policy: &Policy, rule: &str) -> bool {
    verdict(policy, rule) == Some(Verdict::Deny)
}

/// Whether a glob has wildcard characters.
fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// `x/**` → `x`: a pattern for everything under a directory names the directory.
fn strip_all_below(s: &str) -> &str {
    s.strip_suffix("/**").unwrap_or(s)
}

/// Whether an absolute path is a system directory or under one.
fn under_system_root(p: &str) -> bool {
    SYSTEM_ROOTS
        .iter()
        .any(|r| p == *r || p.starts_with(&format!("{r}/")))
}

/// How a policy path pattern is written in a sandbox path list for this target: `~/x`
/// (home), `/abs`, or relative to the project (project scope only: relative sandbox paths
/// resolve against the settings file's root, which is `~/.claude` for user settings).
enum Spelled {
    Path(String),
    /// A relative glob at user or managed scope: only a permission rule (matched against the
    /// working directory) can carry it.
    RuleOnly,
    /// Under a system directory: would stop every command.
    System,
}

fn spell_pattern(written: &str, t: &Target) -> Spelled {
    let w = strip_all_below(written.trim());
    if let Some(rest) = w.strip_prefix("~/") {
        return Spelled::Path(format!("~/{rest}"));
    }
    if w.starts_with('/') {
        if under_system_root(w) || w == "/" {
            return Spelled::System;
        }
        return Spelled::Path(spell_abs(Path::new(w), t));
    }
    match t.scope {
        Scope::Project => Spelled::Path(w.to_string()),
        Scope::User | Scope::Managed => Spelled::RuleOnly,
    }
}

/// An absolute path as a sandbox path: `./rel` inside the project at project scope, `~/rel`
/// under the home, else absolute.
fn spell_abs(p: &Path, t: &Target) -> String {
    if t.scope == Scope::Project
        && let Ok(rel) = p.strip_prefix(&t.project_root)
    {
        let r = rel.to_string_lossy();
        return if r.is_empty() {
            ".".into()
        } else {
            format!("./{r}")
        };
    }
    if let Some(h) = &t.home
        && let Ok(rel) = p.strip_prefix(h)
        && !rel.as_os_str().is_empty()
    {
        return format!("~/{}", rel.to_string_lossy());
    }
    p.to_string_lossy().into_owned()
}

/// A permission rule's path: `//abs`, `~/x`, or a relative gitignore pattern.
fn rule_path(written: &str) -> String {
    let w = written.trim();
    if w.starts_with('/') {
        format!("/{w}")
    } else {
        w.to_string()
    }
}

/// The sandbox spelling of a domain pattern, if the client's syntax can carry it: a host, or
/// `*.` followed by one.
fn domain(p: &str) -> Option<String> {
    let d = p.trim().to_ascii_lowercase();
    let host = d.strip_prefix("*.").unwrap_or(&d);
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !host.starts_with('.')
        && !host.ends_with('.');
    ok.then_some(d)
}

/// Compiles `policy` for `t`. Pure apart from reading the project tree, which is walked to
/// expand the write-protection globs the client does not expand itself.
pub fn compile(policy: &Policy, t: &Target) -> Compiled {
    let mut notes = Vec::new();
    let mut deny_read: BTreeSet<String> = BTreeSet::new();
    let mut allow_read: BTreeSet<String> = BTreeSet::new();
    let mut deny_write: BTreeSet<String> = BTreeSet::new();
    let mut allow_write: BTreeSet<String> = BTreeSet::new();
    let mut perm_deny: BTreeSet<String> = BTreeSet::new();
    let mut allowed_domains: BTreeSet<String> = BTreeSet::new();
    let mut denied_domains: BTreeSet<String> = BTreeSet::new();
    let mut rule_only: Vec<String> = Vec::new();

    // C2: excluded files are unreadable, to the Read tool (a permission rule) and to every
    // sandboxed process (denyRead; the client expands its globs before each command).
    if denies(policy, "files.excluded") {
        for p in &policy.excluded.patterns {
            let carved = policy.template_exceptions
                && crate::controls::files::ENV_TEMPLATES
                    .iter()
                    .any(|tpl| matches_name_glob(&p.written, tpl));
            match spell_pattern(&p.written, t) {
                Spelled::System => notes.push(format!(
                    "excluded `{}` is under a system directory every command reads; the hook alone holds it",
                    p.written
                )),
                Spelled::RuleOnly => {
                    if !carved {
                        perm_deny.insert(format!("Read({})", rule_path(&p.written)));
                    }
                    rule_only.push(p.written.clone());
                }
                Spelled::Path(s) => {
                    // No Read rule beside it: the client checks Read rules before any hook, so
                    // a Read, Edit or Write of the file would be refused without hookguard
                    // deciding or auditing it (measured). denyRead holds every Bash command.
                    deny_read.insert(s);
                }
            }
            if carved {
                if t.scope == Scope::Project {
                    // denyRead can be re-opened for the templates (allowRead); a Read rule
                    // could not, so at user and managed scope the pattern has no rule at all.
                    for tpl in crate::controls::files::ENV_TEMPLATES {
                        allow_read.insert(format!("**/{tpl}"));
                    }
                } else {
                    notes.push(format!(
                        "excluded `{}` spares the templates ({}), which a Read rule cannot do: at {} scope the hook alone holds it",
                        p.written,
                        crate::controls::files::ENV_TEMPLATES.join(", "),
                        t.scope.as_str()
                    ));
                }
            }
        }
    }

    if !rule_only.is_empty() {
        notes.push(format!(
            "at {} scope relative sandbox paths would resolve under the settings file's own directory, so these excluded patterns are Read rules, which the client applies to sandboxed commands against the working directory; it also checks them before any hook, so a Read, Edit or Write of such a file is refused by the client and is not in hookguard's audit log: {}",
            t.scope.as_str(),
            rule_only.join(", ")
        ));
    }

    // C4: production paths, as the profile says.
    let prod_read = denies(policy, "production.path-read");
    let prod_write = denies(policy, "production.path-write");
    if prod_read {
        for p in &policy.production_paths.patterns {
            match spell_pattern(&p.written, t) {
                Spelled::Path(s) => {
                    deny_read.insert(s);
                }
                Spelled::RuleOnly => {
                    perm_deny.insert(format!("Read({})", rule_path(&p.written)));
                }
                Spelled::System => notes.push(format!(
                    "production `{}` is under a system directory every command reads: not denied to the sandbox, held by the hook",
                    p.written
                )),
            }
        }
    }

    // C17 and C4 writes: the client does not expand denyWrite globs (measured), so concrete
    // paths are written, and globs are expanded against the project tree.
    let self_protect = denies(policy, "self.protected");
    let mut protect_globs: Vec<&PathPatterns> = Vec::new();
    if self_protect {
        protect_globs.push(&policy.protected);
    }
    if prod_write {
        protect_globs.push(&policy.production_paths);
    }
    if self_protect {
        if t.scope == Scope::Project {
            deny_write.insert(spell_abs(&t.project_root.join(".claude"), t));
        } else {
            // No single project: the files in whichever project the session runs in.
            for f in ["settings.json", "settings.local.json", "hookguard.toml"] {
                perm_deny.insert(format!("Edit(./.claude/{f})"));
            }
        }
        for (kind, file) in &policy.layers {
            let f = Path::new(file);
            if *kind != crate::policy::LayerKind::Builtin && f.is_absolute() {
                deny_write.insert(spell_abs(f, t));
            }
        }
        if let Some(log) = &t.audit_log {
            let dir = log.parent().filter(|d| {
                d.file_name()
                    .is_some_and(|n| n.to_string_lossy().contains("hookguard"))
            });
            match dir {
                Some(d) => deny_write.insert(spell_abs(d, t)),
                None => deny_write.insert(spell_abs(log, t)),
            };
        }
        if let Some(b) = &t.binary {
            deny_write.insert(spell_abs(b, t));
        }
        if let Some(h) = &t.home {
            for f in ["settings.json", "settings.local.json"] {
                deny_write.insert(spell_abs(&h.join(".claude").join(f), t));
            }
        }
    }
    let mut expanded_any = false;
    for set in protect_globs {
        for p in &set.patterns {
            let w = strip_all_below(&p.written);
            if !has_glob(w) {
                match spell_pattern(&p.written, t) {
                    Spelled::Path(s) => {
                        deny_write.insert(s);
                    }
                    Spelled::RuleOnly => {
                        perm_deny.insert(format!("Edit({})", rule_path(&p.written)));
                    }
                    Spelled::System => {
                        // Outside every write root: the sandbox cannot write there anyway.
                    }
                }
                continue;
            }
            if w.starts_with('/') || w.starts_with("~/") {
                notes.push(format!(
                    "write-protected glob `{}` outside the project is not expanded; the sandbox's write roots (the project and the temp directory) leave it unwritable unless a write root covers it",
                    p.written
                ));
            }
            expanded_any = true;
        }
    }
    if expanded_any {
        if t.scope == Scope::Project {
            let (found, complete) = expand(policy, prod_write, self_protect, t);
            for f in found {
                deny_write.insert(spell_abs(&f, t));
            }
            if !complete {
                notes.push(format!(
                    "the project tree has more than {WALK_LIMIT} entries; write-protected globs were expanded over the first {WALK_LIMIT} only"
                ));
            }
            notes.push("write-protected globs are expanded against the project tree as it is now: run `hookguard install` again after adding such files (`hookguard doctor` reports the drift)".into());
        } else {
            notes.push(format!(
                "write-protected globs are not expanded at {} scope (no single project tree); the hook holds them",
                t.scope.as_str()
            ));
        }
    }

    // C3: write roots the policy adds (the project and the temp directory are the sandbox's own).
    for (root, _) in &policy.write_roots {
        allow_write.insert(spell_abs(root, t));
    }

    // C16: the web allow list; production hosts are always refused.
    for p in &policy.web_allow {
        match domain(&p.written) {
            Some(d) => {
                allowed_domains.insert(d);
            }
            None => notes.push(format!(
                "web allow-domains `{}` is not a host or `*.host` the sandbox can match; left out",
                p.written
            )),
        }
    }
    for p in &policy.production_identifiers {
        if let Some(d) = domain(&p.written) {
            denied_domains.insert(d);
        }
    }
    notes.push("the built-in production token rule (prod, production, prd, live inside a host name) has no domain-pattern form; the hook holds it".into());

    let hard = matches!(policy.profile, Profile::Production | Profile::Ci);
    let strict_net = denies(policy, "web.domain-not-allowed")
        || (policy.classification >= Classification::OfficialSensitive
            && denies(policy, "sensitive.web"));

    let deny_write = without_covered(deny_write);

    let mut sandbox = Map::new();
    sandbox.insert("enabled".into(), Value::Bool(true));
    if hard {
        sandbox.insert("failIfUnavailable".into(), Value::Bool(true));
        sandbox.insert("allowUnsandboxedCommands".into(), Value::Bool(false));
    }
    let mut fs = Map::new();
    let list = |s: BTreeSet<String>| Value::Array(s.into_iter().map(Value::String).collect());
    for (k, v) in [
        ("denyRead", deny_read),
        ("allowRead", allow_read),
        ("denyWrite", deny_write),
        ("allowWrite", allow_write),
    ] {
        if !v.is_empty() {
            fs.insert(k.into(), list(v));
        }
    }
    if !fs.is_empty() {
        sandbox.insert("filesystem".into(), Value::Object(fs));
    }
    let mut net = Map::new();
    if !allowed_domains.is_empty() {
        net.insert("allowedDomains".into(), list(allowed_domains));
    }
    if !denied_domains.is_empty() {
        net.insert("deniedDomains".into(), list(denied_domains));
    }
    match t.scope {
        Scope::Managed => {
            net.insert("allowManagedDomainsOnly".into(), Value::Bool(true));
            if strict_net {
                net.insert("strictAllowlist".into(), Value::Bool(true));
            }
        }
        Scope::User if strict_net => {
            net.insert("strictAllowlist".into(), Value::Bool(true));
        }
        Scope::Project if strict_net => notes.push("domains off the allow list: strictAllowlist is ignored in project settings, so the client asks (refused where nobody can answer, as in headless default and dontAsk modes) and bypassPermissions approves them; install at user or managed scope for a hard allow list".into()),
        _ => {}
    }
    if !net.is_empty() {
        sandbox.insert("network".into(), Value::Object(net));
    }
    let mut doc = json!({ "sandbox": Value::Object(sandbox) });
    if !perm_deny.is_empty() {
        doc["permissions"] = json!({ "deny": list(perm_deny) });
    }
    Compiled { doc, notes }
}

/// The entries not already inside another entry (`./.claude/hookguard.toml` is inside
/// `./.claude`), so that a file appearing under a protected directory is no drift.
fn without_covered(set: BTreeSet<String>) -> BTreeSet<String> {
    let dirs: Vec<String> = set.iter().filter(|e| !has_glob(e)).cloned().collect();
    set.into_iter()
        .filter(|e| {
            !dirs
                .iter()
                .any(|d| d != e && e.starts_with(&format!("{}/", d.trim_end_matches('/'))))
        })
        .collect()
}

/// Whether a file named `name` is matched by the last segment of `glob` (`**/.env.*` and
/// `.env.example`).
fn matches_name_glob(glob: &str, name: &str) -> bool {
    let rest = glob.strip_prefix("**/").unwrap_or(glob);
    !rest.contains('/')
        && rest != "*"
        && rest != "**"
        && has_glob(rest)
        && crate::policy::pattern::wildcard(rest, name)
}

/// The project's files and directories a write-protected glob matches: a directory whose every
/// descendant matches is named once. Returns the paths and whether the walk was complete.
fn expand(policy: &Policy, prod: bool, protect: bool, t: &Target) -> (Vec<PathBuf>, bool) {
    let hit = |p: &Path| {
        let s = crate::paths::glob_text(p);
        (protect && !policy.protected.matches(&s).is_empty())
            || (prod && !policy.production_paths.matches(&s).is_empty())
    };
    let mut out = Vec::new();
    let mut stack = vec![t.project_root.clone()];
    let mut seen = 0usize;
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            seen += 1;
            if seen > WALK_LIMIT {
                return (out, false);
            }
            let p = e.path();
            let is_dir = e.file_type().is_ok_and(|ft| ft.is_dir());
            if is_dir && e.file_name() == ".git" {
                continue;
            }
            // A directory is named whole when any file in it would match (`deploy/prod*/**`).
            if (is_dir && hit(&p.join(".hookguard-any-file"))) || hit(&p) {
                out.push(p);
            } else if is_dir {
                stack.push(p);
            }
        }
    }
    out.sort();
    (out, true)
}

/// What `install` added to a settings file: the entries of each list it added, the previous
/// value of each boolean it changed (`null`: absent), and the objects and lists it created.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Added {
    pub lists: std::collections::BTreeMap<String, Vec<String>>,
    pub scalars: std::collections::BTreeMap<String, Value>,
    pub created: Vec<String>,
}

fn shape_err(path: &Path, key: &str, expected: &'static str) -> crate::install::InstallError {
    crate::install::InstallError::Shape {
        path: path.display().to_string(),
        key: key.trim_start_matches('/').replace('/', "."),
        expected,
    }
}

/// The object at `ptr`, made (and recorded in `created`) where missing.
fn object_at<'a>(
    doc: &'a mut Value,
    ptr: &str,
    created: &mut Vec<String>,
    path: &Path,
) -> Result<&'a mut Map<String, Value>, crate::install::InstallError> {
    let mut cur = doc;
    let mut at = String::new();
    for part in ptr.split('/').filter(|s| !s.is_empty()) {
        at.push('/');
        at.push_str(part);
        let obj = cur
            .as_object_mut()
            .ok_or_else(|| shape_err(path, &at, "an object"))?;
        if !obj.contains_key(part) {
            obj.insert(part.to_string(), Value::Object(Map::new()));
            created.push(at.clone());
        }
        cur = obj.get_mut(part).expect("just inserted");
    }
    cur.as_object_mut()
        .ok_or_else(|| shape_err(path, ptr, "an object"))
}

fn split(ptr: &str) -> (&str, &str) {
    ptr.rsplit_once('/').expect("pointers start with /")
}

/// Merges `compiled` into `doc`: list entries added where missing, booleans set where the file
/// holds the looser value or none, nothing ever loosened. Returns what was added.
pub fn apply(
    doc: &mut Value,
    compiled: &Value,
    path: &Path,
) -> Result<Added, crate::install::InstallError> {
    let mut added = Added::default();
    for (ptr, strict) in STRICT {
        if compiled.pointer(ptr).is_none() {
            continue;
        }
        let (parent, key) = split(ptr);
        let obj = object_at(doc, parent, &mut added.created, path)?;
        match obj.get(key) {
            Some(Value::Bool(b)) if *b == *strict => {}
            Some(v @ Value::Bool(_)) | Some(v @ Value::Null) => {
                added.scalars.insert((*ptr).into(), v.clone());
                obj.insert(key.into(), Value::Bool(*strict));
            }
            None => {
                added.scalars.insert((*ptr).into(), Value::Null);
                obj.insert(key.into(), Value::Bool(*strict));
            }
            Some(_) => return Err(shape_err(path, ptr, "true or false")),
        }
    }
    for ptr in LISTS {
        let Some(ours) = compiled.pointer(ptr).and_then(Value::as_array) else {
            continue;
        };
        let (parent, key) = split(ptr);
        let obj = object_at(doc, parent, &mut added.created, path)?;
        if !obj.contains_key(key) {
            obj.insert(key.into(), Value::Array(Vec::new()));
            added.created.push((*ptr).into());
        }
        let list = obj
            .get_mut(key)
            .and_then(Value::as_array_mut)
            .ok_or_else(|| shape_err(path, ptr, "a list of strings"))?;
        for v in ours {
            if !list.contains(v) {
                list.push(v.clone());
                if let Some(s) = v.as_str() {
                    added.lists.entry((*ptr).into()).or_default().push(s.into());
                }
            }
        }
    }
    Ok(added)
}

/// Takes out what `added` says `apply` added: its list entries, its booleans (back to what
/// they were, if they still hold hookguard's value), and the containers it created once empty.
pub fn undo(doc: &mut Value, added: &Added) {
    for (ptr, entries) in &added.lists {
        if let Some(list) = doc.pointer_mut(ptr).and_then(Value::as_array_mut) {
            list.retain(|v| !v.as_str().is_some_and(|s| entries.iter().any(|e| e == s)));
        }
    }
    for (ptr, before) in &added.scalars {
        let strict = STRICT.iter().find(|(p, _)| p == ptr).map(|(_, s)| *s);
        let (parent, key) = split(ptr);
        if let Some(obj) = doc.pointer_mut(parent).and_then(Value::as_object_mut)
            && strict.is_some_and(|s| obj.get(key) == Some(&Value::Bool(s)))
        {
            if before.is_null() {
                obj.remove(key);
            } else {
                obj.insert(key.into(), before.clone());
            }
        }
    }
    // Deepest first, so a created object emptied by removing a created list goes too.
    let mut created = added.created.clone();
    created.sort_by_key(|c| std::cmp::Reverse(c.matches('/').count()));
    for ptr in created {
        let empty = doc.pointer(&ptr).is_some_and(|v| match v {
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        });
        if empty {
            let (parent, key) = split(&ptr);
            let parent = if parent.is_empty() { "" } else { parent };
            if let Some(obj) = doc.pointer_mut(parent).and_then(Value::as_object_mut) {
                obj.remove(key);
            }
        }
    }
}

/// Where `install` keeps what it added to one settings file: hookguard's state directory (the
/// audit log's, which C17 and the sandbox protect), one file per settings path.
pub fn manifest_path(state_dir: &Path, settings: &Path) -> PathBuf {
    let digest = crate::digest::sha256_hex(settings.to_string_lossy().as_bytes());
    state_dir
        .join("sandbox")
        .join(format!("{}.json", &digest[..16]))
}

pub fn read_manifest(p: &Path) -> Result<Option<Added>, String> {
    match std::fs::read(p) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| format!("{}: not a hookguard sandbox manifest ({e})", p.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", p.display())),
    }
}

pub fn write_manifest(p: &Path, added: &Added) -> Result<(), String> {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    let mut text = serde_json::to_string_pretty(added).expect("a manifest serialises");
    text.push('\n');
    std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display()))
}

/// The mapping table for docs/policy.md.
pub const MAPPING_MARKDOWN: &str = include_str!("sandbox_mapping.md");

/// The sandbox part of one `install` or `uninstall`: what to write (nothing, to leave it out)
/// and what an earlier install added, which is taken out first.
#[derive(Debug)]
pub struct Install {
    pub compiled: Option<Compiled>,
    manifest: PathBuf,
    previous: Option<Added>,
    added: Option<Added>,
}

impl Install {
    /// `compiled`: the settings to write, or `None` to leave them out. `state_dir`: hookguard's
    /// state directory, where the manifest of what was added lives.
    pub fn new(
        compiled: Option<Compiled>,
        state_dir: &Path,
        settings: &Path,
    ) -> Result<Install, String> {
        let manifest = manifest_path(state_dir, settings);
        let previous = read_manifest(&manifest)?;
        Ok(Install {
            compiled,
            manifest,
            previous,
            added: None,
        })
    }

    /// Takes out what the last install added, then merges the compiled settings in.
    pub fn merge(
        &mut self,
        doc: &mut Value,
        path: &Path,
    ) -> Result<(), crate::install::InstallError> {
        if let Some(prev) = &self.previous {
            undo(doc, prev);
        }
        if let Some(c) = &self.compiled {
            self.added = Some(apply(doc, &c.doc, path)?);
        }
        Ok(())
    }

    /// Records what was added (or removes the record when nothing was), once the settings file
    /// is written.
    pub fn commit(&self) -> Result<(), String> {
        match &self.added {
            Some(a) if *a != Added::default() => write_manifest(&self.manifest, a),
            _ => match std::fs::remove_file(&self.manifest) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(format!("{}: {e}", self.manifest.display()))
                }
                _ => Ok(()),
            },
        }
    }

    /// One line for the install report.
    pub fn summary(&self) -> String {
        match &self.compiled {
            None if self.previous.is_some() => {
                "sandbox: left out; what an earlier install added was taken out".into()
            }
            None => "sandbox: left out".into(),
            Some(c) => format!(
                "sandbox: the policy is compiled into Claude Code's sandbox and permission settings ({} things it cannot hold: `hookguard sandbox print` lists them)",
                c.notes.len()
            ),
        }
    }
}

/// Whether `install` writes the sandbox settings: `--sandbox`, `--no-sandbox`, or the profile's
/// default (on for production and ci, off for prototype).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Default,
    On,
    Off,
}

impl Choice {
    pub fn from_flags(on: bool, off: bool) -> Choice {
        match (on, off) {
            (true, _) => Choice::On,
            (_, true) => Choice::Off,
            _ => Choice::Default,
        }
    }

    pub fn wanted(self, profile: Profile) -> bool {
        match self {
            Choice::On => true,
            Choice::Off => false,
            Choice::Default => profile != Profile::Prototype,
        }
    }
}

/// The environment the registered hook would see, as `install` and `doctor` know it: a stated
/// home stands for the whole user environment.
pub fn environment(home: Option<&Path>) -> crate::run::Environment {
    let mut env = crate::run::Environment::from_process();
    if let Some(h) = home {
        env.home = Some(h.to_path_buf());
        env.xdg_config_home = None;
        env.xdg_state_home = None;
        env.claude_config_dir = None;
    }
    env.claude_project_dir = None;
    env
}

/// hookguard's state directory (the default audit log's).
pub fn state_dir(env: &crate::run::Environment) -> Option<PathBuf> {
    crate::audit::default_path(env.xdg_state_home.as_deref(), env.home.as_deref())
        .and_then(|p| p.parent().map(Path::to_path_buf))
}

/// The directory whose policy layers a scope's settings follow: the project at project scope;
/// at user and managed scope, no project (their settings serve every project).
fn policy_project(scope: Scope, project: &Path) -> PathBuf {
    match scope {
        Scope::Project => project.to_path_buf(),
        Scope::User | Scope::Managed => PathBuf::from("/"),
    }
}

/// Loads the policy the registered hook would load and compiles it for `scope`.
pub fn compile_for(
    scope: Scope,
    project: &Path,
    opts: &crate::run::HookOptions,
    env: &crate::run::Environment,
    binary: Option<&Path>,
) -> Result<(Policy, Compiled), String> {
    let root = policy_project(scope, project);
    let policy = crate::run::load_policy(opts, env, &root).map_err(|e| e.to_string())?;
    let audit_log = opts
        .audit_log
        .clone()
        .or_else(|| policy.audit_log.clone())
        .or_else(|| crate::audit::default_path(env.xdg_state_home.as_deref(), env.home.as_deref()));
    let t = Target {
        scope,
        project_root: crate::paths::resolve(project),
        home: env.home.clone(),
        audit_log,
        binary: binary.map(Path::to_path_buf),
    };
    let c = compile(&policy, &t);
    Ok((policy, c))
}

/// The sandbox part of `install`, ready to merge: compiled unless left out.
pub fn for_install(
    scope: Scope,
    roots: &crate::install::Roots,
    reg: &crate::install::Registration,
    choice: Choice,
    home_given: bool,
) -> Result<Install, String> {
    let (env, settings, state) = install_places(scope, roots, home_given)?;
    let opts = crate::run::HookOptions {
        profile: reg.profile,
        policies: reg.policies.clone(),
        ..crate::run::HookOptions::default()
    };
    let compiled = if choice == Choice::Off {
        None
    } else {
        let (policy, c) = compile_for(scope, &roots.project, &opts, &env, Some(&reg.binary))
            .map_err(|e| {
                format!(
                    "the sandbox settings are compiled from the policy, which does not load: {e} (correct the policy, or install with --no-sandbox)"
                )
            })?;
        choice.wanted(policy.profile).then_some(c)
    };
    Install::new(compiled, &state, &settings)
}

/// The sandbox part of `uninstall`: take out what install added.
pub fn for_uninstall(
    scope: Scope,
    roots: &crate::install::Roots,
    home_given: bool,
) -> Result<Install, String> {
    let (_, settings, state) = install_places(scope, roots, home_given)?;
    Install::new(None, &state, &settings)
}

/// The environment `install` and `uninstall` compile in, the scope's settings file, and the
/// state directory where install records what it added.
fn install_places(
    scope: Scope,
    roots: &crate::install::Roots,
    home_given: bool,
) -> Result<(crate::run::Environment, PathBuf, PathBuf), String> {
    let env = environment(if home_given {
        roots.home.as_deref()
    } else {
        None
    });
    let settings = roots.settings_file(scope).map_err(|e| e.to_string())?;
    let state = state_dir(&env).ok_or("no home directory for hookguard's state: set HOME")?;
    Ok((env, settings, state))
}

/// The sandbox settings as Claude Code would combine them from its layers (most authoritative
/// first: managed, its drop-ins, user, project, local): lists merged, and each boolean from the
/// most authoritative file that sets it (managed, then local, project, user).
pub fn effective(layers: &[(&str, &Value)]) -> Value {
    let rank = |label: &str| match label {
        l if l.starts_with("managed") => 0,
        "local" => 1,
        "project" => 2,
        _ => 3,
    };
    let mut ordered: Vec<&(&str, &Value)> = layers.iter().collect();
    ordered.sort_by_key(|(l, _)| rank(l));
    let mut out = json!({});
    let mut scratch = Vec::new();
    for (ptr, _) in STRICT {
        if let Some(v) = ordered.iter().find_map(|(_, d)| d.pointer(ptr)) {
            let (parent, key) = split(ptr);
            if let Ok(obj) = object_at(&mut out, parent, &mut scratch, Path::new("")) {
                obj.insert(key.into(), v.clone());
            }
        }
    }
    for ptr in LISTS {
        let mut all: Vec<Value> = Vec::new();
        for (_, d) in &ordered {
            for v in d
                .pointer(ptr)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !all.contains(v) {
                    all.push(v.clone());
                }
            }
        }
        if !all.is_empty() {
            let (parent, key) = split(ptr);
            if let Ok(obj) = object_at(&mut out, parent, &mut scratch, Path::new("")) {
                obj.insert(key.into(), Value::Array(all));
            }
        }
    }
    out
}

/// How the effective settings differ from the compiled ones: each difference in one phrase.
pub fn differences(effective: &Value, compiled: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let name = |ptr: &str| ptr.trim_start_matches('/').replace('/', ".");
    for (ptr, strict) in STRICT {
        if compiled.pointer(ptr).is_some() && effective.pointer(ptr) != Some(&Value::Bool(*strict))
        {
            out.push(format!(
                "`{}` is {}, the policy needs {strict}",
                name(ptr),
                effective
                    .pointer(ptr)
                    .map_or("not set".to_string(), Value::to_string)
            ));
        }
    }
    const ALLOWS: &[&str] = &[
        "/sandbox/filesystem/allowRead",
        "/sandbox/filesystem/allowWrite",
        "/sandbox/network/allowedDomains",
    ];
    for ptr in LISTS {
        let have: Vec<&Value> = effective
            .pointer(ptr)
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let want: Vec<&Value> = compiled
            .pointer(ptr)
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        for w in &want {
            if !have.contains(w) {
                out.push(format!("`{}` lacks {w}", name(ptr)));
            }
        }
        if ALLOWS.contains(ptr) {
            for h in &have {
                if !want.contains(h) {
                    out.push(format!(
                        "`{}` has {h}, which the policy does not allow",
                        name(ptr)
                    ));
                }
            }
        }
    }
    out
}

/// Where a program is: on `PATH`, or in the directories a package manager installs to.
fn find_program(name: &str, path_var: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = path_var
        .map(|p| std::env::split_paths(p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/bin", "/bin", "/usr/local/bin"].map(PathBuf::from));
    dirs.into_iter().map(|d| d.join(name)).find(|p| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// `doctor`'s sandbox check: on or off, available here, and consistent with the policy.
#[allow(clippy::too_many_arguments)]
pub fn check(
    layers: &[(&str, &Value)],
    scopes: &[Scope],
    project: &Path,
    opts: &crate::run::HookOptions,
    env: &crate::run::Environment,
    binary: Option<&Path>,
    path_var: Option<&std::ffi::OsStr>,
) -> crate::doctor::Check {
    use crate::doctor::{Check, Status};
    let mk = |status, detail: String, fix: Option<String>| Check {
        status,
        name: "sandbox".into(),
        detail,
        fix,
    };
    let scope = scopes.first().copied().unwrap_or(Scope::Project);
    let reinstall = format!("run `hookguard install --scope {}`", scope.as_str());
    // Each settings file hookguard is registered in carries the policy compiled for its scope;
    // what Claude Code combines is compared with all of them together.
    let mut policy = None;
    let mut compiled = json!({});
    for s in scopes
        .iter()
        .chain(scopes.is_empty().then_some(&Scope::Project))
    {
        match compile_for(*s, project, opts, env, binary) {
            Ok((p, c)) => {
                // Merging compiled documents into one cannot meet a value of the wrong shape.
                let _ = apply(&mut compiled, &c.doc, Path::new(""));
                policy.get_or_insert(p);
            }
            Err(e) => {
                return mk(
                    Status::Fail,
                    format!("cannot be compared with the policy, which does not load: {e}"),
                    None,
                );
            }
        }
    }
    let policy = policy.expect("at least one scope is compiled");
    let eff = effective(layers);
    if eff.pointer("/sandbox/enabled") != Some(&Value::Bool(true)) {
        if policy.profile == Profile::Prototype {
            return mk(
                Status::Ok,
                "off (opt-in for the prototype profile)".into(),
                None,
            );
        }
        return mk(
            Status::Warn,
            format!(
                "off: scripts, builds and interpreters the hook cannot see are not contained by the operating system ({} profile, C19)",
                policy.profile
            ),
            Some(reinstall),
        );
    }
    if cfg!(target_os = "linux") {
        let missing: Vec<&str> = ["bwrap", "socat"]
            .into_iter()
            .filter(|p| find_program(p, path_var).is_none())
            .collect();
        if !missing.is_empty() {
            return mk(
                Status::Fail,
                format!(
                    "on, but not available here: {} not found, so Claude Code refuses to start (failIfUnavailable) or runs commands unconfined",
                    missing.join(" and ")
                ),
                Some("install them: `apt-get install bubblewrap socat` (or your distribution's packages)".into()),
            );
        }
    }
    let diffs = differences(&eff, &compiled);
    if diffs.is_empty() {
        mk(Status::Ok, "on, consistent with the policy".into(), None)
    } else {
        mk(
            Status::Fail,
            format!("on, but differs from the policy: {}", diffs.join("; ")),
            Some(format!(
                "{reinstall} to compile the current policy into the settings again"
            )),
        )
    }
}

/// `hookguard sandbox`.
#[derive(Debug, clap::Subcommand)]
pub enum SandboxCommand {
    /// Print the sandbox and permission settings the policy compiles to for a scope, and what
    /// they cannot hold.
    Print {
        /// user, project or managed: paths are spelled for that settings file.
        #[arg(long, value_parser = parse_scope, default_value = "project")]
        scope: Scope,
        #[command(flatten)]
        common: crate::cli::CommonArgs,
        /// The binary the registration runs (C17 protects it; default: this binary).
        #[arg(long, value_name = "PATH")]
        binary: Option<PathBuf>,
        #[command(flatten)]
        roots: crate::install::RootArgs,
    },
}

fn parse_scope(s: &str) -> Result<Scope, String> {
    Scope::parse(s).ok_or_else(|| format!("unknown scope `{s}`, expected user, project or managed"))
}

/// Runs `hookguard sandbox print`: the settings as JSON, then the notes as `# ` lines.
pub fn run_command(cmd: &SandboxCommand) -> Result<String, String> {
    let SandboxCommand::Print {
        scope,
        common,
        binary,
        roots,
    } = cmd;
    let r = roots.roots();
    let env = environment(roots.home.as_deref().and(r.home.as_deref()));
    let opts = crate::run::HookOptions {
        profile: common.profile,
        policies: common.policies.clone(),
        managed_dir: common.managed_dir.clone(),
        ..crate::run::HookOptions::default()
    };
    let binary = binary.clone().or_else(|| std::env::current_exe().ok());
    let (policy, c) = compile_for(*scope, &r.project, &opts, &env, binary.as_deref())?;
    let mut s = serde_json::to_string_pretty(&c.doc).expect("JSON serialises");
    s.push('\n');
    s.push_str(&format!(
        "# profile {}, classification {}, {} scope; install writes these {}\n",
        policy.profile,
        policy.classification,
        scope.as_str(),
        if Choice::Default.wanted(policy.profile) {
            "by default"
        } else {
            "only with --sandbox"
        }
    ));
    for n in &c.notes {
        s.push_str(&format!("# note: {n}\n"));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Layer, LayerKind};

    fn policy(profile: Profile, extra: &str) -> Policy {
        let layers = if extra.is_empty() {
            vec![]
        } else {
            vec![
                Layer::parse(
                    LayerKind::CommandLine,
                    "/etc/hg/x.toml".into(),
                    extra.into(),
                )
                .unwrap(),
            ]
        };
        crate::policy::merge(&layers, Some(profile), Some(Path::new("/home/u"))).unwrap()
    }

    fn target(scope: Scope, project: &Path) -> Target {
        Target {
            scope,
            project_root: project.to_path_buf(),
            home: Some(PathBuf::from("/home/u")),
            audit_log: Some(PathBuf::from("/home/u/.local/state/hookguard/audit.jsonl")),
            binary: Some(PathBuf::from("/usr/local/bin/hookguard")),
        }
    }

    fn strs(v: &Value, ptr: &str) -> Vec<String> {
        v.pointer(ptr)
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn ci_project_compiles_the_four_controls() {
        let c = compile(
            &policy(Profile::Ci, ""),
            &target(Scope::Project, Path::new("/nonexistent-hg")),
        );
        let d = &c.doc;
        assert_eq!(d["sandbox"]["enabled"], true);
        assert_eq!(d["sandbox"]["failIfUnavailable"], true);
        assert_eq!(d["sandbox"]["allowUnsandboxedCommands"], false);
        let read = strs(d, "/sandbox/filesystem/denyRead");
        for want in [
            "**/.env",
            "**/keys",
            "~/.ssh",
            "**/*.pem",
            "**/deploy/prod*",
        ] {
            assert!(read.contains(&want.to_string()), "{want} in {read:?}");
        }
        assert!(read.iter().all(|r| !r.starts_with("/etc")), "{read:?}");
        // No Read rules at project scope: the client would check them before the hook, and
        // denyRead carries every pattern there.
        assert!(d.pointer("/permissions").is_none(), "{d}");
        // The templates stay readable: allowRead re-opens them within `.env.*`.
        assert!(strs(d, "/sandbox/filesystem/allowRead").contains(&"**/.env.example".to_string()));
        let write = strs(d, "/sandbox/filesystem/denyWrite");
        for want in [
            "./.claude",
            "/usr/local/bin/hookguard",
            "~/.local/state/hookguard",
        ] {
            assert!(write.contains(&want.to_string()), "{want} in {write:?}");
        }
        // Project scope: strictAllowlist would be ignored, so it is not written, and said so.
        assert!(d.pointer("/sandbox/network/strictAllowlist").is_none());
        assert!(c.notes.iter().any(|n| n.contains("strictAllowlist")));
    }

    #[test]
    fn prototype_is_not_a_hard_gate_and_managed_locks_domains() {
        let c = compile(
            &policy(Profile::Prototype, ""),
            &target(Scope::Project, Path::new("/p")),
        );
        assert!(c.doc.pointer("/sandbox/failIfUnavailable").is_none());
        assert!(c.doc.pointer("/sandbox/allowUnsandboxedCommands").is_none());
        // production.path-read is defer in prototype: no production denyRead.
        assert!(
            !strs(&c.doc, "/sandbox/filesystem/denyRead").contains(&"**/deploy/prod*".to_string())
        );

        let p = policy(
            Profile::Ci,
            "[web]\nallow-domains = [\"*.example.gov.uk\", \"localhost\", \"db-*.x\"]\n[production]\nidentifiers = [\"*.live.example.gov.uk\"]\n[files]\nwrite-roots = [\"/srv/out\"]\n",
        );
        let c = compile(&p, &target(Scope::Managed, Path::new("/p")));
        let d = &c.doc;
        assert_eq!(
            strs(d, "/sandbox/network/allowedDomains"),
            vec!["*.example.gov.uk", "localhost"]
        );
        assert_eq!(
            strs(d, "/sandbox/network/deniedDomains"),
            vec!["*.live.example.gov.uk"]
        );
        assert_eq!(d["sandbox"]["network"]["allowManagedDomainsOnly"], true);
        assert_eq!(d["sandbox"]["network"]["strictAllowlist"], true);
        assert_eq!(strs(d, "/sandbox/filesystem/allowWrite"), vec!["/srv/out"]);
        assert!(c.notes.iter().any(|n| n.contains("db-*.x")));
        // Managed scope: relative patterns only as rules; the project's files as Edit rules.
        assert!(!strs(d, "/sandbox/filesystem/denyRead").contains(&"**/.env".to_string()));
        let deny = strs(d, "/permissions/deny");
        assert!(deny.contains(&"Read(**/.env)".to_string()), "{deny:?}");
        assert!(
            !deny.contains(&"Read(**/.env.*)".to_string()),
            "templates stay readable"
        );
        assert!(!deny.iter().any(|r| r.contains("etc")), "{deny:?}");
        assert!(strs(d, "/sandbox/filesystem/denyRead").contains(&"~/.ssh".to_string()));
        assert!(
            strs(d, "/permissions/deny").contains(&"Edit(./.claude/hookguard.toml)".to_string())
        );
        assert!(strs(d, "/sandbox/filesystem/denyWrite").contains(&"/etc/hg/x.toml".to_string()));
    }

    #[test]
    fn write_protection_globs_are_expanded_against_the_tree() {
        let root = std::env::temp_dir().join(format!("hg-sbx-expand-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("deploy/prod-eu/sub")).unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("deploy/prod-eu/sub/a.yaml"), "").unwrap();
        std::fs::write(root.join("src/app.prod.json"), "").unwrap();
        std::fs::write(root.join("src/app.json"), "").unwrap();
        let c = compile(
            &policy(Profile::Production, ""),
            &target(Scope::Project, &root),
        );
        let write = strs(&c.doc, "/sandbox/filesystem/denyWrite");
        assert!(write.contains(&"./deploy/prod-eu".to_string()), "{write:?}");
        assert!(
            write.contains(&"./src/app.prod.json".to_string()),
            "{write:?}"
        );
        assert!(!write.iter().any(|w| w.ends_with("app.json")), "{write:?}");
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("run `hookguard install` again"))
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn apply_never_loosens_and_undo_restores_exactly() {
        let p = Path::new("s.json");
        let original = json!({
            "model": "x",
            "permissions": {"allow": ["Bash(ls)"], "deny": ["Read(**/.env)"]},
            "sandbox": {"enabled": false, "failIfUnavailable": true,
                        "filesystem": {"denyRead": ["/data"]}}
        });
        let compiled = json!({
            "sandbox": {"enabled": true, "failIfUnavailable": true, "allowUnsandboxedCommands": false,
                        "filesystem": {"denyRead": ["**/.env", "/data"], "denyWrite": ["./.claude"]}},
            "permissions": {"deny": ["Read(**/.env)", "Read(~/.ssh/**)"]}
        });
        let mut doc = original.clone();
        let added = apply(&mut doc, &compiled, p).unwrap();
        assert_eq!(
            doc["sandbox"]["enabled"], true,
            "a loose value is tightened"
        );
        assert_eq!(doc["sandbox"]["allowUnsandboxedCommands"], false);
        assert_eq!(
            strs(&doc, "/sandbox/filesystem/denyRead"),
            vec!["/data", "**/.env"],
            "existing entries kept, ours added once"
        );
        assert_eq!(added.lists["/permissions/deny"], vec!["Read(~/.ssh/**)"]);
        assert!(
            !added.scalars.contains_key("/sandbox/failIfUnavailable"),
            "already strict"
        );
        assert!(differences(&doc, &compiled).is_empty());
        // Applying again adds nothing.
        let mut again = doc.clone();
        assert_eq!(apply(&mut again, &compiled, p).unwrap(), Added::default());
        undo(&mut doc, &added);
        assert_eq!(doc, original);

        // A stricter existing value is never replaced by a looser one.
        let mut strict = json!({"sandbox": {"allowUnsandboxedCommands": false}});
        let loose = json!({"sandbox": {"allowUnsandboxedCommands": false}});
        apply(&mut strict, &loose, p).unwrap();
        assert_eq!(strict["sandbox"]["allowUnsandboxedCommands"], false);
        // A value that is not a boolean is refused, not overwritten.
        let mut bad = json!({"sandbox": {"enabled": "yes"}});
        assert!(apply(&mut bad, &compiled, p).is_err());
    }

    #[test]
    fn differences_name_what_is_missing_or_wider() {
        let compiled = json!({"sandbox": {"enabled": true, "allowUnsandboxedCommands": false,
            "filesystem": {"denyRead": ["**/.env"]},
            "network": {"allowedDomains": ["a.example"]}}});
        let eff = json!({"sandbox": {"enabled": true, "allowUnsandboxedCommands": true,
            "network": {"allowedDomains": ["a.example", "b.example"]}}});
        let d = differences(&eff, &compiled);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d[0].contains("sandbox.allowUnsandboxedCommands` is true"));
        assert!(d.iter().any(|x| x.contains("denyRead` lacks \"**/.env\"")));
        assert!(
            d.iter()
                .any(|x| x.contains("\"b.example\", which the policy does not allow"))
        );
        // Layers: lists merge, booleans from the most authoritative file that sets them.
        let managed = json!({"sandbox": {"enabled": true}});
        let local = json!({"sandbox": {"enabled": false, "filesystem": {"denyRead": ["x"]}}});
        let project = json!({"sandbox": {"filesystem": {"denyRead": ["y"]}}});
        let e = effective(&[
            ("project", &project),
            ("local", &local),
            ("managed", &managed),
        ]);
        assert_eq!(e["sandbox"]["enabled"], true);
        assert_eq!(strs(&e, "/sandbox/filesystem/denyRead"), vec!["x", "y"]);
    }

    #[test]
    fn domains_the_client_can_match() {
        assert_eq!(domain("Example.GOV.uk").as_deref(), Some("example.gov.uk"));
        assert_eq!(
            domain("*.example.gov.uk").as_deref(),
            Some("*.example.gov.uk")
        );
        assert_eq!(domain("localhost").as_deref(), Some("localhost"));
        assert_eq!(domain("db-*.internal"), None);
        assert_eq!(domain("*"), None);
    }
}
