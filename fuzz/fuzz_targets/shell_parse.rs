//! Fuzz target: the shell parser must return (a tree or an error) on any input, never panic,
//! overflow the stack or run without bound. `cargo +nightly fuzz run shell_parse`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = hookguard::shell::parser::parse(s);
    }
});
