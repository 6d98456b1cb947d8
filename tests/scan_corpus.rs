//! Data-driven scanner corpus: every `[[case]]` in `tests/corpus/scan/{true_positives,
//! false_positives}/*.toml` is scanned with every scanner, and the rule ids of the hits must be
//! exactly the case's `expect` list, in order of position.
//!
//! Format of a case: `name` (unique within its file), `text`, `expect` (rule ids; empty for a
//! false positive). True-positive files must expect at least one hit per case.

use std::fs;
use std::path::Path;

use hookguard::scan::{Scan, Scanner};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CorpusFile {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    text: String,
    expect: Vec<String>,
}

fn run(dir: &str, positive: bool) -> usize {
    let scanner = Scanner::builtin();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/scan")
        .join(dir);
    let mut entries: Vec<_> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    entries.sort();
    assert!(!entries.is_empty(), "no corpus files in {}", root.display());
    let mut failures = Vec::new();
    let mut count = 0;
    for path in entries {
        let text = fs::read_to_string(&path).unwrap();
        let file: CorpusFile =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut names = std::collections::HashSet::new();
        for case in file.case {
            assert!(
                names.insert(case.name.clone()),
                "{}: duplicate case `{}`",
                path.display(),
                case.name
            );
            assert_eq!(
                positive,
                !case.expect.is_empty(),
                "{}: `{}`",
                path.display(),
                case.name
            );
            let hits = scanner.scan(&case.text, Scan::ALL);
            let got: Vec<&str> = hits.iter().map(|h| h.rule.as_ref()).collect();
            if got != case.expect {
                failures.push(format!(
                    "{}: `{}`: expected {:?}, got {:?}",
                    path.file_name().unwrap().to_string_lossy(),
                    case.name,
                    case.expect,
                    got
                ));
            }
            count += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    count
}

#[test]
fn true_positives() {
    assert!(run("true_positives", true) > 50);
}

#[test]
fn false_positives() {
    assert!(run("false_positives", false) > 50);
}
