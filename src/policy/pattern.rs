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
    /// Each pattern as path segments, when it uses only `*` and `**` (every built-in pattern
    /// does): matched directly, with nothing to compile.
    simple: Vec<Option<Vec<Seg>>>,
    /// The patterns that need globset (`?`, `[…]`, `{…}`, escapes), compiled on first use,
    /// with their indices in `patterns`.
    set: OnceLock<(GlobSet, Vec<usize>)>,
}

impl Clone for PathPatterns {
    fn clone(&self) -> Self {
        PathPatterns {
            patterns: self.patterns.clone(),
            case_insensitive: self.case_insensitive,
            simple: self.simple.clone(),
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
            simple: Vec::new(),
            set: OnceLock::new(),
        }
    }

    pub fn push(&mut self, p: Pattern) {
        self.simple
            .push(simple_segments(&p.glob, self.case_insensitive));
        self.patterns.push(p);
    }

    fn set(&self) -> &(GlobSet, Vec<usize>) {
        self.set.get_or_init(|| {
            let mut b = GlobSetBuilder::new();
            let mut indices = Vec::new();
            for (i, p) in self.patterns.iter().enumerate() {
                if self.simple[i].is_some() {
                    continue;
                }
                indices.push(i);
                // Every glob was checked when its layer loaded; one that fails here cannot
                // occur, and skipping it would fail open, so it matches everything instead.
                match build(&p.glob, self.case_insensitive) {
                    Ok(g) => b.add(g),
                    Err(_) => b.add(build("**", false).expect("`**` is a valid glob")),
                };
            }
            let set = b.build().unwrap_or_else(|_| {
                let mut all = GlobSetBuilder::new();
                all.add(build("**", false).expect("`**` is a valid glob"));
                all.build().expect("a one-glob set builds")
            });
            (set, indices)
        })
    }

    /// The indices of the patterns that match `path` (a `/`-separated absolute path), in
    /// pattern order.
    pub fn matches(&self, path: &str) -> Vec<usize> {
        if self.patterns.is_empty() {
            return Vec::new();
        }
        let folded;
        let path = if self.case_insensitive {
            folded = fold_case(path);
            folded.as_str()
        } else {
            path
        };
        let components: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        let mut out: Vec<usize> = self
            .simple
            .iter()
            .enumerate()
            .filter_map(|(i, segs)| {
                segs.as_ref()
                    .is_some_and(|segs| segments_match(segs, &components))
                    .then_some(i)
            })
            .collect();
        if self.simple.iter().any(Option::is_none) {
            let (set, indices) = self.set();
            out.extend(set.matches(path).into_iter().map(|k| indices[k]));
            out.sort_unstable();
        }
        out
    }

    /// The first pattern that matches.
    pub fn first_match(&self, path: &str) -> Option<&Pattern> {
        self.matches(path).first().map(|&i| &self.patterns[i])
    }
}

/// A glob as path segments when it uses only literal text, `*` within a segment and `**` as a
/// whole segment; `None` for anything globset must handle. Lower-cased when matching ignores
/// case. The path must be absolute or start with `**`, as `anchor` makes every pattern.
fn simple_segments(glob: &str, case_insensitive: bool) -> Option<Vec<Seg>> {
    if glob
        .bytes()
        .any(|b| matches!(b, b'?' | b'[' | b']' | b'{' | b'}' | b'\\'))
        || !(glob.starts_with('/') || glob.starts_with("**"))
    {
        return None;
    }
    let folded;
    let glob = if case_insensitive {
        folded = fold_case(glob);
        folded.as_str()
    } else {
        glob
    };
    let segs: Vec<&str> = glob.split('/').filter(|s| !s.is_empty()).collect();
    // `**` must stand alone in its segment; `a**b` means something else to globset.
    if segs.iter().any(|s| s.contains("**") && *s != "**") || segs.is_empty() {
        return None;
    }
    Some(segs.into_iter().map(Seg::new).collect())
}

/// One segment of a simple glob, with where its `*`s are found once, when the pattern is
/// pushed, rather than on every match (every file a command touches is matched against every
/// excluded and production pattern).
#[derive(Debug, Clone)]
struct Seg {
    text: String,
    globstar: bool,
    /// The first and last `*`, if any.
    stars: Option<(usize, usize)>,
}

impl Seg {
    fn new(s: &str) -> Seg {
        Seg {
            text: s.to_string(),
            globstar: s == "**",
            stars: s.find('*').zip(s.rfind('*')),
        }
    }

    fn matches(&self, text: &str) -> bool {
        match self.stars {
            None => self.text == text,
            Some((first, last)) => wildcard_at(&self.text, first, last, text),
        }
    }
}

/// Lower case for case-insensitive matching: `to_lowercase`, with the common all-ASCII case
/// done byte by byte (the same result, at a fraction of the cost).
fn fold_case(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// Whether path components match glob segments, with globset's semantics: `*` never crosses a
/// `/`; `**` matches any number of components, but a trailing `**` at least one (`a/**` matches
/// what is under `a`, not `a` itself).
fn segments_match(segs: &[Seg], comps: &[&str]) -> bool {
    if comps.len() < 63 {
        segments_match_bits(segs, comps)
    } else {
        segments_match_vec(segs, comps)
    }
}

/// [`segments_match`] for paths of fewer than 63 components, with the reachable set as the bits
/// of one word: no allocation per pattern and segment (the matching of every path against the
/// excluded and production lists runs on every file tool call).
fn segments_match_bits(segs: &[Seg], comps: &[&str]) -> bool {
    let n = comps.len();
    let all: u64 = (1u64 << (n + 1)) - 1;
    // Bit j: the segments so far can consume exactly the first j components.
    let mut reach: u64 = 1;
    for (i, seg) in segs.iter().enumerate() {
        if reach == 0 {
            return false;
        }
        let lowest = reach & reach.wrapping_neg();
        reach = if seg.globstar {
            if i == segs.len() - 1 {
                // At least one component: every j above the lowest reachable one.
                all & !((lowest << 1) - 1)
            } else {
                all & !(lowest - 1)
            }
        } else {
            let mut next = 0;
            let mut bits = reach & !(1u64 << n);
            while bits != 0 {
                let j = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if seg.matches(comps[j]) {
                    next |= 1u64 << (j + 1);
                }
            }
            next
        };
    }
    reach & (1u64 << n) != 0
}

/// [`segments_match`] for any depth.
fn segments_match_vec(segs: &[Seg], comps: &[&str]) -> bool {
    // reach[j]: the first i segments can consume exactly the first j components.
    let mut reach = vec![false; comps.len() + 1];
    reach[0] = true;
    for (i, seg) in segs.iter().enumerate() {
        let mut next = vec![false; comps.len() + 1];
        if seg.globstar {
            let trailing = i == segs.len() - 1;
            let mut any = false;
            for j in 0..=comps.len() {
                if trailing {
                    // at least one component
                    next[j] = any;
                    any |= reach[j];
                } else {
                    any |= reach[j];
                    next[j] = any;
                }
            }
        } else {
            for j in 0..comps.len() {
                if reach[j] && seg.matches(comps[j]) {
                    next[j + 1] = true;
                }
            }
        }
        reach = next;
    }
    reach[comps.len()]
}

/// `*`-wildcard match of one segment, case as given (callers fold case beforehand).
fn wildcard_exact(pattern: &str, text: &str) -> bool {
    match pattern.find('*').zip(pattern.rfind('*')) {
        Some((first, last)) => wildcard_at(pattern, first, last, text),
        None => pattern == text,
    }
}

/// [`wildcard_exact`] with the first and last `*` of `pattern` already found.
fn wildcard_at(pattern: &str, first_star: usize, last_star: usize, text: &str) -> bool {
    let (first, last) = (&pattern[..first_star], &pattern[last_star + 1..]);
    if text.len() < first.len() + last.len() || !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    if first_star < last_star {
        for mid in pattern[first_star + 1..last_star].split('*') {
            match rest.find(mid) {
                Some(i) => rest = &rest[i + mid.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Matches a name against a pattern where `*` stands for any run of characters (including
/// none) and everything else is literal, ignoring ASCII case.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    wildcard_exact(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase())
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

    /// Every built-in glob, anchored, with globset's matcher for each case mode.
    static BUILTIN: std::sync::LazyLock<Vec<(String, [globset::GlobMatcher; 2])>> =
        std::sync::LazyLock::new(|| {
            let base = crate::policy::file::PolicyFile::parse(crate::policy::BUILTIN_BASE).unwrap();
            let files = base.files.unwrap();
            files
                .exclude
                .unwrap()
                .iter()
                .chain(files.production.unwrap().iter())
                .map(|g| {
                    let glob = anchor(g, Some(Path::new("/home/u")));
                    let m = [false, true].map(|ci| build(&glob, ci).unwrap().compile_matcher());
                    (glob, m)
                })
                .collect()
        });

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// The direct matcher agrees with globset on the built-in patterns and random paths.
        #[test]
        fn simple_matcher_agrees_with_globset(
            comps in proptest::collection::vec("(\\.env|\\.env\\.local|\\.ENV|secrets|keys|config|production\\.yml|prod-eu|deploy|a|\\.ssh|home|u|x\\.pem|tfstate|terraform\\.tfstate|etc|id_rsa|\\.aws|credentials|app\\.prod\\.json)", 0..6)
        ) {
            let path = format!("/{}", comps.join("/"));
            for (glob, matchers) in BUILTIN.iter() {
                for (ci, theirs) in [false, true].into_iter().zip(matchers) {
                    let segs = simple_segments(glob, ci).expect("built-in globs are simple");
                    let folded = if ci { path.to_lowercase() } else { path.clone() };
                    let comps: Vec<&str> = folded.split('/').filter(|c| !c.is_empty()).collect();
                    proptest::prop_assert_eq!(
                        segments_match(&segs, &comps),
                        theirs.is_match(&path),
                        "glob {} path {} ci {}", glob, path, ci
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// The one-word matcher agrees with the general one, deep paths and `**` anywhere.
        #[test]
        fn bit_matcher_agrees_with_vec_matcher(
            segs in proptest::collection::vec("(\\*\\*|\\*|a|b|a\\*|\\*b|a\\*b\\*a)", 1..6),
            comps in proptest::collection::vec("(a|b|ab|aba|ba|bb)", 0..70),
        ) {
            let comps: Vec<&str> = comps.iter().map(String::as_str).collect();
            let segs: Vec<Seg> = segs.iter().map(|s| Seg::new(s)).collect();
            if comps.len() < 63 {
                proptest::prop_assert_eq!(
                    segments_match_bits(&segs, &comps),
                    segments_match_vec(&segs, &comps),
                    "segs {:?} comps {:?}", segs.iter().map(|s| &s.text).collect::<Vec<_>>(), comps
                );
            }
            let short = &comps[..comps.len().min(5)];
            proptest::prop_assert_eq!(
                segments_match_bits(&segs, short),
                segments_match_vec(&segs, short),
                "segs {:?} comps {:?}", segs.iter().map(|s| &s.text).collect::<Vec<_>>(), short
            );
        }
    }

    #[test]
    fn complex_patterns_still_use_globset() {
        let s = set(&["**/*.{pem,key}", "**/secret?.txt", "**/.env"]);
        assert_eq!(s.matches("/p/a.key"), vec![0]);
        assert_eq!(s.matches("/p/secret1.txt"), vec![1]);
        assert_eq!(s.matches("/p/.env"), vec![2]);
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
