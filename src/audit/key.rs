//! `ChainKey`: the optional secret of a keyed (HMAC-SHA256) hash chain.
//!
//! A plain SHA-256 chain shows that a record was edited, removed or inserted, but a user who
//! rewrites the whole chain from the edited record onwards produces a valid one. With a key the
//! user cannot read, they cannot. The key file is named in the managed policy and must be
//! root-owned and unreadable by others, checked like the managed policy itself.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;

/// A loaded chain key and its public id (recorded in every keyed record).
#[derive(Clone)]
pub struct ChainKey {
    key: Vec<u8>,
    id: String,
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        write!(f, "ChainKey({})", self.id)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("HMAC key `{file}`: {message}")]
    Read { file: String, message: String },
    #[error(
        "HMAC key `{file}` {problem}; the key must be root-owned and readable by no one else (chown root:root, chmod 600, or 640 with a dedicated group)"
    )]
    NotTrusted { file: String, problem: String },
    #[error("HMAC key `{file}` is shorter than {MIN_KEY_BYTES} bytes")]
    TooShort { file: String },
}

impl ChainKey {
    /// A key from its bytes (a trailing newline is not part of it).
    pub fn from_bytes(bytes: &[u8]) -> ChainKey {
        let key = bytes.strip_suffix(b"\n").unwrap_or(bytes).to_vec();
        let mut id_input = b"hookguard-key-id:".to_vec();
        id_input.extend_from_slice(&key);
        let id = crate::digest::sha256_hex(&id_input)[..16].to_string();
        ChainKey { key, id }
    }

    /// Loads the key at `path` after checking that only root controls it.
    pub fn load(path: &Path) -> Result<ChainKey, KeyError> {
        Self::load_checked(path, true)
    }

    /// Loads a key without the ownership check: for `audit verify --key`, where the auditor
    /// holds a copy of the key wherever they keep it.
    pub fn load_unchecked(path: &Path) -> Result<ChainKey, KeyError> {
        Self::load_checked(path, false)
    }

    fn load_checked(path: &Path, check: bool) -> Result<ChainKey, KeyError> {
        let file = path.display().to_string();
        let read = |e: std::io::Error| KeyError::Read {
            file: file.clone(),
            message: e.to_string(),
        };
        let meta = std::fs::symlink_metadata(path).map_err(read)?;
        if check {
            let problem = if meta.file_type().is_symlink() {
                Some("is a symbolic link".to_string())
            } else if meta.uid() != 0 {
                Some(format!("is owned by uid {}, not root", meta.uid()))
            } else if meta.mode() & 0o027 != 0 {
                Some(format!(
                    "is writable by its group or open to others (mode {:o})",
                    meta.mode() & 0o7777
                ))
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(KeyError::NotTrusted { file, problem });
            }
        }
        let bytes = std::fs::read(path).map_err(read)?;
        let key = ChainKey::from_bytes(&bytes);
        if key.key.len() < MIN_KEY_BYTES {
            return Err(KeyError::TooShort { file });
        }
        Ok(key)
    }

    /// The key's public id: the first 16 hex digits of a SHA-256 over a label and the key.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// HMAC-SHA256 of `data`, in lower-case hex.
    pub fn mac_hex(&self, data: &[u8]) -> String {
        crate::digest::hmac_sha256_hex(&self.key, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4231_case_2() {
        let k = ChainKey::from_bytes(b"Jefe");
        assert_eq!(
            k.mac_hex(b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let k = ChainKey::from_bytes(b"super-secret-key-material");
        assert!(!format!("{k:?}").contains("super"));
    }

    #[test]
    fn untrusted_key_files_are_refused() {
        let dir = std::env::temp_dir().join(format!("hg-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("key");
        std::fs::write(&p, b"0123456789abcdef0123456789abcdef").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            ChainKey::load(&p),
            Err(KeyError::NotTrusted { .. })
        ));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        let owned_by_root = std::fs::metadata(&p).unwrap().uid() == 0;
        assert_eq!(ChainKey::load(&p).is_ok(), owned_by_root);
        assert!(ChainKey::load_unchecked(&p).is_ok());
        std::fs::write(&p, b"short\n").unwrap();
        assert!(matches!(
            ChainKey::load_unchecked(&p),
            Err(KeyError::TooShort { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
