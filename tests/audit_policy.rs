//! The `[audit]` section: defaults, trusted layers only, the most trusted layer decides, paths
//! must be absolute. Driven through `hookguard policy check`.

mod audit_support;

use audit_support::{Scratch, bin, text};
use std::process::Command;

fn check(s: &Scratch, policies: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(bin());
    cmd.args(["policy", "check", "--managed-dir"])
        .arg(s.join("managed"))
        .arg("--cwd")
        .arg(s.join("project"))
        .env("HOME", s.path())
        .env_remove("XDG_CONFIG_HOME");
    for (i, text) in policies.iter().enumerate() {
        let p = s.join(&format!("p{i}.toml"));
        std::fs::write(&p, text).unwrap();
        cmd.arg("--policy").arg(p);
    }
    let o = cmd.output().unwrap();
    (o.status.success(), text(&o.stdout) + &text(&o.stderr))
}

#[test]
fn defaults_are_shown() {
    let s = Scratch::new("pol-default");
    let (ok, out) = check(&s, &[]);
    assert!(ok, "{out}");
    for line in [
        "fsync = false",
        "rotate-bytes = 67108864",
        "keep = 9",
        "syslog = false",
        "lock-timeout-ms = 3000",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
}

#[test]
fn the_most_trusted_layer_decides_each_key() {
    let s = Scratch::new("pol-merge");
    // Later --policy files are more trusted.
    let (ok, out) = check(
        &s,
        &[
            "[audit]\nfsync = false\nkeep = 3\nsyslog = true\n",
            "[audit]\nfsync = true\nhmac-key = \"/etc/hookguard/audit.key\"\n",
        ],
    );
    assert!(ok, "{out}");
    for line in [
        "fsync = true",
        "keep = 3",
        "hmac-key = \"/etc/hookguard/audit.key\"",
        "syslog = true",
        "syslog-socket = \"/dev/log\"",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
}

#[test]
fn untrusted_layers_and_relative_paths_are_errors() {
    type Case = (&'static str, &'static str, &'static str);
    let cases: &[Case] = &[
        ("project", "[audit]\nfsync = false\n", "audit.fsync"),
        ("project", "[audit]\nsyslog = true\n", "audit.syslog"),
        (
            "trusted",
            "[audit]\nhmac-key = \"audit.key\"\n",
            "must be an absolute path",
        ),
        (
            "trusted",
            "[audit]\nsyslog-socket = \"log.sock\"\n",
            "must be an absolute path",
        ),
        ("trusted", "[audit]\nrotate = 5\n", "rotate"),
    ];
    for (layer, text, expected) in cases {
        let s = Scratch::new("pol-bad");
        let (ok, out) = if *layer == "project" {
            std::fs::create_dir_all(s.join("project/.claude")).unwrap();
            std::fs::write(s.join("project/.claude/hookguard.toml"), text).unwrap();
            check(&s, &[])
        } else {
            check(&s, &[text])
        };
        assert!(!ok, "{text}: {out}");
        assert!(out.contains(expected), "{text}: expected {expected}\n{out}");
    }
}
