//! Every end-to-end scenario in `tests/e2e/scenarios/` parses and is well formed, so a broken
//! one is caught by `cargo test` before the (slower) real-client suite runs it.

use serde_json::Value;

const HOOKGUARD_KEYS: &[&str] = &[
    "profile",
    "policies",
    "tee",
    "binary",
    "scope",
    "install_args",
];

#[test]
fn every_e2e_scenario_is_well_formed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        n += 1;
        let file = path.display().to_string();
        let sc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let stem = path.file_stem().unwrap().to_str().unwrap();
        assert_eq!(sc["name"], stem, "{file}: name is the file name");
        assert!(sc["turns"].is_array(), "{file}: turns");
        assert!(
            sc["expect"].as_object().is_some_and(|e| !e.is_empty()),
            "{file}: a scenario without expectations proves nothing"
        );
        let hg = sc["hookguard"]
            .as_object()
            .unwrap_or_else(|| panic!("{file}: registers hookguard with its installer"));
        for k in hg.keys() {
            assert!(
                HOOKGUARD_KEYS.contains(&k.as_str()),
                "{file}: hookguard.{k}"
            );
        }
        if let Some(w) = sc.get("waits_for") {
            let w = w.as_str().unwrap_or("");
            assert!(
                w.strip_prefix("issue ")
                    .is_some_and(|n| n.parse::<u32>().is_ok()),
                "{file}: waits_for names an issue (`issue N`), not {w:?}"
            );
        }
    }
    assert!(n >= 20, "only {n} scenarios in {}", dir.display());
}
