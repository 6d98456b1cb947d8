//! Fuzz target: the whole analysis (parse, resolve, unwrap, re-parse, program tables) must
//! finish without panicking on any input. It never touches the disk (`read_files: false`).
//! `cargo +nightly fuzz run shell_analyse`.
#![no_main]

use std::path::{Path, PathBuf};

use hookguard::shell::{ShellEnv, analyse, builtin_production_identifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let cwd = Path::new("/fuzz/proj");
    let home = PathBuf::from("/fuzz/home");
    let roots = vec![cwd.to_path_buf()];
    let env = ShellEnv {
        cwd,
        home: Some(&home),
        project_root: cwd,
        write_roots: &roots,
        protected_branches: &[],
        ai_markers: &[],
        is_production_identifier: &builtin_production_identifier,
        read_files: false,
    };
    let _ = analyse(s, &env);
});
