//! Fuzz target: the whole analysis (parse, resolve, unwrap, re-parse, program tables) must
//! finish without panicking on any input. It never touches the disk (`read_files: false`).
//! `cargo +nightly fuzz run shell_analyse`.
#![no_main]

use hookguard::shell::TestEnv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = TestEnv::new("/fuzz/proj").home("/fuzz/home").analyse(s);
});
