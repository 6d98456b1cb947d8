//! Redaction of values that look like credentials, for what goes into the audit log and error
//! messages (a command line can carry a token; the log must not).
//!
//! Conservative by design: it removes long opaque tokens and the values of secret-named
//! assignments, at the cost of sometimes hiding a harmless hash. The content scanners find
//! vendor formats precisely; this is the floor under them.

/// Replaces credential-like values in `text` with `[REDACTED]`.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let mut secret_named = false;
    let flush = |word: &mut String, out: &mut String, secret_named: bool| {
        if !word.is_empty() {
            if (secret_named && word.len() >= 4) || opaque_token(word) {
                out.push_str("[REDACTED]");
            } else {
                out.push_str(word);
            }
            word.clear();
        }
    };
    for c in text.chars() {
        if c.is_alphanumeric() || matches!(c, '+' | '_' | '-' | '~') {
            word.push(c);
            continue;
        }
        let was_name = word.clone();
        flush(&mut word, &mut out, secret_named);
        if matches!(c, '=' | ':') && secret_name(&was_name) {
            secret_named = true;
        } else if !matches!(c, '"' | '\'' | ' ') || !secret_named {
            secret_named = false;
        }
        if c == ' ' && !was_name.is_empty() {
            secret_named = false;
        }
        out.push(c);
    }
    flush(&mut word, &mut out, secret_named);
    out
}

fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "private_key",
        "credential",
        "auth",
    ]
    .iter()
    .any(|k| n.contains(k))
}

/// A run of 20 or more token characters mixing letters and digits: API keys, tokens, hashes.
fn opaque_token(w: &str) -> bool {
    w.len() >= 20
        && w.chars().any(|c| c.is_ascii_digit())
        && w.chars().any(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn tokens_and_secret_assignments_go() {
        assert_eq!(
            redact("curl -H 'Authorization: Bearer ghp_abcdefghij0123456789abcdefghij0123' x"),
            "curl -H 'Authorization: [REDACTED] [REDACTED]' x"
        );
        assert_eq!(
            redact("DB_PASSWORD=hunter22 ./run"),
            "DB_PASSWORD=[REDACTED] ./run"
        );
        assert_eq!(
            redact("export API_KEY=\"abcd\""),
            "export API_KEY=\"[REDACTED]\""
        );
    }

    #[test]
    fn ordinary_commands_stay() {
        for c in [
            "git status && cargo test --workspace",
            "ls -la src/main.rs",
            "npm run build-production",
        ] {
            assert_eq!(redact(c), c);
        }
    }
}
