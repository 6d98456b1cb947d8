//! Pathname expansion: matching a bash glob pattern against names, and expanding a pattern
//! against the real filesystem relative to the tracked working directory (`cat .e*` reaches
//! `.env`). Bounded: at most [`MAX_MATCHES`] results and [`MAX_ENTRIES`] directory entries read
//! per pattern, and a [`Walk`] budget of filesystem operations shared by every pattern of one
//! command (issue 16: a hundred distinct `/*/*/*/*/*/*/*/*xy` took 12.5 s, each walking its
//! own 20,000 entries and stat-ing every candidate directory).

use std::path::{Path, PathBuf};

/// The most paths one pattern expands to; more are dropped (the pattern is kept as well).
pub const MAX_MATCHES: usize = 1000;
/// The most directory entries one expansion reads.
pub const MAX_ENTRIES: usize = 20_000;

/// The filesystem operations (directories opened, entries read, paths looked up) that all the
/// expansions of one command may make together.
pub const MAX_WALK: usize = 50_000;

/// What is left of a command's [`MAX_WALK`] budget.
#[derive(Debug)]
pub struct Walk(std::cell::Cell<usize>);

impl Default for Walk {
    fn default() -> Self {
        Walk(std::cell::Cell::new(MAX_WALK))
    }
}

impl Walk {
    /// Takes one operation from the budget; `false` once it is spent.
    fn take(&self) -> bool {
        let left = self.0.get();
        if left == 0 {
            return false;
        }
        self.0.set(left - 1);
        true
    }
}

/// Whether `s` holds an unescaped glob metacharacter. Quoted characters are escaped with `\`
/// in patterns built by `word.rs`.
/// A `[` counts only when a `]` closes it (`[` alone is the test command, not a pattern).
pub fn has_glob(pattern: &str) -> bool {
    let chars: Vec<char> = pattern.chars().collect();
    let mut escaped = false;
    for (i, c) in chars.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '*' | '?' => return true,
            '[' if chars[i + 1..].iter().skip(1).any(|c| *c == ']') => return true,
            _ => {}
        }
    }
    false
}

/// Removes the `\` escapes of a pattern, giving the literal text bash keeps when nothing matches.
pub fn unescape(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut escaped = false;
    for c in pattern.chars() {
        if escaped {
            out.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Char(char),
    Any,
    Star,
    Class {
        negated: bool,
        items: Vec<(char, char)>,
    },
}

fn compile(pattern: &str) -> Vec<Tok> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                out.push(Tok::Char(chars[i + 1]));
                i += 2;
            }
            '*' => {
                if out.last() != Some(&Tok::Star) {
                    out.push(Tok::Star);
                }
                i += 1;
            }
            '?' => {
                out.push(Tok::Any);
                i += 1;
            }
            '[' => {
                // Find the closing bracket; a `]` first in the class is literal.
                let mut j = i + 1;
                let mut negated = false;
                if j < chars.len() && (chars[j] == '!' || chars[j] == '^') {
                    negated = true;
                    j += 1;
                }
                let start = j;
                let mut items = Vec::new();
                let mut closed = false;
                while j < chars.len() {
                    let c = chars[j];
                    if c == ']' && j > start {
                        closed = true;
                        break;
                    }
                    let c = if c == '\\' && j + 1 < chars.len() {
                        j += 1;
                        chars[j]
                    } else {
                        c
                    };
                    if j + 2 < chars.len() && chars[j + 1] == '-' && chars[j + 2] != ']' {
                        items.push((c, chars[j + 2]));
                        j += 3;
                    } else {
                        items.push((c, c));
                        j += 1;
                    }
                }
                if closed {
                    out.push(Tok::Class { negated, items });
                    i = j + 1;
                } else {
                    out.push(Tok::Char('['));
                    i += 1;
                }
            }
            c => {
                out.push(Tok::Char(c));
                i += 1;
            }
        }
    }
    out
}

fn tok_matches(t: &Tok, c: char) -> bool {
    match t {
        Tok::Char(x) => *x == c,
        Tok::Any => true,
        Tok::Star => true,
        Tok::Class { negated, items } => {
            let hit = items.iter().any(|(a, b)| *a <= c && c <= *b);
            hit != *negated
        }
    }
}

/// Whether `name` matches the glob `pattern` (one path segment; `*` does not cross `/`).
/// Linear backtracking on the last `*`, so O(pattern × name) at worst.
pub fn matches(pattern: &str, name: &str) -> bool {
    let toks = compile(pattern);
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < toks.len() && toks[p] == Tok::Star {
            star = Some((p, n));
            p += 1;
        } else if p < toks.len() && name[n] != '/' && tok_matches(&toks[p], name[n]) {
            p += 1;
            n += 1;
        } else if let Some((sp, sn)) = star {
            if name[sn] == '/' {
                return false;
            }
            p = sp + 1;
            n = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    while p < toks.len() && toks[p] == Tok::Star {
        p += 1;
    }
    p == toks.len()
}

/// Expands `pattern` (escaped as above) against the filesystem, relative to `cwd` when it is
/// not absolute. Returns the matches as bash would print them (relative patterns give relative
/// results), sorted; empty when nothing matches. `None` when `walk` runs out before the
/// expansion is complete: the caller keeps the pattern unexpanded, as with `set -f`.
pub fn expand(pattern: &str, cwd: &Path, dotglob: bool, walk: &Walk) -> Option<Vec<String>> {
    let absolute = pattern.starts_with('/');
    let segments: Vec<&str> = pattern.split('/').collect();
    // Each candidate: (text as bash would show it, real path).
    let mut current: Vec<(String, PathBuf)> = if absolute {
        vec![(String::new(), PathBuf::from("/"))]
    } else {
        vec![(String::new(), cwd.to_path_buf())]
    };
    let mut budget = MAX_ENTRIES;
    for (i, seg) in segments.iter().enumerate() {
        if i == 0 && absolute {
            continue;
        }
        let last = i + 1 == segments.len();
        let mut next = Vec::new();
        let join = |shown: &str, name: &str| -> String {
            if shown.is_empty() && !absolute {
                name.to_string()
            } else if shown.is_empty() {
                format!("/{name}")
            } else {
                format!("{shown}/{name}")
            }
        };
        if seg.is_empty() {
            // `a//b` or a trailing `/`: keep the candidates, directories only if trailing.
            for (shown, real) in current {
                if last {
                    if !walk.take() {
                        return None;
                    }
                    if !real.is_dir() {
                        continue;
                    }
                }
                next.push((format!("{shown}/"), real));
            }
            current = next;
            continue;
        }
        if !has_glob(seg) {
            let lit = unescape(seg);
            for (shown, real) in current {
                let path = real.join(&lit);
                if last {
                    if !walk.take() {
                        return None;
                    }
                    if std::fs::symlink_metadata(&path).is_err() {
                        continue;
                    }
                }
                next.push((join(&shown, &lit), path));
            }
            current = next;
            continue;
        }
        let hidden_ok = dotglob || seg.starts_with('.') || seg.starts_with("\\.");
        for (shown, real) in current {
            if !walk.take() {
                return None;
            }
            let Ok(entries) = std::fs::read_dir(&real) else {
                continue;
            };
            let mut names: Vec<String> = Vec::new();
            for entry in entries.flatten() {
                if budget == 0 {
                    break;
                }
                budget -= 1;
                if !walk.take() {
                    return None;
                }
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') && !hidden_ok {
                    continue;
                }
                if name == "." || name == ".." {
                    continue;
                }
                if matches(seg, &name) {
                    names.push(name);
                }
            }
            names.sort();
            for name in names {
                let path = real.join(&name);
                if !last {
                    if !walk.take() {
                        return None;
                    }
                    if !path.is_dir() {
                        continue;
                    }
                }
                next.push((join(&shown, &name), path));
                if next.len() >= MAX_MATCHES {
                    break;
                }
            }
        }
        current = next;
        if current.is_empty() {
            return Some(Vec::new());
        }
    }
    let mut out: Vec<String> = current.into_iter().map(|(s, _)| s).collect();
    out.sort();
    out.truncate(MAX_MATCHES);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! glob_cases {
        ($($name:ident: $pat:expr, $s:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() { assert_eq!(matches($pat, $s), $want, "{} vs {}", $pat, $s); }
        )*};
    }

    glob_cases! {
        star: "*.rs", "main.rs" => true;
        star_no: "*.rs", "main.py" => false;
        dot_env: ".e*", ".env" => true;
        question: "su?o", "sudo" => true;
        class: "[rs]m", "rm" => true;
        class_neg: "[!r]m", "rm" => false;
        range: "[a-c]at", "bat" => true;
        escaped_star: "a\\*", "a*" => true;
        escaped_star_no: "a\\*", "ab" => false;
        many_stars: "*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" => false;
        unclosed: "[ab", "[ab" => true;
    }

    #[test]
    fn has_glob_ignores_escapes() {
        assert!(has_glob("*.rs"));
        assert!(!has_glob("\\*.rs"));
    }
}
