//! Path normalisation: every path a tool names becomes absolute, with `~`/`$HOME` expanded,
//! `..` folded and symlinks resolved where they exist.
//!
//! Second stage of the pipeline (`event ─► normalise ─► controls`). A control never sees a raw
//! path: it sees a [`NormPath`], which carries both the lexical form (what the tool named) and
//! the real form (where the bytes live). Exclusion and protection checks test both, so that a
//! symlink cannot hide `.env` behind an innocent name, nor an innocent name behind a link.

use std::path::{Component, Path, PathBuf};

/// A path as a control sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormPath {
    /// Absolute, `~` expanded, `..` folded; no file-system access.
    pub lexical: PathBuf,
    /// `lexical` with every symlink in its existing prefix resolved.
    pub real: PathBuf,
}

impl NormPath {
    /// Normalises `raw` as named by a tool running in `cwd`.
    pub fn new(raw: &str, cwd: &Path, home: Option<&Path>) -> NormPath {
        let lexical = lexical(raw, cwd, home);
        let real = resolve(&lexical);
        NormPath { lexical, real }
    }

    /// Both forms, without repeating one that equals the other.
    pub fn forms(&self) -> impl Iterator<Item = &Path> {
        std::iter::once(self.lexical.as_path())
            .chain((self.real != self.lexical).then_some(self.real.as_path()))
    }

    pub fn display(&self) -> String {
        self.lexical.display().to_string()
    }
}

/// The absolute, folded form of `raw`, without touching the file system.
///
/// Windows backslashes are accepted (the client sends them on Windows, even under Git Bash).
pub fn lexical(raw: &str, cwd: &Path, home: Option<&Path>) -> PathBuf {
    let unified = raw.replace('\\', "/");
    let expanded = expand_home(&unified, home);
    let joined = if is_absolute(&expanded) {
        PathBuf::from(expanded)
    } else {
        cwd.join(expanded)
    };
    fold(&joined)
}

fn is_absolute(p: &str) -> bool {
    if p.starts_with('/') {
        return true;
    }
    // A Windows drive path (`C:/Users/...`) is absolute wherever it is checked.
    let b = p.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/'
}

/// Expands a leading `~`, `~/`, `$HOME` or `${HOME}`. `~user` is left alone: it names another
/// account's home, which no root covers, so it stays outside the project as written.
pub fn expand_home(p: &str, home: Option<&Path>) -> String {
    let Some(home) = home else {
        return p.to_string();
    };
    let home = home.to_string_lossy();
    for prefix in ["~", "$HOME", "${HOME}"] {
        if let Some(rest) = p.strip_prefix(prefix)
            && (rest.is_empty() || rest.starts_with('/'))
        {
            return format!("{home}{rest}");
        }
    }
    p.to_string()
}

/// Folds `.` and `..` lexically. `..` above the root stays at the root, as the kernel does.
pub fn fold(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if out.parent().is_some() {
                    out.pop();
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push("/");
    }
    out
}

/// Resolves symlinks in the longest existing prefix of an absolute path and appends the rest,
/// so a file about to be created under a symlinked directory is seen where it will land.
pub fn resolve(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    let mut tail = Vec::new();
    let mut cur = p.to_path_buf();
    loop {
        match cur.file_name() {
            Some(name) => tail.push(name.to_os_string()),
            None => return p.to_path_buf(),
        }
        if !cur.pop() {
            return p.to_path_buf();
        }
        if let Ok(mut c) = cur.canonicalize() {
            for name in tail.iter().rev() {
                c.push(name);
            }
            // A dangling symlink as the last component still points somewhere: follow it
            // lexically so that `ln -s ~/.ssh/id_rsa x` cannot launder the target.
            if let Ok(target) = std::fs::read_link(&c) {
                let parent = c.parent().unwrap_or(Path::new("/"));
                return fold(&parent.join(target));
            }
            return c;
        }
    }
}

/// Whether `p` is `root` or lies beneath it (component-wise, never by string prefix).
pub fn is_within(p: &Path, root: &Path) -> bool {
    p.starts_with(root)
}

/// The path as a `/`-separated string for glob matching.
pub fn glob_text(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// The user's home directory, from `HOME`.
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! lex {
        ($name:ident, $raw:expr, $want:expr) => {
            #[test]
            fn $name() {
                let got = lexical($raw, Path::new("/work/proj"), Some(Path::new("/home/u")));
                assert_eq!(got, PathBuf::from($want));
            }
        };
    }

    lex!(relative_joins_cwd, "src/main.rs", "/work/proj/src/main.rs");
    lex!(dotdot_folds, "../other/.env", "/work/other/.env");
    lex!(dotdot_above_root, "/../../etc/passwd", "/etc/passwd");
    lex!(tilde, "~/.ssh/id_rsa", "/home/u/.ssh/id_rsa");
    lex!(
        dollar_home,
        "$HOME/.aws/credentials",
        "/home/u/.aws/credentials"
    );
    lex!(braced_home, "${HOME}/.kube/config", "/home/u/.kube/config");
    lex!(tilde_user_is_literal, "~root/x", "/work/proj/~root/x");
    lex!(backslashes, "sub\\dir\\.env", "/work/proj/sub/dir/.env");
    lex!(dot_components, "./a/./b/", "/work/proj/a/b");

    #[test]
    fn within_is_component_wise() {
        assert!(is_within(Path::new("/a/b/c"), Path::new("/a/b")));
        assert!(!is_within(Path::new("/a/bc"), Path::new("/a/b")));
    }

    #[test]
    fn resolve_follows_symlinked_parents_of_new_files() {
        let dir = std::env::temp_dir().join(format!("hg-paths-{}", std::process::id()));
        let target = dir.join("target");
        std::fs::create_dir_all(&target).unwrap();
        let link = dir.join("link");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let got = resolve(&link.join("new.txt"));
        assert_eq!(got, target.canonicalize().unwrap().join("new.txt"));
        let dangling = dir.join("dangling");
        let _ = std::fs::remove_file(&dangling);
        std::os::unix::fs::symlink("/home/u/.ssh/id_rsa", &dangling).unwrap();
        assert_eq!(resolve(&dangling), PathBuf::from("/home/u/.ssh/id_rsa"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    proptest::proptest! {
        #[test]
        fn lexical_is_idempotent(raw in "[a-z./~\\\\$]{0,24}") {
            let cwd = Path::new("/w/p");
            let home = Some(Path::new("/h"));
            let once = lexical(&raw, cwd, home);
            let twice = lexical(&once.to_string_lossy(), cwd, home);
            proptest::prop_assert_eq!(once, twice);
        }
    }
}
