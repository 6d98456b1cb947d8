//! The keyword prefilter's second half: turning keyword positions into the windows a rule's
//! regex runs over.
//!
//! The first half finds every keyword in one pass over the text: `keywords::KeywordSet` for the
//! built-in rules (ADR 0009), an Aho-Corasick automaton for user gitleaks rules. A rule runs
//! only if one of its keywords occurs, and then only over the lines that hold a keyword, merged
//! into contiguous windows. That keeps the total regex work proportional to the lines that could
//! hold a match, not to the text times the rules.

/// Merges the lines holding `positions` (byte offsets, any order) into sorted, disjoint
/// `start..end` windows. Each window ends at the end of a line (exclusive of its newline) or
/// at the end of the text. Linear in the text: a position inside the window already built is
/// skipped before any line search, so a long line with many keywords is walked once.
pub(crate) fn line_windows(bytes: &[u8], positions: &mut [usize]) -> Vec<(usize, usize)> {
    positions.sort_unstable();
    let mut windows: Vec<(usize, usize)> = Vec::new();
    for &p in positions.iter() {
        if let Some(last) = windows.last_mut()
            && p <= last.1
        {
            continue;
        }
        let (start, end) = super::checks::line_bounds(bytes, p);
        match windows.last_mut() {
            // The next line straight after the previous window: extend it.
            Some(last) if start <= last.1 + 1 => last.1 = end,
            _ => windows.push((start, end)),
        }
    }
    windows
}

#[cfg(test)]
mod tests {
    use super::line_windows;

    #[test]
    fn windows_table() {
        let text = b"aa\nbb token\ncc\ndd token token\nee\n";
        type Case<'a> = (&'a [usize], &'a [(usize, usize)]);
        let cases: &[Case] = &[
            (&[], &[]),
            (&[6], &[(3, 11)]),
            (&[6, 21, 27], &[(3, 11), (15, 29)]),
            (&[27, 6, 21], &[(3, 11), (15, 29)]),
            (&[0, 3], &[(0, 11)]),
            (&[33], &[(33, 33)]),
        ];
        for (positions, want) in cases {
            let mut p = positions.to_vec();
            assert_eq!(line_windows(text, &mut p), *want, "positions {positions:?}");
        }
    }
}
