//! The shipper configurations in `settings-snippets/shippers/` stay valid and keep pointing
//! at the log where hookguard writes it. rsyslog's is checked by rsyslogd itself (`-N1`).

mod audit_support;

use audit_support::{Scratch, have_tool, text};
use std::path::PathBuf;

fn shipper(name: &str) -> (PathBuf, String) {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("settings-snippets/shippers")
        .join(name);
    let t = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    (p, t)
}

#[test]
fn every_shipper_reads_the_default_log_location() {
    let default = hookguard::audit::default_path(None, Some(std::path::Path::new("/home/*")))
        .unwrap()
        .display()
        .to_string();
    for name in [
        "rsyslog-hookguard.conf",
        "fluent-bit-hookguard.conf",
        "vector-hookguard.toml",
        "otelcol-hookguard.yaml",
    ] {
        let (_, t) = shipper(name);
        assert!(t.contains(&default), "{name} does not read {default}");
    }
}

const SHIPPERS: [&str; 4] = [
    "rsyslog-hookguard.conf",
    "fluent-bit-hookguard.conf",
    "vector-hookguard.toml",
    "otelcol-hookguard.yaml",
];

#[test]
fn every_shipper_follows_rotations_and_skips_the_sidecar() {
    // Rotation renames audit.jsonl to audit.jsonl.1, .2 …: a shipper that reads only the live
    // file loses what was written between its last read and the rotation.
    let log = std::path::Path::new("/home/*/.local/state/hookguard/audit.jsonl");
    assert_eq!(
        hookguard::audit::log::rotated_path(log, 1)
            .display()
            .to_string(),
        "/home/*/.local/state/hookguard/audit.jsonl.1"
    );
    let head = hookguard::audit::log::head_path(log).display().to_string();
    assert!(head.ends_with(".head"), "{head}");
    for name in SHIPPERS {
        let (_, t) = shipper(name);
        assert!(
            t.contains("/home/*/.local/state/hookguard/audit.jsonl*"),
            "{name} does not read the rotated files"
        );
        assert!(t.contains(".head"), "{name} does not leave out the sidecar");
    }
}

#[test]
fn every_shipper_gives_every_decision_a_severity() {
    for name in [
        "fluent-bit-hookguard.conf",
        "vector-hookguard.toml",
        "otelcol-hookguard.yaml",
        "rsyslog-hookguard.conf",
    ] {
        let (_, t) = shipper(name);
        for d in hookguard::audit::syslog::DECISIONS {
            let named = t.contains(&format!("\"{d}\""))
                || t.contains(&format!("|{d}"))
                || t.contains(&format!("({d}|"))
                || t.contains(&format!("[{d},"))
                || t.contains(&format!(" {d}]"))
                || t.contains(&format!(" {d},"));
            // rsyslog's map ends in `else` (allow, defer, pass), like syslog.rs.
            let by_else = name.starts_with("rsyslog") && hookguard::audit::syslog::severity(d) == 6;
            assert!(named || by_else, "{name} has no severity for `{d}`");
        }
    }
}

#[test]
fn every_shipper_keeps_the_raw_line() {
    let (_, fb) = shipper("fluent-bit-hookguard.conf");
    assert!(fb.contains("Preserve_Key  On") && fb.contains("Key_Name      log"));
    assert!(
        !fb.split("[INPUT]")
            .nth(1)
            .unwrap()
            .split("\n[")
            .next()
            .unwrap()
            .lines()
            .any(|l| l.trim_start().starts_with("Parser ")),
        "the tail input must not parse the line away"
    );
    let (_, otel) = shipper("otelcol-hookguard.yaml");
    assert!(
        otel.contains("parse_to: attributes"),
        "the body stays the raw line"
    );
    let (_, vector) = shipper("vector-hookguard.toml");
    assert!(
        vector.contains(". = merge(., record)"),
        "`message` stays the raw line"
    );
    let (_, rsyslog) = shipper("rsyslog-hookguard.conf");
    assert!(
        rsyslog.contains("%$.line%"),
        "the forwarded message is the line"
    );
}

#[test]
fn the_vector_config_is_valid_toml() {
    let (_, t) = shipper("vector-hookguard.toml");
    let v: toml::Value = toml::from_str(&t).unwrap();
    assert_eq!(v["sources"]["hookguard"]["type"].as_str(), Some("file"));
    assert_eq!(
        v["sinks"]["splunk"]["inputs"][0].as_str(),
        Some("hookguard_parse")
    );
}

#[test]
fn the_fluent_bit_parser_reads_our_timestamps() {
    let (_, t) = shipper("fluent-bit-hookguard-parsers.conf");
    assert!(t.contains("Time_Key     ts"));
    assert!(t.contains("%Y-%m-%dT%H:%M:%S.%LZ"));
}

#[test]
fn rsyslogd_accepts_the_rsyslog_config() {
    if !have_tool("rsyslogd") {
        return;
    }
    let s = Scratch::new("rsyslog-conf");
    let (p, _) = shipper("rsyslog-hookguard.conf");
    let main = s.join("rsyslog.conf");
    std::fs::write(
        &main,
        format!(
            "global(workDirectory=\"{}\")\n$IncludeConfig {}\n",
            s.path().display(),
            p.display()
        ),
    )
    .unwrap();
    let o = std::process::Command::new("rsyslogd")
        .args(["-N1", "-f"])
        .arg(&main)
        .output()
        .unwrap();
    let out = text(&o.stdout) + &text(&o.stderr);
    assert!(o.status.success(), "{out}");
    assert!(!out.contains("error"), "{out}");
}
