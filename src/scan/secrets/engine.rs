//! The engine: one pass of the keyword matcher over the text finds which built-in rules can
//! match and where; each such rule then runs over the lines that hold its keywords, and a long
//! text's keyword search can be shared out in pieces between threads ([`Pieces`]).

use super::*;

/// The keywords of every built-in rule, and which rule each keyword belongs to (ADR 0009).
struct Prefilter {
    set: KeywordSet,
    rule_of: Vec<usize>,
    /// The longest keyword, in bytes.
    longest: usize,
}

static PREFILTER: LazyLock<Prefilter> = LazyLock::new(|| {
    let mut keywords = Vec::new();
    let mut rule_of = Vec::new();
    for (i, rule) in RULES.iter().enumerate() {
        for kw in rule.keywords {
            keywords.push(*kw);
            rule_of.push(i);
        }
    }
    Prefilter {
        set: KeywordSet::new(&keywords)
            .expect("built-in keywords are 3 bytes or longer and fewer than 256 (tested)"),
        rule_of,
        longest: keywords.iter().map(|k| k.len()).max().unwrap_or(0),
    }
});

impl Rule {
    pub(crate) fn info(&self) -> crate::scan::RuleInfo {
        crate::scan::RuleInfo {
            id: self.id,
            description: self.description,
            keywords: self.keywords,
            pattern: match &self.engine {
                Engine::Regex { pattern, .. } => Some(pattern),
                Engine::Custom(_) => None,
            },
        }
    }

    pub(super) fn regex(&self, pattern: &str) -> &Regex {
        self.compiled.get_or_init(|| {
            // Every built-in pattern is compiled by `builtin_patterns_compile`; a failure here
            // is a programming error caught before release, not an input-dependent panic.
            build_regex(pattern, false).expect("built-in pattern compiles (tested)")
        })
    }
}

/// Runs every built-in secret rule whose keywords occur in `text`.
pub(crate) fn scan(text: &str, out: &mut Vec<Found>) {
    let mut positions = Vec::new();
    keyword_starts(text.as_bytes(), 0..text.len(), &mut positions);
    run_rules(text, positions, out);
}

/// For each rule (by index; the vector is empty when nothing matched), the ascending starts of
/// its keywords.
type Starts = Vec<Vec<usize>>;

/// Adds to `positions` the built-in keywords that start in `range` of `text` (they may end
/// past it), in ascending order of start.
fn keyword_starts(text: &[u8], range: std::ops::Range<usize>, positions: &mut Starts) {
    let pre = &*PREFILTER;
    let end = (range.end + pre.longest).min(text.len());
    let (from, to) = (range.start, range.end);
    pre.set.for_each_match(&text[from..end], |k, start| {
        if from + start >= to {
            return;
        }
        let r = pre.rule_of[k];
        if positions.len() <= r {
            positions.resize_with(RULES.len(), Vec::new);
        }
        positions[r].push(from + start);
    });
}

/// The keyword search of a long text cut into pieces that threads take in turn
/// ([`Pieces::search`]); the rules then run once over the whole text ([`Pieces::scan`]). The
/// search is most of the cost of the secret rules on a long text, and a thread that has
/// finished its other work (markings, personal data) can take a share.
pub(crate) struct Pieces<'t> {
    text: &'t str,
    next: std::sync::atomic::AtomicUsize,
}

/// Bytes of text per piece: large enough that taking one costs nothing by comparison.
const PIECE: usize = 64 * 1024;

impl<'t> Pieces<'t> {
    pub(crate) fn new(text: &'t str) -> Pieces<'t> {
        Pieces {
            text,
            next: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Searches pieces until none is left: each as `(its index, its keyword starts)`.
    pub(crate) fn search(&self) -> Vec<(usize, Starts)> {
        let mut done = Vec::new();
        loop {
            let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let from = i.saturating_mul(PIECE);
            if from >= self.text.len() {
                return done;
            }
            let mut starts = Vec::new();
            let to = (from + PIECE).min(self.text.len());
            keyword_starts(self.text.as_bytes(), from..to, &mut starts);
            done.push((i, starts));
        }
    }

    /// Runs the rules on the keyword starts of every piece, as [`scan`] would on the whole
    /// text. `searched` must hold every piece, as returned by the calls to [`Pieces::search`].
    pub(crate) fn scan(&self, mut searched: Vec<(usize, Starts)>, out: &mut Vec<Found>) {
        searched.sort_unstable_by_key(|(i, _)| *i);
        debug_assert!(searched.iter().enumerate().all(|(n, (i, _))| n == *i));
        let mut positions: Starts = Vec::new();
        for (_, starts) in searched {
            if positions.is_empty() {
                positions = starts;
                continue;
            }
            for (all, more) in positions.iter_mut().zip(starts) {
                all.extend(more);
            }
        }
        run_rules(self.text, positions, out);
    }
}

/// Runs each rule whose keywords start at `positions`.
fn run_rules(text: &str, mut positions: Starts, out: &mut Vec<Found>) {
    let bytes = text.as_bytes();
    for (rule, pos) in RULES.iter().zip(positions.iter_mut()) {
        if pos.is_empty() {
            continue;
        }
        // Ascending whatever order the matcher reports in (already sorted: linear).
        pos.sort_unstable();
        let mut spans = Vec::new();
        match &rule.engine {
            Engine::Regex {
                pattern,
                group,
                check,
            } => {
                let regex = rule.regex(pattern);
                for (ws, we) in line_windows(bytes, pos) {
                    let hay = &bytes[ws..we];
                    let mut at = 0;
                    // Not `captures_iter`: a rejected match must not hide a secret that starts
                    // inside it (`Password=ghp_…+password=<key>`), so the search resumes at the
                    // rejected value rather than after it. Values are bounded (256 bytes), so
                    // the rescanning stays linear in the window.
                    while at <= hay.len() {
                        let Some(caps) = regex.captures_at(hay, at) else {
                            break;
                        };
                        let Some(whole) = caps.get(0) else {
                            break;
                        };
                        let m = caps.get(*group).unwrap_or(whole);
                        let secret = (ws + m.start(), ws + m.end());
                        let next = if check(bytes, &caps, ws, secret) {
                            spans.push(secret);
                            m.end()
                        } else {
                            m.start()
                        };
                        at = next.max(whole.start() + 1);
                    }
                }
            }
            Engine::Custom(custom) => custom(bytes, pos, &mut spans),
        }
        out.extend(spans.into_iter().map(|(start, end)| Found {
            rule: Cow::Borrowed(rule.id),
            description: Cow::Borrowed(rule.description),
            kind: Category::Secret,
            priority: rule.priority,
            start,
            end,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_patterns_compile() {
        for rule in &RULES {
            if let Engine::Regex { pattern, group, .. } = &rule.engine {
                let re = build_regex(pattern, false).unwrap_or_else(|e| panic!("{}: {e}", rule.id));
                assert!(re.captures_len() > *group, "{}: group {group}", rule.id);
            }
            assert!(rule.id.starts_with("secrets."), "{}", rule.id);
            for kw in rule.keywords {
                assert_eq!(*kw, kw.to_ascii_lowercase(), "{}: keyword {kw}", rule.id);
            }
        }
        let _ = &PREFILTER.set;
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len(), "rule ids are unique");
    }

    #[test]
    fn every_builtin_keyword_is_found_in_any_case() {
        let keywords: Vec<&str> = RULES
            .iter()
            .flat_map(|r| r.keywords.iter().copied())
            .collect();
        let mut text = String::new();
        for kw in &keywords {
            text.push_str(&format!("x{kw}y {} {kw}{kw}\n", kw.to_ascii_uppercase()));
        }
        let mut found = Vec::new();
        PREFILTER
            .set
            .for_each_match(text.as_bytes(), |k, s| found.push((k, s)));
        let want = crate::scan::keywords::tests::reference(&keywords, text.as_bytes());
        assert!(want.len() >= 4 * keywords.len());
        found.sort_unstable();
        assert_eq!(found, want);
    }
}
