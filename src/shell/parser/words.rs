//! The word half of the parser: one word at the cursor with its quoting, `$` expansions
//! (parameters, `${…}` operators, command and arithmetic substitution, `$'…'`), backquotes and
//! process substitution, each turned into [`WordPart`]s for [`crate::shell::word`] to resolve.

use super::*;

impl Parser {
    /// Reads one word at the cursor; `None` when the cursor is at a metacharacter.
    pub(super) fn read_word(&mut self, assign_ok: bool) -> PResult<Option<Word>> {
        let mut parts: Vec<WordPart> = Vec::new();
        let mut lit = String::new();
        let flush = |lit: &mut String, parts: &mut Vec<WordPart>| {
            if !lit.is_empty() {
                parts.push(WordPart::Lit(std::mem::take(lit)));
            }
        };
        loop {
            self.tick()?;
            let Some(c) = self.peek() else { break };
            match c {
                '<' | '>' if self.peek_at(1) == Some('(') && parts.is_empty() && lit.is_empty() => {
                    let output = c == '>';
                    self.advance(2)?;
                    let body = self.parse_sub_script(')')?;
                    parts.push(WordPart::ProcessSub {
                        output,
                        body: Box::new(body),
                    });
                }
                '(' if assign_ok
                    && parts.is_empty()
                    && (lit.ends_with('=')
                        && is_name(lit.trim_end_matches('=').trim_end_matches('+'))) =>
                {
                    // `name=( ... )`: an array assignment. Encoded with a sentinel so that
                    // `as_assignment` can recognise it.
                    self.bump()?;
                    let mut items = vec![WordPart::Lit(ARRAY_MARK.into())];
                    loop {
                        self.skip_linebreaks()?;
                        if self.peek() == Some(')') {
                            self.bump()?;
                            break;
                        }
                        match self.read_word(false)? {
                            Some(w) => {
                                self.node()?;
                                items.push(WordPart::Double(w.parts))
                            }
                            None => return Err(self.err("bad array element")),
                        }
                    }
                    flush(&mut lit, &mut parts);
                    parts.push(WordPart::Double(items));
                    return Ok(Some(Word { parts }));
                }
                c if is_meta(c) => break,
                '\'' | '"' => {
                    flush(&mut lit, &mut parts);
                    parts.push(self.read_quoted()?);
                }
                '\\' => {
                    self.bump()?;
                    match self.bump()? {
                        Some('\n') => {}
                        Some(c) => {
                            flush(&mut lit, &mut parts);
                            parts.push(WordPart::Quoted(c.to_string()));
                        }
                        None => lit.push('\\'),
                    }
                }
                '$' => {
                    flush(&mut lit, &mut parts);
                    self.parse_dollar(false, &mut parts)?;
                }
                '`' => {
                    flush(&mut lit, &mut parts);
                    let s = self.parse_backtick(false)?;
                    parts.push(s);
                }
                _ => {
                    self.bump()?;
                    lit.push(c);
                }
            }
        }
        flush(&mut lit, &mut parts);
        if parts.is_empty() {
            Ok(None)
        } else {
            Ok(Some(Word { parts }))
        }
    }

    /// The quoted part at the cursor, `'…'` (nothing inside is special) or `"…"`, consuming
    /// both quotes.
    fn read_quoted(&mut self) -> PResult<WordPart> {
        if self.bump()? == Some('"') {
            return Ok(WordPart::Double(self.parse_double_parts(false)?));
        }
        let mut s = String::new();
        loop {
            match self.bump()? {
                Some('\'') => return Ok(WordPart::Quoted(s)),
                Some(c) => s.push(c),
                None => return Err(self.err("unterminated single quote")),
            }
        }
    }

    /// Parses the inside of `".."` (cursor after the opening quote, consumes the closing one),
    /// or a here-document body (`heredoc`: to end of input, `"` is an ordinary character).
    pub(super) fn parse_double_parts(&mut self, heredoc: bool) -> PResult<Vec<WordPart>> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            let Some(c) = self.bump()? else {
                if heredoc {
                    break;
                }
                return Err(self.err("unterminated double quote"));
            };
            match c {
                '"' if !heredoc => break,
                '\\' => match self.peek() {
                    Some('\n') => {
                        self.bump()?;
                    }
                    Some(n @ ('$' | '`' | '\\')) => {
                        self.bump()?;
                        lit.push(n);
                    }
                    Some('"') if !heredoc => {
                        self.bump()?;
                        lit.push('"');
                    }
                    _ => lit.push('\\'),
                },
                '$' => {
                    self.pos -= 1;
                    if !lit.is_empty() {
                        parts.push(WordPart::Quoted(std::mem::take(&mut lit)));
                    }
                    self.parse_dollar(true, &mut parts)?;
                }
                '`' => {
                    self.pos -= 1;
                    if !lit.is_empty() {
                        parts.push(WordPart::Quoted(std::mem::take(&mut lit)));
                    }
                    let p = self.parse_backtick(!heredoc)?;
                    parts.push(p);
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(WordPart::Quoted(lit));
        }
        Ok(parts)
    }

    /// Parses what follows a `$` at the cursor and pushes the resulting parts.
    fn parse_dollar(&mut self, in_double: bool, parts: &mut Vec<WordPart>) -> PResult<()> {
        self.bump()?; // '$'
        match self.peek() {
            Some('\'') if !in_double => {
                self.bump()?;
                let s = self.parse_ansi_c()?;
                parts.push(WordPart::Quoted(s));
            }
            Some('"') if !in_double => parts.push(self.read_quoted()?),
            Some('(') => {
                if self.peek_at(1) == Some('(') {
                    let save = self.pos;
                    if let Some(expr) = self.try_arith(2)? {
                        parts.push(WordPart::Arith(expr));
                        return Ok(());
                    }
                    self.pos = save;
                }
                self.bump()?;
                let body = self.parse_sub_script(')')?;
                parts.push(WordPart::CommandSub(Box::new(body)));
            }
            Some('{') => {
                self.bump()?;
                let p = self.parse_braced_param()?;
                parts.push(WordPart::Param(p));
            }
            Some('[') => {
                // `$[ expr ]`: the old arithmetic syntax.
                self.bump()?;
                let mut expr = Vec::new();
                let mut lit = String::new();
                loop {
                    match self.peek() {
                        None => return Err(self.err("unterminated `$[`")),
                        Some(']') => {
                            self.bump()?;
                            break;
                        }
                        Some('$') => {
                            if !lit.is_empty() {
                                expr.push(WordPart::Lit(std::mem::take(&mut lit)));
                            }
                            self.parse_dollar(true, &mut expr)?;
                        }
                        Some(c) => {
                            self.bump()?;
                            lit.push(c);
                        }
                    }
                }
                if !lit.is_empty() {
                    expr.push(WordPart::Lit(lit));
                }
                parts.push(WordPart::Arith(Word { parts: expr }));
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                let mut name = String::new();
                while let Some(c) = self.peek() {
                    if c == '_' || c.is_ascii_alphanumeric() {
                        name.push(c);
                        self.bump()?;
                    } else {
                        break;
                    }
                }
                parts.push(WordPart::Param(Param {
                    name,
                    braced: false,
                    index: None,
                    op: ParamOp::Plain,
                }));
            }
            Some(c) if c.is_ascii_digit() || "@*#?-$!".contains(c) => {
                self.bump()?;
                parts.push(WordPart::Param(Param {
                    name: c.to_string(),
                    braced: false,
                    index: None,
                    op: ParamOp::Plain,
                }));
            }
            _ => {
                let part = if in_double {
                    WordPart::Quoted("$".into())
                } else {
                    WordPart::Lit("$".into())
                };
                parts.push(part);
            }
        }
        Ok(())
    }

    /// `$'...'` (cursor after the quote): ANSI-C escapes decoded.
    fn parse_ansi_c(&mut self) -> PResult<String> {
        let mut s = String::new();
        loop {
            let Some(c) = self.bump()? else {
                return Err(self.err("unterminated `$'`"));
            };
            match c {
                '\'' => return Ok(s),
                '\\' => {
                    let Some(e) = self.bump()? else {
                        return Err(self.err("unterminated `$'`"));
                    };
                    match e {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        'r' => s.push('\r'),
                        'a' => s.push('\x07'),
                        'b' => s.push('\x08'),
                        'e' | 'E' => s.push('\x1b'),
                        'f' => s.push('\x0c'),
                        'v' => s.push('\x0b'),
                        '\\' | '\'' | '"' | '?' => s.push(e),
                        'x' => {
                            let v = self.read_radix(16, 2)?;
                            match v {
                                Some(v) => push_byte(&mut s, v),
                                None => s.push_str("\\x"),
                            }
                        }
                        'u' | 'U' => {
                            let max = if e == 'u' { 4 } else { 8 };
                            match self.read_radix(16, max)? {
                                Some(v) => s.push(char::from_u32(v).unwrap_or('\u{fffd}')),
                                None => {
                                    s.push('\\');
                                    s.push(e);
                                }
                            }
                        }
                        'c' => {
                            if let Some(n) = self.bump()? {
                                s.push(char::from_u32((n as u32) & 0x1f).unwrap_or('?'));
                            }
                        }
                        '0'..='7' => {
                            self.pos -= 1;
                            let v = self.read_radix(8, 3)?.unwrap_or(0);
                            push_byte(&mut s, v);
                        }
                        other => {
                            s.push('\\');
                            s.push(other);
                        }
                    }
                }
                c => s.push(c),
            }
        }
    }

    fn read_radix(&mut self, radix: u32, max: usize) -> PResult<Option<u32>> {
        let mut v: u32 = 0;
        let mut n = 0;
        while n < max {
            match self.peek().and_then(|c| c.to_digit(radix)) {
                Some(d) => {
                    v = v.saturating_mul(radix).saturating_add(d);
                    self.bump()?;
                    n += 1;
                }
                None => break,
            }
        }
        Ok(if n == 0 { None } else { Some(v) })
    }

    /// `${...}` (cursor after the brace).
    fn parse_braced_param(&mut self) -> PResult<Param> {
        self.enter()?;
        let mut op_prefix = None;
        if self.peek() == Some('#') && self.peek_at(1) != Some('}') {
            self.bump()?;
            op_prefix = Some(ParamOp::Length);
        } else if self.peek() == Some('!') && self.peek_at(1) != Some('}') {
            self.bump()?;
            op_prefix = Some(ParamOp::Indirect);
        }
        let mut name = String::new();
        match self.peek() {
            Some(c) if c.is_ascii_digit() => {
                while let Some(c) = self.peek().filter(|c| c.is_ascii_digit()) {
                    name.push(c);
                    self.bump()?;
                }
            }
            Some(c) if "@*#?-$!".contains(c) => {
                name.push(c);
                self.bump()?;
            }
            _ => {
                while let Some(c) = self
                    .peek()
                    .filter(|c| *c == '_' || c.is_ascii_alphanumeric())
                {
                    name.push(c);
                    self.bump()?;
                }
            }
        }
        if name.is_empty() {
            return Err(self.err("bad substitution"));
        }
        let mut index = None;
        if self.peek() == Some('[') {
            self.bump()?;
            let mut idx = String::new();
            let mut depth = 0usize;
            loop {
                match self.bump()? {
                    None => return Err(self.err("unterminated `[`")),
                    Some('[') => {
                        depth += 1;
                        idx.push('[');
                    }
                    Some(']') if depth == 0 => break,
                    Some(']') => {
                        depth -= 1;
                        idx.push(']');
                    }
                    Some(c) => idx.push(c),
                }
            }
            index = Some(idx);
        }
        if self.peek() == Some('}') {
            self.bump()?;
            self.leave();
            return Ok(Param {
                name,
                braced: true,
                index,
                op: op_prefix.unwrap_or(ParamOp::Plain),
            });
        }
        let ops = [
            ":-", ":=", ":+", ":?", "-", "=", "+", "?", "##", "#", "%%", "%", "//", "/#", "/%",
            "/", "^^", "^", ",,", ",", "@", ":",
        ];
        let Some(op) = ops.into_iter().find(|o| self.starts_with(o)) else {
            return Err(self.err("bad substitution"));
        };
        self.advance(op.len())?;
        let word = self.parse_param_word()?;
        let colon = op.starts_with(':') && op.len() == 2;
        let op = match op.trim_start_matches(':') {
            "-" if op_prefix.is_none() => ParamOp::Default { colon, word },
            "=" if op_prefix.is_none() => ParamOp::Assign { colon, word },
            "+" if op_prefix.is_none() => ParamOp::Alternative { colon, word },
            "?" if op_prefix.is_none() => ParamOp::Error { colon, word },
            _ => ParamOp::Other {
                op: op.to_string(),
                word,
            },
        };
        self.leave();
        Ok(Param {
            name,
            braced: true,
            index,
            op,
        })
    }

    /// The word inside `${name OP word}` up to the matching `}`.
    fn parse_param_word(&mut self) -> PResult<Word> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err("unterminated `${`"));
            };
            match c {
                '}' => {
                    self.bump()?;
                    break;
                }
                '\'' | '"' => {
                    if !lit.is_empty() {
                        parts.push(WordPart::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(self.read_quoted()?);
                }
                '\\' => {
                    self.bump()?;
                    if let Some(n) = self.bump()?
                        && n != '\n'
                    {
                        if !lit.is_empty() {
                            parts.push(WordPart::Lit(std::mem::take(&mut lit)));
                        }
                        parts.push(WordPart::Quoted(n.to_string()));
                    }
                }
                '$' => {
                    if !lit.is_empty() {
                        parts.push(WordPart::Lit(std::mem::take(&mut lit)));
                    }
                    self.parse_dollar(false, &mut parts)?;
                }
                '`' => {
                    if !lit.is_empty() {
                        parts.push(WordPart::Lit(std::mem::take(&mut lit)));
                    }
                    let p = self.parse_backtick(false)?;
                    parts.push(p);
                }
                c => {
                    self.bump()?;
                    lit.push(c);
                }
            }
        }
        if !lit.is_empty() {
            parts.push(WordPart::Lit(lit));
        }
        Ok(Word { parts })
    }

    /// Parses a nested list up to `close` (for `$(`, `<(`, `>(`), consuming `close`.
    fn parse_sub_script(&mut self, close: char) -> PResult<Script> {
        self.enter()?;
        let outer_pending = std::mem::take(&mut self.pending);
        let list = self.parse_list()?;
        self.skip_linebreaks()?;
        if self.peek() != Some(close) {
            return Err(self.err("unterminated substitution"));
        }
        self.bump()?;
        let mut pending = std::mem::take(&mut self.pending);
        pending.extend(outer_pending);
        self.pending = pending;
        self.leave();
        Ok(Script {
            body: list,
            heredocs: Vec::new(),
        })
    }

    /// Backticks at the cursor: the text is unescaped and parsed by a child parser.
    fn parse_backtick(&mut self, in_double: bool) -> PResult<WordPart> {
        self.enter()?;
        self.bump()?;
        let mut text = String::new();
        loop {
            match self.bump()? {
                None => return Err(self.err("unterminated backquote")),
                Some('`') => break,
                Some('\\') => match self.bump()? {
                    Some(c @ ('$' | '`' | '\\')) => text.push(c),
                    Some('"') if in_double => text.push('"'),
                    Some(c) => {
                        text.push('\\');
                        text.push(c);
                    }
                    None => return Err(self.err("unterminated backquote")),
                },
                Some(c) => text.push(c),
            }
        }
        let mut child = self.child(&text);
        let result = child.parse_list().and_then(|list| {
            child.skip_linebreaks()?;
            if !child.eof() {
                return Err(child.err("unexpected token in backquotes"));
            }
            child.read_pending_heredocs()?;
            Ok(list)
        });
        self.absorb(child);
        let list = result?;
        self.leave();
        Ok(WordPart::CommandSub(Box::new(Script {
            body: list,
            heredocs: Vec::new(),
        })))
    }

    /// Tries to read `(( expr ))` (or `$(( expr ))` after the `$`) with the cursor at the first
    /// `(`. Returns `None` (cursor unspecified) when it is not arithmetic after all.
    pub(super) fn try_arith(&mut self, open: usize) -> PResult<Option<Word>> {
        let start = self.pos;
        if self.arith_failed.contains(&start) {
            return Ok(None);
        }
        self.enter()?;
        self.advance(open)?;
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut depth = 0usize;
        let ok = loop {
            let Some(c) = self.peek() else { break false };
            match c {
                '(' => {
                    depth += 1;
                    self.bump()?;
                    lit.push(c);
                }
                ')' if depth == 0 => {
                    if self.peek_at(1) == Some(')') {
                        self.advance(2)?;
                        break true;
                    }
                    break false;
                }
                ')' => {
                    depth -= 1;
                    self.bump()?;
                    lit.push(c);
                }
                '$' => {
                    if !lit.is_empty() {
                        parts.push(WordPart::Lit(std::mem::take(&mut lit)));
                    }
                    self.parse_dollar(true, &mut parts)?;
                }
                '`' => {
                    if !lit.is_empty() {
                        parts.push(WordPart::Lit(std::mem::take(&mut lit)));
                    }
                    let p = self.parse_backtick(false)?;
                    parts.push(p);
                }
                '"' => {
                    if !lit.is_empty() {
                        parts.push(WordPart::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(self.read_quoted()?);
                }
                '\\' if self.peek_at(1) == Some('\n') => {
                    self.advance(2)?;
                }
                c => {
                    self.bump()?;
                    lit.push(c);
                }
            }
        };
        self.leave();
        if !ok {
            self.arith_failed.insert(start);
            self.pos = start;
            return Ok(None);
        }
        if !lit.is_empty() {
            parts.push(WordPart::Lit(lit));
        }
        Ok(Some(Word { parts }))
    }
}

/// Marks the synthetic part that carries an array assignment's elements.
pub(crate) const ARRAY_MARK: &str = "\u{0}array";

fn push_byte(s: &mut String, v: u32) {
    // bash emits raw bytes; for ASCII that is the character, above it we use the Latin-1
    // character, which keeps the analysis total (the byte cannot form a command word anyway).
    s.push(char::from_u32(v & 0xff).unwrap_or('?'));
}
