//! C15, prohibited areas (PR-07): code that must not be generated in production without
//! specialist review: cryptography, authentication and authorisation, payment processing,
//! firewall rules and network policy, safety-critical logic.
//!
//! Judged from the path being written: each component is split into lower-case words (at
//! punctuation and camelCase boundaries) and a word from an area's list marks the area. Whole
//! words only, so `author.rs`, `delivery.go` and `cardinality.py` are not flagged.

use crate::decision::Finding;
use crate::paths::NormPath;

/// Each area, the words that mark it, and what to use instead.
pub const AREAS: &[(&str, &[&str], &str)] = &[
    (
        "crypto",
        &[
            "crypto",
            "cryptography",
            "cipher",
            "ciphers",
            "encrypt",
            "encryption",
            "decrypt",
            "decryption",
            "hmac",
            "pbkdf2",
            "bcrypt",
            "scrypt",
            "argon2",
            "kdf",
            "keygen",
        ],
        "use an established, reviewed cryptographic library",
    ),
    (
        "auth",
        &[
            "auth",
            "authn",
            "authz",
            "authentication",
            "authorisation",
            "authorization",
            "oauth",
            "oauth2",
            "oidc",
            "saml",
            "sso",
            "login",
            "logout",
            "rbac",
            "acl",
            "mfa",
            "totp",
            "passwords",
            "password",
        ],
        "use the organisation's identity provider or an established library, reviewed by a security architect",
    ),
    (
        "payment",
        &[
            "payment",
            "payments",
            "billing",
            "checkout",
            "pci",
            "stripe",
            "braintree",
            "adyen",
            "paypal",
            "worldpay",
        ],
        "payment logic needs PCI-DSS review: use the payment provider's SDK",
    ),
    (
        "network",
        &[
            "firewall",
            "iptables",
            "nftables",
            "netpol",
            "networkpolicy",
            "networkpolicies",
            "securitygroup",
            "securitygroups",
            "waf",
            "nacl",
        ],
        "firewall and network policy changes need review by the network team",
    ),
    (
        "safety",
        &["safety", "failsafe", "interlock", "safetycritical"],
        "safety-critical logic needs specialist design and verification",
    ),
];

/// Splits a path component into lower-case words: `AuthService.ts` → `auth`, `service`, `ts`.
pub fn words(component: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in component.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    // Joined pairs catch `network-policy` and `security_group` written as two words.
    let pairs: Vec<String> = out
        .windows(2)
        .map(|w| format!("{}{}", w[0], w[1]))
        .collect();
    out.extend(pairs);
    out
}

/// The prohibited area a path lies in, with the word that marked it.
pub fn area_of(p: &NormPath) -> Option<(&'static str, String, &'static str)> {
    for comp in p.lexical.components() {
        let s = comp.as_os_str().to_string_lossy();
        for w in words(&s) {
            for (area, marks, instead) in AREAS {
                if marks.contains(&w.as_str()) {
                    return Some((area, w, instead));
                }
            }
        }
    }
    None
}

pub fn check(p: &NormPath, tool: &str, out: &mut Vec<Finding>) {
    if let Some((area, word, instead)) = area_of(p) {
        out.push(Finding::new(
            format!("prohibited.area.{area}"),
            "PR-07",
            p.display(),
            format!(
                "{tool} of {} was refused: `{word}` marks it as {area} code, an area where generating code needs specialist review (C15, PR-07). Instead, {instead}; explain the change for a person to make.",
                p.display()
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn area(p: &str) -> Option<&'static str> {
        area_of(&NormPath::new(p, Path::new("/p"), None)).map(|(a, _, _)| a)
    }

    #[test]
    fn areas_by_whole_word() {
        assert_eq!(area("src/AuthService.ts"), Some("auth"));
        assert_eq!(area("src/auth/session.rs"), Some("auth"));
        assert_eq!(area("src/author.rs"), None);
        assert_eq!(area("lib/payments/refund.py"), Some("payment"));
        assert_eq!(area("k8s/network-policy.yaml"), Some("network"));
        assert_eq!(area("infra/security_group.tf"), Some("network"));
        assert_eq!(area("src/delivery.go"), None);
        assert_eq!(area("src/cardinality.py"), None);
        assert_eq!(area("src/crypto/aes.rs"), Some("crypto"));
        assert_eq!(area("docs/README.md"), None);
    }
}
