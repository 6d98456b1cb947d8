//! Building a `serde_json::Value` from JSON text in one pass, with each string unescaped straight
//! into its final `String`, giving exactly what `serde_json` gives or nothing.
//!
//! `serde_json` unescapes a string into a scratch buffer and then copies it into the `String`
//! it returns: for a 1 MB Write, two megabytes of fresh memory, about 270 page faults and a
//! millisecond of system time on the 2-core VM (docs/performance.md). A large event is read
//! whole by [`parse_object`] in one pass (`Event::parse`): no `serde_json` walk to find where
//! `tool_input` ends before it is built. Anything this parser does not take exactly as
//! `serde_json` would (a lone surrogate, a control character, a number it cannot read, a
//! repeated top-level key, broken text) makes it answer `None`, and the caller falls back to
//! `serde_json` itself, so the result is always `serde_json`'s (property-tested here and in
//! `event`). When the caller does fall back, [`parse`] still builds a large `tool_input` or
//! `tool_response` from `serde_json`'s validated [`serde_json::value::RawValue`].

use serde_json::{Map, Number, Value};

/// Values smaller than this are left to `serde_json`: the copy costs nothing there.
pub const MIN_BYTES: usize = 64 * 1024;

/// The most JSON values (strings, numbers, members, …) an event may hold: about 100 MB once
/// built as `serde_json::Value`s. An event over it is refused before it is parsed.
pub const MAX_VALUES: usize = 1_000_000;

/// Whether the JSON text `b` holds more than `max` values, counted as the `,`, `[`, `{` and
/// `:` outside strings (an upper bound of the values, at most one more than it for any text
/// that is one value). Linear, and fast on text-heavy events: a string's content is skipped
/// with `memchr2` to its next `"` or `\`. Text that is not JSON is counted all the same; it is
/// refused later anyway.
pub fn values_over(b: &[u8], max: usize) -> bool {
    let mut n = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                // Inside a string: to its closing quote, past every escape.
                i += 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', b.get(i..).unwrap_or_default()) {
                        Some(k) if b[i + k] == b'\\' => i += k + 2,
                        Some(k) => {
                            i += k + 1;
                            break;
                        }
                        None => return n > max,
                    }
                }
                continue;
            }
            b',' | b'[' | b'{' | b':' => {
                n += 1;
                if n > max {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// Deeper nesting is left to `serde_json` (which limits it to 128).
const MAX_DEPTH: usize = 64;

/// The value of validated JSON text `raw`, or `None` if this parser would not give exactly
/// `serde_json`'s answer (then use `serde_json`).
pub fn parse(raw: &str) -> Option<Value> {
    Parser::new(raw, false).all()
}

/// A whole event: like [`parse`], but only a JSON object whose own keys are all different.
/// `serde_json` refuses a repeated field of a struct where a map keeps the last value, so an
/// event that repeats a key is left to `serde_json` and its error.
pub fn parse_object(raw: &str) -> Option<Map<String, Value>> {
    match Parser::new(raw, true).all()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

struct Parser<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
    /// Decline a repeated key in the outermost object.
    unique_top: bool,
}

impl Parser<'_> {
    fn new(raw: &str, unique_top: bool) -> Parser<'_> {
        Parser {
            b: raw.as_bytes(),
            s: raw,
            i: 0,
            unique_top,
        }
    }

    /// The one value the text holds, surrounded by nothing but whitespace.
    fn all(mut self) -> Option<Value> {
        let v = self.value(0)?;
        self.ws();
        (self.i == self.b.len()).then_some(v)
    }

    fn ws(&mut self) {
        while self
            .b
            .get(self.i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    /// After a member of an object or array: `Some(true)` past a `,` (another follows),
    /// `Some(false)` past `close` (the end), `None` for anything else.
    fn more(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match *self.b.get(self.i)? {
            b',' => {
                self.i += 1;
                Some(true)
            }
            c if c == close => {
                self.i += 1;
                Some(false)
            }
            _ => None,
        }
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut map = Map::new();
                if self.eat(b'}').is_none() {
                    loop {
                        self.ws();
                        let key = self.string()?;
                        self.eat(b':')?;
                        let v = self.value(depth + 1)?;
                        // As serde_json: a repeated key keeps the last value.
                        if map.insert(key, v).is_some() && depth == 0 && self.unique_top {
                            return None;
                        }
                        if !self.more(b'}')? {
                            break;
                        }
                    }
                }
                Some(Value::Object(map))
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                if self.eat(b']').is_none() {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if !self.more(b']')? {
                            break;
                        }
                    }
                }
                Some(Value::Array(items))
            }
            b'"' => self.string().map(Value::String),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Null),
            _ => self.number(),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Option<Value> {
        self.b[self.i..].starts_with(word.as_bytes()).then(|| {
            self.i += word.len();
            v
        })
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        while self
            .b
            .get(self.i)
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
        {
            self.i += 1;
        }
        // Numbers are short: serde_json reads them, so their precision rules are its own.
        let n: Number = serde_json::from_str(&self.s[start..self.i]).ok()?;
        Some(Value::Number(n))
    }

    /// A string literal at `self.i`, unescaped into one `String` in one pass.
    fn string(&mut self) -> Option<String> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        let mut out = String::new();
        let (mut at, mut from) = (start, start);
        loop {
            let k = at + memchr::memchr2(b'"', b'\\', self.b.get(at..)?)?;
            push_bounded(&mut out, &self.s[from..k], self.b.len() - from);
            if self.b[k] == b'"' {
                self.i = k + 1;
                // A raw control character is not valid JSON in a string: leave the verdict to
                // serde_json. (A fold, not `any`, so that it vectorises.)
                let control = self.b[start..k]
                    .iter()
                    .fold(false, |acc, &c| acc | (c < 0x20));
                return (!control).then_some(out);
            }
            let (ch, len) = match *self.b.get(k + 1)? {
                b'"' => ('"', 2),
                b'\\' => ('\\', 2),
                b'/' => ('/', 2),
                b'b' => ('\u{8}', 2),
                b'f' => ('\u{c}', 2),
                b'n' => ('\n', 2),
                b'r' => ('\r', 2),
                b't' => ('\t', 2),
                b'u' => {
                    let hi = hex4(self.b.get(k + 2..k + 6)?)?;
                    match hi {
                        0xD800..=0xDBFF => {
                            // A leading surrogate must be followed by `\u` and a trailing one.
                            if self.b.get(k + 6..k + 8)? != b"\\u" {
                                return None;
                            }
                            let lo = hex4(self.b.get(k + 8..k + 12)?)?;
                            if !(0xDC00..=0xDFFF).contains(&lo) {
                                return None;
                            }
                            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            (char::from_u32(c)?, 12)
                        }
                        0xDC00..=0xDFFF => return None,
                        c => (char::from_u32(c)?, 6),
                    }
                }
                _ => return None,
            };
            if out.capacity() - out.len() >= ch.len_utf8() {
                out.push(ch);
            } else {
                push_bounded(&mut out, ch.encode_utf8(&mut [0; 4]), self.b.len() - k);
            }
            at = k + len;
            from = at;
        }
    }
}

/// Appends `piece` to the string being unescaped, doubling its capacity as `push_str` would
/// but never past `left` (the bytes of JSON text from `piece`'s own start): the unescaped
/// string is never longer than the text it comes from. Plain doubling reserved 114 MiB for a
/// 62 MiB command, over the 256 MB address space of issue 16.
#[inline]
fn push_bounded(out: &mut String, piece: &str, left: usize) {
    let need = out.len() + piece.len();
    if need > out.capacity() {
        let want = (out.capacity() * 2).min(out.len() + left).max(need);
        out.reserve_exact(want - out.len());
    }
    out.push_str(piece);
}

fn hex4(h: &[u8]) -> Option<u32> {
    let mut v = 0;
    for &c in h {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_are_counted_outside_strings() {
        let v =
            serde_json::json!({"a": [1, 2, {"b": "x,y:[{"}], "c": "q\\\",[", "d": ["", "", ""]});
        let text = v.to_string();
        // 1 object, 4 keys/values at the top, 3 in `a`, one member in its object, 3 in `d`.
        assert!(!super::values_over(text.as_bytes(), 14));
        assert!(super::values_over(text.as_bytes(), 5));
        let many = format!("[{}\"a\"]", "\"a\",".repeat(1000));
        assert!(super::values_over(many.as_bytes(), 999));
        assert!(!super::values_over(many.as_bytes(), 1001));
        // Unterminated strings and a trailing backslash end the count without panicking.
        for t in ["\"abc", "\"ab\\", "[\"\\"] {
            assert!(!super::values_over(t.as_bytes(), 5));
        }
    }

    use super::parse;
    use proptest::prelude::*;
    use serde_json::Value;

    fn same_as_serde(text: &str) {
        let theirs: Result<Value, _> = serde_json::from_str(text);
        match (parse(text), theirs) {
            (Some(ours), Ok(theirs)) => assert_eq!(ours, theirs, "{text:?}"),
            // Not taken: the caller uses serde_json's answer.
            (None, _) => {}
            (Some(ours), Err(e)) => panic!("{text:?}: ours {ours:?}, serde_json: {e}"),
        }
    }

    #[test]
    fn table() {
        for t in [
            r#"{"content":"a\nb\t\"c\"\\ \/ \b\f\r \u00e9 \ud83d\ude00 ✓","n":[1,-2.5,3e2,1E-3,0,12345678901234567890],"x":null,"y":true,"z":false,"o":{}}"#,
            r#"  { "a" : [ ] , "a" : "last wins" }  "#,
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            "\"tab\there\"",
            r#"{"k\"ey":"v"}"#,
            r#"[1,2,[3,[4,{"a":"b"}]]]"#,
            r#""\u0000""#,
            r#"{"a":1}x"#,
        ] {
            same_as_serde(t);
        }
        assert_eq!(parse(r#"{"content":"a\nb"}"#).unwrap()["content"], "a\nb");
        assert!(parse(r#""\ud800""#).is_none());
        assert!(parse("\"tab\there\"").is_none());
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            any::<String>().prop_map(Value::String),
            "[\"\\\\/\\n\\t\\u{0}-\\u{1f}\\u{7f}\\u{d7ff}\\u{e000}\\u{10ffff}a-z]{0,40}"
                .prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    /// Re-escapes a serialised value's strings in the other ways JSON allows: `\/`, `\uXXXX`
    /// for any character (surrogate pairs above the BMP), whitespace between tokens.
    fn respell(text: &str, seed: u64) -> String {
        let mut out = String::new();
        let mut state = seed | 1;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut in_str = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if !in_str {
                if c == '"' {
                    in_str = true;
                }
                out.push(c);
                if matches!(c, ',' | ':' | '[' | '{') && next() % 3 == 0 {
                    out.push_str([" ", "\n", "\t ", "\r\n"][(next() % 4) as usize]);
                }
                continue;
            }
            match c {
                '"' => {
                    in_str = false;
                    out.push(c);
                }
                '\\' => {
                    out.push(c);
                    if let Some(e) = chars.next() {
                        out.push(e);
                        if e == 'u' {
                            for _ in 0..4 {
                                out.extend(chars.next());
                            }
                        }
                    }
                }
                '/' if next() % 2 == 0 => out.push_str("\\/"),
                c if next() % 4 == 0 => {
                    let mut buf = [0u16; 2];
                    for u in c.encode_utf16(&mut buf) {
                        out.push_str(&format!("\\u{u:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Whatever serde_json reads, this reads the same, however the text spells it.
        #[test]
        fn agrees_with_serde_json(v in json_value(), seed in any::<u64>()) {
            let text = serde_json::to_string(&v).unwrap();
            // Compared with serde_json's reading of the text, not with `v`: without its
            // float_roundtrip feature serde_json may read a float back one ulp away, and the
            // hook must see exactly what it would have seen before.
            let theirs: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(parse(&text), Some(theirs));
            let respelled = respell(&text, seed);
            let theirs: Value = serde_json::from_str(&respelled).unwrap();
            prop_assert_eq!(parse(&respelled), Some(theirs), "{}", respelled);
        }

        /// Arbitrary text: never a different answer from serde_json's, never a panic.
        #[test]
        fn never_disagrees_on_arbitrary_text(text in "[\\[\\]{}\",:\\\\ubnrtfd0-9a-fA-F.eE+\\- \t\u{1}é]{0,40}") {
            same_as_serde(&text);
        }
    }
}
