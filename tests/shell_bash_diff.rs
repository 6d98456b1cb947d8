//! Differential test of word resolution against the real `/bin/bash`: generated quoting cases
//! are resolved by the analyser and by `bash -c 'printf "%s\0" WORDS'`, and must agree.
//! Skipped, with a note, when bash is not installed.

use std::path::Path;
use std::process::Command;

use hookguard::shell::TestEnv;

const BASH: &str = "/bin/bash";
const HOME: &str = "/home/tester";

/// A small deterministic generator, so that failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

fn piece(r: &mut Lcg) -> String {
    let plain = [
        "a", "rm", "x1", "-rf", "/", "..", "foo.bar", "é", "@", "%", "+",
    ];
    let inner = [
        "", "a b", " ", "$x", "`id`", "\\", "\"", "!", "a\tb", "*", "?",
    ];
    match r.next() % 14 {
        0 | 1 => r.pick(&plain).to_string(),
        2 => format!("'{}'", r.pick(&inner).replace('\'', "")),
        3 => {
            let s = r
                .pick(&inner)
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('$', "\\$")
                .replace('`', "\\`");
            format!("\"{s}\"")
        }
        4 => format!(
            "\\{}",
            r.pick(&["a", " ", "'", "\"", "$", "\\", "*", "{", "~"])
        ),
        5 => format!(
            "$'{}'",
            r.pick(&[
                "\\x72\\x6d",
                "\\162\\155",
                "\\u0073udo",
                "a\\tb",
                "\\n",
                "\\\\",
                "\\'",
                "\\e[0m",
                "\\101\\x42"
            ])
        ),
        6 => format!("{{{},{}}}", r.pick(&plain), r.pick(&plain)),
        7 => r
            .pick(&[
                "{1..4}",
                "{a..c}",
                "{05..07}",
                "{3..1}",
                "{a,b}{c,d}",
                "{x}",
                "{}",
                "{,a}",
            ])
            .to_string(),
        8 => r
            .pick(&[
                "$V",
                "\"$V\"",
                "${V}",
                "${V:-d}",
                "${U:-dflt}",
                "${V:+alt}",
                "${#V}",
                "${V/a/X}",
                "${V#a}",
                "${V%b}",
            ])
            .to_string(),
        9 => r.pick(&["~", "~/x", "a~", "'~'"]).to_string(),
        10 => r.pick(&["$E", "\"$E\"", "''", "\"\""]).to_string(),
        11 => r
            .pick(&["\"${A[@]}\"", "${A[1]}", "\"${A[*]}\""])
            .to_string(),
        12 => r.pick(&["$\"loc\"", "a\\\nb"]).to_string(),
        _ => r.pick(&plain).to_string(),
    }
}

fn case(r: &mut Lcg) -> String {
    let words: Vec<String> = (0..1 + r.next() % 4)
        .map(|_| {
            let n = 1 + r.next() % 3;
            // Tilde only expands at the start of a word: keep it there.
            let mut w: String = (0..n).map(|_| piece(r)).collect::<Vec<_>>().concat();
            if w.contains('~') && !w.starts_with('~') {
                w = w.replace('~', "t");
            }
            w
        })
        .collect();
    let assign = r.pick(&["V='a b'", "V=abc", "V=''", "V='x  y'", "V='-rf /'"]);
    format!(
        "{assign}; E=; unset U; A=(one 'two three' four); printf '%s\\0' {}",
        words.join(" ")
    )
}

fn ours(command: &str) -> Option<Vec<String>> {
    let report = TestEnv::new("/nonexistent/proj")
        .home(HOME)
        .analyse(command);
    if report.is_opaque() {
        return None;
    }
    let last = report.commands.last()?;
    // A field with an unknown part (an environment variable such as `$Ea`) is the analyser
    // saying it does not know: not comparable.
    if last.argv.iter().any(|a| a.unknown) {
        return None;
    }
    let mut args: Vec<String> = last.argv.iter().skip(2).map(|a| a.value.clone()).collect();
    if args.is_empty() {
        // `printf FORMAT` with no arguments still prints the format once.
        args.push(String::new());
    }
    Some(args)
}

#[test]
fn word_resolution_matches_bash() {
    if !Path::new(BASH).exists() {
        eprintln!("note: {BASH} not found; the differential test of word resolution is skipped");
        return;
    }
    let mut r = Lcg(0x5eed_1234);
    let cases: Vec<String> = (0..400).map(|_| case(&mut r)).collect();
    // One bash process for every case: each case's output ends with a \x01 separator.
    let script: String = cases
        .iter()
        .map(|c| format!("{c}; printf '\\001'\n"))
        .collect();
    let out = Command::new(BASH)
        .arg("--norc")
        .arg("--noprofile")
        .arg("-c")
        .arg(&script)
        .env_clear()
        .env("HOME", HOME)
        .env("PATH", "/usr/bin:/bin")
        .current_dir("/")
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let outputs: Vec<&str> = stdout.split('\u{1}').collect();
    assert!(
        outputs.len() > cases.len(),
        "bash stopped early: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut failures = Vec::new();
    let mut compared = 0;
    for (c, bash_out) in cases.iter().zip(outputs) {
        let theirs: Vec<String> = bash_out
            .split('\0')
            .filter(|_| true)
            .map(str::to_string)
            .collect();
        let theirs: Vec<String> = theirs[..theirs.len().saturating_sub(1)].to_vec();
        let Some(mine) = ours(c) else {
            // Opaque is never a pass, but it is not a disagreement either.
            continue;
        };
        compared += 1;
        if mine != theirs {
            failures.push(format!("{c}\n  bash: {theirs:?}\n  ours: {mine:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compared > 300, "too few cases compared: {compared}");
}
