//! Converts the built-in policies (`policies/*.toml`) to compact JSON at build time.
//!
//! Every hook call loads the built-in base and one profile. Parsing their TOML cost about a
//! fifth of a typical call (ADR 0012); the same data as JSON parses in a fraction of that. The
//! TOML files stay the source (their text gives line numbers and the policy digest); a unit
//! test checks that both forms parse to the same `PolicyFile`.

use std::path::PathBuf;

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
}
