//! Compiled pattern sets with provenance: path globs (globset, built only when consulted) and
//! simple `*` wildcards for names (domains, MCP servers, branches, identifiers).

use super::Source;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::path::Path;
use std::sync::OnceLock;

/// One pattern as written, where it was written, and how it is matched.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// As the policy wrote it (`~/.ssh/**`).
    pub written: String,
    /// As matched (`/home/u/.ssh/**`).
    pub glob: String,
    pub source: Source,
}

/// A set of path globs, compiled on first use. Building a `GlobSet` compiles regexes, which
/// costs far more than matching, so an event that never asks about a set never pays for it.
#[derive(Debug, Default)]
pub struct PathPatterns {
    pub patterns: Vec<Pattern>,
    case_insensitive: bool,
    set: OnceLock<GlobSet>,
}

impl Clone for PathPatterns {
    fn clone(&self) -> Self {
        PathPatterns {
            patterns: self.patterns.clone(),
            case_insensitive: self.case_insensitive,
            set: OnceLock::new(),
        }
    }
}

/// Turns a written path glob into the form matched against absolute paths: `~/` becomes the
/// home directory, and a pattern that is neither absolute nor anchored with `**` matches at any
/// depth, as a gitignore pattern does (`*.pem` means `**/*.pem`).
pub fn anchor(written: &str, home: Option<&Path>) -> String {
    let w = written.replace('\\', "/");
    if let Some(rest) = w.strip_prefix("~/") {
        return match home {
            Some(h) => format!("{}/{}", h.to_string_lossy().trim_end_matches('/'), rest),
            // No home: `~` can match nothing real, but keep the pattern meaningful anywhere.
            None => format!("**/{rest}"),
        };
    }
    if w.starts_with('/') || w.starts_with("**") {
        w
    } else {
        format!("**/{w}")
    }
}

/// Checks that a glob compiles, for error reporting at load time.
pub fn check_glob(glob: &str) -> Result<(), String> {
    build(glob, false)
        .map(|_| ())
        .map_err(|e| e.kind().to_string())
}

fn build(glob: &str, case_insensitive: bool) -> Result<globset::Glob, globset::Error> {
    GlobBuilder::new(glob)
        // Without this, globset lets `*` cross `/`, and `*.key` would match `a/b.key/c`.
        .literal_separator(true)
        .case_insensitive(case_insensitive)
        .backslash_escape(true)
        .build()
}

impl PathPatterns {
    pub fn new(case_insensitive: bool) -> PathPatterns {
        PathPatterns {
            patterns: Vec::new(),
            case_insensitive,
            set: OnceLock::new(),
        }
    }

    pub fn push(&mut self, p: Pattern) {
        self.patterns.push(p);
    }

    fn set(&self) -> &GlobSet {
        self.set.get_or_init(|| {
            let mut b = GlobSetBuilder::new();
            for p in &self.patterns {
                // Every glob was checked when its layer loaded; one that fails here cannot
                // occur, and skipping it would fail open, so it matches everything instead.
                match build(&p.glob, self.case_insensitive) {
                    Ok(g) => b.add(g),
                    Err(_) => b.add(build("**", false).expect("`**` is a valid glob")),
                };
            }
            b.build().unwrap_or_else(|_| {
                let mut all = GlobSetBuilder::new();
                all.add(build("**", false).expect("`**` is a valid glob"));
                all.build().expect("a one-glob set builds")
            })
        })
    }

    /// The indices of the patterns that match `path` (a `/`-separated absolute path).
    pub fn matches(&self, path: &str) -> Vec<usize> {
        if self.patterns.is_empty() {
            return Vec::new();
        }
        self.set().matches(path)
    }

    /// The first pattern that matches.
    pub fn first_match(&self, path: &str) -> Option<&Pattern> {
        self.matches(path).first().map(|&i| &self.patterns[i])
    }
}

/// Matches a name against a pattern where `*` stands for any run of characters (including
/// none) and everything else is literal, ignoring ASCII case.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    let t = text.to_ascii_lowercase();
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !t.starts_with(first) || t.len() < first.len() + last.len() || !t.ends_with(last) {
        return false;
    }
    let mut rest = &t[first.len()..t.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// Whether `host` is `domain`, or a subdomain of it when the pattern is `*.domain`.
pub fn domain_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(base) => host.ends_with(&format!(".{base}")),
        None => host == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{LayerKind, Source};

    fn set(globs: &[&str]) -> PathPatterns {
        let mut s = PathPatterns::new(true);
        for g in globs {
            s.push(Pattern {
                written: g.to_string(),
                glob: anchor(g, Some(Path::new("/home/u"))),
                source: Source::builtin("test"),
            });
        }
        let _ = LayerKind::Builtin;
        s
    }

    #[test]
    fn anchoring() {
        assert_eq!(anchor("*.pem", None), "**/*.pem");
        assert_eq!(anchor("~/.ssh/**", Some(Path::new("/h"))), "/h/.ssh/**");
        assert_eq!(anchor("/etc/**", None), "/etc/**");
    }

    #[test]
    fn globs_match_absolute_paths_at_any_depth() {
        let s = set(&["**/.env", "**/secrets/**", "*.key", "~/.ssh/**"]);
        assert!(!s.matches("/p/.env").is_empty());
        assert!(!s.matches("/.env").is_empty());
        assert!(!s.matches("/p/a/secrets/x/y.txt").is_empty());
        assert!(!s.matches("/p/server.KEY").is_empty(), "case-insensitive");
        assert!(!s.matches("/home/u/.ssh/id_rsa").is_empty());
        assert!(s.matches("/p/.envrc").is_empty());
        assert!(
            s.matches("/p/a.key/readme").is_empty(),
            "* does not cross /"
        );
        assert!(s.matches("/p/secrets").is_empty());
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("release/*", "release/1.2"));
        assert!(!wildcard("release/*", "releases/1"));
        assert!(wildcard("*prod*", "eu-PROD-1"));
        assert!(wildcard("github", "GitHub"));
        assert!(!wildcard("git*b", "gitlabs"));
        assert!(wildcard("a*b*c", "a-b-c"));
        assert!(!wildcard("ab*ba", "aba"));
    }

    #[test]
    fn domains() {
        assert!(domain_matches("*.gov.uk", "www.gov.uk"));
        assert!(!domain_matches("*.gov.uk", "gov.uk"));
        assert!(!domain_matches("*.gov.uk", "evilgov.uk"));
        assert!(domain_matches("docs.rs", "DOCS.RS."));
    }
}
