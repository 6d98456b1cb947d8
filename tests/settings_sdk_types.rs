//! The settings snippets, and what `hookguard install` writes in each scope, type-check against
//! the Claude Agent SDK's `Settings` type (`@anthropic-ai/claude-agent-sdk`, pinned in
//! `scripts/ci-deps.sh`, with TypeScript's `tsc`). Each file becomes an object literal typed
//! `Settings`, so a misspelt or unknown key inside a hook handler, a wrong `onFailure` value or
//! a wrong type is an error, as the SDK's own schema would report it. (SchemaStore's
//! `claude-code-settings.json` lags behind: it does not know `onFailure` yet.)

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_hookguard");

/// `tools/sdk-types/node_modules`, or `None` (a skip, or a failure under
/// `HOOKGUARD_REQUIRE_TOOLS=1`).
fn sdk_types() -> Option<PathBuf> {
    let tools = std::env::var_os("HOOKGUARD_TOOLS_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/ci-tools"));
    let modules = tools.join("sdk-types/node_modules");
    let found = modules.join("typescript/bin/tsc").is_file()
        && modules
            .join("@anthropic-ai/claude-agent-sdk/sdk.d.ts")
            .is_file()
        && Command::new("node").arg("--version").output().is_ok();
    if found {
        return Some(modules);
    }
    assert!(
        std::env::var_os("HOOKGUARD_REQUIRE_TOOLS").is_none_or(|v| v != "1"),
        "the Agent SDK's types and tsc are required (HOOKGUARD_REQUIRE_TOOLS=1); run scripts/ci-deps.sh"
    );
    eprintln!(
        "note: {} not found; skipping (scripts/ci-deps.sh installs it)",
        modules.display()
    );
    None
}

/// Type-checks each `(name, JSON text)` as a `Settings` literal, and each of `refused` (on one
/// line, under `@ts-expect-error`, so it must fail: a check that cannot fail fails); the
/// compiler's complaints.
fn typecheck(
    modules: &Path,
    dir: &Path,
    files: &[(String, String)],
    refused: &[(String, String)],
) -> Result<(), String> {
    std::fs::create_dir_all(dir).unwrap();
    let link = dir.join("node_modules");
    if !link.exists() {
        std::os::unix::fs::symlink(modules, &link).unwrap();
    }
    let mut ts =
        String::from("import type { Settings } from \"@anthropic-ai/claude-agent-sdk\";\n");
    for (i, (name, json)) in files.iter().enumerate() {
        serde_json::from_str::<serde_json::Value>(json).unwrap_or_else(|e| panic!("{name}: {e}"));
        ts.push_str(&format!(
            "// {name}\nexport const settings{i}: Settings = {json};\n"
        ));
    }
    for (i, (name, json)) in refused.iter().enumerate() {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        ts.push_str(&format!(
            "// @ts-expect-error {name}\nexport const refused{i}: Settings = {v};\n"
        ));
    }
    std::fs::write(dir.join("check.ts"), ts).unwrap();
    std::fs::write(
        dir.join("tsconfig.json"),
        r#"{"compilerOptions": {"strict": true, "noEmit": true, "skipLibCheck": true,
            "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022"},
            "files": ["check.ts"]}"#,
    )
    .unwrap();
    let o = Command::new("node")
        .arg(modules.join("typescript/bin/tsc"))
        .arg("-p")
        .arg(dir.join("tsconfig.json"))
        .output()
        .unwrap();
    if o.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr))
    }
}

#[test]
fn snippets_and_installed_settings_match_the_sdk_settings_type() {
    let Some(modules) = sdk_types() else {
        return;
    };
    let root = std::env::temp_dir().join(format!("hg-sdk-types-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut files = Vec::new();
    let snippets = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("settings-snippets");
    for name in [
        "user.json",
        "project.json",
        "ci.json",
        "managed-settings.json",
    ] {
        let text = std::fs::read_to_string(snippets.join(name)).unwrap();
        files.push((format!("settings-snippets/{name}"), text));
    }
    // What install writes, in every scope, over a file that already has settings of its own.
    for d in ["home/.claude", "proj/.claude", "managed"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    for (scope, file) in [
        ("user", "home/.claude/settings.json"),
        ("project", "proj/.claude/settings.json"),
        ("managed", "managed/managed-settings.json"),
    ] {
        std::fs::write(
            root.join(file),
            r#"{"model": "opus", "permissions": {"deny": ["Read(~/.ssh/**)"]}}"#,
        )
        .unwrap();
        let o = Command::new(BIN)
            .args([
                "install",
                "--scope",
                scope,
                "--profile",
                "production",
                "--home",
            ])
            .arg(root.join("home"))
            .arg("--project")
            .arg(root.join("proj"))
            .arg("--managed-settings-dir")
            .arg(root.join("managed"))
            .env_clear()
            .env("HOME", root.join("home"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        files.push((
            format!("install --scope {scope}"),
            std::fs::read_to_string(root.join(file)).unwrap(),
        ));
    }
    // The check can fail: handlers with an `onFailure` the SDK does not know, or a key it
    // does not know, are refused (each must be, or tsc reports the unused expectation).
    let bad_value =
        files[0]
            .1
            .replacen("\"onFailure\": \"block\"", "\"onFailure\": \"explode\"", 1);
    let bad_key = files[0]
        .1
        .replacen("\"onFailure\": \"block\"", "\"onFailur\": \"block\"", 1);
    assert!(bad_value != files[0].1 && bad_key != files[0].1);
    let result = typecheck(
        &modules,
        &root.join("ts"),
        &files,
        &[
            ("onFailure explode".into(), bad_value),
            ("onFailur".into(), bad_key),
        ],
    );
    let _ = std::fs::remove_dir_all(&root);
    result.unwrap_or_else(|e| panic!("the settings do not match the SDK's Settings type:\n{e}"));
}
