//! `hookguard --version`, `completions` and `man` as a user runs them, and the managed policy
//! the Debian package installs (packaging/policy.toml).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_hookguard");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run hookguard")
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).expect("UTF-8")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn version_names_the_commit() {
    let v = stdout(&run(&["--version"]));
    let expected_head = Command::new("git")
        .arg("-C")
        .arg(repo())
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match expected_head {
        // Built from a checkout: the full commit hash, and when it was committed.
        Some(head) => {
            let want = format!("hookguard {} (commit {head}", env!("CARGO_PKG_VERSION"));
            assert!(v.starts_with(&want), "{v:?} does not start with {want:?}");
            assert!(v.contains(", committed 20"), "{v:?}");
        }
        None => assert!(
            v.contains("commit unknown: built without git metadata"),
            "{v:?}"
        ),
    }
    assert_eq!(v.lines().count(), 1, "{v:?}");
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let s = stdout(&run(&["completions", shell]));
        assert!(s.contains("hookguard"), "{shell}");
        // fish names long options without their dashes (`-l scope`).
        assert!(s.contains("doctor") && s.contains("scope"), "{shell}");
    }
    // The bash script is valid bash.
    let dir = tempdir();
    let f = dir.join("hookguard.bash");
    std::fs::write(&f, stdout(&run(&["completions", "bash"]))).unwrap();
    let o = Command::new("bash").arg("-n").arg(&f).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // An unknown shell is a usage error, not an empty script.
    let o = run(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
}

#[test]
fn man_pages() {
    let page = stdout(&run(&["man"]));
    assert!(page.contains(".TH hookguard 1"), "{}", &page[..200]);
    let dir = tempdir();
    let report = stdout(&run(&["man", "--out-dir", dir.to_str().unwrap()]));
    for name in [
        "hookguard.1",
        "hookguard-install.1",
        "hookguard-policy-check.1",
        "hookguard-audit-verify.1",
        "hookguard-completions.1",
    ] {
        assert!(dir.join(name).is_file(), "{name} missing; {report}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("hookguard.1")).unwrap(),
        page
    );
    // groff, where it is installed, reads every page without a warning (-k: through preconv,
    // as man(1) does, for the UTF-8 in some help texts).
    if Command::new("groff").arg("--version").output().is_ok() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let o = Command::new("groff")
                .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
                .arg(&p)
                .output()
                .unwrap();
            assert!(
                o.status.success() && o.stderr.is_empty(),
                "{}: {}",
                p.display(),
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
    // A directory that does not exist is an error.
    let o = run(&["man", "--out-dir", dir.join("nope").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

/// The merged policy `policy check` prints, without the lines that name the layers' files and
/// their digest (which a new layer changes even when it sets nothing).
fn merged_policy(managed_dir: &Path, profile: &str) -> String {
    let out = stdout(&run(&[
        "policy",
        "check",
        "--profile",
        profile,
        "--managed-dir",
        managed_dir.to_str().unwrap(),
    ]));
    out.lines()
        .filter(|l| {
            !l.starts_with("#   managed:")
                && !l.starts_with("policy-sha256")
                && !l.starts_with("# policy-sha256")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The conffile the package installs as /etc/hookguard/policy.toml loads as a managed policy
/// (root-owned, 0644) and changes nothing: every profile's merged policy is the built-in one.
#[test]
fn packaged_managed_policy_loads_and_changes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let shipped = repo().join("packaging/policy.toml");
    let with = tempdir();
    // As the package installs it: a 0755 directory (whatever the umask) and a 0644 file.
    std::fs::set_permissions(&with, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::copy(&shipped, with.join("policy.toml")).unwrap();
    std::fs::set_permissions(
        with.join("policy.toml"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let without = tempdir();
    // The managed layer counts only when root owns it; elsewhere `policy check` refuses it.
    let root = std::fs::metadata(&with).map(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid() == 0
    });
    if !root.unwrap() {
        let o = run(&["policy", "check", "--managed-dir", with.to_str().unwrap()]);
        assert_ne!(
            o.status.code(),
            Some(0),
            "a non-root managed policy was accepted"
        );
        return;
    }
    for profile in ["prototype", "production", "ci"] {
        let a = merged_policy(&with, profile);
        assert!(
            stdout(&run(&[
                "policy",
                "check",
                "--profile",
                profile,
                "--managed-dir",
                with.to_str().unwrap()
            ]))
            .contains("#   managed: "),
            "the managed layer was not loaded"
        );
        assert_eq!(a, merged_policy(&without, profile), "{profile}");
    }
}

/// Its commented examples are real policy: uncommented, they load as a trusted policy file.
#[test]
fn packaged_policy_examples_are_valid() {
    let text = std::fs::read_to_string(repo().join("packaging/policy.toml")).unwrap();
    let start = text.find("# --- Profile").expect("examples section");
    let toml_line = regex::Regex::new(r#"^(\[|"|[a-z][a-z-]* = )"#).unwrap();
    let examples: String = text[start..]
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| toml_line.is_match(l))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        examples.contains("[[rule]]") && examples.contains("[audit]"),
        "{examples}"
    );
    let dir = tempdir();
    let f = dir.join("examples.toml");
    std::fs::write(&f, &examples).unwrap();
    let empty = tempdir();
    let o = run(&[
        "policy",
        "check",
        "--managed-dir",
        empty.to_str().unwrap(),
        f.to_str().unwrap(),
    ]);
    assert!(
        o.status.success(),
        "{examples}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = run(&["policy", "test", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
}

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl std::ops::Deref for TempDir {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

fn tempdir() -> TempDir {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "hookguard-cli-docs-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}
