//! Parses shell scripts given on the command line and reports the ones the parser rejects:
//! a robustness check of the parser against real-world scripts.
//!
//! `cargo run --release --example shell_parse_files -- $(find /usr -name '*.sh')`
#![forbid(unsafe_code)]

use hookguard::shell::parser;

fn main() {
    let mut ok = 0;
    let mut failed = 0;
    for path in std::env::args().skip(1) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        match parser::parse(&text) {
            Ok(_) => ok += 1,
            Err(e) => {
                failed += 1;
                println!("{path}: {e}");
            }
        }
    }
    println!("{ok} parsed, {failed} rejected");
}
