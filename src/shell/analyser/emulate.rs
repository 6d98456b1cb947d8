//! What commands whose effect is a function of their arguments print or write: `echo`,
//! `printf`, `cat` of known text, and the text `sed -i` puts into files.

use super::*;

/// For `sed -i` with a known script: the texts the script puts into the files (`a`, `i`, `c`
/// text and `s` replacements), and the files. `None` for anything else.
pub(super) fn sed_in_place(cmd: &SimpleCommand) -> Option<(Vec<String>, Vec<&str>)> {
    if cmd.argv.iter().any(|x| x.unknown) {
        return None;
    }
    let mut in_place = false;
    let mut scripts: Vec<&str> = Vec::new();
    let mut operands: Vec<&str> = Vec::new();
    let mut args = cmd.args();
    while let Some(a) = args.next() {
        if a == "--" {
            operands.extend(args.by_ref());
            break;
        }
        if a == "-e" || a == "--expression" {
            scripts.push(args.next()?);
        } else if let Some(e) = a.strip_prefix("--expression=") {
            scripts.push(e);
        } else if a == "-f" || a == "--file" || a.starts_with("--file=") {
            // A script file: its text is not in the command.
            return None;
        } else if a == "--in-place" || a.starts_with("--in-place=") {
            in_place = true;
        } else if a == "-l" || a == "--line-length" {
            args.next();
        } else if a.starts_with("--") {
        } else if let Some(flags) = a.strip_prefix('-')
            && !flags.is_empty()
        {
            // `-i`, `-i.bak`, `-ni`, `-Ei`: an `i` among the flags before any suffix.
            if let Some(k) = flags.find('i') {
                in_place |= flags[..k].chars().all(|c| "nrEsuz".contains(c));
            }
            if let Some(e) = flags.strip_suffix('e')
                && e.chars().all(|c| "nrEsuz".contains(c))
            {
                scripts.push(args.next()?);
            }
        } else {
            operands.push(a);
        }
    }
    if !in_place {
        return None;
    }
    if scripts.is_empty() {
        if operands.is_empty() {
            return None;
        }
        scripts.push(operands.remove(0));
    }
    let texts: Vec<String> = scripts.iter().flat_map(|s| sed_texts(s)).collect();
    (!texts.is_empty() && !operands.is_empty()).then_some((texts, operands))
}

/// The texts a sed script writes: what follows `a`, `i` and `c` (to the end of the line, with
/// `\` continuations), and the replacement of each `s` command.
fn sed_texts(script: &str) -> Vec<String> {
    let c: Vec<char> = script.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    // Up to the next unescaped `d`; returns the text and the index after `d`.
    let until = |mut i: usize, d: char| -> (String, usize) {
        let mut t = String::new();
        while i < c.len() && c[i] != d {
            if c[i] == '\\' && i + 1 < c.len() {
                if c[i + 1] != d {
                    t.push('\\');
                }
                i += 1;
            }
            t.push(c[i]);
            i += 1;
        }
        (t, i + 1)
    };
    while i < c.len() {
        // Separators, blocks, and the address: line numbers, `$`, ranges, `/re/`, `\%re%`.
        match c[i] {
            ' ' | '\t' | '\n' | ';' | '{' | '}' | '!' | ',' | '~' | '+' | '$' => {
                i += 1;
                continue;
            }
            d if d.is_ascii_digit() => {
                i += 1;
                continue;
            }
            '/' => {
                i = until(i + 1, '/').1;
                continue;
            }
            '\\' if i + 1 < c.len() => {
                let d = c[i + 1];
                i = until(i + 2, d).1;
                continue;
            }
            _ => {}
        }
        let command = c[i];
        i += 1;
        match command {
            'a' | 'i' | 'c' => {
                if c.get(i) == Some(&'\\') {
                    i += 1;
                }
                while matches!(c.get(i), Some(' ' | '\t')) || (c.get(i) == Some(&'\n')) {
                    i += 1;
                    if c.get(i - 1) == Some(&'\n') {
                        break;
                    }
                }
                let mut t = String::new();
                while i < c.len() && c[i] != '\n' {
                    if c[i] == '\\' && c.get(i + 1) == Some(&'\n') {
                        t.push('\n');
                        i += 2;
                        continue;
                    }
                    t.push(c[i]);
                    i += 1;
                }
                if !t.is_empty() {
                    out.push(t);
                }
            }
            's' | 'y' if i < c.len() => {
                let d = c[i];
                let (_, after_pattern) = until(i + 1, d);
                let (replacement, after) = until(after_pattern, d);
                if !replacement.is_empty() {
                    out.push(replacement);
                }
                i = after;
                // Flags, up to the end of the command.
                while i < c.len() && c[i] != ';' && c[i] != '\n' && c[i] != '}' {
                    i += 1;
                }
            }
            _ => {
                while i < c.len() && c[i] != ';' && c[i] != '\n' && c[i] != '}' {
                    i += 1;
                }
            }
        }
    }
    out
}

/// The standard output of commands whose output is a function of their arguments.
pub(super) fn command_output(
    cmd: &SimpleCommand,
    stdin: Option<&str>,
    a: &Analyser,
) -> Option<String> {
    if cmd.argv.iter().any(|x| x.unknown) {
        return None;
    }
    let args: Vec<&str> = cmd.args().collect();
    match cmd.name.as_str() {
        "echo" => {
            let mut i = 0;
            let mut newline = true;
            let mut escapes = false;
            while i < args.len()
                && args[i].starts_with('-')
                && args[i].len() > 1
                && args[i][1..].chars().all(|c| "neE".contains(c))
            {
                newline &= !args[i].contains('n');
                escapes |= args[i].contains('e');
                i += 1;
            }
            let mut s = args[i..].join(" ");
            if escapes {
                s = decode_escapes(&s, true);
            }
            if newline {
                s.push('\n');
            }
            Some(s)
        }
        "printf" => {
            let fmt = args.first()?;
            if fmt.starts_with('-') {
                return None;
            }
            printf(fmt, &args[1..])
        }
        "pwd" => cmd.cwd.as_ref().map(|c| format!("{}\n", c.display())),
        "cat" if args.is_empty() || args == ["-"] => stdin.map(str::to_string),
        "cat" => {
            let mut out = String::new();
            for f in args {
                if f.starts_with('-') {
                    return None;
                }
                let path = a.resolve_path(&cmd.cwd, f)?;
                match a.file_text(&path) {
                    FileText::Known(t) => out.push_str(&t),
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// Decodes the backslash escapes of `echo -e` and `printf` (`\n`, `\t`, `\xHH`, `\0NNN`
/// for echo or `\NNN` for printf, `\\`).
fn decode_escapes(s: &str, echo: bool) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let radix_digits = |i: &mut usize, radix: u32, max: usize| -> Option<u32> {
        let mut v = 0u32;
        let mut n = 0;
        while n < max {
            match chars.get(*i).and_then(|c| c.to_digit(radix)) {
                Some(d) => {
                    v = v * radix + d;
                    *i += 1;
                    n += 1;
                }
                None => break,
            }
        }
        (n > 0).then_some(v)
    };
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' || i >= chars.len() {
            out.push(c);
            continue;
        }
        let e = chars[i];
        i += 1;
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            'e' | 'E' => out.push('\x1b'),
            '\\' => out.push('\\'),
            'x' => match radix_digits(&mut i, 16, 2) {
                Some(v) => out.push(char::from_u32(v).unwrap_or('?')),
                None => out.push_str("\\x"),
            },
            '0' if echo => {
                let v = radix_digits(&mut i, 8, 3).unwrap_or(0);
                out.push(char::from_u32(v & 0xff).unwrap_or('?'));
            }
            '0'..='7' if !echo => {
                i -= 1;
                let v = radix_digits(&mut i, 8, 3).unwrap_or(0);
                out.push(char::from_u32(v & 0xff).unwrap_or('?'));
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

/// What `printf FORMAT ARGS...` prints, for `%s`, `%b`, `%d`, `%c` and `%%`; the format is
/// reused while arguments remain, as bash does. `None` for anything else.
pub(super) fn printf(fmt: &str, args: &[&str]) -> Option<String> {
    let fmt: Vec<char> = decode_escapes(fmt, false).chars().collect();
    let mut out = String::new();
    let mut next = 0;
    loop {
        let mut i = 0;
        let mut consumed = false;
        while i < fmt.len() {
            let c = fmt[i];
            i += 1;
            if c != '%' {
                out.push(c);
                continue;
            }
            let spec = *fmt.get(i)?;
            i += 1;
            let arg = || args.get(next).copied().unwrap_or("");
            match spec {
                '%' => out.push('%'),
                's' | 'd' | 'i' | 'u' => {
                    out.push_str(arg());
                    next += 1;
                    consumed = true;
                }
                'b' => {
                    out.push_str(&decode_escapes(arg(), true));
                    next += 1;
                    consumed = true;
                }
                'c' => {
                    if let Some(ch) = arg().chars().next() {
                        out.push(ch);
                    }
                    next += 1;
                    consumed = true;
                }
                _ => return None,
            }
            if out.len() > word::MAX_FIELD_LEN {
                return None;
            }
        }
        if !consumed || next >= args.len() {
            return Some(out);
        }
    }
}
