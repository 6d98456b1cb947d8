//! The give-up path: dangerous findings decide even where the analysis gave up.
//!
//! When the analyser gives up on part of a command because of a cap (the parser's depth, input
//! size or node count; the walk's command count or nesting; the re-parse depth or script total;
//! a word that expands past its limits) or a parse error, the command is `shell.opaque`, which
//! prototype defers. An attacker can use that: `sudo id` inside 70 nested subshells, or
//! `curl … | sh` after a 1 MiB argument. CONTROLS.md (December 2026) says C5, C7, C8 and C17
//! findings in any fragment the analyser could read decide in every profile.
//!
//! So the text it gave up on is cut into **fragments** ([`fragments`]): one linear pass, with
//! an explicit stack instead of recursion, that splits at command separators (`;`, `&`, `&&`,
//! `||`, newlines, an unmatched `)`) and lifts every `( … )`, `$( … )` and `` ` … ` `` out
//! into fragments of its own, however deep they nest. Quotes are kept (a quoted `;` is not a
//! separator), a word longer than [`WORD_MAX`] is replaced by `_`, and a fragment longer than
//! [`FRAGMENT_MAX`] loses its middle words. Each fragment is then parsed and analysed as a
//! command of its own (in batches, so that `curl -o x.sh …; sh x.sh` keeps its order), with
//! fresh caps; what it finds of C5 (`shell.privileged.*`), C7 (`shell.delete-catastrophic`,
//! `git.*` history and work loss) and C8 (`shell.remote-code`) joins the report, with its
//! writes and deletes (for C17 and the other path controls). Nothing else joins: the command
//! stays opaque, and its other findings are still those of the analysis proper.
//!
//! Linear: every byte of the text is copied into at most `1 + INLINE_HEIGHT` fragments, each
//! fragment is parsed once in its batch (and once more alone if the batch does not parse), a
//! fragment repeated with no change of the shell's state in between is analysed once, and at
//! most [`ANALYSED_MAX`] bytes of fragments (1 MiB, the parser's own input cap) are analysed
//! for one command, levels included: the rescan costs at most what one command at the cap
//! costs. What lies past that budget stays opaque (docs/residual-risks.md row 26).

use super::ShellEnv;
use super::ShellReport;
use super::analyser;
use super::parser;

/// The longest word kept in a fragment: the analyser's own limit on a word.
pub const WORD_MAX: usize = super::word::MAX_FIELD_LEN;
/// A fragment longer than this loses its middle words (from [`FRAGMENT_HEAD`] on).
pub const FRAGMENT_MAX: usize = 128 * 1024;
const FRAGMENT_HEAD: usize = 16 * 1024;
/// A group `( … )` this short, of nesting height below [`INLINE_HEIGHT`], is also kept inline
/// in the fragment around it, so that `sh <(curl …)` and `bash -c "$(curl …)"` keep their
/// meaning.
const INLINE_MAX: usize = 4 * 1024;
const INLINE_HEIGHT: u8 = 4;
/// Fragments analysed together, at most.
const BATCH_FRAGMENTS: usize = 500;
const BATCH_BYTES: usize = 256 * 1024;
/// The most bytes of given-up strings (`bash -c "$X"` past the re-parse caps) one analysis
/// keeps for the rescan.
pub const KEPT_MAX: usize = 1 << 20;
/// How many times text given up on inside a rescan is rescanned in turn.
pub const MAX_LEVELS: usize = 3;

/// The most fragment text one command's rescan analyses, all levels together: as much as the
/// parser accepts in one command, so the rescan costs at most what analysing one command at
/// the cap costs. Cutting into fragments is not counted: it is one cheap pass.
pub const ANALYSED_MAX: usize = parser::MAX_INPUT;

/// The rescan budget of one command.
pub fn budget_for(_command: &str) -> usize {
    ANALYSED_MAX
}

/// Whether a rule is one that decides in every profile whatever else is opaque: C5, C7, C8.
/// (C17 comes from the writes and deletes, which join the report whole.)
pub fn is_dangerous(rule: &str) -> bool {
    rule.starts_with("shell.privileged")
        || rule == super::programs::destructive::RULE
        || rule == super::programs::remote::RULE
        || rule == super::programs::git::FORCE_PUSH
        || rule == super::programs::git::WORK_LOSS
}

/// Rescans `texts` (what the analysis gave up on) and adds what the fragments show to
/// `report`. `level` is the rescan depth of the analysis that gave up. Fragments are analysed
/// as they are cut, and cutting stops when the budget is spent.
pub(crate) fn rescan(
    report: &mut ShellReport,
    texts: &[&str],
    env: &ShellEnv,
    level: usize,
    budget: &mut usize,
) {
    if level >= MAX_LEVELS {
        return;
    }
    let mut seen: std::collections::HashSet<super::Access> =
        report.accesses.iter().cloned().collect();
    for &text in texts {
        if *budget == 0 {
            return;
        }
        // A fragment seen before, with nothing in between that changes the shell's state,
        // shows nothing new: large repetitive text (data in a here-document, `true;` ×10⁵)
        // costs one analysis per distinct line.
        let mut memo = std::collections::HashSet::new();
        let mut batch: Vec<String> = Vec::new();
        let mut bytes = 0;
        let mut flush = |batch: &mut Vec<String>, bytes: &mut usize, budget: &mut usize| {
            if !batch.is_empty() {
                let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
                analyse_batch(report, &refs, env, level, budget, &mut seen);
                batch.clear();
                *bytes = 0;
            }
            *budget > 0
        };
        each_fragment(text, &mut |f: String| {
            if changes_state(&f) {
                memo.clear();
            } else if memo.contains(&f) {
                return true;
            } else {
                memo.insert(f.clone());
            }
            // A here-document operator would take the fragments after it as its body: such a
            // fragment is analysed alone.
            if has_heredoc(&f) {
                return flush(&mut batch, &mut bytes, budget)
                    && flush(&mut vec![f], &mut 0, budget);
            }
            if (batch.len() >= BATCH_FRAGMENTS || bytes + f.len() > BATCH_BYTES)
                && !flush(&mut batch, &mut bytes, budget)
            {
                return false;
            }
            bytes += f.len() + 1;
            batch.push(f);
            true
        });
        flush(&mut batch, &mut bytes, budget);
    }
}

fn has_heredoc(f: &str) -> bool {
    let b = f.as_bytes();
    b.windows(2)
        .enumerate()
        .any(|(i, w)| w == b"<<" && b.get(i + 2) != Some(&b'<') && (i == 0 || b[i - 1] != b'<'))
}

/// Analyses the fragments as one command if they parse together, else each alone; keeps the
/// dangerous findings and the writes and deletes.
fn analyse_batch(
    report: &mut ShellReport,
    batch: &[&str],
    env: &ShellEnv,
    level: usize,
    budget: &mut usize,
    seen: &mut std::collections::HashSet<super::Access>,
) {
    let joined = batch.join("\n");
    if !spend(budget, joined.len()) {
        return;
    }
    let (sub, parsed) = analyser::run_level(&joined, env, level + 1, budget);
    keep(report, sub, seen);
    if !parsed {
        for f in batch {
            if !spend(budget, f.len()) {
                return;
            }
            let (sub, _) = analyser::run_level(f, env, level + 1, budget);
            keep(report, sub, seen);
        }
    }
}

/// Takes `n` bytes from the budget, if it has them.
fn spend(budget: &mut usize, n: usize) -> bool {
    if n > *budget {
        *budget = 0;
        return false;
    }
    *budget -= n;
    true
}

fn keep(
    report: &mut ShellReport,
    sub: ShellReport,
    seen: &mut std::collections::HashSet<super::Access>,
) {
    report
        .findings
        .extend(sub.findings.into_iter().filter(|f| is_dangerous(&f.rule)));
    for a in sub.accesses {
        if matches!(a.kind, super::AccessKind::Write | super::AccessKind::Delete)
            && seen.insert(a.clone())
        {
            report.accesses.push(a);
        }
    }
}

/// Whether a fragment may change what later fragments mean: an assignment, or a bash builtin
/// that changes the shell's state (directory, variables, options, aliases, functions). Fixed by
/// bash, not a list of programs.
fn changes_state(f: &str) -> bool {
    const BUILTINS: &[&str] = &[
        "cd",
        "pushd",
        "popd",
        "set",
        "shopt",
        "export",
        "unset",
        "declare",
        "typeset",
        "local",
        "readonly",
        "alias",
        "unalias",
        "source",
        ".",
        "enable",
        "hash",
        "builtin",
        "command",
        "eval",
        "exec",
        "trap",
        "read",
        "mapfile",
        "readarray",
        "let",
        "getopts",
        "shift",
    ];
    let first = f.split_ascii_whitespace().next().unwrap_or("");
    f.contains('=') || BUILTINS.contains(&first)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Close {
    Top,
    Paren,
    Backtick,
}

/// One code level: the top of the text, or the inside of a group.
struct Level {
    buf: Vec<u8>,
    close: Close,
    /// Inside `"…"` at this level.
    dq: bool,
    /// Where the group starts in the text (its `$`, `(` or `` ` ``).
    open_at: usize,
    /// Where the current word starts in `buf`.
    word_start: Option<usize>,
    /// The current word is over [`WORD_MAX`]: it is `_` in `buf`, and the rest is dropped.
    skipping: bool,
    /// The first word boundary at or after [`FRAGMENT_HEAD`], and the latest one.
    head_cut: Option<usize>,
    last_safe: usize,
    /// How deeply groups are inlined in this level's fragment.
    height: u8,
}

impl Level {
    fn new(close: Close, open_at: usize) -> Level {
        Level {
            buf: Vec::new(),
            close,
            dq: false,
            open_at,
            word_start: None,
            skipping: false,
            head_cut: None,
            last_safe: 0,
            height: 0,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        if self.skipping {
            return;
        }
        let start = *self.word_start.get_or_insert(self.buf.len());
        self.buf.extend_from_slice(bytes);
        if self.buf.len() - start > WORD_MAX {
            self.buf.truncate(start);
            self.buf.push(b'_');
            self.skipping = true;
        }
    }

    /// Unquoted blank at this level: the word ends, and a fragment too long loses its middle.
    fn blank(&mut self, b: u8) {
        self.word_start = None;
        self.skipping = false;
        self.buf.push(b);
        self.last_safe = self.buf.len();
        if self.head_cut.is_none() && self.buf.len() >= FRAGMENT_HEAD {
            self.head_cut = Some(self.buf.len());
        }
        if self.buf.len() > FRAGMENT_MAX
            && let Some(h) = self.head_cut
            && self.last_safe > h + 3
        {
            self.buf.splice(h..self.last_safe, *b"_ ");
            self.last_safe = h + 2;
        }
    }

    /// Ends the current fragment.
    fn emit(&mut self, out: &mut Sink) {
        let text = strip_keywords(&self.buf);
        if text.iter().any(|b| !b.is_ascii_whitespace()) {
            // Cuts are made only at ASCII bytes, so the text is still UTF-8.
            out.push(String::from_utf8_lossy(text).into_owned());
        }
        self.buf.clear();
        self.word_start = None;
        self.skipping = false;
        self.head_cut = None;
        self.last_safe = 0;
        self.height = 0;
    }
}

/// Where fragments go, until the taker has had enough.
struct Sink<'t> {
    take: &'t mut dyn FnMut(String) -> bool,
    stopped: bool,
}

impl Sink<'_> {
    fn push(&mut self, f: String) {
        if !self.stopped && !(self.take)(f) {
            self.stopped = true;
        }
    }
}

/// Leading reserved words and `{`, `}`, `!`: after a cut, `then sudo id` is the command
/// `sudo id`.
fn strip_keywords(mut b: &[u8]) -> &[u8] {
    const WORDS: &[&[u8]] = &[
        b"!", b"{", b"}", b"if", b"then", b"else", b"elif", b"fi", b"do", b"done", b"while",
        b"until", b"time", b"esac",
    ];
    loop {
        let start = b
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(b.len());
        b = &b[start..];
        let end = b
            .iter()
            .position(|c| c.is_ascii_whitespace())
            .unwrap_or(b.len());
        if end > 0 && WORDS.contains(&&b[..end]) {
            b = &b[end..];
        } else {
            return b;
        }
    }
}

/// Cuts `text` into the fragments bash would run as commands, as described in the module
/// documentation.
pub fn fragments(text: &str, out: &mut Vec<String>) {
    each_fragment(text, &mut |f| {
        out.push(f);
        true
    });
}

/// [`fragments`], handing each fragment to `take` as it is cut, until `take` says stop. One
/// pass; the stack of open groups is a `Vec`, so nesting has no limit.
pub fn each_fragment(text: &str, take: &mut dyn FnMut(String) -> bool) {
    let mut out = Sink {
        take,
        stopped: false,
    };
    let out = &mut out;
    let t = text.as_bytes();
    let mut stack: Vec<Level> = vec![Level::new(Close::Top, 0)];
    let mut i = 0;
    while i < t.len() && !out.stopped {
        let b = t[i];
        let top = stack.last_mut().expect("the top level is never popped");
        let next = t.get(i + 1).copied();
        if top.dq {
            match b {
                b'"' => {
                    top.dq = false;
                    top.push(b"\"");
                }
                b'\\' => {
                    let end = (i + 2).min(t.len());
                    top.push(&t[i..end]);
                    i = end;
                    continue;
                }
                b'$' if next == Some(b'(') => {
                    stack.push(Level::new(Close::Paren, i));
                    i += 2;
                    continue;
                }
                b'`' => stack.push(Level::new(Close::Backtick, i)),
                _ => top.push(&t[i..=i]),
            }
            i += 1;
            continue;
        }
        match b {
            b'\\' => {
                if next == Some(b'\n') {
                    i += 2;
                    continue;
                }
                let end = (i + 2).min(t.len());
                top.push(&t[i..end]);
                i = end;
                continue;
            }
            b'\'' => {
                let end = t[i + 1..]
                    .iter()
                    .position(|&c| c == b'\'')
                    .map_or(t.len(), |p| i + 1 + p + 1);
                top.push(&t[i..end]);
                i = end;
                continue;
            }
            b'"' => {
                top.dq = true;
                top.push(b"\"");
            }
            b'#' if top.word_start.is_none() => {
                // A comment runs to the end of the line; what follows `#` is not run.
                i = t[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(t.len(), |p| i + p);
                continue;
            }
            b'$' if next == Some(b'(') => {
                stack.push(Level::new(Close::Paren, i));
                i += 2;
                continue;
            }
            b'(' => {
                if next == Some(b')') {
                    // `f()`: a function's name; its body follows as a fragment of its own.
                    top.emit(out);
                    i += 2;
                    continue;
                }
                stack.push(Level::new(Close::Paren, i));
            }
            b'`' if top.close == Close::Backtick => close(&mut stack, t, i, out),
            b'`' => stack.push(Level::new(Close::Backtick, i)),
            b')' if top.close == Close::Paren => close(&mut stack, t, i, out),
            b')' | b';' | b'\n' => top.emit(out),
            b'&' => {
                let prev = top.buf.last().copied();
                if matches!(prev, Some(b'>' | b'<')) || next == Some(b'>') {
                    // `2>&1`, `&>file`: a redirection, not a separator.
                    top.push(b"&");
                } else {
                    top.emit(out);
                    if next == Some(b'&') {
                        i += 1;
                    }
                }
            }
            b'|' if next == Some(b'|') => {
                top.emit(out);
                i += 1;
            }
            b' ' | b'\t' | b'\r' => top.blank(b),
            _ => top.push(&t[i..=i]),
        }
        i += 1;
    }
    while let Some(mut level) = stack.pop() {
        level.emit(out);
    }
}

/// Closes the group at the top of `stack` at `t[i]`: its fragment is emitted, and the group is
/// kept inline in the fragment around it when short and shallow (else `_` stands for it). What
/// is inlined is the group's own fragment (with its own inlines and `_`s), not its raw text, so
/// a byte is copied into at most `INLINE_HEIGHT` enclosing fragments.
fn close(stack: &mut Vec<Level>, t: &[u8], i: usize, out: &mut Sink) {
    let mut inner = stack.pop().expect("a group is open");
    let height = inner.height;
    let inline = (inner.buf.len() <= INLINE_MAX && height < INLINE_HEIGHT).then(|| {
        let open: &[u8] = match t[inner.open_at] {
            b'$' => b"$(",
            b'`' => b"`",
            _ => b"(",
        };
        [open, &inner.buf, &t[i..=i]].concat()
    });
    inner.emit(out);
    let outer = stack.last_mut().expect("the top level is never popped");
    match inline {
        Some(text) => {
            outer.push(&text);
            outer.height = outer.height.max(height + 1);
        }
        None => outer.push(b"_"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frags(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        fragments(s, &mut out);
        out.into_iter().map(|f| f.trim().to_string()).collect()
    }

    #[test]
    fn separators_groups_and_keywords() {
        assert_eq!(
            frags("a; b && c || d & e\nf"),
            ["a", "b", "c", "d", "e", "f"]
        );
        assert!(frags("(((sudo id)))").contains(&"sudo id".to_string()));
        assert!(frags("echo $(echo $(sudo id))").contains(&"sudo id".to_string()));
        assert!(frags("if true; then sudo id; fi").contains(&"sudo id".to_string()));
        assert!(frags("f() { sudo id; }").contains(&"sudo id".to_string()));
        assert!(frags("case x in a) sudo id;; esac").contains(&"sudo id".to_string()));
        // Quotes hold their separators; a comment is not run; redirections are not separators.
        assert_eq!(frags("echo 'a; b' \"c; d\""), ["echo 'a; b' \"c; d\""]);
        assert_eq!(frags("ls # ; sudo id\nx"), ["ls", "x"]);
        assert_eq!(frags("make 2>&1 | tee log"), ["make 2>&1 | tee log"]);
        // A short group stays inline around it too.
        assert!(frags("sh <(curl -s https://x)").contains(&"sh <(curl -s https://x)".to_string()));
    }

    #[test]
    fn long_words_and_fragments_are_cut() {
        let long = "A".repeat(WORD_MAX + 10);
        assert_eq!(
            frags(&format!("curl https://x/{long} | sh")),
            ["curl _ | sh"]
        );
        let quoted = format!("echo \"{}\"; sudo id", "a b ".repeat(WORD_MAX));
        assert_eq!(frags(&quoted), ["echo _", "sudo id"]);
        let many = format!("curl https://x {} | sh", "a ".repeat(FRAGMENT_MAX));
        let f = frags(&many);
        assert_eq!(f.len(), 1);
        assert!(f[0].len() <= FRAGMENT_MAX + 8, "{}", f[0].len());
        assert!(
            f[0].starts_with("curl https://x a") && f[0].ends_with(" | sh"),
            "{}",
            &f[0][f[0].len() - 20..]
        );
    }

    #[test]
    fn deep_nesting_is_linear_and_complete() {
        for depth in [1, 63, 64, 65, 70, 10_000] {
            let s = format!("{}sudo id{}", "(".repeat(depth), ")".repeat(depth));
            assert!(frags(&s).contains(&"sudo id".to_string()), "{depth}");
            let s = format!("{}sudo id{}", "echo $(".repeat(depth), ")".repeat(depth));
            let f = frags(&s);
            assert!(f.contains(&"sudo id".to_string()), "{depth}");
            let total: usize = f.iter().map(String::len).sum();
            assert!(
                total <= (INLINE_HEIGHT as usize + 1) * s.len(),
                "{depth}: {total}"
            );
        }
    }
}
