//! Generic assignments (`api_key = "…"`): whether the variable's name says it holds a secret,
//! and whether the value looks like one rather than a reference, an identifier, a UUID, a time
//! or a placeholder.

use super::*;

/// Parts of a variable name that say it holds something about a secret, not the secret.
const NOT_SECRET_NAME_PARTS: &[&str] = &[
    "url",
    "uri",
    "endpoint",
    "path",
    "file",
    "dir",
    "type",
    "name",
    "length",
    "len",
    "ttl",
    "expir",
    "count",
    "header",
    "field",
    "policy",
    "hash",
    "prefix",
    "format",
    "version",
    "size",
    "timeout",
    "regex",
    "pattern",
    "label",
    "mode",
    "enabled",
    "required",
    "min",
    "max",
    "limit",
    "store",
    "manager",
    "provider",
    "validator",
    "input",
    "placeholder",
    "param",
    "kind",
    "class",
    "reset",
    "expires",
    "lifetime",
    "duration",
    "age",
    "delay",
    "rotation",
    "ref",
    "arn",
    "id",
    "key_id",
    "keyid",
    "method",
    "scope",
    "audience",
    "issuer",
    "version",
    "helper",
    "ssm",
    "vault",
    "location",
    "source",
    "hint",
    "description",
    "exchange",
];

/// Tokens that are not credentials: pagination cursors, idempotency and change tokens
/// (`NextToken`, `ChangeToken`, `nextPageToken`), as AWS and Google APIs name them. Not
/// `client` or `request`: Vault's `client_token` and OAuth 1's `request_token` are credentials.
const NOT_SECRET_TOKENS: &[&str] = &[
    "next",
    "page",
    "continuation",
    "pagination",
    "change",
    "sync",
    "resume",
    "idempotency",
    "lifecycleaction",
    "update",
    "marker",
    "cursor",
];

fn secret_name_ok(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let squashed: String = lower
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if let Some(before) = squashed.strip_suffix("token")
        && NOT_SECRET_TOKENS.iter().any(|w| before.ends_with(w))
    {
        return false;
    }
    let parts: Vec<&str> = lower
        .split(['_', '-', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    // camelCase names (`tokenType`) are checked by suffix on the lowercased whole.
    !parts.iter().any(|p| NOT_SECRET_NAME_PARTS.contains(p))
        && ![
            "type", "url", "uri", "name", "path", "file", "id", "length", "hash", "endpoint",
        ]
        .iter()
        .any(|s| lower.ends_with(s))
}

/// `8-4-4-4-12` hexadecimal.
fn is_uuid(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// An ISO 8601 date or date-time (`2016-09-08T21:47:36Z`): when a password was last used, not
/// the password.
fn is_timestamp(v: &str) -> bool {
    let b = v.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10..]
            .iter()
            .all(|c| c.is_ascii_digit() || b"T:.+-Z ".contains(c))
}

/// A snake_case name in code (`x25519_check_private_key_bytes`): lower-case letters, digits and
/// at least two `_`, every part short, and three or more parts that are words (three letters or
/// more, with a vowel). Generated secrets have long random runs and, in base62, no `_` at all.
fn looks_like_identifier(v: &str) -> bool {
    if !v
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return false;
    }
    let parts: Vec<&str> = v.split('_').collect();
    let words = parts
        .iter()
        .filter(|p| {
            p.len() >= 3
                && p.bytes().all(|b| b.is_ascii_lowercase())
                && p.bytes().any(|b| b"aeiouy".contains(&b))
        })
        .count();
    parts.len() >= 3 && parts.iter().all(|p| !p.is_empty() && p.len() <= 16) && words >= 3
}

/// A code expression, path or URL rather than a literal: `config.api_token`, `./key.pem`.
fn looks_like_reference(v: &str) -> bool {
    v.starts_with('/')
        || v.starts_with('~')
        || v.starts_with('.')
        || v.starts_with('=')
        || v.starts_with('!')
        || v.contains("://")
        || v.contains("::")
        || v.contains("->")
        || (v.contains('.')
            && v.split('.').all(|seg| {
                seg.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            }))
}

pub(super) fn generic_assignment(
    text: &[u8],
    caps: &Captures<'_>,
    base: usize,
    secret: (usize, usize),
) -> bool {
    let name = caps.get(1).map_or("", |m| as_str(m.as_bytes()));
    let v = secret_str(text, secret);
    if !secret_name_ok(name) || looks_like_reference(v) || v.len() > 256 {
        return false;
    }
    let name_start = base + caps.get(1).map_or(0, |m| m.start());
    let before = &text[..name_start];
    let colon_in_word = before.ends_with(b":")
        && before
            .len()
            .checked_sub(2)
            .is_some_and(|i| before[i].is_ascii_alphanumeric());
    if before.ends_with(b"/") || before.ends_with(b"::") || colon_in_word {
        // A segment of a path, a type name or an ARN (`alias/aws/secretsmanager`,
        // `AWS::IAM::AccessKey`, `…:secret:MyTestSecret-a1b2c3`), not a variable.
        return false;
    }
    let lower = name.to_ascii_lowercase();
    if is_uuid(v) && (lower.contains("client") || lower.contains("request")) {
        // AWS's idempotency tokens (`ClientToken`, `RequestToken`) are UUIDs.
        return false;
    }
    if is_timestamp(v) || looks_like_identifier(v) {
        return false;
    }
    // Cut short by an index or a call (`key=table[i]`, `pwd=derive1(x)`), or by a redaction
    // marker: an expression, or what is left of a value already redacted.
    if matches!(text.get(secret.1), Some(b'[' | b'(')) {
        return false;
    }
    let has_letter = v.bytes().any(|b| b.is_ascii_alphabetic());
    let has_digit = v.bytes().any(|b| b.is_ascii_digit());
    if !has_letter || !has_digit {
        return false;
    }
    let entropy = shannon_entropy(v.as_bytes());
    if lower.contains("pass") || lower.contains("pwd") {
        // Passwords are short and chosen by people: a lower bar, but never a placeholder.
        v.len() >= 8 && entropy >= 2.5 && !is_placeholder_password(v, "")
    } else {
        v.len() >= 16 && entropy >= 3.5 && !is_placeholder(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_table() {
        let cases = [
            ("CLIENT_SECRET", true),
            ("api_key", true),
            ("GITHUB_TOKEN", true),
            ("db_password", true),
            ("token_type", false),
            ("TOKEN_URL", false),
            ("secret_name", false),
            ("password_hash", false),
            ("tokenType", false),
            ("access_key_id", false),
        ];
        for (name, want) in cases {
            assert_eq!(secret_name_ok(name), want, "{name}");
        }
        for (name, want) in [
            ("NextToken", false),
            ("nextPageToken", false),
            ("ChangeToken", false),
            ("LifecycleActionToken", false),
            ("pagination_token", false),
            ("client_token", true),
            ("request_token", true),
            ("access_token", true),
            ("SessionToken", true),
        ] {
            assert_eq!(secret_name_ok(name), want, "{name}");
        }
    }

    #[test]
    fn timestamps_and_identifiers_are_not_values() {
        for v in [
            "2016-09-08T21:47:36Z",
            "2024-01-31",
            "2024-01-31 10:00:00+01:00",
        ] {
            assert!(is_timestamp(v), "{v}");
        }
        for v in ["20160908T21", "2016-09-08Tx", "8yhjStXnlEfhG1wUJ073"] {
            assert!(!is_timestamp(v), "{v}");
        }
        for v in [
            "x25519_check_private_key_bytes",
            "get_api_key_v2",
            "load_secret_from_env",
        ] {
            assert!(looks_like_identifier(v), "{v}");
        }
        for v in [
            "sk_live_8yhjStXnlEfhG1wUJ073",
            "a1b2_c3d4_e5f6_g7h8",
            "tok_abcdefghijklmnopqrstuvwx_y",
            "8yhjStXnlEfhG1wUJ073PIuiX7cdZfuTC4Dr5z8m",
            "dd0bdf4372ccbb92fc8958833439a004",
            "5RzOPT6LGDE7TT",
            "Tq8txbTCerE3",
            "ghp_XVG7E2OGXU1GrYldeWhWUaUWMOaVXsj9Kg3l",
        ] {
            assert!(!looks_like_identifier(v), "{v}");
        }
        // Random base64url values of every length the generic rule takes are almost never
        // identifiers: fewer than one in a thousand of 20,000 (a fixed-seed generator, so the
        // test is exact).
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut flagged = 0;
        for i in 0..20_000 {
            let len = 16 + i % 49;
            let v: String = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    alphabet[(state >> 33) as usize % alphabet.len()] as char
                })
                .collect();
            flagged += usize::from(looks_like_identifier(&v));
        }
        assert!(
            flagged < 20,
            "{flagged} of 20,000 random values look like identifiers"
        );
    }
}
