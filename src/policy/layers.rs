//! Finding and loading the policy layers, and deciding how far each is trusted.
//!
//! Layers, lowest trust first: project (`.claude/hookguard.toml`), user
//! (`$XDG_CONFIG_HOME/hookguard/policy.toml`), managed (`/etc/hookguard/policy.toml`, only when
//! root-owned and not group- or world-writable), then the `--policy` files named by whoever wrote
//! the hook registration. A layer that does not exist costs one failed `open` and nothing else.

use super::PolicyError;
use super::file::PolicyFile;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Provenance lines ([`crate::lines`]); named here, where each layer keeps one.
pub(crate) use crate::lines::LineIndex;

/// Where a layer comes from. Ordered by trust, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LayerKind {
    Project,
    User,
    Managed,
    CommandLine,
    /// The built-in base and profile, compiled into the binary.
    Builtin,
}

impl LayerKind {
    /// Managed and `--policy` layers (and the built-in policy) may loosen; the others only
    /// tighten. The project and the user are both within reach of the agent being guarded.
    pub fn trusted(self) -> bool {
        matches!(
            self,
            LayerKind::Managed | LayerKind::CommandLine | LayerKind::Builtin
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LayerKind::Project => "project",
            LayerKind::User => "user",
            LayerKind::Managed => "managed",
            LayerKind::CommandLine => "--policy",
            LayerKind::Builtin => "built-in",
        }
    }
}

impl fmt::Display for LayerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One loaded layer: where it came from, its text (for line numbers and the policy hash) and
/// its parsed form.
#[derive(Debug, Clone)]
pub struct Layer {
    pub kind: LayerKind,
    /// File name for messages (`policies/production.toml` for the built-in ones).
    pub name: String,
    pub text: Arc<str>,
    pub file: PolicyFile,
    /// Line numbers for provenance, shared with every [`super::Source`] that points here.
    pub(crate) lines: Arc<LineIndex>,
}

impl Layer {
    pub fn parse(kind: LayerKind, name: String, text: String) -> Result<Layer, PolicyError> {
        let file = PolicyFile::parse(&text).map_err(|e| PolicyError::Parse {
            file: name.clone(),
            line: e.line,
            column: e.column,
            message: e.message,
        })?;
        Ok(Layer::new(kind, name, text.into(), file))
    }

    fn new(kind: LayerKind, name: String, text: Arc<str>, file: PolicyFile) -> Layer {
        Layer {
            kind,
            name,
            lines: Arc::new(LineIndex::new(text.clone())),
            text,
            file,
        }
    }

    /// A built-in layer: `text` is its TOML (for line numbers and the digest), `json` the same
    /// policy as `build.rs` converted it, which is what is parsed.
    pub(crate) fn builtin(name: String, text: &str, json: &str) -> Result<Layer, PolicyError> {
        let file: PolicyFile = serde_json::from_str(json).map_err(|e| PolicyError::Parse {
            file: name.clone(),
            line: 0,
            column: 0,
            message: format!("built-in policy (JSON form): {e}"),
        })?;
        Ok(Layer::new(LayerKind::Builtin, name, text.into(), file))
    }

    /// The 1-based line where `needle` first appears as a quoted string.
    pub fn line_of(&self, needle: &str) -> usize {
        self.lines.line_of(needle)
    }

    /// Reads and parses a layer file. `Ok(None)` when it does not exist: an absent layer is
    /// normal. Any other failure to read it is an error, because a policy that exists but
    /// cannot be read might be the one that forbids what is being asked.
    pub fn load(kind: LayerKind, path: &Path) -> Result<Option<Layer>, PolicyError> {
        // Only a regular file of at most `MAX_POLICY_BYTES` is read: a FIFO or device in a
        // policy's place is an error like any other unreadable layer, never a wait (issue 16).
        let text = match crate::input::read_file(path, MAX_POLICY_BYTES) {
            crate::input::FileRead::Bytes(bytes) => {
                String::from_utf8(bytes).map_err(|_| PolicyError::Read {
                    file: path.display().to_string(),
                    message: "not valid UTF-8".into(),
                })?
            }
            crate::input::FileRead::Missing => return Ok(None),
            crate::input::FileRead::Unreadable(message) => {
                return Err(PolicyError::Read {
                    file: path.display().to_string(),
                    message,
                });
            }
        };
        Layer::parse(kind, path.display().to_string(), text).map(Some)
    }
}

/// The largest policy layer or gitleaks file read (16 MiB): larger is an error, not a wait.
pub const MAX_POLICY_BYTES: u64 = 16 * 1024 * 1024;

/// Where to look for layers.
#[derive(Debug, Clone, Default)]
pub struct Locations {
    pub project_root: PathBuf,
    pub home: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
    /// `/etc/hookguard` unless a test says otherwise.
    pub managed_dir: PathBuf,
    pub policy_files: Vec<PathBuf>,
}

pub const MANAGED_DIR: &str = "/etc/hookguard";

impl Locations {
    pub fn project_file(&self) -> PathBuf {
        self.project_root.join(".claude").join("hookguard.toml")
    }

    pub fn user_dir(&self) -> Option<PathBuf> {
        match (&self.xdg_config_home, &self.home) {
            (Some(x), _) if x.is_absolute() => Some(x.join("hookguard")),
            (_, Some(h)) => Some(h.join(".config").join("hookguard")),
            _ => None,
        }
    }

    pub fn user_file(&self) -> Option<PathBuf> {
        self.user_dir().map(|d| d.join("policy.toml"))
    }

    pub fn managed_file(&self) -> PathBuf {
        self.managed_dir.join("policy.toml")
    }

    /// Loads every layer that exists, most trusted first.
    pub fn load(&self) -> Result<Vec<Layer>, PolicyError> {
        let mut layers = Vec::new();
        for p in self.policy_files.iter().rev() {
            match Layer::load(LayerKind::CommandLine, p)? {
                Some(l) => layers.push(l),
                // The registration names this file: its absence is a broken deployment, not a
                // missing optional layer.
                None => {
                    return Err(PolicyError::Read {
                        file: p.display().to_string(),
                        message: "no such file (named by --policy)".into(),
                    });
                }
            }
        }
        let managed = self.managed_file();
        if let Some(l) = Layer::load(LayerKind::Managed, &managed)? {
            check_managed_ownership(&managed)?;
            layers.push(l);
        }
        if let Some(user) = self.user_file()
            && let Some(l) = Layer::load(LayerKind::User, &user)?
        {
            layers.push(l);
        }
        if let Some(l) = Layer::load(LayerKind::Project, &self.project_file())? {
            layers.push(l);
        }
        Ok(layers)
    }
}

/// A managed policy binds every user of the machine, so only a file that only root can change
/// counts as one. Anything else is refused outright rather than demoted, so that a tampered
/// managed policy is noticed instead of quietly losing its force.
pub(crate) fn check_managed_ownership(path: &Path) -> Result<(), PolicyError> {
    use std::os::unix::fs::MetadataExt;
    for p in [Some(path), path.parent()].into_iter().flatten() {
        let meta = std::fs::symlink_metadata(p).map_err(|e| PolicyError::Read {
            file: p.display().to_string(),
            message: e.to_string(),
        })?;
        let problem = if meta.file_type().is_symlink() {
            Some("is a symbolic link".to_string())
        } else if meta.uid() != 0 {
            Some(format!("is owned by uid {}, not root", meta.uid()))
        } else if meta.mode() & 0o022 != 0 {
            Some(format!(
                "is writable by group or others (mode {:o})",
                meta.mode() & 0o7777
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(PolicyError::ManagedNotTrusted {
                file: path.display().to_string(),
                message: format!(
                    "`{}` {problem}; a managed policy must be root-owned and writable only by root (chown root:root, chmod 644)",
                    p.display()
                ),
            });
        }
    }
    Ok(())
}
