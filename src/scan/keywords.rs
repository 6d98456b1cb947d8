//! The keyword matcher of the secret prefilter: every occurrence of every keyword, overlaps
//! included, ASCII case-insensitively, with almost nothing to build (ADR 0009).
//!
//! It reports the same `(keyword, start)` pairs as an Aho-Corasick automaton built with
//! `ascii_case_insensitive(true)` and `MatchKind::Standard` and searched with
//! `find_overlapping_iter` (the property tests below check it), but it is built in tens of
//! thousands of instructions instead of one to four million, and searches a long text in about
//! half the instructions per byte of aho-corasick's DFA.
//!
//! How: every keyword is at least [`MIN_LEN`] bytes long, so a keyword starting at `i` covers
//! the byte pairs at `i` and `i + 1`, one of which starts at an odd offset. The search reads the
//! pairs at odd offsets, eight bytes at a time, and tests each against a bitset (64 Ki bits) of
//! every keyword's first and second pair. On a hit, each of the two starts it could belong to
//! is kept only if its first pair is some keyword's first pair and its second pair some
//! keyword's second pair; then the keywords of its bucket (a hash of its first three bytes) are
//! compared with the text there, ASCII case-insensitively. Bytes are folded by `| 0x20` for the
//! bitsets and buckets: ASCII capitals onto lowercase and a few other bytes onto each other
//! (`\r` onto `-`, for instance), a filter that lets through a little more than it must, never
//! less, since the final comparison is exact.

/// The shortest keyword the matcher accepts: the filter reads two bytes and the buckets three.
pub(crate) const MIN_LEN: usize = 3;

/// Number of trigram buckets (a power of two).
const BUCKETS: usize = 256;

/// A set of keywords, each at least [`MIN_LEN`] bytes, searched ASCII case-insensitively.
pub(crate) struct KeywordSet {
    /// The keywords, lowercased, one after another: keyword `k` (its index in the caller's
    /// list) is `bytes[spans[k].0..spans[k].1]`. One allocation, not one per keyword.
    bytes: Vec<u8>,
    spans: Vec<(usize, usize)>,
    /// Three sets of byte pairs, 64 Ki bits each, indexed by [`pair`]: the first two bytes of
    /// some keyword ([`FIRST`]), its second and third ([`SECOND`]), either ([`ANY`]).
    bits: Box<PairSets>,
    /// `order[start[b]..start[b + 1]]` are the keywords whose first three bytes hash to `b`.
    start: [u8; BUCKETS + 1],
    order: Vec<u8>,
}

/// Folds a byte for the filter: ASCII capitals onto lowercase, some other bytes onto each
/// other. Equal ignoring ASCII case implies equal folded.
#[inline(always)]
fn fold(b: u8) -> u8 {
    b | 0x20
}

/// The three pair sets, [`FIRST`], [`SECOND`] and [`ANY`].
type PairSets = [[u64; 1024]; 3];

const FIRST: usize = 0;
const SECOND: usize = 1;
const ANY: usize = 2;

/// Two folded bytes as a bit index.
#[inline(always)]
fn pair(a: u8, b: u8) -> usize {
    usize::from(u16::from_le_bytes([fold(a), fold(b)]))
}

/// Whether bit `p` of a pair set is set.
#[inline(always)]
fn test(set: &[u64; 1024], p: usize) -> bool {
    (set[(p >> 6) & 1023] >> (p & 63)) & 1 != 0
}

/// The bucket of three folded bytes.
#[inline(always)]
fn bucket(a: u8, b: u8, c: u8) -> usize {
    let t = u32::from(a) | u32::from(b) << 8 | u32::from(c) << 16;
    (t.wrapping_mul(0x9E37_79B1) >> 24) as usize & (BUCKETS - 1)
}

/// Why a keyword set could not be built.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum KeywordError {
    /// A keyword shorter than [`MIN_LEN`] bytes.
    TooShort,
    /// More than 255 keywords.
    TooMany,
}

impl KeywordSet {
    /// Builds the set. Fails on a keyword shorter than [`MIN_LEN`] or more than 255 keywords.
    pub(crate) fn new<S: AsRef<[u8]>>(keywords: &[S]) -> Result<KeywordSet, KeywordError> {
        if keywords.len() > usize::from(u8::MAX) {
            return Err(KeywordError::TooMany);
        }
        let mut bits = Box::new([[0u64; 1024]; 3]);
        let mut counts = [0u8; BUCKETS + 1];
        let total = keywords.iter().map(|k| k.as_ref().len()).sum();
        let mut bytes = Vec::with_capacity(total);
        let mut spans = Vec::with_capacity(keywords.len());
        let mut buckets = Vec::with_capacity(keywords.len());
        for kw in keywords {
            let kw = kw.as_ref();
            if kw.len() < MIN_LEN {
                return Err(KeywordError::TooShort);
            }
            let from = bytes.len();
            bytes.extend(kw.iter().map(u8::to_ascii_lowercase));
            spans.push((from, bytes.len()));
            let lower = &bytes[from..];
            for (set, at) in [(FIRST, 0), (SECOND, 1)] {
                let p = pair(lower[at], lower[at + 1]);
                for s in [set, ANY] {
                    bits[s][p >> 6] |= 1 << (p & 63);
                }
            }
            let b = bucket(fold(lower[0]), fold(lower[1]), fold(lower[2]));
            counts[b + 1] += 1;
            buckets.push(b);
        }
        let mut start = [0u8; BUCKETS + 1];
        for b in 0..BUCKETS {
            start[b + 1] = start[b] + counts[b + 1];
        }
        let mut next = start;
        let mut order = vec![0u8; keywords.len()];
        for (i, &b) in buckets.iter().enumerate() {
            order[usize::from(next[b])] = i as u8;
            next[b] += 1;
        }
        Ok(KeywordSet {
            bytes,
            spans,
            bits,
            start,
            order,
        })
    }

    /// Calls `report(keyword, start)` for every occurrence of every keyword in `text`,
    /// overlaps included, in order of `start` (keywords starting at the same byte in bucket
    /// order, which callers must not rely on).
    pub(crate) fn for_each_match(&self, text: &[u8], mut report: impl FnMut(usize, usize)) {
        if text.len() < MIN_LEN {
            return;
        }
        // A keyword starting at `i` covers the pairs at `i` and `i + 1`, one of which is odd:
        // testing only the pairs at odd offsets against the union of first and second pairs
        // finds every start, with half the tests. The last pair read ends at the last byte.
        let last = text.len() - MIN_LEN;
        // A local reference: once this is inlined into a caller whose set is a `static`, the
        // compiler would otherwise reload the sets' address on every pair.
        let sets: &PairSets = &self.bits;
        // Eight bytes, four pairs, at a time; then the pairs left over.
        let body = &text[1..];
        let octs = body.chunks_exact(8);
        let tail = octs.remainder();
        for (q, w) in octs.enumerate() {
            let v = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]])
                | 0x2020_2020_2020_2020;
            for h in 0..4 {
                let p = ((v >> (16 * h)) & 0xffff) as usize;
                if test(&sets[ANY], p) {
                    self.try_pair(sets, text, 8 * q + 2 * h + 1, p, last, &mut report);
                }
            }
        }
        for (h, w) in tail.chunks_exact(2).enumerate() {
            let j = text.len() - tail.len() + 2 * h;
            let p = pair(w[0], w[1]);
            if test(&sets[ANY], p) {
                self.try_pair(sets, text, j, p, last, &mut report);
            }
        }
    }

    /// The pair `p` at odd `j` is a first or a second pair of some keyword: `text[j - 1..]`
    /// can start a keyword only if its two pairs are a first and a second pair of keywords;
    /// likewise `text[j..]`. Those that can go on to [`Self::verify`].
    #[inline(always)]
    fn try_pair(
        &self,
        sets: &PairSets,
        text: &[u8],
        j: usize,
        p: usize,
        last: usize,
        report: &mut impl FnMut(usize, usize),
    ) {
        if test(&sets[SECOND], p) && test(&sets[FIRST], pair(text[j - 1], text[j])) {
            self.verify(text, j - 1, report);
        }
        if j <= last && test(&sets[FIRST], p) && test(&sets[SECOND], pair(text[j + 1], text[j + 2]))
        {
            self.verify(text, j, report);
        }
    }

    /// Compares the keywords of the bucket of `text[at..at + 3]` with the text at `at`.
    #[inline(never)]
    fn verify(&self, text: &[u8], at: usize, report: &mut impl FnMut(usize, usize)) {
        let b = bucket(fold(text[at]), fold(text[at + 1]), fold(text[at + 2]));
        let range = usize::from(self.start[b])..usize::from(self.start[b + 1]);
        for &k in &self.order[range] {
            let k = usize::from(k);
            let (from, to) = self.spans[k];
            let kw = &self.bytes[from..to];
            if text.get(at..at + kw.len()).is_some_and(|t| {
                t.iter()
                    .zip(kw.iter())
                    .all(|(a, b)| a.to_ascii_lowercase() == *b)
            }) {
                report(k, at);
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::{KeywordError, KeywordSet};
    use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
    use proptest::prelude::*;
    use std::sync::LazyLock;

    /// The built-in keywords, their set and their automaton, built once for all cases.
    static BUILTIN: LazyLock<(KeywordSet, AhoCorasick)> = LazyLock::new(|| {
        let kws = builtin();
        (KeywordSet::new(&kws).unwrap(), automaton(&kws))
    });

    /// The specification: every `(keyword, start)` aho-corasick reports with the options the
    /// prefilter used to have, sorted.
    pub(crate) fn reference<S: AsRef<[u8]>>(keywords: &[S], text: &[u8]) -> Vec<(usize, usize)> {
        reference_with(&automaton(keywords), text)
    }

    fn automaton<S: AsRef<[u8]>>(keywords: &[S]) -> AhoCorasick {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(keywords)
            .expect("test keywords build an automaton")
    }

    fn reference_with(ac: &AhoCorasick, text: &[u8]) -> Vec<(usize, usize)> {
        let mut all: Vec<_> = ac
            .find_overlapping_iter(text)
            .map(|m| (m.pattern().as_usize(), m.start()))
            .collect();
        all.sort_unstable();
        all
    }

    fn found(set: &KeywordSet, text: &[u8]) -> Vec<(usize, usize)> {
        let mut all = Vec::new();
        set.for_each_match(text, |k, s| all.push((k, s)));
        let mut sorted = all.clone();
        sorted.sort_unstable();
        assert!(
            all.windows(2).all(|w| w[0].1 <= w[1].1),
            "reported in order of start"
        );
        sorted
    }

    fn builtin() -> Vec<&'static str> {
        super::super::secrets::RULES
            .iter()
            .flat_map(|r| r.keywords.iter().copied())
            .collect()
    }

    #[test]
    fn builtin_table() {
        let kws = builtin();
        let set = KeywordSet::new(&kws).unwrap();
        let cases: &[(&str, &[(&str, usize)])] = &[
            ("", &[]),
            ("a", &[]),
            ("ey", &[]),
            ("eyj", &[("eyj", 0)]),
            ("EYJ", &[("eyj", 0)]),
            ("xEyJ", &[("eyj", 1)]),
            ("AKIAakia", &[("akia", 0), ("akia", 4)]),
            (
                "Secret_Access_Key",
                &[("secret", 0), ("secret_access_key", 0), ("access_key", 7)],
            ),
            ("PWD=", &[("pwd", 0), ("pwd", 0)]),
            ("https://", &[("://", 5)]),
            ("sk\rant\rsk-ant-", &[("sk-ant-", 7)]),
            ("glrtr-x", &[("glrtr-", 0)]),
            ("glrt-", &[("glrt-", 0)]),
            ("passwor", &[("passw", 0)]),
            ("é:/\u{2014}://", &[("://", 7)]),
            ("_private_key_", &[("private_key", 1)]),
            ("\x7fprivate\x7fkey", &[]),
        ];
        for (text, want) in cases {
            let mut want: Vec<(usize, usize)> = want
                .iter()
                .flat_map(|(kw, s)| {
                    let ids: Vec<_> = (0..kws.len()).filter(|&i| kws[i] == *kw).collect();
                    assert!(!ids.is_empty(), "{kw} is a keyword");
                    ids.into_iter().map(move |i| (i, *s))
                })
                .collect();
            want.sort_unstable();
            want.dedup();
            assert_eq!(found(&set, text.as_bytes()), want, "{text:?}");
            assert_eq!(want, reference(&kws, text.as_bytes()), "{text:?}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_search() {
        assert_eq!(KeywordSet::new(&["ab"]).err(), Some(KeywordError::TooShort));
        assert_eq!(KeywordSet::new(&[""]).err(), Some(KeywordError::TooShort));
        let many: Vec<String> = (0..256).map(|i| format!("k{i:03}")).collect();
        assert_eq!(KeywordSet::new(&many).err(), Some(KeywordError::TooMany));
        assert!(KeywordSet::new(&many[..255]).is_ok());
        let none: [&str; 0] = [];
        let set = KeywordSet::new(&none).unwrap();
        assert_eq!(found(&set, b"anything at all"), vec![]);
    }

    /// Text built from pieces of the built-in keywords in mixed case, punctuation, bytes that
    /// fold onto keyword bytes under `| 0x20` (`\r`, DEL, `@`), UTF-8 and arbitrary bytes.
    fn text_from_fragments() -> impl Strategy<Value = Vec<u8>> {
        let kws = builtin();
        let n = kws.len();
        let piece = prop_oneof![
            4 => (0..n, 0usize..30, 0usize..30, any::<u32>()).prop_map(move |(k, a, b, case)| {
                let kw = kws[k].as_bytes();
                let (a, b) = (a.min(kw.len()), b.min(kw.len()));
                let (a, b) = (a.min(b), a.max(b).max(if a == 0 { kw.len() } else { 0 }));
                kw[a..b]
                    .iter()
                    .enumerate()
                    .map(|(i, c)| if case >> (i % 32) & 1 == 1 { c.to_ascii_uppercase() } else { *c })
                    .collect::<Vec<u8>>()
            }),
            2 => prop::sample::select(vec![
                " ", "\n", "=", ":", "/", "-", "_", ".", "\r", "\x7f", "@", "`", "{", "[", "é",
                "\u{2014}", "\u{1F600}", "=\"", "://", "-----",
            ])
            .prop_map(|s| s.as_bytes().to_vec()),
            1 => any::<u8>().prop_map(|b| vec![b]),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn builtin_keywords_match_aho_corasick(text in text_from_fragments()) {
            let (set, ac) = &*BUILTIN;
            prop_assert_eq!(found(set, &text), reference_with(ac, &text));
        }

        #[test]
        fn short_texts_match_aho_corasick(text in prop::collection::vec(any::<u8>(), 0..=3)) {
            let (set, ac) = &*BUILTIN;
            prop_assert_eq!(found(set, &text), reference_with(ac, &text));
        }

        /// Keywords and text over a small alphabet, so that keywords overlap, share prefixes,
        /// repeat and collide under the filter's folding.
        #[test]
        fn random_keywords_match_aho_corasick(
            kws in prop::collection::vec(
                prop::collection::vec(prop::sample::select(b"aAbB-\r_\x7f@`:\xc3".to_vec()), 3..7),
                0..24,
            ),
            text in prop::collection::vec(prop::sample::select(b"aAbB-\r_\x7f@`:\xc3\xa9".to_vec()), 0..300),
        ) {
            let set = KeywordSet::new(&kws).unwrap();
            prop_assert_eq!(found(&set, &text), reference(&kws, &text));
        }
    }
}
