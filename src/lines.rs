//! Line numbers in the files hookguard reads (policy layers, policy tests, gitleaks rule files),
//! for messages and provenance that point at a line. One place for every way a line is found:
//! from a byte offset (a parser's error), from a quoted value (an entry found wrong after
//! parsing), and from the position of a table header (`[[rule]]`, `[[test]]`).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// 1-based line and column of a byte offset (clamped to the text).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, col)
}

/// The 1-based line where `needle` first appears as a TOML string, else the first line that
/// holds it at all, else 1.
pub fn line_of(text: &str, needle: &str) -> usize {
    let quoted = [format!("\"{needle}\""), format!("'{needle}'")];
    text.lines()
        .position(|l| quoted.iter().any(|q| l.contains(q.as_str())))
        .or_else(|| text.lines().position(|l| l.contains(needle)))
        .map_or(1, |i| i + 1)
}

/// The 1-based line of the `i`-th (from 0) line that is `header` (an array-of-tables header
/// such as `[[rule]]`), or 1.
pub fn header_line(text: &str, header: &str, i: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == header)
        .nth(i)
        .map_or(1, |(n, _)| n + 1)
}

/// [`line_of`] for many values of one text: the line of each quoted string, from one pass
/// over the text built on first use. A policy with thousands of entries does not rescan its
/// text for each, and a hook call that never cites a line never builds it (it was about 10%
/// of a typical call).
#[derive(Debug)]
pub struct LineIndex {
    text: Arc<str>,
    /// Quoted string → the first line it appears on, built on first use.
    index: OnceLock<HashMap<String, usize>>,
}

impl LineIndex {
    pub fn new(text: Arc<str>) -> LineIndex {
        LineIndex {
            text,
            index: OnceLock::new(),
        }
    }

    /// The 1-based line where `needle` first appears as a quoted string; [`line_of`] for a
    /// value that is not quoted on its own.
    pub fn line_of(&self, needle: &str) -> usize {
        let index = self.index.get_or_init(|| {
            let mut m = HashMap::new();
            for (n, line) in self.text.lines().enumerate() {
                for q in ['"', '\''] {
                    for (i, part) in line.split(q).enumerate() {
                        if i % 2 == 1 {
                            m.entry(part.to_string()).or_insert(n + 1);
                        }
                    }
                }
            }
            m
        });
        index
            .get(needle)
            .copied()
            .unwrap_or_else(|| line_of(&self.text, needle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "profile = \"ci\"\n[[rule]]\nid = 'a'\n[[rule]]\nnote = x-y\n";

    #[test]
    fn offsets() {
        assert_eq!(line_col(TEXT, 0), (1, 1));
        assert_eq!(line_col(TEXT, TEXT.find("id").unwrap()), (3, 1));
        assert_eq!(line_col(TEXT, TEXT.find("'a'").unwrap()), (3, 6));
        assert_eq!(line_col(TEXT, usize::MAX), (6, 1));
    }

    #[test]
    fn values_and_headers() {
        assert_eq!(line_of(TEXT, "ci"), 1);
        assert_eq!(line_of(TEXT, "a"), 3);
        assert_eq!(line_of(TEXT, "x-y"), 5);
        assert_eq!(line_of(TEXT, "absent"), 1);
        assert_eq!(header_line(TEXT, "[[rule]]", 0), 2);
        assert_eq!(header_line(TEXT, "[[rule]]", 1), 4);
        assert_eq!(header_line(TEXT, "[[rule]]", 2), 1);
    }

    /// The index gives what the one-off search gives, for quoted and unquoted values.
    #[test]
    fn the_index_agrees_with_line_of() {
        let index = LineIndex::new(TEXT.into());
        for needle in ["ci", "a", "x-y", "absent", "profile"] {
            assert_eq!(index.line_of(needle), line_of(TEXT, needle), "{needle}");
        }
    }
}
