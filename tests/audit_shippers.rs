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
