//! C7 catastrophic deletes: a recursive or forced delete of `/`, the home directory, the
//! project root, a `.git` directory, a write root itself, an ancestor of any of them, or
//! anything outside every write root. Checked on each delete access as it is recorded.

use std::path::Path;

use crate::decision::Finding;
use crate::shell::ShellEnv;

pub const RULE: &str = "shell.delete-catastrophic";

/// Why deleting `path` would be catastrophic, if it would. `selective`: only some files under
/// `path` go (`find -name x -delete`, `git clean`), so the project itself is not at risk.
pub fn why(path: &Path, selective: bool, env: &ShellEnv) -> Option<String> {
    let root = Path::new("/");
    if path == root {
        return Some("the filesystem root".into());
    }
    if let Some(home) = env.home
        && home.starts_with(path)
    {
        return Some("your home directory".into());
    }
    if !selective {
        if env.project_root.starts_with(path) {
            return Some("the project root".into());
        }
        if path.components().any(|c| c.as_os_str() == ".git") {
            return Some("a `.git` directory (the repository's history)".into());
        }
        if env.write_roots.iter().any(|r| r == path) {
            return Some("a whole write root".into());
        }
    }
    if !env.write_roots.iter().any(|r| path.starts_with(r)) && !path.starts_with(env.project_root) {
        return Some("a path outside the project and every write root".into());
    }
    None
}

/// The finding for a catastrophic delete, if the delete is one.
pub fn catastrophic(
    path: &Path,
    selective: bool,
    shown: &str,
    by: &str,
    env: &ShellEnv,
) -> Option<Finding> {
    let what = why(path, selective, env)?;
    Some(Finding::new(
        RULE,
        "PR-06",
        path.to_string_lossy(),
        format!(
            "Refused `{by}` on `{shown}` ({}): a recursive or forced delete of {what} cannot be \
             undone (C7, PR-06). Delete only specific files inside the project, by name, \
             without `-r`/`-f` where you can.",
            path.display()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(path: &str, selective: bool) -> Option<String> {
        let env = crate::shell::TestEnv::new("/home/u/proj")
            .home("/home/u")
            .write_root("/tmp");
        why(Path::new(path), selective, &env.env())
    }

    macro_rules! deletes {
        ($($name:ident: $path:expr, $selective:expr => $catastrophic:expr;)*) => {$(
            #[test]
            fn $name() { assert_eq!(check($path, $selective).is_some(), $catastrophic, "{}", $path); }
        )*};
    }

    deletes! {
        root: "/", false => true;
        home: "/home/u", false => true;
        above_home: "/home", false => true;
        project: "/home/u/proj", false => true;
        git_dir: "/home/u/proj/.git", false => true;
        inside_git: "/home/u/proj/.git/objects", false => true;
        build_dir: "/home/u/proj/target", false => false;
        tmp_file: "/tmp/x", false => false;
        tmp_root: "/tmp", false => true;
        outside: "/srv/data", false => true;
        selective_project: "/home/u/proj", true => false;
        selective_home: "/home/u", true => true;
        selective_outside: "/var/log", true => true;
    }
}
