//! Word resolution: what bash makes of a word, where that can be known.
//!
//! Order as in bash: brace expansion, tilde expansion, parameter/command/arithmetic
//! substitution, word splitting, pathname expansion, quote removal. Values that cannot be known
//! (the environment, command output) are kept as placeholders and the field is marked
//! `unknown`; the analyser decides what an unknown value means where it is used.

use thiserror::Error;

use super::ast::{Param, ParamOp, Script, Word, WordPart};
use super::glob;

/// The most fields one word may expand to (brace expansion grows exponentially).
pub const MAX_FIELDS: usize = 1024;
/// The longest value a field may have (`X=$X$X` doubling).
pub const MAX_FIELD_LEN: usize = 64 * 1024;

/// Why a word could not be resolved at all.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum WordError {
    #[error("expansion produces more than {MAX_FIELDS} words")]
    TooManyFields,
    #[error("expansion produces a word longer than {MAX_FIELD_LEN} bytes")]
    TooLong,
    #[error("a brace expansion extends the name of a variable (`$name{{a,b}}`)")]
    BraceAfterName,
}

/// One resolved field (an argument bash would pass).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The value; unknown parts appear as they were written (`$X`, `$(...)`).
    pub value: String,
    /// Part of the value comes from something the analyser cannot know.
    pub unknown: bool,
    /// The glob pattern this field came from, when pathname expansion applied.
    pub pattern: Option<String>,
}

impl Field {
    pub fn known(value: impl Into<String>) -> Field {
        Field {
            value: value.into(),
            unknown: false,
            pattern: None,
        }
    }
}

/// The value of a variable as the analyser knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Set, with these elements (a scalar has one).
    Known(Vec<String>),
    /// Known to be unset.
    Unset,
    /// Set or not by the environment, or assigned something unknowable.
    Unknown,
}

/// What word resolution needs from the analyser.
pub trait Context {
    fn lookup(&self, name: &str) -> Lookup;
    fn assign(&mut self, name: &str, value: Option<String>);
    fn home(&self) -> Option<String>;
    /// The current directory, for `~+` and for globbing.
    fn cwd(&self) -> Option<std::path::PathBuf>;
    /// `None` when IFS has been set to something unknown.
    fn ifs(&self) -> Option<String>;
    /// Expands a glob pattern; `None` when globbing is off or the filesystem may not be read.
    fn glob(&self, pattern: &str) -> Option<Vec<String>>;
    /// Analyses a command substitution and returns its output when it is known.
    fn command_sub(&mut self, script: &Script) -> Option<String>;
    /// Analyses a process substitution and returns the path bash would pass.
    fn process_sub(&mut self, script: &Script, output: bool) -> String;
}

#[derive(Debug, Clone)]
struct Piece {
    text: String,
    quoted: bool,
    /// Came from an unquoted expansion: subject to splitting.
    split: bool,
    unknown: bool,
    /// Starts a new field regardless (`"$@"` elements after the first).
    break_before: bool,
}

/// Resolves a word into the fields bash would produce.
pub fn resolve(word: &Word, ctx: &mut dyn Context) -> Result<Vec<Field>, WordError> {
    let alternatives = brace_expand(&word.parts)?;
    let mut out = Vec::new();
    for parts in alternatives {
        let parts = tilde(&parts, ctx, false);
        let mut pieces = Vec::new();
        expand_parts(&parts, false, ctx, &mut pieces)?;
        for f in split_fields(pieces, ctx)? {
            out.extend(glob_field(f, ctx));
            if out.len() > MAX_FIELDS {
                return Err(WordError::TooManyFields);
            }
        }
    }
    Ok(out)
}

/// Resolves a word without splitting or globbing (assignment values, here-strings, case
/// words, redirection targets): one string and whether part of it is unknown.
pub fn resolve_string(word: &Word, ctx: &mut dyn Context) -> Result<(String, bool), WordError> {
    let parts = tilde(&word.parts, ctx, true);
    let mut pieces = Vec::new();
    expand_parts(&parts, true, ctx, &mut pieces)?;
    let mut s = String::new();
    let mut unknown = false;
    for p in pieces {
        if p.break_before && !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&p.text);
        unknown |= p.unknown;
        if s.len() > MAX_FIELD_LEN {
            return Err(WordError::TooLong);
        }
    }
    Ok((s, unknown))
}

/// Quotes `s` so that bash reads it back as exactly `s` (used for `normalised` and re-parsing).
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '/' | ',' | ':' | '@' | '+' | '=' | '%')
        })
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

// ------------------------------------------------------------------ brace expansion

#[derive(Debug, Clone)]
enum Atom<'a> {
    Char(char),
    Part(&'a WordPart),
}

fn brace_expand(parts: &[WordPart]) -> Result<Vec<Vec<WordPart>>, WordError> {
    let has_brace = parts
        .iter()
        .any(|p| matches!(p, WordPart::Lit(s) if s.contains('{')));
    if !has_brace {
        return Ok(vec![parts.to_vec()]);
    }
    // bash expands braces on the raw text, so `$E{,a}` becomes `$E $Ea`: a bare variable
    // name followed by a brace expansion is not resolved (fail closed).
    for w in parts.windows(2) {
        if let [WordPart::Param(p), WordPart::Lit(s)] = w
            && !p.braced
            && s.starts_with('{')
            && p.name
                .chars()
                .all(|c| c == '_' || c.is_ascii_alphanumeric())
        {
            return Err(WordError::BraceAfterName);
        }
    }
    let mut atoms = Vec::new();
    for p in parts {
        match p {
            WordPart::Lit(s) => atoms.extend(s.chars().map(Atom::Char)),
            other => atoms.push(Atom::Part(other)),
        }
    }
    let mut budget = MAX_FIELDS * 4;
    let expanded = expand_atoms(&atoms, &mut budget, 0)?;
    Ok(expanded.into_iter().map(|a| regroup(&a)).collect())
}

fn regroup(atoms: &[Atom]) -> Vec<WordPart> {
    let mut out = Vec::new();
    let mut lit = String::new();
    for a in atoms {
        match a {
            Atom::Char(c) => lit.push(*c),
            Atom::Part(p) => {
                if !lit.is_empty() {
                    out.push(WordPart::Lit(std::mem::take(&mut lit)));
                }
                out.push((*p).clone());
            }
        }
    }
    if !lit.is_empty() {
        out.push(WordPart::Lit(lit));
    }
    out
}

fn expand_atoms<'a>(
    atoms: &[Atom<'a>],
    budget: &mut usize,
    depth: usize,
) -> Result<Vec<Vec<Atom<'a>>>, WordError> {
    if depth > 32 {
        return Err(WordError::TooManyFields);
    }
    // Find the first `{` that has a matching `}` with a top-level comma or a sequence.
    let mut i = 0;
    while i < atoms.len() {
        if let Atom::Char('{') = atoms[i] {
            let mut level = 0usize;
            let mut commas = Vec::new();
            let mut close = None;
            let mut j = i + 1;
            while j < atoms.len() {
                match atoms[j] {
                    Atom::Char('{') => level += 1,
                    Atom::Char('}') if level == 0 => {
                        close = Some(j);
                        break;
                    }
                    Atom::Char('}') => level -= 1,
                    Atom::Char(',') if level == 0 => commas.push(j),
                    _ => {}
                }
                j += 1;
            }
            if let Some(close) = close {
                let prefix = &atoms[..i];
                let suffix = &atoms[close + 1..];
                let mut alts: Vec<Vec<Atom<'a>>> = Vec::new();
                if !commas.is_empty() {
                    let mut start = i + 1;
                    for &c in commas.iter().chain(std::iter::once(&close)) {
                        alts.push(atoms[start..c].to_vec());
                        start = c + 1;
                    }
                } else if let Some(seq) = sequence(&atoms[i + 1..close])? {
                    alts = seq
                        .into_iter()
                        .map(|s| s.chars().map(Atom::Char).collect())
                        .collect();
                } else {
                    i += 1;
                    continue;
                }
                let suffixes = expand_atoms(suffix, budget, depth + 1)?;
                let mut out = Vec::new();
                for alt in alts {
                    for a in expand_atoms(&alt, budget, depth + 1)? {
                        for s in &suffixes {
                            if *budget == 0 {
                                return Err(WordError::TooManyFields);
                            }
                            *budget -= 1;
                            let mut v = prefix.to_vec();
                            v.extend(a.iter().cloned());
                            v.extend(s.iter().cloned());
                            out.push(v);
                        }
                    }
                }
                return Ok(out);
            }
        }
        i += 1;
    }
    Ok(vec![atoms.to_vec()])
}

/// `{1..5}`, `{a..e}`, `{1..10..2}`; an error when the sequence is too long to analyse.
fn sequence(atoms: &[Atom]) -> Result<Option<Vec<String>>, WordError> {
    match sequence_inner(atoms) {
        Some(Some(v)) => Ok(Some(v)),
        Some(None) => Err(WordError::TooManyFields),
        None => Ok(None),
    }
}

/// `None`: not a sequence; `Some(None)`: a sequence too long to expand.
fn sequence_inner(atoms: &[Atom]) -> Option<Option<Vec<String>>> {
    let mut s = String::new();
    for a in atoms {
        match a {
            Atom::Char(c) => s.push(*c),
            Atom::Part(_) => return None,
        }
    }
    let bits: Vec<&str> = s.split("..").collect();
    if bits.len() != 2 && bits.len() != 3 {
        return None;
    }
    let step: i64 = match bits.get(2) {
        Some(x) => x.parse::<i64>().ok()?.checked_abs()?.max(1),
        None => 1,
    };
    if let (Ok(a), Ok(b)) = (bits[0].parse::<i64>(), bits[1].parse::<i64>()) {
        let count = (a - b).checked_abs()? / step + 1;
        if count > MAX_FIELDS as i64 {
            return Some(None);
        }
        let width = if bits[0].starts_with('0') || bits[1].starts_with('0') {
            bits[0].len().max(bits[1].len())
        } else {
            0
        };
        let mut out = Vec::new();
        let mut v = a;
        for _ in 0..count {
            out.push(format!("{v:0width$}"));
            v = if a <= b { v + step } else { v - step };
        }
        return Some(Some(out));
    }
    let (ca, cb) = (
        bits[0].chars().collect::<Vec<_>>(),
        bits[1].chars().collect::<Vec<_>>(),
    );
    if ca.len() == 1 && cb.len() == 1 && ca[0].is_ascii_alphabetic() && cb[0].is_ascii_alphabetic()
    {
        let (a, b) = (ca[0] as i64, cb[0] as i64);
        let mut out = Vec::new();
        let mut v = a;
        loop {
            out.push(char::from_u32(v as u32)?.to_string());
            if v == b {
                break;
            }
            v = if a <= b { v + step } else { v - step };
            if (a <= b && v > b) || (a > b && v < b) {
                break;
            }
        }
        return Some(Some(out));
    }
    None
}

// ------------------------------------------------------------------ tilde

fn tilde(parts: &[WordPart], ctx: &mut dyn Context, _assignment: bool) -> Vec<WordPart> {
    let Some(WordPart::Lit(first)) = parts.first() else {
        return parts.to_vec();
    };
    let Some(rest) = first.strip_prefix('~') else {
        return parts.to_vec();
    };
    let (user, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None if parts.len() == 1 => (rest, ""),
        // `~"x"`: the prefix runs into a quoted part, so bash does not expand it.
        None => return parts.to_vec(),
    };
    let replacement = match user {
        "" => ctx
            .home()
            .map(WordPart::Quoted)
            .unwrap_or_else(|| unknown_part("~")),
        "-" => match ctx.lookup("OLDPWD") {
            Lookup::Known(v) => WordPart::Quoted(v.join(" ")),
            _ => unknown_part("~-"),
        },
        "+" => ctx
            .cwd()
            .map(|p| WordPart::Quoted(p.to_string_lossy().into_owned()))
            .unwrap_or_else(|| unknown_part("~+")),
        _ => unknown_part(&format!("~{user}")),
    };
    let mut out = vec![replacement];
    if !tail.is_empty() {
        out.push(WordPart::Lit(tail.to_string()));
    }
    out.extend(parts[1..].iter().cloned());
    out
}

/// A parameter nobody can know, used as a stand-in for `~user` and similar.
fn unknown_part(shown: &str) -> WordPart {
    WordPart::Param(Param {
        name: format!("\u{1}{shown}"),
        braced: true,
        index: None,
        op: ParamOp::Plain,
    })
}

// ------------------------------------------------------------------ substitutions

fn expand_part(
    part: &WordPart,
    quoted: bool,
    ctx: &mut dyn Context,
    out: &mut Vec<Piece>,
) -> Result<(), WordError> {
    let piece = |text: String, quoted: bool, split: bool, unknown: bool| Piece {
        text,
        quoted,
        split,
        unknown,
        break_before: false,
    };
    match part {
        WordPart::Lit(s) => out.push(piece(s.clone(), quoted, false, false)),
        WordPart::Quoted(s) => out.push(piece(s.clone(), true, false, false)),
        WordPart::Double(inner) => {
            // An empty "" still makes a field.
            out.push(piece(String::new(), true, false, false));
            expand_parts(inner, true, ctx, out)?;
        }
        WordPart::Param(p) => expand_param(p, quoted, ctx, out)?,
        WordPart::CommandSub(script) => {
            let value = ctx.command_sub(script);
            match value {
                Some(v) => {
                    let v = v.trim_end_matches('\n').to_string();
                    out.push(piece(v, quoted, !quoted, false))
                }
                None => out.push(piece("$(…)".into(), quoted, false, true)),
            }
        }
        WordPart::ProcessSub { output, body } => {
            let path = ctx.process_sub(body, *output);
            out.push(piece(path, true, false, false));
        }
        WordPart::Arith(expr) => {
            // The expression's substitutions run; its value is a number we do not compute.
            let mut inner = Vec::new();
            expand_parts(&expr.parts, true, ctx, &mut inner)?;
            out.push(piece("$((…))".into(), quoted, false, true));
        }
    }
    if out.last().is_some_and(|p| p.text.len() > MAX_FIELD_LEN) {
        return Err(WordError::TooLong);
    }
    Ok(())
}

/// Expands parts in order, keeping a running total so that the length cap costs linear time.
fn expand_parts(
    parts: &[WordPart],
    quoted: bool,
    ctx: &mut dyn Context,
    out: &mut Vec<Piece>,
) -> Result<(), WordError> {
    let mut total: usize = out.iter().map(|p| p.text.len()).sum();
    for part in parts {
        let before = out.len();
        expand_part(part, quoted, ctx, out)?;
        total += out[before..].iter().map(|p| p.text.len()).sum::<usize>();
        if total > MAX_FIELD_LEN {
            return Err(WordError::TooLong);
        }
    }
    Ok(())
}

fn word_string(word: &Word, ctx: &mut dyn Context) -> Result<(String, bool), WordError> {
    let mut pieces = Vec::new();
    expand_parts(&word.parts, true, ctx, &mut pieces)?;
    let unknown = pieces.iter().any(|p| p.unknown);
    Ok((pieces.into_iter().map(|p| p.text).collect(), unknown))
}

fn expand_param(
    p: &Param,
    quoted: bool,
    ctx: &mut dyn Context,
    out: &mut Vec<Piece>,
) -> Result<(), WordError> {
    let shown = if let Some(s) = p.name.strip_prefix('\u{1}') {
        s.to_string()
    } else {
        format!("${{{}}}", p.name)
    };
    let unknown = |out: &mut Vec<Piece>| {
        out.push(Piece {
            text: shown.clone(),
            quoted,
            split: false,
            unknown: true,
            break_before: false,
        })
    };
    let lookup = if p.name.starts_with('\u{1}') {
        Lookup::Unknown
    } else {
        ctx.lookup(&p.name)
    };
    let all = matches!(p.index.as_deref(), Some("@") | Some("*"));
    // The value(s) selected by the index.
    let selected: Option<Option<Vec<String>>> = match &lookup {
        Lookup::Unknown => None,
        Lookup::Unset => Some(None),
        Lookup::Known(v) => match p.index.as_deref() {
            None => Some(v.first().cloned().map(|s| vec![s])),
            Some("@") | Some("*") => Some(Some(v.clone())),
            Some(i) => match i.trim().parse::<usize>() {
                Ok(n) => Some(v.get(n).cloned().map(|s| vec![s])),
                Err(_) => None,
            },
        },
    };
    let push_values = |vals: Vec<String>, out: &mut Vec<Piece>| {
        if all && quoted && p.index.as_deref() == Some("@") {
            for (k, v) in vals.into_iter().enumerate() {
                out.push(Piece {
                    text: v,
                    quoted: true,
                    split: false,
                    unknown: false,
                    break_before: k > 0,
                });
            }
        } else {
            out.push(Piece {
                text: vals.join(" "),
                quoted,
                split: !quoted,
                unknown: false,
                break_before: false,
            });
        }
    };
    let is_set_nonempty = |colon: bool, vals: &Option<Vec<String>>| match vals {
        None => false,
        Some(v) => !colon || v.iter().any(|s| !s.is_empty()),
    };
    match &p.op {
        ParamOp::Plain => match selected {
            None => unknown(out),
            Some(None) => push_values(Vec::new(), out),
            Some(Some(v)) => push_values(v, out),
        },
        ParamOp::Length => match selected {
            Some(Some(v)) => push_values(vec![v.join(" ").chars().count().to_string()], out),
            Some(None) => push_values(vec!["0".into()], out),
            None => unknown(out),
        },
        ParamOp::Indirect => unknown(out),
        ParamOp::Default { colon, word } | ParamOp::Assign { colon, word } => match selected {
            None => {
                // Substitutions in the default still run.
                let _ = word_string(word, ctx)?;
                unknown(out)
            }
            Some(v) if is_set_nonempty(*colon, &v) => push_values(v.unwrap_or_default(), out),
            Some(_) => {
                let (s, unk) = word_string(word, ctx)?;
                if matches!(p.op, ParamOp::Assign { .. }) {
                    ctx.assign(&p.name, if unk { None } else { Some(s.clone()) });
                }
                out.push(Piece {
                    text: s,
                    quoted,
                    split: !quoted,
                    unknown: unk,
                    break_before: false,
                });
            }
        },
        ParamOp::Alternative { colon, word } => match selected {
            None => {
                let _ = word_string(word, ctx)?;
                unknown(out)
            }
            Some(v) if is_set_nonempty(*colon, &v) => {
                let (s, unk) = word_string(word, ctx)?;
                out.push(Piece {
                    text: s,
                    quoted,
                    split: !quoted,
                    unknown: unk,
                    break_before: false,
                });
            }
            Some(_) => push_values(Vec::new(), out),
        },
        ParamOp::Error { word, .. } => {
            let _ = word_string(word, ctx)?;
            match selected {
                Some(Some(v)) => push_values(v, out),
                _ => unknown(out),
            }
        }
        ParamOp::Other { op, word } => {
            let (arg, unk) = word_string(word, ctx)?;
            match (selected, unk) {
                (Some(Some(v)), false) if v.len() == 1 => match transform(&v[0], op, &arg) {
                    Some(s) => push_values(vec![s], out),
                    None => unknown(out),
                },
                _ => unknown(out),
            }
        }
    }
    Ok(())
}

/// The string operators we can evaluate exactly with a literal (glob-free) pattern.
fn transform(v: &str, op: &str, arg: &str) -> Option<String> {
    if op != ":" && glob::has_glob(arg) {
        return None;
    }
    Some(match op {
        "#" | "##" => v.strip_prefix(arg).unwrap_or(v).to_string(),
        "%" | "%%" => v.strip_suffix(arg).unwrap_or(v).to_string(),
        "/" | "//" => {
            let (pat, rep) = arg.split_once('/').unwrap_or((arg, ""));
            if pat.is_empty() {
                return Some(v.to_string());
            }
            if op == "//" {
                v.replace(pat, rep)
            } else {
                v.replacen(pat, rep, 1)
            }
        }
        "/#" => {
            let (pat, rep) = arg.split_once('/').unwrap_or((arg, ""));
            match v.strip_prefix(pat) {
                Some(r) => format!("{rep}{r}"),
                None => v.to_string(),
            }
        }
        "/%" => {
            let (pat, rep) = arg.split_once('/').unwrap_or((arg, ""));
            match v.strip_suffix(pat) {
                Some(r) => format!("{r}{rep}"),
                None => v.to_string(),
            }
        }
        "^^" if arg.is_empty() => v.to_uppercase(),
        ",," if arg.is_empty() => v.to_lowercase(),
        ":" => {
            let chars: Vec<char> = v.chars().collect();
            let (off, len) = match arg.split_once(':') {
                Some((o, l)) => (o.trim(), Some(l.trim())),
                None => (arg.trim(), None),
            };
            let off: i64 = off.parse().ok()?;
            let n = chars.len() as i64;
            let start = if off < 0 {
                (n + off).max(0)
            } else {
                off.min(n)
            } as usize;
            let end = match len {
                None => chars.len(),
                Some(l) => {
                    let l: i64 = l.parse().ok()?;
                    if l < 0 {
                        ((n + l).max(start as i64)) as usize
                    } else {
                        (start + l as usize).min(chars.len())
                    }
                }
            };
            chars[start..end.max(start)].iter().collect()
        }
        _ => return None,
    })
}

// ------------------------------------------------------------------ splitting and globbing

struct Building {
    value: String,
    /// The glob pattern: the value with quoted characters escaped.
    pattern: String,
    unknown: bool,
    /// A quoted part or known text was seen, so the field exists even if empty.
    exists: bool,
    globbable: bool,
}

impl Building {
    fn new() -> Building {
        Building {
            value: String::new(),
            pattern: String::new(),
            unknown: false,
            exists: false,
            globbable: false,
        }
    }

    fn push(&mut self, text: &str, quoted: bool) {
        self.value.push_str(text);
        for c in text.chars() {
            if quoted && matches!(c, '*' | '?' | '[' | ']' | '\\') {
                self.pattern.push('\\');
            } else if !quoted && matches!(c, '*' | '?' | '[') {
                self.globbable = true;
            }
            self.pattern.push(c);
        }
    }
}

fn split_fields(pieces: Vec<Piece>, ctx: &dyn Context) -> Result<Vec<(Building, bool)>, WordError> {
    let mut fields = Vec::new();
    let mut cur = Building::new();
    let ifs = ctx.ifs();
    for p in pieces {
        if p.break_before {
            fields.push(std::mem::replace(&mut cur, Building::new()));
        }
        if p.unknown {
            cur.push(&p.text, true);
            cur.unknown = true;
            cur.exists = true;
            continue;
        }
        if !p.split {
            cur.push(&p.text, p.quoted);
            if p.quoted || !p.text.is_empty() {
                cur.exists = true;
            }
            continue;
        }
        let Some(ifs) = ifs.as_deref() else {
            // IFS unknown: the splitting of this value cannot be known.
            cur.push(&p.text, false);
            cur.unknown = true;
            cur.exists = true;
            continue;
        };
        for c in p.text.chars() {
            if ifs.contains(c) {
                if c.is_whitespace() {
                    if cur.exists {
                        fields.push(std::mem::replace(&mut cur, Building::new()));
                    }
                } else {
                    cur.exists = true;
                    fields.push(std::mem::replace(&mut cur, Building::new()));
                }
            } else {
                let mut b = [0u8; 4];
                cur.push(c.encode_utf8(&mut b), false);
                cur.exists = true;
            }
        }
        if fields.len() > MAX_FIELDS {
            return Err(WordError::TooManyFields);
        }
    }
    if cur.exists {
        fields.push(cur);
    }
    Ok(fields.into_iter().map(|b| (b, true)).collect())
}

fn glob_field((b, _): (Building, bool), ctx: &dyn Context) -> Vec<Field> {
    if b.value.len() > MAX_FIELD_LEN {
        return vec![Field {
            value: String::new(),
            unknown: true,
            pattern: None,
        }];
    }
    if !b.globbable || b.unknown || !glob::has_glob(&b.pattern) {
        return vec![Field {
            value: b.value,
            unknown: b.unknown,
            pattern: None,
        }];
    }
    match ctx.glob(&b.pattern) {
        Some(matches) if !matches.is_empty() => matches
            .into_iter()
            .map(|m| Field {
                value: m,
                unknown: false,
                pattern: Some(b.pattern.clone()),
            })
            .collect(),
        _ => vec![Field {
            value: b.value,
            unknown: false,
            pattern: Some(b.pattern),
        }],
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::shell::parser::parse;
    use std::collections::HashMap;

    /// A context with fixed variables and no filesystem.
    pub(crate) struct Fixed {
        pub vars: HashMap<String, Lookup>,
    }

    impl Context for Fixed {
        fn lookup(&self, name: &str) -> Lookup {
            self.vars.get(name).cloned().unwrap_or(Lookup::Unknown)
        }
        fn assign(&mut self, name: &str, value: Option<String>) {
            let v = match value {
                Some(v) => Lookup::Known(vec![v]),
                None => Lookup::Unknown,
            };
            self.vars.insert(name.to_string(), v);
        }
        fn home(&self) -> Option<String> {
            Some("/home/u".into())
        }
        fn cwd(&self) -> Option<std::path::PathBuf> {
            Some("/p".into())
        }
        fn ifs(&self) -> Option<String> {
            Some(" \t\n".into())
        }
        fn glob(&self, _pattern: &str) -> Option<Vec<String>> {
            None
        }
        fn command_sub(&mut self, _script: &Script) -> Option<String> {
            None
        }
        fn process_sub(&mut self, _script: &Script, _output: bool) -> String {
            "/dev/fd/63".into()
        }
    }

    fn words_of(src: &str) -> Vec<String> {
        let script = parse(src).unwrap();
        let mut ctx = Fixed {
            vars: HashMap::from([
                ("F".to_string(), Lookup::Known(vec!["-rf".into()])),
                ("E".to_string(), Lookup::Known(vec![String::new()])),
                ("S".to_string(), Lookup::Known(vec!["a b".into()])),
                ("U".to_string(), Lookup::Unset),
                (
                    "A".to_string(),
                    Lookup::Known(vec!["rm".into(), "-rf".into(), "/".into()]),
                ),
            ]),
        };
        let crate::shell::ast::Command::Simple(c) = &script.body.items[0].and_or.first.commands[0]
        else {
            panic!()
        };
        let mut out = Vec::new();
        for w in &c.words {
            for f in resolve(w, &mut ctx).unwrap() {
                out.push(f.value);
            }
        }
        out
    }

    macro_rules! resolves {
        ($($name:ident: $src:expr => [$($want:expr),*];)*) => {$(
            #[test]
            fn $name() {
                let want: Vec<String> = vec![$($want.to_string()),*];
                assert_eq!(words_of($src), want, "{}", $src);
            }
        )*};
    }

    resolves! {
        plain: "rm -rf /" => ["rm", "-rf", "/"];
        empty_quotes_inside: "r''m" => ["rm"];
        double_quotes_inside: "\"su\"do" => ["sudo"];
        backslash: "s\\udo" => ["sudo"];
        ansi_hex: "$'\\x72\\x6d'" => ["rm"];
        ansi_octal: "$'\\162\\155'" => ["rm"];
        ansi_unicode: "$'\\u0072m'" => ["rm"];
        locale: "$\"rm\"" => ["rm"];
        braces: "{rm,-rf,/}" => ["rm", "-rf", "/"];
        brace_seq: "a{1..3}" => ["a1", "a2", "a3"];
        brace_nested: "x{a,b{c,d}}" => ["xa", "xbc", "xbd"];
        brace_literal: "{x}" => ["{x}"];
        tilde: "~/x" => ["/home/u/x"];
        tilde_quoted: "'~'/x" => ["~/x"];
        var_known: "rm $F /" => ["rm", "-rf", "/"];
        var_split: "echo $S" => ["echo", "a", "b"];
        var_quoted_nosplit: "echo \"$S\"" => ["echo", "a b"];
        var_empty_dropped: "$E rm" => ["rm"];
        var_empty_quoted_kept: "\"$E\" rm" => ["", "rm"];
        default_unset: "${U:-rm}" => ["rm"];
        default_set: "${F:-x}" => ["-rf"];
        alt_set: "${F:+yes}" => ["yes"];
        array_all: "\"${A[@]}\"" => ["rm", "-rf", "/"];
        array_index: "${A[2]}" => ["/"];
        replace: "${F/r/}" => ["-f"];
        strip_prefix: "${F#-}" => ["rf"];
        substring: "${F:1:1}" => ["r"];
        length: "${#F}" => ["3"];
        unknown_env: "$XYZ" => ["${XYZ}"];
        continuation: "r\\\nm" => ["rm"];
        single_quote_dollar: "'$F'" => ["$F"];
    }

    #[test]
    fn quoting_round_trips() {
        for s in ["a b", "it's", "$x", "*", "", "\\", "new\nline", "ünï"] {
            assert_eq!(
                words_of(&format!("echo {}", shell_quote(s))),
                vec!["echo", s]
            );
        }
    }
}
