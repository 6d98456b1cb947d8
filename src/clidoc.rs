//! `hookguard completions SHELL` and `hookguard man`: shell completions and manual pages,
//! generated from the same clap definitions that parse the command line, so they cannot
//! drift from it. The Debian package ships their output (ADR 0020).

use crate::cli::Cli;
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

pub use clap_complete::Shell;

/// The completion script for `shell`. Built in memory: clap_complete panics on a failed
/// write, and `main` reports one (a closed pipe, a full disk) as an error instead.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "hookguard", &mut out);
    out
}

/// Writes the hookguard(1) page (roff) to `out`: the same page as `man_pages_to` writes as
/// hookguard.1 (which lists no `hookguard-help(1)`, a page that does not exist).
pub fn man_page(out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command().disable_help_subcommand(true)).render(out)
}

/// Writes hookguard.1 and one page per subcommand (`hookguard-policy-check.1`, ...) into
/// `dir`, which must exist; returns the names of hookguard's pages now in `dir`, sorted.
pub fn man_pages_to(dir: &Path) -> std::io::Result<Vec<String>> {
    if !dir.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("`{}` is not a directory", dir.display()),
        ));
    }
    clap_mangen::generate_to(Cli::command(), dir)?;
    let written: Vec<String> = names(dir)?
        .into_iter()
        .filter(|n| n.starts_with("hookguard") && n.ends_with(".1"))
        .collect();
    Ok(written)
}

fn names(dir: &Path) -> std::io::Result<std::collections::BTreeSet<String>> {
    std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut v = Vec::new();
        f(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn completions_know_every_subcommand() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell] {
            let s = String::from_utf8(completions(shell)).unwrap();
            for sub in [
                "hook", "explain", "policy", "audit", "install", "doctor", "man",
            ] {
                assert!(s.contains(sub), "{shell}: no `{sub}`");
            }
            // Options of nested subcommands are there too (fish writes `-l scope`).
            assert!(s.contains("scope"), "{shell}: no --scope");
        }
    }

    #[test]
    fn man_page_is_roff_with_the_subcommands() {
        let s = text(|v| man_page(v).unwrap());
        assert!(s.starts_with(".ie \\n(.g .ds Aq"), "{}", &s[..80]);
        assert!(s.contains(".TH hookguard 1"), "no title");
        assert!(s.contains(".SH SUBCOMMANDS"));
        assert!(
            s.contains("hookguard\\-install(1)"),
            "subcommand pages not referenced"
        );
        assert!(
            s.contains(crate::cli::VERSION),
            "no version with the commit"
        );
    }
}
