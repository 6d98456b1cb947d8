//! Converts the built-in policies (`policies/*.toml`) to compact JSON at build time.
//!
//! Every hook call loads the built-in base and one profile. Parsing their TOML cost about a
//! fifth of a typical call (ADR 0012); the same data as JSON parses in a fraction of that. The
//! TOML files stay the source (their text gives line numbers and the policy digest); a unit
//! test checks that both forms parse to the same `PolicyFile`.
//!
//! It also records the commit the binary is built from, for `hookguard --version`
//! (`HOOKGUARD_BUILD_COMMIT`). Nothing here reads the clock or the build directory: two builds
//! of one commit give the same binary (ADR 0020).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for name in ["base", "prototype", "production", "ci"] {
        let path = format!("policies/{name}.toml");
        println!("cargo::rerun-if-changed={path}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        let value: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid TOML: {e}"));
        let json = serde_json::to_string(&value).expect("a TOML table serialises to JSON");
        std::fs::write(out.join(format!("{name}.json")), json)
            .unwrap_or_else(|e| panic!("writing {name}.json: {e}"));
    }
    println!("cargo::rustc-env=HOOKGUARD_BUILD_COMMIT={}", build_commit());
}

/// `<40-hex commit>, committed <YYYY-MM-DD>`, `-modified` after the hash when tracked files
/// differ from it; `HOOKGUARD_COMMIT` when set (a build from a tarball that knows its commit);
/// otherwise a sentence saying the commit is unknown. A build without git never fails for it.
fn build_commit() -> String {
    println!("cargo::rerun-if-env-changed=HOOKGUARD_COMMIT");
    if let Some(c) = std::env::var("HOOKGUARD_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
    {
        return format!("commit {}", c.trim());
    }
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&dir)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    // Not in a git checkout (a source tarball), or no git on this machine.
    let Some(commit) = git(&["rev-parse", "--verify", "HEAD"]).filter(|c| !c.is_empty()) else {
        return "commit unknown: built without git metadata".into();
    };
    // Rebuild when HEAD moves, the branch it names moves, or the index changes (a commit or
    // `git add`), and when the sources change (for the `-modified` mark).
    let mut watch = vec!["HEAD".to_string(), "index".into(), "packed-refs".into()];
    if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch.push(r);
    }
    for w in &watch {
        // A path that does not exist would make cargo rerun this script on every build.
        if let Some(p) = git(&["rev-parse", "--path-format=absolute", "--git-path", w])
            .filter(|p| Path::new(p).exists())
        {
            println!("cargo::rerun-if-changed={p}");
        }
    }
    for p in ["src", "Cargo.toml", "Cargo.lock", "build.rs"] {
        if Path::new(p).exists() {
            println!("cargo::rerun-if-changed={p}");
        }
    }
    let modified =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_none_or(|s| !s.is_empty());
    let date = git(&["show", "-s", "--format=%cs", "HEAD"]).unwrap_or_default();
    format!(
        "commit {commit}{}, committed {date}",
        if modified { "-modified" } else { "" }
    )
}
