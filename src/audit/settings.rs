//! `Settings`: how the audit log is written, as the policy's `[audit]` section decided it.
//!
//! Built by `policy::merge` from the trusted layers (managed and `--policy`); `Log` reads it on
//! every append. The defaults are the ones documented in `docs/audit.md`.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Size at which the live log is rotated, unless the policy says otherwise (64 MiB).
pub const DEFAULT_ROTATE_BYTES: u64 = 64 * 1024 * 1024;
/// Rotated files kept beside the live log, unless the policy says otherwise.
pub const DEFAULT_KEEP: u32 = 9;
/// How long an append waits for another hook process to release the lock.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(3);
/// The local syslog daemon's socket.
pub const DEFAULT_SYSLOG_SOCKET: &str = "/dev/log";

/// The audit log's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `fsync` (strictly `fdatasync`) each record before the decision is returned.
    pub fsync: bool,
    /// Rotate the live log once it reaches this many bytes; `0` never rotates.
    pub rotate_bytes: u64,
    /// How many rotated files (`audit.jsonl.1` … `audit.jsonl.N`) are kept.
    pub keep: u32,
    /// A root-only file holding the key of the HMAC-SHA256 chain.
    pub hmac_key: Option<PathBuf>,
    /// Also send every record to this syslog socket (`syslog(3)` framing).
    pub syslog: Option<PathBuf>,
    pub lock_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            fsync: false,
            rotate_bytes: DEFAULT_ROTATE_BYTES,
            keep: DEFAULT_KEEP,
            hmac_key: None,
            syslog: None,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }
}

impl Settings {
    /// The settings a merged `[audit]` section asks for, defaults elsewhere.
    pub fn from_section(a: &crate::policy::file::AuditSection) -> Settings {
        let d = Settings::default();
        Settings {
            fsync: a.fsync.unwrap_or(d.fsync),
            rotate_bytes: a.rotate_bytes.unwrap_or(d.rotate_bytes),
            keep: a.keep.unwrap_or(d.keep),
            hmac_key: a.hmac_key.as_deref().map(PathBuf::from),
            syslog: a.syslog.unwrap_or(false).then(|| {
                PathBuf::from(a.syslog_socket.as_deref().unwrap_or(DEFAULT_SYSLOG_SOCKET))
            }),
            lock_timeout: a
                .lock_timeout_ms
                .map_or(d.lock_timeout, Duration::from_millis),
        }
    }
}

/// The settings as `[audit]` TOML lines, for `policy check`.
pub fn policy_text(s: &Settings) -> String {
    let mut t = format!(
        "fsync = {}\nrotate-bytes = {}\nkeep = {}\nlock-timeout-ms = {}\n",
        s.fsync,
        s.rotate_bytes,
        s.keep,
        s.lock_timeout.as_millis()
    );
    if let Some(k) = &s.hmac_key {
        t.push_str(&format!("hmac-key = {:?}\n", k.display().to_string()));
    }
    t.push_str(&format!("syslog = {}\n", s.syslog.is_some()));
    if let Some(sock) = &s.syslog {
        t.push_str(&format!(
            "syslog-socket = {:?}\n",
            sock.display().to_string()
        ));
    }
    t
}

/// The `[audit]` settings of the trusted layers alone, read without the rest of the policy.
#[derive(Debug, Clone, Default)]
pub struct Trusted {
    /// `[audit] log`, if a trusted layer sets it.
    pub log: Option<PathBuf>,
    pub settings: Settings,
    /// Why a trusted layer's `[audit]` section could not be used (its defaults apply).
    pub problems: Vec<String>,
}

/// Largest policy file read for its `[audit]` section.
const MAX_POLICY_BYTES: u64 = 1024 * 1024;

/// The `[audit]` settings as the trusted layers set them: the `--policy` files (the last
/// named most trusted), then the managed policy if only root can change it. For the records
/// of calls refused because their event or their policy could not be used, which must still go
/// to the configured log, keyed with the configured key, although the policy as a whole did
/// not load. Each file's `[audit]` table is taken from the whole file when it parses, else
/// from the lines of its `[audit]` section alone, so that a mistake elsewhere in a policy
/// neither sends these records to another log nor leaves them unkeyed. Nothing of the
/// project or user layers is read: they may not set `[audit]` keys.
pub fn trusted(policy_files: &[PathBuf], managed_file: &Path, home: Option<&Path>) -> Trusted {
    let mut merged = crate::policy::file::AuditSection::default();
    let mut problems = Vec::new();
    let managed = crate::policy::layers::check_managed_ownership(managed_file)
        .is_ok()
        .then_some(managed_file);
    for file in policy_files
        .iter()
        .rev()
        .map(PathBuf::as_path)
        .chain(managed)
    {
        match section_of(file, home) {
            Ok(Some(a)) => merged.fill_from(&a),
            Ok(None) => {}
            Err(e) => problems.push(format!("{}: {e}", file.display())),
        }
    }
    Trusted {
        log: merged.log.as_deref().map(PathBuf::from),
        settings: Settings::from_section(&merged),
        problems,
    }
}

/// The `[audit]` section of one trusted file, its paths checked as the policy checks them.
fn section_of(
    file: &Path,
    home: Option<&Path>,
) -> Result<Option<crate::policy::file::AuditSection>, String> {
    let text = match super::read::open_regular(file) {
        Ok(f) => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::Read::take(f, MAX_POLICY_BYTES), &mut text)
                .map_err(|e| e.to_string())?;
            text
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let table = match toml::from_str::<toml::Table>(&text) {
        Ok(t) => t,
        Err(_) => toml::from_str::<toml::Table>(&audit_lines(&text))
            .map_err(|e| format!("its [audit] section does not parse: {e}"))?,
    };
    let Some(value) = table.get("audit").cloned() else {
        return Ok(None);
    };
    let mut a: crate::policy::file::AuditSection = value
        .try_into()
        .map_err(|e| format!("its [audit] section is invalid: {e}"))?;
    if let Some(log) = &a.log {
        let expanded = crate::paths::expand_home(log, home);
        if !expanded.starts_with('/') {
            return Err("`audit.log` must be an absolute path".into());
        }
        a.log = Some(expanded);
    }
    for (key, p) in [
        ("hmac-key", &a.hmac_key),
        ("syslog-socket", &a.syslog_socket),
    ] {
        if p.as_deref().is_some_and(|p| !p.starts_with('/')) {
            return Err(format!("`audit.{key}` must be an absolute path"));
        }
    }
    Ok(Some(a))
}

/// The lines of a TOML text's `[audit]` table (from its header to the next table header).
fn audit_lines(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with('[') {
            let header = t.split('#').next().unwrap_or("").trim();
            inside = header == "[audit]";
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_section_is_read_from_a_file_that_does_not_parse_elsewhere() {
        let dir = std::env::temp_dir().join(format!("hg-trusted-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("policy.toml");
        std::fs::write(
            &p,
            "profile = \"production\"\n[verdicts\nbroken = \n[audit] # the log\nlog = \"/var/log/hg/audit.jsonl\"\nhmac-key = \"/etc/hookguard/audit.key\"\nlock-timeout-ms = 250\n[files]\nread-roots = [\n",
        )
        .unwrap();
        let t = trusted(std::slice::from_ref(&p), &dir.join("no-managed.toml"), None);
        assert_eq!(t.problems, Vec::<String>::new());
        assert_eq!(t.log, Some(PathBuf::from("/var/log/hg/audit.jsonl")));
        assert_eq!(
            t.settings.hmac_key,
            Some(PathBuf::from("/etc/hookguard/audit.key"))
        );
        assert_eq!(t.settings.lock_timeout, Duration::from_millis(250));
        // A relative path is refused, as the policy refuses it.
        std::fs::write(&p, "[audit]\nlog = \"relative.jsonl\"\n").unwrap();
        let t = trusted(&[p], &dir.join("no-managed.toml"), None);
        assert_eq!(t.log, None);
        assert_eq!(t.problems.len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
