//! A hand-written recursive-descent parser for the bash command language (ADR 0002).
//!
//! It reads the command the agent wants to run into an [`ast::Script`]. It is total: input
//! length, nesting depth, node count and work ("fuel") are all capped, every recursion checks the
//! depth, and nothing indexes without a bound. Whatever it cannot parse is an error, and the
//! analyser turns every error into an opaque command: a parse failure is never a pass.
//!
//! This file reads the grammar (lists, pipelines, commands, redirections, here-documents);
//! `words` reads the words inside it (quoting and expansions).

use std::collections::HashSet;

use thiserror::Error;

use super::ast::*;

mod words;

use words::ARRAY_MARK;

/// The longest command the parser reads.
pub const MAX_INPUT: usize = 1 << 20;
/// The deepest nesting of compound commands and substitutions.
pub const MAX_DEPTH: usize = 64;
/// The most words and commands one parse may build.
pub const MAX_NODES: usize = 200_000;

/// Why a command could not be parsed.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("syntax error at character {pos}: {message}")]
    Syntax { pos: usize, message: String },
    #[error("nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("command longer than {MAX_INPUT} bytes")]
    TooLong,
    #[error("command too complex to analyse")]
    TooComplex,
}

type PResult<T> = Result<T, ParseError>;

/// Parses a command line.
pub fn parse(src: &str) -> PResult<Script> {
    parse_at_depth(src, 0)
}

/// Parses a command line that is itself nested `depth` levels deep (a `bash -c` string, an
/// `eval`, a script), so that the depth limit holds across re-parses.
pub fn parse_at_depth(src: &str, depth: usize) -> PResult<Script> {
    if src.len() > MAX_INPUT {
        return Err(ParseError::TooLong);
    }
    let chars: Vec<char> = src.chars().collect();
    let fuel = chars.len().saturating_mul(40).saturating_add(20_000);
    let mut p = Parser {
        src: chars,
        pos: 0,
        depth,
        fuel,
        nodes: 0,
        heredocs: Vec::new(),
        pending: Vec::new(),
        arith_failed: HashSet::new(),
    };
    let body = p.parse_list()?;
    p.skip_blanks();
    if !p.eof() {
        return Err(p.err("unexpected token"));
    }
    p.read_pending_heredocs()?;
    Ok(Script {
        body,
        heredocs: p.heredocs,
    })
}

struct PendingHereDoc {
    index: usize,
    delimiter: String,
    strip_tabs: bool,
    quoted: bool,
}

struct Parser {
    src: Vec<char>,
    pos: usize,
    depth: usize,
    fuel: usize,
    nodes: usize,
    heredocs: Vec<HereDoc>,
    pending: Vec<PendingHereDoc>,
    /// Positions where `((` was tried as arithmetic and failed: never tried twice, so that
    /// backtracking stays polynomial.
    arith_failed: HashSet<usize>,
}

const RESERVED_END: &[&str] = &["then", "elif", "else", "fi", "do", "done", "esac", "}"];

fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>'
    )
}

fn is_name(s: &str) -> bool {
    let mut it = s.chars();
    matches!(it.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && it.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

impl Parser {
    fn err(&self, message: &str) -> ParseError {
        ParseError::Syntax {
            pos: self.pos,
            message: message.to_string(),
        }
    }

    fn tick(&mut self) -> PResult<()> {
        if self.fuel == 0 {
            return Err(ParseError::TooComplex);
        }
        self.fuel -= 1;
        Ok(())
    }

    fn node(&mut self) -> PResult<()> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(ParseError::TooComplex);
        }
        self.tick()
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::TooDeep);
        }
        self.tick()
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn eof(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn peek(&self) -> Option<char> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src.get(self.pos + n).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(k, c)| self.src.get(self.pos + k) == Some(&c))
    }

    fn bump(&mut self) -> PResult<Option<char>> {
        self.tick()?;
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        Ok(c)
    }

    fn advance(&mut self, n: usize) -> PResult<()> {
        for _ in 0..n {
            self.bump()?;
        }
        Ok(())
    }

    /// Skips spaces, tabs, line continuations and comments (not newlines).
    fn skip_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t') => self.pos += 1,
                Some('\\') if self.peek_at(1) == Some('\n') => self.pos += 2,
                Some('#') => {
                    while let Some(c) = self.peek() {
                        if c == '\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    /// Consumes one newline and then the bodies of any here-documents waiting for it.
    fn newline(&mut self) -> PResult<()> {
        if self.peek() == Some('\n') {
            self.bump()?;
            self.read_pending_heredocs()?;
        }
        Ok(())
    }

    /// Skips blanks and newlines (a "linebreak" in the grammar).
    fn skip_linebreaks(&mut self) -> PResult<()> {
        loop {
            self.skip_blanks();
            if self.peek() == Some('\n') {
                self.newline()?;
            } else {
                return Ok(());
            }
        }
    }

    fn read_pending_heredocs(&mut self) -> PResult<()> {
        let pending = std::mem::take(&mut self.pending);
        for doc in pending {
            let mut body = String::new();
            loop {
                if self.eof() {
                    // bash accepts a here-document ended by end of file (with a warning).
                    break;
                }
                let mut line = String::new();
                while let Some(c) = self.bump()? {
                    if c == '\n' {
                        break;
                    }
                    line.push(c);
                }
                let cmp = if doc.strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line.as_str()
                };
                if cmp == doc.delimiter {
                    break;
                }
                body.push_str(cmp);
                body.push('\n');
            }
            let word = if doc.quoted {
                Word {
                    parts: vec![WordPart::Quoted(body)],
                }
            } else {
                self.parse_heredoc_body(&body)?
            };
            if let Some(slot) = self.heredocs.get_mut(doc.index) {
                slot.body = word;
            }
        }
        Ok(())
    }

    fn parse_heredoc_body(&mut self, body: &str) -> PResult<Word> {
        let mut sub = self.child(body);
        let parts = sub.parse_double_parts(true)?;
        self.absorb(sub);
        Ok(Word { parts })
    }

    /// A parser for a nested text (backticks, here-document bodies) sharing this one's limits.
    fn child(&mut self, text: &str) -> Parser {
        Parser {
            src: text.chars().collect(),
            pos: 0,
            depth: self.depth,
            fuel: self.fuel,
            nodes: self.nodes,
            heredocs: std::mem::take(&mut self.heredocs),
            pending: Vec::new(),
            arith_failed: HashSet::new(),
        }
    }

    fn absorb(&mut self, child: Parser) {
        self.fuel = child.fuel;
        self.nodes = child.nodes;
        self.heredocs = child.heredocs;
    }

    /// The unquoted literal word at the cursor, if the next word is one, without consuming it.
    fn peek_plain_word(&self) -> Option<String> {
        let mut i = self.pos;
        let mut s = String::new();
        while let Some(&c) = self.src.get(i) {
            if is_meta(c) {
                break;
            }
            if matches!(c, '\'' | '"' | '\\' | '$' | '`') {
                return None;
            }
            s.push(c);
            i += 1;
        }
        if s.is_empty() { None } else { Some(s) }
    }

    fn at_reserved(&self, word: &str) -> bool {
        self.peek_plain_word().as_deref() == Some(word)
    }

    fn expect_reserved(&mut self, word: &str) -> PResult<()> {
        self.skip_linebreaks()?;
        if self.at_reserved(word) {
            self.advance(word.chars().count())
        } else {
            Err(self.err(&format!("expected `{word}`")))
        }
    }

    fn at_list_end(&self) -> bool {
        match self.peek() {
            None | Some(')') => true,
            Some(';') if self.peek_at(1) == Some(';') || self.peek_at(1) == Some('&') => true,
            _ => match self.peek_plain_word() {
                Some(w) => RESERVED_END.contains(&w.as_str()),
                None => false,
            },
        }
    }

    // ---------------------------------------------------------------- lists and pipelines

    fn parse_list(&mut self) -> PResult<List> {
        self.enter()?;
        let mut items = Vec::new();
        loop {
            self.skip_linebreaks()?;
            if self.at_list_end() {
                break;
            }
            let and_or = self.parse_and_or()?;
            self.skip_blanks();
            let mut background = false;
            match self.peek() {
                Some(';') if self.peek_at(1) != Some(';') && self.peek_at(1) != Some('&') => {
                    self.bump()?;
                }
                Some('&') if self.peek_at(1) != Some('&') && self.peek_at(1) != Some('>') => {
                    self.bump()?;
                    background = true;
                }
                Some('\n') => {
                    self.newline()?;
                }
                _ => {
                    items.push(ListItem { and_or, background });
                    break;
                }
            }
            items.push(ListItem { and_or, background });
        }
        self.leave();
        Ok(List { items })
    }

    fn parse_and_or(&mut self) -> PResult<AndOr> {
        let first = self.parse_pipeline()?;
        let mut rest = Vec::new();
        loop {
            self.skip_blanks();
            let conn = if self.starts_with("&&") {
                Connector::And
            } else if self.starts_with("||") {
                Connector::Or
            } else {
                break;
            };
            self.advance(2)?;
            self.skip_linebreaks()?;
            rest.push((conn, self.parse_pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn parse_pipeline(&mut self) -> PResult<Pipeline> {
        let mut negated = false;
        let mut timed = false;
        loop {
            self.skip_blanks();
            if self.at_reserved("!") {
                self.bump()?;
                negated = !negated;
            } else if self.at_reserved("time") {
                self.advance(4)?;
                timed = true;
                self.skip_blanks();
                if self.at_reserved("-p") {
                    self.advance(2)?;
                }
            } else {
                break;
            }
        }
        let mut commands = vec![self.parse_command()?];
        loop {
            self.skip_blanks();
            if self.starts_with("||") {
                break;
            }
            if self.starts_with("|&") {
                self.advance(2)?;
            } else if self.peek() == Some('|') {
                self.bump()?;
            } else {
                break;
            }
            self.skip_linebreaks()?;
            commands.push(self.parse_command()?);
        }
        Ok(Pipeline {
            negated,
            timed,
            commands,
        })
    }

    // ---------------------------------------------------------------- commands

    fn parse_command(&mut self) -> PResult<Command> {
        self.enter()?;
        self.node()?;
        self.skip_blanks();
        let result = self.parse_command_inner();
        self.leave();
        result
    }

    fn parse_command_inner(&mut self) -> PResult<Command> {
        if self.starts_with("((") {
            let save = self.pos;
            if let Some(expr) = self.try_arith(2)? {
                let redirects = self.parse_trailing_redirects()?;
                return Ok(Command::Compound(
                    Box::new(Compound::Arith(expr)),
                    redirects,
                ));
            }
            self.pos = save;
        }
        if self.peek() == Some('(') {
            self.bump()?;
            let list = self.parse_list()?;
            self.skip_linebreaks()?;
            if self.peek() != Some(')') {
                return Err(self.err("expected `)`"));
            }
            self.bump()?;
            let redirects = self.parse_trailing_redirects()?;
            return Ok(Command::Compound(
                Box::new(Compound::Subshell(list)),
                redirects,
            ));
        }
        let compound = match self.peek_plain_word().as_deref() {
            Some("{") => {
                self.bump()?;
                let list = self.parse_list()?;
                self.expect_reserved("}")?;
                Some(Compound::Group(list))
            }
            Some("if") => Some(self.parse_if()?),
            Some("for") | Some("select") => Some(self.parse_for()?),
            Some("while") | Some("until") => {
                let w = self.peek_plain_word().unwrap_or_default();
                self.advance(w.chars().count())?;
                let cond = self.parse_list()?;
                self.expect_reserved("do")?;
                let body = self.parse_list()?;
                self.expect_reserved("done")?;
                Some(Compound::While { cond, body })
            }
            Some("case") => Some(self.parse_case()?),
            Some("[[") => {
                self.advance(2)?;
                Some(self.parse_cond()?)
            }
            Some("function") => {
                self.advance(8)?;
                self.skip_blanks();
                let name = self
                    .read_word(false)?
                    .and_then(|w| w.as_plain().map(str::to_string))
                    .ok_or_else(|| self.err("expected a function name"))?;
                self.skip_blanks();
                if self.starts_with("()") {
                    self.advance(2)?;
                } else if self.peek() == Some('(') {
                    self.bump()?;
                    self.skip_blanks();
                    if self.peek() != Some(')') {
                        return Err(self.err("expected `)`"));
                    }
                    self.bump()?;
                }
                self.skip_linebreaks()?;
                let body = self.parse_command()?;
                return Ok(Command::FunctionDef {
                    name,
                    body: Box::new(body),
                });
            }
            Some(w) if RESERVED_END.contains(&w) => {
                return Err(self.err(&format!("unexpected `{w}`")));
            }
            _ => None,
        };
        if let Some(c) = compound {
            let redirects = self.parse_trailing_redirects()?;
            return Ok(Command::Compound(Box::new(c), redirects));
        }
        self.parse_simple()
    }

    fn parse_trailing_redirects(&mut self) -> PResult<Vec<Redirect>> {
        let mut out = Vec::new();
        loop {
            self.skip_blanks();
            match self.try_redirect()? {
                Some(r) => out.push(r),
                None => return Ok(out),
            }
        }
    }

    fn parse_if(&mut self) -> PResult<Compound> {
        self.advance(2)?;
        let mut branches = Vec::new();
        let mut otherwise = None;
        loop {
            let cond = self.parse_list()?;
            self.expect_reserved("then")?;
            let body = self.parse_list()?;
            branches.push((cond, body));
            self.skip_linebreaks()?;
            if self.at_reserved("elif") {
                self.advance(4)?;
                continue;
            }
            if self.at_reserved("else") {
                self.advance(4)?;
                otherwise = Some(self.parse_list()?);
            }
            self.expect_reserved("fi")?;
            return Ok(Compound::If {
                branches,
                otherwise,
            });
        }
    }

    fn parse_for(&mut self) -> PResult<Compound> {
        let kw = self.peek_plain_word().unwrap_or_default();
        self.advance(kw.chars().count())?;
        self.skip_blanks();
        if self.starts_with("((") {
            let header = self
                .try_arith(2)?
                .ok_or_else(|| self.err("unterminated `for ((`"))?;
            let body = self.parse_loop_body()?;
            return Ok(Compound::ArithFor { header, body });
        }
        let var = self
            .read_word(false)?
            .and_then(|w| w.as_plain().map(str::to_string))
            .filter(|v| is_name(v))
            .ok_or_else(|| self.err("expected a loop variable"))?;
        self.skip_linebreaks()?;
        let mut items = None;
        if self.at_reserved("in") {
            self.advance(2)?;
            let mut words = Vec::new();
            loop {
                self.skip_blanks();
                match self.peek() {
                    None | Some(';') | Some('\n') => break,
                    _ => {}
                }
                match self.read_word(false)? {
                    Some(w) => {
                        self.node()?;
                        words.push(w)
                    }
                    None => return Err(self.err("unexpected token in `for` list")),
                }
            }
            items = Some(words);
        }
        let body = self.parse_loop_body()?;
        Ok(Compound::For { var, items, body })
    }

    /// A `for` loop's `[;] do LIST done`, after its header.
    fn parse_loop_body(&mut self) -> PResult<List> {
        self.skip_blanks();
        if self.peek() == Some(';') {
            self.bump()?;
        }
        self.expect_reserved("do")?;
        let body = self.parse_list()?;
        self.expect_reserved("done")?;
        Ok(body)
    }

    fn parse_case(&mut self) -> PResult<Compound> {
        self.advance(4)?;
        self.skip_blanks();
        let word = self
            .read_word(false)?
            .ok_or_else(|| self.err("expected a word after `case`"))?;
        self.expect_reserved("in")?;
        let mut arms = Vec::new();
        loop {
            self.skip_linebreaks()?;
            if self.at_reserved("esac") {
                self.advance(4)?;
                break;
            }
            if self.eof() {
                return Err(self.err("expected `esac`"));
            }
            if self.peek() == Some('(') {
                self.bump()?;
            }
            let mut patterns = Vec::new();
            loop {
                self.skip_blanks();
                let w = self
                    .read_word(false)?
                    .ok_or_else(|| self.err("expected a pattern"))?;
                self.node()?;
                patterns.push(w);
                self.skip_blanks();
                match self.peek() {
                    Some('|') => {
                        self.bump()?;
                    }
                    Some(')') => {
                        self.bump()?;
                        break;
                    }
                    _ => return Err(self.err("expected `)` after a case pattern")),
                }
            }
            let body = self.parse_list()?;
            self.skip_linebreaks()?;
            if self.starts_with(";;&") {
                self.advance(3)?;
            } else if self.starts_with(";;") || self.starts_with(";&") {
                self.advance(2)?;
            } else if !self.at_reserved("esac") {
                return Err(self.err("expected `;;` or `esac`"));
            }
            arms.push((patterns, body));
        }
        Ok(Compound::Case { word, arms })
    }

    fn parse_cond(&mut self) -> PResult<Compound> {
        let mut words = Vec::new();
        loop {
            self.skip_linebreaks()?;
            if self.at_reserved("]]") {
                self.advance(2)?;
                return Ok(Compound::Cond(words));
            }
            self.node()?;
            let op = ["&&", "||", "(", ")", "<", ">", "!"]
                .into_iter()
                .find(|op| self.starts_with(op));
            if let Some(op) = op {
                self.advance(op.len())?;
                words.push(Word::lit(op));
                continue;
            }
            match self.read_word(false)? {
                Some(w) => words.push(w),
                None => return Err(self.err("expected `]]`")),
            }
        }
    }

    fn parse_simple(&mut self) -> PResult<Command> {
        let mut cmd = SimpleCmd::default();
        loop {
            self.skip_blanks();
            match self.peek() {
                None | Some(';') | Some('\n') | Some(')') => break,
                Some('|') => break,
                Some('&') if !self.starts_with("&>") => break,
                Some('(') => {
                    // `name() body`: a function definition.
                    if cmd.words.len() == 1 && cmd.assignments.is_empty() {
                        let save = self.pos;
                        self.bump()?;
                        self.skip_blanks();
                        if self.peek() == Some(')') {
                            self.bump()?;
                            let name = cmd.words[0]
                                .as_plain()
                                .map(str::to_string)
                                .ok_or_else(|| self.err("bad function name"))?;
                            self.skip_linebreaks()?;
                            let body = self.parse_command()?;
                            return Ok(Command::FunctionDef {
                                name,
                                body: Box::new(body),
                            });
                        }
                        self.pos = save;
                    }
                    return Err(self.err("unexpected `(`"));
                }
                _ => {}
            }
            if (self.starts_with("<(") || self.starts_with(">(")) && !self.starts_with("<((") {
                let w = self.read_word(false)?;
                if let Some(w) = w {
                    self.node()?;
                    cmd.words.push(w);
                }
                continue;
            }
            if let Some(r) = self.try_redirect()? {
                cmd.redirects.push(r);
                continue;
            }
            let assign_ok = cmd.words.is_empty();
            // Declaration builtins take assignment words, arrays included (`declare -A m=()`).
            let declaration = cmd.words.first().and_then(Word::as_plain).is_some_and(|w| {
                matches!(w, "declare" | "typeset" | "local" | "export" | "readonly")
            });
            let word = match self.read_word(assign_ok || declaration)? {
                Some(w) => w,
                None => return Err(self.err("unexpected character")),
            };
            self.node()?;
            if assign_ok && let Some(a) = self.as_assignment(&word)? {
                cmd.assignments.push(a);
                continue;
            }
            cmd.words.push(flatten_array_word(word));
        }
        if cmd.words.is_empty() && cmd.assignments.is_empty() && cmd.redirects.is_empty() {
            return Err(self.err("expected a command"));
        }
        Ok(Command::Simple(cmd))
    }

    /// Splits `NAME=value` / `NAME+=value` (array values were parsed by `read_word`).
    fn as_assignment(&mut self, word: &Word) -> PResult<Option<Assignment>> {
        let Some(WordPart::Lit(first)) = word.parts.first() else {
            return Ok(None);
        };
        let Some(eq) = first.find('=') else {
            return Ok(None);
        };
        let (mut name, append) = (&first[..eq], false);
        let append = if let Some(n) = name.strip_suffix('+') {
            name = n;
            true
        } else {
            append
        };
        let (name, index) = match name.find('[') {
            Some(b) if name.ends_with(']') => (&name[..b], true),
            _ => (name, false),
        };
        if !is_name(name) {
            return Ok(None);
        }
        let _ = index;
        let rest = &first[eq + 1..];
        // An array value is marked by read_word with a sentinel part.
        if rest.is_empty()
            && word.parts.len() == 2
            && let Some(WordPart::Double(items)) = word.parts.get(1)
            && items.first() == Some(&WordPart::Lit(ARRAY_MARK.into()))
        {
            let mut words = Vec::new();
            for it in &items[1..] {
                if let WordPart::Double(p) = it {
                    words.push(Word { parts: p.clone() });
                }
            }
            return Ok(Some(Assignment {
                name: name.to_string(),
                append,
                value: AssignValue::Array(words),
            }));
        }
        let mut parts = Vec::new();
        if !rest.is_empty() {
            parts.push(WordPart::Lit(rest.to_string()));
        }
        parts.extend(word.parts[1..].iter().cloned());
        Ok(Some(Assignment {
            name: name.to_string(),
            append,
            value: AssignValue::Scalar(Word { parts }),
        }))
    }

    // ---------------------------------------------------------------- redirections

    fn try_redirect(&mut self) -> PResult<Option<Redirect>> {
        let start = self.pos;
        let mut fd = None;
        // `2>`, `{var}>`
        let mut i = self.pos;
        while matches!(self.src.get(i), Some(c) if c.is_ascii_digit()) {
            i += 1;
        }
        if i > self.pos && matches!(self.src.get(i), Some('<' | '>')) {
            let digits: String = self.src[self.pos..i].iter().collect();
            fd = Some(RedirFd::Number(digits.parse().unwrap_or(u32::MAX)));
            self.advance(i - self.pos)?;
        } else if self.peek() == Some('{') {
            let mut j = self.pos + 1;
            while matches!(self.src.get(j), Some(c) if c.is_ascii_alphanumeric() || *c == '_') {
                j += 1;
            }
            if self.src.get(j) == Some(&'}') && matches!(self.src.get(j + 1), Some('<' | '>')) {
                let name: String = self.src[self.pos + 1..j].iter().collect();
                if is_name(&name) {
                    fd = Some(RedirFd::Var(name));
                    self.advance(j + 1 - self.pos)?;
                }
            }
        }
        let ops: &[(&str, RedirOp)] = &[
            ("<<<", RedirOp::HereString),
            ("<<-", RedirOp::HereDoc),
            ("<<", RedirOp::HereDoc),
            ("<>", RedirOp::ReadWrite),
            ("<&", RedirOp::DupIn),
            ("<", RedirOp::In),
            ("&>>", RedirOp::AppendOutErr),
            ("&>", RedirOp::OutErr),
            (">>", RedirOp::Append),
            (">&", RedirOp::DupOut),
            (">|", RedirOp::Clobber),
            (">", RedirOp::Out),
        ];
        let Some(&(text, op)) = ops.iter().find(|(t, _)| self.starts_with(t)) else {
            self.pos = start;
            return Ok(None);
        };
        if (text == "<" || text == ">") && self.peek_at(1) == Some('(') {
            // A process substitution, not a redirection.
            self.pos = start;
            return Ok(None);
        }
        self.advance(text.len())?;
        self.skip_blanks();
        self.node()?;
        if op == RedirOp::HereDoc {
            let strip_tabs = text == "<<-";
            let word = self
                .read_word(false)?
                .ok_or_else(|| self.err("expected a here-document delimiter"))?;
            let (delimiter, quoted) = heredoc_delimiter(&word);
            let index = self.heredocs.len();
            self.heredocs.push(HereDoc {
                delimiter: delimiter.clone(),
                quoted,
                body: Word::default(),
            });
            self.pending.push(PendingHereDoc {
                index,
                delimiter,
                strip_tabs,
                quoted,
            });
            return Ok(Some(Redirect {
                fd,
                op,
                target: RedirTarget::HereDoc(index),
            }));
        }
        let word = self
            .read_word(false)?
            .ok_or_else(|| self.err("expected a redirection target"))?;
        Ok(Some(Redirect {
            fd,
            op,
            target: RedirTarget::Word(word),
        }))
    }
}

/// Turns the array form `name=( a b )` of a declaration builtin's argument back into one word
/// `name=(a b)`, keeping the elements' parts (and so their substitutions).
fn flatten_array_word(word: Word) -> Word {
    let is_array = matches!(word.parts.as_slice(), [WordPart::Lit(_), WordPart::Double(items)]
        if items.first() == Some(&WordPart::Lit(ARRAY_MARK.into())));
    if !is_array {
        return word;
    }
    let mut parts = Vec::new();
    let mut it = word.parts.into_iter();
    if let Some(WordPart::Lit(name)) = it.next() {
        parts.push(WordPart::Quoted(format!("{name}(")));
    }
    if let Some(WordPart::Double(items)) = it.next() {
        for (k, item) in items.into_iter().skip(1).enumerate() {
            if k > 0 {
                parts.push(WordPart::Quoted(" ".into()));
            }
            if let WordPart::Double(p) = item {
                parts.extend(p);
            }
        }
    }
    parts.push(WordPart::Quoted(")".into()));
    Word { parts }
}

/// The delimiter of a here-document after quote removal, and whether any of it was quoted.
fn heredoc_delimiter(word: &Word) -> (String, bool) {
    let mut out = String::new();
    let mut quoted = false;
    for part in &word.parts {
        match part {
            WordPart::Lit(s) => out.push_str(s),
            WordPart::Quoted(s) => {
                quoted = true;
                out.push_str(s);
            }
            WordPart::Double(inner) => {
                quoted = true;
                for p in inner {
                    if let WordPart::Quoted(s) | WordPart::Lit(s) = p {
                        out.push_str(s);
                    }
                }
            }
            WordPart::Param(p) => {
                out.push('$');
                out.push_str(&p.name);
            }
            _ => {}
        }
    }
    (out, quoted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Script {
        match parse(src) {
            Ok(s) => s,
            Err(e) => panic!("{src:?}: {e}"),
        }
    }

    fn first_simple(s: &Script) -> &SimpleCmd {
        match &s.body.items[0].and_or.first.commands[0] {
            Command::Simple(c) => c,
            other => panic!("not simple: {other:?}"),
        }
    }

    macro_rules! parses {
        ($($name:ident: $src:expr;)*) => {$(
            #[test]
            fn $name() { ok($src); }
        )*};
    }

    macro_rules! rejects {
        ($($name:ident: $src:expr;)*) => {$(
            #[test]
            fn $name() { assert!(parse($src).is_err(), "{:?} should not parse", $src); }
        )*};
    }

    parses! {
        simple: "ls -la";
        list: "a; b && c || d & e";
        pipeline: "a | b |& c";
        negated: "! a | b";
        subshell: "(cd x; ls)";
        group: "{ a; b; }";
        if_elif: "if a; then b; elif c; then d; else e; fi";
        for_in: "for x in a b c; do echo $x; done";
        for_arith: "for ((i=0;i<3;i++)); do echo $i; done";
        while_loop: "while true; do break; done";
        until_loop: "until false; do :; done";
        case_esac: "case $x in a|b) echo 1;; (c) echo 2;; *) ;; esac";
        func: "f() { rm x; }; f";
        func_kw: "function f { echo; }";
        cmd_sub: "echo $(ls $(pwd))";
        backticks: "echo `ls \\`pwd\\``";
        proc_sub: "diff <(ls a) >(cat)";
        arith: "echo $((1 + $(echo 2)))";
        arith_cmd: "(( x = 1 + 2 ))";
        heredoc: "cat <<EOF > x\nhello $USER\nEOF\necho done";
        heredoc_quoted: "cat <<'EOF'\n$nope\nEOF";
        heredoc_strip: "cat <<-EOF\n\thi\n\tEOF\n";
        herestring: "cat <<< 'hi'";
        redirects: "a 2>&1 >out <in >>app &>both {fd}>x 3<>rw >|clob";
        assignments: "A=1 B=\"2\" cmd";
        array: "a=(rm -rf /); \"${a[@]}\"";
        cond: "[[ -f x && $y < z ]]";
        comment: "ls # rm -rf /";
        continuation: "r\\\nm -rf x";
        ansi_c: "$'\\x72\\x6d' -rf /";
        param_ops: "echo ${x:-a} ${#x} ${x/a/b} ${x##*/} ${!x}";
        case_in_sub: "echo $(case x in x) echo y;; esac)";
        nested_subshell_not_arith: "((cd x) ; ls)";
        empty: "";
        only_comment: "# nothing";
        newlines: "\n\nls\n\n";
        declare_array: "declare -A m=(); local -a xs=(a \"$(b)\" c)";
    }

    rejects! {
        unbalanced_paren: "(ls";
        unterminated_quote: "echo 'abc";
        stray_fi: "fi";
        bad_sub: "echo ${";
        unterminated_sub: "echo $(ls";
    }

    /// Quoted parts keep their place among the literal text around them, in words, `${…}`
    /// words and arithmetic alike.
    #[test]
    fn quoted_parts_keep_their_place() {
        let arg = |src: &str| first_simple(&ok(src)).words[1].parts.clone();
        let lit = |s: &str| WordPart::Lit(s.into());
        let quoted = |s: &str| WordPart::Quoted(s.into());
        let double = |s: &str| WordPart::Double(vec![WordPart::Quoted(s.into())]);
        assert_eq!(
            arg("echo a'b'\"c\"d"),
            [lit("a"), quoted("b"), double("c"), lit("d")]
        );
        let parts = arg("echo $((1+\"2\"))");
        let [WordPart::Arith(expr)] = parts.as_slice() else {
            panic!("not arithmetic");
        };
        assert_eq!(expr.parts, [lit("1+"), double("2")]);
        assert!(parse("echo 'open").is_err());
        assert!(parse("echo ${x:-'open}").is_err());
    }

    #[test]
    fn redirect_args_stay_with_the_command() {
        let s = ok("rm 2>/dev/null -rf /");
        let c = first_simple(&s);
        assert_eq!(c.words.len(), 3);
        assert_eq!(c.redirects.len(), 1);
    }

    #[test]
    fn redirect_attaches_to_the_last_command_of_an_and_list() {
        let s = ok("a && b > f");
        let ao = &s.body.items[0].and_or;
        match &ao.first.commands[0] {
            Command::Simple(c) => assert!(c.redirects.is_empty()),
            _ => panic!(),
        }
        match &ao.rest[0].1.commands[0] {
            Command::Simple(c) => assert_eq!(c.redirects.len(), 1),
            _ => panic!(),
        }
    }

    #[test]
    fn heredoc_body_is_read() {
        let s = ok("cat <<EOF > x.sh && sh x.sh\nrm -rf /\nEOF\n");
        assert_eq!(s.heredocs.len(), 1);
        assert_eq!(
            s.heredocs[0].body.parts,
            vec![WordPart::Quoted("rm -rf /\n".into())]
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let src = "(".repeat(10_000);
        assert!(parse(&src).is_err());
        let src = "$(".repeat(10_000);
        assert!(parse(&src).is_err());
        let src = "`".repeat(10_001);
        let _ = parse(&src);
    }

    #[test]
    fn unbalanced_parens_are_fast() {
        for n in [24, 200, 2000] {
            let src = "((".repeat(n) + &"$((".repeat(n);
            let t = std::time::Instant::now();
            let _ = parse(&src);
            assert!(t.elapsed().as_secs() < 2);
        }
    }
}
