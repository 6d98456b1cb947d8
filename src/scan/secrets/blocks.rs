//! Detectors that need more than one regex match: private key blocks (BEGIN to END) and
//! service-account JSON objects holding a private key.

use super::*;

/// `-----BEGIN … PRIVATE KEY-----` with a body of key material: the span runs to the matching
/// END line (or the end of the base64 body when there is none). A header with no body (a parser
/// constant, documentation with `...`) is not a key.
pub(super) fn private_key(text: &[u8], positions: &mut [usize], out: &mut Vec<(usize, usize)>) {
    static HEADER: LazyLock<Regex> = LazyLock::new(|| {
        build_regex(
            r"-----BEGIN (?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----",
            false,
        )
        .expect("private key header pattern compiles (tested)")
    });
    const MAX_BODY: usize = 64 * 1024;
    let mut next_free = 0;
    for (ws, we) in line_windows(text, positions) {
        for m in HEADER.find_iter(&text[ws..we]) {
            let (hs, he) = (ws + m.start(), ws + m.end());
            if hs < next_free {
                continue;
            }
            let limit = (he + MAX_BODY).min(text.len());
            let (body_end, end) = match memchr::memmem::find(&text[he..limit], b"-----END ") {
                Some(i) => {
                    let es = he + i;
                    let close =
                        memchr::memmem::find(&text[es + 9..(es + 120).min(text.len())], b"-----")
                            .map_or(es + 9, |j| es + 9 + j + 5);
                    (es, close)
                }
                None => {
                    let run = text[he..limit]
                        .iter()
                        .position(|b| {
                            !(b.is_ascii_alphanumeric() || b"+/=\\\r\n\t \"',:-".contains(b))
                        })
                        .map_or(limit, |i| he + i);
                    (run, run)
                }
            };
            let body = &text[he..body_end];
            let b64 = body
                .iter()
                .filter(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b))
                .count();
            let noise = body
                .iter()
                .filter(|b| !(b.is_ascii_alphanumeric() || b"+/=\\\r\n\t \"',:-".contains(b)))
                .count();
            let dots = memchr::memmem::find(body, b"...").is_some();
            if b64 >= 64 && noise <= 2 && !dots && !low_variety(as_str(body)) {
                out.push((hs, end));
                next_free = end;
            }
        }
    }
}

/// `"type": "service_account"` with a non-empty `"private_key"` in the same JSON object: the
/// span is the private key's value.
pub(super) fn service_account(text: &[u8], positions: &mut [usize], out: &mut Vec<(usize, usize)>) {
    const REACH: usize = 16 * 1024;
    positions.sort_unstable();
    let mut done_until = 0;
    for &p in positions.iter() {
        if p < done_until {
            continue;
        }
        // `"type"` then `:` then `"` straight before the keyword.
        let before = &text[p.saturating_sub(40)..p];
        let before = trim_end(before, b" \t\r\n\"");
        let before = before.strip_suffix(b":").unwrap_or(b"");
        let before = trim_end(before, b" \t\r\n");
        if !before.ends_with(b"\"type\"") {
            continue;
        }
        let lo = p.saturating_sub(REACH);
        let hi = (p + REACH).min(text.len());
        let Some(k) = memchr::memmem::find(&text[lo..hi], b"\"private_key\"") else {
            continue;
        };
        let mut i = lo + k + b"\"private_key\"".len();
        while i < hi && matches!(text[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        if i >= hi || text[i] != b':' {
            continue;
        }
        i += 1;
        while i < hi && matches!(text[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        if i >= hi || text[i] != b'"' {
            continue;
        }
        let vs = i + 1;
        let mut j = vs;
        while j < hi && text[j] != b'"' {
            j += if text[j] == b'\\' { 2 } else { 1 };
        }
        let ve = j.min(hi);
        // What earlier redaction left in place is not key material: count without it, so a
        // redacted key is not found again (a marker inserted into a real key leaves the key's
        // own material, which still counts).
        let unmarked = without_markers(&text[vs..ve]);
        let value = unmarked.as_slice();
        // A JSON string holding a PEM key: no raw newline, the PEM header, and key material.
        let b64 = value
            .iter()
            .filter(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b))
            .count();
        if b64 >= 64
            && memchr::memchr(b'\n', value).is_none()
            && memchr::memmem::find(value, b"PRIVATE KEY").is_some()
            && !low_variety(as_str(value))
            && memchr::memmem::find(value, b"...").is_none()
        {
            out.push((vs, ve));
            done_until = ve;
        }
    }
}

/// `b` with every `[hookguard: … redacted]` marker removed.
fn without_markers(b: &[u8]) -> Vec<u8> {
    let open = crate::scan::MARKER_OPEN.as_bytes();
    let close = crate::scan::MARKER_CLOSE.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut rest = b;
    while let Some(i) = memchr::memmem::find(rest, open) {
        out.extend_from_slice(&rest[..i]);
        match memchr::memmem::find(&rest[i..], close) {
            Some(j) => rest = &rest[i + j + close.len()..],
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    out.extend_from_slice(rest);
    out
}

pub(super) fn trim_end<'a>(mut b: &'a [u8], set: &[u8]) -> &'a [u8] {
    while let Some((last, rest)) = b.split_last() {
        if set.contains(last) {
            b = rest;
        } else {
            break;
        }
    }
    b
}

#[cfg(test)]
mod marker_tests {
    use super::without_markers;

    #[test]
    fn markers_are_not_material_but_what_surrounds_them_is() {
        assert_eq!(
            without_markers(b"a[hookguard: AWS secret access key redacted]b"),
            b"ab".to_vec()
        );
        assert_eq!(
            without_markers(b"x[hookguard: open"),
            b"x[hookguard: open".to_vec()
        );
        let key = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
        let with = format!("{key}[hookguard: x redacted]{key}");
        assert_eq!(
            without_markers(with.as_bytes()),
            format!("{key}{key}").into_bytes()
        );
    }
}
